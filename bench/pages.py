"""What the benchmark measures: every page of every app, as the post that uses it, and the jobs.

A ``Page`` is keyed by its URL name. A name that does not resolve yet (the app has not built
that page) is listed as "not built yet" rather than failing; when an app lands, add or fix its
names here. ``kwargs(ctx)`` builds the URL arguments from the demo school (``Ctx`` below); it
may look up the app's models by name with ``ctx.model("groups.StudyGroup")`` (the benchmark
imports no app). A builder that raises ``LookupError`` (model or object missing) also makes
the page "not built yet".

Every admin changelist is measured as well (``admin_pages``), as the first of principal,
academic office, office staff that may view the model.

A ``Job`` is a longer task measured once per size on a scratch copy of the database: either a
management command (``command``: its arguments, ``call_command`` by name; ``{tmp}`` is a
scratch folder) or a script under
``bench/`` that defines ``run(ctx) -> dict`` (figures such as ``{"rows": 5000}``), called
in-process, or has its own ``main()``, run as a process on the same database (``args``) with
its last lines of output kept; its wall time is measured around either.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.apps import apps
from django.contrib import admin

from schoolops.models import AcademicYear, Post, SchoolClass, Staff, Student, Term

ACTORS = ("homeroom", "teacher", "grade_head", "principal", "academic", "office", "psychologist")


class Ctx:
    """The demo school as the benchmark sees it: the first class of the lowest grade."""

    @cached_property
    def year(self) -> AcademicYear:
        return AcademicYear.current()

    @cached_property
    def term(self) -> Term:
        return Term.current()

    @cached_property
    def school_class(self) -> SchoolClass:
        found = (
            SchoolClass.objects.filter(academic_year=self.year, homeroom_teacher__isnull=False)
            .select_related("grade", "homeroom_teacher")
            .order_by("grade__level", "number")
            .first()
        )
        if found is None:
            raise LookupError("the demo school has no class")
        return found

    @cached_property
    def student(self) -> Student:
        found = self.school_class.students.in_school().order_by("student_no").first()
        if found is None:
            raise LookupError("the demo class has no student")
        return found

    def model(self, label: str) -> Any:
        return apps.get_model(label)  # raises LookupError when the app has no such model

    def first(self, label: str, **filters: Any) -> Any:
        """The first object of an app model (by pk) matching ``filters``, or LookupError."""
        found = self.model(label)._default_manager.filter(**filters).order_by("pk").first()
        if found is None:
            raise LookupError(f"no {label} matching {filters}")
        return found

    @cached_property
    def actors(self) -> dict[str, Staff]:
        by_post = {}
        for post, key in (
            (Post.PRINCIPAL, "principal"),
            (Post.ACADEMIC_OFFICE, "academic"),
            (Post.OFFICE, "office"),
            (Post.PSYCHOLOGY, "psychologist"),
        ):
            by_post[key] = (
                Staff.objects.filter(user__groups__name=post, status=Staff.Status.ACTIVE)
                .order_by("staff_no")
                .first()
            )
        school_class = self.school_class
        # A subject teacher of the class who is nobody's homeroom teacher: a mentor, too.
        teacher = (
            Staff.objects.filter(assignments__school_class=school_class)
            .exclude(homeroom_classes__academic_year=self.year)
            .order_by("staff_no")
            .first()
        )
        return {
            "homeroom": school_class.homeroom_teacher,
            "teacher": teacher,
            "grade_head": school_class.grade.head,
            **by_post,
        }


@dataclass(frozen=True)
class Page:
    name: str  # URL name
    label: str
    actor: str
    kwargs: Callable[[Ctx], dict[str, Any]] | None = None
    query: dict[str, Any] = field(default_factory=dict)
    budget_ms: float = 100.0


@dataclass(frozen=True)
class Job:
    label: str
    command: tuple[str, ...] = ()  # call_command(*command)
    script: str = ""  # bench/<script>.py with run(ctx) -> dict, or its own main()
    args: tuple[str, ...] = ()  # a main() script's arguments
    sizes: tuple[str, ...] = ("small", "large")


def _class(ctx: Ctx) -> dict[str, Any]:
    return {"class_pk": ctx.school_class.pk}


def _student(ctx: Ctx) -> dict[str, Any]:
    return {"pk": ctx.student.pk}


PAGES: list[Page] = [
    # schoolops
    Page("home", "homeroom home", "homeroom"),
    Page("home", "subject teacher home", "teacher"),
    Page("home", "grade head home", "grade_head"),
    Page("home", "principal home", "principal"),
    Page("schoolops:class_list", "my classes", "grade_head"),
    Page("schoolops:class_detail", "class page", "homeroom", _class),
    Page("schoolops:student_detail", "student page", "homeroom", _student),
    Page("schoolops:student_search", "student search", "grade_head", query={"q": "王"}),
]


def _group(ctx: Ctx) -> dict[str, Any]:
    return {"pk": ctx.first("groups.StudyGroup", school_class=ctx.school_class).pk}


def _meeting(ctx: Ctx) -> dict[str, Any]:
    return {"pk": ctx.first("consult.Meeting", school_class=ctx.school_class).pk}


def _strategy(ctx: Ctx) -> dict[str, Any]:
    return {"pk": ctx.first("consult.Strategy", student__school_class=ctx.school_class).pk}


def _case(ctx: Ctx) -> dict[str, Any]:
    return {"pk": ctx.first("consult.Case", school_class=ctx.school_class).pk}


def _pairing(ctx: Ctx) -> dict[str, Any]:
    teacher = ctx.actors["teacher"]
    return {"pk": ctx.first("mentors.Pairing", mentor=teacher, ended_on__isnull=True).pk}


# The apps' pages: issue 6's list first, then the other pages a post opens every week.
PAGES += [
    # groups
    Page("groups:class_groups", "class groups", "homeroom", _class),
    Page("groups:score", "quick scoring", "teacher", _class),
    Page("groups:ranking", "weekly class ranking", "homeroom", _class),
    Page("groups:leaderboard", "monthly leaderboard", "principal", budget_ms=50.0),
    Page("groups:index", "groups index", "homeroom"),
    Page("groups:group_detail", "group page", "homeroom", _group),
    Page("groups:group_entries", "group score entries", "homeroom", _group),
    Page("groups:seating", "seating", "homeroom", _class),
    Page("groups:register", "registration sheet", "homeroom", _class),
    Page("groups:reviews", "self and peer reviews", "homeroom", _class),
    # consult
    Page("consult:class_ledger", "ledger grid", "homeroom", _class),
    Page("consult:student_ledger", "student timeline", "homeroom", _student),
    Page("consult:meeting_list", "meeting list", "homeroom"),
    Page("consult:meeting_detail", "meeting record", "homeroom", _meeting),
    Page("consult:scores", "consultation scores", "principal"),
    Page("consult:index", "consultation index", "homeroom"),
    Page("consult:my_strategies", "my strategies", "homeroom"),
    Page("consult:strategy_detail", "strategy", "homeroom", _strategy),
    Page("consult:escalations", "escalations", "grade_head"),
    Page("consult:cadence", "meeting cadence", "principal"),
    Page("consult:review", "monthly review", "principal"),
    Page("consult:leader", "leader's students", "principal"),
    Page("consult:case_list", "success cases", "principal"),
    Page("consult:case_detail", "success case", "homeroom", _case),
    Page("consult:access_log", "ledger access log", "principal"),
    # mentors
    Page("mentors:selection", "selection progress", "academic"),
    Page("mentors:compliance", "mentor compliance", "academic"),
    Page("mentors:my_mentees", "pairings list (my mentees)", "teacher"),
    Page("mentors:class_overview", "pairings of a class", "homeroom", _class),
    Page("mentors:pairing_detail", "pairing", "teacher", _pairing),
    Page("mentors:applicants", "applicants", "teacher"),
    Page("mentors:class_choices", "class choices", "homeroom", _class),
    Page("mentors:evaluation", "mentor evaluation", "academic"),
]

ADMIN_ACTORS = ("principal", "academic", "office")


def admin_pages(ctx: Ctx) -> list[Page]:
    """A changelist page for every model registered in the admin."""
    pages = []
    for model in sorted(admin.site._registry, key=lambda m: m._meta.label_lower):
        label = model._meta.app_label
        name = model._meta.model_name
        for actor in ADMIN_ACTORS:
            staff = ctx.actors.get(actor)
            if staff is None:
                continue
            if staff.user.has_perm(f"{label}.view_{name}") or staff.user.has_perm(
                f"{label}.change_{name}"
            ):
                pages.append(
                    Page(
                        f"admin:{label}_{name}_changelist",
                        f"admin {model._meta.label_lower}",
                        actor,
                        budget_ms=50.0 if "leaderboard" in name else 100.0,
                    )
                )
                break
    return pages


JOBS: list[Job] = [
    # It builds its own throw-away database of 18 classes: measured once.
    Job("students import (5,000 rows)", script="import_students", sizes=("large",)),
    Job(
        "monthly leaderboard export",
        command=("export_sheet", "leaderboard", "{tmp}/leaderboard.xlsx"),
    ),
    Job("mentor matching", script="match_mentors", args=("--db",), sizes=("large",)),
]
