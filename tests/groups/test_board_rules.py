"""The monthly board's rules (issue 11, items 2, 3 and 7): the minimum activity a class needs to
enter the school ranking, only ranked groups outstanding and unranked rows last, and one board
for the page, the admin and their downloads."""

import datetime as dt
import io

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

import pytest
from openpyxl import load_workbook

from groups.models import GroupSettings, LeaderboardRow
from groups.selectors import archived_board, compute_board, month_board
from groups.services import add_score, close_month, mark_excellent, undo_score
from schoolops.models import School

from .helpers import add_points, add_students, item, make_groups

pytestmark = pytest.mark.django_db
NOV = dt.date(2026, 11, 1)
OCT = dt.date(2026, 10, 1)
INSUFFICIENT = "本月记录不足，暂不参与全校排名"


def day(n: int, month: int = 11) -> dt.date:
    return dt.date(2026, month, n)


@pytest.fixture
def classes(school, today):
    """Class A (七年级): three groups; class B (七年级): two; class C (八年级): two."""
    a = make_groups(school.class_a, school.term, add_students(school.class_a, 12, seed=1))
    b = make_groups(school.class_b, school.term, add_students(school.class_b, 8, seed=2))
    c = make_groups(school.class_c, school.term, add_students(school.class_c, 8, seed=3))
    return a, b, c


def active(groups, teacher, month: int = 11, points=(3, 1)) -> None:
    """Entries on three days of the month, one a group at least: enough to be ranked."""
    for n in (2, 3, 4):
        add_points(groups[0], teacher, points[0], day(n, month))
    for group in groups[1:]:
        add_points(group, teacher, points[1], day(4, month))


def xlsx_rows(response) -> list[tuple]:
    return list(load_workbook(io.BytesIO(response.content)).active.values)


def test_a_class_enters_the_school_ranking_only_with_its_minimum_activity(school, classes, login):
    a, b, _c = classes
    # The first school day of the month: one +1 tap for class A, no other entry of its groups.
    add_points(a[0], school.teacher, 1, day(2))
    active(b, school.teacher)
    rows, totals = compute_board(NOV)
    by_group = {r.group_id: r for r in rows}
    lone = by_group[a[0].pk]
    # Not 指数 300 and first place: no index, no rank, its points shown.
    assert (lone.rank, lone.index, lone.insufficient, lone.points) == (None, None, True, 1)
    assert by_group[b[0].pk].rank == 1 and not by_group[b[0].pk].insufficient
    assert [r.rank is None for r in rows] == sorted(r.rank is None for r in rows)
    assert {t.class_id for t in totals if t.insufficient} == {
        school.class_a.pk,
        school.class_c.pk,
    }

    # The page says so beside the row, with the points, and explains the rule by the index.
    client = login(school.academic)
    page = client.get(reverse("groups:leaderboard") + "?month=2026-11").text
    assert INSUFFICIENT in page
    assert "至少在3天有记录" in page and "每组1条" in page
    # The download, the admin's board and its export: the same rows, the same rule.
    for url in (
        reverse("groups:leaderboard_xlsx") + "?month=2026-11",
        reverse("admin:groups_leaderboardrow_live_xlsx") + "?month=2026-11",
    ):
        cells = {(row[2], row[3]): row for row in xlsx_rows(client.get(url)) if len(row) > 3}
        lone_row = cells[(str(school.class_a), a[0].name)]
        assert lone_row[0] is None and lone_row[4] == 1 and INSUFFICIENT in lone_row
        assert cells[(str(school.class_b), b[0].name)][0] == 1
    admin = client.get(reverse("admin:groups_leaderboardrow_live") + "?month=2026-11").text
    assert INSUFFICIENT in admin and "至少在3天有记录" in admin

    # Closing the month archives the rows as the board showed them, and the rule with them.
    close = close_month(NOV, school.academic, today=dt.date(2026, 12, 2))
    assert (close.ranking_min_days, close.ranking_min_entries_per_group) == (3, 1)
    row = close.rows.get(group=a[0])
    assert (row.rank, row.index, row.insufficient, row.points) == (None, None, True, 1)
    assert [r.rank for r in archived_board(close)][:2] == [1, 2]


def test_a_class_needs_as_many_entries_as_groups_and_undone_taps_do_not_count(school, classes):
    a, _b, _c = classes
    GroupSettings.objects.create(ranking_min_days=1, ranking_min_entries_per_group=1)
    add_points(a[0], school.teacher, 2, day(2))
    add_points(a[1], school.teacher, 2, day(3))
    tap = add_score(a[2], item("表扬"), school.teacher, day=day(23))
    undo_score(tap, school.teacher)
    # Three groups, two entries that count (the tap and its undo cancel out).
    assert {
        r.insufficient for r in compute_board(NOV)[0] if r.class_id == a[0].school_class_id
    } == {True}
    add_points(a[2], school.teacher, 1, day(5))
    ranked = [r for r in compute_board(NOV)[0] if r.class_id == a[0].school_class_id]
    assert all(r.rank is not None for r in ranked)


def test_the_minimum_activity_is_kept_by_the_academic_office_in_the_admin(school, classes, login):
    a, _b, _c = classes
    add_points(a[0], school.teacher, 1, day(2))
    assert GroupSettings.load().ranking_min_days == 3  # the default, before anyone saved it
    add = reverse("admin:groups_groupsettings_add")
    assert login(school.homeroom).get(add).status_code in (302, 403)
    client = login(school.academic)
    response = client.post(
        add,
        {"ranking_min_days": "1", "ranking_min_entries_per_group": "0", "student_points": "full"},
    )
    assert response.status_code == 302
    assert client.get(add).status_code == 403  # one row: changed, never added twice
    settings = GroupSettings.load()
    assert (settings.ranking_min_days, settings.ranking_min_entries_per_group) == (1, 0)
    board = month_board(NOV)
    assert next(r for r in board.rows if r.group_id == a[0].pk).rank == 1
    assert board.min_days == 1


def test_only_ranked_groups_can_be_outstanding(school, classes, login):
    a, b, _c = classes
    active(b, school.teacher, month=10)
    add_points(a[0], school.teacher, 1, day(2, 10))  # class A: too few records
    close = close_month(OCT, school.academic)
    with pytest.raises(ValidationError):
        mark_excellent(close, [a[0].pk])
    client = login(school.academic)
    page = client.get(reverse("groups:leaderboard") + "?month=2026-10").text
    assert f'name="excellent" value="{b[0].pk}"' in page
    assert f'name="excellent" value="{a[0].pk}"' not in page
    response = client.post(
        reverse("groups:month_excellent"),
        {"month": "2026-10", "excellent": [str(a[0].pk), str(b[0].pk)]},
        follow=True,
    )
    assert "只有参与排名的小组" in " ".join(str(m) for m in response.context["messages"])
    assert not close.rows.filter(is_excellent=True).exists()
    # Nor by any other way in (the admin's forms, a script): the model and the database refuse.
    row = close.rows.get(group=a[0])
    row.is_excellent = True
    with pytest.raises(ValidationError):
        row.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        row.save()


def test_unranked_rows_sort_last_everywhere(school, classes, login):
    a, b, _c = classes
    active(b, school.teacher, month=10)
    add_points(a[0], school.teacher, 9, day(2, 10))
    close = close_month(OCT, school.academic)
    ranks = [r.rank for r in archived_board(close)]
    assert ranks[:2] == [1, 2] and set(ranks[2:]) == {None}
    assert list(LeaderboardRow.objects.filter(close=close).values_list("rank", flat=True)) == ranks
    client = login(school.academic)
    changelist = client.get(reverse("admin:groups_leaderboardrow_changelist"))
    assert [r.rank for r in changelist.context["cl"].result_list] == ranks
    change = client.get(reverse("admin:groups_monthclose_change", args=[close.pk]))
    inline = change.context["inline_admin_formsets"][0].formset.queryset
    assert [r.rank for r in inline] == ranks
    page = client.get(reverse("groups:leaderboard") + "?month=2026-10").context["rows"]
    assert [r.rank for r in page] == ranks


def test_the_leaderboard_download_is_the_board_shown_with_a_title_row(school, classes, login):
    a, b, c = classes
    for groups in classes:
        active(groups, school.teacher)
    client = login(school.academic)
    page = client.get(reverse("groups:leaderboard") + f"?month=2026-11&grade={school.grade8.pk}")
    assert f"grade={school.grade8.pk}" in page.text  # the download link keeps the grade
    response = client.get(
        reverse("groups:leaderboard_xlsx") + f"?month=2026-11&grade={school.grade8.pk}"
    )
    rows = xlsx_rows(response)
    title = rows[0][0]
    assert School.get().name in title and "2026-11" in title and "八年级" in title
    groups = [row[3] for row in rows if len(row) > 3 and isinstance(row[0], int)]
    assert groups == [r.group_name for r in page.context["rows"]] == [c[0].name, c[1].name]
    whole = xlsx_rows(client.get(reverse("groups:leaderboard_xlsx") + "?month=2026-11"))
    assert "全校" in whole[0][0]
    del a, b


def test_the_admin_board_filters_by_month_and_grade_ranks_within_it_and_exports_it(
    school, classes, login
):
    a, b, c = classes
    for groups in (a, b):
        active(groups, school.teacher, month=10)
    active(c, school.teacher, month=10, points=(30, 1))  # class C would rank first school-wide
    client = login(school.academic)
    board = reverse("admin:groups_leaderboardrow_live")
    export = reverse("admin:groups_leaderboardrow_live_xlsx")
    query = f"?month=2026-10&grade={school.grade7.pk}"
    for closed in (False, True):
        if closed:
            close_month(OCT, school.academic)
        response = client.get(board + query)
        shown = [(r.rank, r.group_name) for r in response.context["rows"]]
        assert {name for _rank, name in shown} == {g.name for g in a + b}
        # Within 七年级: A 9, 1, 1 (average 3.67) and B 9, 1 (average 5) → 245.5, 180.0,
        # 27.3, 27.3, 20.0; school-wide C's first group (197.8) would come second.
        assert [rank for rank, _name in shown] == [1, 2, 3, 3, 5]
        rows = xlsx_rows(client.get(export + query))
        title = rows[0][0]
        assert School.get().name in title and "2026-10" in title and "七年级" in title
        exported = [(row[0], row[3]) for row in rows if len(row) > 3 and row[1] == "七年级"]
        assert exported == shown
