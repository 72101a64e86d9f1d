"""The demo school's term of group life: meetings most weeks for most groups (one group of
the first class has not met this week: its homeroom teacher's to-do), a study plan for every
group with its weekly ticks, coaching notes, two trainings and a homework exhibition a class.
Written with ``bulk_create``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from schoolops.models import SchoolClass, Subject

from .models import CoachingNote, GroupActivity, GroupMeeting, PlanItem, PlanTick, StudyGroup

DISCUSSED = [
    "交流本周数学错题，组长讲解了二次函数的两道难题",
    "英语单词听写情况，互相抽查本单元短语",
    "语文古诗文默写，找出易错字并互相提醒",
    "物理实验题的答题步骤，学科组长示范讲解",
    "总结本周学案完成情况，讨论课堂展示分工",
    "讨论下周质疑对抗的题目和发言人选",
    "月考后分析各科失分原因，互相介绍学习方法",
    "检查错题本整理情况，交换学习笔记",
]
DECISIONS = [
    "每人每天整理一道错题，周五由组长检查",
    "学科组长每天课前收集疑难问题，汇总给科代表",
    "成绩较好的同学每周为学困生讲题两次",
    "下周课堂展示由二号、三号组员负责",
    "组内结对听写，每天午休前完成",
    "",
]
GOALS = {
    "语文": ("古诗文默写全组无错字", "每周默写两首古诗并互相批改"),
    "数学": ("期末数学全组及格，平均分提高10分", "每周整理五道错题并互讲"),
    "英语": ("单元单词过关率百分之百", "每周两次组内听写"),
    "物理": ("实验题不丢分", "每周复述一个实验的步骤和结论"),
    "化学": ("化学方程式全部会写", "每周默写十个方程式"),
}
GENERAL = ("学案完成率百分之百", "每天课前完成学案，组长检查")
FOUND = [
    "组长不敢管纪律，两名组员常不交学案，讨论时有人聊天",
    "组内成绩差距大，学困生不愿提问，学科组长讲题太快",
]
AGREED = [
    "组长轮流主持每周聚会；不交学案的同学由协调记录组长每天提醒，班主任每周五查看",
    "结成两个学习对子，每天午休讲题十分钟；学困生每周至少提问两次",
]


def run(context: Any, term, class_groups: dict[int, list[tuple[StudyGroup, list[int]]]]) -> None:
    rng = context.rng
    today = context.today
    classes = {
        c.pk: c
        for c in SchoolClass.objects.filter(pk__in=list(class_groups)).select_related(
            "homeroom_teacher"
        )
    }
    subjects = list(Subject.objects.filter(name__in=list(GOALS)).order_by("order"))
    current = term.week_number(today)
    weeks = [w for w in term.teaching_weeks() if w.first_day <= today and w.number >= 2]
    first_class = min(class_groups) if class_groups else None
    missing = class_groups[first_class][-1][0].pk if first_class else None

    meetings: list[GroupMeeting] = []
    present: list[list[int]] = []
    items: list[PlanItem] = []
    activities: list[GroupActivity] = []
    notes: list[CoachingNote] = []
    for class_id, pairs in class_groups.items():
        teacher = classes[class_id].homeroom_teacher
        if teacher is None:
            continue
        for group, members in pairs:
            for week in weeks:
                this_week = week.number == current
                if group.pk == missing and this_week:
                    continue
                if not this_week and rng.random() < 0.12:
                    continue  # most groups meet most weeks
                last = min(week.last_day, today, week.monday + dt.timedelta(days=4))
                first = min(week.first_day, last)
                day = first + dt.timedelta(days=rng.randint(0, (last - first).days))
                meetings.append(
                    GroupMeeting(
                        group=group,
                        day=day,
                        week=week.number,
                        discussed=rng.choice(DISCUSSED),
                        decisions=rng.choice(DECISIONS),
                        recorded_by=teacher,
                    )
                )
                came = [m for m in members if rng.random() > 0.08] or members
                present.append(came)
            for order, subject in enumerate([None, *rng.sample(subjects, min(2, len(subjects)))]):
                goal, task = GOALS[subject.name] if subject else GENERAL
                items.append(
                    PlanItem(
                        group=group,
                        subject=subject,
                        goal=goal,
                        weekly_task=task,
                        checker_id=members[order % len(members)] if members else None,
                        order=order + 1,
                    )
                )
        start = term.start_date
        activities += [
            GroupActivity(
                school_class_id=class_id,
                term=term,
                kind=GroupActivity.Kind.LEADER_TRAINING,
                day=start + dt.timedelta(days=10),
                participants="各组组长、学科组长、科代表、班长",
                content="组长和科代表的职责；如何组织小组讨论、收集疑难问题汇总给科代表",
                recorded_by=teacher,
            ),
            GroupActivity(
                school_class_id=class_id,
                term=term,
                kind=GroupActivity.Kind.MEMBER_TRAINING,
                day=start + dt.timedelta(days=12),
                participants="全班同学",
                content="小组合作学习的方法：课前学案、课上互助交流、课后“三思”",
                recorded_by=teacher,
            ),
        ]
        exhibition = start + dt.timedelta(weeks=8)
        if exhibition <= today:
            activities.append(
                GroupActivity(
                    school_class_id=class_id,
                    term=term,
                    kind=GroupActivity.Kind.EXHIBITION,
                    day=exhibition,
                    participants="各小组（数学、英语科代表组织）",
                    content="数学错题本和英语书写作业展评，评出三个优秀小组",
                    recorded_by=teacher,
                )
            )
    # The group that has not met this week struggles: its homeroom teacher went into it.
    for i, class_id in enumerate(sorted(class_groups)[:3]):
        teacher = classes[class_id].homeroom_teacher
        if teacher is None:
            continue
        group = class_groups[class_id][-1][0]
        notes.append(
            CoachingNote(
                group=group,
                day=max(term.start_date, today - dt.timedelta(days=10 + i)),
                found=FOUND[i % len(FOUND)],
                agreed=AGREED[i % len(AGREED)],
                written_by=teacher,
            )
        )

    GroupMeeting.objects.bulk_create(meetings, batch_size=2000)
    through = GroupMeeting.present.through
    through.objects.bulk_create(
        (
            through(groupmeeting_id=meeting.pk, student_id=student)
            for meeting, came in zip(meetings, present, strict=True)
            for student in came
        ),
        batch_size=5000,
    )
    PlanItem.objects.bulk_create(items, batch_size=2000)
    ticks = []
    for item in items:
        for week in weeks:
            if week.number == current and rng.random() < 0.5:
                continue  # this week's progress not ticked yet
            ticks.append(PlanTick(item=item, week=week.number, done=rng.random() < 0.8))
    PlanTick.objects.bulk_create(ticks, batch_size=5000)
    GroupActivity.objects.bulk_create(activities)
    CoachingNote.objects.bulk_create(notes)
    context.log(
        f"  group life: {len(meetings)} meetings, {len(items)} plan lines, {len(ticks)} ticks"
    )
