"""Bounded parsers for what a request carries: ids, months, dates, page numbers, grade tabs.

Every value a page reads from its query string, its URL or a posted id goes through one of
these, so that no input reaches Python's ``int``/``date`` or the database unbounded: a huge
number overflows ``date`` or SQLite's INTEGER, ``"²".isdigit()`` is True but ``int("²")``
fails, and ``date(9999, 12, 1)`` has no next month. Each parser answers a value or ``None``
(the page then falls back as it always did); the ``..._or_404`` forms answer ``Http404``.

    pk = pk_or_404(request.GET.get("term"))  # 1 .. 2**31-1, ASCII digits only
    month = parse_month(request.GET.get("month"), today)  # "2026-11", years 1900..2100
    grade = pick_or_404(grades, request.GET.get("grade"))  # the grade tab asked for
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Sequence
from typing import Any, TypeVar

from django.db.models import Model
from django.http import Http404, HttpRequest

# Primary keys fit a 32-bit signed column; nothing this school stores comes near.
MAX_PK = 2**31 - 1
# Months and dates a school's pages deal with; outside them ``date`` arithmetic overflows.
MIN_YEAR = 1900
MAX_YEAR = 2100
# Deep enough for any list the app pages (a Paginator shows its last page beyond it).
MAX_PAGE = 100_000

_DIGITS = re.compile(r"[0-9]{1,10}")
_MONTH = re.compile(r"([0-9]{4})-([0-9]{1,2})(?:-[0-9]{1,2})?")
_DATE = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})")

T = TypeVar("T", bound=Model)


def to_pk(value: Any) -> int | None:
    """A primary key (1 .. 2**31-1, ASCII decimal digits only) from text or an int, or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and _DIGITS.fullmatch(value):
        number = int(value)
    else:
        return None
    return number if 1 <= number <= MAX_PK else None


def pk_or_404(value: Any) -> int:
    pk = to_pk(value)
    if pk is None:
        raise Http404
    return pk


def month_of(year: int, month: int) -> dt.date | None:
    """The first day of ``year``-``month`` within MIN_YEAR..MAX_YEAR, or None."""
    if MIN_YEAR <= year <= MAX_YEAR and 1 <= month <= 12:
        return dt.date(year, month, 1)
    return None


def month_of_or_404(year: int, month: int) -> dt.date:
    first = month_of(year, month)
    if first is None:
        raise Http404
    return first


def parse_month(value: Any, default: dt.date | None = None) -> dt.date | None:
    """'2026-11' (or '2026-11-05', its month) → 2026-11-01; anything else → ``default``'s
    month (None without a default)."""
    match = _MONTH.fullmatch(value) if isinstance(value, str) else None
    first = month_of(int(match[1]), int(match[2])) if match else None
    if first is not None:
        return first
    return default.replace(day=1) if default is not None else None


def month_or_404(value: Any) -> dt.date:
    first = parse_month(value)
    if first is None:
        raise Http404
    return first


def parse_date(value: Any) -> dt.date | None:
    """'2026-11-23' within MIN_YEAR..MAX_YEAR, or None."""
    match = _DATE.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        return None
    year, month, day = (int(part) for part in match.groups())
    if not (MIN_YEAR <= year <= MAX_YEAR and 1 <= month <= 12):
        return None
    if not 1 <= day <= calendar.monthrange(year, month)[1]:
        return None
    return dt.date(year, month, day)


def date_or_404(value: Any) -> dt.date:
    day = parse_date(value)
    if day is None:
        raise Http404
    return day


def number(value: Any, low: int, high: int) -> int | None:
    """A small whole number (ASCII digits) within ``low..high``, or None: a week, a rank."""
    if not isinstance(value, str) or not _DIGITS.fullmatch(value):
        return None
    result = int(value)
    return result if low <= result <= high else None


def page_number(request: HttpRequest, name: str = "page") -> int:
    """The page of a list asked for with ``?page=`` (for ``Paginator.get_page``), else 1."""
    return number(request.GET.get(name), 1, MAX_PAGE) or 1


def pick(items: Sequence[T], value: Any) -> T | None:
    """The item of ``items`` (grades, terms, classes already loaded) whose pk ``value`` names."""
    pk = to_pk(value)
    if pk is None:
        return None
    return next((item for item in items if item.pk == pk), None)


def pick_or_404(items: Sequence[T], value: Any) -> T:
    item = pick(items, value)
    if item is None:
        raise Http404
    return item


def text(value: Any, max_length: int = 100) -> str:
    """Free text (a search): stripped, cut to ``max_length``, without NUL characters (which
    PostgreSQL refuses in any query)."""
    if not isinstance(value, str):
        return ""
    return value.replace("\x00", "").strip()[:max_length]
