"""What several areas' views share: the year or term a page is about, and cheap links."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from functools import wraps
from typing import Any

from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils.translation import ngettext

from mentors import selectors
from mentors.access import page_grades
from schoolops.models import Grade, Term
from schoolops.pages import GradeTabs, grade_tabs, no_term_page
from schoolops.params import pk_or_404
from schoolops.scopes import get_scope


def year_required(view: Callable) -> Callable:
    """View decorator (below the access one): passes the current school ``year``, or answers
    the page saying no term is set up (a school year comes with its terms)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        year = get_scope(request).year
        if year is None:
            return no_term_page(request)
        return view(request, *args, year=year, **kwargs)

    return wrapper


def chosen_term(request: HttpRequest) -> Term | None:
    """The term asked for with ``?term=<id>`` (a 404 if there is none), else the current one."""
    chosen = request.GET.get("term", "")
    if not chosen:
        return get_scope(request).term
    term = Term.objects.select_related("academic_year").filter(pk=pk_or_404(chosen)).first()
    if term is None:
        raise Http404
    return term


def chosen_term_required(view: Callable) -> Callable:
    """View decorator (below the access one): passes ``term`` (``chosen_term``), or answers
    the page saying no term is set up."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        term = chosen_term(request)
        if term is None:
            return no_term_page(request)
        return view(request, *args, term=term, **kwargs)

    return wrapper


def term_grade_tabs(
    request: HttpRequest,
    grades: Iterable[Grade],
    term: Term,
    note: Callable[[Grade], Any] | None = None,
) -> GradeTabs:
    """The shared grade tabs (one order, 404 for a grade not among them), each naming the
    term shown, so that switching grades never switches terms."""
    tabs = grade_tabs(request, grades, note=note)
    tabs.tabs = [replace(tab, url=f"?term={term.pk}&grade={tab.grade.pk}") for tab in tabs.tabs]
    return tabs


def with_term(url_name: str, term: Term, *args: Any) -> str:
    return f"{reverse(url_name, args=args)}?term={term.pk}"


def url_for_each(name: str) -> Callable[[int], str]:
    """The URL of ``name`` for any one integer key, reversed once: a school-wide table links
    every row, and reversing a URL per row costs more than the rest of the row."""
    marker = 987654321
    head, tail = reverse(name, args=[marker]).split(str(marker))
    return lambda pk: f"{head}{pk}{tail}"


def mentor_grade_tabs(request: HttpRequest, term: Term) -> GradeTabs:
    """The grade tabs of a page of the term's mentors (``access.page_grades``: a grade head's
    own grade first, or only), each with how many mentors it has (``grade.mentors``)."""
    grades = page_grades(get_scope(request), term.academic_year_id)
    mentors_in = selectors.mentors_per_grade(term)
    for grade in grades:
        grade.mentors = mentors_in.get(grade.pk, 0)
    return term_grade_tabs(request, grades, term, note=_mentor_count)


def _mentor_count(grade: Grade) -> str:
    return ngettext("%(n)s mentor", "%(n)s mentors", grade.mentors) % {"n": grade.mentors}
