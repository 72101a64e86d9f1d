"""The term-end evaluation's pages (优秀班级 / 优秀级部 / 优秀教师 / 优秀小组 / 优秀家庭·家长).

Every page reads the term's evaluation as the academic office last built it
(``schoolops.evaluation.latest``: one query), whatever the school's size. Who sees what:

- the principal's office: every class, grade and teacher, and every teacher's card;
- a grade head: the classes of their grades; a homeroom teacher: their classes;
- every teacher: their own card;
- the academic office (教导处) builds the evaluation, nominates, selects and publishes; a
  homeroom teacher nominates a family or a parent of a student of their class;
- every member of staff reads the published awards (the printable certificates list).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from schoolops import awards, evaluation
from schoolops.evaluation_forms import (
    FamilyNominationForm,
    NominationForm,
    PublishForm,
    StatusForm,
)
from schoolops.models import AwardCategory, AwardNomination, EvaluationSnapshot, Post, Staff
from schoolops.pages import form_page, term_required
from schoolops.pages.grades import grade_tabs, page_grades
from schoolops.privacy import Category, log_read
from schoolops.registry import Todo, registry
from schoolops.scopes import Scope, class_required, get_scope, login_of, scope_required
from schoolops.sheets.http import sheet_response


def may_evaluate(scope: Scope) -> bool:
    """Any member of staff (office staff included: their own card is empty)."""
    return scope.staff is not None or scope.user.is_superuser


def keeps_awards(scope: Scope) -> bool:
    """The academic office (教导处) builds the evaluation and decides the awards."""
    return scope.user.is_superuser or Post.ACADEMIC_OFFICE in scope.posts


def may_see_all(scope: Scope) -> bool:
    """The principal's office sees every class, grade and teacher."""
    return scope.is_school_wide


# The academic office's to-do in the term's last weeks (home page, through the registry).
TODO_WEEKS = 4


def todos(request: HttpRequest) -> list[Todo]:
    """For the academic office, in the last weeks of the term while the term's evaluation is
    not built yet: build it and decide the awards (one query, for them only)."""
    scope = get_scope(request)
    term = scope.term
    if term is None or Post.ACADEMIC_OFFICE not in scope.posts:
        return []
    today = timezone.localdate()
    if not (term.end_date - dt.timedelta(weeks=TODO_WEEKS) <= today <= term.end_date):
        return []
    if EvaluationSnapshot.objects.filter(term=term).exists():
        return []
    return [
        Todo(
            text=_("Build the term evaluation and decide the term's awards"),
            url=reverse("schoolops:evaluation"),
            level="warning",
            due=term.end_date,
            app="schoolops",
        )
    ]


class BuildForm(forms.Form):
    """Build the term's evaluation again (no field)."""


def _snapshot_context(term: Any) -> dict[str, Any]:
    snapshot = evaluation.latest(term)
    if snapshot is None:
        return {"snapshot": None, "evaluation": None}
    return {
        "snapshot": snapshot,
        "evaluation": evaluation.read(snapshot),
        "stale": evaluation.weights_changed(snapshot),
    }


@scope_required(may_evaluate)
@term_required
def evaluation_page(request: HttpRequest, term: Any) -> HttpResponse:
    """The term's evaluation: ranked classes (one grade a page), grades and teachers for the
    principal's office; a grade head's grades; a homeroom teacher's classes; my own card."""
    scope = get_scope(request)
    context: dict[str, Any] = {"term": term, "scope": scope, **_snapshot_context(term)}
    result = context["evaluation"]
    tabs = grade_tabs(request, page_grades(scope))
    context["tabs"] = tabs
    if result is not None:
        classes = result.classes.lines
        if tabs.current is not None:
            context["class_lines"] = [
                line for line in classes if line.group and line.group.pk == tabs.current.pk
            ]
        context["my_classes"] = [line for line in classes if line.pk in scope.homeroom_class_ids]
        if may_see_all(scope):
            context["grade_lines"] = result.grades.lines
            context["teacher_lines"] = result.teachers.lines
        if scope.staff is not None:
            context["card"] = result.teachers.line(scope.staff.pk)
    context["may_build"] = keeps_awards(scope)
    posted = request.POST if request.method == "POST" else None
    form = BuildForm(posted) if keeps_awards(scope) else None
    return form_page(
        request,
        form,
        "schoolops/evaluation/index.html",
        context,
        on_valid=lambda: evaluation.build_and_keep(term, login_of(request)) and None,
        success_message=_("The term evaluation is built with today's figures and weights."),
    )


@scope_required(may_see_all)
@term_required
def teacher_card(request: HttpRequest, pk: int, term: Any) -> HttpResponse:
    """One teacher's card, for the principal's office."""
    staff = Staff.objects.filter(pk=pk).first()
    if staff is None:
        raise Http404
    context = {"term": term, "staff": staff, **_snapshot_context(term)}
    result = context["evaluation"]
    context["card"] = result.teachers.line(staff.pk) if result is not None else None
    return render(request, "schoolops/evaluation/teacher.html", context)


def _may_nominate_families(scope: Scope, school_class: Any) -> bool:
    return school_class.pk in scope.homeroom_class_ids


@class_required(rule=may_evaluate, edit=True)
@term_required
def class_evaluation(request: HttpRequest, school_class: Any, term: Any) -> HttpResponse:
    """A class's evaluation (its homeroom teacher, its grade head, the principal's office)
    and its families' and parents' nominations, which its homeroom teacher makes."""
    scope = get_scope(request)
    context: dict[str, Any] = {
        "term": term,
        "school_class": school_class,
        **_snapshot_context(term),
    }
    result = context["evaluation"]
    context["line"] = result.classes.line(school_class.pk) if result is not None else None
    if context["line"] is not None:
        grade_id = school_class.grade_id
        context["grade_size"] = sum(
            1 for line in result.classes.lines if line.group and line.group.pk == grade_id
        )
    nominated = list(awards.family_nominations_of(term, [school_class.pk]))
    log_read(request, [n.student_id for n in nominated if n.student_id], [Category.LEDGER])
    context["nominations"] = nominated
    context["published"] = awards.published_categories(term)
    form = None
    if _may_nominate_families(scope, school_class):
        students = list(school_class.students.in_school().order_by("student_no"))
        form = FamilyNominationForm(request.POST or None, students=students)
    context["form"] = form

    def save() -> str:
        assert form is not None
        student = awards.class_student(school_class, form.cleaned_data["student"])
        if student is None:
            raise ValidationError(_("Choose a student of the class."))
        awards.nominate(
            term,
            form.cleaned_data["category"],
            student,
            form.cleaned_data["reason"],
            user=login_of(request),
        )
        return request.path

    return form_page(
        request,
        form,
        "schoolops/evaluation/class.html",
        context,
        on_valid=save,
        success_message=_("Nomination saved."),
    )


def _nominees(term: Any, result: Any) -> list[tuple[Any, list[tuple[str, str]]]]:
    """The choices of the nomination form: the ranked lists and the groups' candidates."""
    choices: list[tuple[Any, list[tuple[str, str]]]] = []
    if result is not None:
        choices.append(
            (
                AwardCategory.CLASS.label,
                [
                    (
                        f"class:{line.pk}",
                        _("%(name)s · %(total)s · rank %(rank)s in the grade")
                        % {"name": line.name, "total": line.total, "rank": line.rank},
                    )
                    for line in result.classes.lines
                ],
            )
        )
        choices.append(
            (
                AwardCategory.GRADE.label,
                [
                    (f"grade:{line.pk}", f"{line.name} · {line.total}")
                    for line in result.grades.lines
                ],
            )
        )
        choices.append(
            (
                AwardCategory.TEACHER.label,
                [
                    (f"teacher:{line.pk}", f"{line.name} · {line.total}")
                    for line in result.teachers.lines
                ],
            )
        )
    candidates = registry.candidates_for(term, AwardCategory.GROUP)
    choices.append(
        (
            AwardCategory.GROUP.label,
            [(f"group:{c.ref}", f"{c.name} · {c.note}") for c in candidates],
        )
    )
    return choices


def _target(term: Any, category: str, value: str) -> Any:
    if category == AwardCategory.GROUP:
        return awards.group_candidate(term, value)
    if category not in awards.OFFICE_AWARDS or not value.isdigit():
        return None
    return awards.office_targets(term, category, int(value))


@scope_required(may_see_all)
@term_required
def awards_page(request: HttpRequest, term: Any) -> HttpResponse:
    """The term's nominations by award: the academic office nominates, selects, withdraws
    and publishes; the principal and vice principal read them."""
    scope = get_scope(request)
    context: dict[str, Any] = {"term": term, **_snapshot_context(term)}
    nominations = list(awards.nominations(term))
    published = awards.published_categories(term)
    log_read(request, [n.student_id for n in nominations if n.student_id], [Category.LEDGER])
    context["sections"] = [
        {
            "category": value,
            "label": label,
            "published": value in published,
            "nominations": [n for n in nominations if n.category == value],
        }
        for value, label in AwardCategory.choices
    ]
    editable = keeps_awards(scope)
    context["editable"] = editable
    action = request.POST.get("action") if request.method == "POST" else None
    form: Any = None
    if editable:
        nominees = _nominees(term, context["evaluation"])
        context["nominees"] = nominees
        nominate_form = NominationForm(
            request.POST if action == "nominate" else None, nominees=nominees
        )
        context["form"] = nominate_form
        if request.method != "POST" or action == "nominate":
            form = nominate_form
        elif action == "status":
            form = StatusForm(request.POST)
        elif action == "publish":
            form = PublishForm(request.POST)
    user = login_of(request)

    def save() -> None:
        data = form.cleaned_data
        if action == "nominate":
            category, value = data["nominee"]
            target = _target(term, category, value)
            if target is None:
                raise ValidationError(_("Choose a nominee from the list."))
            awards.nominate(term, category, target, data["reason"], user=user)
        elif action == "status":
            nomination = AwardNomination.objects.filter(term=term, pk=data["nomination"]).first()
            if nomination is None:
                raise Http404
            awards.set_status(nomination, data["status"])
        else:
            awards.publish(term, data["category"], user=user)

    if request.method == "POST" and editable and form is None:
        raise PermissionDenied
    return form_page(
        request,
        form,
        "schoolops/evaluation/awards.html",
        context,
        on_valid=save,
        success_message=_("Saved."),
    )


@scope_required(may_evaluate)
@term_required
def honours(request: HttpRequest, term: Any) -> HttpResponse:
    """The term's published awards: the printable certificates list (证书名单). The reasons of
    the family and parent awards stay on the class's page."""
    chosen = awards.published(term)
    sections = [
        {
            "category": value,
            "label": label,
            "rows": chosen.get(value, []),
            "private": value in awards.FAMILY_AWARDS,
        }
        for value, label in AwardCategory.choices
        if value in chosen
    ]
    return render(
        request,
        "schoolops/evaluation/honours.html",
        {"term": term, "sections": sections},
    )


@scope_required(may_see_all)
def evaluation_xlsx(request: HttpRequest) -> HttpResponse:
    return sheet_response(request, "term_evaluation")
