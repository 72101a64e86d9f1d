"""Where the apps plug into the pages that ``schoolops`` owns.

``schoolops`` imports none of the apps. Each app has a ``hooks.register()`` that its
``AppConfig.ready()`` calls, and that is the only place it adds itself here:

- to-dos for a person's home page (``add_todos``) and panels beside them
  (``add_home_panel``: the principal's chart of each programme, this month against last),
- a panel for the student's page (``add_student_panel``),
- links on a class's page and in the navigation (``add_class_links``, ``add_nav``),
- students its posts may see beyond their classes (``add_student_scope``: mentees,
  students a school leader is responsible for),
- its part of the demo school (``add_demo``) and its sheet kinds for
  ``import_sheet``/``export_sheet`` and the admin (``add_sheet``; a kind is registered once),
- the model permissions its posts are given (``add_post_permissions``),
- its sensitive fields and models (``add_sensitive``) and the relations to a student it
  knows of (``add_student_relation``: a mentor, a 包靠 leader), which the register in
  ``schoolops.privacy`` reads,
- its part of everything held on one student, for a guardian's request
  (``add_student_export``: titled sections of rows), and its part of the retention purge
  (``add_purger``: deletes its sensitive records of the given students, and their history,
  and anonymises the rest),
- its figures for the term-end evaluation (``add_term_contribution``: per class, teacher or
  grade, a figure 0-100 of a term, which ``schoolops.evaluation`` weighs and ranks) and its
  candidates for an award of the term (``add_award_candidates``: the outstanding groups).

``schoolops`` registers its own parts (the roster's sheet kinds among them) from
``SchoolOpsConfig.ready()``. Adding a fourth app then touches no existing app.

Code that only a page or one command runs is registered by name (``lazy("app.module.func")``)
so that every process does not import it at start-up.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

if TYPE_CHECKING:
    import datetime as dt

    from django.db.models import QuerySet
    from django.http import HttpRequest

    from django_stubs_ext import StrOrPromise

    from schoolops.demo import DemoContext
    from schoolops.models import SchoolClass, Student, Term
    from schoolops.privacy import SensitiveField, StudentRelation
    from schoolops.scopes import Scope
    from schoolops.sheets.base import BaseSheet


def lazy(path: str) -> Callable[..., Any]:
    """The function at ``path`` ("package.module.function"), imported on its first call.

    For what the apps register but only a page or one command runs (the demo school, a
    student panel's context): ``import_sheet`` and the other commands then start without
    importing it (bench/import_exams.py times a whole import against a plain file read)."""

    def call(*args: Any, **kwargs: Any) -> Any:
        return import_string(path)(*args, **kwargs)

    call.__qualname__ = call.__name__ = path
    return call


@dataclass(frozen=True)
class Todo:
    """One line of "what I have to do this week" on a home page."""

    text: str
    url: str = ""
    count: int | None = None
    level: str = "info"  # a Bootstrap contextual colour: info, warning, danger
    due: dt.date | None = None
    app: str = ""


@dataclass(frozen=True)
class StudentPanel:
    """A panel on the student's page.

    ``context(request, student)`` returns the template context, or None to leave the panel
    out (for instance when the viewer's post may not see it). It must run a fixed number of
    queries whatever the student's history holds.
    """

    key: str
    title: StrOrPromise
    template: str
    context: Callable[[HttpRequest, Student], dict[str, Any] | None]
    order: int = 100


@dataclass(frozen=True)
class HomePanel:
    """A panel on a person's home page, under the to-dos.

    ``context(request)`` returns the template context (the template reads it as ``ctx``), or
    None to leave the panel out for this person. It must run a fixed number of queries
    whatever the school's size.
    """

    key: str
    title: StrOrPromise
    template: str
    context: Callable[[HttpRequest], dict[str, Any] | None]
    order: int = 100


@dataclass(frozen=True)
class Link:
    label: str
    url: str
    icon: str = ""


@dataclass(frozen=True)
class NavItem:
    """An entry in the top navigation, shown when ``visible(scope)`` says so."""

    key: str
    label: StrOrPromise
    url_name: str
    visible: Callable[[Scope], bool]
    order: int = 100


@dataclass(frozen=True)
class DemoStep:
    """One app's part of ``seed_demo``: ``run(context)`` after the roster exists."""

    key: str
    run: Callable[[DemoContext], None]
    order: int = 100


@dataclass(frozen=True)
class Section:
    """A titled table of one student's records, for a guardian's request (print and xlsx)."""

    title: str
    headers: list[str]
    rows: list[list[Any]]


@dataclass(frozen=True)
class StudentExport:
    """An app's part of everything held on one student: ``sections(student)``, run in a fixed
    number of queries whatever the student's history holds."""

    key: str
    title: StrOrPromise
    sections: Callable[[Student], list[Section]]
    order: int = 100


@dataclass(frozen=True)
class Purger:
    """An app's part of the retention purge.

    ``purge(student_ids, dry_run)`` deletes the app's sensitive records of those students and
    their historical rows, anonymises what it keeps, and returns ``{"app.Model": count}``;
    with ``dry_run`` it changes nothing and returns what it would do.
    """

    key: str
    purge: Callable[[list[int], bool], dict[str, int]]
    order: int = 100


@dataclass(frozen=True)
class TermContribution:
    """One part of the term-end evaluation (优秀班级 / 优秀级部 / 优秀教师).

    ``compute(term)`` returns a figure from 0 to 100 per primary key of the ``level``'s
    model (``SchoolClass`` of the term's year, ``Staff`` or ``Grade``), in a fixed number of
    queries whatever the school's size. A pk it leaves out scores 0; an empty dict leaves the
    part out of the term. ``schoolops.evaluation`` weighs the parts (``EvaluationWeight``,
    else ``default_weight``) and ranks the totals.
    """

    key: str
    level: str
    label: StrOrPromise
    compute: Callable[[Term], dict[int, Decimal]]
    order: int = 100
    help_text: StrOrPromise = ""
    default_weight: Decimal = Decimal(1)


TERM_LEVELS = ("class", "teacher", "grade")


@dataclass(frozen=True)
class AwardCandidate:
    """One candidate an app puts forward for an award of the term: ``ref`` names it
    ("groups.StudyGroup:12"), ``figure`` ranks it (0-100) and ``note`` says why."""

    ref: str
    name: str
    school_class_id: int | None
    figure: Decimal
    note: str = ""


@dataclass(frozen=True)
class AwardCandidates:
    """An app's candidates for one award (``category``, an ``AwardCategory`` value) of a
    term: ``candidates(term)``, best first, in a fixed number of queries."""

    key: str
    category: str
    candidates: Callable[[Term], list[AwardCandidate]]


@dataclass
class Registry:
    todo_providers: list[Callable[[HttpRequest], Iterable[Todo]]] = field(default_factory=list)
    student_panels: list[StudentPanel] = field(default_factory=list)
    home_panels: list[HomePanel] = field(default_factory=list)
    class_link_providers: list[Callable[[HttpRequest, SchoolClass], Iterable[Link]]] = field(
        default_factory=list
    )
    nav_items: list[NavItem] = field(default_factory=list)
    student_scope_providers: list[Callable[[Scope], QuerySet | None]] = field(default_factory=list)
    demo_steps: list[DemoStep] = field(default_factory=list)
    sheets: dict[str, type[BaseSheet]] = field(default_factory=dict)
    post_permissions: dict[str, set[str]] = field(default_factory=dict)
    sensitive_fields: list[SensitiveField] = field(default_factory=list)
    student_relations: list[StudentRelation] = field(default_factory=list)
    student_exports: list[StudentExport] = field(default_factory=list)
    purgers: list[Purger] = field(default_factory=list)
    term_contributions_: list[TermContribution] = field(default_factory=list)
    award_candidates: list[AwardCandidates] = field(default_factory=list)

    # Registration, called from AppConfig.ready().

    def add_todos(self, provider: Callable[[HttpRequest], Iterable[Todo]]) -> None:
        if provider not in self.todo_providers:
            self.todo_providers.append(provider)

    def add_student_panel(self, panel: StudentPanel) -> None:
        self.student_panels = [p for p in self.student_panels if p.key != panel.key] + [panel]
        self.student_panels.sort(key=lambda p: p.order)

    def add_home_panel(self, panel: HomePanel) -> None:
        self.home_panels = [p for p in self.home_panels if p.key != panel.key] + [panel]
        self.home_panels.sort(key=lambda p: p.order)

    def add_class_links(
        self, provider: Callable[[HttpRequest, SchoolClass], Iterable[Link]]
    ) -> None:
        if provider not in self.class_link_providers:
            self.class_link_providers.append(provider)

    def add_nav(self, item: NavItem) -> None:
        self.nav_items = [i for i in self.nav_items if i.key != item.key] + [item]
        self.nav_items.sort(key=lambda i: i.order)

    def add_student_scope(self, provider: Callable[[Scope], QuerySet | None]) -> None:
        """``provider(scope)`` returns a queryset of student ids the scope may also see."""
        if provider not in self.student_scope_providers:
            self.student_scope_providers.append(provider)

    def add_demo(self, step: DemoStep) -> None:
        self.demo_steps = [s for s in self.demo_steps if s.key != step.key] + [step]
        self.demo_steps.sort(key=lambda s: s.order)

    def add_sheet(self, kind: str, sheet: type[BaseSheet]) -> None:
        """Register a sheet kind; a kind names one class (the same class again is a no-op,
        as ``ready()`` may run twice)."""
        registered = self.sheets.get(kind)
        if registered is not None and registered is not sheet:
            raise ImproperlyConfigured(
                f"The sheet kind {kind!r} is already registered by "
                f"{registered.__module__}.{registered.__qualname__}; "
                f"{sheet.__module__}.{sheet.__qualname__} needs a kind of its own."
            )
        self.sheets[kind] = sheet

    def add_post_permissions(self, post: str, perms: list[str] | set[str]) -> None:
        """Model permissions ("app_label.codename") a post's Django group is given."""
        self.post_permissions.setdefault(post, set()).update(perms)

    def add_sensitive(self, entry: SensitiveField) -> None:
        """A field or a whole model the register of sensitive fields guards."""
        if entry not in self.sensitive_fields:
            self.sensitive_fields.append(entry)

    def add_student_relation(self, relation: StudentRelation) -> None:
        self.student_relations = [
            r for r in self.student_relations if r.relation != relation.relation
        ] + [relation]

    def add_student_export(self, export: StudentExport) -> None:
        self.student_exports = [e for e in self.student_exports if e.key != export.key] + [export]
        self.student_exports.sort(key=lambda e: e.order)

    def add_purger(self, purger: Purger) -> None:
        self.purgers = [p for p in self.purgers if p.key != purger.key] + [purger]
        self.purgers.sort(key=lambda p: p.order)

    def add_term_contribution(self, contribution: TermContribution) -> None:
        if contribution.level not in TERM_LEVELS:
            raise ImproperlyConfigured(
                f"{contribution.key}: the level is one of {TERM_LEVELS}, not {contribution.level!r}"
            )
        self.term_contributions_ = [
            c for c in self.term_contributions_ if c.key != contribution.key
        ] + [contribution]
        self.term_contributions_.sort(key=lambda c: (c.order, c.key))

    def add_award_candidates(self, candidates: AwardCandidates) -> None:
        self.award_candidates = [c for c in self.award_candidates if c.key != candidates.key] + [
            candidates
        ]

    # Composition, called by schoolops' views.

    def candidates_for(self, term: Term, category: str) -> list[AwardCandidate]:
        """Every app's candidates for one award of the term, best first."""
        found: list[AwardCandidate] = []
        for entry in self.award_candidates:
            if entry.category == category:
                found.extend(entry.candidates(term))
        return sorted(found, key=lambda c: -c.figure)

    def term_contributions(self, level: str) -> list[TermContribution]:
        """The parts of the term-end evaluation of one level, in their order."""
        return [c for c in self.term_contributions_ if c.level == level]

    def todos_for(self, request: HttpRequest) -> list[Todo]:
        todos: list[Todo] = []
        for provider in self.todo_providers:
            todos.extend(provider(request))
        return todos

    def panels_for(self, request: HttpRequest, student: Student) -> list[tuple[StudentPanel, dict]]:
        shown = []
        for panel in self.student_panels:
            context = panel.context(request, student)
            if context is not None:
                shown.append((panel, context))
        return shown

    def home_panels_for(self, request: HttpRequest) -> list[tuple[HomePanel, dict]]:
        shown = []
        for panel in self.home_panels:
            context = panel.context(request)
            if context is not None:
                shown.append((panel, context))
        return shown

    def class_links_for(self, request: HttpRequest, school_class: SchoolClass) -> list[Link]:
        links: list[Link] = []
        for provider in self.class_link_providers:
            links.extend(provider(request, school_class))
        return links

    def nav_for(self, scope: Scope) -> list[NavItem]:
        return [item for item in self.nav_items if item.visible(scope)]


registry = Registry()
