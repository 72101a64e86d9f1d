"""The seating chart as the classroom is laid out: rows of desks from the 讲台 back, columns
of desks from the window, in pairs with an aisle between.

The model keeps no desk positions, so the chart is derived from the groups, as the schools'
plans ask: "每小组必须是前后座位，学科组长尽量安排在中心位置". Each group takes a block two desks wide
and as deep as it needs (front to back); the blocks stand side by side across the room, and a
class with more groups than the room is wide starts a second band of blocks behind the first.
In a block the subject leaders take the desks nearest its centre and the others fill the
rest in their seat order. The homeroom teacher chooses the room's columns and rows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

DEFAULT_COLUMNS = 8
MIN_COLUMNS, MAX_COLUMNS = 2, 12
MIN_ROWS, MAX_ROWS = 1, 15


@dataclass
class Desk:
    member: Any = None  # a Membership, or None for an empty desk
    group: Any = None
    edges: list[str] = field(default_factory=list)  # the group block's sides this desk is on

    @property
    def css(self) -> str:
        classes = ["desk"]
        if self.member is None:
            classes.append("desk-empty")
        else:
            classes += [f"desk-edge-{edge}" for edge in self.edges]
            if self.member.is_leader:
                classes.append("desk-leader")
            if list(self.member.led_subjects.all()):
                classes.append("seat-lead")  # a subject leader (学科组长)
        return " ".join(classes)


@dataclass
class Layout:
    columns: int
    rows: int
    grid: list[list[Desk | None]]  # None: the aisle between two pairs of desks
    needed_rows: int


def block_order(members: list[Any]) -> list[Any]:
    """A group's members in the order they take its desks (row by row, front to back, two
    a row): the subject leaders on the desks nearest the block's centre."""
    depth = math.ceil(len(members) / 2)
    places = sorted(range(len(members)), key=lambda i: (abs(i // 2 - (depth - 1) / 2), i))
    leads = [m for m in members if list(m.led_subjects.all())]
    others = [m for m in members if not list(m.led_subjects.all())]
    order: list[Any] = [None] * len(members)
    for place, member in zip(places, leads, strict=False):
        order[place] = member
    # The others keep their seat order, front to back, on the desks left to them.
    for place, member in zip(sorted(places[len(leads) :]), others, strict=True):
        order[place] = member
    return order


def layout(groups: list[Any], columns: int = DEFAULT_COLUMNS, rows: int | None = None) -> Layout:
    """The room ``columns`` desks wide (pairs with an aisle between) and ``rows`` deep (at
    least as deep as the groups need; None: as deep as they need)."""
    per_band = max(1, columns // 2)
    bands = [groups[i : i + per_band] for i in range(0, len(groups), per_band)]
    depths = [max((math.ceil(len(g.members) / 2) for g in band), default=0) for band in bands]
    needed = sum(depths)
    rows = max(rows or 0, needed, 1)
    desks: list[list[Desk]] = [[Desk() for _ in range(columns)] for _ in range(rows)]
    top = 0
    for band, depth in zip(bands, depths, strict=True):
        for slot, group in enumerate(band):
            order = block_order(list(group.members))
            block_depth = math.ceil(len(order) / 2)
            for i, member in enumerate(order):
                r, c = top + i // 2, slot * 2 + i % 2
                edges = []
                if i // 2 == 0:
                    edges.append("top")
                if i // 2 == block_depth - 1:
                    edges.append("bottom")
                if i % 2 == 0:
                    edges.append("left")
                if i % 2 == 1 or i == len(order) - 1:
                    edges.append("right")
                desks[r][c] = Desk(member, group, edges)
        top += depth
    grid: list[list[Desk | None]] = []
    for row in desks:
        line: list[Desk | None] = []
        for c, desk in enumerate(row):
            if c and c % 2 == 0:
                line.append(None)  # the aisle
            line.append(desk)
        grid.append(line)
    return Layout(columns=columns, rows=rows, grid=grid, needed_rows=needed)
