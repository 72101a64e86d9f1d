"""Consultation meetings: the list, recording one, its record and its students discussed, its
export, and the meetings held against expected (the cadence)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from schoolops.models import Grade, SchoolClass, Staff, Student, Term
from schoolops.pages import form_page, grade_tabs, page_grades, term_required
from schoolops.params import page_number, pk_or_404
from schoolops.privacy import Category, log_read
from schoolops.scopes import Scope, get_class_or_404, get_scope, scope_required
from schoolops.sheets.http import sheet_response

from .. import services
from ..access import (
    can_edit_meeting,
    can_record_meeting,
    get_meeting_or_404,
    may_consult,
    may_open_grade_pages,
    may_open_strategy,
    sees_grade_pages,
    visible_meetings,
)
from ..forms import (
    DiscussedEditFormSet,
    DiscussedFormSet,
    MeetingForm,
    NewMeetingForm,
    student_label,
)
from ..hooks import class_links
from ..models import ConsultSettings, Escalation, Level, Meeting, TermPlan
from ..selectors import activity_rows, school_cadence, weekly_cadence

SUGGESTIONS = 300


@scope_required(may_consult)
def meeting_list(request: HttpRequest) -> HttpResponse:
    scope = get_scope(request)
    meetings = visible_meetings(scope).annotate(n_students=Count("discussed", distinct=True))
    level = request.GET.get("level", "")
    if level in Level.values:
        meetings = meetings.filter(level=level)
    class_id = request.GET.get("class", "")
    school_class = None
    if class_id:
        school_class = get_class_or_404(request, pk_or_404(class_id))
        meetings = meetings.filter(school_class=school_class)
    page = Paginator(meetings.order_by("-date", "-pk"), 30).get_page(page_number(request))
    # The grade and school meetings' lists show the term's plans they follow.
    plans = []
    if level in (Level.GRADE, Level.SCHOOL) and scope.term is not None:
        wanted = Q(grade__isnull=True)
        if level == Level.GRADE:
            wanted = Q(grade__in=page_grades(scope)) if sees_grade_pages(scope) else Q(pk__in=[])
        plans = list(
            TermPlan.objects.filter(wanted, term=scope.term)
            .select_related("grade")
            .order_by("grade__level")
        )
    ctx = {
        "plans": plans,
        "page": page,
        "meetings": list(page.object_list),
        "level": level,
        "levels": Level.choices,
        "school_class": school_class,
        "class_links": class_links(request, school_class) if school_class else [],
        "can_school": scope.is_school_wide,
        "headed_grades": list(Grade.objects.filter(pk__in=scope.headed_grade_ids)),
        "editable_classes": list(scope.editable_classes().filter(academic_year=scope.year)),
    }
    return render(request, "consult/meeting_list.html", ctx)


def _meeting_context(request: HttpRequest) -> tuple[str, SchoolClass | None, Grade | None]:
    """Which meeting is being recorded: from the query string, or the posted form."""

    def param(name: str) -> str | None:
        return request.GET.get(name) or request.POST.get(name)

    level = param("level") or Level.CLASS
    if level not in Level.values:
        raise Http404
    school_class = grade = None
    if level in (Level.CLASS, Level.HOME):
        school_class = get_class_or_404(request, pk_or_404(param("class")))
        grade = school_class.grade
    elif level == Level.GRADE:
        grade = Grade.objects.filter(pk=pk_or_404(param("grade"))).first()
        if grade is None:
            raise Http404
    return level, school_class, grade


def _meeting_people(
    level: str, school_class: SchoolClass | None, grade: Grade | None, scope: Scope
) -> QuerySet[Staff]:
    staff = Staff.objects.active().order_by("staff_no")
    if level in (Level.CLASS, Level.HOME):
        return staff.filter(
            Q(assignments__school_class=school_class) | Q(homeroom_classes=school_class)
        ).distinct()
    if level == Level.GRADE:
        return staff.filter(
            Q(
                assignments__school_class__grade=grade,
                assignments__school_class__academic_year=scope.year,
            )
            | Q(homeroom_classes__grade=grade, homeroom_classes__academic_year=scope.year)
            | Q(headed_grades=grade)
        ).distinct()
    return staff


def _meeting_students(
    level: str, school_class: SchoolClass | None, grade: Grade | None, scope: Scope, term: Term
) -> QuerySet[Student]:
    students = (
        Student.objects.in_school().select_related("school_class__grade").order_by("student_no")
    )
    if level in (Level.CLASS, Level.HOME):
        return students.filter(school_class=school_class)
    if level == Level.GRADE:
        return students.filter(school_class__grade=grade, school_class__academic_year=scope.year)
    # The school meeting discusses special-attention and escalated students.
    return students.filter(
        Q(ledger_profiles__term=term, ledger_profiles__special_attention=True)
        | Q(escalations__term=term, escalations__to_level=Level.SCHOOL)
    ).distinct()


def _proposals(term: Term, level: str, grade: Grade | None) -> QuerySet[Escalation]:
    proposals = Escalation.objects.filter(
        term=term, to_level=level, status=Escalation.Status.PROPOSED
    ).select_related("student")
    if level == Level.GRADE:
        proposals = proposals.filter(student__school_class__grade=grade)
    return proposals.order_by("pk")


def _suggestions(level: str, students: QuerySet[Student], term: Term) -> list[Student]:
    """The datalist of the student field (one query): the class at a class or home-school
    meeting; at a grade or school meeting the students on its agenda or handled at its level
    (the field still takes any student of the grade, or of the school meeting's list)."""
    if level in (Level.CLASS, Level.HOME):
        return list(students[:SUGGESTIONS])
    at_level = Escalation.objects.filter(
        term=term,
        to_level=level,
        status__in=[Escalation.Status.PROPOSED, Escalation.Status.TAKEN],
    ).values("student")
    return list(
        students.filter(pk__in=at_level).order_by("school_class__number", "student_no")[
            :SUGGESTIONS
        ]
    )


@scope_required(may_consult)
@term_required
def meeting_new(request: HttpRequest, term: Term) -> HttpResponse:
    scope = get_scope(request)
    level, school_class, grade = _meeting_context(request)
    if not can_record_meeting(scope, level, school_class, grade):
        raise PermissionDenied
    people = _meeting_people(level, school_class, grade, scope)
    students = _meeting_students(level, school_class, grade, scope, term)
    initial: dict[str, Any] = {"chair": scope.staff, "date": timezone.localdate()}
    if level in (Level.CLASS, Level.GRADE):
        initial["attendees"] = list(people)
    if level == Level.SCHOOL:
        initial["kind"] = Meeting.Kind.THEMATIC
    form = NewMeetingForm(request.POST or None, level=level, staff=people, initial=initial)
    # The students proposed to this level wait on the agenda: list them first.
    agenda = []
    if level in (Level.GRADE, Level.SCHOOL) and request.method != "POST":
        services.check_escalations(term, timezone.localdate())
        agenda = [
            {"student": student_label(e.student), "analysis": e.reason}
            for e in _proposals(term, level, grade)[:50]
        ]
    formset = DiscussedFormSet(
        request.POST or None, students=students, prefix="students", initial=agenda or None
    )

    def save() -> Meeting:
        data = form.cleaned_data
        return services.record_meeting(
            by=scope.staff,
            level=level,
            kind=data["kind"],
            date=data["date"],
            chair=data["chair"],
            topic=data["topic"],
            school_class=school_class,
            grade=grade,
            attendees=data.get("attendees") or [],
            parents=data.get("parents", ""),
            home_form=data.get("home_form", ""),
            monthly_review=data.get("monthly_review", False),
            preparation=data["preparation"],
            analysis=data["analysis"],
            strategies=data["strategies"],
            summary=data["summary"],
            discussed=[
                services.Discussed(
                    student=f.cleaned_data["student"],
                    analysis=f.cleaned_data["analysis"],
                    decision=f.cleaned_data.get("decision") or "",
                    review_date=f.cleaned_data.get("review_date"),
                )
                for f in formset.rows()
            ],
        )

    ctx = {
        "form": form,
        "formset": formset,
        "suggestions": _suggestions(level, students, term),
        "level": level,
        "level_label": dict(Level.choices)[level],
        "school_class": school_class,
        "grade": grade,
        # Common problems from the questionnaires wait on a grade meeting's agenda.
        "common_issues": services.pending_common_issues(grade) if level == Level.GRADE else [],
    }
    return form_page(
        request,
        [form, formset],
        "consult/meeting_form.html",
        ctx,
        on_valid=save,
        success_message=_("Meeting recorded."),
    )


@scope_required(may_consult)
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scope = get_scope(request)
    meeting = get_meeting_or_404(request, pk)
    discussed = list(
        meeting.discussed.select_related("student__school_class__grade").order_by(
            "student__student_no"
        )
    )
    visible = set(
        scope.students()
        .filter(pk__in=[d.student_id for d in discussed])
        .values_list("pk", flat=True)
    )
    strategies = list(
        meeting.decided_strategies.select_related("student__school_class", "owner").order_by("pk")
    )
    log_read(request, [d.student_id for d in discussed], [Category.CONSULT])
    ctx = {
        "meeting": meeting,
        "attendees": list(meeting.attendees.order_by("staff_no")),
        # The sign-in sheet's empty lines for parents and guests (numbered after the list).
        "sign_in_blanks": range(1, 4),
        "discussed": discussed,
        "visible_students": visible,
        "strategies": strategies,
        # Linked where the strategy's page answers (a grade meeting decides strategies for
        # students of classes a subject teacher does not teach).
        "openable_strategies": {
            s.pk for s in strategies if may_open_strategy(scope, s.student, in_scope=visible)
        },
        "can_edit": can_edit_meeting(scope, meeting),
        "common_issues": list(meeting.common_issues.order_by("pk"))
        if meeting.level == Level.GRADE
        else [],
    }
    return render(request, "consult/meeting_detail.html", ctx)


@scope_required(may_consult)
def meeting_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The chair completes the record after the meeting (the students have their own page)."""
    scope = get_scope(request)
    meeting = get_meeting_or_404(request, pk)
    if not can_edit_meeting(scope, meeting):
        raise PermissionDenied
    people = _meeting_people(meeting.level, meeting.school_class, meeting.grade, scope)
    # Keep the recorded chair and attendees choosable even if their posts changed since.
    people = Staff.objects.filter(
        Q(pk__in=people.values("pk"))
        | Q(pk=meeting.chair_id)
        | Q(pk__in=meeting.attendees.values("pk"))
    ).order_by("staff_no")
    form = MeetingForm(request.POST or None, instance=meeting, level=meeting.level, staff=people)
    return form_page(
        request,
        form,
        "consult/meeting_edit.html",
        {"form": form, "meeting": meeting},
        on_valid=lambda: services.update_meeting(meeting, form.cleaned_data),
        success_message=_("Meeting record saved."),
    )


@scope_required(may_consult)
def meeting_students(request: HttpRequest, pk: int) -> HttpResponse:
    """After the meeting its chair (or the principal's office) adds, removes and corrects the
    students discussed; each row keeps its history."""
    scope = get_scope(request)
    meeting = get_meeting_or_404(request, pk)
    if not can_edit_meeting(scope, meeting):
        raise PermissionDenied
    recorded = list(
        meeting.discussed.select_related("student__school_class").order_by("student__student_no")
    )
    students = _meeting_students(
        meeting.level, meeting.school_class, meeting.grade, scope, meeting.term
    )
    formset = DiscussedEditFormSet(
        request.POST or None,
        students=students,
        prefix="students",
        initial=[
            {
                "row": d.pk,
                "student_id": d.student_id,
                "student": student_label(d.student),
                "analysis": d.analysis,
                "decision": d.decision,
            }
            for d in recorded
        ],
    )
    by_pk = {d.pk: d for d in recorded}
    if request.method != "POST":
        log_read(request, [d.student_id for d in recorded], [Category.CONSULT])

    def save() -> str:
        changes = []
        for f in formset.rows():
            data = f.cleaned_data
            row = by_pk.get(f.initial.get("row"))
            changes.append(
                services.DiscussedChange(
                    row=row,
                    student=row.student if row else data["student"],
                    analysis=data.get("analysis") or "",
                    decision=data.get("decision") or "",
                    review_date=data.get("review_date"),
                    remove=bool(data.get("remove")),
                )
            )
        services.update_discussed(meeting, changes)
        return reverse("consult:meeting_detail", args=[meeting.pk])

    ctx = {
        "meeting": meeting,
        "formset": formset,
        "suggestions": _suggestions(meeting.level, students, meeting.term),
    }
    return form_page(
        request,
        formset,
        "consult/meeting_students.html",
        ctx,
        on_valid=save,
        success_message=_("Students discussed saved."),
    )


@scope_required(may_consult)
def meeting_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    return sheet_response(request, "consult_meeting", meeting=pk)


@scope_required(may_open_grade_pages)
@term_required
def cadence(request: HttpRequest, term: Term) -> HttpResponse:
    """Meetings held against expected: every grade's row, and one grade's classes at a time
    (a grade head's own grade first), so that the page does not grow with the school."""
    scope = get_scope(request)
    today = timezone.localdate()
    classes = scope.current_classes().order_by("grade__level", "number")
    grades = Grade.objects.order_by("level")
    if not scope.is_school_wide:
        classes = classes.filter(grade__in=scope.headed_grade_ids)
        grades = grades.filter(pk__in=scope.headed_grade_ids)
    tabs = grade_tabs(request, list(grades))
    shown = tabs.current
    slots, reviews = school_cadence(term) if scope.is_school_wide else ([], [])
    shown_classes = [c for c in classes if shown and c.grade_id == shown.pk]
    settings = ConsultSettings.get()
    ctx = {
        "activity_rows": activity_rows(term, shown_classes, today, settings),
        "settings": settings,
        "term": term,
        "today": today,
        "weeks": term.teaching_weeks(),
        "tabs": tabs,
        "class_rows": weekly_cadence(term, today, Level.CLASS, shown_classes),
        "grade_rows": weekly_cadence(term, today, Level.GRADE, tabs.grades),
        "slots": [(s, s.state(today)) for s in slots],
        "reviews": [(s, s.state(today)) for s in reviews],
    }
    return render(request, "consult/cadence.html", ctx)
