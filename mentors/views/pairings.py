"""A mentor's mentees and a mentee's file; ending and reassigning pairings (教导处)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.forms import BaseForm
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from mentors import forms, selectors, services
from mentors.access import ACADEMIC, may_write_growth, pairing_required
from mentors.models import Pairing
from mentors.views.common import year_required
from schoolops import privacy
from schoolops.models import AcademicYear, Staff, Student
from schoolops.pages import form_page
from schoolops.params import month_of_or_404
from schoolops.privacy import Category, log_read
from schoolops.scopes import get_scope, post_required, staff_required

FILE_FORM = "mentors/pairing_form.html"


# The mentee list's orders (``?order=``): by class (the default) or by what is due first.
MENTEE_ORDERS = ("class", "due")


def _due_first(pairing: Pairing) -> tuple:
    """A talk due this week first, then a parent contact due this month, then the mentee
    talked to longest ago (never talked to: first of all)."""
    return (not pairing.talk_due, not pairing.contact_due, pairing.last_talk or date.min)


def guardian_phones(
    request: HttpRequest, students: list[Student], *, log: bool = True
) -> dict[int, str]:
    """The guardians' phones of ``students`` the register lets this person read (a mentor:
    their current mentees'), by student id; each read logged unless the caller logs it with
    its own reads (``log=False``; two queries at most)."""
    with_phone = {s.pk: s.guardian_phone for s in students if s.guardian_phone}
    if not with_phone:
        return {}
    readable = privacy.readable_students(
        get_scope(request), Category.GUARDIAN, Student.objects.filter(pk__in=with_phone)
    ).values_list("pk", flat=True)
    phones = {pk: with_phone[pk] for pk in readable}
    if log:
        log_read(request, list(phones), [Category.GUARDIAN])
    return phones


@staff_required
@year_required
def my_mentees(request: HttpRequest, year: AcademicYear) -> HttpResponse:
    """A mentor's mentees; ``?only=talk_due`` keeps those due a talk this week, ``?order=due``
    puts what is due first (an unknown value is ignored)."""
    scope = get_scope(request)
    today = timezone.localdate()
    pairings = selectors.mentor_pairings(scope.staff, year, today)
    only_talk_due = request.GET.get("only") == "talk_due"
    order = request.GET.get("order")
    order = order if order in MENTEE_ORDERS else "class"
    shown = [p for p in pairings if p.talk_due] if only_talk_due else list(pairings)
    if order == "due":
        shown.sort(key=_due_first)  # stable: by class within the same due
    phones = guardian_phones(request, [p.student for p in shown])
    for p in shown:
        p.guardian_phone = phones.get(p.student_id)
    context = {
        "pairings": shown,
        "total": len(pairings),
        "only_talk_due": only_talk_due,
        "order": order,
        "talk_due": sum(1 for p in pairings if p.talk_due),
        "contact_due": sum(1 for p in pairings if p.contact_due),
        "applicants": selectors.applicant_count(scope.staff, year),
        # The mentor's own talks held against due this term (two queries).
        "talk_chart": (
            selectors.talks_chart(
                "my-talks-chart",
                _("My talks held and due, week by week"),
                selectors.weekly_talks(scope.term, today, mentor_id=scope.staff.pk),
            )
            if pairings and scope.term
            else None
        ),
    }
    return render(request, "mentors/my_mentees.html", context)


@pairing_required()
def pairing_detail(request: HttpRequest, pairing: Pairing, can_edit: bool) -> HttpResponse:
    scope = get_scope(request)
    today = timezone.localdate()
    file = selectors.mentee_file(pairing)
    phone = guardian_phones(request, [pairing.student], log=False).get(pairing.student_id)
    # One read logged: the mentoring file, and the guardian's phone when it is shown.
    read = [Category.MENTORING, Category.GUARDIAN] if phone else [Category.MENTORING]
    log_read(request, [pairing.student_id], read)
    term = scope.term
    compliance = (
        selectors.pairing_compliance([pairing], term, today).get(pairing.pk) if term else None
    )
    months = []
    if term:
        months = [m for m in term.months() if pairing.started_on.replace(day=1) <= m <= today]
    context = {
        "pairing": pairing,
        "student": pairing.student,
        "can_edit": can_edit,
        "is_mentor": scope.staff is not None and pairing.mentor_id == scope.staff.pk,
        "can_write_growth": file.priority and may_write_growth(scope, pairing, can_edit),
        "can_end": pairing.is_active and scope.has_post(*ACADEMIC),
        "plan": file.plan,
        "talks": file.talks,
        "contacts": file.contacts,
        # Each month with its summary, if written: 「撰写」 a new one, 「查看/修改」 a written one.
        "summary_months": [
            (month, file.summaries.get(month))
            for month in sorted(set(months) | set(file.summaries), reverse=True)
        ],
        "growth": file.growth,
        "priority": file.priority,
        "history": file.history,
        "compliance": compliance,
        "guardian_phone": phone,
    }
    return render(request, "mentors/pairing_detail.html", context)


def _file_url(pairing: Pairing) -> str:
    return reverse("mentors:pairing_detail", args=[pairing.pk])


def _file_form(pairing: Pairing, form: BaseForm, title: str, **extra: Any) -> dict[str, Any]:
    """The context of a form of a mentee's file (``mentors/pairing_form.html``)."""
    return {"pairing": pairing, "student": pairing.student, "form": form, "title": title, **extra}


@pairing_required(edit=True)
def pairing_talk(request: HttpRequest, pairing: Pairing, can_edit: bool) -> HttpResponse:
    form = forms.TalkForm(request.POST or None)

    def save() -> str:
        d = form.cleaned_data
        services.log_talk(pairing, d["date"], d["topic"], d["content"], d["follow_up"])
        return _file_url(pairing)

    return form_page(
        request,
        form,
        FILE_FORM,
        _file_form(pairing, form, _("Log a talk")),
        on_valid=save,
        success_message=_("The talk is logged."),
    )


@pairing_required(edit=True)
def pairing_contact(request: HttpRequest, pairing: Pairing, can_edit: bool) -> HttpResponse:
    form = forms.ParentContactForm(request.POST or None)

    def save() -> str:
        d = form.cleaned_data
        services.log_parent_contact(pairing, d["date"], d["method"], d["content"])
        return _file_url(pairing)

    return form_page(
        request,
        form,
        FILE_FORM,
        _file_form(
            pairing,
            form,
            _("Log a parent contact"),
            guardian_phone=guardian_phones(request, [pairing.student]).get(pairing.student_id),
        ),
        on_valid=save,
        success_message=_("The parent contact is logged."),
    )


@pairing_required(edit=True)
def pairing_plan(request: HttpRequest, pairing: Pairing, can_edit: bool) -> HttpResponse:
    plan = selectors.mentee_plan(pairing)
    form = forms.PlanForm(request.POST or None, instance=plan)
    if request.method != "POST" and plan is not None:
        log_read(request, [pairing.student_id], [Category.MENTORING])

    def save() -> str:
        services.save_plan(
            pairing, **{name: form.cleaned_data[name] for name in forms.PlanForm.Meta.fields}
        )
        return _file_url(pairing)

    return form_page(
        request,
        form,
        FILE_FORM,
        _file_form(pairing, form, _("Mentoring plan")),
        on_valid=save,
        success_message=_("The mentoring plan is saved."),
    )


@pairing_required()
def pairing_growth(request: HttpRequest, pairing: Pairing, can_edit: bool) -> HttpResponse:
    """A special-attention student's growth record: the mentor or the class's keepers write."""
    scope = get_scope(request)
    if not may_write_growth(scope, pairing, can_edit):
        raise PermissionDenied
    if not selectors.is_priority(pairing.student, pairing.academic_year_id):
        messages.error(request, _("A growth record is kept for special-attention students only."))
        return redirect("mentors:pairing_detail", pk=pairing.pk)
    form = forms.GrowthRecordForm(request.POST or None)

    def save() -> str:
        d = form.cleaned_data
        services.add_growth_record(pairing, d["date"], d["content"], scope.staff)
        return _file_url(pairing)

    return form_page(
        request,
        form,
        FILE_FORM,
        _file_form(pairing, form, _("Growth record")),
        on_valid=save,
        success_message=_("Added to the growth record."),
    )


@pairing_required(edit=True)
def pairing_summary(
    request: HttpRequest, pairing: Pairing, can_edit: bool, year: int, month: int
) -> HttpResponse:
    """The month's summary, or its draft from the month's talks."""
    first = month_of_or_404(year, month)
    if first > timezone.localdate() or first < pairing.started_on.replace(day=1):
        raise Http404
    summary = selectors.monthly_summary(pairing, first)
    text = summary.text if summary else selectors.draft_monthly_summary(pairing, first)
    if request.method != "POST":
        log_read(request, [pairing.student_id], [Category.MENTORING])
    form = forms.SummaryForm(request.POST or None, initial={"text": text})

    def save() -> str:
        services.save_monthly_summary(pairing, first, form.cleaned_data["text"])
        return _file_url(pairing)

    title = _("Summary of %(month)s") % {"month": f"{first:%Y-%m}"}
    return form_page(
        request,
        form,
        FILE_FORM,
        _file_form(pairing, form, title, is_draft=summary is None),
        on_valid=save,
        success_message=_("The monthly summary is saved."),
    )


@post_required(*ACADEMIC)
@pairing_required()
def pairing_end(request: HttpRequest, pairing: Pairing, can_edit: bool) -> HttpResponse:
    form = forms.EndPairingForm(request.POST or None)

    def save() -> str:
        services.end_pairing(pairing, form.cleaned_data["reason"], form.cleaned_data["note"])
        return reverse("mentors:class_overview", args=[pairing.school_class_id])

    return form_page(
        request,
        form,
        FILE_FORM,
        _file_form(pairing, form, _("End the pairing early")),
        on_valid=save,
        success_message=_("The pairing has ended; its record is kept."),
    )


@post_required(*ACADEMIC)
@year_required
def reassign(request: HttpRequest, staff_pk: int, year: AcademicYear) -> HttpResponse:
    """Every current mentee of a mentor gets another mentor of their class, in one step."""
    mentor = Staff.objects.filter(pk=staff_pk).first()
    if mentor is None:
        raise Http404
    suggestions = selectors.suggest_reassignment(mentor, year)
    form = forms.ReassignForm(request.POST or None, suggestions=suggestions)
    created: list[Pairing] = []

    def save() -> str:
        created.extend(
            services.reassign_mentees(
                mentor,
                year,
                form.cleaned_data["reason"],
                form.new_mentors(),
                note=form.cleaned_data["note"],
                by=get_scope(request).staff,
            )
        )
        return reverse("mentors:compliance")

    return form_page(
        request,
        form,
        "mentors/reassign.html",
        {"mentor": mentor, "form": form, "suggestions": suggestions},
        on_valid=save,
        success_message=lambda: (
            _("%(count)s mentees of %(name)s have new mentors.")
            % {"count": len(created), "name": mentor.name}
        ),
    )
