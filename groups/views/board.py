"""The school's monthly leaderboard of groups, closing a month, its commendation list."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from schoolops.models import Post, School
from schoolops.pages import show_errors
from schoolops.params import month_of_or_404, page_number, parse_month, to_pk
from schoolops.scopes import get_scope, post_required, scope_required, staff_required
from schoolops.sheets.http import sheet_response

from .. import selectors, services
from ..access import board_tabs, can_run_months, get_published_close_or_404, sees_board
from ..models import MonthClose


@scope_required(sees_board)
def leaderboard(request: HttpRequest) -> HttpResponse:
    """The month's board, one grade or (for the principal's office) the whole school; a grade
    head gets their own grade's tab only, ranked within it, with its classes' totals."""
    scope = get_scope(request)
    today = timezone.localdate()
    month = parse_month(request.GET.get("month"), today)
    tabs = board_tabs(request, scope)
    grade = tabs.current
    grade_id = grade.pk if grade else None
    # The one board of the month (``selectors.month_board``): archived or live, the minimum
    # activity applied, unranked rows last; the admin's board and both downloads use it too.
    board = selectors.month_board(month, grade_id)
    close, rows = board.close, board.rows
    late = selectors.late_corrections(month, grade_id) if close is not None else []
    selectors.attach_recommendations(rows, month)
    page = Paginator(rows, selectors.LEADERBOARD_PAGE).get_page(page_number(request))
    pattern = reverse("groups:group_detail", args=[987654321])
    for row in page.object_list:
        row.url = pattern.replace("987654321", str(row.group_id))
    by_grade: dict[str, list] = {}
    for total in board.totals:
        by_grade.setdefault(total.grade_name, []).append(total)
    can_run = can_run_months(scope)
    context = {
        "month": month,
        "months": selectors.recent_months(today),
        "tabs": tabs,
        "grades": tabs.grades,
        "grade": grade,
        "whole_school": scope.is_school_wide,
        "rows": page.object_list,
        "page": page,
        "query": f"month={month:%Y-%m}" + (f"&grade={grade.pk}" if grade else ""),
        "totals_by_grade": by_grade,
        "close": close,
        "late": late,
        "can_run": can_run,
        "editable": close is not None and can_run and not close.is_published,
        "can_close": close is None and month < today.replace(day=1),
        "recommended_count": sum(1 for r in rows if r.recommended),
        "rule": board.rule,
        "board_charts": selectors.board_charts(board),
        "insufficient": selectors.INSUFFICIENT,
    }
    return render(request, "groups/leaderboard.html", context)


@scope_required(sees_board)
def leaderboard_xlsx(request: HttpRequest) -> HttpResponse:
    """The board the page shows: its month and grade (a grade head's own grade only)."""
    month = parse_month(request.GET.get("month"), timezone.localdate())
    grade = board_tabs(request, get_scope(request)).current
    return sheet_response(request, "leaderboard", month=month, grade=grade, title_row=True)


# The academic office closes a month, marks its outstanding groups and publishes them.


def _month_from_post(request: HttpRequest):
    month = parse_month(request.POST.get("month"))
    if month is None:
        raise Http404
    return month


def _leaderboard_url(month) -> str:
    return reverse("groups:leaderboard") + f"?month={month:%Y-%m}"


@require_POST
@post_required(Post.ACADEMIC_OFFICE)
def month_close(request: HttpRequest) -> HttpResponse:
    month = _month_from_post(request)
    try:
        services.close_month(month, get_scope(request).staff)
    except ValidationError as error:
        show_errors(request, error)
    else:
        messages.success(
            request,
            _("%(month)s is closed and its leaderboard archived.") % {"month": f"{month:%Y-%m}"},
        )
    return redirect(_leaderboard_url(month))


@require_POST
@post_required(Post.ACADEMIC_OFFICE)
def month_excellent(request: HttpRequest) -> HttpResponse:
    close = get_object_or_404(MonthClose, month=_month_from_post(request))
    ids = [pk for pk in map(to_pk, request.POST.getlist("excellent")) if pk is not None]
    shown = [pk for pk in map(to_pk, request.POST.getlist("shown")) if pk is not None]
    try:
        count = services.mark_excellent(close, ids, among=shown or None)
    except ValidationError as error:
        show_errors(request, error)
    else:
        messages.success(request, _("%(count)s outstanding groups marked.") % {"count": count})
    return redirect(_leaderboard_url(close.month))


@require_POST
@post_required(Post.ACADEMIC_OFFICE)
def month_publish(request: HttpRequest) -> HttpResponse:
    close = get_object_or_404(MonthClose, month=_month_from_post(request))
    try:
        services.publish(close, get_scope(request).staff)
    except ValidationError as error:
        show_errors(request, error)
    else:
        messages.success(request, _("The commendation list is published."))
    return redirect(_leaderboard_url(close.month))


# The commendation list, read out to the whole school.


@staff_required
def commendation(request: HttpRequest, year: int, month: int) -> HttpResponse:
    close = get_published_close_or_404(request, year, month)
    rows = list(close.rows.filter(is_excellent=True).order_by("rank", "pk"))
    selectors.attach_month_members(rows, close.month)
    context = {"close": close, "rows": rows, "school": School.get().name}
    return render(request, "groups/commendation.html", context)


@staff_required
def commendation_xlsx(request: HttpRequest, year: int, month: int) -> HttpResponse:
    return sheet_response(request, "commendation", month=month_of_or_404(year, month))
