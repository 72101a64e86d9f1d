"""Who may read and keep consultation records: the scope helper plus this app's rules.

Everything goes through ``schoolops.scopes`` first (outside a person's scope is a 404); the
rules here narrow it further. Office staff (办公室) keep the roster and never read any of it.
Who reads which part of a student's record (the ledger, psychological notes, the education
plan, consultation records) is the register's to say: ``schoolops.privacy.may_read``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from schoolops.models import Grade, Post, SchoolClass, Student
from schoolops.scopes import Scope, get_scope

from .models import Level, Meeting

if TYPE_CHECKING:
    from django.http import HttpRequest

CONSULT_POSTS = (
    Post.PRINCIPAL,
    Post.VICE_PRINCIPAL,
    Post.ACADEMIC_OFFICE,
    Post.GRADE_HEAD,
    Post.HOMEROOM,
    Post.SUBJECT_TEACHER,
    Post.PSYCHOLOGY,
)
# Posts from which responsible leaders (包靠) are chosen.
LEADER_POSTS = (Post.PRINCIPAL, Post.VICE_PRINCIPAL, Post.ACADEMIC_OFFICE, Post.GRADE_HEAD)


def may_consult(scope: Scope) -> bool:
    """Any teaching or leading post; office staff alone never.

    Records name who wrote them, so an account without a staff profile (a bare superuser)
    uses the admin, not these pages.
    """
    return scope.staff is not None and scope.has_post(*CONSULT_POSTS)


def consult_required(view: Callable) -> Callable:
    """Anonymous → login; office staff or no post → 403."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not may_consult(get_scope(request)):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def school_wide_required(view: Callable) -> Callable:
    """The principal's office only: anonymous → login; other posts → 403."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not get_scope(request).is_school_wide:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def sees_grade_pages(scope: Scope) -> bool:
    """The pages over many classes (the consultation scores and their export, meetings held
    against expected, the escalation agenda): the principal's office for the school, a grade
    head for the grades they head (only those grades' tabs and classes; another grade is a
    404). Anyone else: 403. The principal's monthly review stays the principal's office's."""
    return scope.is_school_wide or bool(scope.headed_grade_ids)


def is_leader_of(scope: Scope, student: Student) -> bool:
    from .models import LeaderAssignment

    if scope.staff is None:
        return False
    return LeaderAssignment.objects.filter(
        student=student, leader=scope.staff, active=True
    ).exists()


def can_keep_ledger(scope: Scope, student: Student) -> bool:
    """The homeroom teacher, the grade head and the principal's office keep the ledger."""
    return scope.can_edit_class(student.school_class)


def visible_grade_ids(scope: Scope) -> set[int]:
    """Grades whose grade meetings the person attends: their classes' grades and headed ones."""
    ids = set(scope.headed_grade_ids)
    class_ids = scope.homeroom_class_ids | scope.taught_class_ids
    if class_ids:
        ids |= set(SchoolClass.objects.filter(pk__in=class_ids).values_list("grade_id", flat=True))
    return ids


def visible_meetings(scope: Scope) -> QuerySet[Meeting]:
    qs = Meeting.objects.select_related("school_class__grade", "grade", "chair", "term")
    if scope.is_school_wide:
        return qs
    if scope.staff is None:
        return qs.none()
    class_ids = scope.current_classes().values("pk")
    return qs.filter(
        Q(school_class__in=class_ids)
        | Q(level=Level.GRADE, grade__in=visible_grade_ids(scope))
        | Q(chair=scope.staff)
        | Q(attendees=scope.staff)
    ).distinct()


def get_meeting_or_404(request: HttpRequest, pk: Any) -> Meeting:
    try:
        return visible_meetings(get_scope(request)).get(pk=pk)
    except (Meeting.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def can_record_meeting(
    scope: Scope, level: str, school_class: SchoolClass | None, grade: Grade | None
) -> bool:
    """Who records a *new* meeting of this level: it follows the post (a subject teacher
    records a home-school meeting of a class they teach). Editing a record is narrower:
    ``can_edit_meeting``."""
    if scope.is_school_wide:
        return True
    if level == Level.CLASS:
        return school_class is not None and scope.can_edit_class(school_class)
    if level == Level.HOME:
        return school_class is not None and (
            scope.can_edit_class(school_class) or scope.teaches(school_class)
        )
    if level == Level.GRADE:
        return grade is not None and grade.pk in scope.headed_grade_ids
    return False


def can_edit_meeting(scope: Scope, meeting: Meeting) -> bool:
    """The record of a meeting (and its students discussed) is its chair's; the principal's
    office also keeps the school meetings. Nobody else edits it, whatever their post: being
    able to record a meeting of the class is not being its chair."""
    if scope.staff is not None and meeting.chair_id == scope.staff.pk:
        return True
    return meeting.level == Level.SCHOOL and scope.is_school_wide
