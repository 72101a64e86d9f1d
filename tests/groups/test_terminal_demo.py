"""The demo school's class terminal: on for a class, with a week of student-recorded entries
(last week reviewed, one reversed with a reason), and its demo code signs the PC in."""

from __future__ import annotations

import datetime as dt

from django.test import Client
from django.urls import reverse

import pytest

from groups.demo import DEMO_TERMINAL_CODE
from groups.models import ClassTerminal, ScoreEntry
from schoolops import demo

pytestmark = pytest.mark.django_db


def test_the_demo_class_terminal_and_its_student_entries():
    import time_machine

    with time_machine.travel(dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC), tick=False):
        demo.seed("tiny", today=dt.date(2026, 11, 25))
        terminal = ClassTerminal.objects.get()
        entries = ScoreEntry.objects.filter(terminal=terminal)
        assert entries.filter(reviewed_at__isnull=True).exists()  # this week: to review
        assert entries.filter(reviewed_at__isnull=False).exists()  # last week: reviewed
        assert entries.filter(student__isnull=False).exists()  # a recorder's member entries
        reversal = entries.get(kind=ScoreEntry.Kind.CORRECTION)
        assert reversal.reason and reversal.reverses.recorded_by_student_id
        pc = Client()
        pc.post(reverse("groups:terminal_signin"), {"code": DEMO_TERMINAL_CODE})
        page = pc.get(reverse("groups:terminal_home"))
        assert page.status_code == 200
        assert terminal.school_class.students.first().name in page.text
