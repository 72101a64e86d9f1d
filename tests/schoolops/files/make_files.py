"""Writes the committed xlsx fixtures: ``python tests/schoolops/files/make_files.py``.

The files imitate what a school office really sends: stray and full-width spaces in headers
and cells, an unknown extra column, 学籍号 typed as numbers, every date form, blank rows.
They fit the test cast in ``tests/conftest.py`` (七年级 (1)(2), 八年级 (1), staff T1001-T1005).
"""

import datetime as dt
from pathlib import Path

import openpyxl

HERE = Path(__file__).parent


def save(name, rows, text_columns=()):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    for column in text_columns:
        for cell in sheet[column]:
            cell.number_format = "@"
    workbook.save(HERE / name)


# Eleven good rows in every messy form; rows 6, 11 and 15 are blank.
STUDENTS_MESSY = [
    [" 学籍号 ", "姓　名", "性别：", "出生日期", "年级", "班 级", "家长姓名", "家长电话", "备注"],
    [
        "0702601101",
        " 王 小 明 ",
        "男",
        dt.date(2012, 3, 5),
        "七年级",
        "1班",
        "王大明",
        13800001111,
        "班长",
    ],
    [2025000001, "李小红", "女", "2012-03-05", "初一", "(1)班", "李大红", "138-0000-2222", ""],
    ["0702601103", "张　三", "M", "2012/3/5", "七年级", "（1）班", "张父", "138 0000 3333", None],
    ["０７０２６０１１０４", "赵四", "F", "2012.3.5", "初一", "１班", "", "+86 13800004444", None],
    [None, None, None, None, None, None, None, None, None],
    [
        "0702601105",
        "钱五",
        "male",
        20120305,
        "七年级",
        "七年级1班",
        "钱父",
        "+86-138-0000-5555",
        None,
    ],
    ["0702601106", "孙六", "Female", "20120305", "七 年 级", "七年级(2)班", None, None, None],
    ["0802601107", "周七", "男 ", "2011年9月1日", "初二", "1", "周父", "0086 13800007777", None],
    [
        "0802601108",
        "吴八",
        "女",
        dt.datetime(2011, 10, 2, 0, 0),
        "八年级",
        "(１)班",
        "吴母",
        8613800008888,
        None,
    ],
    ["", "", "", "", "", "", "", "", ""],
    ["0702601109", "郑九", "男", None, "七年级", "2班", "郑父", None, None],
    ["  0702601110  ", "冯十", "女", "2012-3-5", "初一", "二班", "冯母", "13800001010", "转入"],
    ["0702601111", "陈十一", "男", 40973, "七年级", "(2)", None, None, None],
    [None] * 9,
]

# Every row has a problem; row 2 is fine and must not be written either.
STUDENTS_BAD = [
    ["学籍号", "姓名", "性别", "出生日期", "年级", "班级", "家长姓名", "家长电话"],
    ["0702609001", "好学生", "男", "2012-03-05", "七年级", "1班", "", ""],
    ["0702609002", "重复生", "女", "2012-03-05", "七年级", "1班", "", ""],
    ["0702609002", "重复生二", "女", "2012-03-05", "七年级", "1班", "", ""],
    ["0702609004", "怪日期", "男", "2012-02-30", "七年级", "1班", "", ""],
    ["0702609005", "怪性别", "未知", "2012-03-05", "七年级", "1班", "", ""],
    ["0702609006", None, "男", "2012-03-05", "七年级", "1班", "", ""],
    ["0702609007", "无此班", "男", "2012-03-05", "七年级", "9班", "", ""],
    [1234567890123456, "长号码", "男", "2012-03-05", "七年级", "1班", "", ""],
    ["0702609009", "坏电话", "女", "2012-03-05", "初一", "1班", "", "1380000"],
]

STAFF = [
    ["工号", "姓名", "性别", "手机", "岗位"],
    ["T2001", "新老师", "女", "139-0000-0001", "班主任、任课教师"],
    ["T2002", "刘老师", "男", 13900000002, "任课教师"],
    [" T1002 ", "李老师", "男", "", "任课教师，班主任"],
]

CLASSES = [
    ["年级", "班级", "班主任工号"],
    ["七年级", "1班", "T1001"],
    ["七年级", "(3)班", "T1002"],
    ["初三", "（1）班", None],
]

ASSIGNMENTS = [
    ["工号", "年级", "班级", "学科"],
    ["T1001", "七年级", "1班", "语文"],
    ["T1003", "七年级", "(1)班", "数学"],
    ["T1002", "初一", "2班", "英语"],
    ["T1005", "八年级", "1班", "物理"],
]

EXAMS = [
    ["学籍号", "考试", "考试日期", "学科", "分数"],
    ["0702601001", "期中考试", dt.date(2026, 11, 10), "语文", 95.5],
    ["0702601001", "期中考试", "2026/11/10", "数学", "88"],
    ["0702602001", "期中考试", "2026.11.10", "语文", 77],
]


if __name__ == "__main__":
    save("students_messy.xlsx", STUDENTS_MESSY)
    save("students_bad.xlsx", STUDENTS_BAD)
    save("staff.xlsx", STAFF)
    save("classes.xlsx", CLASSES)
    save("assignments.xlsx", ASSIGNMENTS)
    save("exams.xlsx", EXAMS)
    # A CSV renamed to .xlsx, and a sheet whose first row is already data.
    (HERE / "renamed_csv.xlsx").write_text("学籍号,姓名\n0702601001,张小明\n", encoding="utf-8")
    save("headerless.xlsx", STUDENTS_MESSY[1:4])
