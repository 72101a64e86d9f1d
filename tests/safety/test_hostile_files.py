"""Hostile workbooks are bounded before any reader touches them (issue 10, defects 3 and 7).

Each file is built here by hand: a cell at XFD1048576 (a reader would lay out 500 GB of
cells), one at Z1048576 (864 MB), a sheet that only declares that size, a zip part whose
directory declares fewer bytes than it holds (readers disagree: one refused it, the other
imported 1 row of 5,000), the same lie hiding 300 MB, a bad CRC, a zip bomb, a 200,000-row CSV
and a .xls renamed .xlsx. Through the admin upload of the roster and the ``import_sheet``
command each is refused with a message, writes nothing, leaves no stored upload and keeps the
process's peak memory within ``MEGABYTES`` of where it was. A fresh process reads each one
through the same functions (``engine.count_rows``, ``reader.read_rows``) and measures its own
peak, so a regression shows as a failure there, not as a dead test run.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import struct
import subprocess
import sys
import zipfile
import zlib
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

from django.conf import settings as django_settings
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone, translation

import openpyxl
import pytest

from schoolops.models import ImportRecord, Staff, Student
from schoolops.sheets import engine
from tests.workbooks import SHEET_PART, hand_built_xlsx, write_parts_but_the_sheet

pytestmark = pytest.mark.django_db

MEGABYTES = 100  # growth of the process's peak memory per hostile file
ROOT = Path(__file__).resolve().parents[2]
NEW_STUDENT = ["0702601901", "新生", "女", "七年级", "1班"]
STUDENT_HEADER = ["学籍号", "姓名", "性别", "年级", "班级"]


@pytest.fixture(autouse=True)
def english(settings, tmp_path):
    settings.PRIVATE_ROOT = tmp_path / "private"
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


# Building workbooks by hand.


def letters(column: int) -> str:
    text = ""
    while column:
        column, remainder = divmod(column - 1, 26)
        text = chr(65 + remainder) + text
    return text


def row_xml(number: int, values: list, first_column: int = 1) -> str:
    cells = "".join(
        f'<c r="{letters(first_column + i)}{number}" t="inlineStr"><is><t>{escape(str(v))}</t></is></c>'
        for i, v in enumerate(values)
    )
    return f'<row r="{number}">{cells}</row>'


def sheet_xml(body: str, dimension: str = "") -> str:
    declared = f'<dimension ref="{dimension}"/>' if dimension else ""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"{declared}<sheetData>{body}</sheetData></worksheet>"
    )


def declare(content: bytes, part: str, *, size: int | None = None, crc: int | None = None) -> bytes:
    """The zip with the part's size and/or CRC rewritten in its directory entry and local
    header: what the file declares, no longer what it holds."""
    data = bytearray(content)
    name = part.encode()
    position = data.find(b"PK\x01\x02")
    while position != -1:
        name_length = struct.unpack_from("<H", data, position + 28)[0]
        if bytes(data[position + 46 : position + 46 + name_length]) == name:
            local = struct.unpack_from("<I", data, position + 42)[0]
            for field, value in ((24, size), (16, crc)):
                if value is not None:
                    struct.pack_into("<I", data, position + field, value)
                    struct.pack_into("<I", data, local + field - 2, value)
            return bytes(data)
        position = data.find(b"PK\x01\x02", position + 4)
    raise AssertionError(f"no part {part}")


def far_cell(ref: str) -> bytes:
    """A header row and one cell far away: 1.7 KB."""
    number = int(re.sub("[A-Z]", "", ref))
    column = 0
    for letter in re.sub("[0-9]", "", ref):
        column = column * 26 + ord(letter) - 64
    return hand_built_xlsx(sheet_xml(row_xml(1, STUDENT_HEADER) + row_xml(number, ["x"], column)))


def declared_dimension() -> bytes:
    return hand_built_xlsx(
        sheet_xml(row_xml(1, STUDENT_HEADER) + row_xml(2, NEW_STUDENT), "A1:XFD1048576")
    )


def lying_size() -> bytes:
    """5,000 rows, of which the directory declares a complete sheet of one row."""
    head = sheet_xml(row_xml(1, STUDENT_HEADER) + row_xml(2, NEW_STUDENT)).encode()
    rest = "".join(
        row_xml(n, [f"07026{n:05d}", f"学生{n}", "男", "七年级", "1班"]) for n in range(3, 5002)
    ).encode()
    return declare(hand_built_xlsx(head + rest), SHEET_PART, size=len(head), crc=zlib.crc32(head))


@cache
def bomb(declared: bool) -> bytes:
    """A sheet of a few hundred KB that unpacks to 300 MB; ``declared=False`` hides it
    behind a directory entry claiming 1 KB."""
    buffer = io.BytesIO()
    start = b'<?xml version="1.0"?><worksheet><sheetData>'
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        write_parts_but_the_sheet(archive)
        with archive.open(SHEET_PART, "w") as sheet:
            sheet.write(start)
            block = b" " * (1024 * 1024)
            for _ in range(300):
                sheet.write(block)
            sheet.write(b"</sheetData></worksheet>")
    content = buffer.getvalue()
    if declared:
        return content
    head = start + b" " * (1024 - len(start))
    return declare(content, SHEET_PART, size=len(head), crc=zlib.crc32(head))


def bad_crc() -> bytes:
    content = hand_built_xlsx(sheet_xml(row_xml(1, STUDENT_HEADER) + row_xml(2, NEW_STUDENT)))
    crc = zipfile.ZipFile(io.BytesIO(content)).getinfo(SHEET_PART).CRC
    return declare(content, SHEET_PART, crc=crc ^ 0xFFFF)


def big_csv() -> bytes:
    lines = ["学籍号,姓名,性别,年级,班级"]
    lines += [f"07026{n:05d},学生{n},男,七年级,1班" for n in range(200_000)]
    return "\n".join(lines).encode("gbk")


def old_xls() -> bytes:
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * (5 * 1024 * 1024)


# (case, builder, words of the English refusal)
CASES = [
    ("cell-XFD1048576", lambda: far_cell("XFD1048576"), "reaches cell XFD1048576"),
    ("cell-Z1048576", lambda: far_cell("Z1048576"), "reaches cell Z1048576"),
    ("declared-XFD1048576", declared_dimension, "reaches cell XFD1048576"),
    ("lying-size", lying_size, "does not hold what the file declares"),
    ("lying-bomb", lambda: bomb(declared=False), "does not hold what the file declares"),
    ("bad-crc", bad_crc, "does not hold what the file declares"),
    ("zip-bomb", lambda: bomb(declared=True), "unpacks to more than"),
    ("csv-200000-rows", big_csv, "CSV"),
    ("xls", old_xls, ".xls"),
]
IDS = [case for case, _build, _words in CASES]


# Peak memory of this process: Linux resets the peak (VmHWM) on "5" in clear_refs.


def _status(field: str) -> int:
    text = Path("/proc/self/status").read_text()
    return int(re.search(rf"^{field}:\s+(\d+) kB", text, re.MULTILINE).group(1))


class PeakMemory:
    def __enter__(self):
        Path("/proc/self/clear_refs").write_text("5")
        self.baseline = _status("VmRSS")
        return self

    def __exit__(self, *exc) -> None:
        self.growth_mb = (_status("VmHWM") - self.baseline) / 1024


def stored_files() -> list[str]:
    folder = Path(django_settings.PRIVATE_ROOT) / "imports"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def roster() -> tuple:
    return (
        list(Student.objects.order_by("pk").values_list()),
        list(Staff.objects.order_by("pk").values_list()),
    )


@pytest.mark.parametrize("model", ["student", "staff"])
@pytest.mark.parametrize(("case", "build", "words"), CASES, ids=IDS)
def test_the_admin_upload_refuses_hostile_files(school, login, model, case, build, words):
    client = login(school.office)
    content = build()
    before = roster()
    upload = io.BytesIO(content)
    upload.name = "名单.xlsx"

    with PeakMemory() as peak:
        response = client.post(reverse(f"admin:schoolops_{model}_import"), {"file": upload})

    assert response.status_code == 302
    record = ImportRecord.objects.get()
    assert record.status == ImportRecord.Status.REFUSED
    assert words in record.message
    page = client.get(response["Location"]).content.decode()
    assert "errornote" in page
    assert escape(words) in page
    assert roster() == before
    assert record.stored_file == ""
    assert stored_files() == []
    assert peak.growth_mb < MEGABYTES, f"{case}: peak memory grew {peak.growth_mb:.0f} MB"


@pytest.mark.parametrize(("case", "build", "words"), CASES, ids=IDS)
def test_the_import_sheet_command_refuses_hostile_files(school, tmp_path, case, build, words):
    path = tmp_path / "名单.xlsx"
    path.write_bytes(build())
    before = roster()

    with PeakMemory() as peak, pytest.raises(CommandError) as refusal:
        call_command("import_sheet", "students", str(path))

    assert "nothing was written" in str(refusal.value)
    assert words in str(refusal.value)
    assert ImportRecord.objects.get().status == ImportRecord.Status.REFUSED
    assert roster() == before
    assert peak.growth_mb < MEGABYTES, f"{case}: peak memory grew {peak.growth_mb:.0f} MB"


PROBE = """
import json, os, resource, sys
resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))  # before a fix: no harm done
os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"
import django
django.setup()
import openpyxl, python_calamine  # loaded before the baseline
from django.conf import settings
from django.utils import translation
from schoolops.sheets import SheetRefused, engine, reader
translation.activate("en")

def peak(who):
    return resource.getrusage(who).ru_maxrss / 1024

baseline = peak(resource.RUSAGE_SELF)
refusals = []
for step in (
    lambda: engine.count_rows(sys.argv[1]),
    lambda: list(reader.read_rows(sys.argv[1], settings.IMPORT_MAX_ROWS)),
):
    try:
        step()
        refusals.append(None)
    except SheetRefused as refusal:
        refusals.append(refusal.message)
print(json.dumps({
    "refusals": refusals,
    "growth": peak(resource.RUSAGE_SELF) - baseline,
    "children": peak(resource.RUSAGE_CHILDREN),
}))
"""


@pytest.mark.parametrize(("case", "build", "words"), CASES, ids=IDS)
def test_a_fresh_process_reads_hostile_files_in_bounded_memory(tmp_path, case, build, words):
    path = tmp_path / "名单.xlsx"
    path.write_bytes(build())

    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "PRIVATE_ROOT": str(tmp_path / "private")},
    )

    assert done.returncode == 0, (
        f"{case}: the process died ({done.returncode}): {done.stderr[-800:]}"
    )
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    assert all(message and words in message for message in answer["refusals"]), answer
    assert answer["growth"] < MEGABYTES, f"{case}: peak memory grew {answer['growth']:.0f} MB"
    assert answer["children"] < MEGABYTES, f"{case}: a child peaked at {answer['children']:.0f} MB"


def test_refusals_are_in_the_users_language(school, login, settings):
    settings.LANGUAGE_CODE = "zh-hans"  # the school's language, whatever the test runs in
    client = login(school.office)
    for content in (declared_dimension(), bad_crc()):
        upload = io.BytesIO(content)
        upload.name = "名单.xlsx"
        client.post(reverse("admin:schoolops_student_import"), {"file": upload})
    far, crc = ImportRecord.objects.order_by("pk")
    assert "XFD1048576" in far.message and "60,000" in far.message and "100" in far.message
    assert "单元格" in far.message
    assert "xl/worksheets/sheet1.xml" in crc.message and "损坏" in crc.message


def test_a_parse_over_the_memory_cap_is_a_clean_refusal(school, login, settings):
    """A sheet within the row and column caps whose grid still needs more memory than the
    child may take (60,000 × 100 cells): the child dies, the import is a refusal."""
    settings.IMPORT_PARSE_MAX_BYTES = 128 * 1024 * 1024
    body = row_xml(1, STUDENT_HEADER) + row_xml(2, ["x"], 100) + row_xml(60_000, ["y"])
    upload = io.BytesIO(hand_built_xlsx(sheet_xml(body)))
    upload.name = "名单.xlsx"

    response = login(school.office).post(
        reverse("admin:schoolops_student_import"), {"file": upload}, follow=True
    )

    record = ImportRecord.objects.get()
    assert record.status == ImportRecord.Status.REFUSED
    assert "could not be read within 128 MB of memory" in record.message
    assert "could not be read within 128 MB of memory" in response.text
    assert stored_files() == []
    assert Student.objects.count() == 2


# Imports whose worker died.


def stale_time(settings):
    return timezone.now() - dt.timedelta(minutes=settings.IMPORT_STALE_MINUTES + 1)


def test_a_record_whose_worker_died_is_shown_as_failed(school, login, settings):
    stored = engine.private_dir() / "dead.xlsx"
    stored.write_bytes(far_cell("XFD1048576"))
    dead = ImportRecord.objects.create(
        kind="students",
        file_name="名单.xlsx",
        user=school.office.user,
        status=ImportRecord.Status.QUEUED,
        stored_file=stored.name,
        heartbeat_at=stale_time(settings),
    )
    alive = ImportRecord.objects.create(
        kind="students",
        file_name="big.xlsx",
        user=school.office.user,
        status=ImportRecord.Status.RUNNING,
        progress=40,
    )
    client = login(school.office)

    html = client.get(reverse("admin:schoolops_student_import_record", args=[dead.pk])).text

    dead.refresh_from_db()
    assert dead.status == ImportRecord.Status.FAILED
    assert "stopped before it finished" in dead.message
    assert dead.finished_at is not None
    assert "errornote" in html and "stopped before it finished" in html
    assert 'http-equiv="refresh"' not in html
    assert not stored.exists() and dead.stored_file == ""
    alive.refresh_from_db()
    assert alive.status == ImportRecord.Status.RUNNING


def test_the_import_history_and_the_worker_fail_dead_imports(school, login, settings):
    def dead(status):
        return ImportRecord.objects.create(
            kind="students",
            file_name="名单.xlsx",
            user=school.office.user,
            status=status,
            heartbeat_at=stale_time(settings),
        )

    running = dead(ImportRecord.Status.RUNNING)
    history = login(school.office).get(reverse("admin:schoolops_importrecord_changelist"))
    assert history.status_code == 200
    running.refresh_from_db()
    assert running.status == ImportRecord.Status.FAILED

    from schoolops import tasks

    queued, waiting = dead(ImportRecord.Status.QUEUED), dead(ImportRecord.Status.QUEUED)
    tasks.run_import.enqueue(waiting.pk, True)  # the tests' backend runs it at once
    queued.refresh_from_db()
    waiting.refresh_from_db()
    assert queued.status == ImportRecord.Status.FAILED
    # The task it was given is alive however long it waited: it runs (and refuses no file).
    assert waiting.status == ImportRecord.Status.REFUSED
    assert "expired" in waiting.message


def test_a_running_import_shows_signs_of_life(school, tmp_path, settings):
    path = tmp_path / "new.xlsx"
    book = openpyxl.Workbook()
    book.active.append(STUDENT_HEADER)
    book.active.append(NEW_STUDENT)
    book.save(path)
    record = ImportRecord.objects.create(
        kind="students",
        file_name="new.xlsx",
        status=ImportRecord.Status.QUEUED,
        heartbeat_at=stale_time(settings),
    )
    started = timezone.now()

    engine.import_file("students", path, record=record, dry_run=True)

    record.refresh_from_db()
    assert record.heartbeat_at >= started
    assert record.status == ImportRecord.Status.PREVIEWED
