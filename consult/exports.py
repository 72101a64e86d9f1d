"""Excel workbooks: the 学情会商记录 of a meeting, class scores, cases, a class ledger."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from schoolops.models import SchoolClass, Term
from schoolops.sheets.writer import Heading, Sheet, workbook_bytes

from .models import Case, Meeting
from .selectors import class_scores
from .services import ledger_rows
from .sheets import score_cells


def meeting_workbook(meeting: Meeting) -> bytes:
    rows = [
        Heading([_("Student-situation consultation record (学情会商记录)"), ""], size=14),
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
        (),
        Heading([_("Student"), _("Analysis"), _("Strategy decided")]),
    ]
    rows += [
        (discussed.student.name, discussed.analysis, discussed.decision)
        for discussed in meeting.discussed.select_related("student").order_by("student__student_no")
    ]
    return workbook_bytes(
        Sheet(_("Consultation record"), rows=rows, widths=[18, 60, 40], wrap=True)
    )


def scores_workbook(term: Term, classes: list[SchoolClass], today: dt.date) -> bytes:
    """One sheet for the term and one per month, classes ranked by grade."""
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

    def rows(month: dt.date | None):
        for row in class_scores(term, classes, today, month):
            yield score_cells(row)

    return workbook_bytes(
        *(Sheet(title, headers=header, rows=rows(month)) for title, month in periods)
    )


def cases_workbook(cases: list[Case]) -> bytes:
    headers = [
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
    ]
    rows = (
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
        for case in cases
    )
    return workbook_bytes(Sheet(_("Success cases"), headers=headers, rows=rows))


def ledger_workbook(school_class: SchoolClass, term: Term) -> bytes:
    """The class's 学情台账 with its sensitive fields: for the principal's office only."""
    headers = [
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
    ]

    def rows():
        for row in ledger_rows(school_class, term):
            p = row.profile
            yield [
                row.student.student_no,
                row.student.name,
                p.strengths if p else "",
                p.weaknesses if p else "",
                p.personality if p else "",
                p.interests if p else "",
                p.family_situation if p else "",
                # Exported by those who read every category of every student
                # (``views.LEDGER_EXPORT``).
                "、".join(p.category_labels(psych=True)) if p else "",
                p.education_plan if p else "",
                "、".join(row.missing),
            ]

    return workbook_bytes(
        Sheet(_("Ledger"), headers=headers, rows=rows(), text_columns={0})  # 学籍号 as text
    )
