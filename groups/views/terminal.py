"""The class terminal (班级一体机): its sign-in, the 学习委员's weekly evaluation of every group
and a group's 协调记录组长 recording its members, on the classroom's touch screen; and the
homeroom teacher's side: turning it on, renewing its code, reviewing the week's entries."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from schoolops.models import SchoolClass, Student, Term
from schoolops.params import to_pk
from schoolops.scopes import get_scope

from .. import services, terminal
from ..access import class_view, is_homeroom_teacher
from ..models import (
    ClassTerminal,
    GroupSettings,
    Membership,
    ScoreEntry,
    ScoreItem,
    StudyGroup,
)
from .nav import class_nav

RECORDER_KEY = "terminal_recorder"


def _mark(view: Any) -> Any:
    view.terminal_allowed = True
    return view


@_mark
def terminal_signin(request: HttpRequest) -> HttpResponse:
    """The classroom PC types the class's code (throttled like a login)."""
    if getattr(request, "terminal", None) is not None:
        return redirect("groups:terminal_home")
    error = ""
    status = 200
    if request.method == "POST":
        if terminal.is_throttled(request):
            error = _("Too many wrong codes: this device is locked for 15 minutes.")
            status = 429
        elif terminal.sign_in(request, request.POST.get("code", "")) is not None:
            return redirect("groups:terminal_home")
        else:
            error = _("The code is not right. Ask the homeroom teacher for the class's code.")
    return render(request, "groups/terminal/signin.html", {"error": error}, status=status)


@require_POST
@_mark
def terminal_signout(request: HttpRequest) -> HttpResponse:
    terminal.sign_out(request)
    return redirect("groups:terminal_signin")


def _term_and_groups(school_class: SchoolClass) -> tuple[Term | None, list[StudyGroup]]:
    term = Term.current()
    if term is None:
        return None, []
    groups = list(
        StudyGroup.objects.confirmed()
        .filter(school_class=school_class, term=term)
        .order_by("number")
    )
    return term, groups


def _recorder(request: HttpRequest, school_class: SchoolClass) -> Student | None:
    pk = request.session.get(RECORDER_KEY)
    if not pk:
        return None
    return Student.objects.in_school().filter(pk=pk, school_class=school_class).first()


@terminal.terminal_view
def terminal_home(request: HttpRequest, school_class: SchoolClass) -> HttpResponse:
    """The weekly evaluation (每周评价各学习小组): pick who records from the class list, then
    one big button per group and rubric item; a group's 协调记录组长 records its members."""
    if request.method == "POST":
        pk = to_pk(request.POST.get("recorder"))
        if request.POST.get("recorder") == "":
            request.session.pop(RECORDER_KEY, None)
        elif Student.objects.in_school().filter(pk=pk, school_class=school_class).exists():
            request.session[RECORDER_KEY] = pk
        else:
            messages.error(request, _("Choose yourself from the class list."))
        return redirect("groups:terminal_home")
    recorder = _recorder(request, school_class)
    term, groups = _term_and_groups(school_class)
    today = timezone.localdate()
    week = term.week_number(today) if term else None
    context = {
        "school_class": school_class,
        "term": term,
        "week": week,
        "recorder": recorder,
        "page_id": uuid.uuid4(),
    }
    if recorder is None:
        context["students"] = list(
            Student.objects.in_school()
            .filter(school_class=school_class)
            .order_by("student_no")
            .only("pk", "name")
        )
        return render(request, "groups/terminal/home.html", context)
    items = list(ScoreItem.objects.filter(is_active=True).order_by("order", "name"))
    entries = ScoreEntry.objects.filter(
        school_class=school_class, term=term, week=week, recorded_by_student__isnull=False
    )
    # Each group's points of the week, every entry (teachers' too) by the school's rule.
    totals = dict(
        ScoreEntry.objects.filter(school_class=school_class, term=term, week=week)
        .values_list("group_id")
        .annotate(points=GroupSettings.load().points_sum())
        .values_list("group_id", "points")
    )
    for group in groups:
        group.week_points = totals.get(group.pk, 0)
    own = (
        Membership.objects.current()
        .filter(group__in=[g.pk for g in groups], student=recorder, is_recorder=True)
        .first()
    )
    members = []
    if own is not None:
        members = list(
            Membership.objects.current()
            .filter(group_id=own.group_id)
            .select_related("student")
            .order_by("seat", "pk")
        )
    recent = list(
        entries.filter(recorded_by_student=recorder)
        .select_related("group", "item", "student")
        .order_by("-pk")[:8]
    )
    context.update(
        {
            "groups": groups,
            "items": items,
            "own_group": next((g for g in groups if own and g.pk == own.group_id), None),
            "members": members,
            "recent": recent,
        }
    )
    return render(request, "groups/terminal/home.html", context)


@require_POST
@terminal.terminal_view
def terminal_record(request: HttpRequest, school_class: SchoolClass) -> HttpResponse:
    """One button: an append-only entry naming the terminal and the student recorder."""
    back = reverse("groups:terminal_home")
    recorder = _recorder(request, school_class)
    if recorder is None:
        messages.error(request, _("Choose yourself from the class list first."))
        return redirect(back)
    term = Term.current()
    group = (
        StudyGroup.objects.confirmed()
        .select_related("term")
        .filter(pk=to_pk(request.POST.get("group")), school_class=school_class, term=term)
        .first()
    )
    item = ScoreItem.objects.filter(pk=to_pk(request.POST.get("item")), is_active=True).first()
    if group is None or item is None:
        messages.error(request, _("Choose a group and a score item."))
        return redirect(back)
    member = None
    if request.POST.get("student"):
        # Members are recorded by their own group's 协调记录组长 only.
        if (
            not Membership.objects.current()
            .filter(group=group, student=recorder, is_recorder=True)
            .exists()
        ):
            messages.error(request, _("Only the group's recorder records its members."))
            return redirect(back)
        member = (
            Membership.objects.current()
            .filter(group=group, student_id=to_pk(request.POST["student"]))
            .select_related("student")
            .first()
        )
        if member is None:
            messages.error(request, _("That student is not a member of the group."))
            return redirect(back)
    # The page's id (one per showing of the page): a button tapped twice before the page
    # came back is one entry (the same id for the same group, item and member).
    try:
        page = uuid.UUID(request.POST.get("page", ""))
    except ValueError:
        client_id = None
    else:
        client_id = uuid.uuid5(page, f"{group.pk}:{item.pk}:{member.pk if member else ''}")
    try:
        entry = services.add_score(
            group,
            item,
            request.terminal.renewed_by,  # type: ignore[attr-defined]
            member=member,
            client_id=client_id,
            terminal=request.terminal,  # type: ignore[attr-defined]
            recorded_by_student=recorder,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(back)
    who = member.student.name if member else group.name
    messages.success(
        request,
        _("%(item)s %(points)+d for %(who)s")
        % {"item": item.name, "points": entry.points, "who": who},
    )
    return redirect(back)


# The homeroom teacher's side.


@class_view(rule=is_homeroom_teacher)
def terminal_settings(request: HttpRequest, school_class: SchoolClass) -> HttpResponse:
    """Turn the class terminal on (a new code, shown once), renew the code, turn it off."""
    scope = get_scope(request)
    current = ClassTerminal.objects.filter(school_class=school_class).first()
    code = ""
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "renew":
            code = terminal.turn_on(school_class, scope.staff)
            current = ClassTerminal.objects.get(school_class=school_class)
        elif action == "off" and current is not None and current.enabled:
            terminal.turn_off(current, scope.staff)
            messages.success(request, _("The class terminal is turned off and signed out."))
            return redirect("groups:terminal_settings", class_pk=school_class.pk)
        else:
            raise PermissionDenied
    context = {
        "school_class": school_class,
        "class_nav": class_nav(scope, school_class),
        "terminal": current,
        "code": code,
        "signin_url": request.build_absolute_uri(reverse("groups:terminal_signin")),
    }
    return render(request, "groups/terminal/settings.html", context)


@class_view(rule=is_homeroom_teacher)
def terminal_review(request: HttpRequest, school_class: SchoolClass) -> HttpResponse:
    """The week's student-recorded entries: mark them reviewed, or reverse one with a reason."""
    scope = get_scope(request)
    term = scope.term
    today = timezone.localdate()
    week = to_pk(request.GET.get("week")) or (term.week_number(today) if term else None) or 1
    entries = ScoreEntry.objects.filter(
        school_class=school_class, term=term, week=week, recorded_by_student__isnull=False
    )
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "review":
            count = entries.filter(reviewed_at__isnull=True).update(
                reviewed_at=timezone.now(), reviewed_by=scope.staff
            )
            messages.success(request, _("%(count)d entries marked as reviewed.") % {"count": count})
        elif action == "reverse":
            entry = entries.filter(
                pk=to_pk(request.POST.get("entry")),
                kind__in=[ScoreEntry.Kind.TAP, ScoreEntry.Kind.IMPORT],
            ).first()
            if entry is None:
                raise PermissionDenied
            try:
                services.correct_score(entry, scope.staff, request.POST.get("reason", "")[:200])
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                ScoreEntry.objects.filter(pk=entry.pk).update(
                    reviewed_at=timezone.now(), reviewed_by=scope.staff
                )
                messages.success(request, _("The entry is reversed."))
        else:
            raise PermissionDenied
        return redirect(reverse("groups:terminal_review", args=[school_class.pk]) + f"?week={week}")
    rows = list(
        entries.select_related("group", "item", "student", "recorded_by_student", "reversed_by")
        .filter(~Q(kind=ScoreEntry.Kind.CORRECTION))
        .order_by("day", "pk")
    )
    context = {
        "school_class": school_class,
        "class_nav": class_nav(scope, school_class),
        "week": week,
        "weeks": list(range(1, (term.week_number(today) or week) + 1)) if term else [week],
        "entries": rows,
        "unreviewed": sum(1 for e in rows if e.reviewed_at is None),
    }
    return render(request, "groups/terminal/review.html", context)
