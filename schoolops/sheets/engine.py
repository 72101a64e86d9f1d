"""Running a sheet kind: import a file (checked, all-or-nothing, recorded) or write an export."""

from __future__ import annotations

import datetime as dt
import io
import os
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connections, models, router, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from schoolops.registry import registry
from schoolops.sheets import parsers
from schoolops.sheets.base import (
    BaseSheet,
    CellError,
    ExportSheet,
    ImportResult,
    ImportSheet,
    Row,
    SheetRefused,
)
from schoolops.sheets.reader import read_rows
from schoolops.sheets.writer import Heading, write_workbook, write_xlsx

PREVIEW_ROWS = 10
HEARTBEAT = dt.timedelta(seconds=10)  # an import's sign of life (ImportRecord.heartbeat_at)
HEADER_SEARCH_ROWS = 10  # title and note rows above the header are common in exports
PROGRESS_ROWS = 1000  # an export reports its progress every so many rows


def kinds() -> dict[str, type[BaseSheet]]:
    """Every registered kind; the roster's own five are always there."""
    import schoolops.sheets.roster  # noqa: F401  (registers the roster kinds)

    return dict(sorted(registry.sheets.items()))


def import_kinds() -> dict[str, type[ImportSheet]]:
    return {k: v for k, v in kinds().items() if issubclass(v, ImportSheet)}


def export_kinds() -> dict[str, type[ExportSheet]]:
    return {k: v for k, v in kinds().items() if issubclass(v, ExportSheet)}


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _find_header(
    sheet: ImportSheet, rows: list[list[Any]]
) -> tuple[int, dict[str, int], list[str]]:
    """(row index of the header, column key → cell index, ignored headers)."""
    wanted = {}
    for column in sheet.columns:
        for label in (column.header, *column.aliases):
            wanted.setdefault(parsers.normalize_header(label), column.key)
    best: tuple[int, dict[str, int], list[str]] | None = None
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        found: dict[str, int] = {}
        ignored: list[str] = []
        for position, cell in enumerate(row):
            label = parsers.normalize_header(cell)
            if not label:
                continue
            key = wanted.get(label)
            if key is None or key in found:
                ignored.append(parsers.normalize(str(cell)))
            else:
                found[key] = position
        if best is None or len(found) > len(best[1]):
            best = (index, found, ignored)
        if all(c.key in found for c in sheet.columns if c.required):
            return index, found, ignored
    missing = [c.header for c in sheet.columns if c.required and c.key not in (best or (0, {}))[1]]
    raise SheetRefused(
        _(
            "The sheet has no header row with the columns %(headers)s (missing: %(missing)s). "
            "Download the template and keep its first row."
        )
        % {"headers": " | ".join(sheet.headers()), "missing": "、".join(missing)}
    )


def run_import(
    sheet: ImportSheet,
    path: str | os.PathLike,
    *,
    dry_run: bool = False,
    progress: Callable[[float], None] | None = None,
) -> ImportResult:
    """Read, check and (unless a row is bad or ``dry_run``) apply a file. Writes nothing else."""
    started = time.perf_counter()
    result = ImportResult(kind=sheet.kind, dry_run=dry_run, headers=sheet.headers())
    report = progress or (lambda fraction: None)
    sheet.progress = lambda fraction: report(0.5 + fraction / 2)
    max_rows = sheet.max_rows or settings.IMPORT_MAX_ROWS
    try:
        # A sign of life every few seconds while a child process reads the file.
        all_rows = list(read_rows(path, max_rows, heartbeat=lambda: report(0.0)))
        while all_rows and all(parsers.is_blank(v) for v in all_rows[-1]):
            all_rows.pop()
        if not all_rows:
            raise SheetRefused(_("The sheet is empty."))
        header_index, positions, result.ignored_columns = _find_header(sheet, all_rows)
        sheet.recognise(positions, [parsers.normalize_header(c) for c in all_rows[header_index]])
        result.header_line = header_index + 1
        data = all_rows[header_index + 1 :]
        if len(data) > max_rows:
            raise SheetRefused(
                _("The sheet has more than %(count)s rows, more than a school has. Check the file.")
                % {"count": f"{max_rows:,}"}
            )
        sheet.letters = {key: column_letter(pos) for key, pos in positions.items()}
        columns = [(c, positions.get(c.key)) for c in sheet.columns]
        # Cells are parsed before the transaction, so that a background import's progress
        # (written to its record) is visible while the file is read.
        parsed = _parse_cells(sheet, data, header_index + 2, columns, report)
        result.rows = len(parsed)
        report(0.6)
        with transaction.atomic():
            sheet.prepare()
            rows = _clean_rows(sheet, parsed)
            sheet.check(rows)
            if sheet.errors:
                transaction.set_rollback(True)
            else:
                result.counts = sheet.apply(rows)
                if dry_run:
                    transaction.set_rollback(True)
                else:
                    result.notice = sheet.notice
            result.preview = [sheet.preview_row(row) for row in rows[:PREVIEW_ROWS]]
            result.changes = list(sheet.changes)
            result.skipped = list(sheet.skipped)
        result.layout = sheet.layout
    except SheetRefused as refusal:
        result.refused = refusal.message
    except ValidationError as error:
        result.refused = " ".join(str(m) for m in error.messages)
    except DatabaseError:
        result.refused = _(
            "The database refused the import (another import may be running). Nothing was "
            "written; try again in a moment."
        )
    result.errors = sorted(sheet.errors, key=lambda e: (e.line, e.letter or "~"))
    if result.errors:
        result.counts = type(result.counts)()
    result.seconds = time.perf_counter() - started
    return result


def _parse_cells(
    sheet: ImportSheet,
    data: list[list[Any]],
    first_line: int,
    columns: list[tuple[Any, int | None]],
    report: Callable[[float], None],
) -> list[Row | None]:
    """Every non-blank row parsed cell by cell; None for a row with a bad cell."""
    parsed: list[Row | None] = []
    total = len(data) or 1
    positions = [position for _column, position in columns if position is not None]
    for offset, raw in enumerate(data):
        if offset % 1000 == 0:
            report(0.6 * offset / total)
        width = len(raw)
        # Blank rows are skipped; a note in an ignored column does not make a row.
        if all(p >= width or parsers.is_blank(raw[p]) for p in positions):
            continue
        line = first_line + offset
        values: dict[str, Any] = {}
        bad = False
        for column, position in columns:
            cell = raw[position] if position is not None and position < width else None
            if parsers.is_blank(cell):
                if column.required:
                    sheet.add_error(line, column.key, _("This cell is empty."))
                    bad = True
                values[column.key] = column.default
                continue
            if isinstance(cell, str) and len(cell) > 10 * column.max_length:
                # Refused before parsing: a 100,000-character cell is not worth normalising.
                cell = cell[: 10 * column.max_length + 1]
            try:
                value = column.parse(cell)
            except CellError as error:
                sheet.add_error(line, error.column or column.key, error.message)
                bad = True
                continue
            if isinstance(value, str) and len(value) > column.max_length:
                sheet.add_error(
                    line,
                    column.key,
                    _("This cell has more than %(count)s characters.")
                    % {"count": column.max_length},
                )
                bad = True
                continue
            values[column.key] = value
        parsed.append(None if bad else Row(line, values))
    return parsed


def _clean_rows(sheet: ImportSheet, parsed: list[Row | None]) -> list[Row]:
    rows: list[Row] = []
    for parsed_row in parsed:
        if parsed_row is None:
            continue
        try:
            row = sheet.clean_row(parsed_row)
        except CellError as error:
            sheet.add_error(parsed_row.line, error.column, error.message)
            continue
        if row is not None:
            rows.append(row)
    return rows


def bulk_insert(model: type[models.Model], rows: list[dict[str, Any]]) -> None:
    """Insert plain rows (field name or attname → value) with one ``executemany``.

    About ten times faster than ``bulk_create`` for thousands of rows, because no model
    instance is built; no signal is sent and no primary key is returned. Fields a row leaves
    out get their default. Use it inside the import's transaction, like every write.
    """
    if not rows:
        return
    connection = connections[router.db_for_write(model)]
    meta = model._meta
    given = [meta.get_field(name) for name in rows[0]]
    names = list(rows[0])
    others = [
        f
        for f in meta.concrete_fields
        if f not in given and not f.primary_key and not getattr(f, "db_returning", False)
    ]
    defaults = [f.get_default() for f in others]
    fields = given + others
    quote = connection.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        quote(meta.db_table),
        ", ".join(quote(f.column) for f in fields),
        ", ".join(["%s"] * len(fields)),
    )
    values = [
        [f.get_db_prep_save(row[name], connection) for f, name in zip(given, names, strict=True)]
        + [f.get_db_prep_save(d, connection) for f, d in zip(others, defaults, strict=True)]
        for row in rows
    ]
    with connection.cursor() as cursor:
        for start in range(0, len(values), 2000):
            cursor.executemany(sql, values[start : start + 2000])


# Recording, private storage and the entry points used by the commands, the admin and tasks.


def private_dir() -> Path:
    folder = Path(settings.PRIVATE_ROOT) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def store_upload(chunks: Iterable[bytes]) -> Path:
    """Save an upload in private storage (never /tmp), refusing it past the size cap."""
    path = private_dir() / f"{uuid.uuid4().hex}.xlsx"
    size = 0
    try:
        with path.open("wb") as target:
            for chunk in chunks:
                size += len(chunk)
                if size > settings.IMPORT_MAX_UPLOAD_BYTES:
                    raise SheetRefused(
                        _("The file is larger than %(limit)s. Split it into several files.")
                        % {"limit": f"{settings.IMPORT_MAX_UPLOAD_BYTES / 1024 / 1024:.0f} MB"}
                    )
                target.write(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path


def stored_path(name: str) -> Path:
    """The private file of a stored upload, refusing names that leave the folder."""
    path = (private_dir() / Path(name).name).resolve()
    if path.parent != private_dir().resolve():
        raise SheetRefused(_("The uploaded file has expired. Upload it again."))
    return path


def count_rows(path: str | os.PathLike) -> int:
    """The last row the sheets reach (header included), found by the file checks; cheap."""
    from schoolops.sheets.reader import check_file

    return check_file(path).rows


def cleanup_stale_uploads(max_age_hours: int = 24) -> None:
    """Remove uploads left behind by previews nobody confirmed."""
    from schoolops.models import ImportRecord

    cutoff = time.time() - max_age_hours * 3600
    for path in [*private_dir().glob("*.xlsx"), *private_dir().glob("*.part")]:
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)
        except OSError:
            continue
    ImportRecord.objects.filter(
        created_at__lt=timezone.now() - dt.timedelta(hours=max_age_hours)
    ).exclude(stored_file="").update(stored_file="")


def get_import_sheet(kind: str, user: Any = None, *, school_class: Any = None) -> ImportSheet:
    """The kind's sheet for ``user``; with ``school_class``, limited to that class (a kind
    that declares ``class_scoped`` refuses the rows of other classes)."""
    sheet_class = import_kinds().get(kind)
    if sheet_class is None:
        raise SheetRefused(
            _("There is no import kind %(kind)s. Kinds: %(kinds)s.")
            % {"kind": kind, "kinds": ", ".join(import_kinds())}
        )
    if school_class is not None and not sheet_class.class_scoped:
        raise ValueError(f"The sheet kind {kind!r} cannot be limited to one class.")
    sheet = sheet_class(user)
    sheet.school_class = school_class
    return sheet


def import_file(
    kind: str,
    path: str | os.PathLike,
    *,
    user: Any = None,
    file_name: str = "",
    dry_run: bool = False,
    record: Any = None,
    school_class: Any = None,
) -> tuple[ImportResult, Any]:
    """Run an import of a file and record it in ``ImportRecord`` (pass ``record`` to reuse one);
    ``school_class`` limits it to one class (``get_import_sheet``).

    Returns the result and the record.
    """
    from schoolops.models import ImportRecord

    file_name = file_name or Path(path).name
    if record is None:
        record = ImportRecord.objects.create(
            kind=kind, file_name=file_name[:255], user=user, dry_run=dry_run
        )
    else:
        record.status = ImportRecord.Status.RUNNING
        record.heartbeat_at = timezone.now()
        record.save(update_fields=["status", "heartbeat_at"])

    def progress(fraction: float) -> None:
        """Writes the progress every 5 %, and a sign of life at least every 10 seconds."""
        percent = min(99, int(fraction * 100))
        now = timezone.now()
        if percent >= record.progress + 5 or now - record.heartbeat_at > HEARTBEAT:
            record.progress = max(percent, record.progress)
            record.heartbeat_at = now
            ImportRecord.objects.filter(pk=record.pk).update(
                progress=record.progress, heartbeat_at=now
            )

    try:
        sheet = get_import_sheet(kind, user, school_class=school_class)
        result = run_import(sheet, path, dry_run=dry_run, progress=progress)
    except SheetRefused as refusal:
        result = ImportResult(kind=kind, dry_run=dry_run, refused=refusal.message)
    except Exception:
        record.status = ImportRecord.Status.FAILED
        record.message = _("The import failed unexpectedly; nothing was written.")
        record.finished_at = timezone.now()
        record.save()
        raise
    if result.refused or result.errors:
        record.status = ImportRecord.Status.REFUSED
    elif dry_run:
        record.status = ImportRecord.Status.PREVIEWED
    else:
        record.status = ImportRecord.Status.DONE
    record.rows = result.rows
    record.new, record.changed, record.unchanged = (
        result.counts.new,
        result.counts.changed,
        result.counts.unchanged,
    )
    record.errors = [e.as_dict() for e in result.errors]
    record.message = result.refused
    record.preview = {
        "language": (record.preview or {}).get("language") or translation.get_language(),
        "headers": list(result.headers),
        "rows": [[str(value) for value in row] for row in result.preview],
        "ignored": result.ignored_columns,
    }
    record.progress = 100
    record.finished_at = timezone.now()
    record.save()
    return result, record


def get_export_sheet(kind: str, user: Any = None) -> ExportSheet:
    sheet_class = export_kinds().get(kind)
    if sheet_class is None:
        raise SheetRefused(
            _("There is no export kind %(kind)s. Kinds: %(kinds)s.")
            % {"kind": kind, "kinds": ", ".join(export_kinds())}
        )
    return sheet_class(user)


def write_export(
    sheet: ExportSheet,
    target: str | os.PathLike | IO[bytes],
    *,
    progress: Callable[[int], None] | None = None,
    **options: Any,
) -> int:
    """Write a kind's workbook (``options`` already resolved) to ``target``; returns the
    number of data rows written. ``progress(rows)`` is called every ``PROGRESS_ROWS`` rows."""
    written = 0

    def counted(rows: Iterable[Sequence[Any] | Heading]) -> Iterator[Sequence[Any] | Heading]:
        nonlocal written
        for row in rows:
            if not isinstance(row, Heading):
                written += 1
                if progress is not None and written % PROGRESS_ROWS == 0:
                    progress(written)
            yield row

    write_workbook(
        target, (replace(spec, rows=counted(spec.rows)) for spec in sheet.sheets(**options))
    )
    return written


def log_export_reads(sheet: ExportSheet, who: Any, what: str | None = None) -> None:
    """Log the sensitive parts a written export showed (``ExportSheet.log_read``): ``who`` is
    the request (the page's name is logged) or the user (``export:<kind>``)."""
    from schoolops import privacy

    for categories, students in sheet.reads.items():
        privacy.log_read(who, students, categories, what)
    sheet.reads.clear()


def export_file(
    kind: str, target: str | os.PathLike | IO[bytes], *, user: Any = None, **options: Any
) -> int:
    """Write an export kind to ``target`` as ``user`` sees it (the command line: everything,
    no permission asked); returns the number of rows written."""
    sheet = get_export_sheet(kind, user)
    options = sheet.resolve(**options)
    count = write_export(sheet, target, **options)
    log_export_reads(sheet, user, f"export:{kind}")
    return count


def template_bytes(kind: str) -> bytes:
    """A blank template of an import kind: the header row, id columns formatted as text."""
    sheet_class = import_kinds().get(kind)
    if sheet_class is None:
        raise SheetRefused(_("There is no import kind %(kind)s.") % {"kind": kind})
    buffer = io.BytesIO()
    text_columns = {i for i, c in enumerate(sheet_class.columns) if c.text_format}
    # A few pre-formatted blank rows keep Excel from turning typed ids into numbers.
    write_xlsx(
        buffer,
        sheet_class.headers(),
        [[None] * len(sheet_class.columns) for _i in range(200)] if text_columns else [],
        text_columns=text_columns,
        widths=[c.width for c in sheet_class.columns],
        title=str(sheet_class.title or kind),
    )
    return buffer.getvalue()
