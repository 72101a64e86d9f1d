"""One export path (issue 13, item 3): every download is an export kind served by
``schoolops.sheets.http.sheet_response``, written by ``schoolops.sheets.writer``; a big one
runs in the background (``schoolops.exports``)."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.db import transaction
from django.http import Http404
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone, translation

import openpyxl
import pytest

from schoolops import exports
from schoolops.models import Exam, ExamResult, ExportRecord, ReadLog
from schoolops.privacy import Category
from schoolops.registry import registry
from schoolops.sheets import Column, ExportSheet, SheetRefused, engine
from schoolops.sheets.http import XLSX_CONTENT_TYPE, sheet_response
from schoolops.sheets.writer import Sheet, workbook_bytes
from tests.safety.exports import DOCUMENTS, kind_options
from tests.safety.matrix import OK
from tests.safety.routes import all_routes, client_for, describe, send
from tests.safety.test_export_formulas import _ensure_records, _fill_hostile, _formula_cells

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


# The helper, with a kind of this file's own.


class NumbersSheet(ExportSheet):
    """Numbers 1..n of a student of the class asked for, each noting a read of the phone."""

    kind = "test_numbers"
    title = "数字"
    filename = "数字.xlsx"
    export_permission = "schoolops.export_student"
    columns = [Column("n", "序号", width=6), Column("student_no", "学籍号", text_format=True)]

    def resolve(self, student: Any = None, n: int = 3, **options: Any) -> dict[str, Any]:
        found = self.scope.students().filter(pk=getattr(student, "pk", student)).first()
        if found is None:
            raise SheetRefused("没有这个学生。")
        return {"student": found, "n": n}

    def count(self, student: Any, n: int) -> int:
        return n

    def rows(self, student: Any, n: int) -> Iterator[list[Any]]:
        self.log_read([student], [Category.GUARDIAN])
        for number in range(1, n + 1):
            yield [number, student.student_no]

    def download_name(self, student: Any, n: int) -> str:
        return f"{student.name}的数字.xlsx"


@pytest.fixture
def numbers(monkeypatch):
    monkeypatch.setitem(registry.sheets, NumbersSheet.kind, NumbersSheet)


def _get(staff: Any, path: str = "/numbers.xlsx"):
    request = RequestFactory().get(path)
    request.user = staff.user
    return request


def _rows(content: bytes) -> list[tuple]:
    return list(openpyxl.load_workbook(io.BytesIO(content)).active.values)


def test_the_helper_writes_the_kind_under_its_chinese_file_name_and_logs_the_reads(school, numbers):
    response = sheet_response(_get(school.office), "test_numbers", student=school.student_a.pk)

    assert response.status_code == 200 and response.export_kind == "test_numbers"
    name = f"{school.student_a.name}的数字.xlsx"
    assert response["Content-Disposition"] == f"attachment; filename*=UTF-8''{quote(name)}"
    assert _rows(response.content) == [
        ("序号", "学籍号"),
        *[(n, school.student_a.student_no) for n in (1, 2, 3)],
    ]
    assert list(ReadLog.objects.values_list("user", "student", "categories", "path")) == [
        (school.office.user_id, school.student_a.pk, "guardian", "/numbers.xlsx")
    ]


def test_the_helper_answers_404_outside_the_scope_and_403_without_the_right(school, numbers):
    with pytest.raises(Http404, match="没有这个学生"):
        sheet_response(_get(school.outsider), "test_numbers", student=school.student_a.pk)
    with pytest.raises(
        PermissionDenied
    ):  # the homeroom teacher sees the student, exports no roster
        sheet_response(_get(school.homeroom), "test_numbers", student=school.student_a.pk)
    assert not ReadLog.objects.exists()


def test_the_command_line_writes_a_kind_of_one_class_and_refuses_an_unknown_class(school, tmp_path):
    from consult.sheets import ClassLedgerSheet
    from tests.consult.helpers import ledger

    ledger(school.student_a, school.term, strengths="乐于助人")
    path = tmp_path / "台账.xlsx"

    call_command("export_sheet", "consult_ledger", str(path), "--class", "七年级(1)班")

    rows = _rows(path.read_bytes())
    assert list(rows[0]) == ClassLedgerSheet.headers()
    assert rows[1][:3] == (school.student_a.student_no, school.student_a.name, "乐于助人")
    with pytest.raises(CommandError, match=r"--class: .*\(9\)班"):
        call_command("export_sheet", "consult_ledger", str(path), "--class", "九年级(9)班")


@pytest.mark.parametrize(
    ("language", "name"),
    [("zh-hans", "学情台账七年级(1)班.xlsx"), ("en", "Ledger 七年级(1)班.xlsx")],
)
def test_a_file_exported_in_english_has_the_chinese_headers_and_an_english_name(
    school, login, today, language, name
):
    from consult.sheets import ClassLedgerSheet
    from tests.consult.helpers import ledger

    ledger(school.student_a, school.term, strengths="乐于助人")
    client = login(school.principal)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language  # the language switch

    response = client.get(reverse("consult:class_ledger_xlsx", args=[school.class_a.pk]))

    assert response["Content-Disposition"] == f"attachment; filename*=UTF-8''{quote(name)}"
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert list(_values(book.active)[0]) == ClassLedgerSheet.headers()  # imports in any language
    assert book.active.title == {"zh-hans": "学情台账", "en": "Ledger"}[language]


# Big exports in the background.


def test_an_export_over_the_limit_is_written_in_the_background_for_its_owner_only(
    school, login, numbers, settings
):
    settings.EXPORT_BACKGROUND_ROWS = 4
    request = _get(school.office)
    assert sheet_response(request, "test_numbers", student=school.student_a, n=4).status_code == 200

    response = sheet_response(request, "test_numbers", student=school.student_a, n=5)

    record = ExportRecord.objects.get()  # the immediate backend of the tests ran the task
    assert response.status_code == 302
    assert response.url == reverse("schoolops:export_status", kwargs={"pk": record.pk})
    assert (record.status, record.rows, record.progress) == ("done", 5, 100)
    assert record.user == school.office.user and record.file_name.endswith("的数字.xlsx")
    page = login(school.office).get(response.url)
    download = reverse("schoolops:export_download", kwargs={"pk": record.pk})
    assert page.status_code == 200 and download in page.content.decode()
    file = login(school.office).get(download)
    assert file.status_code == 200 and file.export_kind == "test_numbers"
    assert _rows(file.content)[1:] == [(n, school.student_a.student_no) for n in range(1, 6)]
    # The reads are logged when the file is written, in the name of whoever asked.
    assert ReadLog.objects.filter(user=school.office.user).count() == 2
    # Nobody else sees the page or the file, not even the principal.
    for other in (school.principal, school.homeroom):
        assert login(other).get(response.url).status_code == 404
        assert login(other).get(download).status_code == 404


def test_a_background_export_is_removed_a_day_after_it_was_asked_for(
    school, login, numbers, settings
):
    settings.EXPORT_BACKGROUND_ROWS = 0
    sheet_response(_get(school.office), "test_numbers", student=school.student_a)
    record = ExportRecord.objects.get()
    path = exports.stored_path(record)
    assert path is not None and path.is_file()
    ExportRecord.objects.update(created_at=timezone.now() - dt.timedelta(hours=25))

    page = login(school.office).get(reverse("schoolops:export_status", kwargs={"pk": record.pk}))

    assert page.status_code == 404
    assert not path.exists() and not ExportRecord.objects.exists()


def test_a_background_export_whose_worker_stopped_says_so(school, login, numbers, settings):
    record = ExportRecord.objects.create(
        kind="test_numbers",
        options={"student": school.student_a.pk, "n": 30_000},
        file_name="数字.xlsx",
        user=school.office.user,
        rows=30_000,
        status=ExportRecord.Status.RUNNING,
        heartbeat_at=timezone.now() - dt.timedelta(minutes=settings.IMPORT_STALE_MINUTES + 1),
    )

    page = login(school.office).get(reverse("schoolops:export_status", kwargs={"pk": record.pk}))

    record.refresh_from_db()
    assert record.status == ExportRecord.Status.FAILED
    assert "导出在完成前中断" in page.content.decode()


def test_a_background_export_refused_meanwhile_writes_nothing(school, numbers):
    record = ExportRecord.objects.create(
        kind="test_numbers",
        options=exports.encode_options({"student": school.student_a, "n": 3}),
        file_name="数字.xlsx",
        user=school.homeroom.user,  # who may not export the roster (any more)
        rows=3,
    )

    exports.execute(record)

    record.refresh_from_db()
    assert (record.status, record.stored_file) == (ExportRecord.Status.FAILED, "")
    assert record.message and not ReadLog.objects.exists()


def test_the_admins_exam_results_export_over_the_limit_runs_in_the_background(
    school, login, settings
):
    settings.EXPORT_BACKGROUND_ROWS = 1
    exam = Exam.objects.create(name="期中考试", date=dt.date(2026, 11, 10))
    for subject, score in ((school.maths, "88.5"), (school.chinese, "91")):
        ExamResult.objects.create(
            student=school.student_a, exam=exam, subject=subject, score=Decimal(score)
        )
    school.office.user.is_staff = True
    school.office.user.save()
    client = login(school.office)

    response = client.get(reverse("admin:schoolops_examresult_export"))

    record = ExportRecord.objects.get()
    assert response.status_code == 302 and (record.kind, record.rows) == ("exams", 2)
    file = client.get(reverse("schoolops:export_download", kwargs={"pk": record.pk}))
    assert _rows(file.content) == [
        ("学籍号", "考试", "考试日期", "学科", "分数"),
        ("0702601001", "期中考试", dt.datetime(2026, 11, 10), "语文", 91),
        ("0702601001", "期中考试", dt.datetime(2026, 11, 10), "数学", 88.5),
    ]


def test_the_read_log_export_of_many_entries_runs_in_the_background(school, login, today, settings):
    settings.EXPORT_BACKGROUND_ROWS = 2
    ReadLog.objects.bulk_create(
        ReadLog(user=school.homeroom.user, student=school.student_a, what="consult:x", path="/")
        for _n in range(3)
    )
    client = login(school.principal)

    response = client.get(reverse("schoolops:read_log_xlsx"), {"person": "王老师"})

    record = ExportRecord.objects.get(user=school.principal.user)
    assert response.status_code == 302 and (record.kind, record.rows) == ("read_log", 3)
    assert record.options["person"] == "王老师" and record.status == "done"


# Every kind and every download.


def _values(sheet: Any) -> list[list[Any]]:
    return [list(row) for row in sheet.iter_rows(values_only=True)]


@pytest.mark.parametrize("kind", sorted(engine.export_kinds()))
def test_every_export_kind_writes_its_declared_headers_and_no_formula(kind, school, today):
    """Written from hostile records by the command line in English: each sheet of the kind
    has the declared Chinese headers as a row (the first row, for a plain table), the same
    as in Chinese, and no formula."""
    sheet_class = engine.export_kinds()[kind]
    with transaction.atomic(), translation.override("en"):
        _ensure_records(school)
        _fill_hostile()
        buffer = io.BytesIO()
        engine.export_file(kind, buffer, **kind_options(kind, school))
        transaction.set_rollback(True)
    content = buffer.getvalue()

    assert _formula_cells(content) == []
    headers = sheet_class.headers()
    if kind in DOCUMENTS:
        assert not headers, f"{kind} declares columns: take it out of DOCUMENTS"
        return
    assert headers, f"{kind} declares no columns (a printable record? add it to DOCUMENTS)"
    assert all(type(header) is str for header in headers), "headers are not translated"
    for sheet in openpyxl.load_workbook(io.BytesIO(content)).worksheets:
        rows = [[value for value in row if value is not None] for row in _values(sheet)]
        assert headers in rows, f"{kind}: no row of {sheet.title!r} is {headers}"
        if sheet_class.sheets is ExportSheet.sheets:
            assert rows[0] == headers  # a plain table: the header row comes first


def _download_routes() -> list[Any]:
    return [
        route
        for route in all_routes()
        if route.method == "get"
        and (route.name.endswith(("_xlsx", "_export")) or "export" in route.name.split(":")[-1])
        and not route.name.endswith("_import_template")
    ]


def test_every_download_is_served_by_the_helper_with_its_declared_headers(school, today):
    """Each route of the matrix that answers with a workbook went through ``sheet_response``
    (which marks the response with its kind) and has the kind's declared headers."""
    served: dict[str, str] = {}
    problems = []
    clients: dict[str, Any] = {}
    for route in _download_routes():
        actor = next((a for a, wanted in route.expect.items() if wanted == OK), None)
        if actor is None:
            continue
        client = clients.setdefault(actor, client_for(school, actor))
        with transaction.atomic():
            call = route.call(school)
            _ensure_records(school)
            response = send(client, "get", reverse(route.name, kwargs=call.kwargs), call)
            transaction.set_rollback(True)
        if response.status_code != 200:
            problems.append(f"{route.key} as {actor}: {describe(response)}")
            continue
        if response.get("Content-Type") != XLSX_CONTENT_TYPE:
            continue  # a page about an export (a background export's progress)
        kind = getattr(response, "export_kind", None)
        if kind is None:
            problems.append(f"{route.key} as {actor}: not served by sheet_response")
            continue
        served[route.name] = kind
        headers = engine.export_kinds()[kind].headers()
        book = openpyxl.load_workbook(io.BytesIO(response.content))
        rows = [[v for v in row if v is not None] for row in _values(book.worksheets[0])]
        if headers and headers not in rows:
            problems.append(f"{route.key}: {kind}'s headers {headers} are not in the file")
    assert not problems, "\n".join(problems)
    assert {"schoolops:read_log_xlsx", "schoolops:student_records_xlsx"} <= set(served)
    assert set(served.values()) >= {"read_log", "student_records", "students"}
