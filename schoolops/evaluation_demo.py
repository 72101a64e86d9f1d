"""The demo school's term evaluation: the academic office's weights, the evaluation built from
every programme's demo figures, nominations with reasons (the office's, and homeroom teachers'
families and parents) and the published 优秀班级 and 优秀教师 (after the apps' demo steps)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from schoolops import awards, evaluation
from schoolops.models import (
    AwardCategory,
    AwardNomination,
    EvaluationLevel,
    EvaluationWeight,
    Post,
    SchoolClass,
    Staff,
)
from schoolops.registry import registry

# The academic office's weights (a part not named keeps its default).
WEIGHTS = {
    EvaluationLevel.CLASS: {
        "consult.score": 40,
        "groups.results": 30,
        "consult.questionnaires": 10,
        "consult.theme_meetings": 20,
    },
    EvaluationLevel.TEACHER: {
        "mentors.evaluation": 40,
        "consult.participation": 40,
        "consult.cases": 20,
    },
    EvaluationLevel.GRADE: {"schoolops.classes": 100},
}

CLASS_REASONS = [
    "学情会商扎实，学习互助小组活跃，班风学风优良。",
    "主题班会开展有序，问卷反馈积极，会商措施落实到位。",
]
TEACHER_REASONS = [
    "积极参与学情会商，跟进措施及时，导师工作深受学生好评。",
    "承担导师工作认真负责，成功案例获评委高分。",
    "会商出勤全勤，所负责措施均按期复查。",
]
FAMILY_REASONS = [
    ("family", "家长每周与班主任沟通，配合落实学习计划，孩子进步明显。"),
    ("parent", "家长主动参加家长会并分享家庭教育经验，热心班级事务。"),
]


def run(context: Any) -> None:
    term = context.term
    for level, weights in WEIGHTS.items():
        for key, weight in weights.items():
            EvaluationWeight.objects.update_or_create(
                level=level, key=key, defaults={"weight": Decimal(weight)}
            )
    office = (
        Staff.objects.filter(user__groups__name=Post.ACADEMIC_OFFICE).order_by("staff_no").first()
    )
    if office is None:
        return
    user = office.user
    snapshot = evaluation.build_and_keep(term, user)
    result = evaluation.read(snapshot)
    _office_nominations(term, result, user)
    _family_nominations(term, context)
    for category in (AwardCategory.CLASS, AwardCategory.TEACHER):
        nominations = AwardNomination.objects.filter(term=term, category=category)
        for nomination in nominations[:2]:
            awards.set_status(nomination, AwardNomination.Status.SELECTED)
        awards.publish(term, category, user=user)


def _office_nominations(term: Any, result: Any, user: Any) -> None:
    classes = {c.pk: c for c in SchoolClass.objects.filter(academic_year=term.academic_year_id)}
    firsts = [line for line in result.classes.lines if line.rank == 1]
    for i, line in enumerate(firsts):
        awards.nominate(
            term, AwardCategory.CLASS, classes[line.pk], CLASS_REASONS[i % 2], user=user
        )
    if result.grades.lines:
        top = result.grades.lines[0]
        grade = awards.office_targets(term, AwardCategory.GRADE, top.pk)
        awards.nominate(
            term, AwardCategory.GRADE, grade, "各班学情会商与互助小组工作整体领先。", user=user
        )
    staff = {
        s.pk: s for s in Staff.objects.filter(pk__in=[x.pk for x in result.teachers.lines[:3]])
    }
    for i, line in enumerate(result.teachers.lines[:3]):
        awards.nominate(term, AwardCategory.TEACHER, staff[line.pk], TEACHER_REASONS[i], user=user)
    for candidate in registry.candidates_for(term, AwardCategory.GROUP)[:2]:
        awards.nominate(
            term, AwardCategory.GROUP, candidate, "多次获评月度优秀小组，组员互帮互学。", user=user
        )


def _family_nominations(term: Any, context: Any) -> None:
    classes = (
        SchoolClass.objects.filter(
            academic_year=term.academic_year_id, homeroom_teacher__isnull=False
        )
        .select_related("homeroom_teacher__user")
        .order_by("grade__level", "number")[:2]
    )
    for school_class in classes:
        students = list(school_class.students.in_school().order_by("student_no")[:2])
        for student, (category, reason) in zip(students, FAMILY_REASONS, strict=False):
            awards.nominate(
                term, category, student, reason, user=school_class.homeroom_teacher.user
            )
