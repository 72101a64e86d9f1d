import random

from django.core.exceptions import ValidationError

import pytest

from groups import forming
from groups.forming import Candidate
from groups.models import MemberChange, Membership, StudyGroup
from groups.services import confirm_groups, move_member, propose_groups

from .helpers import add_students


def generated_class(n: int, seed: int, missing: int = 0) -> list[Candidate]:
    rng = random.Random(seed)
    people = [
        Candidate(
            student_id=i,
            gender="M" if rng.random() < 0.5 else "F",
            total=round(rng.gauss(480, 70), 1),
            subject_scores={1: rng.uniform(40, 120), 2: rng.uniform(40, 120)},
        )
        for i in range(n)
    ]
    for person in people[:missing]:
        person.total = None
    return people


@pytest.mark.parametrize("size", [4, 5, 6])
@pytest.mark.parametrize("n,seed", [(45, 1), (38, 2), (52, 3), (41, 4), (30, 5), (47, 6)])
def test_proposal_holds_the_balance_rules_on_generated_classes(size, n, seed):
    people = generated_class(n, seed)
    groups = forming.propose(people, size)
    figures = forming.balance(groups, size)
    assert sum(figures.sizes) == n
    assert sorted(c.student_id for g in groups for c in g) == list(range(n))
    assert min(figures.sizes) >= 4 and max(figures.sizes) <= 6
    assert max(figures.sizes) - min(figures.sizes) <= 1
    assert figures.spread <= figures.class_sd / 2
    assert figures.gender_ok
    assert figures.ok
    # Each group's mix is as close to the class's tier shares as whole students allow.
    tier_counts = [sum(1 for p in people if p.tier == t) for t in "ABC"]
    for group_size, mix in zip(figures.sizes, figures.tier_mix, strict=True):
        for count, tier_total in zip(mix, tier_counts, strict=True):
            assert abs(count - group_size * tier_total / n) < 1, (figures.tier_mix, tier_counts)


def test_tiers_follow_class_rank_by_size():
    people = [Candidate(student_id=i, gender="M", total=100 - i) for i in range(12)]
    forming.assign_tiers(people, 6)
    assert [p.tier for p in people] == list("AAAABBBBCCCC")
    forming.assign_tiers(people, 4)
    assert [p.tier for p in people] == list("AAAAAABBBCCC")


def test_mix_of_groups_of_six_is_two_two_two_when_class_allows():
    people = generated_class(36, 9)
    groups = forming.propose(people, 6)
    figures = forming.balance(groups, 6)
    assert figures.tier_mix == [(2, 2, 2)] * 6


def test_mix_of_groups_of_four_is_two_one_one():
    people = generated_class(40, 10)
    groups = forming.propose(people, 4)
    assert forming.balance(groups, 4).tier_mix == [(2, 1, 1)] * 10


def test_students_without_results_are_tier_b_and_flagged():
    people = generated_class(30, 11, missing=3)
    forming.propose(people, 6)
    assert all(p.tier == "B" and p.flagged for p in people[:3])
    assert not any(p.flagged for p in people[3:])


def test_subject_leader_is_the_strongest_member_in_the_subject():
    members = [
        Candidate(1, "M", 500, {1: 90, 2: 60}),
        Candidate(2, "F", 400, {1: 70, 2: 99}),
        Candidate(3, "F", 300, {1: 50, 2: 40}),
    ]
    roles = forming.pick_roles(members, [1, 2])
    assert roles["subjects"] == {1: 1, 2: 2}
    assert roles["leader"] == 1 and roles["recorder"] == 2


def test_seating_puts_subject_leaders_in_the_middle():
    order = forming.seat_order([1, 2, 3, 4, 5, 6], {5: 2, 6: 1})
    assert set(order[2:4]) == {5, 6}


def test_group_count_keeps_sizes_within_four_to_six():
    for n in range(8, 70):
        for size in (4, 5, 6):
            count = forming.group_count(n, size)
            assert n // count >= 4 and -(-n // count) <= 6, (n, size, count)


@pytest.mark.django_db
def test_propose_confirm_and_move_with_reason(school, today):
    students = add_students(school.class_a, 29, subjects=[school.chinese, school.maths])
    groups = propose_groups(school.class_a, school.term, 6)
    assert len(groups) == 5
    memberships = Membership.objects.filter(group__in=groups, left_at__isnull=True)
    assert memberships.count() == 30  # 29 + the cast's 张小明
    # Subject leaders for the class's two subjects in every group.
    for group in groups:
        led = Membership.led_subjects.through.objects.filter(membership__group=group)
        assert sorted(led.values_list("subject_id", flat=True)) == sorted(
            [school.chinese.pk, school.maths.pk]
        )
    # A draft can be re-proposed; moves need no reason.
    member = memberships.filter(group=groups[0]).first()
    move_member(member, groups[1], school.homeroom)
    assert not MemberChange.objects.exists()
    # The move made groups of 5 and 7: confirming them takes an explicit 「仍然确认」.
    assert confirm_groups(school.class_a, school.term, school.homeroom, anyway=True)
    member = Membership.objects.filter(group=groups[0], left_at__isnull=True).first()
    with pytest.raises(ValidationError):
        move_member(member, groups[1], school.homeroom, "")
    new = move_member(member, groups[1], school.homeroom, "与同桌矛盾，调整")
    assert new.group == groups[1]
    change = MemberChange.objects.get()
    assert change.from_group == groups[0] and change.reason == "与同桌矛盾，调整"
    member.refresh_from_db()
    assert member.left_at is not None
    with pytest.raises(ValidationError):
        propose_groups(school.class_a, school.term, 6)
    new_groups = propose_groups(school.class_a, school.term, 4, replace=True)
    assert StudyGroup.objects.active().filter(school_class=school.class_a).count() == len(
        new_groups
    )
    assert StudyGroup.objects.filter(is_active=False).count() == 5
    del students
