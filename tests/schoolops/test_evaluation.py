"""The term-end evaluation (issue 15 §5): the apps' parts composed through the registry,
weighed and ranked; who sees which evaluation; nominations, selections and publication."""

from __future__ import annotations

import ast
import io
from decimal import Decimal
from pathlib import Path

from django.core.management import call_command
from django.urls import reverse

import openpyxl
import pytest

from schoolops import awards, evaluation
from schoolops.models import (
    AwardCategory,
    AwardNomination,
    AwardPublication,
    EvaluationSnapshot,
    EvaluationWeight,
    Post,
    ReadLog,
    SchoolClass,
    Student,
    TeachingAssignment,
)
from schoolops.registry import TermContribution, registry
from tests.conftest import make_staff

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
APPS = {"groups", "consult", "mentors"}


def _parts(monkeypatch, *parts: TermContribution) -> None:
    """Only these parts are registered for the test."""
    monkeypatch.setattr(registry, "term_contributions_", list(parts))


def part(key, level, figures, order=100, weight=Decimal(1)) -> TermContribution:
    return TermContribution(
        key=key,
        level=level,
        label=key,
        compute=lambda term: figures(),
        order=order,
        default_weight=weight,
    )


# Composition: normalise, weigh, rank.


def test_the_total_weighs_each_part_and_ties_share_a_rank(school, monkeypatch):
    a, b, c = school.class_a, school.class_b, school.class_c
    _parts(
        monkeypatch,
        part("x.one", "class", lambda: {a.pk: 90, b.pk: 60, c.pk: 150}, order=1),
        part("x.two", "class", lambda: {a.pk: 50, b.pk: 110}, order=2),
    )
    EvaluationWeight.objects.create(level="class", key="x.one", weight=30)
    EvaluationWeight.objects.create(level="class", key="x.two", weight=10)
    table = evaluation.build(school.term).classes
    totals = {line.pk: line.total for line in table.lines}
    # a: 90 × 0.75 + 50 × 0.25; b: 60 × 0.75 + 100 (held to 100) × 0.25; c: 100 × 0.75 + 0.
    assert totals == {a.pk: Decimal("80.00"), b.pk: Decimal("70.00"), c.pk: Decimal("75.00")}
    assert [p.percent for p in table.parts] == [Decimal("75.0"), Decimal("25.0")]
    ranks = {line.pk: line.rank for line in table.lines}
    # Classes are ranked within their grade: a before b in 七年级, c alone in 八年级.
    assert ranks == {a.pk: 1, b.pk: 2, c.pk: 1}
    line_c = table.line(c.pk)
    assert line_c.figures == {"x.one": Decimal("100.0"), "x.two": None}


def test_equal_totals_share_a_rank_and_the_next_rank_skips(school, monkeypatch):
    t, h, o, g = school.teacher, school.homeroom, school.outsider, school.grade_head
    _parts(monkeypatch, part("x.t", "teacher", lambda: {t.pk: 80, h.pk: 80, o.pk: 70, g.pk: 95}))
    lines = evaluation.build(school.term).teachers.lines
    ranked = [(line.name, line.rank) for line in lines]
    assert ranked == [(g.name, 1), *sorted([(h.name, 2), (t.name, 2)]), (o.name, 4)]


def test_a_part_without_figures_this_term_leaves_the_weight_to_the_others(school, monkeypatch):
    a = school.class_a
    _parts(
        monkeypatch,
        part("x.used", "class", lambda: {a.pk: 60}),
        part("x.unused", "class", lambda: {}),
    )
    table = evaluation.build(school.term).classes
    assert table.line(a.pk).total == Decimal("60.00")
    assert [p.in_play for p in table.parts] == [True, False]
    # A class the part leaves out scores 0 on it.
    assert table.line(school.class_b.pk).total == Decimal("0.00")


def test_a_grade_is_the_mean_of_its_classes_and_its_own_parts(school, monkeypatch):
    a, b = school.class_a, school.class_b
    _parts(
        monkeypatch,
        part("x.c", "class", lambda: {a.pk: 80, b.pk: 60}),
        part("x.g", "grade", lambda: {school.grade7.pk: 100}),
    )
    EvaluationWeight.objects.create(level="grade", key="schoolops.classes", weight=3)
    grades = evaluation.build(school.term).grades
    # (70 × 3 + 100 × 1) / 4
    assert grades.line(school.grade7.pk).total == Decimal("77.50")
    assert grades.line(school.grade8.pk).total == Decimal("0.00")
    assert [line.rank for line in grades.lines] == [1, 2]


def test_the_kept_evaluation_reads_back_as_built_and_knows_when_weights_changed(
    school, monkeypatch
):
    a = school.class_a
    _parts(monkeypatch, part("x.c", "class", lambda: {a.pk: 42}))
    snapshot = evaluation.build_and_keep(school.term, school.academic.user)
    kept = evaluation.read(EvaluationSnapshot.objects.get(pk=snapshot.pk))
    assert kept.classes.line(a.pk).total == Decimal("42.00")
    assert kept.classes.line(a.pk).group.name == "七年级"
    assert not evaluation.weights_changed(snapshot)
    EvaluationWeight.objects.create(level="class", key="x.c", weight=5)
    assert evaluation.weights_changed(snapshot)


def test_every_app_registers_its_parts_through_the_registry():
    keys = {(c.level, c.key) for c in registry.term_contributions_}
    assert {
        ("class", "groups.results"),
        ("class", "consult.score"),
        ("teacher", "consult.participation"),
        ("teacher", "consult.cases"),
        ("teacher", "mentors.evaluation"),
    } <= keys
    assert "groups.outstanding" in {c.key for c in registry.award_candidates}


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module.split(".")[0])
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            # import_string("consult.selectors...") counts as an import too.
            head = node.value.split(".")[0]
            if head in APPS and node.value.count(".") >= 2 and " " not in node.value:
                found.add(head)
    return found


def test_schoolops_imports_no_app():
    """The apps plug into schoolops through the registry; schoolops never imports one (the
    evaluation reads the apps' parts through ``registry.term_contributions``)."""
    # The settings are where the project is composed: they name the apps and their
    # middleware (groups' class terminal) by string, as INSTALLED_APPS does; no code imports.
    composition = {ROOT / "schoolops" / "settings.py"}
    offenders = {
        str(path.relative_to(ROOT)): sorted(_imported_modules(path) & APPS)
        for path in sorted((ROOT / "schoolops").rglob("*.py"))
        if "migrations" not in path.parts
        and path not in composition
        and _imported_modules(path) & APPS
    }
    assert offenders == {}


def test_the_real_parts_compute_on_the_cast(school, today):
    """The apps' parts run on a term with nothing recorded: no figure, no error."""
    result = evaluation.build(school.term)
    assert {line.total for line in result.classes.lines} == {Decimal("0.00")}
    assert len(result.teachers.lines) >= 3


# Pages and scope.


@pytest.fixture
def built(school, today, monkeypatch):
    a, b, c = school.class_a, school.class_b, school.class_c
    t, h = school.teacher, school.homeroom
    _parts(
        monkeypatch,
        part("x.c", "class", lambda: {a.pk: 88, b.pk: 70, c.pk: 50}),
        part("x.t", "teacher", lambda: {t.pk: 91, h.pk: 64}),
    )
    return evaluation.build_and_keep(school.term, school.academic.user)


def test_the_principal_sees_every_ranked_list_with_the_weights(school, login, built):
    response = login(school.principal).get(reverse("schoolops:evaluation"))
    assert response.status_code == 200
    text = response.text
    assert 'id="class-ranking"' in text and 'id="teacher-ranking"' in text
    assert 'id="grade-ranking"' in text and 'class="small text-muted mb-1 weights"' in text
    assert school.teacher.name in text
    assert 'id="build"' not in text  # the academic office builds it
    card = login(school.principal).get(
        reverse("schoolops:evaluation_teacher", args=[school.teacher.pk])
    )
    assert "91.0" in card.text


def test_a_teacher_sees_only_their_own_card(school, login, built):
    client = login(school.teacher)
    text = client.get(reverse("schoolops:evaluation")).text
    assert 'id="my-card"' in text and "91.00" in text
    assert 'id="teacher-ranking"' not in text and 'id="class-ranking"' not in text
    assert school.homeroom.name not in text.split('id="my-card"')[1]
    other = reverse("schoolops:evaluation_teacher", args=[school.homeroom.pk])
    assert client.get(other).status_code == 403
    assert client.get(reverse("schoolops:evaluation_awards")).status_code == 403
    assert client.get(reverse("schoolops:evaluation_xlsx")).status_code == 403


def test_a_homeroom_teacher_sees_only_their_class(school, login, built):
    client = login(school.homeroom)
    text = client.get(reverse("schoolops:evaluation")).text
    assert 'id="my-classes"' in text and 'id="class-ranking"' not in text
    own = client.get(reverse("schoolops:evaluation_class", args=[school.class_a.pk]))
    assert own.status_code == 200 and "88.0" in own.text
    other = reverse("schoolops:evaluation_class", args=[school.class_b.pk])
    assert client.get(other).status_code == 404
    # A subject teacher of class A keeps no class: their card only.
    assert (
        login(school.teacher)
        .get(reverse("schoolops:evaluation_class", args=[school.class_a.pk]))
        .status_code
        == 404
    )


def test_a_grade_head_sees_the_classes_of_their_grade(school, login, built):
    client = login(school.grade_head)
    text = client.get(reverse("schoolops:evaluation")).text
    assert 'id="class-ranking"' in text and 'id="teacher-ranking"' not in text
    assert school.class_a.pk and "七年级(1)班" in text and "八年级(1)班" not in text


def test_nothing_built_yet_says_so(school, login, today):
    text = login(school.teacher).get(reverse("schoolops:evaluation")).text
    assert 'id="not-built"' in text


def test_the_academic_office_builds_the_evaluation(school, login, today):
    client = login(school.academic)
    response = client.post(reverse("schoolops:evaluation"), follow=True)
    assert response.status_code == 200
    assert EvaluationSnapshot.objects.filter(term=school.term).count() == 1
    assert login(school.principal).post(reverse("schoolops:evaluation")).status_code == 403


def test_the_pages_run_a_fixed_number_of_queries(
    school, login, built, django_assert_max_num_queries
):
    """At most 20 queries a page, the same on a bigger school (more classes, teachers and
    nominations)."""
    pages = [
        (school.principal, reverse("schoolops:evaluation")),
        (school.teacher, reverse("schoolops:evaluation")),
        (school.academic, reverse("schoolops:evaluation_awards")),
        (school.homeroom, reverse("schoolops:evaluation_class", args=[school.class_a.pk])),
        (school.principal, reverse("schoolops:evaluation_teacher", args=[school.teacher.pk])),
        (school.teacher, reverse("schoolops:evaluation_honours")),
    ]

    def counts() -> list[int]:
        found = []
        for staff, url in pages:
            client = login(staff)
            client.get(url)
            with django_assert_max_num_queries(20) as queries:
                assert client.get(url).status_code == 200
            found.append(len(queries.captured_queries))
        return found

    # One of each kind already (a read of a family's nomination is logged: one insert).
    awards.nominate(school.term, "family", school.student_a, "配合紧密", user=school.homeroom.user)
    awards.nominate(school.term, "class", school.class_a, "进步明显", user=school.academic.user)
    small = counts()
    for number in range(3, 9):
        teacher = make_staff(f"T2{number:03d}", f"新老师{number}", [Post.HOMEROOM])
        extra = SchoolClass.objects.create(
            academic_year=school.year, grade=school.grade7, number=number, homeroom_teacher=teacher
        )
        TeachingAssignment.objects.create(staff=teacher, school_class=extra, subject=school.maths)
        student = Student.objects.create(
            student_no=f"07026{number:02d}001", name=f"学生{number}", school_class=school.class_a
        )
        awards.nominate(school.term, "family", student, "配合紧密", user=school.homeroom.user)
        awards.nominate(school.term, "class", extra, "进步明显", user=school.academic.user)
    for nomination in AwardNomination.objects.all():
        awards.set_status(nomination, "selected")
    awards.publish(school.term, "family", user=school.academic.user)
    awards.publish(school.term, "class", user=school.academic.user)
    evaluation.build_and_keep(school.term, school.academic.user)
    assert counts() == small


# Nominations, selections, publication.


def test_the_academic_office_nominates_selects_and_publishes(school, login, built):
    client = login(school.academic)
    url = reverse("schoolops:evaluation_awards")
    response = client.post(
        url,
        {"action": "nominate", "nominee": f"class:{school.class_a.pk}", "reason": "会商扎实"},
    )
    assert response.status_code == 302
    nomination = AwardNomination.objects.get(category=AwardCategory.CLASS)
    assert nomination.school_class == school.class_a
    assert nomination.nominated_by == school.academic.user
    # The same class again is refused.
    again = client.post(
        url, {"action": "nominate", "nominee": f"class:{school.class_a.pk}", "reason": "再次"}
    )
    assert again.status_code == 200 and AwardNomination.objects.count() == 1
    # Publishing with nothing selected is refused.
    client.post(url, {"action": "publish", "category": "class"})
    assert not AwardPublication.objects.exists()
    client.post(url, {"action": "status", "nomination": nomination.pk, "status": "selected"})
    client.post(url, {"action": "publish", "category": "class"})
    assert AwardPublication.objects.filter(category="class").count() == 1
    # Published: fixed.
    client.post(url, {"action": "status", "nomination": nomination.pk, "status": "withdrawn"})
    nomination.refresh_from_db()
    assert nomination.status == AwardNomination.Status.SELECTED
    honours = login(school.teacher).get(reverse("schoolops:evaluation_honours")).text
    assert "七年级(1)班" in honours and "会商扎实" in honours
    # The principal reads the nominations and cannot change them.
    assert login(school.principal).get(url).status_code == 200
    principal = login(school.principal).post(url, {"action": "publish", "category": "teacher"})
    assert principal.status_code == 403


def test_a_nominee_outside_the_lists_is_refused(school, login, built):
    client = login(school.academic)
    url = reverse("schoolops:evaluation_awards")
    response = client.post(url, {"action": "nominate", "nominee": "class:999999", "reason": "x"})
    assert response.status_code == 200
    assert not AwardNomination.objects.exists()


def test_a_homeroom_teacher_nominates_a_family_with_a_reason(school, login, built):
    client = login(school.homeroom)
    url = reverse("schoolops:evaluation_class", args=[school.class_a.pk])
    response = client.post(
        url, {"category": "family", "student": school.student_a.pk, "reason": "家校配合紧密"}
    )
    assert response.status_code == 302
    nomination = AwardNomination.objects.get()
    assert nomination.student == school.student_a
    assert nomination.school_class == school.class_a
    # A student of another class is not in the list.
    bad = client.post(url, {"category": "parent", "student": school.student_b.pk, "reason": "x"})
    assert bad.status_code == 200 and AwardNomination.objects.count() == 1
    # The reason is sensitive: reading it is logged.
    client.get(url)
    assert ReadLog.objects.filter(student=school.student_a).exists()
    # The grade head reads it; cannot nominate (no form: a POST is a 403).
    head = login(school.grade_head)
    assert "家校配合紧密" in head.get(url).text
    assert head.post(url, {"category": "family", "student": school.student_a.pk}).status_code == 403


def test_published_family_awards_do_not_show_the_reason(school, login, built):
    awards.nominate(
        school.term, "family", school.student_a, "家庭困难但很重视", user=school.homeroom.user
    )
    nomination = AwardNomination.objects.get()
    awards.set_status(nomination, "selected")
    awards.publish(school.term, "family", user=school.academic.user)
    text = login(school.office).get(reverse("schoolops:evaluation_honours")).text
    assert school.student_a.name in text and "家庭困难" not in text


# Export.


def test_the_tables_export_to_xlsx_for_the_current_term(school, built, tmp_path):
    path = tmp_path / "evaluation.xlsx"
    call_command("export_sheet", "term_evaluation", str(path), "--term", "CURRENT")
    book = openpyxl.load_workbook(path)
    assert len(book.worksheets) == 3
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert rows[0][:4] == ("级部", "名称", "排名", "总分")
    assert any(row[1] == "七年级(1)班" and row[5] == 88 for row in rows[1:])


def test_the_principal_downloads_the_tables(school, login, built):
    response = login(school.principal).get(reverse("schoolops:evaluation_xlsx"))
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.worksheets[2].max_row > 1


# The demo school.


def test_the_demo_school_has_a_term_evaluation_with_nominations_and_a_published_selection():
    from schoolops import demo
    from tests.schoolops.test_demo import TODAY, reinstall_reference_data

    reinstall_reference_data()
    context = demo.seed("tiny", today=TODAY)
    snapshot = evaluation.latest(context.term)
    assert snapshot is not None
    result = evaluation.read(snapshot)
    assert result.classes.lines and result.teachers.lines
    assert EvaluationWeight.objects.filter(key="consult.score", weight=40).exists()
    categories = set(AwardNomination.objects.values_list("category", flat=True))
    assert {"class", "teacher", "family", "parent"} <= categories
    assert set(AwardPublication.objects.values_list("category", flat=True)) == {"class", "teacher"}
    published = awards.published(context.term)
    assert published["class"] and published["teacher"]


def test_the_academic_office_is_reminded_to_build_it_in_the_last_weeks(school, login):
    import datetime as dt

    import time_machine

    from schoolops.registry import registry as the_registry

    def todos_of(staff, day):
        with time_machine.travel(dt.datetime.combine(day, dt.time(9)), tick=False):
            client = login(staff)
            response = client.get(reverse("home"))
            return [t for t in response.context["todos"] if t.app == "schoolops"]

    near_end = school.term.end_date - dt.timedelta(days=10)
    assert [t.url for t in todos_of(school.academic, near_end)] == ["/evaluation/"]
    assert todos_of(school.academic, school.term.start_date + dt.timedelta(days=20)) == []
    assert todos_of(school.principal, near_end) == []
    evaluation.build_and_keep(school.term)
    assert todos_of(school.academic, near_end) == []
    assert any("evaluation" in getattr(p, "__name__", "") for p in the_registry.todo_providers)


def test_the_academic_office_nominates_an_apps_candidate_group(school, login, built, monkeypatch):
    from schoolops.registry import AwardCandidate, AwardCandidates

    candidate = AwardCandidate(
        ref="groups.StudyGroup:7",
        name="七年级(1)班 星火组",
        school_class_id=school.class_a.pk,
        figure=Decimal("90.0"),
        note="本学期 2 个月获评优秀小组",
    )
    monkeypatch.setattr(
        registry,
        "award_candidates",
        [AwardCandidates("test.groups", "group", lambda term: [candidate])],
    )
    client = login(school.academic)
    url = reverse("schoolops:evaluation_awards")
    assert "星火组" in client.get(url).text
    response = client.post(
        url, {"action": "nominate", "nominee": "group:groups.StudyGroup:7", "reason": "互帮互学"}
    )
    assert response.status_code == 302
    nomination = AwardNomination.objects.get(category="group")
    assert (nomination.ref, nomination.school_class) == ("groups.StudyGroup:7", school.class_a)
    unknown = client.post(
        url, {"action": "nominate", "nominee": "group:groups.StudyGroup:8", "reason": "x"}
    )
    assert unknown.status_code == 200 and AwardNomination.objects.count() == 1
