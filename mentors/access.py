"""Who may open what in the mentor system, on top of ``schoolops.scopes``.

Every rule of the app's pages is here, as a predicate of the scope or an access helper that
fetches *and* authorises; the views only name them. The order of the answers is the one of
every page: anonymous → the login page; outside the person's scope → 404; a post without the
right → 403.

- **A class's mentoring** (choices, overview, hand assignment, exchanges, ratings) is kept by
  its homeroom teacher, its grade head and the principal's office (``class_editor_required``);
  someone who sees the class without keeping it (a subject teacher, office staff) gets a 403.
- **A mentee's file** (``get_pairing_or_404``) is read by those the register lets read the
  student's mentoring records (their mentor, homeroom teacher, grade head, the principal's
  office); it is kept by the mentor while the pairing lasts (``pairing_required(edit=True)``).
- **The grade pages** (selection progress, compliance, evaluation and their exports): the
  principal's office sees every grade and the whole school's figures; a grade head (级部主任,
  who chairs the weekly grade meeting, seed 003) sees the grades they head, only those tabs, and
  another grade or a term of another school year is a 404; anyone else a 403. A mentor's own
  figures stay whole on their grade's tab (a mentor with mentees in two grades has one duty,
  not two): they are the mentor's, and name no student.
- **A mentor's monthly summary** (``get_mentor_summary_or_404``) is written and read by its
  mentor; the principal's office reads every one, a grade head those of mentors with mentees
  in a grade they head; anyone else gets a 404. The honour list and the training sessions are
  grade pages kept by the academic office; a grade head reads a session's checks of the
  mentors of their grades only.
- Running the matching, capacities, ending and reassigning pairings and scoring the evaluation
  stay with the academic office (``ACADEMIC``).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.http import Http404

from mentors import selectors
from mentors.models import MentorSummary, Pairing, TrainingSession
from schoolops import privacy
from schoolops.models import Grade, Post, SchoolClass, Staff, Term
from schoolops.scopes import Scope, class_required, get_scope, scope_required, staff_required

if TYPE_CHECKING:
    from django.http import HttpRequest

ACADEMIC = (Post.ACADEMIC_OFFICE,)


# The grade pages.


def sees_grade_pages(scope: Scope) -> bool:
    return scope.is_school_wide or bool(scope.headed_grade_ids)


grade_pages_required = scope_required(sees_grade_pages)


def page_grades(scope: Scope, year_id: int) -> list[Grade]:
    """The grades of the year a grade page shows: every grade with classes for the principal's
    office, the grades they head for a grade head (one query); a grade head asking for another
    school year gets a 404. ``schoolops.pages.grade_tabs`` orders them (their own first)."""
    if scope.is_school_wide:
        return selectors.year_grades(year_id)
    if scope.year is None or year_id != scope.year.pk:
        raise Http404
    return [g for g in selectors.year_grades(year_id) if g.pk in scope.headed_grade_ids]


def page_terms(scope: Scope, terms: list[Term]) -> list[Term]:
    """The terms a grade page switches between: a grade head's are this school year's."""
    if scope.is_school_wide:
        return terms
    year_id = scope.year.pk if scope.year is not None else None
    return [term for term in terms if term.academic_year_id == year_id]


# A class's mentoring.


def class_editor_required(view: Callable) -> Callable:
    """``class_required``, and then the class's homeroom teacher, its grade head or the
    principal's office: a class the person sees but does not keep is a 403."""

    @class_required()
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, school_class: SchoolClass, **kwargs: Any) -> Any:
        if not get_scope(request).can_edit_class(school_class):
            raise PermissionDenied
        return view(request, *args, school_class=school_class, **kwargs)

    return wrapper


# A mentee's file.


def get_pairing_or_404(request: HttpRequest, pk: int) -> tuple[Pairing, bool]:
    """A pairing the person may see, and whether they keep its file (its mentor, while active).

    Those the register lets read the student's mentoring records see a mentee's file (the
    student's mentor, homeroom teacher and grade head, the principal's office); anyone else
    (office staff, a former mentor) gets a 404.
    """
    scope = get_scope(request)
    pairing = (
        Pairing.objects.select_related(
            "student__school_class__grade", "mentor", "school_class__grade"
        )
        .filter(pk=pk)
        .first()
    )
    if pairing is None or not privacy.may_read(scope, privacy.Category.MENTORING, pairing.student):
        raise Http404
    is_mentor = scope.staff is not None and pairing.mentor_id == scope.staff.pk
    return pairing, is_mentor and pairing.is_active


def pairing_required(*, edit: bool = False) -> Callable:
    """View decorator: replaces the ``pk`` URL argument by ``pairing`` (``get_pairing_or_404``)
    and passes ``can_edit``; with ``edit``, someone who reads the file without keeping it
    gets a 403. Anonymous → login; not a member of staff → 403."""

    def decorator(view: Callable) -> Callable:
        @staff_required
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, pk: int, **kwargs: Any) -> Any:
            pairing, can_edit = get_pairing_or_404(request, pk)
            if edit and not can_edit:
                raise PermissionDenied
            return view(request, *args, pairing=pairing, can_edit=can_edit, **kwargs)

        return wrapper

    return decorator


def may_write_growth(scope: Scope, pairing: Pairing, can_edit: bool) -> bool:
    """A growth record is written by the mentor, or by the class's keepers while it lasts."""
    return can_edit or (pairing.is_active and scope.can_edit_class(pairing.school_class))


# Other teachers' ratings.


def get_rated_mentor_or_404(scope: Scope, term: Term, staff_pk: int) -> Staff:
    """A mentor of ``term`` the person may rate (the academic office: any, in a teacher's name).

    A mentor of no pairing of the term is a 404; rating oneself is a 403; a mentor of no class
    the person works with is a 404 (a 403 for the principal's office, who sees every mentor
    but rates none).
    """
    mentor = Staff.objects.filter(
        pk=staff_pk, pk__in=selectors.term_pairings(term).values("mentor_id")
    ).first()
    if mentor is None:
        raise Http404
    me = scope.staff
    if me is not None and me.pk == mentor.pk:
        raise PermissionDenied
    if not scope.has_post(*ACADEMIC) and (me is None or not selectors.may_rate(term, me, mentor)):
        if scope.is_school_wide:
            raise PermissionDenied
        raise Http404
    return mentor


# A mentor's monthly summary, the honour list and training.


def get_mentor_summary_or_404(request: HttpRequest, pk: int) -> MentorSummary:
    """A mentor's summary the person may read: their own; any for the principal's office;
    for a grade head, one of a mentor with mentees of the month in a grade they head."""
    scope = get_scope(request)
    summary = MentorSummary.objects.select_related("mentor").filter(pk=pk).first()
    if summary is None:
        raise Http404
    if scope.staff is not None and summary.mentor_id == scope.staff.pk:
        return summary
    if scope.is_school_wide:
        return summary
    if scope.headed_grade_ids and scope.headed_grade_ids & selectors.summary_grade_ids(summary):
        return summary
    raise Http404


def term_in_scope(scope: Scope, term: Term) -> None:
    """A grade head's grade pages are about this school year: another term's is a 404."""
    if not page_terms(scope, [term]):
        raise Http404


def get_training_or_404(request: HttpRequest, pk: int) -> TrainingSession:
    """A training session of a term the person's grade pages show (``term_in_scope``)."""
    session = (
        TrainingSession.objects.select_related("term__academic_year", "recorded_by")
        .filter(pk=pk)
        .first()
    )
    if session is None:
        raise Http404
    term_in_scope(get_scope(request), session.term)
    return session
