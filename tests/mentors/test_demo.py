import datetime as dt
import io
import random

from django.db.models import F

import pytest

from mentors import demo, selectors
from mentors.models import Choice, Pairing, ParentContact, StudentRating, TalkLog
from schoolops.calendar import monday_of
from schoolops.demo import build_roster
from schoolops.models import Student

pytestmark = pytest.mark.django_db


def test_demo_step_fills_a_year_of_mentoring():
    context = build_roster(
        "tiny", stdout=io.StringIO(), rng=random.Random(7), today=dt.date(2026, 12, 10)
    )
    demo.run(context)
    students = Student.objects.in_school().count()
    assert Choice.objects.exists()
    assert Pairing.objects.active().count() == students  # matched or assigned by hand
    assert TalkLog.objects.exists() and ParentContact.objects.exists()
    assert StudentRating.objects.exists()
    holidays = set(context.term.holiday_mondays)
    assert not TalkLog.objects.filter(date__gt=context.today).exists()
    assert all(monday_of(d) not in holidays for d in TalkLog.objects.values_list("date", flat=True))
    # The matching keeps every mentor within capacity; a hand assignment over it says why.
    from schoolops.models import SchoolClass

    classes = list(SchoolClass.objects.filter(academic_year=context.year))
    capacity = selectors.capacities(classes, selectors.mentors_by_class([c.pk for c in classes]))
    load: dict = {}
    for p in Pairing.objects.active().order_by(F("choice_rank").asc(nulls_last=True)):
        key = (p.school_class_id, p.mentor_id)
        load[key] = load.get(key, 0) + 1
        if load[key] > capacity[key]:
            assert p.choice_rank is None and p.over_capacity_reason
    results = selectors.evaluation_results(context.term, context.today)
    assert results and any(r.total is not None for r in results)
    assert any(login.who.endswith("名受导学生）") for login in context.logins)
    # A term of the mentors' summaries, honour list, training and checks.
    from mentors.models import Honour, MentorCheck, MentorSummary, TrainingSession

    assert MentorSummary.objects.filter(month=dt.date(2026, 11, 1)).exists()
    assert not MentorSummary.objects.filter(month=dt.date(2026, 12, 1)).exists()  # not over
    summary = MentorSummary.objects.order_by("pk").first()
    assert "谈心" in summary.text
    assert Honour.objects.filter(mentor__isnull=False).exists()
    assert Honour.objects.filter(pairing__isnull=False).exists()
    sessions = TrainingSession.objects.filter(term=context.term)
    assert sessions.count() >= 3 and not sessions.filter(date__gt=context.today).exists()
    assert TrainingSession.attendees.through.objects.exists()
    assert MentorCheck.objects.filter(session__kind="check").exists()
