"""Quick scoring in a lesson (one tap a score, undo within the lesson), a group's entries
and their corrections."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
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
from ..forms import CorrectionForm
from ..models import UNDO_MINUTES, Membership, ScoreItem, StudyGroup
from .nav import class_nav


@class_view(rule=can_score)
@term_required
def score(request: HttpRequest, school_class: SchoolClass, term: Term) -> HttpResponse:
    """One card a group, one button a rubric item: a tap scores at once (``score_tap``)."""
    scope = get_scope(request)
    week = term.week_number(timezone.localdate())
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
    subject = None
    if request.POST.get("subject"):
        # Whether this teacher may score under it is the service's rule (scoring_subjects).
        subject = Subject.objects.filter(pk=to_pk(request.POST["subject"])).first()
        if subject is None:
            return _answer(request, False, _("That subject is not taught in this class."), back)
    try:
        entry = services.add_score(group, item, scope.staff, member=member, subject=subject)
    except ValidationError as error:
        return _answer(request, False, " ".join(error.messages), back)
    who = member.student.name if member else group.name
    text = _("%(item)s %(points)+d for %(who)s") % {
        "item": item.name,
        "points": entry.points,
        "who": who,
    }
    return _answer(
        request,
        True,
        text,
        back,
        entry=entry.pk,
        group=group.pk,
        points=entry.points,
        undo_url=reverse("groups:entry_undo", args=[entry.pk]),
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
