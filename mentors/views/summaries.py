"""A mentor's monthly summary of their talks (每月总结谈话情况记录汇总一次, seed 003): one a
month for all their mentees, drafted from the month's talks and filed by the mentor; the
principal's office and grade heads read the filed ones, a month and a grade a page."""

from __future__ import annotations

from dataclasses import replace

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from mentors import forms, selectors, services
from mentors.access import get_mentor_summary_or_404, grade_pages_required, page_terms
from mentors.views.common import chosen_term_required, mentor_grade_tabs, url_for_each
from schoolops.models import Staff, Term
from schoolops.pages import form_page, term_required
from schoolops.params import month_of_or_404, page_number, parse_month
from schoolops.privacy import Category, log_read
from schoolops.scopes import get_scope, staff_required

# A page of the grade's mentors, by staff number.
SUMMARY_PAGE = 20


@staff_required
@term_required
def my_summaries(request: HttpRequest, term: Term) -> HttpResponse:
    """The months of the term in which the mentor had mentees, latest first, each filed or to
    write (three queries)."""
    me = get_scope(request).staff
    today = timezone.localdate()
    spans = selectors.mentor_year_spans(me.pk, term.academic_year_id) if me else []
    months = [m for m in selectors.summary_months(term, today) if selectors.mentored_in(spans, m)]
    filed = (
        {s.month: s for s in me.mentor_summaries.filter(month__in=months)} if me and months else {}
    )
    context = {
        "term": term,
        "rows": [(month, filed.get(month)) for month in months],
        "due": selectors.default_summary_month(months, today),
    }
    return render(request, "mentors/my_summaries.html", context)


@staff_required
def my_summary(request: HttpRequest, year: int, month: int) -> HttpResponse:
    """The mentor's summary of a month: the filed one to correct, or a draft from the month's
    talks with each mentee. A month without mentees (or not begun) is a 404."""
    first = month_of_or_404(year, month)
    me = get_scope(request).staff
    if me is None or first > timezone.localdate():
        raise Http404
    pairings = selectors.month_pairings(me.pk, first)
    if not pairings:
        raise Http404
    summary = selectors.mentor_summary(me.pk, first)
    text = summary.text if summary else selectors.draft_mentor_summary(pairings, first)
    if request.method != "POST":
        log_read(request, [p.student_id for p in pairings], [Category.MENTORING])
    form = forms.SummaryForm(request.POST or None, initial={"text": text})

    def save() -> str:
        services.file_mentor_summary(me, first, form.cleaned_data["text"])
        return reverse("mentors:my_summaries")

    context = {
        "form": form,
        "month": first,
        "summary": summary,
        "pairings": pairings,
        "title": _("My summary of %(month)s") % {"month": f"{first:%Y-%m}"},
    }
    return form_page(
        request,
        form,
        "mentors/my_summary.html",
        context,
        on_valid=save,
        success_message=_("Your monthly summary is filed."),
    )


@grade_pages_required
@chosen_term_required
def summaries(request: HttpRequest, term: Term) -> HttpResponse:
    """The mentors of one grade (``?grade=``) and their summary of one month of the term
    (``?month=2026-11``; last month's by default), filed or not, SUMMARY_PAGE at a time."""
    scope = get_scope(request)
    today = timezone.localdate()
    months = selectors.summary_months(term, today)
    chosen = request.GET.get("month", "")
    month = parse_month(chosen) if chosen else selectors.default_summary_month(months, today)
    if chosen and month not in months:
        raise Http404
    tabs = mentor_grade_tabs(request, term)
    if chosen:  # switching grades keeps the month
        tabs.tabs = [replace(tab, url=f"{tab.url}&month={month:%Y-%m}") for tab in tabs.tabs]
    grade = tabs.current
    page = Paginator(
        selectors.grade_mentors(term, grade) if grade and month else Staff.objects.none(),
        SUMMARY_PAGE,
    ).get_page(page_number(request))
    mentors = list(page.object_list)
    filed = selectors.grade_summaries([m.pk for m in mentors], month) if month else {}
    detail_url = url_for_each("mentors:summary_detail")
    for summary in filed.values():
        summary.url = detail_url(summary.pk)
    context = {
        "term": term,
        "months": months,
        "month": month,
        "rows": [(m, filed.get(m.pk)) for m in mentors],
        "page": page,
        "tabs": tabs,
        "grades": tabs.grades,
        "grade": grade,
        "filed": selectors.filed_count(term, grade, month) if grade and month else 0,
        "mentors": getattr(grade, "mentors", 0),
        "terms": page_terms(scope, selectors.latest_terms()),
    }
    return render(request, "mentors/summaries.html", context)


@staff_required
def summary_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A filed summary, printable, for its mentor and those who read it (the reading of the
    month's mentees' records is logged)."""
    summary = get_mentor_summary_or_404(request, pk)
    pairings = selectors.month_pairings(summary.mentor_id, summary.month)
    log_read(request, [p.student_id for p in pairings], [Category.MENTORING])
    me = get_scope(request).staff
    context = {
        "summary": summary,
        "pairings": pairings,
        "is_mentor": me is not None and me.pk == summary.mentor_id,
        "term": Term.current(summary.month),
    }
    return render(request, "mentors/mentor_summary.html", context)
