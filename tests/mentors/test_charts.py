"""The mentors' charts: the grade's talks held against talks due week by week (compliance
page) and one mentor's (their evaluation page), with their tables, scope and query counts."""

import datetime as dt

from django.urls import reverse

import pytest

from mentors.models import TalkLog
from mentors.selectors import weekly_talks
from tests.schoolops.chart_figures import table_figures

from .conftest import add_students, pair

pytestmark = pytest.mark.django_db


def talk(pairing, day):
    TalkLog.objects.create(pairing=pairing, date=day, topic="学习", content="谈心")


@pytest.fixture
def talks(school, mentoring, today):
    """李老师 mentors 张小明 from 09-07 (talks in the weeks of 09-07, twice, and 09-14);
    刘老师 mentors a second student from 10-12 (a talk in the week of 10-12); an 八年级
    student of 李老师 from 09-07 (a talk every week: not the grade's)."""
    first = pair(school, mentoring.students[0], school.teacher)
    second = pair(school, mentoring.students[1], mentoring.english, started=dt.date(2026, 10, 12))
    other = pair(school, add_students(school.class_c, 1, prefix="08")[0], school.teacher)
    talk(first, dt.date(2026, 9, 8))
    talk(first, dt.date(2026, 9, 10))
    talk(first, dt.date(2026, 9, 15))
    talk(second, dt.date(2026, 10, 14))
    for week in range(11):
        talk(other, dt.date(2026, 9, 8) + dt.timedelta(weeks=week))
    return first, second, other


def by_monday(school, weeks, today):
    mondays = {w.number: w.monday for w in school.term.teaching_weeks()}
    return {mondays[w.number]: (w.due, w.held) for w in weeks}


def test_weekly_talks_count_whole_weeks_covered_and_weeks_with_a_talk(school, talks, today):
    weeks = weekly_talks(school.term, today, grade=school.grade7)
    over = [w for w in school.term.teaching_weeks() if w.last_day < today]
    assert [w.number for w in weeks] == [w.number for w in over]
    got = by_monday(school, weeks, today)
    assert got[dt.date(2026, 8, 31)] == (0, 0)  # before the pairings began
    assert got[dt.date(2026, 9, 7)] == (1, 1)  # two talks, one week
    assert got[dt.date(2026, 9, 14)] == (1, 1)
    assert got[dt.date(2026, 9, 21)] == (1, 0)
    assert got[dt.date(2026, 10, 12)] == (2, 1)
    assert got[dt.date(2026, 11, 16)] == (2, 0)
    mine = by_monday(school, weekly_talks(school.term, today, mentor_id=school.teacher.pk), today)
    assert mine[dt.date(2026, 9, 14)] == (2, 2)  # 张小明 and the 八年级 student
    assert mine[dt.date(2026, 10, 12)] == (2, 1)
    assert weekly_talks(school.term, dt.date(2026, 9, 1), grade=school.grade7) == []


def test_compliance_page_draws_the_grades_weeks(school, talks, login, today):
    url = reverse("mentors:compliance") + f"?grade={school.grade7.pk}"
    page = login(school.academic).get(url).text
    figures = table_figures(page, "grade-talks-chart")
    weeks = weekly_talks(school.term, today, grade=school.grade7)
    assert figures[""][1:] == [str(w.number) for w in weeks]
    due, held = list(figures.values())[1:]
    assert due == [str(w.due) for w in weeks] and held == [str(w.held) for w in weeks]
    assert sum(map(int, held)) == 3 and max(map(int, due)) == 2  # not the 八年级 student's


def test_mentor_page_draws_their_weeks(school, talks, login, today):
    url = reverse("mentors:evaluation_mentor", args=[school.teacher.pk])
    page = login(school.academic).get(url).text
    due, held = list(table_figures(page, "mentor-talks-chart").values())[1:]
    weeks = weekly_talks(school.term, today, mentor_id=school.teacher.pk)
    assert held == [str(w.held) for w in weeks] and due == [str(w.due) for w in weeks]
    # Both of 李老师's mentees, the 八年级 one too; none of 刘老师's.
    assert max(map(int, due)) == 2
    assert by_monday(school, weeks, today)[dt.date(2026, 10, 12)] == (2, 1)


def test_a_mentors_own_list_draws_their_weeks(school, talks, login, today):
    """The mentor sees their own trend on their mentee list; a mentor with none, no chart."""
    page = login(school.teacher).get(reverse("mentors:my_mentees")).text
    due, held = list(table_figures(page, "my-talks-chart").values())[1:]
    weeks = weekly_talks(school.term, today, mentor_id=school.teacher.pk)
    assert held == [str(w.held) for w in weeks] and due == [str(w.due) for w in weeks]
    assert max(map(int, due)) == 2  # 李老师's two mentees, not 刘老师's
    assert "my-talks-chart" not in login(school.homeroom).get(reverse("mentors:my_mentees")).text


def test_scope_of_the_talk_charts(school, talks, login, today):
    grade8 = reverse("mentors:compliance") + f"?grade={school.grade8.pk}"
    assert login(school.grade_head).get(grade8).status_code == 404
    page = login(school.grade_head).get(reverse("mentors:compliance")).text
    assert max(map(int, list(table_figures(page, "grade-talks-chart").values())[1])) == 2
    url = reverse("mentors:evaluation_mentor", args=[school.teacher.pk])
    assert login(school.homeroom).get(url).status_code == 403


@pytest.mark.parametrize("name", ["compliance", "evaluation_mentor", "my_mentees"])
def test_talk_chart_pages_keep_their_query_count(
    school, mentoring, login, today, name, django_assert_max_num_queries
):
    client = login(school.teacher if name == "my_mentees" else school.academic)
    url = {
        "compliance": reverse("mentors:compliance") + f"?grade={school.grade7.pk}",
        "evaluation_mentor": reverse("mentors:evaluation_mentor", args=[school.teacher.pk]),
        "my_mentees": reverse("mentors:my_mentees"),
    }[name]
    talk(pair(school, mentoring.students[0], school.teacher), dt.date(2026, 9, 8))
    client.get(url)
    with django_assert_max_num_queries(20) as small:
        assert client.get(url).status_code == 200
    for i, student in enumerate(add_students(school.class_a, 30, start=300)):
        p = pair(school, student, school.teacher, started=dt.date(2026, 9, 7 + i % 20))
        for week in range(8):
            talk(p, dt.date(2026, 9, 9) + dt.timedelta(weeks=week))
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200
