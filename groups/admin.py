import datetime as dt

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from schoolops.admin import GuardedAdmin, GuardedTabularInline, HistoryAdmin
from schoolops.models import Term
from schoolops.params import page_number, parse_month

from .models import (
    LeaderboardRow,
    MemberChange,
    Membership,
    MonthClose,
    Recommendation,
    ScoreEntry,
    ScoreItem,
    StudyGroup,
)


class ReadOnlyAdmin(GuardedAdmin):
    """Records kept by the app's own workflows: the admin reads them."""

    # The admin spends about a millisecond on each row it renders (each cell is formatted
    # and escaped on its own): 50 rows a page keep these long lists quick.
    list_per_page = 50

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ScoreItem)
class ScoreItemAdmin(GuardedAdmin):
    list_display = ["name", "points", "order", "is_active"]
    list_editable = ["points", "order", "is_active"]
    ordering = ["order", "name"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # entries keep pointing at their item; retire it with "in use" instead


class MembershipInline(GuardedTabularInline):
    model = Membership
    fields = ["student", "is_leader", "is_recorder", "seat", "joined_at", "left_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(StudyGroup)
class StudyGroupAdmin(HistoryAdmin, ReadOnlyAdmin):
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
class ScoreEntryAdmin(ReadOnlyAdmin):
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
    ordering = ["rank"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(MonthClose)
class MonthCloseAdmin(HistoryAdmin, ReadOnlyAdmin):
    list_display = ["__str__", "closed_at", "closed_by", "published_at", "page"]
    list_select_related = ["closed_by", "published_by"]
    inlines = [LeaderboardRowInline]

    @admin.display(description=_("leaderboard page"))
    def page(self, obj):
        url = reverse("groups:leaderboard") + f"?month={obj.month:%Y-%m}"
        return format_html('<a href="{}">{}</a>', url, _("open"))


@admin.register(LeaderboardRow)
class LeaderboardRowAdmin(ReadOnlyAdmin):
    """The monthly school leaderboard as archived when the month closed."""

    list_display = [
        "close",
        "rank",
        "grade_name",
        "class_name",
        "group_name",
        "index",
        "points",
        "class_average",
        "class_rank",
        "is_excellent",
    ]
    list_filter = ["close", "grade_name", "is_excellent"]
    list_select_related = ["close"]
    ordering = ["-close__month", "rank"]

    def get_urls(self):
        live = path(
            "live/",
            self.admin_site.admin_view(self.live_view),
            name="groups_leaderboardrow_live",
        )
        return [live, *super().get_urls()]

    def live_view(self, request):
        """The standings of a month as they are now (closed months are archived rows)."""
        from .selectors import compute_board
        from .views import LEADERBOARD_PAGE

        if not self.has_view_permission(request):
            raise PermissionDenied
        today = timezone.localdate()
        month = parse_month(request.GET.get("month"), today)
        rows, totals = compute_board(month)
        # Some 600 groups on a large school: a hundred rows a page, as on the leaderboard page.
        page = Paginator(rows, LEADERBOARD_PAGE).get_page(page_number(request))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": gettext("Live leaderboard of %(month)s") % {"month": f"{month:%Y-%m}"},
            "month": month,
            "previous": (month.replace(day=1) - dt.timedelta(days=1)).replace(day=1),
            "rows": page.object_list,
            "page": page,
            "totals": totals,
        }
        return TemplateResponse(request, "groups/admin/leaderboard_live.html", context)


@admin.register(Recommendation)
class RecommendationAdmin(ReadOnlyAdmin):
    list_display = ["month", "group", "note", "recommended_by", "created_at"]
    list_filter = ["month"]
    list_select_related = ["group__school_class__grade", "recommended_by"]


@admin.register(MemberChange)
class MemberChangeAdmin(ReadOnlyAdmin):
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
