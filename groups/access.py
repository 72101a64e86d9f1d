"""Who may do what with groups, on top of ``schoolops.scopes``: every access rule of the app.

Seeing a class's groups follows the class scope (outside it: 404), without office staff's
whole-roster view: groups, tiers and scores are the teachers' business. Forming and keeping
the groups is for whoever keeps the class (homeroom teacher, grade head, principal's office);
scoring is for the teachers of the class; the monthly leaderboard is for the principal's
office (every grade) and a grade head (the grades they head: ``board_grades``), and closing
months and publishing commendations for the academic office. A post without the right gets
a 403.

A view says who may open it with one decorator: ``class_view`` for a class's pages (this
app's class scope), ``schoolops.scopes.scope_required``/``post_required``/``staff_required``
for the others; an object in a URL is fetched by its ``get_..._or_404``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from schoolops.models import Grade, Post, SchoolClass, Staff, Subject, TeachingAssignment
from schoolops.pages import GradeTabs, grade_tabs
from schoolops.params import month_of_or_404
from schoolops.scopes import Scope, get_scope

from .models import Membership, MonthClose, ReviewRound, ScoreEntry, StudyGroup, StudyPair

ClassRule = Callable[[Scope, SchoolClass], bool]


def group_classes(scope: Scope) -> QuerySet[SchoolClass]:
    """Classes whose groups a person works with: the classes they keep and the classes they
    teach (the scope's own rules). Unlike ``scope.classes()``, not office staff's whole
    roster."""
    return scope.editable_classes() | scope.classes().filter(pk__in=scope.taught_class_ids)


def sees_groups(scope: Scope, school_class: SchoolClass) -> bool:
    """``group_classes``' rule for a class already loaded (no query)."""
    if scope.sees_whole_roster and not scope.is_school_wide:
        return scope.teaches(school_class) or scope.can_edit_class(school_class)
    return scope.can_see_class(school_class)


def class_view(view: Callable | None = None, *, rule: ClassRule | None = None) -> Callable:
    """Replaces the ``class_pk`` URL argument by ``school_class``: anonymous → login, a class
    whose groups the person does not work with → 404, ``rule(scope, school_class)`` false →
    403. ``@class_view`` or ``@class_view(rule=can_score)``."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, class_pk: int, **kwargs: Any) -> Any:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            scope = get_scope(request)
            school_class = group_classes(scope).filter(pk=class_pk).first()
            if school_class is None:
                raise Http404
            if rule is not None and not rule(scope, school_class):
                raise PermissionDenied
            return view(request, *args, school_class=school_class, **kwargs)

        return wrapper

    return decorator(view) if view is not None else decorator


def can_edit(scope: Scope, school_class: SchoolClass) -> bool:
    """Whoever keeps the class forms and keeps its groups."""
    return scope.can_edit_class(school_class)


def can_score(scope: Scope, school_class: SchoolClass) -> bool:
    """Any teacher of the class (the homeroom teacher included) scores its groups."""
    return scope.teaches(school_class) or school_class.pk in scope.homeroom_class_ids


def is_homeroom_teacher(scope: Scope, school_class: SchoolClass) -> bool:
    """The class's own homeroom teacher: uploads its 学习委员's weekly score sheet."""
    return school_class.pk in scope.homeroom_class_ids


def shows_tiers(scope: Scope, school_class: SchoolClass) -> bool:
    """Tiers are for the class's teachers and keepers, never for print or for office staff."""
    return scope.can_edit_class(school_class) or scope.teaches(school_class)


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


def can_correct(scope: Scope, entry: ScoreEntry) -> bool:
    """The teacher who entered it, or whoever keeps the class."""
    staff = scope.staff
    own = staff is not None and entry.teacher_id == staff.pk
    return own or scope.can_edit_class(entry.group.school_class)


# The monthly leaderboard.


def can_run_months(scope: Scope) -> bool:
    """Closing months and publishing commendations: the academic office (教导处)."""
    return scope.has_post(Post.ACADEMIC_OFFICE)


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


def board_tabs(request: HttpRequest, scope: Scope) -> GradeTabs:
    """The leaderboard's grade tabs, by the one rule (``schoolops.pages.grade_tabs``: a grade
    not offered is a 404). A grade head starts on their own grade and sees no other; the
    principal's office starts on the whole school (no tab current) until a tab is chosen."""
    tabs = grade_tabs(request, board_grades(scope))
    if scope.is_school_wide and not request.GET.get("grade"):
        return GradeTabs(
            grades=tabs.grades, current=None, tabs=[replace(tab, current=False) for tab in tabs]
        )
    return tabs


def get_published_close_or_404(request: HttpRequest, year: int, month: int) -> MonthClose:
    """A closed month whose commendation list is published; a draft only for the principal's
    office."""
    close = get_object_or_404(
        MonthClose.objects.select_related("published_by"), month=month_of_or_404(year, month)
    )
    if not close.is_published and not get_scope(request).is_school_wide:
        raise Http404
    return close


# Objects in a URL.


def get_group_or_404(request: HttpRequest, pk: int, *, edit: bool = False) -> StudyGroup:
    """A group of a class the user may see (with ``edit``: keep, else 403); else 404."""
    scope = get_scope(request)
    group = (
        StudyGroup.objects.select_related("school_class__grade", "term__academic_year")
        .filter(pk=pk, school_class__in=group_classes(scope).values("pk"))
        .first()
    )
    if group is None:
        raise Http404
    if edit and not scope.can_edit_class(group.school_class):
        raise PermissionDenied
    return group


def get_membership_or_404(request: HttpRequest, pk: int, *, edit: bool = False) -> Membership:
    scope = get_scope(request)
    membership = (
        Membership.objects.select_related("student", "group__school_class__grade", "group__term")
        .filter(pk=pk, group__school_class__in=group_classes(scope).values("pk"))
        .first()
    )
    if membership is None:
        raise Http404
    if edit and not scope.can_edit_class(membership.group.school_class):
        raise PermissionDenied
    return membership


def get_entry_or_404(request: HttpRequest, pk: int) -> ScoreEntry:
    entry = (
        ScoreEntry.objects.select_related("group__school_class__grade", "group__term", "item")
        .filter(pk=pk, school_class__in=group_classes(get_scope(request)).values("pk"))
        .first()
    )
    if entry is None:
        raise Http404
    return entry


def get_pair_or_404(request: HttpRequest, pk: int, *, edit: bool = False) -> StudyPair:
    """A study pair of a class the user may see (with ``edit``: keep, else 403); else 404."""
    scope = get_scope(request)
    pair = (
        StudyPair.objects.select_related(
            "school_class__grade", "term", "subject", "stronger", "weaker", "third"
        )
        .filter(pk=pk, school_class__in=group_classes(scope).values("pk"))
        .first()
    )
    if pair is None:
        raise Http404
    if edit and not scope.can_edit_class(pair.school_class):
        raise PermissionDenied
    return pair


def get_round_or_404(request: HttpRequest, pk: int) -> ReviewRound:
    """A review round of a class the user may see (else 404) and keeps (else 403)."""
    scope = get_scope(request)
    review_round = (
        ReviewRound.objects.select_related("school_class__grade", "term")
        .filter(pk=pk, school_class__in=group_classes(scope).values("pk"))
        .first()
    )
    if review_round is None:
        raise Http404
    if not scope.can_edit_class(review_round.school_class):
        raise PermissionDenied
    return review_round


def get_round_group_or_404(review_round: ReviewRound, pk: int) -> StudyGroup:
    """A running group of the round's class and term."""
    return get_object_or_404(
        StudyGroup.objects.active(),
        pk=pk,
        school_class=review_round.school_class,
        term=review_round.term,
    )
