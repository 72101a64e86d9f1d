import datetime as dt

import pytest

from schoolops.calendar import default_terms
from schoolops.models import HolidayWeek

pytestmark = pytest.mark.django_db


def test_default_calendar_2026():
    (autumn_start, autumn_end), (spring_start, spring_end) = default_terms(2026)
    assert autumn_start == dt.date(2026, 9, 1)
    # Mondays of January 2027: 4, 11, 18 -> third week ends Sunday 24th.
    assert autumn_end == dt.date(2027, 1, 24)
    # Mondays of February 2027: 1, 8, 15, 22 -> fourth week starts on the 22nd.
    assert spring_start == dt.date(2027, 2, 22)
    # Mondays of July 2027: 5, 12 -> second week ends Sunday 18th.
    assert spring_end == dt.date(2027, 7, 18)


def test_week_numbers_skip_holiday_weeks(school):
    term = school.term
    assert term.week_number(dt.date(2026, 9, 1)) == 1  # a Tuesday
    assert term.week_number(dt.date(2026, 9, 7)) == 2
    assert term.week_number(dt.date(2026, 10, 5)) == 6
    HolidayWeek.objects.create(term=term, monday=dt.date(2026, 10, 1), note="国庆")
    term.refresh_from_db()
    term.__dict__.pop("holiday_mondays", None)
    assert term.week_number(dt.date(2026, 10, 1)) is None
    assert term.week_number(dt.date(2026, 10, 8)) == 5
    assert term.week_number(dt.date(2026, 8, 31)) is None
    weeks = term.teaching_weeks()
    assert [w.number for w in weeks] == list(range(1, len(weeks) + 1))
    assert len(weeks) == len(term.calendar_weeks()) - 1
