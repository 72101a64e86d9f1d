"""Small builders for the schoolops tests: workbooks as other systems write them."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import openpyxl


def write_sheet(
    path: Path,
    header: Sequence[Any],
    rows: Sequence[Sequence[Any]],
    *,
    title_rows: Sequence[str] = (),
) -> Path:
    """An xlsx at ``path``: the ``title_rows`` (the first merged across the header, as
    exports write a title), the header, the rows."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for number, line in enumerate(title_rows, start=1):
        sheet.append([line])
        if number == 1:
            sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    sheet.append(list(header))
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path
