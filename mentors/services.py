"""Workflows of the mentor system: selection, matching, pairings, logs, compliance, evaluation."""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import BigIntegerField, Count, Exists, F, Func, OuterRef, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from mentors.matching import deferred_acceptance
from mentors.models import (
    Choice,
    EvaluationSettings,
    Exchange,
    GrowthRecord,
    MatchRun,
    MentorCapacity,
    MentorEvaluation,
    MentoringPlan,
    MentorRanking,
    MentorSettings,
    MonthlySummary,
    Pairing,
    ParentContact,
    PriorityStudent,
    StudentRating,
    TalkLog,
    TeacherRating,
)
from schoolops.calendar import monday_of, month_bounds
from schoolops.models import (
    AcademicYear,
    Grade,
    SchoolClass,
    Staff,
    Student,
    TeachingAssignment,
    Term,
)

HAND_ASSIGNED = "调剂"


# Eligibility and capacity.


def mentors_by_class(class_ids: Iterable[int]) -> dict[int, list[Staff]]:
    """The mentors of each class: its subject teachers in post, except its homeroom teacher,
    and except every homeroom teacher of the year unless the school's ``MentorSettings``
    lets homeroom teachers mentor other classes (one query, the setting read inside it)."""
    homeroom_elsewhere = Exists(
        SchoolClass.objects.filter(
            academic_year=OuterRef("school_class__academic_year"),
            homeroom_teacher=OuterRef("staff"),
        )
    )
    allowed = Exists(MentorSettings.objects.filter(homeroom_teachers_mentor=True))
    rows = (
        TeachingAssignment.objects.filter(school_class__in=list(class_ids))
        .exclude(staff_id=F("school_class__homeroom_teacher_id"))
        .exclude(homeroom_elsewhere & ~allowed)
        .filter(staff__status=Staff.Status.ACTIVE)
        .select_related("staff")
        .order_by("school_class_id", "subject__order", "staff__staff_no")
    )
    result: dict[int, list[Staff]] = defaultdict(list)
    for assignment in rows:
        mentors = result[assignment.school_class_id]
        if all(m.pk != assignment.staff_id for m in mentors):
            mentors.append(assignment.staff)
    return dict(result)


def default_capacity(class_size: int, mentor_count: int) -> int:
    """The class size divided by the number of the class's mentors, rounded up."""
    if mentor_count <= 0:
        return 0
    return math.ceil(class_size / mentor_count)


def capacities(
    classes: Sequence[SchoolClass],
    mentors: dict[int, list[Staff]],
    sizes: dict[int, int] | None = None,
) -> dict[tuple[int, int], int]:
    """Capacity of every (class, mentor): the academic office's figure, else the default.

    ``sizes`` (class id → students in school) when the caller has counted them already."""
    class_ids = [c.pk for c in classes]
    if sizes is None:
        sizes = dict(
            SchoolClass.objects.filter(pk__in=class_ids)
            .annotate(n=Count("students", filter=Q(students__status=Student.Status.IN_SCHOOL)))
            .values_list("pk", "n")
        )
    overrides = {
        (c.school_class_id, c.mentor_id): c.capacity
        for c in MentorCapacity.objects.filter(school_class__in=class_ids)
    }
    result = {}
    for class_id in class_ids:
        class_mentors = mentors.get(class_id, [])
        default = default_capacity(sizes.get(class_id, 0), len(class_mentors))
        for mentor in class_mentors:
            result[(class_id, mentor.pk)] = overrides.get((class_id, mentor.pk), default)
    return result


@transaction.atomic
def set_capacity(school_class: SchoolClass, mentor: Staff, capacity: int | None) -> None:
    """Set a mentor's capacity in a class; None goes back to the default."""
    if mentor.pk not in {
        m.pk for m in mentors_by_class([school_class.pk]).get(school_class.pk, [])
    }:
        raise ValidationError(_("%(name)s is not a mentor of this class.") % {"name": mentor.name})
    if capacity is None:
        MentorCapacity.objects.filter(school_class=school_class, mentor=mentor).delete()
        return
    if capacity < 0 or capacity > 100:
        raise ValidationError(_("A capacity is a whole number from 0 to 100."))
    MentorCapacity.objects.update_or_create(
        school_class=school_class, mentor=mentor, defaults={"capacity": capacity}
    )


@transaction.atomic
def set_capacities(school_class: SchoolClass, capacity: dict[int, int | None]) -> None:
    """Set the capacities of a class's mentors at once (mentor id → capacity, None: default)."""
    mentors = {m.pk: m for m in mentors_by_class([school_class.pk]).get(school_class.pk, [])}
    for mentor_id, value in capacity.items():
        if mentor_id not in mentors:
            raise ValidationError(_("A teacher is not a mentor of this class."))
        if value is not None and not 0 <= value <= 100:
            raise ValidationError(_("A capacity is a whole number from 0 to 100."))
    MentorCapacity.objects.filter(
        school_class=school_class,
        mentor__in=[m for m, value in capacity.items() if value is None],
    ).delete()
    existing = {c.mentor_id: c for c in school_class.mentor_capacities.all()}
    for mentor_id, value in capacity.items():
        if value is None:
            continue
        if mentor_id in existing:
            if existing[mentor_id].capacity != value:
                existing[mentor_id].capacity = value
                existing[mentor_id].save(update_fields=["capacity"])
        else:
            MentorCapacity.objects.create(
                school_class=school_class, mentor_id=mentor_id, capacity=value
            )


def selection_deadline(year: AcademicYear | None, known: Term | None = None) -> dt.date | None:
    """The last day of the first teaching week of the school year (双向选择 ends then).

    ``known`` is a term already loaded (e.g. ``scope.term``): when it is the year's autumn
    term, it and its holiday weeks are not fetched again.
    """
    if year is None:
        return None
    if known is not None and known.academic_year_id == year.pk and known.number == 1:
        term = known
    else:
        term = Term.objects.filter(academic_year=year, number=Term.Number.AUTUMN).first()
    if term is None:
        return None
    first = term.week(1)
    return first.last_day if first else None


# Students' choices.


@dataclass
class ClassChoices:
    """The choices page of a class, entered by its homeroom teacher."""

    choices: dict[int, list[int | None]]  # student id → [mentor id of choice 1, 2, 3]
    priority: set[int]


@transaction.atomic
def save_class_choices(
    school_class: SchoolClass,
    year: AcademicYear,
    entries: ClassChoices,
    by: Staff | None = None,
) -> int:
    """Replace the choices and priority marks of a class's students. Returns students with choices."""
    mentors = {m.pk for m in mentors_by_class([school_class.pk]).get(school_class.pk, [])}
    students = {s.pk: s for s in school_class.students.in_school().only("pk", "name", "student_no")}
    errors = []
    for student_id, mentor_ids in entries.choices.items():
        student = students.get(student_id)
        if student is None:
            errors.append(_("A student is not in this class."))
            continue
        given = [m for m in mentor_ids if m]
        if any(m not in mentors for m in given):
            errors.append(
                _("%(student)s: a choice is not a mentor of this class.")
                % {"student": student.name}
            )
        if len(set(given)) != len(given):
            errors.append(
                _("%(student)s: the same mentor is chosen twice.") % {"student": student.name}
            )
        if mentor_ids[: len(given)] != given:
            errors.append(
                _("%(student)s: fill the choices in order, first choice first.")
                % {"student": student.name}
            )
    if any(s not in students for s in entries.priority):
        errors.append(_("A student is not in this class."))
    if errors:
        raise ValidationError(errors)
    Choice.objects.filter(student__in=list(students), academic_year=year).delete()
    Choice.objects.bulk_create(
        Choice(student_id=student_id, academic_year=year, rank=rank, mentor_id=mentor_id)
        for student_id, mentor_ids in entries.choices.items()
        for rank, mentor_id in enumerate(mentor_ids, start=1)
        if mentor_id
    )
    _set_priority(list(students), entries.priority, year, by)
    return sum(1 for ids in entries.choices.values() if any(ids))


def _set_priority(
    student_ids: list[int], priority: set[int], year: AcademicYear, by: Staff | None
) -> None:
    existing = set(
        PriorityStudent.objects.filter(student__in=student_ids, academic_year=year).values_list(
            "student_id", flat=True
        )
    )
    # Row by row so that simple_history keeps who marked and unmarked whom.
    for item in PriorityStudent.objects.filter(student__in=existing - priority, academic_year=year):
        item.delete()
    for student_id in priority - existing:
        PriorityStudent.objects.create(student_id=student_id, academic_year=year, marked_by=by)


@dataclass
class SheetError:
    row: int
    message: str

    def __str__(self) -> str:
        return _("Row %(row)s: %(message)s") % {"row": self.row, "message": self.message}


def resolve_mentor(
    value: str, by_no: dict[str, Staff], by_name: dict[str, list[Staff]]
) -> Staff | str:
    """A mentor by 工号 or by name; returns an error message when that is not possible."""
    value = str(value).strip()
    if value in by_no:
        return by_no[value]
    named = by_name.get(value, [])
    if len(named) == 1:
        return named[0]
    if len(named) > 1:
        return _("The name %(name)s is shared by %(count)s teachers; give the staff number.") % {
            "name": value,
            "count": len(named),
        }
    return _("No teacher has the staff number or name %(value)s.") % {"value": value}


class PreferenceResolver:
    """Turns a sheet row (学籍号 and up to three mentors by 工号 or name) into choices.

    Loads the staff, the year's students and the classes' mentors once (three queries).
    """

    def __init__(self, year: AcademicYear) -> None:
        self.year = year
        staff = list(Staff.objects.all())
        self.by_no = {s.staff_no: s for s in staff}
        self.by_name: dict[str, list[Staff]] = defaultdict(list)
        for s in staff:
            self.by_name[s.name].append(s)
        self.students = {
            s.student_no: s
            for s in Student.objects.in_school()
            .filter(school_class__academic_year=year)
            .select_related("school_class__grade")
        }
        self.mentors = mentors_by_class({s.school_class_id for s in self.students.values()})

    def resolve(
        self, student_no: str, values: Sequence[str]
    ) -> tuple[Student | None, list[int | None], list[tuple[int, str]]]:
        """The student, the mentor ids in order, and errors as (column 0-3, message)."""
        errors: list[tuple[int, str]] = []
        student = self.students.get(student_no)
        if student is None:
            errors.append(
                (0, _("No student in school this year has the number %(no)s.") % {"no": student_no})
            )
            return None, [], errors
        eligible = {m.pk for m in self.mentors.get(student.school_class_id, [])}
        chosen: list[int | None] = []
        for column, value in enumerate(values, start=1):
            value = (value or "").strip()
            if not value:
                chosen.append(None)
                continue
            mentor = resolve_mentor(value, self.by_no, self.by_name)
            if isinstance(mentor, str):
                errors.append((column, mentor))
                chosen.append(None)
            elif mentor.pk not in eligible:
                errors.append(
                    (
                        column,
                        _("%(name)s is not a mentor of %(class)s.")
                        % {"name": mentor.name, "class": student.school_class},
                    )
                )
                chosen.append(None)
            else:
                chosen.append(mentor.pk)
        given = [m for m in chosen if m]
        if not errors:
            if len(set(given)) != len(given):
                errors.append((1, _("The same mentor is chosen twice.")))
            elif chosen[: len(given)] != given:
                errors.append((1, _("Fill the choices in order, first choice first.")))
        return student, chosen, errors


def apply_preferences(year: AcademicYear, parsed: dict[int, list[int | None]]) -> tuple[int, int]:
    """Replace the choices of these students. Returns (students new, students changed)."""
    before: dict[int, list[int | None]] = defaultdict(lambda: [None, None, None])
    for student_id, rank, mentor_id in Choice.objects.filter(
        student__in=list(parsed), academic_year=year
    ).values_list("student_id", "rank", "mentor_id"):
        before[student_id][rank - 1] = mentor_id
    new = sum(1 for student_id in parsed if student_id not in before)
    changed = sum(
        1
        for student_id, chosen in parsed.items()
        if student_id in before and before[student_id] != list(chosen) + [None] * (3 - len(chosen))
    )
    Choice.objects.filter(student__in=list(parsed), academic_year=year).delete()
    Choice.objects.bulk_create(
        Choice(student_id=student_id, academic_year=year, rank=rank, mentor_id=mentor_id)
        for student_id, chosen in parsed.items()
        for rank, mentor_id in enumerate(chosen, start=1)
        if mentor_id
    )
    return new, changed


@transaction.atomic
def import_preferences(
    rows: Sequence[Sequence[object]], year: AcademicYear, first_row: int = 2
) -> int:
    """Load 学籍号 | 第一志愿 | 第二志愿 | 第三志愿 rows; all or nothing, errors name the row.

    A mentor is given by 工号 or name. Returns the number of students whose choices were set.
    ``import_sheet preferences`` does the same from an Excel file (``mentors.sheets``).
    """
    resolver = PreferenceResolver(year)
    errors: list[SheetError] = []
    parsed: dict[int, list[int | None]] = {}
    for offset, row in enumerate(rows):
        line = first_row + offset
        cells = [("" if c is None else str(c).strip()) for c in list(row)[:4]]
        cells += [""] * (4 - len(cells))
        if not any(cells):
            continue
        student, chosen, row_errors = resolver.resolve(cells[0], cells[1:])
        errors.extend(SheetError(line, message) for _column, message in row_errors)
        if student is not None and student.pk in parsed:
            errors.append(
                SheetError(line, _("The student %(no)s appears twice.") % {"no": cells[0]})
            )
        elif student is not None:
            parsed[student.pk] = chosen
    if errors:
        raise ValidationError([str(e) for e in errors])
    apply_preferences(year, parsed)
    return len(parsed)


# Mentors' side.


@transaction.atomic
def save_rankings(
    mentor: Staff,
    year: AcademicYear,
    entries: dict[int, tuple[int | None, bool]],
) -> None:
    """Set a mentor's rank (or decline) of each of their applicants."""
    applicants = set(
        Choice.objects.filter(mentor=mentor, academic_year=year).values_list(
            "student_id", flat=True
        )
    )
    if any(student_id not in applicants for student_id in entries):
        raise ValidationError(_("You can only rank students who chose you."))
    positions = [p for p, declined in entries.values() if p is not None and not declined]
    if len(set(positions)) != len(positions):
        raise ValidationError(_("Two applicants have the same rank; give each its own."))
    MentorRanking.objects.filter(
        mentor=mentor, academic_year=year, student__in=list(entries)
    ).delete()
    MentorRanking.objects.bulk_create(
        MentorRanking(
            mentor=mentor,
            student_id=student_id,
            academic_year=year,
            position=None if declined else position,
            declined=declined,
        )
        for student_id, (position, declined) in entries.items()
        if declined or position is not None
    )


def applicant_order(
    applicants: list[tuple[int, str, int, bool]],
    ranking: dict[int, tuple[int | None, bool]],
) -> list[int]:
    """A mentor's order of applicants (student ids); declined ones are left out.

    ``applicants`` holds (student id, 学籍号, the student's rank of this mentor, priority).
    The mentor's own ranking comes first; the rest follow the default priority: priority
    students, then students who ranked the mentor higher, then 学籍号 in text order.
    """
    kept = []
    for student_id, student_no, choice_rank, priority in applicants:
        position, declined = ranking.get(student_id, (None, False))
        if declined:
            continue
        key = (
            0 if position is not None else 1,
            position or 0,
            0 if priority else 1,
            choice_rank,
            student_no,
        )
        kept.append((key, student_id))
    kept.sort()
    return [student_id for _key, student_id in kept]


# Matching.


@dataclass
class MatchOutcome:
    student: Student
    mentor: Staff | None
    choice_rank: int | None
    had_choices: bool


@dataclass
class MatchPreview:
    grade: Grade
    year: AcademicYear
    outcomes: list[MatchOutcome]
    fingerprint: str
    already_paired: int = 0
    by_choice: dict[str, int] = field(default_factory=dict)

    @property
    def matched(self) -> list[MatchOutcome]:
        return [o for o in self.outcomes if o.mentor is not None]

    @property
    def unmatched(self) -> list[MatchOutcome]:
        return [o for o in self.outcomes if o.mentor is None]


def match_instance(
    grade: Grade, year: AcademicYear
) -> tuple[
    dict[int, list[tuple[int, int]]],
    dict[tuple[int, int], dict[int, int]],
    dict[tuple[int, int], int],
    dict[int, Student],
    dict[int, Staff],
    int,
    dict[tuple[int, tuple[int, int]], int],
]:
    """Build the matching instance of a grade from the database (a fixed number of queries).

    Students already paired this year are left out; their pairings use up capacity. The last
    item maps (student, post) to the 志愿 number the student gave it.
    """
    classes = list(SchoolClass.objects.filter(grade=grade, academic_year=year))
    mentors = mentors_by_class([c.pk for c in classes])
    capacity = capacities(classes, mentors)
    staff = {m.pk: m for class_mentors in mentors.values() for m in class_mentors}
    paired_counts = (
        Pairing.objects.active()
        .filter(academic_year=year, school_class__in=classes)
        .values_list("school_class_id", "mentor_id")
        .annotate(n=Count("pk"))
    )
    for class_id, mentor_id, n in paired_counts:
        key = (class_id, mentor_id)
        if key in capacity:
            capacity[key] = max(0, capacity[key] - n)
    paired = set(
        Pairing.objects.active()
        .filter(academic_year=year, school_class__in=classes)
        .values_list("student_id", flat=True)
    )
    students = {
        s.pk: s
        for s in Student.objects.in_school()
        .filter(school_class__in=classes)
        .exclude(pk__in=paired)
        .select_related("school_class__grade")
        .order_by("student_no")
    }
    priority = set(
        PriorityStudent.objects.filter(
            student__school_class__in=classes, academic_year=year
        ).values_list("student_id", flat=True)
    )
    # A pairing ended this year (未见成效, a post change…) is not made again by a later
    # round: that mentor is out of the student's choices (a hand assignment may, with a reason).
    ended = set(
        Pairing.objects.filter(
            academic_year=year, school_class__in=classes, ended_on__isnull=False
        ).values_list("student_id", "mentor_id")
    )
    student_prefs: dict[int, list[tuple[int, int]]] = {s: [] for s in students}
    chosen_rank: dict[tuple[int, tuple[int, int]], int] = {}
    applicants: dict[tuple[int, int], list[tuple[int, str, int, bool]]] = defaultdict(list)
    for student_id, mentor_id, rank in (
        Choice.objects.filter(student__school_class__in=classes, academic_year=year)
        .order_by("student_id", "rank")
        .values_list("student_id", "mentor_id", "rank")
    ):
        student = students.get(student_id)
        if student is None:
            continue  # already paired, or no longer in school
        post = (student.school_class_id, mentor_id)
        if post not in capacity:
            continue  # the teacher no longer mentors this class
        if (student_id, mentor_id) in ended:
            continue
        student_prefs[student_id].append(post)
        chosen_rank[(student_id, post)] = rank
        applicants[post].append((student_id, student.student_no, rank, student_id in priority))
    rankings: dict[int, dict[int, tuple[int | None, bool]]] = defaultdict(dict)
    for mentor_id, student_id, position, declined in MentorRanking.objects.filter(
        student__school_class__in=classes, academic_year=year
    ).values_list("mentor_id", "student_id", "position", "declined"):
        rankings[mentor_id][student_id] = (position, declined)
    post_rank = {
        post: {
            student_id: i
            for i, student_id in enumerate(applicant_order(people, rankings.get(post[1], {})))
        }
        for post, people in applicants.items()
    }
    return student_prefs, post_rank, capacity, students, staff, len(paired), chosen_rank


def preview_matching(grade: Grade, year: AcademicYear) -> MatchPreview:
    """Run the matching of a grade without saving it."""
    student_prefs, post_rank, capacity, students, staff, already, chosen_rank = match_instance(
        grade, year
    )
    result = deferred_acceptance(student_prefs, post_rank, capacity)
    outcomes = []
    by_choice: dict[str, int] = defaultdict(int)
    for student_id, student in students.items():
        post = result.get(student_id)
        rank = chosen_rank[(student_id, post)] if post else None
        by_choice[str(rank) if rank else "-"] += 1
        outcomes.append(
            MatchOutcome(
                student=student,
                mentor=staff[post[1]] if post else None,
                choice_rank=rank,
                had_choices=bool(student_prefs[student_id]),
            )
        )
    digest = hashlib.sha256(
        repr(sorted((s, p) for s, p in result.items())).encode() + repr(sorted(students)).encode()
    ).hexdigest()[:16]
    return MatchPreview(grade, year, outcomes, digest, already, dict(by_choice))


@transaction.atomic
def publish_matching(
    grade: Grade,
    year: AcademicYear,
    by: Staff | None = None,
    fingerprint: str | None = None,
    on: dt.date | None = None,
) -> MatchRun:
    """Run the matching of a grade and publish its pairings.

    With ``fingerprint`` (from the preview), refuse when the choices changed since.
    """
    preview = preview_matching(grade, year)
    if fingerprint is not None and fingerprint != preview.fingerprint:
        raise ValidationError(
            _("The choices or rankings changed after the preview. Look at the new preview first.")
        )
    on = on or timezone.localdate()
    run = MatchRun.objects.create(
        grade=grade,
        academic_year=year,
        run_by=by,
        matched=len(preview.matched),
        unmatched=len(preview.unmatched),
    )
    # In bulk, with a history row per pairing naming who published it.
    bulk_create_with_history(
        [
            Pairing(
                student=o.student,
                mentor=o.mentor,
                academic_year=year,
                school_class_id=o.student.school_class_id,
                choice_rank=o.choice_rank,
                match_run=run,
                started_on=on,
                created_by=by,
            )
            for o in preview.matched
        ],
        Pairing,
        batch_size=2000,
        default_user=by.user if by is not None else None,
    )
    return run


# Pairings.


@transaction.atomic
def assign_by_hand(
    student: Student,
    mentor: Staff,
    year: AcademicYear,
    by: Staff | None = None,
    reason: str = "",
    on: dt.date | None = None,
) -> Pairing:
    """Pair an unmatched student with a mentor of their class (调剂)."""
    class_id = student.school_class_id
    mentors = mentors_by_class([class_id]).get(class_id, [])
    if mentor.pk not in {m.pk for m in mentors}:
        raise ValidationError(
            _("%(name)s is not a mentor of the student's class.") % {"name": mentor.name}
        )
    if Pairing.objects.active().filter(student=student, academic_year=year).exists():
        raise ValidationError(
            _("%(student)s already has a mentor this year.") % {"student": student.name}
        )
    school_class = SchoolClass.objects.get(pk=class_id)
    cap = capacities([school_class], {class_id: mentors})[(class_id, mentor.pk)]
    taken = (
        Pairing.objects.active()
        .filter(academic_year=year, mentor=mentor, school_class_id=class_id)
        .count()
    )
    reason = reason.strip()
    if taken >= cap and not reason:
        raise ValidationError(
            _("%(name)s is full (%(taken)s of %(cap)s); give a reason to go over capacity.")
            % {"name": mentor.name, "taken": taken, "cap": cap}
        )
    ended_before = (
        Pairing.objects.filter(student=student, mentor=mentor, academic_year=year)
        .exclude(ended_on=None)
        .exists()
    )
    if ended_before and not reason:
        raise ValidationError(
            _(
                "The pairing of %(student)s with %(name)s was ended earlier this year; give a "
                "reason to pair them again."
            )
            % {"student": student.name, "name": mentor.name}
        )
    try:
        with transaction.atomic():
            return Pairing.objects.create(
                student=student,
                mentor=mentor,
                academic_year=year,
                school_class_id=class_id,
                choice_rank=None,
                over_capacity_reason=reason if taken >= cap or ended_before else "",
                started_on=on or timezone.localdate(),
                created_by=by,
            )
    except IntegrityError:
        # Someone else paired the student a moment ago.
        raise ValidationError(
            _("%(student)s already has a mentor this year.") % {"student": student.name}
        ) from None


@transaction.atomic
def end_pairing(
    pairing: Pairing, reason: str, note: str = "", on: dt.date | None = None
) -> Pairing:
    """End a pairing early; a reason is required and the record is kept."""
    if pairing.ended_on is not None:
        raise ValidationError(_("This pairing has already ended."))
    if reason not in Pairing.EndReason.values:
        raise ValidationError(_("Choose why the pairing ends."))
    on = on or timezone.localdate()
    if on < pairing.started_on:
        raise ValidationError(_("A pairing cannot end before it started."))
    pairing.ended_on = on
    pairing.end_reason = reason
    pairing.end_note = note.strip()
    pairing.save(update_fields=["ended_on", "end_reason", "end_note"])
    return pairing


def _request_user():
    """The logged-in user whose request is saving (the admin), for the history rows."""
    from simple_history.models import HistoricalRecords

    request = getattr(HistoricalRecords.context, "request", None)
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


def end_stale_pairings(
    *,
    staff_ids: Iterable[int] = (),
    student_ids: Iterable[int] = (),
    class_ids: Iterable[int] = (),
    on: dt.date | None = None,
) -> list[Pairing]:
    """End the active pairings of these mentors, students or classes that no longer hold.

    A pairing ends, with today's date and the matching reason, when its mentor left the school
    (``LEFT``), when the mentor no longer mentors the pairing's class — no teaching assignment
    there any more, or made its homeroom teacher (``POST_CHANGE``) — or when the student left the
    class: transferred, graduated, or moved to another class of the same school year
    (``STUDENT_LEFT``; a move into next year's class is the rollover, not a departure). The
    record and its history are kept; the student then waits, unmatched, for the homeroom
    teacher to assign a new mentor. Pairings of a school year that is over are left alone.
    Returns the pairings ended (a fixed number of queries).
    """
    condition = Q(pk__in=[])
    for lookup, ids in (
        ("mentor__in", staff_ids),
        ("student__in", student_ids),
        ("school_class__in", class_ids),
    ):
        ids = sorted(set(ids))
        if ids:
            condition |= Q(**{lookup: ids})
    on = on or timezone.localdate()
    pairings = list(
        Pairing.objects.active()
        .filter(condition, academic_year__end_date__gte=on)
        .select_related("mentor", "student__school_class")
    )
    if not pairings:
        return []
    mentors = mentors_by_class({p.school_class_id for p in pairings})
    ended = []
    for pairing in pairings:
        student = pairing.student
        if pairing.mentor.status == Staff.Status.LEFT:
            reason = Pairing.EndReason.LEFT
        elif student.status != Student.Status.IN_SCHOOL or (
            student.school_class_id != pairing.school_class_id
            and student.school_class.academic_year_id == pairing.academic_year_id
        ):
            reason = Pairing.EndReason.STUDENT_LEFT
        elif pairing.mentor_id not in {m.pk for m in mentors.get(pairing.school_class_id, [])}:
            reason = Pairing.EndReason.POST_CHANGE
        else:
            continue
        pairing.ended_on = max(on, pairing.started_on)
        pairing.end_reason = reason
        pairing.end_note = _("Ended automatically when the roster changed.")
        ended.append(pairing)
    if ended:
        bulk_update_with_history(
            ended,
            Pairing,
            ["ended_on", "end_reason", "end_note"],
            batch_size=500,
            default_user=_request_user(),
        )
    return ended


def suggest_reassignment(
    mentor: Staff, year: AcademicYear
) -> list[tuple[Pairing, list[Staff], Staff | None]]:
    """For each active mentee of ``mentor``: the other mentors of the class and the one with most room."""
    pairings = list(
        Pairing.objects.active()
        .filter(mentor=mentor, academic_year=year)
        .select_related("student", "school_class__grade")
        .order_by("school_class_id", "student__student_no")
    )
    class_ids = {p.school_class_id for p in pairings}
    classes = list(SchoolClass.objects.filter(pk__in=class_ids))
    mentors = mentors_by_class(class_ids)
    cap = capacities(classes, mentors)
    load = defaultdict(int)
    for class_id, mentor_id, n in (
        Pairing.objects.active()
        .filter(academic_year=year, school_class__in=class_ids)
        .values_list("school_class_id", "mentor_id")
        .annotate(n=Count("pk"))
    ):
        load[(class_id, mentor_id)] = n
    result = []
    for pairing in pairings:
        others = [m for m in mentors.get(pairing.school_class_id, []) if m.pk != mentor.pk]
        best = None
        if others:
            best = max(
                others,
                key=lambda m: (
                    cap.get((pairing.school_class_id, m.pk), 0)
                    - load[(pairing.school_class_id, m.pk)]
                ),
            )
            load[(pairing.school_class_id, best.pk)] += 1
        result.append((pairing, others, best))
    return result


@transaction.atomic
def reassign_mentees(
    mentor: Staff,
    year: AcademicYear,
    reason: str,
    new_mentors: dict[int, int],
    note: str = "",
    by: Staff | None = None,
    on: dt.date | None = None,
) -> list[Pairing]:
    """End every active pairing of a leaving mentor and pair each mentee anew, in one step.

    ``new_mentors`` maps pairing id → the new mentor's id (a mentor of the same class).
    """
    on = on or timezone.localdate()
    pairings = list(
        Pairing.objects.active()
        .filter(mentor=mentor, academic_year=year)
        .select_related("student")
        .select_for_update()
    )
    mentors = mentors_by_class({p.school_class_id for p in pairings})
    errors = []
    for pairing in pairings:
        new_id = new_mentors.get(pairing.pk)
        allowed = {m.pk for m in mentors.get(pairing.school_class_id, [])} - {mentor.pk}
        if new_id not in allowed:
            errors.append(
                _("%(student)s: choose another mentor of the class.")
                % {"student": pairing.student.name}
            )
    if errors:
        raise ValidationError(errors)
    created = []
    for pairing in pairings:
        end_pairing(pairing, reason, note, on)
        created.append(
            Pairing.objects.create(
                student=pairing.student,
                mentor_id=new_mentors[pairing.pk],
                academic_year=year,
                school_class_id=pairing.school_class_id,
                choice_rank=None,
                started_on=on,
                created_by=by,
            )
        )
    return created


# A mentee's file.


@transaction.atomic
def save_plan(pairing: Pairing, **fields: str) -> MentoringPlan:
    plan, _created = MentoringPlan.objects.get_or_create(pairing=pairing)
    for name, value in fields.items():
        setattr(plan, name, value)
    plan.save()
    return plan


def _check_date(pairing: Pairing, day: dt.date) -> None:
    if day > timezone.localdate():
        raise ValidationError(_("The date is in the future."))
    if day < pairing.started_on or (pairing.ended_on and day > pairing.ended_on):
        raise ValidationError(_("The date is outside the pairing."))


@transaction.atomic
def log_talk(
    pairing: Pairing, day: dt.date, topic: str, content: str, follow_up: str = ""
) -> TalkLog:
    if not pairing.is_active:
        raise ValidationError(_("This pairing has ended."))
    _check_date(pairing, day)
    return TalkLog.objects.create(
        pairing=pairing, date=day, topic=topic, content=content, follow_up=follow_up
    )


@transaction.atomic
def log_parent_contact(pairing: Pairing, day: dt.date, method: str, content: str) -> ParentContact:
    if not pairing.is_active:
        raise ValidationError(_("This pairing has ended."))
    _check_date(pairing, day)
    return ParentContact.objects.create(pairing=pairing, date=day, method=method, content=content)


@transaction.atomic
def add_growth_record(
    pairing: Pairing, day: dt.date, content: str, by: Staff | None
) -> GrowthRecord:
    _check_date(pairing, day)
    return GrowthRecord.objects.create(pairing=pairing, date=day, content=content, written_by=by)


def draft_monthly_summary(pairing: Pairing, month: dt.date) -> str:
    """A draft of the month's summary from the month's talk logs, for the mentor to edit."""
    first, last = month_bounds(month)
    talks = list(pairing.talks.filter(date__range=(first, last)).order_by("date", "pk"))
    if not talks:
        return _("No talk was logged in %(month)s.") % {"month": f"{first:%Y-%m}"}
    lines = [_("%(count)s talks in %(month)s.") % {"count": len(talks), "month": f"{first:%Y-%m}"}]
    for talk in talks:
        line = f"{talk.date:%m-%d} {talk.topic}：{talk.content.strip()}"
        if talk.follow_up.strip():
            line += " " + _("Follow-up: %(text)s") % {"text": talk.follow_up.strip()}
        lines.append(line)
    return "\n".join(lines)


@transaction.atomic
def save_monthly_summary(pairing: Pairing, month: dt.date, text: str) -> MonthlySummary:
    first, _last = month_bounds(month)
    if first > timezone.localdate():
        raise ValidationError(_("This month has not begun."))
    summary, _created = MonthlySummary.objects.update_or_create(
        pairing=pairing, month=first, defaults={"text": text}
    )
    return summary


@transaction.atomic
def record_exchange(
    school_class: SchoolClass,
    day: dt.date,
    notes: str,
    *,
    held_as_class_meeting: bool = False,
    mentors: Sequence[Staff] = (),
    students: Sequence[Student] = (),
    by: Staff | None = None,
) -> Exchange:
    """Record the weekly homeroom–mentor exchange on the class's students."""
    if any(s.school_class_id != school_class.pk for s in students):
        raise ValidationError(_("A student is not in this class."))
    exchange = Exchange.objects.create(
        school_class=school_class,
        date=day,
        notes=notes,
        held_as_class_meeting=held_as_class_meeting,
        recorded_by=by,
    )
    exchange.mentors.set(mentors)
    exchange.students.set(students)
    return exchange


# Compliance.


@dataclass
class Compliance:
    weeks_expected: int = 0
    weeks_missed: int = 0
    months_expected: int = 0
    months_missed: int = 0
    talks: int = 0
    contacts: int = 0
    mentees: int = 0

    def add(self, other: Compliance) -> None:
        self.weeks_expected += other.weeks_expected
        self.weeks_missed += other.weeks_missed
        self.months_expected += other.months_expected
        self.months_missed += other.months_missed
        self.talks += other.talks
        self.contacts += other.contacts
        self.mentees += other.mentees

    @property
    def talk_rate(self) -> int | None:
        if not self.weeks_expected:
            return None
        return round(100 * (self.weeks_expected - self.weeks_missed) / self.weeks_expected)


def term_months(term: Term) -> list[tuple[dt.date, dt.date]]:
    """The term's months, clipped to the term."""
    result = []
    for month in term.months():
        first, last = month_bounds(month)
        result.append((max(first, term.start_date), min(last, term.end_date)))
    return result


class WeekBit(Func):
    """2 ** (whole calendar weeks from ``monday`` to the date): the bit of the date's week.

    Plain arithmetic, where a CASE over every week of the term costs the database several
    times more on a school's term of talks."""

    output_field = BigIntegerField()

    def __init__(self, expression, monday: dt.date) -> None:
        super().__init__(expression)
        self.monday = monday

    def as_sqlite(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        return (
            f"(1 << CAST((julianday({sql}) - julianday(%s)) / 7 AS INTEGER))",
            [*params, self.monday.isoformat()],
        )

    def as_postgresql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"(CAST(1 AS bigint) << (({sql} - %s::date) / 7))", [*params, self.monday]

    def as_sql(self, compiler, connection, **extra_context):
        raise NotImplementedError("WeekBit supports SQLite and PostgreSQL")


class MonthBit(Func):
    """2 ** (calendar months from ``first`` to the date): the bit of the date's month."""

    output_field = BigIntegerField()

    def __init__(self, expression, first: dt.date) -> None:
        super().__init__(expression)
        self.base = first.year * 12 + first.month - 1

    def as_sqlite(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        month = f"(CAST(strftime('%%Y', {sql}) AS INTEGER) * 12 + CAST(strftime('%%m', {sql}) AS INTEGER) - 1)"
        return f"(1 << ({month} - %s))", [*params, *params, self.base]

    def as_postgresql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        month = f"(CAST(EXTRACT(YEAR FROM {sql}) AS integer) * 12 + CAST(EXTRACT(MONTH FROM {sql}) AS integer) - 1)"
        return f"(CAST(1 AS bigint) << ({month} - %s))", [*params, *params, self.base]

    def as_sql(self, compiler, connection, **extra_context):
        raise NotImplementedError("MonthBit supports SQLite and PostgreSQL")


def _figures(
    pairings: Sequence, term: Term, today: dt.date, by_id_up_to: int = 300
) -> list[tuple[int, ...]]:
    """Per pairing, in order: (weeks expected, weeks missed, months expected, months missed,
    talks, parent contacts). See ``pairing_compliance``; three queries."""
    first_monday = monday_of(term.start_date)
    weeks = [
        (w.first_day, w.last_day, (w.monday - first_monday).days // 7)
        for w in term.teaching_weeks()
        if w.last_day < today
    ]
    first_month = term.start_date.replace(day=1)
    months = [
        (a, b, (a.year - first_month.year) * 12 + a.month - first_month.month)
        for a, b in term_months(term)
        if b < today
    ]
    ids = [p.pk for p in pairings]
    # A long list of ids costs more to send than reading every row of the term's dates (rows
    # of pairings not asked for are simply not looked up).
    of_pairings = Q(pairing__in=ids) if len(ids) <= by_id_up_to else Q()
    in_term = Q(date__range=(term.start_date, term.end_date))

    def per_pairing(model, mask) -> dict[int, tuple[int, int]]:
        rows = (
            model.objects.filter(of_pairings, in_term)
            .order_by()
            .values("pairing_id")
            .annotate(n=Count("pk"), mask=mask)
            .values_list("pairing_id", "n", "mask")
        )
        return {pairing_id: (n, mask or 0) for pairing_id, n, mask in rows}

    # A talk's bit is its calendar week's (counted from the term's first Monday); a contact's
    # its month's. Holiday weeks and weeks not over have bits too, but no pairing covers them.
    talks = per_pairing(TalkLog, Sum(WeekBit("date", first_monday), distinct=True))
    contacts = per_pairing(ParentContact, Sum(MonthBit("date", first_month), distinct=True))
    covered: dict[tuple[dt.date, dt.date | None], tuple[int, int, int, int]] = {}
    never = dt.date.max
    nothing = (0, 0)
    result = []
    for p in pairings:
        key = (p.started_on, p.ended_on)
        masks = covered.get(key)
        if masks is None:
            start, end = p.started_on, p.ended_on or never
            week_mask = sum(1 << bit for a, b, bit in weeks if start <= a and end >= b)
            month_mask = sum(1 << bit for a, b, bit in months if start <= a and end >= b)
            masks = covered[key] = (
                week_mask,
                week_mask.bit_count(),
                month_mask,
                month_mask.bit_count(),
            )
        week_mask, weeks_expected, month_mask, months_expected = masks
        talk_n, talked = talks.get(p.pk, nothing)
        contact_n, contacted = contacts.get(p.pk, nothing)
        result.append(
            (
                weeks_expected,
                (week_mask & ~talked).bit_count(),
                months_expected,
                (month_mask & ~contacted).bit_count(),
                talk_n,
                contact_n,
            )
        )
    return result


def pairing_compliance(
    pairings: Sequence[Pairing], term: Term, today: dt.date
) -> dict[int, Compliance]:
    """Teaching weeks without a talk and months without a parent contact, per pairing.

    Only weeks and months that are over and that the pairing covered whole count; holiday
    weeks are not teaching weeks and never count. Three queries whatever the data: the
    database reduces each pairing's talks to a count and a bit mask of the weeks that had one
    (and its contacts likewise per month), so a whole school's term is a few thousand rows.
    """
    return {
        p.pk: Compliance(*figures, mentees=1)
        for p, figures in zip(pairings, _figures(pairings, term, today), strict=True)
    }


def term_pairings(term: Term):
    """Pairings of the term's year that overlap the term."""
    return Pairing.objects.filter(academic_year=term.academic_year_id).filter(
        Q(ended_on__isnull=True) | Q(ended_on__gte=term.start_date),
        started_on__lte=term.end_date,
    )


@dataclass(frozen=True)
class PairingSpan:
    """What compliance needs of a pairing (``pairing_compliance`` takes these or pairings)."""

    pk: int
    mentor_id: int
    started_on: dt.date
    ended_on: dt.date | None


def mentor_compliance(
    term: Term, today: dt.date, mentor_ids: Iterable[int] | None = None, by_id_up_to: int = 300
) -> dict[int, Compliance]:
    """Compliance summed per mentor over the term's pairings (``by_id_up_to``: see ``_figures``;
    a page of a few mentors looks their pairings up by id however many mentees they have)."""
    pairings = term_pairings(term)
    if mentor_ids is not None:
        pairings = pairings.filter(mentor__in=list(mentor_ids))
    # Plain rows: a school's term is thousands of pairings, and only four columns matter.
    pairings = [
        PairingSpan(*row)
        for row in pairings.values_list("pk", "mentor_id", "started_on", "ended_on")
    ]
    totals: dict[int, list[int]] = {}
    for p, figures in zip(pairings, _figures(pairings, term, today, by_id_up_to), strict=True):
        total = totals.get(p.mentor_id)
        if total is None:
            totals[p.mentor_id] = [*figures, 1]
        else:
            for i, value in enumerate(figures):
                total[i] += value
            total[6] += 1
    return {mentor_id: Compliance(*total) for mentor_id, total in totals.items()}


def with_due(pairings, today: dt.date):
    """Annotate ``talk_due`` (no talk this week) and ``contact_due`` (no parent contact this
    month) on a queryset of pairings: the same figures as ``due_this_week``, in its query."""
    monday = monday_of(today)
    first, last = month_bounds(today)
    return pairings.annotate(
        talk_due=~Exists(
            TalkLog.objects.filter(
                pairing=OuterRef("pk"), date__range=(monday, monday + dt.timedelta(days=6))
            )
        ),
        contact_due=~Exists(
            ParentContact.objects.filter(pairing=OuterRef("pk"), date__range=(first, last))
        ),
    )


def due_this_week(pairing_ids: Sequence[int], today: dt.date) -> tuple[set[int], set[int]]:
    """Of these pairings: those without a talk this week and those without a parent contact this month."""
    monday = monday_of(today)
    talked = set(
        TalkLog.objects.filter(
            pairing__in=pairing_ids, date__range=(monday, monday + dt.timedelta(days=6))
        ).values_list("pairing_id", flat=True)
    )
    first, last = month_bounds(today)
    contacted = set(
        ParentContact.objects.filter(
            pairing__in=pairing_ids, date__range=(first, last)
        ).values_list("pairing_id", flat=True)
    )
    ids = set(pairing_ids)
    return ids - talked, ids - contacted


# Evaluation.

RATING_TO_100 = Decimal(20)


def evaluation_settings(term: Term) -> EvaluationSettings:
    settings, _created = EvaluationSettings.objects.get_or_create(term=term)
    return settings


@transaction.atomic
def save_evaluation_settings(
    term: Term, weights: tuple[int, int, int, int], threshold: Decimal
) -> EvaluationSettings:
    if sum(weights) != 100 or any(w < 0 for w in weights):
        raise ValidationError(
            _("The four weights must add up to 100 (they add up to %(sum)s).")
            % {"sum": sum(weights)}
        )
    if not (Decimal(0) <= threshold <= Decimal(100)):
        raise ValidationError(_("The threshold is a score from 0 to 100."))
    settings = evaluation_settings(term)
    (
        settings.self_weight,
        settings.students_weight,
        settings.teachers_weight,
        settings.school_weight,
    ) = weights
    settings.threshold = threshold
    settings.save()
    return settings


def average_score(total: object, count: int, scale: Decimal = Decimal(1)) -> Decimal | None:
    """The average of ``count`` scores adding up to ``total``, times ``scale``, to one decimal."""
    if not count:
        return None
    return (Decimal(str(total)) / count * scale).quantize(Decimal("0.1"), ROUND_HALF_UP)


def weighted_total(
    weights: tuple[int, int, int, int],
    scores: tuple[Decimal | None, Decimal | None, Decimal | None, Decimal | None],
) -> Decimal | None:
    """The weighted total out of 100, rounded to one decimal; None while a part is missing."""
    if any(s is None for s in scores):
        return None
    total = sum((Decimal(w) * Decimal(s) for w, s in zip(weights, scores, strict=True)), Decimal(0))
    return (total / Decimal(100)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass
class EvaluationResult:
    mentor: Staff
    evaluation: MentorEvaluation | None
    students_score: Decimal | None
    ratings: int
    total: Decimal | None
    flagged: bool
    compliance: Compliance
    teachers_score: Decimal | None = None
    teacher_ratings: int = 0

    @property
    def self_score(self) -> Decimal | None:
        return self.evaluation.self_score if self.evaluation else None

    @property
    def school_score(self) -> Decimal | None:
        return self.evaluation.school_score if self.evaluation else None


def evaluation_results(
    term: Term,
    today: dt.date,
    mentor_ids: Iterable[int] | None = None,
    with_compliance: bool = True,
) -> list[EvaluationResult]:
    """Every mentor of the term with their four scores, total and flag (a fixed number of queries).

    Without ``with_compliance`` the compliance figures are left empty: a page that ranks many
    mentors and shows a few adds them for those few (``mentor_compliance``).
    """
    settings = evaluation_settings(term)
    mentor_qs = Staff.objects.filter(pk__in=term_pairings(term).values("mentor_id"))
    if mentor_ids is not None:
        mentor_qs = mentor_qs.filter(pk__in=list(mentor_ids))
    mentors = list(mentor_qs.order_by("staff_no"))
    ids = [m.pk for m in mentors]
    evaluations = {
        e.mentor_id: e for e in MentorEvaluation.objects.filter(term=term, mentor__in=ids)
    }
    ratings = {
        mentor_id: (n, total)
        for mentor_id, n, total in StudentRating.objects.filter(term=term, mentor__in=ids)
        .values("mentor_id")
        .annotate(n=Count("pk"), total=Sum("score"))
        .values_list("mentor_id", "n", "total")
    }
    teacher_ratings = {
        mentor_id: (n, total)
        for mentor_id, n, total in TeacherRating.objects.filter(term=term, mentor__in=ids)
        .values("mentor_id")
        .annotate(n=Count("pk"), total=Sum("score"))
        .values_list("mentor_id", "n", "total")
    }
    compliance = mentor_compliance(term, today, ids) if with_compliance else {}
    results = []
    for mentor in mentors:
        evaluation = evaluations.get(mentor.pk)
        n, rating_sum = ratings.get(mentor.pk, (0, 0))
        students_score = average_score(rating_sum, n, RATING_TO_100)
        teachers_n, teachers_sum = teacher_ratings.get(mentor.pk, (0, 0))
        teachers_score = average_score(teachers_sum, teachers_n)
        scores = (
            evaluation.self_score if evaluation else None,
            students_score,
            teachers_score,
            evaluation.school_score if evaluation else None,
        )
        total = weighted_total(settings.weights, scores)
        results.append(
            EvaluationResult(
                mentor=mentor,
                evaluation=evaluation,
                students_score=students_score,
                ratings=n,
                total=total,
                flagged=total is not None and total < settings.threshold,
                compliance=compliance.get(mentor.pk, Compliance()),
                teachers_score=teachers_score,
                teacher_ratings=teachers_n,
            )
        )
    return results


@transaction.atomic
def save_evaluation(term: Term, mentor: Staff, **fields) -> MentorEvaluation:
    evaluation, _created = MentorEvaluation.objects.get_or_create(term=term, mentor=mentor)
    for name, value in fields.items():
        setattr(evaluation, name, value)
    evaluation.full_clean()
    evaluation.save()
    return evaluation


@transaction.atomic
def save_student_ratings(term: Term, entries: dict[tuple[int, int], tuple[int | None, str]]) -> int:
    """Typed-in questionnaire answers: (student id, mentor id) → (score or None, comment).

    An empty score removes the answer. Returns the number of answers kept.
    """
    if any(score is not None and not 1 <= score <= 5 for score, _c in entries.values()):
        raise ValidationError(_("A score is from 1 to 5."))
    cleared = [pair for pair, (score, _c) in entries.items() if score is None]
    condition = Q(pk__in=[])
    for student_id, mentor_id in cleared:
        condition |= Q(student_id=student_id, mentor_id=mentor_id)
    StudentRating.objects.filter(condition, term=term).delete()
    kept = {
        pair: (score, comment[:300])
        for pair, (score, comment) in entries.items()
        if score is not None
    }
    apply_ratings(term, kept)
    return len(kept)


# Other teachers' ratings.


def _classes_worked_with(staff: Staff) -> Q:
    """Classes a teacher works with: homeroom teacher, subject teacher or grade head."""
    return (
        Q(homeroom_teacher=staff)
        | Q(pk__in=TeachingAssignment.objects.filter(staff=staff).values("school_class_id"))
        | Q(grade__head=staff)
    )


def mentors_to_rate(term: Term, rater: Staff) -> list[Staff]:
    """The mentors of the term whose classes ``rater`` works with, ``rater`` left out."""
    classes = SchoolClass.objects.filter(
        _classes_worked_with(rater), academic_year=term.academic_year_id
    )
    mentor_ids = term_pairings(term).filter(school_class__in=classes).values("mentor_id")
    return list(Staff.objects.filter(pk__in=mentor_ids).exclude(pk=rater.pk).order_by("staff_no"))


def may_rate(term: Term, rater: Staff, mentor: Staff) -> bool:
    """Whether ``rater`` (in post, not the mentor) works with one of the mentor's classes of the term."""
    if rater.pk == mentor.pk or rater.status != Staff.Status.ACTIVE:
        return False
    classes = term_pairings(term).filter(mentor=mentor).values("school_class_id")
    return SchoolClass.objects.filter(_classes_worked_with(rater), pk__in=classes).exists()


def eligible_raters(term: Term, mentor: Staff) -> list[Staff]:
    """The teachers in post who may rate ``mentor`` this term (the mentor left out)."""
    classes = list(
        SchoolClass.objects.filter(
            pk__in=term_pairings(term).filter(mentor=mentor).values("school_class_id")
        ).values_list("pk", "homeroom_teacher_id", "grade__head_id")
    )
    class_ids = [pk for pk, _h, _g in classes]
    ids = {h for _pk, h, _g in classes if h} | {g for _pk, _h, g in classes if g}
    ids |= set(
        TeachingAssignment.objects.filter(school_class__in=class_ids).values_list(
            "staff_id", flat=True
        )
    )
    ids.discard(mentor.pk)
    return list(Staff.objects.active().filter(pk__in=ids).order_by("staff_no"))


@transaction.atomic
def save_teacher_rating(
    term: Term,
    mentor: Staff,
    rater: Staff,
    score: Decimal,
    comment: str = "",
    by: Staff | None = None,
) -> TeacherRating:
    """Record (or change) ``rater``'s rating of ``mentor`` for the term; ``by`` typed it in."""
    if rater.pk == mentor.pk:
        raise ValidationError(_("A mentor cannot rate themselves here; use the self-evaluation."))
    if not may_rate(term, rater, mentor):
        raise ValidationError(
            _("%(name)s does not work with any class %(mentor)s mentors in this term.")
            % {"name": rater.name, "mentor": mentor.name}
        )
    if not Decimal(0) <= score <= Decimal(100):
        raise ValidationError(_("A score is from 0 to 100."))
    rating, _created = TeacherRating.objects.update_or_create(
        term=term,
        mentor=mentor,
        rater=rater,
        defaults={"score": score, "comment": comment.strip(), "entered_by": by or rater},
    )
    return rating


class RatingResolver:
    """Checks a questionnaire row: the student and the mentor they had during the term."""

    def __init__(self, term: Term) -> None:
        self.term = term
        self.students = dict(Student.objects.values_list("student_no", "pk"))
        self.staff = dict(Staff.objects.values_list("staff_no", "pk"))
        self.pairs = set(term_pairings(term).values_list("student_id", "mentor_id"))

    def resolve(
        self, student_no: str, staff_no: str
    ) -> tuple[tuple[int, int] | None, list[tuple[int, str]]]:
        """(student id, mentor id) and errors as (column 0-1, message)."""
        student_id = self.students.get(student_no)
        mentor_id = self.staff.get(staff_no)
        errors = []
        if student_id is None:
            errors.append((0, _("No student has the number %(no)s.") % {"no": student_no}))
        if mentor_id is None:
            errors.append((1, _("No teacher has the staff number %(no)s.") % {"no": staff_no}))
        if errors:
            return None, errors
        if (student_id, mentor_id) not in self.pairs:
            return None, [
                (
                    1,
                    _("%(staff_no)s was not this student's mentor this term.")
                    % {"staff_no": staff_no},
                )
            ]
        return (student_id, mentor_id), []


def parse_rating(value: object) -> int | None:
    """A questionnaire score: a whole number from 1 to 5, else None."""
    try:
        number = Decimal(str(value).strip())
    except (ArithmeticError, ValueError):
        return None
    if number != number.to_integral_value() or not 1 <= number <= 5:
        return None
    return int(number)


def apply_ratings(
    term: Term, parsed: dict[tuple[int, int], tuple[int, str]]
) -> tuple[int, int, int]:
    """Write questionnaire answers in bulk. Returns (new, changed, unchanged)."""
    existing = {
        (r.student_id, r.mentor_id): r
        for r in StudentRating.objects.filter(term=term, student__in={k[0] for k in parsed})
    }
    new, changed = [], []
    for (student_id, mentor_id), (score, comment) in parsed.items():
        rating = existing.get((student_id, mentor_id))
        if rating is None:
            new.append(
                StudentRating(
                    term=term,
                    student_id=student_id,
                    mentor_id=mentor_id,
                    score=score,
                    comment=comment,
                )
            )
        elif (rating.score, rating.comment) != (score, comment):
            rating.score, rating.comment = score, comment
            changed.append(rating)
    StudentRating.objects.bulk_create(new)
    StudentRating.objects.bulk_update(changed, ["score", "comment"])
    return len(new), len(changed), len(parsed) - len(new) - len(changed)


@transaction.atomic
def import_mentor_ratings(rows: Sequence[Sequence[object]], term: Term, first_row: int = 2) -> int:
    """Load 学籍号 | 导师工号 | 分数 (1-5) | 意见 rows; all or nothing, errors name the row.

    The mentor must have been the student's mentor during the term. ``import_sheet
    mentor_ratings`` does the same from an Excel file (``mentors.sheets``).
    """
    resolver = RatingResolver(term)
    errors: list[SheetError] = []
    parsed: dict[tuple[int, int], tuple[int, str]] = {}
    for offset, row in enumerate(rows):
        line = first_row + offset
        cells = [("" if c is None else str(c).strip()) for c in list(row)[:4]]
        cells += [""] * (4 - len(cells))
        if not any(cells):
            continue
        pair, row_errors = resolver.resolve(cells[0], cells[1])
        score = parse_rating(cells[2])
        if score is None:
            row_errors.append((2, _("The score must be a whole number from 1 to 5.")))
        errors.extend(SheetError(line, message) for _column, message in row_errors)
        if row_errors:
            continue
        if pair in parsed:
            errors.append(SheetError(line, _("This student rated this mentor twice.")))
            continue
        parsed[pair] = (score, cells[3][:300])
    if errors:
        raise ValidationError([str(e) for e in errors])
    apply_ratings(term, parsed)
    return len(parsed)


# Export.

PAIRING_HEADERS = ("学籍号", "姓名", "年级", "班级", "导师工号", "导师姓名", "志愿")


def pairing_rows(year: AcademicYear, grade: Grade | None = None) -> list[tuple[str, ...]]:
    """Rows of the pairings sheet: 学籍号 | 姓名 | 年级 | 班级 | 导师工号 | 导师姓名 | 志愿."""
    qs = (
        Pairing.objects.active()
        .filter(academic_year=year)
        .order_by("school_class__grade__level", "school_class__number", "student__student_no")
    )
    if grade is not None:
        qs = qs.filter(school_class__grade=grade)
    return [
        (
            student_no,
            name,
            grade_name,
            f"({number})班",
            staff_no,
            mentor,
            str(rank or HAND_ASSIGNED),
        )
        for student_no, name, grade_name, number, staff_no, mentor, rank in qs.values_list(
            "student__student_no",
            "student__name",
            "school_class__grade__name",
            "school_class__number",
            "mentor__staff_no",
            "mentor__name",
            "choice_rank",
        )
    ]
