"""The weeks-without-improvement half of the escalation rule runs without anybody running
anything: the first page of the day that shows proposals makes them."""

import datetime as dt
import io

from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

import pytest
import time_machine

from consult.models import ConsultSettings, Escalation, FollowUp, Level
from schoolops.models import HolidayWeek

from .helpers import follow_up, strategy

pytestmark = pytest.mark.django_db

WEEK_9 = dt.date(2026, 10, 26)  # a Monday; four teaching weeks later is Monday 23 November


@pytest.fixture
def as_staff(login):
    def _as(staff):
        client = login(staff)
        client.staff = staff
        return client

    return _as


def at(day: dt.date):
    return time_machine.travel(dt.datetime(day.year, day.month, day.day, 9, 0), tick=False)


def proposals(school):
    return list(
        Escalation.objects.filter(term=school.term).values_list(
            "student_id", "from_level", "to_level", "automatic"
        )
    )


def open_home(client) -> None:
    # Log in again at the travelled time: a session does not last weeks.
    client.force_login(client.staff.user)
    assert client.get(reverse("home")).status_code == 200


def test_home_page_proposes_at_exactly_four_teaching_weeks(school, as_staff):
    strategy(school, school.student_a, WEEK_9)
    client = as_staff(school.homeroom)
    with at(dt.date(2026, 11, 22)):  # Sunday: three teaching weeks have begun since
        open_home(client)
    assert proposals(school) == []
    with at(dt.date(2026, 11, 23)):  # Monday: the fourth
        open_home(client)
    assert proposals(school) == [(school.student_a.pk, Level.CLASS, Level.GRADE, True)]
    [proposal] = Escalation.objects.all()
    assert proposal.proposed_on == dt.date(2026, 11, 23)
    assert "4" in proposal.reason


def test_holiday_weeks_are_not_counted(school, as_staff):
    strategy(school, school.student_a, WEEK_9)
    HolidayWeek.objects.create(term=school.term, monday=dt.date(2026, 11, 9), note="运动会")
    client = as_staff(school.homeroom)
    with at(dt.date(2026, 11, 23)):
        open_home(client)
    assert proposals(school) == []
    with at(dt.date(2026, 11, 30)):
        open_home(client)
    assert [p[0] for p in proposals(school)] == [school.student_a.pk]


def test_an_improvement_resets_the_weeks(school, as_staff):
    s = strategy(school, school.student_a, dt.date(2026, 10, 5))
    follow_up(school, s, dt.date(2026, 11, 3), FollowUp.Result.IMPROVED)  # week 10
    client = as_staff(school.homeroom)
    with at(dt.date(2026, 11, 29)):  # three teaching weeks after the improvement
        open_home(client)
    assert proposals(school) == []
    with at(dt.date(2026, 11, 30)):
        open_home(client)
    assert [p[0] for p in proposals(school)] == [school.student_a.pk]


def test_the_grade_heads_agenda_shows_the_new_proposal(school, as_staff):
    strategy(school, school.student_a, WEEK_9)
    client = as_staff(school.grade_head)
    with at(dt.date(2026, 11, 23)):
        response = client.get(reverse("consult:escalations"))
    assert response.status_code == 200
    assert school.student_a.name in response.content.decode()
    assert Escalation.objects.get().automatic


def test_the_grade_meeting_form_lists_the_new_proposal(school, as_staff):
    strategy(school, school.student_a, WEEK_9)
    client = as_staff(school.grade_head)
    with at(dt.date(2026, 11, 23)):
        response = client.get(
            reverse("consult:meeting_new"), {"level": "grade", "grade": school.grade7.pk}
        )
    assert response.status_code == 200
    assert Escalation.objects.filter(student=school.student_a).exists()
    assert school.student_a.student_no in response.content.decode()


def test_the_student_timeline_shows_the_new_proposal(school, as_staff):
    strategy(school, school.student_a, WEEK_9)
    client = as_staff(school.teacher)
    with at(dt.date(2026, 11, 23)):
        response = client.get(reverse("schoolops:student_detail", args=[school.student_a.pk]))
    assert response.status_code == 200
    assert Escalation.objects.filter(student=school.student_a).exists()
    assert 'class="list-unstyled consult-timeline' in response.content.decode()
    assert "timeline-escalation" in response.content.decode()


RULE_READ = '"consult_strategy"."start_date" AS "start_date" FROM'


def rule_ran(queries) -> bool:
    return any(RULE_READ in q["sql"] for q in queries)


def test_the_rule_runs_once_a_day(school, as_staff):
    strategy(school, school.student_a, WEEK_9)
    client = as_staff(school.homeroom)
    with at(dt.date(2026, 11, 20)):
        open_home(client)
        assert ConsultSettings.get().escalations_checked_on == dt.date(2026, 11, 20)
        # Later the same day the page costs no more than reading the settings.
        with CaptureQueriesContext(connection) as again:
            open_home(client)
        assert not rule_ran(again.captured_queries)
    with at(dt.date(2026, 11, 23)):
        with CaptureQueriesContext(connection) as next_day:
            open_home(client)
        assert rule_ran(next_day.captured_queries)
    assert [p[0] for p in proposals(school)] == [school.student_a.pk]
    # Idempotent: a second check the same day, or the cron command, adds nothing.
    with at(dt.date(2026, 11, 23)):
        open_home(client)
        call_command("consult_escalations", stdout=io.StringIO())
    assert Escalation.objects.count() == 1


def test_new_settings_apply_the_same_day(school, as_staff):
    strategy(school, school.student_a, dt.date(2026, 11, 2))  # three weeks on the 23rd
    client = as_staff(school.homeroom)
    with at(dt.date(2026, 11, 23)):
        open_home(client)
        assert proposals(school) == []
        settings = ConsultSettings.get()
        settings.escalate_after_weeks = 3
        settings.save()
        open_home(client)
    assert [p[0] for p in proposals(school)] == [school.student_a.pk]


def test_a_sent_back_student_is_not_proposed_again_the_same_weeks(school, as_staff):
    from consult import services

    strategy(school, school.student_a, WEEK_9)
    client = as_staff(school.grade_head)
    with at(dt.date(2026, 11, 23)):
        open_home(client)
        [proposal] = Escalation.objects.all()
        services.decide_escalation(proposal, school.grade_head, take=False, note="班级继续")
    with at(dt.date(2026, 11, 24)):
        open_home(client)
    assert Escalation.objects.count() == 1
    with at(dt.date(2026, 12, 21)):  # four teaching weeks after the send-back
        open_home(client)
    assert Escalation.objects.filter(status=Escalation.Status.PROPOSED).count() == 1
