"""The chart geometry (schoolops.charts) and its template: scales, empty data, one point,
negative values, all zero, stacks, lines, and the CSP (no style, no script)."""

from decimal import Decimal

from django.template.loader import render_to_string

from schoolops.charts import Series, bar_chart, label, line_chart, nice_step, scale


def test_nice_steps_are_round():
    assert nice_step(10) == 2.5
    assert nice_step(100) == 25
    assert nice_step(7) == 2
    assert nice_step(0) == 1.0
    assert nice_step(0.9) == 0.25


def test_scale_includes_zero_and_rounds_outwards():
    axis = scale([3, 17], top=0, bottom=100)
    assert axis.low == 0
    assert axis.high == 20
    assert axis.ticks == [0, 5, 10, 15, 20]
    assert axis.y(0) == 100
    assert axis.y(20) == 0
    assert axis.y(10) == 50


def test_scale_of_negative_values_puts_zero_inside():
    axis = scale([-6, 4], top=0, bottom=100)
    assert axis.low < 0 < axis.high
    assert axis.low <= -6 and axis.high >= 4
    assert axis.top <= axis.y(0) <= axis.bottom
    assert axis.y(-6) > axis.y(0) > axis.y(4)


def test_scale_of_nothing_or_zeros_is_zero_to_one():
    for values in ([], [0, 0, 0]):
        axis = scale(values, top=0, bottom=100)
        assert (axis.low, axis.high) == (0, 1)
        assert axis.y(0) == 100


def test_whole_numbers_get_whole_steps_and_decimals_keep_theirs():
    assert scale([1, 2], 0, 100).step == 1
    assert scale([Decimal("0.4"), Decimal("1.2")], 0, 100).step == 0.5
    assert scale([Decimal("0.1"), Decimal("0.4")], 0, 100).step == 0.1


def test_labels():
    assert label(3) == "3"
    assert label(3.0) == "3"
    assert label(Decimal("12.50")) == "12.5"
    assert label(None) == "—"
    assert label(-2) == "-2"


def test_bars_heights_follow_the_values():
    chart = bar_chart("c", "Points", ["W1", "W2", "W3"], [Series("Points", [10, 5, 0])])
    assert [b.value for b in chart.bars] == ["10", "5", "0"]
    tall, half, flat = chart.bars
    assert tall.height == round(2 * half.height, 1) or abs(tall.height - 2 * half.height) < 0.2
    assert flat.height == 0
    assert tall.y + tall.height == chart.zero
    assert not chart.empty
    assert chart.table == [("Points", ["10", "5", "0"])]


def test_a_negative_bar_hangs_below_zero():
    chart = bar_chart("c", "Points", ["W1", "W2"], [Series("Points", [4, -3])])
    up, down = chart.bars
    assert up.y + up.height == chart.zero
    assert down.y == chart.zero
    assert down.label_y > down.y + down.height  # its figure under it
    assert up.label_y < up.y


def test_empty_data_and_all_zero_draw_an_axis_and_no_height():
    empty = bar_chart("c", "Points", [], [Series("Points", [])])
    assert empty.empty and empty.bars == []
    zeros = bar_chart("c", "Points", ["a", "b"], [Series("Points", [0, 0])])
    assert all(b.height == 0 for b in zeros.bars)
    assert zeros.zero == zeros.bottom
    nothing = line_chart("c", "Trend", ["a", "b"], [Series("x", [None, None])])
    assert nothing.empty and nothing.lines == []


def test_one_point_sits_in_the_middle():
    chart = line_chart("c", "Trend", ["Sep"], [Series("Class 1", [7])])
    (line,) = chart.lines
    x, y = line.points.split(",")
    assert float(x) == (chart.left + chart.right) / 2
    assert float(y) == scale([7], chart.top, chart.bottom).y(7)
    assert chart.bottom > float(y) >= chart.top
    bar = bar_chart("c", "One", ["Sep"], [Series("Class 1", [7])]).bars[0]
    assert bar.width > 0 and bar.height > 0


def test_side_by_side_bars_do_not_overlap():
    chart = bar_chart(
        "c", "Months", ["Groups", "Talks"], [Series("Last", [4, 2]), Series("This", [6, 1])]
    )
    first, second = chart.bars[0], chart.bars[1]
    assert first.series == 0 and second.series == 1
    assert first.x + first.width <= second.x


def test_stacked_bars_pile_up_to_the_total():
    chart = bar_chart(
        "c",
        "Score",
        ["Sep", "Oct"],
        [Series("A", [10, 5]), Series("B", [20, 0]), Series("C", [Decimal("2.5"), 1])],
        stacked=True,
    )
    sep = [b for b in chart.bars if b.x == chart.bars[0].x]
    assert [b.series for b in sep] == [0, 1, 2]
    assert sep[0].y + sep[0].height == chart.zero
    assert abs(sep[1].y + sep[1].height - sep[0].y) < 0.2  # B starts where A ends
    top = min(b.y for b in sep)
    assert abs(top - scale([32.5, 6], chart.top, chart.bottom).y(32.5)) < 0.2
    assert chart.totals == ["32.5", "6"]


def test_lines_skip_missing_values_and_names_do_not_overlap():
    chart = line_chart(
        "c", "Trend", ["W1", "W2", "W3"], [Series("A", [1, None, 3]), Series("B", [1, 2, 3])]
    )
    a, b = chart.lines
    assert len(a.points.split()) == 2 and len(b.points.split()) == 3
    assert abs(a.name_y - b.name_y) >= 11  # same end point, names pushed apart
    assert a.markers.count("M") == 2


def test_many_labels_are_thinned_and_keep_the_last():
    chart = bar_chart("c", "Weeks", list(range(1, 41)), [Series("P", list(range(40)))], width=300)
    shown = [text for _x, text in chart.x_labels]
    assert len(shown) < 40
    assert shown[0] == "1" and shown[-1] == "40"


def test_the_template_is_csp_clean_and_accessible(settings):
    settings.LANGUAGE_CODE = "en"
    chart = bar_chart(
        "week-points", "Points week by week", ["W1", "W2"], [Series("Points", [3, -1])]
    )
    html = render_to_string("schoolops/charts/chart.html", {"chart": chart})
    assert 'role="img"' in html
    assert '<title id="week-points-title">Points week by week</title>' in html
    assert 'aria-labelledby="week-points-title week-points-desc"' in html
    assert "<script" not in html and "style=" not in html and "<style" not in html
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "<caption>" in html and '<th scope="col" class="text-end">W1</th>' in html
    assert (
        '<th scope="row">Points</th><td class="text-end">3</td><td class="text-end">-1</td>' in html
    )
    assert html.count('class="chart-bar"') == 2
