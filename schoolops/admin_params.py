"""The admin's list filters refuse values out of range instead of answering a 500.

Django's changelist passes the query string's lookups (``?term=…``, ``?date__year=…``,
``?created_at__gte=…``) to its filters and to the database as they come: a year past 9998
overflows the date hierarchy's arithmetic, ``0001-01-01`` overflows turning local time into
UTC, and an id past SQLite's 64-bit INTEGER overflows the query. ``BoundedChangeList`` checks
every lookup value against the field it filters (ids and integers within ``params.MAX_PK``,
years and dates within ``params.MIN_YEAR``..``MAX_YEAR``, no NUL character, which PostgreSQL
refuses in a query) before the filters run, and refuses the rest as
``IncorrectLookupParameters``: the admin then redirects to the bare list with ``?e=1``, as it
does for any lookup it cannot read.

A custom ``SimpleListFilter`` reads its own parameter and bounds it itself (with
``schoolops.params``), as ``groups``' month filter does.

Plugged in two ways: ``BoundedChangeListMixin`` in front of a ModelAdmin's bases, and
``bound_admin_site(admin.site)`` (called once by ``schoolops.urls``) for every registered admin
that lacks the mixin, Django's and the libraries' own admins included.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.contrib.admin import SimpleListFilter
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import FieldDoesNotExist, FieldError
from django.db import models
from django.utils.dateparse import parse_date, parse_datetime

from schoolops.params import MAX_PK, MAX_YEAR, MIN_YEAR, number

# Transforms of a date whose value is a year, or another small part of a date or time.
YEAR_PARTS = frozenset({"year", "iso_year"})
SMALL_PARTS = frozenset(
    {"month", "day", "week", "week_day", "iso_week_day", "quarter", "hour", "minute", "second"}
)
# Lookups whose value is a comma-separated list (as the admin reads them).
LIST_LOOKUPS = frozenset({"in", "range"})
INTEGER_FIELDS = (models.IntegerField, models.AutoField, models.BigAutoField)


def _resolve(model: type[models.Model], key: str) -> tuple[Any, list[str]]:
    """The field a lookup key filters on (following relations) and the lookups after it."""
    opts = model._meta
    field = None
    parts = key.split("__")
    for index, part in enumerate(parts):
        try:
            field = opts.pk if part == "pk" else opts.get_field(part)
        except FieldDoesNotExist:
            return field, parts[index:]
        related = field.related_model
        if field.is_relation and related is not None and not isinstance(related, str):
            rest = parts[index + 1 :]
            if not rest or not _is_field(related, rest[0]):
                return _target(field), rest
            opts = related._meta
    return field, []


def _is_field(model: type[models.Model], name: str) -> bool:
    try:
        model._meta.get_field(name)
    except FieldDoesNotExist:
        return name == "pk"
    return True


def _target(relation: Any) -> Any:
    """The field a relation is compared by (the related model's key, or its ``to_field``)."""
    target = relation
    while target is not None and target.is_relation:
        try:
            target = target.target_field
        except (AttributeError, FieldError):  # a relation over several columns
            return None
    return target


def _integer(value: str) -> bool:
    digits = value[1:] if value.startswith("-") else value
    return number(digits, 0, MAX_PK) is not None


def _date_value(value: str) -> bool:
    try:
        parsed = parse_datetime(value) or parse_date(value)
    except ValueError:
        return False
    return isinstance(parsed, dt.date) and MIN_YEAR <= parsed.year <= MAX_YEAR


def value_fits(model: type[models.Model], key: str, value: str) -> bool:
    """Whether ``value`` of the lookup ``key`` can reach the filters and the database."""
    if "\x00" in value:
        return False
    field, lookups = _resolve(model, key)
    if field is None or "isnull" in lookups or "isempty" in lookups:
        return True
    if lookups and lookups[0] in YEAR_PARTS:
        return number(value, MIN_YEAR, MAX_YEAR) is not None
    if lookups and lookups[0] in SMALL_PARTS:
        return number(value, 0, 9999) is not None
    values = value.split(",") if lookups and lookups[-1] in LIST_LOOKUPS else [value]
    if isinstance(field, models.DateField):  # DateTimeField too
        return all(_date_value(v) for v in values)
    if isinstance(field, INTEGER_FIELDS):
        return all(_integer(v) for v in values)
    return True


def check_lookups(model: type[models.Model], params: dict[str, list[str]]) -> None:
    """Raise ``IncorrectLookupParameters`` for the first value out of range."""
    for key, values in params.items():
        for value in values:
            if not isinstance(value, str) or not value_fits(model, key, value):
                raise IncorrectLookupParameters(f"{key}: value out of range")


class BoundedChangeList(ChangeList):
    """A changelist whose lookups are checked by ``check_lookups`` before any filter runs.

    A lookup the admin does not allow at all is left to Django (``lookup_allowed``: a 400),
    whatever its value, and a ``SimpleListFilter``'s parameter to the filter. A NUL in the
    search box is already refused by the search form (a message, the whole list).
    """

    def get_filters(self, request):
        allowed = self.model_admin.lookup_allowed
        own = {  # a custom filter reads (and bounds) its own parameter
            spec.parameter_name
            for spec in self.list_filter
            if isinstance(spec, type) and issubclass(spec, SimpleListFilter)
        }
        params = {
            key: values
            for key, values in self.get_filters_params().items()
            if key not in own and all(allowed(key, value, request) for value in values)
        }
        check_lookups(self.model, params)
        return super().get_filters(request)


_bounded: dict[type, type] = {}


def bounded(changelist_class: type[ChangeList]) -> type[ChangeList]:
    """``changelist_class`` with ``BoundedChangeList``'s checks in front (made once per class)."""
    if issubclass(changelist_class, BoundedChangeList):
        return changelist_class
    if changelist_class is ChangeList:
        return BoundedChangeList
    if changelist_class not in _bounded:
        _bounded[changelist_class] = type(
            f"Bounded{changelist_class.__name__}", (BoundedChangeList, changelist_class), {}
        )
    return _bounded[changelist_class]


# For mypy the mixin is the ModelAdmin it is mixed into.
if TYPE_CHECKING:
    from django.contrib.admin import ModelAdmin as _AdminBase
else:
    _AdminBase = object


class BoundedChangeListMixin(_AdminBase):
    """Put in front of a ModelAdmin's bases: its list filters refuse values out of range."""

    def get_changelist(self, request, **kwargs):
        return bounded(super().get_changelist(request, **kwargs))


def bound_admin_site(site) -> None:
    """Give every admin registered on ``site`` that lacks ``BoundedChangeListMixin`` the mixin
    (Django's and the libraries' admins: users, groups, tasks, axes logs)."""
    for model_admin in site._registry.values():
        if isinstance(model_admin, BoundedChangeListMixin):
            continue
        cls = type(model_admin)
        model_admin.__class__ = type(f"Bounded{cls.__name__}", (BoundedChangeListMixin, cls), {})


__all__ = [
    "BoundedChangeList",
    "BoundedChangeListMixin",
    "bound_admin_site",
    "bounded",
    "check_lookups",
    "value_fits",
]
