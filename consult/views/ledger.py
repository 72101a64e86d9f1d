"""The 学情台账: a class's ledger grid, carrying entries forward, its export, and a student's
entry with who changed it."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from schoolops import privacy
from schoolops.models import SchoolClass, Student, Term
from schoolops.pages import form_page, show_errors, term_required
from schoolops.privacy import Category, log_read
from schoolops.scopes import class_required, get_scope, get_student_or_404, scope_required
from schoolops.sheets.http import sheet_response

from .. import services
from ..access import can_keep_ledger, label_categories, may_consult, may_export_ledger
from ..forms import LedgerForm
from ..hooks import class_links, ledger_categories
from ..models import Attention, LedgerProfile


@scope_required(may_consult)
@class_required()
@term_required
def class_ledger(request: HttpRequest, school_class: SchoolClass, term: Term) -> HttpResponse:
    """The class's ledger; ``?only=unfinished`` keeps the students whose entry is missing or
    incomplete (「只看未完成」; another value is ignored)."""
    scope = get_scope(request)
    rows = services.ledger_rows(school_class, term)
    complete = sum(1 for r in rows if r.profile is not None and r.profile.complete)
    only_unfinished = request.GET.get("only") == "unfinished"
    total = len(rows)
    if only_unfinished:
        rows = [r for r in rows if r.missing]
    label_categories(scope, [r.profile for r in rows if r.profile is not None])
    log_read(request, [r.student for r in rows if r.profile is not None], [Category.LEDGER])
    ctx = {
        "school_class": school_class,
        "class_links": class_links(request, school_class),
        "term": term,
        "rows": rows,
        "total": total,
        "only_unfinished": only_unfinished,
        "complete": complete,
        "can_edit": scope.can_edit_class(school_class),
        "can_export": may_export_ledger(scope),
        "has_previous": services.previous_term(term) is not None,
    }
    return render(request, "consult/class_ledger.html", ctx)


@scope_required(may_consult)
@class_required(edit=True)
@require_POST
@term_required
def class_ledger_carry(request: HttpRequest, school_class: SchoolClass, term: Term) -> HttpResponse:
    try:
        n = services.carry_forward(school_class, term, get_scope(request).staff)
    except ValidationError as error:
        show_errors(request, error)
    else:
        messages.success(request, _("%(n)s entries carried forward from last term.") % {"n": n})
    return redirect("consult:class_ledger", class_pk=school_class.pk)


@scope_required(may_consult)
@class_required(rule=may_export_ledger)
@term_required
def class_ledger_xlsx(request: HttpRequest, school_class: SchoolClass, term: Term) -> HttpResponse:
    return sheet_response(request, "consult_ledger", school_class=school_class, term=term)


@scope_required(may_consult)
@term_required
def student_ledger(request: HttpRequest, pk: int, term: Term) -> HttpResponse:
    scope = get_scope(request)
    student = get_student_or_404(request, pk)
    profile = LedgerProfile.objects.filter(student=student, term=term).first()
    can_edit = can_keep_ledger(scope, student)
    if request.method == "POST" and not can_edit:
        raise PermissionDenied
    readable = privacy.readable_categories(scope, student)
    if privacy.Category.LEDGER not in readable:
        raise PermissionDenied
    psych = privacy.Category.PSYCHOLOGICAL in readable
    if profile is not None:
        profile.labels = profile.category_labels(psych=psych)
    log_read(request, [student], ledger_categories(profile, readable))
    # A keeper who may not read psychological notes (the grade head) neither sees nor
    # changes the 心理障碍 category: it is not offered, and a saved entry keeps it.
    hidden = () if psych else (Attention.PSYCHOLOGICAL,)
    kept = [c for c in (profile.categories if profile else []) if c in hidden]
    form = LedgerForm(request.POST or None, instance=profile, hidden=hidden) if can_edit else None

    def save() -> str:
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
    return form_page(
        request,
        form,
        "consult/student_ledger.html",
        ctx,
        on_valid=save,
        success_message=_("Ledger entry of %(name)s saved.") % {"name": student.name},
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


def _next_missing(student: Student, term: Term) -> str:
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
