"""The term-end evaluation as a workbook: ``export_sheet term_evaluation FILE --term CURRENT``.

One sheet per level (classes, grades, teachers), one row per part of each line: what the
page shows, the figure of each part, its weight and the points it brings to the total. The
latest evaluation the academic office built, or (none yet) one built now.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from schoolops.models import EvaluationLevel, Term
from schoolops.sheets.base import Column, ExportSheet, SheetRefused, add_term_argument
from schoolops.sheets.writer import Sheet


class TermEvaluationSheet(ExportSheet):
    kind = "term_evaluation"
    title = gettext_lazy("Term evaluation")
    filename = gettext_lazy("Term evaluation.xlsx")
    columns = [
        Column("grade", "级部", width=10),
        Column("name", "名称", width=16),
        Column("rank", "排名", width=6),
        Column("total", "总分", width=8),
        Column("part", "项目", width=20),
        Column("figure", "项目得分", width=10),
        Column("weight", "权重(%)", width=9),
        Column("points", "折合分", width=8),
    ]

    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser) -> None:
        add_term_argument(parser)

    def resolve(self, term: Term | None = None, **options: Any) -> dict[str, Any]:
        term = term or (self.scope.term if self.scope is not None else Term.current())
        if term is None:
            raise SheetRefused(_("No term has been set up yet."))
        return {"term": term}

    def authorize(self, **options: Any) -> None:
        if not self.scope.is_school_wide:
            raise PermissionDenied

    def sheets(self, **options: Any) -> Iterator[Sheet]:
        from schoolops import evaluation

        term = options["term"]
        snapshot = evaluation.latest(term)
        result = evaluation.read(snapshot) if snapshot else evaluation.build(term)
        for level, label in EvaluationLevel.choices:
            yield self.sheet(str(label), self.level_rows(result.table(level)))

    @staticmethod
    def level_rows(table: Any) -> Iterator[list[Any]]:
        for line in table.lines:
            grade = line.group.name if line.group else ""
            for cell in line.cells:
                yield [
                    grade,
                    line.name,
                    line.rank,
                    line.total,
                    str(cell.part.label),
                    cell.figure if cell.figure is not None else "",
                    cell.part.percent if cell.part.in_play else 0,
                    cell.points,
                ]

    def rows(self, **options: Any) -> Iterator[Any]:
        for sheet in self.sheets(**options):
            yield from sheet.rows
