"""Cached lookups for import sheets: each table is read once per import, in one query."""

from __future__ import annotations

from functools import cached_property

from django.utils.translation import gettext as _

from schoolops.models import AcademicYear, Grade, SchoolClass, Staff, Student, Subject
from schoolops.sheets.base import CellError
from schoolops.sheets.parsers import ClassName, Cohort

# The first grade of each stage of schooling: 小学, 初中, 高中.
STAGE_STARTS = (1, 7, 10)


def stage_start(level: int) -> int:
    return max(start for start in STAGE_STARTS if start <= level)


class Lookups:
    """Find roster rows by what a sheet writes; unknown values raise ``CellError``."""

    def __init__(self, year: AcademicYear | None = None) -> None:
        self._year = year

    @cached_property
    def year(self) -> AcademicYear:
        """The academic year imports write into (created from the default calendar if none)."""
        if self._year is not None:
            return self._year
        from schoolops.services import ensure_calendar

        return AcademicYear.current() or ensure_calendar()

    @cached_property
    def staff_by_no(self) -> dict[str, Staff]:
        return {s.staff_no: s for s in Staff.objects.select_related("user")}

    @cached_property
    def grades_by_level(self) -> dict[int, Grade]:
        return {g.level: g for g in Grade.objects.all()}

    @cached_property
    def classes_by_key(self) -> dict[tuple[int, int], SchoolClass]:
        """The current year's classes by (grade level, class number)."""
        return {
            (c.grade.level, c.number): c
            for c in SchoolClass.objects.filter(academic_year=self.year).select_related("grade")
        }

    @cached_property
    def subjects_by_name(self) -> dict[str, Subject]:
        return {s.name: s for s in Subject.objects.all()}

    @cached_property
    def student_ids_by_no(self) -> dict[str, int]:
        return dict(Student.objects.values_list("student_no", "pk"))

    def staff(self, staff_no: str, column: str | None = None) -> Staff:
        found = self.staff_by_no.get(staff_no)
        if found is None:
            raise CellError(
                _("No member of staff has the staff number %(no)s.") % {"no": staff_no}, column
            )
        return found

    def grade(self, level: int, column: str | None = None) -> Grade:
        found = self.grades_by_level.get(level)
        if found is None:
            raise CellError(_("The school has no such grade."), column)
        return found

    def school_class(self, level: int, name: ClassName, column: str | None = None) -> SchoolClass:
        """The current year's class; ``name`` may carry its own grade (七年级1班)."""
        if name.level is not None and name.level != level:
            raise CellError(_("The class names another grade than the grade column."), column)
        found = self.classes_by_key.get((level, name.number))
        if found is None:
            grade = self.grades_by_level.get(level)
            raise CellError(
                _("There is no class %(grade)s(%(number)s)班 this school year.")
                % {"grade": grade.name if grade else level, "number": name.number},
                column,
            )
        return found

    def cohort_level(self, cohort: Cohort, column: str | None = None) -> int:
        """The grade this school year of the students who entered in ``cohort`` (2025级).

        The cohort entered the first grade of the school's stage (七年级 in a 初中); a school
        of several stages (a 九年一贯制 school) cannot tell which, so it needs a 年级 column.
        """
        stages = {stage_start(level) for level in self.grades_by_level}
        if len(stages) != 1:
            raise CellError(
                _(
                    "%(cohort)s级 does not say the grade in a school of several stages (or "
                    "with no grades yet): add a 年级 column."
                )
                % {"cohort": cohort.year},
                column,
            )
        level = stages.pop() + self.year.start_year - cohort.year
        if level not in self.grades_by_level:
            raise CellError(
                _(
                    "The students who entered in %(cohort)s are in no grade of the school in "
                    "the school year %(year)s."
                )
                % {"cohort": cohort.year, "year": self.year},
                column,
            )
        return level

    def student_id(self, student_no: str, column: str | None = None) -> int:
        found = self.student_ids_by_no.get(student_no)
        if found is None:
            raise CellError(_("No student has the number %(no)s.") % {"no": student_no}, column)
        return found

    def subject(self, subject_name: str, column: str | None = None) -> Subject:
        found = self.subjects_by_name.get(subject_name)
        if found is None:
            raise CellError(
                _("The school has no subject %(name)s.") % {"name": subject_name}, column
            )
        return found
