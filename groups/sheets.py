"""Sheet kinds of the groups app: every file it reads or writes.

``import_sheet scores`` (the 学习委员's week of scores; uploaded for one class by its homeroom
teacher on the class's pages), and the downloads, each an export kind served by
``schoolops.sheets.http.sheet_response`` and by ``export_sheet KIND``: ``leaderboard`` (the
monthly board), ``groups`` (every group of a term, with tiers, for teachers),
``group_register`` (a class's 学习互助小组登记表, no tiers) and ``commendation`` (a month's
published outstanding groups).

The header rule: the columns are a file format, declared once per kind as Chinese constants
(the same in every language); titles, roles and notes in the cells go through gettext.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from schoolops.models import Grade, School, SchoolClass, Term
from schoolops.sheets import parsers
from schoolops.sheets.base import (
    CellError,
    Column,
    Counts,
    ExportSheet,
    ImportSheet,
    Row,
    SheetRefused,
    add_class_argument,
    add_month_argument,
    add_term_argument,
)
from schoolops.sheets.writer import Heading, Sheet

from .access import board_grades, group_classes, sees_board, sees_groups
from .models import Membership, MonthClose, ScoreEntry, ScoreItem, StudyGroup
from .selectors import INSUFFICIENT, Board, BoardRow, class_groups, members_prefetch, month_board


class ScoresSheet(ImportSheet):
    """The 学习委员's records of a week: one row per score, all or nothing."""

    kind = "scores"
    title = gettext_lazy("Group scores")
    permission = "groups.add_scoreentry"
    # The homeroom teacher uploads their own class's sheet (``views.uploads``): a row of
    # another class refuses the file, naming the row.
    class_scoped = True
    columns = [
        Column("day", "日期", parsers.parse_date, required=True),
        Column("grade", "年级", parsers.grade_level, required=True),
        Column("class_name", "班级", parsers.class_name, required=True),
        Column("group_name", "组名", parsers.text, required=True, aliases=("小组",)),
        Column("item_name", "评分项", parsers.text, required=True, aliases=("项目",)),
        Column("points", "分值", parsers.integer, required=True, aliases=("得分", "分数")),
        Column("staff_no", "记录人工号", parsers.text_id, required=True, text_format=True),
        Column("note", "备注", parsers.text, default=""),
        Column("student_no", "学籍号", parsers.text_id, text_format=True),
    ]

    def prepare(self) -> None:
        self.terms = list(Term.objects.all())
        self.items = {i.name: i for i in ScoreItem.objects.filter(is_active=True)}
        self.groups = {
            (g.school_class_id, g.term_id, g.name): g
            for g in StudyGroup.objects.confirmed().select_related("term")
        }
        self.members = set(Membership.objects.current().values_list("group_id", "student_id"))
        self.closed = set(MonthClose.objects.values_list("month", flat=True))

    def clean_row(self, row: Row) -> Row | None:
        day: dt.date = row["day"]
        term = next((t for t in self.terms if t.start_date <= day <= t.end_date), None)
        if term is None:
            raise CellError(_("This date is not in a term."), column="day")
        grade = self.lookups.grade(row["grade"], "grade")
        school_class = self.lookups.school_class(grade.level, row["class_name"], "class_name")
        if not self.in_class(row.line, school_class, "class_name"):
            return None
        group = self.groups.get((school_class.pk, term.pk, row["group_name"]))
        if group is None:
            raise CellError(
                _("%(class)s has no confirmed group called %(name)s.")
                % {"class": school_class, "name": row["group_name"]},
                column="group_name",
            )
        item = self.items.get(row["item_name"])
        if item is None:
            raise CellError(
                _("No score item is called %(name)s. Items: %(items)s.")
                % {"name": row["item_name"], "items": "、".join(self.items)},
                column="item_name",
            )
        if not -20 <= row["points"] <= 20:
            raise CellError(_("Points are between -20 and 20."), column="points")
        staff = self.lookups.staff(row["staff_no"], "staff_no")
        student_id = None
        if row.get("student_no"):
            student_id = self.lookups.student_id(row["student_no"], "student_no")
            if (group.pk, student_id) not in self.members:
                raise CellError(
                    _("This student is not a member of %(group)s.") % {"group": group.name},
                    column="student_no",
                )
        row.data.update(group=group, term=term, item=item, staff=staff, student_id=student_id)
        return row

    def apply(self, rows: list[Row]) -> Counts:
        entries = []
        for row in rows:
            day = row["day"]
            month = day.replace(day=1)
            group = row["group"]
            entries.append(
                ScoreEntry(
                    group=group,
                    school_class_id=group.school_class_id,
                    term=row["term"],
                    student_id=row["student_id"],
                    item=row["item"],
                    points=row["points"],
                    teacher=row["staff"],
                    kind=ScoreEntry.Kind.IMPORT,
                    reason=row["note"],
                    day=day,
                    week=row["term"].week_number(day),
                    month=month,
                    after_close=month in self.closed,
                )
            )
        ScoreEntry.objects.bulk_create(entries, batch_size=1000)
        return Counts(new=len(entries))


# The monthly leaderboard.


def board_values(rows: Iterable[BoardRow]) -> list[list[Any]]:
    """The board's rows as cells: unranked rows have no rank or index, and say why when their
    class had too few records."""
    return [
        [
            r.rank if r.rank is not None else "",
            r.grade_name,
            r.class_name,
            r.group_name,
            r.points,
            float(r.class_average),
            float(r.index) if r.rank is not None and r.index is not None else "",
            r.class_rank,
            INSUFFICIENT if r.insufficient else "",
        ]
        for r in rows
    ]


class LeaderboardSheet(ExportSheet):
    """A month's board (``selectors.month_board``) as the page shows it: archived if the month
    is closed, else live; unranked rows last. With ``title_row`` (the page's and the admin's
    download) it opens with a title row naming the school, the month and the grade, and the
    rule the ranking followed."""

    kind = "leaderboard"
    title = gettext_lazy("Monthly group leaderboard")
    filename = "小组月排行.xlsx"
    columns = [
        Column("rank", "排名", width=6),
        Column("grade", "年级", width=10),
        Column("class", "班级", width=14),
        Column("group", "组名", width=14),
        Column("points", "得分", width=8),
        Column("average", "班级平均", width=10),
        Column("index", "指数", width=8),
        Column("class_rank", "班内排名", width=10),
        Column("note", "备注", width=30),
    ]

    @classmethod
    def add_arguments(cls, parser) -> None:
        add_month_argument(parser)
        parser.add_argument(
            "--title-row",
            action="store_true",
            dest="title_row",
            help="Open with a title row naming the school, the month and the rule.",
        )

    def resolve(
        self,
        month: dt.date | None = None,
        grade: Grade | None = None,
        title_row: bool = False,
        **options: Any,
    ) -> dict[str, Any]:
        """The month (this one by default) and the grades whose boards the file holds: the one
        asked for, else the whole school; a grade head's own grades only (another is a 404)."""
        month = (month or timezone.localdate()).replace(day=1)
        scope = self.scope
        if scope is None or scope.is_school_wide:
            grades: list[Grade | None] = [grade]
        else:
            own = board_grades(scope)
            if grade is not None and grade not in own:
                raise SheetRefused(_("There is no such grade."))
            grades = [grade] if grade is not None else list(own)
        return {"month": month, "grades": grades, "title_row": title_row}

    def authorize(self, **options: Any) -> None:
        if self.scope is not None and not sees_board(self.scope):
            raise PermissionDenied

    def boards(self, month: dt.date, grades: list[Grade | None]) -> list[Board]:
        """One board a grade, each ranked within its grade (None: the whole school)."""
        return [month_board(month, grade.pk if grade else None) for grade in grades]

    def rows(
        self, month: dt.date, grades: list[Grade | None], **options: Any
    ) -> Iterable[Sequence[Any]]:
        return [row for board in self.boards(month, grades) for row in board_values(board.rows)]

    def sheets(
        self, month: dt.date, grades: list[Grade | None], title_row: bool = False, **options: Any
    ) -> Iterable[Sheet]:
        if not title_row:
            yield from super().sheets(month=month, grades=grades)
            return
        boards = self.boards(month, grades)
        title = _("%(school)s · study-help groups' leaderboard · %(month)s · %(grade)s") % {
            "school": School.get().name,
            "month": f"{month:%Y-%m}",
            "grade": _grade_names(grades),
        }
        head: list[Any] = [Heading([title], size=14)]
        rule = boards[0].rule if boards else ""
        if rule:
            head.append([rule])
        head.append(Heading(self.headers()))
        yield Sheet(
            _("%(month)s group leaderboard") % {"month": f"{month:%Y-%m}"},
            rows=[*head, *(row for board in boards for row in board_values(board.rows))],
            widths=[c.width for c in self.columns],
        )

    def download_name(self, month: dt.date, grades: list[Grade | None], **options: Any) -> str:
        return _("Group leaderboard %(month)s %(grade)s.xlsx") % {
            "month": f"{month:%Y-%m}",
            "grade": _grade_names(grades),
        }


def _grade_names(grades: list[Grade | None]) -> str:
    names = [grade.name for grade in grades if grade is not None]
    return "、".join(names) if names else _("whole school")


class CommendationSheet(ExportSheet):
    """A closed month's outstanding groups (优秀小组表彰名单): published, or a draft the
    principal's office sees."""

    kind = "commendation"
    title = gettext_lazy("Outstanding groups")
    filename = "优秀小组表彰名单.xlsx"
    columns = [
        Column("rank", "排名", width=6),
        Column("grade", "年级", width=10),
        Column("class", "班级", width=16),
        Column("group", "组名", width=14),
        Column("points", "得分", width=8),
        Column("index", "指数", width=8),
    ]

    @classmethod
    def add_arguments(cls, parser) -> None:
        add_month_argument(parser)

    def resolve(self, month: dt.date | None = None, **options: Any) -> dict[str, Any]:
        month = (month or timezone.localdate()).replace(day=1)
        close = MonthClose.objects.filter(month=month).first()
        drafts = self.scope is None or self.scope.is_school_wide
        if close is None or not (close.is_published or drafts):
            raise SheetRefused(
                _("No outstanding groups of %(month)s have been published.")
                % {"month": f"{month:%Y-%m}"}
            )
        return {"close": close}

    def authorize(self, **options: Any) -> None:
        """Any member of staff: the list is read out to the whole school."""
        if self.scope is not None and self.scope.staff is None and not self.user.is_superuser:
            raise PermissionDenied

    def rows(self, close: MonthClose, **options: Any) -> Iterable[Sequence[Any]]:
        ranked = close.rows.filter(is_excellent=True, rank__isnull=False).order_by("rank", "pk")
        for r in ranked:
            yield [r.rank, r.grade_name, r.class_name, r.group_name, r.points, float(r.index)]

    def sheets(self, close: MonthClose, **options: Any) -> Iterable[Sheet]:
        name = _("%(month)s outstanding groups") % {"month": f"{close.month:%Y-%m}"}
        yield self.sheet(name, self.rows(close))

    def download_name(self, close: MonthClose, **options: Any) -> str:
        return _("Outstanding groups %(month)s.xlsx") % {"month": f"{close.month:%Y-%m}"}


# A class's groups.


class RegisterSheet(ExportSheet):
    """学习互助小组登记表 of a class: its groups, mottos and goals, each member's roles and
    goals; never the tiers (it is printed and pinned up)."""

    kind = "group_register"
    title = gettext_lazy("Registration sheet of the study-help groups")
    filename = "学习互助小组登记表.xlsx"
    columns = [
        Column("number", "组别", width=6),
        Column("group", "组名", width=12),
        Column("motto", "组训", width=24),
        Column("goals", "小组目标", width=30),
        Column("name", "姓名", width=10),
        Column("roles", "角色", width=24),
        Column("goal_short", "个人短期目标", width=24),
        Column("goal_long", "个人长期目标", width=24),
    ]

    @classmethod
    def add_arguments(cls, parser) -> None:
        add_class_argument(parser)
        add_term_argument(parser)

    def resolve(
        self, school_class: SchoolClass, term: Term | None = None, **options: Any
    ) -> dict[str, Any]:
        """The class, if the person works with its groups (else a 404), and the term (the
        current one by default)."""
        if self.scope is not None and not sees_groups(self.scope, school_class):
            raise SheetRefused(_("There is no such class."))
        term = term or Term.current()
        if term is None:
            raise SheetRefused(_("No term has been set up yet."))
        return {"school_class": school_class, "term": term}

    def authorize(self, **options: Any) -> None:
        """Whoever sees the class's groups (``resolve``) may take its registration sheet."""

    def rows(
        self, school_class: SchoolClass, term: Term, **options: Any
    ) -> Iterable[Sequence[Any]]:
        for group in class_groups(school_class, term):
            goals = "；".join(
                goal
                for goal in (
                    group.goal_midterm,
                    group.goal_term_end,
                    group.goal_year,
                    group.goal_stage,
                )
                if goal
            )
            for member in group.members:
                yield [
                    group.number,
                    group.name,
                    group.motto,
                    goals,
                    member.student.name,
                    "、".join(member.role_names()),
                    member.goal_short,
                    member.goal_long,
                ]

    def sheets(self, school_class: SchoolClass, term: Term, **options: Any) -> Iterable[Sheet]:
        name = _("%(class)s registration sheet") % {"class": school_class}
        yield self.sheet(name, self.rows(school_class, term))

    def download_name(self, school_class: SchoolClass, **options: Any) -> str:
        return _("Registration sheet of the study-help groups %(class)s.xlsx") % {
            "class": school_class
        }


class GroupsSheet(ExportSheet):
    """Every group of a term with its members, roles and tiers (for teachers, not print)."""

    kind = "groups"
    title = gettext_lazy("Study-help groups")
    filename = "学习互助小组.xlsx"
    columns = [
        Column("grade", "年级", width=10),
        Column("class", "班级", width=14),
        Column("group", "组名", width=12),
        Column("motto", "组训", width=24),
        Column("student_no", "学籍号", text_format=True, width=14),
        Column("name", "姓名", width=10),
        Column("roles", "角色", width=28),
        Column("tier", "层次", width=6),
    ]

    @classmethod
    def add_arguments(cls, parser) -> None:
        add_term_argument(parser)

    def rows(self, term: Term | None = None, **options: Any) -> Iterable[Sequence[Any]]:
        term = term or Term.current()
        groups = (
            StudyGroup.objects.active()
            .filter(term=term)
            .select_related("school_class__grade")
            .prefetch_related(members_prefetch())
            .order_by("school_class__grade__level", "school_class__number", "number")
        )
        scope = self.scope
        if scope is not None and not scope.is_school_wide:
            groups = groups.filter(
                school_class__in=group_classes(scope).filter(academic_year=scope.year).values("pk")
            )
        for group in groups:
            for member in group.members:
                yield [
                    group.school_class.grade.name,
                    str(group.school_class),
                    group.name,
                    group.motto,
                    member.student.student_no,
                    member.student.name,
                    "、".join(member.role_names()),
                    member.tier,
                ]
