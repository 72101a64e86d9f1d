"""The mentor system's sheet kinds, for the pages, ``import_sheet`` / ``export_sheet`` and the admin.

- ``preferences``: 学籍号 | 第一志愿 | 第二志愿 | 第三志愿 (a mentor by 工号 or by name); the
  homeroom teacher uploads their class's sheet from the class's choices page (``school_class``:
  a row of another class is refused by its row);
- ``mentor_ratings``: 学籍号 | 导师工号 | 分数 (1-5) | 意见, for the current term; the
  academic office uploads it from the evaluation page;
- ``pairings`` (export): 学籍号 | 姓名 | 年级 | 班级 | 导师工号 | 导师姓名 | 志愿, the one path of
  the pairings download (the selection page's button, ``export_sheet pairings``).

The resolvers below turn a row into ids; the writes are ``services.apply_preferences`` and
``services.apply_ratings``, so the sheets, the pages and the services agree.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mentors import access, selectors, services
from mentors.models import Pairing
from schoolops.models import AcademicYear, Grade, Staff, Student, Term
from schoolops.sheets import parsers
from schoolops.sheets.base import (
    CellError,
    Column,
    Counts,
    ExportSheet,
    ImportSheet,
    Row,
    SheetRefused,
    add_term_argument,
)

# The 志愿 cell of a pairing made by hand: a word of the file format, like the headers.
HAND_ASSIGNED = "调剂"

STUDENT_NO = Column(
    "student_no", "学籍号", parsers.text_id, required=True, text_format=True, aliases=("学号",)
)


# Resolvers: a row's text to ids, with the row's errors.


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
        self.mentors = selectors.mentors_by_class(
            {s.school_class_id for s in self.students.values()}
        )

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


class RatingResolver:
    """Checks a questionnaire row: the student and the mentor they had during the term."""

    def __init__(self, term: Term) -> None:
        self.term = term
        self.students = dict(Student.objects.values_list("student_no", "pk"))
        self.staff = dict(Staff.objects.values_list("staff_no", "pk"))
        self.pairs = set(selectors.term_pairings(term).values_list("student_id", "mentor_id"))

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


def rating(value: Any) -> int:
    score = parse_rating(parsers.text(value))
    if score is None:
        raise CellError(_("The score must be a whole number from 1 to 5."))
    return score


# The kinds.


class PreferencesSheet(ImportSheet):
    kind = "preferences"
    title = gettext_lazy("Students' mentor choices")
    permission = "mentors.add_choice"
    columns = [
        STUDENT_NO,
        # A class sheet lists every student: a row with no choice goes to 调剂 (hand
        # assignment); a later choice without a first is refused by the resolver.
        Column("first", "第一志愿", parsers.text, default="", aliases=("志愿一", "第1志愿")),
        Column("second", "第二志愿", parsers.text, default="", aliases=("志愿二", "第2志愿")),
        Column("third", "第三志愿", parsers.text, default="", aliases=("志愿三", "第3志愿")),
    ]
    CHOICE_KEYS = ("student_no", "first", "second", "third")
    # The homeroom teacher uploads their class's sheet (``school_class``): a row of another
    # class is refused by its row.
    class_scoped = True

    def prepare(self) -> None:
        self.resolver = PreferenceResolver(self.lookups.year)

    def unique_keys(self) -> tuple[str, ...]:
        return ("student_no",)

    def clean_row(self, row: Row) -> Row | None:
        student = self.resolver.students.get(row["student_no"])
        if student is not None and not self.in_class(row.line, student.school_class, "student_no"):
            return None
        student, chosen, errors = self.resolver.resolve(
            row["student_no"], [row["first"], row["second"], row["third"]]
        )
        for column, message in errors:
            self.add_error(row.line, self.CHOICE_KEYS[column], message)
        if errors or student is None:
            return None
        row.data["student_id"] = student.pk
        row.data["chosen"] = chosen
        return row

    def apply(self, rows: list[Row]) -> Counts:
        parsed = {row["student_id"]: row["chosen"] for row in rows}
        new, changed = services.apply_preferences(self.lookups.year, parsed)
        return Counts(new=new, changed=changed, unchanged=len(parsed) - new - changed)


class MentorRatingsSheet(ImportSheet):
    kind = "mentor_ratings"
    title = gettext_lazy("Students' ratings of their mentors")
    permission = "mentors.add_studentrating"
    columns = [
        STUDENT_NO,
        Column("staff_no", "导师工号", parsers.text_id, required=True, text_format=True),
        Column("score", "分数", rating, required=True, aliases=("评分", "分数(1-5)")),
        Column("comment", "意见", parsers.text, default="", aliases=("意见建议", "评语")),
    ]
    KEYS = ("student_no", "staff_no")

    def prepare(self) -> None:
        term = Term.current()
        if term is None:
            raise SheetRefused(_("No term has been set up."))
        self.term = term
        self.resolver = RatingResolver(term)

    def unique_keys(self) -> tuple[str, ...]:
        return ("student_no", "staff_no")

    def clean_row(self, row: Row) -> Row | None:
        pair, errors = self.resolver.resolve(row["student_no"], row["staff_no"])
        for column, message in errors:
            self.add_error(row.line, self.KEYS[column], message)
        if errors:
            return None
        row.data["pair"] = pair
        return row

    def apply(self, rows: list[Row]) -> Counts:
        parsed = {row["pair"]: (row["score"], row["comment"][:300]) for row in rows}
        new, changed, unchanged = services.apply_ratings(self.term, parsed)
        return Counts(new=new, changed=changed, unchanged=unchanged)


class PairingsSheet(ExportSheet):
    """The year's active pairings, by grade, class and 学籍号.

    Scoped like the grade pages it is downloaded from (``mentors.access``): the principal's
    office (and ``export_sheet``, run without a user) gets the whole school, a grade head the
    grades they head; anyone else may not export it (403).
    """

    kind = "pairings"
    title = gettext_lazy("Mentor pairings")
    filename = "导师结对.xlsx"
    columns = [
        Column("student_no", "学籍号", text_format=True),
        Column("name", "姓名"),
        Column("grade", "年级"),
        Column("class", "班级"),
        Column("staff_no", "导师工号", text_format=True),
        Column("mentor", "导师姓名"),
        Column("choice", "志愿"),
    ]

    @classmethod
    def add_arguments(cls, parser) -> None:
        parser.add_argument("--grade", default=None, help="Only this grade, e.g. 七年级.")

    def resolve(self, grade: str | None = None, **options: Any) -> dict[str, Any]:
        year = AcademicYear.current()
        if year is None:
            raise SheetRefused(_("No school year has been set up."))
        grade_ids = None
        if grade:
            grade_obj = Grade.objects.filter(name=grade).first()
            if grade_obj is None:
                raise SheetRefused(_("There is no grade %(name)s.") % {"name": grade})
            grade_ids = {grade_obj.pk}
        if self.scope is not None and not self.scope.is_school_wide:
            headed = set(self.scope.headed_grade_ids)
            grade_ids = headed if grade_ids is None else grade_ids & headed
        return {"year": year, "grade_ids": grade_ids}

    def authorize(self, **options: Any) -> None:
        if self.scope is not None and not access.sees_grade_pages(self.scope):
            raise PermissionDenied

    def download_name(self, year: AcademicYear, **options: Any) -> str:
        return f"导师结对{year}.xlsx"

    def rows(self, year: AcademicYear, grade_ids: set[int] | None) -> Iterable[Sequence[Any]]:
        pairings = (
            Pairing.objects.active()
            .filter(academic_year=year)
            .order_by("school_class__grade__level", "school_class__number", "student__student_no")
        )
        if grade_ids is not None:
            pairings = pairings.filter(school_class__grade__in=grade_ids)
        for student_no, name, grade, number, staff_no, mentor, rank in pairings.values_list(
            "student__student_no",
            "student__name",
            "school_class__grade__name",
            "school_class__number",
            "mentor__staff_no",
            "mentor__name",
            "choice_rank",
        ):
            yield (
                student_no,
                name,
                grade,
                f"({number})班",
                staff_no,
                mentor,
                str(rank or HAND_ASSIGNED),
            )


class EvaluationSheet(ExportSheet):
    """The four-party evaluation of the term's mentors, with their compliance figures: the
    whole school's for the principal's office (and ``export_sheet``), the mentors of their
    grades for a grade head (a term of another school year is not theirs: a 404)."""

    kind = "mentor_evaluation"
    title = gettext_lazy("Mentor evaluation")
    columns = [
        Column("staff_no", "导师工号", text_format=True),
        Column("name", "导师姓名"),
        Column("self", "自评"),
        Column("students", "学生评"),
        Column("ratings", "评价人数"),
        Column("teachers", "教师评"),
        Column("teacher_ratings", "教师评人数"),
        Column("school", "学校评"),
        Column("total", "总分"),
        Column("weeks_missed", "未谈心周数"),
        Column("months_missed", "未联系家长月数"),
        Column("flagged", "待整改"),
        Column("improve_by", "整改期限"),
    ]

    @classmethod
    def add_arguments(cls, parser) -> None:
        add_term_argument(parser)

    def resolve(self, term: Term | None = None, **options: Any) -> dict[str, Any]:
        term = term or Term.current()
        if term is None:
            raise SheetRefused(_("No term has been set up."))
        mentor_ids = None
        if self.scope is not None and not self.scope.is_school_wide:
            try:
                grades = access.page_grades(self.scope, term.academic_year_id)
            except Http404:
                raise SheetRefused(_("This term is not of your school year.")) from None
            mentor_ids = {pk for g in grades for pk in selectors.grade_mentor_ids(term, g)}
        return {"term": term, "mentor_ids": mentor_ids}

    def authorize(self, **options: Any) -> None:
        if self.scope is not None and not access.sees_grade_pages(self.scope):
            raise PermissionDenied

    def download_name(self, term: Term, **options: Any) -> str:
        return f"导师评价{term}.xlsx"

    def rows(self, term: Term, mentor_ids: set[int] | None) -> Iterable[Sequence[Any]]:
        for r in selectors.evaluation_results(term, timezone.localdate(), mentor_ids):
            yield (
                r.mentor.staff_no,
                r.mentor.name,
                r.self_score,
                r.students_score,
                r.ratings,
                r.teachers_score,
                r.teacher_ratings,
                r.school_score,
                r.total,
                r.compliance.weeks_missed,
                r.compliance.months_missed,
                _("yes") if r.flagged else "",
                r.evaluation.improve_by if r.evaluation and r.evaluation.improve_by else "",
            )


SHEETS = (PreferencesSheet, MentorRatingsSheet, PairingsSheet, EvaluationSheet)
