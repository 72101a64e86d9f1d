"""Forming a class's groups: the proposal, its confirmation, moving a member."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from schoolops.models import SchoolClass, Term
from schoolops.pages import form_page, show_errors, term_required
from schoolops.scopes import get_scope, staff_required

from .. import selectors, services
from ..access import can_edit, can_score, class_view, get_membership_or_404, shows_tiers
from ..forms import MoveForm, ProposeForm
from ..models import MemberChange, StudyGroup
from .nav import class_nav


@class_view
@term_required
def class_groups(request: HttpRequest, school_class: SchoolClass, term: Term) -> HttpResponse:
    """The class's groups with their balance; its keepers propose groups here."""
    scope = get_scope(request)
    editable = can_edit(scope, school_class)
    form = ProposeForm(request.POST or None) if editable else None
    proposed: list[StudyGroup] = []

    def propose() -> str:
        proposed.extend(services.propose_groups(school_class, term, form.cleaned_data["size"]))
        return reverse("groups:class_groups", args=[school_class.pk])

    groups = selectors.class_groups(school_class, term)
    figures, flagged = selectors.groups_balance(school_class, groups)
    context = {
        "school_class": school_class,
        "term": term,
        "class_nav": class_nav(scope, school_class),
        "groups": groups,
        "figures": figures,
        "failures": selectors.balance_failures(figures),
        "flagged": flagged,
        "form": form,
        "can_edit": editable,
        "show_tiers": shows_tiers(scope, school_class),
        "tag_rows": selectors.tag_rows(figures) if shows_tiers(scope, school_class) else [],
        "has_drafts": any(not group.is_confirmed for group in groups),
        "history": list(
            MemberChange.objects.filter(school_class=school_class)
            .select_related("student", "from_group", "to_group", "changed_by")
            .order_by("-changed_at")[:20]
        ),
        "can_score": can_score(scope, school_class),
    }
    return form_page(
        request,
        form,
        "groups/class_groups.html",
        context,
        on_valid=propose,
        success_message=lambda: (
            _("Proposed %(count)s groups. Move students if needed, then confirm.")
            % {"count": len(proposed)}
        ),
    )


@require_POST
@class_view(rule=can_edit)
def confirm(request: HttpRequest, school_class: SchoolClass) -> HttpResponse:
    """Confirm the draft groups; groups that fail the balance check need 「仍然确认」 ticked."""
    scope = get_scope(request)
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
        show_errors(request, error)
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
    """Move a member to another group of the class; a role they held is then empty, and the
    group's roles form asks for a new holder."""
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

    def move() -> Any:
        roles = membership.role_names()
        to_group = form.cleaned_data["to_group"]
        services.move_member(
            membership, to_group, get_scope(request).staff, form.cleaned_data["reason"]
        )
        if not roles:
            return reverse("groups:class_groups", args=[group.school_class_id])
        # The roles stay with the group, now without a holder: ask for one.
        messages.warning(
            request,
            _(
                "%(name)s was the %(roles)s of %(group)s: that role is now empty. "
                "Choose a new holder."
            )
            % {"name": membership.student.name, "roles": "、".join(roles), "group": group.name},
        )
        return reverse("groups:group_roles", args=[group.pk])

    return form_page(
        request,
        form,
        "groups/member_move.html",
        {"membership": membership, "group": group, "form": form},
        on_valid=move,
        success_message=lambda: (
            _("%(name)s moved to %(group)s.")
            % {"name": membership.student.name, "group": form.cleaned_data["to_group"].name}
        ),
    )
