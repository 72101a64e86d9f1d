"""Workflows on the school structure that span several models."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from schoolops.calendar import default_terms
from schoolops.models import AcademicYear, Post, Term

ADMIN_POSTS = frozenset({Post.PRINCIPAL, Post.VICE_PRINCIPAL, Post.ACADEMIC_OFFICE, Post.OFFICE})


def school_year_of(day: dt.date) -> int:
    """The starting year of the school year that holds ``day`` (it turns over in August)."""
    return day.year if day.month >= 8 else day.year - 1


@transaction.atomic
def ensure_calendar(day: dt.date | None = None) -> AcademicYear:
    """Create the academic year holding ``day`` and its two terms from the default calendar.

    Called by the first import and by ``seed_demo`` on a fresh database; the academic office
    then adjusts the dates in the admin. An existing year is returned untouched.
    """
    day = day or timezone.localdate()
    start_year = school_year_of(day)
    year = AcademicYear.objects.filter(start_year=start_year).first()
    if year is not None:
        return year
    (autumn_start, autumn_end), (spring_start, spring_end) = default_terms(start_year)
    year = AcademicYear.objects.create(
        start_year=start_year,
        start_date=dt.date(start_year, 8, 1),
        end_date=dt.date(start_year + 1, 7, 31),
    )
    Term.objects.create(
        academic_year=year, number=Term.Number.AUTUMN, start_date=autumn_start, end_date=autumn_end
    )
    Term.objects.create(
        academic_year=year, number=Term.Number.SPRING, start_date=spring_start, end_date=spring_end
    )
    return year


def set_posts(user, posts: list[str] | set[str]) -> None:
    """Give a login account exactly these posts; the admin opens to the posts that use it."""
    groups = list(Group.objects.filter(name__in=posts))
    user.groups.set(groups)
    is_staff = user.is_superuser or bool(ADMIN_POSTS.intersection(posts))
    if user.is_staff != is_staff:
        user.is_staff = is_staff
        user.save(update_fields=["is_staff"])
