"""Small builders for consultation records (plain ORM, no factories)."""

from __future__ import annotations

import datetime as dt
from functools import partial

from consult.models import (
    Attention,
    FollowUp,
    LedgerProfile,
    Level,
    Meeting,
    MeetingStudent,
    Observation,
    Strategy,
)
from tests import builders

FULL = {
    "strengths": "乐于助人，劳动积极",
    "weaknesses": "上课注意力不集中",
    "personality": "外向，急性子",
    "interests": "篮球、画画",
    "family_situation": "父母在外务工，与祖父母同住",
}


# 学籍号 09…, names 学生100, 学生101…
add_students = partial(builders.add_students, number="09{pk:03d}{n:05d}", name="学生{n}")


def ledger(student, term, categories=(), plan="", **fields) -> LedgerProfile:
    data = {**FULL, **fields}
    return LedgerProfile.objects.create(
        student=student, term=term, categories=list(categories), education_plan=plan, **data
    )


def meeting(
    school,
    day: dt.date,
    *,
    level=Level.CLASS,
    kind=Meeting.Kind.REGULAR,
    school_class=None,
    grade=None,
    students=(),
    complete=True,
    monthly_review=False,
    chair=None,
) -> Meeting:
    if level in (Level.CLASS, Level.HOME) and school_class is None:
        school_class = school.class_a
    if level == Level.GRADE and grade is None:
        grade = school.grade7
    parts = {"preparation": "收集学情", "analysis": "分析", "strategies": "对策", "summary": "总结"}
    m = Meeting.objects.create(
        level=level,
        kind=kind,
        term=school.term,
        date=day,
        school_class=school_class,
        grade=grade,
        chair=chair or school.homeroom,
        topic="本周学情",
        monthly_review=monthly_review,
        created_by=chair or school.homeroom,
        **(parts if complete else {}),
    )
    for student in students:
        MeetingStudent.objects.create(meeting=m, student=student, analysis="作业拖欠")
    return m


def strategy(school, student, start: dt.date, *, level=Level.CLASS, meeting=None) -> Strategy:
    return Strategy.objects.create(
        student=student,
        term=school.term,
        level=level,
        problem="作业拖欠",
        action="每天放学前检查作业",
        owner=school.homeroom,
        start_date=start,
        review_date=start + dt.timedelta(days=14),
        meeting=meeting,
    )


def follow_up(school, strat, day: dt.date, result=FollowUp.Result.NO_CHANGE) -> FollowUp:
    return FollowUp.objects.create(
        strategy=strat, date=day, done="谈话一次", result=result, author=school.homeroom
    )


def observation(school, student, day: dt.date, *, psych=False, author=None) -> Observation:
    return Observation.objects.create(
        student=student,
        date=day,
        method=Observation.Method.TALK,
        content="心理测评显示焦虑" if psych else "课堂上主动举手",
        psychological=psych,
        author=author or school.homeroom,
    )


__all__ = ["Attention"]
