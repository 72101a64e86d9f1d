"""xlsx downloads of the printable pages (registration sheet, commendation list)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from schoolops.sheets.writer import Heading, Sheet, workbook_bytes


def role_names(member) -> list[str]:
    """A member's roles as the registration sheet writes them (never the tier)."""
    roles = []
    if member.is_leader:
        roles.append("行政组长")
    if member.is_recorder:
        roles.append("协调记录组长")
    roles.extend(f"{s.name}学科组长" for s in member.led_subjects.all())
    return roles


def register_workbook(school_class, term, groups) -> bytes:
    """学习互助小组登记表 of a class: one row per member; no tiers."""
    headers = ["组别", "组名", "组训", "小组目标", "姓名", "角色", "个人短期目标", "个人长期目标"]
    rows = []
    for group in groups:
        goals = "；".join(
            g
            for g in (group.goal_midterm, group.goal_term_end, group.goal_year, group.goal_stage)
            if g
        )
        for member in group.members:
            rows.append(
                [
                    group.number,
                    group.name,
                    group.motto,
                    goals,
                    member.student.name,
                    "、".join(role_names(member)),
                    member.goal_short,
                    member.goal_long,
                ]
            )
    return workbook_bytes(
        Sheet(
            f"{school_class}登记表",
            headers=headers,
            rows=rows,
            widths=[6, 12, 24, 30, 10, 24, 24, 24],
        )
    )


def commendation_workbook(close) -> bytes:
    headers = ["排名", "年级", "班级", "组名", "得分", "指数"]
    rows = (
        [r.rank, r.grade_name, r.class_name, r.group_name, r.points, float(r.index)]
        for r in close.rows.filter(is_excellent=True, rank__isnull=False).order_by("rank", "pk")
    )
    return workbook_bytes(
        Sheet(
            f"{close.month:%Y-%m}优秀小组", headers=headers, rows=rows, widths=[6, 10, 16, 14, 8, 8]
        )
    )


# The monthly leaderboard, as the page and the admin show it (``selectors.month_board``).

BOARD_HEADERS = ["排名", "年级", "班级", "组名", "得分", "班级平均", "指数", "班内排名", "备注"]


def insufficient_text() -> str:
    return _("Too few records this month: not in the school ranking yet")


def rule_text(min_days: int | None, min_entries_per_group: int | None) -> str:
    """The minimum activity a board was ranked by, in a sentence (empty when none applied)."""
    if min_days is None or min_entries_per_group is None:
        return ""
    return _(
        "A class enters the school ranking once its groups have entries on at least %(days)s "
        "days of the month and at least %(entries)s entries per group (undone entries do not "
        "count); below that its groups show their points without an index or a rank."
    ) % {"days": min_days, "entries": min_entries_per_group}


def board_values(rows) -> list[list[Any]]:
    """The board's rows as the sheet's cells: unranked rows have no rank or index, and say
    why when their class had too few records."""
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
            insufficient_text() if r.insufficient else "",
        ]
        for r in rows
    ]


def board_title(board, school_name: str, grade_name: str | None) -> str:
    return _("%(school)s · study-help groups' leaderboard · %(month)s · %(grade)s") % {
        "school": school_name,
        "month": f"{board.month:%Y-%m}",
        "grade": grade_name or _("whole school"),
    }


def board_workbook(board, school_name: str, grade_name: str | None) -> bytes:
    """The board's file: a title row naming the school, the month and the grade (or the whole
    school), the rule the ranking followed, then exactly the rows the board shows."""
    head: list[Any] = [Heading([board_title(board, school_name, grade_name)], size=14)]
    rule = rule_text(board.min_days, board.min_entries_per_group)
    if rule:
        head.append([rule])
    head.append(Heading(BOARD_HEADERS))
    return workbook_bytes(
        Sheet(
            f"{board.month:%Y-%m}小组排行",
            rows=[*head, *board_values(board.rows)],
            widths=[6, 10, 14, 14, 8, 10, 8, 10, 30],
        )
    )
