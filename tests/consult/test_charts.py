"""The consultation scores' chart: each class's score month by month, stacked in its five
parts, with its table; the monthly figures are the month's scores; scope and query counts."""

import datetime as dt

from django.urls import reverse

import pytest

from consult.models import ConsultSettings, Level
from consult.selectors import class_scores, monthly_scores, score_inputs
from tests.schoolops.chart_figures import table_figures

from .helpers import meeting
from .test_scoring import TODAY, build

pytestmark = pytest.mark.django_db


def test_monthly_scores_are_each_months_scores(school):
    build(school)
    meeting(school, dt.date(2026, 10, 13), students=[school.student_a])
    classes = [school.class_a, school.class_b, school.class_c]
    inputs = score_inputs(school.term, [c.pk for c in classes])
    monthly = monthly_scores(school.term, classes, TODAY, ConsultSettings.get(), inputs)
    assert list(monthly) == school.term.months()
    for month, by_class in monthly.items():
        for row in class_scores(school.term, classes, TODAY, month):
            got = by_class[row.school_class.pk]
            assert got.parts == row.parts, (month, row.school_class)
            assert (got.discussed, got.records_total, got.best_case) == (
                row.discussed,
                row.records_total,
                row.best_case,
            )


def test_scores_page_draws_each_class_month_by_month(school, login, today):
    build(school)
    url = reverse("consult:scores") + f"?grade={school.grade7.pk}"
    page = login(school.principal).get(url).text
    figures = table_figures(page, f"score-chart-{school.class_a.pk}")
    assert figures[""][1:] == ["2026-09", "2026-10", "2026-11", "2026-12", "2027-01"]
    parts = list(figures.values())[1:]
    records, ledger, cases, activities = parts[2], parts[3], parts[4], parts[5]
    total = parts[6]
    assert set(activities) <= {"0", "0.0"}  # theme meetings: weight 0 until the office sets one
    assert records == ["13.3", "0", "0", "0", "0"]  # 20 × 2/3 in September
    assert ledger == ["10", "10", "10", "10", "10"]  # 20 × 2/4, the term's ledger
    assert cases == ["8.6", "0", "0", "0", "0"]  # 10 × 85.5/100
    expected = [
        str(next(r for r in class_scores(school.term, [school.class_a], today, m)).total)
        for m in school.term.months()
    ]
    assert [t if "." in t else f"{t}.0" for t in total] == [
        e if "." in e else f"{e}.0" for e in expected
    ]
    assert f"score-chart-{school.class_b.pk}" in page
    assert f"score-chart-{school.class_c.pk}" not in page  # 八年级 is on its own tab


def test_a_grade_head_sees_their_grade_and_a_teacher_none(school, login, today):
    build(school)
    page = login(school.grade_head).get(reverse("consult:scores")).text
    assert f"score-chart-{school.class_a.pk}" in page
    assert f"score-chart-{school.class_c.pk}" not in page
    url = reverse("consult:scores") + f"?grade={school.grade8.pk}"
    assert login(school.grade_head).get(url).status_code == 404
    assert login(school.homeroom).get(reverse("consult:scores")).status_code == 403


def test_scores_page_with_charts_keeps_its_query_count(
    school, login, today, django_assert_max_num_queries
):
    client = login(school.principal)
    url = reverse("consult:scores") + f"?grade={school.grade7.pk}"
    client.get(url)  # the settings' and the school's rows are written on the first visit
    with django_assert_max_num_queries(20) as small:
        assert client.get(url).status_code == 200
    build(school)
    for day in range(1, 28):
        for school_class in (school.class_a, school.class_b):
            meeting(school, dt.date(2026, 10, day), school_class=school_class, level=Level.CLASS)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200
