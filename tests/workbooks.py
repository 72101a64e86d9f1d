"""Workbooks for the tests, written as a person or another system writes them."""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import openpyxl


def xlsx_bytes(
    header: Sequence[Any], rows: Sequence[Sequence[Any]], *, title_rows: Sequence[str] = ()
) -> bytes:
    """An xlsx file: the ``title_rows`` (the first merged across the header, as exports
    write a title), the header, the rows."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for number, line in enumerate(title_rows, start=1):
        sheet.append([line])
        if number == 1:
            sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    sheet.append(list(header))
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def write_sheet(
    path: Path,
    header: Sequence[Any],
    rows: Sequence[Sequence[Any]],
    *,
    title_rows: Sequence[str] = (),
) -> Path:
    """``xlsx_bytes`` saved at ``path``."""
    path.write_bytes(xlsx_bytes(header, rows, title_rows=title_rows))
    return path
