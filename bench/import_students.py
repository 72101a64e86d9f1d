"""Time ``import_sheet students`` of 5,000 rows against a process that only reads the file.

    .venv/bin/python bench/import_students.py [--rows 5000] [--database-url URL]

Builds a throw-away SQLite database (or uses ``--database-url``, which it migrates), loads
18 classes, writes a 5,000-row students workbook, then times as whole processes (best of
three): openpyxl (read-only) reading every row; calamine reading every row;
``import_sheet students`` on the empty roster (5,000 new), again (5,000 unchanged) and with
``--dry-run``. The goal (issue 2): the import within twice the openpyxl read.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import measure
from bench.import_registry import GIVEN, SURNAMES


def write_students(path: Path, rows: int) -> None:
    import openpyxl

    rng = random.Random(5000)
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(["学籍号", "姓名", "性别", "出生日期", "年级", "班级", "家长姓名", "家长电话"])
    for n in range(rows):
        grade = ("七年级", "八年级", "九年级")[n % 3]
        sheet.append(
            [
                f"{2024000000 + n:010d}",
                rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
                rng.choice("男女"),
                dt.date(2011, 1, 1) + dt.timedelta(days=rng.randrange(1000)),
                grade,
                f"{n % 6 + 1}班",
                rng.choice(SURNAMES) + rng.choice(GIVEN),
                f"138{n:08d}",
            ]
        )
    workbook.save(path)


def write_classes(path: Path) -> None:
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.active.append(["年级", "班级"])
    for grade in ("七年级", "八年级", "九年级"):
        for number in range(1, 7):
            workbook.active.append([grade, f"{number}班"])
    workbook.save(path)


def admin_child(students: str) -> None:
    """In a child process: the admin's upload (dry-run preview) and confirm, timed."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "schoolops.settings")
    django.setup()
    from django.contrib.auth import get_user_model
    from django.test import Client

    from schoolops.models import ImportRecord, Student

    Student.objects.all().delete()
    user = get_user_model().objects.filter(username="bench-admin").first()
    if user is None:
        user = get_user_model().objects.create_superuser("bench-admin", password="x")
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    started = time.perf_counter()
    with open(students, "rb") as handle:
        response = client.post("/admin/schoolops/student/import/", {"file": handle})
    page = client.get(response["Location"])
    preview = time.perf_counter() - started
    record = ImportRecord.objects.latest("pk")
    started = time.perf_counter()
    client.post("/admin/schoolops/student/process_import/", {"record": record.pk})
    confirm = time.perf_counter() - started
    record.refresh_from_db()
    print(
        f"admin upload + dry-run preview page:  {preview:6.2f} s  "
        f"(page {len(page.content) / 1024:.0f} KB, {record.rows} rows checked)"
    )
    print(f"admin confirm (import):               {confirm:6.2f} s  ({record.new} new)")


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--admin-child":
        admin_child(sys.argv[2])
        return
    options = measure.arguments(rows=5000)
    work, env = measure.scratch("bench-import-", options.database_url)
    write_classes(work / "classes.xlsx")
    measure.manage(env, "import_sheet", "classes", str(work / "classes.xlsx"), quiet=False)
    students = work / "students.xlsx"
    write_students(students, options.rows)
    (read_openpyxl, *_), (read_calamine, *_) = measure.plain_reads(students, env, more_than=1)

    runs = measure.import_runs(
        "students",
        students,
        env,
        empty="from schoolops.models import Student; Student.objects.all().delete()",
    )
    fresh, unchanged, dry_run = (seconds for seconds, _cpu, _peak in runs.values())
    startup = measure.startup(env)[0]

    print(f"rows: {options.rows}, database: {env['DATABASE_URL'].split(':')[0]}")
    print(f"openpyxl read-only, whole process:   {read_openpyxl:6.2f} s")
    print(f"calamine read, whole process:        {read_calamine:6.2f} s")
    print(f"manage.py check (Django start-up):   {startup:6.2f} s")
    print(
        f"import_sheet students, all new:      {fresh:6.2f} s  ({fresh / read_openpyxl:.2f}x openpyxl)"
    )
    print(
        f"import_sheet students, unchanged:    {unchanged:6.2f} s  ({unchanged / read_openpyxl:.2f}x)"
    )
    print(
        f"import_sheet students --dry-run:     {dry_run:6.2f} s  ({dry_run / read_openpyxl:.2f}x)"
    )
    sys.stdout.flush()
    subprocess.run(
        [measure.PYTHON, __file__, "--admin-child", str(students)],
        cwd=measure.ROOT,
        env=env,
        check=True,
    )


if __name__ == "__main__":
    main()
