import datetime as dt
import random

import pytest

from consult.demo import run_demo
from consult.models import (
    Case,
    Escalation,
    FollowUp,
    LeaderAssignment,
    LedgerProfile,
    Level,
    Meeting,
    Observation,
    Strategy,
)
from schoolops import demo
from schoolops.models import Student

pytestmark = pytest.mark.django_db


class Quiet:
    def write(self, message: str) -> None:
        pass


def test_demo_step_fills_a_term_of_consultation():
    today = dt.date(2026, 11, 23)
    context = demo.build_roster("tiny", stdout=Quiet(), rng=random.Random(7), today=today)
    run_demo(context)
    students = Student.objects.in_school().count()
    assert LedgerProfile.objects.filter(term=context.term).count() == students
    assert LedgerProfile.objects.filter(special_attention=True).exists()
    assert Observation.objects.count() >= students * 2
    assert (
        Observation.objects.filter(psychological=True).exists()
        or not LedgerProfile.objects.filter(psych_flag=True).exists()
    )
    assert set(Meeting.objects.values_list("level", flat=True)) == set(Level.values)
    assert Meeting.objects.filter(monthly_review=True).exists()
    assert Strategy.objects.exists() and FollowUp.objects.exists()
    assert Escalation.objects.filter(status=Escalation.Status.TAKEN).exists()
    assert Escalation.objects.filter(status=Escalation.Status.PROPOSED).exists()
    assert LeaderAssignment.objects.exists()
    assert Case.objects.filter(nominated=True).exists()
    assert not Meeting.objects.filter(date__gt=today).exists()
    assert not FollowUp.objects.filter(date__gt=today).exists()
