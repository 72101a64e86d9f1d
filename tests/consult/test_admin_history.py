"""The principal's office (校长, 副校长, 教导处) browses the history of the sensitive records in
the admin: who changed what, and when. Office staff (办公室) keep the roster and never see it."""

import datetime as dt

from django.contrib import admin
from django.urls import reverse

import pytest
from simple_history.admin import SimpleHistoryAdmin

from consult import services
from consult.models import (
    Case,
    Escalation,
    FollowUp,
    LedgerProfile,
    Meeting,
    MeetingStudent,
    Observation,
    Strategy,
)
from schoolops.models import Post
from tests.conftest import make_staff

from .helpers import FULL, meeting

pytestmark = pytest.mark.django_db

SENSITIVE = [
    LedgerProfile,
    Observation,
    Strategy,
    FollowUp,
    Escalation,
    Case,
    Meeting,
    MeetingStudent,
]


@pytest.mark.parametrize("model", SENSITIVE, ids=lambda m: m._meta.model_name)
def test_every_sensitive_record_has_a_history_admin(model):
    assert isinstance(admin.site._registry[model], SimpleHistoryAdmin)


def history_url(obj) -> str:
    return reverse(f"admin:consult_{obj._meta.model_name}_history", args=[obj.pk])


def test_the_principals_office_reads_who_changed_what_and_when(school, login, today):
    homeroom = login(school.homeroom)
    ledger_url = reverse("consult:student_ledger", args=[school.student_a.pk])
    homeroom.post(ledger_url, FULL)
    homeroom.post(ledger_url, {**FULL, "interests": "足球、围棋"})
    profile = LedgerProfile.objects.get()
    s = services.add_strategy(
        school.student_a,
        school.homeroom,
        problem="作业拖欠",
        action="每天检查",
        owner=school.homeroom,
        start_date=dt.date(2026, 11, 16),
        review_date=dt.date(2026, 11, 30),
    )
    homeroom.post(
        reverse("consult:strategy_follow_up", args=[s.pk]),
        {"date": "2026-11-20", "done": "谈心", "result": "improved"},
    )
    follow_up = FollowUp.objects.get()
    vice = make_staff("T0009", "钱副校长", [Post.VICE_PRINCIPAL])
    for staff in (school.principal, vice, school.academic):
        client = login(staff)
        page = client.get(history_url(profile))
        assert page.status_code == 200, staff
        text = page.text
        assert school.homeroom.staff_no in text  # who
        assert "2026" in text  # when
        assert str(LedgerProfile._meta.get_field("interests").verbose_name) in text  # what
        assert client.get(history_url(follow_up)).status_code == 200
        assert school.homeroom.staff_no in client.get(history_url(follow_up)).text


def test_office_staff_and_teachers_never_see_the_history(school, login, today):
    m = meeting(school, dt.date(2026, 11, 17), students=[school.student_a])
    row = MeetingStudent.objects.get(meeting=m)
    row.analysis = "作业拖欠，家长反映玩手机"
    row.save()
    for staff in (school.office, school.homeroom, school.grade_head):
        client = login(staff)
        for obj in (m, row):
            assert client.get(history_url(obj)).status_code in (302, 403), (staff, obj)
    assert login(school.principal).get(history_url(row)).status_code == 200
