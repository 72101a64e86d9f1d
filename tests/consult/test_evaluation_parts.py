"""The consultation parts of the term-end evaluation (registered in consult/hooks.py): each
teacher's participation (meetings, strategies, follow-ups on time) and success cases, and the
class consultation score."""

import datetime as dt
from decimal import Decimal

import pytest

from consult.models import Case, CaseScore, FollowUp, Level, Meeting, Strategy
from consult.selectors import term_case_scores, term_class_scores, term_participation

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 10, 12)


def _meeting(school, chair, attendees):
    meeting = Meeting.objects.create(
        level=Level.CLASS,
        term=school.term,
        date=DAY,
        school_class=school.class_a,
        chair=chair,
        topic="本周学情",
        created_by=chair,
    )
    meeting.attendees.set(attendees)
    return meeting


def _strategy(school, owner, review):
    return Strategy.objects.create(
        student=school.student_a,
        term=school.term,
        problem="作业拖欠",
        action="每日检查",
        owner=owner,
        start_date=DAY,
        review_date=review,
    )


def test_participation_weighs_meetings_strategies_and_follow_ups_on_time(school, today):
    homeroom, teacher = school.homeroom, school.teacher
    # The homeroom teacher chairs two meetings (one also as an attendee: counted once);
    # the subject teacher attends one.
    _meeting(school, homeroom, [homeroom, teacher])
    _meeting(school, homeroom, [])
    # The homeroom teacher owns two strategies due a review, one followed up in time; the
    # subject teacher owns one, not due yet.
    kept = _strategy(school, homeroom, dt.date(2026, 10, 26))
    FollowUp.objects.create(
        strategy=kept, date=dt.date(2026, 10, 20), done="谈话", result="improved", author=homeroom
    )
    late = _strategy(school, homeroom, dt.date(2026, 10, 26))
    FollowUp.objects.create(
        strategy=late, date=dt.date(2026, 11, 2), done="谈话", result="improved", author=homeroom
    )
    _strategy(school, teacher, dt.date(2026, 12, 7))
    figures = term_participation(school.term)
    # Homeroom: meetings 2/2, strategies 2/2, on time 1/2 → (100 + 100 + 50) / 3.
    assert figures[homeroom.pk] == Decimal("83.3")
    # Subject teacher: meetings 1/2, strategies 1/2, nothing due yet → (50 + 50) / 2.
    assert figures[teacher.pk] == Decimal("50.0")


def test_a_teacher_scores_the_judges_mean_of_their_best_nominated_case(school, today):
    def case(nominated, scores):
        found = Case.objects.create(
            student=school.student_a,
            term=school.term,
            school_class=school.class_a,
            title="转化案例",
            situation="-",
            strategy="-",
            process="-",
            result="-",
            nominated=nominated,
            author=school.homeroom,
            created_on=DAY,
        )
        for judge, score in zip((school.principal, school.academic), scores, strict=False):
            CaseScore.objects.create(case=found, judge=judge, score=score)

    case(True, [80, 91])
    case(True, [70, 70])
    case(False, [100, 100])  # not put forward by the class team
    assert term_case_scores(school.term) == {school.homeroom.pk: Decimal("85.5")}


def test_every_class_of_the_year_has_its_consultation_score(school, today):
    figures = term_class_scores(school.term)
    assert set(figures) == {school.class_a.pk, school.class_b.pk, school.class_c.pk}
    assert all(Decimal(0) <= figure <= 100 for figure in figures.values())
