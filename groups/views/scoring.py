"""Quick scoring in a lesson (one tap a score, undo within the lesson), a group's entries
and their corrections."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from schoolops.models import SchoolClass, Subject, Term
from schoolops.pages import form_page, term_required
from schoolops.params import to_pk
from schoolops.scopes import get_scope, staff_required

from .. import selectors, services
from ..access import (
    can_correct,
    can_score,
    class_view,
    get_entry_or_404,
    get_group_or_404,
    scoring_subjects,
)
from ..forms import CorrectionForm, MoveEntryForm
from ..models import UNDO_MINUTES, Membership, ScoreItem, StudyGroup
from .nav import class_nav


@class_view(rule=can_score)
@term_required
def score(request: HttpRequest, school_class: SchoolClass, term: Term) -> HttpResponse:
    """One card a group, one button a rubric item: a tap scores at once (``score_tap``); a
    「全组」 row scores every group (``score_all``); the day may be an earlier lesson of the
    week; the teacher's own record below, each score with its correction and move."""
    scope = get_scope(request)
    today = timezone.localdate()
    week = term.week_number(today)
    context = {
        "school_class": school_class,
        "class_nav": class_nav(scope, school_class),
        "groups": selectors.scoring_groups(school_class, term, week),
        "items": list(ScoreItem.objects.filter(is_active=True).order_by("order", "name")),
        "subjects": list(scoring_subjects(scope.staff, school_class)),
        # The homeroom teacher also scores outside the lessons (no subject); first if they
        # teach none of the class's subjects.
        "no_subject": school_class.homeroom_teacher_id == scope.staff.pk,
        "recent": selectors.recent_taps(school_class, scope.staff),
        "mine": selectors.my_entries(school_class, term, scope.staff),
        "days": services.lesson_days(term, today),
        "today": today,
        "login_url": resolve_url(settings.LOGIN_URL),
        "week": week,
        "undo_minutes": UNDO_MINUTES,
    }
    return render(request, "groups/score.html", context)


def _wants_json(request: HttpRequest) -> bool:
    """The scoring script asks for JSON; without JavaScript a tap is a plain form post."""
    return "application/json" in request.headers.get("Accept", "")


def _answer(request: HttpRequest, ok: bool, message: str, back: str, **data: Any) -> HttpResponse:
    """A tap's answer: JSON for the script, else the message and the way back."""
    if _wants_json(request):
        return JsonResponse({"ok": ok, "message": message, **data}, status=200 if ok else 400)
    (messages.success if ok else messages.error)(request, message)
    return redirect(back)


def _client_id(request: HttpRequest) -> uuid.UUID | None:
    """The id the phone gave the tap (none from a plain form post)."""
    value = request.POST.get("client_id", "").strip()
    if not value:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        raise ValidationError(
            _("The tap's id is not valid: reload the page and tap again.")
        ) from None


def _tap_options(request: HttpRequest, term: Term) -> tuple[Subject | None, Any, uuid.UUID | None]:
    """The subject, the lesson's day and the phone's id a tap names (``ValidationError``)."""
    subject = None
    if request.POST.get("subject"):
        # Whether this teacher may score under it is the service's rule (scoring_subjects).
        subject = Subject.objects.filter(pk=to_pk(request.POST["subject"])).first()
        if subject is None:
            raise ValidationError(_("That subject is not taught in this class."))
    day = services.lesson_day(term, request.POST.get("day"))
    return subject, day, _client_id(request)


@require_POST
@class_view(rule=can_score)
def score_tap(request: HttpRequest, school_class: SchoolClass) -> HttpResponse:
    scope = get_scope(request)
    back = reverse("groups:score", args=[school_class.pk])
    group = (
        StudyGroup.objects.select_related("term")
        .filter(pk=to_pk(request.POST.get("group")), school_class=school_class, term=scope.term)
        .first()
    )
    item = group and ScoreItem.objects.filter(pk=to_pk(request.POST.get("item"))).first()
    if group is None or item is None:
        return _answer(request, False, _("Choose a group and a score item."), back)
    member = None
    if request.POST.get("student"):
        member = (
            Membership.objects.current()
            .filter(group=group, student_id=to_pk(request.POST["student"]))
            .select_related("student")
            .first()
        )
        if member is None:
            return _answer(request, False, _("That student is not a member of the group."), back)
    try:
        subject, day, client_id = _tap_options(request, group.term)
        entry = services.add_score(
            group, item, scope.staff, member=member, subject=subject, day=day, client_id=client_id
        )
    except ValidationError as error:
        return _answer(request, False, " ".join(error.messages), back)
    who = member.student.name if member else group.name
    text = _("%(item)s %(points)+d for %(who)s") % {
        "item": item.name,
        "points": entry.points,
        "who": who,
    }
    if entry.day != timezone.localdate():
        text = _("%(text)s (lesson of %(day)s)") % {"text": text, "day": entry.day.isoformat()}
    return _answer(
        request,
        True,
        text,
        back,
        entry=entry.pk,
        group=entry.group_id,
        points=entry.points,
        changes=[[entry.group_id, entry.points]],
        undo_url=reverse("groups:entry_undo", args=[entry.pk]),
    )


@require_POST
@class_view(rule=can_score)
@term_required
def score_all(request: HttpRequest, school_class: SchoolClass, term: Term) -> HttpResponse:
    """「全组 +N」: one request scores every confirmed group of the class (all or none)."""
    scope = get_scope(request)
    back = reverse("groups:score", args=[school_class.pk])
    item = ScoreItem.objects.filter(pk=to_pk(request.POST.get("item"))).first()
    if item is None:
        return _answer(request, False, _("Choose a score item."), back)
    try:
        subject, day, client_id = _tap_options(request, term)
        entries = services.score_all_groups(
            school_class, term, item, scope.staff, subject=subject, day=day, client_id=client_id
        )
    except ValidationError as error:
        return _answer(request, False, " ".join(error.messages), back)
    text = _("%(item)s %(points)+d for all %(count)d groups") % {
        "item": item.name,
        "points": item.points,
        "count": len(entries),
    }
    if day != timezone.localdate():
        text = _("%(text)s (lesson of %(day)s)") % {"text": text, "day": day.isoformat()}
    return _answer(
        request,
        True,
        text,
        back,
        entries=[entry.pk for entry in entries],
        changes=[[entry.group_id, entry.points] for entry in entries],
    )


@require_POST
@staff_required
def entry_undo(request: HttpRequest, pk: int) -> HttpResponse:
    """Undo a tap within the lesson: only the teacher who tapped (others get a message)."""
    entry = get_entry_or_404(request, pk)
    back = reverse("groups:score", args=[entry.school_class_id])
    try:
        services.undo_score(entry, get_scope(request).staff)
    except ValidationError as error:
        return _answer(request, False, " ".join(error.messages), back)
    text = _("Undone: %(item)s for %(group)s") % {
        "item": entry.item.name,
        "group": entry.group.name,
    }
    return _answer(request, True, text, back, group=entry.group_id, points=-entry.points)


@staff_required
def group_entries(request: HttpRequest, pk: int) -> HttpResponse:
    """The group's latest score entries, with corrections for those who may make them."""
    group = get_group_or_404(request, pk)
    scope = get_scope(request)
    entries = selectors.group_entries(group)
    for entry in entries:
        entry.correctable = entry.is_correctable and can_correct(scope, entry)
    return render(request, "groups/group_entries.html", {"group": group, "entries": entries})


@staff_required
def entry_correct(request: HttpRequest, pk: int) -> HttpResponse:
    """Reverse a score with a reason (a reversing entry: scores are never edited)."""
    entry = get_entry_or_404(request, pk)
    scope = get_scope(request)
    if not can_correct(scope, entry):
        raise PermissionDenied
    form = CorrectionForm(request.POST or None)

    def correct() -> str:
        services.correct_score(entry, scope.staff, form.cleaned_data["reason"])
        return reverse("groups:group_entries", args=[entry.group_id])

    return form_page(
        request,
        form,
        "groups/entry_correct.html",
        {"entry": entry, "form": form},
        on_valid=correct,
        success_message=_("The entry has been reversed."),
    )


@staff_required
def entry_move(request: HttpRequest, pk: int) -> HttpResponse:
    """「改记到…组」: a score tapped on the wrong group goes to another group of the class (a
    reversing entry and a new one, traced to each other and to who moved it)."""
    entry = get_entry_or_404(request, pk)
    scope = get_scope(request)
    if not can_correct(scope, entry):
        raise PermissionDenied
    form = MoveEntryForm(request.POST or None, entry=entry)
    school_class = entry.group.school_class

    def move() -> str:
        services.move_score(
            entry, form.cleaned_data["group"], scope.staff, form.cleaned_data["reason"]
        )
        if can_score(scope, school_class):
            return reverse("groups:score", args=[school_class.pk]) + "#mine"
        return reverse("groups:group_entries", args=[form.cleaned_data["group"].pk])

    return form_page(
        request,
        form,
        "groups/entry_move.html",
        {"entry": entry, "form": form, "school_class": school_class},
        on_valid=move,
        success_message=lambda: (
            _("The score has been moved to %(group)s.") % {"group": form.cleaned_data["group"].name}
        ),
    )
