"""Group life (issue 16): a group's meeting log and study plan (its class's staff and the
class terminal), its coaching notes (the class's teachers and keepers only, never the
terminal) and a class's week of meetings, trainings and homework exhibitions."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from schoolops.models import SchoolClass, Student, Term
from schoolops.pages import form_page, term_required
from schoolops.scopes import get_scope, staff_required

from .. import life, selectors
from ..access import can_edit, class_view, get_group_or_404
from ..models import StudyGroup
from ..terminal import class_staff_or_terminal
from .nav import class_nav

# The terminal's choice of who records (``groups.views.terminal``), the form's first pick.
RECORDER_KEY = "terminal_recorder"


def _class_group(school_class: SchoolClass, pk: int) -> StudyGroup:
    """A group of the class in the URL (a group of another class: 404)."""
    return get_object_or_404(
        StudyGroup.objects.select_related("school_class__grade", "term__academic_year"),
        pk=pk,
        school_class=school_class,
    )


def _author(request: HttpRequest, form: Any) -> life.Author:
    terminal = getattr(request, "terminal", None)
    if terminal is not None:
        return life.Author(terminal=terminal, student=form.recorder())
    return life.Author(staff=get_scope(request).staff)


def _terminal_students(request: HttpRequest, school_class: SchoolClass) -> dict[str, Any]:
    """The form's recorder field on the terminal: the class list, the student chosen on the
    terminal's home page first. Nothing for staff."""
    if getattr(request, "terminal", None) is None:
        return {}
    students = list(Student.objects.in_school().filter(school_class=school_class).order_by("name"))
    chosen = request.session.get(RECORDER_KEY)
    return {
        "students": students,
        "recorder": next((s for s in students if s.pk == chosen), None),
    }


def _base(request: HttpRequest) -> str:
    if getattr(request, "terminal", None) is not None:
        return "groups/terminal/base.html"
    return "groups/base.html"


@class_staff_or_terminal
def meetings(request: HttpRequest, school_class: SchoolClass, pk: int) -> HttpResponse:
    """The group's meeting log (定期聚会, at least once a week); a meeting is added here."""
    group = _class_group(school_class, pk)
    members = life.current_members(group)
    writable = group.is_active and group.is_confirmed
    form = (
        life.MeetingForm(
            request.POST or None,
            group=group,
            members=members,
            **_terminal_students(request, school_class),
        )
        if writable
        else None
    )

    def save() -> str:
        data = form.cleaned_data
        life.record_meeting(
            group,
            _author(request, form),
            data["day"],
            data["present"],
            data["discussed"],
            data["decisions"],
        )
        return request.path

    week = group.term.week_number(timezone.localdate())
    logged = life.meetings_of(group)
    context = {
        "base": _base(request),
        "group": group,
        "school_class": school_class,
        "meetings": logged,
        "member_count": len(members),
        "met_this_week": week is not None and any(m.week == week for m in logged),
        "week": week,
        "form": form,
    }
    return form_page(
        request,
        form,
        "groups/life/meetings.html",
        context,
        on_valid=save,
        success_message=_("The meeting has been recorded."),
    )


@class_staff_or_terminal
def study_plan(request: HttpRequest, school_class: SchoolClass, pk: int) -> HttpResponse:
    """The group's study plan for its term, week by week; a week's progress is ticked here."""
    group = _class_group(school_class, pk)
    items = life.plan_items(group)
    today = timezone.localdate()
    numbers = [w.number for w in group.term.teaching_weeks() if w.first_day <= today]
    current = group.term.week_number(today) or (numbers[-1] if numbers else None)
    writable = group.is_active and group.is_confirmed and items and numbers
    form = (
        life.TickForm(
            request.POST or None,
            items=items,
            weeks=numbers,
            current=current,
            **_terminal_students(request, school_class),
        )
        if writable
        else None
    )

    def save() -> str:
        life.tick_week(group, _author(request, form), form.cleaned_data["week"], form.done())
        return request.path

    rows = [{"item": item, "cells": [_tick(item, n) for n in numbers]} for item in items]
    context = {
        "base": _base(request),
        "group": group,
        "school_class": school_class,
        "weeks": numbers,
        "rows": rows,
        "form": form,
        "can_plan": getattr(request, "terminal", None) is None and group.is_active,
    }
    return form_page(
        request,
        form,
        "groups/life/plan.html",
        context,
        on_valid=save,
        success_message=_("This week's progress has been saved."),
    )


def _tick(item: Any, week: int) -> bool | None:
    """Done, not done, or not ticked (None) in ``week`` (the ticks are prefetched)."""
    return next((t.done for t in item.week_ticks if t.week == week), None)


@class_view
def plan_edit(request: HttpRequest, school_class: SchoolClass, pk: int) -> HttpResponse:
    """The plan's lines: subject, goal, weekly task, who checks (the class's staff)."""
    group = _class_group(school_class, pk)
    if not group.is_active:
        raise Http404
    members = life.current_members(group)
    items = life.plan_items(group)
    subjects = selectors.class_subjects(school_class)
    initial = [
        {
            "item": item.pk,
            "subject": item.subject_id,
            "goal": item.goal,
            "weekly_task": item.weekly_task,
            "checker": item.checker_id,
        }
        for item in items
    ] + [{} for _n in range(life.PLAN_BLANK_LINES)]
    formset = life.PlanFormSet(
        request.POST or None,
        initial=initial,
        form_kwargs={"subjects": subjects, "members": members},
    )
    token = life.PlanTokenForm(request.POST or None)
    saved: dict[str, int] = {}

    def save() -> str:
        lines = [f.cleaned_data for f in formset.forms if f.cleaned_data]
        saved["count"] = life.save_plan(group, lines)
        return reverse("groups:study_plan", args=[school_class.pk, group.pk])

    return form_page(
        request,
        [formset, token],
        "groups/life/plan_edit.html",
        {"group": group, "school_class": school_class, "formset": formset, "token": token},
        on_valid=save,
        success_message=lambda: _("The study plan has been saved: %(count)s lines.") % saved,
    )


@staff_required
def coaching(request: HttpRequest, pk: int) -> HttpResponse:
    """A teacher's visits to the group (深入小组了解协调): the class's teachers and keepers
    read and write them; never the terminal."""
    group = get_group_or_404(request, pk)
    form = life.CoachingForm(request.POST or None, group=group)

    def save() -> Any:
        life.add_coaching_note(group, get_scope(request).staff, form)
        return group

    return form_page(
        request,
        form,
        "groups/life/coaching.html",
        {"group": group, "notes": life.coaching_notes(group), "form": form},
        on_valid=save,
        success_message=_("The coaching note has been saved."),
    )


@class_view
@term_required
def class_life(request: HttpRequest, school_class: SchoolClass, term: Term) -> HttpResponse:
    """The class's groups this week (met or not, the plan's ticks) and its trainings and
    homework exhibitions of the term; whoever keeps the class records those."""
    scope = get_scope(request)
    week = term.week_number(timezone.localdate())
    form = (
        life.ActivityForm(request.POST or None, term=term)
        if can_edit(scope, school_class)
        else None
    )

    def save() -> str:
        life.add_activity(school_class, term, scope.staff, form)
        return request.path

    context = {
        "school_class": school_class,
        "term": term,
        "week": week,
        "class_nav": class_nav(scope, school_class),
        "groups": life.class_week(school_class, term, week),
        "activities": life.activities_of(school_class, term),
        "form": form,
    }
    return form_page(
        request,
        form,
        "groups/life/class_life.html",
        context,
        on_valid=save,
        success_message=_("Recorded."),
    )
