"""Who may open the mentor system's grade pages, on top of ``schoolops.scopes``.

The selection progress, compliance and evaluation pages (and their exports) show one grade a
tab. The principal's office sees every grade and the whole school's figures. A grade head
(级部主任) chairs the weekly grade meeting (seed 003) and sees the grades they head: only
those tabs are offered, another grade is a 404, and so is a term of another school year
(they head this year's grade, as ``Scope.classes`` has it); the whole school's figures are not
theirs. A mentor's own figures stay whole on their grade's tab (a mentor with mentees in two
grades has one duty, not two): they are the mentor's, and name no student. Anyone else: 403.
Running the matching, reassigning and scoring the evaluation stay with the academic office.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404

from mentors import selectors
from schoolops.models import Grade, Term
from schoolops.scopes import Scope, get_scope

if TYPE_CHECKING:
    from django.http import HttpRequest


def sees_grade_pages(scope: Scope) -> bool:
    return scope.is_school_wide or bool(scope.headed_grade_ids)


def grade_pages_required(view: Callable) -> Callable:
    """Anonymous → login; neither the principal's office nor a grade head → 403."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not sees_grade_pages(get_scope(request)):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def page_grades(scope: Scope, year_id: int) -> list[Grade]:
    """The grade tabs of the year: every grade with classes for the principal's office (a
    grade head's own first), the grades they head for a grade head (one query); a grade head
    asking for another school year gets a 404."""
    if scope.is_school_wide:
        return selectors.year_grades(year_id, scope.headed_grade_ids)
    if scope.year is None or year_id != scope.year.pk:
        raise Http404
    return [g for g in selectors.year_grades(year_id) if g.pk in scope.headed_grade_ids]


def page_terms(scope: Scope, terms: list[Term]) -> list[Term]:
    """The terms a grade page switches between: a grade head's are this school year's."""
    if scope.is_school_wide:
        return terms
    year_id = scope.year.pk if scope.year is not None else None
    return [term for term in terms if term.academic_year_id == year_id]
