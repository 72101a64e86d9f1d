"""The groups' paper forms: 座位表 as the classroom's desks, 学习互助小组登记表 and
优秀小组表彰名单 with their print header, signature lines and 落款."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

from groups.models import LeaderboardRow, Membership, MonthClose
from groups.seating import layout
from schoolops.models import School, Subject

from .helpers import add_students


def desks(response) -> list[list[str]]:
    """The seating grid's names, row by row ('' an empty desk, '|' the aisle)."""
    return [
        ["|" if d is None else (d.member.student.name if d.member else "") for d in row]
        for row in response.context["plan"].grid
    ]


def test_seating_puts_each_group_front_to_back_with_subject_leaders_in_the_middle(
    school, login, formed
):
    lead = formed[0].memberships.get(seat=4)  # the last seat of the first group
    lead.led_subjects.add(Subject.objects.first())
    response = login(school.homeroom).get(reverse("groups:seating", args=[school.class_a.pk]))
    assert response.status_code == 200
    grid = desks(response)
    # Eight columns (four pairs, three aisles), the four groups side by side, two rows deep.
    assert len(grid) == 2 and len(grid[0]) == 8 + 3
    names = [m.student.name for m in formed[0].memberships.order_by("seat")]
    block = [grid[0][0], grid[0][1], grid[1][0], grid[1][1]]
    assert sorted(block) == sorted(names)
    # The subject leader sits in the block's middle rows: with two rows, either is the middle,
    # so they take the first desk; the leader's desk is framed twice.
    assert grid[0][0] == lead.student.name
    html = response.content.decode()
    assert "desk-leader" in html and "讲台" in html
    assert 'class="print-signatures' in html and "班主任签字" in html
    assert html.count("data-print") >= 1


def test_seating_room_size_is_chosen_and_a_bad_size_says_so(school, login, formed):
    client = login(school.homeroom)
    url = reverse("groups:seating", args=[school.class_a.pk])
    grid = desks(client.get(url, {"cols": "4", "rows": "6"}))
    # Two groups a band: two bands of two rows, and the six rows asked for.
    assert len(grid) == 6 and len(grid[0]) == 4 + 1
    assert all(name for name in grid[3][:2])
    assert not any(name for name in grid[5] if name != "|")
    too_small = client.get(url, {"cols": "4", "rows": "2"})
    assert len(desks(too_small)) == 4
    assert "座位表按 4 排排列" in too_small.content.decode()
    nonsense = client.get(url, {"cols": "x", "rows": "999"})
    assert nonsense.status_code == 200
    assert "请选择 2 至 12 列" in nonsense.content.decode()


def test_layout_of_a_group_of_six_puts_two_subject_leaders_in_the_middle_row(school, formed):
    group = formed[0]
    extra = add_students(school.class_a, 2, seed=9, with_results=False)
    for seat, student in enumerate(extra, start=5):
        Membership.objects.create(group=group, student=student, seat=seat)
    members = list(group.memberships.order_by("seat"))
    subject = Subject.objects.first()
    members[0].led_subjects.add(subject)
    members[5].led_subjects.add(subject)
    group.members = list(group.memberships.order_by("seat").prefetch_related("led_subjects"))
    plan = layout([group], columns=2)
    middle = {desk.member.pk for desk in plan.grid[1]}
    assert middle == {members[0].pk, members[5].pk}
    assert plan.needed_rows == 3


def test_seating_and_register_of_another_class_are_404(school, login, formed):
    client = login(school.outsider)
    for name in ("groups:seating", "groups:register"):
        assert client.get(reverse(name, args=[school.class_a.pk])).status_code == 404


def test_register_prints_with_the_school_header_and_the_homeroom_signature(school, login, formed):
    response = login(school.homeroom).get(reverse("groups:register", args=[school.class_a.pk]))
    html = response.content.decode()
    assert School.get().name in html and "学习互助小组登记表" in html
    assert "班主任签字" in html and "print-header" in html


def test_commendation_lists_the_groups_members_and_the_issuer(school, login, formed):
    close = MonthClose.objects.create(
        month=dt.date(2026, 10, 1),
        closed_by=school.academic,
        published_at=timezone.now(),
        published_by=school.academic,
    )
    group = formed[1]
    LeaderboardRow.objects.create(
        close=close,
        group=group,
        grade_name="七年级",
        class_name=str(school.class_a),
        group_name=group.name,
        points=30,
        class_average=Decimal("20.00"),
        index=Decimal("150.0"),
        rank=1,
        class_rank=1,
        is_excellent=True,
    )
    group.memberships.update(joined_at=timezone.make_aware(dt.datetime(2026, 9, 1)))
    # A member who left in November was still in the group when October ended.
    gone = group.memberships.get(seat=2)
    gone.left_at = timezone.make_aware(dt.datetime(2026, 11, 5))
    gone.save()
    response = login(school.homeroom).get(reverse("groups:commendation", args=[2026, 10]))
    assert response.status_code == 200
    html = response.content.decode()
    names = [m.student.name for m in group.memberships.order_by("seat")]
    assert all(name in html for name in names)
    assert "优秀小组表彰名单" in html
    issuer = html[html.index('id="issuer"') :]
    assert School.get().name in issuer and "教导处" in issuer
