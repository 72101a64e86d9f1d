"""Reading an uploaded xlsx safely and fast.

Before a reader touches the file, ``check_file`` bounds it, reading nothing it has not
bounded first: the size is capped; the file must be a zip (an xlsx is one; a .xls and a
password-protected xlsx are OLE2 containers, a renamed CSV is text: both are refused from
their first bytes); the zip's directory is capped in size; and every part is unpacked once,
as a stream, by this module's own code, checked against what the directory declares (its
unpacked size and CRC: a part that holds more or other data than it declares is refused, so
is one that unpacks past ``IMPORT_MAX_UNPACKED_BYTES``), while every XML part is parsed as a
stream to find the sheets' size, both the ``<dimension>`` a sheet declares and the last row and
column its cells reach, refused past ``IMPORT_MAX_ROWS`` rows (or the kind's own cap) or
``IMPORT_MAX_COLUMNS`` columns. A reader lays a sheet out as rows × columns cells, so a
1.7 KB file with one cell at XFD1048576 would otherwise ask for 500 GB.

The sheet is then read in a child process (``parse_child.py``) capped at
``IMPORT_PARSE_MAX_BYTES`` of memory and ``IMPORT_PARSE_SECONDS`` of CPU: python-calamine reads
the first sheet (about ten times faster than openpyxl); openpyxl in read-only mode is the
fallback when calamine fails. A child that runs out of memory or time is a refusal, never a
dead worker.
"""

from __future__ import annotations

import io
import logging
import os
import pickle
import re
import struct
import subprocess
import sys
import time
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.parsers import expat

from django.conf import settings
from django.utils.translation import gettext as _

from schoolops.sheets.base import SheetRefused

logger = logging.getLogger(__name__)

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
# The readers the child tries in turn (a test leaves calamine out to check the fallback).
READERS = ("calamine", "openpyxl")
CHILD = Path(__file__).with_name("parse_child.py")
# Title lines above the header and formatted blank rows below the data (a template has 200).
ROW_SLACK = 1000
MAX_PARTS = 10_000  # an xlsx has a dozen parts; one with a picture on every sheet a few hundred
MAX_DIRECTORY_BYTES = 2 * 1024 * 1024
HEARTBEAT_SECONDS = 5
# What the child inherits of the environment: what finds Python and its packages (never the
# secret key or the database URL).
CHILD_ENVIRONMENT = ("PATH", "PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "LANG", "HOME", "TMPDIR")


@dataclass
class Extent:
    """The furthest row and column the cells of the workbook's sheets reach."""

    rows: int = 0
    columns: int = 0


def _human(size: int) -> str:
    return f"{size / 1024 / 1024:.0f} MB"


def _damaged() -> SheetRefused:
    return SheetRefused(_("The file is damaged and cannot be opened as an Excel workbook."))


def check_file(path: str | os.PathLike, max_rows: int | None = None) -> Extent:
    """Refuse anything that is not a plain xlsx within the limits (``SheetRefused``).

    ``max_rows`` is the kind's cap of data rows (``IMPORT_MAX_ROWS`` by default). Returns the
    extent of the sheets, found without any reader.
    """
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
        with path.open("rb") as handle:
            _check_directory(handle)
            with zipfile.ZipFile(handle) as archive:
                infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, struct.error):
        raise _damaged() from None
    if len(infos) > MAX_PARTS:
        raise _damaged()
    unpacked = sum(info.file_size for info in infos)
    if unpacked > settings.IMPORT_MAX_UNPACKED_BYTES:
        raise _too_big_unpacked()
    names = {info.filename for info in infos}
    if "xl/workbook.xml" not in names:
        if "xl/workbook.bin" in names:
            raise SheetRefused(
                _(
                    "This is a binary Excel workbook (.xlsb). Open it in Excel or WPS and save "
                    "it as an Excel workbook (.xlsx)."
                )
            )
        raise SheetRefused(
            _("This is not an Excel workbook (.xlsx). Save the file as an Excel workbook.")
        )
    extent = _check_parts(path, infos, (max_rows or settings.IMPORT_MAX_ROWS) + ROW_SLACK, max_rows)
    try:
        cell = _formula_without_value(path, [n for n in names if _SHEET_PART.match(n)])
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, zlib.error):
        raise _damaged() from None
    if cell is not None:
        raise SheetRefused(
            _(
                "The sheet holds formulas whose results were never calculated (for example in "
                "cell %(cell)s), so their values cannot be read. Open the file in Excel or WPS, "
                "copy the sheet and paste it as values, then save and upload it again."
            )
            % {"cell": cell or "?"}
        )
    return extent


def _too_big_unpacked() -> SheetRefused:
    return SheetRefused(
        _("The workbook unpacks to more than %(limit)s, more than any school roster needs.")
        % {"limit": _human(settings.IMPORT_MAX_UNPACKED_BYTES)}
    )


def _check_directory(handle) -> None:
    """Refuse a zip directory too big to list (zipfile would build an object per entry)."""
    end = zipfile._EndRecData(handle)
    if end is None:
        raise _damaged()
    if end[zipfile._ECD_SIZE] > MAX_DIRECTORY_BYTES:
        raise _damaged()


# Every part unpacked by hand, checked against its directory entry.

_READ = 64 * 1024


def _mismatch(part: str) -> SheetRefused:
    return SheetRefused(
        _(
            "The file is damaged: its part %(part)s does not hold what the file declares (its "
            "size or checksum differs). Open it in Excel or WPS, save it again and upload it."
        )
        % {"part": part}
    )


def _unpacked(handle, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """The unpacked bytes of a part, in chunks, read from its compressed data.

    Reads no more than the compressed size the directory declares and refuses a part whose
    data goes on past it or ends before it (the readers would disagree about such a part).
    """
    if info.flag_bits & 0x1 or info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise _damaged()  # encrypted, or packed in a way Excel never uses
    handle.seek(info.header_offset)
    header = handle.read(30)
    if len(header) != 30 or header[:4] != ZIP_MAGIC:
        raise _damaged()
    name_length, extra_length = struct.unpack("<HH", header[26:30])
    handle.seek(info.header_offset + 30 + name_length + extra_length)
    left = info.compress_size
    if info.compress_type == zipfile.ZIP_STORED:
        if info.compress_size != info.file_size:
            raise _mismatch(info.filename)
        while left:
            data = handle.read(min(_READ, left))
            if not data:
                raise _mismatch(info.filename)
            left -= len(data)
            yield data
        return
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    pending = b""
    try:
        while not inflater.eof:
            if not pending and left:
                pending = handle.read(min(_READ, left))
                if not pending:
                    raise _mismatch(info.filename)
                left -= len(pending)
            data = inflater.decompress(pending, _READ)
            pending = inflater.unconsumed_tail
            if data:
                yield data
            elif not pending and not left and not inflater.eof:
                raise _mismatch(info.filename)  # the data ends before its end mark
    except zlib.error:
        raise _damaged() from None
    if left or pending or inflater.unused_data:
        raise _mismatch(info.filename)  # the end mark comes before the declared size


def _check_parts(
    path: Path, infos: list[zipfile.ZipInfo], rows: int, max_rows: int | None
) -> Extent:
    """Unpack every part once: sizes and CRCs as declared, the sheets within ``rows`` rows
    and ``IMPORT_MAX_COLUMNS`` columns. ``max_rows`` is what the message names."""
    extent = Extent()
    total = 0
    seen: set[str] = set()
    limits = (rows, settings.IMPORT_MAX_COLUMNS, max_rows or settings.IMPORT_MAX_ROWS)
    with path.open("rb") as handle:
        for info in infos:
            if info.filename in seen:
                raise _damaged()  # two parts of one name: the readers may take either
            seen.add(info.filename)
            scanner = _PartScanner(extent, limits)
            size = 0
            crc = 0
            for chunk in _unpacked(handle, info):
                size += len(chunk)
                total += len(chunk)
                if size > info.file_size:
                    raise _mismatch(info.filename)
                if total > settings.IMPORT_MAX_UNPACKED_BYTES:
                    raise _too_big_unpacked()
                crc = zlib.crc32(chunk, crc)
                scanner.feed(chunk)
            if size != info.file_size or crc != info.CRC:
                raise _mismatch(info.filename)
            scanner.close()
    return extent


_DIGITS = "0123456789"
_WHITESPACE = b" \t\r\n"
_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")
_KINDS = {"sheetData": "data", "dimension": "dimension", "row": "row", "c": "c"}


def _letters(column: int) -> str:
    """Excel's letters of a column counted from 1: 1 → "A", 16384 → "XFD"."""
    letters = ""
    while column:
        column, remainder = divmod(column - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


class _PartScanner:
    """Streams one part through expat if it is XML, tracking how far its cells reach.

    Inside ``<sheetData>`` a ``<row>`` without ``r`` follows the previous row and a ``<c>``
    without ``r`` the previous cell, as the readers count them; a ``<dimension ref>`` counts
    too, since a reader may size its grid from it, and so does an empty row. A reference that
    is not plain letters and digits and a DOCTYPE (no xlsx has either) are refused. This runs
    on every element of a sheet, so it is written for speed.
    """

    def __init__(self, extent: Extent, limits: tuple[int, int, int]) -> None:
        self.extent = extent
        self.max_rows, self.max_columns, self.named_rows = limits
        self.parser: Any = None
        self.head = b""  # the first bytes, until there are enough to tell XML
        self.skip = False
        self.in_data = False
        self.row = 0
        self.column = 0
        self.row_cells = True  # whether the current row has a cell (none yet: no row)
        self.kinds: dict[str, str | None] = {}
        self.columns: dict[str, int] = {}

    def feed(self, data: bytes) -> None:
        if self.skip:
            return
        if self.parser is None:
            # Leading blanks are dropped (expat would refuse them before a declaration).
            data = (self.head + data).lstrip(_WHITESPACE)
            if len(data) < 4:
                self.head = data
                return
            self.head = b""
            if not self._begin(data):
                return
        self._parse(data, False)

    def close(self) -> None:
        if self.parser is None and self.head and not self.skip and self._begin(self.head):
            self._parse(self.head, False)
        if self.parser is not None:
            self._parse(b"", True)
            if not self.row_cells:
                self._reach(self.row, 0)

    def _begin(self, head: bytes) -> bool:
        if not head.startswith((b"<", b"\0<", *_BOMS)):
            self.skip = True  # not XML (a picture, a binary part): no reader parses it
            return False
        self.parser = expat.ParserCreate()
        self.parser.StartElementHandler = self._start
        self.parser.StartDoctypeDeclHandler = self._doctype
        self.parser.EntityDeclHandler = self._doctype
        return True

    def _parse(self, data: bytes, final: bool) -> None:
        try:
            self.parser.Parse(data, final)
        except expat.ExpatError:
            raise _damaged() from None

    def _doctype(self, *args) -> None:
        raise _damaged()

    def _start(self, name: str, attrs: dict[str, str]) -> None:
        try:
            kind = self.kinds[name]
        except KeyError:
            kind = self.kinds[name] = _KINDS.get(name.rpartition(":")[2])
        if kind is None:
            return
        if kind == "c":
            if not self.in_data:
                return
            ref = attrs.get("r")
            self.row_cells = True
            if ref is None:
                self.column += 1
                self._reach(self.row, self.column)
                return
            letters = ref.rstrip(_DIGITS)
            column = self.columns.get(letters)
            if column is None:
                column = self.columns[letters] = self._column(letters)
            digits = ref[len(letters) :]
            if not digits.isdigit() or not digits.isascii() or len(digits) > 12:
                raise _damaged()
            self.column = column
            row = int(digits)
            if row > self.row:
                self.row = row
            self._reach(row, column)
        elif kind == "row":
            if not self.in_data:
                return
            if not self.row_cells:
                self._reach(self.row, 0)  # an empty row still stretches the sheet
            ref = attrs.get("r")
            if ref is None:
                self.row += 1
            elif ref.isdigit() and ref.isascii() and len(ref) <= 12:
                self.row = int(ref)
            else:
                raise _damaged()
            self.column = 0
            self.row_cells = False
        elif kind == "data":
            self.in_data = True
        else:
            last = attrs.get("ref", "").rpartition(":")[2].replace("$", "").strip()
            letters = last.rstrip(_DIGITS)
            digits = last[len(letters) :]
            if letters.isalpha() and letters.isascii() and digits.isdigit() and len(digits) <= 12:
                self._reach(int(digits), self._column(letters))

    @staticmethod
    def _column(letters: str) -> int:
        if not letters.isalpha() or not letters.isascii() or len(letters) > 10:
            raise _damaged()
        column = 0
        for letter in letters.upper():
            column = column * 26 + ord(letter) - 64
        return column

    def _reach(self, row: int, column: int) -> None:
        extent = self.extent
        if row > extent.rows:
            extent.rows = row
        if column > extent.columns:
            extent.columns = column
        if row > self.max_rows or column > self.max_columns:
            raise SheetRefused(
                _(
                    "The sheet reaches cell %(cell)s, beyond the %(rows)s rows and %(columns)s "
                    "columns a sheet may have here. Delete the rows and columns after your "
                    "data (or split the file), save it and upload it again."
                )
                % {
                    "cell": f"{_letters(max(column, 1))}{row}",
                    "rows": f"{self.named_rows:,}",
                    "columns": f"{self.max_columns:,}",
                }
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


# Reading, in a child process.


def read_rows(
    path: str | os.PathLike, max_rows: int, heartbeat: Callable[[], None] | None = None
) -> Iterator[list[Any]]:
    """The first sheet's rows as lists of raw cell values, after ``check_file``.

    Each row lacks its trailing blank cells; blank rows at the end are left out. Refuses a
    sheet with more than ``max_rows`` data rows before reading it. ``heartbeat`` is called
    every few seconds while the child reads.
    """
    check_file(path, max_rows)
    kind, value = _run_child(Path(path), max_rows, heartbeat or (lambda: None))
    if kind == "rows":
        return iter(value)
    refusals = {
        "password": lambda: SheetRefused(_("The file is protected by a password.")),
        "no-sheet": lambda: SheetRefused(_("The workbook has no sheet.")),
        "too-many": lambda: _too_many(max_rows),
        "memory": _over_limits,
    }
    raise refusals.get(value, _damaged)()


def _too_many(max_rows: int) -> SheetRefused:
    return SheetRefused(
        _("The sheet has more than %(count)s rows, more than a school has. Check the file.")
        % {"count": f"{max_rows:,}"}
    )


def _over_limits() -> SheetRefused:
    return SheetRefused(
        _(
            "The file could not be read within %(memory)s of memory and %(seconds)s seconds, so "
            "it was refused and nothing was written. It may be damaged: open it in Excel or "
            "WPS, save it again and upload it."
        )
        % {
            "memory": _human(settings.IMPORT_PARSE_MAX_BYTES),
            "seconds": settings.IMPORT_PARSE_SECONDS,
        }
    )


class _Values(pickle.Unpickler):
    """Unpickles cell values only: the builtins and the datetime types."""

    ALLOWED = frozenset(("date", "datetime", "time", "timedelta", "timezone"))

    def find_class(self, module: str, name: str) -> Any:
        if module == "datetime" and name in self.ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not a cell value")


def _run_child(path: Path, max_rows: int, heartbeat: Callable[[], None]) -> tuple[str, Any]:
    seconds = settings.IMPORT_PARSE_SECONDS
    command = [
        sys.executable or "python3",
        "-P",  # the child's folder (holding http.py, parsers.py...) stays off sys.path
        str(CHILD),
        str(path),
        str(max_rows),
        str(settings.IMPORT_PARSE_MAX_BYTES),
        str(seconds),
        *READERS,
    ]
    deadline = time.monotonic() + 2 * seconds  # CPU seconds; waiting on the disk counts too
    process = subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={key: os.environ[key] for key in CHILD_ENVIRONMENT if key in os.environ},
    )
    while True:
        try:
            output, errors = process.communicate(timeout=HEARTBEAT_SECONDS)
            break
        except subprocess.TimeoutExpired:
            if time.monotonic() > deadline:
                process.kill()
                process.communicate()
                logger.warning("reading %s took more than %s s: stopped", path.name, seconds)
                return "refused", "memory"
            heartbeat()
    if process.returncode != 0 or not output:
        logger.warning(
            "reading %s failed (exit %s): %s",
            path.name,
            process.returncode,
            errors[-2000:].decode(errors="replace"),
        )
        return "refused", "memory"
    try:
        kind, value = _Values(io.BytesIO(output)).load()
    except Exception:
        return "refused", "damaged"
    return kind, value
