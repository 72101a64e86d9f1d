"""A mentee's talks printed as the school files them (谈心记录): every talk of the pairing,
oldest first, for whoever may open the mentee's file; the reading is logged."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from mentors.access import pairing_required
from mentors.models import Pairing
from schoolops.privacy import Category, log_read
from schoolops.scopes import get_scope


@pairing_required()
def talks_print(request: HttpRequest, pairing: Pairing, can_edit: bool) -> HttpResponse:
    talks = list(pairing.talks.order_by("date", "pk"))
    log_read(request, [pairing.student_id], [Category.MENTORING])
    context = {
        "pairing": pairing,
        "student": pairing.student,
        "talks": talks,
        "term": get_scope(request).term,
    }
    return render(request, "mentors/talks_print.html", context)
