"""Confirming a class's groups, moving members and the roles they leave (issue 11, item 9)."""

from django.urls import reverse

import pytest

from groups.models import Membership, StudyGroup
from groups.services import Unbalanced, confirm_groups, move_member, propose_groups

from .helpers import add_students, make_groups

pytestmark = pytest.mark.django_db


@pytest.fixture
def drafts(school, today):
    """Class A's draft proposal: three groups of five, then a move that makes one of six."""
    students = [school.student_a, *add_students(school.class_a, 14, seed=9)]
    groups = make_groups(school.class_a, school.term, students, per_group=5, confirmed=False)
    return groups


def test_confirming_groups_that_fail_the_balance_check_needs_confirm_anyway(school, drafts, login):
    # Two moves: groups of 7, 4 and 4 (the sizes rule fails: at most one apart).
    for member in (
        list(drafts[1].memberships.order_by("seat"))[:1]
        + list(drafts[2].memberships.order_by("seat"))[:1]
    ):
        move_member(member, drafts[0], school.homeroom)
    with pytest.raises(Unbalanced) as refused:
        confirm_groups(school.class_a, school.term, school.homeroom)
    assert any("7" in rule for rule in refused.value.failures)
    assert not StudyGroup.objects.filter(confirmed_at__isnull=False).exists()

    client = login(school.homeroom)
    page = client.get(reverse("groups:class_groups", args=[school.class_a.pk])).text
    assert 'id="balance-failures"' in page and 'name="anyway"' in page
    assert "仍然确认" in page

    # Without 「仍然确认」: nothing is confirmed and the failing rules are listed.
    url = reverse("groups:confirm", args=[school.class_a.pk])
    response = client.post(url, follow=True)
    assert not StudyGroup.objects.filter(confirmed_at__isnull=False).exists()
    said = " ".join(str(m) for m in response.context["messages"])
    assert "未确认" in said and "7" in said

    # With it: confirmed, and the message still names the failing rule.
    response = client.post(url, {"anyway": "1"}, follow=True)
    assert StudyGroup.objects.filter(confirmed_at__isnull=False).count() == 3
    said = " ".join(str(m) for m in response.context["messages"])
    assert "7" in said


def test_a_balanced_proposal_confirms_without_confirm_anyway(school, today, login):
    add_students(school.class_a, 29, subjects=[school.chinese, school.maths])
    groups = propose_groups(school.class_a, school.term, 6)
    client = login(school.homeroom)
    page = client.get(reverse("groups:class_groups", args=[school.class_a.pk]))
    assert page.context["failures"] == [] and 'name="anyway"' not in page.text
    client.post(reverse("groups:confirm", args=[school.class_a.pk]))
    assert StudyGroup.objects.filter(confirmed_at__isnull=False).count() == len(groups)


def test_the_move_list_shows_each_groups_size(school, formed, login):
    member = formed[0].memberships.first()
    Membership.objects.filter(group=formed[1]).first().delete()  # group 2 now has 3
    page = login(school.homeroom).get(reverse("groups:member_move", args=[member.pk])).text
    assert f"{formed[1].name}（3 人）" in page
    assert f"{formed[2].name}（4 人）" in page


def test_moving_a_role_holder_out_leaves_the_role_empty_and_asks_for_a_new_holder(
    school, formed, login
):
    group = formed[0]
    leader = group.memberships.get(is_leader=True)
    leader.led_subjects.add(school.chinese)
    client = login(school.homeroom)
    response = client.post(
        reverse("groups:member_move", args=[leader.pk]),
        {"to_group": formed[1].pk, "reason": "视力原因调到前排"},
    )
    # Sent to the group's roles form, with a message naming the roles and the group.
    assert response.url == reverse("groups:group_roles", args=[group.pk])
    page = client.get(response.url)
    said = " ".join(str(m) for m in page.context["messages"])
    assert "行政组长" in said and "语文学科组长" in said and group.name in said
    assert "选择新的人选" in said
    # The roles form marks the empty roles and offers no holder for them by default.
    text = page.text
    assert 'id="vacant-roles"' in text
    assert "role-vacant" in text
    form = page.context["form"]
    assert form.fields["leader"].choices[0][0] == ""
    assert form.fields[f"subject_{school.chinese.pk}"].choices[0][0] == ""
    # The group page says so too.
    detail = client.get(reverse("groups:group_detail", args=[group.pk])).text
    assert 'id="vacant-roles"' in detail and "行政组长" in detail
