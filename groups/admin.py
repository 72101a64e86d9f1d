import datetime as dt

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import F
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from schoolops.admin import GuardedAdmin, GuardedTabularInline, HistoryAdmin, ReadOnlyAdmin
from schoolops.models import Grade, Term
from schoolops.params import page_number, parse_month, pick
from schoolops.sheets.http import sheet_response

from . import selectors
from .models import (
    ClassTerminal,
    CoachingNote,
    GroupActivity,
    GroupMeeting,
    GroupSettings,
    LeaderboardRow,
    Material,
    MemberChange,
    Membership,
    MonthClose,
    PairScore,
    PlanItem,
    PlanTick,
    Question,
    Recommendation,
    ScoreEntry,
    ScoreItem,
    StudentTag,
    StudentTagging,
    StudyGroup,
    StudyPair,
    SubjectRep,
)


class RecordAdmin(ReadOnlyAdmin):
    """Records kept by the app's own workflows: the admin reads them."""

    # The admin spends about a millisecond on each row it renders (each cell is formatted
    # and escaped on its own): 50 rows a page keep these long lists quick.
    list_per_page = 50


@admin.register(ScoreItem)
class ScoreItemAdmin(GuardedAdmin):
    list_display = ["name", "points", "order", "is_active"]
    list_editable = ["points", "order", "is_active"]
    ordering = ["order", "name"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # entries keep pointing at their item; retire it with "in use" instead


@admin.register(GroupSettings)
class GroupSettingsAdmin(HistoryAdmin):
    """The school's rules of the groups (one row), kept by 教导处: the leaderboard's minimum
    activity."""

    list_display = [
        "__str__",
        "ranking_min_days",
        "ranking_min_entries_per_group",
        "student_points",
    ]

    def has_add_permission(self, request) -> bool:
        return not GroupSettings.objects.exists() and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ClassTerminal)
class ClassTerminalAdmin(ReadOnlyAdmin, HistoryAdmin):
    """Class terminals (班级一体机): each class's homeroom teacher turns theirs on, renews its
    code and turns it off on the class's terminal page; the admin shows which are on (never
    the code or the signed-in session)."""

    list_display = ["school_class", "enabled", "renewed_at", "renewed_by", "signed_in_at"]
    list_filter = ["enabled"]
    list_select_related = ["school_class__grade", "renewed_by"]
    exclude = ["code_hash", "session_key"]


# Unranked rows (no rank) last, in SQLite as in PostgreSQL.
RANK_ORDER = F("rank").asc(nulls_last=True)


class MembershipInline(GuardedTabularInline):
    model = Membership
    fields = ["student", "is_leader", "is_recorder", "seat", "joined_at", "left_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(StudyGroup)
class StudyGroupAdmin(HistoryAdmin, RecordAdmin):
    list_display = ["name", "school_class", "term", "number", "motto", "confirmed_at", "is_active"]
    list_filter = ["term", "school_class__grade", "is_active"]
    list_select_related = ["school_class__grade", "term__academic_year"]
    search_fields = ["name", "motto"]
    inlines = [MembershipInline]


class EntryMonthFilter(admin.SimpleListFilter):
    """The month of the entries: this month unless another month (or all) is chosen.

    150,000 entries a term make a list of all of them slow to count and to date (Django's
    date hierarchy reads every row's date); a month is what 教导处 looks through, and its
    entries are counted and listed from an index. The months offered come from the
    calendar (the terms up to today), not from the entries.
    """

    title = _("month")
    parameter_name = "month"
    ALL = "all"

    def lookups(self, request, model_admin):
        today = timezone.localdate()
        months: list[dt.date] = []
        for term in Term.objects.filter(start_date__lte=today).order_by("-start_date")[:3]:
            month = min(term.end_date, today).replace(day=1)
            while month >= term.start_date.replace(day=1):
                if month not in months:
                    months.append(month)
                month = (month - dt.timedelta(days=1)).replace(day=1)
        current = today.replace(day=1)
        if current not in months:
            months.insert(0, current)
        return [(f"{m:%Y-%m}", f"{m:%Y-%m}") for m in sorted(months, reverse=True)]

    def month(self) -> dt.date | None:
        """The chosen month; None for all months (an unreadable month is this month)."""
        if self.value() == self.ALL:
            return None
        return parse_month(self.value(), timezone.localdate())

    def queryset(self, request, queryset):
        month = self.month()
        return queryset if month is None else queryset.filter(month=month)

    def choices(self, changelist):
        chosen = self.month()
        yield {
            "selected": chosen is None,
            "query_string": changelist.get_query_string({self.parameter_name: self.ALL}),
            "display": _("All"),
        }
        for value, label in self.lookup_choices:
            yield {
                "selected": chosen is not None and f"{chosen:%Y-%m}" == value,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": label,
            }


@admin.register(ScoreEntry)
class ScoreEntryAdmin(RecordAdmin):
    # The group's name shows its class (no column of its own).
    list_display = [
        "day",
        "week",
        "group",
        "item",
        "points",
        "student",
        "teacher",
        "kind",
        "after_close",
    ]
    list_filter = [EntryMonthFilter, "kind", "after_close", "item", "school_class__grade"]
    list_select_related = ["group__school_class__grade", "item", "student", "teacher"]
    # Newest first, the order of the primary key: the month's index ends with it.
    ordering = ["-pk"]
    # No date hierarchy (it reads the date of every entry) and no count of the whole table.
    show_full_result_count = False


class LeaderboardRowInline(GuardedTabularInline):
    model = LeaderboardRow
    fields = [
        "rank",
        "grade_name",
        "class_name",
        "group_name",
        "points",
        "class_average",
        "index",
        "class_rank",
        "is_excellent",
    ]
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = [RANK_ORDER, "pk"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(MonthClose)
class MonthCloseAdmin(HistoryAdmin, RecordAdmin):
    list_display = ["__str__", "closed_at", "closed_by", "published_at", "page"]
    list_select_related = ["closed_by", "published_by"]
    inlines = [LeaderboardRowInline]

    @admin.display(description=_("leaderboard page"))
    def page(self, obj):
        url = reverse("groups:leaderboard") + f"?month={obj.month:%Y-%m}"
        return format_html('<a href="{}">{}</a>', url, _("open"))


@admin.register(LeaderboardRow)
class LeaderboardRowAdmin(RecordAdmin):
    """The monthly school leaderboard as archived when the month closed."""

    list_display = [
        "close",
        "rank_shown",
        "grade_name",
        "class_name",
        "group_name",
        "index",
        "points",
        "class_average",
        "class_rank",
        "insufficient",
        "is_excellent",
    ]
    list_filter = ["close", "grade_name", "is_excellent", "insufficient"]
    list_select_related = ["close"]
    ordering = ["-close__month", RANK_ORDER, "pk"]

    @admin.display(description=_("rank"), ordering=RANK_ORDER)
    def rank_shown(self, obj):
        return obj.rank if obj.rank is not None else "—"

    def get_urls(self):
        live = path(
            "live/",
            self.admin_site.admin_view(self.live_view),
            name="groups_leaderboardrow_live",
        )
        export = path(
            "live/xlsx/",
            self.admin_site.admin_view(self.live_xlsx),
            name="groups_leaderboardrow_live_xlsx",
        )
        return [live, export, *super().get_urls()]

    def _board_query(self, request):
        """The month and grade asked for (any grade: the admin is the principal's office's)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        month = parse_month(request.GET.get("month"), timezone.localdate())
        grades = list(Grade.objects.order_by("level"))
        return month, grades, pick(grades, request.GET.get("grade"))

    def live_view(self, request):
        """The monthly board (``selectors.month_board``: the archive of a closed month, else
        live; one grade ranked within it): month and grade filters, the export of what it
        shows."""
        month, grades, grade = self._board_query(request)
        board = selectors.month_board(month, grade.pk if grade else None)
        # Some 600 groups on a large school: a hundred rows a page, as on the leaderboard page.
        page = Paginator(board.rows, selectors.LEADERBOARD_PAGE).get_page(page_number(request))
        query = f"month={month:%Y-%m}" + (f"&grade={grade.pk}" if grade else "")
        today = timezone.localdate()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": gettext("Leaderboard of %(month)s, %(grade)s")
            % {
                "month": f"{month:%Y-%m}",
                "grade": grade.name if grade else gettext("whole school"),
            },
            "board": board,
            "month": month,
            "months": sorted({*selectors.recent_months(today), month}, reverse=True),
            "grades": grades,
            "grade": grade,
            "query": query,
            "rule": board.rule,
            "insufficient": selectors.INSUFFICIENT,
            "rows": page.object_list,
            "page": page,
            "totals": board.totals,
        }
        return TemplateResponse(request, "groups/admin/leaderboard_live.html", context)

    def live_xlsx(self, request):
        """Exactly the board the page shows (its month and grade), every page of it."""
        month, _grades, grade = self._board_query(request)
        return sheet_response(request, "leaderboard", month=month, grade=grade, title_row=True)


@admin.register(Recommendation)
class RecommendationAdmin(RecordAdmin):
    list_display = ["month", "group", "note", "recommended_by", "created_at"]
    list_filter = ["month"]
    list_select_related = ["group__school_class__grade", "recommended_by"]


@admin.register(MemberChange)
class MemberChangeAdmin(RecordAdmin):
    list_display = [
        "changed_at",
        "school_class",
        "student",
        "from_group",
        "to_group",
        "reason",
        "changed_by",
    ]
    list_select_related = [
        "school_class__grade",
        "student",
        "from_group__school_class__grade",
        "to_group__school_class__grade",
        "changed_by",
    ]


@admin.register(Material)
class MaterialAdmin(HistoryAdmin, RecordAdmin):
    list_display = ["uploaded_at", "school_class", "group", "subject", "title", "size", "showcased"]
    list_filter = ["showcased", "kind"]
    list_select_related = ["school_class__grade", "group__school_class__grade", "subject"]
    exclude = ["file"]


@admin.register(SubjectRep)
class SubjectRepAdmin(HistoryAdmin, RecordAdmin):
    list_display = ["school_class", "subject", "student", "set_by"]
    list_select_related = ["school_class__grade", "subject", "student", "set_by"]


@admin.register(Question)
class QuestionAdmin(HistoryAdmin, RecordAdmin):
    list_display = ["entered_at", "school_class", "group", "subject", "status", "answered_by"]
    list_filter = ["status"]
    list_select_related = [
        "school_class__grade",
        "group__school_class__grade",
        "subject",
        "answered_by",
    ]


# Group life: records kept by the group and class pages (the admin reads them).


@admin.register(GroupMeeting)
class GroupMeetingAdmin(RecordAdmin):
    list_display = ["day", "group", "week", "recorded_by", "recorded_by_student"]
    list_select_related = ["group__school_class__grade", "recorded_by", "recorded_by_student"]
    date_hierarchy = "day"


@admin.register(PlanItem)
class PlanItemAdmin(HistoryAdmin, RecordAdmin):
    list_display = ["group", "subject", "goal", "weekly_task", "checker", "is_active"]
    list_select_related = ["group__school_class__grade", "subject", "checker"]


@admin.register(PlanTick)
class PlanTickAdmin(HistoryAdmin, RecordAdmin):
    list_display = ["item", "week", "done", "ticked_by", "recorded_by_student", "ticked_at"]
    list_select_related = [
        "item__group__school_class__grade",
        "ticked_by",
        "recorded_by_student",
    ]


@admin.register(CoachingNote)
class CoachingNoteAdmin(HistoryAdmin, RecordAdmin):
    list_display = ["day", "group", "written_by"]
    list_select_related = ["group__school_class__grade", "written_by"]


@admin.register(GroupActivity)
class GroupActivityAdmin(HistoryAdmin, RecordAdmin):
    list_display = ["day", "school_class", "kind", "participants", "recorded_by"]
    list_filter = ["kind"]
    list_select_related = ["school_class__grade", "recorded_by"]


# Study pairs and the teachers' student tags (issue 16).


@admin.register(StudentTag)
class StudentTagAdmin(HistoryAdmin):
    """The school's short list of student tags (兴趣特长, 性格, 能力倾向), kept by 教导处;
    homeroom teachers set them on their students. Retire a tag with "in use"."""

    list_display = ["name", "kind", "order", "is_active"]
    list_editable = ["order", "is_active"]
    list_filter = ["kind", "is_active"]
    ordering = ["kind", "order", "name"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # students keep pointing at their tags; retire one with "in use"


@admin.register(StudentTagging)
class StudentTaggingAdmin(ReadOnlyAdmin, HistoryAdmin):
    list_display = ["student", "tag", "set_by", "set_at"]
    list_select_related = ["student", "tag", "set_by"]


@admin.register(StudyPair)
class StudyPairAdmin(HistoryAdmin, RecordAdmin):
    list_display = [
        "school_class",
        "subject",
        "stronger",
        "weaker",
        "third",
        "formed_at",
        "ended_at",
    ]
    list_select_related = ["school_class__grade", "subject", "stronger", "weaker", "third"]


@admin.register(PairScore)
class PairScoreAdmin(RecordAdmin):
    list_display = ["created_at", "pair", "points", "reason", "teacher"]
    list_select_related = [
        "pair__school_class__grade",
        "pair__subject",
        "pair__stronger",
        "pair__weaker",
        "pair__third",
        "teacher",
    ]
