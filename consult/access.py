"""Who may read and keep consultation records: the scope helper plus this app's rules.

Everything goes through ``schoolops.scopes`` first (outside a person's scope is a 404); the
rules here narrow it further. Office staff (办公室) keep the roster and never read any of it.
Who reads which part of a student's record (the ledger, psychological notes, the education
plan, consultation records) is the register's to say: ``schoolops.privacy.may_read``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from schoolops import privacy
from schoolops.models import Grade, Post, SchoolClass, Student
from schoolops.scopes import Scope, get_scope, get_student_or_404

from .models import (
    Case,
    CaseJudge,
    Escalation,
    LedgerProfile,
    Level,
    Meeting,
    Questionnaire,
    QuestionnaireLink,
    Strategy,
)

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


def sees_grade_pages(scope: Scope) -> bool:
    """The pages over many classes (the consultation scores and their export, meetings held
    against expected, the escalation agenda): the principal's office for the school, a grade
    head for the grades they head (only those grades' tabs and classes; another grade is a
    404). Anyone else: 403. The principal's monthly review stays the principal's office's."""
    return scope.is_school_wide or bool(scope.headed_grade_ids)


def may_open_grade_pages(scope: Scope) -> bool:
    """The rule of the pages over many classes: a consulting post that sees grade pages."""
    return may_consult(scope) and sees_grade_pages(scope)


def grade_page_classes(scope: Scope) -> list[SchoolClass]:
    """The classes of this year a grade page shows: the school's for the principal's office,
    a grade head's grades' otherwise."""
    classes = scope.current_classes().order_by("grade__level", "number")
    if not scope.is_school_wide:
        classes = classes.filter(grade__in=scope.headed_grade_ids)
    return list(classes)


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


def label_categories(scope: Scope, profiles: list[LedgerProfile]) -> None:
    """Sets ``labels`` on each ledger entry: its categories as this person may read them,
    心理障碍 only of the students whose psychological notes the register lets them read (one
    query whatever the entries hold, so a page's count does not depend on the data)."""
    readable: set[int] = set()
    if profiles:
        ids = [p.student_id for p in profiles]
        readable = set(
            privacy.readable_students(
                scope, privacy.Category.PSYCHOLOGICAL, Student.objects.filter(pk__in=ids)
            ).values_list("pk", flat=True)
        )
    for profile in profiles:
        # Read by the templates.
        profile.labels = profile.category_labels(psych=profile.student_id in readable)  # type: ignore[attr-defined]


def may_work_on(scope: Scope, student: Student) -> bool:
    """Open strategies, follow them up, write cases: the class's teachers and keepers, the
    psychology teacher and the student's responsible leader (包靠)."""
    return (
        scope.can_edit_class(student.school_class)
        or scope.teaches(student.school_class)
        or scope.is_psychology
        or is_leader_of(scope, student)
    )


def may_open_strategy(scope: Scope, student: Student, in_scope: set[int] | None = None) -> bool:
    """``strategy_detail``'s rule: the student is in the person's scope (``in_scope``: ids of
    ``scope.students()``, else the page is a 404) and the person reads their consultation
    records (a mentor has the student in scope but does not: a 403)."""
    if in_scope is not None and student.pk not in in_scope:
        return False
    return privacy.may_read(scope, privacy.Category.CONSULT, student)


def get_strategy_or_404(request: HttpRequest, pk: Any) -> Strategy:
    """A strategy of a student in scope (else 404) whose records the person reads (else 403)."""
    try:
        strategy = Strategy.objects.select_related("student__school_class", "owner", "meeting").get(
            pk=pk
        )
    except (Strategy.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    get_student_or_404(request, strategy.student_id)
    if not may_open_strategy(get_scope(request), strategy.student):
        raise PermissionDenied
    return strategy


def may_follow_up(scope: Scope, strategy: Strategy) -> bool:
    """Its owner, and whoever may work on the student."""
    owns = scope.staff is not None and strategy.owner_id == scope.staff.pk
    return owns or may_work_on(scope, strategy.student)


def get_strategy_to_follow_up(request: HttpRequest, pk: Any) -> Strategy:
    """A strategy as ``get_strategy_or_404`` finds it that the person may follow up or close
    (``may_follow_up``), else 403."""
    strategy = get_strategy_or_404(request, pk)
    if not may_follow_up(get_scope(request), strategy):
        raise PermissionDenied
    return strategy


def escalation_agenda(scope: Scope) -> QuerySet[Escalation]:
    """The proposals a person decides: a grade head their grades', the principal's office
    those to the grade and the school."""
    condition = Q(pk__in=[])
    if scope.headed_grade_ids:
        condition |= Q(
            to_level=Level.GRADE, student__school_class__grade__in=scope.headed_grade_ids
        )
    if scope.is_school_wide:
        condition |= Q(to_level__in=[Level.GRADE, Level.SCHOOL])
    return Escalation.objects.filter(condition).select_related(
        "student__school_class__grade", "decided_by", "proposed_by"
    )


def visible_meetings(scope: Scope) -> QuerySet[Meeting]:
    qs = Meeting.objects.select_related("school_class__grade", "grade", "chair", "term")
    if scope.is_school_wide:
        return qs
    if scope.staff is None:
        return qs.none()
    class_ids = scope.current_classes().values("pk")
    # Grade meetings of the grades the person heads or teaches in (a subquery: building
    # the queryset runs no query).
    my_classes = SchoolClass.objects.filter(
        pk__in=scope.homeroom_class_ids | scope.taught_class_ids
    )
    grades = Q(grade__in=scope.headed_grade_ids) | Q(grade__in=my_classes.values("grade_id"))
    return qs.filter(
        Q(school_class__in=class_ids)
        | Q(grades, level=Level.GRADE)
        | Q(chair=scope.staff)
        | Q(attendees=scope.staff)
    ).distinct()


def get_meeting_or_404(request: HttpRequest, pk: Any) -> Meeting:
    try:
        return visible_meetings(get_scope(request)).get(pk=pk)
    except (Meeting.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


# What each export holds: only those who read it of every student export it.
LEDGER_EXPORT = (
    privacy.Category.LEDGER,
    privacy.Category.PSYCHOLOGICAL,
    privacy.Category.EDUCATION_PLAN,
)
CASES_EXPORT = (privacy.Category.CASE,)


def may_export_ledger(scope: Scope) -> bool:
    """A class's ledger with its sensitive fields: the principal's office."""
    return may_consult(scope) and all(
        privacy.may_read_any(scope, category) for category in LEDGER_EXPORT
    )


def may_export_cases(scope: Scope) -> bool:
    return may_consult(scope) and all(
        privacy.may_read_any(scope, category) for category in CASES_EXPORT
    )


def visible_cases(scope: Scope) -> QuerySet[Case]:
    """The success cases a person sees: the principal's office every one, others those of
    their classes and, as a judge of a term, that term's nominated cases."""
    if scope.is_school_wide:
        return Case.objects.all()
    judging = CaseJudge.objects.filter(staff=scope.staff).values("term")
    return Case.objects.filter(
        Q(school_class__in=scope.current_classes().values("pk"))
        | Q(term__in=judging, nominated=True)
    )


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


# Questionnaires (学情征询问卷): the academic office and the principal's office ask the
# school, a grade head their grades, a homeroom teacher their class. Each reads the answers
# of the classes they keep, and nobody else's.


def may_use_questionnaires(scope: Scope) -> bool:
    return may_consult(scope) and (
        scope.is_school_wide or bool(scope.homeroom_class_ids) or bool(scope.headed_grade_ids)
    )


def questionnaire_classes(scope: Scope) -> QuerySet[SchoolClass]:
    """The classes of this year whose answers the person reads."""
    return scope.editable_classes().filter(academic_year=scope.year)


def questionnaire_grades(scope: Scope) -> QuerySet[Grade]:
    """The grades whose answers the person reads as a whole (and picks common problems of)."""
    if scope.is_school_wide:
        return Grade.objects.filter(classes__academic_year=scope.year).distinct().order_by("level")
    return Grade.objects.filter(pk__in=scope.headed_grade_ids).order_by("level")


def visible_questionnaires(scope: Scope) -> QuerySet[Questionnaire]:
    """The questionnaires with a link of a class the person reads (and those they made)."""
    qs = Questionnaire.objects.select_related("term", "school_class", "grade", "created_by")
    if scope.is_school_wide:
        return qs
    if scope.staff is None:
        return qs.none()
    linked = QuestionnaireLink.objects.filter(
        school_class__in=questionnaire_classes(scope).values("pk")
    ).values("questionnaire_id")
    return qs.filter(Q(pk__in=linked) | Q(created_by=scope.staff))


def get_questionnaire_or_404(request: HttpRequest, pk: Any) -> Questionnaire:
    try:
        return visible_questionnaires(get_scope(request)).get(pk=pk)
    except (Questionnaire.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def visible_links(scope: Scope, questionnaire: Questionnaire) -> QuerySet[QuestionnaireLink]:
    """The questionnaire's links of the classes the person reads, in class order."""
    links = questionnaire.links.select_related("school_class__grade").order_by(
        "school_class__grade__level", "school_class__number"
    )
    if scope.is_school_wide:
        return links
    return links.filter(school_class__in=questionnaire_classes(scope).values("pk"))


def may_manage_questionnaire(scope: Scope, questionnaire: Questionnaire) -> bool:
    """Close or open it again: whoever made it, and the principal's office."""
    return scope.is_school_wide or (
        scope.staff is not None and questionnaire.created_by_id == scope.staff.pk
    )


# Theme class meetings and study-method exchanges: the class's records.


def visible_activities(scope: Scope) -> QuerySet:
    """The theme meetings and exchanges of the classes a person sees (the principal's office
    every class's); the class's keepers edit them (``scope.can_edit_class``)."""
    from .models import ClassActivity

    qs = ClassActivity.objects.select_related("school_class__grade", "term", "created_by")
    if scope.is_school_wide:
        return qs
    return qs.filter(school_class__in=scope.current_classes().values("pk"))


def get_activity_or_404(request: HttpRequest, pk: Any, *, edit: bool = False):
    """An activity of a class the person sees (with ``edit``: keeps), else a 404."""
    from .models import ClassActivity

    scope = get_scope(request)
    try:
        activity = visible_activities(scope).get(pk=pk)
    except (ClassActivity.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if edit and not scope.can_edit_class(activity.school_class):
        raise Http404
    return activity


def may_write_school_plan(scope: Scope) -> bool:
    """The school's plan and summary: the principal's office (教导处 writes them)."""
    return may_consult(scope) and scope.is_school_wide


def may_write_grade_plan(scope: Scope, grade: Grade) -> bool:
    """A grade's plan and summary: its grade head, and the principal's office."""
    return may_consult(scope) and (scope.is_school_wide or grade.pk in scope.headed_grade_ids)
