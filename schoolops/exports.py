"""Downloads too big for one request: written by a background task, like big imports.

``schoolops.sheets.http.sheet_response`` hands an export over here when its kind counts more
than ``EXPORT_BACKGROUND_ROWS`` rows (``ExportSheet.count``): ``start`` records what was asked
(an ``ExportRecord``: the kind, its options as the page resolved them, the file's name, who
asked, the language of the page) and queues ``tasks.run_export``; the person is sent to the
record's page (``export_views``), which shows a progress bar and, once the file is written, a
download link. The file waits in private storage (``PRIVATE_ROOT/exports``), is served only to
the person who asked, and is removed with its record a day after it was asked for
(``cleanup``, run by every export task and every visit of an export's page). An export whose
worker stopped (no sign of life for ``IMPORT_STALE_MINUTES``) is marked failed.

The read log is written when the file is, in the person's name and under the page's name.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import uuid
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from schoolops.models import ExportRecord
from schoolops.scopes import login_of
from schoolops.sheets import SheetRefused, engine
from schoolops.sheets.base import ExportSheet

KEPT = dt.timedelta(days=1)  # a written file (and its record) is kept this long
HEARTBEAT = dt.timedelta(seconds=10)


def export_dir() -> Path:
    folder = Path(settings.PRIVATE_ROOT) / "exports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def stored_path(record: ExportRecord) -> Path | None:
    """The record's file, if it has one that is still there (never outside the folder)."""
    if not record.stored_file:
        return None
    path = export_dir() / Path(record.stored_file).name
    return path if path.is_file() else None


# The kind's options, kept in the record until the task runs.


def encode_options(options: dict[str, Any]) -> dict[str, Any]:
    """Options as JSON: a record as its model and id, a queryset as its model and ids, a
    date as ISO text; other values must be JSON already (text, numbers, None)."""
    return {key: _encode(value) for key, value in options.items()}


def decode_options(data: dict[str, Any]) -> dict[str, Any]:
    """The options back (``ObjectDoesNotExist`` if a record has gone meanwhile)."""
    return {key: _decode(value) for key, value in data.items()}


def _encode(value: Any) -> Any:
    if isinstance(value, models.Model):
        return {"model": value._meta.label_lower, "pk": value.pk}
    if isinstance(value, models.QuerySet):
        return {
            "model": value.model._meta.label_lower,
            "pks": list(value.values_list("pk", flat=True)),
        }
    if isinstance(value, dt.datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, dt.date):
        return {"date": value.isoformat()}
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise TypeError(f"An export option cannot be kept for a background task: {value!r}")


def _decode(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    if "pks" in value:
        model = apps.get_model(value["model"])
        return model._default_manager.filter(pk__in=value["pks"])
    if "pk" in value:
        model = apps.get_model(value["model"])
        return model._default_manager.get(pk=value["pk"])
    if "datetime" in value:
        return dt.datetime.fromisoformat(value["datetime"])
    return dt.date.fromisoformat(value["date"])


# Asking, writing, cleaning up.


def start(
    request: HttpRequest, sheet: ExportSheet, file_name: str, rows: int, options: dict[str, Any]
) -> HttpResponse:
    """Queue the export and send the person to its page."""
    from schoolops import tasks

    match = getattr(request, "resolver_match", None)
    record = ExportRecord.objects.create(
        kind=sheet.kind,
        options=encode_options(options),
        file_name=file_name[:255],
        user=login_of(request),
        language=translation.get_language() or settings.LANGUAGE_CODE,
        page=(match.view_name if match else "")[:80],
        rows=rows,
    )
    tasks.run_export.enqueue(record.pk)
    return redirect("schoolops:export_status", pk=record.pk)


def execute(record: ExportRecord) -> None:
    """Write the record's file (the task's work): the person's scope and rights as they are
    now, the page's language; a refusal or a vanished record fails it with a message."""
    ExportRecord.objects.filter(pk=record.pk).update(
        status=ExportRecord.Status.RUNNING, heartbeat_at=timezone.now()
    )
    path = export_dir() / f"{uuid.uuid4().hex}.xlsx"
    partial = path.with_suffix(".part")
    last_beat = timezone.now()

    def progress(written: int) -> None:
        nonlocal last_beat
        now = timezone.now()
        percent = min(99, written * 100 // max(record.rows, 1))
        if percent >= record.progress + 5 or now - last_beat > HEARTBEAT:
            record.progress, last_beat = max(percent, record.progress), now
            ExportRecord.objects.filter(pk=record.pk).update(
                progress=record.progress, heartbeat_at=now
            )

    with translation.override(record.language or settings.LANGUAGE_CODE):
        try:
            sheet = engine.get_export_sheet(record.kind, record.user)
            options = decode_options(record.options)
            sheet.authorize(**options)
            with partial.open("wb") as target:
                written = engine.write_export(sheet, target, progress=progress, **options)
            partial.rename(path)
            engine.log_export_reads(sheet, record.user, record.page or f"export:{record.kind}")
        except (SheetRefused, PermissionDenied, ObjectDoesNotExist) as error:
            partial.unlink(missing_ok=True)
            message = getattr(error, "message", "") or _(
                "This export is no longer allowed or its records have gone; nothing was written."
            )
            _finish(record, ExportRecord.Status.FAILED, message=message)
            return
        except BaseException:
            partial.unlink(missing_ok=True)
            _finish(
                record,
                ExportRecord.Status.FAILED,
                message=_("The export failed unexpectedly. Try again later."),
            )
            raise
    _finish(record, ExportRecord.Status.DONE, stored_file=path.name, rows=written)


def _finish(record: ExportRecord, status: str, **fields: Any) -> None:
    for name, value in {"status": status, "progress": 100, **fields}.items():
        setattr(record, name, value)
    record.finished_at = timezone.now()
    record.save()


def cleanup() -> None:
    """Remove the exports asked for more than a day ago (records and files), stray files,
    and fail the ones whose worker stopped."""
    now = timezone.now()
    old = ExportRecord.objects.filter(created_at__lt=now - KEPT)
    for name in old.exclude(stored_file="").values_list("stored_file", flat=True):
        (export_dir() / Path(name).name).unlink(missing_ok=True)
    old.delete()
    cutoff = (now - KEPT).timestamp()
    for path in [*export_dir().glob("*.xlsx"), *export_dir().glob("*.part")]:
        with contextlib.suppress(OSError):
            if path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)
    stale = now - dt.timedelta(minutes=settings.IMPORT_STALE_MINUTES)
    for record in ExportRecord.objects.filter(
        status__in=ExportRecord.ACTIVE, heartbeat_at__lt=stale
    ).only("pk", "language"):
        with translation.override(record.language or settings.LANGUAGE_CODE):
            message = _(
                "The export stopped before it finished (its worker was stopped or is not "
                "running). Ask for it again."
            )
        ExportRecord.objects.filter(
            pk=record.pk, status__in=ExportRecord.ACTIVE, heartbeat_at__lt=stale
        ).update(status=ExportRecord.Status.FAILED, message=message, finished_at=now, progress=100)
