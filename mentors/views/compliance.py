"""Compliance of the term's mentors, one grade a page (the principal's office, grade heads)."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from mentors import selectors
from mentors.access import ACADEMIC, grade_pages_required, page_terms
from mentors.views.common import chosen_term_required, mentor_grade_tabs, url_for_each
from schoolops.models import Staff, Term
from schoolops.params import page_number
from schoolops.scopes import get_scope

# A page of mentors; like the evaluation's, their pairings are looked up by id (a large
# school's mentors have some 60 mentees each).
COMPLIANCE_PAGE = 10


@grade_pages_required
@chosen_term_required
def compliance(request: HttpRequest, term: Term) -> HttpResponse:
    """The mentors of one grade a page (``?grade=<id>``; a grade head's own grade first), by
    staff number, COMPLIANCE_PAGE at a time: compliance is worked out for the page's mentors
    only, so the page costs the same whatever the size of the school. A mentor with mentees in
    two grades is on both tabs, with the figures of all their mentees."""
    scope = get_scope(request)
    today = timezone.localdate()
    tabs = mentor_grade_tabs(request, term)
    grade = tabs.current
    page = Paginator(
        selectors.grade_mentors(term, grade) if grade else Staff.objects.none(), COMPLIANCE_PAGE
    ).get_page(page_number(request))
    mentors = list(page.object_list)
    figures = selectors.mentor_compliance(term, today, [m.pk for m in mentors], by_id_up_to=2000)
    reassign_url = url_for_each("mentors:reassign")
    for mentor in mentors:
        mentor.reassign_url = reassign_url(mentor.pk)
    context = {
        "term": term,
        "rows": [(m, figures.get(m.pk, selectors.Compliance())) for m in mentors],
        "page": page,
        "tabs": tabs,
        "grades": tabs.grades,
        "grade": grade,
        "reassign_label": _("Reassign"),
        "weeks_over": sum(1 for w in term.teaching_weeks() if w.last_day < today),
        "can_reassign": scope.has_post(*ACADEMIC),
        "talk_chart": selectors.talks_chart(
            "grade-talks-chart",
            _("%(grade)s: talks held and due, week by week") % {"grade": grade.name},
            selectors.weekly_talks(term, today, grade=grade),
        )
        if grade
        else None,
        "terms": page_terms(scope, selectors.latest_terms()),
    }
    return render(request, "mentors/compliance.html", context)
