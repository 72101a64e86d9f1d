"""Escalation: proposing a student to the next level, and the agenda that takes or sends back."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from schoolops.models import Term
from schoolops.pages import form_page, show_errors, term_required
from schoolops.params import page_number
from schoolops.privacy import Category, log_read
from schoolops.scopes import get_scope, get_student_or_404, scope_required

from .. import services
from ..access import escalation_agenda, may_consult, may_open_grade_pages
from ..forms import NoteForm, ProposeForm
from ..models import NEXT_LEVEL, Escalation, Level

ESCALATIONS_PAGE = 25


@scope_required(may_consult)
def propose(request: HttpRequest, pk: int) -> HttpResponse:
    scope = get_scope(request)
    student = get_student_or_404(request, pk)
    if not scope.can_edit_class(student.school_class):
        raise PermissionDenied
    form = ProposeForm(request.POST or None)

    def save() -> str:
        services.propose_manually(
            student, scope.staff, form.cleaned_data["reason"], timezone.localdate()
        )
        return reverse("schoolops:student_detail", args=[student.pk])

    return form_page(
        request,
        form,
        "consult/form.html",
        {"student": student, "form": form, "title": _("Propose to the next level")},
        on_valid=save,
        success_message=_("The student is on the next meeting's agenda."),
    )


@scope_required(may_open_grade_pages)
@require_safe
@term_required
def escalations(request: HttpRequest, term: Term) -> HttpResponse:
    scope = get_scope(request)
    settings = services.check_escalations(term, timezone.localdate())
    agenda = escalation_agenda(scope).filter(term=term)
    # ``?to=grade`` (班级→级部) or ``?to=school`` (级部→学校); another value shows every step.
    to_level = request.GET.get("to")
    to_level = to_level if to_level in NEXT_LEVEL.values() else ""
    if to_level:
        agenda = agenda.filter(to_level=to_level)
    # A grade's agenda, oldest proposal first, 25 a page: a meeting takes them in that order.
    proposed = agenda.filter(status=Escalation.Status.PROPOSED).order_by("proposed_on", "pk")
    page = Paginator(proposed, ESCALATIONS_PAGE).get_page(page_number(request))
    decided = list(agenda.exclude(status=Escalation.Status.PROPOSED).order_by("-decided_on")[:20])
    shown = list(page.object_list)
    log_read(request, [e.student_id for e in shown + decided], [Category.CONSULT])
    ctx = {
        "page": page,
        "proposed": shown,
        "decided": decided,
        # One note field for every proposal's form, rendered once (no id, so none repeats).
        "note": NoteForm(auto_id=False)["note"].as_widget(),
        "settings": settings,
        "to_level": to_level,
        "steps": [
            (to, f"{Level(frm).label} → {Level(to).label}") for frm, to in NEXT_LEVEL.items()
        ],
    }
    return render(request, "consult/escalations.html", ctx)


@scope_required(may_consult)
@require_POST
def escalation_decide(request: HttpRequest, pk: int) -> HttpResponse:
    scope = get_scope(request)
    escalation = get_object_or_404(escalation_agenda(scope), pk=pk)
    if escalation.to_level == Level.SCHOOL and not scope.is_school_wide:
        raise PermissionDenied
    take = request.POST.get("decision") == "take"
    form = NoteForm(request.POST)
    form.is_valid()
    try:
        services.decide_escalation(
            escalation, scope.staff, take=take, note=form.cleaned_data.get("note", "")
        )
    except ValidationError as error:
        show_errors(request, error)
    else:
        name = escalation.student.name
        if take:
            messages.success(request, _("%(name)s taken over.") % {"name": name})
        else:
            messages.success(request, _("%(name)s sent back.") % {"name": name})
    return redirect("consult:escalations")
