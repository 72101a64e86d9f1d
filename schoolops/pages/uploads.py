"""A sheet uploaded for one class: upload → check (a dry run) → confirm, on one page.

The people who hold a class's files upload them from the class's pages: the homeroom teacher
the 学习委员's weekly score sheet, the class's 志愿 sheet. The page takes one sheet kind
limited to one class (a kind that declares ``ImportSheet.class_scoped``; a row of another
class is refused, naming the row), checks the file with the engine (``engine.import_file``
with ``dry_run``: the rows, every problem by row and column, the header row found) and
offers a button that runs the real import, all-or-nothing, recorded in ``ImportRecord`` like
any import. Nothing tells the teacher to use a command line::

    @private_upload
    @class_required(edit=True)
    def score_upload(request, school_class):
        return sheet_upload_page(
            request,
            kind="scores",
            school_class=school_class,
            done_url=reverse("groups:ranking", args=[school_class.pk]),
        )

One URL serves the whole page: GET the form (``?template=1``: the blank template; ``?record=
<id>``: a check's result), POST a file to check it, POST ``confirm`` with ``record`` to
import it. A record is answered only to the person who uploaded it, for the same kind and
class (anything else is a 404), and is imported once whatever the number of clicks.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from schoolops.models import ImportRecord, SchoolClass
from schoolops.params import to_pk
from schoolops.scopes import login_of
from schoolops.sheets import RowError, SheetRefused, engine
from schoolops.sheets.forms import UploadForm
from schoolops.sheets.http import xlsx_response
from schoolops.sheets.uploads import PrivateUploadHandler


def private_upload(view: Callable) -> Callable:
    """View decorator (outermost): the upload streams to private storage, never /tmp.

    Upload handlers must be set before anything reads the POST, and the CSRF check reads it:
    the check is made here, after the swap, as the admin's import does."""
    protected = csrf_protect(view)

    @csrf_exempt
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        request.upload_handlers = [PrivateUploadHandler(request)]
        return protected(request, *args, **kwargs)

    return wrapper


def sheet_upload_page(
    request: HttpRequest,
    *,
    kind: str,
    school_class: SchoolClass | None,
    template: str = "schoolops/sheet_upload.html",
    context: dict[str, Any] | None = None,
    done_url: str | None = None,
) -> HttpResponse:
    """The upload page of ``kind`` limited to ``school_class`` (see the module docstring), or,
    with ``school_class=None``, of the whole school's sheet of a kind (the academic office's
    questionnaire answers, from its evaluation page).

    The view decides who may open it (a ``schoolops.scopes`` decorator); ``template`` extends
    an app base and includes ``schoolops/_sheet_upload.html``; ``done_url`` is where a
    finished import goes (default: the page again, showing the record)."""
    sheet_class = engine.import_kinds().get(kind)
    if sheet_class is None or (school_class is not None and not sheet_class.class_scoped):
        raise ValueError(f"The sheet kind {kind!r} cannot be uploaded for one class.")
    if request.method == "POST" and "confirm" in request.POST:
        confirmed = _own_record(request, request.POST.get("record"), kind, school_class)
        return _confirm(request, confirmed, school_class, done_url)
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            checked = _check(request, kind, school_class, form.cleaned_data["file"])
            return HttpResponseRedirect(f"{request.path}?record={checked.pk}")
    else:
        form = UploadForm()
        if request.GET.get("template"):
            title = str(sheet_class.title or kind)
            return xlsx_response(engine.template_bytes(kind), f"{title}.xlsx")
    record: ImportRecord | None = None
    if "record" in request.GET:
        record = _own_record(request, request.GET["record"], kind, school_class)
    upload = {
        "title": sheet_class.title,
        "headers": sheet_class.headers(),
        "school_class": school_class,
        "form": form,
        "record": record,
        "max_mb": settings.IMPORT_MAX_UPLOAD_BYTES // 1024 // 1024,
        **(_record_context(record) if record is not None else {}),
    }
    return render(request, template, {**(context or {}), "upload": upload})


def _own_record(
    request: HttpRequest, value: Any, kind: str, school_class: SchoolClass | None
) -> ImportRecord:
    """The uploader's own record of this kind and class; anything else is a 404."""
    pk = to_pk(value)
    if pk is None:
        raise Http404
    record = ImportRecord.objects.filter(pk=pk, kind=kind, user=login_of(request)).first()
    if record is None or (record.preview or {}).get("school_class") != _class_pk(school_class):
        raise Http404
    return record


def _check(
    request: HttpRequest, kind: str, school_class: SchoolClass | None, upload: Any
) -> ImportRecord:
    """Store the upload privately and run the dry run; the record says how it went."""
    engine.cleanup_stale_uploads()
    record = ImportRecord.objects.create(
        kind=kind,
        file_name=engine.upload_file_name(upload),
        user=login_of(request),
        dry_run=True,
        status=ImportRecord.Status.RUNNING,
        preview=_extra(request, school_class),
    )
    rows = engine.store_for_check(record, upload)
    if rows is None:  # refused, the record says why
        return record
    # A class's sheet is small: it is checked and imported within the request.
    if rows > settings.IMPORT_BACKGROUND_ROWS:
        engine.refuse(
            record,
            _("The file has more than %(count)s rows, more than one class's sheet has.")
            % {"count": f"{settings.IMPORT_BACKGROUND_ROWS:,}"},
        )
        return record
    return _run(request, record, school_class, engine.stored_path(record.stored_file), dry_run=True)


def _confirm(
    request: HttpRequest,
    record: ImportRecord,
    school_class: SchoolClass | None,
    done_url: str | None,
) -> HttpResponse:
    again = HttpResponseRedirect(f"{request.path}?record={record.pk}")
    # Claimed once: a second click (or a second tab) finds the record no longer checked.
    claimed = ImportRecord.objects.filter(
        pk=record.pk, status=ImportRecord.Status.PREVIEWED
    ).exclude(stored_file="")
    if not claimed.update(status=ImportRecord.Status.RUNNING, dry_run=False):
        messages.error(request, _("This file was already imported or has expired."))
        return again
    record.refresh_from_db()
    try:
        stored = engine.stored_path(record.stored_file)
        if not stored.is_file():
            raise SheetRefused(_("The uploaded file has expired. Upload it again."))
    except SheetRefused as refusal:
        engine.refuse(record, refusal.message)
        messages.error(request, refusal.message)
        return again
    record = _run(request, record, school_class, stored, dry_run=False)
    if record.status != ImportRecord.Status.DONE:
        messages.error(request, _("The file was refused; nothing was written."))
        return again
    messages.success(
        request,
        _("Imported: %(new)s new, %(changed)s changed, %(unchanged)s unchanged.")
        % {"new": record.new, "changed": record.changed, "unchanged": record.unchanged},
    )
    return HttpResponseRedirect(done_url or again.url)


def _run(
    request: HttpRequest,
    record: ImportRecord,
    school_class: SchoolClass | None,
    stored: Path,
    *,
    dry_run: bool,
) -> ImportRecord:
    """Run the engine on the stored file for the class; the file is kept only while a
    successful check waits for its confirmation."""
    try:
        result, record = engine.import_file(
            record.kind,
            stored,
            user=request.user,
            file_name=record.file_name,
            dry_run=dry_run,
            record=record,
            school_class=school_class,
        )
    except Exception:
        # The engine has marked the record failed; the file goes with it.
        stored.unlink(missing_ok=True)
        ImportRecord.objects.filter(pk=record.pk).update(stored_file="")
        raise
    keep = dry_run and result.ok
    if not keep:
        stored.unlink(missing_ok=True)
    # The engine writes the preview afresh; the page also keeps what it needs to show.
    record.preview = {
        **(record.preview or {}),
        **_extra(request, school_class),
        "header_line": result.header_line,
        "layout": result.layout,
        "changes": [change.as_dict() for change in result.changes],
        "skipped": [row.as_dict() for row in result.skipped],
    }
    record.stored_file = record.stored_file if keep else ""
    record.save(update_fields=["preview", "stored_file"])
    return record


def _class_pk(school_class: SchoolClass | None) -> int | None:
    return school_class.pk if school_class is not None else None


def _extra(request: HttpRequest, school_class: SchoolClass | None) -> dict[str, Any]:
    return {"language": translation.get_language(), "school_class": _class_pk(school_class)}


def _record_context(record: ImportRecord) -> dict[str, Any]:
    preview = record.preview or {}
    return {
        "errors": [RowError.from_dict(error) for error in record.errors or []],
        "preview_headers": preview.get("headers", []),
        "preview_rows": preview.get("rows", []),
        "ignored": preview.get("ignored", []),
        "header_line": preview.get("header_line"),
        "layout": preview.get("layout", ""),
        "changes": preview.get("changes", []),
        "skipped": [RowError.from_dict(row) for row in preview.get("skipped", [])],
        "can_confirm": (
            record.status == ImportRecord.Status.PREVIEWED
            and bool(record.stored_file)
            and record.new + record.changed > 0
        ),
    }
