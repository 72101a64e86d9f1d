"""The roster import with the committed messy files (tests/schoolops/files/make_files.py)."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.utils import translation

import openpyxl
import pytest

from schoolops.models import (
    AcademicYear,
    ExamResult,
    Grade,
    ImportRecord,
    Post,
    SchoolClass,
    Staff,
    Student,
    Subject,
    TeachingAssignment,
)
from schoolops.sheets import engine

FILES = Path(__file__).parent / "files"


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def test_messy_students_file_is_read_the_way_the_office_meant_it(school):
    result, record = engine.import_file("students", FILES / "students_messy.xlsx")

    assert result.ok, result.messages()
    assert (result.counts.new, result.counts.changed, result.counts.unchanged) == (11, 0, 0)
    assert result.ignored_columns == ["备注"]
    students = {s.student_no: s for s in Student.objects.select_related("school_class")}
    # Text ids keep leading zeros; an Excel number does not become "2025000001.0".
    assert "0702601101" in students
    assert "2025000001" in students
    assert "0702601104" in students  # full-width digits
    assert "0702601110" in students  # stray spaces
    first = students["0702601101"]
    assert first.name == "王小明"
    assert first.gender == "M"
    assert first.school_class == school.class_a
    assert first.guardian_phone == "13800001111"
    assert students["0702601103"].name == "张三"
    # Every date form is the same day.
    for number in ("0702601101", "2025000001", "0702601103", "0702601104", "0702601105"):
        assert students[number].birth_date == dt.date(2012, 3, 5), number
    assert students["0702601106"].birth_date == dt.date(2012, 3, 5)
    assert students["0702601110"].birth_date == dt.date(2012, 3, 5)
    assert students["0702601111"].birth_date == dt.date(2012, 3, 5)  # an Excel serial number
    assert students["0802601107"].birth_date == dt.date(2011, 9, 1)
    assert students["0802601108"].birth_date == dt.date(2011, 10, 2)
    assert students["0702601109"].birth_date is None
    # Genders in every spelling.
    assert [
        students[n].gender for n in ("0702601103", "0702601104", "0702601105", "0702601106")
    ] == [
        "M",
        "F",
        "M",
        "F",
    ]
    # Phones: dashes, spaces, +86, 0086, 86 and numbers all become 11 digits.
    assert {students[n].guardian_phone for n in students if students[n].guardian_phone} >= {
        "13800002222",
        "13800003333",
        "13800004444",
        "13800005555",
        "13800007777",
        "13800008888",
    }
    # Grade and class aliases.
    for number in ("2025000001", "0702601103", "0702601104", "0702601105"):
        assert students[number].school_class == school.class_a, number
    for number in ("0702601106", "0702601109", "0702601110", "0702601111"):
        assert students[number].school_class == school.class_b, number
    for number in ("0802601107", "0802601108"):
        assert students[number].school_class == school.class_c, number
    assert record.status == ImportRecord.Status.DONE
    assert (record.new, record.rows) == (11, 11)


def test_a_bad_file_is_refused_whole_with_every_row_named(school):
    before = Student.objects.count()

    result, record = engine.import_file("students", FILES / "students_bad.xlsx")

    assert not result.ok
    assert Student.objects.count() == before
    assert not Student.objects.filter(student_no="0702609001").exists()
    found = {(e.line, e.column) for e in result.errors}
    assert found == {
        (4, "学籍号"),  # repeats row 3
        (5, "出生日期"),  # 2012-02-30
        (6, "性别"),  # 未知
        (7, "姓名"),  # empty
        (8, "班级"),  # 七年级(9)班
        (9, "学籍号"),  # 16 digits
        (10, "家长电话"),  # too short
    }
    messages = "\n".join(result.messages())
    assert "Row 4, column A (学籍号): Repeats row 3 of this file." in messages
    assert "2012-02-30" in messages
    assert "format the column as text" in messages.lower()
    assert "Row 8, column F (班级)" in messages
    assert record.status == ImportRecord.Status.REFUSED
    assert len(record.errors) == 7
    assert record.new == 0


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_refusals_name_columns_by_their_chinese_headers_in_any_language(school, language):
    with translation.override(language):
        result, _record = engine.import_file("students", FILES / "students_bad.xlsx")
        expected = translation.gettext("Repeats row %(line)s of this file.") % {"line": 3}
    assert not result.ok
    assert result.errors[0].column == "学籍号"
    # Messages are translated when the import runs, in the importing person's language.
    assert result.errors[0].message == expected


def test_command_exits_non_zero_and_lists_the_rows(school):
    with pytest.raises(CommandError) as refused:
        call_command("import_sheet", "students", str(FILES / "students_bad.xlsx"))
    text = str(refused.value)
    for line in (4, 5, 6, 7, 8, 9, 10):
        assert f"Row {line}," in text
    assert not Student.objects.filter(student_no="0702609001").exists()


def test_dry_run_writes_nothing_but_counts(school, capsys):
    call_command("import_sheet", "students", str(FILES / "students_messy.xlsx"), "--dry-run")
    assert "11 new" in capsys.readouterr().out
    assert Student.objects.count() == 2
    assert ImportRecord.objects.get().status == ImportRecord.Status.PREVIEWED


def test_reimporting_the_same_file_changes_nothing(school):
    engine.import_file("students", FILES / "students_messy.xlsx")
    snapshot = list(Student.objects.order_by("pk").values())

    result, _record = engine.import_file("students", FILES / "students_messy.xlsx")

    assert (result.counts.new, result.counts.changed, result.counts.unchanged) == (0, 0, 11)
    assert list(Student.objects.order_by("pk").values()) == snapshot


def test_a_changed_file_updates_by_student_number_and_deletes_nothing(school, tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["学籍号", "姓名", "性别", "出生日期", "年级", "班级", "家长姓名", "家长电话"])
    # 张小明 moves to class (2); the guardian phone cell is blank, so it is kept.
    sheet.append(["0702601001", "张小明", "男", "2012-01-01", "七年级", "2班", "张建国", None])
    path = tmp_path / "changed.xlsx"
    workbook.save(path)

    result, _record = engine.import_file("students", path)

    assert (result.counts.new, result.counts.changed, result.counts.unchanged) == (0, 1, 0)
    student = Student.objects.get(student_no="0702601001")
    assert student.pk == school.student_a.pk
    assert student.school_class == school.class_b
    assert student.birth_date == dt.date(2012, 1, 1)
    assert student.guardian_phone == "13800000001"
    assert Student.objects.filter(pk=school.student_b.pk).exists()  # not in the file, kept


def test_staff_import_creates_accounts_that_must_change_password(school, capsys):
    call_command("import_sheet", "staff", str(FILES / "staff.xlsx"))
    out = capsys.readouterr().out
    assert "2 new, 1 changed" in out
    password = out.split("initial password ")[1].split(":")[0]

    new = Staff.objects.select_related("user").get(staff_no="T2001")
    assert new.user.username == "T2001"
    assert new.must_change_password
    assert new.phone == "13900000001"
    assert new.gender == "F"
    assert new.post_names == {Post.HOMEROOM, Post.SUBJECT_TEACHER}
    assert authenticate(username="T2001", password=password) == new.user
    # An existing teacher gets the posts of the file and keeps their password.
    teacher = Staff.objects.get(staff_no="T1002")
    assert teacher.post_names == {Post.HOMEROOM, Post.SUBJECT_TEACHER}
    assert not teacher.must_change_password
    assert teacher.phone == ""

    call_command("import_sheet", "staff", str(FILES / "staff.xlsx"))
    assert "0 new, 0 changed, 3 unchanged" in capsys.readouterr().out


def test_classes_import_creates_classes_and_missing_grades(school):
    result, _record = engine.import_file("classes", FILES / "classes.xlsx")

    assert result.ok, result.messages()
    assert (result.counts.new, result.counts.changed, result.counts.unchanged) == (2, 0, 1)
    grade9 = Grade.objects.get(level=9)
    assert grade9.name == "九年级"
    assert SchoolClass.objects.filter(grade=grade9, number=1, academic_year=school.year).exists()
    assert SchoolClass.objects.get(grade=school.grade7, number=3).homeroom_teacher == school.teacher


def test_assignments_import_updates_the_teacher_of_a_class_subject(school):
    result, _record = engine.import_file("assignments", FILES / "assignments.xlsx")

    assert result.ok, result.messages()
    # 语文 in (1) unchanged; 数学 in (1) moves to 赵老师; 英语 in (2) and 物理 in 八(1) new.
    assert (result.counts.new, result.counts.changed, result.counts.unchanged) == (2, 1, 1)
    maths = TeachingAssignment.objects.get(school_class=school.class_a, subject=school.maths)
    assert maths.staff == school.outsider
    assert Subject.objects.filter(name="物理").exists()


def test_assignments_with_unknown_staff_number_are_refused(school, tmp_path):
    workbook = openpyxl.Workbook()
    workbook.active.append(["工号", "年级", "班级", "学科"])
    workbook.active.append(["T9999", "七年级", "1班", "语文"])
    workbook.active.append(["T1001", "七年级", "1班", "数学"])
    workbook.active.append(["T1002", "七年级", "1班", "数学"])
    path = tmp_path / "a.xlsx"
    workbook.save(path)

    result, _record = engine.import_file("assignments", path)

    assert [(e.line, e.column) for e in result.errors] == [(2, "工号"), (4, "学科")]
    assert "T9999" in result.errors[0].message


def test_exams_import_and_reimport(school):
    result, _record = engine.import_file("exams", FILES / "exams.xlsx")
    assert result.ok, result.messages()
    assert result.counts.new == 3
    scores = dict(
        ExamResult.objects.filter(student=school.student_a).values_list("subject__name", "score")
    )
    assert str(scores["语文"]) == "95.5"
    assert str(scores["数学"]) == "88.0"

    result, _record = engine.import_file("exams", FILES / "exams.xlsx")
    assert (result.counts.new, result.counts.unchanged) == (0, 3)


def test_first_import_on_a_fresh_database_creates_the_calendar(db, tmp_path):
    assert not AcademicYear.objects.exists()
    workbook = openpyxl.Workbook()
    for row in (["年级", "班级"], ["七年级", "1班"], ["七年级", "2班"], ["八年级", "1班"]):
        workbook.active.append(row)
    workbook.save(tmp_path / "classes.xlsx")

    result, _record = engine.import_file("classes", tmp_path / "classes.xlsx")

    assert result.ok, result.messages()
    year = AcademicYear.objects.get()
    assert year.terms.count() == 2
    assert SchoolClass.objects.filter(academic_year=year).count() == 3


def test_refused_import_on_a_fresh_database_leaves_no_calendar(db):
    result, _record = engine.import_file("students", FILES / "students_bad.xlsx")
    assert not result.ok
    assert not AcademicYear.objects.exists()


def test_import_of_an_unknown_kind_is_refused(school):
    with pytest.raises(CommandError, match="no import kind"):
        call_command("import_sheet", "pets", str(FILES / "students_messy.xlsx"))


def test_copy_of_messy_file_without_extension_still_reads(school, tmp_path):
    path = tmp_path / "roster"
    shutil.copy(FILES / "students_messy.xlsx", path)
    result, _record = engine.import_file("students", path, file_name="学生.xlsx")
    assert result.ok
    assert _record.file_name == "学生.xlsx"


def test_an_office_clerk_cannot_hand_out_privileged_posts(school, tmp_path):
    workbook = openpyxl.Workbook()
    for row in (
        ["工号", "姓名", "岗位"],
        ["T2101", "新老师", "任课教师"],
        ["T2102", "新校长", "校长"],
        ["T0003", "郑老师", "办公室、任课教师"],  # the clerk's own row
        ["T0004", "冯老师", "任课教师"],  # would take 心理教师 away
    ):
        workbook.active.append(row)
    path = tmp_path / "staff.xlsx"
    workbook.save(path)

    result, _record = engine.import_file("staff", path, user=school.office.user)

    assert [(e.line, e.column) for e in result.errors] == [(3, "岗位"), (4, "岗位"), (5, "岗位")]
    assert "校长" in result.errors[0].message
    assert not Staff.objects.filter(staff_no="T2101").exists()

    # The command line (no user) and a superuser may.
    result, _record = engine.import_file("staff", path)
    assert result.ok, result.messages()
    assert Staff.objects.get(staff_no="T2102").post_names == {Post.PRINCIPAL}
