"""What the groups app adds to the pages ``schoolops`` owns, through its registry."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Exists, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from schoolops.charts import for_the_principal
from schoolops.models import Post, SchoolClass, Student
from schoolops.registry import (
    DemoStep,
    HomePanel,
    Link,
    NavItem,
    Purger,
    StudentExport,
    StudentPanel,
    Todo,
    lazy,
    registry,
)
from schoolops.scopes import get_scope

from .access import can_run_months, can_score, is_homeroom_teacher, sees_board
from .models import GroupMeeting, Membership, MonthClose, ScoreEntry, StudyGroup
from .selectors import home_chart, month_board

# How many of a grade's best groups its grade head's home page names.
TOP_GROUPS = 3


def todos(request: HttpRequest) -> list[Todo]:
    """Class without groups this term; classes not scored this week; my class's groups with no
    meeting this week; months to close; a grade head's grade on this month's leaderboard."""
    scope = get_scope(request)
    term = scope.term
    if term is None or (scope.staff is None and not scope.user.is_superuser):
        return []
    items: list[Todo] = []
    today = timezone.localdate()
    homeroom = scope.homeroom_class_ids
    taught = scope.taught_class_ids | homeroom
    week = term.week_number(today)
    # My classes with groups, and those I scored this week, in one query.
    with_groups: set[int] = set()
    scored: set[int] = set()
    not_met: dict[int, int] = {}
    if taught:
        scored_this_week: Exists | Value = Value(False)
        if week is not None and scope.staff is not None:
            scored_this_week = Exists(
                ScoreEntry.objects.filter(
                    teacher=scope.staff,
                    term=term,
                    week=week,
                    school_class=OuterRef("school_class_id"),
                )
            )
        # A group of my own class that has no meeting logged this week (定期聚会: at least
        # once a week), in the same query.
        met_this_week: Exists | Value = Value(True)
        if week is not None and homeroom:
            met_this_week = Exists(GroupMeeting.objects.filter(group=OuterRef("pk"), week=week))
        rows = (
            StudyGroup.objects.confirmed()
            .filter(term=term, school_class__in=taught)
            .values_list("school_class_id", scored_this_week, met_this_week)
        )
        for class_id, is_scored, met in rows:
            with_groups.add(class_id)
            if is_scored:
                scored.add(class_id)
            if not met and class_id in homeroom:
                not_met[class_id] = not_met.get(class_id, 0) + 1
    missing = sorted(homeroom - with_groups)
    if missing:
        classes = {
            c.pk: c for c in SchoolClass.objects.filter(pk__in=missing).select_related("grade")
        }
        for class_id in missing:
            items.append(
                Todo(
                    text=_("%(class)s has no study-help groups this term: form them.")
                    % {"class": classes[class_id]},
                    url=reverse("groups:class_groups", args=[class_id]),
                    level="warning",
                    app="groups",
                )
            )
    if week is not None and scope.staff is not None and with_groups:
        unscored = sorted((with_groups & taught) - scored)
        if unscored:
            items.append(
                Todo(
                    text=_("Lessons not scored this week"),
                    url=reverse("groups:score", args=[unscored[0]]),
                    count=len(unscored),
                    level="info",
                    app="groups",
                )
            )
    for class_id, count in sorted(not_met.items()):
        items.append(
            Todo(
                text=_("Groups with no meeting logged this week"),
                url=reverse("groups:class_life", args=[class_id]),
                count=count,
                level="info",
                app="groups",
            )
        )
    if can_run_months(scope):
        this_month = today.replace(day=1)
        over = [m for m in term.months() if m < this_month]
        closed = set(MonthClose.objects.filter(month__in=over).values_list("month", flat=True))
        for month in over:
            if month not in closed:
                items.append(
                    Todo(
                        text=_("Close %(month)s and publish its outstanding groups")
                        % {"month": f"{month:%Y-%m}"},
                        url=reverse("groups:leaderboard") + f"?month={month:%Y-%m}",
                        level="warning",
                        app="groups",
                    )
                )
    items.extend(_grade_board(scope, today))
    return items


def _grade_board(scope, today: dt.date) -> list[Todo]:
    """For a grade head: their grade's best groups on this month's leaderboard so far, ranked
    within the grade as its page shows them, and its classes below the minimum activity that
    the ranking asks (``selectors.month_board``: a fixed number of queries a headed grade,
    whatever its size)."""
    month = today.replace(day=1)
    separator = pgettext("list separator", ", ")
    items = []
    for grade in sorted(scope.headed_grades, key=lambda g: g.level):
        board = month_board(month, grade.pk)
        url = reverse("groups:leaderboard") + f"?month={month:%Y-%m}&grade={grade.pk}"
        top = [row for row in board.rows if row.rank is not None][:TOP_GROUPS]
        if top:
            names = separator.join(
                _("%(group)s (%(class)s)") % {"group": row.group_name, "class": row.class_name}
                for row in top
            )
            items.append(
                Todo(
                    text=_("%(grade)s, best groups this month: %(groups)s")
                    % {"grade": grade.name, "groups": names},
                    url=url,
                    level="info",
                    app="groups",
                )
            )
        below = [total.class_name for total in board.totals if total.insufficient]
        if below:
            items.append(
                Todo(
                    text=_(
                        "%(grade)s, too few records this month, not in the ranking yet: %(classes)s"
                    )
                    % {"grade": grade.name, "classes": separator.join(below)},
                    url=url,
                    count=len(below),
                    level="info",
                    app="groups",
                )
            )
    return items


def works_with(scope, school_class_id: int, grade_id: int) -> bool:
    """The class's teachers and keepers (not office staff, not mentors from outside)."""
    return (
        scope.is_school_wide
        or school_class_id in scope.homeroom_class_ids
        or school_class_id in scope.taught_class_ids
        or grade_id in scope.headed_grade_ids
    )


def student_panel(request: HttpRequest, student: Student) -> dict[str, Any] | None:
    """The student's group, role and the points of the last four weeks, the group's and the
    student's own (two queries: the membership with its points, the subjects led)."""
    if not works_with(get_scope(request), student.school_class_id, student.school_class.grade_id):
        return None
    since = timezone.localdate() - dt.timedelta(days=28)
    recent = ScoreEntry.objects.filter(group=OuterRef("group_id"), day__gte=since)
    membership = (
        Membership.objects.current()
        .filter(student=student, group__is_active=True)
        .select_related("group")
        .prefetch_related("led_subjects")
        .annotate(
            group_points=_points(recent),
            own_points=_points(recent.filter(student=OuterRef("student_id"))),
        )
        .order_by("-group__term__start_date")
        .first()
    )
    if membership is None:
        return {"membership": None}
    return {
        "membership": membership,
        "group": membership.group,
        "subjects": list(membership.led_subjects.all()),
        "group_points": membership.group_points,
        "own_points": membership.own_points,
    }


def _points(entries) -> Coalesce:
    """The sum of the entries' points (0 for none), as a subquery."""
    total = entries.values("group").annotate(total=Sum("points")).values("total")
    return Coalesce(Subquery(total), 0)


def class_links(request: HttpRequest, school_class: SchoolClass) -> list[Link]:
    scope = get_scope(request)
    if not works_with(scope, school_class.pk, school_class.grade_id):
        return []
    links = [
        Link(_("Study-help groups"), reverse("groups:class_groups", args=[school_class.pk])),
        Link(_("Group ranking"), reverse("groups:ranking", args=[school_class.pk])),
    ]
    if can_score(scope, school_class):
        links.insert(0, Link(_("Score groups"), reverse("groups:score", args=[school_class.pk])))
    if is_homeroom_teacher(scope, school_class):
        # The 学习委员's weekly score sheet, uploaded by the class's homeroom teacher.
        url = reverse("groups:score_upload", args=[school_class.pk])
        links.append(Link(_("Upload the score sheet"), url))
    return links


VIEW_MODELS = (
    "studygroup",
    "membership",
    "scoreentry",
    "scoreitem",
    "monthclose",
    "leaderboardrow",
    "recommendation",
    "memberchange",
    "groupsettings",
    "groupmeeting",
    "planitem",
    "plantick",
    "coachingnote",
    "groupactivity",
    "material",
    "subjectrep",
    "question",
    "studenttag",
    "studenttagging",
    "studypair",
    "pairscore",
)


def home_panel(request: HttpRequest) -> dict[str, Any] | None:
    """The principal's chart of the groups' points, this month against last."""
    if not for_the_principal(get_scope(request)):
        return None
    return {
        "chart": home_chart(timezone.localdate()),
        "url": reverse("groups:leaderboard"),
        "link": _("Monthly leaderboard"),
    }


def questions_panel(request: HttpRequest) -> dict[str, Any] | None:
    """A subject teacher's questions passed up by their classes' 科代表, not answered yet (one
    query)."""
    from .materials import teacher_questions

    scope = get_scope(request)
    staff = scope.staff
    if staff is None or not scope.taught_class_ids:  # no class taught, no question (no query)
        return None
    questions = teacher_questions(staff)
    return {"questions": questions} if questions else None


def register_evaluation() -> None:
    """The groups' results, a part of each class's term-end evaluation, and the term's
    candidates for 优秀小组."""
    from schoolops.registry import AwardCandidates, TermContribution

    registry.add_term_contribution(
        TermContribution(
            key="groups.results",
            level="class",
            label=gettext_lazy("Study-help group results"),
            compute=lazy("groups.selectors.term_group_results"),
            order=20,
            help_text=gettext_lazy(
                "The mean standing of the class's groups on the term's closed monthly "
                "leaderboards (first of the school 100)."
            ),
        )
    )
    registry.add_award_candidates(
        AwardCandidates(
            key="groups.outstanding",
            category="group",
            candidates=lazy("groups.selectors.term_group_candidates"),
        )
    )


def register() -> None:
    from schoolops.privacy import Category, SensitiveField

    from . import records, sheets

    registry.add_todos(todos)
    registry.add_home_panel(
        HomePanel(
            key="groups",
            title=gettext_lazy("Study-help groups this month"),
            template="schoolops/charts/home_panel.html",
            context=home_panel,
            order=20,
        )
    )
    registry.add_home_panel(
        HomePanel(
            key="groups_questions",
            title=gettext_lazy("Questions from my classes"),
            template="groups/panels/questions_home.html",
            context=questions_panel,
            order=15,
        )
    )
    registry.add_student_panel(
        StudentPanel(
            key="groups",
            title=gettext_lazy("Study-help group"),
            template="groups/panels/student.html",
            context=student_panel,
            order=20,
        )
    )
    registry.add_class_links(class_links)
    registry.add_nav(
        NavItem(
            key="groups",
            label=gettext_lazy("Study groups"),
            url_name="groups:index",
            visible=lambda scope: bool(scope.staff) or scope.user.is_superuser,
            order=20,
        )
    )
    registry.add_nav(
        NavItem(
            key="groups_leaderboard",
            label=gettext_lazy("Group leaderboard"),
            url_name="groups:leaderboard",
            visible=sees_board,
            order=21,
        )
    )
    registry.add_student_export(
        StudentExport("groups", gettext_lazy("Study-help groups"), records.sections, order=10)
    )
    registry.add_purger(Purger("groups", records.purge, order=10))
    registry.add_sheet("scores", sheets.ScoresSheet)
    registry.add_sheet("leaderboard", sheets.LeaderboardSheet)
    registry.add_sheet("groups", sheets.GroupsSheet)
    registry.add_sheet("group_register", sheets.RegisterSheet)
    registry.add_sheet("commendation", sheets.CommendationSheet)
    views = {f"groups.view_{m}" for m in VIEW_MODELS}
    registry.add_post_permissions(
        Post.ACADEMIC_OFFICE,
        views
        | {
            "groups.add_scoreitem",
            "groups.change_scoreitem",
            "groups.add_scoreentry",
            "groups.add_groupsettings",
            "groups.change_groupsettings",
            "groups.add_studenttag",
            "groups.change_studenttag",
        },
    )
    # The teachers' student tags (性格 and the like) characterise a student: the ledger's
    # readers read them, on the forming pages only (never printed or exported).
    registry.add_sensitive(SensitiveField("groups.StudentTagging", None, Category.LEDGER))
    registry.add_post_permissions(Post.PRINCIPAL, views)
    registry.add_post_permissions(Post.VICE_PRINCIPAL, views)
    registry.add_demo(DemoStep("groups", lazy("groups.demo.run_demo"), order=20))
    registry.add_demo(
        DemoStep("groups_materials", lazy("groups.demo_materials.run_demo"), order=21)
    )
    registry.add_demo(DemoStep("groups_pairs", lazy("groups.demo_pairs.run_demo"), order=22))
    register_evaluation()
