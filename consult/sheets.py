"""Sheet kinds: ``export_sheet consult_scores FILE.xlsx --term CURRENT [--month 2026-11]``."""

from __future__ import annotations

import argparse
from collections.abc import Iterable, Sequence
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy

from schoolops.models import SchoolClass, Term
from schoolops.sheets import Column, ExportSheet, add_month_argument, add_term_argument

from .selectors import class_scores


def score_cells(row) -> list:
    """One class's consultation score as the cells of a row, in the columns' order (the
    ``consult_scores`` sheet and the scores page's download share it)."""
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
    ]


class ConsultScoresSheet(ExportSheet):
    kind = "consult_scores"
    title = gettext_lazy("Class consultation scores")
    filename = "学情会商量化评分.xlsx"
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
    ]

    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser) -> None:
        add_term_argument(parser)
        add_month_argument(parser)

    def classes(self, term: Term) -> list[SchoolClass]:
        classes = SchoolClass.objects.filter(academic_year=term.academic_year).select_related(
            "grade"
        )
        if self.user is not None:
            from schoolops.scopes import Scope

            scope = Scope(self.user)
            if not scope.is_school_wide:
                classes = classes.filter(grade__in=scope.headed_grade_ids)
        return list(classes.order_by("grade__level", "number"))

    def rows(self, term: Term | None = None, month=None, **options: Any) -> Iterable[Sequence[Any]]:
        term = term or Term.current()
        if term is None:
            return
        for row in class_scores(term, self.classes(term), timezone.localdate(), month):
            yield score_cells(row)
