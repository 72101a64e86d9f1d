"""Read-only queries behind the school-wide mentor pages.

The selection progress and the evaluation results are read one grade at a time, so a page
costs the same on a school of six classes as on one of sixty; the school's totals come from
grouped SQL (a handful of rows, one per grade), and the xlsx exports keep the whole school.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from mentors.models import Choice, Pairing
from mentors.services import term_pairings
from schoolops.models import AcademicYear, Grade, SchoolClass, Staff, Student, Term
from schoolops.params import pick_or_404


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
