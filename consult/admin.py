"""Admin for the principal's office: settings and judges kept by 教导处; records read-only
with their change history (reads are logged in ``schoolops.ReadLog``). Office staff are given
no permission here."""

from __future__ import annotations

from django.contrib import admin

from schoolops.admin import GuardedAdmin, GuardedTabularInline, HistoryAdmin, ReadOnlyAdmin

from .models import (
    ActivityPhoto,
    Case,
    CaseJudge,
    CaseScore,
    ClassActivity,
    ClassLeaderAssignment,
    ConsultSettings,
    Escalation,
    FollowUp,
    LeaderAssignment,
    LedgerProfile,
    Meeting,
    MeetingStudent,
    Observation,
    Strategy,
    TermPlan,
    TermSummary,
)


@admin.register(ConsultSettings)
class ConsultSettingsAdmin(HistoryAdmin):
    list_display = [
        "__str__",
        "escalate_after_followups",
        "escalate_after_weeks",
        "weight_meetings",
        "weight_coverage",
        "weight_records",
        "weight_ledger",
        "weight_cases",
        "weight_activities",
        "theme_meetings_min",
        "theme_meetings_max",
        "exchanges_min",
    ]

    def has_add_permission(self, request) -> bool:
        return not ConsultSettings.objects.exists() and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(CaseJudge)
class CaseJudgeAdmin(GuardedAdmin):
    list_display = ["term", "staff"]
    list_filter = ["term"]
    list_select_related = ["term__academic_year", "staff"]
    autocomplete_fields = ["staff"]


class ReadOnlyHistoryAdmin(ReadOnlyAdmin, HistoryAdmin):
    """Sensitive records are kept through the app's pages; the admin shows them and their history."""


@admin.register(LedgerProfile)
class LedgerProfileAdmin(ReadOnlyHistoryAdmin):
    list_display = ["student", "term", "complete", "special_attention", "updated_by", "updated_at"]
    list_filter = ["term", "complete", "special_attention"]
    list_select_related = ["student", "term__academic_year", "updated_by"]
    search_fields = ["student__name", "student__student_no"]


@admin.register(Observation)
class ObservationAdmin(ReadOnlyHistoryAdmin):
    list_display = ["student", "date", "method", "psychological", "author"]
    list_filter = ["method", "psychological"]
    list_select_related = ["student", "author"]
    search_fields = ["student__name", "student__student_no"]
    date_hierarchy = "date"


class MeetingStudentInline(GuardedTabularInline):
    model = MeetingStudent
    extra = 0
    can_delete = False
    readonly_fields = ["student", "analysis", "decision"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Meeting)
class MeetingAdmin(ReadOnlyHistoryAdmin):
    list_display = ["date", "level", "kind", "school_class", "grade", "chair", "topic"]
    list_filter = ["level", "kind", "monthly_review", "term"]
    list_select_related = ["school_class__grade", "grade", "chair"]
    date_hierarchy = "date"
    inlines = [MeetingStudentInline]


class FollowUpInline(GuardedTabularInline):
    model = FollowUp
    extra = 0
    can_delete = False
    readonly_fields = ["date", "done", "result", "note", "author"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Strategy)
class StrategyAdmin(ReadOnlyHistoryAdmin):
    list_display = ["student", "level", "status", "owner", "start_date", "review_date"]
    list_filter = ["status", "level", "term"]
    list_select_related = ["student", "owner"]
    search_fields = ["student__name", "student__student_no"]
    inlines = [FollowUpInline]


@admin.register(FollowUp)
class FollowUpAdmin(ReadOnlyHistoryAdmin):
    list_display = ["strategy", "date", "result", "author", "created_at"]
    list_filter = ["result"]
    list_select_related = ["strategy__student", "author"]
    search_fields = ["strategy__student__name", "strategy__student__student_no"]
    date_hierarchy = "date"


@admin.register(MeetingStudent)
class MeetingStudentAdmin(ReadOnlyHistoryAdmin):
    """The students discussed, whose rows the chair may change after the meeting."""

    list_display = ["meeting", "student"]
    list_filter = ["meeting__level"]
    list_select_related = ["meeting", "student"]
    search_fields = ["student__name", "student__student_no"]


@admin.register(Escalation)
class EscalationAdmin(ReadOnlyHistoryAdmin):
    list_display = ["student", "from_level", "to_level", "status", "proposed_on", "decided_on"]
    list_filter = ["status", "to_level", "term"]
    list_select_related = ["student"]


@admin.register(LeaderAssignment)
class LeaderAssignmentAdmin(ReadOnlyHistoryAdmin):
    list_display = ["student", "leader", "term", "assigned_on", "active"]
    list_filter = ["active", "term"]
    list_select_related = ["student", "leader", "term__academic_year"]


@admin.register(Case)
class CaseAdmin(ReadOnlyHistoryAdmin):
    list_display = ["title", "school_class", "student", "author", "nominated", "created_on"]
    list_filter = ["nominated", "term"]
    list_select_related = ["school_class__grade", "student", "author"]


@admin.register(CaseScore)
class CaseScoreAdmin(ReadOnlyHistoryAdmin):
    list_display = ["case", "judge", "score"]
    list_select_related = ["case", "judge"]


@admin.register(ClassActivity)
class ClassActivityAdmin(ReadOnlyHistoryAdmin):
    list_display = ["theme", "kind", "school_class", "date", "created_by"]
    list_filter = ["kind", "term"]
    list_select_related = ["school_class__grade", "created_by"]


@admin.register(ActivityPhoto)
class ActivityPhotoAdmin(ReadOnlyAdmin):
    # The file itself is served only by the app's page, which checks who asks.
    exclude = ["image"]
    list_display = ["activity", "content_type", "size", "uploaded_by", "uploaded_at"]
    list_select_related = ["activity", "uploaded_by"]


@admin.register(TermPlan)
class TermPlanAdmin(ReadOnlyHistoryAdmin):
    list_display = ["__str__", "term", "grade", "updated_by", "updated_at"]
    list_filter = ["term"]
    list_select_related = ["term__academic_year", "grade", "updated_by"]


@admin.register(TermSummary)
class TermSummaryAdmin(ReadOnlyHistoryAdmin):
    list_display = ["__str__", "level", "updated_by", "updated_at"]
    list_filter = ["level", "term"]
    list_select_related = ["term__academic_year", "school_class", "grade", "updated_by"]


@admin.register(ClassLeaderAssignment)
class ClassLeaderAssignmentAdmin(ReadOnlyHistoryAdmin):
    list_display = ["school_class", "leader", "term", "assigned_on", "active"]
    list_filter = ["active", "term"]
    list_select_related = ["school_class__grade", "leader", "term__academic_year"]
