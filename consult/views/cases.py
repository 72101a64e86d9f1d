"""Success cases (成功案例): the term's list and export, writing one from the student's
records, judging, and editing one's own."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Avg, Count, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _

from schoolops import privacy
from schoolops.models import Student, Term
from schoolops.pages import form_page, term_required
from schoolops.privacy import Category, log_read
from schoolops.scopes import Scope, get_scope, get_student_or_404, scope_required
from schoolops.sheets.http import sheet_response

from .. import services
from ..access import may_consult, may_export_cases, may_work_on, visible_cases
from ..forms import CaseForm, CaseScoreForm, NewCaseForm
from ..models import Case, CaseJudge, CaseScore, FollowUp, LedgerProfile


def _cases(scope: Scope) -> QuerySet[Case]:
    """The cases a person sees (their classes', and a term's nominated ones for its judges),
    with their average score."""
    return (
        visible_cases(scope)
        .select_related("student", "school_class__grade", "author", "term")
        .annotate(avg_score=Avg("scores__score"), n_scores=Count("scores", distinct=True))
    )


@scope_required(may_consult)
@term_required
def case_list(request: HttpRequest, term: Term) -> HttpResponse:
    scope = get_scope(request)
    cases = list(
        _cases(scope)
        .filter(term=term)
        .order_by("school_class__grade__level", "school_class__number", "pk")
    )
    log_read(request, [c.student_id for c in cases], [Category.CASE])
    ctx = {
        "cases": cases,
        "term": term,
        "can_export": may_export_cases(scope),
        "is_judge": CaseJudge.objects.filter(term=term, staff=scope.staff).exists(),
    }
    return render(request, "consult/case_list.html", ctx)


@scope_required(may_export_cases)
@term_required
def cases_xlsx(request: HttpRequest, term: Term) -> HttpResponse:
    return sheet_response(request, "consult_cases", term=term)


def _prefill(student: Student, term: Term) -> dict[str, str]:
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
    if not privacy.may_copy(privacy.Category.PSYCHOLOGICAL, into):
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


@scope_required(may_consult)
@term_required
def case_new(request: HttpRequest, pk: int, term: Term) -> HttpResponse:
    scope = get_scope(request)
    student = get_student_or_404(request, pk)
    if not may_work_on(scope, student):
        raise PermissionDenied
    form = NewCaseForm(request.POST or None, initial=_prefill(student, term))
    if request.method != "POST":
        # The form comes filled from the ledger, the observations and the strategies.
        log_read(request, [student], [Category.LEDGER, Category.CONSULT])

    def save() -> Case:
        case = form.save(commit=False)
        case.student, case.term = student, term
        case.school_class = student.school_class
        case.author, case.created_on = scope.staff, timezone.localdate()
        return services.save_case(case)

    return form_page(
        request,
        form,
        "consult/form.html",
        {"student": student, "form": form, "title": _("Write a success case")},
        on_valid=save,
        success_message=_("Success case saved."),
    )


@scope_required(may_consult)
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scope = get_scope(request)
    case = get_object_or_404(_cases(scope), pk=pk)
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

    def save() -> Case:
        data = score_form.cleaned_data
        services.score_case(case, scope.staff, data["score"], data["comment"])
        return case

    ctx: dict[str, Any] = {
        "case": case,
        "score_form": score_form,
        "scores": list(case.scores.select_related("judge")) if scope.is_school_wide else [],
        "own_case": own_case and case.nominated,
        "can_edit": scope.staff is not None and case.author_id == scope.staff.pk,
    }
    # Nobody but a judge who may score the case posts to its page (a 403).
    return form_page(
        request,
        score_form,
        "consult/case_detail.html",
        ctx,
        on_valid=save,
        success_message=_("Score saved."),
    )


@scope_required(may_consult)
def case_edit(request: HttpRequest, pk: int) -> HttpResponse:
    scope = get_scope(request)
    case = get_object_or_404(_cases(scope), pk=pk)
    if not (scope.staff is not None and case.author_id == scope.staff.pk):
        raise PermissionDenied
    form = CaseForm(request.POST or None, instance=case)
    return form_page(
        request,
        form,
        "consult/form.html",
        {"student": case.student, "form": form, "title": _("Edit the success case")},
        on_valid=lambda: services.save_case(form.save(commit=False)),
        success_message=_("Success case saved."),
    )
