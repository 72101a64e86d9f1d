"""The groups' charts: a group's points week by week, a class's groups side by side, and the
leaderboard's class averages and weekly trend, with their tables, scope and query counts."""

import datetime as dt

from django.urls import reverse

import pytest

from tests.schoolops.chart_figures import bar_values, chart_html, table_figures

from .helpers import add_points, add_students, make_groups

pytestmark = pytest.mark.django_db
WEEK_11 = dt.date(2026, 11, 11)  # teaching week 11 (Wednesday)
WEEK_12 = dt.date(2026, 11, 18)  # teaching week 12


@pytest.fixture
def scored(school, formed):
    """Group 1: 3 + 3 in week 12 and -2 in week 11; group 2: 4 in week 12."""
    add_points(formed[0], school.teacher, 3, WEEK_12, count=2)
    add_points(formed[0], school.teacher, -2, WEEK_11)
    add_points(formed[1], school.teacher, 4, WEEK_12)
    return formed


def test_group_page_draws_its_weeks_with_the_figures(school, scored, login, today):
    page = login(school.homeroom).get(reverse("groups:group_detail", args=[scored[0].pk])).text
    figures = table_figures(page, "group-weeks-chart")
    weeks = school.term.teaching_weeks()
    assert figures[""][1:] == [str(w.number) for w in weeks]
    points = figures[next(k for k in figures if k)]
    assert points[10] == "-2" and points[11] == "6"
    assert points.count("0") == len(weeks) - 2
    assert chart_html(page, "group-weeks-chart").count('class="chart-bar"') == len(weeks)


def test_ranking_draws_the_groups_side_by_side(school, scored, login, today):
    client = login(school.homeroom)
    page = client.get(reverse("groups:ranking", args=[school.class_a.pk]) + "?week=12").text
    figures = table_figures(page, "ranking-chart")
    assert figures[""][1:] == ["飞翔1组", "飞翔2组", "飞翔3组", "飞翔4组"]
    assert list(figures.values())[1] == ["6", "4", "0", "0"]
    assert bar_values(page, "ranking-chart") == ["6", "4", "0", "0"]
    month = client.get(reverse("groups:ranking", args=[school.class_a.pk]) + "?month=2026-11")
    assert list(table_figures(month.text, "ranking-chart").values())[1] == ["4", "4", "0", "0"]


def test_a_homeroom_teacher_gets_no_other_class_chart(school, scored, login, today):
    client = login(school.homeroom)
    assert client.get(reverse("groups:ranking", args=[school.class_b.pk])).status_code == 404
    other = make_groups(school.class_b, school.term, add_students(school.class_b, 4, seed=7))
    assert client.get(reverse("groups:group_detail", args=[other[0].pk])).status_code == 404


def test_leaderboard_draws_each_grades_averages_and_trend(school, scored, login, today):
    b = make_groups(school.class_b, school.term, add_students(school.class_b, 8, seed=2))
    add_points(b[0], school.teacher, 5, WEEK_11)
    page = login(school.principal).get(reverse("groups:leaderboard") + "?month=2026-11").text
    averages = table_figures(page, "board-averages-1")
    # Class A: 6 - 2 + 4 = 8 over 4 groups; class B: 5 over 2 groups.
    assert list(averages.values())[1] == ["2", "2.5"]
    trend = table_figures(page, "board-trend-1")
    assert trend[""][1:] == ["10-26", "11-02", "11-09", "11-16", "11-23", "11-30"]
    names = [k for k in trend if k]
    assert trend[names[0]] == ["0", "0", "-0.5", "2.5", "0", "0"]  # -2 / 4, then 10 / 4
    assert trend[names[1]] == ["0", "0", "2.5", "0", "0", "0"]
    assert "board-averages-2" not in page  # 八年级 has no groups: no chart
    assert "七年级" in chart_html(page, "board-trend-1")


def test_a_grade_head_sees_their_grade_only(school, scored, login, today):
    c = make_groups(school.class_c, school.term, add_students(school.class_c, 4, seed=3))
    add_points(c[0], school.teacher, 9, WEEK_12)
    page = login(school.grade_head).get(reverse("groups:leaderboard") + "?month=2026-11").text
    assert "board-averages-1" in page and "board-averages-2" not in page
    assert "八年级" not in chart_html(page, "board-trend-1")
    assert list(table_figures(page, "board-averages-1").values())[1] == ["2"]


@pytest.mark.parametrize(
    "name, user", [("leaderboard", "principal"), ("ranking", "homeroom"), ("group", "homeroom")]
)
def test_chart_pages_keep_their_query_count(
    school, formed, login, today, name, user, django_assert_max_num_queries
):
    client = login(getattr(school, user))
    url = {
        "leaderboard": reverse("groups:leaderboard") + "?month=2026-11",
        "ranking": reverse("groups:ranking", args=[school.class_a.pk]),
        "group": reverse("groups:group_detail", args=[formed[0].pk]),
    }[name]
    add_points(formed[0], school.teacher, 1, WEEK_12)
    with django_assert_max_num_queries(20) as small:
        assert client.get(url).status_code == 200
    for group in formed:
        for day in (WEEK_11, WEEK_12, dt.date(2026, 11, 3)):
            add_points(group, school.teacher, 2, day, count=10)
    for school_class, seed in ((school.class_b, 2), (school.class_c, 3)):
        for group in make_groups(
            school_class, school.term, add_students(school_class, 24, seed=seed)
        ):
            add_points(group, school.teacher, 1, WEEK_12, count=5)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200
