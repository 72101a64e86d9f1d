"""A class's printables: the registration sheet (学习互助小组登记表, also as xlsx) and the
seating chart. Neither shows tiers: they are pinned up in the classroom."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from schoolops import params
from schoolops.models import SchoolClass, Term
from schoolops.pages import term_required
from schoolops.scopes import get_scope
from schoolops.sheets.http import sheet_response

from .. import seating as seating_plan
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
    """座位表: the classroom's desks row by row from the 讲台, each group's desks together
    front to back, subject leaders in the middle, group leaders marked. ``?cols=`` and
    ``?rows=`` lay out the room (a room too small for the groups gets a message and the
    rows it needs)."""
    groups = selectors.class_groups(school_class, term)
    columns = params.number(
        request.GET.get("cols"), seating_plan.MIN_COLUMNS, seating_plan.MAX_COLUMNS
    )
    rows = params.number(request.GET.get("rows"), seating_plan.MIN_ROWS, seating_plan.MAX_ROWS)
    problem = ""
    if ("cols" in request.GET and columns is None) or ("rows" in request.GET and rows is None):
        problem = _(
            "Choose between %(c1)s and %(c2)s columns and between %(r1)s and %(r2)s rows."
        ) % {
            "c1": seating_plan.MIN_COLUMNS,
            "c2": seating_plan.MAX_COLUMNS,
            "r1": seating_plan.MIN_ROWS,
            "r2": seating_plan.MAX_ROWS,
        }
    plan = seating_plan.layout(groups, columns or seating_plan.DEFAULT_COLUMNS, rows)
    if rows and rows < plan.needed_rows and not problem:
        problem = _(
            "%(rows)s rows of %(cols)s desks do not seat every group together: the chart "
            "uses %(needed)s rows."
        ) % {"rows": rows, "cols": plan.columns, "needed": plan.needed_rows}
    context = {
        "school_class": school_class,
        "class_nav": class_nav(get_scope(request), school_class),
        "groups": groups,
        "plan": plan,
        "column_choices": range(seating_plan.MIN_COLUMNS, seating_plan.MAX_COLUMNS + 1),
        "row_choices": range(seating_plan.MIN_ROWS, seating_plan.MAX_ROWS + 1),
        "problem": problem,
        "term": term,
    }
    return render(request, "groups/seating.html", context)
