"""The page of a background export (``schoolops.exports``): its progress, then its file.

Both answer only the person who asked for the export; anyone else, and an export removed
after a day, gets a 404.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from schoolops import exports
from schoolops.models import ExportRecord
from schoolops.sheets.http import xlsx_response


def _own_export(request: HttpRequest, pk: int) -> ExportRecord:
    exports.cleanup()  # a day-old export is gone; one whose worker died shows as failed
    return get_object_or_404(ExportRecord, pk=pk, user=request.user)


@login_required
@require_safe
def export_status(request: HttpRequest, pk: int) -> HttpResponse:
    record = _own_export(request, pk)
    ready = record.status == ExportRecord.Status.DONE and exports.stored_path(record) is not None
    return render(
        request,
        "schoolops/export_status.html",
        {"record": record, "ready": ready, "running": not record.finished},
    )


@login_required
@require_safe
def export_download(request: HttpRequest, pk: int) -> HttpResponse:
    record = _own_export(request, pk)
    path = exports.stored_path(record) if record.status == ExportRecord.Status.DONE else None
    if path is None:
        raise Http404
    response = xlsx_response(path.read_bytes(), record.file_name)
    response.export_kind = record.kind  # type: ignore[attr-defined]
    return response
