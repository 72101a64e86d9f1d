"""The principal's home: one small chart per programme (groups, consultation, mentors), this
month against last, from the panels the apps register; nobody else's home has them."""

import datetime as dt

from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

import pytest

from consult.models import Level
from mentors.models import TalkLog
from schoolops.registry import registry
from tests.consult.helpers import meeting
from tests.groups.helpers import add_points, add_students, make_groups
from tests.mentors.conftest import pair
from tests.schoolops.chart_figures import table_figures

pytestmark = pytest.mark.django_db
OCT, NOV = dt.date(2026, 10, 14), dt.date(2026, 11, 18)


def build(school, scale: int = 1):
    students = add_students(school.class_a, 8, seed=scale)
    groups = make_groups(school.class_a, school.term, students, start=10 * scale)
    add_points(groups[0], school.teacher, 2, OCT, count=3 * scale)  # 七年级: 6 in October
    add_points(groups[1], school.teacher, 5, NOV, count=scale)  # 5 in November
    students = add_students(school.class_c, 4, seed=10 + scale)
    eight = make_groups(school.class_c, school.term, students, start=10 * scale)
    add_points(eight[0], school.teacher, 1, NOV, count=7 * scale)  # 八年级: 7 in November
    for _ in range(scale):
        meeting(school, OCT)
        meeting(school, NOV)
        meeting(school, NOV, level=Level.GRADE)
    p = (
        pair(school, students[0], school.teacher)
        if scale > 1
        else pair(school, school.student_a, school.teacher)
    )
    for day in [OCT, NOV, NOV + dt.timedelta(days=1)] * scale:
        TalkLog.objects.create(pairing=p, date=day, topic="学习", content="谈心")


def test_the_apps_register_their_home_panels():
    charts = [
        p.key for p in registry.home_panels if p.template == "schoolops/charts/home_panel.html"
    ]
    assert charts == ["groups", "consult", "mentors"]


def test_principal_home_shows_each_programme_this_month_against_last(school, login, today):
    build(school)
    page = login(school.principal).get(reverse("home")).text
    assert 'id="home-panels"' in page
    groups = table_figures(page, "home-groups-chart")
    assert groups[""][1:] == ["七年级", "八年级"]
    assert groups["2026-10"] == ["6", "0"] and groups["2026-11"] == ["5", "7"]
    consult = table_figures(page, "home-consult-chart")
    levels = consult[""][1:]
    assert len(levels) == 4
    assert consult["2026-10"][levels.index(str(Level.CLASS.label))] == "1"
    assert consult["2026-11"][levels.index(str(Level.CLASS.label))] == "1"
    assert consult["2026-11"][levels.index(str(Level.GRADE.label))] == "1"
    mentors = table_figures(page, "home-mentors-chart")
    assert mentors[""][1:] == ["七年级"]
    assert mentors["2026-10"] == ["1"] and mentors["2026-11"] == ["2"]
    assert reverse("groups:leaderboard") in page and reverse("mentors:compliance") in page


@pytest.mark.parametrize("post", ["homeroom", "teacher", "grade_head", "academic", "office"])
def test_other_homes_have_no_programme_charts(school, login, today, post):
    build(school)
    page = login(getattr(school, post)).get(reverse("home")).text
    assert "home-panels" not in page and "home-groups-chart" not in page


def test_principal_home_keeps_its_query_count(school, login, today, django_assert_max_num_queries):
    client = login(school.principal)
    build(school)
    client.get(reverse("home"))
    cache.clear()  # the charts' figures worked out again, not remembered
    with django_assert_max_num_queries(20) as small:
        assert client.get(reverse("home")).status_code == 200
    build(school, scale=5)
    cache.clear()
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(reverse("home")).status_code == 200


def test_the_whole_school_figures_are_remembered_for_a_few_minutes(school, login, today):
    """The charts add up the whole school's month once per WHOLE_SCHOOL_SECONDS, not per
    visit: a visit soon after reads none of it again and shows the same figures."""
    build(school)
    client = login(school.principal)
    client.get(reverse("home"))  # the first visit's own reads (the session, the term)
    cache.clear()
    with CaptureQueriesContext(connection) as first:
        page = client.get(reverse("home")).text
    with CaptureQueriesContext(connection) as again:
        soon = client.get(reverse("home")).text
    for chart in ("home-groups-chart", "home-mentors-chart"):
        assert table_figures(soon, chart) == table_figures(page, chart)
    # Two queries per chart of the groups and the mentors (the consultation's is one count).
    assert len(first.captured_queries) - len(again.captured_queries) == 4
    build(school, scale=2)  # new entries show once the figures are worked out again
    cache.clear()
    assert table_figures(client.get(reverse("home")).text, "home-groups-chart") != table_figures(
        page, "home-groups-chart"
    )
