"""export_sheet writes exactly the import's headers; an export re-imports unchanged."""

from __future__ import annotations

from decimal import Decimal

from django.core.management import CommandError, call_command

import openpyxl
import pytest

from schoolops.models import Exam, ExamResult, Staff
from schoolops.registry import registry
from schoolops.sheets import engine
from schoolops.sheets.base import Column, ExportSheet, add_term_argument

pytestmark = pytest.mark.usefixtures("in_english")

HEADERS = {
    "classes": ["年级", "班级", "班主任工号"],
    "staff": ["工号", "姓名", "性别", "手机", "岗位"],
    "assignments": ["工号", "年级", "班级", "学科"],
    "students": ["学籍号", "姓名", "性别", "出生日期", "年级", "班级", "家长姓名", "家长电话"],
    "exams": ["学籍号", "考试", "考试日期", "学科", "分数"],
}


@pytest.fixture
def exam(school):
    exam = Exam.objects.create(name="期中考试", date="2026-11-10")
    ExamResult.objects.create(
        student=school.student_a, exam=exam, subject=school.maths, score=Decimal("88.5")
    )
    return exam


@pytest.mark.parametrize("kind", sorted(HEADERS))
def test_export_then_reimport_changes_nothing(kind, school, exam, tmp_path, capsys):
    Staff.objects.filter(pk=school.teacher.pk).update(phone="13900000009")
    path = tmp_path / f"{kind}.xlsx"

    call_command("export_sheet", kind, str(path))

    rows = list(openpyxl.load_workbook(path).active.values)
    assert list(rows[0]) == HEADERS[kind]
    assert len(rows) > 1
    result, _record = engine.import_file(kind, path)
    assert result.ok, result.messages()
    assert result.counts.new == 0
    assert result.counts.changed == 0
    assert result.counts.unchanged == len(rows) - 1


def test_students_export_content(school, tmp_path):
    path = tmp_path / "s.xlsx"
    call_command("export_sheet", "students", str(path))
    sheet = openpyxl.load_workbook(path).active
    assert [c.value for c in sheet[2]] == [
        "0702601001",
        "张小明",
        "男",
        None,
        "七年级",
        "(1)班",
        "张建国",
        "13800000001",
    ]
    assert sheet["A2"].number_format == "@"  # Excel keeps the leading zero


def test_exams_export_content(school, exam, tmp_path):
    path = tmp_path / "e.xlsx"
    call_command("export_sheet", "exams", str(path))
    row = list(openpyxl.load_workbook(path).active.values)[1]
    assert row[0] == "0702601001"
    assert row[1] == "期中考试"
    assert row[2].date().isoformat() == "2026-11-10"
    assert (row[3], row[4]) == ("数学", 88.5)


def test_unknown_export_kind(school, tmp_path):
    with pytest.raises(CommandError):
        call_command("export_sheet", "pets", str(tmp_path / "x.xlsx"))


class TermSheet(ExportSheet):
    kind = "term_test"
    title = "Term"
    columns = [Column("term", "学期")]

    @classmethod
    def add_arguments(cls, parser):
        add_term_argument(parser)

    def rows(self, term=None, **options):
        yield [str(term.pk) if term else "none"]


def test_a_registered_kind_gets_its_own_options(school, today, tmp_path):
    registry.add_sheet("term_test", TermSheet)
    try:
        path = tmp_path / "t.xlsx"
        call_command("export_sheet", "term_test", str(path), "--term", "2026-1")
        assert list(openpyxl.load_workbook(path).active.values)[1] == (str(school.term.pk),)
        for today in ("CURRENT", "current"):
            path.unlink()
            call_command("export_sheet", "term_test", str(path), "--term", today)
            assert list(openpyxl.load_workbook(path).active.values)[1] == (str(school.term.pk),)
        with pytest.raises(CommandError):
            call_command("export_sheet", "term_test", str(path), "--term", "2030-1")
    finally:
        registry.sheets.pop("term_test")


def _students_file(path, count):
    workbook = openpyxl.Workbook()
    workbook.active.append(
        ["学籍号", "姓名", "性别", "出生日期", "年级", "班级", "家长姓名", "家长电话"]
    )
    for n in range(count):
        workbook.active.append(
            [
                f"09{n:08d}",
                "学生",
                "男女"[n % 2],
                "2012-03-05",
                "七年级",
                f"{n % 2 + 1}班",
                "家长",
                "",
            ]
        )
    workbook.save(path)
    return path


def test_import_queries_do_not_grow_with_the_rows(school, tmp_path, django_assert_max_num_queries):
    """Bulk writes and cached lookups: a 10-row and a 300-row file take the same queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        result, _record = engine.import_file("students", _students_file(tmp_path / "a.xlsx", 10))
    assert result.counts.new == 10
    with django_assert_max_num_queries(len(small.captured_queries)):
        result, _record = engine.import_file("students", _students_file(tmp_path / "b.xlsx", 300))
    assert (result.counts.new, result.counts.unchanged) == (290, 10)


def test_export_queries_do_not_grow_with_the_rows(
    school, exam, tmp_path, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        for kind in HEADERS:
            engine.export_file(kind, tmp_path / f"{kind}.xlsx", user=school.office.user)
    engine.import_file("students", _students_file(tmp_path / "many.xlsx", 200))
    with django_assert_max_num_queries(len(small.captured_queries)):
        for kind in HEADERS:
            engine.export_file(kind, tmp_path / f"{kind}.xlsx", user=school.office.user)
