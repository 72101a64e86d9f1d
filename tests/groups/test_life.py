"""Group life (issue 16): meeting logs and the homeroom to-do, the study plan with weekly
ticks, coaching notes for the class's teachers only, trainings and exhibitions per class and
term; the class terminal writes meetings and ticks but never reads coaching notes."""

import datetime as dt

from django.urls import reverse

import pytest

from groups.models import CoachingNote, GroupActivity, GroupMeeting, PlanItem, PlanTick

from .helpers import add_students, make_groups
from .helpers_terminal import terminal_client

pytestmark = pytest.mark.django_db

TODAY = "2026-11-23"  # a Monday of teaching week 13 (the ``today`` fixture)


def meetings_url(group) -> str:
    return reverse("groups:meetings", args=[group.school_class_id, group.pk])


def plan_url(group) -> str:
    return reverse("groups:study_plan", args=[group.school_class_id, group.pk])


def meeting_data(group, **extra) -> dict:
    members = list(group.memberships.values_list("student_id", flat=True))
    return {
        "day": TODAY,
        "present": [str(pk) for pk in members[:3]],
        "discussed": "交流本周数学错题，组长讲解第5题",
        "decisions": "每人每天整理一道错题",
        **extra,
    }


# Meetings and the to-do.


def test_meeting_logs_drive_the_homeroom_todo(school, formed, today, login):
    client = login(school.homeroom)
    life_url = reverse("groups:class_life", args=[school.class_a.pk])
    home = client.get(reverse("home")).text
    assert life_url in home and "本周尚无聚会记录的小组" in home
    # The date picker holds today in ISO form (a browser refuses any other).
    assert 'type="date" name="day" value="2026-11-23"' in client.get(meetings_url(formed[0])).text
    for group in formed[:3]:
        response = client.post(meetings_url(group), meeting_data(group))
        assert response.status_code == 302, response.text
    meeting = GroupMeeting.objects.filter(group=formed[0]).get()
    assert meeting.week == 13 and meeting.recorded_by == school.homeroom
    assert meeting.present.count() == 3
    # One group left: the class's week page marks it.
    page = client.get(life_url).text
    assert page.count("table-warning") == 1
    assert life_url in client.get(reverse("home")).text
    client.post(meetings_url(formed[3]), meeting_data(formed[3]))
    assert life_url not in client.get(reverse("home")).text
    # A subject teacher of the class gets no such to-do (the homeroom teacher's).
    GroupMeeting.objects.filter(group=formed[3]).delete()
    assert life_url not in login(school.teacher).get(reverse("home")).text


def test_last_weeks_meeting_does_not_count_for_this_week(school, formed, today, login):
    client = login(school.homeroom)
    for group in formed:
        client.post(meetings_url(group), meeting_data(group, day="2026-11-20"))
    assert GroupMeeting.objects.filter(week=12).count() == 4
    assert reverse("groups:class_life", args=[school.class_a.pk]) in (
        client.get(reverse("home")).text
    )


def test_a_meeting_with_bad_input_is_refused_in_chinese_and_keeps_the_text(
    school, formed, today, login
):
    client = login(school.homeroom)
    group = formed[0]
    future = meeting_data(group, day="2026-11-30")
    response = client.post(meetings_url(group), future)
    assert response.status_code == 200
    assert "日期不能晚于今天" in response.text
    assert "交流本周数学错题" in response.text  # nothing lost
    outsider = meeting_data(group, present=[str(school.student_b.pk)])
    assert client.post(meetings_url(group), outsider).status_code == 200
    empty = meeting_data(group, discussed="   ")
    assert client.post(meetings_url(group), empty).status_code == 200
    assert not GroupMeeting.objects.exists()


def test_a_group_of_another_class_is_not_found(school, formed, today, login):
    url = reverse("groups:meetings", args=[school.class_b.pk, formed[0].pk])
    assert login(school.teacher).get(url).status_code == 404  # teaches both classes
    assert login(school.outsider).get(meetings_url(formed[0])).status_code == 404


# The study plan.


def plan_lines(group, school, *rows) -> dict:
    data = {"form-TOTAL_FORMS": str(len(rows)), "form-INITIAL_FORMS": "0"}
    for i, (subject, goal, task, checker) in enumerate(rows):
        data.update(
            {
                f"form-{i}-subject": str(subject.pk) if subject else "",
                f"form-{i}-goal": goal,
                f"form-{i}-weekly_task": task,
                f"form-{i}-checker": str(checker) if checker else "",
            }
        )
    return data


def test_study_plan_with_weekly_progress_ticks(school, formed, today, login):
    client = login(school.homeroom)
    group = formed[0]
    checker = group.memberships.order_by("seat").last().student_id
    edit = reverse("groups:plan_edit", args=[school.class_a.pk, group.pk])
    assert client.get(edit).status_code == 200
    response = client.post(
        edit,
        plan_lines(
            group,
            school,
            (school.maths, "期末数学全员及格", "每周整理五道错题", checker),
            (school.chinese, "古诗文默写全对", "每周默写两首古诗", None),
            (None, "", "", None),
        ),
    )
    assert response.status_code == 302, response.text
    maths, chinese = PlanItem.objects.filter(group=group).order_by("order")
    assert maths.subject == school.maths and maths.checker_id == checker
    # Week 13: the maths task done, the Chinese one not.
    data = {"week": "13", f"done_{maths.pk}": "on"}
    assert client.post(plan_url(group), data).status_code == 302
    assert PlanTick.objects.get(item=maths, week=13).done
    assert not PlanTick.objects.get(item=chinese, week=13).done
    page = client.get(plan_url(group)).text
    assert "13✓" in page and "13✗" in page and "12·" in page
    # Ticked again for the same week: the same row, now done.
    client.post(plan_url(group), {"week": "13", f"done_{chinese.pk}": "on"})
    assert PlanTick.objects.filter(item=chinese).count() == 1
    assert PlanTick.objects.get(item=chinese, week=13).done
    # The class's week page counts the ticks.
    life = client.get(reverse("groups:class_life", args=[school.class_a.pk])).text
    assert "1/2" in life
    # A future week cannot be ticked.
    assert client.post(plan_url(group), {"week": "14"}).status_code == 200
    assert not PlanTick.objects.filter(week=14).exists()


def test_a_plan_line_needs_goal_and_task_and_a_member_checker(school, formed, today, login):
    client = login(school.homeroom)
    group = formed[0]
    edit = reverse("groups:plan_edit", args=[school.class_a.pk, group.pk])
    half = plan_lines(group, school, (school.maths, "期末数学全员及格", "", None))
    response = client.post(edit, half)
    assert response.status_code == 200 and "每条计划需同时填写目标和每周任务" in response.text
    stranger = plan_lines(group, school, (school.maths, "及格", "错题", school.student_b.pk))
    assert client.post(edit, stranger).status_code == 200
    assert not PlanItem.objects.exists()


def test_removing_a_plan_line_keeps_its_ticks(school, formed, today, login):
    client = login(school.homeroom)
    group = formed[0]
    item = PlanItem.objects.create(group=group, goal="英语单词过关", weekly_task="每周听写")
    PlanTick.objects.create(item=item, week=12, done=True)
    edit = reverse("groups:plan_edit", args=[school.class_a.pk, group.pk])
    data = {
        "form-TOTAL_FORMS": "1",
        "form-INITIAL_FORMS": "1",
        "form-0-item": str(item.pk),
        "form-0-goal": item.goal,
        "form-0-weekly_task": item.weekly_task,
        "form-0-remove": "on",
    }
    assert client.post(edit, data).status_code == 302
    item.refresh_from_db()
    assert not item.is_active and item.ticks.count() == 1
    assert "英语单词过关" not in client.get(plan_url(group)).text


# Coaching notes.


def test_coaching_notes_are_for_the_class_teachers_only(school, formed, today, login, client):
    group = formed[0]
    url = reverse("groups:coaching", args=[group.pk])
    homeroom = login(school.homeroom)
    data = {"day": TODAY, "found": "组长不敢管纪律，两名组员常不交学案", "agreed": "组长轮流主持"}
    assert homeroom.post(url, data).status_code == 302
    note = CoachingNote.objects.get()
    assert note.written_by == school.homeroom
    detail = reverse("groups:group_detail", args=[group.pk])
    # The class's subject teacher and the grade head read it on the group page.
    for staff in (school.teacher, school.grade_head):
        assert "组长不敢管纪律" in login(staff).get(detail).text
    # Another class's teacher: the group and its notes are not found.
    outsider = login(school.outsider)
    assert outsider.get(detail).status_code == 404
    assert outsider.get(url).status_code == 404
    assert outsider.post(url, data).status_code == 404
    # Office staff (the roster, not the groups) neither.
    assert login(school.office).get(url).status_code == 404
    assert CoachingNote.objects.count() == 1


def test_the_terminal_writes_meetings_and_ticks_but_never_reads_coaching(
    school, formed, today, client
):
    group = formed[0]
    CoachingNote.objects.create(
        group=group,
        day=dt.date(2026, 11, 20),
        found="分工不清",
        agreed="重新分工",
        written_by=school.homeroom,
    )
    item = PlanItem.objects.create(group=group, goal="数学及格", weekly_task="每周五道错题")
    pc, _code = terminal_client(client, school.class_a, school.homeroom)
    page = pc.get(meetings_url(group))
    assert page.status_code == 200 and "分工不清" not in page.text
    # Who writes is picked from the class list.
    assert pc.post(meetings_url(group), meeting_data(group)).status_code == 200
    data = meeting_data(group, recorder=str(school.student_a.pk))
    assert pc.post(meetings_url(group), data).status_code == 302
    meeting = GroupMeeting.objects.get()
    assert meeting.recorded_by is None and meeting.recorded_by_student == school.student_a
    assert meeting.terminal is not None
    tick = {"week": "13", f"done_{item.pk}": "on", "recorder": str(school.student_a.pk)}
    assert pc.post(plan_url(group), tick).status_code == 302
    assert PlanTick.objects.get().recorded_by_student == school.student_a
    # Not the coaching notes, the group page, another class or the plan's editing.
    assert pc.get(reverse("groups:coaching", args=[group.pk])).status_code == 403
    assert pc.get(reverse("groups:group_detail", args=[group.pk])).status_code == 403
    assert (
        pc.get(reverse("groups:plan_edit", args=[school.class_a.pk, group.pk])).status_code == 403
    )
    other = reverse("groups:meetings", args=[school.class_b.pk, group.pk])
    assert pc.get(other).status_code == 404


# Trainings and exhibitions.


def test_trainings_and_exhibitions_listed_per_class_and_term(school, formed, today, login):
    url = reverse("groups:class_life", args=[school.class_a.pk])
    client = login(school.homeroom)
    for kind, who, what in (
        ("leaders", "各组组长、科代表、班长", "组长职责与小组管理"),
        ("members", "全班同学", "小组合作学习的方法"),
        ("exhibition", "各小组", "数学作业展评"),
    ):
        data = {"kind": kind, "day": "2026-11-20", "participants": who, "content": what}
        assert client.post(url, data).status_code == 302
    assert GroupActivity.objects.filter(school_class=school.class_a, term=school.term).count() == 3
    # Another class's and last term's records are not listed.
    spring = school.term.academic_year.terms.get(number=2)
    GroupActivity.objects.create(
        school_class=school.class_b,
        term=school.term,
        kind="exhibition",
        day=dt.date(2026, 11, 20),
        participants="全班",
        content="二班英语作业展评",
        recorded_by=school.outsider,
    )
    GroupActivity.objects.create(
        school_class=school.class_a,
        term=spring,
        kind="exhibition",
        day=dt.date(2027, 3, 1),
        participants="全班",
        content="下学期作业展评",
        recorded_by=school.homeroom,
    )
    page = login(school.teacher).get(url)
    assert page.status_code == 200
    text = page.text
    assert "组长职责与小组管理" in text and "数学作业展评" in text
    assert "小组成员系统培训" in text and "作业展评" in text
    assert "二班英语作业展评" not in text and "下学期作业展评" not in text
    assert 'id="activity-form"' not in text
    # A subject teacher reads them; recording them is for whoever keeps the class.
    data = {"kind": "exhibition", "day": TODAY, "participants": "全班", "content": "语文展评"}
    assert login(school.teacher).post(url, data).status_code == 403
    assert login(school.outsider).get(url).status_code == 404
    # The class's pages link to it.
    nav = login(school.homeroom).get(reverse("groups:class_groups", args=[school.class_a.pk]))
    assert url in nav.text


# A fixed number of queries whatever the size.


def _grow(school, groups, weeks: int = 12) -> None:
    """Meetings every week, a plan of four lines ticked every week, notes, activities."""
    for group in groups:
        members = list(group.memberships.values_list("student_id", flat=True))
        items = [
            PlanItem.objects.create(group=group, goal=f"目标{i}", weekly_task=f"任务{i}", order=i)
            for i in range(4)
        ]
        for week in range(1, weeks + 1):
            meeting = GroupMeeting.objects.create(
                group=group,
                day=dt.date(2026, 9, 1) + dt.timedelta(weeks=week - 1),
                week=week,
                discussed="讨论",
                recorded_by=school.homeroom,
            )
            meeting.present.set(members)
            PlanTick.objects.bulk_create(
                PlanTick(item=item, week=week, done=week % 2 == 0) for item in items
            )
        for _ in range(1 if weeks == 1 else 5):
            CoachingNote.objects.create(
                group=group,
                day=dt.date(2026, 11, 2),
                found="问题",
                agreed="办法",
                written_by=school.homeroom,
            )
    for _ in range(len(groups) * 2):
        GroupActivity.objects.create(
            school_class=school.class_a,
            term=school.term,
            kind="members",
            day=dt.date(2026, 9, 10),
            participants="全班",
            content="培训",
            recorded_by=school.homeroom,
        )


@pytest.mark.parametrize("page", ["meetings", "study_plan", "coaching", "class_life", "group"])
def test_group_life_pages_keep_a_fixed_query_count(
    school, today, login, django_assert_max_num_queries, page
):
    students = [school.student_a, *add_students(school.class_a, 3, seed=6)]
    small = make_groups(school.class_a, school.term, students, per_group=4)
    group = small[0]
    _grow(school, [group], weeks=1)  # one of each record: every prefetch runs
    urls = {
        "meetings": meetings_url(group),
        "study_plan": plan_url(group),
        "coaching": reverse("groups:coaching", args=[group.pk]),
        "class_life": reverse("groups:class_life", args=[school.class_a.pk]),
        "group": reverse("groups:group_detail", args=[group.pk]),
    }
    client = login(school.homeroom)
    with django_assert_max_num_queries(20) as first:
        assert client.get(urls[page]).status_code == 200
    more = add_students(school.class_a, 20, seed=7)
    groups = [group, *make_groups(school.class_a, school.term, more, per_group=5, start=2)]
    _grow(school, groups)
    with django_assert_max_num_queries(len(first.captured_queries)):
        assert client.get(urls[page]).status_code == 200
