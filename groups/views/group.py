"""One group: its page, its name, goals and roles, its members' goals, check-ins and
rewards or measures."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from schoolops.pages import form_page, show_errors
from schoolops.scopes import get_scope, staff_required
from schoolops.submissions import redirect_once

from .. import life, selectors, services
from ..access import get_group_or_404, get_membership_or_404, shows_tiers
from ..forms import CheckInForm, ConsequenceForm, GroupForm, MemberGoalsForm, RolesForm


@staff_required
def group_detail(request: HttpRequest, pk: int) -> HttpResponse:
    group = get_group_or_404(request, pk)
    scope = get_scope(request)
    can_edit = scope.can_edit_class(group.school_class)
    members = selectors.group_members(group)
    weeks = selectors.group_weeks(group)
    # Roles nobody holds (a holder moved to another group): the keepers are asked to fill them.
    vacant = (
        services.vacant_roles(members, selectors.class_subjects(group.school_class))
        if can_edit and group.is_active
        else []
    )
    checkin_form = CheckInForm(group=group, members=members)
    checkin_form.helper.form_action = reverse("groups:checkin", args=[group.pk])
    consequence_form = ConsequenceForm(members=members)
    consequence_form.helper.form_action = reverse("groups:consequence", args=[group.pk])
    context = {
        "group": group,
        "school_class": group.school_class,
        "members": members,
        "weeks": weeks,
        "week_chart": selectors.group_week_chart(weeks),
        "can_edit": can_edit,
        "show_tiers": shows_tiers(scope, group.school_class),
        **selectors.group_record(group, consequences=can_edit),
        "checkin_form": checkin_form,
        "consequence_form": consequence_form,
        "vacant_roles": vacant,
        # A teacher's visits to the group (the class's teachers and keepers: who sees this
        # page); the latest few, the rest on the coaching page.
        "coaching_notes": life.coaching_notes(group, limit=3),
    }
    return render(request, "groups/group_detail.html", context)


@staff_required
def group_edit(request: HttpRequest, pk: int) -> HttpResponse:
    group = get_group_or_404(request, pk, edit=True)
    form = GroupForm(request.POST or None, instance=group)
    return form_page(
        request,
        form,
        "groups/group_form.html",
        {"group": group, "form": form},
        # A ModelForm of the group's own text fields; its history records the change.
        on_valid=form.save,
        success_message=_("The group has been saved."),
    )


@staff_required
def group_roles(request: HttpRequest, pk: int) -> HttpResponse:
    group = get_group_or_404(request, pk, edit=True)
    members = list(
        group.memberships.current().select_related("student").prefetch_related("led_subjects")
    )
    subjects = selectors.class_subjects(group.school_class)
    form = RolesForm(request.POST or None, group=group, members=members, subjects=subjects)

    def save() -> Any:
        services.set_roles(group, **form.roles())
        services.reseat(group)
        return group

    return form_page(
        request,
        form,
        "groups/group_roles.html",
        {"group": group, "form": form, "vacant_roles": services.vacant_roles(members, subjects)},
        on_valid=save,
        success_message=_("The roles have been saved."),
    )


@staff_required
def member_goals(request: HttpRequest, pk: int) -> HttpResponse:
    membership = get_membership_or_404(request, pk, edit=True)
    form = MemberGoalsForm(request.POST or None, instance=membership)

    def save() -> Any:
        form.save()
        return membership.group

    return form_page(
        request,
        form,
        "groups/member_goals.html",
        {"membership": membership, "group": membership.group, "form": form},
        on_valid=save,
        success_message=_("The goals have been saved."),
    )


# Actions from the group's page: a service, a message, back to the page.


@require_POST
@staff_required
def checkin(request: HttpRequest, pk: int) -> HttpResponse:
    group = get_group_or_404(request, pk, edit=True)
    members = list(group.memberships.current().select_related("student"))
    form = CheckInForm(request.POST, group=group, members=members)
    if not form.is_valid():
        messages.error(
            request,
            _("The check-in was not recorded: %(errors)s")
            % {"errors": " ".join(str(e) for errs in form.errors.values() for e in errs)},
        )
        return redirect(group)

    def save() -> Any:
        services.record_checkin(
            group,
            get_scope(request).staff,
            form.cleaned_data["goal"],
            form.cleaned_data["status"],
            form.cleaned_data["note"],
            form.cleaned_data["membership"],
        )
        return group

    try:
        return redirect_once(request, form, save, success=_("Check-in recorded."))
    except ValidationError as error:
        show_errors(request, error)
    return redirect(group)


@require_POST
@staff_required
def consequence(request: HttpRequest, pk: int) -> HttpResponse:
    group = get_group_or_404(request, pk, edit=True)
    form = ConsequenceForm(request.POST, members=list(group.memberships.current()))
    if not form.is_valid():
        messages.error(request, _("Nothing was recorded: choose a member and a kind."))
        return redirect(group)

    def save() -> Any:
        services.record_consequence(
            group,
            form.cleaned_data["student"],
            form.cleaned_data["kind"],
            get_scope(request).staff,
            form.cleaned_data["note"],
        )
        return group

    try:
        return redirect_once(request, form, save, success=_("Recorded."))
    except ValidationError as error:
        show_errors(request, error)
    return redirect(group)
