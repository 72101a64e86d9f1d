"""Charts drawn on the server as plain SVG: the geometry here, the drawing in templates.

Why plain SVG and not a library: the site's Content-Security-Policy allows scripts and
styles from our own origin only (``script-src 'self'``, ``style-src 'self'``, no
``'unsafe-inline'``). pygal, the well-kept candidate, writes a ``<style>`` element and
``style=`` attributes into every SVG and, unless ``js=[]``, a ``<script>`` from a CDN: inline
in the page the browser drops them (the chart loses its colours), and served as an ``<img>``
the chart's text is out of reach of gettext's page and of screen readers. The charts SchoolOps
needs are four shapes (bars, grouped bars, stacked bars, lines), so a hundred lines of
arithmetic here and one template (``templates/schoolops/charts/chart.html``, presentation
attributes only, no CSS, no script) are smaller, faster (no dependency, no XML tree built per
request) and CSP-clean.

Print: every series has a pattern (solid, hatched, dotted…) or a dash and a marker shape as
well as a colour, bars carry their value and lines their name, so a chart reads in black and
white. Every chart comes with its numbers as a table (``Chart.table``) for screen readers and
for anyone who wants the figures.

Selectors compute the numbers; a view calls ``bar_chart``/``line_chart`` and hands the
``Chart`` to ``{% include "schoolops/charts/chart.html" with chart=... %}``.

The principal's home charts add up a whole school's month (tens of thousands of score entries
and talks on a large school): ``grades_against_last`` keeps those figures for
``WHOLE_SCHOOL_SECONDS`` in Django's cache, so that the home page costs the same whatever the
size of the school, and its charts are at most that old.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import cast

from django.core.cache import cache
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, pgettext

from django_stubs_ext import StrOrPromise

from schoolops.models import Post
from schoolops.scopes import Scope

Number = int | float | Decimal
WHOLE_SCHOOL_SECONDS = 300  # how old a home chart of the whole school's month may be

# A colour for the screen and a pattern or dash for paper, per series (cycled).
COLOURS = ["#1f4e79", "#a04000", "#2e6b30", "#5b2c83", "#6b5a00", "#4a4a4a"]
PATTERNS = ["solid", "hatch", "dots", "cross", "lines", "light"]
DASHES = ["", "6 3", "2 3", "8 3 2 3", "4 2 1 2", "1 2"]
MARKERS = ["circle", "square", "triangle", "diamond", "circle", "square"]


@dataclass(frozen=True)
class Scale:
    """A value axis: ``low`` to ``high`` (zero always inside) in ``step``s, mapped onto
    ``top``…``bottom`` pixels (SVG's y grows downwards)."""

    low: float
    high: float
    step: float
    top: float
    bottom: float

    def y(self, value: Number) -> float:
        span = self.high - self.low
        return round(self.bottom - (float(value) - self.low) / span * (self.bottom - self.top), 1)

    @property
    def ticks(self) -> list[float]:
        count = round((self.high - self.low) / self.step)
        return [self.low + i * self.step for i in range(count + 1)]


def nice_step(span: float, ticks: int = 4) -> float:
    """A round step (1, 2, 2.5 or 5 × 10ⁿ) giving about ``ticks`` intervals over ``span``."""
    if span <= 0:
        return 1.0
    raw = span / ticks
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * power:
            return factor * power
    return 10 * power  # pragma: no cover (the loop ends at 10)


def scale(values: Sequence[Number], top: float, bottom: float, ticks: int = 4) -> Scale:
    """The axis for ``values``: zero included, rounded outwards to whole steps. Empty or all
    zero gives 0…1 (an axis, no bars); whole numbers get whole steps."""
    floats = [float(v) for v in values]
    low = min([0.0, *floats])
    high = max([0.0, *floats])
    if low == high:
        high = 1.0
    step = nice_step(high - low, ticks)
    if all(float(v).is_integer() for v in floats):
        step = max(1.0, math.ceil(step))
    low = math.floor(low / step) * step
    high = math.ceil(high / step) * step
    return Scale(low=low, high=high, step=step, top=top, bottom=bottom)


def label(value: Number | None) -> str:
    """A figure as the chart writes it: whole numbers without decimals, others to one place."""
    if value is None:
        return "—"
    number = float(value)
    if number.is_integer():
        return str(int(number))
    return f"{number:.1f}"


@dataclass
class Series:
    name: StrOrPromise
    values: list[Number | None]


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    series: int
    value: str
    label_y: float  # where the value is written (above a bar, below a negative one)
    show_value: bool = True

    @property
    def label_x(self) -> float:
        return round(self.x + self.width / 2, 1)


@dataclass
class Line:
    series: int
    points: str  # "x,y x,y …" for a polyline
    markers: str  # one path of the series' marker shape at each point
    name: StrOrPromise
    name_x: float
    name_y: float


@dataclass
class Chart:
    """Everything the template draws, in pixels of the viewBox, and the table of numbers."""

    id: str
    title: StrOrPromise
    kind: str  # "bars" or "lines"
    width: int
    height: int
    labels: list[str]
    series: list[Series]
    left: float
    right: float
    top: float
    bottom: float
    zero: float
    ticks: list[tuple[float, str]] = field(default_factory=list)
    x_labels: list[tuple[float, str]] = field(default_factory=list)
    bars: list[Bar] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    stacked: bool = False
    description: StrOrPromise = ""
    unit: StrOrPromise = ""
    axis: StrOrPromise = ""  # what the labels are (the table's corner: "Teaching week")

    @property
    def tick_x(self) -> float:
        return self.left - 4

    @property
    def x_label_y(self) -> float:
        return self.bottom + 14

    @property
    def middle(self) -> float:
        return (self.left + self.right) / 2

    @property
    def empty(self) -> bool:
        return not self.labels or all(v is None for s in self.series for v in s.values)

    @property
    def legend(self) -> list[tuple[int, StrOrPromise, str, str, str]]:
        """(index, name, colour, dash, marker path at the swatch's middle) of each series."""
        return [
            (i, s.name, colour(i), DASHES[i % len(DASHES)], marker_path(i, [(11, 6)]))
            for i, s in enumerate(self.series)
        ]

    @property
    def table(self) -> list[tuple[StrOrPromise, list[str]]]:
        """Each series' name and its figures, one per label (a stacked chart adds the total)."""
        rows: list[tuple[StrOrPromise, list[str]]] = [
            (s.name, [label(v) for v in s.values]) for s in self.series
        ]
        return rows

    @property
    def totals(self) -> list[str]:
        return [
            label(sum((float(s.values[i] or 0) for s in self.series), 0.0))
            for i in range(len(self.labels))
        ]

    @property
    def patterns(self) -> list[tuple[int, str, str]]:
        """(index, colour, pattern) of each series, for the template's <defs>."""
        return [(i, colour(i), PATTERNS[i % len(PATTERNS)]) for i in range(len(self.series))]

    @property
    def drawing(self) -> SafeString:
        """The axes, bars and lines as SVG markup (built here: a template loop per bar costs
        a page of charts tens of milliseconds). Every text is escaped."""
        out = []
        for y, text in self.ticks:
            out.append(
                f'<line x1="{self.left:g}" x2="{self.right:g}" y1="{y:g}" y2="{y:g}" '
                f'stroke="#c8c8c8" stroke-width="0.6"/><text x="{self.tick_x:g}" y="{y:g}" '
                f'dy="3" text-anchor="end" fill="#333">{escape(text)}</text>'
            )
        out.append(
            f'<line x1="{self.left:g}" x2="{self.right:g}" y1="{self.zero:g}" '
            f'y2="{self.zero:g}" stroke="#000" stroke-width="1"/>'
        )
        for x, text in self.x_labels:
            out.append(
                f'<text x="{x:g}" y="{self.x_label_y:g}" text-anchor="middle" '
                f'fill="#333">{escape(text)}</text>'
            )
        if self.empty:
            # Out of the f-string: xgettext does not read a call inside one.
            none_yet = gettext("No figures yet.")
            out.append(
                f'<text x="{self.middle:g}" y="{self.zero:g}" dy="-8" text-anchor="middle" '
                f'fill="#444">{escape(none_yet)}</text>'
            )
        halo = ' stroke="#fff" stroke-width="2.5" paint-order="stroke"' if self.stacked else ""
        for bar in self.bars:
            out.append(
                f'<rect class="chart-bar" x="{bar.x:g}" y="{bar.y:g}" width="{bar.width:g}" '
                f'height="{bar.height:g}" fill="url(#{escape(self.id)}-p{bar.series})" '
                f'stroke="#222" stroke-width="0.7"/>'
            )
            if bar.show_value:
                out.append(
                    f'<text x="{bar.label_x:g}" y="{bar.label_y:g}" text-anchor="middle" '
                    f'font-size="9" fill="#000"{halo}>{escape(bar.value)}</text>'
                )
        for line, stroke, dash in self.drawn_lines:
            dashes = f' stroke-dasharray="{dash}"' if dash else ""
            out.append(
                f'<polyline class="chart-line" points="{line.points}" fill="none" '
                f'stroke="{stroke}" stroke-width="2"{dashes}/>'
                f'<path d="{line.markers}" fill="{stroke}"/>'
                f'<text x="{line.name_x:g}" y="{line.name_y:g}" fill="#000">'
                f"{escape(line.name)}</text>"
            )
        return mark_safe("".join(out))  # numbers, and every text escaped above

    @property
    def table_rows(self) -> SafeString:
        """The table's body rows (each series, and a stacked chart's totals)."""
        rows = [
            f'<tr><th scope="row">{escape(name)}</th>'
            + "".join(f'<td class="text-end">{escape(figure)}</td>' for figure in figures)
            + "</tr>"
            for name, figures in self.table
        ]
        if self.stacked and len(self.series) > 1:
            total = gettext("Total")  # out of the f-string, for xgettext
            rows.append(
                f'<tr><th scope="row">{escape(total)}</th>'
                + "".join(
                    f'<td class="text-end fw-semibold">{escape(figure)}</td>'
                    for figure in self.totals
                )
                + "</tr>"
            )
        return mark_safe("\n".join(rows))  # every text escaped above

    @property
    def drawn_lines(self) -> list[tuple[Line, str, str]]:
        """Each line with its colour and dash."""
        return [
            (line, colour(line.series), DASHES[line.series % len(DASHES)]) for line in self.lines
        ]


def colour(series: int) -> str:
    return COLOURS[series % len(COLOURS)]


def marker_path(series: int, points: Sequence[tuple[float, float]]) -> str:
    """The series' marker (circle, square, triangle, diamond) at each point, as one path."""
    shape = MARKERS[series % len(MARKERS)]
    parts = []
    for x, y in points:
        if shape == "square":
            parts.append(f"M{x - 3:g},{y - 3:g}h6v6h-6z")
        elif shape == "triangle":
            parts.append(f"M{x:g},{y - 4:g}l4,7h-8z")
        elif shape == "diamond":
            parts.append(f"M{x:g},{y - 4:g}l4,4l-4,4l-4,-4z")
        else:
            parts.append(f"M{x - 3:g},{y:g}a3,3 0 1,0 6,0a3,3 0 1,0 -6,0")
    return "".join(parts)


def _frame(
    chart_id: str,
    title: StrOrPromise,
    kind: str,
    labels: Sequence[object],
    series: Sequence[Series],
    width: int,
    height: int,
    values: list[Number],
    right_margin: float,
) -> tuple[Chart, Scale]:
    left, top, bottom = 34.0, 12.0, height - 22.0
    axis = scale(values, top, bottom)
    chart = Chart(
        id=chart_id,
        title=title,
        kind=kind,
        width=width,
        height=height,
        labels=[str(x) for x in labels],
        series=list(series),
        left=left,
        right=width - right_margin,
        top=top,
        bottom=bottom,
        zero=axis.y(0),
    )
    chart.ticks = [(axis.y(t), label(round(t, 4))) for t in axis.ticks]
    return chart, axis


def _x_labels(chart: Chart, centres: list[float]) -> None:
    """Every label if they fit (about 24 px each), else every n-th and the last."""
    if not centres:
        return
    room = (chart.right - chart.left) / len(centres)
    every = max(1, math.ceil(24 / room)) if room > 0 else 1
    chart.x_labels = [
        (x, text)
        for i, (x, text) in enumerate(zip(centres, chart.labels, strict=True))
        if i % every == 0 or i == len(centres) - 1
    ]


def bar_chart(
    chart_id: str,
    title: StrOrPromise,
    labels: Sequence[object],
    series: Sequence[Series],
    *,
    stacked: bool = False,
    width: int = 600,
    height: int = 220,
    values: bool = True,
    axis: StrOrPromise = "",
) -> Chart:
    """Bars per label: one series, several side by side, or ``stacked`` (parts of a whole;
    negative parts stack downwards from zero). ``values`` writes each bar's figure."""
    n = len(labels)
    if stacked:
        sums: list[Number] = []
        for i in range(n):
            up = sum(float(s.values[i] or 0) for s in series if float(s.values[i] or 0) > 0)
            down = sum(float(s.values[i] or 0) for s in series if float(s.values[i] or 0) < 0)
            sums += [up, down]
        all_values: list[Number] = sums
    else:
        all_values = [v for s in series for v in s.values if v is not None]
    chart, value_axis = _frame(
        chart_id, title, "bars", labels, series, width, height, all_values, 6
    )
    chart.stacked = stacked
    chart.axis = axis
    slot = (chart.right - chart.left) / n if n else 0
    per_slot = 1 if stacked else max(1, len(series))
    bar_width = slot * 0.7 / per_slot
    show = values and bar_width >= 9
    centres = []
    for i in range(n):
        start = chart.left + slot * i + slot * 0.15
        centres.append(round(chart.left + slot * (i + 0.5), 1))
        up = down = 0.0
        for j, s in enumerate(series):
            value = s.values[i]
            if value is None:
                continue
            number = float(value)
            if stacked:
                base = up if number >= 0 else down
                a, b = value_axis.y(base), value_axis.y(base + number)
                if number >= 0:
                    up += number
                else:
                    down += number
                x = start
            else:
                a, b = value_axis.y(0), value_axis.y(number)
                x = start + j * bar_width
            y, h = min(a, b), abs(a - b)
            chart.bars.append(
                Bar(
                    x=round(x, 1),
                    y=y,
                    width=round(bar_width, 1),
                    height=round(h, 1),
                    series=j,
                    value=label(value),
                    # In a stack the figure sits inside its part when the part is tall enough.
                    label_y=round(y + h / 2 + 3, 1)
                    if stacked
                    else (round(y - 3, 1) if number >= 0 else round(y + h + 10, 1)),
                    show_value=show and (not stacked or h >= 11) and (number != 0 or not stacked),
                )
            )
    _x_labels(chart, centres)
    return chart


def line_chart(
    chart_id: str,
    title: StrOrPromise,
    labels: Sequence[object],
    series: Sequence[Series],
    *,
    width: int = 600,
    height: int = 220,
    axis: StrOrPromise = "",
) -> Chart:
    """A line per series over the labels, named at its last point (direct labels, so the
    lines read without colour); a missing value (None) breaks no line, it is skipped."""
    n = len(labels)
    all_values: list[Number] = [v for s in series for v in s.values if v is not None]
    names = [len(str(s.name)) for s in series] or [0]
    margin = min(160.0, 10 + 11 * max(names))
    chart, value_axis = _frame(
        chart_id, title, "lines", labels, series, width, height, all_values, margin
    )
    chart.axis = axis
    step = (chart.right - chart.left - 12) / (n - 1) if n > 1 else 0
    xs = [
        round(chart.left + 6 + step * i, 1) if n > 1 else (chart.left + chart.right) / 2
        for i in range(n)
    ]
    ends: list[list] = []
    for j, s in enumerate(series):
        points = [(xs[i], value_axis.y(v)) for i, v in enumerate(s.values) if v is not None]
        if not points:
            continue
        ends.append([points[-1][1], j])
        chart.lines.append(
            Line(
                series=j,
                points=" ".join(f"{x},{y}" for x, y in points),
                markers=marker_path(j, points),
                name=s.name,
                name_x=round(chart.right + 4, 1),
                name_y=points[-1][1],
            )
        )
    # Names at the lines' ends, pushed apart so that none overlaps another.
    ends.sort()
    for k in range(1, len(ends)):
        ends[k][0] = max(ends[k][0], ends[k - 1][0] + 11)
    by_series = {j: y for y, j in ends}
    for line in chart.lines:
        line.name_y = round(by_series[line.series] + 3, 1)
    _x_labels(chart, xs)
    return chart


def for_the_principal(scope: Scope) -> bool:
    """Whose home shows the programmes' charts: the principal and the vice principals."""
    return scope.has_post(Post.PRINCIPAL, Post.VICE_PRINCIPAL)


def previous_month(month: dt.date) -> dt.date:
    return (month.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def month_against_last(
    chart_id: str,
    title: StrOrPromise,
    month: dt.date,
    labels: Sequence[object],
    figures: Mapping[tuple[object, dt.date], Number],
    axis: StrOrPromise = "",
) -> Chart:
    """A small chart of this month against last: per label, last month's bar (hatched) beside
    this month's (solid). ``figures`` maps (label, first day of a month) to a figure."""
    this = month.replace(day=1)
    last = previous_month(this)
    return bar_chart(
        chart_id,
        title,
        labels,
        [
            Series(f"{last:%Y-%m}", [figures.get((x, last), 0) for x in labels]),
            Series(f"{this:%Y-%m}", [figures.get((x, this), 0) for x in labels]),
        ],
        width=320,
        height=170,
        axis=axis,
    )


# Rows of a whole school's month: (the thing counted, e.g. a group or a pairing; the first day
# of a month; its figure), and each thing's grade as (level, name).
MonthRows = Iterable[tuple[int, dt.date, int]]
GradeOf = dict[int, tuple[int, str]]
PerGrade = tuple[list[str], dict[tuple[object, dt.date], int]]


def grades_against_last(
    chart_id: str,
    title: StrOrPromise,
    month: dt.date,
    figures_of: Callable[[dt.date, dt.date], tuple[MonthRows, GradeOf]],
) -> Chart:
    """The principal's chart of a programme per grade, this month against last.

    ``figures_of(last month, this month)`` reads the rows and the grades (its queries run once
    per ``WHOLE_SCHOOL_SECONDS``: the sums per grade are kept in the cache, by chart and month).
    Things of no grade (a group whose class is gone) do not count; grades come in order."""
    this = month.replace(day=1)
    last = previous_month(this)

    def per_grade() -> PerGrade:
        rows, grade_of = figures_of(last, this)
        figures: dict[tuple[object, dt.date], int] = {}
        levels: dict[str, int] = {}
        for thing, day, figure in rows:
            level, grade = grade_of.get(thing, (0, ""))
            if grade:
                levels[grade] = level
                figures[(grade, day)] = figures.get((grade, day), 0) + figure
        return sorted(levels, key=lambda name: levels[name]), figures

    key = f"schoolops:chart:{chart_id}:{this}"
    grades, figures = cast(PerGrade, cache.get_or_set(key, per_grade, WHOLE_SCHOOL_SECONDS))
    return month_against_last(
        chart_id, title, this, grades, figures, axis=pgettext("school", "Grade")
    )
