"""The national teacher information template, loaded as it is by the staff kind (issue 12).

The template has no 手机 and no 岗位; 教职工号 is the 工号; the required headers carry a star
(*姓名), which a school may also have removed. The file is built here with openpyxl."""

from __future__ import annotations

import io
import json

from django.contrib.auth import authenticate
from django.core.management import call_command

import pytest

from schoolops.models import ImportRecord, PrivilegeChange, Staff
from schoolops.sheets import engine
from tests.workbooks import write_sheet

pytestmark = pytest.mark.usefixtures("in_english")

HEADER = [
    "*姓名",
    "曾用名",
    "*性别",
    "教职工号",
    "*国籍/地区",
    "*身份证件类型",
    "*身份证件号",
    "*出生日期",
    "*参加工作年月",
    "*进本校年月",
    "*人员状态",
    "备注",
]
ID_NUMBERS = ("330106198503150021", "33010619900101003X", "330106196004200048")


def teacher(name, staff_no, status, gender="女", id_number="330106198001010000"):
    return [
        name,
        "",
        gender,
        staff_no,
        "中国",
        "居民身份证",
        id_number,
        "19850315",
        "200709",
        "201509",
        status,
        "",
    ]


def write_template(path, rows, header=HEADER):
    return write_sheet(path, header, rows, title_rows=["教职工基础信息采集表"])


@pytest.fixture
def template(tmp_path):
    return write_template(
        tmp_path / "教职工信息.xlsx",
        [
            teacher("钱 老师", "T3001", "在岗", id_number=ID_NUMBERS[0]),
            teacher("孙老师", "T3002", "在职", gender="男", id_number=ID_NUMBERS[1]),
            teacher("李退休", "T3003", "退休", id_number=ID_NUMBERS[2]),
            teacher("周离岗", "T3004", "离岗"),
        ],
    )


def test_the_national_teacher_template_loads_as_it_is(school, template):
    out = io.StringIO()
    call_command("import_sheet", "staff", str(template), stdout=out)

    assert "4 new" in out.getvalue()
    record = ImportRecord.objects.get()
    assert record.status == ImportRecord.Status.DONE
    staff = {s.staff_no: s for s in Staff.objects.select_related("user")}
    assert staff["T3001"].name == "钱老师"  # 教职工号 is the 工号, the login's name
    assert staff["T3001"].user.username == "T3001"
    assert staff["T3002"].gender == "M"
    # No 岗位 in the template: they load with no post (given in the admin or our sheet).
    assert all(not staff[no].post_names for no in ("T3001", "T3002", "T3003", "T3004"))
    # 人员状态 other than 在岗/在职: left.
    assert [staff[no].status for no in ("T3001", "T3002", "T3003", "T3004")] == [
        Staff.Status.ACTIVE,
        Staff.Status.ACTIVE,
        Staff.Status.LEFT,
        Staff.Status.LEFT,
    ]


def test_accounts_are_made_as_by_our_staff_sheet_and_only_those_in_post_get_a_password(
    school, template
):
    out = io.StringIO()
    call_command("import_sheet", "staff", str(template), stdout=out)

    # Those in post share one initial password, shown once, and must change it.
    assert "The 2 new accounts have the initial password " in out.getvalue()
    password = out.getvalue().split("initial password ")[1].split(":")[0]
    for no in ("T3001", "T3002"):
        member = Staff.objects.select_related("user").get(staff_no=no)
        assert member.must_change_password
        assert authenticate(username=no, password=password) == member.user
    issued = PrivilegeChange.objects.filter(kind=PrivilegeChange.Kind.PASSWORD)
    assert sorted(issued.values_list("account__username", flat=True)) == ["T3001", "T3002"]
    # Someone retired or away has an account for the records, and no password at all.
    for no in ("T3003", "T3004"):
        member = Staff.objects.select_related("user").get(staff_no=no)
        assert not member.user.has_usable_password()
        assert not member.must_change_password
        assert authenticate(username=no, password=password) is None


def test_an_office_import_of_the_template_issues_no_password(school, template):
    result, _record = engine.import_file("staff", template, user=school.office.user)

    assert result.ok, result.messages()
    assert result.layout == "Teacher information template (全国教师管理信息系统)"
    assert "The 2 new accounts have no password yet" in result.notice
    new = Staff.objects.select_related("user").filter(staff_no__startswith="T300")
    assert not any(member.user.has_usable_password() for member in new)


def test_an_existing_teacher_who_retired_is_marked_left_and_the_preview_says_so(school, tmp_path):
    path = write_template(
        tmp_path / "教职工信息.xlsx",
        [teacher("李老师", "T1002", "退休", gender="男"), teacher("王老师", "T1001", "在岗")],
    )

    result, _record = engine.import_file("staff", path)

    assert result.ok, result.messages()
    assert (result.counts.new, result.counts.changed, result.counts.unchanged) == (0, 1, 1)
    retired = Staff.objects.get(staff_no="T1002")
    assert retired.status == Staff.Status.LEFT
    # Nothing the template lacks is touched: posts and password stay.
    assert retired.post_names == school.teacher.post_names
    assert retired.user.check_password("correct-horse-battery")
    assert [(c.line, c.column, c.before, c.after) for c in result.changes] == [
        (3, "人员状态", "In post", "Left the school")
    ]

    back = write_template(tmp_path / "back.xlsx", [teacher("李老师", "T1002", "在岗", gender="男")])
    engine.import_file("staff", back)
    assert Staff.objects.get(staff_no="T1002").status == Staff.Status.ACTIVE


@pytest.mark.parametrize("star", ["*", "＊", ""])
def test_headers_match_with_or_without_their_star(school, tmp_path, star):
    header = [h.replace("*", star) for h in HEADER]
    path = write_template(tmp_path / "x.xlsx", [teacher("钱老师", "T3001", "在岗")], header=header)

    result, _record = engine.import_file("staff", path)

    assert result.ok, result.messages()
    assert Staff.objects.get(staff_no="T3001").name == "钱老师"


def test_a_row_without_its_staff_number_is_refused_with_its_row(school, tmp_path):
    path = write_template(
        tmp_path / "x.xlsx", [teacher("钱老师", "T3001", "在岗"), teacher("孙老师", None, "在岗")]
    )

    result, _record = engine.import_file("staff", path)

    assert [(e.line, e.letter, e.column) for e in result.errors] == [(4, "D", "工号")]
    assert not Staff.objects.filter(staff_no="T3001").exists()


def test_the_teachers_id_numbers_are_kept_nowhere(school, template):
    result, _record = engine.import_file("staff", template)

    assert result.ok, result.messages()
    assert any(column.endswith("身份证件号") for column in result.ignored_columns)
    stored = json.dumps(
        [list(Staff.objects.values()), list(ImportRecord.objects.values()), result.preview],
        default=str,
        ensure_ascii=False,
    )
    assert "钱老师" in stored
    for number in ID_NUMBERS:
        assert number not in stored
