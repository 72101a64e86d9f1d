"""One export path (issue 13, item 3): every download is an export kind served by
``schoolops.sheets.http.sheet_response``, written by ``schoolops.sheets.writer``; a big one
runs in the background (``schoolops.exports``)."""

from __future__ import annotations

import io

import openpyxl

from schoolops.sheets.writer import Sheet, workbook_bytes

# The writer.


def test_text_that_looks_like_an_error_code_or_an_escape_stays_text():
    typed = ["#N/A", "#REF!", "#1 组", "_x0041_", "a\x0bb", "普通", "=1", "+1"]
    content = workbook_bytes(Sheet("备注", headers=["备注"], rows=[[value] for value in typed]))

    cells = [row[0] for row in openpyxl.load_workbook(io.BytesIO(content)).active.iter_rows()]
    assert [cell.data_type for cell in cells[1:]] == ["s"] * len(typed)
    assert [cell.value for cell in cells[1:4]] == ["#N/A", "#REF!", "#1 组"]
    assert [cell.quotePrefix for cell in cells[1:]] == [False] * 6 + [True, True]


def test_text_columns_and_bold_headers_share_one_style_each():
    rows = [[f"07026{n:05}", n] for n in range(300)]
    content = workbook_bytes(Sheet("名单", headers=["学籍号", "序号"], rows=rows, text_columns={0}))

    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    ids = [row[0] for row in sheet.iter_rows(min_row=2)]
    assert {(c.number_format, c.data_type) for c in ids} == {("@", "s")}
    assert ids[0].value == "0702600000"
    assert sheet["A1"].font.bold and sheet["A1"].number_format == "General"
    assert sheet["B2"].value == 0 and sheet["B2"].number_format == "General"
