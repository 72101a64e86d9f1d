"""Read-side queries of the mentor system: who may mentor whom, the selection's progress, the
matching's preview, compliance, evaluation results and the lists the pages show.

Nothing here writes (``mentors.services`` does, and reads through this module, never the
other way round). The grade pages read one grade at a time, so a page costs the same on a
school of six classes as on one of sixty; the school's totals come from grouped SQL.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import (
    BigIntegerField,
    Count,
    Exists,
    F,
    Func,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Sum,
)
from django.utils.translation import gettext as _

from mentors.matching import deferred_acceptance
from mentors.models import (
    Choice,
    EvaluationSettings,
    Exchange,
    GrowthRecord,
    Honour,
    MentorCapacity,
    MentorCheck,
    MentorEvaluation,
    MentoringPlan,
    MentorRanking,
    MentorSettings,
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
from schoolops.calendar import monday_of, month_bounds
from schoolops.charts import Chart, Series, grades_against_last, line_chart, previous_month
from schoolops.models import (
    AcademicYear,
    Grade,
    SchoolClass,
    Staff,
    Student,
    TeachingAssignment,
    Term,
)
from schoolops.params import pick_or_404

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


def selection_deadline(year: AcademicYear | None, known: Term | None = None) -> dt.date | None:
    """The last day of the first teaching week of the school year (双向选择 ends then).

    ``known`` is a term already loaded (e.g. ``scope.term``): when it is the year's autumn
    term, it and its holiday weeks are not fetched again.
    """
    if year is None:
        return None
    term: Term | None
    if known is not None and known.academic_year_id == year.pk and known.number == 1:
        term = known
    else:
        term = Term.objects.filter(academic_year=year, number=Term.Number.AUTUMN).first()
    if term is None:
        return None
    first = term.week(1)
    return first.last_day if first else None


# The grade pages: tabs and the selection's progress.


def year_grades(year_id: int, first: Iterable[int] = ()) -> list[Grade]:
    """The grades with classes in the year, by level; the grades in ``first`` (the grades a
    grade head heads) come first."""
    grades = list(Grade.objects.filter(classes__academic_year=year_id).distinct().order_by("level"))
    first = set(first)
    return sorted(grades, key=lambda g: g.pk not in first)


def chosen_grade(grades: list[Grade], chosen: str | None) -> Grade | None:
    """The grade asked for with ``?grade=<id>``, else the first one.

    A grade that is not one of ``grades`` (another year's, or none at all) is a 404.
    """
    if not chosen:
        return grades[0] if grades else None
    return pick_or_404(grades, chosen)


@dataclass
class Progress:
    """How far the two-way selection has come, for a class, a grade or the school."""

    size: int = 0
    chosen: int = 0
    matched: int = 0
    by_hand: int = 0

    @property
    def unpaired(self) -> int:
        return self.size - self.matched - self.by_hand


def grade_progress(year: AcademicYear) -> dict[int, Progress]:
    """The selection progress of each grade of the year (three grouped queries, a row a grade)."""
    progress: dict[int, Progress] = {}
    in_school = Student.objects.filter(
        status=Student.Status.IN_SCHOOL, school_class__academic_year=year
    )
    for grade_id, n in (
        in_school.values("school_class__grade")
        .annotate(n=Count("pk"))
        .values_list("school_class__grade", "n")
    ):
        progress.setdefault(grade_id, Progress()).size = n
    # Choices are kept in order, so a student who chose has a first choice.
    for grade_id, n in (
        Choice.objects.filter(academic_year=year, rank=1, student__status=Student.Status.IN_SCHOOL)
        .values("student__school_class__grade")
        .annotate(n=Count("pk"))
        .values_list("student__school_class__grade", "n")
    ):
        progress.setdefault(grade_id, Progress()).chosen = n
    for grade_id, matched, by_hand in (
        Pairing.objects.active()
        .filter(academic_year=year)
        .values("school_class__grade")
        .annotate(
            matched=Count("pk", filter=Q(choice_rank__isnull=False)),
            by_hand=Count("pk", filter=Q(choice_rank__isnull=True)),
        )
        .values_list("school_class__grade", "matched", "by_hand")
    ):
        figures = progress.setdefault(grade_id, Progress())
        figures.matched, figures.by_hand = matched, by_hand
    return progress


def school_progress(by_grade: dict[int, Progress]) -> Progress:
    total = Progress()
    for figures in by_grade.values():
        total.size += figures.size
        total.chosen += figures.chosen
        total.matched += figures.matched
        total.by_hand += figures.by_hand
    return total


def class_progress(year: AcademicYear, grade: Grade) -> list[SchoolClass]:
    """The grade's classes of the year with ``progress`` (a :class:`Progress`): three queries."""
    classes = list(
        SchoolClass.objects.filter(academic_year=year, grade=grade)
        .select_related("grade", "homeroom_teacher")
        .annotate(size=Count("students", filter=Q(students__status=Student.Status.IN_SCHOOL)))
        .order_by("number")
    )
    ids = [c.pk for c in classes]
    chosen = dict(
        Choice.objects.filter(
            academic_year=year,
            rank=1,
            student__status=Student.Status.IN_SCHOOL,
            student__school_class__in=ids,
        )
        .values("student__school_class")
        .annotate(n=Count("pk"))
        .values_list("student__school_class", "n")
    )
    paired = {
        class_id: (matched, by_hand)
        for class_id, matched, by_hand in Pairing.objects.active()
        .filter(academic_year=year, school_class__in=ids)
        .values("school_class_id")
        .annotate(
            matched=Count("pk", filter=Q(choice_rank__isnull=False)),
            by_hand=Count("pk", filter=Q(choice_rank__isnull=True)),
        )
        .values_list("school_class_id", "matched", "by_hand")
    }
    for c in classes:
        c.progress = Progress(c.size, chosen.get(c.pk, 0), *paired.get(c.pk, (0, 0)))
    return classes


def mentors_per_grade(term: Term) -> dict[int, int]:
    """How many mentors have a pairing of the term in each grade (one grouped query)."""
    return dict(
        term_pairings(term)
        .values("school_class__grade")
        .annotate(n=Count("mentor", distinct=True))
        .values_list("school_class__grade", "n")
    )


def grade_mentor_ids(term: Term, grade: Grade) -> list[int]:
    """The mentors with a pairing of the term in a class of ``grade``."""
    return list(
        term_pairings(term)
        .filter(school_class__grade=grade)
        .values_list("mentor_id", flat=True)
        .distinct()
        .order_by()
    )


def grade_mentors(term: Term, grade: Grade) -> QuerySet[Staff]:
    """The mentors with a pairing of the term in a class of ``grade``, by staff number (a
    queryset, so a page of them is read with ``LIMIT``)."""
    return Staff.objects.filter(
        pk__in=term_pairings(term).filter(school_class__grade=grade).values("mentor_id")
    ).order_by("staff_no")


# Matching.


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


# Pairings.


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

    def as_sql(self, *args, **kwargs):
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

    def as_sql(self, *args, **kwargs):
        raise NotImplementedError("MonthBit supports SQLite and PostgreSQL")


def _figures(
    pairings: Sequence,
    term: Term,
    today: dt.date,
    by_id_up_to: int = 300,
    within: QuerySet | None = None,
) -> list[tuple[int, int, int, int, int, int]]:
    """Per pairing, in order: (weeks expected, weeks missed, months expected, months missed,
    talks, parent contacts). See ``pairing_compliance``; three queries. ``within``: the query
    of ``pairings`` when they are a part of the term's (a few mentors'), so that the database
    looks up only theirs however many they are."""
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
    if len(ids) <= by_id_up_to:
        of_pairings = Q(pairing__in=ids)
    elif within is not None:
        of_pairings = Q(pairing__in=within.values("pk"))
    else:
        of_pairings = Q()
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
    query = term_pairings(term)
    within = None
    if mentor_ids is not None:
        query = within = query.filter(mentor__in=list(mentor_ids))
    # Plain rows: a school's term is thousands of pairings, and only four columns matter.
    pairings = [
        PairingSpan(*row) for row in query.values_list("pk", "mentor_id", "started_on", "ended_on")
    ]
    totals: dict[int, list[int]] = {}
    figures_of = _figures(pairings, term, today, by_id_up_to, within)
    for p, figures in zip(pairings, figures_of, strict=True):
        total = totals.get(p.mentor_id)
        if total is None:
            totals[p.mentor_id] = [*figures, 1]
        else:
            for i, value in enumerate(figures):
                total[i] += value
            total[6] += 1
    return {mentor_id: Compliance(*total) for mentor_id, total in totals.items()}


@dataclass(frozen=True)
class TalkWeek:
    """A teaching week that is over: pairings that covered it whole, and those of them with a
    talk that week."""

    number: int
    due: int
    held: int


def weekly_talks(
    term: Term, today: dt.date, *, grade: Grade | None = None, mentor_id: int | None = None
) -> list[TalkWeek]:
    """Talks held against talks due, week by week over the term's weeks that are over, for the
    pairings of a grade's students or of one mentor. Two queries whatever the number of
    pairings and talks: the talks come back as one bit mask of weeks per pairing (as in
    ``pairing_compliance``)."""
    pairings = term_pairings(term)
    if grade is not None:
        pairings = pairings.filter(school_class__grade=grade)
    if mentor_id is not None:
        pairings = pairings.filter(mentor_id=mentor_id)
    spans = list(pairings.values_list("pk", "started_on", "ended_on"))
    first_monday = monday_of(term.start_date)
    masks = dict(
        TalkLog.objects.filter(
            pairing__in=pairings.values("pk"), date__range=(term.start_date, term.end_date)
        )
        .order_by()
        .values("pairing_id")
        .annotate(mask=Sum(WeekBit("date", first_monday), distinct=True))
        .values_list("pairing_id", "mask")
    )
    never = dt.date.max
    weeks = []
    for week in term.teaching_weeks():
        if week.last_day >= today:
            continue
        bit = 1 << ((week.monday - first_monday).days // 7)
        covering = [
            pk
            for pk, started_on, ended_on in spans
            if started_on <= week.first_day and (ended_on or never) >= week.last_day
        ]
        held = sum(1 for pk in covering if (masks.get(pk) or 0) & bit)
        weeks.append(TalkWeek(number=week.number, due=len(covering), held=held))
    return weeks


def talks_chart(chart_id: str, title: str, weeks: list[TalkWeek]) -> Chart:
    """Talks due and talks held week by week (``weekly_talks``; no query)."""
    return line_chart(
        chart_id,
        title,
        [w.number for w in weeks],
        [
            Series(_("Talks due"), [w.due for w in weeks]),
            Series(_("Talks held"), [w.held for w in weeks]),
        ],
        axis=_("Teaching week"),
    )


def home_chart(today: dt.date) -> Chart:
    """The principal's home: talks held per grade, this month against last.

    Two queries (kept a few minutes, ``grades_against_last``): the talks per pairing, counted
    from the index of (pairing, date) alone (no join per talk, no date function per row), then
    the pairings' grades."""

    def figures_of(last: dt.date, this: dt.date):
        _first, end = month_bounds(this)
        talks = (
            TalkLog.objects.filter(date__range=(last, end))
            .values_list("pairing_id")
            .annotate(
                before=Count("pk", filter=Q(date__lt=this)),
                now=Count("pk", filter=Q(date__gte=this)),
            )
            .order_by()
        )
        grade_of = {
            pk: (level, name)
            for pk, level, name in Pairing.objects.filter(started_on__lte=end)
            .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=last))
            .values_list("pk", "school_class__grade__level", "school_class__grade__name")
        }
        rows = [
            (p, month, n) for p, before, now in talks for month, n in ((last, before), (this, now))
        ]
        return rows, grade_of

    return grades_against_last(
        "home-mentors-chart", _("Heart-to-heart talks held, per grade"), today, figures_of
    )


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
    """The term's weights and threshold: the saved row, else the defaults (unsaved: reading
    a page writes nothing; ``services.save_evaluation_settings`` keeps them)."""
    return EvaluationSettings.objects.filter(term=term).first() or EvaluationSettings(term=term)


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
    given = [s for s in scores if s is not None]
    if len(given) < len(scores):
        return None
    total = sum((Decimal(w) * s for w, s in zip(weights, given, strict=True)), Decimal(0))
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


# What the pages list.


def applicant_choices(mentor: Staff | None, year: AcademicYear) -> list[Choice]:
    """The students who chose ``mentor`` this year, by class and their choice's rank, each
    with ``priority`` (a special-attention student)."""
    return list(
        Choice.objects.filter(mentor=mentor, academic_year=year)
        .select_related("student__school_class__grade")
        .annotate(
            priority=Exists(
                PriorityStudent.objects.filter(student=OuterRef("student"), academic_year=year)
            )
        )
        .order_by(
            "student__school_class__grade__level",
            "student__school_class__number",
            "rank",
            "student__student_no",
        )
    )


def mentor_rankings(mentor: Staff | None, year: AcademicYear) -> list[MentorRanking]:
    return list(MentorRanking.objects.filter(mentor=mentor, academic_year=year))


def class_choices(school_class: SchoolClass, year: AcademicYear) -> tuple[list[tuple], set[int]]:
    """The class's choices as (student id, rank, mentor id) and its priority students' ids."""
    choices = list(
        Choice.objects.filter(student__school_class=school_class, academic_year=year).values_list(
            "student_id", "rank", "mentor_id"
        )
    )
    priority = set(
        PriorityStudent.objects.filter(
            student__school_class=school_class, academic_year=year
        ).values_list("student_id", flat=True)
    )
    return choices, priority


def is_priority(student: Student, year_id: int) -> bool:
    return PriorityStudent.objects.filter(student=student, academic_year=year_id).exists()


def class_pairings(school_class: SchoolClass, year: AcademicYear, today: dt.date) -> list[Pairing]:
    """The class's active pairings of the year with ``talk_due``, ``contact_due`` and
    ``last_talk``, by mentor and student."""
    return list(
        with_due(
            Pairing.objects.active().filter(academic_year=year, school_class=school_class), today
        )
        .select_related("student", "mentor")
        .annotate(last_talk=Max("talks__date"))
        .order_by("mentor__staff_no", "student__student_no")
    )


def mentor_pairings(mentor: Staff | None, year: AcademicYear, today: dt.date) -> list[Pairing]:
    """A mentor's active pairings of the year with ``talk_due``, ``contact_due``, ``last_talk``
    and ``last_contact``, by grade, class and student."""
    return list(
        with_due(Pairing.objects.active().filter(mentor=mentor, academic_year=year), today)
        .select_related("student", "school_class__grade")
        .annotate(last_talk=Max("talks__date"), last_contact=Max("parent_contacts__date"))
        .order_by("school_class__grade__level", "school_class__number", "student__student_no")
    )


def class_load(
    school_class: SchoolClass,
    mentors: list[Staff],
    pairings: list[Pairing],
    size: int | None = None,
) -> list[dict]:
    """Each mentor of the class with their capacity and the active pairings they hold
    (``pairings``: the class's active pairings of the year)."""
    capacity = capacities(
        [school_class],
        {school_class.pk: mentors},
        None if size is None else {school_class.pk: size},
    )
    load: dict[int, int] = defaultdict(int)
    for p in pairings:
        load[p.mentor_id] += 1
    return [
        {"mentor": m, "capacity": capacity[(school_class.pk, m.pk)], "taken": load[m.pk]}
        for m in mentors
    ]


def recent_exchanges(school_class: SchoolClass, count: int, *, detailed: bool = False) -> list:
    """The class's latest homeroom–mentor exchanges; ``detailed``: with who recorded them,
    the mentors and the students."""
    exchanges = Exchange.objects.filter(school_class=school_class).order_by("-date", "-pk")
    if detailed:
        exchanges = exchanges.select_related("recorded_by").prefetch_related("mentors", "students")
    return list(exchanges[:count])


def class_ratings(term: Term, school_class: SchoolClass) -> tuple[list[Pairing], dict]:
    """The class's pairings of the term (by student, the latest first) and the questionnaire
    answers typed in, by (student id, mentor id)."""
    pairings = list(
        term_pairings(term)
        .filter(school_class=school_class)
        .select_related("student", "mentor")
        .order_by("student__student_no", "-started_on")
    )
    answers = {
        (r.student_id, r.mentor_id): r
        for r in StudentRating.objects.filter(term=term, student__school_class=school_class)
    }
    return pairings, answers


def teacher_ratings(term: Term, mentor: Staff) -> list[TeacherRating]:
    return list(
        TeacherRating.objects.filter(term=term, mentor=mentor)
        .select_related("rater", "entered_by")
        .order_by("rater__staff_no")
    )


def latest_terms(count: int = 4) -> list[Term]:
    """The terms a page switches between: the latest few."""
    return list(Term.objects.select_related("academic_year").order_by("-start_date")[:count])


@dataclass
class MenteeFile:
    """What a mentee's file shows besides the pairing (see ``mentee_file``)."""

    plan: MentoringPlan | None
    talks: list[TalkLog]
    contacts: list[ParentContact]
    summaries: dict[dt.date, MonthlySummary]
    growth: list[GrowthRecord]
    priority: bool
    history: list[Pairing]


def mentee_file(pairing: Pairing) -> MenteeFile:
    """The plan, the latest talks, parent contacts, monthly summaries and growth records, the
    priority mark and the student's other pairings (six queries: the mark comes with the
    pairings)."""
    pairings = list(
        Pairing.objects.filter(student=pairing.student)
        .select_related("mentor")
        .annotate(
            priority=Exists(
                PriorityStudent.objects.filter(
                    student=OuterRef("student"), academic_year=pairing.academic_year_id
                )
            )
        )
        .order_by("-started_on")
    )
    return MenteeFile(
        plan=mentee_plan(pairing),
        talks=list(pairing.talks.order_by("-date", "-pk")[:20]),
        contacts=list(pairing.parent_contacts.order_by("-date", "-pk")[:12]),
        summaries={s.month: s for s in pairing.summaries.order_by("-month")[:12]},
        growth=list(
            pairing.growth_records.select_related("written_by").order_by("-date", "-pk")[:20]
        ),
        priority=any(p.priority for p in pairings if p.pk == pairing.pk),
        history=[p for p in pairings if p.pk != pairing.pk],
    )


def applicant_count(mentor: Staff | None, year: AcademicYear) -> int:
    return Choice.objects.filter(mentor=mentor, academic_year=year).count()


def mentee_plan(pairing: Pairing) -> MentoringPlan | None:
    return MentoringPlan.objects.filter(pairing=pairing).first()


def monthly_summary(pairing: Pairing, month: dt.date) -> MonthlySummary | None:
    return MonthlySummary.objects.filter(pairing=pairing, month=month).first()


def ratings_by(
    term: Term, rater: Staff | None, mentor_ids: Iterable[int]
) -> dict[int, TeacherRating]:
    """``rater``'s ratings of the term of these mentors, by mentor id."""
    return {
        r.mentor_id: r
        for r in TeacherRating.objects.filter(term=term, rater=rater, mentor__in=list(mentor_ids))
    }


def rating_of(term: Term, mentor: Staff, rater: Staff | None) -> TeacherRating | None:
    return TeacherRating.objects.filter(term=term, mentor=mentor, rater=rater).first()


# A mentor's monthly summary (每月总结谈话情况记录汇总一次), the honour list, training.


def month_pairings(mentor_id: int, month: dt.date) -> list[Pairing]:
    """The mentor's pairings that ran during ``month`` (ended ones too), by grade, class and
    student (one query)."""
    first, last = month_bounds(month)
    return list(
        Pairing.objects.filter(mentor_id=mentor_id, started_on__lte=last)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=first))
        .select_related("student", "school_class__grade")
        .order_by("school_class__grade__level", "school_class__number", "student__student_no")
    )


def draft_mentor_summary(pairings: list[Pairing], month: dt.date) -> str:
    """A draft of the mentor's summary of ``month`` from the talks with each mentee of
    ``pairings`` (``month_pairings``): how many talks, when, on what, what was found and
    agreed (one query). The mentor edits it before filing."""
    first, last = month_bounds(month)
    talks: dict[int, list[TalkLog]] = defaultdict(list)
    for talk in TalkLog.objects.filter(
        pairing__in=[p.pk for p in pairings], date__range=(first, last)
    ).order_by("date", "pk"):
        talks[talk.pairing_id].append(talk)
    total = sum(len(t) for t in talks.values())
    lines = [
        _("%(month)s: %(talks)s talks with %(mentees)s mentees.")
        % {"month": f"{first:%Y-%m}", "talks": total, "mentees": len(pairings)}
    ]
    for pairing in pairings:
        held = talks.get(pairing.pk, [])
        name = f"{pairing.student.name}（{pairing.school_class}）"
        lines.append("")
        if not held:
            lines.append(_("%(student)s: no talk this month.") % {"student": name})
            continue
        lines.append(
            _("%(student)s: %(count)s talks (%(dates)s).")
            % {
                "student": name,
                "count": len(held),
                "dates": "、".join(f"{t.date:%m-%d}" for t in held),
            }
        )
        for talk in held:
            line = f"· {talk.date:%m-%d} {talk.topic}：{talk.content.strip()}"
            if talk.follow_up.strip():
                line += " " + _("Agreed: %(text)s") % {"text": talk.follow_up.strip()}
            lines.append(line)
    return "\n".join(lines)


def mentor_summary(mentor_id: int, month: dt.date) -> MentorSummary | None:
    return MentorSummary.objects.filter(mentor_id=mentor_id, month=month).first()


def mentor_year_spans(mentor_id: int, year_id: int) -> list[tuple[dt.date, dt.date | None]]:
    """When each of the mentor's pairings of the year ran (one query)."""
    return list(
        Pairing.objects.filter(mentor_id=mentor_id, academic_year_id=year_id).values_list(
            "started_on", "ended_on"
        )
    )


def mentored_in(spans: list[tuple[dt.date, dt.date | None]], month: dt.date) -> bool:
    """Did one of these pairings run during ``month``?"""
    first, last = month_bounds(month)
    return any(start <= last and (end is None or end >= first) for start, end in spans)


def summary_months(term: Term, today: dt.date) -> list[dt.date]:
    """The term's months begun by ``today``, latest first."""
    return sorted((m for m in term.months() if m <= today), reverse=True)


def default_summary_month(months: list[dt.date], today: dt.date) -> dt.date | None:
    """Last month's, the one due (else the latest begun month of the term)."""
    last_month = previous_month(today.replace(day=1))
    return last_month if last_month in months else (months[0] if months else None)


def grade_summaries(mentor_ids: list[int], month: dt.date) -> dict[int, MentorSummary]:
    """The filed summaries of ``month`` of these mentors, by mentor (one query)."""
    return {
        s.mentor_id: s
        for s in MentorSummary.objects.filter(mentor_id__in=mentor_ids, month=month).only(
            "pk", "mentor_id", "month", "filed_at", "updated_at"
        )
    }


def filed_count(term: Term, grade: Grade, month: dt.date) -> int:
    """How many of the grade's mentors have filed the month's summary (one query)."""
    return MentorSummary.objects.filter(
        month=month,
        mentor__in=term_pairings(term).filter(school_class__grade=grade).values("mentor_id"),
    ).count()


def summary_grade_ids(summary: MentorSummary) -> set[int]:
    """The grades of the mentor's pairings of the summary's month (one query)."""
    first, last = month_bounds(summary.month)
    return set(
        Pairing.objects.filter(mentor_id=summary.mentor_id, started_on__lte=last)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=first))
        .values_list("school_class__grade_id", flat=True)
    )


def term_honours(term: Term) -> tuple[list[Honour], list[Honour]]:
    """The term's honoured mentors (by staff number) and mentees (by grade, class and
    student), in two queries."""
    honours = Honour.objects.filter(term=term)
    mentors = list(
        honours.filter(mentor__isnull=False).select_related("mentor").order_by("mentor__staff_no")
    )
    mentees = list(
        honours.filter(pairing__isnull=False)
        .select_related("pairing__student", "pairing__mentor", "pairing__school_class__grade")
        .order_by(
            "pairing__school_class__grade__level",
            "pairing__school_class__number",
            "pairing__student__student_no",
        )
    )
    return mentors, mentees


def term_mentors(term: Term) -> QuerySet[Staff]:
    """Every mentor with a pairing of the term, by staff number."""
    return Staff.objects.filter(pk__in=term_pairings(term).values("mentor_id")).order_by("staff_no")


def term_trainings(term: Term) -> list[TrainingSession]:
    """The term's sessions, latest first, with how many attended and were checked (one
    query)."""
    return list(
        TrainingSession.objects.filter(term=term)
        .annotate(present=Count("attendees", distinct=True), checked=Count("checks", distinct=True))
        .order_by("-date", "-pk")
    )


def session_checks(session: TrainingSession, mentor_ids: set[int] | None) -> list[MentorCheck]:
    """The session's checks (of ``mentor_ids`` only, unless None), by staff number."""
    checks = session.checks.select_related("mentor").order_by("mentor__staff_no")
    if mentor_ids is not None:
        checks = checks.filter(mentor_id__in=mentor_ids)
    return list(checks)


def headed_mentor_ids(term: Term, grade_ids: Iterable[int]) -> set[int]:
    """The mentors of the term with a pairing in one of these grades (one query)."""
    return set(
        term_pairings(term)
        .filter(school_class__grade__in=list(grade_ids))
        .values_list("mentor_id", flat=True)
        .distinct()
        .order_by()
    )


def my_trainings(term: Term, mentor: Staff) -> list[Any]:
    """The term's sessions, each with ``attended`` and ``my_check`` (the mentor's findings or
    None), in two queries."""
    sessions: list[Any] = list(
        TrainingSession.objects.filter(term=term)
        .annotate(
            attended=Exists(
                TrainingSession.attendees.through.objects.filter(
                    trainingsession_id=OuterRef("pk"), staff_id=mentor.pk
                )
            )
        )
        .order_by("-date", "-pk")
    )
    checks = {
        c.session_id: c for c in MentorCheck.objects.filter(mentor=mentor, session__term=term)
    }
    for session in sessions:
        session.my_check = checks.get(session.pk)
    return sessions


# The term-end evaluation: the mentor evaluation per teacher (registered in hooks.py,
# composed by schoolops.evaluation).


def term_mentor_scores(term: Term) -> dict[int, Decimal]:
    """Per mentor, the total of their mentor evaluation of the term (self, students,
    teachers, school: ``evaluation_results``), for those whose four parts are in."""
    from django.utils import timezone

    today = min(timezone.localdate(), term.end_date)
    return {
        result.mentor.pk: result.total
        for result in evaluation_results(term, today, with_compliance=False)
        if result.total is not None
    }
