"""Time and measure ``import_sheet exams`` on an exam system's wide score sheet against
openpyxl reading it.

    .venv/bin/python bench/import_exams.py [--rows 3000] [--database-url URL]

Builds a throw-away SQLite database (or migrates ``--database-url``), loads 60 classes, the
students and nine subjects, and writes a 成绩总表 as exam systems export it: a merged title
and a date line above a two-row header (考号 | 姓名 | 班级 merged down, each of nine subjects
merged over 得分 | 班次 | 校次, 总分 and 校次), one row per student found by class and name,
缺考 here and there, and 平均分 / 最高分 / 参考人数 rows under the students. Then it times as
whole processes (best of three): openpyxl (read-only) reading every row; calamine reading
every row; ``import_sheet exams`` with no results yet (all new), again (all unchanged) and
with ``--dry-run``; each with its CPU time, which a shared machine's load hardly moves, and its
peak memory, the process and its children summed (``bench/measure.py``'s sampling of
/proc).

The goal (issue 12): the whole import within twice the openpyxl read, under 300 MB.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import measure
from bench.import_registry import GIVEN, SURNAMES

GRADES = ("七年级", "八年级", "九年级")
CLASSES_PER_GRADE = 20
# The subjects as the school names them, and as the score sheet heads them (with full marks).
SUBJECTS = {
    "语文": "语文（120）",
    "数学": "数学（120）",
    "英语": "英语（120）",
    "物理": "物理（100）",
    "化学": "化学（100）",
    "生物": "生物学（100）",
    "道德与法治": "道法（100）",
    "历史": "历史（100）",
    "地理": "地理（100）",
}
PARTS = ("得分", "班次", "校次")


def students(rows: int) -> list[tuple[str, str, int, int]]:
    """(学籍号, name, grade index, class number): names unique within their class."""
    rng = random.Random(3000)
    taken: set[tuple[int, int, str]] = set()
    found = []
    for n in range(rows):
        grade, number = n % 3, (n // 3) % CLASSES_PER_GRADE + 1
        while True:
            name = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)
            if (grade, number, name) not in taken:
                break
        taken.add((grade, number, name))
        found.append((f"{2024000000 + n:010d}", name, grade, number))
    return found


def write_roster(folder: Path, roster: list[tuple[str, str, int, int]]) -> None:
    import openpyxl

    classes = openpyxl.Workbook()
    classes.active.append(["年级", "班级"])
    for grade in GRADES:
        for number in range(1, CLASSES_PER_GRADE + 1):
            classes.active.append([grade, f"{number}班"])
    classes.save(folder / "classes.xlsx")
    people = openpyxl.Workbook(write_only=True)
    sheet = people.create_sheet()
    sheet.append(["学籍号", "姓名", "性别", "年级", "班级"])
    for student_no, name, grade, number in roster:
        sheet.append([student_no, name, "男女"[len(name) % 2], GRADES[grade], f"{number}班"])
    people.save(folder / "students.xlsx")


def write_scores(path: Path, roster: list[tuple[str, str, int, int]]) -> int:
    """The score sheet; returns the number of scores in it (缺考 cells are none)."""
    import openpyxl

    rng = random.Random(9)
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "成绩总表"
    width = 3 + 3 * len(SUBJECTS) + 2
    sheet.append(["2026学年第一学期期中质量检测成绩表"])
    sheet.append(["考试日期：2026年11月10日"])
    upper = ["考号", "姓名", "班级"]
    for header in SUBJECTS.values():
        upper += [header, None, None]
    sheet.append([*upper, "总分", "校次"])
    sheet.append([None, None, None, *(PARTS * len(SUBJECTS))])
    scores = 0
    for n, (_student_no, name, grade, number) in enumerate(roster):
        row: list = [f"26{n:05d}", name, f"{grade + 7}{number:02d}"]
        total = 0.0
        for header in SUBJECTS.values():
            if rng.random() < 0.01:
                row += ["缺考", None, None]
                continue
            full = 120 if "120" in header else 100
            score = round(rng.uniform(0.3, 1.0) * full, 1)
            total += score
            scores += 1
            row += [score, rng.randrange(1, 50), rng.randrange(1, 1000)]
        sheet.append([*row, round(total, 1), rng.randrange(1, 3000)])
    for label in ("平均分", "最高分", "参考人数"):
        sheet.append([label, None, None, *([88.0, None, None] * len(SUBJECTS))])
    for first in range(3):
        sheet.merge_cells(start_row=3, end_row=4, start_column=first + 1, end_column=first + 1)
    for index in range(len(SUBJECTS)):
        column = 4 + 3 * index
        sheet.merge_cells(start_row=3, end_row=3, start_column=column, end_column=column + 2)
    sheet.merge_cells(start_row=1, end_row=1, start_column=1, end_column=width)
    workbook.save(path)
    return scores


def main() -> None:
    options = measure.arguments(rows=3000)
    work, env = measure.scratch("bench-exams-", options.database_url)
    roster = students(options.rows)
    write_roster(work, roster)
    measure.manage(env, "import_sheet", "classes", str(work / "classes.xlsx"))
    measure.manage(env, "import_sheet", "students", str(work / "students.xlsx"))
    measure.manage(
        env,
        "shell",
        "-c",
        "from schoolops.models import Subject\n"
        f"for order, name in enumerate({list(SUBJECTS)!r}):\n"
        "    Subject.objects.get_or_create(name=name, defaults={'order': order})",
    )
    sheet = work / "成绩总表.xlsx"
    scores = write_scores(sheet, roster)
    openpyxl, calamine = measure.plain_reads(sheet, env, more_than=4)

    imports = measure.import_runs(
        "exams",
        sheet,
        env,
        empty="from schoolops.models import Exam, ExamResult\n"
        "ExamResult.objects.all().delete(); Exam.objects.all().delete()",
    )
    startup = measure.startup(env)

    size = sheet.stat().st_size / 1024
    columns = 3 + 3 * len(SUBJECTS) + 2
    database = env["DATABASE_URL"].split(":")[0]
    print(
        f"students: {options.rows}, {len(SUBJECTS)} subjects x {len(PARTS)} sub-columns "
        f"({columns} columns, {size:.0f} KB), {scores} scores, database: {database}"
    )
    met = measure.report_against_openpyxl(
        "import_sheet exams", imports, openpyxl, calamine, startup
    )
    sys.exit(0 if met else 1)


if __name__ == "__main__":
    main()
