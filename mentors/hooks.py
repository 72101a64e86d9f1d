"""What the mentor system adds to the pages ``schoolops`` owns, through its registry."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mentors import selectors
from mentors.access import sees_grade_pages
from mentors.models import (
    Choice,
    MentoringPlan,
    MentorSummary,
    Pairing,
    ParentContact,
    TalkLog,
)
from schoolops import privacy
from schoolops.calendar import monday_of, month_bounds
from schoolops.charts import for_the_principal, previous_month
from schoolops.models import Post, SchoolClass, Staff, Student
from schoolops.privacy import Category, SensitiveField, log_read
from schoolops.registry import HomePanel, Link, NavItem, StudentPanel, Todo
from schoolops.scopes import get_scope

if TYPE_CHECKING:
    from django.http import HttpRequest

    from schoolops.scopes import Scope

MENTOR_POSTS = (Post.SUBJECT_TEACHER, Post.HOMEROOM, Post.GRADE_HEAD)


def mentor_todos(request: HttpRequest) -> list[Todo]:
    """A mentor's mentees due a talk this week and a parent contact this month; a homeroom
    teacher's students still without a mentor; for a grade head, the mentors of the grade
    with mentees due a talk (four queries at most, whatever the data)."""
    scope = get_scope(request)
    if scope.staff is None or scope.year is None:
        return []
    today = timezone.localdate()
    todos: list[Todo] = []
    monday = monday_of(today)
    first, last = month_bounds(today)
    week = scope.term.week_of(today) if scope.term else None
    counts, grade_due = _pairing_counts(scope, monday, first, last)
    url = reverse("mentors:my_mentees")
    if counts["total"] and week is not None and counts["talk_due"]:
        todos.append(
            Todo(
                _("Mentees due a talk this week"),
                url,
                counts["talk_due"],
                "warning",
                week.last_day,
                "mentors",
            )
        )
    if counts["total"] and counts["contact_due"]:
        todos.append(
            Todo(
                _("Mentees due a parent contact this month"),
                url,
                counts["contact_due"],
                "info",
                min(last, scope.term.end_date) if scope.term else last,
                "mentors",
            )
        )
    if counts["before"] and not counts["filed"]:
        # Mentees since before this month, and last month's summary not filed.
        last_month = previous_month(first)
        todos.append(
            Todo(
                _("File your summary of %(month)s") % {"month": f"{last_month:%Y-%m}"},
                reverse("mentors:my_summary", args=[last_month.year, last_month.month]),
                None,
                "warning",
                None,
                "mentors",
            )
        )
    deadline = selectors.selection_deadline(scope.year, known=scope.term)
    if deadline and today <= deadline:
        applicants = Choice.objects.filter(mentor=scope.staff, academic_year=scope.year).count()
        if applicants:
            todos.append(
                Todo(
                    _("Students chose you as mentor: rank or decline them"),
                    reverse("mentors:applicants"),
                    applicants,
                    "warning",
                    deadline,
                    "mentors",
                )
            )
    if scope.has_post(Post.ACADEMIC_OFFICE):
        todos.extend(_academic_todos(scope, today, deadline))
    if scope.headed_grade_ids and week is not None:
        todos.extend(_grade_todos(scope, grade_due, week.last_day))
    if scope.homeroom_class_ids:
        classes = (
            SchoolClass.objects.filter(pk__in=scope.homeroom_class_ids)
            .annotate(
                size=Count(
                    "students",
                    filter=Q(students__status=Student.Status.IN_SCHOOL),
                    distinct=True,
                ),
                paired=Count(
                    "pairings",
                    filter=Q(pairings__ended_on__isnull=True, pairings__academic_year=scope.year),
                    distinct=True,
                ),
            )
            .select_related("grade")
        )
        for school_class in classes:
            missing = school_class.size - school_class.paired
            if missing > 0:
                todos.append(
                    Todo(
                        _("%(class)s: students without a mentor") % {"class": school_class},
                        reverse("mentors:class_overview", args=[school_class.pk]),
                        missing,
                        "warning" if deadline and today <= deadline else "danger",
                        deadline if deadline and today <= deadline else None,
                        "mentors",
                    )
                )
    return todos


def _pairing_counts(
    scope: Scope, monday: dt.date, first: dt.date, last: dt.date
) -> tuple[dict[str, int], dict[int, int]]:
    """The mentor's mentees (total, due a talk this week, due a parent contact this month,
    paired before this month, with last month's summary filed)
    and, per grade the person heads, the mentors with a mentee of the grade not yet talked
    to this week: one query grouped by grade over the pairings of either, whatever the size
    of the grade."""
    mine = Q(mentor=scope.staff)
    figures: dict[str, Any] = {
        "total": Count("pk", filter=mine),
        "talk_due": Count("pk", filter=mine & Q(talked=False)),
        "contact_due": Count("pk", filter=mine & Q(contacted=False)),
        "before": Count("pk", filter=mine & Q(started_on__lt=first)),
        # Has the mentor filed last month's summary (the same for each of their pairings)?
        "filed": Count("pk", filter=mine & Q(filed=True)),
    }
    pairings = mine
    if scope.headed_grade_ids:
        headed = Q(school_class__grade__in=scope.headed_grade_ids)
        figures["mentors_due"] = Count("mentor", filter=headed & Q(talked=False), distinct=True)
        pairings |= headed
    rows = (
        Pairing.objects.active()
        .filter(pairings, academic_year=scope.year)
        .alias(
            talked=Exists(
                TalkLog.objects.filter(
                    pairing=OuterRef("pk"), date__range=(monday, monday + dt.timedelta(days=6))
                )
            ),
            contacted=Exists(
                ParentContact.objects.filter(pairing=OuterRef("pk"), date__range=(first, last))
            ),
            filed=Exists(
                MentorSummary.objects.filter(mentor=OuterRef("mentor"), month=previous_month(first))
            ),
        )
        .values("school_class__grade")
        .annotate(**figures)
        .order_by()
    )
    counts = dict.fromkeys(("total", "talk_due", "contact_due", "before", "filed"), 0)
    grade_due: dict[int, int] = {}
    for row in rows:
        for name in counts:
            counts[name] += row[name]
        grade_due[row["school_class__grade"]] = row.get("mentors_due", 0)
    return counts, grade_due


def _grade_todos(scope: Scope, due: dict[int, int], due_by: dt.date) -> list[Todo]:
    """For a grade head: per grade they head, the mentors with a mentee of the grade not yet
    talked to this week (counted by ``_pairing_counts``)."""
    url = reverse("mentors:compliance")
    return [
        Todo(
            _("%(grade)s: mentors with mentees due a talk this week") % {"grade": grade.name},
            f"{url}?grade={grade.pk}",
            due[grade.pk],
            "warning",
            due_by,
            "mentors",
        )
        for grade in sorted(scope.headed_grades, key=lambda g: g.level)
        if due.get(grade.pk)
    ]


def _academic_todos(scope: Scope, today: dt.date, deadline: dt.date | None) -> list[Todo]:
    """For the academic office: during the selection, students who have not chosen; after
    it, students still without a mentor (two queries)."""
    # Two plain counts: anti-joins over the whole school plan badly on fresh statistics.
    students = Student.objects.in_school().filter(school_class__academic_year=scope.year).count()
    url = reverse("mentors:selection")
    in_school = {
        "student__status": Student.Status.IN_SCHOOL,
        "student__school_class__academic_year": scope.year,
    }
    if deadline and today <= deadline:
        chose = Choice.objects.filter(academic_year=scope.year, rank=1, **in_school).count()
        waiting = students - chose
        text = _("Students who have not chosen their mentors yet")
        level = "warning"
    else:
        paired = Pairing.objects.active().filter(academic_year=scope.year, **in_school).count()
        waiting = students - paired
        text = _("Students still without a mentor")
        level = "danger"
    if not waiting:
        return []
    return [Todo(text, url, waiting, level, deadline if level == "warning" else None, "mentors")]


def student_panel_context(request: HttpRequest, student: Student) -> dict[str, Any] | None:
    """The student's mentor for everyone who works with the class; the plan and the latest
    talks for those the register lets read mentoring records (the mentor, the homeroom
    teacher, the grade head and the principal's office). Office staff see nothing."""
    scope = get_scope(request)
    if scope.is_office and not scope.is_school_wide:
        return None
    pairing = (
        Pairing.objects.active()
        .filter(student=student, academic_year=scope.year)
        .select_related("mentor", "plan")
        .first()
    )
    show_file = pairing is not None and privacy.may_read(scope, Category.MENTORING, student)
    ctx: dict[str, Any] = {"pairing": pairing, "show_file": show_file}
    if show_file and pairing is not None:
        log_read(request, [student], [Category.MENTORING])
        try:
            ctx["plan"] = pairing.plan
        except MentoringPlan.DoesNotExist:
            ctx["plan"] = None
        ctx["talks"] = list(pairing.talks.order_by("-date", "-pk")[:3])
    return ctx


def class_links(request: HttpRequest, school_class: SchoolClass) -> list[Link]:
    """The class's mentoring pages, for its keepers: on the class's page and as the mentoring
    pages' sub-navigation (``schoolops/_class_nav.html``)."""
    scope = get_scope(request)
    if not scope.can_edit_class(school_class):
        return []
    return [
        Link(_("Mentoring"), reverse("mentors:class_overview", args=[school_class.pk])),
        Link(_("Mentor choices"), reverse("mentors:class_choices", args=[school_class.pk])),
        Link(
            _("Homeroom–mentor exchange"),
            reverse("mentors:class_exchanges", args=[school_class.pk]),
        ),
        Link(_("Students' ratings"), reverse("mentors:class_ratings", args=[school_class.pk])),
    ]


def mentee_scope(scope: Scope):
    """A mentor may open their current mentees' pages (and nothing else beyond their classes)."""
    return (
        Pairing.objects.active()
        .filter(mentor=scope.staff, academic_year=scope.year)
        .values("student_id")
    )


def student_mentors(student: Student):
    """The student's mentors this year, for "who can see this student"."""
    return Staff.objects.filter(
        pairings__student=student, pairings__ended_on__isnull=True
    ).distinct()


# Mentoring records are read by the mentor, the homeroom teacher, the grade head and the
# principal's office (``schoolops.privacy.READERS``).
SENSITIVE = [
    SensitiveField(f"mentors.{model}", None, Category.MENTORING)
    for model in (
        "TalkLog",
        "ParentContact",
        "MentoringPlan",
        "GrowthRecord",
        "MonthlySummary",
    )
]
# A mentor's monthly summary (``MentorSummary``) is about all their mentees at once, not one
# student: it is not in the register, which keys a record to its student. Its pages follow
# the same readers (``access.get_mentor_summary_or_404``) and log the reading of each mentee's
# records; the admin shows it to the principal's office only (``POST_PERMISSIONS``).

NAV = [
    NavItem(
        key="mentors",
        label=gettext_lazy("My mentees"),
        url_name="mentors:my_mentees",
        visible=lambda scope: scope.staff is not None and scope.has_post(*MENTOR_POSTS),
        order=40,
    ),
    NavItem(
        key="mentors_selection",
        label=gettext_lazy("Mentor system"),
        url_name="mentors:selection",
        visible=sees_grade_pages,
        order=41,
    ),
]

PANEL = StudentPanel(
    key="mentors",
    title=gettext_lazy("Mentor"),
    template="mentors/panels/student.html",
    context=student_panel_context,
    order=30,
)


def _perms(actions: tuple[str, ...], models: tuple[str, ...]) -> list[str]:
    return [f"mentors.{a}_{m}" for m in models for a in actions]


SETTINGS_MODELS = (
    "mentorsettings",
    "mentorcapacity",
    "evaluationsettings",
    "mentorevaluation",
    "matchrun",
    "honour",
    "trainingsession",
    "mentorcheck",
)
RECORD_MODELS = (
    "pairing",
    "choice",
    "prioritystudent",
    "mentorranking",
    "mentoringplan",
    "growthrecord",
    "talklog",
    "parentcontact",
    "monthlysummary",
    "mentorsummary",
    "exchange",
    "studentrating",
    "teacherrating",
)
# The principal's office reads everything in the admin; the academic office also keeps the
# capacities, weights and evaluations. Office staff (办公室) get nothing: talk logs, parent
# contacts and growth records are sensitive records of minors.
POST_PERMISSIONS = {
    Post.ACADEMIC_OFFICE: _perms(("view",), SETTINGS_MODELS + RECORD_MODELS)
    + _perms(("add", "change"), SETTINGS_MODELS)
    # The preferences and mentor_ratings imports in the admin.
    + ["mentors.add_choice", "mentors.add_studentrating"],
    Post.PRINCIPAL: _perms(("view",), SETTINGS_MODELS + RECORD_MODELS),
    Post.VICE_PRINCIPAL: _perms(("view",), SETTINGS_MODELS + RECORD_MODELS),
}


def home_panel(request: HttpRequest) -> dict[str, Any] | None:
    """The principal's chart of the talks held, this month against last."""
    if not for_the_principal(get_scope(request)):
        return None
    return {
        "chart": selectors.home_chart(timezone.localdate()),
        "url": reverse("mentors:compliance"),
        "link": _("Mentor compliance"),
    }


def register_evaluation() -> None:
    """The mentor evaluation, a part of each teacher's term-end evaluation."""
    from schoolops.registry import TermContribution, lazy, registry

    registry.add_term_contribution(
        TermContribution(
            key="mentors.evaluation",
            level="teacher",
            label=gettext_lazy("Mentor evaluation"),
            compute=lazy("mentors.selectors.term_mentor_scores"),
            order=40,
            help_text=gettext_lazy(
                "The total of the term's mentor evaluation: self, students, other teachers "
                "and the school, with the academic office's weights."
            ),
        )
    )


def register() -> None:
    """Plug the mentor system into ``schoolops``' registry (from ``MentorsConfig.ready()``)."""
    from schoolops.privacy import Relation, StudentRelation
    from schoolops.registry import DemoStep, Purger, StudentExport, lazy, registry

    from . import records
    from .sheets import SHEETS

    registry.add_todos(mentor_todos)
    registry.add_home_panel(
        HomePanel(
            key="mentors",
            title=gettext_lazy("Mentoring this month"),
            template="schoolops/charts/home_panel.html",
            context=home_panel,
            order=40,
        )
    )
    registry.add_student_panel(PANEL)
    registry.add_class_links(class_links)
    registry.add_student_scope(mentee_scope)
    registry.add_student_relation(
        StudentRelation(Relation.MENTOR, mentee_scope, holders=student_mentors)
    )
    for entry in SENSITIVE:
        registry.add_sensitive(entry)
    for item in NAV:
        registry.add_nav(item)
    registry.add_demo(DemoStep("mentors", lazy("mentors.demo.run"), order=30))
    registry.add_student_export(
        StudentExport("mentors", gettext_lazy("Mentor system"), records.sections, order=30)
    )
    registry.add_purger(Purger("mentors", records.purge, order=30))
    register_evaluation()
    for sheet in SHEETS:
        registry.add_sheet(sheet.kind, sheet)
    for post, perms in POST_PERMISSIONS.items():
        registry.add_post_permissions(post, perms)
