"""Study pairs (学习对子, 「也可以一对一」) and the teachers' student tags (issue 16).

A class's keepers form pairs in a subject, beside or instead of its groups: a stronger and a
weaker student (or a stronger and two weaker ones), suggested from the latest exam's scores
in the subject and changed at will. A pair is never edited in place: changing its members
ends it and forms a new one, so its points stay with the pair that earned them. The class's
teachers give a pair points: append-only entries of their own, apart from the groups' scores
and the monthly leaderboard.

Student tags (兴趣特长, 性格, 能力倾向) come from 教导处's short list; the class's homeroom
teacher sets them on its students; forming balances them. They are for teachers only: in the
sensitive register (a personal characterisation), never printed or exported.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from schoolops.models import Exam, ExamResult, SchoolClass, Staff, Student, Subject, Term

from . import forming
from .models import PairScore, StudentTag, StudentTagging, StudyPair

MAX_POINTS = 10


def class_students(school_class: SchoolClass) -> QuerySet[Student]:
    """The class's students in school, by student number."""
    return school_class.students.in_school().order_by("student_no")


def class_pairs(school_class: SchoolClass, term: Term) -> list[StudyPair]:
    """The class's running pairs of the term with their students and points (one query)."""
    return list(
        StudyPair.objects.active()
        .filter(school_class=school_class, term=term)
        .select_related("subject", "stronger", "weaker", "third")
        .annotate(total=Sum("scores__points"))
        .order_by("subject__order", "subject__name", "pk")
    )


@dataclass
class Suggestion:
    stronger: Student
    weaker: Student
    third: Student | None
    scores: dict[int, float]


def suggest(
    school_class: SchoolClass, subject: Subject
) -> tuple[list[Suggestion], list[Student], Exam | None]:
    """Pairs in ``subject`` from the latest exam the class sat in it: the suggestions, the
    students without a score (left for the teacher to place) and the exam (three queries)."""
    students = {s.pk: s for s in class_students(school_class)}
    exam = (
        Exam.objects.filter(results__student__school_class=school_class, results__subject=subject)
        .order_by("-date", "-pk")
        .first()
    )
    scores: dict[int, float] = {}
    if exam is not None:
        for student_id, score in ExamResult.objects.filter(
            exam=exam, subject=subject, student_id__in=list(students)
        ).values_list("student_id", "score"):
            scores[student_id] = float(score)
    suggestions = [
        Suggestion(students[a], students[b], students[c] if c is not None else None, scores=scores)
        for a, b, c in forming.suggest_pairs(scores)
    ]
    missing = [s for pk, s in students.items() if pk not in scores]
    return suggestions, missing, exam


def _check_rows(
    school_class: SchoolClass, rows: list[tuple[Student, Student, Student | None]]
) -> None:
    seen: set[int] = set()
    for row in rows:
        students = [s for s in row if s is not None]
        for student in students:
            if student.school_class_id != school_class.pk:
                raise ValidationError(_("%(name)s is not in this class.") % {"name": student.name})
            if student.pk in seen:
                raise ValidationError(
                    _("%(name)s is in more than one pair of the subject.") % {"name": student.name}
                )
            seen.add(student.pk)


@transaction.atomic
def form_pairs(
    school_class: SchoolClass,
    term: Term,
    subject: Subject,
    rows: list[tuple[Student, Student, Student | None]],
    by: Staff,
) -> list[StudyPair]:
    """The class's pairs in ``subject``: its running pairs in the subject end, these begin."""
    if not rows:
        raise ValidationError(_("Fill in at least one pair."))
    _check_rows(school_class, rows)
    now = timezone.now()
    StudyPair.objects.active().filter(school_class=school_class, term=term, subject=subject).update(
        ended_at=now
    )
    return [
        StudyPair.objects.create(
            term=term,
            school_class=school_class,
            subject=subject,
            stronger=stronger,
            weaker=weaker,
            third=third,
            formed_by=by,
            formed_at=now,
        )
        for stronger, weaker, third in rows
    ]


@transaction.atomic
def change_pair(
    pair: StudyPair, stronger: Student, weaker: Student, third: Student | None, by: Staff
) -> StudyPair:
    """New members for a pair: it ends and a new pair of the same subject begins (its points
    stay with the pair that earned them). A student may be in one pair of a subject."""
    pair = StudyPair.objects.select_for_update().get(pk=pair.pk)
    if pair.ended_at is not None:
        raise ValidationError(_("This pair has ended."))
    row = (stronger, weaker, third)
    _check_rows(pair.school_class, [row])
    ids = [s.pk for s in row if s is not None]
    clash = (
        StudyPair.objects.active()
        .filter(school_class=pair.school_class, term=pair.term, subject=pair.subject)
        .exclude(pk=pair.pk)
        .filter(Q(stronger__in=ids) | Q(weaker__in=ids) | Q(third__in=ids))
        .first()
    )
    if clash is not None:
        raise ValidationError(
            _("A student chosen is already in another pair of the subject: %(pair)s.")
            % {"pair": clash.names}
        )
    now = timezone.now()
    pair.ended_at = now
    pair.save(update_fields=["ended_at"])
    return StudyPair.objects.create(
        term=pair.term,
        school_class=pair.school_class,
        subject=pair.subject,
        stronger=stronger,
        weaker=weaker,
        third=third,
        formed_by=by,
        formed_at=now,
    )


def end_pair(pair: StudyPair) -> None:
    """The pair stops (its points stay)."""
    if pair.ended_at is not None:
        raise ValidationError(_("This pair has ended."))
    pair.ended_at = timezone.now()
    pair.save(update_fields=["ended_at"])


def add_points(pair: StudyPair, points: int, reason: str, teacher: Staff) -> PairScore:
    """A teacher's points for a running pair: a new entry (a mistake is put right by another)."""
    if pair.ended_at is not None:
        raise ValidationError(_("This pair has ended: it takes no more points."))
    if not points or abs(points) > MAX_POINTS:
        raise ValidationError(
            _("Points are between -%(max)s and %(max)s, and not 0.") % {"max": MAX_POINTS}
        )
    return PairScore.objects.create(pair=pair, points=points, reason=reason, teacher=teacher)


# Student tags.


def active_tags() -> list[StudentTag]:
    return list(StudentTag.objects.filter(is_active=True))


def class_tags(school_class: SchoolClass) -> dict[int, set[int]]:
    """The tags in use of each of the class's students (student id → tag ids; one query)."""
    tags: dict[int, set[int]] = defaultdict(set)
    for student_id, tag_id in StudentTagging.objects.filter(
        student__school_class=school_class, tag__is_active=True
    ).values_list("student_id", "tag_id"):
        tags[student_id].add(tag_id)
    return tags


@transaction.atomic
def set_tags(school_class: SchoolClass, chosen: dict[int, set[int]], by: Staff) -> tuple[int, int]:
    """Set the class's students' tags in use to ``chosen`` (student id → tag ids): new ones
    added, dropped ones removed (the change history keeps them). Returns (added, removed)."""
    students = set(class_students(school_class).values_list("pk", flat=True))
    if set(chosen) - students:
        raise ValidationError(_("A student chosen is not in this class."))
    current = class_tags(school_class)
    active = {t.pk for t in active_tags()}
    added = removed = 0
    for student_id in students:
        want = chosen.get(student_id, set()) & active
        have = current.get(student_id, set())
        for tag_id in want - have:
            StudentTagging.objects.create(student_id=student_id, tag_id=tag_id, set_by=by)
            added += 1
        gone = have - want
        if gone:
            # One by one, so that the change history records each removal.
            for tagging in StudentTagging.objects.filter(student_id=student_id, tag_id__in=gone):
                tagging.delete()
                removed += 1
    return added, removed
