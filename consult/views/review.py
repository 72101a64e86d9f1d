"""The principal's monthly review of the special-attention students, class by class, giving
each a responsible school leader (包靠); and a leader's own students."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from schoolops.models import Post, SchoolClass, Staff, Student, Term
from schoolops.pages import form_page, grade_tabs, term_required
from schoolops.params import page_number, pick
from schoolops.privacy import Category, log_read
from schoolops.scopes import class_required, get_scope, post_required, scope_required

from .. import services
from ..access import LEADER_POSTS, label_categories, may_consult
from ..forms import ClassLeaderForm, LeaderFormSet
from ..models import ClassLeaderAssignment, LeaderAssignment, LedgerProfile
from ..selectors import class_leader_rows, leader_assignments, leader_rows


@post_required(*Post.school_wide())
@term_required
def review(request: HttpRequest, term: Term) -> HttpResponse:
    """The monthly review goes through the special-attention students class by class (as
    the seeds have it), so a page holds one class whatever the size of the school."""
    scope = get_scope(request)
    today = timezone.localdate()
    classes = list(
        SchoolClass.objects.filter(academic_year=scope.year)
        .select_related("grade")
        .order_by("grade__level", "number")
    )
    school_class = pick(classes, request.GET.get("class"))
    tabs = grade_tabs(
        request,
        list({c.grade_id: c.grade for c in classes}.values()),
        default=school_class.grade if school_class else None,
        keep=(),
    )
    grade = tabs.current
    classes = [c for c in classes if grade is not None and c.grade_id == grade.pk]
    if school_class not in classes:
        school_class = None
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
    label_categories(scope, profiles)
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

    def save() -> str:
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
    # Weak classes get a school leader (校级行政下班蹲点): the principal's office's posts.
    school_leaders = set(
        Staff.objects.active()
        .filter(user__groups__name__in=Post.school_wide())
        .values_list("pk", flat=True)
    )
    class_leader = (
        ClassLeaderAssignment.objects.filter(term=term, active=True, school_class=school_class)
        .select_related("leader")
        .first()
        if school_class
        else None
    )
    ctx = {
        "class_leader": class_leader,
        "class_leader_form": ClassLeaderForm(
            initial={"leader": class_leader.leader_id if class_leader else None},
            leaders=[s for s in leaders if s.pk in school_leaders],
        ),
        "rows": list(zip(profiles, shown.forms, strict=True)),
        "tabs": tabs,
        "grade": grade,
        "classes": classes,
        "school_class": school_class,
        "next_class": following[0] if following else None,
        "formset": shown,
        "review_meeting": review_meeting,
        "term": term,
    }
    return form_page(
        request,
        formset,
        "consult/review.html",
        ctx,
        on_valid=save,
        success_message=_("Responsible leaders of %(class)s saved.") % {"class": school_class},
    )


@post_required(*Post.school_wide())
@require_POST
@class_required()
@term_required
def review_class_leader(
    request: HttpRequest, school_class: SchoolClass, term: Term
) -> HttpResponse:
    """The monthly review sends a school leader to a weak class (弱势班级蹲点), or none."""
    today = timezone.localdate()
    leaders = list(
        Staff.objects.active()
        .filter(user__groups__name__in=Post.school_wide())
        .distinct()
        .order_by("staff_no")
    )
    form = ClassLeaderForm(request.POST or None, leaders=leaders)
    review_meeting = (
        term.consult_meetings.filter(
            monthly_review=True, date__year=today.year, date__month=today.month
        )
        .order_by("-date")
        .first()
    )

    def save() -> str:
        services.assign_class_leader(
            school_class, form.cleaned_data["leader"], term, today, review_meeting
        )
        return reverse("consult:review") + f"?class={school_class.pk}"

    return form_page(
        request,
        form,
        "consult/form.html",
        {"form": form, "title": _("Leader in the class (蹲点)") + f" · {school_class}"},
        on_valid=save,
        success_message=_("The leader in %(class)s is saved.") % {"class": school_class},
    )


@scope_required(may_consult)
@term_required
def leader(request: HttpRequest, term: Term) -> HttpResponse:
    """A school leader's students (包靠), a page at a time, with what happened in 30 days."""
    scope = get_scope(request)
    since = timezone.localdate() - dt.timedelta(days=30)
    # A page of students at a time: a leader of many students gets the same page.
    page = Paginator(leader_assignments(scope.staff.pk, term), 25).get_page(page_number(request))
    rows = leader_rows(scope.staff.pk, term, since, page.object_list)
    label_categories(scope, [r.profile for r in rows if r.profile is not None])
    log_read(request, [r.assignment.student_id for r in rows], [Category.LEDGER, Category.CONSULT])
    ctx = {
        "rows": rows,
        "since": since,
        "page": page,
        "class_rows": class_leader_rows(scope.staff.pk, term) if scope.is_school_wide else [],
    }
    return render(request, "consult/leader.html", ctx)
