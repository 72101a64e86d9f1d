"""The demo school's shared materials, showcase and questions (some answered)."""

from __future__ import annotations

import datetime as dt

import pytest

from groups.models import Material, Question, SubjectRep
from schoolops import demo

pytestmark = pytest.mark.django_db


def test_the_demo_school_shares_materials_and_passes_questions_up(settings, tmp_path):
    import time_machine

    settings.PRIVATE_ROOT = tmp_path
    with time_machine.travel(dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC), tick=False):
        demo.seed("tiny", today=dt.date(2026, 11, 25))
    assert Material.objects.filter(showcased=True).exists()
    assert Material.objects.filter(content_type="image/png").exists()
    assert SubjectRep.objects.exists()
    statuses = set(Question.objects.values_list("status", flat=True))
    assert statuses == {"open", "passed", "answered"}
    answered = Question.objects.filter(status="answered").first()
    assert answered.answer_note and answered.answered_by
    # Each subject teacher of a class with questions has one of theirs to answer (the bench
    # opens the answer page as the class's subject teacher).
    from schoolops.models import TeachingAssignment

    first = Question.objects.order_by("pk").first().school_class
    for assignment in TeachingAssignment.objects.filter(school_class=first):
        assert Question.objects.filter(school_class=first, subject=assignment.subject).exists()
