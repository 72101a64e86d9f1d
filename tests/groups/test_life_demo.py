"""The demo school's term of group life: meetings most weeks, one group of the first class
without a meeting this week (its homeroom teacher's to-do), plans with ticks, a coaching note,
trainings and an exhibition."""

from __future__ import annotations

import datetime as dt

from django.test import Client
from django.urls import reverse

import pytest

from groups.models import CoachingNote, GroupActivity, GroupMeeting, PlanTick, StudyGroup
from schoolops import demo
from schoolops.models import SchoolClass

pytestmark = pytest.mark.django_db


def test_the_demo_school_has_a_term_of_group_life(settings, tmp_path):
    import time_machine

    settings.PRIVATE_ROOT = tmp_path
    day = dt.date(2026, 11, 25)  # a Wednesday of teaching week 13
    with time_machine.travel(dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC), tick=False):
        demo.seed("tiny", today=day)
        groups = list(StudyGroup.objects.confirmed())
        week = groups[0].term.week_number(day)
        met = set(GroupMeeting.objects.filter(week=week).values_list("group_id", flat=True))
        assert len(groups) - len(met) == 1
        assert GroupMeeting.objects.count() > len(groups) * (week - 2) * 0.8
        assert GroupMeeting.present.through.objects.exists()
        assert PlanTick.objects.filter(done=True).exists()
        assert PlanTick.objects.filter(done=False).exists()
        assert CoachingNote.objects.exists()
        kinds = set(GroupActivity.objects.values_list("kind", flat=True))
        assert kinds == {"leaders", "members", "exhibition"}
        # The homeroom teacher of the class whose group has not met sees the to-do.
        (missing,) = [g for g in groups if g.pk not in met]
        teacher = SchoolClass.objects.get(pk=missing.school_class_id).homeroom_teacher
        client = Client()
        client.force_login(teacher.user)
        home = client.get(reverse("home")).text
        assert reverse("groups:class_life", args=[missing.school_class_id]) in home
