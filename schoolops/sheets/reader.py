"""Reading an uploaded sheet safely and fast: an xlsx, an old Excel .xls or a CSV file.

What a file is comes from its content, never its name (schools rename files freely): an OLE2
compound file is an .xls, a zip holding ``xl/workbook.xml`` an xlsx, and anything else must be
text, UTF-8 (with or without a byte-order mark) or else GB18030 (which includes GBK), to be read
as CSV. Anything else is refused as neither a spreadsheet nor a CSV file.

Before a reader touches the file, ``check_file`` bounds it, reading nothing it has not bounded
first. The size is capped. An xlsx's zip directory is capped in size, and every part is
unpacked once, as a stream, by this module's own code, checked against what the directory
declares (its unpacked size and CRC: a part that holds more or other data than it declares is
refused, so is one that unpacks past ``IMPORT_MAX_UNPACKED_BYTES``), while every XML part is
parsed as a stream to find the sheets' size, both the ``<dimension>`` a sheet declares and the
last row and column its cells reach, refused past ``IMPORT_MAX_ROWS`` rows (or the kind's own
cap) or ``IMPORT_MAX_COLUMNS`` columns. A reader lays a sheet out as rows × columns cells, so a
1.7 KB file with one cell at XFD1048576 would otherwise ask for 500 GB. An .xls is followed
through its compound file to its ``Workbook`` stream (every sector chain bounded by the file's
size) and the stream's records are scanned the same way: how far each sheet's cells reach
(calamine lays out every sheet of an .xls when it opens it: a 6 KB file with one cell at
IV65536 costs it 500 MB), and a password (a FILEPASS record). A CSV is decoded as a stream,
refused if it holds NUL bytes or other control characters (a binary file) or more lines than
the row cap allows, before anything parses it; its delimiter (comma, tab or semicolon) is the
one that splits its first rows widest.

The sheet is then read in a child process (``parse_child.py``) capped at
``IMPORT_PARSE_MAX_BYTES`` of memory and ``IMPORT_PARSE_SECONDS`` of CPU: python-calamine reads
the first sheet of an xlsx (about ten times faster than openpyxl, which is the fallback when
calamine fails) or an .xls; the csv module reads a CSV, a cell stays text. A child that runs
out of memory or time is a refusal, never a dead worker.
"""

from __future__ import annotations

import array
import codecs
import csv
import io
import json
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
from itertools import islice
from pathlib import Path
from typing import Any
from xml.parsers import expat

from django.conf import settings
from django.utils.translation import gettext as _

from schoolops.sheets.base import SheetRefused

logger = logging.getLogger(__name__)

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
XLSX, XLS, CSV = "xlsx", "xls", "csv"
# The ``accept`` of every file input that uploads a sheet: what the picker offers.
UPLOAD_ACCEPT = (
    ".xlsx,.xls,.csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,"
    "application/vnd.ms-excel,text/csv"
)
# The readers the child tries in turn on an xlsx (a test leaves calamine out to check the
# fallback); only calamine reads an .xls.
READERS = ("calamine", "openpyxl")
XLS_READERS = ("calamine",)
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
    """What the checks found: the file's format and the furthest row and column its sheets'
    cells reach (for a CSV, its lines and the width of its widest first row)."""

    rows: int = 0
    columns: int = 0
    format: str = XLSX
    encoding: str = ""  # a CSV's text encoding
    delimiter: str = ""  # a CSV's


def _human(size: int) -> str:
    return f"{size / 1024 / 1024:.0f} MB"


def _damaged() -> SheetRefused:
    return SheetRefused(_("The file is damaged and cannot be opened as an Excel workbook."))


def _damaged_xls() -> SheetRefused:
    return SheetRefused(
        _(
            "The file is damaged and cannot be opened as an old Excel workbook (.xls). Open it "
            "in Excel or WPS, save it again and upload it."
        )
    )


def _not_a_sheet() -> SheetRefused:
    return SheetRefused(
        _(
            "This file is neither an Excel workbook (.xlsx or .xls) nor a CSV file: it may be a "
            "document, a picture or a web page under a spreadsheet's name. Open it in Excel or "
            "WPS and save it as an Excel workbook (.xlsx)."
        )
    )


def _password() -> SheetRefused:
    return SheetRefused(
        _(
            "The file is protected by a password. Remove the password in Excel "
            "(File → Info → Protect Workbook) and save it again."
        )
    )


def check_file(path: str | os.PathLike, max_rows: int | None = None) -> Extent:
    """Refuse anything that is not an xlsx, .xls or CSV within the limits (``SheetRefused``).

    ``max_rows`` is the kind's cap of data rows (``IMPORT_MAX_ROWS`` by default). Returns the
    format and the extent of the sheets, found without any reader.
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
    named_rows = max_rows or settings.IMPORT_MAX_ROWS
    limits = (named_rows + ROW_SLACK, settings.IMPORT_MAX_COLUMNS, named_rows)
    with path.open("rb") as handle:
        head = handle.read(8)
    if head == OLE2_MAGIC:
        return _check_xls(path, limits)
    if head[:4] == ZIP_MAGIC:
        return _check_xlsx(path, limits)
    return _check_csv(path, limits)


def _check_xlsx(path: Path, limits: tuple[int, int, int]) -> Extent:
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
        raise _not_a_sheet()  # a Word document, an OpenDocument file, any other zip
    extent = _check_parts(path, infos, limits)
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
    # zipfile's own reader of the end record (private, so not in the type stubs).
    end = zipfile._EndRecData(handle)  # type: ignore[attr-defined]
    if end is None:
        raise _damaged()
    if end[zipfile._ECD_SIZE] > MAX_DIRECTORY_BYTES:  # type: ignore[attr-defined]
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


def _check_parts(path: Path, infos: list[zipfile.ZipInfo], limits: tuple[int, int, int]) -> Extent:
    """Unpack every part once: sizes and CRCs as declared, the sheets within ``limits`` (rows
    and columns allowed, and the rows the message names)."""
    extent = Extent()
    total = 0
    seen: set[str] = set()
    with path.open("rb") as handle:
        for info in infos:
            if info.filename in seen:
                raise _damaged()  # two parts of one name: the readers may take either
            seen.add(info.filename)
            try:
                size = _scan_part(handle, info, _FastScanner(extent, limits), total)
            except _Unusual:
                # Written otherwise than Excel writes: expat reads it again, element by element.
                size = _scan_part(handle, info, _PartScanner(extent, limits), total)
            total += size
    return extent


def _scan_part(handle, info: zipfile.ZipInfo, scanner: Any, total: int) -> int:
    """Unpack one part into ``scanner``, checking it against its directory entry; returns its
    size. ``total`` is what the parts before it unpacked to."""
    size = 0
    crc = 0
    for chunk in _unpacked(handle, info):
        size += len(chunk)
        if size > info.file_size:
            raise _mismatch(info.filename)
        if total + size > settings.IMPORT_MAX_UNPACKED_BYTES:
            raise _too_big_unpacked()
        crc = zlib.crc32(chunk, crc)
        scanner.feed(chunk)
    if size != info.file_size or crc != info.CRC:
        raise _mismatch(info.filename)
    scanner.close()
    return size


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


def _beyond(row: int, column: int, named_rows: int) -> SheetRefused:
    """The refusal of a sheet whose cell at ``row``, ``column`` (from 1) is past the caps."""
    return SheetRefused(
        _(
            "The sheet reaches cell %(cell)s, beyond the %(rows)s rows and %(columns)s "
            "columns a sheet may have here. Delete the rows and columns after your "
            "data (or split the file), save it and upload it again."
        )
        % {
            "cell": f"{_letters(max(column, 1))}{row}",
            "rows": f"{named_rows:,}",
            "columns": f"{settings.IMPORT_MAX_COLUMNS:,}",
        }
    )


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
            raise _beyond(row, column, self.named_rows)


class _Unusual(Exception):
    """A part the fast scan does not vouch for: ``_PartScanner`` reads it instead."""


# The elements that tell how far a sheet reaches, with any attributes; with a namespace prefix
# (which Excel never writes) they send the part to expat.
_MEASURED = re.compile(rb"<(?:c|row|dimension|sheetData)[\s/>]")
_PREFIXED = re.compile(rb":(?:c|row|dimension|sheetData)[\s/>]")
# The same written as Excel writes them: no prefix, ``r`` first and once, plain attributes.
_PLAIN_ATTRIBUTES = rb'(?: (?!r=)[A-Za-z][\w:.-]*="[^"<>&]*")*\s*/?>'
_PLAIN_CELL = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,7})"' + _PLAIN_ATTRIBUTES)
_PLAIN_ROW = re.compile(rb'<row r="([0-9]{1,7})"' + _PLAIN_ATTRIBUTES)
_PLAIN_DIMENSION = re.compile(rb'<dimension ref="([^"<>&]*)"\s*/>')
_PLAIN_SHEET_DATA = re.compile(rb"<sheetData\s*/?>")
_PLAIN_DECLARATION = re.compile(
    rb'<\?xml version="1\.[01]"(?: encoding="[Uu][Tt][Ff]-8")?(?: standalone="(?:yes|no)")?\s*\?>'
)
_MAX_TAG = 1024 * 1024  # a tag (with the text after it) this long is not Excel's
_MAX_HEAD = 1024  # an XML declaration longer than this is not Excel's


class _FastScanner:
    """What ``_PartScanner`` finds, found with regular expressions over the bytes when the part
    is written as Excel, WPS and openpyxl write it (an expat callback for each of a sheet's
    hundred thousand elements was most of the check's time).

    The part is cut at a ``<``, so that no tag is split. Every ``<c``, ``<row``,
    ``<dimension`` and ``<sheetData`` tag (any prefix, any attributes) is counted, and each
    must be in the plain form whose reference is read: no prefix, ``r`` first and only once,
    letters and digits within Excel's own bounds. Anything else (a tag in another form, a cell
    without ``r``, a comment, CDATA, a DOCTYPE, a processing instruction, an encoding other
    than UTF-8, a sheet past the limits) raises ``_Unusual``, and the part is scanned again by
    expat, which reads it as before (and names the cell past the limits). Cells are counted
    wherever they are, not only inside ``<sheetData>``: never fewer than the readers see.
    """

    def __init__(self, extent: Extent, limits: tuple[int, int, int]) -> None:
        self.extent = extent
        self.max_rows, self.max_columns, _named = limits
        self.begun = False
        self.skip = False
        self.pending = b""  # from the last "<" on: the next chunk may finish its tag
        self.columns: dict[bytes, int] = {}

    def feed(self, data: bytes) -> None:
        if self.skip:
            return
        data = self.pending + data
        if not self.begun:
            data = data.lstrip(_WHITESPACE)
            if len(data) < 4 or (data.startswith(b"<?") and b"?>" not in data[:_MAX_HEAD]):
                if len(data) >= _MAX_HEAD:
                    raise _Unusual
                self.pending = data  # not yet enough to tell XML, or a part of a declaration
                return
            self.begun = True
            if not data.startswith(b"<"):
                if data.startswith((b"\0<", *_BOMS)):
                    raise _Unusual  # UTF-16, or a byte-order mark: expat decodes it
                self.skip = True  # not XML (a picture, a binary part): no reader parses it
                return
            if data.startswith(b"<?"):
                declaration = _PLAIN_DECLARATION.match(data)
                if declaration is None:
                    raise _Unusual
                data = data[declaration.end() :]
        cut = data.rfind(b"<")
        if cut < 0:
            cut = len(data)  # text only
        self.pending = data[cut:]
        if len(self.pending) > _MAX_TAG:
            raise _Unusual
        self._scan(data[:cut])

    def close(self) -> None:
        if self.skip:
            return
        if not self.begun:
            raise _Unusual  # a part of a few bytes: expat says what it is
        self._scan(self.pending)

    def _scan(self, text: bytes) -> None:
        if not text:
            return
        if b"<!" in text or b"<?" in text or _PREFIXED.search(text):
            raise _Unusual
        cells = _PLAIN_CELL.findall(text)
        rows = _PLAIN_ROW.findall(text)
        dimensions = _PLAIN_DIMENSION.findall(text)
        plain = len(cells) + len(rows) + len(dimensions) + len(_PLAIN_SHEET_DATA.findall(text))
        if len(_MEASURED.findall(text)) != plain:
            raise _Unusual
        last_row = last_column = 0
        if cells:
            columns = self.columns
            for letters in {letters for letters, _digits in cells}:
                if letters not in columns:
                    columns[letters] = _PartScanner._column(letters.decode())
                last_column = max(last_column, columns[letters])
            last_row = max(map(int, [digits for _letters, digits in cells]))
        if rows:
            last_row = max(last_row, *map(int, rows))
        for ref in dimensions:
            last = ref.decode().rpartition(":")[2].replace("$", "").strip()
            letters = last.rstrip(_DIGITS)
            digits = last[len(letters) :]
            if letters.isalpha() and letters.isascii() and digits.isdigit() and len(digits) <= 12:
                last_row = max(last_row, int(digits))
                last_column = max(last_column, _PartScanner._column(letters))
        if last_row > self.max_rows or last_column > self.max_columns:
            raise _Unusual  # expat names the first cell past the limits
        extent = self.extent
        extent.rows = max(extent.rows, last_row)
        extent.columns = max(extent.columns, last_column)


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


# Old Excel (.xls): an OLE2 compound file ([MS-CFB]) holding a BIFF8 "Workbook" stream.

_END_OF_CHAIN = 0xFFFFFFFE
_BOF, _EOF, _FILEPASS, _BOUNDSHEET = 0x0809, 0x000A, 0x002F, 0x0085
# Records that start with their cell's row and column (from 0): formula, blank, number, label,
# boolean or error, RK number, shared-string label, rich label, older formulas.
_CELL_RECORDS = frozenset(
    (0x0006, 0x0201, 0x0203, 0x0204, 0x0205, 0x027E, 0x00FD, 0x00D6, 0x0206, 0x0406)
)
# MULRK and MULBLANK: a run of cells in one row, its last column in the record's last two bytes.
_RUN_RECORDS = frozenset((0x00BD, 0x00BE))


def _check_xls(path: Path, limits: tuple[int, int, int]) -> Extent:
    data = path.read_bytes()  # within IMPORT_MAX_UPLOAD_BYTES
    if "EncryptedPackage".encode("utf-16-le") in data[: 1024 * 1024]:
        raise _password()  # an encrypted xlsx is an OLE2 container too
    try:
        return _biff_extent(_workbook_stream(data), limits)
    except (ValueError, IndexError, struct.error):
        raise _damaged_xls() from None


def _workbook_stream(data: bytes) -> bytes:
    """The compound file's ``Workbook`` stream (``Book`` in Excel 5 files).

    A chain of sectors is followed at most as many steps as its table has entries, so a chain
    that loops or leaves the file is refused (``ValueError``), never followed forever.
    """
    major, order, shift, mini_shift = struct.unpack_from("<4H", data, 0x1A)
    if order != 0xFFFE or (major, shift) not in ((3, 9), (4, 12)) or mini_shift != 6:
        raise ValueError("not a compound file")
    fat_count, directory_start = struct.unpack_from("<II", data, 0x2C)
    mini_cutoff, mini_fat_start = struct.unpack_from("<II", data, 0x38)
    difat_start, difat_count = struct.unpack_from("<II", data, 0x44)
    size = 1 << shift
    count = -(-(len(data) - size) // size)  # sectors after the header, the last maybe short
    if count <= 0 or fat_count > count or difat_count > count:
        raise ValueError("sector counts beyond the file")

    def sector(number: int) -> bytes:
        if number >= count:
            raise ValueError("a sector beyond the file")
        return data[(number + 1) * size : (number + 2) * size]

    def table(blocks: bytes) -> array.array:
        entries = array.array("I", blocks)
        if sys.byteorder == "big":
            entries.byteswap()
        return entries

    def chain(first: int, entries: array.array) -> list[int]:
        numbers: list[int] = []
        number = first
        while number != _END_OF_CHAIN:
            if number >= len(entries) or len(numbers) == len(entries):
                raise ValueError("a broken chain of sectors")
            numbers.append(number)
            number = entries[number]
        return numbers

    # The FAT's sectors: the first 109 listed in the header, the others in DIFAT sectors.
    fat_sectors = list(struct.unpack_from("<109I", data, 0x4C))
    following = difat_start
    for _step in range(difat_count):
        listed = struct.unpack(f"<{size // 4}I", sector(following))
        fat_sectors += listed[:-1]
        following = listed[-1]
    fat = table(b"".join(sector(n) for n in fat_sectors[:fat_count]))
    directory = b"".join(sector(n) for n in chain(directory_start, fat))
    entries: dict[str, tuple[int, int]] = {}
    for offset in range(0, len(directory) - 127, 128):
        name_length, kind = struct.unpack_from("<HB", directory, offset + 64)
        start, length = struct.unpack_from("<IQ", directory, offset + 116)
        if major == 3:
            length &= 0xFFFFFFFF  # the high half is undefined in version 3 files
        if 2 <= name_length <= 64 and kind in (2, 5):  # a stream, the root entry
            name = directory[offset : offset + name_length - 2].decode("utf-16-le", "replace")
            entries.setdefault("" if kind == 5 else name, (start, length))
    found = entries.get("Workbook") or entries.get("Book")
    if found is None:
        raise _not_a_sheet()  # a Word document or another OLE2 file renamed
    start, length = found
    if length > len(data):
        raise ValueError("a stream longer than the file")
    if length < mini_cutoff:
        # A small stream lives in 64-byte sectors of the mini stream (the root entry's).
        root_start, root_length = entries[""]
        mini = b"".join(sector(n) for n in chain(root_start, fat))[:root_length]
        mini_fat = table(b"".join(sector(n) for n in chain(mini_fat_start, fat)))
        stream = b"".join(mini[n * 64 : n * 64 + 64] for n in chain(start, mini_fat))
    else:
        stream = b"".join(sector(n) for n in chain(start, fat))
    if len(stream) < length:
        raise ValueError("a stream shorter than it declares")
    return stream[:length]


def _biff_extent(stream: bytes, limits: tuple[int, int, int]) -> Extent:
    """How far the cells of the workbook's sheets reach, read from its records; a workbook
    with a password (FILEPASS in its globals) is refused."""
    max_rows, max_columns, named_rows = limits
    if struct.unpack_from("<H", stream)[0] != _BOF:
        raise ValueError("no BOF record")
    sheets: list[int] = []
    position = 0
    while True:  # the globals, up to their EOF record
        kind, length = struct.unpack_from("<HH", stream, position)
        if kind == _FILEPASS:
            raise _password()
        if kind == _BOUNDSHEET:
            sheets.append(struct.unpack_from("<I", stream, position + 4)[0])
        position += 4 + length
        if kind == _EOF:
            break
    extent = Extent(format=XLS)
    unpack = struct.unpack_from
    cells, runs = _CELL_RECORDS, _RUN_RECORDS
    for position in sheets:
        if unpack("<H", stream, position)[0] != _BOF:
            raise ValueError("a sheet without its BOF record")
        depth = 0  # a chart inside a sheet has its own BOF ... EOF
        last_row = last_column = -1
        while True:
            kind, length = unpack("<HH", stream, position)
            if kind in cells:
                row, column = unpack("<HH", stream, position + 4)
            elif kind in runs:
                row = unpack("<H", stream, position + 4)[0]
                column = unpack("<H", stream, position + 2 + length)[0]
            else:
                if kind == _BOF:
                    depth += 1
                elif kind == _EOF:
                    depth -= 1
                    if not depth:
                        break
                position += 4 + length
                continue
            position += 4 + length
            if row > last_row:
                last_row = row
            if column > last_column:
                last_column = column
            if row >= max_rows or column >= max_columns:
                raise _beyond(row + 1, column + 1, named_rows)
        extent.rows = max(extent.rows, last_row + 1)
        extent.columns = max(extent.columns, last_column + 1)
    return extent


# CSV: text in UTF-8 or GB18030, decoded as a stream before the child parses it.

_TEXT_ENCODINGS = ("utf-8-sig", "gb18030")  # utf-8-sig reads UTF-8 with or without its BOM
# C0 control characters, which no text file holds (tab, line feed and carriage return aside).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
# What some systems save under an .xls name: a web page or an XML file, not a spreadsheet.
_MARKUP = re.compile(r"\s*<(?:!doctype|html|\?xml|table)", re.IGNORECASE)
_DELIMITERS = (",", "\t", ";")
_SAMPLE = 64 * 1024  # characters that hold the first rows, the header among them
MAX_CELL = 32_767  # a CSV cell may hold as many characters as an Excel cell


def _check_csv(path: Path, limits: tuple[int, int, int]) -> Extent:
    for encoding in _TEXT_ENCODINGS:
        try:
            lines, sample = _scan_text(path, encoding, limits)
        except UnicodeDecodeError:
            continue
        if _MARKUP.match(sample):
            raise _not_a_sheet()
        delimiter, width = _delimiter(sample)
        return Extent(rows=lines, columns=width, format=CSV, encoding=encoding, delimiter=delimiter)
    raise _not_a_sheet()


def _scan_text(path: Path, encoding: str, limits: tuple[int, int, int]) -> tuple[int, str]:
    """The file's line count and its first characters, decoded chunk by chunk; refuses a
    binary file and one with more lines than ``limits`` allow before reading on."""
    max_lines, _columns, named_rows = limits
    decoder = codecs.getincrementaldecoder(encoding)()
    lines = 0
    sample = ""
    last = b""
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            if b"\0" in chunk:
                raise _not_a_sheet()
            text = decoder.decode(chunk)
            if _CONTROL.search(text):
                raise _not_a_sheet()
            if len(sample) < _SAMPLE:
                sample += text[: _SAMPLE - len(sample)]
            # Neither encoding has a byte 10 or 13 inside a character. A line break inside a
            # quoted cell counts as a line too, which the slack of the cap absorbs.
            lines += max(chunk.count(b"\n"), chunk.count(b"\r"))
            if lines > max_lines:
                raise _too_many_csv(named_rows)
            last = chunk[-1:]
        decoder.decode(b"", True)
    if last not in (b"\n", b"\r"):
        lines += 1  # the last line, without its line break
    return lines, sample


def _delimiter(sample: str) -> tuple[str, int]:
    """The delimiter that splits the first rows widest (a comma when none splits them), and
    that width. Quoted cells are read as the csv module reads them."""
    if len(sample) == _SAMPLE:
        sample = sample[: max(sample.rfind("\n"), sample.rfind("\r")) + 1]  # whole lines
    best = (",", 1)
    for delimiter in _DELIMITERS:
        records = csv.reader(io.StringIO(sample), delimiter=delimiter)
        try:
            width = max((len(record) for record in islice(records, 12)), default=0)
        except csv.Error:
            continue
        if width > best[1]:
            best = (delimiter, width)
    return best


def _too_many_csv(max_rows: int) -> SheetRefused:
    return SheetRefused(
        _("The CSV file has more than %(count)s rows, more than a school has. Check the file.")
        % {"count": f"{max_rows:,}"}
    )


# Reading, in a child process.


def read_rows(
    path: str | os.PathLike,
    max_rows: int,
    heartbeat: Callable[[], None] | None = None,
    sheet: str | None = None,
) -> Iterator[list[Any]]:
    """The first sheet's rows (or those of the workbook's sheet named ``sheet``) as lists of
    raw cell values, after ``check_file``.

    Each row lacks its trailing blank cells; blank rows at the end are left out. Refuses a
    sheet with more than ``max_rows`` data rows before reading it all. ``heartbeat`` is called
    every few seconds while the child reads. A CSV's cells are all text (a CSV has one sheet:
    ``sheet`` is not asked of it).
    """
    extent = check_file(path, max_rows)
    if extent.format == CSV:
        options = {
            "format": CSV,
            "readers": ["csv"],
            # Records, not data rows: title rows and blank rows count, as in the line cap.
            "max_records": max_rows + ROW_SLACK,
            "max_columns": settings.IMPORT_MAX_COLUMNS,
            "max_cell": MAX_CELL,
            "encoding": extent.encoding,
            "delimiter": extent.delimiter,
        }
    else:
        readers = XLS_READERS if extent.format == XLS else READERS
        options = {"format": extent.format, "readers": list(readers), "max_rows": max_rows}
        options["sheet"] = sheet or ""
    kind, value = _run_child(Path(path), options, heartbeat or (lambda: None))
    if kind == "rows":
        return iter(value)
    code, *details = value if isinstance(value, tuple) else (value,)
    if code == "long-cell":
        raise SheetRefused(
            _(
                "Row %(row)s of the CSV file has a cell of more than %(count)s characters, more "
                "than any cell of a school's sheet. Check the file: a quotation mark left open "
                "makes one cell of all the rows after it."
            )
            % {"row": details[0], "count": f"{MAX_CELL:,}"}
        )
    if code == "too-wide":
        raise _beyond(details[0], details[1], max_rows)
    refusals = {
        "password": _password,
        "no-sheet": lambda: SheetRefused(_("The workbook has no sheet.")),
        "no-such-sheet": lambda: SheetRefused(
            _("The workbook has no sheet %(name)s. Its sheets: %(names)s.")
            % {"name": sheet, "names": "、".join(details[0]) if details else ""}
        ),
        "too-many": lambda: (
            _too_many_csv(max_rows) if extent.format == CSV else _too_many(max_rows)
        ),
        "memory": _over_limits,
    }
    damaged = {XLSX: _damaged, XLS: _damaged_xls, CSV: _not_a_sheet}[extent.format]
    raise refusals.get(code, damaged)()


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


def _run_child(
    path: Path, options: dict[str, Any], heartbeat: Callable[[], None]
) -> tuple[str, Any]:
    seconds = settings.IMPORT_PARSE_SECONDS
    command = [
        sys.executable or "python3",
        "-P",  # the child's folder (holding http.py, parsers.py...) stays off sys.path
        str(CHILD),
        str(path),
        str(settings.IMPORT_PARSE_MAX_BYTES),
        str(seconds),
        json.dumps(options),
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
