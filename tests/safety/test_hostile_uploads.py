"""Hostile uploads through every upload endpoint of the permission matrix.

An upload route is a ``Route`` whose ``Call`` has ``files``; its file should be a valid sheet
(for the roster, the export of the cast). Each hostile file goes through the endpoint as a
post allowed to use it and must give a response under 500 in bounded time and memory, one
clear message on the page the user lands on, and leave every record as it was.

``tests/schoolops/test_import_*.py`` covers the sheet engine's refusals for the students
sheet (renamed CSV, zip bomb, damaged zip, row cap); these extend them across every
upload endpoint and add a 200,000-row sheet, formulas and 100,000-character cells.
"""

from __future__ import annotations

import io
import resource
import time
import zipfile
from functools import cache
from xml.sax.saxutils import escape

from django.apps import apps
from django.db import transaction
from django.urls import reverse

import pytest

from tests.safety.matrix import OK, REDIRECT
from tests.safety.routes import all_routes, client_for
from tests.workbooks import SHEET_PART, hand_built_xlsx, write_parts_but_the_sheet

pytestmark = pytest.mark.django_db

UPLOAD_ROUTES = [r for r in all_routes() if r.uploads]
POST_ROUTES = [r for r in all_routes() if r.method == "post" and r.build is not None]
SECONDS = 30  # per upload, on a loaded 2-core machine
MEGABYTES = 400  # growth of the process's peak memory per upload
FORMULA = "=cmd|' /C calc'!A0"
NOT_WRITTEN_APPS = ("schoolops", "groups", "consult", "mentors", "auth")
# Bookkeeping an upload may add: the import's own record and the history of it.
BOOKKEEPING = {"schoolops.importrecord"}


def upload_routes(school):
    found = []
    for route in POST_ROUTES:
        with transaction.atomic():  # each route builds its objects afresh
            call = route.call(school)
            transaction.set_rollback(True)
        if call.files:
            found.append(route)
    return found


def uploader(route) -> str:
    for actor, wanted in route.expect.items():
        if actor != "anonymous" and wanted in (OK, REDIRECT):
            return actor
    raise AssertionError(f"{route.key}: nobody may upload")


# Building workbooks by hand: fast enough for 200,000 rows and free to hold anything.


def cell(value) -> str:
    if isinstance(value, Formula):
        return f"<c><f>{escape(value.text)}</f></c>"
    if isinstance(value, (int, float)):
        return f"<c><v>{value}</v></c>"
    return f'<c t="inlineStr"><is><t>{escape(str(value))}</t></is></c>'


class Formula:
    def __init__(self, text: str) -> None:
        self.text = text


def sheet_xml(rows) -> str:
    body = "".join("<row>" + "".join(cell(v) for v in row) + "</row>" for row in rows)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"<sheetData>{body}</sheetData></worksheet>"
    )


def read_sheet(content: bytes) -> list[list]:
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    rows = [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
    book.close()
    return [
        ["" if v is None else v for v in row] for row in rows if any(v is not None for v in row)
    ]


@cache
def zip_bomb() -> bytes:
    """A workbook of a few hundred KB whose sheet unpacks to 300 MB."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        write_parts_but_the_sheet(archive)
        with archive.open(SHEET_PART, "w", force_zip64=True) as sheet:
            sheet.write(b'<?xml version="1.0"?><worksheet><sheetData>')
            block = b" " * (1024 * 1024)
            for _ in range(300):
                sheet.write(block)
            sheet.write(b"</sheetData></worksheet>")
    return buffer.getvalue()


def header_and_rows(valid: bytes) -> tuple[list, list[list]]:
    rows = read_sheet(valid)
    assert len(rows) >= 2, "the route's upload should be a valid sheet with at least one row"
    return rows[0], rows[1:]


def many_rows(valid: bytes, count: int) -> bytes:
    header, rows = header_and_rows(valid)
    template = rows[0]
    width = len(header)
    parts = ["<row>" + "".join(cell(v) for v in header) + "</row>"]
    for n in range(count):
        parts.append(
            "<row>"
            + "".join(cell(f"{v}{n}" if v != "" else v) for v in template[:width])
            + "</row>"
        )
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        "<sheetData>" + "".join(parts) + "</sheetData></worksheet>"
    )
    return hand_built_xlsx(xml)


def text_columns(valid: bytes, kind: str) -> list[int]:
    """Columns holding text in the first row that the import reads (not ignored ones)."""
    header, rows = header_and_rows(valid)
    known = imported_headers(kind)
    return [
        i
        for i, v in enumerate(rows[0])
        if isinstance(v, str)
        and v.strip()
        and (known is None or normalize_header(header[i]) in known)
    ]


def imported_headers(kind: str) -> set[str] | None:
    from schoolops.sheets import engine

    sheet = engine.import_kinds().get(kind)
    if sheet is None:
        return None
    return {
        normalize_header(label)
        for column in sheet.columns
        for label in (column.header, *column.aliases)
    }


def normalize_header(value) -> str:
    from schoolops.sheets.parsers import normalize_header as normal

    return normal(value)


def with_cell(valid: bytes, column: int, value) -> bytes:
    header, rows = header_and_rows(valid)
    rows = [list(r) for r in rows]
    rows[0][column] = value
    return hand_built_xlsx(sheet_xml([header, *rows]))


def hostile_documents(valid: bytes) -> list[tuple[str, str, bytes]]:
    """A shared file (a PDF, an image, an Office document: not a sheet to import): files
    whose name lies about their content, a corrupt zip and a zip bomb called .docx/.xlsx."""
    return [
        ("renamed-exe", "笔记.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 4096),
        ("html-as-pdf", "笔记.pdf", b"<!DOCTYPE html><script>alert(1)</script>"),
        ("svg-as-png", "图.png", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'),
        ("renamed-csv", "名单.xlsx", "学籍号,姓名\n0701,张三\n".encode("gbk")),
        ("corrupt-zip", "讲义.docx", b"PK\x03\x04" + b"\x13\x37" * 5000),
        ("zip-bomb", "名单.xlsx", zip_bomb()),
        ("empty", "空.pdf", b""),
    ]


def hostile_files(valid: bytes, kind: str) -> list[tuple[str, str, bytes]]:
    """(case, file name, content)."""
    if not valid.startswith(b"PK"):
        return hostile_documents(valid)
    corrupt = valid[: len(valid) // 2] + b"\x00garbage" * 100
    files = [
        ("renamed-csv", "名单.xlsx", "学籍号,姓名\n0701,张三\n".encode("gbk")),
        ("corrupt-zip", "名单.xlsx", b"PK\x03\x04" + b"\x13\x37" * 5000),
        ("truncated-xlsx", "名单.xlsx", corrupt),
        ("zip-bomb", "名单.xlsx", zip_bomb()),
        ("200000-rows", "名单.xlsx", many_rows(valid, 200_000)),
    ]
    for column in text_columns(valid, kind):
        files.append(
            (f"formula-col{column}", "名单.xlsx", with_cell(valid, column, Formula(FORMULA[1:])))
        )
        files.append((f"formula-text-col{column}", "名单.xlsx", with_cell(valid, column, FORMULA)))
        files.append(
            (f"100000-chars-col{column}", "名单.xlsx", with_cell(valid, column, "长" * 100_000))
        )
    return files


def snapshot() -> dict[str, list]:
    state = {}
    for model in apps.get_models():
        label = model._meta.label_lower
        if model._meta.app_label not in NOT_WRITTEN_APPS or label in BOOKKEEPING:
            continue
        if label.split(".")[1].startswith("historical"):
            continue
        state[label] = list(model._default_manager.order_by("pk").values_list())
    return state


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def test_every_upload_route_is_marked_and_attacked(school):
    found = upload_routes(school)
    assert len(found) >= 5
    unmarked = [route.key for route in found if not route.uploads]
    assert not unmarked, f"routes that upload files need uploads=True: {unmarked}"


@pytest.mark.parametrize("route", UPLOAD_ROUTES, ids=[r.key for r in UPLOAD_ROUTES])
def test_hostile_files_get_one_clear_message_and_write_nothing(route, school, today):
    call = route.call(school)
    if not call.files:
        pytest.skip("not an upload")
    field_name, (file_name, valid) = next(iter(call.files.items()))
    kind = file_name.rsplit(".", 1)[0]
    url = reverse(route.name, kwargs=call.kwargs)
    client = client_for(school, uploader(route))
    failures = []
    for case, name, content in hostile_files(valid, kind):
        before = snapshot()
        memory = peak_mb()
        started = time.monotonic()
        response = client.post(
            url, {**(call.data or {}), field_name: _named(name, content)}, follow=True
        )
        seconds = time.monotonic() - started
        text = response.text if response.status_code < 500 else ""
        if response.status_code >= 500:
            exc = getattr(response, "exc_info", None)
            failures.append(f"{case}: {response.status_code} {exc[1] if exc else ''}")
            continue
        if seconds > SECONDS:
            failures.append(f"{case}: {seconds:.1f} s")
        if peak_mb() - memory > MEGABYTES:
            failures.append(f"{case}: peak memory grew {peak_mb() - memory:.0f} MB")
        if snapshot() != before:
            changed = [k for k, v in snapshot().items() if before.get(k) != v]
            failures.append(f"{case}: written to {changed}")
        if not _shows_a_refusal(text):
            failures.append(f"{case}: no refusal message on the page")
    assert not failures, f"{route.key}:\n  " + "\n  ".join(failures)


def _named(name: str, content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)


REFUSAL_MARKERS = ("errornote", "errorlist", "alert-danger", "sheet-errors")


def _shows_a_refusal(text: str) -> bool:
    return any(marker in text for marker in REFUSAL_MARKERS)


def test_the_checker_notices_a_write(school):
    """The snapshot sees a changed name, so "nothing written" is a real check."""
    before = snapshot()
    student = school.student_a
    student.name = FORMULA
    student.save(update_fields=["name"])
    assert snapshot() != before


def test_hand_built_workbooks_are_readable(school):
    content = hand_built_xlsx(sheet_xml([["学籍号", "姓名"], ["0702601001", "张小明"]]))
    assert read_sheet(content) == [["学籍号", "姓名"], ["0702601001", "张小明"]]
