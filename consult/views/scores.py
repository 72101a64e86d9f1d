"""Each class's consultation score: one grade a page, and the export with every class."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from schoolops.models import Term
from schoolops.pages import grade_tabs, term_required
from schoolops.scopes import get_scope, scope_required
from schoolops.sheets.http import sheet_response

from ..access import grade_page_classes, may_open_grade_pages
from ..models import ConsultSettings
from ..selectors import class_scores, monthly_scores, score_charts, score_inputs


@scope_required(may_open_grade_pages)
@term_required
def scores(request: HttpRequest, term: Term) -> HttpResponse:
    """Classes are ranked within their grade: one grade a page (the export has them all)."""
    classes = grade_page_classes(get_scope(request))
    months = term.months()
    chosen = request.GET.get("month", "")
    month = next((m for m in months if chosen == f"{m:%Y-%m}"), None)
    tabs = grade_tabs(request, list({c.grade_id: c.grade for c in classes}.values()))
    grade = tabs.current
    classes = [c for c in classes if grade is not None and c.grade_id == grade.pk]
    settings = ConsultSettings.get()
    today = timezone.localdate()
    # The term's figures once, for the table's period and for the charts' months.
    inputs = score_inputs(term, [c.pk for c in classes])
    monthly = monthly_scores(term, classes, today, settings, inputs)
    ctx = {
        "rows": class_scores(term, classes, today, month, settings, inputs),
        "score_cards": score_charts(classes, monthly),
        "term": term,
        "months": months,
        "month": month,
        "tabs": tabs,
        "grade": grade,
        "settings": settings,
    }
    return render(request, "consult/scores.html", ctx)


@scope_required(may_open_grade_pages)
@term_required
def scores_xlsx(request: HttpRequest, term: Term) -> HttpResponse:
    return sheet_response(request, "consult_scores", term=term)
