"""Calendar arithmetic shared by the school structure and the apps."""

import calendar
import datetime as dt


def monday_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def default_terms(start_year: int) -> tuple[tuple[dt.date, dt.date], tuple[dt.date, dt.date]]:
    """The default calendar of a school year, which the academic office then adjusts.

    Autumn term: 1 September to the Sunday of the third week of January.
    Spring term: the Monday of the fourth week of February to the Sunday of the second week
    of July. "The n-th week of a month" is the n-th week whose Monday falls in that month.
    """
    autumn_start = dt.date(start_year, 9, 1)
    autumn_end = _nth_monday(start_year + 1, 1, 3) + dt.timedelta(days=6)
    spring_start = _nth_monday(start_year + 1, 2, 4)
    spring_end = _nth_monday(start_year + 1, 7, 2) + dt.timedelta(days=6)
    return (autumn_start, autumn_end), (spring_start, spring_end)


def _nth_monday(year: int, month: int, n: int) -> dt.date:
    first = dt.date(year, month, 1)
    first_monday = first + dt.timedelta(days=(7 - first.weekday()) % 7)
    return first_monday + dt.timedelta(weeks=n - 1)


def month_bounds(month: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last day of ``month``'s month (December 9999 too: no date past it)."""
    first = month.replace(day=1)
    return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])
