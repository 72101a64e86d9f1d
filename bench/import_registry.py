"""Time and measure ``import_sheet students`` on a registry export against openpyxl reading it.

    .venv/bin/python bench/import_registry.py [--rows 3000] [--database-url URL]

Builds a throw-away SQLite database (or migrates ``--database-url``), loads 60 classes and
writes the student export of the national registry (全国中小学生学籍信息管理系统) as it comes:
a merged title row and a note row above the header, 73 columns of which the import reads
14, family members, landlines, classes written 七年级(3)班. Then it times as whole processes
(best of three): openpyxl (read-only) reading every row; calamine reading every row;
``import_sheet students`` on the empty roster (all new), again (all unchanged) and with
``--dry-run``; and takes each one's CPU time (user + system, with its children) and peak
memory (the process and its children summed, sampled every 10 ms from /proc: the sheet is
parsed in a child process).

The goal (issue 12): the whole import within twice the openpyxl read, under 300 MB. On a
machine others share, the wall-clock times follow the load; the CPU times hardly do.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import measure

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰"
GRADES = ("七年级", "八年级", "九年级")
CLASSES_PER_GRADE = 20

# The export's columns: 73, as the registry writes them.
MEMBER = ("姓名", "关系", "是否监护人", "联系电话", "工作单位", "现住址", "户口所在地")
MEMBER_MORE = ("身份证件类型", "身份证件号", "民族", "职务")
HEADER = [
    "序号",
    "学校标识码",
    "学校名称",
    "年级",
    "班级名称",
    "班内学号",
    "姓名",
    "性别",
    "出生日期",
    "出生地",
    "籍贯",
    "民族",
    "国籍/地区",
    "身份证件类型",
    "身份证件号",
    "港澳台侨外",
    "政治面貌",
    "健康状况",
    "全国学籍号",
    "学籍辅号",
    "户口所在地",
    "户口性质",
    "入学年月",
    "入学方式",
    "就读方式",
    "联系电话",
    "现住址",
    "通信地址",
    "家庭地址",
    "邮政编码",
    "电子信箱",
    "是否独生子女",
    "是否受过学前教育",
    "是否留守儿童",
    "是否进城务工人员随迁子女",
    "是否孤儿",
    "是否烈士或优抚子女",
    "随班就读",
    "残疾类型",
    "是否由政府购买学位",
    "是否需要申请资助",
    "是否享受一补",
    "上下学距离",
    "上下学方式",
    "是否需要乘坐校车",
    "血型",
    "特长",
    "学生来源",
    *(f"成员{n}{part}" for n in (1, 2) for part in (*MEMBER, *MEMBER_MORE)),
    "学籍状态",
    "备注",
    "更新时间",
]
assert len(HEADER) == 73, len(HEADER)


def id_number(rng: random.Random, n: int) -> str:
    # Unique by the area code and sequence (one per thousand students), any birthday.
    body = (
        f"3301{n // 1000:02d}2011{rng.randrange(1, 13):02d}{rng.randrange(1, 29):02d}{n % 1000:03d}"
    )
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    check = "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]
    return body + check


def write_registry(path: Path, rows: int) -> None:
    import openpyxl

    rng = random.Random(3000)
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["杭州市某某中学 学生基础信息（导出日期：20260915）"])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADER))
    sheet.append(["备注：本表由学籍系统导出"])
    sheet.append(HEADER)
    for n in range(rows):
        grade = GRADES[n % 3]
        number = n // 3 % CLASSES_PER_GRADE + 1
        surname = rng.choice(SURNAMES)
        ident = id_number(rng, n)
        cells = {
            "序号": n + 1,
            "学校标识码": "3133001234",
            "学校名称": "杭州市某某中学",
            "年级": grade,
            "班级名称": f"{grade}({number})班",
            "班内学号": f"{n % 50 + 1:02d}",
            "姓名": surname + rng.choice(GIVEN) + rng.choice(GIVEN),
            "性别": rng.choice("男女"),
            "出生日期": ident[6:14],
            "出生地": "浙江省杭州市",
            "籍贯": "浙江杭州",
            "民族": "汉族",
            "国籍/地区": "中国",
            "身份证件类型": "居民身份证",
            "身份证件号": ident,
            "港澳台侨外": "否",
            "政治面貌": "少先队员",
            "健康状况": "健康或良好",
            "全国学籍号": "G" + ident,
            "户口所在地": "浙江省杭州市西湖区",
            "户口性质": "非农业户口",
            "入学年月": "202509",
            "入学方式": "就近入学",
            "就读方式": "走读",
            "联系电话": f"0571-8{n:07d}",
            "现住址": f"浙江省杭州市西湖区文三路{n % 500}号",
            "邮政编码": "310012",
            "学籍状态": "在读",
            "更新时间": "2026-09-15",
        }
        for member, relation in ((1, "父亲"), (2, "母亲")):
            cells |= {
                f"成员{member}姓名": (surname if member == 1 else rng.choice(SURNAMES))
                + rng.choice(GIVEN),
                f"成员{member}关系": relation,
                f"成员{member}是否监护人": "是" if member == 2 else "否",
                f"成员{member}联系电话": f"13{member}{n:08d}",
                f"成员{member}工作单位": "某某公司",
                f"成员{member}身份证件类型": "居民身份证",
                f"成员{member}身份证件号": "330106198001010000",
            }
        for flag in HEADER[31:45]:
            cells.setdefault(flag, "否")
        sheet.append([cells.get(header) for header in HEADER])
    workbook.save(path)


def write_classes(path: Path) -> None:
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.active.append(["年级", "班级"])
    for grade in GRADES:
        for number in range(1, CLASSES_PER_GRADE + 1):
            workbook.active.append([grade, f"{number}班"])
    workbook.save(path)


def main() -> None:
    options = measure.arguments(rows=3000)
    work, env = measure.scratch("bench-registry-", options.database_url)
    write_classes(work / "classes.xlsx")
    measure.manage(env, "import_sheet", "classes", str(work / "classes.xlsx"))
    export = work / "学籍系统导出.xlsx"
    write_registry(export, options.rows)
    openpyxl, calamine = measure.plain_reads(export, env, more_than=3)

    imports = measure.import_runs(
        "students",
        export,
        env,
        empty="from schoolops.models import Student; Student.objects.all().delete()",
    )
    startup = measure.startup(env)

    size = export.stat().st_size / 1024
    database = env["DATABASE_URL"].split(":")[0]
    print(f"rows: {options.rows} x {len(HEADER)} columns ({size:.0f} KB), database: {database}")
    met = measure.report_against_openpyxl(
        "import_sheet students", imports, openpyxl, calamine, startup
    )
    sys.exit(0 if met else 1)


if __name__ == "__main__":
    main()
