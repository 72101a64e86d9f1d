"""Who may see and change what: the one place every view and admin queryset asks.

A person's posts (Django groups) say what kind of work they do; the school structure says
where: the class they are homeroom teacher of, the classes they teach, the grade they head.
The principal's office (校长, 副校长, 教导处) sees the whole school. Office staff (办公室)
manage the roster of the whole school but see no sensitive field. The apps widen a scope
through the registry (a mentor also sees their mentees; a school leader the students they
are responsible for).

Anything outside a person's scope is answered with a 404, so that nobody learns that a
student exists in a class they do not work with.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property, wraps
from typing import TYPE_CHECKING, Any, cast

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from schoolops.models import (
    AcademicYear,
    Grade,
    Post,
    SchoolClass,
    Staff,
    Student,
    StudentQuerySet,
    TeachingAssignment,
    Term,
)
from schoolops.registry import registry

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.http import HttpRequest


class Scope:
    """What one user's posts cover. Built once per request (``request.scope``)."""

    def __init__(self, user: Any) -> None:
        self.user = user

    @classmethod
    def for_request(cls, request: HttpRequest) -> Scope:
        scope = getattr(request, "_scope_cache", None)
        if scope is None or scope.user is not request.user:
            scope = cls(request.user)
            request._scope_cache = scope  # type: ignore[attr-defined]  # one per request
        return scope

    # Who this is.

    @cached_property
    def staff(self) -> Staff | None:
        if not self.user.is_authenticated:
            return None
        # The login backend reads the staff row with the user (``select_related``).
        try:
            return self.user.staff
        except Staff.DoesNotExist:
            return None

    @cached_property
    def posts(self) -> frozenset[str]:
        if not self.user.is_authenticated:
            return frozenset()
        return frozenset(self.user.groups.values_list("name", flat=True))

    def has_post(self, *posts: str) -> bool:
        return self.user.is_superuser or bool(self.posts.intersection(posts))

    @property
    def is_school_wide(self) -> bool:
        """The principal's office: 校长, 副校长, 教导处 (and superusers)."""
        return self.user.is_superuser or bool(self.posts.intersection(Post.school_wide()))

    @property
    def is_office(self) -> bool:
        return Post.OFFICE in self.posts

    @property
    def is_psychology(self) -> bool:
        return Post.PSYCHOLOGY in self.posts

    # When.

    @cached_property
    def year(self) -> AcademicYear | None:
        # In term time the current term's year is the current year: one query serves both.
        term = self.term
        if term is not None:
            today = timezone.localdate()
            year = term.academic_year
            if term.start_date <= today <= term.end_date and (
                year.start_date <= today <= year.end_date
            ):
                return year
        return AcademicYear.current()

    @cached_property
    def term(self) -> Term | None:
        return Term.current()

    # Where, from the school structure of the current year.

    @cached_property
    def _own_class_ids(self) -> tuple[frozenset[int], frozenset[int]]:
        """(homeroom, taught) class ids of the current year, in one query for every page."""
        if self.staff is None:
            return frozenset(), frozenset()
        taught = TeachingAssignment.objects.filter(school_class=OuterRef("pk"), staff=self.staff)
        rows = list(
            SchoolClass.objects.filter(academic_year=self.year)
            .annotate(taught=Exists(taught))
            .filter(Q(homeroom_teacher=self.staff) | Q(taught=True))
            .order_by()
            .values_list("pk", "homeroom_teacher_id", "taught")
        )
        return (
            frozenset(pk for pk, homeroom_id, _ in rows if homeroom_id == self.staff.pk),
            frozenset(pk for pk, _, is_taught in rows if is_taught),
        )

    @cached_property
    def homeroom_class_ids(self) -> frozenset[int]:
        return self._own_class_ids[0]

    @cached_property
    def taught_class_ids(self) -> frozenset[int]:
        return self._own_class_ids[1]

    @cached_property
    def headed_grades(self) -> list[Grade]:
        # Only a grade head (级部主任) heads a grade: no query for everybody else.
        if self.staff is None or Post.GRADE_HEAD not in self.posts:
            return []
        return list(self.staff.headed_grades.all())

    @cached_property
    def headed_grade_ids(self) -> frozenset[int]:
        return frozenset(grade.pk for grade in self.headed_grades)

    @property
    def sees_whole_roster(self) -> bool:
        return self.is_school_wide or self.is_office

    def _class_filter(self) -> Q:
        return (
            Q(pk__in=self.homeroom_class_ids)
            | Q(pk__in=self.taught_class_ids)
            | Q(grade__in=self.headed_grade_ids, academic_year=self.year)
        )

    def classes(self) -> QuerySet[SchoolClass]:
        """Classes this person works with (all years for the whole-school posts)."""
        qs = SchoolClass.objects.select_related("grade", "academic_year", "homeroom_teacher")
        if self.sees_whole_roster:
            return qs
        if self.staff is None:
            return qs.none()
        return qs.filter(self._class_filter())

    def current_classes(self) -> QuerySet[SchoolClass]:
        return self.classes().filter(academic_year=self.year)

    def editable_classes(self) -> QuerySet[SchoolClass]:
        """Classes whose own records (groups, ledger, meetings) this person keeps."""
        qs = SchoolClass.objects.select_related("grade", "academic_year", "homeroom_teacher")
        if self.is_school_wide:
            return qs
        if self.staff is None:
            return qs.none()
        return qs.filter(
            Q(pk__in=self.homeroom_class_ids)
            | Q(grade__in=self.headed_grade_ids, academic_year=self.year)
        )

    def can_see_class(self, school_class: SchoolClass) -> bool:
        if self.sees_whole_roster:
            return True
        return (
            school_class.pk in self.homeroom_class_ids
            or school_class.pk in self.taught_class_ids
            or (
                school_class.grade_id in self.headed_grade_ids
                and school_class.academic_year_id == getattr(self.year, "pk", None)
            )
        )

    def can_edit_class(self, school_class: SchoolClass) -> bool:
        if self.is_school_wide:
            return True
        return school_class.pk in self.homeroom_class_ids or (
            school_class.grade_id in self.headed_grade_ids
            and school_class.academic_year_id == getattr(self.year, "pk", None)
        )

    def teaches(self, school_class: SchoolClass) -> bool:
        return school_class.pk in self.taught_class_ids

    def students(self) -> StudentQuerySet:
        """Students this person may see: their classes' students plus what the apps add."""
        qs = Student.objects.select_related("school_class__grade")
        if self.sees_whole_roster:
            return qs
        if self.staff is None:
            return qs.none()
        condition = Q(school_class__in=self.classes().values("pk"))
        for provider in registry.student_scope_providers:
            extra = provider(self)
            if extra is not None:
                condition |= Q(pk__in=extra)
        return qs.filter(condition)


def get_scope(request: HttpRequest) -> Scope:
    return Scope.for_request(request)


def get_class_or_404(request: HttpRequest, pk: Any, *, edit: bool = False) -> SchoolClass:
    """Fetch a class the user may see (or keep, with ``edit``); anything else is a 404."""
    scope = get_scope(request)
    qs = scope.editable_classes() if edit else scope.classes()
    try:
        return qs.get(pk=pk)
    except (SchoolClass.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def get_student_or_404(request: HttpRequest, pk: Any) -> Student:
    scope = get_scope(request)
    try:
        return scope.students().get(pk=pk)
    except (Student.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


# The decorator family. Every page starts with one of these; an app's own rules are predicates
# of the scope in its ``access.py`` (``consult.access.may_consult``...) given to
# ``scope_required``. Order of the answers, the same everywhere: anonymous → the login page;
# outside the person's scope → 404 (``class_required``); a post without the right → 403.


def scope_required(rule: Callable[[Scope], bool]) -> Callable:
    """View decorator: anonymous → login; ``rule(scope)`` false → 403.

    ``@scope_required(may_consult)`` keeps office staff out of the consultation pages.
    """

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not rule(get_scope(request)):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def has_posts(*posts: str) -> Callable[[Scope], bool]:
    """The rule "holds one of ``posts``" (no posts: any member of staff)."""
    if posts:
        return lambda scope: scope.has_post(*posts)
    return lambda scope: scope.staff is not None or scope.user.is_superuser


def post_required(*posts: str) -> Callable:
    """View decorator: anonymous → login; not one of ``posts`` → 403 (no posts: any member
    of staff). The principal's office: ``post_required(*Post.school_wide())``."""
    return scope_required(has_posts(*posts))


def staff_required(view: Callable) -> Callable:
    """View decorator: a logged-in member of staff (any post)."""
    return post_required()(view)


def class_required(
    *posts: str, rule: Callable[[Scope], bool] | None = None, edit: bool = False
) -> Callable:
    """Function-view decorator: replaces the ``class_pk`` URL argument by ``school_class``.

    Anonymous → login; a class outside the person's scope (or, with ``edit``, one they do
    not keep) → 404; not one of ``posts``, or ``rule(scope)`` false → 403.
    """

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, class_pk: Any, **kwargs: Any) -> Any:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            school_class = get_class_or_404(request, class_pk, edit=edit)
            scope = get_scope(request)
            if (posts and not scope.has_post(*posts)) or (rule is not None and not rule(scope)):
                raise PermissionDenied
            return view(request, *args, school_class=school_class, **kwargs)

        return wrapper

    return decorator


def login_of(request: HttpRequest) -> User:
    """The account of a request to a page behind a login (typed: never the anonymous user)."""
    return cast("User", request.user)
