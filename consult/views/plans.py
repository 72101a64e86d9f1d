"""The term's consultation plans (学期学情会商工作计划: the school's by 教导处, a grade's by its
grade head) and the end-of-term summaries (期末总结, 经验材料) of each class, grade and the
school: prefilled from the term's figures, archived by term, printable."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from schoolops.models import Grade, SchoolClass, Term
from schoolops.pages import form_page, grade_tabs, page_grades, term_required
from schoolops.params import to_pk
from schoolops.scopes import Scope, class_required, get_scope, scope_required

from .. import services
from ..access import (
    may_consult,
    may_open_grade_pages,
    may_write_grade_plan,
    may_write_school_plan,
)
from ..forms import PlanForm, SummaryForm
from ..models import Level, Meeting, TermPlan, TermSummary
from ..selectors import sum_figures, term_figures


@scope_required(may_open_grade_pages)
@term_required
def plans(request: HttpRequest, term: Term) -> HttpResponse:
    """The school's plan and one grade's at a time (a grade head's own grade first)."""
    scope = get_scope(request)
    tabs = grade_tabs(request, page_grades(scope))
    grade = tabs.current
    found = {
        p.grade_id: p
        for p in TermPlan.objects.filter(term=term)
        .filter(Q(grade__isnull=True) | Q(grade=grade))
        .select_related("updated_by")
    }
    ctx = {
        "term": term,
        "tabs": tabs,
        "grade": grade,
        "school_plan": found.get(None),
        "grade_plan": found.get(grade.pk) if grade else None,
        "can_school": may_write_school_plan(scope),
        "can_grade": grade is not None and may_write_grade_plan(scope, grade),
    }
    return render(request, "consult/plans.html", ctx)


def _plan_page(request: HttpRequest, term: Term, grade: Grade | None) -> HttpResponse:
    scope = get_scope(request)
    plan = TermPlan.objects.filter(term=term, grade=grade).first()
    initial = {"goals": plan.goals, "schedule": plan.schedule, "focus": plan.focus} if plan else {}
    form = PlanForm(request.POST or None, initial=initial)
    where = grade or _("Whole school")
    return form_page(
        request,
        form,
        "consult/form.html",
        {"form": form, "title": _("Term plan: %(where)s") % {"where": where}},
        on_valid=lambda: (
            services.save_plan(term, grade, form.cleaned_data, scope.staff)
            and reverse("consult:plans") + (f"?grade={grade.pk}" if grade else "")
        ),
        success_message=_("Plan saved."),
    )


@scope_required(may_write_school_plan)
@term_required
def plan_school(request: HttpRequest, term: Term) -> HttpResponse:
    return _plan_page(request, term, None)


def _grade_or_404(scope: Scope, grade_pk: Any) -> Grade:
    grade = next((g for g in page_grades(scope) if g.pk == to_pk(grade_pk)), None)
    if grade is None:
        raise Http404
    return grade


@scope_required(may_open_grade_pages)
@term_required
def plan_grade(request: HttpRequest, grade_pk: int, term: Term) -> HttpResponse:
    scope = get_scope(request)
    grade = _grade_or_404(scope, grade_pk)
    if not may_write_grade_plan(scope, grade):
        raise PermissionDenied
    return _plan_page(request, term, grade)


# Summaries.


def _own_meetings(term: Term, level: str, grade: Grade | None = None) -> int:
    meetings = Meeting.objects.for_term(term).counting().filter(level=level)
    return meetings.filter(grade=grade).count() if grade else meetings.count()


def _summary_page(
    request: HttpRequest,
    term: Term,
    level: str,
    classes: list[SchoolClass],
    *,
    school_class: SchoolClass | None = None,
    grade: Grade | None = None,
) -> HttpResponse:
    scope = get_scope(request)
    rows = term_figures(term, classes)
    figures = rows[school_class.pk] if school_class else sum_figures(list(rows.values()))
    if level == Level.GRADE:
        figures["own"] = _own_meetings(term, Level.GRADE, grade)
    elif level == Level.SCHOOL:
        figures["own"] = _own_meetings(term, Level.SCHOOL)
    where: dict[str, Any] = {"school_class": school_class} if level == Level.CLASS else {}
    if level == Level.GRADE:
        where = {"grade": grade}
    filed = TermSummary.objects.filter(term=term, level=level, **where).first()
    form = SummaryForm(
        request.POST or None,
        initial={"text": filed.text if filed else services.summary_draft(figures, level)},
    )
    place = school_class or grade or _("Whole school")
    return form_page(
        request,
        form,
        "consult/summary_form.html",
        {
            "form": form,
            "title": _("End-of-term summary: %(where)s") % {"where": place},
            "figures": figures,
            "level": level,
            "term": term,
            "filed": filed,
        },
        on_valid=lambda: reverse(
            "consult:summary_detail",
            args=[
                services.save_summary(
                    term,
                    level,
                    form.cleaned_data["text"],
                    figures,
                    scope.staff,
                    school_class=school_class,
                    grade=grade,
                ).pk
            ],
        ),
        success_message=_("Summary filed."),
    )


@scope_required(may_consult)
@class_required(edit=True)
@term_required
def summary_class(request: HttpRequest, school_class: SchoolClass, term: Term) -> HttpResponse:
    return _summary_page(request, term, Level.CLASS, [school_class], school_class=school_class)


@scope_required(may_open_grade_pages)
@term_required
def summary_grade(request: HttpRequest, grade_pk: int, term: Term) -> HttpResponse:
    scope = get_scope(request)
    grade = _grade_or_404(scope, grade_pk)
    if not may_write_grade_plan(scope, grade):
        raise PermissionDenied
    classes = list(scope.current_classes().filter(grade=grade))
    return _summary_page(request, term, Level.GRADE, classes, grade=grade)


@scope_required(may_write_school_plan)
@term_required
def summary_school(request: HttpRequest, term: Term) -> HttpResponse:
    classes = list(get_scope(request).current_classes())
    return _summary_page(request, term, Level.SCHOOL, classes)


def visible_summaries(scope: Scope):
    """The school's summaries; a grade's to its grade head; a class's to whoever sees the
    class; everything to the principal's office."""
    qs = TermSummary.objects.select_related(
        "term__academic_year", "school_class__grade", "grade", "updated_by"
    )
    if scope.is_school_wide:
        return qs
    return qs.filter(
        Q(level=Level.SCHOOL)
        | Q(level=Level.GRADE, grade__in=scope.headed_grade_ids)
        | Q(level=Level.CLASS, school_class__in=scope.classes().values("pk"))
    )


@scope_required(may_consult)
def summaries(request: HttpRequest) -> HttpResponse:
    """The archive, term by term: the summaries a person reads, and those they file."""
    scope = get_scope(request)
    terms = list(Term.objects.select_related("academic_year").order_by("-start_date"))
    chosen = to_pk(request.GET.get("term"))
    term = (
        next((t for t in terms if t.pk == chosen), None)
        or scope.term
        or (terms[0] if terms else None)
    )
    found = list(
        visible_summaries(scope)
        .filter(term=term)
        .order_by("level", "grade__level", "school_class__grade__level", "school_class__number")
    )
    current = term is not None and scope.term is not None and term.pk == scope.term.pk
    ctx = {
        "terms": terms,
        "term": term,
        "summaries": found,
        "current": current,
        # What this person files this term: their classes', grades' and the school's.
        "my_classes": list(
            SchoolClass.objects.filter(pk__in=scope.homeroom_class_ids)
            .select_related("grade")
            .order_by("grade__level", "number")
        )
        if current
        else [],
        "my_grades": list(scope.headed_grades) if current else [],
        "can_school": current and may_write_school_plan(scope),
    }
    return render(request, "consult/summaries.html", ctx)


@scope_required(may_consult)
def summary_detail(request: HttpRequest, pk: int) -> HttpResponse:
    summary = visible_summaries(get_scope(request)).filter(pk=pk).first()
    if summary is None:
        raise Http404
    return render(request, "consult/summary_detail.html", {"summary": summary})
