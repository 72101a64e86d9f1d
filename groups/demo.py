"""The groups part of the demo school: a term of groups, goals, scores and commendations.

Everything is written with ``bulk_create``; the large school (about 550 groups and 150,000
score entries) takes a few seconds on SQLite.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db import connection
from django.utils import timezone

from schoolops.demo import DemoLogin
from schoolops.models import Exam, ExamResult, SchoolClass, Student, TeachingAssignment

from . import demo_life, forming
from .models import (
    Consequence,
    GoalCheckIn,
    GroupSettings,
    LeaderboardRow,
    MemberChange,
    Membership,
    MonthClose,
    Recommendation,
    Review,
    ReviewRound,
    ScoreEntry,
    ScoreItem,
    StudyGroup,
)
from .selectors import compute_board
from .services import create_members

NAMES = [
    "雄鹰组",
    "启航组",
    "追梦组",
    "星火组",
    "超越组",
    "凌云组",
    "奋进组",
    "博学组",
    "求是组",
    "智慧组",
    "向日葵组",
    "飞翔组",
    "探索组",
    "破浪组",
    "勤学组",
    "笃行组",
    "致远组",
    "青云组",
    "朝阳组",
    "磐石组",
    "燎原组",
    "先锋组",
    "晨曦组",
    "扬帆组",
    "腾飞组",
    "明德组",
    "思源组",
    "砺剑组",
    "远航组",
    "拼搏组",
]
MOTTOS = [
    "团结互助，共同进步",
    "今天比昨天更好",
    "不比聪明比勤奋",
    "宝剑锋从磨砺出，梅花香自苦寒来",
    "一个都不能少",
    "学而不思则罔，思而不学则殆",
    "天道酬勤",
    "敢问敢答，勇于质疑",
    "合作共赢，携手同行",
    "书山有路勤为径，学海无涯苦作舟",
    "志存高远，脚踏实地",
    "比学赶超，争创一流",
    "尊重、倾听、分享",
    "星星之火，可以燎原",
    "自信自强，勇往直前",
    "众人拾柴火焰高",
    "我努力，我进步，我快乐",
    "三人行，必有我师",
]
GOALS_MID = [
    "期中考试小组平均分进入班级前三",
    "全组数学及格",
    "每人每周至少质疑一次",
    "学案完成率百分之百",
    "期中小组总分比月考提高20分",
]
GOALS_END = [
    "期末小组总分班级第一",
    "消灭不及格科目",
    "每位组员至少进步五个名次",
    "争当学期优秀小组",
    "英语单词过关率百分之百",
]
GOALS_YEAR = ["争创学校月度优秀小组三次以上", "全组成绩进入年级前一半", "人人养成预习复习习惯"]
GOALS_STAGE = ["全员考入理想的高中", "全组升入市重点高中", "三年不掉队，共同毕业"]
MEMBER_SHORT = [
    "期中数学提高10分",
    "每天按时完成学案",
    "上课主动回答问题",
    "英语听写全对",
    "错题本每天整理",
    "作文进步一个等级",
    "物理实验题不丢分",
    "字迹工整不潦草",
]
MEMBER_LONG = [
    "考上市重点高中",
    "成为班级学习标兵",
    "各科均衡发展",
    "养成自主学习习惯",
    "数学竞赛获奖",
    "保持年级前一百名",
]
NOTES = ["课堂展示积极", "学案有缺漏，已提醒", "质疑有深度", "互助讲题效果好", "小组讨论秩序好"]
MOVE_REASONS = ["座位视力原因调整", "两人同组相互影响学习，班主任调整", "转入新生后平衡人数"]
ITEM_WEIGHTS = {
    "课前学案完成": 30,
    "课堂回答": 34,
    "质疑对抗": 14,
    "课后反思(三思)": 12,
    "纪律": 6,
    "表扬": 4,
}
LESSON_MINUTES = [8 * 60, 8 * 60 + 55, 9 * 60 + 55, 10 * 60 + 50, 14 * 60, 14 * 60 + 55]


def run_demo(context: Any) -> None:
    rng = context.rng
    term = context.term
    today = context.today
    tz = timezone.get_current_timezone()
    classes = list(
        SchoolClass.objects.filter(academic_year=context.year)
        .select_related("grade", "homeroom_teacher")
        .order_by("grade__level", "number")
    )
    if not classes:
        return
    # The last class is left without groups: its homeroom teacher sees the to-do.
    formed = classes[:-1]
    students = defaultdict(list)
    for s in Student.objects.filter(
        school_class__in=formed, status=Student.Status.IN_SCHOOL
    ).values("pk", "gender", "school_class_id"):
        students[s["school_class_id"]].append(s)
    exam = Exam.objects.filter(results__student__school_class__in=formed).order_by("-date").first()
    scores: dict[int, dict[int, float]] = defaultdict(dict)
    if exam is not None:
        for student_id, subject_id, score in ExamResult.objects.filter(exam=exam).values_list(
            "student_id", "subject_id", "score"
        ):
            scores[student_id][subject_id] = float(score)
    teaching = defaultdict(list)
    for class_id, staff_id, subject_id in TeachingAssignment.objects.filter(
        school_class__in=formed
    ).values_list("school_class_id", "staff_id", "subject_id"):
        teaching[class_id].append((staff_id, subject_id))

    confirmed_at = dt.datetime.combine(
        term.start_date + dt.timedelta(days=9), dt.time(16, 30), tzinfo=tz
    )
    group_rows: list[StudyGroup] = []
    proposals: list[tuple[SchoolClass, list[list[forming.Candidate]]]] = []
    for school_class in formed:
        candidates = [
            forming.Candidate(
                student_id=s["pk"],
                gender=s["gender"],
                total=sum(scores[s["pk"]].values()) if s["pk"] in scores else None,
                subject_scores=scores.get(s["pk"], {}),
            )
            for s in students[school_class.pk]
        ]
        if len(candidates) < 4:
            continue
        size = rng.choice([4, 6, 6, 6, 5])
        proposal = forming.propose(candidates, size, iterations=300)
        names = rng.sample(NAMES, len(proposal)) if len(proposal) <= len(NAMES) else None
        for number, _members in enumerate(proposal, start=1):
            group_rows.append(
                StudyGroup(
                    term=term,
                    school_class=school_class,
                    number=number,
                    name=names[number - 1] if names else f"第{number}组",
                    motto=rng.choice(MOTTOS),
                    goal_midterm=rng.choice(GOALS_MID),
                    goal_term_end=rng.choice(GOALS_END),
                    goal_year=rng.choice(GOALS_YEAR),
                    goal_stage=rng.choice(GOALS_STAGE),
                    confirmed_at=confirmed_at,
                    confirmed_by=school_class.homeroom_teacher,
                )
            )
        proposals.append((school_class, proposal))
    groups = StudyGroup.objects.bulk_create(group_rows, batch_size=1000)

    group_iter = iter(groups)
    placements = []
    for school_class, proposal in proposals:
        subject_ids = sorted({subject for _staff, subject in teaching[school_class.pk]})
        placements += [(next(group_iter), members, subject_ids) for members in proposal]

    def goals(membership: Membership) -> None:
        membership.goal_short = rng.choice(MEMBER_SHORT)
        membership.goal_long = rng.choice(MEMBER_LONG)

    memberships = create_members(placements, confirmed_at, fill=goals)
    seated: dict[int, list[int]] = defaultdict(list)  # group → its students by seat
    for membership in memberships:
        seated[membership.group_id].append(membership.student_id)
    class_groups: dict[int, list[tuple[StudyGroup, list[int]]]] = defaultdict(list)
    for group, _members, _subjects in placements:
        class_groups[group.school_class_id].append((group, seated[group.pk]))

    _member_changes(rng, proposals, class_groups, confirmed_at)
    count = _scores(rng, term, today, tz, formed, class_groups, teaching)
    _checkins_and_reviews(rng, term, today, tz, class_groups, memberships, formed)
    _months(rng, term, today, formed, class_groups)
    demo_life.run(context, term, class_groups)
    terminal_entries = _terminal(rng, term, today, tz, formed, class_groups)
    context.logins.append(
        DemoLogin(
            "/groups/terminal/",
            DEMO_TERMINAL_CODE,
            f"{formed[0]} 班级一体机（打开该地址，输入这个代码）",
        )
    )
    context.log(
        f"  groups: class terminal of {formed[0]} on (code {DEMO_TERMINAL_CODE}), "
        f"{terminal_entries} student-recorded entries"
    )
    context.log(
        f"  groups: {len(groups)} groups, {len(memberships)} members, {count} score entries"
    )


def _member_changes(rng, proposals, class_groups, confirmed_at) -> None:
    """A few moves with reasons, kept as history (the membership rows stay as they are)."""
    changes = []
    for school_class, _proposal in proposals[::7]:
        pairs = class_groups[school_class.pk]
        if len(pairs) < 2 or school_class.homeroom_teacher is None:
            continue
        (g1, members1), (g2, _members2) = rng.sample(pairs, 2)
        changes.append(
            MemberChange(
                school_class=school_class,
                student_id=members1[-1],
                from_group=g2,
                to_group=g1,
                reason=rng.choice(MOVE_REASONS),
                changed_by=school_class.homeroom_teacher,
                changed_at=confirmed_at + dt.timedelta(days=rng.randint(10, 30)),
            )
        )
    MemberChange.objects.bulk_create(changes)


def _scores(rng, term, today, tz, formed, class_groups, teaching) -> int:
    ScoreItem.ensure_defaults()
    items = list(ScoreItem.objects.filter(is_active=True))
    weights = [ITEM_WEIGHTS.get(i.name, 5) for i in items]
    start = term.start_date + dt.timedelta(days=10)
    end = min(today - dt.timedelta(days=1), term.end_date)
    days = []
    day = start
    while day <= end:
        week = term.week_number(day)
        if day.weekday() < 5 and week is not None:
            days.append((day, week))
        day += dt.timedelta(days=1)
    ops = connection.ops
    adapt_day = ops.adapt_datefield_value
    adapt_time = ops.adapt_datetimefield_value
    month_of = {d: adapt_day(d.replace(day=1)) for d, _w in days}
    day_of = {d: adapt_day(d) for d, _w in days}
    tap = ScoreEntry.Kind.TAP
    # (group, class, term, student, item, points, subject, teacher, kind, reason, day, week,
    #  month, after_close, created_at): plain rows, because model instances for 150,000
    # entries would take most of the seed's time budget.
    rows: list[tuple] = []
    for school_class in formed:
        pairs = class_groups.get(school_class.pk)
        teachers = teaching.get(school_class.pk)
        if not pairs or not teachers:
            continue
        # Classes score at different rates: the index makes them comparable.
        rate = rng.uniform(0.5, 1.5)
        lessons_a_day = min(len(LESSON_MINUTES), max(1, round(6 * rate)))
        strength = {g.pk: rng.uniform(0.7, 1.3) for g, _m in pairs}
        for day, week in days:
            for minute in rng.sample(LESSON_MINUTES, k=lessons_a_day):
                staff_id, subject_id = rng.choice(teachers)
                at = dt.datetime.combine(day, dt.time(minute // 60, minute % 60), tzinfo=tz)
                for group, members in pairs:
                    for n in range(int(rng.random() * strength[group.pk] * 3.0)):
                        item = rng.choices(items, weights)[0]
                        rows.append(
                            (
                                group.pk,
                                school_class.pk,
                                term.pk,
                                rng.choice(members) if rng.random() < 0.4 else None,
                                item.pk,
                                item.points,
                                subject_id,
                                staff_id,
                                tap,
                                "",
                                day_of[day],
                                week,
                                month_of[day],
                                False,
                                adapt_time(at + dt.timedelta(minutes=5 + n)),
                            )
                        )
    table = connection.ops.quote_name(ScoreEntry._meta.db_table)
    columns = (
        "group_id, school_class_id, term_id, student_id, item_id, points, subject_id, "
        "teacher_id, kind, reason, day, week, month, after_close, created_at"
    )
    sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * 15)})"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY is several times faster than INSERTs for 150,000 rows.
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            for first in range(0, len(rows), 20000):
                cursor.executemany(sql, rows[first : first + 20000])
        if connection.vendor == "postgresql":
            # Fresh statistics, so the leaderboard's SUM uses the month index at once.
            cursor.execute(f"ANALYZE {table}")
    # A few taps were undone in the lesson, a few corrected later with a reason.
    tapped = list(ScoreEntry.objects.filter(term=term, kind=tap).values_list("pk", flat=True))
    sample = rng.sample(tapped, k=min(len(tapped), max(1, len(tapped) // 400)))
    reversals = []
    for entry in ScoreEntry.objects.filter(pk__in=sample).select_related("item"):
        undo = rng.random() < 0.7
        reversals.append(
            ScoreEntry(
                group_id=entry.group_id,
                school_class_id=entry.school_class_id,
                term=term,
                student_id=entry.student_id,
                item=entry.item,
                points=-entry.points,
                subject_id=entry.subject_id,
                teacher_id=entry.teacher_id,
                kind=ScoreEntry.Kind.UNDO if undo else ScoreEntry.Kind.CORRECTION,
                reverses_id=entry.pk,
                reason=""
                if undo
                else rng.choice(["记错小组", "重复录入", "核对学习委员记录后更正"]),
                day=entry.day,
                week=entry.week,
                month=entry.month,
                created_at=entry.created_at + dt.timedelta(minutes=1 if undo else 60 * 24),
            )
        )
    ScoreEntry.objects.bulk_create(reversals, batch_size=1000)
    return len(rows) + len(reversals)


def _checkins_and_reviews(rng, term, today, tz, class_groups, memberships, formed) -> None:
    checked = dt.datetime.combine(
        min(today, term.start_date + dt.timedelta(weeks=11)), dt.time(17, 0), tzinfo=tz
    )
    homeroom = {c.pk: c.homeroom_teacher for c in formed}
    checkins = []
    for class_id, pairs in class_groups.items():
        teacher = homeroom.get(class_id)
        if teacher is None:
            continue
        for group, _members in pairs:
            checkins.append(
                GoalCheckIn(
                    group=group,
                    goal=GoalCheckIn.Goal.MIDTERM,
                    status=rng.choice(["on_track", "reached", "reached", "missed"]),
                    note=rng.choice(
                        ["期中成绩已出，基本达成", "数学仍有两人未及格", "进步明显，继续保持", ""]
                    ),
                    checked_by=teacher,
                    checked_at=checked,
                )
            )
    GoalCheckIn.objects.bulk_create(checkins, batch_size=2000)
    # One mid-term review round in the first few classes, fully typed in.
    reviews = []
    consequences = []
    for school_class in formed[:3]:
        teacher = school_class.homeroom_teacher
        if teacher is None:
            continue
        round = ReviewRound.objects.create(
            school_class=school_class, term=term, title="期中自评互评", held_on=checked.date()
        )
        for group, members in class_groups[school_class.pk]:
            for reviewer in members:
                for reviewee in members:
                    reviews.append(
                        Review(
                            round=round,
                            group=group,
                            reviewer_id=reviewer,
                            reviewee_id=reviewee,
                            participation=rng.randint(3, 5),
                            helping=rng.randint(2, 5),
                            finishing=rng.randint(3, 5),
                            discipline=rng.randint(2, 5),
                            entered_by=teacher,
                        )
                    )
            consequences.append(
                Consequence(
                    group=group,
                    student_id=members[0],
                    kind=rng.choice(["letter", "gift"]),
                    note="互评第一，小组贡献大",
                    recorded_by=teacher,
                    recorded_at=checked,
                )
            )
            if rng.random() < 0.3:
                consequences.append(
                    Consequence(
                        group=group,
                        student_id=members[-1],
                        kind=rng.choice(["self_review", "task_change"]),
                        note="多次未完成学案",
                        recorded_by=teacher,
                        recorded_at=checked,
                    )
                )
    Review.objects.bulk_create(reviews, batch_size=2000)
    Consequence.objects.bulk_create(consequences)


def _months(rng, term, today, formed, class_groups) -> None:
    """Recommendations for past months; the first month closed and its list published."""
    this_month = today.replace(day=1)
    past = [m for m in term.months() if m < this_month]
    if not past:
        return
    recs = []
    for school_class in formed:
        pairs = class_groups.get(school_class.pk)
        if not pairs or school_class.homeroom_teacher is None:
            continue
        for month in past:
            group, _members = rng.choice(pairs)
            recs.append(
                Recommendation(
                    month=month,
                    group=group,
                    note=rng.choice(
                        ["本月积分班级第一", "互助氛围好，进步明显", "质疑对抗表现突出"]
                    ),
                    recommended_by=school_class.homeroom_teacher,
                )
            )
    Recommendation.objects.bulk_create(recs, batch_size=2000)
    principal = next((c.homeroom_teacher for c in formed if c.homeroom_teacher), None)
    from schoolops.models import Post, Staff

    office = Staff.objects.filter(user__groups__name=Post.ACADEMIC_OFFICE).first() or principal
    if office is None:
        return
    month = past[0]
    rule = GroupSettings.load()
    close = MonthClose.objects.create(
        month=month,
        closed_by=office,
        ranking_min_days=rule.ranking_min_days,
        ranking_min_entries_per_group=rule.ranking_min_entries_per_group,
    )
    rows, _totals = compute_board(month, rule=rule)
    archived = []
    for r in rows:
        archived.append(
            LeaderboardRow(
                close=close,
                group_id=r.group_id,
                grade_name=r.grade_name,
                class_name=r.class_name,
                group_name=r.group_name,
                points=r.points,
                class_average=r.class_average,
                index=r.index if r.rank is not None else None,
                rank=r.rank,
                class_rank=r.class_rank,
                insufficient=r.insufficient,
                is_excellent=r.rank is not None
                and r.class_rank == 1
                and r.rank <= max(3, len(rows) // 20),
            )
        )
    LeaderboardRow.objects.bulk_create(archived, batch_size=2000)
    close.published_at = timezone.now()
    close.published_by = office
    close.save(update_fields=["published_at", "published_by"])


# The demo class's terminal (班级一体机) signs in with this code at /groups/terminal/.
DEMO_TERMINAL_CODE = "KETANG26"


def _terminal(rng, term, today, tz, formed, class_groups) -> int:
    """The first class's terminal is on; its 学习委员 evaluated every group each school day of
    last week and this week (up to yesterday), and the groups' 协调记录组长 recorded members.
    The homeroom teacher reviewed last week, reversing one entry with a reason; this week's
    entries wait for review."""
    from django.contrib.auth.hashers import make_password

    from .models import ClassTerminal
    from .terminal import digest

    school_class = formed[0]
    pairs = class_groups.get(school_class.pk)
    homeroom = school_class.homeroom_teacher
    if not pairs or homeroom is None:
        return 0
    now = timezone.now()
    terminal = ClassTerminal.objects.create(
        school_class=school_class,
        code_hash=make_password(DEMO_TERMINAL_CODE),
        code_digest=digest(DEMO_TERMINAL_CODE),
        renewed_by=homeroom,
        renewed_at=now - dt.timedelta(days=8),
    )
    recorders = {
        m.group_id: m.student_id
        for m in Membership.objects.current().filter(
            group__in=[g.pk for g, _m in pairs], is_recorder=True
        )
    }
    # The 学习委员: a member of the class (not a group's recorder).
    everyone = [s for _g, members in pairs for s in members]
    monitor = next((s for s in everyone if s not in recorders.values()), everyone[0])
    items = list(ScoreItem.objects.filter(is_active=True).order_by("order"))
    weights = [ITEM_WEIGHTS.get(i.name, 5) for i in items]
    this_monday = today - dt.timedelta(days=today.weekday())
    days = [
        this_monday + dt.timedelta(days=n)
        for n in range(-7, 5)
        if this_monday + dt.timedelta(days=n) < today
        and (this_monday + dt.timedelta(days=n)).weekday() < 5
        and term.week_number(this_monday + dt.timedelta(days=n)) is not None
    ]
    entries = []
    for day in days:
        at = dt.datetime.combine(day, dt.time(17, 10), tzinfo=tz)
        reviewed = day < this_monday
        for group, members in pairs:
            picks = [(None, monitor)] * rng.randint(1, 2)
            if group.pk in recorders and rng.random() < 0.6:
                picks.append((rng.choice(members), recorders[group.pk]))
            for n, (student_id, recorder_id) in enumerate(picks):
                item = rng.choices(items, weights)[0]
                entries.append(
                    ScoreEntry(
                        group=group,
                        school_class=school_class,
                        term=term,
                        student_id=student_id,
                        item=item,
                        points=item.points,
                        teacher=homeroom,
                        terminal=terminal,
                        recorded_by_student_id=recorder_id,
                        reviewed_at=at + dt.timedelta(days=4) if reviewed else None,
                        reviewed_by=homeroom if reviewed else None,
                        day=day,
                        week=term.week_number(day),
                        month=day.replace(day=1),
                        created_at=at + dt.timedelta(minutes=n),
                    )
                )
    made = ScoreEntry.objects.bulk_create(entries)
    last_week = [e for e in made if e.reviewed_at is not None and e.points > 0]
    if last_week:
        wrong = rng.choice(last_week)
        ScoreEntry.objects.create(
            group_id=wrong.group_id,
            school_class=school_class,
            term=term,
            student_id=wrong.student_id,
            item_id=wrong.item_id,
            points=-wrong.points,
            teacher=homeroom,
            kind=ScoreEntry.Kind.CORRECTION,
            reverses=wrong,
            reason="展示时并未加分，学习委员记错了小组",
            terminal=terminal,
            recorded_by_student_id=wrong.recorded_by_student_id,
            reviewed_at=wrong.reviewed_at,
            reviewed_by=homeroom,
            day=wrong.day,
            week=wrong.week,
            month=wrong.month,
            created_at=wrong.reviewed_at,
        )
    return len(made)
