"""Exam systems' score sheets load as they are: the header found under title rows (two rows of
it merged as exam systems write them), footers skipped, students found by 学籍号 or by class and
name, subjects by their aliases, the exam named by the title; our own long layout unchanged.

Every file is built here with openpyxl (merged cells as Excel writes them: the value in the
first cell of the range only)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.management import CommandError, call_command
from django.utils import translation

import openpyxl
import pytest

from schoolops.models import Exam, ExamResult, Gender, ImportRecord, Student, Subject, SubjectAlias
from schoolops.sheets import engine
from schoolops.sheets.engine import ImportChoices
from schoolops.sheets.exams import proposed_exam, read_subject_header

TITLE = "2024学年第一学期七年级期中质量检测成绩表"
EXAM = "2024学年第一学期七年级期中质量检测"


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def subjects(school):
    """The cast's 语文, 数学, 英语 and the school's 道德与法治 and 生物; the seeded aliases."""
    Subject.objects.create(name="道德与法治", order=4)
    Subject.objects.create(name="生物", order=5)
    for alias, subject in (("道法", "道德与法治"), ("政治", "道德与法治"), ("生物学", "生物")):
        SubjectAlias.objects.get_or_create(alias=alias, defaults={"subject": subject})
    return school


def student(school_class, number: str, name: str) -> Student:
    return Student.objects.create(
        student_no=number, name=name, gender=Gender.FEMALE, school_class=school_class
    )


def save(path, rows, merges=()):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "成绩总表"
    for row in rows:
        sheet.append(row)
    for cells in merges:
        sheet.merge_cells(cells)
    workbook.save(path)
    return path


# The upper row of a two-row header: each subject's cell is merged over its three columns.
UPPER_HEADER = ["考号", "姓名", "班级", "语文（120）", None, None, "数学（120）", None, None]
UPPER_HEADER += ["道法（100）", None, None, "总分", "校次"]


def two_row_sheet(path, students, footers=True):
    """A 成绩总表 as exam systems export it: a merged title, a date line, a two-row header
    (考号 | 姓名 | 班级 merged down; each subject merged over 得分 | 班次 | 校次), the students,
    then 平均分 / 最高分 / 参考人数 rows."""
    rows = [
        [TITLE],
        ["考试日期：2024年11月6日"],
        UPPER_HEADER,
        [None, None, None, "得分", "班次", "校次", "得分", "班次", "校次", "得分", "班次", "校次"],
        *students,
    ]
    if footers:
        rows += [
            ["平均分", None, None, 93.0, None, None, 95.5, None, None, 77.0],
            ["最高分", None, None, 98.0, None, None, 100.0, None, None, 77.0],
            ["参考人数", None, None, 3, None, None, 2, None, None, 2],
        ]
    merges = ["A1:N1", "A2:N2", "A3:A4", "B3:B4", "C3:C4", "D3:F3", "G3:I3", "J3:L3", "M3:M4"]
    return save(path, rows, [*merges, "N3:N4"])


def scores(school_student) -> dict[str, Decimal]:
    return dict(
        ExamResult.objects.filter(student=school_student).values_list("subject__name", "score")
    )


def test_a_two_row_header_exam_sheet_loads_as_it_is(subjects, tmp_path):
    school = subjects
    wang_a = student(school.class_a, "0702601002", "王芳")
    wang_b = student(school.class_b, "0702602002", "王芳")  # one name in two classes: fine
    path = two_row_sheet(
        tmp_path / "成绩总表.xlsx",
        [
            ["240101", "张小明", "701", 98, 2, 10, "缺考", None, None, 0, 30, 200, 98, 150],
            ["240102", "王 芳", "七(1)班", 88, 3, 20, 100, 1, 1, 77, 1, 2, 265, 3],
            ["240201", "王芳", "702", 90, 1, 5, 91.5, 2, 3, "—", None, None, 181.5, 60],
        ],
    )

    result, record = engine.import_file("exams", path)

    assert result.ok, result.messages()
    assert result.header_line == 4  # the lower row of the two-row header
    assert result.layout == "Score sheet, one row per student, two-row header"
    assert result.title_lines == [TITLE, "考试日期:2024年11月6日"]
    assert ("D", "语文(120)/得分", "语文", "subject:语文") in result.mapping
    assert ("J", "道法(100)/得分", "道德与法治", "subject:道德与法治") in result.mapping
    assert ("B", "姓名", "姓名", "name") in result.mapping
    assert {"考号", "语文(120)/班次", "数学(120)/校次", "总分", "校次"} <= set(
        result.ignored_columns
    )
    assert result.footers == [8, 9, 10]  # read as totals, not refused as students
    # The exam is named and dated by the title, and the preview says so.
    assert ("exam", "Exam", EXAM, True) in result.options
    assert ("date", "Exam date", "2024-11-06", True) in result.options
    exam = Exam.objects.get()
    assert (exam.name, exam.date) == (EXAM, dt.date(2024, 11, 6))
    # 缺考 and a dash are no score, 0 is one; 考号 is not kept.
    assert scores(school.student_a) == {"语文": Decimal("98.0"), "道德与法治": Decimal("0.0")}
    assert scores(wang_a) == {"语文": 88, "数学": 100, "道德与法治": 77}
    assert scores(wang_b) == {"语文": 90, "数学": Decimal("91.5")}
    assert (result.counts.new, result.counts.changed, result.counts.unchanged) == (7, 0, 0)
    assert record.preview["header_line"] == 4
    assert ["D", "语文(120)/得分", "语文", "subject:语文"] in record.preview["mapping"]
    assert "240101" not in str(record.preview)

    again, _record = engine.import_file("exams", path)
    assert (again.counts.new, again.counts.changed, again.counts.unchanged) == (0, 0, 7)


def test_a_changed_score_is_updated_and_shown_before_and_after(subjects, tmp_path):
    rows = [["240101", "张小明", "701", 98, 2, 10, 95, 1, 1, 80, 1, 1]]
    engine.import_file("exams", two_row_sheet(tmp_path / "a.xlsx", rows))
    rows = [["240101", "张小明", "701", 99, 2, 10, "缺考", None, None, 80, 1, 1]]

    result, record = engine.import_file("exams", two_row_sheet(tmp_path / "b.xlsx", rows))

    assert (result.counts.new, result.counts.changed, result.counts.unchanged) == (0, 1, 1)
    assert [(c.line, c.column, c.before, c.after) for c in result.changes] == [
        (5, "语文", "98.0", "99.0")
    ]
    assert record.preview["changes"][0]["before"] == "98.0"
    # 缺考 the second time deletes nothing.
    assert scores(subjects.student_a)["数学"] == 95


def test_two_students_of_one_name_in_one_class_refuse_the_row(subjects, tmp_path):
    school = subjects
    student(school.class_a, "0702601003", "李强")
    student(school.class_a, "0702601004", "李强")
    path = two_row_sheet(
        tmp_path / "同名.xlsx",
        [
            ["240101", "张小明", "701", 98, 2, 10, 90, 1, 1, 80, 1, 1],
            ["240103", "李强", "701", 70, 2, 10, 60, 1, 1, 50, 1, 1],
        ],
    )

    result, _record = engine.import_file("exams", path)

    assert [(e.line, e.letter, e.column) for e in result.errors] == [(6, "B", "姓名")]
    assert "七年级(1)班 has 2 students called 李强" in result.errors[0].message
    assert "0702601003" in result.errors[0].message
    assert not ExamResult.objects.exists()  # all or nothing


def test_a_student_not_on_the_roster_refuses_the_file_unless_skipped(subjects, tmp_path):
    path = two_row_sheet(
        tmp_path / "转入.xlsx",
        [
            ["240101", "张小明", "701", 98, 2, 10, 90, 1, 1, 80, 1, 1],
            ["240199", "刘新", "701", 70, 2, 10, 60, 1, 1, 50, 1, 1],
        ],
    )

    refused, _record = engine.import_file("exams", path)

    assert [(e.line, e.letter) for e in refused.errors] == [(6, "B")]
    assert "has no student called 刘新" in refused.errors[0].message
    assert not ExamResult.objects.exists()

    result, record = engine.import_file(
        "exams", path, choices=ImportChoices(options={"skip_unknown": True})
    )

    assert result.ok, result.messages()
    assert [(row.line, row.letter) for row in result.skipped] == [(6, "B")]
    assert "刘新" in record.preview["skipped"][0]["message"]
    assert record.choices["options"] == {"skip_unknown": True}
    assert ExamResult.objects.count() == 3


def test_the_command_takes_the_exam_and_lists_what_it_read_and_skipped(subjects, tmp_path, capsys):
    path = two_row_sheet(
        tmp_path / "成绩.xlsx",
        [
            ["240101", "张小明", "701", 98, 2, 10, 90, 1, 1, 80, 1, 1],
            ["240199", "刘新", "701", 70, 2, 10, 60, 1, 1, 50, 1, 1],
        ],
        footers=False,
    )

    call_command(
        "import_sheet",
        "exams",
        str(path),
        "--exam",
        "期中考试",
        "--date",
        "2024-11-08",
        "--sheet",
        "成绩总表",
        "--skip-unknown",
        "--dry-run",
    )

    out = capsys.readouterr().out
    assert "Header: row 4 (Score sheet, one row per student, two-row header)." in out
    assert "D 语文(120)/得分 → 语文" in out
    assert "Exam: 期中考试" in out
    assert "taken from the sheet's title" not in out  # given, not proposed
    assert "Row 6, column B (姓名)" in out
    assert "Dry run, nothing written. 2 rows: 3 new" in out
    assert not Exam.objects.exists()


def test_a_sheet_is_picked_by_its_name(subjects, tmp_path):
    path = two_row_sheet(tmp_path / "成绩.xlsx", [["240101", "张小明", "701", 98]])
    workbook = openpyxl.load_workbook(path)
    workbook.move_sheet("成绩总表", offset=1)
    workbook.create_sheet("说明", 0).append(["本表由阅卷系统导出"])
    workbook.save(path)

    result, _record = engine.import_file(
        "exams", path, choices=ImportChoices(sheet="成绩总表"), dry_run=True
    )
    assert result.ok, result.messages()
    assert result.counts.new == 1

    result, _record = engine.import_file("exams", path, choices=ImportChoices(sheet="总表"))
    assert result.refused == "The workbook has no sheet 总表. Its sheets: 说明、成绩总表."


def test_an_option_of_another_kind_is_refused(school, tmp_path):
    path = save(tmp_path / "a.xlsx", [["学籍号", "姓名"]])
    with pytest.raises(CommandError, match="--exam is an option of exams only"):
        call_command("import_sheet", "students", str(path), "--exam", "x")


def test_a_sheet_without_the_exam_asks_for_it(subjects, tmp_path):
    path = save(
        tmp_path / "无标题.xlsx",
        [["学籍号", "姓名", "语文", "数学"], ["0702601001", "张小明", 98, 90]],
    )

    result, record = engine.import_file("exams", path)

    assert "does not name the exam" in result.refused
    assert record.preview["recheckable"]  # the admin offers the exam fields again

    result, _record = engine.import_file(
        "exams", path, choices=ImportChoices(options={"exam": "月考", "date": "2024/10/9"})
    )

    assert result.ok, result.messages()
    assert result.layout == "Score sheet, one row per student"
    assert ("exam", "Exam", "月考", False) in result.options
    assert Exam.objects.get().date == dt.date(2024, 10, 9)
    assert scores(subjects.student_a) == {"语文": 98, "数学": 90}


def test_subjects_are_found_by_their_aliases_and_full_marks(subjects, tmp_path):
    school = subjects
    path = save(
        tmp_path / "单行表头.xlsx",
        [
            ["七年级期末考试成绩单"],
            ["学籍号", "姓名", "语文（120）", "政治", "生物学", "总分", "语文班次", "年级排名"],
            ["0702601001", "张小明", 118, 95, 88, 301, 1, 2],
            ["0702602001", "陈小红", 121, 80, "免考", 201, 2, 9],
        ],
    )

    result, _record = engine.import_file(
        "exams", path, choices=ImportChoices(options={"date": "2025-01-15"})
    )

    assert [(e.line, e.letter, e.message) for e in result.errors] == [
        (4, "C", "121.0 is above the full marks of 120.")
    ]
    assert ("D", "政治", "道德与法治", "subject:道德与法治") in result.mapping
    assert ("E", "生物学", "生物", "subject:生物") in result.mapping
    assert {"总分", "语文班次", "年级排名"} <= set(result.ignored_columns)
    assert ("exam", "Exam", "七年级期末考试", True) in result.options

    SubjectAlias.objects.filter(alias="生物学").delete()
    result, _record = engine.import_file(
        "exams", path, choices=ImportChoices(options={"date": "2025-01-15"})
    )
    assert "生物学" in result.ignored_columns  # no longer a subject's name
    assert school.chinese.pk  # the cast's subjects are untouched


def test_an_alias_of_a_subject_the_school_lacks_is_refused_by_name(school, tmp_path):
    SubjectAlias.objects.update_or_create(alias="道法", defaults={"subject": "道德与法治"})
    path = save(
        tmp_path / "a.xlsx",
        [["学籍号", "语文", "道法（100）"], ["0702601001", 98, 90]],
    )

    result, _record = engine.import_file(
        "exams", path, choices=ImportChoices(options={"exam": "月考", "date": "2024-10-09"})
    )

    assert "道德与法治" in result.refused
    assert "subject aliases" in result.refused


def test_the_long_layout_still_loads(school, tmp_path):
    path = save(
        tmp_path / "long.xlsx",
        [
            ["学籍号", "考试", "考试日期", "学科", "分数"],
            ["0702601001", "期中考试", dt.date(2026, 11, 10), "语文", 95.5],
            ["0702601001", "期中考试", "2026/11/10", "数学", "缺考"],
            ["0702602001", "期中考试", "2026.11.10", "语文", 0],
        ],
    )

    result, _record = engine.import_file("exams", path)

    assert result.ok, result.messages()
    assert result.layout == "Our template"
    assert result.header_line == 1
    assert scores(school.student_a) == {"语文": Decimal("95.5")}
    assert scores(school.student_b) == {"语文": 0}


def test_a_blank_score_in_the_long_layout_is_still_an_error(school, tmp_path):
    path = save(
        tmp_path / "long.xlsx",
        [
            ["学籍号", "考试", "考试日期", "学科", "分数"],
            ["0702601001", "期中考试", "2026-11-10", "语文"],
        ],
    )
    result, _record = engine.import_file("exams", path)
    assert [(e.line, e.letter, e.message) for e in result.errors] == [
        (2, "E", "This cell is empty.")
    ]


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("语文(120)/得分", ("语文", "score", 120)),
        ("数学(满分150)/原始分", ("数学", "score", 150)),
        ("物理/赋分", ("物理", "assigned", None)),
        ("语文(120)/班次", ("语文", "", 120)),
        ("英语成绩", ("英语", "score", None)),
        ("语文校次", ("语文", "", None)),
        ("道法(100)", ("道法", "score", 100)),
    ],
)
def test_subject_headers(label, expected):
    header = read_subject_header(label)
    assert (header.name, header.part, header.full_marks) == expected


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        ([TITLE, "考试日期：2024年11月6日"], (EXAM, dt.date(2024, 11, 6))),
        (["七年级期中考试成绩表（考试日期：2024.11.6）"], ("七年级期中考试", dt.date(2024, 11, 6))),
        (["某某中学学生名单"], (None, None)),
        (["2024年11月6日"], (None, dt.date(2024, 11, 6))),
    ],
)
def test_the_title_proposes_the_exam(lines, expected):
    assert proposed_exam(lines) == expected


def test_a_refused_check_is_recorded_with_the_files_columns(subjects, tmp_path):
    path = save(tmp_path / "a.xlsx", [["序号", "名字", "分"], [1, "张小明", 98]])
    result, record = engine.import_file("exams", path)
    assert record.status == ImportRecord.Status.REFUSED
    assert result.missing and record.preview["missing"]
    assert record.preview["columns"] == [["A", "序号"], ["B", "名字"], ["C", "分"]]
