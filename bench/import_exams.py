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
peak memory, the process and its children summed (``bench/import_registry.py``'s sampling of
/proc).

The goal (issue 12): the whole import within twice the openpyxl read, under 300 MB.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.import_registry import GIVEN, SURNAMES, best  # noqa: E402

PYTHON = sys.executable
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
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=3000)
    parser.add_argument("--database-url", default="")
    options = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-exams-"))
    env = dict(os.environ, DEBUG="1", PRIVATE_ROOT=str(work / "private"))
    env["DATABASE_URL"] = options.database_url or f"sqlite:///{work / 'bench.sqlite3'}"
    manage = [PYTHON, "manage.py"]

    def manage_run(*args: str) -> None:
        subprocess.run([*manage, *args], cwd=ROOT, env=env, check=True, capture_output=True)

    manage_run("migrate", "-v0")
    roster = students(options.rows)
    write_roster(work, roster)
    manage_run("import_sheet", "classes", str(work / "classes.xlsx"))
    manage_run("import_sheet", "students", str(work / "students.xlsx"))
    manage_run(
        "shell",
        "-c",
        "from schoolops.models import Subject\n"
        f"for order, name in enumerate({list(SUBJECTS)!r}):\n"
        "    Subject.objects.get_or_create(name=name, defaults={'order': order})",
    )
    sheet = work / "成绩总表.xlsx"
    scores = write_scores(sheet, roster)

    read_openpyxl, openpyxl_cpu, openpyxl_peak = best(
        [
            PYTHON,
            "-c",
            "import sys, openpyxl\n"
            "wb = openpyxl.load_workbook(sys.argv[1], read_only=True)\n"
            "rows = [r for r in wb.active.iter_rows(values_only=True)]\n"
            "assert len(rows) > 4",
            str(sheet),
        ],
        env,
    )
    read_calamine, calamine_cpu, _peak = best(
        [
            PYTHON,
            "-c",
            "import sys, python_calamine\n"
            "wb = python_calamine.CalamineWorkbook.from_path(sys.argv[1])\n"
            "rows = wb.get_sheet_by_index(0).to_python()\n"
            "assert len(rows) > 4",
            str(sheet),
        ],
        env,
    )

    def delete_results() -> None:
        manage_run(
            "shell",
            "-c",
            "from schoolops.models import Exam, ExamResult\n"
            "ExamResult.objects.all().delete(); Exam.objects.all().delete()",
        )

    command = [*manage, "import_sheet", "exams", str(sheet)]
    imports = {
        "all new": best(command, env, prepare=delete_results),
        "unchanged": best(command, env),
        "--dry-run": best([*command, "--dry-run"], env),
    }
    startup, startup_cpu, _peak = best([*manage, "check"], env)

    mb = 1024 * 1024
    size = sheet.stat().st_size / 1024
    columns = 3 + 3 * len(SUBJECTS) + 2
    database = env["DATABASE_URL"].split(":")[0]
    print(
        f"students: {options.rows}, {len(SUBJECTS)} subjects x {len(PARTS)} sub-columns "
        f"({columns} columns, {size:.0f} KB), {scores} scores, database: {database}"
    )
    print("whole processes, best of 3: wall-clock s, CPU s, peak MB of the process tree")
    print(
        f"openpyxl read-only                 {read_openpyxl:6.2f} {openpyxl_cpu:6.2f} "
        f"{openpyxl_peak / mb:5.0f}"
    )
    print(f"calamine read                      {read_calamine:6.2f} {calamine_cpu:6.2f}")
    print(f"manage.py check (Django start-up)  {startup:6.2f} {startup_cpu:6.2f}")
    for label, (seconds, cpu, peak) in imports.items():
        print(
            f"import_sheet exams, {label:<14} {seconds:6.2f} {cpu:6.2f} {peak / mb:5.0f}  "
            f"({seconds / read_openpyxl:.2f}x openpyxl, CPU {cpu / openpyxl_cpu:.2f}x)"
        )
    worst = max(seconds for seconds, _cpu, _peak in imports.values()) / read_openpyxl
    worst_cpu = max(cpu for _seconds, cpu, _peak in imports.values()) / openpyxl_cpu
    heaviest = max(peak for _seconds, _cpu, peak in imports.values()) / mb
    verdict = "ok" if max(worst, worst_cpu) <= 2 and heaviest < 300 else "OVER THE GOAL"
    print(
        f"goal (<= 2x openpyxl, < 300 MB): {worst:.2f}x wall-clock, {worst_cpu:.2f}x CPU, "
        f"{heaviest:.0f} MB: {verdict}"
    )
    sys.exit(0 if verdict == "ok" else 1)


if __name__ == "__main__":
    main()
