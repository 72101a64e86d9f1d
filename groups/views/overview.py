"""My classes' groups at a glance."""

from __future__ import annotations

from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from schoolops.scopes import get_scope, staff_required

from ..access import can_score, group_classes, sees_board


@staff_required
def index(request: HttpRequest) -> HttpResponse:
    """The classes whose groups I work with this year, and the way to each page."""
    scope = get_scope(request)
    term = scope.term
    running = Q(study_groups__term=term, study_groups__is_active=True)
    classes = list(
        group_classes(scope)
        .filter(academic_year=scope.year)
        .annotate(
            group_count=Count("study_groups", filter=running),
            confirmed_count=Count(
                "study_groups", filter=running & Q(study_groups__confirmed_at__isnull=False)
            ),
        )
        .order_by("grade__level", "number")
    )
    for school_class in classes:
        school_class.can_score = can_score(scope, school_class)
        school_class.can_edit = scope.can_edit_class(school_class)
    context = {"classes": classes, "term": term, "show_leaderboard": sees_board(scope)}
    return render(request, "groups/index.html", context)
