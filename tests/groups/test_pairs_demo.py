"""The demo school's study pairs and student tags (issue 16)."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

import pytest

from groups.models import PairScore, StudentTag, StudentTagging, StudyPair
from schoolops import demo
from schoolops.models import ExamResult

pytestmark = pytest.mark.django_db


def test_the_demo_school_has_pairs_and_tags(settings, tmp_path, client):
    import time_machine

    settings.PRIVATE_ROOT = tmp_path
    with time_machine.travel(dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC), tick=False):
        demo.seed("tiny", today=dt.date(2026, 11, 25))
    assert StudentTag.objects.filter(kind="personality").exists()
    assert StudentTagging.objects.exists()
    pair = StudyPair.objects.active().select_related("school_class").first()
    assert pair is not None and PairScore.objects.filter(pair=pair).exists()
    scores = dict(
        ExamResult.objects.filter(subject=pair.subject, student__in=pair.students)
        .order_by("exam__date")
        .values_list("student_id", "score")
    )
    assert scores[pair.stronger_id] >= scores[pair.weaker_id]
    # The homeroom teacher opens the class's pairs and tags.
    client.force_login(pair.school_class.homeroom_teacher.user)
    page = client.get(reverse("groups:pairs", args=[pair.school_class_id]))
    assert pair.stronger.name in page.content.decode()
    assert client.get(reverse("groups:tags", args=[pair.school_class_id])).status_code == 200
