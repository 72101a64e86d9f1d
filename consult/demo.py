"""The consultation part of the demo school: a term of ledgers, observations, meetings at all
four levels, strategies with follow-ups, an escalated student, 包靠 leaders and success cases.

Everything is written with ``bulk_create``; the large school (about 3,000 students) gets a
ledger for every student, about 10,000 observations and 2,000 meetings.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from simple_history.utils import bulk_create_with_history

from schoolops.models import Grade, Post, SchoolClass, Staff, Student, TeachingAssignment

from .models import (
    Attention,
    Case,
    CaseJudge,
    CaseScore,
    Escalation,
    FollowUp,
    LeaderAssignment,
    LedgerProfile,
    Level,
    Meeting,
    MeetingStudent,
    Observation,
    Strategy,
)

STRENGTHS = [
    "乐于助人，集体荣誉感强",
    "思维敏捷，数学推理能力突出",
    "字迹工整，作业认真",
    "热爱劳动，值日负责",
    "语言表达能力强，朗读有感情",
    "体育成绩好，是班级长跑主力",
    "动手能力强，喜欢做实验",
    "有礼貌，尊敬师长",
    "善于组织，担任小组长认真负责",
    "记忆力好，英语单词掌握扎实",
    "心地善良，重感情",
    "绘画有天赋，承担班级板报",
]
WEAKNESSES = [
    "上课注意力不集中，小动作多",
    "作业经常拖欠，书写潦草",
    "偏科明显，数学基础薄弱",
    "遇到难题容易放弃",
    "自我管理能力弱，丢三落四",
    "课堂上不敢发言",
    "与同学交往时容易冲动",
    "计算粗心，审题不仔细",
    "英语听说能力较弱",
    "阅读量少，作文内容空洞",
    "午休不睡，影响下午听课",
    "沉迷手机游戏，睡眠不足",
]
PERSONALITY = [
    "外向开朗，急性子",
    "内向文静，心思细腻",
    "好胜心强，不服输",
    "性格温和，随和",
    "敏感，自尊心强",
    "大大咧咧，不拘小节",
    "做事认真，略显固执",
    "活泼好动，精力充沛",
]
INTERESTS = [
    "篮球、乒乓球",
    "画画、手工",
    "阅读科幻小说",
    "弹钢琴、唱歌",
    "编程、搭积木",
    "跳绳、长跑",
    "书法",
    "下象棋",
    "看历史故事",
    "养花、观察昆虫",
]
FAMILIES = [
    "父母均在本地工作，家庭和睦，重视教育",
    "父亲在外地务工，母亲在家照顾，辅导作业有困难",
    "父母离异，随母亲生活，母亲工作忙",
    "父母常年在外务工，与祖父母同住（留守）",
    "随父母从外省来本街道务工，去年转入本校",
    "家庭经济条件较好，父母对孩子要求宽松",
    "家庭经济困难，享受助学金",
    "单亲家庭，随父亲生活",
    "父母经营个体店铺，陪伴时间少",
    "家中有两个孩子，父母对学习关注较多",
]
PLANS = {
    Attention.LEARNING: "分层布置作业，数学教师每周两次课后辅导，小组长结对帮扶",
    Attention.POVERTY: "落实助学金，关注学习用品和午餐情况，定期家访",
    Attention.INDULGED: "与家长沟通家庭教育方式，安排班级劳动岗位，培养责任感",
    Attention.THINKING: "班主任每周谈心一次，关注情绪变化，及时与家长沟通",
    Attention.PSYCHOLOGICAL: "心理教师每两周疏导一次，班主任密切观察，不公开批评",
    Attention.BEHAVIOUR: "制定行为约定，每日记录表现，进步及时表扬",
    Attention.FAMILY_EDUCATION: "邀请家长参加家长学校课程，每月电话沟通一次",
    Attention.SPECIAL_NEEDS: "提供特长发展机会，推荐参加兴趣小组",
    Attention.POTENTIAL: "安排拓展任务，推荐参加学科竞赛，导师个别指导",
    Attention.MIGRANT: "关注融入情况，安排同伴帮助，了解家庭居住和作息",
    Attention.LEFT_BEHIND: "导师每周谈心，每月与外地父母视频通话一次，关注祖辈监护情况",
}
# How common each category is among special-attention students (weights).
CATEGORY_WEIGHTS = [
    (Attention.LEARNING, 30),
    (Attention.LEFT_BEHIND, 12),
    (Attention.MIGRANT, 10),
    (Attention.BEHAVIOUR, 10),
    (Attention.THINKING, 8),
    (Attention.FAMILY_EDUCATION, 8),
    (Attention.POVERTY, 6),
    (Attention.INDULGED, 5),
    (Attention.POTENTIAL, 5),
    (Attention.PSYCHOLOGICAL, 4),
    (Attention.SPECIAL_NEEDS, 2),
]
OBSERVE = [
    "课堂上能主动举手回答问题，比上周积极",
    "数学课上走神，看窗外，被提醒两次",
    "学案完成不完整，后两题空白",
    "小组讨论时能主动帮助组员讲解",
    "午休时间在教室走动，影响他人",
    "作业书写明显比以前工整",
    "上课和同桌说话，提醒后能改正",
    "质疑对抗环节提出了有价值的问题",
]
HEAR = [
    ("家长", "家长反映在家做作业拖拉，常到十点以后"),
    ("小组长", "小组长反映最近按时交学案，讨论时也肯发言"),
    ("英语教师", "英语老师反映单词听写连续三次不及格"),
    ("家长", "家长反映孩子周末玩手机时间过长"),
    ("同学", "同学反映课间和别班同学发生争执"),
    ("体育教师", "体育老师反映训练刻苦，耐力有进步"),
    ("科代表", "数学科代表反映作业本经常迟交"),
]
TALK = [
    "课间谈心，说最近和父母关系紧张，不想回家",
    "与学生谈学习目标，答应每天先完成作业再看电视",
    "与家长聊家常，了解到孩子晚上由奶奶照看",
    "谈心时说数学听不懂，想放弃，鼓励其先从基础题做起",
    "与学生谈担任图书管理员的想法，学生很感兴趣",
]
ASK = [
    ("家校联系单", "家校联系单反馈：在家能主动复习，但需要提醒"),
    ("学情征询问卷", "问卷中写道希望老师多讲几遍难题"),
    ("建议条", "匿名建议条反映该生近期情绪低落"),
    ("家校联系单", "家长在联系单上表示愿意配合每天检查作业"),
]
PSYCH_NOTES = [
    "心理测评焦虑分数偏高，约定每两周谈话一次",
    "谈话中提到夜间失眠，情绪低落，已告知班主任注意观察",
    "沙盘活动中表现出较强的不安全感，建议家长多陪伴",
    "疏导后情绪有所好转，愿意参加班级活动",
]
MEETING_TOPICS = [
    "本周学情交流",
    "作业完成情况分析",
    "学困生转化情况",
    "课堂纪律与学习习慣",
    "月考成绩分析",
    "重点关注学生跟进",
    "学案使用情况",
    "小组合作学习情况",
]
ANALYSES = [
    "近两周作业拖欠次数增多，数学学案多次未完成，家长反映在家玩手机",
    "课堂注意力不集中，但对实验课兴趣浓厚，可以从兴趣入手",
    "成绩下滑明显，与父母外出务工、祖辈监护不力有关",
    "与同学发生冲突两次，情绪易激动，需要引导正确处理矛盾",
    "基础薄弱但学习态度端正，需要分层辅导",
    "自尊心强，批评后容易对立，宜多鼓励少批评",
    "上课不敢发言，小组内参与少，需要创造表现机会",
]
DECISIONS = [
    "数学教师每周二、四课后辅导，小组长每天检查学案",
    "班主任每周谈心一次，每周五与家长电话沟通",
    "安排担任图书角管理员，培养责任感，每周发现一个优点并表扬",
    "与家长约定每天晚上九点前完成作业，使用家校联系单反馈",
    "调整座位到前排，由学科组长结对帮扶",
    "导师每周谈话，心理教师两周一次疏导",
]
FOLLOW_DONE = [
    "课后辅导一次，讲解错题",
    "与学生谈心，回顾本周表现",
    "电话联系家长，了解在家情况",
    "检查学案完成情况",
    "在班会上表扬其进步",
    "家访一次，与祖父母交流",
]


def _weighted(rng, pairs):
    total = sum(w for _v, w in pairs)
    pick = rng.uniform(0, total)
    for value, weight in pairs:
        pick -= weight
        if pick <= 0:
            return value
    return pairs[-1][0]


def run_demo(context: Any) -> None:
    rng = context.rng
    term = context.term
    today = min(context.today, term.end_date)
    large = context.size == "large"

    classes = list(
        SchoolClass.objects.filter(academic_year=context.year)
        .select_related("grade", "homeroom_teacher")
        .order_by("grade__level", "number")
    )
    if not classes or today < term.start_date:
        return
    students_by_class: dict[int, list[int]] = defaultdict(list)
    for pk, class_id in (
        Student.objects.in_school()
        .filter(school_class__in=classes)
        .order_by("student_no")
        .values_list("pk", "school_class_id")
    ):
        students_by_class[class_id].append(pk)
    teachers_by_class: dict[int, list[int]] = defaultdict(list)
    for class_id, staff_id in TeachingAssignment.objects.filter(
        school_class__in=classes
    ).values_list("school_class_id", "staff_id"):
        teachers_by_class[class_id].append(staff_id)
    posts = defaultdict(list)
    for staff_id, post in Staff.objects.active().values_list("pk", "user__groups__name"):
        if post:
            posts[post].append(staff_id)
    leaders = sorted(
        set(posts[Post.PRINCIPAL] + posts[Post.VICE_PRINCIPAL] + posts[Post.ACADEMIC_OFFICE])
    )
    psychologists = posts[Post.PSYCHOLOGY]
    principal = (posts[Post.PRINCIPAL] or leaders or [classes[0].homeroom_teacher_id])[0]
    academic = (posts[Post.ACADEMIC_OFFICE] or [principal])[0]
    grades = list(Grade.objects.filter(classes__in=classes).distinct().order_by("level"))

    # The ledger: every student, most complete, some special-attention students.
    profiles = []
    special: dict[int, list[str]] = {}
    psych_students: list[int] = []
    for school_class in classes:
        for student_id in students_by_class[school_class.pk]:
            categories: list[str] = []
            if rng.random() < 0.16:
                categories = [_weighted(rng, CATEGORY_WEIGHTS)]
                if rng.random() < 0.3:
                    categories.append(_weighted(rng, CATEGORY_WEIGHTS))
                categories = list(dict.fromkeys(categories))
                special[student_id] = categories
                if Attention.PSYCHOLOGICAL in categories:
                    psych_students.append(student_id)
            incomplete = rng.random() < 0.1
            profile = LedgerProfile(
                student_id=student_id,
                term=term,
                strengths=rng.choice(STRENGTHS),
                weaknesses=rng.choice(WEAKNESSES),
                personality=rng.choice(PERSONALITY),
                interests="" if incomplete and rng.random() < 0.5 else rng.choice(INTERESTS),
                family_situation="" if incomplete else rng.choice(FAMILIES),
                categories=categories,
                education_plan="；".join(PLANS[c] for c in categories),
                updated_by_id=school_class.homeroom_teacher_id,
            )
            profile.refresh_derived()
            profiles.append(profile)
    bulk_create_with_history(profiles, LedgerProfile, batch_size=1000)

    # Observations: 看 听 谈 问 by the class's teachers, psychological notes by the psychologist.
    days = (today - term.start_date).days + 1
    all_students = [s for c in classes for s in students_by_class[c.pk]]
    class_of = {s: c.pk for c in classes for s in students_by_class[c.pk]}
    homeroom_of = {c.pk: c.homeroom_teacher_id for c in classes}
    target = 10_000 if large else max(200, len(all_students) * 3)
    observations = []
    for _i in range(target):
        student_id = (
            rng.choice(all_students)
            if rng.random() < 0.7 or not special
            else rng.choice(list(special))
        )
        class_id = class_of[student_id]
        authors = teachers_by_class[class_id] or [homeroom_of[class_id]]
        method = rng.choice(["observe", "observe", "hear", "talk", "ask"])
        source = ""
        if method == "observe":
            content = rng.choice(OBSERVE)
        elif method == "hear":
            source, content = rng.choice(HEAR)
        elif method == "talk":
            content = rng.choice(TALK)
        else:
            source, content = rng.choice(ASK)
        observations.append(
            Observation(
                student_id=student_id,
                date=term.start_date + dt.timedelta(days=rng.randrange(days)),
                method=method,
                source=source,
                content=content,
                author_id=rng.choice(authors),
            )
        )
    for student_id in psych_students:
        for _i in range(rng.randint(1, 3)):
            observations.append(
                Observation(
                    student_id=student_id,
                    date=term.start_date + dt.timedelta(days=rng.randrange(days)),
                    method="talk",
                    source="心理辅导室",
                    content=rng.choice(PSYCH_NOTES),
                    psychological=True,
                    author_id=rng.choice(psychologists or [homeroom_of[class_of[student_id]]]),
                )
            )
    Observation.objects.bulk_create(observations, batch_size=2000)

    # Meetings: class every teaching week (Tuesday afternoon), grade on Friday, school at the
    # start and middle of term, monthly reviews, home-school meetings to fill the term.
    weeks = [w for w in term.teaching_weeks() if w.first_day <= today]
    meetings: list[Meeting] = []
    discussed_plan: list[tuple[int, list[int]]] = []  # meeting index → students

    def add_meeting(**fields) -> int:
        meetings.append(
            Meeting(
                term=term,
                topic=fields.pop("topic", rng.choice(MEETING_TOPICS)),
                preparation=fields.pop("preparation", "各任课教师汇总本周课堂和作业情况"),
                analysis=fields.pop(
                    "analysis", "大部分学生学习状态稳定，少数学生作业拖欠、课堂注意力不集中"
                ),
                strategies=fields.pop("strategies", "分层布置作业，学科组长每日检查学案"),
                summary=fields.pop("summary", "下周重点跟进作业完成情况，周五反馈"),
                created_by_id=fields["chair_id"],
                **fields,
            )
        )
        return len(meetings) - 1

    for school_class in classes:
        pool = students_by_class[school_class.pk]
        if not pool:
            continue
        focus = [s for s in pool if s in special] or pool
        for week in weeks:
            if rng.random() < 0.1 and week.last_day < today:
                continue  # a missed week
            day = min(week.monday + dt.timedelta(days=1), today)
            day = max(day, week.first_day)
            index = add_meeting(
                level=Level.CLASS,
                kind=Meeting.Kind.REGULAR,
                date=day,
                school_class_id=school_class.pk,
                grade_id=school_class.grade_id,
                chair_id=school_class.homeroom_teacher_id,
                summary="" if rng.random() < 0.08 else "下周重点跟进作业完成情况，周五反馈",
            )
            chosen = rng.sample(focus, min(len(focus), rng.randint(1, 2)))
            chosen += rng.sample(pool, min(len(pool), rng.randint(0, 2)))
            discussed_plan.append((index, list(dict.fromkeys(chosen))))
    for grade in grades:
        grade_students = [
            s for c in classes if c.grade_id == grade.pk for s in students_by_class[c.pk]
        ]
        chair = grade.head_id or principal
        for week in weeks:
            day = min(week.monday + dt.timedelta(days=4), today)
            if day < week.first_day:
                continue
            index = add_meeting(
                level=Level.GRADE,
                kind=Meeting.Kind.REGULAR,
                date=day,
                grade_id=grade.pk,
                chair_id=chair,
                topic=f"{grade.name}级部学情会商",
                analysis="各班汇报长期不见成效的学生，研究共性问题",
            )
            grade_special = [s for s in grade_students if s in special]
            if grade_special:
                discussed_plan.append(
                    (index, rng.sample(grade_special, min(2, len(grade_special))))
                )
    if weeks:
        add_meeting(
            level=Level.SCHOOL,
            kind=Meeting.Kind.THEMATIC,
            date=weeks[0].first_day,
            chair_id=principal,
            topic="学期初学情会商大会：结合上学期考试情况分析每个班级学情",
        )
    if len(weeks) >= 11:
        add_meeting(
            level=Level.SCHOOL,
            kind=Meeting.Kind.THEMATIC,
            date=weeks[10].monday + dt.timedelta(days=2),
            chair_id=principal,
            topic="期中质量检测学情分析专题会",
            analysis="级部间教学不均衡，部分班级学困生比例偏高",
        )
    for month in term.months():
        last = (month + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
        day = min(last - dt.timedelta(days=2), today)
        if day < term.start_date or (month.year, month.month) > (today.year, today.month):
            continue
        add_meeting(
            level=Level.SCHOOL,
            kind=Meeting.Kind.REGULAR,
            monthly_review=True,
            date=day,
            chair_id=principal,
            topic=f"{month.month}月重点关注学生逐班排查（校长办公会）",
        )
    home_target = (2_000 - len(meetings)) if large else max(10, len(classes) * 2)
    home_forms = list(Meeting.HomeForm.values)
    surnames = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗"
    for _i in range(max(0, home_target)):
        school_class = rng.choice(classes)
        pool = students_by_class[school_class.pk]
        if not pool:
            continue
        form = rng.choice(home_forms)
        index = add_meeting(
            level=Level.HOME,
            kind=Meeting.Kind.AD_HOC
            if form != Meeting.HomeForm.PARENT_MEETING
            else Meeting.Kind.REGULAR,
            home_form=form,
            date=term.start_date + dt.timedelta(days=rng.randrange(days)),
            school_class_id=school_class.pk,
            grade_id=school_class.grade_id,
            chair_id=school_class.homeroom_teacher_id,
            parents=f"{rng.choice(surnames)}{rng.choice(['建国', '秀英', '海燕', '志强', '丽娟', '卫东', '春梅'])}（家长）",
            topic="家长会" if form == Meeting.HomeForm.PARENT_MEETING else "家校个别会商",
        )
        discussed_plan.append((index, [rng.choice(pool)]))
    Meeting.objects.bulk_create(meetings, batch_size=1000)

    Attendee = Meeting.attendees.through
    attendees = []
    for m in meetings:
        if m.level == Level.CLASS:
            people = set(teachers_by_class[m.school_class_id]) | {m.chair_id}
        elif m.level == Level.GRADE:
            people = {homeroom_of[c.pk] for c in classes if c.grade_id == m.grade_id} | {m.chair_id}
        elif m.level == Level.SCHOOL:
            people = set(leaders) | {m.chair_id}
        else:
            people = {m.chair_id}
        attendees.extend(Attendee(meeting_id=m.pk, staff_id=s) for s in people if s)
    Attendee.objects.bulk_create(attendees, batch_size=5000, ignore_conflicts=True)

    discussions, strategies = [], []
    for index, student_ids in discussed_plan:
        m = meetings[index]
        for student_id in student_ids:
            decision = rng.choice(DECISIONS) if rng.random() < 0.6 else ""
            analysis = rng.choice(ANALYSES)
            discussions.append(
                MeetingStudent(
                    meeting_id=m.pk, student_id=student_id, analysis=analysis, decision=decision
                )
            )
            if decision and m.level != Level.SCHOOL:
                strategies.append(
                    Strategy(
                        student_id=student_id,
                        term=term,
                        level=Level.GRADE if m.level == Level.GRADE else Level.CLASS,
                        problem=analysis,
                        action=decision,
                        owner_id=m.chair_id,
                        start_date=m.date,
                        review_date=m.date + dt.timedelta(days=14),
                        meeting_id=m.pk,
                    )
                )
    MeetingStudent.objects.bulk_create(discussions, batch_size=2000, ignore_conflicts=True)

    # Follow-ups are planned before the strategies are written, so that each strategy is
    # written once with its final review date and status.
    results = [
        (FollowUp.Result.IMPROVED, 50),
        (FollowUp.Result.NO_CHANGE, 35),
        (FollowUp.Result.WORSE, 15),
    ]
    planned: list[list[tuple[dt.date, str, str]]] = []
    solved = []
    for strategy in strategies:
        day = strategy.start_date
        steps = []
        for _i in range(rng.randint(0, 4)):
            day += dt.timedelta(days=rng.randint(5, 12))
            if day > today:
                break
            steps.append((day, rng.choice(FOLLOW_DONE), _weighted(rng, results)))
        planned.append(steps)
        if steps:
            last_day = steps[-1][0]
            strategy.review_date = max(strategy.review_date, last_day + dt.timedelta(days=14))
            if steps[-1][2] == FollowUp.Result.IMPROVED and rng.random() < 0.5:
                strategy.status = Strategy.Status.SOLVED
                strategy.closed_on = last_day
                strategy.closing_note = "作业能按时完成，课堂表现稳定，转入常规关注"
                solved.append(strategy)
    Strategy.objects.bulk_create(strategies, batch_size=1000)
    follow_ups = [
        FollowUp(
            strategy_id=strategy.pk,
            date=day,
            done=done,
            result=result,
            author_id=strategy.owner_id,
        )
        for strategy, steps in zip(strategies, planned, strict=True)
        for day, done, result in steps
    ]
    FollowUp.objects.bulk_create(follow_ups, batch_size=2000)

    _escalated_student(context, classes, students_by_class, special, today)

    # 包靠: the monthly review gives each special-attention student a school leader.
    review = next((m for m in reversed(meetings) if m.monthly_review), None)
    if leaders and special:
        LeaderAssignment.objects.bulk_create(
            LeaderAssignment(
                student_id=student_id,
                leader_id=leaders[i % len(leaders)],
                term=term,
                assigned_on=review.date if review else today,
                meeting_id=review.pk if review else None,
            )
            for i, student_id in enumerate(sorted(special))
        )

    # Success cases: most classes put one forward; two judges score most of them.
    for judge in {principal, academic}:
        CaseJudge.objects.get_or_create(term=term, staff_id=judge)
    solved_by_class: dict[int, Strategy] = {}
    for strategy in solved:
        solved_by_class.setdefault(class_of.get(strategy.student_id), strategy)
    cases = []
    for school_class in classes:
        strategy = solved_by_class.get(school_class.pk)
        if strategy is None or rng.random() < 0.25:
            continue
        cases.append(
            Case(
                student_id=strategy.student_id,
                term=term,
                school_class=school_class,
                title=rng.choice(
                    ["于细微处做文章", "用放大镜找闪光点", "从图书角管理员开始", "一分钟变好的孩子"]
                ),
                situation=strategy.problem,
                strategy=strategy.action,
                process="班主任与数学、英语教师多次坐在一起分析，每周发现一个优点，从小事入手，打持久战",
                records="每个闪光点都做了具体记录，并不时细数给学生听",
                result=strategy.closing_note,
                nominated=True,
                author_id=school_class.homeroom_teacher_id,
                created_on=strategy.closed_on or today,
            )
        )
    Case.objects.bulk_create(cases)
    CaseScore.objects.bulk_create(
        CaseScore(case_id=case.pk, judge_id=judge, score=rng.randint(70, 96))
        for case in cases
        if rng.random() < 0.7
        for judge in {principal, academic}
    )
    from . import demo_term

    demo_term.run(context, classes, students_by_class, grades, leaders, principal, academic, today)
    context.log(
        f"consult: {len(profiles)} ledger entries, {len(observations)} observations, "
        f"{len(meetings)} meetings, {len(strategies)} strategies, {len(follow_ups)} follow-ups, "
        f"{len(cases)} cases"
    )


def _escalated_student(context, classes, students_by_class, special, today) -> None:
    """One student whose class strategies did not work: proposed, then taken over by the grade;
    a second one proposed and waiting for the grade meeting."""
    term = context.term
    first = classes[0]
    candidates = [s for s in students_by_class[first.pk] if s in special] or students_by_class[
        first.pk
    ]
    if len(candidates) < 1:
        return
    start = max(term.start_date, today - dt.timedelta(days=42))
    chair = first.homeroom_teacher_id
    head = first.grade.head_id or chair
    picked = candidates[:2]
    for n, student_id in enumerate(picked):
        strategy = Strategy.objects.create(
            student_id=student_id,
            term=term,
            level=Level.CLASS,
            problem="长期作业拖欠，课堂不听讲，多次谈话效果不明显",
            action="班主任每周谈心，数学教师课后辅导，家长每天签字",
            owner_id=chair,
            start_date=start,
            review_date=today,
        )
        FollowUp.objects.bulk_create(
            FollowUp(
                strategy=strategy,
                date=min(start + dt.timedelta(days=7 * (i + 1)), today),
                done=FOLLOW_DONE[i % len(FOLLOW_DONE)],
                result=FollowUp.Result.NO_CHANGE if i % 2 else FollowUp.Result.WORSE,
                author_id=chair,
            )
            for i in range(3)
        )
        escalation = Escalation.objects.create(
            student_id=student_id,
            term=term,
            from_level=Level.CLASS,
            to_level=Level.GRADE,
            reason="最近3次跟进均无改善。",
            automatic=True,
            proposed_on=min(start + dt.timedelta(days=21), today),
        )
        if n == 0:
            escalation.status = Escalation.Status.TAKEN
            escalation.decided_on = today
            escalation.decided_by_id = head
            escalation.decision_note = "级部会商接手，级部主任牵头，联系心理教师共同跟进"
            escalation.save()
            Strategy.objects.filter(pk=strategy.pk).update(
                status=Strategy.Status.ESCALATED,
                closed_on=today,
                closing_note="级部会商接手。",
            )
            Strategy.objects.create(
                student_id=student_id,
                term=term,
                level=Level.GRADE,
                problem="班级多次跟进无改善，厌学情绪明显",
                action="级部主任每周约谈一次，心理教师两周一次疏导，家长每周到校沟通",
                owner_id=head,
                start_date=today,
                review_date=today + dt.timedelta(days=14),
            )
