"""A grade head (级部主任) reads the monthly leaderboard of their own grade (issue 11, defect 6).

They chair the weekly grade meeting (seed 003): the leaderboard, its download and their home
page give them their grade, ranked within it, with its classes' totals; another grade is a
404, and neither the other grades' groups nor their class totals are shown.
"""

from __future__ import annotations

import datetime as dt
import io

from django.urls import reverse

import pytest
from openpyxl import load_workbook

from groups.models import StudyGroup
from groups.services import close_month
from groups.sheets import LeaderboardSheet
from schoolops.models import SchoolClass

from .helpers import add_points, add_students, make_groups

pytestmark = pytest.mark.django_db

BOARD = "groups:leaderboard"
XLSX = "groups:leaderboard_xlsx"
# Three school days of the month for every group: whatever minimum of activity the ranking asks.
DAYS = (dt.date(2026, 11, 10), dt.date(2026, 11, 11), dt.date(2026, 11, 12))


def _scored_groups(school, school_class, prefix: str, points: list[int], seed: int):
    students = add_students(school_class, 4 * len(points), seed=seed)
    groups = make_groups(school_class, school.term, students)
    for number, (group, each) in enumerate(zip(groups, points, strict=True), start=1):
        StudyGroup.objects.filter(pk=group.pk).update(name=f"{prefix}{number}组")
        for day in DAYS:
            add_points(group, school.teacher, each, day)
    return groups


@pytest.fixture
def board(school, today):
    """七年级(1)班 and (2)班 and 八年级(1)班 with scored groups in November 2026."""
    _scored_groups(school, school.class_a, "七一", [5, 3, 1], seed=1)
    _scored_groups(school, school.class_b, "七二", [4, 2], seed=2)
    _scored_groups(school, school.class_c, "八一", [9, 1], seed=3)


def _sheet_names(content: bytes) -> tuple[set[str], set[str]]:
    rows = list(load_workbook(io.BytesIO(content)).active.values)
    # The rows under the header (above it: the title row naming school, month and grade).
    rows = rows[next(i for i, row in enumerate(rows) if row[0] == "排名") + 1 :]
    return {row[1] for row in rows}, {row[3] for row in rows}


def test_a_grade_head_sees_their_own_grade_on_the_leaderboard(school, board, login):
    response = login(school.grade_head).get(reverse(BOARD), {"month": "2026-11"})
    assert response.status_code == 200
    assert response.context["grade"] == school.grade7
    # Their grade's tab only: no "all grades", no other grade to choose.
    assert [g.pk for g in response.context["grades"]] == [school.grade7.pk]
    assert '<option value="">' not in response.text
    assert {r.grade_id for r in response.context["rows"]} == {school.grade7.pk}
    assert "七一1组" in response.text and "七二1组" in response.text
    assert "八一" not in response.text and "八年级" not in response.text
    # Ranked within the grade, and only the grade's classes' totals.
    # 七一: 15, 9, 3 points (average 9); 七二: 12, 6 (average 9).
    assert [(r.group_name, r.rank) for r in response.context["rows"]] == [
        ("七一1组", 1),
        ("七二1组", 2),
        ("七一2组", 3),
        ("七二2组", 4),
        ("七一3组", 5),
    ]
    assert list(response.context["totals_by_grade"]) == ["七年级"]
    # No closing or publishing: that stays with the academic office.
    assert reverse("groups:month_close") not in response.text
    download = f"{reverse(XLSX)}?month=2026-11&amp;grade={school.grade7.pk}"
    assert download in response.text


def test_another_grade_is_a_404_for_a_grade_head(school, board, login):
    client = login(school.grade_head)
    for name in (BOARD, XLSX):
        for value in (school.grade8.pk, "abc", "99999999"):
            response = client.get(reverse(name), {"month": "2026-11", "grade": value})
            assert response.status_code == 404, (name, value)
        assert client.get(reverse(name), {"grade": school.grade7.pk}).status_code == 200
    # The principal's office still chooses any grade or the whole school.
    response = login(school.academic).get(reverse(BOARD), {"month": "2026-11"})
    assert response.context["grade"] is None and "八一1组" in response.text


def test_the_grade_heads_download_holds_only_their_grade(school, board, login):
    client = login(school.grade_head)
    response = client.get(reverse(XLSX), {"month": "2026-11"})
    assert response.status_code == 200
    grades, groups = _sheet_names(response.content)
    assert grades == {"七年级"}
    assert groups == {"七一1组", "七一2组", "七一3组", "七二1组", "七二2组"}
    # A closed month's archive too.
    close_month(dt.date(2026, 11, 1), school.academic, today=dt.date(2026, 12, 1))
    grades, groups = _sheet_names(client.get(reverse(XLSX), {"month": "2026-11"}).content)
    assert grades == {"七年级"} and len(groups) == 5

    # The export kind for the command line follows the same rule.
    def rows(staff):
        sheet = LeaderboardSheet(user=staff.user)
        return sheet.rows(**sheet.resolve(month=dt.date(2026, 11, 1)))

    assert {row[1] for row in rows(school.grade_head)} == {"七年级"}
    assert list(rows(school.homeroom)) == []


def test_the_grade_heads_home_page_names_the_grades_best_groups(school, board, login):
    client = login(school.grade_head)
    response = client.get(reverse("home"))
    url = f"{reverse(BOARD)}?month=2026-11&amp;grade={school.grade7.pk}"
    assert url in response.text
    todo = next(t for t in response.context["todos"] if t.app == "groups" and "七年级" in t.text)
    # The grade's first three: 七一1组 (index 166.7), 七二1组 (133.3), 七一2组 (100.0).
    assert "七一1组" in todo.text and "七二1组" in todo.text and "七一2组" in todo.text
    assert "八一" not in todo.text
    # Every class of the grade has enough records to be ranked: none is named as below.
    assert not [t for t in response.context["todos"] if t.app == "groups" and t.count]
    # Nobody else is told about the grade's leaderboard.
    home = login(school.homeroom).get(reverse("home"))
    assert not [t for t in home.context["todos"] if t.url.startswith(reverse(BOARD))]


def test_the_grade_heads_home_page_names_classes_below_the_minimum_activity(school, today, login):
    _scored_groups(school, school.class_a, "七一", [5, 3, 1], seed=1)
    # 七年级(2)班 scored on one day only: below the default minimum (three school days).
    for group in make_groups(school.class_b, school.term, add_students(school.class_b, 8, seed=2)):
        add_points(group, school.teacher, 2, DAYS[0])
    response = login(school.grade_head).get(reverse("home"))
    url = f"{reverse(BOARD)}?month=2026-11&grade={school.grade7.pk}"
    (todo,) = [t for t in response.context["todos"] if t.url == url and t.count]
    assert todo.count == 1 and "七年级(2)班" in todo.text and "七年级(1)班" not in todo.text
    assert "本月记录不足" in todo.text
    # The best groups are still named: 七年级(1)班's, the one class ranked.
    (best,) = [t for t in response.context["todos"] if t.url == url and not t.count]
    assert "七一1组" in best.text and "七年级(2)班" not in best.text


def _grow_grade7(school, n_classes: int) -> None:
    """More classes in 七年级, each with scored groups: a bigger grade."""
    for number in range(3, 3 + n_classes):
        school_class = SchoolClass.objects.create(
            academic_year=school.year, grade=school.grade7, number=number
        )
        _scored_groups(school, school_class, f"七{number}-", [3, 2, 1], seed=10 + number)


@pytest.mark.parametrize("name", [BOARD, XLSX, "home"])
def test_the_grade_heads_pages_cost_the_same_in_a_larger_grade(
    school, today, login, django_assert_max_num_queries, django_assert_num_queries, name
):
    _scored_groups(school, school.class_a, "七一", [5, 3, 1], seed=1)
    client = login(school.grade_head)
    url = reverse(name) + ("" if name == "home" else "?month=2026-11")
    client.get(url)
    with django_assert_max_num_queries(60) as small:
        assert client.get(url).status_code == 200
    _grow_grade7(school, 8)
    _scored_groups(school, school.class_c, "八一", [9, 1], seed=3)
    with django_assert_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200
