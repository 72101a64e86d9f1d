"""Strategies (措施): opening one for a student, following it up, closing it, and a person's
own open strategies."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from schoolops import privacy
from schoolops.models import Post, Staff, Student
from schoolops.pages import form_page, show_errors
from schoolops.privacy import Category, log_read
from schoolops.scopes import get_scope, get_student_or_404, scope_required
from schoolops.submissions import redirect_once

from .. import services
from ..access import (
    LEADER_POSTS,
    get_strategy_or_404,
    get_strategy_to_follow_up,
    may_consult,
    may_follow_up,
    may_work_on,
    visible_meetings,
)
from ..forms import FollowUpForm, NoteForm, StrategyForm
from ..models import Observation, Strategy

PSYCHOLOGICAL = privacy.Category.PSYCHOLOGICAL


def _owners(student: Student) -> QuerySet[Staff]:
    """Who can own a strategy: the class's teachers and the leaders of the school."""
    return (
        Staff.objects.active()
        .filter(
            Q(assignments__school_class=student.school_class_id)
            | Q(homeroom_classes=student.school_class_id)
            | Q(user__groups__name__in=[*LEADER_POSTS, Post.PSYCHOLOGY])
        )
        .distinct()
        .order_by("staff_no")
    )


@scope_required(may_consult)
def strategy_add(request: HttpRequest, pk: int) -> HttpResponse:
    scope = get_scope(request)
    student = get_student_or_404(request, pk)
    if not may_work_on(scope, student):
        raise PermissionDenied
    # Each choice is labelled with the student's name (``Observation.__str__``).
    observations = (
        Observation.objects.filter(student=student).select_related("student").order_by("-date")
    )
    psych = privacy.may_read(scope, PSYCHOLOGICAL, student)
    if not psych:
        observations = observations.filter(psychological=False)
    if request.method != "POST":
        # The observations to choose from are shown.
        log_read(request, [student], [Category.CONSULT] + ([Category.PSYCHOLOGICAL] * psych))
    # The 20 latest, as a queryset filtered by their ids: a sliced queryset cannot be filtered,
    # so the form could not check a ticked observation against it.
    recent = observations.filter(pk__in=list(observations.values_list("pk", flat=True)[:20]))
    form = StrategyForm(
        request.POST or None,
        owners=_owners(student),
        observations=recent,
        initial={"owner": scope.staff},
    )
    return form_page(
        request,
        form,
        "consult/form.html",
        {"student": student, "form": form, "title": _("Open a strategy")},
        on_valid=lambda: services.add_strategy(student, scope.staff, **form.cleaned_data),
        success_message=_("Strategy opened."),
    )


@scope_required(may_consult)
def strategy_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scope = get_scope(request)
    strategy = get_strategy_or_404(request, pk)
    may = may_follow_up(scope, strategy)
    log_read(request, [strategy.student], [Category.CONSULT])
    ctx = {
        "strategy": strategy,
        "student": strategy.student,
        "follow_ups": list(strategy.follow_ups.select_related("author").order_by("date", "pk")),
        "observations": list(
            strategy.observations.filter(
                psychological__in=[
                    False,
                    privacy.may_read(scope, PSYCHOLOGICAL, strategy.student),
                ]
            )
        ),
        # Linked where the meeting's page answers (get_meeting_or_404).
        "meeting_opens": strategy.meeting_id is not None
        and visible_meetings(scope).filter(pk=strategy.meeting_id).exists(),
        "may_follow_up": may and strategy.is_open,
        "form": FollowUpForm() if may and strategy.is_open else None,
        "close_form": NoteForm() if may and strategy.is_open else None,
    }
    return render(request, "consult/strategy_detail.html", ctx)


@scope_required(may_consult)
@require_POST
def strategy_follow_up(request: HttpRequest, pk: int) -> HttpResponse:
    """The follow-up form of the strategy's page: saved once, its errors said on that page."""
    scope = get_scope(request)
    strategy = get_strategy_to_follow_up(request, pk)
    form = FollowUpForm(request.POST)
    if form.is_valid():

        def save() -> str:
            services.add_follow_up(strategy, scope.staff, **form.cleaned_data)
            return reverse("consult:strategy_detail", args=[strategy.pk])

        try:
            return redirect_once(request, form, save, success=_("Follow-up added."))
        except ValidationError as error:
            show_errors(request, error)
    else:
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            for error in errors:
                messages.error(request, f"{label}: {error}" if label else error)
    return redirect("consult:strategy_detail", pk=strategy.pk)


@scope_required(may_consult)
@require_POST
def strategy_close(request: HttpRequest, pk: int) -> HttpResponse:
    scope = get_scope(request)
    strategy = get_strategy_to_follow_up(request, pk)
    form = NoteForm(request.POST)
    form.is_valid()
    try:
        services.close_strategy(strategy, scope.staff, form.cleaned_data.get("note", ""))
    except ValidationError as error:
        show_errors(request, error)
    else:
        messages.success(request, _("Strategy closed as solved."))
    return redirect("consult:strategy_detail", pk=strategy.pk)


@scope_required(may_consult)
def my_strategies(request: HttpRequest) -> HttpResponse:
    scope = get_scope(request)
    strategies = list(
        Strategy.objects.filter(owner=scope.staff, status=Strategy.Status.OPEN)
        .select_related("student__school_class__grade")
        .annotate(n_follow_ups=Count("follow_ups"))
        .order_by("review_date", "pk")[:200]
    )
    log_read(request, [s.student_id for s in strategies], [Category.CONSULT])
    return render(
        request,
        "consult/my_strategies.html",
        {"strategies": strategies, "today": timezone.localdate()},
    )
