"""What this app contributes to the pages ``schoolops`` owns (registered in ``apps.py``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from schoolops import privacy
from schoolops.charts import for_the_principal
from schoolops.models import Post, SchoolClass
from schoolops.privacy import Category, log_read
from schoolops.registry import Link, Todo
from schoolops.scopes import Scope, get_scope

from .access import can_keep_ledger, may_consult
from .models import (
    Attention,
    ClassActivity,
    LeaderAssignment,
    LedgerProfile,
    Level,
)

if TYPE_CHECKING:
    from django.http import HttpRequest

    from schoolops.models import Student


def psychology_students(scope: Scope):
    """The psychology teacher also sees students with a psychological flag or note."""
    if not scope.is_psychology:
        return None
    from schoolops.models import Student

    return Student.objects.filter(
        Q(ledger_profiles__psych_flag=True, ledger_profiles__term=scope.term)
        | Q(observations__psychological=True)
    ).values("pk")


def leader_students(scope: Scope):
    """A responsible leader (包靠) also sees the students given to them."""
    if scope.staff is None:
        return None
    return LeaderAssignment.objects.filter(leader=scope.staff, active=True).values("student_id")


def student_leaders(student: Student):
    """The school leaders responsible for one student (包靠), for "who can see this student"."""
    from schoolops.models import Staff

    return Staff.objects.filter(
        leader_assignments__student=student, leader_assignments__active=True
    ).distinct()


def judged_students(scope: Scope):
    """A judge of a term's success cases reads the cases put forward that term."""
    from .models import Case, CaseJudge

    if scope.staff is None:
        return None
    return Case.objects.filter(
        nominated=True, term__in=CaseJudge.objects.filter(staff=scope.staff).values("term")
    ).values("student_id")


def case_judges(student: Student):
    """The judges of the terms in which a case about the student was put forward."""
    from schoolops.models import Staff

    from .models import Case

    terms = Case.objects.filter(student=student, nominated=True).values("term")
    return Staff.objects.filter(case_judging__term__in=terms).distinct()


def ledger_categories(profile: LedgerProfile | None, readable: Iterable[str]) -> list[str]:
    """The register's categories a page shows of one ledger entry, for the read log: the
    ledger, and the plan and the psychological category when the entry has them and the
    reader may read them."""
    readable = set(readable)
    shown: list[str] = [Category.LEDGER]
    if profile is not None and profile.education_plan and Category.EDUCATION_PLAN in readable:
        shown.append(Category.EDUCATION_PLAN)
    if profile is not None and profile.psych_flag and Category.PSYCHOLOGICAL in readable:
        shown.append(Category.PSYCHOLOGICAL)
    return shown


def _sensitive() -> list:
    from schoolops.privacy import SensitiveField

    ledger = [
        SensitiveField("consult.LedgerProfile", name, Category.LEDGER)
        for name in (
            "strengths",
            "weaknesses",
            "personality",
            "interests",
            "family_situation",
            "categories",
            "special_attention",
        )
    ]
    meeting = [
        SensitiveField("consult.Meeting", name, Category.CONSULT)
        for name in ("parents", "preparation", "analysis", "strategies", "summary")
    ]
    records = [
        SensitiveField(f"consult.{model}", None, Category.CONSULT)
        for model in (
            "Observation",
            "MeetingStudent",
            "Strategy",
            "FollowUp",
            "Escalation",
            "LeaderAssignment",
        )
    ]
    # A success case is also read by the term's judges (``Relation.JUDGE``).
    cases = [
        SensitiveField("consult.Case", None, Category.CASE),
        SensitiveField("consult.CaseScore", None, Category.CASE),
    ]
    # The 心理障碍 category and a psychological observation are psychological notes: pages
    # ask ``privacy.may_read(scope, Category.PSYCHOLOGICAL, student)`` before showing them.
    psychological = [
        SensitiveField("consult.LedgerProfile", "psych_flag", Category.PSYCHOLOGICAL),
        SensitiveField(
            "consult.LedgerProfile",
            "categories",
            Category.PSYCHOLOGICAL,
            value=Attention.PSYCHOLOGICAL.value,
        ),
        SensitiveField("consult.Observation", "psychological", Category.PSYCHOLOGICAL, value=True),
    ]
    # A theme meeting's content and summary tell of the students who spoke of their progress.
    activities = [
        SensitiveField("consult.ClassActivity", name, Category.CONSULT)
        for name in ("content", "summary")
    ]
    return [
        *activities,
        *ledger,
        SensitiveField("consult.LedgerProfile", "education_plan", Category.EDUCATION_PLAN),
        *psychological,
        *meeting,
        *records,
        *cases,
    ]


SENSITIVE = _sensitive()


def student_panel(request: HttpRequest, student: Student) -> dict[str, Any] | None:
    from .access import visible_meetings
    from .selectors import timeline
    from .services import check_escalations

    scope = get_scope(request)
    if not may_consult(scope) or not privacy.may_read(scope, privacy.Category.LEDGER, student):
        return None
    psych = privacy.may_read(scope, privacy.Category.PSYCHOLOGICAL, student)
    # The timeline shows the student's escalations: today's rule has run before it is read.
    check_escalations(scope.term, timezone.localdate())
    profile = (
        LedgerProfile.objects.filter(student=student, term=scope.term).first()
        if scope.term
        else None
    )
    if profile is not None:
        profile.labels = profile.category_labels(psych=psych)
    # A mentor reads the ledger but not the consultation records (the timeline).
    consult = privacy.may_read(scope, privacy.Category.CONSULT, student)
    plan = privacy.may_read(scope, privacy.Category.EDUCATION_PLAN, student)
    events = timeline(student, psych=psych, meetings=visible_meetings(scope)) if consult else []
    # The read log: the parts of the record the panel shows.
    shown = [Category.LEDGER]
    if plan and profile is not None and profile.education_plan:
        shown.append(Category.EDUCATION_PLAN)
    if consult:
        shown.append(Category.CONSULT)
    if psych and (any(e.private for e in events) or (profile and profile.psych_flag)):
        shown.append(Category.PSYCHOLOGICAL)
    log_read(request, [student], shown)
    return {
        "student": student,
        "profile": profile,
        "plan": plan,
        "consult": consult,
        "events": events,
        "psych": psych,
        "can_keep_ledger": can_keep_ledger(scope, student),
    }


def class_links(request: HttpRequest, school_class: SchoolClass) -> list[Link]:
    scope = get_scope(request)
    if not may_consult(scope):
        return []
    links = [
        Link(_("Ledger (学情台账)"), reverse("consult:class_ledger", args=[school_class.pk])),
        Link(
            _("Consultation meetings"),
            reverse("consult:meeting_list") + f"?class={school_class.pk}",
        ),
        Link(_("Observations"), reverse("consult:class_observations", args=[school_class.pk])),
        Link(
            _("Theme meetings and exchanges"),
            reverse("consult:class_activities", args=[school_class.pk]),
        ),
    ]
    if scope.can_edit_class(school_class):
        links.append(
            Link(
                _("Record a class meeting"),
                reverse("consult:meeting_new") + f"?level=class&class={school_class.pk}",
            )
        )
    return links


def todos(request: HttpRequest) -> list[Todo]:
    """Meetings due, follow-ups due, ledgers to fill, proposals to decide, my 包靠 students."""
    from .selectors import school_cadence, todo_counts
    from .services import check_escalations, ledger_completeness

    scope = get_scope(request)
    if not may_consult(scope) or scope.term is None or scope.staff is None:
        return []
    today = timezone.localdate()
    term = scope.term
    # Everyone's day starts here: the first home page of the day runs the escalation rule,
    # so the weeks-without-improvement proposals appear without anybody running anything.
    settings = check_escalations(term, today)
    week = term.week_of(today)
    out: list[Todo] = []
    homeroom = list(
        SchoolClass.objects.filter(pk__in=scope.homeroom_class_ids).select_related("grade")
    )
    # This week's class and grade meetings and the term's theme meetings and exchanges of
    # the person's classes: one query.
    counts = _home_counts(term, week, [c.pk for c in homeroom], list(scope.headed_grade_ids))
    if homeroom:
        completeness = ledger_completeness([c.pk for c in homeroom], term)
        held = {pk for (tag, pk) in counts if tag == "c"}
        for school_class in homeroom:
            complete, total = completeness[school_class.pk]
            if complete < total:
                out.append(
                    Todo(
                        _("Fill the ledger of %(class)s") % {"class": school_class},
                        reverse("consult:class_ledger", args=[school_class.pk]),
                        count=total - complete,
                        level="warning",
                        app="consult",
                    )
                )
            if week is not None and school_class.pk not in held:
                out.append(
                    Todo(
                        _("Hold this week's class meeting of %(class)s") % {"class": school_class},
                        reverse("consult:meeting_new") + f"?level=class&class={school_class.pk}",
                        level="warning",
                        due=week.last_day,
                        app="consult",
                    )
                )
    if homeroom:
        dates = {
            (pk, tag): [today] * n
            for (tag, pk), n in counts.items()
            if tag in ClassActivity.Kind.values
        }
        out.extend(_activity_todos(homeroom, term, today, settings, dates))
    if scope.headed_grade_ids and week is not None:
        weekday = settings.grade_meeting_weekday
        held = {pk for (tag, pk) in counts if tag == "g"}
        for grade in scope.headed_grades:
            if grade.pk not in held:
                due = min(week.monday + dt.timedelta(days=weekday), week.last_day)
                out.append(
                    Todo(
                        _("Hold this week's grade meeting of %(grade)s") % {"grade": grade},
                        reverse("consult:meeting_new") + f"?level=grade&grade={grade.pk}",
                        level="danger" if due < today else "warning",
                        due=due,
                        app="consult",
                    )
                )
    if scope.is_school_wide:
        slots, reviews = school_cadence(term)
        for slot in [*slots, *reviews]:
            if slot.state(today) == "due":
                out.append(
                    Todo(
                        _("School meeting due: %(slot)s") % {"slot": slot.label},
                        reverse("consult:meeting_new") + "?level=school",
                        level="warning",
                        due=slot.last_day,
                        app="consult",
                    )
                )
    to_levels = []
    if scope.headed_grade_ids:
        to_levels.append(
            Q(to_level=Level.GRADE, student__school_class__grade__in=scope.headed_grade_ids)
        )
    if scope.is_school_wide:
        to_levels.append(Q(to_level=Level.SCHOOL))
    agenda = None
    for condition in to_levels:
        agenda = condition if agenda is None else agenda | condition
    pending, due_strategies = todo_counts(scope.staff.pk, today, term, agenda)
    if pending:
        out.append(
            Todo(
                _("Students proposed for your meeting's agenda"),
                reverse("consult:escalations"),
                count=pending,
                level="danger",
                app="consult",
            )
        )
    if due_strategies:
        out.append(
            Todo(
                _("Strategies due for a follow-up"),
                reverse("consult:my_strategies"),
                count=due_strategies,
                level="warning",
                app="consult",
            )
        )
    out.extend(_leader_todos(scope.staff.pk, term, today))
    if scope.is_school_wide:  # school leaders (校级行政) are sent to weak classes
        out.extend(_class_leader_todos(scope.staff.pk, term))
    return out


def _class_leader_todos(leader_id: int, term) -> list[Todo]:
    """The weak classes the leader is sent to (蹲点), with what each did since."""
    from .selectors import class_leader_rows

    return [
        Todo(
            _(
                "蹲点 %(class)s since %(since)s: %(m)s class meetings, %(t)s theme meetings, "
                "%(e)s escalations"
            )
            % {
                "class": row.assignment.school_class,
                "since": f"{row.assignment.assigned_on:%Y-%m-%d}",
                "m": row.meetings,
                "t": row.themes,
                "e": row.escalations,
            },
            reverse("consult:leader"),
            level="info",
            app="consult",
        )
        for row in class_leader_rows(leader_id, term)
    ]


def _home_counts(term, week, class_ids: list[int], grade_ids: list[int]) -> dict:
    """(tag, id) → count, in one UNION query: "c" this week's counting class meetings of
    the classes, "g" this week's counting grade meetings of the grades, and "theme" and
    "exchange" the term's theme meetings and exchanges of the classes."""
    from django.db.models import CharField, Count, Value
    from django.db.models.functions import Cast

    parts = []
    if class_ids:
        parts.append(
            ClassActivity.objects.filter(term=term, school_class__in=class_ids)
            .order_by()
            .values_list("school_class", "kind")
            .annotate(n=Count("pk"))
            .values_list("school_class", "kind", "n")
        )
    if week is not None:
        meetings = term.consult_meetings.counting().filter(
            date__gte=week.first_day, date__lte=week.last_day
        )
        for tag, level, field, ids in (
            ("c", Level.CLASS, "school_class", class_ids),
            ("g", Level.GRADE, "grade", grade_ids),
        ):
            if ids:
                parts.append(
                    meetings.filter(level=level, **{f"{field}__in": ids})
                    .order_by()
                    .values_list(field)
                    .annotate(tag=Cast(Value(tag), CharField()), n=Count("pk"))
                    .values_list(field, "tag", "n")
                )
    if not parts:
        return {}
    rows = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    return {(tag, pk): n for pk, tag, n in rows}


def _activity_todos(
    homeroom: list[SchoolClass], term, today: dt.date, settings, dates=None
) -> list[Todo]:
    """The homeroom teacher's theme meetings and exchanges behind the term's pace (one query,
    none with ``dates``: (class id, kind) → a list as long as the number held)."""
    from .selectors import activity_rows

    out = []
    for row in activity_rows(term, homeroom, today, settings, dates):
        school_class = row.school_class
        url = reverse("consult:class_activities", args=[school_class.pk])
        if row.theme.state == "behind":
            out.append(
                Todo(
                    _("Theme class meetings of %(class)s: %(held)s held, %(due)s due by now")
                    % {"class": school_class, "held": row.theme.held, "due": row.theme.due},
                    url,
                    count=row.theme.due - row.theme.held,
                    level="warning",
                    app="consult",
                )
            )
        if row.exchange.state == "behind":
            out.append(
                Todo(
                    _("Study-method exchanges of %(class)s: %(held)s held, %(due)s due by now")
                    % {"class": school_class, "held": row.exchange.held, "due": row.exchange.due},
                    url,
                    count=row.exchange.due - row.exchange.held,
                    level="warning",
                    app="consult",
                )
            )
    return out


LEADER_TODOS = 8


def _leader_todos(leader_id: int, term, today: dt.date) -> list[Todo]:
    """The leader's 包靠 students on the home page, with what happened in the last month."""
    from .selectors import leader_rows

    rows = leader_rows(leader_id, term, today - dt.timedelta(days=30), profiles=False)
    if not rows:
        return []
    out = [
        Todo(
            _("Students you are responsible for (包靠)"),
            reverse("consult:leader"),
            count=len(rows),
            level="info",
            app="consult",
        )
    ]
    # The quietest students first: those nobody has recorded anything about lately.
    rows.sort(key=lambda r: (r.observations + r.follow_ups + r.meetings, -r.open_strategies))
    for row in rows[:LEADER_TODOS]:
        student = row.assignment.student
        out.append(
            Todo(
                _(
                    "包靠 %(name)s (%(class)s): last month %(o)s observations, "
                    "%(f)s follow-ups, discussed %(m)s times"
                )
                % {
                    "name": student.name,
                    "class": student.school_class,
                    "o": row.observations,
                    "f": row.follow_ups,
                    "m": row.meetings,
                },
                reverse("schoolops:student_detail", args=[student.pk]),
                level="light" if row.observations + row.follow_ups + row.meetings else "warning",
                app="consult",
            )
        )
    return out


def home_panel(request: HttpRequest) -> dict[str, Any] | None:
    """The principal's chart of the consultation meetings, this month against last."""
    if not for_the_principal(get_scope(request)):
        return None
    from .selectors import home_chart

    return {
        "chart": home_chart(timezone.localdate()),
        "url": reverse("consult:scores"),
        "link": _("Class consultation scores"),
    }


def register_evaluation() -> None:
    """This app's parts of the term-end evaluation (``schoolops.evaluation``): the class's
    consultation score, and each teacher's participation and success cases."""
    from django.utils.translation import gettext_lazy

    from schoolops.registry import TermContribution, lazy, registry

    registry.add_term_contribution(
        TermContribution(
            key="consult.score",
            level="class",
            label=gettext_lazy("Consultation score"),
            compute=lazy("consult.selectors.term_class_scores"),
            order=30,
            help_text=gettext_lazy(
                "The class's consultation score of the term: meetings held, students "
                "discussed, complete records, the ledger and its best judged case."
            ),
        )
    )
    registry.add_term_contribution(
        TermContribution(
            key="consult.participation",
            level="teacher",
            label=gettext_lazy("Consultation participation"),
            compute=lazy("consult.selectors.term_participation"),
            order=30,
            help_text=gettext_lazy(
                "Meetings attended and strategies owned, each against the most active "
                "teacher of the school, and strategies followed up by their review date."
            ),
        )
    )
    registry.add_term_contribution(
        TermContribution(
            key="consult.cases",
            level="teacher",
            label=gettext_lazy("Success cases"),
            compute=lazy("consult.selectors.term_case_scores"),
            order=35,
            help_text=gettext_lazy(
                "The judges' mean score of the best success case the teacher wrote and "
                "the class team put forward this term."
            ),
        )
    )


def register() -> None:
    from django.utils.translation import gettext_lazy

    from schoolops.privacy import Relation, StudentRelation
    from schoolops.registry import (
        DemoStep,
        HomePanel,
        NavItem,
        Purger,
        StudentExport,
        StudentPanel,
        TermContribution,
        lazy,
        registry,
    )

    from . import records
    from .sheets import SHEETS

    registry.add_student_scope(psychology_students)
    registry.add_student_scope(leader_students)
    registry.add_student_relation(
        StudentRelation(Relation.LEADER, leader_students, holders=student_leaders)
    )
    registry.add_student_relation(
        StudentRelation(Relation.JUDGE, judged_students, holders=case_judges)
    )
    for entry in SENSITIVE:
        registry.add_sensitive(entry)
    registry.add_home_panel(
        HomePanel(
            key="consult",
            title=gettext_lazy("Consultation this month"),
            template="schoolops/charts/home_panel.html",
            context=home_panel,
            order=30,
        )
    )
    registry.add_student_panel(
        StudentPanel(
            key="consult",
            title=gettext_lazy("Consultation timeline"),
            template="consult/panels/timeline.html",
            context=student_panel,
            order=20,
        )
    )
    registry.add_class_links(class_links)
    registry.add_todos(todos)
    registry.add_nav(
        NavItem(
            key="consult",
            label=gettext_lazy("Consultation"),
            url_name="consult:index",
            visible=may_consult,
            order=30,
        )
    )
    registry.add_demo(DemoStep(key="consult", run=lazy("consult.demo.run_demo"), order=30))
    registry.add_demo(
        DemoStep(
            key="consult_questionnaires", run=lazy("consult.demo_questionnaires.run"), order=31
        )
    )
    registry.add_term_contribution(
        TermContribution(
            key="consult.questionnaires",
            level="class",
            label=gettext_lazy("Questionnaire response"),
            compute=lazy("consult.selectors.questionnaire_response_by_class"),
            order=35,
            help_text=gettext_lazy(
                "The share of the class's families who answered the term's questionnaires."
            ),
        )
    )
    registry.add_student_export(
        StudentExport("consult", gettext_lazy("Consultation"), records.sections, order=20)
    )
    registry.add_purger(Purger("consult", records.purge, order=20))
    register_evaluation()
    registry.add_term_contribution(
        TermContribution(
            key="consult.theme_meetings",
            level="class",
            label=gettext_lazy("Theme class meetings"),
            compute=lazy("consult.selectors.theme_meetings_by_class"),
            order=36,
            help_text=gettext_lazy(
                "The class's theme class meetings held this term against the least the "
                "school sets (no more than the least counted)."
            ),
        )
    )
    for sheet in SHEETS:
        registry.add_sheet(sheet.kind, sheet)
    models = (
        "ledgerprofile",
        "observation",
        "meeting",
        "meetingstudent",
        "strategy",
        "followup",
        "escalation",
        "leaderassignment",
        "case",
        "casescore",
        "classactivity",
        "activityphoto",
        "termplan",
        "termsummary",
        "classleaderassignment",
    )
    view_all = [f"consult.view_{m}" for m in models] + [
        "consult.view_consultsettings",
        "consult.view_casejudge",
    ]
    for post in (Post.PRINCIPAL, Post.VICE_PRINCIPAL, Post.ACADEMIC_OFFICE):
        registry.add_post_permissions(post, view_all)
    registry.add_post_permissions(
        Post.ACADEMIC_OFFICE,
        [
            "consult.add_consultsettings",
            "consult.change_consultsettings",
            "consult.add_casejudge",
            "consult.change_casejudge",
            "consult.delete_casejudge",
        ],
    )
