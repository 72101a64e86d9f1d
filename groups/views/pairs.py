"""A class's study pairs (学习对子): the list, forming them in a subject from the suggestions,
one pair with its points, changing or ending a pair; and the students' tags (teachers only),
set by the class's homeroom teacher."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from schoolops.models import SchoolClass, Term
from schoolops.pages import form_page, term_required
from schoolops.privacy import Category, log_read
from schoolops.scopes import get_scope, staff_required

from .. import materials, pairs
from ..access import can_edit, can_score, class_view, get_pair_or_404, is_homeroom_teacher
from ..models import PairScore
from ..pair_forms import PairEditForm, PairPointsForm, PairsForm, SubjectForm, TagsForm
from .nav import class_nav


@class_view
@term_required
def class_pairs(request: HttpRequest, school_class: SchoolClass, term: Term) -> HttpResponse:
    """The class's running pairs by subject, with their points."""
    scope = get_scope(request)
    return render(
        request,
        "groups/pairs/class_pairs.html",
        {
            "school_class": school_class,
            "term": term,
            "class_nav": class_nav(scope, school_class),
            "pairs": pairs.class_pairs(school_class, term),
            "can_edit": can_edit(scope, school_class),
            "can_score": can_score(scope, school_class),
        },
    )


@class_view(rule=can_edit)
@term_required
def pairs_form(request: HttpRequest, school_class: SchoolClass, term: Term) -> HttpResponse:
    """Form the pairs of a subject: the suggestions from the latest exam (the stronger half
    with the weaker half), every choice open to change; the subject's running pairs end."""
    scope = get_scope(request)
    subjects = materials.class_subjects(school_class)
    # The subject chosen above the form (GET), sent again with the pairs (POST).
    # The first subject taught in the class until another is chosen.
    chosen = request.GET.get("subject") or request.POST.get("subject")
    if not chosen:
        first = subjects.first()
        chosen = first.pk if first is not None else None
    chooser = SubjectForm({"subject": chosen} if chosen else None, subjects=subjects)
    subject = chooser.cleaned_data["subject"] if chooser.is_valid() else None
    form = None
    suggestions: list[pairs.Suggestion] = []
    missing = []
    exam = None
    if subject is not None:
        suggestions, missing, exam = pairs.suggest(school_class, subject)
        form = PairsForm(
            request.POST or None,
            students=list(pairs.class_students(school_class)),
            suggestions=suggestions,
        )
    formed: list = []

    def save() -> str:
        formed.extend(pairs.form_pairs(school_class, term, subject, form.chosen(), by=scope.staff))
        return reverse("groups:pairs", args=[school_class.pk])

    return form_page(
        request,
        form,
        "groups/pairs/pairs_form.html",
        {
            "school_class": school_class,
            "term": term,
            "class_nav": class_nav(scope, school_class),
            "chooser": chooser,
            "subject": subject,
            "form": form,
            "missing": missing,
            "exam": exam,
            "has_suggestions": bool(suggestions),
        },
        on_valid=save,
        success_message=lambda: (
            _("%(count)s pairs formed in %(subject)s.")
            % {"count": len(formed), "subject": subject.name}
        ),
    )


@staff_required
def pair_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One pair, its points (newest first) and, for the class's teachers, a form to give some."""
    pair = get_pair_or_404(request, pk)
    scope = get_scope(request)
    school_class = pair.school_class
    scoring = can_score(scope, school_class) and pair.ended_at is None
    form = PairPointsForm(request.POST or None) if scoring else None
    entries = list(
        PairScore.objects.filter(pair=pair).select_related("teacher").order_by("-created_at")[:50]
    )
    return form_page(
        request,
        form,
        "groups/pairs/pair_detail.html",
        {
            "pair": pair,
            "school_class": school_class,
            "form": form,
            "entries": entries,
            "total": sum(e.points for e in entries),
            "can_edit": can_edit(scope, school_class) and pair.ended_at is None,
        },
        on_valid=lambda: (
            pairs.add_points(
                pair, form.cleaned_data["points"], form.cleaned_data["reason"], scope.staff
            )
            and reverse("groups:pair_detail", args=[pair.pk])
        ),
        success_message=_("Points given."),
    )


@staff_required
def pair_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a pair's members (it ends and a new pair begins) or end it."""
    pair = get_pair_or_404(request, pk, edit=True)
    scope = get_scope(request)
    form = (
        PairEditForm(
            request.POST or None,
            students=list(pairs.class_students(pair.school_class)),
            pair=pair,
        )
        if pair.ended_at is None
        else None
    )
    ended = []

    def save() -> str:
        data = form.cleaned_data
        if data["end"]:
            pairs.end_pair(pair)
            ended.append(pair)
            return reverse("groups:pairs", args=[pair.school_class_id])
        new = pairs.change_pair(pair, data["stronger"], data["weaker"], data["third"], scope.staff)
        return reverse("groups:pair_detail", args=[new.pk])

    return form_page(
        request,
        form,
        "groups/pairs/pair_edit.html",
        {"pair": pair, "school_class": pair.school_class, "form": form},
        on_valid=save,
        success_message=lambda: _("The pair has ended.") if ended else _("The pair is changed."),
    )


@class_view(rule=is_homeroom_teacher)
def class_tags(request: HttpRequest, school_class: SchoolClass) -> HttpResponse:
    """The homeroom teacher ticks the tags of the class's students (兴趣特长, 性格, 能力倾向 from
    教导处's list): for the teachers' forming only, never printed."""
    scope = get_scope(request)
    students = list(pairs.class_students(school_class))
    tags = pairs.active_tags()
    form = TagsForm(
        request.POST or None,
        students=students,
        tags=tags,
        current=pairs.class_tags(school_class),
    )
    log_read(request, students, [Category.LEDGER])
    changed: list[tuple[int, int]] = []

    def save() -> str:
        changed.append(pairs.set_tags(school_class, form.chosen(), scope.staff))
        return reverse("groups:tags", args=[school_class.pk])

    return form_page(
        request,
        form,
        "groups/pairs/tags.html",
        {
            "school_class": school_class,
            "class_nav": class_nav(scope, school_class),
            "form": form,
            "tags": tags,
        },
        on_valid=save,
        success_message=lambda: (
            _("Tags saved: %(added)s added, %(removed)s removed.")
            % {"added": changed[0][0], "removed": changed[0][1]}
        ),
    )
