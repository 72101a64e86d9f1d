"""Background work: imports of files and exports too big to run within a request.

The default backend (``django_tasks_db``) keeps the queue in the database, so no other
server is needed; run ``python manage.py db_worker`` next to the web server. Tests use the
immediate backend, which runs the task at once.

An import whose worker died (killed, restarted, out of memory) would stay queued or running
for ever: ``fail_interrupted`` marks every import without a sign of life
(``ImportRecord.heartbeat_at``) for ``IMPORT_STALE_MINUTES`` as failed and removes its file.
It runs when a worker takes a task and when an import page or the import history is opened.
"""

from __future__ import annotations

import contextlib
import datetime as dt

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from django_tasks import task

from schoolops.models import ImportRecord
from schoolops.sheets import ImportResult, SheetRefused, engine


def execute(record: ImportRecord, *, dry_run: bool) -> ImportResult | None:
    """Check (``dry_run``) or import the stored file of a record; the file is removed
    afterwards unless a check leaves it waiting for confirmation or a second check."""
    user = record.user
    try:
        path = engine.stored_path(record.stored_file)
        if not record.stored_file or not path.is_file():
            raise SheetRefused(_("The uploaded file has expired. Upload it again."))
    except SheetRefused as refusal:
        record.status = ImportRecord.Status.REFUSED
        record.message = refusal.message
        record.finished_at = timezone.now()
        record.save()
        return None
    record.dry_run = dry_run
    language = (record.preview or {}).get("language") or translation.get_language()
    try:
        with translation.override(language):
            result, _record = engine.import_file(
                record.kind,
                path,
                user=user,
                file_name=record.file_name,
                dry_run=dry_run,
                record=record,
            )
    except Exception:
        record.status = ImportRecord.Status.FAILED
        record.message = _("The import failed unexpectedly; nothing was written.")
        record.finished_at = timezone.now()
        record.stored_file = ""
        record.save()
        path.unlink(missing_ok=True)
        raise
    # A check that other choices may pass (a column mapping, an option) keeps the file for
    # the admin's second check; cleanup_stale_uploads removes it after a day.
    if not (dry_run and (result.ok or result.recheckable)):
        path.unlink(missing_ok=True)
        record.stored_file = ""
        record.save(update_fields=["stored_file"])
    return result


def fail_interrupted() -> int:
    """Mark the imports whose worker stopped as failed, removing their files; how many."""
    now = timezone.now()
    cutoff = now - dt.timedelta(minutes=settings.IMPORT_STALE_MINUTES)
    stale = ImportRecord.objects.filter(status__in=ImportRecord.ACTIVE, heartbeat_at__lt=cutoff)
    count = 0
    for record in stale.only("pk", "preview", "stored_file"):
        language = (record.preview or {}).get("language") or settings.LANGUAGE_CODE
        with translation.override(language):
            message = _(
                "The import stopped before it finished (its worker was stopped or is not "
                "running), so nothing was written. Upload the file again."
            )
        # Only if it is still stale: its worker may have finished meanwhile.
        if stale.filter(pk=record.pk).update(
            status=ImportRecord.Status.FAILED,
            message=message,
            finished_at=now,
            stored_file="",
            progress=100,
        ):
            count += 1
            if record.stored_file:
                with contextlib.suppress(SheetRefused):
                    engine.stored_path(record.stored_file).unlink(missing_ok=True)
    return count


@task()
def run_import(record_id: int, dry_run: bool) -> None:
    """The background twin of ``execute`` for files over ``IMPORT_BACKGROUND_ROWS`` rows."""
    # This one is alive, even if it waited long for a worker; others may not be.
    ImportRecord.objects.filter(pk=record_id, status=ImportRecord.Status.QUEUED).update(
        heartbeat_at=timezone.now()
    )
    fail_interrupted()
    record = ImportRecord.objects.filter(pk=record_id).first()
    if record is None or record.status != ImportRecord.Status.QUEUED:
        return
    execute(record, dry_run=dry_run)


@task()
def run_export(record_id: int) -> None:
    """Write an export over ``EXPORT_BACKGROUND_ROWS`` rows (``schoolops.exports``)."""
    from schoolops import exports
    from schoolops.models import ExportRecord

    ExportRecord.objects.filter(pk=record_id, status=ExportRecord.Status.QUEUED).update(
        heartbeat_at=timezone.now()
    )
    exports.cleanup()
    record = (
        ExportRecord.objects.select_related("user")
        .filter(pk=record_id, status=ExportRecord.Status.QUEUED)
        .first()
    )
    if record is not None:
        exports.execute(record)
