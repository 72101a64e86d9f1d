"""Recognition and training of the mentors (seed 003): the term's honour list of mentors and
mentees with outstanding results (对成绩显著者给予表扬与奖励), printable, and the training
sessions and checks of the mentors' work (定期培训与检查), kept by the academic office and read
by the principal's office and grade heads; a mentor reads their own attendance and findings."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from mentors import forms, selectors, services
from mentors.access import (
    ACADEMIC,
    get_training_or_404,
    grade_pages_required,
    page_terms,
    term_in_scope,
)
from mentors.views.common import chosen_term_required, with_term
from schoolops.models import Term
from schoolops.pages import form_page, term_required
from schoolops.scopes import get_scope, staff_required


@grade_pages_required
@chosen_term_required
def honours(request: HttpRequest, term: Term) -> HttpResponse:
    """The term's honour list; the academic office adds a mentor or a mentee to it."""
    scope = get_scope(request)
    term_in_scope(scope, term)
    form = None
    if scope.has_post(*ACADEMIC):
        form = forms.HonourForm(
            request.POST or None,
            mentors=selectors.term_mentors(term),
            pairings=selectors.term_pairings(term),
        )

    def save() -> str:
        data = form.cleaned_data
        services.name_honour(
            term, data["reason"], mentor=data["mentor"], pairing=data["pairing"], by=scope.staff
        )
        return with_term("mentors:honours", term)

    mentors, mentees = selectors.term_honours(term)
    context = {
        "term": term,
        "form": form,
        "mentors": mentors,
        "mentees": mentees,
        "terms": page_terms(scope, selectors.latest_terms()),
    }
    return form_page(
        request,
        form,
        "mentors/honours.html",
        context,
        on_valid=save,
        success_message=_("Added to the honour list."),
    )


@grade_pages_required
@chosen_term_required
def honours_print(request: HttpRequest, term: Term) -> HttpResponse:
    """The term's honour list as the school posts it (表彰名单)."""
    term_in_scope(get_scope(request), term)
    mentors, mentees = selectors.term_honours(term)
    return render(
        request,
        "mentors/honours_print.html",
        {"term": term, "mentors": mentors, "mentees": mentees},
    )


@grade_pages_required
@chosen_term_required
def trainings(request: HttpRequest, term: Term) -> HttpResponse:
    """The term's training sessions and checks; the academic office records one, with the
    mentors present (a checkbox each)."""
    scope = get_scope(request)
    term_in_scope(scope, term)
    form = None
    if scope.has_post(*ACADEMIC):
        form = forms.TrainingForm(request.POST or None, mentors=selectors.term_mentors(term))
    created = []

    def save() -> str:
        data = form.cleaned_data
        created.append(
            services.record_training(
                term, data["date"], data["kind"], data["content"], data["attendees"], scope.staff
            )
        )
        return reverse("mentors:training_detail", args=[created[0].pk])

    context = {
        "term": term,
        "form": form,
        "sessions": selectors.term_trainings(term),
        "terms": page_terms(scope, selectors.latest_terms()),
    }
    return form_page(
        request,
        form,
        "mentors/trainings.html",
        context,
        on_valid=save,
        success_message=_("The session is recorded."),
    )


@grade_pages_required
def training_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A session: who attended, and the findings of the check of each mentor (a grade head
    reads those of their grades' mentors); the academic office writes the findings."""
    scope = get_scope(request)
    session = get_training_or_404(request, pk)
    term = session.term
    form = None
    if scope.has_post(*ACADEMIC):
        form = forms.CheckForm(request.POST or None, mentors=selectors.term_mentors(term))

    def save() -> str:
        data = form.cleaned_data
        services.record_check(session, data["mentor"], data["findings"], scope.staff)
        return reverse("mentors:training_detail", args=[session.pk])

    shown = (
        None if scope.is_school_wide else selectors.headed_mentor_ids(term, scope.headed_grade_ids)
    )
    context = {
        "session": session,
        "term": term,
        "form": form,
        "attendees": list(session.attendees.order_by("staff_no")),
        "checks": selectors.session_checks(session, shown),
        "whole_school": shown is None,
    }
    return form_page(
        request,
        form,
        "mentors/training_detail.html",
        context,
        on_valid=save,
        success_message=_("The findings are saved."),
    )


@staff_required
@term_required
def my_trainings(request: HttpRequest, term: Term) -> HttpResponse:
    """A mentor's trainings of the term: present or not, and the findings of their checks."""
    me = get_scope(request).staff
    mentoring = me is not None and selectors.term_pairings(term).filter(mentor=me).exists()
    context = {
        "term": term,
        "mentoring": mentoring,
        "sessions": selectors.my_trainings(term, me) if mentoring else [],
    }
    return render(request, "mentors/my_trainings.html", context)
