import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError

import pytest

from groups.models import LeaderboardRow
from groups.selectors import competition_ranks, compute_board
from groups.services import add_score, close_month, correct_score, mark_excellent, publish

from .helpers import add_points, add_students, item, make_groups

# These tests are about the index arithmetic and archiving, scored on one day: without the
# minimum activity (its tests are in test_board_rules.py).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_activity_minimum")]
NOV = dt.date(2026, 11, 1)
DAY = dt.date(2026, 11, 10)


def test_competition_ranks():
    assert competition_ranks([9, 7, 7, 5, 5, 5, 1], lambda x: x) == [1, 2, 2, 4, 4, 4, 7]
    assert competition_ranks([], lambda x: x) == []


@pytest.fixture
def board_school(school, today):
    a = make_groups(school.class_a, school.term, add_students(school.class_a, 12, seed=1))
    b = make_groups(school.class_b, school.term, add_students(school.class_b, 8, seed=2))
    c = make_groups(school.class_c, school.term, add_students(school.class_c, 8, seed=3))
    return a, b, c


def test_index_is_points_over_class_average(school, board_school):
    a, b, c = board_school
    # Class A: 30, 20, 10 → average 20. Class B: 6, 2 → average 4. Class C: 0, 0 → left out.
    for group, points in zip(a, [30, 20, 10], strict=False):
        add_points(group, school.teacher, points, DAY)
    add_points(b[0], school.teacher, 6, DAY)
    add_points(b[1], school.teacher, 2, DAY)
    add_points(c[0], school.teacher, 5, DAY)
    add_points(c[1], school.teacher, -5, DAY)
    rows, totals = compute_board(NOV)
    ranked = [r for r in rows if r.rank is not None]
    got = [(r.group_id, r.points, r.class_average, r.index, r.rank, r.class_rank) for r in ranked]
    assert got == [
        (a[0].pk, 30, Decimal("20.00"), Decimal("150.0"), 1, 1),
        (b[0].pk, 6, Decimal("4.00"), Decimal("150.0"), 2, 1),  # same index, fewer points
        (a[1].pk, 20, Decimal("20.00"), Decimal("100.0"), 3, 2),
        (a[2].pk, 10, Decimal("20.00"), Decimal("50.0"), 4, 3),
        (b[1].pk, 2, Decimal("4.00"), Decimal("50.0"), 5, 2),
    ]
    unranked = [r for r in rows if r.rank is None]
    assert {r.group_id for r in unranked} == {c[0].pk, c[1].pk}
    assert all(r.index is None for r in unranked)
    by_class = {t.class_id: (t.groups, t.total, t.average) for t in totals}
    assert by_class[school.class_a.pk] == (3, 60, Decimal("20.00"))
    assert by_class[school.class_c.pk] == (2, 0, Decimal("0.00"))


def test_equal_index_and_points_share_a_rank(school, board_school):
    a, b, _c = board_school
    for group, points in zip(a, [10, 10, 4], strict=False):
        add_points(group, school.teacher, points, DAY)
    add_points(b[0], school.teacher, 10, DAY)
    add_points(b[1], school.teacher, 0, DAY)
    rows, _ = compute_board(NOV)
    ranked = [(r.group_id, r.index, r.rank) for r in rows if r.rank]
    # A average 8 → 125, 125, 50; B average 5 → 200, 0.
    assert ranked == [
        (b[0].pk, Decimal("200.0"), 1),
        (a[0].pk, Decimal("125.0"), 2),
        (a[1].pk, Decimal("125.0"), 2),
        (a[2].pk, Decimal("50.0"), 4),
        (b[1].pk, Decimal("0.0"), 5),
    ]


def test_empty_month_ranks_nobody(school, board_school):
    rows, totals = compute_board(dt.date(2026, 9, 1))
    assert rows and all(r.rank is None for r in rows)
    assert all(t.total == 0 for t in totals)


def test_grade_filter_keeps_class_arithmetic(school, board_school):
    a, _b, c = board_school
    add_points(a[0], school.teacher, 9, DAY)
    add_points(c[0], school.teacher, 4, DAY)
    rows, _ = compute_board(NOV, grade_id=school.grade8.pk)
    assert {r.class_id for r in rows} == {school.class_c.pk}
    assert rows[0].index == Decimal("200.0")


def test_close_archives_and_published_list_does_not_change(school, board_school):
    a, _b, _c = board_school
    entry = add_score(a[0], item("表扬"), school.teacher, day=DAY)
    add_score(a[1], item("课堂回答"), school.teacher, day=DAY)
    with pytest.raises(ValidationError):
        close_month(dt.date(2026, 11, 1), school.academic)  # not over yet
    close = close_month(NOV, school.academic, today=dt.date(2026, 12, 2))
    with pytest.raises(ValidationError):
        close_month(NOV, school.academic, today=dt.date(2026, 12, 2))
    row = close.rows.get(group=a[0])
    assert (row.points, row.rank) == (3, 1)
    with pytest.raises(ValidationError):
        publish(close, school.academic)  # nobody marked yet
    mark_excellent(close, [a[0].pk])
    publish(close, school.academic)
    with pytest.raises(ValidationError):
        mark_excellent(close, [a[1].pk])
    correct_score(entry, school.homeroom, "加分项目记错")
    row = LeaderboardRow.objects.get(close=close, group=a[0])
    assert (row.points, row.rank, row.is_excellent) == (3, 1, True)
    live = {r.group_id: r for r in compute_board(NOV)[0]}
    assert live[a[0].pk].points == 0


def test_marking_one_page_keeps_the_marks_of_other_pages(school, board_school):
    a, b, _c = board_school
    for group, points in zip(a, [3, 2, 1], strict=True):
        add_points(group, school.teacher, points, dt.date(2026, 10, 5))
    add_points(b[0], school.teacher, 2, dt.date(2026, 10, 5))  # class B is ranked too
    close = close_month(dt.date(2026, 10, 1), school.academic)
    assert mark_excellent(close, [a[0].pk]) == 1
    # A second page showed only class B's groups: A's mark stays.
    assert mark_excellent(close, [b[0].pk], among=[b[0].pk, b[1].pk]) == 2
    assert set(close.rows.filter(is_excellent=True).values_list("group_id", flat=True)) == {
        a[0].pk,
        b[0].pk,
    }
