"""One student's records printed as the school files them: 学生学情档案 (the term's ledger
entry and the consultation timeline) and 个案育人计划 (the individual education plan). Each
shows exactly what the student's pages show the reader, and logs the reading."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from schoolops import privacy
from schoolops.models import Term
from schoolops.pages import term_required
from schoolops.privacy import Category, log_read
from schoolops.scopes import get_scope, get_student_or_404, scope_required

from ..access import may_consult
from ..hooks import ledger_categories, student_panel
from ..models import LedgerProfile


@scope_required(may_consult)
@term_required
def student_file(request: HttpRequest, pk: int, term: Term) -> HttpResponse:
    """学生学情档案: the ledger entry and the timeline, as the student's page shows them."""
    student = get_student_or_404(request, pk)
    panel = student_panel(request, student)  # the rules of the student page's panel, logged
    if panel is None:
        raise PermissionDenied
    return render(request, "consult/student_file.html", {**panel, "term": term})


@scope_required(may_consult)
@term_required
def education_plan(request: HttpRequest, pk: int, term: Term) -> HttpResponse:
    """个案育人计划: the ledger entry and the individual education plan, for those who may
    read the plan."""
    student = get_student_or_404(request, pk)
    readable = privacy.readable_categories(get_scope(request), student)
    if Category.LEDGER not in readable or Category.EDUCATION_PLAN not in readable:
        raise PermissionDenied
    profile = LedgerProfile.objects.filter(student=student, term=term).first()
    if profile is not None:
        profile.labels = profile.category_labels(psych=Category.PSYCHOLOGICAL in readable)
    log_read(request, [student], ledger_categories(profile, readable))
    context = {"student": student, "profile": profile, "term": term}
    return render(request, "consult/education_plan.html", context)
