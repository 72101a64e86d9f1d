"""The mentor system's sheet kinds for ``import_sheet`` / ``export_sheet`` and the admin.

- ``preferences``: 学籍号 | 第一志愿 | 第二志愿 | 第三志愿 (a mentor by 工号 or by name);
- ``mentor_ratings``: 学籍号 | 导师工号 | 分数 (1-5) | 意见, for the current term;
- ``pairings`` (export): 学籍号 | 姓名 | 年级 | 班级 | 导师工号 | 导师姓名 | 志愿.

The row rules live in ``mentors.services`` (``PreferenceResolver``, ``RatingResolver``), so
the sheets, the services and the pages agree.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mentors import services
from schoolops.models import AcademicYear, Grade, Term
from schoolops.scopes import Scope
from schoolops.sheets import parsers
from schoolops.sheets.base import (
    CellError,
    Column,
    Counts,
    ExportSheet,
    ImportSheet,
    Row,
    SheetRefused,
)

STUDENT_NO = Column(
    "student_no", "学籍号", parsers.text_id, required=True, text_format=True, aliases=("学号",)
)


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

    def prepare(self) -> None:
        self.resolver = services.PreferenceResolver(self.lookups.year)

    def unique_keys(self) -> tuple[str, ...]:
        return ("student_no",)

    def clean_row(self, row: Row) -> Row | None:
        student, chosen, errors = self.resolver.resolve(
            row["student_no"], [row["first"], row["second"], row["third"]]
        )
        for column, message in errors:
            self.add_error(row.line, self.CHOICE_KEYS[column], message)
        if errors:
            return None
        row.data["student_id"] = student.pk
        row.data["chosen"] = chosen
        return row

    def apply(self, rows: list[Row]) -> Counts:
        parsed = {row["student_id"]: row["chosen"] for row in rows}
        new, changed = services.apply_preferences(self.lookups.year, parsed)
        return Counts(new=new, changed=changed, unchanged=len(parsed) - new - changed)


def rating(value: Any) -> int:
    score = services.parse_rating(parsers.text(value))
    if score is None:
        raise CellError(_("The score must be a whole number from 1 to 5."))
    return score


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
        self.resolver = services.RatingResolver(term)

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
    kind = "pairings"
    title = gettext_lazy("Mentor pairings")
    filename = "导师结对.xlsx"
    export_permission = "mentors.view_pairing"
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

    def rows(self, grade: str | None = None, **options: Any) -> Iterable[Sequence[Any]]:
        year = AcademicYear.current()
        if year is None:
            return []
        grade_obj = None
        if grade:
            grade_obj = Grade.objects.filter(name=grade).first()
            if grade_obj is None:
                raise SheetRefused(_("There is no grade %(name)s.") % {"name": grade})
        rows = services.pairing_rows(year, grade_obj)
        if self.user is not None and not self.user.is_superuser:
            scope = Scope(self.user)
            if not scope.is_school_wide:
                # Outside the principal's office: only the students the person works with.
                visible = set(scope.students().values_list("student_no", flat=True))
                rows = [r for r in rows if r[0] in visible]
        return rows


SHEETS = (PreferencesSheet, MentorRatingsSheet, PairingsSheet)
