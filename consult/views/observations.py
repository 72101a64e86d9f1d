"""Observations (看 听 谈 问): every teacher's observations of a class, and adding one."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from schoolops import privacy
from schoolops.models import SchoolClass
from schoolops.pages import form_page
from schoolops.params import page_number
from schoolops.privacy import Category, log_read
from schoolops.scopes import class_required, get_scope, get_student_or_404, scope_required

from .. import services
from ..access import may_consult
from ..forms import ObservationForm
from ..hooks import class_links
from ..models import Observation

PSYCHOLOGICAL = privacy.Category.PSYCHOLOGICAL


@scope_required(may_consult)
@class_required()
def class_observations(request: HttpRequest, school_class: SchoolClass) -> HttpResponse:
    """Every teacher's observations of the class, newest first (看 听 谈 问)."""
    scope = get_scope(request)
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
        "class_links": class_links(request, school_class),
        "page": page,
        "observations": shown,
        "method": method,
        "methods": Observation.Method.choices,
    }
    return render(request, "consult/class_observations.html", ctx)


@scope_required(may_consult)
def observation_add(request: HttpRequest, pk: int) -> HttpResponse:
    scope = get_scope(request)
    student = get_student_or_404(request, pk)
    form = ObservationForm(
        request.POST or None, may_flag_psych=privacy.may_read(scope, PSYCHOLOGICAL, student)
    )

    def save() -> str:
        services.add_observation(student, scope.staff, **form.cleaned_data)
        return reverse("schoolops:student_detail", args=[student.pk])

    return form_page(
        request,
        form,
        "consult/form.html",
        {"student": student, "form": form, "title": _("Add an observation")},
        on_valid=save,
        success_message=_("Observation recorded."),
    )
