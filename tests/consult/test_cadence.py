import datetime as dt

import pytest

from consult.models import Level, Meeting
from consult.selectors import school_cadence, weekly_cadence
from schoolops.models import HolidayWeek, Term

from .helpers import meeting

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 25)  # Wednesday of teaching week 13


def states(row, upto=13):
    return [c.state for c in row.cells[:upto]]


def test_a_week_without_a_class_meeting_is_missing_once_it_has_ended(school):
    meeting(school, dt.date(2026, 9, 1))  # week 1 (a Tuesday)
    meeting(school, dt.date(2026, 9, 11))  # week 2
    meeting(school, TODAY)  # week 13, this week
    [row] = weekly_cadence(school.term, TODAY, Level.CLASS, [school.class_a])
    assert states(row)[:3] == ["held", "held", "missing"]
    assert row.cells[12].state == "held"
    assert row.cells[13].state == "future"
    assert (row.held, row.expected) == (3, 13)


def test_this_week_is_due_until_it_ends(school):
    [row] = weekly_cadence(school.term, TODAY, Level.CLASS, [school.class_a])
    assert row.cells[12].state == "due"
    assert row.expected == 12  # weeks 1-12 have ended
    [row] = weekly_cadence(school.term, dt.date(2026, 11, 30), Level.CLASS, [school.class_a])
    assert row.cells[12].state == "missing"
    assert row.expected == 13


def test_holiday_weeks_are_skipped_and_numbering_continues(school):
    HolidayWeek.objects.create(term=school.term, monday=dt.date(2026, 10, 1), note="国庆")
    term = Term.objects.get(pk=school.term.pk)
    meeting(school, dt.date(2026, 9, 22))  # week 4
    meeting(school, dt.date(2026, 10, 2))  # in the holiday week: not a teaching week
    meeting(school, dt.date(2026, 10, 8))  # the week after the holiday: week 5
    [row] = weekly_cadence(term, TODAY, Level.CLASS, [school.class_a])
    assert len(row.cells) == len(term.calendar_weeks()) - 1
    week4, week5 = row.cells[3], row.cells[4]
    assert (week4.week.monday, week4.state) == (dt.date(2026, 9, 21), "held")
    assert (week5.week.monday, week5.week.number, week5.state) == (dt.date(2026, 10, 5), 5, "held")
    # 11 teaching weeks have ended by 11-25 (teaching week 12): the holiday is not one.
    assert term.week_number(TODAY) == 12
    assert row.expected == 11
    assert row.held == 2


def test_ad_hoc_meetings_do_not_meet_the_weekly_cadence(school):
    meeting(school, dt.date(2026, 9, 2), kind=Meeting.Kind.AD_HOC)
    meeting(school, dt.date(2026, 9, 9), kind=Meeting.Kind.THEMATIC)
    [row] = weekly_cadence(school.term, TODAY, Level.CLASS, [school.class_a])
    assert states(row)[:2] == ["missing", "held"]


def test_two_meetings_in_one_week_count_once(school):
    meeting(school, dt.date(2026, 9, 7))
    meeting(school, dt.date(2026, 9, 8))
    [row] = weekly_cadence(school.term, TODAY, Level.CLASS, [school.class_a])
    assert row.cells[1].held == 2
    assert row.held == 1


def test_grade_cadence_counts_grade_meetings_only(school):
    meeting(school, dt.date(2026, 9, 4), level=Level.GRADE, chair=school.grade_head)  # Friday
    meeting(school, dt.date(2026, 9, 11))  # a class meeting of 七年级(1)班
    grade7, grade8 = weekly_cadence(school.term, TODAY, Level.GRADE, [school.grade7, school.grade8])
    assert states(grade7)[:2] == ["held", "missing"]
    assert grade8.held == 0


def test_school_meetings_start_middle_end_and_monthly_reviews(school):
    term = school.term  # 21 teaching weeks: start 1-3, middle 10-12, end 19-21
    meeting(school, dt.date(2026, 9, 2), level=Level.SCHOOL, kind=Meeting.Kind.THEMATIC)
    meeting(school, dt.date(2026, 10, 9), level=Level.SCHOOL, kind=Meeting.Kind.THEMATIC)
    meeting(school, dt.date(2026, 9, 30), level=Level.SCHOOL, monthly_review=True)
    slots, reviews = school_cadence(term)
    assert [s.state(TODAY) for s in slots] == ["held", "missing", "future"]
    assert [s.first_day for s in slots] == [
        dt.date(2026, 9, 1),
        dt.date(2026, 11, 2),
        dt.date(2027, 1, 4),
    ]
    assert len(reviews) == 5  # September to January
    assert [r.state(TODAY) for r in reviews] == ["held", "missing", "due", "future", "future"]


def test_the_cadence_page_shows_one_grades_classes_at_a_time(school, login, today):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from schoolops.models import SchoolClass

    url = reverse("consult:cadence")
    client = login(school.principal)
    client.get(url)  # the day's escalation check
    with CaptureQueriesContext(connection) as small:
        first = client.get(url)
    assert first.status_code == 200
    assert 0 < len(small) <= 20
    assert str(school.class_a) in first.text and str(school.class_c) not in first.text
    eighth = client.get(url, {"grade": school.grade8.pk}).text
    assert str(school.class_c) in eighth and str(school.class_a) not in eighth
    for number in range(5, 15):
        SchoolClass.objects.create(
            academic_year=school.class_a.academic_year, grade=school.grade8, number=number
        )
    with CaptureQueriesContext(connection) as large:
        assert client.get(url).status_code == 200
    assert len(large) == len(small)
    assert client.get(url, {"grade": "x"}).status_code == 404
    # A grade head's own grade comes first; another grade is not theirs to see.
    head = login(school.grade_head)
    assert str(school.class_a) in head.get(url).text
    assert head.get(url, {"grade": school.grade8.pk}).status_code == 404
