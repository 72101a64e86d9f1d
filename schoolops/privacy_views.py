"""The principal's office's pages on minors' personal information.

- the read log (``read_log``, ``read_log_xlsx``): every read of a student's sensitive data,
  filtered by person, student, day and page;
- everything held on one student, for a guardian's request (``student_records`` to print,
  ``student_records_xlsx`` to hand over); reading it is logged like any other read;
- the student page's panel for the principal's office: who can see each part of the record
  and why, and the guardian's requests with their outcome.

Only the principal's office (校长, 副校长, 教导处) opens them; office staff (办公室) keep the
roster and get a 403 like every other post.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from schoolops import privacy, records
from schoolops.models import GuardianRequest, Post, ReadLog, Student
from schoolops.params import page_number, parse_date, text, to_pk
from schoolops.records import reader_name
from schoolops.scopes import get_scope, get_student_or_404, post_required
from schoolops.sheets.http import xlsx_response
from schoolops.sheets.writer import Sheet, workbook_bytes

SCHOOL_WIDE = Post.school_wide()
LOG_PAGE = 50
# A download of the log holds at most this many rows, newest first (narrow the filters).
LOG_EXPORT_ROWS = 100_000


def _log_filters(request: HttpRequest) -> dict[str, str]:
    return {
        "person": text(request.GET.get("person"), max_length=50),
        "student": text(request.GET.get("student"), max_length=50),
        "student_id": str(to_pk(request.GET.get("student_id")) or ""),
        "since": str(parse_date(request.GET.get("since")) or ""),
        "until": str(parse_date(request.GET.get("until")) or ""),
        "what": text(request.GET.get("what"), max_length=80),
    }


def _day_start(day: str) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(dt.date.fromisoformat(day), dt.time.min))


def _filtered_log(filters: dict[str, str]) -> QuerySet[ReadLog]:
    entries = ReadLog.objects.select_related("user__staff", "student__school_class__grade")
    if filters["person"]:
        person = filters["person"]
        entries = entries.filter(Q(user__username=person) | Q(user__staff__name__contains=person))
    if filters["student_id"]:
        entries = entries.filter(student_id=int(filters["student_id"]))
    if filters["student"]:
        student = filters["student"]
        entries = entries.filter(
            Q(student__student_no=student) | Q(student__name__contains=student)
        )
    if filters["since"]:
        entries = entries.filter(at__gte=_day_start(filters["since"]))
    if filters["until"]:
        until = dt.date.fromisoformat(filters["until"]) + dt.timedelta(days=1)
        entries = entries.filter(at__lt=_day_start(until.isoformat()))
    if filters["what"]:
        entries = entries.filter(what__startswith=filters["what"])
    return entries.order_by("-at", "-pk")


@post_required(*SCHOOL_WIDE)
def read_log(request: HttpRequest) -> HttpResponse:
    """Who read which student's sensitive data, when, on which page (newest first)."""
    filters = _log_filters(request)
    page = Paginator(_filtered_log(filters), LOG_PAGE).get_page(page_number(request))
    query = urlencode({k: v for k, v in filters.items() if v})
    ctx = {
        "page": page,
        "entries": [(e, reader_name(e)) for e in page.object_list],
        "filters": filters,
        "query": query,
        "keep_years": ReadLog.KEEP_YEARS,
    }
    return render(request, "schoolops/read_log.html", ctx)


@post_required(*SCHOOL_WIDE)
def read_log_xlsx(request: HttpRequest) -> HttpResponse:
    """The read log with the page's filters, as a workbook."""
    entries = _filtered_log(_log_filters(request))[:LOG_EXPORT_ROWS]
    headers = [
        _("When"),
        _("Who"),
        _("Student number"),
        _("Student"),
        _("Class"),
        _("Page or export"),
        _("Parts read"),
        _("Address"),
    ]
    rows = (
        [
            e.at,
            reader_name(e),
            e.student.student_no,
            e.student.name,
            str(e.student.school_class),
            e.what,
            "、".join(e.category_labels()),
            e.path,
        ]
        for e in entries.iterator(chunk_size=2000)
    )
    sheet = Sheet(
        _("Read log"),
        headers=headers,
        rows=rows,
        text_columns={2},
        widths=[18, 12, 14, 10, 14, 28, 30, 36],
    )
    return xlsx_response(workbook_bytes(sheet), "read-log.xlsx")


# Everything held on one student.


@post_required(*SCHOOL_WIDE)
def student_records(request: HttpRequest, pk: int) -> HttpResponse:
    """Everything held on the student, print-friendly, for a guardian's request."""
    student = get_student_or_404(request, pk)
    parts = records.printable(records.student_sections(student))
    privacy.log_read(request, [student], privacy.Category.values)
    ctx = {"student": student, "parts": parts, "printed_at": timezone.localtime()}
    return render(request, "schoolops/student_records.html", ctx)


@post_required(*SCHOOL_WIDE)
def student_records_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    student = get_student_or_404(request, pk)
    content = records.workbook(student, records.student_sections(student))
    privacy.log_read(request, [student], privacy.Category.values)
    return xlsx_response(content, f"student-{student.pk}-records.xlsx")


# The student page's panel for the principal's office.


def privacy_panel_context(request: HttpRequest, student: Student) -> dict[str, Any] | None:
    """Who can see each part of the record and why; the guardian's requests. Only for the
    principal's office; a fixed number of queries."""
    scope = get_scope(request)
    if not scope.is_school_wide:
        return None
    return {
        "student": student,
        "readers": privacy.who_can_see(student, scope.year),
        "categories": privacy.Category.choices,
        "requests": list(
            GuardianRequest.objects.filter(student=student)
            .select_related("decided_by")
            .order_by("-requested_on", "-pk")
        ),
    }
