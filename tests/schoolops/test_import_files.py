"""Files that are not a readable roster get one clear message, and nothing is written."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import openpyxl
import pytest
import xlwt

from schoolops.models import ImportRecord, Student
from schoolops.sheets import CellError, engine, parsers
from schoolops.sheets.reader import OLE2_MAGIC

pytestmark = pytest.mark.usefixtures("in_english")

FILES = Path(__file__).parent / "files"
STUDENT_HEADER = ["学籍号", "姓名", "性别", "年级", "班级"]


def refusal(path) -> str:
    result, record = engine.import_file("students", path)
    assert not result.ok
    assert result.errors == []
    assert record.status == ImportRecord.Status.REFUSED
    assert record.message == result.refused
    return result.refused


def test_renamed_csv(school):
    # The content decides, not the name: a CSV named .xlsx is read as CSV, refused here only
    # because it lacks three of the roster's columns.
    assert "(missing: 性别、年级、班级)" in refusal(FILES / "renamed_csv.xlsx")
    assert Student.objects.count() == 2


def test_old_xls(school, tmp_path):
    # An old Excel file loads, whatever its name (tests/schoolops/test_file_formats.py).
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("名单")
    for row, values in enumerate([STUDENT_HEADER, ["0702601501", "新生", "女", "七年级", "1班"]]):
        for column, value in enumerate(values):
            sheet.write(row, column, value)
    path = tmp_path / "old.xlsx"
    book.save(str(path))
    assert path.read_bytes().startswith(OLE2_MAGIC)
    result, _record = engine.import_file("students", path)
    assert result.ok, result.messages()
    assert Student.objects.get(student_no="0702601501").name == "新生"


def test_password_protected(school, tmp_path):
    # An encrypted xlsx is an OLE2 container holding an "EncryptedPackage" stream.
    path = tmp_path / "locked.xlsx"
    path.write_bytes(
        OLE2_MAGIC + b"\0" * 500 + "EncryptedPackage".encode("utf-16-le") + b"\0" * 500
    )
    assert "password" in refusal(path)


def test_empty_file(school, tmp_path):
    path = tmp_path / "empty.xlsx"
    path.write_bytes(b"")
    assert "empty" in refusal(path)


def test_workbook_with_an_empty_sheet(school, tmp_path):
    path = tmp_path / "blank.xlsx"
    openpyxl.Workbook().save(path)
    assert "empty" in refusal(path)


def test_headerless_sheet_names_the_missing_headers(school):
    message = refusal(FILES / "headerless.xlsx")
    assert "学籍号 | 姓名 | 性别 | 出生日期 | 年级 | 班级 | 家长姓名 | 家长电话" in message
    assert "template" in message


def test_header_below_a_title_line_is_found(school, tmp_path):
    workbook = openpyxl.Workbook()
    workbook.active.append(["2026级学生名单"])
    workbook.active.append(["学籍号", "姓名", "性别", "年级", "班级"])
    workbook.active.append(["0702601201", "新生", "女", "七年级", "1班"])
    workbook.active.append(["0702601202", "新生二", "X", "七年级", "1班"])
    workbook.save(tmp_path / "titled.xlsx")
    result, _record = engine.import_file("students", tmp_path / "titled.xlsx")
    assert [(e.line, e.letter) for e in result.errors] == [(4, "C")]


def test_zip_bomb_is_refused_before_reading(school, tmp_path, settings):
    settings.IMPORT_MAX_UNPACKED_BYTES = 1024 * 1024
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (2 * 1024 * 1024))
    assert path.stat().st_size < 20_000
    assert "unpacks to more than" in refusal(path)


def test_too_big_upload(school, tmp_path, settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 1000
    assert "larger than" in refusal(FILES / "students_messy.xlsx")


def test_more_rows_than_a_school_has(school, tmp_path, settings):
    settings.IMPORT_MAX_ROWS = 5
    assert "more than 5 rows" in refusal(FILES / "students_messy.xlsx")


def test_damaged_zip(school, tmp_path):
    path = tmp_path / "cut.xlsx"
    path.write_bytes((FILES / "students_messy.xlsx").read_bytes()[:600])
    assert "damaged" in refusal(path)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (dt.date(2012, 3, 5), dt.date(2012, 3, 5)),
        (dt.datetime(2012, 3, 5, 0, 0), dt.date(2012, 3, 5)),
        ("2012-03-05", dt.date(2012, 3, 5)),
        ("2012/3/5", dt.date(2012, 3, 5)),
        ("2012.3.5", dt.date(2012, 3, 5)),
        ("20120305", dt.date(2012, 3, 5)),
        (20120305, dt.date(2012, 3, 5)),
        (20120305.0, dt.date(2012, 3, 5)),
        (40973.0, dt.date(2012, 3, 5)),
        ("２０１２－０３－０５", dt.date(2012, 3, 5)),
        ("2012年3月5日", dt.date(2012, 3, 5)),
    ],
)
def test_dates(value, expected):
    assert parsers.parse_date(value) == expected


@pytest.mark.parametrize("value", ["2012-02-30", "2012-13-01", "next monday", "2012", 1.5])
def test_impossible_dates(value):
    with pytest.raises(CellError):
        parsers.parse_date(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (2025000001.0, "2025000001"),
        (2025000001, "2025000001"),
        ("0702601001", "0702601001"),
        (" 0702601001 ", "0702601001"),
        ("2025000001.0", "2025000001"),
        ("１２３", "123"),
        ("123456789012345", "123456789012345"),
    ],
)
def test_text_ids(value, expected):
    assert parsers.text_id(value) == expected


@pytest.mark.parametrize("value", [1234567890123456, 1.234567890123456e17, "1.23457E+17", 12.5])
def test_numbers_that_lost_digits_are_refused(value):
    with pytest.raises(CellError):
        parsers.text_id(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("男", "M"),
        ("女", "F"),
        ("M", "M"),
        ("f", "F"),
        ("Male", "M"),
        ("female", "F"),
        (" 女 ", "F"),
    ],
)
def test_genders(value, expected):
    assert parsers.gender(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        13800001234,
        13800001234.0,
        "138-0000-1234",
        "138 0000 1234",
        "+86 138 0000 1234",
        "+86-13800001234",
        "008613800001234",
        "（+86）13800001234",
        "１３８００００１２３４",
    ],
)
def test_phones(value):
    assert parsers.phone(value) == "13800001234"


@pytest.mark.parametrize("value", ["1380000123", "23800001234", "phone", "0531-8888888"])
def test_bad_phones(value):
    with pytest.raises(CellError):
        parsers.phone(value)


@pytest.mark.parametrize(
    ("value", "level"),
    [
        ("七年级", 7),
        ("初一", 7),
        ("7年级", 7),
        ("八年级", 8),
        ("初二", 8),
        ("九年级", 9),
        ("初三", 9),
        ("高一", 10),
        (7, 7),
    ],
)
def test_grades(value, level):
    assert parsers.grade_level(value) == level


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1班", (None, 1)),
        ("(1)班", (None, 1)),
        ("（1）班", (None, 1)),
        ("１班", (None, 1)),
        ("七年级1班", (7, 1)),
        ("七年级(1)班", (7, 1)),
        ("初一（2）班", (7, 2)),
        ("十二班", (None, 12)),
        (3, (None, 3)),
        (3.0, (None, 3)),
    ],
)
def test_class_names(value, expected):
    assert tuple(parsers.class_name(value)) == expected


@pytest.mark.parametrize("value", ["班", "甲班", "0班", "七年级"])
def test_bad_class_names(value):
    with pytest.raises(CellError):
        parsers.class_name(value)


def test_a_row_with_only_an_ignored_note_is_blank(school, tmp_path):
    workbook = openpyxl.Workbook()
    workbook.active.append(["学籍号", "姓名", "性别", "年级", "班级", "备注"])
    workbook.active.append(["0702601301", "新生", "女", "七年级", "1班", ""])
    workbook.active.append([None, None, "　", None, None, "以下空白"])
    workbook.save(tmp_path / "note.xlsx")
    result, _record = engine.import_file("students", tmp_path / "note.xlsx")
    assert result.ok, result.messages()
    assert (result.rows, result.counts.new) == (1, 1)


def test_openpyxl_reads_the_same_when_calamine_fails(school, monkeypatch):
    from schoolops.sheets import reader

    # The child process that reads the file tries these readers in turn.
    monkeypatch.setattr(reader, "READERS", ("openpyxl",))
    result, _record = engine.import_file("students", FILES / "students_messy.xlsx")
    assert result.ok, result.messages()
    assert result.counts.new == 11
    assert Student.objects.get(student_no="0702601111").birth_date == dt.date(2012, 3, 5)


def test_the_blank_template_imports_as_nothing(school, tmp_path):
    path = tmp_path / "template.xlsx"
    path.write_bytes(engine.template_bytes("students"))
    result, _record = engine.import_file("students", path)
    assert result.ok
    assert (result.rows, result.counts.total) == (0, 0)


def test_formulas_without_values_and_formula_text_are_refused(school, tmp_path):
    workbook = openpyxl.Workbook()
    workbook.active.append(["学籍号", "姓名", "性别", "年级", "班级", "家长姓名"])
    workbook.active.append(["0702601401", "新生", "女", "七年级", "1班", '=HYPERLINK("x")'])
    workbook.save(tmp_path / "formula.xlsx")  # openpyxl stores the formula, no result
    assert "F2" in refusal(tmp_path / "formula.xlsx")

    workbook = openpyxl.Workbook()
    workbook.active.append(["学籍号", "姓名", "性别", "年级", "班级"])
    workbook.active.append(["0702601402", "新生", "女", "七年级", "1班"])
    workbook.active["B2"].value = "=cmd|' /C calc'!A0"
    workbook.active["B2"].data_type = "s"  # the same text, typed as text
    workbook.save(tmp_path / "text.xlsx")
    result, _record = engine.import_file("students", tmp_path / "text.xlsx")
    assert [(e.line, e.column) for e in result.errors] == [(2, "姓名")]
    assert not Student.objects.filter(student_no__in=["0702601401", "0702601402"]).exists()


def test_exports_write_formula_like_text_as_text(school, tmp_path):
    Student.objects.filter(pk=school.student_a.pk).update(name="=1+1")
    path = tmp_path / "s.xlsx"
    engine.export_file("students", path)
    cell = openpyxl.load_workbook(path).active["B2"]
    assert (cell.value, cell.data_type) == ("=1+1", "s")


def test_overlong_cells_are_refused(school, tmp_path):
    workbook = openpyxl.Workbook()
    workbook.active.append(["工号", "年级", "班级", "学科"])
    workbook.active.append(["T1001", "七年级", "1班", "长" * 100_000])
    workbook.save(tmp_path / "long.xlsx")
    result, _record = engine.import_file("assignments", tmp_path / "long.xlsx")
    assert [(e.line, e.column) for e in result.errors] == [(2, "学科")]
    assert "20" in result.errors[0].message
