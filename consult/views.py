"""Consultation pages. Every object is fetched through the scope helpers (outside → 404);
``consult_required`` keeps office staff out (403)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Avg, Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from schoolops import privacy
from schoolops.models import Grade, Post, SchoolClass, Staff, Student
from schoolops.params import page_number, pick, pick_or_404, pk_or_404
from schoolops.privacy import Category, log_read
from schoolops.scopes import get_class_or_404, get_scope, get_student_or_404
from schoolops.sheets.http import xlsx_response
from schoolops.submissions import redirect_once, token_of

from . import exports, services
from .access import (
    LEADER_POSTS,
    can_edit_meeting,
    can_keep_ledger,
    can_record_meeting,
    consult_required,
    get_meeting_or_404,
    is_leader_of,
    school_wide_required,
    sees_grade_pages,
    visible_meetings,
)
from .forms import (
    CaseForm,
    CaseScoreForm,
    DiscussedEditFormSet,
    DiscussedFormSet,
    FollowUpForm,
    LeaderFormSet,
    LedgerForm,
    MeetingForm,
    NewCaseForm,
    NewMeetingForm,
    NoteForm,
    ObservationForm,
    ProposeForm,
    StrategyForm,
    student_label,
)
from .hooks import ledger_categories
from .models import (
    Attention,
    Case,
    CaseJudge,
    CaseScore,
    ConsultSettings,
    Escalation,
    FollowUp,
    LeaderAssignment,
    LedgerProfile,
    Level,
    Meeting,
    Observation,
    Strategy,
)
from .selectors import (
    class_scores,
    leader_assignments,
    leader_rows,
    school_cadence,
    weekly_cadence,
)


def _error(request: HttpRequest, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


def _form_page(
    request: HttpRequest,
    forms: list,
    save: Callable[[], Any],
    *,
    success: str,
    context: dict[str, Any],
    template: str = "consult/form.html",
) -> HttpResponse:
    """The shape of every add/edit page: GET shows the forms; a POST whose forms are valid
    calls ``save`` (a service call that returns where to go next), says ``success`` and
    redirects (a create form: once per one-time token, ``schoolops.submissions``). A refusal
    from the service, or invalid forms, show the page again with the reasons; nothing is
    written."""
    if request.method == "POST":
        valid = [form.is_valid() for form in forms]  # every form, so that all errors show
        if all(valid):
            # A create form carries a one-time token: sent twice, it saves once.
            token_form = next((f for f in forms if token_of(f) is not None), None)
            try:
                return redirect_once(request, token_form, save, success=success)
            except ValidationError as exc:
                _error(request, exc)
        else:
            messages.error(request, _("Please correct the errors below."))
    return render(request, template, context)


PSYCHOLOGICAL = privacy.Category.PSYCHOLOGICAL
# What each export holds: only those who read it of every student export it.
LEDGER_EXPORT = (
    privacy.Category.LEDGER,
    privacy.Category.PSYCHOLOGICAL,
    privacy.Category.EDUCATION_PLAN,
)
CASES_EXPORT = (privacy.Category.CASE,)


def _may_export(scope, categories: tuple[str, ...]) -> bool:
    return all(privacy.may_read_any(scope, category) for category in categories)


def _label_categories(scope, profiles: list[LedgerProfile]) -> None:
    """Sets ``labels`` on each ledger entry: its categories as this person may read them,
    心理障碍 only of the students whose psychological notes the register lets them read (one
    query whatever the entries hold, so a page's count does not depend on the data)."""
    readable: set[int] = set()
    if profiles:
        ids = [p.student_id for p in profiles]
        readable = set(
            privacy.readable_students(
                scope, PSYCHOLOGICAL, Student.objects.filter(pk__in=ids)
            ).values_list("pk", flat=True)
        )
    for profile in profiles:
        profile.labels = profile.category_labels(psych=profile.student_id in readable)


def _term_or_404(request: HttpRequest):
    term = get_scope(request).term
    if term is None:
        raise Http404(_("No term has been set up yet."))
    return term


@consult_required
def index(request: HttpRequest) -> HttpResponse:
    scope = get_scope(request)
    term = scope.term
    classes = list(scope.current_classes().order_by("grade__level", "number"))
    completeness = services.ledger_completeness([c.pk for c in classes], term) if term else {}
    for school_class in classes:
        school_class.ledger_done, school_class.ledger_total = completeness.get(
            school_class.pk, (0, 0)
        )
        school_class.can_edit = scope.can_edit_class(school_class)
    flagged = []
    if scope.is_psychology:
        # The psychology teacher's students: psychological flags and notes (their scope).
        flagged = list(
            scope.students()
            .in_school()
            .filter(
                Q(ledger_profiles__term=term, ledger_profiles__psych_flag=True)
                | Q(observations__psychological=True)
            )
            .distinct()
            .order_by("school_class__grade__level", "school_class__number", "student_no")[:300]
        )
        log_read(request, flagged, [Category.PSYCHOLOGICAL])
    ctx = {
        "scope": scope,
        "term": term,
        "classes": classes,
        "flagged": flagged,
        "is_grade_head": bool(scope.headed_grade_ids),
    }
    return render(request, "consult/index.html", ctx)


# The ledger.


@consult_required
def class_ledger(request: HttpRequest, class_pk: int) -> HttpResponse:
    scope = get_scope(request)
    school_class = get_class_or_404(request, class_pk)
    term = _term_or_404(request)
    rows = services.ledger_rows(school_class, term)
    _label_categories(scope, [r.profile for r in rows if r.profile is not None])
    complete = sum(1 for r in rows if r.profile is not None and r.profile.complete)
    log_read(request, [r.student for r in rows if r.profile is not None], [Category.LEDGER])
    ctx = {
        "school_class": school_class,
        "term": term,
        "rows": rows,
        "complete": complete,
        "can_edit": scope.can_edit_class(school_class),
        "can_export": _may_export(scope, LEDGER_EXPORT),
        "has_previous": services.previous_term(term) is not None,
    }
    return render(request, "consult/class_ledger.html", ctx)


@consult_required
@require_POST
def class_ledger_carry(request: HttpRequest, class_pk: int) -> HttpResponse:
    scope = get_scope(request)
    school_class = get_class_or_404(request, class_pk, edit=True)
    term = _term_or_404(request)
    try:
        n = services.carry_forward(school_class, term, scope.staff)
    except ValidationError as exc:
        _error(request, exc)
    else:
        messages.success(request, _("%(n)s entries carried forward from last term.") % {"n": n})
    return redirect("consult:class_ledger", class_pk=school_class.pk)


@consult_required
def class_ledger_xlsx(request: HttpRequest, class_pk: int) -> HttpResponse:
    scope = get_scope(request)
    school_class = get_class_or_404(request, class_pk)
    if not _may_export(scope, LEDGER_EXPORT):
        raise PermissionDenied
    term = _term_or_404(request)
    content = exports.ledger_workbook(school_class, term)
    log_read(
        request,
        school_class.students.in_school().values_list("pk", flat=True),
        [Category.LEDGER, Category.EDUCATION_PLAN, Category.PSYCHOLOGICAL],
    )
    return xlsx_response(content, f"ledger-{school_class.pk}.xlsx")


@consult_required
def class_observations(request: HttpRequest, class_pk: int) -> HttpResponse:
    """Every teacher's observations of the class, newest first (看 听 谈 问)."""
    scope = get_scope(request)
    school_class = get_class_or_404(request, class_pk)
    observations = Observation.objects.filter(student__school_class=school_class).select_related(
        "student", "author"
    )
    # Psychological notes: of the students whose notes the register lets the person read.
    if not privacy.may_read_class(scope, PSYCHOLOGICAL, school_class):
        readable = privacy.readable_students(scope, PSYCHOLOGICAL, school_class.students.all())
        observations = observations.filter(Q(psychological=False) | Q(student__in=readable))
    method = request.GET.get("method", "")
    if method in Observation.Method.values:
        observations = observations.filter(method=method)
    page = Paginator(observations.order_by("-date", "-pk"), 50).get_page(page_number(request))
    shown = list(page.object_list)
    log_read(
        request,
        [o.student_id for o in shown],
        [Category.CONSULT]
        + ([Category.PSYCHOLOGICAL] if any(o.psychological for o in shown) else []),
    )
    ctx = {
        "school_class": school_class,
        "page": page,
        "observations": shown,
        "method": method,
        "methods": Observation.Method.choices,
    }
    return render(request, "consult/class_observations.html", ctx)


@consult_required
def student_ledger(request: HttpRequest, pk: int) -> HttpResponse:
    scope = get_scope(request)
    student = get_student_or_404(request, pk)
    term = _term_or_404(request)
    profile = LedgerProfile.objects.filter(student=student, term=term).first()
    can_edit = can_keep_ledger(scope, student)
    if request.method == "POST" and not can_edit:
        raise PermissionDenied
    readable = privacy.readable_categories(scope, student)
    if privacy.Category.LEDGER not in readable:
        raise PermissionDenied
    psych = PSYCHOLOGICAL in readable
    if profile is not None:
        profile.labels = profile.category_labels(psych=psych)
    log_read(request, [student], ledger_categories(profile, readable))
    # A keeper who may not read psychological notes (the grade head) neither sees nor
    # changes the 心理障碍 category: it is not offered, and a saved entry keeps it.
    hidden = () if psych else (Attention.PSYCHOLOGICAL,)
    kept = [c for c in (profile.categories if profile else []) if c in hidden]
    form = LedgerForm(request.POST or None, instance=profile, hidden=hidden) if can_edit else None

    def save():
        data = form.cleaned_data
        if kept:
            data = {**data, "categories": [*data.get("categories", []), *kept]}
        services.save_ledger(student, term, data, scope.staff)
        return _next_missing(student, term)

    ctx = {
        "student": student,
        "term": term,
        "profile": profile,
        "plan": privacy.Category.EDUCATION_PLAN in readable,
        "form": form,
        "changes": _ledger_changes(profile) if profile else [],
    }
    return _form_page(
        request,
        [form] if form else [],
        save,
        success=_("Ledger entry of %(name)s saved.") % {"name": student.name},
        context=ctx,
        template="consult/student_ledger.html",
    )


def _ledger_changes(profile: LedgerProfile, limit: int = 10) -> list[dict[str, Any]]:
    """Who changed which fields of the entry, and when (one query; values are not shown)."""
    records = list(
        profile.history.select_related("history_user__staff").order_by(
            "-history_date", "-history_id"
        )[: limit + 1]
    )
    fields = [*services.LEDGER_FIELDS, "categories"]
    changes = []
    for newer, older in zip(records, [*records[1:], None], strict=True):
        if len(changes) == limit:
            break
        if older is None:
            changed = [] if newer.history_type == "+" else None
        else:
            changed = [
                str(LedgerProfile._meta.get_field(c.field).verbose_name)
                for c in newer.diff_against(older, included_fields=fields).changes
            ]
        user = newer.history_user
        changes.append(
            {
                "when": newer.history_date,
                "who": getattr(getattr(user, "staff", None), "name", None)
                or (user.get_username() if user else "—"),
                "created": newer.history_type == "+",
                "fields": changed or [],
            }
        )
    return changes


def _next_missing(student: Student, term) -> str:
    """After saving, the next student of the class whose entry is still incomplete."""
    done = LedgerProfile.objects.filter(term=term, complete=True).values("student")
    following = (
        student.school_class.students.in_school()
        .exclude(pk__in=done)
        .filter(student_no__gt=student.student_no)
        .order_by("student_no")
        .first()
    )
    if following is not None:
        return reverse("consult:student_ledger", args=[following.pk])
    return reverse("consult:class_ledger", args=[student.school_class_id])


# Observations and strategies.


@consult_required
def observation_add(request: HttpRequest, pk: int) -> HttpResponse:
    scope = get_scope(request)
    student = get_student_or_404(request, pk)
    form = ObservationForm(
        request.POST or None, may_flag_psych=privacy.may_read(scope, PSYCHOLOGICAL, student)
    )

    def save():
        services.add_observation(student, scope.staff, **form.cleaned_data)
        return reverse("schoolops:student_detail", args=[student.pk])

    return _form_page(
        request,
        [form],
        save,
        success=_("Observation recorded."),
        context={"student": student, "form": form, "title": _("Add an observation")},
    )


def _owners(student: Student):
    """Who can own a strategy: the class's teachers and the leaders of the school."""
    return (
        Staff.objects.active()
        .filter(
            Q(assignments__school_class=student.school_class_id)
            | Q(homeroom_classes=student.school_class_id)
            | Q(user__groups__name__in=[*LEADER_POSTS, Post.PSYCHOLOGY])
        )
        .distinct()
        .order_by("staff_no")
    )


def _may_work_on(scope, student: Student) -> bool:
    """Open strategies, follow them up, write cases: the class's teachers and keepers, the
    psychology teacher and the student's responsible leader (包靠)."""
    return (
        scope.can_edit_class(student.school_class)
        or scope.teaches(student.school_class)
        or scope.is_psychology
        or is_leader_of(scope, student)
    )


@consult_required
def strategy_add(request: HttpRequest, pk: int) -> HttpResponse:
    scope = get_scope(request)
    student = get_student_or_404(request, pk)
    if not _may_work_on(scope, student):
        raise PermissionDenied
    # Each choice is labelled with the student's name (``Observation.__str__``).
    observations = (
        Observation.objects.filter(student=student).select_related("student").order_by("-date")
    )
    psych = privacy.may_read(scope, PSYCHOLOGICAL, student)
    if not psych:
        observations = observations.filter(psychological=False)
    if request.method != "POST":
        # The observations to choose from are shown.
        log_read(request, [student], [Category.CONSULT] + ([Category.PSYCHOLOGICAL] * psych))
    # The 20 latest, as a queryset filtered by their ids: a sliced queryset cannot be filtered,
    # so the form could not check a ticked observation against it.
    recent = observations.filter(pk__in=list(observations.values_list("pk", flat=True)[:20]))
    form = StrategyForm(
        request.POST or None,
        owners=_owners(student),
        observations=recent,
        initial={"owner": scope.staff},
    )

    def save():
        return services.add_strategy(student, scope.staff, **form.cleaned_data)

    return _form_page(
        request,
        [form],
        save,
        success=_("Strategy opened."),
        context={"student": student, "form": form, "title": _("Open a strategy")},
    )


def _get_strategy(request: HttpRequest, pk: int) -> Strategy:
    try:
        strategy = Strategy.objects.select_related("student__school_class", "owner", "meeting").get(
            pk=pk
        )
    except (Strategy.DoesNotExist, ValueError):
        raise Http404 from None
    get_student_or_404(request, strategy.student_id)
    if not _may_open_strategy(get_scope(request), strategy.student):
        raise PermissionDenied
    return strategy


def _may_open_strategy(scope, student: Student, in_scope: set[int] | None = None) -> bool:
    """``strategy_detail``'s rule: the student is in the person's scope (``in_scope``: ids of
    ``scope.students()``, else the page is a 404) and the person reads their consultation
    records (a mentor has the student in scope but does not: a 403)."""
    if in_scope is not None and student.pk not in in_scope:
        return False
    return privacy.may_read(scope, privacy.Category.CONSULT, student)


def _may_follow_up(scope, strategy: Strategy) -> bool:
    return (scope.staff is not None and strategy.owner_id == scope.staff.pk) or _may_work_on(
        scope, strategy.student
    )


@consult_required
def strategy_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scope = get_scope(request)
    strategy = _get_strategy(request, pk)
    may = _may_follow_up(scope, strategy)
    log_read(request, [strategy.student], [Category.CONSULT])
    ctx = {
        "strategy": strategy,
        "student": strategy.student,
        "follow_ups": list(strategy.follow_ups.select_related("author").order_by("date", "pk")),
        "observations": list(
            strategy.observations.filter(
                psychological__in=[
                    False,
                    privacy.may_read(scope, PSYCHOLOGICAL, strategy.student),
                ]
            )
        ),
        # Linked where the meeting's page answers (get_meeting_or_404).
        "meeting_opens": strategy.meeting_id is not None
        and visible_meetings(scope).filter(pk=strategy.meeting_id).exists(),
        "may_follow_up": may and strategy.is_open,
        "form": FollowUpForm() if may and strategy.is_open else None,
        "close_form": NoteForm() if may and strategy.is_open else None,
    }
    return render(request, "consult/strategy_detail.html", ctx)


@consult_required
@require_POST
def strategy_follow_up(request: HttpRequest, pk: int) -> HttpResponse:
    scope = get_scope(request)
    strategy = _get_strategy(request, pk)
    if not _may_follow_up(scope, strategy):
        raise PermissionDenied
    form = FollowUpForm(request.POST)
    if form.is_valid():

        def save():
            services.add_follow_up(strategy, scope.staff, **form.cleaned_data)
            return reverse("consult:strategy_detail", args=[strategy.pk])

        try:
            return redirect_once(request, form, save, success=_("Follow-up added."))
        except ValidationError as exc:
            _error(request, exc)
    else:
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            for error in errors:
                messages.error(request, f"{label}: {error}" if label else error)
    return redirect("consult:strategy_detail", pk=strategy.pk)


@consult_required
@require_POST
def strategy_close(request: HttpRequest, pk: int) -> HttpResponse:
    scope = get_scope(request)
    strategy = _get_strategy(request, pk)
    if not _may_follow_up(scope, strategy):
        raise PermissionDenied
    form = NoteForm(request.POST)
    form.is_valid()
    try:
        services.close_strategy(strategy, scope.staff, form.cleaned_data.get("note", ""))
    except ValidationError as exc:
        _error(request, exc)
    else:
        messages.success(request, _("Strategy closed as solved."))
    return redirect("consult:strategy_detail", pk=strategy.pk)


@consult_required
def my_strategies(request: HttpRequest) -> HttpResponse:
    scope = get_scope(request)
    strategies = list(
        Strategy.objects.filter(owner=scope.staff, status=Strategy.Status.OPEN)
        .select_related("student__school_class__grade")
        .annotate(n_follow_ups=Count("follow_ups"))
        .order_by("review_date", "pk")[:200]
    )
    log_read(request, [s.student_id for s in strategies], [Category.CONSULT])
    return render(
        request,
        "consult/my_strategies.html",
        {"strategies": strategies, "today": timezone.localdate()},
    )


# Escalation.


@consult_required
def propose(request: HttpRequest, pk: int) -> HttpResponse:
    scope = get_scope(request)
    student = get_student_or_404(request, pk)
    if not scope.can_edit_class(student.school_class):
        raise PermissionDenied
    form = ProposeForm(request.POST or None)

    def save():
        services.propose_manually(
            student, scope.staff, form.cleaned_data["reason"], timezone.localdate()
        )
        return reverse("schoolops:student_detail", args=[student.pk])

    return _form_page(
        request,
        [form],
        save,
        success=_("The student is on the next meeting's agenda."),
        context={"student": student, "form": form, "title": _("Propose to the next level")},
    )


def _agenda(scope):
    condition = Q(pk__in=[])
    if scope.headed_grade_ids:
        condition |= Q(
            to_level=Level.GRADE, student__school_class__grade__in=scope.headed_grade_ids
        )
    if scope.is_school_wide:
        condition |= Q(to_level__in=[Level.GRADE, Level.SCHOOL])
    return Escalation.objects.filter(condition).select_related(
        "student__school_class__grade", "decided_by", "proposed_by"
    )


ESCALATIONS_PAGE = 25


@consult_required
@require_safe
def escalations(request: HttpRequest) -> HttpResponse:
    scope = get_scope(request)
    if not sees_grade_pages(scope):
        raise PermissionDenied
    term = _term_or_404(request)
    settings = services.check_escalations(term, timezone.localdate())
    agenda = _agenda(scope).filter(term=term)
    # A grade's agenda, oldest proposal first, 25 a page: a meeting takes them in that order.
    proposed = agenda.filter(status=Escalation.Status.PROPOSED).order_by("proposed_on", "pk")
    page = Paginator(proposed, ESCALATIONS_PAGE).get_page(page_number(request))
    decided = list(agenda.exclude(status=Escalation.Status.PROPOSED).order_by("-decided_on")[:20])
    shown = list(page.object_list)
    log_read(request, [e.student_id for e in shown + decided], [Category.CONSULT])
    ctx = {
        "page": page,
        "proposed": shown,
        "decided": decided,
        # One note field for every proposal's form, rendered once (no id, so none repeats).
        "note": NoteForm(auto_id=False)["note"].as_widget(),
        "settings": settings,
    }
    return render(request, "consult/escalations.html", ctx)


@consult_required
@require_POST
def escalation_decide(request: HttpRequest, pk: int) -> HttpResponse:
    scope = get_scope(request)
    try:
        escalation = _agenda(scope).get(pk=pk)
    except (Escalation.DoesNotExist, ValueError):
        raise Http404 from None
    if escalation.to_level == Level.SCHOOL and not scope.is_school_wide:
        raise PermissionDenied
    take = request.POST.get("decision") == "take"
    form = NoteForm(request.POST)
    form.is_valid()
    try:
        services.decide_escalation(
            escalation, scope.staff, take=take, note=form.cleaned_data.get("note", "")
        )
    except ValidationError as exc:
        _error(request, exc)
    else:
        if take:
            messages.success(request, _("%(name)s taken over.") % {"name": escalation.student.name})
        else:
            messages.success(request, _("%(name)s sent back.") % {"name": escalation.student.name})
    return redirect("consult:escalations")


# Meetings.


@consult_required
def meeting_list(request: HttpRequest) -> HttpResponse:
    scope = get_scope(request)
    meetings = visible_meetings(scope).annotate(n_students=Count("discussed", distinct=True))
    level = request.GET.get("level", "")
    if level in Level.values:
        meetings = meetings.filter(level=level)
    class_id = request.GET.get("class", "")
    school_class = None
    if class_id:
        school_class = get_class_or_404(request, pk_or_404(class_id))
        meetings = meetings.filter(school_class=school_class)
    page = Paginator(meetings.order_by("-date", "-pk"), 30).get_page(page_number(request))
    ctx = {
        "page": page,
        "meetings": list(page.object_list),
        "level": level,
        "levels": Level.choices,
        "school_class": school_class,
        "can_school": scope.is_school_wide,
        "headed_grades": list(Grade.objects.filter(pk__in=scope.headed_grade_ids)),
        "editable_classes": list(scope.editable_classes().filter(academic_year=scope.year)),
    }
    return render(request, "consult/meeting_list.html", ctx)


def _meeting_context(request: HttpRequest) -> tuple[str, SchoolClass | None, Grade | None]:
    """Which meeting is being recorded: from the query string, or the posted form."""

    def param(name: str) -> str | None:
        return request.GET.get(name) or request.POST.get(name)

    level = param("level") or Level.CLASS
    if level not in Level.values:
        raise Http404
    school_class = grade = None
    if level in (Level.CLASS, Level.HOME):
        school_class = get_class_or_404(request, pk_or_404(param("class")))
        grade = school_class.grade
    elif level == Level.GRADE:
        grade = Grade.objects.filter(pk=pk_or_404(param("grade"))).first()
        if grade is None:
            raise Http404
    return level, school_class, grade


def _meeting_people(level: str, school_class, grade, scope):
    staff = Staff.objects.active().order_by("staff_no")
    if level in (Level.CLASS, Level.HOME):
        return staff.filter(
            Q(assignments__school_class=school_class) | Q(homeroom_classes=school_class)
        ).distinct()
    if level == Level.GRADE:
        return staff.filter(
            Q(
                assignments__school_class__grade=grade,
                assignments__school_class__academic_year=scope.year,
            )
            | Q(homeroom_classes__grade=grade, homeroom_classes__academic_year=scope.year)
            | Q(headed_grades=grade)
        ).distinct()
    return staff


def _meeting_students(level: str, school_class, grade, scope, term):
    students = (
        Student.objects.in_school().select_related("school_class__grade").order_by("student_no")
    )
    if level in (Level.CLASS, Level.HOME):
        return students.filter(school_class=school_class)
    if level == Level.GRADE:
        return students.filter(school_class__grade=grade, school_class__academic_year=scope.year)
    # The school meeting discusses special-attention and escalated students.
    return students.filter(
        Q(ledger_profiles__term=term, ledger_profiles__special_attention=True)
        | Q(escalations__term=term, escalations__to_level=Level.SCHOOL)
    ).distinct()


@consult_required
def meeting_new(request: HttpRequest) -> HttpResponse:
    scope = get_scope(request)
    term = _term_or_404(request)
    level, school_class, grade = _meeting_context(request)
    if not can_record_meeting(scope, level, school_class, grade):
        raise PermissionDenied
    people = _meeting_people(level, school_class, grade, scope)
    students = _meeting_students(level, school_class, grade, scope, term)
    initial: dict[str, Any] = {"chair": scope.staff, "date": timezone.localdate()}
    if level in (Level.CLASS, Level.GRADE):
        initial["attendees"] = list(people)
    if level == Level.SCHOOL:
        initial["kind"] = Meeting.Kind.THEMATIC
    form = NewMeetingForm(request.POST or None, level=level, staff=people, initial=initial)
    # The students proposed to this level wait on the agenda: list them first.
    agenda = []
    if level in (Level.GRADE, Level.SCHOOL) and request.method != "POST":
        services.check_escalations(term, timezone.localdate())
        agenda = [
            {"student": student_label(e.student), "analysis": e.reason}
            for e in _proposals(term, level, grade)[:50]
        ]
    formset = DiscussedFormSet(
        request.POST or None, students=students, prefix="students", initial=agenda or None
    )

    def save():
        data = form.cleaned_data
        return services.record_meeting(
            by=scope.staff,
            level=level,
            kind=data["kind"],
            date=data["date"],
            chair=data["chair"],
            topic=data["topic"],
            school_class=school_class,
            grade=grade,
            attendees=data.get("attendees") or [],
            parents=data.get("parents", ""),
            home_form=data.get("home_form", ""),
            monthly_review=data.get("monthly_review", False),
            preparation=data["preparation"],
            analysis=data["analysis"],
            strategies=data["strategies"],
            summary=data["summary"],
            discussed=[
                services.Discussed(
                    student=f.cleaned_data["student"],
                    analysis=f.cleaned_data["analysis"],
                    decision=f.cleaned_data.get("decision") or "",
                    review_date=f.cleaned_data.get("review_date"),
                )
                for f in formset.rows()
            ],
        )

    ctx = {
        "form": form,
        "formset": formset,
        "suggestions": _suggestions(level, school_class, grade, students, term),
        "level": level,
        "level_label": dict(Level.choices)[level],
        "school_class": school_class,
        "grade": grade,
    }
    return _form_page(
        request,
        [form, formset],
        save,
        success=_("Meeting recorded."),
        context=ctx,
        template="consult/meeting_form.html",
    )


def _proposals(term, level: str, grade: Grade | None):
    proposals = Escalation.objects.filter(
        term=term, to_level=level, status=Escalation.Status.PROPOSED
    ).select_related("student")
    if level == Level.GRADE:
        proposals = proposals.filter(student__school_class__grade=grade)
    return proposals.order_by("pk")


SUGGESTIONS = 300


def _suggestions(level: str, school_class, grade, students, term) -> list[Student]:
    """The datalist of the student field (one query): the class at a class or home-school
    meeting; at a grade or school meeting the students on its agenda or handled at its level
    (the field still takes any student of the grade, or of the school meeting's list)."""
    if level in (Level.CLASS, Level.HOME):
        return list(students[:SUGGESTIONS])
    at_level = Escalation.objects.filter(
        term=term,
        to_level=level,
        status__in=[Escalation.Status.PROPOSED, Escalation.Status.TAKEN],
    ).values("student")
    return list(
        students.filter(pk__in=at_level).order_by("school_class__number", "student_no")[
            :SUGGESTIONS
        ]
    )


def _meeting_detail_context(request: HttpRequest, pk: int) -> dict[str, Any]:
    scope = get_scope(request)
    meeting = get_meeting_or_404(request, pk)
    discussed = list(
        meeting.discussed.select_related("student__school_class__grade").order_by(
            "student__student_no"
        )
    )
    visible = set(
        scope.students()
        .filter(pk__in=[d.student_id for d in discussed])
        .values_list("pk", flat=True)
    )
    strategies = list(
        meeting.decided_strategies.select_related("student__school_class", "owner").order_by("pk")
    )
    return {
        "meeting": meeting,
        "attendees": list(meeting.attendees.order_by("staff_no")),
        "discussed": discussed,
        "visible_students": visible,
        "strategies": strategies,
        # Linked where the strategy's page answers (a grade meeting decides strategies for
        # students of classes a subject teacher does not teach).
        "openable_strategies": {
            s.pk for s in strategies if _may_open_strategy(scope, s.student, in_scope=visible)
        },
        "can_edit": can_edit_meeting(scope, meeting),
    }


@consult_required
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    ctx = _meeting_detail_context(request, pk)
    log_read(request, [d.student_id for d in ctx["discussed"]], [Category.CONSULT])
    return render(request, "consult/meeting_detail.html", ctx)


@consult_required
def meeting_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The chair completes the record after the meeting (the students have their own page)."""
    scope = get_scope(request)
    meeting = get_meeting_or_404(request, pk)
    if not can_edit_meeting(scope, meeting):
        raise PermissionDenied
    people = _meeting_people(meeting.level, meeting.school_class, meeting.grade, scope)
    # Keep the recorded chair and attendees choosable even if their posts changed since.
    people = Staff.objects.filter(
        Q(pk__in=people.values("pk"))
        | Q(pk=meeting.chair_id)
        | Q(pk__in=meeting.attendees.values("pk"))
    ).order_by("staff_no")
    form = MeetingForm(request.POST or None, instance=meeting, level=meeting.level, staff=people)

    def save():
        return services.update_meeting(meeting, form.cleaned_data)

    return _form_page(
        request,
        [form],
        save,
        success=_("Meeting record saved."),
        context={"form": form, "meeting": meeting},
        template="consult/meeting_edit.html",
    )


@consult_required
def meeting_students(request: HttpRequest, pk: int) -> HttpResponse:
    """After the meeting its chair (or the principal's office) adds, removes and corrects the
    students discussed; each row keeps its history."""
    scope = get_scope(request)
    meeting = get_meeting_or_404(request, pk)
    if not can_edit_meeting(scope, meeting):
        raise PermissionDenied
    recorded = list(
        meeting.discussed.select_related("student__school_class").order_by("student__student_no")
    )
    students = _meeting_students(
        meeting.level, meeting.school_class, meeting.grade, scope, meeting.term
    )
    formset = DiscussedEditFormSet(
        request.POST or None,
        students=students,
        prefix="students",
        initial=[
            {
                "row": d.pk,
                "student_id": d.student_id,
                "student": student_label(d.student),
                "analysis": d.analysis,
                "decision": d.decision,
            }
            for d in recorded
        ],
    )
    by_pk = {d.pk: d for d in recorded}
    if request.method != "POST":
        log_read(request, [d.student_id for d in recorded], [Category.CONSULT])

    def save():
        changes = []
        for f in formset.rows():
            data = f.cleaned_data
            row = by_pk.get(f.initial.get("row"))
            changes.append(
                services.DiscussedChange(
                    row=row,
                    student=row.student if row else data["student"],
                    analysis=data.get("analysis") or "",
                    decision=data.get("decision") or "",
                    review_date=data.get("review_date"),
                    remove=bool(data.get("remove")),
                )
            )
        services.update_discussed(meeting, changes)
        return reverse("consult:meeting_detail", args=[meeting.pk])

    ctx = {
        "meeting": meeting,
        "formset": formset,
        "suggestions": _suggestions(
            meeting.level, meeting.school_class, meeting.grade, students, meeting.term
        ),
    }
    return _form_page(
        request,
        [formset],
        save,
        success=_("Students discussed saved."),
        context=ctx,
        template="consult/meeting_students.html",
    )


@consult_required
def meeting_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_meeting_or_404(request, pk)
    content = exports.meeting_workbook(meeting)
    log_read(request, meeting.discussed.values_list("student_id", flat=True), [Category.CONSULT])
    return xlsx_response(content, f"meeting-{meeting.date:%Y%m%d}-{meeting.pk}.xlsx")


# Cadence.


@consult_required
def cadence(request: HttpRequest) -> HttpResponse:
    scope = get_scope(request)
    if not sees_grade_pages(scope):
        raise PermissionDenied
    term = _term_or_404(request)
    today = timezone.localdate()
    classes = scope.current_classes().order_by("grade__level", "number")
    grades = Grade.objects.order_by("level")
    if not scope.is_school_wide:
        classes = classes.filter(grade__in=scope.headed_grade_ids)
        grades = grades.filter(pk__in=scope.headed_grade_ids)
    classes, grades = list(classes), list(grades)
    # The classes one grade at a time (a grade head's own grade first): the page does not
    # grow with the school. The grades' own rows are all shown.
    grades.sort(key=lambda grade: (grade.pk not in scope.headed_grade_ids, grade.level))
    shown = grades[0] if grades else None
    if request.GET.get("grade"):
        shown = pick_or_404(grades, request.GET["grade"])
    slots, reviews = school_cadence(term) if scope.is_school_wide else ([], [])
    ctx = {
        "term": term,
        "today": today,
        "weeks": term.teaching_weeks(),
        "shown_grade": shown,
        "class_grades": grades,
        "class_rows": weekly_cadence(
            term, today, Level.CLASS, [c for c in classes if shown and c.grade_id == shown.pk]
        ),
        "grade_rows": weekly_cadence(term, today, Level.GRADE, grades),
        "slots": [(s, s.state(today)) for s in slots],
        "reviews": [(s, s.state(today)) for s in reviews],
    }
    return render(request, "consult/cadence.html", ctx)


# The principal's monthly review and 包靠 leaders.


@school_wide_required
def review(request: HttpRequest) -> HttpResponse:
    """The monthly review goes through the special-attention students class by class (as
    the seeds have it), so a page holds one class whatever the size of the school."""
    scope = get_scope(request)
    term = _term_or_404(request)
    today = timezone.localdate()
    classes = list(
        SchoolClass.objects.filter(academic_year=scope.year)
        .select_related("grade")
        .order_by("grade__level", "number")
    )
    grades = list({c.grade_id: c.grade for c in classes}.values())
    school_class = pick(classes, request.GET.get("class"))
    grade = school_class.grade if school_class else None
    grade = grade or pick(grades, request.GET.get("grade"))
    grade = grade or (grades[0] if grades else None)
    classes = [c for c in classes if grade is not None and c.grade_id == grade.pk]
    in_grade = {"student__status": Student.Status.IN_SCHOOL, "student__school_class__in": classes}
    special = dict(
        LedgerProfile.objects.filter(term=term, special_attention=True, **in_grade)
        .values_list("student__school_class")
        .annotate(n=Count("pk"))
    )
    assigned = dict(
        LeaderAssignment.objects.filter(term=term, active=True, **in_grade)
        .values_list("student__school_class")
        .annotate(n=Count("pk"))
    )
    for c in classes:
        c.n_special, c.n_assigned = special.get(c.pk, 0), assigned.get(c.pk, 0)
    school_class = school_class or next(
        (c for c in classes if c.n_special), classes[0] if classes else None
    )
    profiles = list(
        LedgerProfile.objects.filter(
            term=term,
            special_attention=True,
            student__status=Student.Status.IN_SCHOOL,
            student__school_class=school_class,
        )
        .select_related("student__school_class__grade")
        .order_by("student__student_no")
    )
    _label_categories(scope, profiles)
    log_read(request, [p.student_id for p in profiles], [Category.LEDGER])
    current = dict(
        term.consult_leader_assignments.filter(
            active=True, student__in=[p.student_id for p in profiles]
        ).values_list("student_id", "leader_id")
    )
    leaders = list(
        Staff.objects.active()
        .filter(user__groups__name__in=LEADER_POSTS)
        .distinct()
        .order_by("staff_no")
    )
    initial = [{"student": p.student_id, "leader": current.get(p.student_id)} for p in profiles]
    formset = LeaderFormSet(
        request.POST or None, initial=initial, leaders=leaders, prefix="leaders"
    )
    review_meeting = (
        term.consult_meetings.filter(
            monthly_review=True, date__year=today.year, date__month=today.month
        )
        .order_by("-date")
        .first()
    )
    following = [c for c in classes if c.n_special]
    following = following[following.index(school_class) + 1 :] if school_class in following else []

    def save():
        if len(formset.forms) != len(profiles):
            raise ValidationError(_("The list changed meanwhile: check it and save again."))
        by_student = {p.student_id: p.student for p in profiles}
        for form in formset.forms:
            student = by_student.get(form.cleaned_data["student"])
            if student is None or not form.has_changed():
                continue
            services.assign_leader(
                student, form.cleaned_data["leader"], term, today, review_meeting
            )
        # On to the next class with special-attention students.
        target = following[0] if following else school_class
        return reverse("consult:review") + f"?class={target.pk}"

    shown = formset
    if len(formset.forms) != len(profiles):
        # A tampered or stale form: show the current assignments again (``save`` refuses).
        shown = LeaderFormSet(initial=initial, leaders=leaders, prefix="leaders")
    ctx = {
        "rows": list(zip(profiles, shown.forms, strict=True)),
        "grades": grades,
        "grade": grade,
        "classes": classes,
        "school_class": school_class,
        "next_class": following[0] if following else None,
        "formset": shown,
        "review_meeting": review_meeting,
        "term": term,
    }
    return _form_page(
        request,
        [formset],
        save,
        success=_("Responsible leaders of %(class)s saved.") % {"class": school_class},
        context=ctx,
        template="consult/review.html",
    )


@consult_required
def leader(request: HttpRequest) -> HttpResponse:
    scope = get_scope(request)
    term = _term_or_404(request)
    today = timezone.localdate()
    since = today - dt.timedelta(days=30)
    # A page of students at a time: a leader of many students gets the same page.
    page = Paginator(leader_assignments(scope.staff.pk, term), 25).get_page(page_number(request))
    rows = leader_rows(scope.staff.pk, term, since, page.object_list)
    _label_categories(scope, [r.profile for r in rows if r.profile is not None])
    log_read(request, [r.assignment.student_id for r in rows], [Category.LEDGER, Category.CONSULT])
    return render(request, "consult/leader.html", {"rows": rows, "since": since, "page": page})


# Success cases.


def _case_queryset(scope):
    qs = Case.objects.select_related("student", "school_class__grade", "author", "term").annotate(
        avg_score=Avg("scores__score"), n_scores=Count("scores", distinct=True)
    )
    if scope.is_school_wide:
        return qs
    judging = CaseJudge.objects.filter(staff=scope.staff).values("term")
    return qs.filter(
        Q(school_class__in=scope.current_classes().values("pk"))
        | Q(term__in=judging, nominated=True)
    )


@consult_required
def case_list(request: HttpRequest) -> HttpResponse:
    scope = get_scope(request)
    term = _term_or_404(request)
    cases = list(
        _case_queryset(scope)
        .filter(term=term)
        .order_by("school_class__grade__level", "school_class__number", "pk")
    )
    log_read(request, [c.student_id for c in cases], [Category.CASE])
    ctx = {
        "cases": cases,
        "term": term,
        "can_export": _may_export(scope, CASES_EXPORT),
        "is_judge": CaseJudge.objects.filter(term=term, staff=scope.staff).exists(),
    }
    return render(request, "consult/case_list.html", ctx)


@consult_required
def cases_xlsx(request: HttpRequest) -> HttpResponse:
    scope = get_scope(request)
    if not _may_export(scope, CASES_EXPORT):
        raise PermissionDenied
    term = _term_or_404(request)
    cases = list(
        _case_queryset(scope)
        .filter(term=term)
        .order_by("school_class__grade__level", "school_class__number")
    )
    content = exports.cases_workbook(cases)
    log_read(request, [c.student_id for c in cases], [Category.CASE])
    return xlsx_response(content, "cases.xlsx")


def _prefill(student: Student, term) -> dict[str, str]:
    """The case's parts from the student's timeline, for the teacher to edit.

    A case is read by everyone who reads the class's consultation records and by the term's
    judges, so it starts from what may flow into it (``privacy.may_copy``): the consultation
    records, never the ledger, a psychological note or the individual education plan,
    whoever writes it.
    """
    into = privacy.Category.CASE
    profile = LedgerProfile.objects.filter(student=student, term=term).first()
    situation = []
    if profile and privacy.may_copy(privacy.Category.LEDGER, into):
        situation += [
            f"{label}：{value}"
            for label, value in (
                (_("Strengths"), profile.strengths),
                (_("Weaknesses"), profile.weaknesses),
                (_("Personality"), profile.personality),
                (_("Family situation"), profile.family_situation),
            )
            if value
        ]
    discussions = student.consult_discussions.select_related("meeting").order_by("meeting__date")
    if privacy.may_copy(privacy.Category.CONSULT, into):
        situation += [f"{d.meeting.date:%m-%d} {d.analysis}" for d in discussions]
    strategies = list(student.strategies.filter(term=term).order_by("start_date"))
    follow_ups = (
        FollowUp.objects.filter(strategy__student=student, strategy__term=term)
        .select_related("strategy")
        .order_by("date")
    )
    observations = student.observations.order_by("date")
    if not privacy.may_copy(PSYCHOLOGICAL, into):
        observations = observations.filter(psychological=False)
    last_results = [f for f in follow_ups if f.result == "improved"]
    return {
        "title": _("%(name)s: a success case") % {"name": student.name},
        "situation": "\n".join(situation),
        "strategy": "\n".join(f"{s.start_date:%m-%d} {s.action}" for s in strategies),
        "process": "\n".join(
            f"{f.date:%m-%d} {f.done}（{f.get_result_display()}）" for f in follow_ups
        ),
        "records": "\n".join(
            f"{o.date:%m-%d} {o.get_method_display()}：{o.content}" for o in observations
        ),
        "result": "\n".join(
            [f"{f.date:%m-%d} {f.done}" for f in last_results[-3:]]
            + [s.closing_note for s in strategies if s.closing_note]
        ),
    }


@consult_required
def case_new(request: HttpRequest, pk: int) -> HttpResponse:
    scope = get_scope(request)
    student = get_student_or_404(request, pk)
    if not _may_work_on(scope, student):
        raise PermissionDenied
    term = _term_or_404(request)
    form = NewCaseForm(request.POST or None, initial=_prefill(student, term))
    if request.method != "POST":
        # The form comes filled from the ledger, the observations and the strategies.
        log_read(request, [student], [Category.LEDGER, Category.CONSULT])

    def save():
        case = form.save(commit=False)
        case.student, case.term = student, term
        case.school_class = student.school_class
        case.author, case.created_on = scope.staff, timezone.localdate()
        return services.save_case(case)

    return _form_page(
        request,
        [form],
        save,
        success=_("Success case saved."),
        context={"student": student, "form": form, "title": _("Write a success case")},
    )


def _get_case(request: HttpRequest, pk: int) -> Case:
    try:
        return _case_queryset(get_scope(request)).get(pk=pk)
    except (Case.DoesNotExist, ValueError):
        raise Http404 from None


@consult_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scope = get_scope(request)
    case = _get_case(request, pk)
    is_judge = CaseJudge.objects.filter(term=case.term, staff=scope.staff).exists()
    log_read(request, [case.student_id], [Category.CASE])
    # A judge on the case's own side (its author, its class's team) is offered no score.
    own_case = is_judge and services.is_own_case(case, scope.staff)
    score_form = None
    if is_judge and case.nominated and not own_case:
        mine = CaseScore.objects.filter(case=case, judge=scope.staff).first()
        score_form = CaseScoreForm(
            request.POST or None,
            initial={"score": mine.score, "comment": mine.comment} if mine else None,
        )
    elif request.method == "POST":
        raise PermissionDenied

    def save():
        data = score_form.cleaned_data
        services.score_case(case, scope.staff, data["score"], data["comment"])
        return case

    ctx = {
        "case": case,
        "score_form": score_form,
        "scores": list(case.scores.select_related("judge")) if scope.is_school_wide else [],
        "own_case": own_case and case.nominated,
        "can_edit": scope.staff is not None and case.author_id == scope.staff.pk,
    }
    return _form_page(
        request,
        [score_form] if score_form else [],
        save,
        success=_("Score saved."),
        context=ctx,
        template="consult/case_detail.html",
    )


@consult_required
def case_edit(request: HttpRequest, pk: int) -> HttpResponse:
    scope = get_scope(request)
    case = _get_case(request, pk)
    if not (scope.staff is not None and case.author_id == scope.staff.pk):
        raise PermissionDenied
    form = CaseForm(request.POST or None, instance=case)
    return _form_page(
        request,
        [form],
        lambda: services.save_case(form.save(commit=False)),
        success=_("Success case saved."),
        context={"student": case.student, "form": form, "title": _("Edit the success case")},
    )


# Scoring.


def _score_classes(scope):
    if not sees_grade_pages(scope):
        raise PermissionDenied
    classes = scope.current_classes().order_by("grade__level", "number")
    if not scope.is_school_wide:
        classes = classes.filter(grade__in=scope.headed_grade_ids)
    return list(classes)


@consult_required
def scores(request: HttpRequest) -> HttpResponse:
    scope = get_scope(request)
    classes = _score_classes(scope)
    term = _term_or_404(request)
    months = term.months()
    month = None
    chosen = request.GET.get("month", "")
    for m in months:
        if chosen == f"{m:%Y-%m}":
            month = m
    # Classes are ranked within their grade: one grade a page (the export has them all).
    grades = list({c.grade_id: c.grade for c in classes}.values())
    chosen = request.GET.get("grade")
    grade = pick_or_404(grades, chosen) if chosen else (grades[0] if grades else None)
    classes = [c for c in classes if grade is not None and c.grade_id == grade.pk]
    settings = ConsultSettings.get()
    rows = class_scores(term, classes, timezone.localdate(), month, settings)
    ctx = {
        "rows": rows,
        "term": term,
        "months": months,
        "month": month,
        "grades": grades,
        "grade": grade,
        "settings": settings,
    }
    return render(request, "consult/scores.html", ctx)


@consult_required
def scores_xlsx(request: HttpRequest) -> HttpResponse:
    scope = get_scope(request)
    classes = _score_classes(scope)
    term = _term_or_404(request)
    return xlsx_response(
        exports.scores_workbook(term, classes, timezone.localdate()), "consult-scores.xlsx"
    )
