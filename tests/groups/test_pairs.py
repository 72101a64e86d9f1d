"""Study pairs (学习对子) and the teachers' student tags (issue 16)."""

from __future__ import annotations

import io
import random

from django.core.exceptions import ValidationError
from django.urls import reverse

import pytest
from openpyxl import load_workbook

from groups import forming, pairs
from groups.forming import Candidate
from groups.models import PairScore, StudentTag, StudentTagging, StudyPair
from schoolops.models import ExamResult, ReadLog

from .helpers import add_students, make_groups


@pytest.fixture
def pupils(school):
    """Class A: 张小明 and nine more, with a 期中考试 result in 数学 and 语文."""
    ExamResult.objects.all().delete()
    others = add_students(school.class_a, 9, seed=7, subjects=[school.maths, school.chinese])
    exam = others[0].exam_results.first().exam
    ExamResult.objects.create(student=school.student_a, exam=exam, subject=school.maths, score=30)
    ExamResult.objects.create(student=school.student_a, exam=exam, subject=school.chinese, score=90)
    return [school.student_a, *others]


@pytest.fixture
def tags(db):
    return [
        StudentTag.objects.create(kind="personality", name="性格外向", order=1),
        StudentTag.objects.create(kind="personality", name="性格内向", order=2),
        StudentTag.objects.create(kind="interest", name="篮球特长", order=3),
    ]


def test_suggestions_pair_the_stronger_half_with_the_weaker_half():
    scores = {1: 95, 2: 40, 3: 80, 4: 60, 5: 70}
    suggestions = forming.suggest_pairs(scores)
    # Ranked 1 (95), 3 (80), 5 (70), 4 (60), 2 (40): halves of two, the weakest joins the last.
    assert suggestions == [(1, 5, None), (3, 4, 2)]
    for stronger, weaker, third in suggestions:
        assert scores[stronger] > scores[weaker]
        assert third is None or scores[stronger] > scores[third]
    assert forming.suggest_pairs({1: 50}) == []
    assert forming.suggest_pairs({}) == []


def test_pairs_are_formed_from_the_suggestions_changed_and_scored(login, school, pupils):
    homeroom = login(school.homeroom)
    url = reverse("groups:pairs_form", args=[school.class_a.pk])
    page = homeroom.get(url, {"subject": school.maths.pk})
    assert page.status_code == 200
    form = page.context["form"]
    suggested = [(s.stronger, s.weaker, s.third) for _n, s, _f in form.rows if s is not None]
    assert len(suggested) == 5
    scores = dict(
        ExamResult.objects.filter(subject=school.maths).values_list("student_id", "score")
    )
    for stronger, weaker, _third in suggested:
        assert scores[stronger.pk] >= scores[weaker.pk]
    # 张小明 (30 in 数学) is the weakest: the strongest's partner would be the sixth.
    assert school.student_a in [w for _s, w, _t in suggested]
    # Keep the suggestions but swap the first two pairs' weaker students.
    data = {}
    for i, (stronger, weaker, third) in enumerate(suggested):
        data[f"stronger_{i}"] = stronger.pk
        data[f"weaker_{i}"] = weaker.pk
        data[f"third_{i}"] = third.pk if third else ""
    data["weaker_0"], data["weaker_1"] = suggested[1][1].pk, suggested[0][1].pk
    response = homeroom.post(f"{url}?subject={school.maths.pk}", data)
    assert response.status_code == 302
    formed = StudyPair.objects.active().filter(subject=school.maths).order_by("pk")
    assert formed.count() == 5
    assert formed[0].stronger == suggested[0][0] and formed[0].weaker == suggested[1][1]

    # A student twice: refused with a message, nothing saved.
    data["weaker_2"] = data["weaker_0"]
    again = homeroom.post(f"{url}?subject={school.maths.pk}", data)
    assert again.status_code == 200
    assert again.context["form"] is not None
    assert StudyPair.objects.filter(subject=school.maths).count() == 5

    # The maths teacher gives the first pair points; the list shows them.
    pair = formed[0]
    teacher = login(school.teacher)
    detail = reverse("groups:pair_detail", args=[pair.pk])
    assert teacher.post(detail, {"points": 2, "reason": "互讲错题"}).status_code == 302
    assert teacher.post(detail, {"points": 0, "reason": "零分"}).status_code == 200
    assert teacher.post(detail, {"points": 99, "reason": "太多"}).status_code == 200
    assert list(PairScore.objects.values_list("points", flat=True)) == [2]
    listing = teacher.get(reverse("groups:pairs", args=[school.class_a.pk]))
    row = next(p for p in listing.context["pairs"] if p.pk == pair.pk)
    assert row.total == 2

    # A subject teacher may not change a pair; the homeroom teacher changes it: a new pair.
    edit = reverse("groups:pair_edit", args=[pair.pk])
    assert teacher.get(edit).status_code == 403
    homeroom = login(school.homeroom)
    clash = homeroom.post(
        edit, {"stronger": pair.stronger_id, "weaker": formed[1].weaker_id, "third": ""}
    )
    assert clash.status_code == 200  # already in another pair of the subject
    changed = homeroom.post(edit, {"stronger": pair.weaker_id, "weaker": pair.stronger_id})
    assert changed.status_code == 302
    pair.refresh_from_db()
    assert pair.ended_at is not None
    new = StudyPair.objects.active().get(stronger_id=pair.weaker_id, subject=school.maths)
    assert new.scores.count() == 0 and pair.scores.count() == 1
    # An ended pair takes no more points.
    assert login(school.teacher).post(detail, {"points": 1, "reason": "x"}).status_code == 403


def test_pair_pages_are_scoped(login, school, pupils):
    pair = pairs.form_pairs(
        school.class_a,
        school.term,
        school.maths,
        [(pupils[1], pupils[0], None)],
        school.homeroom,
    )[0]
    outsider = login(school.outsider)
    assert outsider.get(reverse("groups:pairs", args=[school.class_a.pk])).status_code == 404
    assert outsider.get(reverse("groups:pair_detail", args=[pair.pk])).status_code == 404
    assert (
        outsider.post(reverse("groups:pair_detail", args=[pair.pk]), {"points": 1}).status_code
        == 404
    )
    assert outsider.get(reverse("groups:pair_edit", args=[pair.pk])).status_code == 404
    assert outsider.get(reverse("groups:tags", args=[school.class_a.pk])).status_code == 404
    teacher = login(school.teacher)
    assert teacher.get(reverse("groups:pairs_form", args=[school.class_a.pk])).status_code == 403
    assert teacher.get(reverse("groups:tags", args=[school.class_a.pk])).status_code == 403
    # The class's teachers may not form pairs with a student of another class.
    with pytest.raises(ValidationError):
        pairs.form_pairs(
            school.class_a,
            school.term,
            school.maths,
            [(pupils[1], school.student_b, None)],
            school.homeroom,
        )


def test_the_homeroom_teacher_sets_tags_logged_as_read(login, school, pupils, tags):
    homeroom = login(school.homeroom)
    url = reverse("groups:tags", args=[school.class_a.pk])
    page = homeroom.get(url)
    assert page.status_code == 200
    assert "性格内向" in page.content.decode()
    assert ReadLog.objects.filter(student=school.student_a, what="groups:tags").exists()
    response = homeroom.post(
        url,
        {
            f"tags_{pupils[0].pk}": [tags[1].pk, tags[2].pk],
            f"tags_{pupils[1].pk}": [tags[0].pk],
        },
    )
    assert response.status_code == 302
    assert StudentTagging.objects.count() == 3
    homeroom.post(url, {f"tags_{pupils[0].pk}": [tags[1].pk]})
    assert set(StudentTagging.objects.values_list("student_id", "tag_id")) == {
        (pupils[0].pk, tags[1].pk)
    }
    # The removals stay in the change history.
    assert StudentTagging.history.filter(history_type="-").count() == 2


def test_forming_spreads_each_tag_across_groups():
    rng = random.Random(3)
    people = [
        Candidate(
            student_id=i,
            gender="M" if i % 2 else "F",
            total=round(rng.gauss(480, 60), 1),
            # Eight introverts (tag 1) among the strongest: dealt by score, they would bunch.
            tags=frozenset({1}) if i < 8 else frozenset({2}) if i % 5 == 0 else frozenset(),
        )
        for i in range(40)
    ]
    for i in range(8):
        people[i].total = 600 - i
    groups = forming.propose(people, 5)
    figures = forming.balance(groups, 5)
    assert figures.ok
    assert max(figures.tag_counts[1]) - min(figures.tag_counts[1]) <= 1
    assert sum(figures.tag_counts[1]) == 8


def test_tags_are_shown_in_the_balance_figures_to_teachers(login, school, pupils, tags):
    for student in pupils[:4]:
        StudentTagging.objects.create(student=student, tag=tags[1], set_by=school.homeroom)
    make_groups(school.class_a, school.term, pupils, per_group=5)
    page = login(school.homeroom).get(reverse("groups:class_groups", args=[school.class_a.pk]))
    html = page.content.decode()
    assert 'id="tag-balance"' in html and "性格内向" in html
    assert page.context["tag_rows"][0][1] == [
        sum(1 for s in pupils[:4] if s in pupils[:5]),
        sum(1 for s in pupils[:4] if s in pupils[5:]),
    ]


def test_no_tag_is_printed_or_exported(login, school, pupils, tags):
    """Every print page and download of a class with tagged students: no tag text."""
    for student, tag in zip(pupils, tags * 4, strict=False):
        StudentTagging.objects.create(student=student, tag=tag, set_by=school.homeroom)
    make_groups(school.class_a, school.term, pupils, per_group=5)
    pair = pairs.form_pairs(
        school.class_a, school.term, school.maths, [(pupils[1], pupils[0], None)], school.homeroom
    )[0]
    principal = login(school.principal)
    class_pk = school.class_a.pk
    texts = []
    for name in ("register", "seating", "pairs", "ranking"):
        response = principal.get(reverse(f"groups:{name}", args=[class_pk]))
        assert response.status_code == 200, name
        texts.append(response.content.decode())
    texts.append(principal.get(reverse("groups:pair_detail", args=[pair.pk])).content.decode())
    for name in ("register_xlsx",):
        response = principal.get(reverse(f"groups:{name}", args=[class_pk]))
        assert response.status_code == 200
        workbook = load_workbook(
            io.BytesIO(
                b"".join(response.streaming_content) if response.streaming else response.content
            )
        )
        texts.append(
            " ".join(
                str(cell)
                for sheet in workbook.worksheets
                for row in sheet.iter_rows(values_only=True)
                for cell in row
                if cell is not None
            )
        )
    # Every export kind of the project (the class's register, the student's record for a
    # guardian's request, the rosters, the ledgers...), written as the command writes it.
    from schoolops.sheets import engine
    from tests.safety.exports import kind_options
    from tests.safety.test_export_formulas import _ensure_records

    _ensure_records(school)
    for kind in sorted(engine.export_kinds()):
        buffer = io.BytesIO()
        engine.export_file(kind, buffer, **kind_options(kind, school))
        book = load_workbook(io.BytesIO(buffer.getvalue()))
        texts.append(
            " ".join(
                str(cell)
                for sheet in book.worksheets
                for row in sheet.iter_rows(values_only=True)
                for cell in row
                if cell is not None
            )
        )
    # The student's record for a guardian's request, as its sections.
    from schoolops.registry import registry

    for export in registry.student_exports:
        for section in export.sections(pupils[0]):
            texts.append(str(section))
    # The walk reads what it should: the tagged students are named in the register.
    assert sum(1 for text in texts if pupils[0].name in text) >= 3
    for text in texts:
        for tag in tags:
            assert tag.name not in text


def _queries(client, url, django_assert_max_num_queries) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    with django_assert_max_num_queries(20):
        client.get(url)
    return len(captured.captured_queries)


def test_pair_pages_keep_a_fixed_number_of_queries(
    login, school, pupils, tags, django_assert_max_num_queries
):
    homeroom = login(school.homeroom)
    urls = [
        reverse("groups:pairs", args=[school.class_a.pk]),
        reverse("groups:tags", args=[school.class_a.pk]),
        f"{reverse('groups:pairs_form', args=[school.class_a.pk])}?subject={school.maths.pk}",
    ]
    pairs.form_pairs(
        school.class_a, school.term, school.maths, [(pupils[1], pupils[0], None)], school.homeroom
    )
    small = [_queries(homeroom, url, django_assert_max_num_queries) for url in urls]
    more = add_students(school.class_a, 30, seed=9, subjects=[school.maths, school.chinese])
    for student in more[:10]:
        StudentTagging.objects.create(student=student, tag=tags[0], set_by=school.homeroom)
    pairs.form_pairs(
        school.class_a,
        school.term,
        school.chinese,
        [(more[i], more[i + 15], more[29] if i == 0 else None) for i in range(12)],
        school.homeroom,
    )
    pair = StudyPair.objects.active().filter(subject=school.chinese).first()
    for n in range(5):
        pairs.add_points(pair, 1, f"第{n}次", school.teacher)
    large = [_queries(homeroom, url, django_assert_max_num_queries) for url in urls]
    assert small == large
    detail = reverse("groups:pair_detail", args=[pair.pk])
    with django_assert_max_num_queries(20):
        assert homeroom.get(detail).status_code == 200


def test_an_anonymised_student_loses_their_tags_and_their_history(school, tags):
    from groups import records

    StudentTagging.objects.create(student=school.student_a, tag=tags[1], set_by=school.homeroom)
    StudentTagging.objects.create(student=school.student_b, tag=tags[1], set_by=school.homeroom)
    dry = records.purge([school.student_a.pk], dry_run=True)
    assert dry["groups.StudentTagging (deleted)"] == 1
    assert StudentTagging.objects.filter(student=school.student_a).exists()
    records.purge([school.student_a.pk], dry_run=False)
    assert not StudentTagging.objects.filter(student=school.student_a).exists()
    assert not StudentTagging.history.filter(student_id=school.student_a.pk).exists()
    assert StudentTagging.objects.filter(student=school.student_b).exists()
