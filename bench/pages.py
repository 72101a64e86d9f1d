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

ACTORS = (
    "anonymous",
    "homeroom",
    "teacher",
    "grade_head",
    "principal",
    "academic",
    "office",
    "psychologist",
)


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
    def today(self) -> Any:
        from django.utils import timezone

        return timezone.localdate()

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
    # The page's query limit when not the bench's 20: only for a page that reads one table per
    # kind of record the apps keep (a fixed count whatever the data), with the reason beside it.
    query_limit: int | None = None
    # GET parameters that depend on the demo school (merged over ``query``).
    query_builder: Callable[[Ctx], dict[str, Any]] | None = None

    def params(self, ctx: Ctx) -> dict[str, Any]:
        return {**self.query, **(self.query_builder(ctx) if self.query_builder else {})}


@dataclass(frozen=True)
class Job:
    label: str
    command: tuple[str, ...] = ()  # call_command(*command)
    script: str = ""  # bench/<script>.py with run(ctx) -> dict, or its own main()
    args: tuple[str, ...] = ()  # a main() script's arguments
    sizes: tuple[str, ...] = ("small", "large")


def _export(ctx: Ctx) -> dict[str, Any]:
    """The principal's background export of the read log (made once, then its page)."""
    from schoolops.models import ExportRecord

    record, _made = ExportRecord.objects.get_or_create(
        kind="read_log",
        user=ctx.actors["principal"].user,
        defaults={"file_name": "查阅日志.xlsx", "rows": 20_001},
    )
    return {"pk": record.pk}


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
    Page("home", "academic office home", "academic"),
    Page("home", "office staff home", "office"),
    Page("home", "psychology teacher home", "psychologist"),
    Page("schoolops:class_list", "my classes", "grade_head"),
    Page("schoolops:class_detail", "class page", "homeroom", _class),
    Page("schoolops:student_detail", "student page", "homeroom", _student),
    Page("schoolops:student_search", "student search", "grade_head", query={"q": "王"}),
    # Everything the school holds on one student (the privacy law's copy): one query per kind of
    # record the three apps keep (about 23 tables) plus the roster and the read log's insert;
    # the same count on every school (tests/schoolops/test_pages.py pins it).
    Page(
        "schoolops:student_records",
        "everything held on a student",
        "principal",
        _student,
        query_limit=32,
    ),
    Page("schoolops:read_log", "read log", "principal"),
    Page("schoolops:export_status", "a background export's page", "principal", _export),
    # The term-end evaluation: pages read it as the academic office last built it (one query).
    Page("schoolops:evaluation", "term evaluation", "principal"),
    Page("schoolops:evaluation", "my term evaluation card", "teacher"),
    Page("schoolops:evaluation_class", "a class's term evaluation", "homeroom", _class),
    Page(
        "schoolops:evaluation_teacher",
        "a teacher's term evaluation card",
        "principal",
        lambda ctx: {"pk": ctx.actors["teacher"].pk},
    ),
    Page("schoolops:evaluation_awards", "term nominations and awards", "academic"),
    Page("schoolops:evaluation_honours", "the term's published awards", "teacher"),
    # accounts
    Page("login", "login", "anonymous"),
    Page("password_change", "password change", "homeroom"),
    Page("password_change_done", "password changed", "homeroom"),
    Page("password_reset", "password reset", "anonymous"),
    Page("password_reset_done", "password reset sent", "anonymous"),
    Page(
        "password_reset_confirm",
        "password reset link",
        "anonymous",
        lambda ctx: {"uidb64": "MQ", "token": "set-password"},
    ),
    Page("password_reset_complete", "password reset done", "anonymous"),
]


def _question(ctx: Ctx) -> dict[str, Any]:
    """A question of the class in a subject the bench's subject teacher teaches there."""
    teacher = ctx.actors["teacher"]
    subjects = teacher.assignments.filter(school_class=ctx.school_class).values("subject")
    found = ctx.first("groups.Question", school_class=ctx.school_class, subject__in=subjects)
    return {"pk": found.pk}


def _group(ctx: Ctx) -> dict[str, Any]:
    return {"pk": ctx.first("groups.StudyGroup", school_class=ctx.school_class).pk}


def _pair(ctx: Ctx) -> dict[str, Any]:
    return {"pk": ctx.first("groups.StudyPair", school_class=ctx.school_class).pk}


def _class_group(ctx: Ctx) -> dict[str, Any]:
    group = ctx.first("groups.StudyGroup", school_class=ctx.school_class)
    return {"class_pk": ctx.school_class.pk, "pk": group.pk}


def _meeting(ctx: Ctx) -> dict[str, Any]:
    return {"pk": ctx.first("consult.Meeting", school_class=ctx.school_class).pk}


def _strategy(ctx: Ctx) -> dict[str, Any]:
    return {"pk": ctx.first("consult.Strategy", student__school_class=ctx.school_class).pk}


def _activity(ctx: Ctx) -> dict[str, Any]:
    return {"pk": ctx.first("consult.ClassActivity", school_class=ctx.school_class).pk}


def _questionnaire(ctx: Ctx) -> dict[str, Any]:
    link = ctx.first("consult.QuestionnaireLink", school_class=ctx.school_class)
    return {"pk": link.questionnaire_id}


def _answer_link(ctx: Ctx) -> dict[str, Any]:
    return {"token": ctx.first("consult.QuestionnaireLink", school_class=ctx.school_class).token}


def _case(ctx: Ctx) -> dict[str, Any]:
    return {"pk": ctx.first("consult.Case", school_class=ctx.school_class).pk}


def _pairing(ctx: Ctx) -> dict[str, Any]:
    teacher = ctx.actors["teacher"]
    return {"pk": ctx.first("mentors.Pairing", mentor=teacher, ended_on__isnull=True).pk}


def _pairing_month(ctx: Ctx) -> dict[str, Any]:
    today = ctx.today
    return {**_pairing(ctx), "year": today.year, "month": today.month}


def _this_month(ctx: Ctx) -> dict[str, Any]:
    return {"year": ctx.today.year, "month": ctx.today.month}


def _summary(ctx: Ctx) -> dict[str, Any]:
    """A filed summary of a mentor of the demo class (the demo files them)."""
    return {"pk": ctx.first("mentors.MentorSummary", mentor=ctx.actors["teacher"]).pk}


def _training(ctx: Ctx) -> dict[str, Any]:
    return {"pk": ctx.first("mentors.TrainingSession", term=ctx.term).pk}


def _priority_pairing(ctx: Ctx) -> dict[str, Any]:
    """A running pairing of a special-attention student of the class (growth records)."""
    priority = ctx.model("mentors.PriorityStudent")._default_manager.filter(
        student__school_class=ctx.school_class
    )
    found = ctx.first(
        "mentors.Pairing",
        student__in=priority.values("student"),
        school_class=ctx.school_class,
        ended_on__isnull=True,
    )
    return {"pk": found.pk}


def _membership(ctx: Ctx) -> dict[str, Any]:
    found = ctx.first(
        "groups.Membership", group__school_class=ctx.school_class, left_at__isnull=True
    )
    return {"pk": found.pk}


def _review_round(ctx: Ctx) -> dict[str, Any]:
    return {"pk": ctx.first("groups.ReviewRound", school_class=ctx.school_class).pk}


def _review_entry(ctx: Ctx) -> dict[str, Any]:
    return {**_review_round(ctx), "group_pk": _group(ctx)["pk"]}


def _entry(ctx: Ctx) -> dict[str, Any]:
    """The homeroom teacher's latest tap in the class (a correction form for it)."""
    entries = ctx.model("groups.ScoreEntry")._default_manager.filter(
        school_class=ctx.school_class, teacher=ctx.actors["homeroom"], kind="tap"
    )
    found = entries.order_by("-pk").first()
    if found is None:
        raise LookupError("the homeroom teacher has no score entry")
    return {"pk": found.pk}


def _published_month(ctx: Ctx) -> dict[str, Any]:
    close = (
        ctx.model("groups.MonthClose")
        ._default_manager.filter(published_at__isnull=False)
        .order_by("-month")
        .first()
    )
    if close is None:
        raise LookupError("no published commendation list")
    return {"year": close.month.year, "month": close.month.month}


def _grade(ctx: Ctx) -> dict[str, Any]:
    return {"grade_pk": ctx.school_class.grade_id}


def _mentor(ctx: Ctx) -> dict[str, Any]:
    return {"staff_pk": ctx.actors["teacher"].pk}


# The apps' pages: issue 6's list first, then the other pages a post opens every week.
PAGES += [
    # groups
    Page("groups:class_groups", "class groups", "homeroom", _class),
    Page("groups:score", "quick scoring", "teacher", _class),
    Page("groups:score_upload", "score sheet upload", "homeroom", _class),
    Page("groups:terminal_settings", "class terminal settings", "homeroom", _class),
    Page("groups:terminal_review", "student-recorded entries review", "homeroom", _class),
    Page("groups:terminal_home", "class terminal weekly evaluation", "terminal"),
    Page("groups:terminal_signin", "class terminal sign-in", "anonymous"),
    Page("groups:ranking", "weekly class ranking", "homeroom", _class),
    Page("groups:materials", "shared notes and materials", "homeroom", _class),
    Page("groups:showcase", "showcase of the groups' work", "homeroom", _class),
    Page("groups:questions", "questions passed up", "homeroom", _class),
    Page("groups:subject_reps", "subject representatives", "homeroom", _class),
    Page("groups:pairs", "study pairs", "homeroom", _class),
    Page(
        "groups:pairs_form",
        "forming study pairs from the suggestions",
        "homeroom",
        _class,
        query_builder=lambda ctx: {
            "subject": ctx.first("groups.StudyPair", school_class=ctx.school_class).subject_id
        },
    ),
    Page("groups:pair_detail", "one study pair and its points", "homeroom", _pair),
    Page("groups:pair_edit", "changing a study pair", "homeroom", _pair),
    Page("groups:tags", "students' tags for forming", "homeroom", _class),
    Page("groups:question_answer", "marking a question answered", "teacher", _question),
    Page("groups:leaderboard", "monthly leaderboard", "principal", budget_ms=50.0),
    Page("groups:index", "groups index", "homeroom"),
    Page("groups:group_detail", "group page", "homeroom", _group),
    Page("groups:group_entries", "group score entries", "homeroom", _group),
    Page("groups:seating", "seating", "homeroom", _class),
    Page("groups:register", "registration sheet", "homeroom", _class),
    Page("groups:reviews", "self and peer reviews", "homeroom", _class),
    Page("groups:review_round", "review round", "homeroom", _review_round),
    Page("groups:review_entry", "review entry of a group", "homeroom", _review_entry),
    Page("groups:group_edit", "group edit", "homeroom", _group),
    Page("groups:group_roles", "group roles", "homeroom", _group),
    Page("groups:meetings", "group meeting log", "homeroom", _class_group),
    Page("groups:study_plan", "group study plan", "homeroom", _class_group),
    Page("groups:plan_edit", "study plan edit", "homeroom", _class_group),
    Page("groups:coaching", "group coaching notes", "homeroom", _group),
    Page("groups:class_life", "class group activities", "homeroom", _class),
    Page("groups:member_move", "member move", "homeroom", _membership),
    Page("groups:member_goals", "member goals", "homeroom", _membership),
    Page("groups:entry_correct", "score correction", "homeroom", _entry),
    Page("groups:entry_move", "score move to another group", "homeroom", _entry),
    Page("groups:commendation", "commendation list", "academic", _published_month),
    # consult
    Page("consult:class_ledger", "ledger grid", "homeroom", _class),
    Page(
        "consult:class_ledger",
        "ledger grid, only unfinished",
        "homeroom",
        _class,
        query={"only": "unfinished"},
    ),
    Page("consult:student_ledger", "student timeline", "homeroom", _student),
    Page("consult:student_file", "student file (print)", "homeroom", _student),
    Page("consult:education_plan", "education plan (print)", "homeroom", _student),
    Page("consult:meeting_list", "meeting list", "homeroom"),
    Page("consult:meeting_detail", "meeting record", "homeroom", _meeting),
    Page("consult:scores", "consultation scores", "principal"),
    Page("consult:index", "consultation index", "homeroom"),
    Page("consult:my_strategies", "my strategies", "homeroom"),
    Page("consult:strategy_detail", "strategy", "homeroom", _strategy),
    Page("consult:escalations", "escalations", "grade_head"),
    Page("consult:escalations", "escalations, one step", "grade_head", query={"to": "grade"}),
    Page("consult:cadence", "meeting cadence", "principal"),
    Page("consult:review", "monthly review", "principal"),
    Page("consult:leader", "leader's students", "principal"),
    Page("consult:case_list", "success cases", "principal"),
    Page("consult:case_detail", "success case", "homeroom", _case),
    Page("consult:class_observations", "class observations", "homeroom", _class),
    Page("consult:class_activities", "theme meetings and exchanges", "homeroom", _class),
    Page(
        "consult:activity_new",
        "new theme meeting",
        "homeroom",
        _class,
        query={"kind": "theme"},
    ),
    Page("consult:activity_detail", "theme meeting record", "homeroom", _activity),
    Page("consult:activity_edit", "theme meeting edit", "homeroom", _activity),
    Page("consult:plans", "term plans", "grade_head"),
    Page("consult:plan_school", "school plan edit", "academic"),
    Page("consult:plan_grade", "grade plan edit", "grade_head", _grade),
    Page("consult:summaries", "summary archive", "homeroom"),
    Page(
        "consult:summary_detail",
        "school summary (print)",
        "homeroom",
        lambda ctx: {"pk": ctx.first("consult.TermSummary", level="school").pk},
    ),
    Page("consult:summary_school", "school summary edit", "academic"),
    Page("consult:summary_grade", "grade summary edit", "grade_head", _grade),
    Page("consult:summary_class", "class summary edit", "homeroom", _class),
    Page("consult:observation_add", "new observation", "homeroom", _student),
    Page("consult:strategy_add", "new strategy", "homeroom", _student),
    Page("consult:propose", "propose for discussion", "homeroom", _student),
    Page("consult:case_new", "new success case", "homeroom", _student),
    Page("consult:case_edit", "success case edit", "homeroom", _case),
    Page(
        "consult:meeting_new",
        "new class meeting",
        "homeroom",
        query_builder=lambda ctx: {"level": "class", "class": ctx.school_class.pk},
    ),
    Page("consult:meeting_edit", "meeting edit", "homeroom", _meeting),
    Page("consult:questionnaire_list", "questionnaires", "homeroom"),
    Page(
        "consult:questionnaire_new",
        "new questionnaire from a template",
        "homeroom",
        query={"template": "home_study"},
    ),
    Page("consult:questionnaire_detail", "questionnaire and its links", "homeroom", _questionnaire),
    Page(
        "consult:questionnaire_results",
        "questionnaire results, a class",
        "homeroom",
        _questionnaire,
    ),
    Page(
        "consult:questionnaire_results",
        "questionnaire results, a grade",
        "principal",
        _questionnaire,
        query_builder=lambda ctx: {"grade": ctx.school_class.grade_id},
    ),
    Page(
        "consult:questionnaire_slips",
        "questionnaire slips (print)",
        "homeroom",
        _questionnaire,
        query_builder=lambda ctx: {"class": ctx.school_class.pk},
    ),
    Page(
        "consult:questionnaire_answer",
        "questionnaire answer page (public)",
        "anonymous",
        _answer_link,
    ),
    Page("consult:meeting_students", "students of a meeting", "homeroom", _meeting),
    # mentors
    Page("mentors:selection", "selection progress", "academic"),
    Page("mentors:compliance", "mentor compliance", "academic"),
    Page("mentors:my_mentees", "pairings list (my mentees)", "teacher"),
    Page(
        "mentors:my_mentees",
        "my mentees, due a talk, due first",
        "teacher",
        query={"only": "talk_due", "order": "due"},
    ),
    Page("mentors:class_overview", "pairings of a class", "homeroom", _class),
    Page("mentors:pairing_detail", "pairing", "teacher", _pairing),
    Page("mentors:talks_print", "talk record (print)", "teacher", _pairing),
    Page("mentors:applicants", "applicants", "teacher"),
    Page("mentors:class_choices", "class choices", "homeroom", _class),
    Page("mentors:class_choices_upload", "class choices sheet upload", "homeroom", _class),
    Page("mentors:evaluation", "mentor evaluation", "academic"),
    Page("mentors:ratings_upload", "questionnaire sheet upload", "academic"),
    Page("mentors:evaluation_mentor", "one mentor's evaluation", "academic", _mentor),
    Page("mentors:self_evaluation", "mentor self-evaluation", "teacher"),
    Page("mentors:peer_ratings", "colleagues to rate", "homeroom"),
    Page("mentors:peer_rate", "rating a colleague", "homeroom", _mentor),
    Page("mentors:match", "matching preview of a grade", "academic", _grade),
    Page("mentors:class_capacity", "class capacities", "academic", _class),
    Page("mentors:class_exchanges", "homeroom-mentor exchanges", "homeroom", _class),
    Page("mentors:class_ratings", "mentor ratings of a class", "homeroom", _class),
    Page("mentors:pairing_talk", "talk log form", "teacher", _pairing),
    Page("mentors:pairing_contact", "parent contact form", "teacher", _pairing),
    Page("mentors:pairing_plan", "mentoring plan", "teacher", _pairing),
    Page("mentors:pairing_growth", "growth record", "homeroom", _priority_pairing),
    Page("mentors:pairing_summary", "monthly summary", "teacher", _pairing_month),
    Page("mentors:pairing_end", "end a pairing", "academic", _pairing),
    Page("mentors:reassign", "reassign a mentor's mentees", "academic", _mentor),
    Page("mentors:my_summaries", "my monthly summaries", "teacher"),
    Page("mentors:my_summary", "a mentor's monthly summary (draft)", "teacher", _this_month),
    Page("mentors:summaries", "mentors' monthly summaries", "academic"),
    Page("mentors:summary_detail", "a mentor's monthly summary (print)", "academic", _summary),
    Page("mentors:honours", "honour list", "academic"),
    Page("mentors:honours_print", "honour list (print)", "academic"),
    Page("mentors:trainings", "training sessions", "academic"),
    Page("mentors:training_detail", "a training session", "academic", _training),
    Page("mentors:my_trainings", "my training and checks", "teacher"),
]

ADMIN_ACTORS = ("principal", "academic", "office")

# The admin's pages that are not a model's changelist.
ADMIN_PAGES: list[Page] = [
    Page("admin:index", "admin index", "principal"),
    *(
        Page(
            "admin:app_list",
            f"admin app {app}",
            "principal",
            lambda ctx, app=app: {"app_label": app},
        )
        for app in ("schoolops", "groups", "consult", "mentors")
    ),
    Page("admin:login", "admin login", "anonymous"),
    Page("admin:password_change", "admin password change", "principal"),
    Page("admin:password_change_done", "admin password changed", "principal"),
    Page(
        "admin:groups_leaderboardrow_live",
        "admin live leaderboard",
        "principal",
        budget_ms=50.0,
    ),
    *(
        page
        for model in ("student", "staff", "schoolclass", "teachingassignment", "examresult")
        for page in (Page(f"admin:schoolops_{model}_import", f"admin {model} import", "office"),)
    ),
]


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
    # The admin's Export buttons write these same files (the roster's biggest sheets).
    Job("students export", command=("export_sheet", "students", "{tmp}/students.xlsx")),
    Job("exam results export", command=("export_sheet", "exams", "{tmp}/exams.xlsx")),
    # The same rows against openpyxl's write-only mode alone, and the admin's Export button
    # (a background task over EXPORT_BACKGROUND_ROWS).
    Job("exam results export vs openpyxl", script="export_bench", sizes=("large",)),
    # Every programme's parts of the term, weighed and ranked (the academic office's button).
    Job("term evaluation build", script="term_evaluation"),
]


# The URLs the benchmark does not open, each with its reason: downloads, POST-only endpoints,
# scripts, redirects, superuser-only lists. Every other named URL of the project needs a
# ``Page`` above (or is one object's admin page, see ``uncovered``): ``bench.py`` fails when
# one has neither. ``tests/safety/test_bench_coverage.py`` checks the reasons: a DOWNLOAD or
# SCRIPT does not answer a GET with an HTML page, a POST_ONLY URL gives no post a page on
# GET, a SUPERUSER list is closed to every post.
DOWNLOAD = "a download (xlsx), not a page"
SCRIPT = "a script or JSON, not a page"
POST_ONLY = "POST only"
REDIRECT = "a redirect"
SUPERUSER = "superuser only: no post of the school opens it"
UPLOAD_PREVIEW = "one upload's preview: measured by the students import job"

NOT_PAGES: dict[str, str] = {
    # schoolops and accounts
    "logout": POST_ONLY,
    "set_language": POST_ONLY,
    "javascript-catalog": SCRIPT,
    # groups
    "groups:confirm": POST_ONLY,
    "groups:score_tap": POST_ONLY,
    "groups:terminal_record": POST_ONLY,
    "groups:questions_pass": POST_ONLY,
    "groups:material_showcase": POST_ONLY,
    "groups:material_remove": POST_ONLY,
    "groups:material_file": "a shared file (PDF, image, Office document), not a page",
    "groups:terminal_signout": POST_ONLY,
    "groups:score_all": POST_ONLY,
    "groups:checkin": POST_ONLY,
    "groups:consequence": POST_ONLY,
    "groups:recommend": POST_ONLY,
    "groups:entry_undo": POST_ONLY,
    "groups:month_close": POST_ONLY,
    "groups:month_excellent": POST_ONLY,
    "groups:month_publish": POST_ONLY,
    "groups:register_xlsx": DOWNLOAD,
    "groups:leaderboard_xlsx": DOWNLOAD,  # its work: the leaderboard export job
    "admin:groups_leaderboardrow_live_xlsx": DOWNLOAD,  # the same board as the admin page
    "groups:commendation_xlsx": DOWNLOAD,
    # consult
    "consult:class_ledger_carry": POST_ONLY,
    "consult:activity_photo_add": POST_ONLY,
    "consult:review_class_leader": POST_ONLY,
    "consult:activity_photo": DOWNLOAD,
    "consult:strategy_follow_up": POST_ONLY,
    "consult:strategy_close": POST_ONLY,
    "consult:escalation_decide": POST_ONLY,
    "consult:class_ledger_xlsx": DOWNLOAD,
    "schoolops:student_records_xlsx": DOWNLOAD,
    "schoolops:read_log_xlsx": DOWNLOAD,
    "schoolops:evaluation_xlsx": DOWNLOAD,
    "schoolops:export_download": DOWNLOAD,  # its work: the exam results export job
    "consult:meeting_xlsx": DOWNLOAD,
    "consult:cases_xlsx": DOWNLOAD,
    "consult:scores_xlsx": DOWNLOAD,
    "consult:questionnaire_close": POST_ONLY,
    "consult:questionnaire_xlsx": DOWNLOAD,
    # mentors
    "mentors:hand_assign": POST_ONLY,
    "mentors:pairings_export": DOWNLOAD,
    "mentors:evaluation_export": DOWNLOAD,
    # the admin site
    "admin:logout": POST_ONLY,
    "admin:jsi18n": SCRIPT,
    "admin:autocomplete": SCRIPT,
    "admin:view_on_site": REDIRECT,
    "admin:auth_user_password_change": "one account's form (like a change page)",
    **{
        f"admin:schoolops_{model}_{view}": reason
        for model in ("student", "staff", "schoolclass", "teachingassignment", "examresult")
        for view, reason in (
            ("import_template", DOWNLOAD),
            ("export", DOWNLOAD),  # its work: the students and exam results export jobs
            ("process_import", POST_ONLY),
            ("import_record", UPLOAD_PREVIEW),
        )
    },
    **{
        f"admin:{name}_changelist": SUPERUSER
        for name in (
            "auth_user",
            "auth_group",
            "axes_accessattempt",
            "axes_accesslog",
            "axes_accessfailurelog",
            "django_tasks_database_dbtaskresult",
            "schoolops_importrecord",
            "groups_classterminal",  # the class terminals' sign-ins (hashed codes): the IT office's
        )
    },
}

# A model's add, change, history and delete pages (and simple-history's version page) show
# one object: the changelists (``admin_pages``) are what grows with the school.
ADMIN_OBJECT_VIEWS = ("add", "change", "history", "delete", "simple_history")


def url_names() -> list[tuple[str | None, str]]:
    """(namespaced name, route) of every URL pattern of the project, from the resolver."""
    from django.urls import URLPattern, URLResolver, get_resolver

    found: list[tuple[str | None, str]] = []

    def walk(resolver: URLResolver, prefix: str, ns: str) -> None:
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                inner = ns
                if entry.namespace:
                    inner = f"{ns}:{entry.namespace}" if ns else entry.namespace
                walk(entry, prefix + str(entry.pattern), inner)
            elif isinstance(entry, URLPattern):
                name = entry.name and (f"{ns}:{entry.name}" if ns else entry.name)
                found.append((name, prefix + str(entry.pattern)))

    walk(get_resolver(), "", "")
    return found


def uncovered(pages: list[Page]) -> tuple[list[str], list[str]]:
    """(URL patterns with no bench entry and not allowed, allow-list names that do not exist).

    Unnamed patterns are the admin's redirects (``<object_id>/`` → change page, and its
    catch-all), not pages.
    """
    measured = {page.name for page in pages}
    object_views = {
        f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}"
        for model in admin.site._registry
        for view in ADMIN_OBJECT_VIEWS
    }
    changelists = {
        f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"
        for model in admin.site._registry
    }
    patterns = url_names()
    missing = []
    for name, route in patterns:
        if name is None or name in measured or name in NOT_PAGES or name in object_views:
            continue
        if name in changelists:
            # admin_pages() measures it as the first post that may view it; a changelist
            # that none of them may view is missing.
            missing.append(f"{name} ({route}): no post of the demo may view it")
            continue
        missing.append(f"{name} ({route})")
    names = {name for name, _route in patterns}
    stale = sorted(name for name in NOT_PAGES if name not in names)
    return missing, stale
