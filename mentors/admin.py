"""The mentor system in the admin: the academic office keeps capacities, weights and scores;
the principal's office reads the records. Office staff have no permission here.

Changes to the sensitive records are kept by django-simple-history (``history`` on the
models). Their admins show that history (who changed what, when) to the posts that may view
the record, the principal's office; nobody reverts a record from the admin, since talk logs,
parent contacts and pairings are kept through the app's pages with their rules."""

from django.contrib import admin

from mentors import models
from schoolops.admin import GuardedAdmin, HistoryAdmin


@admin.register(models.MentorCapacity)
class MentorCapacityAdmin(GuardedAdmin):
    list_display = ("school_class", "mentor", "capacity")
    list_select_related = ("school_class__grade", "mentor")
    list_filter = ("school_class__grade",)
    raw_id_fields = ("school_class", "mentor")


@admin.register(models.Pairing)
class PairingAdmin(HistoryAdmin):
    list_display = ("student", "mentor", "school_class", "choice_rank", "started_on", "ended_on")
    list_select_related = ("student", "mentor", "school_class__grade")
    list_filter = ("school_class__grade", "end_reason")
    search_fields = ("student__name", "student__student_no", "mentor__name", "mentor__staff_no")
    raw_id_fields = ("student", "mentor", "school_class", "match_run", "created_by")


@admin.register(models.MatchRun)
class MatchRunAdmin(GuardedAdmin):
    list_display = ("grade", "academic_year", "run_at", "run_by", "matched", "unmatched")
    list_select_related = ("grade", "academic_year", "run_by")


@admin.register(models.MentorSettings)
class MentorSettingsAdmin(HistoryAdmin):
    list_display = ("__str__", "homeroom_teachers_mentor")

    def has_add_permission(self, request) -> bool:
        return not models.MentorSettings.objects.exists() and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(models.EvaluationSettings)
class EvaluationSettingsAdmin(HistoryAdmin):
    list_display = (
        "term",
        "self_weight",
        "students_weight",
        "teachers_weight",
        "school_weight",
        "threshold",
    )
    list_select_related = ("term__academic_year",)


@admin.register(models.MentorEvaluation)
class MentorEvaluationAdmin(HistoryAdmin):
    list_display = ("term", "mentor", "self_score", "school_score", "improve_by")
    list_select_related = ("term__academic_year", "mentor")
    raw_id_fields = ("mentor",)


@admin.register(models.TalkLog)
class TalkLogAdmin(HistoryAdmin):
    list_display = ("pairing", "date", "topic")
    list_select_related = ("pairing__student", "pairing__mentor")
    raw_id_fields = ("pairing",)
    # A date filter rather than a date hierarchy, whose list of years and months truncates
    # the date of every row of a school's year of logs (a Python function call each on SQLite).
    list_filter = ("date",)
    show_full_result_count = False


@admin.register(models.ParentContact)
class ParentContactAdmin(HistoryAdmin):
    list_display = ("pairing", "date", "method")
    list_select_related = ("pairing__student", "pairing__mentor")
    raw_id_fields = ("pairing",)
    # A date filter rather than a date hierarchy, whose list of years and months truncates
    # the date of every row of a school's year of logs (a Python function call each on SQLite).
    list_filter = ("date",)
    show_full_result_count = False


@admin.register(models.Choice)
class ChoiceAdmin(GuardedAdmin):
    list_display = ("student", "rank", "mentor", "academic_year")
    list_select_related = ("student", "mentor", "academic_year")
    list_filter = ("academic_year", "rank")
    raw_id_fields = ("student", "mentor")


@admin.register(models.PriorityStudent)
class PriorityStudentAdmin(HistoryAdmin):
    list_display = ("student", "academic_year", "marked_by")
    list_select_related = ("student", "academic_year", "marked_by")
    raw_id_fields = ("student", "marked_by")


@admin.register(models.MentorRanking)
class MentorRankingAdmin(GuardedAdmin):
    list_display = ("mentor", "student", "position", "academic_year")
    list_select_related = ("mentor", "student", "academic_year")
    raw_id_fields = ("mentor", "student")


# The pairing's name shows its student and mentor: the lists select both with it.
PAIRING = ("pairing__student", "pairing__mentor", "pairing__school_class__grade")


@admin.register(models.MentoringPlan)
class MentoringPlanAdmin(HistoryAdmin):
    list_display = ("pairing",)
    list_select_related = PAIRING
    raw_id_fields = ("pairing",)


@admin.register(models.GrowthRecord)
class GrowthRecordAdmin(HistoryAdmin):
    list_display = ("pairing", "date", "written_by")
    list_select_related = (*PAIRING, "written_by")
    raw_id_fields = ("pairing", "written_by")


@admin.register(models.MonthlySummary)
class MonthlySummaryAdmin(HistoryAdmin):
    list_display = ("pairing", "month")
    list_select_related = PAIRING
    raw_id_fields = ("pairing",)


@admin.register(models.Exchange)
class ExchangeAdmin(HistoryAdmin):
    list_display = ("school_class", "date", "recorded_by")
    list_select_related = ("school_class__grade", "recorded_by")
    raw_id_fields = ("school_class", "recorded_by")


@admin.register(models.StudentRating)
class StudentRatingAdmin(GuardedAdmin):
    list_display = ("student", "mentor", "score", "term")
    list_select_related = ("student", "mentor", "term__academic_year")
    raw_id_fields = ("student", "mentor")


@admin.register(models.TeacherRating)
class TeacherRatingAdmin(HistoryAdmin):
    list_display = ("mentor", "rater", "score", "entered_by", "term")
    list_select_related = ("mentor", "rater", "entered_by", "term__academic_year")
    list_filter = ("term",)
    raw_id_fields = ("mentor", "rater", "entered_by")


@admin.register(models.MentorSummary)
class MentorSummaryAdmin(HistoryAdmin):
    list_display = ("mentor", "month", "updated_at")
    list_select_related = ("mentor",)
    raw_id_fields = ("mentor",)


@admin.register(models.Honour)
class HonourAdmin(HistoryAdmin):
    list_display = ("term", "mentor", "pairing", "reason")
    list_select_related = ("term__academic_year", "mentor", *PAIRING)
    list_filter = ("term",)
    raw_id_fields = ("mentor", "pairing", "named_by")


@admin.register(models.TrainingSession)
class TrainingSessionAdmin(HistoryAdmin):
    list_display = ("date", "kind", "term")
    list_select_related = ("term__academic_year",)
    list_filter = ("term", "kind")
    raw_id_fields = ("recorded_by",)
    filter_horizontal = ("attendees",)


@admin.register(models.MentorCheck)
class MentorCheckAdmin(HistoryAdmin):
    list_display = ("session", "mentor", "checked_by")
    list_select_related = ("session", "mentor", "checked_by")
    raw_id_fields = ("session", "mentor", "checked_by")
