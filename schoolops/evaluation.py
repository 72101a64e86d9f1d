"""The term-end evaluation (优秀班级 / 优秀级部 / 优秀教师): the apps' parts, weighed and ranked.

Each app registers its parts of a term (``registry.add_term_contribution``): a figure from 0
to 100 per class, teacher or grade. This module imports no app: it asks the registry.

- **Normalise**: every figure is held to 0…100; a part with no figure at all this term (an
  empty answer: the feature was not used) is out of play, and the other weights carry the
  total; a class, teacher or grade an answer leaves out scores 0 on that part.
- **Weigh**: total = Σ weight × figure / Σ weight over the parts in play, to two decimals (the
  weights are the academic office's ``EvaluationWeight`` rows, else each part's default).
- **Rank**: the higher total first; equal totals share a rank and the next rank skips (1, 1,
  3). Classes are ranked within their grade, teachers and grades across the school.

A grade's first part is its classes (the mean of their totals); grade parts the apps
register come after it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Q
from django.utils.translation import gettext_lazy

from schoolops.models import (
    EvaluationLevel,
    EvaluationSnapshot,
    EvaluationWeight,
    Grade,
    SchoolClass,
    Staff,
)
from schoolops.registry import TermContribution, registry

if TYPE_CHECKING:
    from schoolops.models import Term

HUNDRED = Decimal(100)
CENT = Decimal("0.01")
TENTH = Decimal("0.1")

# The grade's own part: the mean of its classes' totals (not an app's: schoolops composes it).
CLASSES_PART = TermContribution(
    key="schoolops.classes",
    level=EvaluationLevel.GRADE,
    label=gettext_lazy("Its classes"),
    compute=lambda term: {},
    order=0,
    help_text=gettext_lazy("The mean of the totals of the grade's classes."),
)


@dataclass(frozen=True)
class GradeRef:
    """The grade a class line is ranked in (from the database or a kept evaluation)."""

    pk: int
    level: int
    name: str


@dataclass
class Part:
    """One part of a level's evaluation, its weight and whether it counts this term."""

    contribution: TermContribution
    weight: Decimal
    in_play: bool = True
    share: Decimal = Decimal(0)  # weight / Σ weights in play, 0 when out of play

    @property
    def key(self) -> str:
        return self.contribution.key

    @property
    def label(self) -> Any:
        return self.contribution.label

    @property
    def help_text(self) -> Any:
        return self.contribution.help_text

    @property
    def percent(self) -> Decimal:
        """The part's share of the total, in per cent (one decimal)."""
        return (self.share * HUNDRED).quantize(TENTH, ROUND_HALF_UP)


@dataclass
class Cell:
    """One part of one line: the figure, and the points it brings to the total."""

    part: Part
    figure: Decimal | None
    points: Decimal


@dataclass
class Line:
    """A class, teacher or grade with its figures, total and rank."""

    pk: int
    name: str
    obj: Any
    cells: list[Cell] = field(default_factory=list)
    total: Decimal = Decimal(0)
    rank: int = 0
    group: GradeRef | None = None  # the class's grade: classes are ranked within it

    @property
    def figures(self) -> dict[str, Decimal | None]:
        return {cell.part.key: cell.figure for cell in self.cells}


@dataclass
class Table:
    level: str
    parts: list[Part]
    lines: list[Line]

    def line(self, pk: int) -> Line | None:
        return next((line for line in self.lines if line.pk == pk), None)


@dataclass
class TermEvaluation:
    term: Term
    classes: Table
    teachers: Table
    grades: Table

    def table(self, level: str) -> Table:
        tables: dict[str, Table] = {
            EvaluationLevel.CLASS.value: self.classes,
            EvaluationLevel.TEACHER.value: self.teachers,
            EvaluationLevel.GRADE.value: self.grades,
        }
        return tables[level]


def saved_weights() -> dict[tuple[str, str], Decimal]:
    """The academic office's weights by (level, key): one query."""
    return {
        (level, key): weight
        for level, key, weight in EvaluationWeight.objects.values_list("level", "key", "weight")
    }


def contributions(level: str) -> list[TermContribution]:
    """The parts of one level: the registered ones (and the grade's classes first)."""
    found = registry.term_contributions(level)
    if level == EvaluationLevel.GRADE:
        return [CLASSES_PART, *found]
    return found


def clamp(value: Any) -> Decimal:
    """A figure held to 0…100, to one decimal."""
    figure = Decimal(str(value))
    return min(max(figure, Decimal(0)), HUNDRED).quantize(TENTH, ROUND_HALF_UP)


def compose(
    parts: list[Part], answers: dict[str, dict[int, Decimal]], subjects: Iterable[Line]
) -> list[Line]:
    """Each line's cells and total from the parts' answers (no query).

    A part whose answer is empty is out of play; the shares of the parts in play add up to 1.
    """
    for part in parts:
        part.in_play = bool(answers.get(part.key)) and part.weight > 0
    weight_in_play = sum((p.weight for p in parts if p.in_play), Decimal(0))
    for part in parts:
        part.share = part.weight / weight_in_play if part.in_play and weight_in_play else Decimal(0)
    lines = list(subjects)
    for line in lines:
        total = Decimal(0)
        line.cells = []
        for part in parts:
            answer = answers.get(part.key) or {}
            figure = clamp(answer[line.pk]) if line.pk in answer else None
            if not part.in_play:
                line.cells.append(Cell(part, figure, Decimal(0)))
                continue
            points = (figure or Decimal(0)) * part.share
            total += points
            line.cells.append(Cell(part, figure, points.quantize(CENT, ROUND_HALF_UP)))
        line.total = total.quantize(CENT, ROUND_HALF_UP)
    return lines


def rank(lines: list[Line]) -> list[Line]:
    """Ranked by total, the higher first, within each line's ``group`` (None: one group);
    equal totals share a rank and the next skips (1, 1, 3). Ties keep the name order."""
    ordered = sorted(lines, key=lambda line: (_group_order(line.group), -line.total, line.name))
    previous: Line | None = None
    position = 0
    for line in ordered:
        if previous is None or previous.group != line.group:
            position, previous = 0, None
        position += 1
        line.rank = previous.rank if previous and previous.total == line.total else position
        previous = line
    return ordered


def _group_order(group: GradeRef | None) -> tuple[int, int]:
    return (0, 0) if group is None else (group.level, group.pk)


def _parts(level: str, weights: dict[tuple[str, str], Decimal]) -> list[Part]:
    return [Part(c, weights.get((level, c.key), c.default_weight)) for c in contributions(level)]


def _answers(parts: list[Part], term: Term) -> dict[str, dict[int, Decimal]]:
    return {
        part.key: dict(part.contribution.compute(term))
        for part in parts
        if part.key != CLASSES_PART.key
    }


def teachers_of(term: Term, known: Iterable[int] = ()) -> list[Staff]:
    """The staff evaluated: every active teacher of the term's classes (subject or homeroom
    teacher) and anyone an app gave a figure (one query)."""
    year = term.academic_year_id
    return list(
        Staff.objects.active()
        .filter(
            Q(assignments__school_class__academic_year=year)
            | Q(homeroom_classes__academic_year=year)
            | Q(pk__in=list(known))
        )
        .distinct()
        .order_by("staff_no")
    )


def build(term: Term, levels: Iterable[str] | None = None) -> TermEvaluation:
    """The term's evaluation of the classes, teachers and grades.

    One query for the weights, one for the classes and their grades, one for the teachers,
    and each registered part's own fixed number: the same whatever the school's size.
    ``levels`` leaves out what a page does not show (grades need their classes).
    """
    wanted = set(levels or EvaluationLevel.values)
    weights = saved_weights()
    class_parts = _parts(EvaluationLevel.CLASS, weights)
    grade_parts = _parts(EvaluationLevel.GRADE, weights)
    class_lines: list[Line] = []
    grade_lines: list[Line] = []
    if wanted & {EvaluationLevel.CLASS, EvaluationLevel.GRADE}:
        class_lines, grade_lines = _classes_and_grades(term, class_parts, grade_parts)
    class_table = Table(EvaluationLevel.CLASS, class_parts, class_lines)
    grade_table = Table(EvaluationLevel.GRADE, grade_parts, grade_lines)

    teacher_parts = _parts(EvaluationLevel.TEACHER, weights)
    teacher_lines: list[Line] = []
    if EvaluationLevel.TEACHER in wanted:
        teacher_answers = _answers(teacher_parts, term)
        known = {pk for answer in teacher_answers.values() for pk in answer}
        teacher_lines = rank(
            compose(
                teacher_parts,
                teacher_answers,
                [Line(s.pk, s.name, s) for s in teachers_of(term, known)],
            )
        )
    teacher_table = Table(EvaluationLevel.TEACHER, teacher_parts, teacher_lines)
    return TermEvaluation(term, class_table, teacher_table, grade_table)


def _classes_and_grades(
    term: Term, class_parts: list[Part], grade_parts: list[Part]
) -> tuple[list[Line], list[Line]]:
    """The ranked classes (within their grade) and grades of the term's year."""
    classes = list(
        SchoolClass.objects.filter(academic_year=term.academic_year_id)
        .select_related("grade")
        .order_by("grade__level", "number")
    )
    class_lines = compose(
        class_parts,
        _answers(class_parts, term),
        [
            Line(c.pk, str(c), c, group=GradeRef(c.grade_id, c.grade.level, c.grade.name))
            for c in classes
        ],
    )
    grade_answers = _answers(grade_parts, term)
    by_grade: dict[int, list[Decimal]] = {}
    grades: dict[int, Grade] = {}
    for line in class_lines:
        by_grade.setdefault(line.obj.grade_id, []).append(line.total)
        grades[line.obj.grade_id] = line.obj.grade
    grade_answers[CLASSES_PART.key] = {
        grade_id: sum(totals, Decimal(0)) / len(totals) for grade_id, totals in by_grade.items()
    }
    grade_lines = compose(
        grade_parts,
        grade_answers,
        [Line(g.pk, g.name, g) for g in sorted(grades.values(), key=lambda g: g.level)],
    )
    return rank(class_lines), rank(grade_lines)


def teacher_card(term: Term, staff: Staff) -> tuple[Line | None, Table]:
    """One teacher's line of the evaluation (with their rank among all teachers)."""
    evaluation = build(term, levels=[EvaluationLevel.TEACHER])
    return evaluation.teachers.line(staff.pk), evaluation.teachers


# The evaluation as built, kept (``EvaluationSnapshot``) and read back by the pages.


def _table_data(table: Table) -> dict[str, Any]:
    return {
        "parts": [
            {"key": p.key, "weight": str(p.weight), "in_play": p.in_play, "share": str(p.share)}
            for p in table.parts
        ],
        "lines": [
            {
                "pk": line.pk,
                "name": line.name,
                "total": str(line.total),
                "rank": line.rank,
                "grade": [line.group.pk, line.group.level, line.group.name] if line.group else None,
                "figures": [
                    None if cell.figure is None else str(cell.figure) for cell in line.cells
                ],
                "points": [str(cell.points) for cell in line.cells],
            }
            for line in table.lines
        ],
    }


def _table_from(level: str, data: dict[str, Any]) -> Table:
    known = {c.key: c for c in contributions(level)}
    parts = []
    for row in data.get("parts", []):
        contribution = known.get(row["key"]) or TermContribution(
            key=row["key"], level=level, label=row["key"], compute=lambda term: {}
        )
        parts.append(
            Part(contribution, Decimal(row["weight"]), row["in_play"], Decimal(row["share"]))
        )
    lines = []
    for row in data.get("lines", []):
        figures, points = row["figures"], row["points"]
        cells = [
            Cell(part, None if figures[i] is None else Decimal(figures[i]), Decimal(points[i]))
            for i, part in enumerate(parts)
        ]
        grade = GradeRef(*row["grade"]) if row.get("grade") else None
        lines.append(
            Line(
                pk=row["pk"],
                name=row["name"],
                obj=None,
                cells=cells,
                total=Decimal(row["total"]),
                rank=row["rank"],
                group=grade,
            )
        )
    return Table(level, parts, lines)


def keep(evaluation: TermEvaluation, user: Any = None) -> EvaluationSnapshot:
    """Keep the evaluation as built (a new row: the earlier builds stay)."""
    data = {level: _table_data(evaluation.table(level)) for level in EvaluationLevel.values}
    return EvaluationSnapshot.objects.create(term=evaluation.term, built_by=user, data=data)


def build_and_keep(term: Term, user: Any = None) -> EvaluationSnapshot:
    return keep(build(term), user)


def latest(term: Term) -> EvaluationSnapshot | None:
    """The term's latest kept evaluation (one query)."""
    return (
        EvaluationSnapshot.objects.filter(term=term)
        .select_related("built_by__staff")
        .order_by("-built_at", "-pk")
        .first()
    )


def read(snapshot: EvaluationSnapshot) -> TermEvaluation:
    """A kept evaluation as tables (no query)."""
    return TermEvaluation(
        snapshot.term,
        *(_table_from(level, snapshot.data.get(level, {})) for level in EvaluationLevel.values),
    )


def weights_changed(snapshot: EvaluationSnapshot) -> bool:
    """Have the weights or the parts changed since the evaluation was built (one query)?"""
    current = saved_weights()
    for level in EvaluationLevel.values:
        kept = snapshot.data.get(level, {}).get("parts", [])
        if {row["key"] for row in kept} != {c.key for c in contributions(level)}:
            return True  # a part was registered or taken away since
        for row in kept:
            default = next(
                (c.default_weight for c in contributions(level) if c.key == row["key"]), None
            )
            if Decimal(row["weight"]) != current.get((level, row["key"]), default):
                return True
    return False
