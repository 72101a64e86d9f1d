"""The consultation home page: a person's classes and their ledgers."""

from __future__ import annotations

from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from schoolops.privacy import Category, log_read
from schoolops.scopes import get_scope, scope_required

from .. import services
from ..access import may_consult


@scope_required(may_consult)
def index(request: HttpRequest) -> HttpResponse:
    scope = get_scope(request)
    term = scope.term
    classes = list(scope.current_classes().order_by("grade__level", "number"))
    completeness = services.ledger_completeness([c.pk for c in classes], term) if term else {}
    for school_class in classes:
        school_class.ledger_done, school_class.ledger_total = completeness.get(
            school_class.pk, (0, 0)
        )
        school_class.can_edit = scope.can_edit_class(school_class)
    flagged = []
    if scope.is_psychology:
        # The psychology teacher's students: psychological flags and notes (their scope).
        flagged = list(
            scope.students()
            .in_school()
            .filter(
                Q(ledger_profiles__term=term, ledger_profiles__psych_flag=True)
                | Q(observations__psychological=True)
            )
            .distinct()
            .order_by("school_class__grade__level", "school_class__number", "student_no")[:300]
        )
        log_read(request, flagged, [Category.PSYCHOLOGICAL])
    ctx = {
        "scope": scope,
        "term": term,
        "classes": classes,
        "flagged": flagged,
        "is_grade_head": bool(scope.headed_grade_ids),
    }
    return render(request, "consult/index.html", ctx)
