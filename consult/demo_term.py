"""The demo school's theme class meetings (主题班会) and study-method exchanges (学法交流会),
with the term's plans, summaries and leaders in weak classes: called by ``demo.run_demo``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import translation

from simple_history.utils import bulk_create_with_history

from .models import ClassActivity, ClassLeaderAssignment, Level, TermPlan, TermSummary

THEMES = [
    "互帮互学，共同进步",
    "我的学习小妙招",
    "帮教结对，一个都不能少",
    "从“学困”到“学优”：我的进步故事",
    "学会反思，管好自己",
    "感恩同伴，携手前行",
    "期中反思：我找到了自己的方法",
]
CONTENTS = [
    "帮教小组汇报本月结对情况；进步突出的同学现身说法，讲自己如何改掉拖欠作业的习惯；全班讨论下一步的帮扶办法。",
    "由班干部主持，三名进步学生分享学习方法和心得，同学们提问交流，最后各小组制定互助计划。",
    "回顾帮教活动开展情况，请受助同学讲述变化，帮扶同学谈体会，评选本月“最佳互助小组”。",
]
SUMMARIES = [
    "本次班会学生参与积极，现身说法真实感人，学生教育学生的效果明显，帮教活动进一步深入。",
    "学生能结合自身实际反思学习和表现，部分学困生表示愿意主动寻求帮助，下阶段重点跟进。",
    "同伴的进步对全班触动很大，班级学习氛围明显好转，需继续关注个别后进生的坚持情况。",
]
EXCHANGE_TOPICS = [
    "预习与课堂笔记的方法",
    "错题本怎样用才有效",
    "英语单词记忆方法交流",
    "数学审题与检查的好习惯",
]
EXPERIENCE = (
    "\n经验：坚持每周班级会商，班主任与任课教师共同分析学情；帮教主题班会让进步学生现身说法，"
    "学生教育学生效果明显。\n问题：个别学生反复，家校沟通还不够及时。\n"
    "措施：下学期每月至少一次家校会商，潜能生一对一导师全覆盖。"
)
EXCHANGE_SUMMARIES = [
    "五名同学介绍了自己的学习方法，大家结合自身情况取长补短，每人写下一条准备尝试的方法。",
    "交流会上同学们畅所欲言，不少同学表示找到了适合自己的方法，将在小组内互相督促。",
]


def run(context: Any, classes, students_by_class, grades, leaders, principal, academic, today):
    """A term of it: each class 2-5 theme meetings and 1-2 exchanges up to today (some
    classes behind), the school's and each grade's plan, a leader in two weak classes."""
    rng = context.rng
    term = context.term
    weeks = [w for w in term.teaching_weeks() if w.last_day < today] or term.teaching_weeks()[:1]
    activities: list[ClassActivity] = []
    speakers: list[tuple[int, list[int]]] = []
    hosts: list[tuple[int, list[int]]] = []
    for i, school_class in enumerate(classes):
        students = students_by_class[school_class.pk]
        behind = i % 5 == 4  # some classes are behind, for the reminders and the grid
        n_theme = rng.randint(1, 2) if behind else rng.randint(2, min(5, max(2, len(weeks) // 3)))
        n_exchange = 0 if behind else rng.randint(1, 2)
        for kind, n in (
            (ClassActivity.Kind.THEME, n_theme),
            (ClassActivity.Kind.EXCHANGE, n_exchange),
        ):
            for j in range(n):
                week = weeks[min(len(weeks) - 1, (j + 1) * len(weeks) // (n + 1))]
                day = min(week.first_day + dt.timedelta(days=4), week.last_day, today)
                theme = kind == ClassActivity.Kind.THEME
                activity = ClassActivity(
                    kind=kind,
                    term=term,
                    school_class=school_class,
                    date=day,
                    theme=rng.choice(THEMES if theme else EXCHANGE_TOPICS),
                    content=rng.choice(CONTENTS) if theme else "",
                    summary=rng.choice(SUMMARIES if theme else EXCHANGE_SUMMARIES),
                    created_by_id=school_class.homeroom_teacher_id,
                )
                activities.append(activity)
                chosen = rng.sample(students, min(len(students), 3))
                speakers.append((len(activities) - 1, chosen))
                if theme:
                    hosts.append((len(activities) - 1, rng.sample(students, min(len(students), 2))))
    bulk_create_with_history(activities, ClassActivity, batch_size=1000)
    saved = list(ClassActivity.objects.filter(term=term, school_class__in=classes).order_by("pk"))[
        -len(activities) :
    ]
    Speaker = ClassActivity.speakers.through
    Host = ClassActivity.hosts.through
    Speaker.objects.bulk_create(
        [Speaker(classactivity_id=saved[i].pk, student_id=s) for i, ids in speakers for s in ids],
        batch_size=5000,
        ignore_conflicts=True,
    )
    Host.objects.bulk_create(
        [Host(classactivity_id=saved[i].pk, student_id=s) for i, ids in hosts for s in ids],
        batch_size=5000,
        ignore_conflicts=True,
    )

    # The term's plans: the school's by 教导处, each grade's by its grade head.
    plans = [
        TermPlan(
            term=term,
            grade=None,
            goals="落实学情会商四级工作机制，每班建立学情台账，重点关注学生会商全覆盖；主题班会每班三至七次，学法交流会每班至少两次。",
            schedule="学期初：学校学情会商专题大会（第2周）\n期中：期中质量检测学情分析会（第10周）\n学期末：学情会商总结大会（第19周）\n每月：校长主持特别关注学生专题办公会",
            focus="八类特殊学生群体；期中检测后进步幅度小的学生；弱势班级",
            updated_by_id=academic,
        )
    ]
    for grade in grades:
        head = grade.head_id or academic
        plans.append(
            TermPlan(
                term=term,
                grade=grade,
                goals=f"{grade.name}各班学情台账完整率100%，每周级部会商一次，潜能生一对一导师全覆盖。",
                schedule="每周五：级部学情会商例会\n第9周：期中学情分析\n第18周：级部学情会商总结",
                focus="学习困难学生、思想波动学生，各班推荐的重点会商对象",
                updated_by_id=head,
            )
        )
    bulk_create_with_history(plans, TermPlan)

    # 弱势班级蹲点: the last classes behind get a school leader.
    weak = [c for i, c in enumerate(classes) if i % 5 == 4][:2]
    if leaders:
        bulk_create_with_history(
            [
                ClassLeaderAssignment(
                    school_class=c,
                    leader_id=leaders[(i + 1) % len(leaders)],
                    term=term,
                    assigned_on=today,
                )
                for i, c in enumerate(weak)
            ],
            ClassLeaderAssignment,
        )
    # 期末总结: a few classes, the first grade and the school have filed theirs (the rest of
    # the school files at the end of term).
    from .selectors import term_figures

    figures = term_figures(term, classes)
    with translation.override("zh-hans"):  # the drafts are written in the school's language
        summaries = _summaries(term, classes, grades, figures, academic)
    bulk_create_with_history(summaries, TermSummary)
    context.log(
        f"consult: {len(activities)} theme meetings and exchanges, {len(plans)} plans, "
        f"{len(summaries)} summaries"
    )


def _summaries(term, classes, grades, figures, academic) -> list[TermSummary]:
    from .selectors import sum_figures
    from .services import summary_draft

    summaries = []
    for school_class in classes[:3]:
        summaries.append(
            TermSummary(
                term=term,
                level=Level.CLASS,
                school_class=school_class,
                figures=figures[school_class.pk],
                text=summary_draft(figures[school_class.pk], Level.CLASS) + EXPERIENCE,
                updated_by_id=school_class.homeroom_teacher_id,
            )
        )
    if grades:
        in_grade = [figures[c.pk] for c in classes if c.grade_id == grades[0].pk]
        summaries.append(
            TermSummary(
                term=term,
                level=Level.GRADE,
                grade=grades[0],
                figures=sum_figures(in_grade) | {"own": 0},
                text=summary_draft(sum_figures(in_grade) | {"own": 0}, Level.GRADE) + EXPERIENCE,
                updated_by_id=grades[0].head_id or academic,
            )
        )
    school = sum_figures(list(figures.values())) | {"own": 0}
    summaries.append(
        TermSummary(
            term=term,
            level=Level.SCHOOL,
            figures=school,
            text=summary_draft(school, Level.SCHOOL) + EXPERIENCE,
            updated_by_id=academic,
        )
    )
    return summaries
