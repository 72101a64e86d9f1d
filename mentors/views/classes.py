"""A class's mentoring, kept by its homeroom teacher, its grade head and the principal's office."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mentors import forms, hooks, selectors, services
from mentors.access import ACADEMIC, class_editor_required
from mentors.views.common import year_required
from schoolops.models import AcademicYear, SchoolClass, Staff, Student, Term
from schoolops.pages import form_page, private_upload, sheet_upload_page, show_errors, term_required
from schoolops.scopes import class_required, get_scope


@class_editor_required
@year_required
def class_overview(
    request: HttpRequest, school_class: SchoolClass, year: AcademicYear
) -> HttpResponse:
    scope = get_scope(request)
    today = timezone.localdate()
    mentors = selectors.mentors_by_class([school_class.pk]).get(school_class.pk, [])
    pairings = selectors.class_pairings(school_class, year, today)
    compliance = selectors.pairing_compliance(pairings, scope.term, today) if scope.term else {}
    for p in pairings:
        p.compliance = compliance.get(p.pk)
    unpaired = (
        school_class.students.in_school()
        .exclude(pk__in=[p.student_id for p in pairings])
        .order_by("student_no")
    )
    unpaired_list = list(unpaired)
    # The class's students in school: the unpaired ones and those with a mentor.
    size = len(unpaired_list) + sum(
        1
        for p in pairings
        if p.student.status == Student.Status.IN_SCHOOL
        and p.student.school_class_id == school_class.pk
    )
    load = selectors.class_load(school_class, mentors, pairings, size)
    assign_form = forms.HandAssignForm(
        students=unpaired,
        mentors=Staff.objects.filter(pk__in=[m.pk for m in mentors]).order_by("staff_no"),
        room={row["mentor"].pk: row["capacity"] - row["taken"] for row in load},
    )
    context = {
        "school_class": school_class,
        "links": hooks.class_links(request, school_class),
        "pairings": pairings,
        "unpaired": unpaired_list,
        "load": load,
        "assign_form": assign_form,
        "exchanges": selectors.recent_exchanges(school_class, 5),
        "can_set_capacity": scope.has_post(*ACADEMIC),
        "deadline": selectors.selection_deadline(year, known=scope.term),
    }
    return render(request, "mentors/class_overview.html", context)


@class_editor_required
@year_required
def class_choices(
    request: HttpRequest, school_class: SchoolClass, year: AcademicYear
) -> HttpResponse:
    """The students' three choices and priority marks, entered by the homeroom teacher."""
    scope = get_scope(request)
    students = list(school_class.students.in_school().order_by("student_no"))
    mentors = selectors.mentors_by_class([school_class.pk]).get(school_class.pk, [])
    chosen, priority = selectors.class_choices(school_class, year)
    initial: dict[str, Any] = {f"c{rank}_{s}": str(m) for s, rank, m in chosen}
    initial.update({f"p_{s}": True for s in priority})
    form = forms.ClassChoicesForm(
        request.POST or None, initial=initial, students=students, mentors=mentors
    )
    saved: dict[str, int] = {}

    def save() -> str:
        saved["count"] = services.save_class_choices(
            school_class,
            year,
            services.ClassChoices(form.choices_by_student(), form.priority_ids()),
            by=scope.staff,
        )
        return reverse("mentors:class_choices", args=[school_class.pk])

    capacity = selectors.capacities([school_class], {school_class.pk: mentors})
    context = {
        "school_class": school_class,
        "links": hooks.class_links(request, school_class),
        "form": form,
        "mentors": [(m, capacity[(school_class.pk, m.pk)]) for m in mentors],
        "deadline": selectors.selection_deadline(year, known=scope.term),
    }
    return form_page(
        request,
        form,
        "mentors/class_choices.html",
        context,
        on_valid=save,
        success_message=lambda: (
            _("Choices saved: %(count)s of %(total)s students have chosen.")
            % {"count": saved["count"], "total": len(students)}
        ),
    )


@private_upload
@class_editor_required
def class_choices_upload(request: HttpRequest, school_class: SchoolClass) -> HttpResponse:
    """The class's 志愿 sheet (kind ``preferences``), uploaded by its homeroom teacher: checked
    first, imported on confirmation; a row of another class is refused by its row."""
    return sheet_upload_page(
        request,
        kind="preferences",
        school_class=school_class,
        template="mentors/class_choices_upload.html",
        context={"school_class": school_class, "links": hooks.class_links(request, school_class)},
        done_url=reverse("mentors:class_choices", args=[school_class.pk]),
    )


@require_POST
@class_editor_required
@year_required
def hand_assign(
    request: HttpRequest, school_class: SchoolClass, year: AcademicYear
) -> HttpResponse:
    """An action of the class overview: pair an unmatched student by hand (调剂)."""
    mentors = selectors.mentors_by_class([school_class.pk]).get(school_class.pk, [])
    form = forms.HandAssignForm(
        request.POST,
        students=school_class.students.in_school(),
        mentors=Staff.objects.filter(pk__in=[m.pk for m in mentors]),
    )
    if not form.is_valid():
        messages.error(request, _("Choose a student and a mentor of this class."))
    else:
        try:
            pairing = services.assign_by_hand(
                form.cleaned_data["student"],
                form.cleaned_data["mentor"],
                year,
                by=get_scope(request).staff,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            show_errors(request, error)
        else:
            messages.success(
                request,
                _("%(student)s is now mentored by %(mentor)s.")
                % {"student": pairing.student.name, "mentor": pairing.mentor.name},
            )
    return redirect("mentors:class_overview", class_pk=school_class.pk)


@class_required(*ACADEMIC)
def class_capacity(request: HttpRequest, school_class: SchoolClass) -> HttpResponse:
    mentors = selectors.mentors_by_class([school_class.pk]).get(school_class.pk, [])
    size = school_class.students.in_school().count()
    default = selectors.default_capacity(size, len(mentors))
    overrides = dict(school_class.mentor_capacities.values_list("mentor_id", "capacity"))
    form = forms.CapacityForm(
        request.POST or None,
        initial={f"cap_{pk}": cap for pk, cap in overrides.items()},
        mentors=mentors,
        default=default,
    )

    def save() -> str:
        services.set_capacities(school_class, form.capacities())
        return reverse("mentors:class_overview", args=[school_class.pk])

    context = {"school_class": school_class, "form": form, "size": size, "default": default}
    return form_page(
        request,
        form,
        "mentors/class_capacity.html",
        context,
        on_valid=save,
        success_message=_("Capacities saved."),
    )


@class_editor_required
def class_exchanges(request: HttpRequest, school_class: SchoolClass) -> HttpResponse:
    """The weekly homeroom–mentor exchange on the class's students."""
    scope = get_scope(request)
    mentors = selectors.mentors_by_class([school_class.pk]).get(school_class.pk, [])
    form = forms.ExchangeForm(
        request.POST or None,
        mentors=Staff.objects.filter(pk__in=[m.pk for m in mentors]).order_by("staff_no"),
        students=school_class.students.in_school().order_by("student_no"),
    )

    def save() -> str:
        data = form.cleaned_data
        services.record_exchange(
            school_class,
            data["date"],
            data["notes"],
            held_as_class_meeting=data["held_as_class_meeting"],
            mentors=list(data["mentors"]),
            students=list(data["students"]),
            by=scope.staff,
        )
        return reverse("mentors:class_exchanges", args=[school_class.pk])

    context = {
        "school_class": school_class,
        "links": hooks.class_links(request, school_class),
        "form": form,
        "exchanges": selectors.recent_exchanges(school_class, 30, detailed=True),
    }
    return form_page(
        request,
        form,
        "mentors/class_exchanges.html",
        context,
        on_valid=save,
        success_message=_("The exchange is recorded."),
    )


@class_editor_required
@term_required
def class_ratings(request: HttpRequest, school_class: SchoolClass, term: Term) -> HttpResponse:
    """The homeroom teacher types in the mentees' questionnaire answers of the term."""
    pairings, answers = selectors.class_ratings(term, school_class)
    initial = {}
    for p in pairings:
        answer = answers.get((p.student_id, p.mentor_id))
        if answer:
            initial[f"s_{p.pk}"] = str(answer.score)
            initial[f"t_{p.pk}"] = answer.comment
    form = forms.RatingsForm(request.POST or None, initial=initial, pairings=pairings)
    saved: dict[str, int] = {}

    def save() -> str:
        saved["count"] = services.save_student_ratings(term, form.entries())
        return reverse("mentors:class_ratings", args=[school_class.pk])

    return form_page(
        request,
        form,
        "mentors/class_ratings.html",
        {
            "school_class": school_class,
            "links": hooks.class_links(request, school_class),
            "form": form,
            "term": term,
        },
        on_valid=save,
        success_message=lambda: _("%(count)s answers saved.") % {"count": saved["count"]},
    )
