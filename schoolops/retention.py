"""The retention purge: records are kept no longer than the school's retention setting.

个人信息保护法 (art. 19, 47) asks that personal information be kept no longer than its
purpose needs. ``School.retention_years`` after a student graduated or left (``left_on``; for
rows written before it existed, the end of the year of the student's last class), the
student's sensitive records are deleted, with their django-simple-history rows (they hold the
same data), and the rest is anonymised: the student becomes 「已匿名」+id with no student
number, birth date or guardian, so that groups' scores, class figures and exam averages stay
whole without saying whose they were.

Each app contributes its part through ``registry.add_purger`` (its sensitive records of the
given students, and free text it keeps about them); ``schoolops`` anonymises the students
last, and deletes read-log rows older than the retention (never younger than
``ReadLog.KEEP_YEARS``). ``purge_expired --dry-run`` shows the counts and changes nothing;
a real run is recorded as a ``PurgeRecord``.

The helpers ``delete_records`` and ``blank_fields`` are what the apps' purgers use.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import CharField, F, Q, Value
from django.db.models.functions import Cast, Coalesce, Concat
from django.utils import timezone

from schoolops.models import GuardianRequest, PurgeRecord, ReadLog, School, Student
from schoolops.registry import registry

if TYPE_CHECKING:
    from django.db.models import Model, QuerySet

ANONYMOUS = "已匿名"
BATCH = 200  # students per round: keeps every ``IN (...)`` list short


def years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def history_model(model: type[Model]) -> type[Model] | None:
    """The django-simple-history model of ``model``, if it keeps history."""
    attribute = getattr(model._meta, "simple_history_manager_attribute", None)
    return getattr(model, attribute).model if attribute else None


def delete_records(
    queryset: QuerySet, *, history: Q | None = None, dry_run: bool
) -> dict[str, int]:
    """Delete ``queryset``'s rows and every historical row of them; ``history`` also selects
    historical rows of records deleted earlier (``Q(student_id__in=ids)``)."""
    model = queryset.model
    label = model._meta.label
    pks = list(queryset.values_list("pk", flat=True))
    counts = {label: len(pks)}
    historical = history_model(model)
    condition = Q(**{f"{model._meta.pk.attname}__in": pks})
    if history is not None:
        condition |= history
    if historical is not None:
        counts[f"{label} (history)"] = historical._default_manager.filter(condition).count()
    if not dry_run:
        # Deleting writes a last historical row ("-"); it goes with the others just below.
        model._default_manager.filter(pk__in=pks).delete()
        if historical is not None:
            historical._default_manager.filter(condition).delete()
    return counts


def blank_fields(
    queryset: QuerySet, values: dict[str, Any], *, history: bool = True, dry_run: bool
) -> dict[str, int]:
    """Overwrite free text the app keeps about a student (``{"note": ""}``), in the rows and,
    with ``history``, in their historical rows, without writing a new version."""
    model = queryset.model
    label = f"{model._meta.label} (anonymised)"
    pks = list(queryset.values_list("pk", flat=True))
    counts = {label: len(pks)}
    historical = history_model(model) if history else None
    if historical is not None:
        old = historical._default_manager.filter(**{f"{model._meta.pk.attname}__in": pks})
        counts[f"{model._meta.label} (history, anonymised)"] = old.count()
    if not dry_run:
        model._default_manager.filter(pk__in=pks).update(**values)
        if historical is not None:
            old.update(**values)
    return counts


def expired_students(today: dt.date | None = None, years: int | None = None) -> QuerySet:
    """Students who left more than the retention period ago and are not yet anonymised."""
    today = today or timezone.localdate()
    years = School.get().retention_years if years is None else years
    return (
        Student.objects.exclude(status=Student.Status.IN_SCHOOL)
        .filter(anonymised_on__isnull=True)
        .annotate(left=Coalesce("left_on", "school_class__academic_year__end_date"))
        .filter(left__lt=years_before(today, years))
    )


def anonymise_students(ids: list[int], today: dt.date, *, dry_run: bool) -> dict[str, int]:
    students = Student.objects.filter(pk__in=ids)
    requests = GuardianRequest.objects.filter(student__in=ids).exclude(requested_by="")
    # The student's change history holds the same names, numbers and phones: it goes.
    old_versions = Student.history.filter(id__in=ids)
    counts = {
        "schoolops.Student (anonymised)": students.count(),
        "schoolops.Student (history)": old_versions.count(),
        "schoolops.GuardianRequest (anonymised)": requests.count(),
    }
    if not dry_run:
        old_versions.delete()
        requests.update(requested_by="")
        pk = Cast(F("pk"), CharField())
        students.update(
            name=Concat(Value(ANONYMOUS), pk),
            student_no=Concat(Value("ANON-"), pk),
            birth_date=None,
            guardian_name="",
            guardian_phone="",
            anonymised_on=today,
        )
    return counts


@dataclass
class PurgeResult:
    left_before: dt.date
    students: int = 0
    counts: Counter = field(default_factory=Counter)
    record: PurgeRecord | None = None


def purge(
    today: dt.date | None = None, *, dry_run: bool, run_by: str = "purge_expired"
) -> PurgeResult:
    """Delete and anonymise what the retention setting no longer allows; all or nothing."""
    today = today or timezone.localdate()
    years = School.get().retention_years
    result = PurgeResult(left_before=years_before(today, years))
    with transaction.atomic():
        ids = list(expired_students(today, years).order_by("pk").values_list("pk", flat=True))
        result.students = len(ids)
        for start in range(0, len(ids), BATCH):
            batch = ids[start : start + BATCH]
            for purger in registry.purgers:
                result.counts.update(purger.purge(batch, dry_run))
            result.counts.update(anonymise_students(batch, today, dry_run=dry_run))
        # The read log: kept at least ReadLog.KEEP_YEARS, and no longer than the retention.
        log_before = years_before(today, max(years, ReadLog.KEEP_YEARS))
        since = timezone.make_aware(dt.datetime.combine(log_before, dt.time.min))
        old_log = ReadLog.objects.filter(at__lt=since)
        result.counts["schoolops.ReadLog"] = old_log.count()
        if not dry_run:
            old_log.delete()
            result.record = PurgeRecord.objects.create(
                run_by=run_by[:100],
                left_before=result.left_before,
                students=result.students,
                counts={k: v for k, v in sorted(result.counts.items()) if v},
            )
    return result
