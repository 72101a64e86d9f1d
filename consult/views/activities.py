"""A class's theme meetings (主题班会) and study-method exchanges (学法交流会): the list with
the term's cadence, recording and correcting one, and its photos (private, images only)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from schoolops.models import SchoolClass, Student, Term
from schoolops.pages import form_page, private_upload, show_errors, term_required
from schoolops.scopes import class_required, get_scope, scope_required

from .. import services
from ..access import get_activity_or_404, may_consult
from ..forms import ActivityForm, NewActivityForm, PhotoForm
from ..hooks import class_links
from ..models import ActivityPhoto, ClassActivity, ConsultSettings
from ..selectors import activity_rows

KINDS = dict(ClassActivity.Kind.choices)


def _students(school_class: SchoolClass):
    return school_class.students.filter(status=Student.Status.IN_SCHOOL).order_by("student_no")


@scope_required(may_consult)
@class_required()
@term_required
def class_activities(request: HttpRequest, school_class: SchoolClass, term: Term) -> HttpResponse:
    """The term's theme meetings and exchanges of the class, held against the targets."""
    scope = get_scope(request)
    settings = ConsultSettings.get()
    activities = list(
        ClassActivity.objects.for_term(term)
        .filter(school_class=school_class)
        .select_related("created_by")
        .prefetch_related("speakers")
        .order_by("-date", "-pk")
    )
    dates: dict = {}
    for a in activities:
        dates.setdefault((school_class.pk, a.kind), []).append(a.date)
    row = activity_rows(term, [school_class], timezone.localdate(), settings, dates)[0]
    ctx = {
        "school_class": school_class,
        "class_links": class_links(request, school_class),
        "term": term,
        "row": row,
        "settings": settings,
        "themes": [a for a in activities if a.kind == ClassActivity.Kind.THEME],
        "exchanges": [a for a in activities if a.kind == ClassActivity.Kind.EXCHANGE],
        "can_edit": scope.can_edit_class(school_class),
    }
    return render(request, "consult/class_activities.html", ctx)


@scope_required(may_consult)
@class_required(edit=True)
@term_required
def activity_new(request: HttpRequest, school_class: SchoolClass, term: Term) -> HttpResponse:
    scope = get_scope(request)
    kind = request.GET.get("kind", ClassActivity.Kind.THEME)
    if kind not in KINDS:
        raise Http404
    form = NewActivityForm(request.POST or None, kind=kind, students=_students(school_class))

    def save() -> ClassActivity:
        activity = form.save(commit=False)
        activity.kind, activity.term, activity.school_class = kind, term, school_class
        activity.created_by = scope.staff
        return services.save_activity(
            activity, form.cleaned_data.get("hosts") or [], form.cleaned_data["speakers"]
        )

    title = _("Record a %(kind)s") % {"kind": KINDS[kind]}
    return form_page(
        request,
        form,
        "consult/activity_form.html",
        {"form": form, "title": title, "school_class": school_class},
        on_valid=save,
        success_message=_("Recorded."),
    )


@scope_required(may_consult)
def activity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scope = get_scope(request)
    activity = get_activity_or_404(request, pk)
    can_edit = scope.can_edit_class(activity.school_class)
    ctx = {
        "activity": activity,
        "school_class": activity.school_class,
        "hosts": list(activity.hosts.order_by("student_no")),
        "speakers": list(activity.speakers.order_by("student_no")),
        "photos": list(activity.photos.order_by("pk")),
        "can_edit": can_edit,
        "photo_form": PhotoForm() if can_edit else None,
        "max_kb": ConsultSettings.get().photo_max_kb if can_edit else None,
    }
    return render(request, "consult/activity_detail.html", ctx)


@scope_required(may_consult)
def activity_edit(request: HttpRequest, pk: int) -> HttpResponse:
    activity = get_activity_or_404(request, pk, edit=True)
    form = ActivityForm(
        request.POST or None,
        instance=activity,
        kind=activity.kind,
        students=_students(activity.school_class),
    )

    def save() -> ClassActivity:
        return services.save_activity(
            form.save(commit=False),
            form.cleaned_data.get("hosts") or [],
            form.cleaned_data["speakers"],
        )

    title = _("Edit the %(kind)s") % {"kind": activity.get_kind_display()}
    return form_page(
        request,
        form,
        "consult/activity_form.html",
        {"form": form, "title": title, "school_class": activity.school_class},
        on_valid=save,
        success_message=_("Saved."),
    )


@private_upload
@scope_required(may_consult)
@require_POST
def activity_photo_add(request: HttpRequest, pk: int) -> HttpResponse:
    """A photo of the activity, streamed to private storage and kept if it is an image."""
    activity = get_activity_or_404(request, pk, edit=True)
    form = PhotoForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.add_photo(activity, form.cleaned_data["photo"], get_scope(request).staff)
            messages.success(request, _("Photo added."))
        except ValidationError as error:
            show_errors(request, error)
    else:
        messages.error(request, _("Choose a photo to add."))
    return HttpResponseRedirect(reverse("consult:activity_detail", args=[activity.pk]))


@scope_required(may_consult)
def activity_photo(request: HttpRequest, pk: int) -> HttpResponse:
    """A photo, to those who see its class only (private storage, never a public URL)."""
    photo = ActivityPhoto.objects.filter(pk=pk).first()
    if photo is None:
        raise Http404
    get_activity_or_404(request, photo.activity_id)
    try:
        handle = photo.image.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    response = FileResponse(handle, content_type=photo.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response
