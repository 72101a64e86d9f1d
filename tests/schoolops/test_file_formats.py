"""A roster loads as .xlsx, old Excel .xls or CSV (UTF-8, UTF-8 with BOM, GBK; comma, tab or
semicolon), told apart by its content; every other file is refused with a message and writes
nothing. Each file is built here: .xls files with xlwt, CSV files as encoded bytes."""

from __future__ import annotations

import datetime as dt
import io
import random
import struct
from pathlib import Path

from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation

import pytest
import xlwt

from schoolops.models import ImportRecord, Student
from schoolops.sheets import engine, parse_child, reader

pytestmark = pytest.mark.usefixtures("uploads_in_english")

HEADER = ["学籍号", "姓名", "性别", "出生日期", "年级", "班级", "家长电话", "备注"]
ROWS = [
    ["0702601601", "迪丽娜尔·艾尼瓦尔", "女", "20120315", "七年级", "1班", "13800001601", ""],
    ["0702601602", "欧阳娜娜", "女", "2012-05-01", "七年级", "2班", "", "住址：北京市,朝阳区"],
    ["0012", "张　三", "男", "", "八年级", "1班", "", ""],
]
IMPORT = reverse("admin:schoolops_student_import")
PROCESS = reverse("admin:schoolops_student_process_import")


def csv_bytes(rows, encoding="utf-8", delimiter=",", bom=False) -> bytes:
    def cell(value: str) -> str:
        if any(c in value for c in f'"\r\n{delimiter}'):
            return '"' + value.replace('"', '""') + '"'
        return value

    text = "".join(delimiter.join(cell(v) for v in row) + "\r\n" for row in rows)
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding)


def xls_bytes(rows, title: str | None = None) -> bytes:
    """A real BIFF8 workbook; ``title`` is merged across the columns above the header."""
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("学生名单")
    first = 0
    if title:
        sheet.write_merge(0, 0, 0, len(rows[0]) - 1, title)
        first = 1
    dates = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    for number, row in enumerate(rows, start=first):
        for column, value in enumerate(row):
            if isinstance(value, dt.date):
                sheet.write(number, column, value, dates)
            else:
                sheet.write(number, column, value)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def imported(path: Path):
    result, record = engine.import_file("students", path)
    assert result.ok, result.messages()
    assert record.status == ImportRecord.Status.DONE
    return result


def refused(path: Path) -> str:
    before = list(Student.objects.order_by("pk").values_list())
    result, record = engine.import_file("students", path)
    assert not result.ok
    assert record.status == ImportRecord.Status.REFUSED
    assert list(Student.objects.order_by("pk").values_list()) == before
    return result.refused


def test_a_gbk_csv_roster_loads_with_chinese_names_intact(school, tmp_path):
    content = csv_bytes([HEADER, *ROWS], encoding="gbk")
    with pytest.raises(UnicodeDecodeError):
        content.decode("utf-8")  # what Excel's "CSV (逗号分隔)" writes on a Chinese Windows
    path = tmp_path / "名单.csv"
    path.write_bytes(content)

    call_command("import_sheet", "students", str(path), stdout=io.StringIO())

    assert reader.check_file(path).encoding == "gb18030"
    first = Student.objects.get(student_no="0702601601")
    assert first.name == "迪丽娜尔·艾尼瓦尔"
    assert first.birth_date == dt.date(2012, 3, 15)
    assert first.guardian_phone == "13800001601"
    assert Student.objects.get(student_no="0702601602").name == "欧阳娜娜"
    # A CSV cell stays text: the 学籍号 keeps its leading zeros.
    assert Student.objects.get(student_no="0012").name == "张三"


def test_a_utf8_csv_with_a_byte_order_mark_loads(school, tmp_path):
    path = tmp_path / "名单.csv"
    path.write_bytes(csv_bytes([HEADER, *ROWS], bom=True))

    result = imported(path)

    assert result.counts.new == 3
    assert result.header_line == 1  # the mark did not hide the first header, 学籍号
    assert Student.objects.get(student_no="0702601601").name == "迪丽娜尔·艾尼瓦尔"


@pytest.mark.parametrize("delimiter", [";", "\t"], ids=["semicolon", "tab"])
def test_semicolon_and_tab_separated_csv_files_load(school, tmp_path, delimiter):
    # The 备注 cell holds a comma and a line break: neither splits the row.
    rows = [HEADER, *ROWS[:2], [*ROWS[2][:-1], "第一行,\n第二行"]]
    path = tmp_path / "名单.txt"
    path.write_bytes(csv_bytes(rows, delimiter=delimiter))

    result = imported(path)

    assert reader.check_file(path).delimiter == delimiter
    assert result.counts.new == 3
    assert result.ignored_columns == ["备注"]
    assert Student.objects.get(student_no="0702601602").school_class == school.class_b


def test_an_xls_loads_through_import_sheet(school, tmp_path):
    rows = [HEADER, *ROWS]
    rows[1] = [*ROWS[0][:3], dt.date(2012, 3, 15), *ROWS[0][4:]]  # a real date cell
    path = tmp_path / "学生名单.xls"
    path.write_bytes(xls_bytes(rows, title="某某中学 学生基础信息（导出日期：20240915）"))

    output = io.StringIO()
    call_command("import_sheet", "students", str(path), stdout=output)

    assert "3 new" in output.getvalue()
    first = Student.objects.get(student_no="0702601601")
    assert (first.name, first.birth_date) == ("迪丽娜尔·艾尼瓦尔", dt.date(2012, 3, 15))
    assert first.school_class == school.class_a
    assert Student.objects.get(student_no="0012").school_class == school.class_c
    assert ImportRecord.objects.get().file_name == "学生名单.xls"


def test_an_xls_loads_through_the_admin_import_view(school, login, settings):
    client = login(school.office)
    form = client.get(IMPORT).text
    assert 'accept=".xlsx,.xls,.csv' in form  # the file picker offers all three
    upload = io.BytesIO(xls_bytes([HEADER, *ROWS]))
    upload.name = "学生名单.xls"

    client.post(IMPORT, {"file": upload})

    record = ImportRecord.objects.get()
    assert record.status == ImportRecord.Status.PREVIEWED, record.message
    assert record.new == 3
    assert Student.objects.count() == 2  # nothing before the confirmation
    client.post(PROCESS, {"record": record.pk})
    record.refresh_from_db()
    assert record.status == ImportRecord.Status.DONE
    assert Student.objects.get(student_no="0702601602").name == "欧阳娜娜"


def test_the_admin_offers_csv_files_and_loads_one(school, login):
    client = login(school.office)
    upload = io.BytesIO(csv_bytes([HEADER, *ROWS], encoding="gbk"))
    upload.name = "学生名单.csv"

    client.post(IMPORT, {"file": upload})

    record = ImportRecord.objects.get()
    assert record.status == ImportRecord.Status.PREVIEWED, record.message
    assert record.new == 3


END_OF_CHAIN, FREE, NO_STREAM = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFF


def _directory_entry(name: str, kind: int, child: int, start: int, size: int) -> bytes:
    encoded = (name + "\0").encode("utf-16-le")
    links = struct.pack("<HBBIII", len(encoded), kind, 1, NO_STREAM, NO_STREAM, child)
    return encoded.ljust(64, b"\0") + links + b"\0" * 36 + struct.pack("<IQ", start, size)


def mini_stream_xls(stream: bytes) -> bytes:
    """A compound file whose Workbook stream (under 4,096 bytes) sits in the mini stream, as
    some programs write a small workbook (xlwt and Excel pad it to 4,096 bytes)."""
    minis = -(-len(stream) // 64)
    sectors = -(-minis * 64 // 512)
    # Sector 0 holds the FAT, 1 the directory, 2 the mini FAT, 3 on the mini stream.
    fat = [0xFFFFFFFD, END_OF_CHAIN, END_OF_CHAIN, *range(4, 3 + sectors), END_OF_CHAIN]
    mini_fat = [*range(1, minis), END_OF_CHAIN]
    header = (
        reader.OLE2_MAGIC
        + b"\0" * 16
        + struct.pack("<5H", 0x3E, 3, 0xFFFE, 9, 6)
        + b"\0" * 10
        + struct.pack("<8I", 1, 1, 0, 4096, 2, 1, END_OF_CHAIN, 0)
        + struct.pack("<109I", 0, *[FREE] * 108)
    )
    directory = (
        _directory_entry("Root Entry", 5, 1, 3, minis * 64)
        + _directory_entry("Workbook", 2, NO_STREAM, 0, len(stream))
    ).ljust(512, b"\0")
    return (
        header
        + struct.pack("<128I", *fat, *[FREE] * (128 - len(fat)))
        + directory
        + struct.pack("<128I", *mini_fat, *[FREE] * (128 - len(mini_fat)))
        + stream.ljust(sectors * 512, b"\0")
    )


def test_a_small_xls_whose_workbook_is_in_the_mini_stream_loads(school, tmp_path):
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("名单")
    for number, row in enumerate([HEADER[:6], ROWS[1][:6]]):
        for column, value in enumerate(row):
            sheet.write(number, column, value)
    stream = book.get_biff_data()
    assert len(stream) < 4096
    path = tmp_path / "名单.xls"
    path.write_bytes(mini_stream_xls(stream))

    assert imported(path).counts.new == 1
    assert Student.objects.get(student_no="0702601602").name == "欧阳娜娜"


# Damaged, locked and foreign files.


def _sector_offset(content: bytes, number: int) -> int:
    shift = struct.unpack_from("<H", content, 0x1E)[0]
    return (number + 1) << shift


def truncated(content: bytes) -> bytes:
    return content[: len(content) // 2]


def looping_directory(content: bytes) -> bytes:
    """The directory's sector chained to itself in the FAT: a reader that follows the chain
    without a bound never ends."""
    data = bytearray(content)
    directory = struct.unpack_from("<I", data, 0x30)[0]
    fat = _sector_offset(data, struct.unpack_from("<I", data, 0x4C)[0])
    struct.pack_into("<I", data, fat + 4 * directory, directory)
    return bytes(data)


def bad_record(content: bytes) -> bytes:
    """The Workbook stream's first record (its BOF) overwritten."""
    data = bytearray(content)
    start = data.find(b"\x09\x08\x10\x00\x00\x06\x05\x00")
    data[start : start + 4] = b"\xff\xff\xff\xff"
    return bytes(data)


@pytest.mark.parametrize("damage", [truncated, looping_directory, bad_record])
def test_a_damaged_xls_is_refused_with_a_message_and_nothing_written(school, tmp_path, damage):
    path = tmp_path / "名单.xls"
    path.write_bytes(damage(xls_bytes([HEADER, *ROWS])))

    message = refused(path)

    assert "damaged" in message and "(.xls)" in message


def test_a_password_protected_xls_gets_the_password_message(school, tmp_path):
    # Excel's RC4 encryption: a FILEPASS record right after the BOF, in place of WRITEACCESS.
    data = bytearray(xls_bytes([HEADER, *ROWS]))
    start = data.find(b"\x5c\x00\x70\x00")
    filepass = struct.pack("<HHHHH", 0x002F, 54, 1, 1, 1) + bytes(range(48))
    filler = 116 - len(filepass) - 4
    data[start : start + 116] = filepass + struct.pack("<HH", 0x005C, filler) + b" " * filler
    path = tmp_path / "名单.xls"
    path.write_bytes(bytes(data))

    assert "protected by a password" in refused(path)


def ole2_document(content: bytes) -> bytes:
    """The .xls with its Workbook stream renamed WordDocument: an OLE2 file that is no sheet."""
    data = bytearray(content)
    name = "Workbook".encode("utf-16-le")
    at = data.find(name + b"\0\0")
    new = "WordDocument".encode("utf-16-le") + b"\0\0"
    data[at : at + 64] = new.ljust(64, b"\0")
    struct.pack_into("<H", data, at + 64, len(new))
    return bytes(data)


FOREIGN = {
    "png": lambda: b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR" + bytes(range(256)) * 20,
    "random-bytes": lambda: random.Random(12).randbytes(20_000),
    "text-with-nul": lambda: csv_bytes([HEADER, *ROWS]).replace(b"\r\n", b"\0\r\n"),
    "web-page": lambda: (
        "<html><body><table><tr><td>学籍号</td></tr></table></body></html>".encode()
    ),
    "word-document": lambda: ole2_document(xls_bytes([HEADER, *ROWS])),
}


@pytest.mark.parametrize("build", FOREIGN.values(), ids=FOREIGN.keys())
def test_a_binary_or_foreign_file_is_refused_as_not_a_spreadsheet(school, tmp_path, build):
    path = tmp_path / "名单.xls"
    path.write_bytes(build())

    assert "neither an Excel workbook (.xlsx or .xls) nor a CSV file" in refused(path)


def test_a_csv_over_the_row_cap_is_refused_before_it_is_all_parsed(
    school, tmp_path, monkeypatch, settings
):
    # 40,000 rows (1.3 MB), then a NUL byte in the second megabyte. The line count passes the
    # cap (5,000 rows and the slack for title and blank rows) in the first megabyte: the
    # refusal is the row cap's, the NUL is never read and no child process parses anything.
    settings.IMPORT_MAX_ROWS = 5_000
    rows = [",".join(HEADER)] + [f"07026{n:05d},学生{n},男,,七年级,1班,," for n in range(40_000)]
    content = "\n".join(rows).encode() + b"\0"
    assert len(content) > 1024 * 1024
    path = tmp_path / "名单.csv"
    path.write_bytes(content)
    monkeypatch.setattr(reader, "_run_child", lambda *args: pytest.fail("the file was parsed"))

    with pytest.raises(CommandError) as refusal:
        call_command("import_sheet", "students", str(path))

    assert "The CSV file has more than 5,000 rows" in str(refusal.value)
    assert Student.objects.count() == 2


def test_the_child_stops_a_csv_at_its_record_cap(tmp_path):
    path = tmp_path / "名单.csv"
    path.write_bytes(csv_bytes([HEADER] + [ROWS[0]] * 100))
    options = {
        "readers": ["csv"],
        "encoding": "utf-8-sig",
        "delimiter": ",",
        "max_records": 20,
        "max_columns": 100,
        "max_cell": reader.MAX_CELL,
    }

    assert parse_child.parse(str(path), options) == ("refused", "too-many")
    assert (
        parse_child.parse(str(path), {**options, "max_records": 101})[1][100][1]
        == "迪丽娜尔·艾尼瓦尔"
    )


@pytest.mark.parametrize(
    "third_row",
    [
        ["0702601603", "长" * 1024 * 1024, "男", "", "七年级", "1班", "", ""],
        # A quotation mark left open makes one cell of every row after it.
        ['0702601603,"未闭合的引号,男,,七年级,1班\n' + "0702601604,学生,男,,七年级,1班\n" * 2000],
    ],
    ids=["1-MB-cell", "open-quotation-mark"],
)
def test_a_csv_with_a_huge_cell_is_refused_with_a_message(school, tmp_path, third_row):
    path = tmp_path / "名单.csv"
    head = csv_bytes([HEADER, ROWS[0]], encoding="gbk")
    tail = third_row[0].encode("gbk") if len(third_row) == 1 else csv_bytes([third_row], "gbk")
    path.write_bytes(head + tail)

    message = refused(path)

    assert message.startswith("Row 3 of the CSV file has a cell of more than 32,767 characters")


def test_a_csv_wider_than_the_column_cap_is_refused(school, tmp_path, settings):
    settings.IMPORT_MAX_COLUMNS = 10
    path = tmp_path / "名单.csv"
    path.write_bytes(csv_bytes([HEADER, ROWS[0], [*ROWS[1], *["x"] * 5]]))

    assert refused(path).startswith("The sheet reaches cell M3, beyond the 60,000 rows and 10")


def test_an_xls_cell_past_the_caps_is_refused_before_calamine_lays_it_out(school, tmp_path):
    # One cell at IV65536 on a second sheet: calamine lays out every sheet of an .xls when
    # it opens it, 16 million cells (500 MB) from a 6 KB file.
    book = xlwt.Workbook(encoding="utf-8")
    first = book.add_sheet("名单")
    for column, value in enumerate(HEADER):
        first.write(0, column, value)
    book.add_sheet("另一页").write(65535, 255, "x")
    path = tmp_path / "名单.xls"
    book.save(str(path))

    assert refused(path).startswith("The sheet reaches cell IV65536")


def test_refusals_are_in_chinese_for_the_school(school, tmp_path):
    path = tmp_path / "名单.xls"
    path.write_bytes(FOREIGN["png"]())
    with translation.override("zh-hans"):
        message = refused(path)
    assert "CSV" in message and "Excel" in message
    assert "neither" not in message
