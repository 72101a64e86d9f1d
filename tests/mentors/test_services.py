import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError

import pytest

from mentors import selectors, services
from mentors.models import (
    Choice,
    MentorCapacity,
    MentorEvaluation,
    MentorRanking,
    Pairing,
    ParentContact,
    PriorityStudent,
    StudentRating,
    TalkLog,
)
from schoolops.models import HolidayWeek, Post, Subject, TeachingAssignment
from tests.conftest import make_staff
from tests.mentors.conftest import pair

pytestmark = pytest.mark.django_db


def test_mentors_of_a_class_are_its_subject_teachers_except_the_homeroom_teacher(school, mentoring):
    mentors = selectors.mentors_by_class([school.class_a.pk])[school.class_a.pk]
    assert [m.name for m in mentors] == ["李老师", "刘老师"]  # 王老师 teaches 语文 but is homeroom


def test_default_capacity_is_class_size_over_mentors_rounded_up(school, mentoring):
    mentors = selectors.mentors_by_class([school.class_a.pk])
    caps = selectors.capacities([school.class_a], mentors)
    assert caps[(school.class_a.pk, school.teacher.pk)] == 3  # ceil(5 / 2)
    services.set_capacity(school.class_a, school.teacher, 1)
    caps = selectors.capacities([school.class_a], mentors)
    assert caps[(school.class_a.pk, school.teacher.pk)] == 1
    assert caps[(school.class_a.pk, mentoring.english.pk)] == 3
    services.set_capacity(school.class_a, school.teacher, None)
    assert not MentorCapacity.objects.exists()
    with pytest.raises(ValidationError):
        services.set_capacity(school.class_a, school.homeroom, 2)


def test_class_choices_reject_ineligible_duplicate_and_gaps(school, mentoring, today):
    a = school.student_a.pk
    for bad in (
        [school.homeroom.pk, None, None],  # the homeroom teacher is not a mentor
        [school.teacher.pk, school.teacher.pk, None],
        [None, school.teacher.pk, None],
    ):
        with pytest.raises(ValidationError):
            services.save_class_choices(
                school.class_a, school.year, services.ClassChoices({a: bad}, set())
            )
    assert not Choice.objects.exists()
    count = services.save_class_choices(
        school.class_a,
        school.year,
        services.ClassChoices({a: [mentoring.english.pk, school.teacher.pk, None]}, {a}),
        by=school.homeroom,
    )
    assert count == 1
    assert list(Choice.objects.values_list("rank", "mentor__name")) == [
        (1, "刘老师"),
        (2, "李老师"),
    ]
    assert PriorityStudent.objects.get().marked_by == school.homeroom
    services.save_class_choices(school.class_a, school.year, services.ClassChoices({}, set()))
    assert not PriorityStudent.objects.exists()
    assert PriorityStudent.history.count() == 2  # marked, then unmarked, both kept


def test_default_mentor_priority():
    applicants = [
        (1, "003", 1, False),
        (2, "002", 2, True),  # priority first
        (3, "001", 1, False),  # then higher choice, then 学籍号
        (4, "004", 3, False),
    ]
    assert selectors.applicant_order(applicants, {}) == [2, 3, 1, 4]
    ranking = {4: (1, False), 3: (None, True)}
    assert selectors.applicant_order(applicants, ranking) == [4, 2, 1]


def test_matching_respects_capacity_priority_and_declines(school, mentoring, today):
    s = mentoring.students
    services.set_capacity(school.class_a, school.teacher, 2)
    choices = {
        s[0].pk: [school.teacher.pk, mentoring.english.pk, None],
        s[1].pk: [school.teacher.pk, None, None],
        s[2].pk: [school.teacher.pk, mentoring.english.pk, None],
        s[3].pk: [mentoring.english.pk, None, None],
    }
    services.save_class_choices(
        school.class_a, school.year, services.ClassChoices(choices, {s[2].pk})
    )
    services.save_rankings(mentoring.english, school.year, {s[3].pk: (None, True)})
    preview = selectors.preview_matching(school.grade7, school.year)
    got = {o.student.pk: (o.mentor and o.mentor.name, o.choice_rank) for o in preview.outcomes}
    # 李老师 takes two: s2 (priority), then s1 (its 学籍号 sorts before s0's as text);
    # s0 goes to its second choice.
    assert s[1].student_no < s[0].student_no
    assert got[s[2].pk] == ("李老师", 1)
    assert got[s[1].pk] == ("李老师", 1)
    assert got[s[0].pk] == ("刘老师", 2)
    assert got[s[3].pk] == (None, None)  # declined by 刘老师
    assert got[s[4].pk] == (None, None)  # no choices
    run = services.publish_matching(
        school.grade7, school.year, by=school.academic, fingerprint=preview.fingerprint
    )
    assert (run.matched, run.unmatched) == (3, 3)  # class (2)'s student has no choices either
    assert Pairing.objects.filter(match_run=run).count() == 3
    # A second run matches only the students still unpaired and keeps the capacity used.
    again = selectors.preview_matching(school.grade7, school.year)
    assert again.already_paired == 3 and not again.matched


def test_publish_refuses_a_stale_preview(school, mentoring, today):
    preview = selectors.preview_matching(school.grade7, school.year)
    services.save_class_choices(
        school.class_a,
        school.year,
        services.ClassChoices({school.student_a.pk: [school.teacher.pk, None, None]}, set()),
    )
    with pytest.raises(ValidationError):
        services.publish_matching(school.grade7, school.year, fingerprint=preview.fingerprint)
    assert not Pairing.objects.exists()


def test_hand_assignment_needs_a_mentor_of_the_class_and_a_reason_over_capacity(
    school, mentoring, today
):
    s = mentoring.students
    services.set_capacity(school.class_a, school.teacher, 1)
    with pytest.raises(ValidationError):
        services.assign_by_hand(s[0], school.outsider, school.year)
    first = services.assign_by_hand(s[0], school.teacher, school.year)
    assert first.choice_label == "调剂"
    with pytest.raises(ValidationError):
        services.assign_by_hand(s[1], school.teacher, school.year)
    second = services.assign_by_hand(s[1], school.teacher, school.year, reason="家长强烈要求")
    assert second.over_capacity_reason == "家长强烈要求"
    with pytest.raises(ValidationError):
        services.assign_by_hand(s[1], mentoring.english, school.year)  # already paired


def test_early_end_needs_a_reason_and_reassignment_is_one_step(school, mentoring, today):
    s = mentoring.students
    pairings = [pair(school, student, school.teacher) for student in s[:3]]
    with pytest.raises(ValidationError):
        services.end_pairing(pairings[0], "", "")
    suggestions = selectors.suggest_reassignment(school.teacher, school.year)
    assert [best for _p, _o, best in suggestions] == [mentoring.english] * 3
    new = {p.pk: mentoring.english.pk for p in pairings}
    new[pairings[2].pk] = school.teacher.pk  # not another mentor: the whole step is refused
    with pytest.raises(ValidationError):
        services.reassign_mentees(school.teacher, school.year, Pairing.EndReason.LEFT, new)
    assert Pairing.objects.active().filter(mentor=school.teacher).count() == 3
    new[pairings[2].pk] = mentoring.english.pk
    created = services.reassign_mentees(
        school.teacher, school.year, Pairing.EndReason.LEFT, new, note="调往县一中"
    )
    assert len(created) == 3
    assert not Pairing.objects.active().filter(mentor=school.teacher).exists()
    ended = Pairing.objects.get(pk=pairings[0].pk)
    assert (ended.ended_on, ended.end_reason, ended.end_note) == (today, "left", "调往县一中")
    assert ended.history.count() == 2  # created, then ended
    assert Pairing.objects.filter(student=s[0]).count() == 2  # the old pairing is kept


def test_compliance_counts_teaching_weeks_and_skips_holidays(school, mentoring):
    # Term starts Tue 2026-09-01 (week 1 from Mon 08-31). Pairing from Mon 09-07 (week 2).
    # National Day week (Mon 09-28... use 10-05) is a holiday.
    HolidayWeek.objects.create(term=school.term, monday=dt.date(2026, 10, 5), note="国庆")
    p = pair(school, school.student_a, school.teacher, started=dt.date(2026, 9, 7))
    for day in (
        dt.date(2026, 9, 8),
        dt.date(2026, 9, 10),
        dt.date(2026, 9, 22),
        dt.date(2026, 10, 6),
    ):
        TalkLog.objects.create(pairing=p, date=day, topic="学习", content="谈心")
    ParentContact.objects.create(
        pairing=p, date=dt.date(2026, 10, 20), method="phone", content="电话"
    )
    today = dt.date(2026, 10, 19)  # Monday; weeks before are over
    c = selectors.pairing_compliance([p], school.term, today)[p.pk]
    # Teaching weeks over and covered whole: 09-07, 09-14, 09-21, 09-28, 10-12 (10-05 is holiday).
    assert c.weeks_expected == 5
    assert c.weeks_missed == 3  # 09-14, 09-28, 10-12; two talks in week 09-07 count once
    assert c.talks == 4  # the holiday talk is recorded but fills no teaching week
    # Months over: September only (the pairing did not cover 09-01..09-06, so it is not expected).
    assert (c.months_expected, c.months_missed) == (0, 0)
    c = selectors.pairing_compliance([p], school.term, dt.date(2026, 12, 1))[p.pk]
    assert (c.months_expected, c.months_missed) == (2, 1)  # October contacted, November not
    per_mentor = selectors.mentor_compliance(school.term, dt.date(2026, 12, 1))
    assert per_mentor[school.teacher.pk].months_missed == 1
    # Across the new year: October and January contacted, November and December not (the
    # term ends 01-24, so January counts once it is over).
    ParentContact.objects.create(
        pairing=p, date=dt.date(2027, 1, 11), method="home_visit", content="家访"
    )
    c = selectors.pairing_compliance([p], school.term, dt.date(2027, 1, 25))[p.pk]
    assert (c.months_expected, c.months_missed, c.contacts) == (4, 2, 2)
    assert c.weeks_expected == 19  # teaching weeks 09-07 .. 01-18, the holiday left out


def test_due_this_week(school, mentoring, today):
    p1 = pair(school, school.student_a, school.teacher)
    p2 = pair(school, mentoring.students[1], school.teacher)
    TalkLog.objects.create(pairing=p1, date=today, topic="学习", content="谈心")
    ParentContact.objects.create(pairing=p2, date=dt.date(2026, 11, 2), method="phone", content="x")
    talk_due, contact_due = selectors.due_this_week([p1.pk, p2.pk], today)
    assert talk_due == {p2.pk}
    assert contact_due == {p1.pk}


def test_weighted_total_arithmetic():
    weights = (20, 30, 20, 30)
    scores = (Decimal(90), Decimal(80), Decimal(70), Decimal(60))
    # 0.2*90 + 0.3*80 + 0.2*70 + 0.3*60 = 18 + 24 + 14 + 18 = 74
    assert selectors.weighted_total(weights, scores) == Decimal("74.0")
    assert selectors.weighted_total((25, 25, 25, 25), (Decimal("85.5"), 71, 60, 99)) == Decimal(
        "78.9"
    )  # 315.5 / 4 = 78.875
    assert selectors.weighted_total(weights, (None, 80, 70, 60)) is None


def test_evaluation_results_flag_below_threshold(school, mentoring, today):
    p = pair(school, school.student_a, school.teacher)
    pair(school, mentoring.students[1], mentoring.english)
    StudentRating.objects.create(
        term=school.term, student=school.student_a, mentor=school.teacher, score=4
    )
    StudentRating.objects.create(
        term=school.term, student=mentoring.students[2], mentor=school.teacher, score=3
    )
    MentorEvaluation.objects.create(
        term=school.term, mentor=school.teacher, self_score=90, school_score=50
    )
    # The other teachers' part is the average of their ratings: (65 + 75) / 2 = 70.
    services.save_teacher_rating(school.term, school.teacher, school.homeroom, Decimal(65))
    services.save_teacher_rating(school.term, school.teacher, mentoring.english, Decimal(75))
    with pytest.raises(ValidationError):
        services.save_evaluation_settings(school.term, (20, 30, 20, 20), Decimal(60))
    services.save_evaluation_settings(school.term, (20, 30, 20, 30), Decimal(75))
    results = {r.mentor.pk: r for r in selectors.evaluation_results(school.term, today)}
    teacher = results[school.teacher.pk]
    assert teacher.students_score == Decimal("70.0")  # mean 3.5 of 5
    assert (teacher.teachers_score, teacher.teacher_ratings) == (Decimal("70.0"), 2)
    # 0.2*90 + 0.3*70 + 0.2*70 + 0.3*50 = 18 + 21 + 14 + 15 = 68
    assert teacher.total == Decimal("68.0") and teacher.flagged
    assert results[mentoring.english.pk].total is None
    assert not results[mentoring.english.pk].flagged
    assert teacher.compliance.mentees == 1 and p.pk


def test_monthly_summary_is_drafted_from_the_months_talks(school, mentoring, today):
    p = pair(school, school.student_a, school.teacher)
    TalkLog.objects.create(
        pairing=p, date=dt.date(2026, 11, 3), topic="数学", content="作业拖拉", follow_up="每天检查"
    )
    TalkLog.objects.create(pairing=p, date=dt.date(2026, 10, 30), topic="其他", content="上月")
    draft = selectors.draft_monthly_summary(p, dt.date(2026, 11, 1))
    assert "作业拖拉" in draft and "每天检查" in draft and "上月" not in draft
    summary = services.save_monthly_summary(p, dt.date(2026, 11, 15), draft + "\n有进步")
    assert summary.month == dt.date(2026, 11, 1)


def test_talk_dates_must_be_inside_the_pairing(school, mentoring, today):
    p = pair(school, school.student_a, school.teacher)
    with pytest.raises(ValidationError):
        services.log_talk(p, today + dt.timedelta(days=1), "学习", "x")
    with pytest.raises(ValidationError):
        services.log_talk(p, dt.date(2026, 9, 1), "学习", "x")
    services.log_talk(p, today, "学习", "谈了期中考试")
    assert TalkLog.objects.count() == 1
    assert MentorRanking.objects.count() == 0


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_published_matching_from_the_database_is_stable_and_within_capacity(
    school, mentoring, today, seed
):
    import random

    from mentors.matching import blocking_pairs
    from tests.mentors.conftest import add_students

    rng = random.Random(seed)
    third = make_staff("T1007", "钱老师", [Post.SUBJECT_TEACHER])
    TeachingAssignment.objects.create(
        staff=third,
        school_class=school.class_a,
        subject=Subject.objects.create(name="物理", order=4),
    )
    students = mentoring.students + add_students(school.class_a, 25, start=700)
    mentors = [school.teacher, mentoring.english, third]
    choices = {}
    for student in students:
        picks = rng.sample(mentors, k=rng.randint(0, 3))
        choices[student.pk] = [m.pk for m in picks] + [None] * (3 - len(picks))
    priority = {s.pk for s in students if rng.random() < 0.2}
    services.save_class_choices(
        school.class_a, school.year, services.ClassChoices(choices, priority)
    )
    for mentor in mentors:
        applicants = [s for s, ids in choices.items() if mentor.pk in ids]
        rng.shuffle(applicants)
        services.save_rankings(
            mentor,
            school.year,
            {
                s: (i + 1 if rng.random() < 0.5 else None, rng.random() < 0.1)
                for i, s in enumerate(applicants)
            },
        )
    services.set_capacity(school.class_a, third, rng.randint(0, 4))
    prefs, ranks, capacity, *_rest = selectors.match_instance(school.grade7, school.year)
    services.publish_matching(school.grade7, school.year)
    matching = {p.student_id: (p.school_class_id, p.mentor_id) for p in Pairing.objects.active()}
    assert blocking_pairs(prefs, ranks, capacity, matching) == []
    for post, cap in capacity.items():
        assert sum(1 for got in matching.values() if got == post) <= cap
    for student_id, post in matching.items():
        assert post in prefs[student_id]  # only chosen mentors, never a decline
        assert student_id in ranks[post]


def test_capacities_of_a_class_are_set_at_once_or_not_at_all(school, mentoring):
    services.set_capacities(school.class_a, {school.teacher.pk: 2, mentoring.english.pk: None})
    with pytest.raises(ValidationError):
        services.set_capacities(school.class_a, {school.teacher.pk: 5, school.homeroom.pk: 1})
    assert list(MentorCapacity.objects.values_list("mentor_id", "capacity")) == [
        (school.teacher.pk, 2)
    ]
    services.set_capacities(school.class_a, {school.teacher.pk: None})
    assert not MentorCapacity.objects.exists()


def test_a_later_matching_round_does_not_remake_an_ended_pairing(school, mentoring, today):
    """教导处 ended the pairing as 未见成效: the next preview must not put the student back with
    the same mentor, whatever the student chose; another choice of theirs still counts."""
    s = mentoring.students
    services.save_class_choices(
        school.class_a,
        school.year,
        services.ClassChoices({s[0].pk: [school.teacher.pk, mentoring.english.pk, None]}, set()),
    )
    services.publish_matching(school.grade7, school.year)
    first = Pairing.objects.get(student=s[0])
    assert first.mentor == school.teacher
    services.end_pairing(first, Pairing.EndReason.FAILED, "两个月没有进步")

    preview = selectors.preview_matching(school.grade7, school.year)
    outcome = next(o for o in preview.outcomes if o.student == s[0])
    assert outcome.mentor == mentoring.english
    assert outcome.choice_rank == 2

    # With the other choice gone, the student is left for a hand assignment (调剂).
    services.save_class_choices(
        school.class_a,
        school.year,
        services.ClassChoices({s[0].pk: [school.teacher.pk, None, None]}, set()),
    )
    preview = selectors.preview_matching(school.grade7, school.year)
    outcome = next(o for o in preview.outcomes if o.student == s[0])
    assert outcome.mentor is None


def test_pairing_again_a_mentor_ended_this_year_needs_a_reason(school, mentoring, today):
    s = mentoring.students
    ended = services.assign_by_hand(s[0], school.teacher, school.year)
    services.end_pairing(ended, Pairing.EndReason.FAILED)
    with pytest.raises(ValidationError):
        services.assign_by_hand(s[0], school.teacher, school.year)
    again = services.assign_by_hand(s[0], school.teacher, school.year, reason="学生主动要求")
    assert again.over_capacity_reason == "学生主动要求"


def test_homeroom_teachers_do_not_mentor_unless_the_school_says_so(school, mentoring, today):
    """「每位任课教师（班主任除外）需要受导多名学生」: 赵老师 is homeroom teacher of class (2) and
    teaches in class (1); by default she mentors nowhere, and turning the setting off ends a
    pairing she already had."""
    from mentors.models import MentorSettings

    TeachingAssignment.objects.filter(school_class=school.class_a, subject=school.english).update(
        staff=school.outsider
    )
    eligible = {m.pk for m in selectors.mentors_by_class([school.class_a.pk])[school.class_a.pk]}
    assert school.outsider.pk not in eligible
    assert school.teacher.pk in eligible

    settings = MentorSettings.objects.create(homeroom_teachers_mentor=True)
    eligible = {m.pk for m in selectors.mentors_by_class([school.class_a.pk])[school.class_a.pk]}
    assert school.outsider.pk in eligible
    pairing = services.assign_by_hand(mentoring.students[1], school.outsider, school.year)

    settings.homeroom_teachers_mentor = False
    settings.save()
    pairing.refresh_from_db()
    assert pairing.ended_on == today
    assert pairing.end_reason == Pairing.EndReason.POST_CHANGE
