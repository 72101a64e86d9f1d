import datetime as dt
import io

from django.core.management import call_command

import pytest
from openpyxl import Workbook, load_workbook

from groups.models import Membership, ScoreEntry
from groups.services import close_month

from .helpers import add_points

pytestmark = pytest.mark.django_db
HEADERS = ["日期", "年级", "班级", "组名", "评分项", "分值", "记录人工号", "备注", "学籍号"]


def write(tmp_path, rows, name="scores.xlsx"):
    book = Workbook()
    sheet = book.active
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(row)
    path = tmp_path / name
    book.save(path)
    return str(path)


def run_import(path) -> str:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_sheet", "scores", path, stdout=out, stderr=err)
    except BaseException as error:  # CommandError on a refused file
        return out.getvalue() + err.getvalue() + str(error)
    return out.getvalue() + err.getvalue()


def test_import_scores_writes_every_row(school, formed, tmp_path):
    path = write(
        tmp_path,
        [
            [
                "2026-11-16",
                "七年级",
                "1班",
                "飞翔1组",
                "课前学案完成",
                2,
                "T1002",
                "学习委员记录",
                None,
            ],
            ["2026-11-17", "七年级", "(1)班", "飞翔2组", "纪律", -2, "T1001", "", None],
            ["2026/11/18", "7", "1", "飞翔1组", "课堂回答", 1, "T1002", "", "0702601001"],
        ],
    )
    output = run_import(path)
    entries = ScoreEntry.objects.order_by("day")
    assert entries.count() == 3, output
    assert entries.count() == 3
    assert [e.kind for e in entries] == ["import"] * 3
    assert entries[0].week == 12 and entries[0].teacher == school.teacher
    assert entries[2].student == school.student_a


def test_import_scores_is_all_or_nothing_with_row_numbers(school, formed, tmp_path):
    path = write(
        tmp_path,
        [
            ["2026-11-16", "七年级", "1班", "飞翔1组", "课前学案完成", 2, "T1002", "", None],
            ["2026-11-16", "七年级", "1班", "无此组", "课前学案完成", 2, "T1002", "", None],
            ["2026-11-16", "七年级", "1班", "飞翔1组", "唱歌", 2, "T1002", "", None],
            ["2026-11-16", "七年级", "1班", "飞翔2组", "课堂回答", 1, "T9999", "", None],
            ["2026-11-16", "七年级", "1班", "飞翔2组", "课堂回答", 1, "T1002", "", "0702601001"],
            ["2027-08-01", "七年级", "1班", "飞翔2组", "课堂回答", 1, "T1002", "", None],
        ],
    )
    output = run_import(path)
    assert not ScoreEntry.objects.exists()
    for line in ("3", "4", "5", "6", "7"):
        assert line in output


def test_import_into_a_closed_month_is_flagged(school, formed, tmp_path):
    close_month(dt.date(2026, 10, 1), school.academic)
    run_import(
        write(
            tmp_path, [["2026-10-20", "七年级", "1班", "飞翔1组", "表扬", 3, "T1001", "补录", None]]
        )
    )
    assert ScoreEntry.objects.get().after_close


def test_export_leaderboard_and_groups(school, formed, tmp_path, no_activity_minimum):
    add_points(formed[0], school.teacher, 6, dt.date(2026, 11, 10))
    add_points(formed[1], school.teacher, 2, dt.date(2026, 11, 10))
    Membership.objects.filter(student=school.student_a).update(tier="A", is_recorder=True)
    board = tmp_path / "board.xlsx"
    call_command(
        "export_sheet", "leaderboard", str(board), "--month", "2026-11", stdout=io.StringIO()
    )
    rows = list(load_workbook(board).active.values)
    assert rows[0] == (
        "排名", "年级", "班级", "组名", "得分", "班级平均", "指数", "班内排名", "备注"
    )  # fmt: skip
    # Class A: 6, 2, 0, 0 → average 2.
    assert rows[1][:8] == (1, "七年级", "七年级(1)班", "飞翔1组", 6, 2.0, 300.0, 1)
    assert rows[2][0] == 2 and rows[2][6] == 100.0
    groups = tmp_path / "groups.xlsx"
    call_command("export_sheet", "groups", str(groups), stdout=io.StringIO())
    rows = list(load_workbook(groups).active.values)
    assert rows[0] == ("年级", "班级", "组名", "组训", "学籍号", "姓名", "角色", "层次")
    mine = next(r for r in rows if r[4] == "0702601001")
    assert mine[6] == "行政组长、协调记录组长" and mine[7] == "A"
    assert len(rows) == 17
