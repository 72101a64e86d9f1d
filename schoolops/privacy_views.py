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

from typing import Any
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from schoolops import privacy, records
from schoolops.models import GuardianRequest, Post, ReadLog, Student
from schoolops.params import page_number
from schoolops.records import reader_name
from schoolops.scopes import get_scope, get_student_or_404, post_required
from schoolops.sheets.http import sheet_response
from schoolops.sheets.read_log import filtered_log, log_filters

SCHOOL_WIDE = Post.school_wide()
LOG_PAGE = 50


@post_required(*SCHOOL_WIDE)
def read_log(request: HttpRequest) -> HttpResponse:
    """Who read which student's sensitive data, when, on which page (newest first)."""
    filters = log_filters(request.GET)
    page = Paginator(filtered_log(filters), LOG_PAGE).get_page(page_number(request))
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
    return sheet_response(request, "read_log", **log_filters(request.GET))


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
    return sheet_response(request, "student_records", student=pk)


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
