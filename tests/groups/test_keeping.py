from django.urls import reverse

import pytest

from groups.models import GoalCheckIn, Membership

pytestmark = pytest.mark.django_db


def test_roles_page_sets_roles_and_seats_subject_leaders_in_the_middle(school, formed, login):
    group = formed[0]
    members = list(group.memberships.order_by("seat"))
    client = login(school.homeroom)
    response = client.post(
        reverse("groups:group_roles", args=[group.pk]),
        {
            "leader": members[0].pk,
            "recorder": members[3].pk,
            f"subject_{school.chinese.pk}": members[3].pk,
            f"subject_{school.maths.pk}": members[0].pk,
        },
    )
    assert response.status_code == 302
    leader = Membership.objects.get(group=group, is_leader=True)
    recorder = Membership.objects.get(group=group, is_recorder=True)
    assert (leader.pk, recorder.pk) == (members[0].pk, members[3].pk)
    seats = dict(Membership.objects.filter(group=group).values_list("pk", "seat"))
    # Four seats front to back in two rows of two: the middle seats are 2 and 3.
    assert {seats[members[0].pk], seats[members[3].pk]} == {2, 3}
    page = client.get(reverse("groups:seating", args=[school.class_a.pk])).text
    assert "seat-lead" in page


def test_same_leader_and_recorder_is_refused(school, formed, login):
    group = formed[0]
    member = group.memberships.first()
    response = login(school.homeroom).post(
        reverse("groups:group_roles", args=[group.pk]),
        {
            "leader": member.pk,
            "recorder": member.pk,
            f"subject_{school.chinese.pk}": member.pk,
            f"subject_{school.maths.pk}": member.pk,
        },
    )
    assert response.status_code == 200
    assert not Membership.objects.filter(group=group, is_recorder=True).exists()  # unchanged


def test_rename_clash_is_refused_and_goals_saved(school, formed, login):
    client = login(school.homeroom)
    url = reverse("groups:group_edit", args=[formed[0].pk])
    data = {
        "name": formed[1].name,
        "motto": "天道酬勤",
        "goal_midterm": "",
        "goal_term_end": "",
        "goal_year": "",
        "goal_stage": "",
    }
    assert client.post(url, data).status_code == 200
    data["name"] = "雄鹰组"
    assert client.post(url, data).status_code == 302
    formed[0].refresh_from_db()
    assert (formed[0].name, formed[0].motto) == ("雄鹰组", "天道酬勤")
    assert formed[0].history.count() == 2


def test_member_goal_check_in_needs_the_member(school, formed, login):
    client = login(school.homeroom)
    url = reverse("groups:checkin", args=[formed[0].pk])
    client.post(url, {"goal": "member_short", "status": "reached", "note": ""})
    assert not GoalCheckIn.objects.exists()
    member = formed[0].memberships.first()
    client.post(url, {"goal": "member_short", "membership": member.pk, "status": "reached"})
    check = GoalCheckIn.objects.get()
    assert (check.membership, check.checked_by) == (member, school.homeroom)
    page = client.get(reverse("groups:group_detail", args=[formed[0].pk])).text
    assert "已达成" in page or "Reached" in page
