"""Everything held on one student, for a guardian's request (个人信息保护法 art. 45: 查阅、复制).

``schoolops`` gives the roster, the exam results, the guardians' requests and the read log of
the student; every app adds its part through ``registry.add_student_export`` (titled sections
of rows). The principal's office prints it (``schoolops:student_records``) or downloads it as
one workbook (``schoolops:student_records_xlsx``); either read is itself logged.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from schoolops.models import ExamResult, GuardianRequest, ReadLog, Student
from schoolops.registry import Section, registry
from schoolops.sheets.writer import Heading, Sheet, workbook_bytes


def _yes_no(value: bool) -> str:
    return _("yes") if value else _("no")


def roster_sections(student: Student) -> list[Section]:
    """The roster's part: the student, exam results, requests, who read the record."""
    school_class = student.school_class
    results = (
        ExamResult.objects.filter(student=student)
        .select_related("exam", "subject")
        .order_by("exam__date", "subject__order")
    )
    requests = GuardianRequest.objects.filter(student=student).select_related("decided_by")
    reads = (
        ReadLog.objects.filter(student=student).select_related("user__staff").order_by("at", "pk")
    )
    return [
        Section(
            _("Student"),
            [_("Field"), _("Value")],
            [
                [_("student number"), student.student_no],
                [_("name"), student.name],
                [_("gender"), student.get_gender_display()],
                [_("date of birth"), student.birth_date],
                [_("class"), str(school_class)],
                [_("status"), student.get_status_display()],
                [_("left on"), student.left_on],
                [_("guardian"), student.guardian_name],
                [_("guardian's phone"), student.guardian_phone],
            ],
        ),
        Section(
            _("Exam results"),
            [_("Exam"), _("Date"), _("Subject"), pgettext("exam", "Score")],
            [[r.exam.name, r.exam.date, r.subject.name, r.score] for r in results],
        ),
        Section(
            _("Guardians' requests"),
            [
                _("Requested on"),
                _("Kind"),
                _("What was asked"),
                _("Outcome"),
                _("Decided by"),
                _("Decided on"),
            ],
            [
                [
                    r.requested_on,
                    r.get_kind_display(),
                    r.asked,
                    r.outcome,
                    r.decided_by.name if r.decided_by else "",
                    r.decided_on,
                ]
                for r in requests.order_by("requested_on", "pk")
            ],
        ),
        Section(
            _("Who read the sensitive parts of this record"),
            [_("When"), _("Who"), _("Page or export"), _("Parts read")],
            [
                [e.at, reader_name(e), e.what, "、".join(e.category_labels())]
                for e in reads.iterator(chunk_size=1000)
            ],
        ),
    ]


def reader_name(entry: ReadLog) -> str:
    if entry.user is None:
        return _("a command on the server")
    staff = getattr(entry.user, "staff", None)
    return staff.name if staff is not None else entry.user.get_username()


def student_sections(student: Student) -> list[tuple[str, list[Section]]]:
    """(part, sections) for the roster and each app, in the registry's order."""
    parts = [(_("School roster"), roster_sections(student))]
    for export in registry.student_exports:
        parts.append((str(export.title), export.sections(student)))
    return parts


def as_text(value: Any) -> str:
    """A cell as the printed page shows it (local time, ISO dates, blank for nothing)."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return f"{timezone.localtime(value) if timezone.is_aware(value) else value:%Y-%m-%d %H:%M}"
    if isinstance(value, dt.date):
        return f"{value:%Y-%m-%d}"
    return str(value)


def printable(parts: list[tuple[str, list[Section]]]) -> list[tuple[str, list[Section]]]:
    return [
        (
            part,
            [
                Section(s.title, s.headers, [[as_text(v) for v in row] for row in s.rows])
                for s in sections
            ],
        )
        for part, sections in parts
    ]


def workbook(student: Student, parts: list[tuple[str, list[Section]]]) -> bytes:
    """One sheet per part: each section a bold title, its header row, its rows."""

    def rows(sections: list[Section]) -> list[Any]:
        out: list[Any] = []
        for section in sections:
            out.append(Heading([section.title], size=12))
            out.append(Heading(section.headers))
            out.extend(section.rows or [[_("(none)")]])
            out.append([])
        return out

    title = Heading([_("Everything held on %(name)s") % {"name": student}], size=14)
    sheets = [
        Sheet(str(part), rows=[title, [], *rows(sections)], widths=[18, 18, 30, 30, 18, 18])
        for part, sections in parts
    ]
    return workbook_bytes(*sheets)
