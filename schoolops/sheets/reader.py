"""Reading an uploaded xlsx safely and fast.

Before a byte is parsed: the size is capped, the file must be a zip (an xlsx is one; a .xls
and a password-protected xlsx are OLE2 containers, a renamed CSV is text), and the zip's
unpacked size is added up from its directory so that a zip bomb is refused unopened.
python-calamine reads the first sheet (about ten times faster than openpyxl); openpyxl in
read-only mode is the fallback when calamine is missing or fails.
"""

from __future__ import annotations

import os
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from schoolops.sheets.base import SheetRefused

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"


def _human(size: int) -> str:
    return f"{size / 1024 / 1024:.0f} MB"


def check_file(path: str | os.PathLike) -> None:
    """Refuse anything that is not a plain xlsx within the size limits (``SheetRefused``)."""
    path = Path(path)
    size = path.stat().st_size
    if size == 0:
        raise SheetRefused(_("The file is empty."))
    if size > settings.IMPORT_MAX_UPLOAD_BYTES:
        raise SheetRefused(
            _("The file is larger than %(limit)s. Split it into several files.")
            % {"limit": _human(settings.IMPORT_MAX_UPLOAD_BYTES)}
        )
    with path.open("rb") as handle:
        head = handle.read(8)
        if head == OLE2_MAGIC:
            handle.seek(0)
            container = handle.read(min(size, 1024 * 1024))
            if "EncryptedPackage".encode("utf-16-le") in container:
                raise SheetRefused(
                    _(
                        "The file is protected by a password. Remove the password in Excel "
                        "(File → Info → Protect Workbook) and save it again."
                    )
                )
            raise SheetRefused(
                _(
                    "This is an old Excel file (.xls). Open it in Excel or WPS and save it as "
                    "an Excel workbook (.xlsx)."
                )
            )
    if head[:4] != ZIP_MAGIC:
        raise SheetRefused(
            _(
                "This is not an Excel workbook (.xlsx): it may be a CSV or another file "
                "renamed. Open it in Excel or WPS and save it as an Excel workbook (.xlsx)."
            )
        )
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise SheetRefused(
            _("The file is damaged and cannot be opened as an Excel workbook.")
        ) from None
    unpacked = sum(info.file_size for info in infos)
    if unpacked > settings.IMPORT_MAX_UNPACKED_BYTES:
        raise SheetRefused(
            _("The workbook unpacks to more than %(limit)s, more than any school roster needs.")
            % {"limit": _human(settings.IMPORT_MAX_UNPACKED_BYTES)}
        )
    names = {info.filename for info in infos}
    if "xl/workbook.xml" not in names and "xl/workbook.bin" not in names:
        raise SheetRefused(
            _("This is not an Excel workbook (.xlsx). Save the file as an Excel workbook.")
        )
    cell = _formula_without_value(path, [n for n in names if _SHEET_PART.match(n)])
    if cell is not None:
        raise SheetRefused(
            _(
                "The sheet holds formulas whose results were never calculated (for example in "
                "cell %(cell)s), so their values cannot be read. Open the file in Excel or WPS, "
                "copy the sheet and paste it as values, then save and upload it again."
            )
            % {"cell": cell or "?"}
        )


_SHEET_PART = re.compile(r"^xl/worksheets/[^/]+\.xml$")
# A formula followed by the end of its cell, or by an empty <v/>: no cached value to read.
_BARE_FORMULA = re.compile(
    rb"<(?:\w+:)?f(?:\s[^>]*)?(?:/>|>[^<]*</(?:\w+:)?f>)\s*"
    rb"(?:<(?:\w+:)?v\s*/>|<(?:\w+:)?v>\s*</(?:\w+:)?v>)?\s*</(?:\w+:)?c>"
)
_CELL_REF = re.compile(rb'<(?:\w+:)?c\s[^>]*?\br="([A-Z]{1,3}[0-9]{1,7})"')
_CHUNK = 1024 * 1024
_OVERLAP = 8192


def _formula_without_value(path: Path, parts: list[str]) -> str | None:
    """The first cell (e.g. "C2"; "" if unnamed) holding a formula with no cached value.

    Such a cell is what a program (or an attacker) writes: Excel always stores the result,
    and a reader sees the cell as blank, which would silently import an empty value.
    """
    with zipfile.ZipFile(path) as archive:
        for part in sorted(parts):
            with archive.open(part) as stream:
                tail = b""
                while True:
                    chunk = stream.read(_CHUNK)
                    if not chunk:
                        break
                    text = tail + chunk
                    match = _BARE_FORMULA.search(text)
                    if match is not None:
                        refs = _CELL_REF.findall(text, 0, match.start())
                        return refs[-1].decode() if refs else ""
                    tail = text[-_OVERLAP:]
    return None


def read_rows(path: str | os.PathLike, max_rows: int) -> Iterator[list[Any]]:
    """The first sheet's rows as lists of raw cell values, after ``check_file``.

    Refuses a sheet with more than ``max_rows`` data rows before reading it.
    """
    check_file(path)
    try:
        rows = _read_calamine(path, max_rows)
    except SheetRefused:
        raise
    except Exception:
        rows = _read_openpyxl(path, max_rows)
    return rows


def _too_many(max_rows: int) -> SheetRefused:
    return SheetRefused(
        _("The sheet has more than %(count)s rows, more than a school has. Check the file.")
        % {"count": f"{max_rows:,}"}
    )


def _read_calamine(path: str | os.PathLike, max_rows: int) -> Iterator[list[Any]]:
    from python_calamine import CalamineWorkbook, PasswordError

    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except PasswordError:
        raise SheetRefused(_("The file is protected by a password.")) from None
    if not workbook.sheet_names:
        raise SheetRefused(_("The workbook has no sheet."))
    sheet = workbook.get_sheet_by_index(0)
    # Header row plus data rows; a few blank rows at the end are common.
    if sheet.total_height > max_rows + 1 and sheet.height > max_rows + 1:
        raise _too_many(max_rows)
    # From A1, so that list positions are Excel's row numbers.
    return iter(sheet.to_python(skip_empty_area=False))


def _read_openpyxl(path: str | os.PathLike, max_rows: int) -> Iterator[list[Any]]:
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception:
        raise SheetRefused(
            _("The file is damaged and cannot be opened as an Excel workbook.")
        ) from None
    try:
        sheet = workbook.worksheets[0]
    except IndexError:
        raise SheetRefused(_("The workbook has no sheet.")) from None
    if (sheet.max_row or 0) > max_rows + 1:
        raise _too_many(max_rows)
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    workbook.close()
    return iter(rows)


def sheet_height(path: str | os.PathLike) -> int:
    """Rows of the first sheet as the workbook declares them (no cell is parsed)."""
    try:
        from python_calamine import CalamineWorkbook

        sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
        return sheet.height
    except Exception:
        import openpyxl

        try:
            workbook = openpyxl.load_workbook(path, read_only=True)
            return workbook.worksheets[0].max_row or 0
        except Exception:
            raise SheetRefused(
                _("The file is damaged and cannot be opened as an Excel workbook.")
            ) from None
