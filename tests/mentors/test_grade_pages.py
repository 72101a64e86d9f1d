"""The school-wide selection progress and evaluation results: one grade a page.

Both pages list one grade's classes or mentors (grade tabs, the first grade by default, a
grade head's own grade first), so a request costs the same whatever the size of the school;
the school's figures come from grouped SQL and the exports keep the whole school.
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

from django.urls import reverse

import pytest
from openpyxl import load_workbook

from mentors import services
from mentors.models import Choice, MentorEvaluation, Pairing, TalkLog, TeacherRating
from mentors.selectors import year_grades
from mentors.views.compliance import COMPLIANCE_PAGE
from mentors.views.evaluation import EVALUATION_PAGE
from schoolops.models import AcademicYear, Grade, Post, SchoolClass, TeachingAssignment, Term
from tests.conftest import make_staff
from tests.mentors.conftest import add_students, pair

pytestmark = pytest.mark.django_db

SELECTION = "mentors:selection"
EVALUATION = "mentors:evaluation"
COMPLIANCE = "mentors:compliance"


@pytest.fixture
def grade8_mentor(school, mentoring):
    """周老师 teaches 八年级(1)班 and mentors two of its students."""
    mentor = make_staff("T1101", "周老师", [Post.SUBJECT_TEACHER])
    TeachingAssignment.objects.create(
        staff=mentor, school_class=school.class_c, subject=school.english
    )
    students = add_students(school.class_c, 3, prefix="08")
    for student in students[:2]:
        pair(school, student, mentor, rank=None)
    return mentor


def _rows(response):
    return [c.pk for c in response.context["classes"]]


def test_selection_shows_the_first_grade_and_switches_grades(
    school, mentoring, grade8_mentor, login, today
):
    pair(school, school.student_a, school.teacher)
    Choice.objects.create(
        student=school.student_a, academic_year=school.year, rank=1, mentor=school.teacher
    )
    client = login(school.academic)
    response = client.get(reverse(SELECTION))
    assert response.context["grade"] == school.grade7
    assert _rows(response) == [school.class_a.pk, school.class_b.pk]
    assert f'data-class="{school.class_c.pk}"' not in response.text
    a = response.context["classes"][0].progress
    assert (a.size, a.chosen, a.matched, a.by_hand, a.unpaired) == (5, 1, 1, 0, 4)
    assert f'href="?grade={school.grade8.pk}"' in response.text
    assert reverse("mentors:match", args=[school.grade7.pk]) in response.text

    response = client.get(reverse(SELECTION), {"grade": school.grade8.pk})
    assert response.context["grade"] == school.grade8
    assert _rows(response) == [school.class_c.pk]
    c = response.context["classes"][0].progress
    assert (c.size, c.matched, c.by_hand, c.unpaired) == (3, 0, 2, 1)
    assert reverse("mentors:match", args=[school.grade8.pk]) in response.text
    assert reverse("mentors:match", args=[school.grade7.pk]) not in response.text
    # The whole school's figures are on every tab: 5 + 1 (class_b) + 3 students.
    total = response.context["school"]
    assert (total.size, total.chosen, total.matched, total.by_hand, total.unpaired) == (
        9,
        1,
        1,
        2,
        6,
    )
    assert 'id="school-progress"' in response.text


@pytest.mark.parametrize("name", [SELECTION, EVALUATION, COMPLIANCE])
def test_a_grade_that_is_not_this_years_is_a_404(school, mentoring, login, today, name):
    no_class = Grade.objects.create(level=9, name="九年级")
    client = login(school.academic)
    for value in (str(no_class.pk), "abc", "99999999", "-1", "1" * 30):
        assert client.get(reverse(name), {"grade": value}).status_code == 404, value
    assert client.get(reverse(name), {"grade": school.grade8.pk}).status_code == 200
    # The principal's office's page, and a grade head's for their own grade (below).
    url = f"{reverse(name)}?grade={school.grade7.pk}"
    assert login(school.grade_head).get(url).status_code == 200
    assert login(school.homeroom).get(url).status_code == 403
    assert login(school.teacher).get(url).status_code == 403


def test_a_grade_head_sees_their_own_grade_first(school, mentoring, grade8_mentor, login, today):
    vice = make_staff("T2001", "钱校长", [Post.VICE_PRINCIPAL, Post.GRADE_HEAD])
    Grade.objects.filter(pk=school.grade8.pk).update(head=vice)
    client = login(vice)
    for name in (SELECTION, EVALUATION, COMPLIANCE):
        response = client.get(reverse(name))
        assert response.context["grade"] == school.grade8, name
        assert [g.pk for g in response.context["grades"]] == [school.grade8.pk, school.grade7.pk]
    assert [g.pk for g in year_grades(school.year.pk)] == [school.grade7.pk, school.grade8.pk]
    # The others keep the order of the grades.
    response = login(school.principal).get(reverse(EVALUATION))
    assert response.context["grade"] == school.grade7


def test_evaluation_ranks_the_mentors_of_one_grade(school, mentoring, grade8_mentor, login, today):
    pair(school, school.student_a, school.teacher)
    pair(school, mentoring.students[1], mentoring.english)
    MentorEvaluation.objects.create(term=school.term, mentor=grade8_mentor, self_score=88)
    client = login(school.academic)
    response = client.get(reverse(EVALUATION))
    assert response.context["grade"] == school.grade7
    assert {r.mentor for r in response.context["results"]} == {school.teacher, mentoring.english}
    assert "周老师" not in response.text
    tabs = {g.pk: g.mentors for g in response.context["grades"]}
    assert tabs == {school.grade7.pk: 2, school.grade8.pk: 1}
    link = f"?term={school.term.pk}&amp;grade={school.grade8.pk}"
    assert link in response.text

    response = client.get(reverse(EVALUATION), {"term": school.term.pk, "grade": school.grade8.pk})
    assert [r.mentor for r in response.context["results"]] == [grade8_mentor]
    assert "88" in response.text and "李老师" not in response.text


def test_a_mentor_with_mentees_in_two_grades_is_on_both_tabs(
    school, mentoring, grade8_mentor, login, today
):
    pair(school, school.student_a, school.teacher)
    pair(school, school.class_c.students.filter(pairings__isnull=True).first(), school.teacher)
    client = login(school.academic)
    for grade in (school.grade7, school.grade8):
        response = client.get(reverse(EVALUATION), {"grade": grade.pk})
        assert school.teacher in {r.mentor for r in response.context["results"]}
        # Their compliance counts both mentees: the figures are the mentor's, not the grade's.
        row = next(r for r in response.context["results"] if r.mentor == school.teacher)
        assert row.compliance.mentees == 2


def test_evaluation_settings_keep_the_grade(school, mentoring, grade8_mentor, login, today):
    client = login(school.academic)
    data = {
        "self_weight": 20,
        "students_weight": 30,
        "teachers_weight": 20,
        "school_weight": 30,
        "threshold": "65",
    }
    url = f"{reverse(EVALUATION)}?term={school.term.pk}&grade={school.grade8.pk}"
    response = client.post(url, data)
    assert response.status_code == 302
    assert response["Location"] == url


def test_the_evaluation_export_keeps_every_grade(school, mentoring, grade8_mentor, login, today):
    pair(school, school.student_a, school.teacher)
    response = login(school.academic).get(reverse("mentors:evaluation_export"))
    sheet = load_workbook(io.BytesIO(response.content)).active
    names = {row[1] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert {"李老师", "周老师"} <= names


def _rows_of(response) -> list[tuple]:
    return list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))[1:]


def test_a_grade_heads_downloads_hold_the_mentors_and_pairings_of_their_grade(
    school, mentoring, grade8_mentor, login, today
):
    """One path for each download, the sheet's, and its scope: the grade pages' (the pairings
    download used to bypass the sheet's own filter)."""
    pair(school, school.student_a, school.teacher)
    for staff, grades, mentors in (
        (school.grade_head, {"七年级"}, {"李老师"}),
        (school.academic, {"七年级", "八年级"}, {"李老师", "周老师"}),
    ):
        client = login(staff)
        pairings = client.get(reverse("mentors:pairings_export"))
        assert pairings.export_kind == "pairings"
        assert {row[2] for row in _rows_of(pairings)} == grades
        evaluation = client.get(reverse("mentors:evaluation_export"))
        assert evaluation.export_kind == "mentor_evaluation"
        assert {row[1] for row in _rows_of(evaluation)} == mentors
    # A term of another school year is not the grade head's: a 404, as on the pages.
    earlier = AcademicYear.objects.create(
        start_year=2025, start_date=dt.date(2025, 8, 1), end_date=dt.date(2026, 7, 31)
    )
    old_term = Term.objects.create(
        academic_year=earlier,
        number=Term.Number.SPRING,
        start_date=dt.date(2026, 2, 23),
        end_date=dt.date(2026, 7, 10),
    )
    response = login(school.grade_head).get(
        reverse("mentors:evaluation_export"), {"term": old_term.pk}
    )
    assert response.status_code == 404


def _grow_school(school, n_classes: int, grade: Grade | None = None) -> None:
    """More classes in 八年级 (or ``grade``), each with students, a mentor and pairings: a
    bigger school."""
    grade = grade or school.grade8
    first = SchoolClass.objects.filter(academic_year=school.year, grade=grade).count() + 1
    for number in range(first, first + n_classes):
        school_class = SchoolClass.objects.create(
            academic_year=school.year, grade=grade, number=number
        )
        staff_no = f"T3{grade.level}{number:02d}"
        mentor = make_staff(staff_no, f"教师{grade.level}-{number}", [Post.SUBJECT_TEACHER])
        for i, student in enumerate(
            add_students(school_class, 6, start=100 + 10 * number, prefix=f"{grade.level:02d}")
        ):
            Choice.objects.create(student=student, academic_year=school.year, rank=1, mentor=mentor)
            if i % 2:
                pair(school, student, mentor)


@pytest.mark.parametrize("name", [SELECTION, EVALUATION, COMPLIANCE])
def test_the_query_count_does_not_grow_with_the_school(
    school, mentoring, grade8_mentor, login, today, django_assert_max_num_queries, name
):
    pair(school, school.student_a, school.teacher)
    client = login(school.academic)
    url = reverse(name)
    client.get(url)  # the first look at the evaluation saves the term's default weights
    with django_assert_max_num_queries(20) as small:
        assert client.get(url).status_code == 200
    with django_assert_max_num_queries(20) as small8:
        assert client.get(url, {"grade": school.grade8.pk}).status_code == 200
    _grow_school(school, 8)
    assert Pairing.objects.count() > 20
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(url)
    assert response.context["grade"] == school.grade7
    with django_assert_max_num_queries(len(small8.captured_queries)):
        response = client.get(url, {"grade": school.grade8.pk})
    key = {SELECTION: "classes", EVALUATION: "results", COMPLIANCE: "rows"}[name]
    shown = response.context[key]
    assert len(shown) == 9  # 八年级(1)-(9)班, or their nine mentors


def test_evaluation_pages_a_large_grade_keeping_the_ranking(school, mentoring, login, today):
    _grow_school(school, 22)  # 八年级(2)-(23)班, a mentor each
    paired = Pairing.objects.filter(school_class__number=23).first()
    best = paired.mentor
    # A total needs all four parts: only the best-scored mentor has one.
    MentorEvaluation.objects.create(term=school.term, mentor=best, self_score=99, school_score=90)
    TeacherRating.objects.create(
        term=school.term, mentor=best, rater=school.homeroom, score=Decimal(95)
    )
    services.save_student_ratings(school.term, {(paired.student_id, best.pk): (5, "")})
    client = login(school.academic)
    url = reverse(EVALUATION)
    first = client.get(url, {"term": school.term.pk, "grade": school.grade8.pk})
    assert first.context["page"].paginator.count == 22
    assert len(first.context["results"]) == EVALUATION_PAGE
    assert first.context["results"][0].mentor == best  # ranked over the grade, not the page
    assert first.context["results"][0].compliance.mentees == 3
    link = f"?term={school.term.pk}&amp;grade={school.grade8.pk}&amp;page=2"
    assert link in first.text
    last = client.get(url, {"term": school.term.pk, "grade": school.grade8.pk, "page": 3})
    shown = {r.mentor.pk for r in first.context["results"]}
    rest = {r.mentor.pk for r in last.context["results"]}
    assert len(rest) == 22 - 2 * EVALUATION_PAGE and not shown & rest
    second = last
    assert best.name not in second.text


def _mentors(response):
    return [mentor for mentor, _ in response.context["rows"]]


def test_compliance_shows_the_mentors_of_one_grade(school, mentoring, grade8_mentor, login, today):
    pair(school, school.student_a, school.teacher)
    pair(school, mentoring.students[1], mentoring.english)
    client = login(school.academic)
    response = client.get(reverse(COMPLIANCE))
    assert response.context["grade"] == school.grade7
    assert set(_mentors(response)) == {school.teacher, mentoring.english}
    assert _mentors(response) == sorted(_mentors(response), key=lambda m: m.staff_no)
    assert "周老师" not in response.text
    tabs = {g.pk: g.mentors for g in response.context["grades"]}
    assert tabs == {school.grade7.pk: 2, school.grade8.pk: 1}
    assert f"?term={school.term.pk}&amp;grade={school.grade8.pk}" in response.text

    response = client.get(reverse(COMPLIANCE), {"term": school.term.pk, "grade": school.grade8.pk})
    assert _mentors(response) == [grade8_mentor]
    ((_, figures),) = response.context["rows"]
    assert figures.mentees == 2
    assert "周老师" in response.text and "李老师" not in response.text


def test_compliance_counts_all_of_a_two_grade_mentors_mentees(
    school, mentoring, grade8_mentor, login, today
):
    pair(school, school.student_a, school.teacher)
    pair(school, school.class_c.students.filter(pairings__isnull=True).first(), school.teacher)
    client = login(school.academic)
    for grade in (school.grade7, school.grade8):
        response = client.get(reverse(COMPLIANCE), {"grade": grade.pk})
        figures = dict(response.context["rows"])
        assert figures[school.teacher].mentees == 2


def test_compliance_pages_a_large_grade(school, mentoring, login, today):
    _grow_school(school, 22)  # 八年级(2)-(23)班, a mentor each with three mentees
    client = login(school.academic)
    url = reverse(COMPLIANCE)
    first = client.get(url, {"term": school.term.pk, "grade": school.grade8.pk})
    assert first.context["page"].paginator.count == 22
    assert len(first.context["rows"]) == COMPLIANCE_PAGE
    assert all(c.mentees == 3 for _, c in first.context["rows"])
    assert f"?term={school.term.pk}&amp;grade={school.grade8.pk}&amp;page=2" in first.text
    last = client.get(url, {"term": school.term.pk, "grade": school.grade8.pk, "page": 3})
    shown = {m.pk for m in _mentors(first)}
    rest = {m.pk for m in _mentors(last)}
    assert len(rest) == 22 - 2 * COMPLIANCE_PAGE and not shown & rest
    assert _mentors(first)[-1].staff_no < _mentors(last)[0].staff_no


# A grade head (级部主任) chairs the weekly grade meeting (seed 003; issue 11, defect 6): the
# selection, compliance and evaluation pages and their exports for their own grade.

GRADE_PAGES = [SELECTION, EVALUATION, COMPLIANCE]


@pytest.fixture
def two_grades(school, mentoring, grade8_mentor):
    """李老师 and 刘老师 mentor in 七年级, 周老师 in 八年级."""
    pair(school, school.student_a, school.teacher)
    pair(school, mentoring.students[1], mentoring.english)


@pytest.mark.parametrize("name", GRADE_PAGES)
def test_a_grade_head_sees_their_own_grade_only(school, two_grades, login, today, name):
    client = login(school.grade_head)
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert response.context["grade"] == school.grade7
    assert [g.pk for g in response.context["grades"]] == [school.grade7.pk]
    assert f"grade={school.grade8.pk}" not in response.text
    assert "周老师" not in response.text and "八年级" not in response.text
    if name != SELECTION:
        assert "李老师" in response.text and "刘老师" in response.text
    # The whole school's figures (the selection's) are the principal's office's.
    assert 'id="school-progress"' not in response.text
    if name == SELECTION:
        assert 'id="school-progress"' in login(school.academic).get(reverse(name)).text


@pytest.mark.parametrize("name", [*GRADE_PAGES, "mentors:evaluation_export"])
def test_another_grade_or_year_is_a_404_for_a_grade_head(school, two_grades, login, today, name):
    client = login(school.grade_head)
    assert client.get(reverse(name), {"grade": school.grade7.pk}).status_code == 200
    if name != "mentors:evaluation_export":
        assert client.get(reverse(name), {"grade": school.grade8.pk}).status_code == 404
    # They head this year's 七年级: last year's terms are not theirs.
    last_year = AcademicYear.objects.create(
        start_year=2025, start_date=dt.date(2025, 8, 1), end_date=dt.date(2026, 7, 31)
    )
    old = Term.objects.create(
        academic_year=last_year,
        number=Term.Number.SPRING,
        start_date=dt.date(2026, 2, 23),
        end_date=dt.date(2026, 7, 10),
    )
    SchoolClass.objects.create(academic_year=last_year, grade=school.grade7, number=1)
    if name == SELECTION:
        return  # this year's page only
    assert login(school.academic).get(reverse(name), {"term": old.pk}).status_code == 200
    client = login(school.grade_head)
    assert client.get(reverse(name), {"term": old.pk}).status_code == 404
    if name != "mentors:evaluation_export":
        response = client.get(reverse(name))
        assert [t.academic_year_id for t in response.context["terms"]] == [school.year.pk] * 2


def _sheet(response) -> list[tuple]:
    assert response.status_code == 200
    return list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))[1:]


def test_a_grade_heads_exports_hold_only_their_grade(school, two_grades, login, today):
    client = login(school.grade_head)
    rows = _sheet(client.get(reverse("mentors:evaluation_export")))
    assert {row[1] for row in rows} == {"李老师", "刘老师"}
    rows = _sheet(client.get(reverse("mentors:pairings_export")))
    assert {row[2] for row in rows} == {"七年级"} and {row[5] for row in rows} == {
        "李老师",
        "刘老师",
    }
    # The principal's office keeps the whole school.
    rows = _sheet(login(school.principal).get(reverse("mentors:pairings_export")))
    assert {row[2] for row in rows} == {"七年级", "八年级"}


def test_the_grade_heads_home_page_counts_mentors_due_a_talk(
    school, mentoring, two_grades, login, today
):
    english = Pairing.objects.get(mentor=mentoring.english)
    TalkLog.objects.create(pairing=english, date=today, topic="学习", content="谈心")
    response = login(school.grade_head).get(reverse("home"))
    url = f"{reverse(COMPLIANCE)}?grade={school.grade7.pk}"
    (todo,) = [t for t in response.context["todos"] if t.url == url]
    assert todo.count == 1 and "七年级" in todo.text  # 李老师; 刘老师 talked today
    assert url in response.text
    TalkLog.objects.create(
        pairing=Pairing.objects.get(student=school.student_a),
        date=today,
        topic="学习",
        content="谈",
    )
    response = login(school.grade_head).get(reverse("home"))
    assert not [t for t in response.context["todos"] if t.url == url]
    # A grade head's figures for grade heads only.
    response = login(school.homeroom).get(reverse("home"))
    assert not [t for t in response.context["todos"] if t.url.startswith(reverse(COMPLIANCE))]


@pytest.mark.parametrize("name", [*GRADE_PAGES, "home"])
def test_the_grade_heads_pages_cost_the_same_in_a_larger_grade(
    school,
    two_grades,
    login,
    today,
    django_assert_max_num_queries,
    django_assert_num_queries,
    name,
):
    client = login(school.grade_head)
    url = reverse(name)
    client.get(url)  # the first look at the evaluation saves the term's default weights
    with django_assert_max_num_queries(40) as small:
        assert client.get(url).status_code == 200
    _grow_school(school, 8, grade=school.grade7)
    _grow_school(school, 4)
    assert Pairing.objects.filter(school_class__grade=school.grade7).count() > 20
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get(url)
    if name != "home":
        assert response.context["grade"] == school.grade7
