import datetime as dt

import pytest

from consult import services
from consult.models import ConsultSettings, Escalation, FollowUp, Level, Strategy
from schoolops.models import HolidayWeek

from .helpers import follow_up, strategy

pytestmark = pytest.mark.django_db

IMPROVED, SAME, WORSE = FollowUp.Result.IMPROVED, FollowUp.Result.NO_CHANGE, FollowUp.Result.WORSE
MONDAY_W13 = dt.date(2026, 11, 23)


def candidates(school, today=MONDAY_W13):
    return [c[0] for c in services.escalation_candidates(school.term, today)]


def test_two_follow_ups_without_improvement_are_not_enough(school):
    s = strategy(school, school.student_a, dt.date(2026, 11, 16))
    follow_up(school, s, dt.date(2026, 11, 17))
    follow_up(school, s, dt.date(2026, 11, 18), WORSE)
    assert candidates(school) == []


def test_third_follow_up_without_improvement_escalates(school):
    s = strategy(school, school.student_a, dt.date(2026, 11, 16))
    for day in (17, 18, 19):
        follow_up(school, s, dt.date(2026, 11, day))
    [(student_id, from_level, to_level, reason)] = services.escalation_candidates(
        school.term, MONDAY_W13
    )
    assert (student_id, from_level, to_level) == (school.student_a.pk, Level.CLASS, Level.GRADE)
    assert "3" in reason


def test_an_improvement_among_the_last_three_stops_it(school):
    s = strategy(school, school.student_a, dt.date(2026, 11, 16))
    follow_up(school, s, dt.date(2026, 11, 17))
    follow_up(school, s, dt.date(2026, 11, 18))
    follow_up(school, s, dt.date(2026, 11, 19), IMPROVED)
    assert candidates(school) == []
    follow_up(school, s, dt.date(2026, 11, 20))
    follow_up(school, s, dt.date(2026, 11, 21))
    assert candidates(school) == []
    follow_up(school, s, dt.date(2026, 11, 22))
    assert candidates(school) == [school.student_a.pk]


def test_follow_ups_across_two_open_strategies_count_together(school):
    one = strategy(school, school.student_a, dt.date(2026, 11, 16))
    two = strategy(school, school.student_a, dt.date(2026, 11, 16))
    follow_up(school, one, dt.date(2026, 11, 17))
    follow_up(school, two, dt.date(2026, 11, 18))
    follow_up(school, one, dt.date(2026, 11, 19), WORSE)
    assert candidates(school) == [school.student_a.pk]


def test_three_teaching_weeks_without_improvement_are_not_enough(school):
    strategy(school, school.student_a, dt.date(2026, 11, 2))  # week 10; today week 13
    assert candidates(school) == []


def test_four_teaching_weeks_without_improvement_escalate(school):
    strategy(school, school.student_a, dt.date(2026, 10, 26))  # week 9
    assert candidates(school) == [school.student_a.pk]


def test_weeks_count_from_the_last_improvement(school):
    s = strategy(school, school.student_a, dt.date(2026, 10, 5))
    follow_up(school, s, dt.date(2026, 11, 3), IMPROVED)  # week 10
    assert candidates(school) == []
    assert candidates(school, dt.date(2026, 11, 30)) == [school.student_a.pk]


def test_holiday_weeks_do_not_count(school):
    strategy(school, school.student_a, dt.date(2026, 10, 26))
    HolidayWeek.objects.create(term=school.term, monday=dt.date(2026, 11, 9), note="运动会")
    school.term.refresh_from_db()
    term = type(school.term).objects.get(pk=school.term.pk)
    assert services.teaching_weeks_between(term, dt.date(2026, 10, 26), MONDAY_W13) == 3
    assert services.escalation_candidates(term, MONDAY_W13) == []


def test_the_numbers_are_school_settings(school):
    settings = ConsultSettings.get()
    settings.escalate_after_followups = 2
    settings.escalate_after_weeks = 6
    settings.save()
    s = strategy(school, school.student_a, dt.date(2026, 11, 16))
    follow_up(school, s, dt.date(2026, 11, 17))
    assert candidates(school) == []
    follow_up(school, s, dt.date(2026, 11, 18))
    assert candidates(school) == [school.student_a.pk]
    s.status = Strategy.Status.SOLVED
    s.save()
    strategy(school, school.student_b, dt.date(2026, 10, 26))  # 4 weeks < 6
    assert candidates(school) == []


def test_closed_strategies_do_not_escalate(school):
    s = strategy(school, school.student_a, dt.date(2026, 10, 5))
    s.status = Strategy.Status.SOLVED
    s.save()
    assert candidates(school) == []


def test_follow_up_proposes_once_and_grade_takes_over(school, today):
    s = strategy(school, school.student_a, dt.date(2026, 11, 16))
    for day in (17, 18, 19):
        services.add_follow_up(
            s, school.homeroom, date=dt.date(2026, 11, day), done="谈话", result=SAME
        )
    [proposal] = Escalation.objects.all()
    assert proposal.status == Escalation.Status.PROPOSED and proposal.automatic
    services.add_follow_up(s, school.homeroom, date=today, done="再谈", result=SAME)
    assert Escalation.objects.count() == 1  # idempotent while undecided
    services.decide_escalation(proposal, school.grade_head, take=True, note="级部接手")
    s.refresh_from_db()
    assert (s.status, s.closed_on) == (Strategy.Status.ESCALATED, today)
    assert services.current_level(school.student_a, school.term) == Level.GRADE
    # The grade decides its own strategy; it climbs to the school by the same rule.
    grade_strategy = services.add_strategy(
        school.student_a,
        school.grade_head,
        problem="长期作业拖欠",
        action="级部主任每周约谈，联系心理教师",
        owner=school.grade_head,
        start_date=today,
        review_date=dt.date(2026, 12, 7),
    )
    assert grade_strategy.level == Level.GRADE
    assert candidates(school) == []
    for day in (24, 25, 26):
        follow_up(school, grade_strategy, dt.date(2026, 11, day))
    later = dt.date(2026, 11, 27)
    [(_, from_level, to_level, _reason)] = services.escalation_candidates(school.term, later)
    assert (from_level, to_level) == (Level.GRADE, Level.SCHOOL)


def test_sent_back_restarts_the_count(school, today):
    s = strategy(school, school.student_a, dt.date(2026, 11, 16))
    for day in (17, 18, 19):
        follow_up(school, s, dt.date(2026, 11, day))
    [proposal] = services.propose_escalations(school.term, today)
    services.decide_escalation(proposal, school.grade_head, take=False, note="班级继续跟进")
    s.refresh_from_db()
    assert s.level == Level.CLASS
    assert services.propose_escalations(school.term, today) == []
    # Follow-ups after the send-back count again from zero.
    for day in (24, 25, 26):
        follow_up(school, s, dt.date(2026, 11, day))
    assert candidates(school, dt.date(2026, 11, 27)) == [school.student_a.pk]


def test_a_decided_proposal_cannot_be_decided_again(school, today):
    proposal = services.propose_manually(school.student_a, school.homeroom, "长期无进步", today)
    services.decide_escalation(proposal, school.grade_head, take=False)
    with pytest.raises(services.ValidationError):
        services.decide_escalation(proposal, school.grade_head, take=True)


def test_manual_proposal_needs_a_reason_and_is_not_duplicated(school, today):
    with pytest.raises(services.ValidationError):
        services.propose_manually(school.student_a, school.homeroom, "  ", today)
    services.propose_manually(school.student_a, school.homeroom, "长期无进步", today)
    with pytest.raises(services.ValidationError):
        services.propose_manually(school.student_a, school.homeroom, "再次", today)


def test_follow_up_rules(school, today):
    s = strategy(school, school.student_a, dt.date(2026, 11, 16))
    with pytest.raises(services.ValidationError):
        services.add_follow_up(
            s, school.homeroom, date=dt.date(2026, 11, 15), done="x", result=SAME
        )
    with pytest.raises(services.ValidationError):
        services.add_follow_up(
            s, school.homeroom, date=dt.date(2026, 11, 24), done="x", result=SAME
        )
    services.add_follow_up(s, school.homeroom, date=today, done="谈话", result=IMPROVED)
    s.refresh_from_db()
    assert s.review_date == dt.date(2026, 12, 7)
    services.close_strategy(s, school.homeroom, "已改正")
    with pytest.raises(services.ValidationError):
        services.add_follow_up(s, school.homeroom, date=today, done="x", result=SAME)
    assert FollowUp.objects.count() == 1


def test_grade_head_proposes_a_taken_over_student_to_the_school(school, today):
    proposal = services.propose_manually(school.student_a, school.homeroom, "长期无进步", today)
    assert (proposal.from_level, proposal.to_level) == (Level.CLASS, Level.GRADE)
    services.decide_escalation(proposal, school.grade_head, take=True)
    to_school = services.propose_manually(school.student_a, school.grade_head, "级部无效", today)
    assert (to_school.from_level, to_school.to_level) == (Level.GRADE, Level.SCHOOL)
    services.decide_escalation(to_school, school.principal, take=True)
    assert services.current_level(school.student_a, school.term) == Level.SCHOOL
    with pytest.raises(services.ValidationError):
        services.propose_manually(school.student_a, school.principal, "再上报", today)


def test_case_scoring_rules(school, today):
    from consult.models import Case, CaseJudge

    case = Case.objects.create(
        student=school.student_a,
        term=school.term,
        school_class=school.class_a,
        title="案例",
        situation="s",
        strategy="s",
        process="p",
        result="r",
        author=school.homeroom,
        created_on=today,
    )
    with pytest.raises(services.ValidationError):
        services.score_case(case, school.principal, 90)  # not a judge
    CaseJudge.objects.create(term=school.term, staff=school.principal)
    with pytest.raises(services.ValidationError):
        services.score_case(case, school.principal, 90)  # not nominated
    case.nominated = True
    case.save()
    with pytest.raises(services.ValidationError):
        services.score_case(case, school.principal, 101)
    services.score_case(case, school.principal, 90)
    services.score_case(case, school.principal, 85, "再评")
    assert list(case.scores.values_list("score", flat=True)) == [85]
