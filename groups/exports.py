"""xlsx downloads of the printable pages (registration sheet, commendation list)."""

from __future__ import annotations

from schoolops.sheets.writer import Sheet, workbook_bytes


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
        for r in close.rows.filter(is_excellent=True).order_by("rank", "pk")
    )
    return workbook_bytes(
        Sheet(
            f"{close.month:%Y-%m}优秀小组", headers=headers, rows=rows, widths=[6, 10, 16, 14, 8, 8]
        )
    )
