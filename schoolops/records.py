"""Everything held on one student, for a guardian's request (个人信息保护法 art. 45: 查阅、复制).

``schoolops`` gives the roster, the exam results, the guardians' requests and the read log of
the student; every app adds its part through ``registry.add_student_export`` (titled sections
of rows). The principal's office prints it (``schoolops:student_records``) or downloads it as
one workbook (export kind ``student_records``, ``schoolops:student_records_xlsx``); either
read is itself logged.
"""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from schoolops import privacy
from schoolops.models import ExamResult, GuardianRequest, Post, ReadLog, Student
from schoolops.registry import Section, registry
from schoolops.sheets.base import ExportSheet, SheetRefused
from schoolops.sheets.writer import Heading, Sheet


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


class StudentRecordsSheet(ExportSheet):
    """Everything held on one student as a workbook, for a guardian's request: a printable
    record, not a table to import, so it declares no columns (each part's sections carry
    their own translated headers, as the printed page shows them)."""

    kind = "student_records"
    title = gettext_lazy("Everything held on a student")
    filename = gettext_lazy("Everything held.xlsx")

    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--student", required=True, help="The student's 学籍号.")

    def resolve(self, student: Student | int | str | None = None, **options: Any) -> dict:
        students = self.scope.students() if self.scope is not None else Student.objects.all()
        if isinstance(student, str):
            found = students.filter(student_no=student).first()
        else:
            found = students.filter(pk=getattr(student, "pk", student)).first()
        if found is None:
            raise SheetRefused(_("There is no such student."))
        return {"student": found}

    def authorize(self, **options: Any) -> None:
        if not self.scope.has_post(*Post.school_wide()):
            raise PermissionDenied

    # A kind names the options it takes (the engine passes them as keywords).
    def sheets(self, student: Student, **options: Any) -> Iterator[Sheet]:  # type: ignore[override]
        """One sheet per part: each section a bold title, its header row, its rows."""
        self.log_read([student], privacy.Category.values)
        title = Heading([_("Everything held on %(name)s") % {"name": student}], size=14)
        for part, sections in student_sections(student):
            rows: list[Any] = [title, []]
            for section in sections:
                rows.append(Heading([section.title], size=12))
                rows.append(Heading(section.headers))
                rows.extend(section.rows or [[_("(none)")]])
                rows.append([])
            yield Sheet(str(part), rows=rows, widths=[18, 18, 30, 30, 18, 18])

    def download_name(self, student: Student, **options: Any) -> str:  # type: ignore[override]
        return _("Everything held on %(name)s.xlsx") % {"name": student.name}
