"""A class's shared notes and materials (学习笔记共享／学习资料共享) and its showcase of the
groups' best work (学习成果展示). The files are kept in private storage and served only to
the class's teachers and keepers and to its class terminal (班级一体机, where the groups
share their files and choose their showcase); an image or a PDF opens in the browser,
anything else is downloaded, never as a page."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from schoolops.filetypes import FileType
from schoolops.models import SchoolClass, Term
from schoolops.pages import form_page, term_required
from schoolops.pages.uploads import private_upload
from schoolops.scopes import get_scope, staff_required
from schoolops.sheets.http import content_disposition

from .. import materials
from ..access import can_edit, can_score, group_classes
from ..material_forms import MaterialForm
from ..models import Material
from ..terminal import class_staff_or_terminal
from .nav import class_nav

TERMINAL_BASE = "groups/terminal/base.html"


def staff_or_terminal(view: Callable) -> Callable:
    """A page of an object in the URL for a member of staff (``staff_required``) or a class
    terminal (the view keeps the terminal to its own class's objects)."""
    staff_view = staff_required(view)

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if getattr(request, "terminal", None) is not None:
            return view(request, *args, **kwargs)
        return staff_view(request, *args, **kwargs)

    wrapper.terminal_allowed = True  # type: ignore[attr-defined]
    return wrapper


def page_context(request: HttpRequest, school_class: SchoolClass) -> dict[str, Any]:
    """What the class's pages of this area show about who looks: the terminal's own base
    (no staff navigation) or the class's navigation."""
    if getattr(request, "terminal", None) is not None:
        return {"on_terminal": True, "base": TERMINAL_BASE, "class_nav": []}
    return {"on_terminal": False, "class_nav": class_nav(get_scope(request), school_class)}


def may_share(request: HttpRequest, school_class: SchoolClass) -> bool:
    """The class terminal (its groups) and the class's teachers share files and choose the
    showcase."""
    if getattr(request, "terminal", None) is not None:
        return True
    return can_score(get_scope(request), school_class)


def get_material_or_404(request: HttpRequest, pk: int) -> Material:
    """A material of a class whose groups the person works with (the terminal: of its own
    class); else 404."""
    terminal = getattr(request, "terminal", None)
    found = Material.objects.select_related("school_class__grade", "group")
    if terminal is not None:
        found = found.filter(pk=pk, school_class=terminal.school_class_id)
    else:
        found = found.filter(pk=pk, school_class__in=group_classes(get_scope(request)).values("pk"))
    material = found.first()
    if material is None:
        raise Http404
    return material


@private_upload
@class_staff_or_terminal
@term_required
def class_materials(request: HttpRequest, school_class: SchoolClass, term: Term) -> HttpResponse:
    """The class's shared files of the term; a group shares its file here (on the class
    terminal, naming the member who shares it; a teacher on the group's behalf)."""
    terminal = getattr(request, "terminal", None)
    form = None
    if may_share(request, school_class):
        form = MaterialForm(
            request.POST or None,
            request.FILES or None,
            groups=materials.term_groups(school_class, term),
            subjects=materials.class_subjects(school_class),
            students=materials.class_pupils(school_class, term) if terminal else None,
        )

    def save():
        data = form.cleaned_data
        materials.add_material(
            group=data["group"],
            upload=data["file"],
            title=data["title"],
            kind=data["kind"],
            subject=data["subject"],
            note=data["note"],
            by=terminal.renewed_by if terminal else get_scope(request).staff,
            terminal=terminal,
            student=data.get("student"),
        )
        return reverse("groups:materials", args=[school_class.pk])

    context = {
        **page_context(request, school_class),
        "school_class": school_class,
        "term": term,
        "form": form,
        # Read when the page is shown (not on a successful upload, which redirects).
        "materials": lambda: materials.class_materials(school_class, term),
        "can_share": form is not None,
        "can_remove": terminal is None and can_edit(get_scope(request), school_class),
        "used_mb": lambda: materials.megabytes(materials.class_usage(school_class)),
        "quota_mb": materials.megabytes(materials.quota_bytes()),
        "max_mb": materials.megabytes(materials.max_bytes()),
    }
    return form_page(
        request,
        form,
        "groups/materials.html",
        context,
        on_valid=save,
        success_message=_("The file has been shared with the class."),
    )


@class_staff_or_terminal
@term_required
def showcase(request: HttpRequest, school_class: SchoolClass, term: Term) -> HttpResponse:
    """The groups' best work of the term, as the class shows it (学习成果展示)."""
    context = {
        **page_context(request, school_class),
        "school_class": school_class,
        "term": term,
        "materials": materials.showcase(school_class, term),
        "can_share": may_share(request, school_class),
    }
    return render(request, "groups/showcase.html", context)


@staff_or_terminal
@require_POST
def material_showcase(request: HttpRequest, pk: int) -> HttpResponse:
    """Put a group's work in the class's showcase, or take it out."""
    material = get_material_or_404(request, pk)
    if not may_share(request, material.school_class):
        raise PermissionDenied
    showcased = request.POST.get("showcased") == "1"
    materials.set_showcase(material, showcased)
    if showcased:
        messages.success(request, _("Put in the class's showcase."))
    else:
        messages.success(request, _("Taken out of the class's showcase."))
    return HttpResponseRedirect(reverse("groups:materials", args=[material.school_class_id]))


@staff_required
@require_POST
def material_remove(request: HttpRequest, pk: int) -> HttpResponse:
    """The class's keepers (its homeroom teacher, grade head, principal's office) remove a
    shared file, freeing the class's storage."""
    material = get_material_or_404(request, pk)
    if not can_edit(get_scope(request), material.school_class):
        raise PermissionDenied
    class_id = material.school_class_id
    materials.remove_material(material)
    messages.success(request, _("The file has been removed."))
    return HttpResponseRedirect(reverse("groups:materials", args=[class_id]))


@staff_or_terminal
def material_file(request: HttpRequest, pk: int) -> HttpResponse:
    """The file, to the class's teachers and keepers and its terminal only (private storage,
    never a public URL). The type is the one its content had; an image or a PDF opens in the
    browser, anything else is a download; never sniffed by the browser."""
    material = get_material_or_404(request, pk)
    try:
        handle = material.file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    response = FileResponse(handle, content_type=material.content_type)
    inline = FileType(material.content_type, "").shown_inline
    disposition = content_disposition(material.file_name)
    response["Content-Disposition"] = (
        disposition.replace("attachment", "inline", 1) if inline else disposition
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    response["Cache-Control"] = "private, max-age=3600"
    return response
