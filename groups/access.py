"""Who may do what with groups, on top of ``schoolops.scopes``.

Seeing a class's groups follows the class scope (outside it: 404). Forming and keeping the
groups is for whoever keeps the class (homeroom teacher, grade head, principal's office);
scoring is for the teachers of the class; the monthly leaderboard is for the principal's
office (every grade) and a grade head (the grades they head: ``board_grades``), and closing
months and publishing commendations for the academic office. A post without the right gets
a 403.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404, HttpRequest

from schoolops.models import Grade, Post, SchoolClass, Staff, Subject, TeachingAssignment
from schoolops.params import pick, pick_or_404
from schoolops.scopes import Scope, get_scope

from .models import Membership, ScoreEntry, StudyGroup


def group_classes(scope: Scope) -> QuerySet[SchoolClass]:
    """Classes whose groups a person works with.

    Like ``scope.classes()`` but without office staff's whole-roster view: groups, tiers and
    scores are the teachers' business, not the roster keepers'.
    """
    qs = SchoolClass.objects.select_related("grade", "academic_year", "homeroom_teacher")
    if scope.is_school_wide:
        return qs
    if scope.staff is None:
        return qs.none()
    return qs.filter(
        Q(pk__in=scope.homeroom_class_ids)
        | Q(pk__in=scope.taught_class_ids)
        | Q(grade__in=scope.headed_grade_ids, academic_year=scope.year)
    )


def class_view(view: Callable) -> Callable:
    """Replaces the ``class_pk`` URL argument by ``school_class``: login, then 404 outside."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, class_pk: Any, **kwargs: Any) -> Any:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        try:
            school_class = group_classes(get_scope(request)).get(pk=class_pk)
        except (SchoolClass.DoesNotExist, ValueError, TypeError):
            raise Http404 from None
        return view(request, *args, school_class=school_class, **kwargs)

    return wrapper


def can_score(scope: Scope, school_class: SchoolClass) -> bool:
    """Any teacher of the class (the homeroom teacher included) scores its groups."""
    return scope.teaches(school_class) or school_class.pk in scope.homeroom_class_ids


def scoring_subjects(staff: Staff, school_class: SchoolClass | int) -> QuerySet[Subject]:
    """The subjects ``staff`` may score a class's groups under: a subject teacher the ones they
    teach in that class, its homeroom teacher any subject taught in the class; their own come
    first (the scoring page's default). A score may also name no subject: no rubric item is
    bound to one.

    The one rule for every way a subject comes in: the scoring page offers these, and
    ``services.add_score`` refuses any other (one query, without loading the class)."""
    in_class = TeachingAssignment.objects.filter(school_class=school_class, subject=OuterRef("pk"))
    return (
        Subject.objects.filter(
            Exists(in_class.filter(Q(staff=staff) | Q(school_class__homeroom_teacher=staff)))
        )
        .annotate(own=Exists(in_class.filter(staff=staff)))
        .order_by("-own", "order", "name")
    )


def can_run_months(scope: Scope) -> bool:
    return scope.user.is_superuser or Post.ACADEMIC_OFFICE in scope.posts


def sees_board(scope: Scope) -> bool:
    """The monthly leaderboard: the principal's office, and a grade head (级部主任, who chairs
    the weekly grade meeting) for their own grade; anyone else gets a 403."""
    return scope.is_school_wide or bool(scope.headed_grade_ids)


def board_grades(scope: Scope) -> list[Grade]:
    """The grades the leaderboard and its download offer: every grade to the principal's
    office, the grades they head to a grade head (no query: the scope has loaded them), none
    to anyone else."""
    if scope.is_school_wide:
        return list(Grade.objects.order_by("level"))
    return sorted(scope.headed_grades, key=lambda grade: grade.level)


def board_grade(scope: Scope, grades: list[Grade], value: Any) -> Grade | None:
    """The grade the leaderboard shows (``?grade=<id>``, one of ``board_grades``). The
    principal's office may leave it out: None, the whole school. A grade head always sees one
    of their own grades, the first by default; another grade is a 404, and the whole school's
    board (other grades' groups and class totals) is not theirs to see."""
    if scope.is_school_wide:
        return pick(grades, value)
    if not value:
        if not grades:
            raise PermissionDenied
        return grades[0]
    return pick_or_404(grades, value)


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
            .filter(school_class__in=group_classes(scope).values("pk"))
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
            .filter(group__school_class__in=group_classes(scope).values("pk"))
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
            .filter(school_class__in=group_classes(scope).values("pk"))
            .get(pk=pk)
        )
    except (ScoreEntry.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def can_correct(scope: Scope, entry: ScoreEntry) -> bool:
    """The teacher who entered it, or whoever keeps the class."""
    staff = scope.staff
    own = staff is not None and entry.teacher_id == staff.pk
    return own or scope.can_edit_class(entry.group.school_class)
