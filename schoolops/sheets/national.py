"""The national systems' files the roster reads as they are.

- The student export of 全国中小学生学籍信息管理系统 (``students``): title and note rows above
  the header, dozens of columns, 全国学籍号 as the 学籍号, the class as 七年级(3)班, 七(3)班,
  初一3班, 703 or 2025级3班, the family members 成员1… and 成员2…, and 学籍状态.
- Its family sheet (``students``): 学生姓名 | 全国学籍号 | 成员1姓名 | 成员1是否监护人 | …
  updates the guardians of students on the roster, without 性别 or 班级.
- The teacher information template of 全国教师管理信息系统 (``staff``): *姓名, *性别, 教职工号
  (the 工号), *人员状态 …; the stars are part of the headers.

Only what the school needs is read (minimal collection of minors' data): 身份证件号, 民族,
现住址, 户口性质, 入学年月, the yes/no flags, the members' 关系 and 工作单位 are declared nowhere,
so the engine ignores them: they never reach a row, the import record or the preview.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from schoolops.models import Staff, Student
from schoolops.sheets import parsers
from schoolops.sheets.base import CellError, Column, Row

REGISTRY = gettext_lazy("Student registry export (学籍系统)")
FAMILY = gettext_lazy("Family members sheet (学籍系统)")
SHORT = gettext_lazy("Short roster (class written as 703)")
TEACHER_TEMPLATE = gettext_lazy("Teacher information template (全国教师管理信息系统)")

NATIONAL_NO_HEADER = "全国学籍号"
FAMILY_MEMBERS = 2  # the export's 成员1… and 成员2…

_STUDENT_STATUSES = {
    "在读": Student.Status.IN_SCHOOL,
    "在校": Student.Status.IN_SCHOOL,
    "在籍": Student.Status.IN_SCHOOL,
    "转出": Student.Status.TRANSFERRED,
    "转学": Student.Status.TRANSFERRED,
    "休学": Student.Status.SUSPENDED,
    "毕业": Student.Status.GRADUATED,
    "结业": Student.Status.GRADUATED,
    "肄业": Student.Status.GRADUATED,
    "退学": Student.Status.LEFT,
    "辍学": Student.Status.LEFT,
    "死亡": Student.Status.LEFT,
}
_STAFF_IN_POST = {"在岗", "在职"}


def student_status(value: Any) -> str:
    """学籍状态: 在读, 转出, 休学, 毕业… as a ``Student.Status``."""
    written = parsers.text(value).replace(" ", "")
    status = _STUDENT_STATUSES.get(written)
    if status is None:
        raise CellError(
            _("Unknown 学籍状态 %(value)s. Write one of %(values)s.")
            % {"value": written[:30], "values": "、".join(_STUDENT_STATUSES)}
        )
    return status


def staff_status(value: Any) -> str:
    """人员状态: 在岗 or 在职 is in post; anything else (离岗, 退休, 调出…) has left."""
    written = parsers.text(value).replace(" ", "")
    return Staff.Status.ACTIVE if written in _STAFF_IN_POST else Staff.Status.LEFT


def _member_columns(number: int) -> list[Column]:
    return [
        Column(
            f"member{number}_name",
            f"成员{number}姓名",
            parsers.name,
            aliases=(f"家庭成员{number}姓名",),
            max_length=50,
        ),
        Column(f"member{number}_guardian", f"成员{number}是否监护人", parsers.yes_no),
        Column(
            f"member{number}_phone",
            f"成员{number}联系电话",
            parsers.contact_phone,
            aliases=(f"成员{number}电话", f"家庭成员{number}联系电话"),
            sensitive=True,
            max_length=20,
        ),
    ]


STUDENT_COLUMNS = [
    *(column for number in range(1, FAMILY_MEMBERS + 1) for column in _member_columns(number)),
    Column(
        "status",
        "学籍状态",
        student_status,
        aliases=("学生状态",),
        show=lambda status: str(Student.Status(status).label),
    ),
]
STAFF_COLUMNS = [
    Column(
        "status",
        "人员状态",
        staff_status,
        aliases=("在职状态",),
        show=lambda status: str(Staff.Status(status).label),
    ),
]


def has_members(found: dict[str, Any]) -> bool:
    return any(f"member{n}_name" in found for n in range(1, FAMILY_MEMBERS + 1))


def guardian(row: Row) -> tuple[str | None, str | None]:
    """The guardian's name and phone from the family members of a registry row.

    The guardian is the first member marked 是否监护人 = 是, else the first member named
    (成员1); the phone is theirs, else the row's own 联系电话 (already in ``guardian_phone``).
    """
    members = [
        (row.get(f"member{n}_name"), row.get(f"member{n}_guardian"), row.get(f"member{n}_phone"))
        for n in range(1, FAMILY_MEMBERS + 1)
    ]
    named = [member for member in members if member[0]]
    chosen = next((m for m in named if m[1]), named[0] if named else None)
    if chosen is None:
        return row.get("guardian_name"), row.get("guardian_phone")
    return chosen[0], chosen[2] or row.get("guardian_phone")
