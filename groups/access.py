"""Who may do what with groups, on top of ``schoolops.scopes``.

Seeing a class's groups follows the class scope (outside it: 404). Forming and keeping the
groups is for whoever keeps the class (homeroom teacher, grade head, principal's office);
scoring is for the teachers of the class; the school leaderboard is for the principal's
office, and closing months and publishing commendations for the academic office. A post
without the right gets a 403.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest

from schoolops.models import Post, SchoolClass
from schoolops.scopes import Scope, get_scope

from .models import Membership, ScoreEntry, StudyGroup


def can_score(scope: Scope, school_class: SchoolClass) -> bool:
    """Any teacher of the class (the homeroom teacher included) scores its groups."""
    return scope.teaches(school_class) or school_class.pk in scope.homeroom_class_ids


def can_run_months(scope: Scope) -> bool:
    return scope.user.is_superuser or Post.ACADEMIC_OFFICE in scope.posts


def require_edit(request: HttpRequest, school_class: SchoolClass) -> Scope:
    scope = get_scope(request)
    if not scope.can_edit_class(school_class):
        raise PermissionDenied
    return scope


def get_group_or_404(request: HttpRequest, pk: Any, *, edit: bool = False) -> StudyGroup:
    """A group of a class the user may see (with ``edit``: keep, else 403); else 404."""
    scope = get_scope(request)
    try:
        group = (
            StudyGroup.objects.select_related("school_class__grade", "term__academic_year")
            .filter(school_class__in=scope.classes().values("pk"))
            .get(pk=pk)
        )
    except (StudyGroup.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if edit and not scope.can_edit_class(group.school_class):
        raise PermissionDenied
    return group


def get_membership_or_404(request: HttpRequest, pk: Any, *, edit: bool = False) -> Membership:
    scope = get_scope(request)
    try:
        membership = (
            Membership.objects.select_related(
                "student", "group__school_class__grade", "group__term"
            )
            .filter(group__school_class__in=scope.classes().values("pk"))
            .get(pk=pk)
        )
    except (Membership.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if edit and not scope.can_edit_class(membership.group.school_class):
        raise PermissionDenied
    return membership


def get_entry_or_404(request: HttpRequest, pk: Any) -> ScoreEntry:
    scope = get_scope(request)
    try:
        return (
            ScoreEntry.objects.select_related("group__school_class__grade", "group__term", "item")
            .filter(school_class__in=scope.classes().values("pk"))
            .get(pk=pk)
        )
    except (ScoreEntry.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def can_correct(scope: Scope, entry: ScoreEntry) -> bool:
    """The teacher who entered it, or whoever keeps the class."""
    staff = scope.staff
    own = staff is not None and entry.teacher_id == staff.pk
    return own or scope.can_edit_class(entry.group.school_class)
