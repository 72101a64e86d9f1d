from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _

from schoolops import privacy
from schoolops.models import ExamResult, Post, Student
from schoolops.params import text
from schoolops.registry import registry
from schoolops.scopes import class_required, get_scope, get_student_or_404, staff_required


@staff_required
def home(request: HttpRequest) -> HttpResponse:
    """What my posts cover and what I have to do this week."""
    scope = get_scope(request)
    classes = list(
        scope.current_classes().annotate(
            student_count=Count("students", filter=Q(students__status=Student.Status.IN_SCHOOL))
        )
    )
    for school_class in classes:
        school_class.roles = _class_roles(scope, school_class)  # type: ignore[attr-defined]
    posts = [label for value, label in Post.choices if value in scope.posts]
    grades = scope.headed_grades
    ctx = {
        "scope": scope,
        "posts": posts,
        "classes": classes,
        "grades": grades,
        "todos": registry.todos_for(request),
        "panels": registry.home_panels_for(request),
        "term": scope.term,
        "week": scope.term.week_of(_today()) if scope.term else None,
    }
    return render(request, "schoolops/home.html", ctx)


def _today():
    from django.utils import timezone

    return timezone.localdate()


def _class_roles(scope, school_class) -> list[str]:
    roles = []
    if school_class.pk in scope.homeroom_class_ids:
        roles.append(_("Homeroom teacher"))
    if school_class.pk in scope.taught_class_ids:
        roles.append(_("Subject teacher"))
    if school_class.grade_id in scope.headed_grade_ids:
        roles.append(_("Grade head"))
    return roles


@staff_required
def class_list(request: HttpRequest) -> HttpResponse:
    scope = get_scope(request)
    classes = list(
        scope.current_classes().annotate(
            student_count=Count("students", filter=Q(students__status=Student.Status.IN_SCHOOL))
        )
    )
    return render(request, "schoolops/class_list.html", {"classes": classes, "scope": scope})


@class_required()
def class_detail(request: HttpRequest, school_class) -> HttpResponse:
    scope = get_scope(request)
    students = list(school_class.students.in_school().order_by("student_no"))
    assignments = list(
        school_class.assignments.select_related("staff", "subject").order_by("subject__order")
    )
    # The relation that lets a person read guardian phones is the same for the whole class.
    show_guardian_phone = privacy.may_read_class(scope, privacy.Category.GUARDIAN, school_class)
    if show_guardian_phone:
        # One read-log row per student whose phone the roster shows (one query).
        privacy.log_read(
            request, [s for s in students if s.guardian_phone], [privacy.Category.GUARDIAN]
        )
    ctx = {
        "school_class": school_class,
        "students": students,
        "assignments": assignments,
        "links": registry.class_links_for(request, school_class),
        "can_edit": scope.can_edit_class(school_class),
        "show_guardian_phone": show_guardian_phone,
    }
    return render(request, "schoolops/class_detail.html", ctx)


@staff_required
def student_search(request: HttpRequest) -> HttpResponse:
    scope = get_scope(request)
    query = text(request.GET.get("q"), max_length=50)
    students: list[Student] = []
    if query:
        students = list(
            scope.students()
            .filter(Q(name__contains=query) | Q(student_no__startswith=query))
            .order_by("student_no")[:50]
        )
    return render(request, "schoolops/student_search.html", {"query": query, "students": students})


@staff_required
def student_detail(request: HttpRequest, pk: int) -> HttpResponse:
    student = get_student_or_404(request, pk)
    # Each app's panel logs what it shows; the rows are written together (one query).
    with privacy.batched_reads(request):
        panels = registry.panels_for(request, student)
    ctx = {"student": student, "panels": panels}
    return render(request, "schoolops/student_detail.html", ctx)


def roster_panel_context(request: HttpRequest, student: Student) -> dict[str, Any]:
    scope = get_scope(request)
    results = list(
        ExamResult.objects.filter(student=student)
        .select_related("exam", "subject")
        .order_by("-exam__date", "subject__order")[:60]
    )
    exams: dict[Any, dict[str, Any]] = {}
    for result in results:
        entry = exams.setdefault(result.exam_id, {"exam": result.exam, "results": [], "total": 0})
        entry["results"].append(result)
        entry["total"] += result.score
    show_guardian_phone = privacy.may_read(scope, privacy.Category.GUARDIAN, student)
    if show_guardian_phone and student.guardian_phone:
        privacy.log_read(request, [student], [privacy.Category.GUARDIAN])
    return {
        "student": student,
        "show_guardian_phone": show_guardian_phone,
        "exams": list(exams.values()),
    }


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's view, which also lifts the first-login requirement."""

    success_url = reverse_lazy("password_change_done")

    def form_valid(self, form):
        response = super().form_valid(form)
        staff = getattr(self.request.user, "staff", None)
        if staff is not None and staff.must_change_password:
            staff.must_change_password = False
            staff.save(update_fields=["must_change_password"])
        messages.success(self.request, _("Your password has been changed."))
        return response
