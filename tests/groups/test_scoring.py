import datetime as dt

from django.core.exceptions import ValidationError
from django.db.models import Sum

import pytest
import time_machine

from groups.models import ScoreEntry, StudyGroup
from groups.selectors import class_standings
from groups.services import add_score, close_month, correct_score, undo_score

from .helpers import add_students, item, make_groups

pytestmark = pytest.mark.django_db


@pytest.fixture
def groups(school, today):
    students = [school.student_a, *add_students(school.class_a, 15)]
    return make_groups(school.class_a, school.term, students, per_group=4)


def total(group) -> int:
    return ScoreEntry.objects.filter(group=group).aggregate(p=Sum("points"))["p"] or 0


def test_tap_is_one_insert_with_week_and_month(school, groups, django_assert_num_queries):
    group = StudyGroup.objects.select_related("term").get(pk=groups[0].pk)
    # May this teacher score under 数学 in the class (only when a subject is named); the
    # term's holiday weeks (for the week number); is the month closed?; one INSERT.
    challenge = item("质疑对抗")
    with django_assert_num_queries(4):
        entry = add_score(group, challenge, school.teacher, subject=school.maths)
    assert entry.points == 2
    assert entry.week == 13
    assert entry.month == dt.date(2026, 11, 1)
    assert entry.teacher == school.teacher


def test_member_tap_counts_for_the_group(school, groups):
    add_score(groups[0], item("课堂回答"), school.teacher, student=school.student_a)
    assert total(groups[0]) == 1
    with pytest.raises(ValidationError):
        add_score(groups[1], item("课堂回答"), school.teacher, student=school.student_a)


def test_deduction_item_takes_points(school, groups):
    add_score(groups[0], item("纪律"), school.teacher)
    assert total(groups[0]) == -2


def test_undo_by_same_teacher_within_the_lesson(school, groups):
    entry = add_score(groups[0], item("表扬"), school.teacher)
    with pytest.raises(ValidationError):
        undo_score(entry, school.homeroom)  # someone else
    undo = undo_score(entry, school.teacher)
    assert undo.points == -3 and undo.reverses == entry
    assert total(groups[0]) == 0
    with pytest.raises(ValidationError):
        undo_score(entry, school.teacher)  # twice
    assert total(groups[0]) == 0
    assert ScoreEntry.objects.count() == 2  # nothing edited or deleted


def test_undo_after_the_lesson_is_refused(school, groups):
    entry = add_score(groups[0], item("表扬"), school.teacher)
    with time_machine.travel(dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC), tick=False):
        with pytest.raises(ValidationError):
            undo_score(entry, school.teacher)
        fix = correct_score(entry, school.homeroom, "记错了小组")
    assert fix.kind == ScoreEntry.Kind.CORRECTION and fix.reason == "记错了小组"
    assert total(groups[0]) == 0


def test_correction_needs_a_reason_and_happens_once(school, groups):
    entry = add_score(groups[0], item("表扬"), school.teacher)
    with pytest.raises(ValidationError):
        correct_score(entry, school.teacher, "  ")
    fix = correct_score(entry, school.teacher, "重复录入")
    with pytest.raises(ValidationError):
        correct_score(entry, school.teacher, "again")
    with pytest.raises(ValidationError):
        correct_score(fix, school.teacher, "reverse the reversal")


def test_scores_outside_the_term_or_to_draft_groups_are_refused(school, groups):
    with pytest.raises(ValidationError):
        add_score(groups[0], item(), school.teacher, day=dt.date(2027, 3, 1))
    groups[1].confirmed_at = None
    groups[1].save()
    with pytest.raises(ValidationError):
        add_score(groups[1], item(), school.teacher)


def test_week_ranking_shares_ranks(school, groups):
    monday = dt.date(2026, 11, 23)
    for group, taps in zip(groups, [3, 5, 5, 1], strict=False):
        for _ in range(taps):
            add_score(group, item(), school.teacher, day=monday)
    standings = class_standings(school.class_a, school.term, week=13)
    assert [(s.group.pk, s.points, s.rank) for s in standings] == [
        (groups[1].pk, 5, 1),
        (groups[2].pk, 5, 1),
        (groups[0].pk, 3, 3),
        (groups[3].pk, 1, 4),
    ]
    assert all(s.points == 0 for s in class_standings(school.class_a, school.term, week=12))


def test_correction_after_close_is_flagged(school, groups):
    entry = add_score(groups[0], item("表扬"), school.teacher, day=dt.date(2026, 10, 12))
    close_month(dt.date(2026, 10, 1), school.academic)
    fix = correct_score(entry, school.homeroom, "核对后更正")
    assert fix.after_close and fix.month == dt.date(2026, 10, 1)
    assert not entry.after_close


def test_member_tap_with_the_membership_read_needs_no_second_look_up(
    school, groups, django_assert_num_queries
):
    group = StudyGroup.objects.select_related("term").get(pk=groups[0].pk)
    member = group.memberships.current().select_related("student").get(student=school.student_a)
    answer = item("课堂回答")
    with django_assert_num_queries(3):
        entry = add_score(group, answer, school.teacher, member=member)
    assert entry.student == school.student_a
    assert total(groups[0]) == 1
    other = groups[1].memberships.current().first()
    with pytest.raises(ValidationError):
        add_score(group, answer, school.teacher, member=other)
    member.left_at = dt.datetime(2026, 11, 20, tzinfo=dt.UTC)
    with pytest.raises(ValidationError):
        add_score(group, answer, school.teacher, member=member)
    assert total(groups[0]) == 1
