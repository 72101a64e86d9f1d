from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from schoolops.models import (
    AcademicYear,
    Exam,
    ExamResult,
    Grade,
    HolidayWeek,
    School,
    SchoolClass,
    Staff,
    Student,
    Subject,
    TeachingAssignment,
    Term,
)
from schoolops.rollover import rollover_action
from schoolops.scopes import get_scope

admin.site.site_header = _("SchoolOps administration")
admin.site.site_title = _("SchoolOps")
admin.site.index_title = _("School administration")


class ScopedAdmin(admin.ModelAdmin):
    """Admin querysets go through the user's scope like every view does."""

    scope_field: str | None = None  # the lookup to a SchoolClass, e.g. "school_class"

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if self.scope_field is None:
            return qs
        scope = get_scope(request)
        if scope.sees_whole_roster:
            return qs
        return qs.filter(**{f"{self.scope_field}__in": scope.classes().values("pk")})


@admin.register(School)
class SchoolAdmin(admin.ModelAdmin):
    list_display = ["name", "address"]


class HolidayWeekInline(admin.TabularInline):
    model = HolidayWeek
    extra = 1


class TermInline(admin.TabularInline):
    model = Term
    extra = 0


@admin.register(AcademicYear)
class AcademicYearAdmin(admin.ModelAdmin):
    list_display = ["__str__", "start_date", "end_date"]
    inlines = [TermInline]
    actions = [rollover_action]


@admin.register(Term)
class TermAdmin(admin.ModelAdmin):
    list_display = ["__str__", "start_date", "end_date", "teaching_week_count"]
    list_select_related = ["academic_year"]
    inlines = [HolidayWeekInline]

    @admin.display(description=_("teaching weeks"))
    def teaching_week_count(self, term: Term) -> int:
        return len(term.teaching_weeks())


@admin.register(Grade)
class GradeAdmin(admin.ModelAdmin):
    list_display = ["name", "level", "head"]
    list_select_related = ["head"]


@admin.register(Subject)
class SubjectAdmin(admin.ModelAdmin):
    list_display = ["name", "order"]
    list_editable = ["order"]


@admin.register(SchoolClass)
class SchoolClassAdmin(ScopedAdmin):
    scope_field = "pk"
    list_display = ["__str__", "academic_year", "grade", "number", "homeroom_teacher"]
    list_filter = ["academic_year", "grade"]
    list_select_related = ["academic_year", "grade", "homeroom_teacher"]
    autocomplete_fields = ["homeroom_teacher"]


@admin.register(Staff)
class StaffAdmin(admin.ModelAdmin):
    list_display = ["staff_no", "name", "gender", "status"]
    list_filter = ["status", "user__groups"]
    search_fields = ["staff_no", "name"]
    raw_id_fields = ["user"]


@admin.register(TeachingAssignment)
class TeachingAssignmentAdmin(ScopedAdmin):
    scope_field = "school_class"
    list_display = ["school_class", "subject", "staff"]
    list_filter = ["school_class__academic_year", "school_class__grade", "subject"]
    list_select_related = ["school_class__grade", "subject", "staff"]
    autocomplete_fields = ["staff"]


@admin.register(Student)
class StudentAdmin(ScopedAdmin):
    scope_field = "school_class"
    list_display = ["student_no", "name", "gender", "school_class", "status"]
    list_filter = ["status", "school_class__grade", "gender"]
    list_select_related = ["school_class__grade"]
    search_fields = ["student_no", "name"]
    list_per_page = 50

    def get_exclude(self, request, obj=None):
        # Guardian phones: only the principal's office among the admin's users.
        if not get_scope(request).is_school_wide:
            return ["guardian_phone"]
        return super().get_exclude(request, obj)


@admin.register(Exam)
class ExamAdmin(admin.ModelAdmin):
    list_display = ["name", "date"]
    search_fields = ["name"]


@admin.register(ExamResult)
class ExamResultAdmin(ScopedAdmin):
    scope_field = "student__school_class"
    list_display = ["student", "exam", "subject", "score"]
    list_filter = ["exam", "subject"]
    list_select_related = ["student", "exam", "subject"]
    raw_id_fields = ["student"]
