"""The mentor system's part of the demo school: a year's selection, pairings, talks, parent
contacts, summaries, weekly exchanges and a termly evaluation, all written in bulk."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from mentors import selectors, services
from mentors.models import (
    Choice,
    EvaluationSettings,
    Exchange,
    GrowthRecord,
    Honour,
    MentorCheck,
    MentorEvaluation,
    MentoringPlan,
    MentorRanking,
    MentorSummary,
    MonthlySummary,
    Pairing,
    ParentContact,
    PriorityStudent,
    StudentRating,
    TalkLog,
    TeacherRating,
    TrainingSession,
)
from schoolops.calendar import month_bounds
from schoolops.demo import DemoContext, DemoLogin
from schoolops.models import Grade, SchoolClass, Student, Term

BATCH = 2000

# A mentor's monthly summary closes with what they will watch next month.
SUMMARY_CLOSINGS = [
    "总体来看，学生学习态度有所好转，下月重点关注作业质量和作息时间。",
    "多数学生情绪稳定，个别学生期中后有些松懈，下月加强督促并与家长多沟通。",
    "本月谈心按计划进行，学生愿意说心里话了，下月继续跟进错题本和阅读习惯。",
    "有两名学生进步明显，已在班上表扬；下月关注同学关系和手机使用问题。",
]
HONOUR_MENTORS = [
    "坚持每周与受导学生谈心，谈心记录详实，家长联系及时，受导学生进步明显。",
    "关注特别关注学生的成长，耐心细致，帮助学生走出困境。",
    "导师工作计划周密，月总结认真，受导学生和家长评价高。",
]
HONOUR_MENTEES = [
    "在导师帮助下学习习惯明显好转，数学成绩提高二十多分。",
    "积极参加谈心活动，敢于表达，期中考试进步显著。",
    "克服家庭困难，坚持学习，班级名次上升十名。",
    "能正确处理同学关系，主动帮助他人，被评为班级进步之星。",
]
# The term's training and checks (定期培训与检查): teaching week, form, content.
TRAININGS = [
    (
        2,
        "seminar",
        "导师工作研讨会：学习《学生成长导师制实施方案》，明确导师的四项职责和每周谈心、每月联系家长的要求。",
    ),
    (5, "expert", "专家报告：如何与青春期学生谈心——倾听、共情与引导的方法。"),
    (8, "experience", "经验介绍：三位优秀导师交流谈心记录和家校沟通的做法。"),
    (10, "check", "期中检查考评：查阅导师的谈心记录、月总结和家长联系记录，抽查受导学生访谈。"),
    (13, "video", "观看视频《走进学生的心灵》，讨论特别关注学生的转化案例。"),
]
CHECK_GOOD = [
    "谈心记录完整，月总结认真，家长联系按时，受导学生反映良好。",
    "记录详实，能针对学生问题提出具体措施，继续保持。",
    "工作扎实，特别关注学生有成长档案，建议在班上分享经验。",
]
CHECK_WEAK = [
    "谈心记录不全，有三周未谈心，月总结缺一次，限两周内补齐并整改。",
    "家长联系偏少，谈心内容较简单，需加强跟进。",
]

TALKS = [
    (
        "学习习惯",
        "谈到课前预习和作业拖拉的问题，约定每天放学后先完成数学作业再看手机。",
        "下周检查作业完成情况",
    ),
    (
        "期中考试",
        "一起分析期中考试试卷，失分主要在计算和审题，情绪有些低落，给予鼓励。",
        "建立错题本，每周交给我看",
    ),
    ("同学关系", "和同桌闹了矛盾，听他讲了经过，引导他换位思考，主动道歉。", "观察两人相处情况"),
    (
        "课堂表现",
        "最近上课注意力不集中，常走神。了解到晚上睡得晚，建议十点前睡觉。",
        "与家长沟通作息",
    ),
    ("兴趣特长", "聊了喜欢的篮球和绘画，鼓励参加学校社团，把兴趣变成学习的动力。", ""),
    (
        "心理状态",
        "说最近压力大、睡不好，担心成绩下滑。耐心倾听，教了两个放松的方法。",
        "两周后再谈一次，必要时请心理老师介入",
    ),
    (
        "家庭情况",
        "父母在外地打工，跟奶奶生活，生活上有些困难，已向班主任反映。",
        "协助申请生活补助",
    ),
    ("理想目标", "谈初中阶段的目标，他想考县一中，一起把目标分解到每个月。", "月底对照目标检查"),
    ("纪律问题", "上周在宿舍违反纪律，谈话后认识到错误，写了保证书。", "请宿管老师留意"),
    ("学习方法", "英语单词记不住，介绍了分散记忆和晨读的方法，每天记十个。", "每周小测一次"),
    ("作业质量", "作业字迹潦草、错误多，要求先打草稿、做完检查，表扬了这周的进步。", ""),
    (
        "手机使用",
        "周末玩手机时间太长，和他一起订了使用时间表，他同意周末每天不超过一小时。",
        "下次家长联系时说明",
    ),
]
CONTACTS = [
    "电话联系家长，反映孩子近期作业完成情况，家长表示会督促。",
    "家长到校面谈，交流了期中考试成绩和下一步的学习计划。",
    "家访，了解孩子在家的学习环境，建议给孩子准备一张安静的书桌。",
    "电话沟通孩子的作息问题，家长同意晚上十点收手机。",
    "微信语音与家长交流孩子在校表现，表扬了孩子最近的进步。",
    "电话告知家长孩子与同学的矛盾已经化解，请家长多鼓励。",
]
PLANS = {
    "study": [
        "每周检查一次错题本，重点补数学计算。",
        "制订每日学习计划，英语每天晨读二十分钟。",
        "利用课后服务时间辅导物理实验题。",
    ],
    "life": [
        "关注住校生活，督促整理内务、按时就寝。",
        "了解家庭情况，生活上有困难及时帮助。",
        "培养自理能力，学会安排周末时间。",
    ],
    "psychology": [
        "考试前后多沟通，缓解焦虑情绪。",
        "多肯定优点，增强自信心。",
        "关注同伴交往，引导正确处理矛盾。",
    ],
    "thought": ["引导树立正确的学习目标，增强责任感。", "培养诚信、感恩的品质。"],
    "academic": [
        "帮助分析成绩，找出薄弱学科，制定提高措施。",
        "介绍科学的学习方法，养成良好的学习习惯。",
    ],
    "living": ["关心饮食起居，引导健康生活习惯。", "与家长保持联系，了解孩子在家表现。"],
    "counselling": ["定期谈心，了解困惑，及时疏导。", "遇到挫折时给予鼓励，必要时请心理老师介入。"],
}
GROWTH = [
    "本周主动找老师问问题两次，学习态度明显好转。",
    "月考数学进步十二分，在班上受到表扬，很开心。",
    "与同学发生争执后能主动道歉，情绪控制有进步。",
    "连续两周按时完成作业，家长反映在家也更自觉。",
]
EXCHANGES = [
    "班主任与各位导师交流本周受导学生情况，重点关注作业完成和课堂纪律。",
    "结合月考成绩逐一分析受导学生的学情，确定下周谈心重点。",
    "交流特别关注学生的心理状态，请导师本周各与受导学生谈心一次。",
    "导师反馈家长联系情况，班主任汇总后在班会上统一布置。",
]
COMMENTS = [
    "老师很关心我",
    "每周都和我谈心，很有帮助",
    "希望老师多和我聊学习方法",
    "老师很耐心",
    "",
]
PEER_COMMENTS = [
    "每周按时谈心，记录详实",
    "与班主任沟通及时，家校联系到位",
    "对特别关注学生用心，效果明显",
    "谈心记录偏少，建议加强",
    "",
]


def run(context: DemoContext) -> None:
    rng = context.rng
    year = context.year
    today = context.today
    classes = list(
        SchoolClass.objects.filter(academic_year=year).select_related("grade").order_by("pk")
    )
    if not classes:
        return
    mentors = selectors.mentors_by_class([c.pk for c in classes])
    students = list(
        Student.objects.in_school().filter(school_class__in=classes).order_by("student_no")
    )
    autumn = Term.objects.filter(academic_year=year, number=Term.Number.AUTUMN).first()
    first_week = autumn.week(1) if autumn else None
    selection_day = min(first_week.last_day if first_week else year.start_date, today)
    start_day = min(selection_day + dt.timedelta(days=1), today)

    # Two-way selection: most students choose three mentors of their class; about one in
    # twelve is marked priority (special attention) by the homeroom teacher.
    by_class: dict[int, list[Student]] = defaultdict(list)
    for student in students:
        by_class[student.school_class_id].append(student)
    choices, priority = [], []
    for student in students:
        class_mentors = mentors.get(student.school_class_id, [])
        if not class_mentors or rng.random() < 0.04:
            continue
        picks = rng.sample(class_mentors, k=min(3, len(class_mentors)))
        choices.extend(
            Choice(student=student, academic_year=year, rank=i, mentor=m)
            for i, m in enumerate(picks, start=1)
        )
        if rng.random() < 0.08:
            priority.append(PriorityStudent(student=student, academic_year=year))
    Choice.objects.bulk_create(choices, batch_size=BATCH)
    PriorityStudent.objects.bulk_create(priority, batch_size=BATCH)
    # A few mentors rank or decline applicants themselves.
    rankings = []
    applicants = defaultdict(list)
    for choice in choices:
        applicants[choice.mentor_id].append(choice.student_id)
    for mentor_id, student_ids in applicants.items():
        if rng.random() < 0.15:
            rng.shuffle(student_ids)
            for position, student_id in enumerate(student_ids[:3], start=1):
                rankings.append(
                    MentorRanking(
                        mentor_id=mentor_id,
                        student_id=student_id,
                        academic_year=year,
                        position=position,
                    )
                )
    MentorRanking.objects.bulk_create(rankings, batch_size=BATCH)

    # The matching, per grade, then the homeroom teachers' hand assignments.
    for grade in Grade.objects.filter(classes__in=classes).distinct():
        services.publish_matching(grade, year, on=start_day)
    capacity = selectors.capacities(classes, mentors)
    load: dict[tuple[int, int], int] = defaultdict(int)
    paired = set()
    for class_id, mentor_id, student_id in Pairing.objects.filter(academic_year=year).values_list(
        "school_class_id", "mentor_id", "student_id"
    ):
        load[(class_id, mentor_id)] += 1
        paired.add(student_id)
    hand = []
    for student in students:
        class_mentors = mentors.get(student.school_class_id, [])
        if student.pk in paired or not class_mentors:
            continue
        key_of = lambda m, s=student: (s.school_class_id, m.pk)  # noqa: E731
        mentor = max(class_mentors, key=lambda m: capacity[key_of(m)] - load[key_of(m)])
        over = load[key_of(mentor)] >= capacity[key_of(mentor)]
        load[key_of(mentor)] += 1
        hand.append(
            Pairing(
                student=student,
                mentor=mentor,
                academic_year=year,
                school_class_id=student.school_class_id,
                choice_rank=None,
                over_capacity_reason="班级人数多，经班主任与导师协商同意" if over else "",
                started_on=start_day,
            )
        )
    Pairing.objects.bulk_create(hand, batch_size=BATCH)
    pairings = list(Pairing.objects.filter(academic_year=year).select_related("student"))
    priority_ids = {p.student_id for p in priority}

    # Each mentor's diligence: most log nearly every week, a few fall behind.
    diligence = {
        mentor_id: (0.45 if rng.random() < 0.08 else rng.uniform(0.75, 0.98))
        for mentor_id in {p.mentor_id for p in pairings}
    }
    terms = [t for t in Term.objects.filter(academic_year=year) if t.start_date <= today]
    weeks = [w for t in terms for w in t.teaching_weeks() if w.monday <= today]
    months = sorted({m for t in terms for m in t.months() if m <= today})
    plans, talks, contacts, summaries, growth = [], [], [], [], []
    # Per mentor and month: each mentee's talks (for the mentor's monthly summary).
    month_talk_counts: dict[tuple[int, dt.date], list] = defaultdict(list)
    for pairing in pairings:
        rate = diligence[pairing.mentor_id]
        plans.append(
            MentoringPlan(
                pairing=pairing,
                **{field: rng.choice(options) for field, options in PLANS.items()},
            )
        )
        month_talks: dict[dt.date, list[tuple[dt.date, str]]] = defaultdict(list)
        for week in weeks:
            if week.first_day < pairing.started_on or rng.random() > rate:
                continue
            day = min(week.monday + dt.timedelta(days=rng.randint(0, 4)), week.last_day, today)
            if day < pairing.started_on:
                continue
            topic, content, follow_up = rng.choice(TALKS)
            talks.append(
                TalkLog(
                    pairing=pairing, date=day, topic=topic, content=content, follow_up=follow_up
                )
            )
            month_talks[day.replace(day=1)].append((day, topic))
        for month in months:
            first, last = month_bounds(month)
            if last < pairing.started_on:
                continue
            if rng.random() < rate:
                day = min(first + dt.timedelta(days=rng.randint(3, 25)), last, today)
                if day >= pairing.started_on:
                    contacts.append(
                        ParentContact(
                            pairing=pairing,
                            date=day,
                            method=rng.choice(
                                ["phone", "phone", "phone", "in_person", "home_visit"]
                            ),
                            content=rng.choice(CONTACTS),
                        )
                    )
            if last < today and month_talks.get(month) and rng.random() < rate:
                topics = "、".join(sorted({t for _d, t in month_talks[month]}))
                summaries.append(
                    MonthlySummary(
                        pairing=pairing,
                        month=month,
                        text=f"本月谈心{len(month_talks[month])}次，主要谈了{topics}。"
                        f"{pairing.student.name}整体表现稳定，下月继续关注学习习惯。",
                    )
                )
        for month, held in month_talks.items():
            month_talk_counts[(pairing.mentor_id, month)].append(
                (pairing, len(held), sorted({t for _d, t in held}))
            )
        if pairing.student_id in priority_ids:
            for _i in range(rng.randint(1, 3)):
                day = min(pairing.started_on + dt.timedelta(days=rng.randint(7, 80)), today)
                growth.append(
                    GrowthRecord(
                        pairing=pairing,
                        date=day,
                        content=rng.choice(GROWTH),
                        written_by_id=pairing.mentor_id,
                    )
                )
    MentoringPlan.objects.bulk_create(plans, batch_size=BATCH)
    TalkLog.objects.bulk_create(talks, batch_size=BATCH)
    ParentContact.objects.bulk_create(contacts, batch_size=BATCH)
    MonthlySummary.objects.bulk_create(summaries, batch_size=BATCH)
    GrowthRecord.objects.bulk_create(growth, batch_size=BATCH)

    # The weekly homeroom–mentor exchange of each class.
    exchanges, exchange_mentors, exchange_students = [], [], []
    class_pairings = defaultdict(list)
    for pairing in pairings:
        class_pairings[pairing.school_class_id].append(pairing)
    for school_class in classes:
        for week in weeks:
            if week.last_day < start_day or rng.random() > 0.8:
                continue
            exchanges.append(
                Exchange(
                    school_class=school_class,
                    date=min(week.monday + dt.timedelta(days=4), today),
                    held_as_class_meeting=rng.random() < 0.4,
                    notes=rng.choice(EXCHANGES),
                    recorded_by_id=school_class.homeroom_teacher_id,
                )
            )
    Exchange.objects.bulk_create(exchanges, batch_size=BATCH)
    for exchange in exchanges:
        class_mentors = mentors.get(exchange.school_class_id, [])
        for mentor in rng.sample(class_mentors, k=min(len(class_mentors), rng.randint(2, 5))):
            exchange_mentors.append(Exchange.mentors.through(exchange=exchange, staff=mentor))
        pool = class_pairings.get(exchange.school_class_id, [])
        for pairing in rng.sample(pool, k=min(len(pool), rng.randint(1, 3))):
            exchange_students.append(
                Exchange.students.through(exchange=exchange, student_id=pairing.student_id)
            )
    Exchange.mentors.through.objects.bulk_create(exchange_mentors, batch_size=BATCH)
    Exchange.students.through.objects.bulk_create(exchange_students, batch_size=BATCH)

    # The termly evaluation: the last term that has ended, else the current one.
    ended = [t for t in terms if t.end_date < today]
    term = ended[-1] if ended else context.term
    EvaluationSettings.objects.get_or_create(term=term)
    evaluations, ratings = [], []
    for mentor_id, rate in diligence.items():
        # The few who fall behind score low everywhere and end up flagged (限期整改).
        base = Decimal(50) if rate < 0.5 else Decimal(60 + round(35 * rate))
        evaluations.append(
            MentorEvaluation(
                term=term,
                mentor_id=mentor_id,
                self_score=min(Decimal(98), base + rng.randint(0, 8)),
                self_comment="本学期按计划与受导学生谈心，按月联系家长，个别学生进步明显。",
                school_score=base + rng.randint(-8, 3),
                improve_by=today + dt.timedelta(days=30) if rate < 0.5 else None,
            )
        )
    for pairing in pairings:
        if rng.random() < 0.85:
            rate = diligence[pairing.mentor_id]
            ratings.append(
                StudentRating(
                    term=term,
                    student_id=pairing.student_id,
                    mentor_id=pairing.mentor_id,
                    score=max(1, min(5, round(1 + 4 * rate + rng.uniform(-0.8, 0.6)))),
                    comment=rng.choice(COMMENTS),
                )
            )
    # Colleagues rate each mentor: the homeroom teacher of each class the mentor mentors in,
    # and two or three of the class's other mentors (most have rated by now).
    mentor_classes: dict[int, set[int]] = defaultdict(set)
    for pairing in pairings:
        mentor_classes[pairing.mentor_id].add(pairing.school_class_id)
    homeroom_of = {c.pk: c.homeroom_teacher_id for c in classes}
    teacher_ratings = []
    for mentor_id, class_ids in sorted(mentor_classes.items()):
        raters = set()
        for class_id in sorted(class_ids):
            if homeroom_of.get(class_id):
                raters.add(homeroom_of[class_id])
            others = [m.pk for m in mentors.get(class_id, []) if m.pk != mentor_id]
            raters.update(rng.sample(others, k=min(len(others), rng.randint(2, 3))))
        raters.discard(mentor_id)
        base = (
            Decimal(50)
            if diligence[mentor_id] < 0.5
            else Decimal(60 + round(35 * diligence[mentor_id]))
        )
        for rater_id in sorted(raters):
            if rng.random() < 0.8:
                teacher_ratings.append(
                    TeacherRating(
                        term=term,
                        mentor_id=mentor_id,
                        rater_id=rater_id,
                        entered_by_id=rater_id,
                        score=max(Decimal(0), min(Decimal(100), base + rng.randint(-6, 6))),
                        comment=rng.choice(PEER_COMMENTS),
                    )
                )
    MentorEvaluation.objects.bulk_create(evaluations, batch_size=BATCH)
    StudentRating.objects.bulk_create(ratings, batch_size=BATCH)
    TeacherRating.objects.bulk_create(teacher_ratings, batch_size=BATCH)

    _summaries_honours_training(context, pairings, diligence, month_talk_counts, terms, term)

    mentor_counts = defaultdict(int)
    for pairing in pairings:
        mentor_counts[pairing.mentor_id] += 1
    if mentor_counts:
        from schoolops.models import Staff

        busiest = Staff.objects.get(pk=max(mentor_counts, key=mentor_counts.get))
        context.logins.append(
            DemoLogin(
                busiest.staff_no,
                context.password,
                f"{busiest.name} — 导师（{mentor_counts[busiest.pk]} 名受导学生）",
            )
        )
    context.log(
        f"mentors: {len(choices)} choices, {len(pairings)} pairings ({len(hand)} by hand), "
        f"{len(talks)} talks, {len(contacts)} parent contacts, {len(exchanges)} exchanges, "
        f"{len(ratings)} ratings, {len(teacher_ratings)} teachers' ratings"
    )


def _summaries_honours_training(
    context: DemoContext,
    pairings: list[Pairing],
    diligence: dict[int, float],
    month_talks: dict[tuple[int, dt.date], list],
    terms: list[Term],
    term: Term,
) -> None:
    """Each mentor's summary of every month gone by (a few forget last month's), the honour
    list of ``term``, and each begun term's trainings and check with its findings."""
    rng = context.rng
    today = context.today
    this_month = today.replace(day=1)
    months = sorted({m for t in terms for m in t.months() if m < this_month})
    last_month = months[-1] if months else None
    mentees: dict[int, list[Pairing]] = defaultdict(list)
    for pairing in pairings:
        mentees[pairing.mentor_id].append(pairing)
    summaries = []
    for mentor_id, rate in sorted(diligence.items()):
        for month in months:
            held = month_talks.get((mentor_id, month), [])
            first, last = month_bounds(month)
            ran = [
                p
                for p in mentees[mentor_id]
                if p.started_on <= last and (p.ended_on is None or p.ended_on >= first)
            ]
            if not ran or (month == last_month and rng.random() > rate):
                continue
            total = sum(n for _p, n, _t in held)
            lines = [f"{month:%Y-%m}：与{len(ran)}名受导学生谈心{total}次。"]
            for pairing, n, topics in held:
                lines.append(f"{pairing.student.name}：谈心{n}次，谈了{'、'.join(topics)}。")
            talked = {p.pk for p, _n, _t in held}
            missed = [p.student.name for p in ran if p.pk not in talked]
            if missed:
                lines.append(f"本月未谈心：{'、'.join(missed)}，下月补上。")
            lines.append(rng.choice(SUMMARY_CLOSINGS))
            summaries.append(MentorSummary(mentor_id=mentor_id, month=month, text="\n".join(lines)))
    MentorSummary.objects.bulk_create(summaries, batch_size=BATCH)

    # The honour list of the term: the most diligent mentors, and a few mentees of each.
    best = sorted(diligence, key=lambda m: (-diligence[m], m))[: max(2, len(diligence) // 12)]
    honours = [
        Honour(term=term, mentor_id=mentor_id, reason=rng.choice(HONOUR_MENTORS))
        for mentor_id in best
    ]
    running = [p for p in pairings if p.started_on <= term.end_date and p.ended_on is None]
    for pairing in rng.sample(running, k=min(len(running), max(3, len(running) // 40))):
        honours.append(Honour(term=term, pairing=pairing, reason=rng.choice(HONOUR_MENTEES)))
    Honour.objects.bulk_create(honours, batch_size=BATCH)

    # Each begun term's trainings; its check finds each mentor's work good or wanting.
    sessions, attendance, checks = [], [], []
    for t in terms:
        weeks = t.teaching_weeks()
        for number, kind, content in TRAININGS:
            if number > len(weeks) or weeks[number - 1].monday + dt.timedelta(days=3) > today:
                continue
            session = TrainingSession(
                term=t,
                date=weeks[number - 1].monday + dt.timedelta(days=3),
                kind=kind,
                content=content,
            )
            sessions.append(session)
    TrainingSession.objects.bulk_create(sessions, batch_size=BATCH)
    for session in sessions:
        for mentor_id, rate in sorted(diligence.items()):
            if rng.random() < (0.95 if rate >= 0.5 else 0.6):
                attendance.append(
                    TrainingSession.attendees.through(
                        trainingsession_id=session.pk, staff_id=mentor_id
                    )
                )
            if session.kind == TrainingSession.Kind.CHECK:
                findings = rng.choice(CHECK_WEAK if rate < 0.5 else CHECK_GOOD)
                checks.append(MentorCheck(session=session, mentor_id=mentor_id, findings=findings))
    TrainingSession.attendees.through.objects.bulk_create(attendance, batch_size=BATCH)
    MentorCheck.objects.bulk_create(checks, batch_size=BATCH)
    context.log(
        f"mentors: {len(summaries)} mentors' monthly summaries, {len(honours)} honours, "
        f"{len(sessions)} training sessions, {len(checks)} checks"
    )
