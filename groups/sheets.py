"""Sheet kinds of the groups app: ``import_sheet scores``, ``export_sheet leaderboard|groups``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from schoolops.models import Term
from schoolops.sheets import parsers
from schoolops.sheets.base import (
    CellError,
    Column,
    Counts,
    ExportSheet,
    ImportSheet,
    Row,
    add_month_argument,
    add_term_argument,
)

from .access import board_grades
from .exports import board_values, role_names
from .models import Membership, MonthClose, ScoreEntry, ScoreItem, StudyGroup
from .selectors import month_board


def _scope(user: Any):
    if user is None:
        return None
    from schoolops.scopes import Scope

    return Scope(user)


class ScoresSheet(ImportSheet):
    """The 学习委员's records of a week: one row per score, all or nothing."""

    kind = "scores"
    title = gettext_lazy("Group scores")
    permission = "groups.add_scoreentry"
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

    def clean_row(self, row: Row) -> Row:
        day: dt.date = row["day"]
        term = next((t for t in self.terms if t.start_date <= day <= t.end_date), None)
        if term is None:
            raise CellError(_("This date is not in a term."), column="day")
        grade = self.lookups.grade(row["grade"], "grade")
        school_class = self.lookups.school_class(grade.level, row["class_name"], "class_name")
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


def leaderboard_rows(month: dt.date, grade_id: int | None = None) -> list[list[Any]]:
    """The month's board (of one grade with ``grade_id``) as the page shows it
    (``selectors.month_board``): archived if the month is closed, else live; unranked rows
    last, a class below the minimum activity saying so in the last column."""
    return board_values(month_board(month, grade_id).rows)


class LeaderboardSheet(ExportSheet):
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

    def rows(self, month: dt.date | None = None, **options: Any) -> Iterable[Sequence[Any]]:
        from django.utils import timezone

        month = month or timezone.localdate().replace(day=1)
        scope = _scope(self.user)
        if scope is None or scope.is_school_wide:
            return leaderboard_rows(month)
        # A grade head: the grades they head, each ranked within itself; anyone else nothing.
        return [row for grade in board_grades(scope) for row in leaderboard_rows(month, grade.pk)]


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
            .prefetch_related(
                Prefetch(
                    "memberships",
                    queryset=Membership.objects.current()
                    .select_related("student")
                    .prefetch_related("led_subjects")
                    .order_by("seat", "pk"),
                    to_attr="members",
                )
            )
            .order_by("school_class__grade__level", "school_class__number", "number")
        )
        scope = _scope(self.user)
        if scope is not None and not scope.is_school_wide:
            groups = groups.filter(school_class__in=scope.current_classes().values("pk"))
        for group in groups:
            for member in group.members:
                yield [
                    group.school_class.grade.name,
                    str(group.school_class),
                    group.name,
                    group.motto,
                    member.student.student_no,
                    member.student.name,
                    "、".join(role_names(member)),
                    member.tier,
                ]
