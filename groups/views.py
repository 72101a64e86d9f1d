"""Pages of the study-help groups: forming, group pages, quick scoring, rankings, leaderboard."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q, Sum
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from schoolops.models import School, SchoolClass, Subject
from schoolops.params import month_of_or_404, number, page_number, parse_month, to_pk
from schoolops.scopes import get_scope, staff_required
from schoolops.sheets.http import xlsx_response
from schoolops.submissions import redirect_once

from . import services
from .access import (
    board_grade,
    board_grades,
    can_correct,
    can_run_months,
    can_score,
    class_view,
    get_entry_or_404,
    get_group_or_404,
    get_membership_or_404,
    group_classes,
    require_edit,
    scoring_subjects,
    sees_board,
)
from .exports import (
    board_workbook,
    commendation_workbook,
    insufficient_text,
    register_workbook,
    rule_text,
)
from .forms import (
    REVIEW_LINES,
    CheckInForm,
    ConsequenceForm,
    CorrectionForm,
    GroupForm,
    MemberGoalsForm,
    MoveForm,
    ProposeForm,
    RecommendForm,
    ReviewForm,
    ReviewRoundForm,
    RolesForm,
)
from .models import (
    UNDO_MINUTES,
    Consequence,
    GoalCheckIn,
    MemberChange,
    Membership,
    MonthClose,
    Recommendation,
    Review,
    ReviewRound,
    ScoreEntry,
    ScoreItem,
    StudyGroup,
)
from .selectors import (
    attach_recommendations,
    balance_failures,
    class_standings,
    group_weeks,
    groups_balance,
    late_corrections,
    member_contributions,
    month_board,
)


def _members_prefetch() -> Prefetch:
    return Prefetch(
        "memberships",
        queryset=Membership.objects.current()
        .select_related("student")
        .prefetch_related("led_subjects")
        .order_by("seat", "pk"),
        to_attr="members",
    )


def _class_groups(school_class: SchoolClass, term) -> list[StudyGroup]:
    return list(
        StudyGroup.objects.active()
        .filter(school_class=school_class, term=term)
        .prefetch_related(_members_prefetch())
        .order_by("number")
    )


def _no_term(request: HttpRequest) -> HttpResponse:
    messages.error(request, _("No term is set up yet: ask the academic office to add one."))
    return redirect("home")


def _shows_tiers(scope, school_class: SchoolClass) -> bool:
    """Tiers are for the class's teachers and keepers, never for print or for office staff."""
    return scope.can_edit_class(school_class) or scope.teaches(school_class)


# Overview.


@staff_required
def index(request: HttpRequest) -> HttpResponse:
    """My classes' groups at a glance, with the way to each page."""
    scope = get_scope(request)
    term = scope.term
    classes = list(
        group_classes(scope)
        .filter(academic_year=scope.year)
        .annotate(
            group_count=Count(
                "study_groups",
                filter=Q(study_groups__term=term, study_groups__is_active=True),
            ),
            confirmed_count=Count(
                "study_groups",
                filter=Q(
                    study_groups__term=term,
                    study_groups__is_active=True,
                    study_groups__confirmed_at__isnull=False,
                ),
            ),
        )
        .order_by("grade__level", "number")
    )
    for school_class in classes:
        school_class.can_score = can_score(scope, school_class)
        school_class.can_edit = scope.can_edit_class(school_class)
    ctx = {
        "classes": classes,
        "term": term,
        "show_leaderboard": sees_board(scope),
    }
    return render(request, "groups/index.html", ctx)


# Forming and keeping a class's groups.


@class_view
def class_groups(request: HttpRequest, school_class: SchoolClass) -> HttpResponse:
    scope = get_scope(request)
    term = scope.term
    if term is None:
        return _no_term(request)
    can_edit = scope.can_edit_class(school_class)
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        form = ProposeForm(request.POST)
        if form.is_valid():
            proposed: list[StudyGroup] = []

            def save():
                proposed.extend(
                    services.propose_groups(school_class, term, form.cleaned_data["size"])
                )
                return reverse("groups:class_groups", args=[school_class.pk])

            def success() -> str:
                return _("Proposed %(count)s groups. Move students if needed, then confirm.") % {
                    "count": len(proposed)
                }

            try:
                return redirect_once(request, form, save, success=success)
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            return redirect("groups:class_groups", class_pk=school_class.pk)
    else:
        form = ProposeForm()
    groups = _class_groups(school_class, term)
    figures, flagged = groups_balance(school_class, groups)
    history = list(
        MemberChange.objects.filter(school_class=school_class)
        .select_related("student", "from_group", "to_group", "changed_by")
        .order_by("-changed_at")[:20]
    )
    ctx = {
        "school_class": school_class,
        "term": term,
        "groups": groups,
        "figures": figures,
        "failures": balance_failures(figures),
        "flagged": flagged,
        "form": form,
        "can_edit": can_edit,
        "show_tiers": _shows_tiers(scope, school_class),
        "has_drafts": any(not g.is_confirmed for g in groups),
        "history": history,
        "can_score": can_score(scope, school_class),
    }
    return render(request, "groups/class_groups.html", ctx)


@require_POST
@class_view
def confirm(request: HttpRequest, school_class: SchoolClass) -> HttpResponse:
    """Confirm the draft groups; groups that fail the balance check need 「仍然确认」 ticked."""
    scope = require_edit(request, school_class)
    try:
        failures = services.confirm_groups(
            school_class, scope.term, scope.staff, anyway=request.POST.get("anyway") == "1"
        )
    except services.Unbalanced as error:
        messages.error(
            request,
            _(
                "The groups were not confirmed: the balance check fails. %(rules)s Adjust the "
                "groups, or tick 「Confirm anyway」 and confirm again."
            )
            % {"rules": " ".join(error.failures)},
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if failures:
            messages.warning(
                request,
                _("The groups are confirmed although the balance check fails: %(rules)s")
                % {"rules": " ".join(failures)},
            )
        else:
            messages.success(request, _("The groups are confirmed."))
    return redirect("groups:class_groups", class_pk=school_class.pk)


@staff_required
def member_move(request: HttpRequest, pk: int) -> HttpResponse:
    membership = get_membership_or_404(request, pk, edit=True)
    if membership.left_at is not None:
        raise Http404
    group = membership.group
    others = (
        StudyGroup.objects.active()
        .filter(school_class=group.school_class, term=group.term)
        .exclude(pk=group.pk)
        .annotate(size=Count("memberships", filter=Q(memberships__left_at__isnull=True)))
    )
    form = MoveForm(request.POST or None, membership=membership, groups=others)
    if request.method == "POST" and form.is_valid():
        roles = services.held_roles(membership)
        try:
            services.move_member(
                membership,
                form.cleaned_data["to_group"],
                get_scope(request).staff,
                form.cleaned_data["reason"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("%(name)s moved to %(group)s.")
                % {"name": membership.student.name, "group": form.cleaned_data["to_group"].name},
            )
            if roles:
                # The roles stay with the group, now without a holder: ask for one.
                messages.warning(
                    request,
                    _(
                        "%(name)s was the %(roles)s of %(group)s: that role is now empty. "
                        "Choose a new holder."
                    )
                    % {
                        "name": membership.student.name,
                        "roles": "、".join(roles),
                        "group": group.name,
                    },
                )
                return redirect("groups:group_roles", pk=group.pk)
            return redirect("groups:class_groups", class_pk=group.school_class_id)
    if request.method == "POST" and not form.is_valid():
        messages.error(request, _("Please correct the errors below."))
    return render(
        request, "groups/member_move.html", {"membership": membership, "group": group, "form": form}
    )


# One group.


@staff_required
def group_detail(request: HttpRequest, pk: int) -> HttpResponse:
    group = get_group_or_404(request, pk)
    scope = get_scope(request)
    members = list(
        group.memberships.current()
        .select_related("student")
        .prefetch_related("led_subjects")
        .order_by("seat", "pk")
    )
    contributions = member_contributions(group)
    for member in members:
        member.points = contributions.get(member.student_id, 0)
    can_edit = scope.can_edit_class(group.school_class)
    # Roles nobody holds (a holder moved to another group): the keepers are asked to fill them.
    vacant = (
        services.vacant_roles(members, _class_subjects(group.school_class))
        if can_edit and group.is_active
        else []
    )
    checkin_form = CheckInForm(group=group, members=members)
    checkin_form.helper.form_action = reverse("groups:checkin", args=[group.pk])
    consequence_form = ConsequenceForm(members=members)
    consequence_form.helper.form_action = reverse("groups:consequence", args=[group.pk])
    total = ScoreEntry.objects.filter(group=group).aggregate(p=Coalesce(Sum("points"), 0))["p"]
    ctx = {
        "group": group,
        "school_class": group.school_class,
        "members": members,
        "weeks": group_weeks(group),
        "total": total,
        "can_edit": can_edit,
        "show_tiers": _shows_tiers(scope, group.school_class),
        "checkins": list(
            GoalCheckIn.objects.filter(group=group)
            .select_related("membership__student", "checked_by")
            .order_by("-checked_at")[:10]
        ),
        "changes": list(
            MemberChange.objects.filter(Q(from_group=group) | Q(to_group=group))
            .select_related("student", "from_group", "to_group", "changed_by")
            .order_by("-changed_at")[:10]
        ),
        "consequences": list(
            Consequence.objects.filter(group=group)
            .select_related("student", "recorded_by")
            .order_by("-recorded_at")[:10]
        )
        if can_edit
        else [],
        "checkin_form": checkin_form,
        "consequence_form": consequence_form,
        "vacant_roles": vacant,
    }
    return render(request, "groups/group_detail.html", ctx)


@staff_required
def group_edit(request: HttpRequest, pk: int) -> HttpResponse:
    group = get_group_or_404(request, pk, edit=True)
    form = GroupForm(request.POST or None, instance=group)
    if request.method == "POST":
        if form.is_valid():
            form.save()  # a ModelForm of the group's own text fields; history records it
            messages.success(request, _("The group has been saved."))
            return redirect("groups:group_detail", pk=group.pk)
        messages.error(request, _("Please correct the errors below."))
    return render(request, "groups/group_form.html", {"group": group, "form": form})


@staff_required
def group_roles(request: HttpRequest, pk: int) -> HttpResponse:
    group = get_group_or_404(request, pk, edit=True)
    members = list(
        group.memberships.current().select_related("student").prefetch_related("led_subjects")
    )
    subjects = _class_subjects(group.school_class)
    initial: dict[str, Any] = {}
    for member in members:
        if member.is_leader:
            initial["leader"] = member.pk
        if member.is_recorder:
            initial["recorder"] = member.pk
        for subject in member.led_subjects.all():
            initial[f"subject_{subject.pk}"] = member.pk
    form = RolesForm(
        request.POST or None, initial=initial, group=group, members=members, subjects=subjects
    )
    if request.method == "POST":
        if form.is_valid():
            try:
                services.set_roles(group, **form.roles())
                services.reseat(group)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("The roles have been saved."))
                return redirect("groups:group_detail", pk=group.pk)
        messages.error(request, _("Please correct the errors below."))
    vacant = services.vacant_roles(members, subjects)
    return render(
        request, "groups/group_roles.html", {"group": group, "form": form, "vacant_roles": vacant}
    )


def _class_subjects(school_class: SchoolClass) -> list[Subject]:
    """The subjects the class is taught: each has a subject leader in every group."""
    return list(
        Subject.objects.filter(assignments__school_class=school_class)
        .distinct()
        .order_by("order", "name")
    )


@staff_required
def member_goals(request: HttpRequest, pk: int) -> HttpResponse:
    membership = get_membership_or_404(request, pk, edit=True)
    form = MemberGoalsForm(request.POST or None, instance=membership)
    if request.method == "POST":
        if form.is_valid():
            form.save()
            messages.success(request, _("The goals have been saved."))
            return redirect("groups:group_detail", pk=membership.group_id)
        messages.error(request, _("Please correct the errors below."))
    return render(
        request,
        "groups/member_goals.html",
        {"membership": membership, "group": membership.group, "form": form},
    )


@require_POST
@staff_required
def checkin(request: HttpRequest, pk: int) -> HttpResponse:
    group = get_group_or_404(request, pk, edit=True)
    members = list(group.memberships.current().select_related("student"))
    form = CheckInForm(request.POST, group=group, members=members)
    if form.is_valid():

        def save():
            services.record_checkin(
                group,
                get_scope(request).staff,
                form.cleaned_data["goal"],
                form.cleaned_data["status"],
                form.cleaned_data["note"],
                form.cleaned_data["membership"],
            )
            return reverse("groups:group_detail", args=[group.pk])

        try:
            return redirect_once(request, form, save, success=_("Check-in recorded."))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    else:
        messages.error(
            request,
            _("The check-in was not recorded: %(errors)s")
            % {"errors": " ".join(str(e) for errs in form.errors.values() for e in errs)},
        )
    return redirect("groups:group_detail", pk=group.pk)


@require_POST
@staff_required
def consequence(request: HttpRequest, pk: int) -> HttpResponse:
    group = get_group_or_404(request, pk, edit=True)
    members = list(group.memberships.current())
    form = ConsequenceForm(request.POST, members=members)
    if form.is_valid():

        def save():
            services.record_consequence(
                group,
                form.cleaned_data["student"],
                form.cleaned_data["kind"],
                get_scope(request).staff,
                form.cleaned_data["note"],
            )
            return reverse("groups:group_detail", args=[group.pk])

        try:
            return redirect_once(request, form, save, success=_("Recorded."))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    else:
        messages.error(request, _("Nothing was recorded: choose a member and a kind."))
    return redirect("groups:group_detail", pk=group.pk)


@staff_required
def group_entries(request: HttpRequest, pk: int) -> HttpResponse:
    """The group's latest score entries, with corrections for those who may make them."""
    group = get_group_or_404(request, pk)
    scope = get_scope(request)
    entries = list(
        ScoreEntry.objects.filter(group=group)
        .select_related("item", "student", "teacher", "subject", "reversed_by")
        .order_by("-created_at", "-pk")[:100]
    )
    for entry in entries:
        entry.group = group
        entry.correctable = (
            entry.kind in (ScoreEntry.Kind.TAP, ScoreEntry.Kind.IMPORT)
            and not hasattr_reversed(entry)
            and can_correct(scope, entry)
        )
    return render(request, "groups/group_entries.html", {"group": group, "entries": entries})


def hasattr_reversed(entry: ScoreEntry) -> bool:
    try:
        return entry.reversed_by is not None
    except ScoreEntry.reversed_by.RelatedObjectDoesNotExist:
        return False


@staff_required
def entry_correct(request: HttpRequest, pk: int) -> HttpResponse:
    entry = get_entry_or_404(request, pk)
    scope = get_scope(request)
    if not can_correct(scope, entry):
        raise PermissionDenied
    form = CorrectionForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.correct_score(entry, scope.staff, form.cleaned_data["reason"])
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("The entry has been reversed."))
                return redirect("groups:group_entries", pk=entry.group_id)
        messages.error(request, _("Please correct the errors below."))
    return render(request, "groups/entry_correct.html", {"entry": entry, "form": form})


# Quick scoring.


def _scoring_context(request: HttpRequest, school_class: SchoolClass) -> dict[str, Any]:
    scope = get_scope(request)
    term = scope.term
    today = timezone.localdate()
    week = term.week_number(today) if term else None
    groups = list(
        StudyGroup.objects.confirmed()
        .filter(school_class=school_class, term=term)
        .annotate(
            week_points=Coalesce(
                Sum("score_entries__points", filter=Q(score_entries__week=week)), 0
            )
        )
        .order_by("number")
    )
    members = (
        Membership.objects.current()
        .filter(group__in=[g.pk for g in groups])
        .select_related("student")
        .order_by("seat", "pk")
    )
    by_group: dict[int, list[Membership]] = {}
    for member in members:
        by_group.setdefault(member.group_id, []).append(member)
    for group in groups:
        group.members = by_group.get(group.pk, [])
    subjects = list(scoring_subjects(scope.staff, school_class))
    since = timezone.now() - dt.timedelta(minutes=UNDO_MINUTES)
    recent = list(
        ScoreEntry.objects.filter(
            school_class=school_class,
            teacher=scope.staff,
            created_at__gte=since,
            kind=ScoreEntry.Kind.TAP,
            reversed_by__isnull=True,
        )
        .select_related("group", "item", "student")
        .order_by("-created_at", "-pk")[:10]
    )
    return {
        "school_class": school_class,
        "groups": groups,
        "items": list(ScoreItem.objects.filter(is_active=True).order_by("order", "name")),
        "subjects": subjects,
        # The homeroom teacher also scores outside the lessons (no subject); first if they
        # teach none of the class's subjects.
        "no_subject": school_class.homeroom_teacher_id == scope.staff.pk,
        "recent": recent,
        "week": week,
        "undo_minutes": UNDO_MINUTES,
    }


@class_view
def score(request: HttpRequest, school_class: SchoolClass) -> HttpResponse:
    scope = get_scope(request)
    if not can_score(scope, school_class):
        raise PermissionDenied
    if scope.term is None:
        return _no_term(request)
    return render(request, "groups/score.html", _scoring_context(request, school_class))


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@require_POST
@class_view
def score_tap(request: HttpRequest, school_class: SchoolClass) -> HttpResponse:
    scope = get_scope(request)
    if not can_score(scope, school_class):
        raise PermissionDenied
    back = redirect("groups:score", class_pk=school_class.pk)

    def fail(message: str) -> HttpResponse:
        if _wants_json(request):
            return JsonResponse({"ok": False, "message": message}, status=400)
        messages.error(request, message)
        return back

    try:
        group = StudyGroup.objects.select_related("term").get(
            pk=to_pk(request.POST.get("group")), school_class=school_class, term=scope.term
        )
        item = ScoreItem.objects.get(pk=to_pk(request.POST.get("item")))
    except (StudyGroup.DoesNotExist, ScoreItem.DoesNotExist):
        return fail(_("Choose a group and a score item."))
    member = None
    if request.POST.get("student"):
        member = (
            Membership.objects.current()
            .filter(group=group, student_id=to_pk(request.POST["student"]))
            .select_related("student")
            .first()
        )
        if member is None:
            return fail(_("That student is not a member of the group."))
    subject = None
    if request.POST.get("subject"):
        # Whether this teacher may score under it is the service's rule (scoring_subjects).
        subject = Subject.objects.filter(pk=to_pk(request.POST["subject"])).first()
        if subject is None:
            return fail(_("That subject is not taught in this class."))
    try:
        entry = services.add_score(group, item, scope.staff, member=member, subject=subject)
    except ValidationError as error:
        return fail(" ".join(error.messages))
    who = member.student.name if member else group.name
    text = _("%(item)s %(points)+d for %(who)s") % {
        "item": item.name,
        "points": entry.points,
        "who": who,
    }
    if _wants_json(request):
        return JsonResponse(
            {
                "ok": True,
                "entry": entry.pk,
                "group": group.pk,
                "points": entry.points,
                "message": text,
                "undo_url": reverse("groups:entry_undo", args=[entry.pk]),
            }
        )
    messages.success(request, text)
    return back


@require_POST
@staff_required
def entry_undo(request: HttpRequest, pk: int) -> HttpResponse:
    entry = get_entry_or_404(request, pk)
    scope = get_scope(request)
    try:
        services.undo_score(entry, scope.staff)
    except ValidationError as error:
        if _wants_json(request):
            return JsonResponse({"ok": False, "message": " ".join(error.messages)}, status=400)
        messages.error(request, " ".join(error.messages))
    else:
        text = _("Undone: %(item)s for %(group)s") % {
            "item": entry.item.name,
            "group": entry.group.name,
        }
        if _wants_json(request):
            return JsonResponse(
                {"ok": True, "group": entry.group_id, "points": -entry.points, "message": text}
            )
        messages.success(request, text)
    return redirect("groups:score", class_pk=entry.school_class_id)


# Class ranking.


@class_view
def ranking(request: HttpRequest, school_class: SchoolClass) -> HttpResponse:
    scope = get_scope(request)
    term = scope.term
    if term is None:
        return _no_term(request)
    today = timezone.localdate()
    weeks = term.teaching_weeks()
    months = term.months()
    mode = "month" if request.GET.get("month") else "week"
    week = month = None
    if mode == "month":
        month = parse_month(request.GET.get("month"), today)
        if month not in months:
            raise Http404
        standings = class_standings(school_class, term, month=month)
    else:
        chosen = request.GET.get("week")
        week = number(chosen, 1, len(weeks)) if chosen else term.week_number(today) or len(weeks)
        if week is None or not 1 <= week <= len(weeks):
            raise Http404
        standings = class_standings(school_class, term, week=week)
    recommended: set[int] = set()
    if month is not None:
        recommended = set(
            Recommendation.objects.filter(
                month=month, group__school_class=school_class
            ).values_list("group_id", flat=True)
        )
    ctx = {
        "school_class": school_class,
        "term": term,
        "weeks": weeks,
        "months": months,
        "week": week,
        "month": month,
        "mode": mode,
        "standings": standings,
        "recommended": recommended,
        "can_recommend": month is not None and scope.can_edit_class(school_class),
        "recommend_form": RecommendForm(),
    }
    return render(request, "groups/ranking.html", ctx)


@require_POST
@staff_required
def recommend(request: HttpRequest, pk: int) -> HttpResponse:
    group = get_group_or_404(request, pk, edit=True)
    month = parse_month(request.POST.get("month"), timezone.localdate())
    form = RecommendForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        services.recommend(group, month, get_scope(request).staff, note)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("%(group)s recommended for %(month)s.")
            % {"group": group.name, "month": f"{month:%Y-%m}"},
        )
    return redirect(
        reverse("groups:ranking", args=[group.school_class_id]) + f"?month={month:%Y-%m}"
    )


# The school leaderboard.


def _require_school_wide(request: HttpRequest):
    scope = get_scope(request)
    if not scope.is_school_wide:
        raise PermissionDenied
    return scope


def _require_board(request: HttpRequest):
    """The principal's office, or a grade head for their grade (``access.sees_board``)."""
    scope = get_scope(request)
    if not sees_board(scope):
        raise PermissionDenied
    return scope


@staff_required
def leaderboard(request: HttpRequest) -> HttpResponse:
    """The month's board, one grade or (for the principal's office) the whole school; a grade
    head gets their own grade's tab only, ranked within it, with its classes' totals."""
    scope = _require_board(request)
    today = timezone.localdate()
    month = parse_month(request.GET.get("month"), today)
    grades = board_grades(scope)
    grade = board_grade(scope, grades, request.GET.get("grade"))
    grade_id = grade.pk if grade else None
    # The one board of the month (``selectors.month_board``): archived or live, the minimum
    # activity applied, unranked rows last; the admin's board and both downloads use it too.
    board = month_board(month, grade_id)
    close, rows, totals = board.close, board.rows, board.totals
    late = late_corrections(month, grade_id) if close is not None else []
    attach_recommendations(rows, month)
    # A large school has some 600 groups: a hundred rows a page keeps the page fast.
    page = Paginator(rows, LEADERBOARD_PAGE).get_page(page_number(request))
    pattern = reverse("groups:group_detail", args=[987654321])
    for row in page.object_list:
        row.url = pattern.replace("987654321", str(row.group_id))
    by_grade: dict[str, list] = {}
    for total in totals:
        by_grade.setdefault(total.grade_name, []).append(total)
    months = _recent_months(today)
    ctx = {
        "month": month,
        "months": months,
        "grades": grades,
        "grade": grade,
        "whole_school": scope.is_school_wide,
        "rows": page.object_list,
        "page": page,
        "query": f"month={month:%Y-%m}" + (f"&grade={grade.pk}" if grade else ""),
        "totals_by_grade": by_grade,
        "close": close,
        "late": late,
        "can_run": can_run_months(scope),
        "editable": close is not None and can_run_months(scope) and not close.is_published,
        "can_close": close is None and month < today.replace(day=1),
        "recommended_count": sum(1 for r in rows if r.recommended),
        "rule": rule_text(board.min_days, board.min_entries_per_group),
        "insufficient": insufficient_text(),
    }
    return render(request, "groups/leaderboard.html", ctx)


LEADERBOARD_PAGE = 100


def _recent_months(today: dt.date, count: int = 12) -> list[dt.date]:
    months = []
    month = today.replace(day=1)
    for _i in range(count):
        months.append(month)
        month = (month - dt.timedelta(days=1)).replace(day=1)
    return months


def _month_from_post(request: HttpRequest) -> dt.date:
    month = parse_month(request.POST.get("month"))
    if month is None:
        raise Http404
    return month


def _leaderboard_url(month: dt.date) -> str:
    return reverse("groups:leaderboard") + f"?month={month:%Y-%m}"


@require_POST
@staff_required
def month_close(request: HttpRequest) -> HttpResponse:
    scope = _require_school_wide(request)
    if not can_run_months(scope):
        raise PermissionDenied
    month = _month_from_post(request)
    try:
        services.close_month(month, scope.staff)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("%(month)s is closed and its leaderboard archived.") % {"month": f"{month:%Y-%m}"},
        )
    return redirect(_leaderboard_url(month))


@require_POST
@staff_required
def month_excellent(request: HttpRequest) -> HttpResponse:
    scope = _require_school_wide(request)
    if not can_run_months(scope):
        raise PermissionDenied
    close = get_object_or_404(MonthClose, month=_month_from_post(request))
    ids = [pk for pk in map(to_pk, request.POST.getlist("excellent")) if pk is not None]
    shown = [pk for pk in map(to_pk, request.POST.getlist("shown")) if pk is not None]
    try:
        count = services.mark_excellent(close, ids, among=shown or None)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("%(count)s outstanding groups marked.") % {"count": count})
    return redirect(_leaderboard_url(close.month))


@require_POST
@staff_required
def month_publish(request: HttpRequest) -> HttpResponse:
    scope = _require_school_wide(request)
    if not can_run_months(scope):
        raise PermissionDenied
    close = get_object_or_404(MonthClose, month=_month_from_post(request))
    try:
        services.publish(close, scope.staff)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The commendation list is published."))
    return redirect(_leaderboard_url(close.month))


def _published_close(request: HttpRequest, year: int, month: int) -> MonthClose:
    scope = get_scope(request)
    first = month_of_or_404(year, month)
    close = get_object_or_404(MonthClose.objects.select_related("published_by"), month=first)
    if not close.is_published and not scope.is_school_wide:
        raise Http404
    return close


@staff_required
def commendation(request: HttpRequest, year: int, month: int) -> HttpResponse:
    close = _published_close(request, year, month)
    rows = list(close.rows.filter(is_excellent=True).order_by("rank", "pk"))
    return render(request, "groups/commendation.html", {"close": close, "rows": rows})


@staff_required
def commendation_xlsx(request: HttpRequest, year: int, month: int) -> HttpResponse:
    close = _published_close(request, year, month)
    return xlsx_response(commendation_workbook(close), f"优秀小组表彰名单{close.month:%Y-%m}.xlsx")


@staff_required
def leaderboard_xlsx(request: HttpRequest) -> HttpResponse:
    """The board the page shows: its month and grade (a grade head's own grade only)."""
    scope = _require_board(request)
    month = parse_month(request.GET.get("month"), timezone.localdate())
    grade = board_grade(scope, board_grades(scope), request.GET.get("grade"))
    board = month_board(month, grade.pk if grade else None)
    name = f"小组月排行{month:%Y-%m}{grade.name if grade else '全校'}.xlsx"
    return xlsx_response(
        board_workbook(board, School.get().name, grade.name if grade else None), name
    )


# Printables of a class.


@class_view
def register(request: HttpRequest, school_class: SchoolClass) -> HttpResponse:
    """学习互助小组登记表: groups, names, mottos, goals, members and roles (no tiers)."""
    scope = get_scope(request)
    if scope.term is None:
        return _no_term(request)
    groups = _class_groups(school_class, scope.term)
    return render(
        request,
        "groups/register.html",
        {"school_class": school_class, "groups": groups, "term": scope.term},
    )


@class_view
def register_xlsx(request: HttpRequest, school_class: SchoolClass) -> HttpResponse:
    scope = get_scope(request)
    if scope.term is None:
        return _no_term(request)
    groups = _class_groups(school_class, scope.term)
    return xlsx_response(
        register_workbook(school_class, scope.term, groups),
        f"学习互助小组登记表{school_class}.xlsx",
    )


@class_view
def seating(request: HttpRequest, school_class: SchoolClass) -> HttpResponse:
    """Seating chart: each group front-to-back in two columns, subject leaders in the middle."""
    scope = get_scope(request)
    if scope.term is None:
        return _no_term(request)
    groups = _class_groups(school_class, scope.term)
    for group in groups:
        members = group.members
        group.rows = [members[i : i + 2] for i in range(0, len(members), 2)]
    return render(
        request,
        "groups/seating.html",
        {"school_class": school_class, "groups": groups, "term": scope.term},
    )


# Self and peer reviews.


@class_view
def reviews(request: HttpRequest, school_class: SchoolClass) -> HttpResponse:
    scope = require_edit(request, school_class)
    if scope.term is None:
        return _no_term(request)
    form = ReviewRoundForm(request.POST or None, initial={"held_on": timezone.localdate()})
    if request.method == "POST":
        if form.is_valid():

            def save():
                review_round_ = form.save(commit=False)
                review_round_.school_class = school_class
                review_round_.term = scope.term
                review_round_.save()
                return reverse("groups:review_round", args=[review_round_.pk])

            return redirect_once(request, form, save, success=_("Review round started."))
        messages.error(request, _("Please correct the errors below."))
    rounds = list(
        ReviewRound.objects.filter(school_class=school_class)
        .annotate(review_count=Count("reviews"))
        .order_by("-held_on")
    )
    return render(
        request,
        "groups/reviews.html",
        {"school_class": school_class, "rounds": rounds, "form": form},
    )


def _get_round(request: HttpRequest, pk: int) -> ReviewRound:
    scope = get_scope(request)
    review_round_ = get_object_or_404(
        ReviewRound.objects.select_related("school_class__grade", "term"),
        pk=pk,
        school_class__in=group_classes(scope).values("pk"),
    )
    require_edit(request, review_round_.school_class)
    return review_round_


@staff_required
def review_round(request: HttpRequest, pk: int) -> HttpResponse:
    """Summary per member: average of self and of peers on each line, and measures."""
    review_round_ = _get_round(request, pk)
    groups = _class_groups(review_round_.school_class, review_round_.term)
    reviews = (
        Review.objects.filter(round=review_round_)
        .values("reviewee_id", "reviewer_id")
        .annotate(p=Sum("participation"), h=Sum("helping"), f=Sum("finishing"), d=Sum("discipline"))
    )
    self_scores: dict[int, tuple] = {}
    peer: dict[int, list] = {}
    for row in reviews:
        values = (row["p"], row["h"], row["f"], row["d"])
        if row["reviewee_id"] == row["reviewer_id"]:
            self_scores[row["reviewee_id"]] = values
        else:
            peer.setdefault(row["reviewee_id"], []).append(values)
    for group in groups:
        for member in group.members:
            member.self_scores = self_scores.get(member.student_id)
            peers = peer.get(member.student_id, [])
            member.peer_count = len(peers)
            member.peer_avg = (
                [round(sum(v[i] for v in peers) / len(peers), 1) for i in range(4)]
                if peers
                else None
            )
    return render(
        request,
        "groups/review_round.html",
        {"round": review_round_, "groups": groups, "lines": [label for _k, label in REVIEW_LINES]},
    )


@staff_required
def review_entry(request: HttpRequest, pk: int, group_pk: int) -> HttpResponse:
    review_round_ = _get_round(request, pk)
    group = get_object_or_404(
        StudyGroup.objects.active(),
        pk=group_pk,
        school_class=review_round_.school_class,
        term=review_round_.term,
    )
    members = list(group.memberships.current().select_related("student").order_by("seat"))
    form = ReviewForm(request.POST or None, members=members)
    if request.method == "POST":
        if form.is_valid():
            reviewer = next(
                m.student for m in members if m.student_id == form.cleaned_data["reviewer"]
            )
            try:
                count = services.save_reviews(
                    review_round_, group, reviewer, form.ratings(), get_scope(request).staff
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(
                    request,
                    _("%(count)s ratings by %(name)s saved.")
                    % {"count": count, "name": reviewer.name},
                )
                return redirect("groups:review_entry", pk=review_round_.pk, group_pk=group.pk)
        messages.error(request, _("Please correct the errors below."))
    return render(
        request, "groups/review_entry.html", {"round": review_round_, "group": group, "form": form}
    )
