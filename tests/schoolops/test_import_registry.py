"""The national student registry's export, its family sheet and the short roster, loaded as
they are (issue 12). The files are built here with openpyxl from the issue's description."""

from __future__ import annotations

import datetime as dt
import io
import json

from django.core.management import call_command

import openpyxl
import pytest

from schoolops.models import Grade, ImportRecord, SchoolClass, Student
from schoolops.sheets import engine, parsers
from schoolops.sheets.base import CellError
from tests.workbooks import write_sheet

pytestmark = pytest.mark.usefixtures("in_english")

# The registry's columns in its order (a real export has about 73; the unknown are ignored).
REGISTRY_HEADER = [
    "序号",
    "学校标识码",
    "学校名称",
    "年级",
    "班级名称",
    "班内学号",
    "姓名",
    "性别",
    "出生日期",
    "民族",
    "身份证件类型",
    "身份证件号",
    "全国学籍号",
    "学籍辅号",
    "户口性质",
    "入学年月",
    "入学方式",
    "就读方式",
    "联系电话",
    "现住址",
    "是否独生子女",
    "是否留守儿童",
    "成员1姓名",
    "成员1关系",
    "成员1是否监护人",
    "成员1联系电话",
    "成员1工作单位",
    "成员2姓名",
    "成员2关系",
    "成员2是否监护人",
    "成员2联系电话",
    "成员2工作单位",
    "学籍状态",
]
STUDENT_NO_LETTER = "M"  # 全国学籍号 is the 13th column

ID_X = "33010620120315002X"  # an ID number ending in X: its student's 全国学籍号 is G + it
ID_J = "330106201104200031"  # the ID numbers of two students whose 全国学籍号 are
ID_L = "810000201205060012"  # not made from them: a J-number and an L-number
NO_J = "J202509300100000123"
NO_L = "LHK20250930A0000012"


def registry_row(**values):
    """One student of the export; keyword arguments by header (a leading star-free name)."""
    row = {
        "学校标识码": "3133001234",
        "学校名称": "杭州市某某中学",
        "年级": "七年级",
        "班内学号": "01",
        "性别": "男",
        "出生日期": "20120315",
        "民族": "汉族",
        "身份证件类型": "居民身份证",
        "户口性质": "非农业户口",
        "入学年月": "202509",
        "入学方式": "就近入学",
        "就读方式": "走读",
        "现住址": "浙江省杭州市西湖区文三路100号",
        "是否独生子女": "是",
        "是否留守儿童": "否",
        "学籍状态": "在读",
    }
    row.update(values)
    return [row.get(header) for header in REGISTRY_HEADER]


def write_registry(path, rows, header=REGISTRY_HEADER, title=True):
    titles = ["杭州市某某中学 学生基础信息（导出日期：20260915）", "备注：本表由学籍系统导出"]
    return write_sheet(path, header, rows, title_rows=titles if title else ())


@pytest.fixture
def registry_file(tmp_path):
    """Three students of the registry: a G-number ending in X, a J-number and an L-number."""
    return write_registry(
        tmp_path / "学籍系统导出.xlsx",
        [
            registry_row(
                班级名称="七年级(1)班",
                姓名="王 小　明",
                身份证件号=ID_X,
                全国学籍号="G" + ID_X,
                联系电话="13900000000",
                成员1姓名="王建国",
                成员1关系="父亲",
                成员1是否监护人="否",
                成员1联系电话="13800000011",
                成员1工作单位="某某公司",
                成员2姓名="李梅",
                成员2关系="母亲",
                成员2是否监护人="是",
                成员2联系电话="138-0000-0012",
                成员2工作单位="某某医院",
            ),
            registry_row(
                班级名称="七(2)班",
                姓名="陈静",
                性别="女",
                出生日期="20110420",
                身份证件号=ID_J,
                全国学籍号=NO_J,
                联系电话="0571 88000008",
                成员1姓名="陈伟",
                成员1关系="父亲",
                成员1是否监护人="否",
                成员2姓名="赵丽",
                成员2关系="母亲",
                成员2是否监护人="否",
                成员2联系电话="13800000022",
            ),
            registry_row(
                年级="八年级",
                班级名称="801",
                姓名="迪丽娜尔 ・ 艾尼瓦尔",
                性别="女",
                出生日期="20120506",
                身份证件类型="港澳台居民居住证",
                身份证件号=ID_L,
                全国学籍号=NO_L,
                成员1姓名="艾尼瓦尔•买买提",
                成员1关系="父亲",
                成员1是否监护人="是",
                成员1联系电话="0571-88000009转123",
            ),
        ],
    )


def test_the_registry_export_loads_as_it_is_below_its_title_rows(school, registry_file):
    result, record = engine.import_file("students", registry_file)

    assert result.ok, result.messages()
    assert result.layout == "Student registry export (学籍系统)"
    assert result.header_line == 3  # below the merged title and the note
    assert (result.counts.new, result.counts.changed, result.counts.unchanged) == (3, 0, 0)
    # Columns the school does not use are ignored, the ID number first of all.
    for unused in ("身份证件号", "民族", "现住址", "户口性质", "入学年月", "成员1工作单位"):
        assert unused in result.ignored_columns
    first = Student.objects.get(student_no="G" + ID_X)
    assert (first.name, first.gender, first.birth_date) == ("王小明", "M", dt.date(2012, 3, 15))
    assert first.school_class == school.class_a
    assert first.status == Student.Status.IN_SCHOOL
    second = Student.objects.get(student_no=NO_J)
    assert (second.school_class, second.gender) == (school.class_b, "F")
    third = Student.objects.get(student_no=NO_L)
    assert third.name == "迪丽娜尔·艾尼瓦尔"
    assert third.school_class == school.class_c  # 801 with 八年级
    assert record.status == ImportRecord.Status.DONE

    again, _record = engine.import_file("students", registry_file)
    assert (again.counts.new, again.counts.changed, again.counts.unchanged) == (0, 0, 3)


def test_the_guardian_is_the_first_member_marked_guardian_else_member_one(school, registry_file):
    engine.import_file("students", registry_file)

    # 成员2 is marked 是: her name and phone, not the father's, nor the row's 联系电话.
    first = Student.objects.get(student_no="G" + ID_X)
    assert (first.guardian_name, first.guardian_phone) == ("李梅", "13800000012")
    # Nobody marked: 成员1, who has no phone, so the row's own 联系电话 (a landline).
    second = Student.objects.get(student_no=NO_J)
    assert (second.guardian_name, second.guardian_phone) == ("陈伟", "0571-88000008")
    # 成员1 marked, with a landline and its extension; the dot of the name normalised.
    third = Student.objects.get(student_no=NO_L)
    assert (third.guardian_name, third.guardian_phone) == ("艾尼瓦尔·买买提", "0571-88000009转123")


def test_a_student_transferred_out_keeps_the_record_with_the_new_status(school, tmp_path):
    rows = [
        registry_row(
            班级名称="七年级(1)班", 姓名="王小明", 全国学籍号="G" + ID_X, 联系电话="13900000000"
        ),
        registry_row(班级名称="七年级(2)班", 姓名="陈静", 性别="女", 全国学籍号=NO_J),
    ]
    engine.import_file("students", write_registry(tmp_path / "before.xlsx", rows))
    rows = [
        # 转出: the status changes and nothing else is read (its class may be last year's).
        registry_row(
            年级="2024级",
            班级名称="九年级(5)班",
            姓名="王小明",
            全国学籍号="G" + ID_X,
            学籍状态="转出",
        ),
        registry_row(
            班级名称="七年级(2)班", 姓名="陈静", 性别="女", 全国学籍号=NO_J, 学籍状态="休学"
        ),
        # Someone not on the roster who has already left is not added.
        registry_row(班级名称="七年级(2)班", 姓名="刘洋", 全国学籍号=NO_L, 学籍状态="毕业"),
    ]

    result, _record = engine.import_file("students", write_registry(tmp_path / "after.xlsx", rows))

    assert result.ok, result.messages()
    assert (result.counts.new, result.counts.changed, result.counts.unchanged) == (0, 2, 0)
    moved = Student.objects.get(student_no="G" + ID_X)
    assert moved.status == Student.Status.TRANSFERRED
    assert moved.left_on is not None  # the retention period counts from it
    assert moved.school_class == school.class_a
    assert moved.guardian_phone == "13900000000"
    assert Student.objects.get(student_no=NO_J).status == Student.Status.SUSPENDED
    assert not Student.objects.filter(student_no=NO_L).exists()
    assert [(s.line, s.column, s.letter) for s in result.skipped] == [(6, "学籍状态", "AG")]
    # The preview shows the changed cells as before → after.
    assert [(c.line, c.column, c.before, c.after) for c in result.changes] == [
        (4, "学籍状态", "In school", "Transferred out"),
        (5, "学籍状态", "In school", "Suspended schooling"),
    ]
    assert Student.objects.count() == 4  # the cast's two and these two: nothing deleted
    assert result.preview[0][4:6] == ["2024级", "(5)班"]  # as written: not looked up

    back = [registry_row(班级名称="七年级(1)班", 姓名="王小明", 全国学籍号="G" + ID_X)]
    engine.import_file("students", write_registry(tmp_path / "back.xlsx", back))
    moved.refresh_from_db()
    assert (moved.status, moved.left_on) == (Student.Status.IN_SCHOOL, None)


def test_an_unknown_registry_status_is_refused_with_its_row(school, tmp_path):
    rows = [
        registry_row(
            班级名称="七年级(1)班", 姓名="王小明", 全国学籍号="G" + ID_X, 学籍状态="借读中"
        )
    ]

    result, _record = engine.import_file("students", write_registry(tmp_path / "x.xlsx", rows))

    assert [(e.line, e.letter, e.column) for e in result.errors] == [(4, "AG", "学籍状态")]
    assert "转出" in result.errors[0].message


@pytest.mark.parametrize(
    ("number", "stored"),
    [
        ("G" + ID_X, "G" + ID_X),
        ("g" + ID_X.lower(), "G" + ID_X),
        ("J" + ID_J, "J" + ID_J),
        (NO_J, NO_J),
        (NO_L, NO_L),
        ("lhk20250930a0000012", NO_L),
    ],
)
def test_national_student_numbers_are_accepted_in_their_three_forms(number, stored):
    assert parsers.national_student_no(number) == stored


@pytest.mark.parametrize(
    "number",
    [
        ID_X,  # the ID number without its G
        "G" + ID_X[:-1],  # 18 characters
        "G" + ID_X[:-1] + "Y",  # the ID number ends in a digit or X
        NO_J[:-1] + "X",  # J is followed by digits only
        "A" + ID_J,
        "L" + ID_L[:-1] + "-",
        "G" + ID_X + "1",
    ],
)
def test_malformed_national_student_numbers_are_refused(number):
    with pytest.raises(CellError, match="全国学籍号"):
        parsers.national_student_no(number)


def test_a_bad_national_number_refuses_the_file_naming_its_row_and_column(school, tmp_path):
    rows = [
        registry_row(班级名称="七年级(1)班", 姓名="王小明", 全国学籍号="G" + ID_X),
        registry_row(班级名称="七年级(1)班", 姓名="李雷", 全国学籍号="G" + ID_X[:-1]),
        registry_row(班级名称="七年级(1)班", 姓名="韩梅梅", 全国学籍号=ID_J),
    ]
    before = Student.objects.count()

    result, record = engine.import_file("students", write_registry(tmp_path / "bad.xlsx", rows))

    assert not result.ok
    assert Student.objects.count() == before  # nothing written, not even the good row
    assert [(e.line, e.letter, e.column) for e in result.errors] == [
        (5, STUDENT_NO_LETTER, "学籍号"),
        (6, STUDENT_NO_LETTER, "学籍号"),
    ]
    messages = result.messages()
    assert messages[0].startswith("Row 5, column M (学籍号): A 全国学籍号 has 19 characters")
    assert "this one 18" in messages[0]
    assert record.status == ImportRecord.Status.REFUSED


@pytest.mark.parametrize(
    ("written", "grade", "number"),
    [
        ("七年级(1)班", 7, 1),
        ("七(2)班", 7, 2),
        ("初一2班", 7, 2),
        ("初一（1）班", 7, 1),
        ("701", 7, 1),
        (702, 7, 2),
        ("801", 8, 1),
        ("2025级1班", 8, 1),  # entered in 2025: 八年级 in the school year 2026-2027
        ("2026级(2)班", 7, 2),
    ],
)
def test_the_class_names_of_other_systems_find_their_class(
    school, tmp_path, written, grade, number
):
    path = write_sheet(
        tmp_path / "简表.xlsx",
        ["学籍号", "姓名", "性别", "班级"],
        [["0702609001", "刘洋", "男", written]],
    )

    result, _record = engine.import_file("students", path)

    assert result.ok, result.messages()
    student = Student.objects.get(student_no="0702609001")
    assert (student.school_class.grade.level, student.school_class.number) == (grade, number)


def test_the_grade_column_says_the_grade_of_a_cohort_class(school, tmp_path):
    path = write_registry(
        tmp_path / "x.xlsx",
        [
            registry_row(年级="七年级", 班级名称="2025级2班", 姓名="刘洋", 全国学籍号="G" + ID_X),
            registry_row(年级="2025级", 班级名称="1班", 姓名="李雷", 全国学籍号=NO_J),
        ],
    )

    result, _record = engine.import_file("students", path)

    assert result.ok, result.messages()
    assert Student.objects.get(student_no="G" + ID_X).school_class == school.class_b
    assert Student.objects.get(student_no=NO_J).school_class == school.class_c


def test_a_class_that_does_not_say_its_grade_is_refused_without_a_grade_column(school, tmp_path):
    path = write_sheet(
        tmp_path / "简表.xlsx",
        ["学籍号", "姓名", "性别", "班级"],
        [["0702609001", "刘洋", "男", "701"], ["0702609002", "李雷", "男", "1班"]],
    )

    result, _record = engine.import_file("students", path)

    assert [(e.line, e.letter, e.column) for e in result.errors] == [(3, "D", "班级")]
    assert "no 年级 column" in result.errors[0].message
    assert not Student.objects.filter(student_no="0702609001").exists()


def test_a_cohort_in_a_school_of_two_stages_needs_the_grade(school, tmp_path):
    Grade.objects.create(level=1, name="一年级")  # a 九年一贯制 school: 2025级 is ambiguous
    path = write_sheet(
        tmp_path / "简表.xlsx",
        ["学籍号", "姓名", "性别", "班级"],
        [["0702609001", "刘洋", "男", "2025级1班"]],
    )

    result, _record = engine.import_file("students", path)

    assert [(e.line, e.column) for e in result.errors] == [(2, "班级")]
    assert "add a 年级 column" in result.errors[0].message


def test_the_short_roster_with_the_class_written_703_loads(school, tmp_path):
    SchoolClass.objects.create(academic_year=school.year, grade=school.grade7, number=3)
    path = write_sheet(
        tmp_path / "简表.xlsx",
        ["学籍号", "姓名", "性别", "班级", "家长电话"],
        [
            ["0702609001", "刘洋", "男", "703", "13800000031"],
            ["0702609002", "李雷", "男", 703, None],
            ["0802609003", "韩梅梅", "女", "801", "0571-88000008"],
        ],
    )

    result, _record = engine.import_file("students", path)

    assert result.ok, result.messages()
    assert result.layout == "Short roster (class written as 703)"
    third = SchoolClass.objects.get(grade=school.grade7, number=3)
    assert set(Student.objects.filter(school_class=third).values_list("name", flat=True)) == {
        "刘洋",
        "李雷",
    }
    assert Student.objects.get(student_no="0802609003").school_class == school.class_c
    # The preview names the grade the class told.
    assert result.preview[0][4] == "七年级"


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        ("0571-88000008", "0571-88000008"),
        ("057188000008", "0571-88000008"),
        ("0571 8800 0008", "0571-88000008"),
        ("（0571）88000008", "0571-88000008"),
        ("０５７１－８８０００００８", "0571-88000008"),
        ("+86 571 88000008", "0571-88000008"),
        ("010-62750000", "010-62750000"),
        ("0571-88000008-123", "0571-88000008转123"),
        ("0571-88000008转123", "0571-88000008转123"),
        ("138 0000 0012", "13800000012"),
        (13800000012, "13800000012"),
    ],
)
def test_a_guardian_phone_is_a_mobile_or_a_landline_with_its_area_code(written, stored):
    assert parsers.contact_phone(written) == stored


@pytest.mark.parametrize("written", ["1380000", "88000008", "0571-0800000", "0571-8800000812"])
def test_a_phone_that_is_neither_is_refused_with_both_forms_named(written):
    with pytest.raises(CellError, match="0571-88000008"):
        parsers.contact_phone(written)


def test_a_landline_is_masked_in_the_preview_like_a_mobile():
    assert parsers.mask("0571-88000008转123") == "0571-****0008"
    assert parsers.mask("13800000012") == "138****0012"


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        (" 王 小明 ", "王小明"),
        ("王\u3000小明", "王小明"),  # a full-width space
        ("王\u00a0小\u200b明", "王小明"),  # a no-break space and an invisible one
        ("迪丽娜尔·艾尼瓦尔", "迪丽娜尔·艾尼瓦尔"),
        ("迪丽娜尔・艾尼瓦尔", "迪丽娜尔·艾尼瓦尔"),
        ("迪丽娜尔•艾尼瓦尔", "迪丽娜尔·艾尼瓦尔"),
        ("迪丽娜尔‧艾尼瓦尔", "迪丽娜尔·艾尼瓦尔"),
        ("迪丽娜尔 · 艾尼瓦尔", "迪丽娜尔·艾尼瓦尔"),
    ],
)
def test_names_lose_stray_spaces_and_keep_their_middle_dot(written, stored):
    assert parsers.name(written) == stored


def test_a_family_sheet_alone_updates_the_guardians_of_known_students(school, tmp_path):
    known = Student.objects.create(
        student_no="G" + ID_X,
        name="王小明",
        gender="M",
        school_class=school.class_a,
        guardian_name="王建国",
        guardian_phone="13800000011",
    )
    path = write_registry(
        tmp_path / "家庭成员.xlsx",
        [
            [
                "王小明",
                "G" + ID_X,
                "王建国",
                "父亲",
                "否",
                "13800000011",
                "李梅",
                "母亲",
                "是",
                "0571-88000008",
            ],
            ["陈小红", NO_J, None, None, None, None, None, None, None, None],
        ],
        header=[
            "学生姓名",
            "全国学籍号",
            "成员1姓名",
            "成员1关系",
            "成员1是否监护人",
            "成员1联系电话",
            "成员2姓名",
            "成员2关系",
            "成员2是否监护人",
            "成员2联系电话",
        ],
    )

    result, _record = engine.import_file("students", path)

    # The second student is not on the roster: the whole file is refused, naming the row.
    assert [(e.line, e.letter, e.column) for e in result.errors] == [(5, "B", "学籍号")]
    assert "No student on the roster has the 学籍号 " + NO_J in result.errors[0].message
    known.refresh_from_db()
    assert known.guardian_name == "王建国"

    workbook = openpyxl.load_workbook(path)
    workbook.active.delete_rows(5)
    workbook.save(path)
    result, _record = engine.import_file("students", path)

    assert result.ok, result.messages()
    assert result.layout == "Family members sheet (学籍系统)"
    assert (result.counts.new, result.counts.changed, result.counts.unchanged) == (0, 1, 0)
    known.refresh_from_db()
    assert (known.guardian_name, known.guardian_phone) == ("李梅", "0571-88000008")
    assert (known.gender, known.school_class) == ("M", school.class_a)  # nothing else changes
    assert [(c.line, c.column, c.before, c.after) for c in result.changes] == [
        (4, "家长姓名", "王建国", "李梅"),
        (4, "家长电话", "138****0011", "0571-****0008"),  # masked
    ]


def test_a_family_sheet_row_whose_name_is_not_the_rosters_is_refused(school, tmp_path):
    path = write_sheet(
        tmp_path / "家庭成员.xlsx",
        ["学生姓名", "学籍号", "成员1姓名", "成员1是否监护人", "成员1联系电话"],
        [["陈小红", "0702601001", "陈伟", "是", "13800000099"]],  # 0702601001 is 张小明
    )

    result, _record = engine.import_file("students", path)

    assert [(e.line, e.column) for e in result.errors] == [(2, "姓名")]
    assert "张小明" in result.errors[0].message
    assert Student.objects.get(student_no="0702601001").guardian_name == "张建国"


def test_a_roster_needs_gender_and_class_and_a_family_sheet_needs_neither(school, tmp_path):
    roster = write_sheet(
        tmp_path / "x.xlsx", ["学籍号", "姓名", "年级"], [["0702609001", "刘洋", "七年级"]]
    )
    family = write_sheet(
        tmp_path / "y.xlsx", ["学籍号", "姓名", "成员1姓名"], [["0702601001", "张小明", "张建国"]]
    )

    refused, _record = engine.import_file("students", roster)
    loaded, _record = engine.import_file("students", family)

    assert "(missing: 性别、班级)" in refused.refused
    assert loaded.ok, loaded.messages()


def test_an_empty_gender_or_class_cell_of_a_roster_is_refused(school, tmp_path):
    path = write_registry(
        tmp_path / "x.xlsx",
        [
            registry_row(班级名称="七年级(1)班", 姓名="王小明", 全国学籍号="G" + ID_X, 性别=None),
            registry_row(班级名称=None, 姓名="陈静", 全国学籍号=NO_J),
        ],
    )

    result, _record = engine.import_file("students", path)

    assert [(e.line, e.column, e.message) for e in result.errors] == [
        (4, "性别", "This cell is empty."),
        (5, "班级", "This cell is empty."),
    ]


def test_id_numbers_and_unused_columns_are_kept_nowhere(school, registry_file, tmp_path):
    """身份证件号 and the columns the school does not use never reach the database, the
    import record or the preview (the G-number embeds the ID number by design, so the
    J- and L-numbered students, whose ID numbers differ, are the ones checked)."""
    secrets = [ID_J, ID_L, "浙江省杭州市西湖区文三路100号", "汉族", "某某医院", "非农业户口"]

    output = io.StringIO()
    call_command("import_sheet", "students", str(registry_file), "--dry-run", stdout=output)
    result, _record = engine.import_file("students", registry_file)

    stored = json.dumps(
        [list(Student.objects.values()), list(Student.history.values())],
        default=str,
        ensure_ascii=False,
    )
    records = json.dumps(list(ImportRecord.objects.values()), default=str, ensure_ascii=False)
    shown = json.dumps(
        [result.preview, [c.as_dict() for c in result.changes], result.messages()],
        ensure_ascii=False,
    )
    for secret in secrets:
        for where, text in (
            ("db", stored),
            ("record", records),
            ("preview", shown),
            ("command", output.getvalue()),
        ):
            assert secret not in text, (secret, where)
    assert NO_J in stored and "陈伟" in stored  # the checks above can fail: the rows are there
