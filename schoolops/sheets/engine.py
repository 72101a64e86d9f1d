"""Running a sheet kind: import a file (checked, all-or-nothing, recorded) or write an export."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import logging
import os
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

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
    HeaderNotFound,
    ImportResult,
    ImportSheet,
    Row,
    SheetRefused,
)
from schoolops.sheets.reader import read_rows
from schoolops.sheets.uploads import PrivateUploadedFile
from schoolops.sheets.writer import Heading, write_workbook, write_xlsx

if TYPE_CHECKING:
    from schoolops.models import ImportRecord

logger = logging.getLogger(__name__)

PREVIEW_ROWS = 10
SKIPPED_KEPT = 500  # rows left out on request (and total rows) listed in the record
HEARTBEAT = dt.timedelta(seconds=10)  # an import's sign of life (ImportRecord.heartbeat_at)
HEADER_SEARCH_ROWS = 10  # title and note rows above the header are common in exports
# Rows under the students that sum them up, as exam systems write them: skipped (not errors)
# when one of a row's first FOOTER_CELLS cells starts with one of these words.
FOOTER_WORDS = (
    "平均分",
    "平均成绩",
    "平均值",
    "最高分",
    "最低分",
    "参考人数",
    "实考人数",
    "应考人数",
    "缺考人数",
    "及格人数",
    "优秀人数",
    "及格率",
    "优秀率",
    "优良率",
    "低分率",
    "标准差",
    "合计",
    "总计",
    "小计",
    "统计",
    "制表",
    "审核",
    "备注",
    "说明",
)
FOOTER_CELLS = 3
_FOOTER_STARTS = frozenset(word[0] for word in FOOTER_WORDS)  # a quick test before normalising
# Between the upper and the lower cell of a two-row header's label: 语文(120)/得分.
LABEL_JOIN = "/"
PROGRESS_ROWS = 1000  # an export reports its progress every so many rows


def kinds() -> dict[str, type[BaseSheet]]:
    """Every registered kind (the roster's five come from ``SchoolOpsConfig.ready()``)."""
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


@dataclass
class Header:
    """The header row found (two rows for a two-row header) and what its columns feed."""

    top: int  # index of its first row
    bottom: int  # index of its last row (the same for a one-row header)
    labels: list[str]  # each cell's normalised label; a two-row header's joined (语文(120)/得分)
    usable: list[str]  # the labels, those mapped by hand to "" (left out) blanked
    found: dict[str, int]  # column key → cell index
    missing: list[str]  # the headers still missing (none: this is the header)

    @property
    def line(self) -> int:
        """The Excel row number of its (last) row."""
        return self.bottom + 1

    def columns(self) -> list[tuple[str, str]]:
        return [(column_letter(i), label) for i, label in enumerate(self.labels) if label]


def _labels(row: list[Any]) -> list[str]:
    return [parsers.normalize_header(cell) for cell in row]


def _two_row_labels(upper: list[Any], lower: list[Any]) -> list[str] | None:
    """One label per column of a two-row header, or None if the two rows are not one.

    An upper cell over a labelled lower cell names a block of sub-columns (「语文（120）」 over
    得分 | 班次 | 校次, merged: the reader gives its value in the first cell only), so it is
    carried to the right over the blank upper cells of its block; an upper cell over a blank
    one (考号 merged down over both rows) is a column of its own and is not carried.
    """
    width = max(len(upper), len(lower))
    upper_labels = _labels(upper) + [""] * (width - len(upper))
    lower_labels = _labels(lower) + [""] * (width - len(lower))
    labels = []
    block = ""
    two_rows = False
    for top, bottom in zip(upper_labels, lower_labels, strict=True):
        if top:
            block = top if bottom else ""
        else:
            top = block
        if top and bottom:
            two_rows = True
            labels.append(f"{top}{LABEL_JOIN}{bottom}")
        else:
            labels.append(top or bottom)
    return labels if two_rows else None


def _candidate(
    sheet: ImportSheet, top: int, bottom: int, labels: list[str], mapping: dict[str, str]
) -> Header:
    """The columns a candidate header row feeds: the mapping by hand first, then headers and
    aliases; a label mapped to "" is left out."""
    wanted = sheet.header_labels()
    usable = ["" if mapping.get(label) == "" else label for label in labels]
    found: dict[str, int] = {}
    for position, label in enumerate(usable):
        key = mapping.get(label)
        if key and key not in found:
            found[key] = position
    for position, label in enumerate(usable):
        key = wanted.get(label) if label and label not in mapping else None
        if key is not None and key not in found:
            found[key] = position
    missing = sheet.match_header(found, usable)
    return Header(top, bottom, labels, usable, found, missing)


def _find_header(sheet: ImportSheet, rows: list[list[Any]], mapping: dict[str, str]) -> Header:
    """The header: the first of the first ``HEADER_SEARCH_ROWS`` rows that has what the kind
    needs, read as the upper row of a two-row header when that feeds at least as many columns.
    Raises ``HeaderNotFound`` with the likeliest row's columns."""
    best: Header | None = None

    def likeliness(header: Header) -> tuple[int, bool, int]:
        # Most columns recognised, then one row rather than two, then most labels.
        return len(header.found), header.top == header.bottom, len(header.columns())

    for top in range(min(HEADER_SEARCH_ROWS, len(rows))):
        candidates = []
        two_rows = _two_row_labels(rows[top], rows[top + 1]) if top + 1 < len(rows) else None
        if two_rows is not None:
            candidates.append(_candidate(sheet, top, top + 1, two_rows, mapping))
        candidates.append(_candidate(sheet, top, top, _labels(rows[top]), mapping))
        for candidate in candidates:
            if best is None or likeliness(candidate) > likeliness(best):
                best = candidate
        accepted = [c for c in candidates if not c.missing]
        if accepted:
            # max() keeps the first of equals: the two-row reading.
            return max(accepted, key=lambda c: len(c.found))
    assert best is not None  # the sheet has a row (empty sheets are refused before)
    raise HeaderNotFound(
        _(
            "The sheet has no header row with the columns %(headers)s (missing: %(missing)s). "
            "Download the template and keep its first row."
        )
        % {"headers": " | ".join(sheet.headers()), "missing": "、".join(best.missing)},
        best.columns(),
        best.missing,
    )


def _title_lines(rows: list[list[Any]]) -> list[str]:
    """The text of each row above the header (a merged title's value is in its first cell)."""
    lines = []
    for row in rows:
        text = " ".join(str(parsers.normalize(c)) for c in row if not parsers.is_blank(c))
        if text:
            lines.append(text)
    return lines


def _is_footer(raw: list[Any]) -> bool:
    for cell in raw[:FOOTER_CELLS]:
        if not isinstance(cell, str) or cell.lstrip()[:1] not in _FOOTER_STARTS:
            continue
        if parsers.normalize_header(cell).startswith(FOOTER_WORDS):
            return True
    return False


def _normalised_mapping(sheet: ImportSheet, mapping: dict[str, str]) -> dict[str, str]:
    """A mapping by hand (file column → field, as typed or stored) as normalised label → key;
    "" leaves the column out. ``SheetRefused`` names a field the kind does not have."""
    normalised = {}
    for label, field_name in mapping.items():
        key = sheet.field_key(field_name) if field_name else ""
        if key is None:
            fields = "、".join(f"{header} ({key})" for key, header, _r in sheet.mapping_fields())
            raise SheetRefused(
                _("%(kind)s has no field %(field)s. Its fields: %(fields)s.")
                % {"kind": sheet.title or sheet.kind, "field": field_name, "fields": fields}
            )
        normalised[parsers.normalize_header(label)] = key
    return normalised


def _check_mapped_labels(header: Header, mapping: dict[str, str]) -> None:
    """Every column mapped by hand is a column of the header found."""
    unknown = [label for label in mapping if label not in header.labels]
    if unknown:
        raise SheetRefused(
            _("The header (row %(line)s) has no column %(columns)s. Its columns: %(labels)s.")
            % {
                "line": header.line,
                "columns": "、".join(unknown),
                "labels": "、".join(label for _letter, label in header.columns()),
            }
        )


def run_import(
    sheet: ImportSheet,
    path: str | os.PathLike,
    *,
    dry_run: bool = False,
    progress: Callable[[float], None] | None = None,
    choices: ImportChoices | None = None,
) -> ImportResult:
    """Read, check and (unless a row is bad or ``dry_run``) apply a file. Writes nothing else.

    ``choices`` are the person's: the kind's options, a column mapping by hand, the sheet."""
    started = time.perf_counter()
    choices = choices or ImportChoices()
    result = ImportResult(kind=sheet.kind, dry_run=dry_run, headers=sheet.headers())
    report = progress or (lambda fraction: None)
    sheet.progress = lambda fraction: report(0.5 + fraction / 2)
    max_rows = sheet.max_rows or settings.IMPORT_MAX_ROWS
    try:
        sheet.set_options(choices.options)
        mapping = _normalised_mapping(sheet, choices.mapping)
        # A sign of life every few seconds while a child process reads the file.
        reading = read_rows(path, max_rows, lambda: report(0.0), sheet=choices.sheet or None)
        all_rows = list(reading)
        while all_rows and all(parsers.is_blank(v) for v in all_rows[-1]):
            all_rows.pop()
        if not all_rows:
            raise SheetRefused(_("The sheet is empty."))
        header = _find_header(sheet, all_rows, mapping)
        _check_mapped_labels(header, mapping)
        result.header_line = header.line
        result.file_columns = header.columns()
        result.title_lines = sheet.title_lines = _title_lines(all_rows[: header.top])
        positions = header.found
        try:
            sheet.recognise(positions, header.usable)
        except SheetRefused:
            result.recheckable = True  # the kind finds the columns lacking: a mapping may help
            raise
        result.layout = sheet.layout
        result.headers = sheet.preview_headers()
        result.mapping = [
            (column_letter(pos), header.labels[pos], sheet.header_of(key), key)
            for key, pos in sorted(positions.items(), key=lambda item: item[1])
        ]
        used = set(positions.values())
        result.ignored_columns = [
            label for pos, label in enumerate(header.labels) if label and pos not in used
        ]
        data = all_rows[header.bottom + 1 :]
        if len(data) > max_rows:
            raise SheetRefused(
                _("The sheet has more than %(count)s rows, more than a school has. Check the file.")
                % {"count": f"{max_rows:,}"}
            )
        sheet.letters = {key: column_letter(pos) for key, pos in positions.items()}
        columns = [(c, positions.get(c.key)) for c in sheet.columns]
        # Cells are parsed before the transaction, so that a background import's progress
        # (written to its record) is visible while the file is read.
        parsed = _parse_cells(sheet, data, header.bottom + 2, columns, report, result.footers)
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
    except HeaderNotFound as refusal:
        result.refused = refusal.message
        result.file_columns = refusal.columns
        result.missing = refusal.missing
        result.recheckable = True  # a column mapping may name what is missing
    except SheetRefused as refusal:
        result.refused = refusal.message
    except ValidationError as error:
        result.refused = " ".join(str(m) for m in error.messages)
    except DatabaseError:
        result.refused = _(
            "The database refused the import (another import may be running). Nothing was "
            "written; try again in a moment."
        )
    result.options = sheet.options_used()
    result.recheckable = result.recheckable or sheet.recheckable
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
    footers: list[int],
) -> list[Row | None]:
    """Every non-blank row parsed cell by cell; None for a row with a bad cell. The lines of
    rows read as totals under the students (``FOOTER_WORDS``) go to ``footers``."""
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
        if _is_footer(raw):
            footers.append(line)
            continue
        values: dict[str, Any] = {}
        bad = False
        for column, position in columns:
            cell = raw[position] if position is not None and position < width else None
            if parsers.is_blank(cell):
                # A required column the file has not (another layout's) is the kind's matter.
                if column.required and position is not None:
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


def _as_is(field: Any) -> type | None:
    """The type of value the column's own preparation hands to the database unchanged: an
    ``int`` for an integer column or key, a finite ``Decimal`` for a decimal column (every
    backend we run keeps it). Such values skip that preparation, a fraction of a second over
    tens of thousands of rows."""
    target = field.target_field if field.is_relation else field
    if isinstance(target, models.IntegerField):
        return int
    if isinstance(target, models.DecimalField):
        return Decimal
    return None


def _prepared(value: Any, kind: type | None, prepare: Any, connection: Any) -> Any:
    if kind is int and type(value) is int:
        return value
    if kind is Decimal and isinstance(value, Decimal) and value.is_finite():
        return value
    return prepare(value, connection)


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
    given: list[Any] = [meta.get_field(name) for name in rows[0]]  # concrete fields
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
    prepared_defaults = [
        f.get_db_prep_save(d, connection) for f, d in zip(others, defaults, strict=True)
    ]
    columns = [(name, _as_is(f), f.get_db_prep_save) for f, name in zip(given, names, strict=True)]
    values = [
        [_prepared(row[name], kind, prepare, connection) for name, kind, prepare in columns]
        + prepared_defaults
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


def upload_file_name(upload: Any) -> str:
    """The upload's own name, without the folders a browser may send, as a record keeps it."""
    return upload.name.replace("\\", "/").rsplit("/", 1)[-1][:255]


def store_for_check(record: ImportRecord, upload: Any) -> int | None:
    """Keep ``upload`` in private storage as the import record's file and count its rows.

    A file the checks refuse, or one no check foresaw, refuses the record (its copy removed)
    and gives None: nothing is imported from it."""
    try:
        if isinstance(upload, PrivateUploadedFile):
            stored = upload.claim()  # streamed there by PrivateUploadHandler
        else:
            stored = store_upload(upload.chunks())
        record.stored_file = stored.name
        record.save(update_fields=["stored_file"])
        return count_rows(stored)
    except SheetRefused as refusal:
        refuse(record, refusal.message)
    except Exception:
        logger.exception("checking the upload of import record %s failed", record.pk)
        refuse(record, _("The file is damaged and cannot be opened as an Excel workbook."))
    return None


def refuse(record: ImportRecord, message: str) -> None:
    """Mark the import record refused with ``message``; its stored file is removed."""
    from schoolops.models import ImportRecord

    if record.stored_file:
        with contextlib.suppress(SheetRefused):
            stored_path(record.stored_file).unlink(missing_ok=True)
    record.status = ImportRecord.Status.REFUSED
    record.message = message
    record.stored_file = ""
    record.progress = 100
    record.finished_at = timezone.now()
    record.save()


@dataclass
class ImportChoices:
    """What the person importing chose, kept in ``ImportRecord.choices`` so that the
    confirmation imports what the check showed: the kind's options (``--exam``), a column
    mapping by hand (the file's header → a field's key or header; "" leaves a column out), the
    import template it came from (``ImportTemplate``, by name) and the workbook's sheet."""

    options: dict[str, Any] = field(default_factory=dict)
    mapping: dict[str, str] = field(default_factory=dict)
    template: str = ""
    sheet: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "options": {k: v for k, v in self.options.items() if v not in (None, "", False)},
            "mapping": dict(self.mapping),
            "template": self.template,
            "sheet": self.sheet,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> ImportChoices:
        data = data or {}
        return cls(
            options=dict(data.get("options") or {}),
            mapping=dict(data.get("mapping") or {}),
            template=data.get("template") or "",
            sheet=data.get("sheet") or "",
        )


def resolve_choices(kind: str, choices: ImportChoices) -> ImportChoices:
    """The choices with their template's mapping copied in (the choices' own mapping wins), so
    that a template edited later does not change an import checked before."""
    if not choices.template:
        return choices
    from schoolops.models import ImportTemplate

    template = ImportTemplate.objects.filter(kind=kind, name=choices.template).first()
    if template is None:
        names = ImportTemplate.objects.filter(kind=kind).values_list("name", flat=True)
        raise SheetRefused(
            _("There is no import template %(name)s for this kind. Templates: %(names)s.")
            % {"name": choices.template, "names": "、".join(names) or _("none")}
        )
    return replace(choices, mapping={**template.mapping, **choices.mapping})


def save_template(kind: str, name: str, mapping: dict[str, str], user: Any = None) -> Any:
    """Save a column mapping (the file's column → field key) as the school's named template."""
    from schoolops.models import ImportTemplate

    return ImportTemplate.objects.create(
        kind=kind,
        name=name,
        mapping={parsers.normalize_header(label): key for label, key in mapping.items()},
        created_by=user,
    )


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
    choices: ImportChoices | None = None,
) -> tuple[ImportResult, Any]:
    """Run an import of a file and record it in ``ImportRecord`` (pass ``record`` to reuse one);
    ``school_class`` limits it to one class (``get_import_sheet``). ``choices`` (options, a
    mapping, a template, the sheet) are resolved and kept in the record; without them, a
    reused record's own are used (the confirmation of a check).

    Returns the result and the record.
    """
    from schoolops.models import ImportRecord

    file_name = file_name or Path(path).name
    refusal = ""
    if choices is not None:
        try:
            choices = resolve_choices(kind, choices)
        except SheetRefused as error:
            refusal = error.message
    if record is None:
        record = ImportRecord.objects.create(
            kind=kind,
            file_name=file_name[:255],
            user=user,
            dry_run=dry_run,
            choices=(choices or ImportChoices()).as_dict(),
        )
    else:
        record.status = ImportRecord.Status.RUNNING
        record.heartbeat_at = timezone.now()
        if choices is not None:
            record.choices = choices.as_dict()
        record.save(update_fields=["status", "heartbeat_at", "choices"])
    choices = ImportChoices.from_dict(record.choices)

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
        if refusal:
            raise SheetRefused(refusal)
        sheet = get_import_sheet(kind, user, school_class=school_class)
        result = run_import(sheet, path, dry_run=dry_run, progress=progress, choices=choices)
    except SheetRefused as error:
        result = ImportResult(kind=kind, dry_run=dry_run, refused=error.message)
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
        **(record.preview or {}),  # what the caller keeps there (the page's class)
        "language": (record.preview or {}).get("language") or translation.get_language(),
        **preview_of(result),
    }
    record.progress = 100
    record.finished_at = timezone.now()
    record.save()
    return result, record


def preview_of(result: ImportResult) -> dict[str, Any]:
    """What ``ImportRecord.preview`` keeps of a result for the pages that show it (sensitive
    values only masked: ``Column.sensitive``, ``ImportSheet.note_change``)."""
    return {
        "headers": list(result.headers),
        "rows": [[str(value) for value in row] for row in result.preview],
        "ignored": result.ignored_columns,
        "header_line": result.header_line,
        "layout": str(result.layout),
        "mapping": [list(item) for item in result.mapping],
        "columns": [list(item) for item in result.file_columns],
        "missing": list(result.missing),
        "title": result.title_lines[:HEADER_SEARCH_ROWS],
        "footers": result.footers[:SKIPPED_KEPT],
        "options": [list(item) for item in result.options],
        "changes": [change.as_dict() for change in result.changes],
        "skipped": [row.as_dict() for row in result.skipped[:SKIPPED_KEPT]],
        "skipped_count": len(result.skipped),
        "recheckable": result.recheckable,
    }


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
