"""The read log (``ReadLog``) as the principal's office filters it: the page's filters and its
export kind ``read_log`` (``export_sheet read_log FILE [--person 王老师] [--since 2026-11-01]``).
"""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Iterator, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy

from schoolops.models import Post, ReadLog
from schoolops.params import parse_date, text, to_pk
from schoolops.records import reader_name
from schoolops.sheets.base import Column, ExportSheet

# A download of the log holds at most this many rows, newest first (narrow the filters).
LOG_EXPORT_ROWS = 100_000
FILTERS = ("person", "student", "student_id", "since", "until", "what")


def log_filters(params: Mapping[str, Any]) -> dict[str, str]:
    """The filters of the page's query string, bounded; a malformed one is no filter."""
    return {
        "person": text(params.get("person"), max_length=50),
        "student": text(params.get("student"), max_length=50),
        "student_id": str(to_pk(params.get("student_id")) or ""),
        "since": str(parse_date(params.get("since")) or ""),
        "until": str(parse_date(params.get("until")) or ""),
        "what": text(params.get("what"), max_length=80),
    }


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def filtered_log(filters: Mapping[str, str]) -> QuerySet[ReadLog]:
    """The log's entries that match ``log_filters``, newest first."""
    entries = ReadLog.objects.select_related("user__staff", "student__school_class__grade")
    if person := filters.get("person"):
        entries = entries.filter(Q(user__username=person) | Q(user__staff__name__contains=person))
    if student_id := filters.get("student_id"):
        entries = entries.filter(student_id=int(student_id))
    if student := filters.get("student"):
        entries = entries.filter(
            Q(student__student_no=student) | Q(student__name__contains=student)
        )
    if since := filters.get("since"):
        entries = entries.filter(at__gte=_day_start(dt.date.fromisoformat(since)))
    if until := filters.get("until"):
        next_day = dt.date.fromisoformat(until) + dt.timedelta(days=1)
        entries = entries.filter(at__lt=_day_start(next_day))
    if what := filters.get("what"):
        entries = entries.filter(what__startswith=what)
    return entries.order_by("-at", "-pk")


class ReadLogSheet(ExportSheet):
    """Who read which student's sensitive data, when, where: the principal's office's."""

    kind = "read_log"
    title = gettext_lazy("Read log")
    filename = gettext_lazy("Read log.xlsx")
    columns = [
        Column("at", "时间", width=18),
        Column("who", "人员", width=12),
        Column("student_no", "学籍号", text_format=True, width=14),
        Column("student", "学生", width=10),
        Column("class", "班级", width=14),
        Column("what", "页面或导出", width=28),
        Column("parts", "查阅内容", width=30),
        Column("path", "地址", width=36),
    ]

    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--person", help="A login (工号) or part of a name.")
        parser.add_argument("--student", help="A 学籍号 or part of a student's name.")
        parser.add_argument("--since", help="From this day, e.g. 2026-11-01.")
        parser.add_argument("--until", help="Until this day, included.")
        parser.add_argument("--what", help="A page or an export whose name starts so.")

    def resolve(self, **options: Any) -> dict[str, Any]:
        return log_filters({key: options.get(key) for key in FILTERS})

    def authorize(self, **options: Any) -> None:
        if not self.scope.has_post(*Post.school_wide()):
            raise PermissionDenied

    def count(self, **filters: Any) -> int:
        return min(filtered_log(filters).count(), LOG_EXPORT_ROWS)

    def rows(self, **filters: Any) -> Iterator[list[Any]]:
        for entry in filtered_log(filters)[:LOG_EXPORT_ROWS].iterator(chunk_size=2000):
            yield [
                entry.at,
                reader_name(entry),
                entry.student.student_no,
                entry.student.name,
                str(entry.student.school_class),
                entry.what,
                "、".join(entry.category_labels()),
                entry.path,
            ]
