"""Read a chart and its table back from a page (for the apps' chart tests)."""

from __future__ import annotations

import html as html_lib
import re


def chart_html(page: str, chart_id: str) -> str:
    """The <figure> of the chart ``chart_id`` on the page (fails when it is not there)."""
    match = re.search(
        rf'<figure class="chart[^"]*" id="{re.escape(chart_id)}">(.*?)</figure>', page, re.S
    )
    assert match, f"no chart {chart_id!r} on the page"
    return match.group(1)


def table_figures(page: str, chart_id: str) -> dict[str, list[str]]:
    """The chart's table: each row's heading → its figures; the key "" holds the columns."""
    figure = chart_html(page, chart_id)
    assert 'role="img"' in figure and "<title " in figure and "<caption>" in figure
    assert "style=" not in figure and "<script" not in figure
    table = figure[figure.index("<table") :]
    head = re.search(r"<thead>(.*?)</thead>", table, re.S).group(1)  # type: ignore[union-attr]
    columns = [html_lib.unescape(c) for c in re.findall(r'<th scope="col"[^>]*>(.*?)</th>', head)]
    rows = {"": columns}
    for name, cells in re.findall(
        r'<tr><th scope="row">(.*?)</th>(.*?)</tr>', table[table.index("<tbody>") :], re.S
    ):
        rows[html_lib.unescape(name)] = re.findall(r"<td[^>]*>(.*?)</td>", cells)
    return rows


def bar_values(page: str, chart_id: str) -> list[str]:
    """The figures written on the chart's bars, left to right."""
    figure = chart_html(page, chart_id)
    return re.findall(
        r'<text x="[^"]+" y="[^"]+" text-anchor="middle" font-size="9"[^>]*>(.*?)</text>', figure
    )
