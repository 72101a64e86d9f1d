"""A class's printables: the registration sheet (学习互助小组登记表, also as xlsx) and the
seating chart. Neither shows tiers: they are pinned up in the classroom."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from schoolops.models import SchoolClass, Term
from schoolops.pages import term_required
from schoolops.scopes import get_scope
from schoolops.sheets.http import sheet_response

from .. import selectors
from ..access import class_view
from .nav import class_nav


@class_view
@term_required
def register(request: HttpRequest, school_class: SchoolClass, term: Term) -> HttpResponse:
    """学习互助小组登记表: groups, names, mottos, goals, members and roles (no tiers)."""
    context = {
        "school_class": school_class,
        "class_nav": class_nav(get_scope(request), school_class),
        "groups": selectors.class_groups(school_class, term),
        "term": term,
    }
    return render(request, "groups/register.html", context)


@class_view
@term_required
def register_xlsx(request: HttpRequest, school_class: SchoolClass, term: Term) -> HttpResponse:
    return sheet_response(request, "group_register", school_class=school_class, term=term)


@class_view
@term_required
def seating(request: HttpRequest, school_class: SchoolClass, term: Term) -> HttpResponse:
    """Seating chart: each group front-to-back in two columns, subject leaders in the middle."""
    groups = selectors.class_groups(school_class, term)
    for group in groups:
        group.rows = [group.members[i : i + 2] for i in range(0, len(group.members), 2)]
    context = {
        "school_class": school_class,
        "class_nav": class_nav(get_scope(request), school_class),
        "groups": groups,
        "term": term,
    }
    return render(request, "groups/seating.html", context)
