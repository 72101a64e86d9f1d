"""Excel workbooks: the 学情会商记录 of a meeting, class scores, cases, a class ledger."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from schoolops.models import SchoolClass, Term

from .models import Case, Meeting
from .selectors import class_scores
from .services import ledger_rows


def _sheet(workbook: Workbook, title: str, header: list[str]):
    sheet = workbook.active
    sheet.title = title[:31]
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    return sheet


def meeting_workbook(meeting: Meeting) -> Workbook:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Consultation record")[:31]
    wrap = Alignment(wrap_text=True, vertical="top")
    rows = [
        (_("Student-situation consultation record (学情会商记录)"), ""),
        (_("Date"), f"{meeting.date:%Y-%m-%d}"),
        (_("Level"), meeting.get_level_display()),
        (_("Kind"), meeting.get_kind_display()),
        (_("Where"), meeting.where),
        (_("Chair"), meeting.chair.name),
        (_("Attendees"), "、".join(s.name for s in meeting.attendees.all())),
        (_("Parents present"), meeting.parents),
        (_("Topic"), meeting.topic),
        (_("Preparation"), meeting.preparation),
        (_("Analysis of the situation"), meeting.analysis),
        (_("Strategies"), meeting.strategies),
        (_("Chair's summary"), meeting.summary),
    ]
    for row in rows:
        sheet.append(row)
    sheet.append([])
    sheet.append([_("Student"), _("Analysis"), _("Strategy decided")])
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for discussed in meeting.discussed.select_related("student").order_by("student__student_no"):
        sheet.append([discussed.student.name, discussed.analysis, discussed.decision])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.column_dimensions["A"].width = 18
    sheet.column_dimensions["B"].width = 60
    sheet.column_dimensions["C"].width = 40
    for row in sheet.iter_rows():
        for cell in row:
            cell.alignment = wrap
    return workbook


def scores_workbook(term: Term, classes: list[SchoolClass], today: dt.date) -> Workbook:
    """One sheet for the term and one per month, classes ranked by grade."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    periods = [(str(_("Term")), None)] + [(f"{m:%Y-%m}", m) for m in term.months()]
    header = [
        _("Grade"),
        _("Class"),
        _("Rank in grade"),
        _("Total"),
        _("Meetings held"),
        _("Meetings expected"),
        _("Meetings points"),
        _("Number of students discussed"),
        _("Number of students"),
        _("Special-attention discussed"),
        _("Special-attention students"),
        _("Coverage points"),
        _("Complete records"),
        _("Records"),
        _("Records points"),
        _("Complete ledger entries"),
        _("Ledger points"),
        _("Best case score"),
        _("Cases points"),
    ]
    for title, month in periods:
        sheet = workbook.create_sheet(title[:31])
        sheet.append(header)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in class_scores(term, classes, today, month):
            sheet.append(
                [
                    row.school_class.grade.name,
                    str(row.school_class),
                    row.rank,
                    float(row.total),
                    row.meetings_held,
                    row.meetings_expected,
                    float(row.parts["meetings"]),
                    row.discussed,
                    row.students,
                    row.special_discussed,
                    row.special,
                    float(row.parts["coverage"]),
                    row.records_complete,
                    row.records_total,
                    float(row.parts["records"]),
                    row.ledger_complete,
                    float(row.parts["ledger"]),
                    float(row.best_case) if row.best_case is not None else None,
                    float(row.parts["cases"]),
                ]
            )
    return workbook


def cases_workbook(cases: list[Case]) -> Workbook:
    workbook = Workbook()
    sheet = _sheet(
        workbook,
        _("Success cases"),
        [
            _("Class"),
            _("Student"),
            _("Title"),
            _("Author"),
            _("Nominated"),
            _("Judges"),
            _("Average score"),
            _("Situation analysis"),
            _("Strategy decided"),
            _("Follow-up process"),
            _("Records"),
            _("Result"),
        ],
    )
    for case in cases:
        sheet.append(
            [
                str(case.school_class),
                case.student.name,
                case.title,
                case.author.name,
                _("yes") if case.nominated else _("no"),
                case.n_scores,
                round(float(case.avg_score), 1) if case.avg_score is not None else None,
                case.situation,
                case.strategy,
                case.process,
                case.records,
                case.result,
            ]
        )
    return workbook


def ledger_workbook(school_class: SchoolClass, term: Term) -> Workbook:
    """The class's 学情台账 with its sensitive fields: for the principal's office only."""
    workbook = Workbook()
    sheet = _sheet(
        workbook,
        _("Ledger"),
        [
            _("Student number"),
            _("Name"),
            _("Strengths"),
            _("Weaknesses"),
            _("Personality"),
            _("Interests"),
            _("Family situation"),
            _("Special-attention categories"),
            _("Individual education plan"),
            _("Missing"),
        ],
    )
    for row in ledger_rows(school_class, term):
        p = row.profile
        sheet.append(
            [
                row.student.student_no,
                row.student.name,
                p.strengths if p else "",
                p.weaknesses if p else "",
                p.personality if p else "",
                p.interests if p else "",
                p.family_situation if p else "",
                "、".join(p.category_labels()) if p else "",
                p.education_plan if p else "",
                "、".join(row.missing),
            ]
        )
    return workbook
