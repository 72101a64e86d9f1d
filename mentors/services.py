"""Workflows of the mentor system: everything that writes.

Capacities, the students' choices and the mentors' rankings, publishing the matching,
pairings (by hand, ended, reassigned, ended when the roster changes), a mentee's file
(plan, talks, parent contacts, growth record, monthly summaries), the weekly exchange and
the evaluation's scores and ratings. Each runs in a transaction and refuses with a
translated ``ValidationError``; what it needs to read comes from ``mentors.selectors``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from mentors.models import (
    Choice,
    EvaluationSettings,
    Exchange,
    GrowthRecord,
    Honour,
    MatchRun,
    MentorCapacity,
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
from mentors.selectors import (
    capacities,
    may_rate,
    mentors_by_class,
    month_pairings,
    preview_matching,
    term_pairings,
)
from schoolops.calendar import month_bounds
from schoolops.models import AcademicYear, Grade, SchoolClass, Staff, Student, Term

# Capacity.


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


# Matching.


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


# Evaluation.


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
    settings, _created = EvaluationSettings.objects.get_or_create(term=term)
    (
        settings.self_weight,
        settings.students_weight,
        settings.teachers_weight,
        settings.school_weight,
    ) = weights
    settings.threshold = threshold
    settings.save()
    return settings


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


# A mentor's monthly summary, the honour list, training and checks.


@transaction.atomic
def file_mentor_summary(mentor: Staff, month: dt.date, text: str) -> MentorSummary:
    """File (or correct) the mentor's summary of ``month``: one a month."""
    first, _last = month_bounds(month)
    if first > timezone.localdate():
        raise ValidationError(_("This month has not begun."))
    if not month_pairings(mentor.pk, first):
        raise ValidationError(_("You had no mentee in this month."))
    summary, _created = MentorSummary.objects.update_or_create(
        mentor=mentor, month=first, defaults={"text": text.strip()}
    )
    return summary


@transaction.atomic
def name_honour(
    term: Term,
    reason: str,
    *,
    mentor: Staff | None = None,
    pairing: Pairing | None = None,
    by: Staff | None = None,
) -> Honour:
    """Put a mentor, or a mentee (their pairing), on the term's honour list."""
    if (mentor is None) == (pairing is None):
        raise ValidationError(_("Choose a mentor or a mentee."))
    of_term = term_pairings(term)
    if mentor is not None:
        if not of_term.filter(mentor=mentor).exists():
            raise ValidationError(_("%(name)s has no mentee this term.") % {"name": mentor.name})
        if Honour.objects.filter(term=term, mentor=mentor).exists():
            raise ValidationError(
                _("%(name)s is already on this term's list.") % {"name": mentor.name}
            )
    if pairing is not None:
        if not of_term.filter(pk=pairing.pk).exists():
            raise ValidationError(_("This pairing did not run this term."))
        if Honour.objects.filter(term=term, pairing__student_id=pairing.student_id).exists():
            raise ValidationError(
                _("%(name)s is already on this term's list.") % {"name": pairing.student.name}
            )
    return Honour.objects.create(
        term=term, mentor=mentor, pairing=pairing, reason=reason.strip(), named_by=by
    )


@transaction.atomic
def record_training(
    term: Term,
    day: dt.date,
    kind: str,
    content: str,
    attendees: Sequence[Staff],
    by: Staff | None = None,
) -> TrainingSession:
    """Record a training or a check of the term's mentors, with who attended."""
    if not term.start_date <= day <= term.end_date:
        raise ValidationError(
            _("The date is not in %(term)s (%(start)s to %(end)s).")
            % {"term": term, "start": term.start_date, "end": term.end_date}
        )
    if day > timezone.localdate():
        raise ValidationError(_("The date is in the future."))
    session = TrainingSession.objects.create(
        term=term, date=day, kind=kind, content=content.strip(), recorded_by=by
    )
    session.attendees.set(attendees)
    return session


@transaction.atomic
def set_attendance(session: TrainingSession, attendees: Sequence[Staff]) -> None:
    session.attendees.set(attendees)


@transaction.atomic
def record_check(
    session: TrainingSession, mentor: Staff, findings: str, by: Staff | None = None
) -> MentorCheck:
    """The findings of the check of a mentor's work at a session (corrected if written)."""
    if not term_pairings(session.term).filter(mentor=mentor).exists():
        raise ValidationError(_("%(name)s has no mentee this term.") % {"name": mentor.name})
    check, _created = MentorCheck.objects.update_or_create(
        session=session, mentor=mentor, defaults={"findings": findings.strip(), "checked_by": by}
    )
    return check
