"""Pages of the mentor system.

Who sees what: a mentor their own mentees' files; the homeroom teacher (and the grade head)
the class's selection, pairings and files; the principal's office everything; the academic
office (教导处) alone runs the matching, sets capacities, ends and reassigns pairings and keeps
the evaluation. Office staff (办公室) see none of it. Outside scope → 404; wrong post → 403.
"""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Exists, Max, OuterRef
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mentors import forms, selectors, services
from mentors.access import grade_pages_required, page_grades, page_terms
from mentors.models import (
    Choice,
    Exchange,
    MentorEvaluation,
    MentoringPlan,
    MentorRanking,
    MonthlySummary,
    Pairing,
    PriorityStudent,
    StudentRating,
    TeacherRating,
)
from schoolops import privacy
from schoolops.models import AcademicYear, Grade, Post, SchoolClass, Staff, Student, Term
from schoolops.params import month_of_or_404, page_number, pk_or_404
from schoolops.privacy import Category, log_read
from schoolops.scopes import Scope, class_required, get_scope, post_required, staff_required
from schoolops.sheets import engine
from schoolops.sheets.http import xlsx_response
from schoolops.sheets.writer import Sheet, workbook_bytes
from schoolops.submissions import redirect_once

ACADEMIC = (Post.ACADEMIC_OFFICE,)


def _year(scope: Scope) -> AcademicYear:
    if scope.year is None:
        raise Http404(_("No school year has been set up."))
    return scope.year


def _term(scope: Scope, request: HttpRequest | None = None) -> Term:
    """The current term, or the one chosen with ``?term=<id>`` (the principal's office)."""
    chosen = request.GET.get("term", "") if request is not None else ""
    if chosen:
        term = Term.objects.select_related("academic_year").filter(pk=pk_or_404(chosen)).first()
        if term is None:
            raise Http404
        return term
    if scope.term is None:
        raise Http404(_("No term has been set up."))
    return scope.term


def _terms() -> list[Term]:
    """Terms to switch between: the latest few."""
    return list(Term.objects.select_related("academic_year").order_by("-start_date")[:4])


def _with_term(url_name: str, term: Term, *args: Any) -> str:
    return f"{reverse(url_name, args=args)}?term={term.pk}"


def _url_for_each(name: str) -> Callable[[int], str]:
    """The URL of ``name`` for any one integer key, reversed once: a school-wide table links
    every row, and reversing a URL per row costs more than the rest of the row."""
    marker = 987654321
    head, tail = reverse(name, args=[marker]).split(str(marker))
    return lambda pk: f"{head}{pk}{tail}"


def _require_class_editor(request: HttpRequest, school_class: SchoolClass) -> Scope:
    """The class's homeroom teacher, its grade head or the principal's office; else 403."""
    scope = get_scope(request)
    if not scope.can_edit_class(school_class):
        raise PermissionDenied
    return scope


def _staff_or_403(scope: Scope) -> Staff | None:
    if scope.staff is None and not scope.user.is_superuser:
        raise PermissionDenied
    return scope.staff


def get_pairing_or_404(request: HttpRequest, pk: int) -> tuple[Pairing, bool]:
    """A pairing the user may see, and whether they keep its file (its mentor, while active).

    Those the register lets read the student's mentoring records see a mentee's file (the
    student's mentor, homeroom teacher and grade head, the principal's office); anyone else
    (office staff, a former mentor) gets a 404.
    """
    scope = get_scope(request)
    pairing = (
        Pairing.objects.select_related("student__school_class__grade", "mentor", "school_class")
        .filter(pk=pk)
        .first()
    )
    if pairing is None:
        raise Http404
    if not privacy.may_read(scope, privacy.Category.MENTORING, pairing.student):
        raise Http404
    is_mentor = scope.staff is not None and pairing.mentor_id == scope.staff.pk
    return pairing, is_mentor and pairing.is_active


# Selection: the class's choices, entered by the homeroom teacher.


@class_required()
def class_choices(request: HttpRequest, school_class: SchoolClass) -> HttpResponse:
    scope = _require_class_editor(request, school_class)
    year = _year(scope)
    students = list(school_class.students.in_school().order_by("student_no"))
    mentors = selectors.mentors_by_class([school_class.pk]).get(school_class.pk, [])
    initial: dict[str, Any] = {}
    for student_id, rank, mentor_id in Choice.objects.filter(
        student__school_class=school_class, academic_year=year
    ).values_list("student_id", "rank", "mentor_id"):
        initial[f"c{rank}_{student_id}"] = str(mentor_id)
    for student_id in PriorityStudent.objects.filter(
        student__school_class=school_class, academic_year=year
    ).values_list("student_id", flat=True):
        initial[f"p_{student_id}"] = True
    form = forms.ClassChoicesForm(
        request.POST or None, initial=initial, students=students, mentors=mentors
    )
    if request.method == "POST":
        if form.is_valid():
            try:
                count = services.save_class_choices(
                    school_class,
                    year,
                    services.ClassChoices(form.choices_by_student(), form.priority_ids()),
                    by=scope.staff,
                )
            except ValidationError as error:
                for message in error.messages:
                    messages.error(request, message)
            else:
                messages.success(
                    request,
                    _("Choices saved: %(count)s of %(total)s students have chosen.")
                    % {"count": count, "total": len(students)},
                )
                return redirect("mentors:class_choices", class_pk=school_class.pk)
        else:
            messages.error(request, _("Please correct the choices marked below."))
    capacity = selectors.capacities([school_class], {school_class.pk: mentors})
    ctx = {
        "school_class": school_class,
        "form": form,
        "mentors": [(m, capacity[(school_class.pk, m.pk)]) for m in mentors],
        "deadline": selectors.selection_deadline(year, known=scope.term),
    }
    return render(request, "mentors/class_choices.html", ctx)


# Mentors' side: applicants.


@staff_required
def applicants(request: HttpRequest) -> HttpResponse:
    scope = get_scope(request)
    year = _year(scope)
    me = _staff_or_403(scope)
    choices = list(
        Choice.objects.filter(mentor=me, academic_year=year)
        .select_related("student__school_class__grade")
        .annotate(
            priority=Exists(
                PriorityStudent.objects.filter(student=OuterRef("student"), academic_year=year)
            )
        )
        .order_by(
            "student__school_class__grade__level",
            "student__school_class__number",
            "rank",
            "student__student_no",
        )
    )
    students = [c.student for c in choices]
    rankings = {
        r.student_id: r for r in MentorRanking.objects.filter(mentor=me, academic_year=year)
    }
    initial = {}
    for student_id, ranking in rankings.items():
        initial[f"r_{student_id}"] = ranking.position
        initial[f"d_{student_id}"] = ranking.declined
    form = forms.RankingForm(request.POST or None, initial=initial, applicants=students)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.save_rankings(me, year, form.entries())
            except ValidationError as error:
                for message in error.messages:
                    messages.error(request, message)
            else:
                messages.success(request, _("Your ranking is saved."))
                return redirect("mentors:applicants")
        else:
            for message in form.non_field_errors():
                messages.error(request, message)
    rows = [(c, form[f"r_{c.student_id}"], form[f"d_{c.student_id}"]) for c in choices]
    by_class: dict[Any, list] = defaultdict(list)
    for row in rows:
        by_class[row[0].student.school_class].append(row)
    ctx = {
        "by_class": list(by_class.items()),
        "form": form,
        "deadline": selectors.selection_deadline(year, known=scope.term),
    }
    return render(request, "mentors/applicants.html", ctx)


# Selection progress and the matching (教导处).


@grade_pages_required
def selection(request: HttpRequest) -> HttpResponse:
    """One grade's classes a page (``?grade=<id>``; a grade head's own grade first, and only
    theirs), with every grade's and the school's figures above (the school's for the
    principal's office): the cost does not grow with the school."""
    scope = get_scope(request)
    year = _year(scope)
    grades = page_grades(scope, year.pk)
    grade = selectors.chosen_grade(grades, request.GET.get("grade"))
    by_grade = selectors.grade_progress(year)
    for g in grades:
        g.progress = by_grade.get(g.pk, selectors.Progress())
    classes = selectors.class_progress(year, grade) if grade else []
    overview_url = _url_for_each("mentors:class_overview")
    for c in classes:
        c.overview_url = overview_url(c.pk)
    ctx = {
        "grades": grades,
        "grade": grade,
        "classes": classes,
        "school": selectors.school_progress(by_grade) if scope.is_school_wide else None,
        "deadline": selectors.selection_deadline(year, known=scope.term),
        "today": timezone.localdate(),
        "can_match": scope.has_post(*ACADEMIC),
        "year": year,
    }
    return render(request, "mentors/selection.html", ctx)


@post_required(*ACADEMIC)
def match(request: HttpRequest, grade_pk: int) -> HttpResponse:
    scope = get_scope(request)
    year = _year(scope)
    grade = Grade.objects.filter(pk=grade_pk).first()
    if grade is None:
        raise Http404
    if request.method == "POST":
        form = forms.MatchConfirmForm(request.POST)
        if form.is_valid():
            try:
                run = services.publish_matching(
                    grade, year, by=scope.staff, fingerprint=form.cleaned_data["fingerprint"]
                )
            except ValidationError as error:
                for message in error.messages:
                    messages.error(request, message)
            else:
                messages.success(
                    request,
                    _(
                        "Published: %(matched)s students matched, %(unmatched)s left for the homeroom teachers."
                    )
                    % {"matched": run.matched, "unmatched": run.unmatched},
                )
                return redirect(f"{reverse('mentors:selection')}?grade={grade.pk}")
        else:
            messages.error(request, _("The preview is missing; look at it again."))
        return redirect("mentors:match", grade_pk=grade.pk)
    preview = selectors.preview_matching(grade, year)
    ctx = {
        "grade": grade,
        "preview": preview,
        "form": forms.MatchConfirmForm(initial={"fingerprint": preview.fingerprint}),
        "by_choice": [
            (label, preview.by_choice.get(key, 0))
            for key, label in (
                ("1", _("1st choice")),
                ("2", _("2nd choice")),
                ("3", _("3rd choice")),
                ("-", _("unmatched")),
            )
        ],
    }
    return render(request, "mentors/match.html", ctx)


@grade_pages_required
def pairings_export(request: HttpRequest) -> HttpResponse:
    """The year's pairings through their sheet (``mentors.sheets.PairingsSheet``), which
    keeps a grade head to the grades they head."""
    year = _year(get_scope(request))
    buffer = io.BytesIO()
    engine.export_file("pairings", buffer, user=request.user)
    return xlsx_response(buffer.getvalue(), f"pairings-{year}.xlsx")


@class_required(*ACADEMIC)
def class_capacity(request: HttpRequest, school_class: SchoolClass) -> HttpResponse:
    mentors = selectors.mentors_by_class([school_class.pk]).get(school_class.pk, [])
    size = school_class.students.in_school().count()
    default = selectors.default_capacity(size, len(mentors))
    overrides = dict(school_class.mentor_capacities.values_list("mentor_id", "capacity"))
    form = forms.CapacityForm(
        request.POST or None,
        initial={f"cap_{pk}": cap for pk, cap in overrides.items()},
        mentors=mentors,
        default=default,
    )
    if request.method == "POST":
        if form.is_valid():
            try:
                services.set_capacities(school_class, form.capacities())
            except ValidationError as error:
                for message in error.messages:
                    messages.error(request, message)
            else:
                messages.success(request, _("Capacities saved."))
                return redirect("mentors:class_overview", class_pk=school_class.pk)
        else:
            messages.error(request, _("Please correct the capacities marked below."))
    ctx = {"school_class": school_class, "form": form, "size": size, "default": default}
    return render(request, "mentors/class_capacity.html", ctx)


# The homeroom teacher's class overview and hand assignment.


def _class_load(
    school_class: SchoolClass,
    mentors: list[Staff],
    pairings: list[Pairing],
    size: int | None = None,
) -> list[dict]:
    """Each mentor of the class with their capacity and the active pairings they hold
    (``pairings``: the class's active pairings of the year)."""
    capacity = selectors.capacities(
        [school_class],
        {school_class.pk: mentors},
        None if size is None else {school_class.pk: size},
    )
    load: dict[int, int] = defaultdict(int)
    for p in pairings:
        load[p.mentor_id] += 1
    return [
        {"mentor": m, "capacity": capacity[(school_class.pk, m.pk)], "taken": load[m.pk]}
        for m in mentors
    ]


@class_required()
def class_overview(request: HttpRequest, school_class: SchoolClass) -> HttpResponse:
    scope = _require_class_editor(request, school_class)
    year = _year(scope)
    today = timezone.localdate()
    mentors = selectors.mentors_by_class([school_class.pk]).get(school_class.pk, [])
    pairings = list(
        selectors.with_due(
            Pairing.objects.active().filter(academic_year=year, school_class=school_class), today
        )
        .select_related("student", "mentor")
        .annotate(last_talk=Max("talks__date"))
        .order_by("mentor__staff_no", "student__student_no")
    )
    compliance = selectors.pairing_compliance(pairings, scope.term, today) if scope.term else {}
    for p in pairings:
        p.compliance = compliance.get(p.pk)
    unpaired = (
        school_class.students.in_school()
        .exclude(pk__in=[p.student_id for p in pairings])
        .order_by("student_no")
    )
    unpaired_list = list(unpaired)
    # The class's students in school: the unpaired ones and those with a mentor.
    size = len(unpaired_list) + sum(
        1
        for p in pairings
        if p.student.status == Student.Status.IN_SCHOOL
        and p.student.school_class_id == school_class.pk
    )
    load = _class_load(school_class, mentors, pairings, size)
    assign_form = forms.HandAssignForm(
        students=unpaired,
        mentors=Staff.objects.filter(pk__in=[m.pk for m in mentors]).order_by("staff_no"),
        room={row["mentor"].pk: row["capacity"] - row["taken"] for row in load},
    )
    exchanges = list(
        Exchange.objects.filter(school_class=school_class).order_by("-date", "-pk")[:5]
    )
    ctx = {
        "school_class": school_class,
        "pairings": pairings,
        "unpaired": unpaired_list,
        "load": load,
        "assign_form": assign_form,
        "exchanges": exchanges,
        "can_set_capacity": scope.has_post(*ACADEMIC),
        "deadline": selectors.selection_deadline(year, known=scope.term),
    }
    return render(request, "mentors/class_overview.html", ctx)


@require_POST
@class_required()
def hand_assign(request: HttpRequest, school_class: SchoolClass) -> HttpResponse:
    scope = _require_class_editor(request, school_class)
    year = _year(scope)
    mentors = selectors.mentors_by_class([school_class.pk]).get(school_class.pk, [])
    form = forms.HandAssignForm(
        request.POST,
        students=school_class.students.in_school(),
        mentors=Staff.objects.filter(pk__in=[m.pk for m in mentors]),
    )
    if form.is_valid():
        try:
            pairing = services.assign_by_hand(
                form.cleaned_data["student"],
                form.cleaned_data["mentor"],
                year,
                by=scope.staff,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(
                request,
                _("%(student)s is now mentored by %(mentor)s.")
                % {"student": pairing.student.name, "mentor": pairing.mentor.name},
            )
    else:
        messages.error(request, _("Choose a student and a mentor of this class."))
    return redirect("mentors:class_overview", class_pk=school_class.pk)


@class_required()
def class_exchanges(request: HttpRequest, school_class: SchoolClass) -> HttpResponse:
    scope = _require_class_editor(request, school_class)
    mentors = selectors.mentors_by_class([school_class.pk]).get(school_class.pk, [])
    form = forms.ExchangeForm(
        request.POST or None,
        mentors=Staff.objects.filter(pk__in=[m.pk for m in mentors]).order_by("staff_no"),
        students=school_class.students.in_school().order_by("student_no"),
    )
    if request.method == "POST":
        if form.is_valid():

            def save():
                data = form.cleaned_data
                services.record_exchange(
                    school_class,
                    data["date"],
                    data["notes"],
                    held_as_class_meeting=data["held_as_class_meeting"],
                    mentors=list(data["mentors"]),
                    students=list(data["students"]),
                    by=scope.staff,
                )
                return reverse("mentors:class_exchanges", args=[school_class.pk])

            return redirect_once(request, form, save, success=_("The exchange is recorded."))
        messages.error(request, _("Please correct the fields marked below."))
    exchanges = list(
        Exchange.objects.filter(school_class=school_class)
        .select_related("recorded_by")
        .prefetch_related("mentors", "students")
        .order_by("-date", "-pk")[:30]
    )
    ctx = {"school_class": school_class, "form": form, "exchanges": exchanges}
    return render(request, "mentors/class_exchanges.html", ctx)


@class_required()
def class_ratings(request: HttpRequest, school_class: SchoolClass) -> HttpResponse:
    """The homeroom teacher types in the mentees' questionnaire answers of the term."""
    scope = _require_class_editor(request, school_class)
    term = _term(scope)
    pairings = list(
        selectors.term_pairings(term)
        .filter(school_class=school_class)
        .select_related("student", "mentor")
        .order_by("student__student_no", "-started_on")
    )
    initial = {}
    by_pair = {
        (r.student_id, r.mentor_id): r
        for r in StudentRating.objects.filter(term=term, student__school_class=school_class)
    }
    for p in pairings:
        rating = by_pair.get((p.student_id, p.mentor_id))
        if rating:
            initial[f"s_{p.pk}"] = str(rating.score)
            initial[f"t_{p.pk}"] = rating.comment
    form = forms.RatingsForm(request.POST or None, initial=initial, pairings=pairings)
    if request.method == "POST":
        if form.is_valid():
            count = services.save_student_ratings(term, form.entries())
            messages.success(request, _("%(count)s answers saved.") % {"count": count})
            return redirect("mentors:class_ratings", class_pk=school_class.pk)
        messages.error(request, _("Please correct the fields marked below."))
    ctx = {"school_class": school_class, "form": form, "term": term}
    return render(request, "mentors/class_ratings.html", ctx)


# A mentor's mentees and a mentee's file.


@staff_required
def my_mentees(request: HttpRequest) -> HttpResponse:
    scope = get_scope(request)
    year = _year(scope)
    today = timezone.localdate()
    pairings = list(
        selectors.with_due(
            Pairing.objects.active().filter(mentor=scope.staff, academic_year=year), today
        )
        .select_related("student", "school_class__grade")
        .annotate(last_talk=Max("talks__date"), last_contact=Max("parent_contacts__date"))
        .order_by("school_class__grade__level", "school_class__number", "student__student_no")
    )
    ctx = {
        "pairings": pairings,
        "talk_due": sum(1 for p in pairings if p.talk_due),
        "contact_due": sum(1 for p in pairings if p.contact_due),
        "applicants": Choice.objects.filter(mentor=scope.staff, academic_year=year).count(),
    }
    return render(request, "mentors/my_mentees.html", ctx)


@staff_required
def pairing_detail(request: HttpRequest, pk: int) -> HttpResponse:
    pairing, can_edit = get_pairing_or_404(request, pk)
    scope = get_scope(request)
    today = timezone.localdate()
    plan = MentoringPlan.objects.filter(pairing=pairing).first()
    talks = list(pairing.talks.order_by("-date", "-pk")[:20])
    contacts = list(pairing.parent_contacts.order_by("-date", "-pk")[:12])
    by_month = {s.month: s for s in pairing.summaries.order_by("-month")[:12]}
    growth = list(pairing.growth_records.select_related("written_by").order_by("-date", "-pk")[:20])
    log_read(request, [pairing.student_id], [Category.MENTORING])
    priority = PriorityStudent.objects.filter(
        student=pairing.student, academic_year=pairing.academic_year_id
    ).exists()
    history = list(
        Pairing.objects.filter(student=pairing.student)
        .exclude(pk=pairing.pk)
        .select_related("mentor")
        .order_by("-started_on")
    )
    compliance = (
        selectors.pairing_compliance([pairing], scope.term, today).get(pairing.pk)
        if scope.term
        else None
    )
    months = []
    if scope.term:
        months = [m for m in scope.term.months() if pairing.started_on.replace(day=1) <= m <= today]
    ctx = {
        "pairing": pairing,
        "student": pairing.student,
        "can_edit": can_edit,
        "is_mentor": scope.staff is not None and pairing.mentor_id == scope.staff.pk,
        "can_write_growth": priority and (can_edit or scope.can_edit_class(pairing.school_class)),
        "can_end": pairing.is_active and scope.has_post(*ACADEMIC),
        "plan": plan,
        "talks": talks,
        "contacts": contacts,
        # Each month with its summary, if written: 「撰写」 a new one, 「查看/修改」 a written one.
        "summary_months": [
            (month, by_month.get(month))
            for month in sorted(set(months) | set(by_month), reverse=True)
        ],
        "growth": growth,
        "priority": priority,
        "history": history,
        "compliance": compliance,
    }
    return render(request, "mentors/pairing_detail.html", ctx)


def _edit_pairing(request: HttpRequest, pk: int) -> Pairing:
    pairing, can_edit = get_pairing_or_404(request, pk)
    if not can_edit:
        raise PermissionDenied
    return pairing


def _pairing_url(pairing: Pairing) -> str:
    return reverse("mentors:pairing_detail", args=[pairing.pk])


def _form_page(request, pairing, form, title, template="mentors/pairing_form.html", **extra):
    ctx = {"pairing": pairing, "student": pairing.student, "form": form, "title": title, **extra}
    return render(request, template, ctx)


@staff_required
def pairing_talk(request: HttpRequest, pk: int) -> HttpResponse:
    pairing = _edit_pairing(request, pk)
    form = forms.TalkForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data

            def save():
                services.log_talk(pairing, d["date"], d["topic"], d["content"], d["follow_up"])
                return _pairing_url(pairing)

            try:
                return redirect_once(request, form, save, success=_("The talk is logged."))
            except ValidationError as error:
                form.add_error("date", error)
        messages.error(request, _("Please correct the fields marked below."))
    return _form_page(request, pairing, form, _("Log a talk"))


@staff_required
def pairing_contact(request: HttpRequest, pk: int) -> HttpResponse:
    pairing = _edit_pairing(request, pk)
    form = forms.ParentContactForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data

            def save():
                services.log_parent_contact(pairing, d["date"], d["method"], d["content"])
                return _pairing_url(pairing)

            try:
                return redirect_once(
                    request, form, save, success=_("The parent contact is logged.")
                )
            except ValidationError as error:
                form.add_error("date", error)
        messages.error(request, _("Please correct the fields marked below."))
    return _form_page(request, pairing, form, _("Log a parent contact"))


@staff_required
def pairing_plan(request: HttpRequest, pk: int) -> HttpResponse:
    pairing = _edit_pairing(request, pk)
    plan = MentoringPlan.objects.filter(pairing=pairing).first()
    form = forms.PlanForm(request.POST or None, instance=plan)
    if request.method != "POST" and plan is not None:
        log_read(request, [pairing.student_id], [Category.MENTORING])
    if request.method == "POST":
        if form.is_valid():

            def save():
                fields = forms.PlanForm.Meta.fields
                services.save_plan(pairing, **{name: form.cleaned_data[name] for name in fields})
                return _pairing_url(pairing)

            return redirect_once(request, form, save, success=_("The mentoring plan is saved."))
        messages.error(request, _("Please correct the fields marked below."))
    return _form_page(request, pairing, form, _("Mentoring plan"))


@staff_required
def pairing_growth(request: HttpRequest, pk: int) -> HttpResponse:
    pairing, can_edit = get_pairing_or_404(request, pk)
    scope = get_scope(request)
    if not (can_edit or (pairing.is_active and scope.can_edit_class(pairing.school_class))):
        raise PermissionDenied
    if not PriorityStudent.objects.filter(
        student=pairing.student, academic_year=pairing.academic_year_id
    ).exists():
        messages.error(request, _("A growth record is kept for special-attention students only."))
        return redirect("mentors:pairing_detail", pk=pairing.pk)
    form = forms.GrowthRecordForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():

            def save():
                services.add_growth_record(
                    pairing, form.cleaned_data["date"], form.cleaned_data["content"], scope.staff
                )
                return _pairing_url(pairing)

            try:
                return redirect_once(request, form, save, success=_("Added to the growth record."))
            except ValidationError as error:
                form.add_error("date", error)
        messages.error(request, _("Please correct the fields marked below."))
    return _form_page(request, pairing, form, _("Growth record"))


@staff_required
def pairing_summary(request: HttpRequest, pk: int, year: int, month: int) -> HttpResponse:
    pairing = _edit_pairing(request, pk)
    first = month_of_or_404(year, month)
    if first > timezone.localdate() or first < pairing.started_on.replace(day=1):
        raise Http404
    summary = MonthlySummary.objects.filter(pairing=pairing, month=first).first()
    initial = {"text": summary.text if summary else selectors.draft_monthly_summary(pairing, first)}
    if request.method != "POST":
        # The summary, or its draft from the month's talks.
        log_read(request, [pairing.student_id], [Category.MENTORING])
    form = forms.SummaryForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if form.is_valid():

            def save():
                services.save_monthly_summary(pairing, first, form.cleaned_data["text"])
                return _pairing_url(pairing)

            return redirect_once(request, form, save, success=_("The monthly summary is saved."))
        messages.error(request, _("Please correct the fields marked below."))
    title = _("Summary of %(month)s") % {"month": f"{first:%Y-%m}"}
    return _form_page(request, pairing, form, title, is_draft=summary is None)


@post_required(*ACADEMIC)
def pairing_end(request: HttpRequest, pk: int) -> HttpResponse:
    pairing, _can_edit = get_pairing_or_404(request, pk)
    form = forms.EndPairingForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.end_pairing(
                    pairing, form.cleaned_data["reason"], form.cleaned_data["note"]
                )
            except ValidationError as error:
                for message in error.messages:
                    messages.error(request, message)
            else:
                messages.success(request, _("The pairing has ended; its record is kept."))
                return redirect("mentors:class_overview", class_pk=pairing.school_class_id)
        else:
            messages.error(request, _("Please correct the fields marked below."))
    return _form_page(request, pairing, form, _("End the pairing early"))


@post_required(*ACADEMIC)
def reassign(request: HttpRequest, staff_pk: int) -> HttpResponse:
    scope = get_scope(request)
    year = _year(scope)
    mentor = Staff.objects.filter(pk=staff_pk).first()
    if mentor is None:
        raise Http404
    suggestions = selectors.suggest_reassignment(mentor, year)
    form = forms.ReassignForm(request.POST or None, suggestions=suggestions)
    if request.method == "POST":
        if form.is_valid():
            try:
                created = services.reassign_mentees(
                    mentor,
                    year,
                    form.cleaned_data["reason"],
                    form.new_mentors(),
                    note=form.cleaned_data["note"],
                    by=scope.staff,
                )
            except ValidationError as error:
                for message in error.messages:
                    messages.error(request, message)
            else:
                messages.success(
                    request,
                    _("%(count)s mentees of %(name)s have new mentors.")
                    % {"count": len(created), "name": mentor.name},
                )
                return redirect("mentors:compliance")
        else:
            messages.error(request, _("Please correct the fields marked below."))
    ctx = {"mentor": mentor, "form": form, "suggestions": suggestions}
    return render(request, "mentors/reassign.html", ctx)


# Compliance (教导处).


# A page of mentors on the compliance page; like the evaluation's, their pairings are looked
# up by id (a large school's mentors have some 60 mentees each).
COMPLIANCE_PAGE = 10


def _mentor_grade_tabs(
    scope: Scope, term: Term, chosen: str | None
) -> tuple[list[Grade], Grade | None]:
    """The grade tabs of a mentors grade page (``access.page_grades``: a grade head's own
    grade first, or only), each with how many mentors it has, and the grade asked for
    (``?grade=``; 404 for another)."""
    grades = page_grades(scope, term.academic_year_id)
    mentors_in = selectors.mentors_per_grade(term)
    for grade in grades:
        grade.mentors = mentors_in.get(grade.pk, 0)
    return grades, selectors.chosen_grade(grades, chosen)


@grade_pages_required
def compliance(request: HttpRequest) -> HttpResponse:
    """The mentors of one grade a page (``?grade=<id>``; a grade head's own grade first), by
    staff number, COMPLIANCE_PAGE at a time: compliance is worked out for the page's mentors
    only, so the page costs the same whatever the size of the school. A mentor with mentees in
    two grades is on both tabs, with the figures of all their mentees."""
    scope = get_scope(request)
    term = _term(scope, request)
    today = timezone.localdate()
    grades, grade = _mentor_grade_tabs(scope, term, request.GET.get("grade"))
    page = Paginator(
        selectors.grade_mentors(term, grade) if grade else Staff.objects.none(), COMPLIANCE_PAGE
    ).get_page(page_number(request))
    mentors = list(page.object_list)
    figures = selectors.mentor_compliance(term, today, [m.pk for m in mentors], by_id_up_to=2000)
    rows = [(m, figures.get(m.pk, selectors.Compliance())) for m in mentors]
    reassign_url = _url_for_each("mentors:reassign")
    for mentor in mentors:
        mentor.reassign_url = reassign_url(mentor.pk)
    ctx = {
        "term": term,
        "rows": rows,
        "page": page,
        "grades": grades,
        "grade": grade,
        "reassign_label": _("Reassign"),
        "weeks_over": sum(1 for w in term.teaching_weeks() if w.last_day < today),
        "can_reassign": scope.has_post(*ACADEMIC),
        "terms": page_terms(scope, _terms()),
    }
    return render(request, "mentors/compliance.html", ctx)


# Evaluation.


# A page of mentors; their compliance is looked up by pairing id (a large school's mentors
# have some 60 mentees each, past the 300 ids after which ``_figures`` reads the whole term).
EVALUATION_PAGE = 10


@grade_pages_required
def evaluation(request: HttpRequest) -> HttpResponse:
    scope = get_scope(request)
    term = _term(scope, request)
    # The mentors of one grade a page (``?grade=<id>``), ranked within it: a grade head's own
    # grade first; a mentor with mentees in two grades is in both. The export has them all.
    grades, grade = _mentor_grade_tabs(scope, term, request.GET.get("grade"))
    settings = selectors.evaluation_settings(term)
    can_edit = scope.has_post(*ACADEMIC)
    form = forms.SettingsForm(
        request.POST or None,
        initial={
            "self_weight": settings.self_weight,
            "students_weight": settings.students_weight,
            "teachers_weight": settings.teachers_weight,
            "school_weight": settings.school_weight,
            "threshold": settings.threshold,
        },
    )
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        if form.is_valid():
            services.save_evaluation_settings(term, form.weights(), form.cleaned_data["threshold"])
            messages.success(request, _("Weights and threshold saved."))
            url = _with_term("mentors:evaluation", term)
            return redirect(f"{url}&grade={grade.pk}" if grade else url)
        for message in form.non_field_errors():
            messages.error(request, message)
    today = timezone.localdate()
    ranked = (
        selectors.evaluation_results(
            term, today, selectors.grade_mentor_ids(term, grade), with_compliance=False
        )
        if grade
        else []
    )
    ranked.sort(key=lambda r: (r.total is None, -(r.total or 0), r.mentor.staff_no))
    # Ranked over the grade, shown EVALUATION_PAGE at a time: the compliance figures (the
    # costly part) are worked out for the page's mentors only.
    page = Paginator(ranked, EVALUATION_PAGE).get_page(page_number(request))
    results = list(page.object_list)
    compliance = selectors.mentor_compliance(
        term, today, [r.mentor.pk for r in results], by_id_up_to=2000
    )
    score_url = _url_for_each("mentors:evaluation_mentor")
    for result in results:
        result.compliance = compliance.get(result.mentor.pk, selectors.Compliance())
        result.score_url = score_url(result.mentor.pk)
    ctx = {
        "score_label": _("Score"),
        "term": term,
        "settings": settings,
        "form": form if can_edit else None,
        "results": results,
        "page": page,
        "grades": grades,
        "grade": grade,
        "can_edit": can_edit,
        "whole_school": scope.is_school_wide,
        "today": today,
        "terms": page_terms(scope, _terms()),
    }
    return render(request, "mentors/evaluation.html", ctx)


EVALUATION_HEADERS = (
    "导师工号",
    "导师姓名",
    "自评",
    "学生评",
    "评价人数",
    "教师评",
    "教师评人数",
    "学校评",
    "总分",
    "未谈心周数",
    "未联系家长月数",
    "待整改",
    "整改期限",
)


@grade_pages_required
def evaluation_export(request: HttpRequest) -> HttpResponse:
    """Every mentor of the term for the principal's office; a grade head's grades' mentors."""
    scope = get_scope(request)
    term = _term(scope, request)
    mentor_ids = None
    if not scope.is_school_wide:
        grades = page_grades(scope, term.academic_year_id)
        mentor_ids = {pk for g in grades for pk in selectors.grade_mentor_ids(term, g)}
    results = selectors.evaluation_results(term, timezone.localdate(), mentor_ids)
    rows = [
        (
            r.mentor.staff_no,
            r.mentor.name,
            r.self_score,
            r.students_score,
            r.ratings,
            r.teachers_score,
            r.teacher_ratings,
            r.school_score,
            r.total,
            r.compliance.weeks_missed,
            r.compliance.months_missed,
            "是" if r.flagged else "",
            r.evaluation.improve_by if r.evaluation and r.evaluation.improve_by else "",
        )
        for r in results
    ]
    content = workbook_bytes(
        Sheet(_("Evaluation"), headers=EVALUATION_HEADERS, rows=rows, text_columns={0})
    )
    return xlsx_response(content, "mentor-evaluation.xlsx")


@post_required(*ACADEMIC)
def evaluation_mentor(request: HttpRequest, staff_pk: int) -> HttpResponse:
    scope = get_scope(request)
    term = _term(scope, request)
    results = selectors.evaluation_results(term, timezone.localdate(), [staff_pk])
    if not results:
        raise Http404
    result = results[0]
    evaluation = result.evaluation
    form = forms.SchoolScoreForm(
        request.POST or None,
        initial={
            "school_score": evaluation.school_score if evaluation else None,
            "school_comment": evaluation.school_comment if evaluation else "",
            "improve_by": evaluation.improve_by if evaluation else None,
        },
    )
    if request.method == "POST":
        if form.is_valid():
            services.save_evaluation(term, result.mentor, **form.cleaned_data)
            messages.success(request, _("The evaluation is saved."))
            return redirect(_with_term("mentors:evaluation", term))
        messages.error(request, _("Please correct the fields marked below."))
    ctx = {
        "result": result,
        "form": form,
        "term": term,
        "teacher_ratings": _teacher_ratings(term, result.mentor),
    }
    return render(request, "mentors/evaluation_mentor.html", ctx)


def _teacher_ratings(term: Term, mentor: Staff) -> list[TeacherRating]:
    return list(
        TeacherRating.objects.filter(term=term, mentor=mentor)
        .select_related("rater", "entered_by")
        .order_by("rater__staff_no")
    )


# Other teachers' ratings.


@staff_required
def peer_ratings(request: HttpRequest) -> HttpResponse:
    """The mentors a teacher may rate this term (those of the classes they work with)."""
    scope = get_scope(request)
    term = _term(scope)
    me = _staff_or_403(scope)
    mentors = selectors.mentors_to_rate(term, me) if me else []
    ids = [m.pk for m in mentors]
    mine = {
        r.mentor_id: r for r in TeacherRating.objects.filter(term=term, rater=me, mentor__in=ids)
    }
    figures = selectors.mentor_compliance(term, timezone.localdate(), ids)
    rows = [(m, mine.get(m.pk), figures.get(m.pk, selectors.Compliance())) for m in mentors]
    ctx = {"term": term, "rows": rows, "rated": len(mine)}
    return render(request, "mentors/peer_ratings.html", ctx)


@staff_required
def peer_rate(request: HttpRequest, staff_pk: int) -> HttpResponse:
    """A teacher rates a mentor of their classes, seeing the mentor's compliance figures; the
    academic office types in a rating in a teacher's name. Rating oneself is refused (403);
    a mentor of no class the teacher works with is not found (404)."""
    scope = get_scope(request)
    term = _term(scope, request) if scope.has_post(*ACADEMIC) else _term(scope)
    me = scope.staff
    mentor = Staff.objects.filter(
        pk=staff_pk, pk__in=selectors.term_pairings(term).values("mentor_id")
    ).first()
    if mentor is None:
        raise Http404
    academic = scope.has_post(*ACADEMIC)
    if me is not None and me.pk == mentor.pk:
        raise PermissionDenied
    if not academic and (me is None or not selectors.may_rate(term, me, mentor)):
        if scope.is_school_wide:
            raise PermissionDenied
        raise Http404
    raters = None
    if academic:
        raters = Staff.objects.filter(
            pk__in=[s.pk for s in selectors.eligible_raters(term, mentor)]
        )
        existing = None
        initial = {"rater": me.pk} if me is not None and raters.filter(pk=me.pk).exists() else {}
    else:
        existing = TeacherRating.objects.filter(term=term, mentor=mentor, rater=me).first()
        initial = {"score": existing.score, "comment": existing.comment} if existing else {}
    form = forms.TeacherRatingForm(request.POST or None, initial=initial, raters=raters)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.save_teacher_rating(
                    term, mentor, data.get("rater") or me, data["score"], data["comment"], by=me
                )
            except ValidationError as error:
                for message in error.messages:
                    messages.error(request, message)
            else:
                messages.success(
                    request, _("Your rating of %(name)s is saved.") % {"name": mentor.name}
                )
                if academic:
                    return redirect(_with_term("mentors:evaluation_mentor", term, mentor.pk))
                return redirect("mentors:peer_ratings")
        else:
            messages.error(request, _("Please correct the fields marked below."))
    compliance = selectors.mentor_compliance(term, timezone.localdate(), [mentor.pk]).get(
        mentor.pk, selectors.Compliance()
    )
    ctx = {
        "term": term,
        "mentor": mentor,
        "form": form,
        "compliance": compliance,
        "existing": existing,
        "academic": academic,
        "teacher_ratings": _teacher_ratings(term, mentor) if academic else [],
    }
    return render(request, "mentors/peer_rate.html", ctx)


@staff_required
def self_evaluation(request: HttpRequest) -> HttpResponse:
    scope = get_scope(request)
    term = _term(scope)
    me = _staff_or_403(scope)
    results = selectors.evaluation_results(term, timezone.localdate(), [me.pk] if me else [])
    if not results:
        messages.info(request, _("You have no mentees this term, so there is nothing to evaluate."))
        return redirect("mentors:my_mentees")
    result = results[0]
    evaluation = result.evaluation or MentorEvaluation(term=term, mentor=me)
    form = forms.SelfScoreForm(
        request.POST or None,
        initial={"self_score": evaluation.self_score, "self_comment": evaluation.self_comment},
    )
    if request.method == "POST":
        if form.is_valid():
            services.save_evaluation(term, me, **form.cleaned_data)
            messages.success(request, _("Your self-evaluation is saved."))
            return redirect("mentors:self_evaluation")
        messages.error(request, _("Please correct the fields marked below."))
    ctx = {"result": result, "form": form, "term": term}
    return render(request, "mentors/self_evaluation.html", ctx)
