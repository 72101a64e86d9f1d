"""Every consultation download as an export kind (``schoolops.sheets``), served by
``sheet_response`` on a page and by ``export_sheet KIND FILE`` on the command line:

- ``consult_ledger``: a class's 学情台账, sensitive fields included (the principal's office);
- ``consult_meeting``: a meeting's 学情会商记录 and the students discussed;
- ``consult_cases``: the term's success cases;
- ``consult_scores``: each class's consultation score, the term and each month.

Columns are declared once per kind in Chinese, the same in every language (the file format);
titles and a record's labels go through gettext.
"""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Avg, Count
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from schoolops.models import SchoolClass, Term
from schoolops.privacy import Category
from schoolops.sheets import (
    Column,
    ExportSheet,
    SheetRefused,
    add_month_argument,
    add_term_argument,
)
from schoolops.sheets.base import add_class_argument
from schoolops.sheets.writer import Heading, Sheet

from .access import (
    CASES_EXPORT,
    LEDGER_EXPORT,
    grade_page_classes,
    may_consult,
    may_export_cases,
    may_export_ledger,
    may_open_grade_pages,
    may_use_questionnaires,
    visible_cases,
    visible_links,
    visible_meetings,
    visible_questionnaires,
)
from .models import Case, Meeting, Question, Questionnaire, QuestionnaireLink, QuestionnaireResponse
from .selectors import class_scores
from .services import ledger_rows


def _term(sheet: ExportSheet, term: Term | None) -> Term:
    """The term asked for, or the person's current term; none set up is a refusal."""
    term = term or (sheet.scope.term if sheet.scope is not None else Term.current())
    if term is None:
        raise SheetRefused(_("No term has been set up yet."))
    return term


class ClassLedgerSheet(ExportSheet):
    """A class's 学情台账 with its sensitive fields, for the principal's office only."""

    kind = "consult_ledger"
    title = gettext_lazy("Ledger")
    filename = gettext_lazy("Ledger.xlsx")
    columns = [
        Column("student_no", "学籍号", text_format=True, width=14),
        Column("name", "姓名", width=10),
        Column("strengths", "优点", width=24),
        Column("weaknesses", "弱点", width=24),
        Column("personality", "个性特点", width=20),
        Column("interests", "兴趣爱好", width=20),
        Column("family_situation", "家庭情况", width=24),
        Column("categories", "重点关注类别", width=20),
        Column("education_plan", "个案育人计划", width=30),
        Column("missing", "待填写", width=20),
    ]

    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser) -> None:
        add_class_argument(parser)
        add_term_argument(parser)

    def resolve(
        self, school_class: SchoolClass | int | None = None, term: Term | None = None, **options
    ) -> dict[str, Any]:
        classes = self.scope.classes() if self.scope is not None else SchoolClass.objects
        found = classes.filter(pk=getattr(school_class, "pk", school_class)).first()
        if found is None:
            raise SheetRefused(_("There is no such class."))
        return {"school_class": found, "term": _term(self, term)}

    def authorize(self, **options: Any) -> None:
        if not may_export_ledger(self.scope):
            raise PermissionDenied

    def rows(self, school_class: SchoolClass, term: Term, **options: Any) -> Iterator[list]:
        rows = ledger_rows(school_class, term)
        self.log_read([row.student for row in rows], LEDGER_EXPORT)
        for row in rows:
            p = row.profile
            yield [
                row.student.student_no,
                row.student.name,
                p.strengths if p else "",
                p.weaknesses if p else "",
                p.personality if p else "",
                p.interests if p else "",
                p.family_situation if p else "",
                # Exported by those who read every category of every student (``authorize``).
                "、".join(p.category_labels(psych=True)) if p else "",
                p.education_plan if p else "",
                "、".join(row.missing),
            ]

    def download_name(self, school_class: SchoolClass, term: Term, **options: Any) -> str:
        return _("Ledger %(class)s.xlsx") % {"class": school_class}


class MeetingRecordSheet(ExportSheet):
    """A meeting's 学情会商记录: the record's parts (labels through gettext), then the
    students discussed under the declared columns."""

    kind = "consult_meeting"
    title = gettext_lazy("Consultation record")
    filename = gettext_lazy("Consultation record.xlsx")
    columns = [
        Column("student", "学生", width=18),
        Column("analysis", "学情分析", width=60),
        Column("decision", "会商对策", width=40),
    ]

    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--meeting", type=int, required=True, help="The meeting's number (its id)."
        )

    def resolve(self, meeting: Meeting | int | None = None, **options: Any) -> dict[str, Any]:
        meetings = (
            visible_meetings(self.scope)
            if self.scope is not None
            else Meeting.objects.select_related("chair")
        )
        found = meetings.filter(pk=getattr(meeting, "pk", meeting)).first()
        if found is None:
            raise SheetRefused(_("There is no such meeting."))
        return {"meeting": found}

    def authorize(self, **options: Any) -> None:
        if not may_consult(self.scope):
            raise PermissionDenied

    def sheets(self, meeting: Meeting, **options: Any) -> Iterator[Sheet]:
        discussed = list(
            meeting.discussed.select_related("student").order_by("student__student_no")
        )
        self.log_read([d.student for d in discussed], [Category.CONSULT])
        rows: list[Any] = [
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
            Heading(self.headers()),
            *((d.student.name, d.analysis, d.decision) for d in discussed),
        ]
        yield Sheet(str(self.title), rows=rows, widths=[c.width for c in self.columns], wrap=True)

    def download_name(self, meeting: Meeting, **options: Any) -> str:
        return _("Consultation record %(date)s-%(number)s.xlsx") % {
            "date": f"{meeting.date:%Y%m%d}",
            "number": meeting.pk,
        }


class CasesSheet(ExportSheet):
    """The term's success cases the person sees, with their judging."""

    kind = "consult_cases"
    title = gettext_lazy("Success cases")
    filename = gettext_lazy("Success cases.xlsx")
    columns = [
        Column("class", "班级", width=14),
        Column("student", "学生", width=10),
        Column("title", "标题", width=20),
        Column("author", "撰写人", width=10),
        Column("nominated", "已推荐", width=8),
        Column("judges", "评委人数", width=8),
        Column("average", "平均分", width=8),
        Column("situation", "学情分析", width=30),
        Column("strategy", "会商对策", width=30),
        Column("process", "学情跟踪整改过程", width=30),
        Column("records", "学情记录", width=30),
        Column("result", "学情成效", width=30),
    ]

    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser) -> None:
        add_term_argument(parser)

    def resolve(self, term: Term | None = None, **options: Any) -> dict[str, Any]:
        return {"term": _term(self, term)}

    def authorize(self, **options: Any) -> None:
        if not may_export_cases(self.scope):
            raise PermissionDenied

    def rows(self, term: Term, **options: Any) -> Iterator[list]:
        cases = visible_cases(self.scope) if self.scope is not None else Case.objects.all()
        cases = list(
            cases.filter(term=term)
            .select_related("student", "school_class__grade", "author")
            .annotate(avg_score=Avg("scores__score"), n_scores=Count("scores", distinct=True))
            .order_by("school_class__grade__level", "school_class__number", "pk")
        )
        self.log_read([case.student_id for case in cases], CASES_EXPORT)
        for case in cases:
            yield [
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


def score_cells(row) -> list:
    """One class's consultation score as the cells of a row, in the columns' order."""
    return [
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
        row.activities.theme.held if row.activities else 0,
        row.activities.exchange.held if row.activities else 0,
        float(row.parts["activities"]),
    ]


class ConsultScoresSheet(ExportSheet):
    """Each class's consultation score, ranked within its grade: one sheet for the term and
    one for each of its months (``--month``: that month only). A grade head gets the grades
    they head."""

    kind = "consult_scores"
    title = gettext_lazy("Class consultation scores")
    filename = gettext_lazy("Class consultation scores.xlsx")
    columns = [
        Column("grade", "级部", width=10),
        Column("class", "班级", width=14),
        Column("rank", "级部名次", width=9),
        Column("total", "总分", width=8),
        Column("meetings_held", "已开会商", width=9),
        Column("meetings_expected", "应开会商", width=9),
        Column("meetings", "会商次数得分", width=12),
        Column("discussed", "会商学生数", width=10),
        Column("students", "学生数", width=8),
        Column("special_discussed", "重点关注已会商", width=14),
        Column("special", "重点关注学生", width=12),
        Column("coverage", "会商范围得分", width=12),
        Column("records_complete", "完整记录", width=9),
        Column("records_total", "会商记录", width=9),
        Column("records", "会商记录得分", width=12),
        Column("ledger_complete", "台账完整", width=9),
        Column("ledger", "会商台账得分", width=12),
        Column("best_case", "成功案例评分", width=12),
        Column("cases", "成功案例得分", width=12),
        Column("theme_meetings", "主题班会", width=9),
        Column("exchanges", "学法交流会", width=10),
        Column("activities", "班会交流得分", width=12),
    ]

    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser) -> None:
        add_term_argument(parser)
        add_month_argument(parser)

    def resolve(
        self, term: Term | None = None, month: dt.date | None = None, **options: Any
    ) -> dict[str, Any]:
        return {"term": _term(self, term), "month": month}

    def authorize(self, **options: Any) -> None:
        if not may_open_grade_pages(self.scope):
            raise PermissionDenied

    def classes(self, term: Term) -> list[SchoolClass]:
        """The classes of the term's year the person's grade pages show (the command line:
        every one)."""
        if self.scope is not None:
            return grade_page_classes(self.scope)
        classes = SchoolClass.objects.filter(academic_year=term.academic_year)
        return list(classes.select_related("grade").order_by("grade__level", "number"))

    def rows(
        self, term: Term, month: dt.date | None = None, **options: Any
    ) -> Iterable[Sequence[Any]]:
        return self.period_rows(term, self.classes(term), month)

    def period_rows(
        self, term: Term, classes: list[SchoolClass], month: dt.date | None
    ) -> Iterator[list[Any]]:
        for row in class_scores(term, classes, timezone.localdate(), month):
            yield score_cells(row)

    def sheets(self, term: Term, month: dt.date | None = None, **options: Any) -> Iterator[Sheet]:
        classes = self.classes(term)
        for period in [month] if month else [None, *term.months()]:
            name = f"{period:%Y-%m}" if period else str(_("Term"))
            yield self.sheet(name, self.period_rows(term, classes, period))


class QuestionnaireSheet(ExportSheet):
    """A questionnaire's answers, one line per answer given, of the classes the person reads
    (the answer sheets are numbered; nothing says who answered)."""

    kind = "consult_questionnaire"
    title = gettext_lazy("Questionnaire answers")
    filename = gettext_lazy("Questionnaire answers.xlsx")
    columns = [
        Column("class", "班级", width=14),
        Column("sheet", "答卷", width=8),
        Column("date", "日期", width=12),
        Column("number", "题号", width=6),
        Column("question", "题目", width=40),
        Column("answer", "回答", width=60),
    ]

    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--questionnaire", type=int, required=True, help="The questionnaire's id."
        )

    def resolve(
        self, questionnaire: Questionnaire | int | None = None, **options: Any
    ) -> dict[str, Any]:
        found = (
            (
                visible_questionnaires(self.scope)
                if self.scope is not None
                else Questionnaire.objects.all()
            )
            .filter(pk=getattr(questionnaire, "pk", questionnaire))
            .first()
        )
        if found is None:
            raise SheetRefused(_("There is no such questionnaire."))
        return {"questionnaire": found}

    def authorize(self, **options: Any) -> None:
        if not may_use_questionnaires(self.scope):
            raise PermissionDenied

    def rows(self, questionnaire: Questionnaire, **options: Any) -> Iterator[Sequence[Any]]:
        links = (
            visible_links(self.scope, questionnaire)
            if self.scope is not None
            else QuestionnaireLink.objects.filter(questionnaire=questionnaire)
        )
        questions = list(questionnaire.questions.all())
        responses = (
            QuestionnaireResponse.objects.filter(link__in=links)
            .select_related("link__school_class__grade")
            .order_by("link__school_class__grade__level", "link__school_class__number", "pk")
        )
        for number, response in enumerate(responses, start=1):
            for n, question in enumerate(questions, start=1):
                value = response.answers.get(str(question.pk))
                if value in (None, "", []):
                    continue
                yield [
                    str(response.link.school_class),
                    number,
                    f"{response.submitted_on:%Y-%m-%d}",
                    n,
                    question.text,
                    answer_text(question, value),
                ]

    def download_name(self, questionnaire: Questionnaire, **options: Any) -> str:
        return _("Questionnaire answers %(number)s.xlsx") % {"number": questionnaire.pk}


def answer_text(question: Question, value: Any) -> str:
    """An answer as a person reads it: the choices' labels, the scale's number, the text."""
    if question.kind in (Question.Kind.SINGLE, Question.Kind.MULTIPLE):
        indexes = value if isinstance(value, list) else [value]
        return "、".join(
            question.choices[int(i)] for i in indexes if 0 <= int(i) < len(question.choices)
        )
    return str(value)


SHEETS = (
    ClassLedgerSheet,
    MeetingRecordSheet,
    CasesSheet,
    ConsultScoresSheet,
    QuestionnaireSheet,
)
