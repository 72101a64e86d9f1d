"""The demo school's study pairs (学习对子) and the teachers' student tags (issue 16).

教导处's short list of tags; in the first classes, tags on about a third of the students
(set by the homeroom teacher) and the 数学 pairs formed from the latest exam as suggested
with three weeks of points from the subject teacher.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from schoolops.models import SchoolClass, TeachingAssignment

from . import pairs
from .models import PairScore, StudentTag, StudentTagging

CLASSES = 2
TAGS = [
    ("personality", "性格外向"),
    ("personality", "性格内向"),
    ("interest", "篮球特长"),
    ("interest", "书法特长"),
    ("interest", "音乐特长"),
    ("aptitude", "动手能力强"),
    ("aptitude", "逻辑思维强"),
    ("aptitude", "语言表达强"),
]
REASONS = [
    ("互讲错题，两人都订正完", 2),
    ("课前一起完成学案", 1),
    ("结对小测进步明显", 3),
    ("师傅耐心讲解勾股定理", 2),
    ("徒弟主动提问", 1),
    ("作业未互查", -1),
]


def run_demo(context: Any) -> None:
    rng = context.rng
    term = context.term
    tz = timezone.get_current_timezone()
    tags = [
        StudentTag.objects.get_or_create(name=name, defaults={"kind": kind, "order": n})[0]
        for n, (kind, name) in enumerate(TAGS, start=1)
    ]
    classes = list(
        SchoolClass.objects.filter(academic_year=context.year, homeroom_teacher__isnull=False)
        .select_related("grade", "homeroom_teacher")
        .order_by("grade__level", "number")[:CLASSES]
    )
    tagged = formed = scored = 0
    for school_class in classes:
        homeroom = school_class.homeroom_teacher
        students = list(pairs.class_students(school_class))
        for student in rng.sample(students, k=len(students) // 3):
            personality = tags[rng.randrange(2)]
            chosen = {personality, rng.choice(tags[2:])}
            for tag in chosen:
                StudentTagging.objects.create(student=student, tag=tag, set_by=homeroom)
                tagged += 1
        assignment = (
            TeachingAssignment.objects.filter(school_class=school_class, subject__name="数学")
            .select_related("subject", "staff")
            .first()
        )
        if assignment is None:
            continue
        suggestions, _missing, _exam = pairs.suggest(school_class, assignment.subject)
        rows = [(s.stronger, s.weaker, s.third) for s in suggestions]
        if not rows:
            continue
        made = pairs.form_pairs(school_class, term, assignment.subject, rows, homeroom)
        formed += len(made)
        for n, pair in enumerate(made):
            for week in range(3):
                reason, points = REASONS[(n + week) % len(REASONS)]
                entry = pairs.add_points(pair, points, reason, assignment.staff)
                at = dt.datetime.combine(
                    context.today - dt.timedelta(days=7 * week + n % 5), dt.time(17, 10), tzinfo=tz
                )
                PairScore.objects.filter(pk=entry.pk).update(created_at=at)
                scored += 1
    context.log(
        f"  groups: {tagged} student tags, {formed} study pairs with {scored} points entries "
        f"in {len(classes)} classes"
    )
