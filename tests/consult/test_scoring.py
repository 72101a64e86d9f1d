import datetime as dt
from decimal import Decimal

import pytest

from consult.models import Attention, Case, CaseJudge, CaseScore, ConsultSettings, Level
from consult.selectors import class_scores

from .helpers import add_students, ledger, meeting, strategy

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 9, 28)  # Monday of week 5: weeks 1-4 have ended


def build(school):
    """Class A: 4 students (one special), 3 of 4 weeks held, 2 of 3 records complete."""
    a = school.student_a
    b, c, d = add_students(school.class_a, 3)
    ledger(a, school.term, categories=[Attention.LEFT_BEHIND], plan="每周谈心一次")
    ledger(b, school.term)
    ledger(c, school.term, interests="")  # incomplete
    m1 = meeting(school, dt.date(2026, 9, 1), students=[a, b])
    strategy(school, a, dt.date(2026, 9, 1), meeting=m1)
    m2 = meeting(school, dt.date(2026, 9, 8), students=[c])
    strategy(school, c, dt.date(2026, 9, 8), meeting=m2)
    meeting(school, dt.date(2026, 9, 22), complete=False)  # no parts, no strategy
    case = Case.objects.create(
        student=a,
        term=school.term,
        school_class=school.class_a,
        title="于细微处做文章",
        situation="s",
        strategy="s",
        process="p",
        result="r",
        nominated=True,
        author=school.homeroom,
        created_on=dt.date(2026, 9, 25),
    )
    for judge, score in ((school.principal, 90), (school.academic, 81)):
        CaseJudge.objects.create(term=school.term, staff=judge)
        CaseScore.objects.create(case=case, judge=judge, score=score)
    return d


def test_term_score_arithmetic_with_default_weights(school):
    build(school)
    rows = class_scores(school.term, [school.class_a, school.class_b], TODAY)
    a = next(r for r in rows if r.school_class == school.class_a)
    assert (a.meetings_held, a.meetings_expected) == (3, 4)
    assert (a.discussed, a.students, a.special_discussed, a.special) == (3, 4, 1, 1)
    assert (a.records_complete, a.records_total) == (2, 3)
    assert a.ledger_complete == 2
    assert a.best_case == Decimal("85.5")
    assert a.parts == {
        "meetings": Decimal("22.5"),  # 30 × 3/4
        "coverage": Decimal("17.5"),  # 20 × (3/4 + 1/1) / 2
        "records": Decimal("13.3"),  # 20 × 2/3
        "ledger": Decimal("10.0"),  # 20 × 2/4
        "cases": Decimal("8.6"),  # 10 × 85.5/100, rounded half up
        "activities": Decimal("0.0"),  # weight 0 until the office sets one
    }
    assert a.total == Decimal("71.9")
    b = next(r for r in rows if r.school_class == school.class_b)
    assert b.total == Decimal("0") and (b.meetings_expected, b.students) == (4, 1)


def test_weights_come_from_the_settings(school):
    build(school)
    settings = ConsultSettings.get()
    settings.weight_meetings, settings.weight_cases = 40, 0
    settings.save()
    [a] = class_scores(school.term, [school.class_a], TODAY)
    assert a.parts["meetings"] == Decimal("30.0") and a.parts["cases"] == Decimal("0.0")


def test_weights_must_add_up_to_100(school):
    settings = ConsultSettings.get()
    settings.weight_cases = 20
    with pytest.raises(Exception, match="100"):
        settings.full_clean()


def test_month_score_uses_only_that_months_weeks_and_meetings(school):
    build(school)
    meeting(school, dt.date(2026, 10, 13), students=[school.student_a])
    [a] = class_scores(school.term, [school.class_a], dt.date(2026, 10, 20), dt.date(2026, 10, 1))
    # October weeks whose first day is in October and have ended by 10-20: 10-5, 10-12.
    assert (a.meetings_held, a.meetings_expected) == (1, 2)
    assert (a.discussed, a.records_total, a.best_case) == (1, 1, None)
    assert a.parts["cases"] == Decimal("0.0")


def test_ranking_is_per_grade_with_ties(school):
    for c in (school.class_a, school.class_b):
        meeting(school, dt.date(2026, 9, 2), school_class=c, complete=False)
    meeting(school, dt.date(2026, 9, 2), school_class=school.class_c, complete=False)
    rows = class_scores(school.term, [school.class_a, school.class_b, school.class_c], TODAY)
    assert [(r.school_class.pk, r.rank) for r in rows] == [
        (school.class_a.pk, 1),
        (school.class_b.pk, 1),
        (school.class_c.pk, 1),
    ]
    meeting(school, dt.date(2026, 9, 9), school_class=school.class_b, complete=False)
    rows = class_scores(school.term, [school.class_a, school.class_b], TODAY)
    assert [(r.school_class.pk, r.rank) for r in rows] == [
        (school.class_b.pk, 1),
        (school.class_a.pk, 2),
    ]


def test_score_queries_do_not_grow_with_classes_or_meetings(school, django_assert_max_num_queries):
    with django_assert_max_num_queries(12) as small:
        class_scores(school.term, [school.class_a], TODAY)
    build(school)
    for day in range(1, 25):
        meeting(school, dt.date(2026, 9, day), school_class=school.class_b, level=Level.CLASS)
    with django_assert_max_num_queries(len(small.captured_queries)):
        class_scores(school.term, [school.class_a, school.class_b, school.class_c], TODAY)


def test_export_sheet_consult_scores_for_the_current_term(school, today, tmp_path):
    from django.core.management import call_command

    from openpyxl import load_workbook

    build(school)
    target = tmp_path / "scores.xlsx"
    call_command("export_sheet", "consult_scores", str(target), "--term", "CURRENT")
    sheet = load_workbook(target).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("级部", "班级", "级部名次", "总分")
    by_class = {row[1]: row for row in rows[1:]}
    assert set(by_class) == {str(c) for c in (school.class_a, school.class_b, school.class_c)}
    assert by_class[str(school.class_a)][2] == 1


def test_export_sheet_refuses_an_unknown_term(school, tmp_path):
    from django.core.management import CommandError, call_command

    with pytest.raises((CommandError, SystemExit)):
        call_command("export_sheet", "consult_scores", str(tmp_path / "x.xlsx"), "--term", "1999-1")
