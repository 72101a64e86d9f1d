"""The two-way selection: a mentor's applicants, the grades' progress, the matching (教导处)
and the download of the pairings."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from mentors import forms, selectors, services
from mentors.access import ACADEMIC, grade_pages_required, page_grades
from mentors.views.common import url_for_each, year_required
from schoolops.models import AcademicYear, Grade
from schoolops.pages import form_page, grade_tabs, show_errors
from schoolops.scopes import get_scope, post_required, staff_required
from schoolops.sheets.http import sheet_response


@staff_required
@year_required
def applicants(request: HttpRequest, year: AcademicYear) -> HttpResponse:
    """The students who chose me: I rank them, or decline some, before the matching."""
    scope = get_scope(request)
    me = scope.staff
    choices = selectors.applicant_choices(me, year)
    initial: dict[str, Any] = {}
    for ranking in selectors.mentor_rankings(me, year):
        initial[f"r_{ranking.student_id}"] = ranking.position
        initial[f"d_{ranking.student_id}"] = ranking.declined
    form = forms.RankingForm(
        request.POST or None, initial=initial, applicants=[c.student for c in choices]
    )
    by_class: dict[Any, list] = defaultdict(list)
    for choice in choices:
        by_class[choice.student.school_class].append(
            (choice, form[f"r_{choice.student_id}"], form[f"d_{choice.student_id}"])
        )

    def save() -> str:
        services.save_rankings(me, year, form.entries())
        return reverse("mentors:applicants")

    context = {
        "by_class": list(by_class.items()),
        "form": form,
        "deadline": selectors.selection_deadline(year, known=scope.term),
    }
    return form_page(
        request,
        form,
        "mentors/applicants.html",
        context,
        on_valid=save,
        success_message=_("Your ranking is saved."),
    )


@grade_pages_required
@year_required
def selection(request: HttpRequest, year: AcademicYear) -> HttpResponse:
    """One grade's classes a page (``?grade=<id>``; a grade head's own grade first, and only
    theirs), with every grade's and the school's figures above (the school's for the
    principal's office): the cost does not grow with the school."""
    scope = get_scope(request)
    by_grade = selectors.grade_progress(year)
    grades = page_grades(scope, year.pk)
    for g in grades:
        g.progress = by_grade.get(g.pk, selectors.Progress())
    tabs = grade_tabs(request, grades, note=_unpaired_note)
    grade = tabs.current
    classes = selectors.class_progress(year, grade) if grade else []
    overview_url = url_for_each("mentors:class_overview")
    for c in classes:
        c.overview_url = overview_url(c.pk)
    context = {
        "tabs": tabs,
        "grades": tabs.grades,
        "grade": grade,
        "classes": classes,
        "school": selectors.school_progress(by_grade) if scope.is_school_wide else None,
        "deadline": selectors.selection_deadline(year, known=scope.term),
        "today": timezone.localdate(),
        "can_match": scope.has_post(*ACADEMIC),
        "year": year,
    }
    return render(request, "mentors/selection.html", context)


def _unpaired_note(grade: Grade) -> str:
    """A grade tab's figure: its students still without a mentor, if any."""
    n = grade.progress.unpaired
    return _("%(n)s without a mentor") % {"n": n} if n else ""


@post_required(*ACADEMIC)
@year_required
def match(request: HttpRequest, grade_pk: int, year: AcademicYear) -> HttpResponse:
    """The matching of a grade: previewed (GET), then published as previewed (POST: an action
    that goes back to the preview when the choices changed meanwhile)."""
    grade = Grade.objects.filter(pk=grade_pk).first()
    if grade is None:
        raise Http404
    if request.method == "POST":
        return _publish(request, grade, year)
    preview = selectors.preview_matching(grade, year)
    context = {
        "grade": grade,
        "preview": preview,
        "form": forms.MatchConfirmForm(initial={"fingerprint": preview.fingerprint}),
        "by_choice": [
            (label, preview.by_choice.get(key, 0))
            for key, label in (
                ("1", _("1st choice")),
                ("2", _("2nd choice")),
                ("3", _("3rd choice")),
                ("-", _("unmatched")),
            )
        ],
    }
    return render(request, "mentors/match.html", context)


def _publish(request: HttpRequest, grade: Grade, year: AcademicYear) -> HttpResponse:
    form = forms.MatchConfirmForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The preview is missing; look at it again."))
        return redirect("mentors:match", grade_pk=grade.pk)
    try:
        run = services.publish_matching(
            grade, year, by=get_scope(request).staff, fingerprint=form.cleaned_data["fingerprint"]
        )
    except ValidationError as error:
        show_errors(request, error)
        return redirect("mentors:match", grade_pk=grade.pk)
    messages.success(
        request,
        _("Published: %(matched)s students matched, %(unmatched)s left for the homeroom teachers.")
        % {"matched": run.matched, "unmatched": run.unmatched},
    )
    return redirect(f"{reverse('mentors:selection')}?grade={grade.pk}")


@grade_pages_required
def pairings_export(request: HttpRequest) -> HttpResponse:
    """The year's pairings: the whole school's, or a grade head's grades' (the sheet's scope)."""
    return sheet_response(request, "pairings")
