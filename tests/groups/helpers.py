"""Small builders for the groups tests: classes of students with exam results, groups."""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from groups.models import Membership, ScoreEntry, ScoreItem, StudyGroup
from schoolops.models import Exam, ExamResult, SchoolClass, Student
from tests import builders
from tests.workbooks import xlsx_bytes

ITEMS = [
    ("课前学案完成", 2, 1),
    ("课堂回答", 1, 2),
    ("质疑对抗", 2, 3),
    ("课后反思(三思)", 1, 4),
    ("纪律", -2, 5),
    ("表扬", 3, 6),
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "子涵浩然欣怡梓轩雨桐宇航诗琪俊杰思远佳怡一诺嘉懿"


def add_students(
    school_class: SchoolClass,
    count: int,
    *,
    seed: int = 1,
    with_results: bool = True,
    subjects=(),
) -> list[Student]:
    """Students with random names (``seed``) and, given ``subjects``, a 期中考试 result each."""
    rng = random.Random(seed)
    students = builders.add_students(
        school_class,
        count,
        start=0,
        number=f"9{{pk:03d}}{seed:02d}{{i:04d}}",
        name=lambda _i, draw: draw.choice(SURNAMES) + draw.choice(GIVEN) + draw.choice(GIVEN),
        rng=rng,  # the results below draw on from where the students' names left it
    )
    if with_results and subjects:
        exam, _ = Exam.objects.get_or_create(name="期中考试", date=dt.date(2026, 11, 10))
        ExamResult.objects.bulk_create(
            ExamResult(
                student=s,
                exam=exam,
                subject=subject,
                score=max(20, min(120, int(rng.gauss(85, 18)))),
            )
            for s in students
            for subject in subjects
        )
    return students


def make_groups(
    school_class, term, students, per_group: int = 4, confirmed: bool = True, start: int = 1
):
    groups = []
    now = timezone.now() if confirmed else None
    for number, offset in enumerate(range(0, len(students), per_group), start=start):
        group = StudyGroup.objects.create(
            term=term,
            school_class=school_class,
            number=number,
            name=f"飞翔{number}组",
            confirmed_at=now,
        )
        for seat, student in enumerate(students[offset : offset + per_group], start=1):
            Membership.objects.create(group=group, student=student, seat=seat, is_leader=seat == 1)
        groups.append(group)
    return groups


def item(name: str = "课堂回答") -> ScoreItem:
    """A rubric item (re-created if a transactional test flushed the seeded rubric)."""
    for item_name, points, order in ITEMS:
        ScoreItem.objects.get_or_create(name=item_name, defaults={"points": points, "order": order})
    return ScoreItem.objects.get(name=name)


def add_points(group, teacher, points: int, day: dt.date, count: int = 1) -> None:
    """Bulk entries straight into the table (for standings tests)."""
    term = group.term
    it = item()
    ScoreEntry.objects.bulk_create(
        ScoreEntry(
            group=group,
            school_class_id=group.school_class_id,
            term=term,
            item=it,
            points=points,
            teacher=teacher,
            day=day,
            week=term.week_number(day),
            month=day.replace(day=1),
        )
        for _ in range(count)
    )


SCORE_HEADERS = ["日期", "年级", "班级", "组名", "评分项", "分值", "记录人工号", "备注", "学籍号"]


def scores_workbook(rows) -> bytes:
    """The 学习委员's weekly score sheet (kind ``scores``) with these rows, as an upload."""
    return xlsx_bytes(SCORE_HEADERS, rows)
