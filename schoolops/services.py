"""Workflows on the school structure that span several models."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from schoolops import privileges
from schoolops.calendar import default_terms
from schoolops.models import AcademicYear, Post, Staff, Term

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
    """Give a login account exactly these posts; the admin opens to the posts that use it.

    Each post given or taken away is recorded (``schoolops.privileges.posts_changed``).
    """
    groups = list(Group.objects.filter(name__in=posts))
    user.groups.set(groups)
    is_staff = user.is_superuser or bool(ADMIN_POSTS.intersection(posts))
    if user.is_staff != is_staff:
        user.is_staff = is_staff
        user.save(update_fields=["is_staff"])


@transaction.atomic
def issue_initial_passwords(staff: Iterable[Staff]) -> tuple[str, list[Staff]]:
    """Give the accounts that have no password yet one new initial password.

    Accounts made by an office import have none (``StaffSheet``): the principal's office
    issues them, to be shown once to the person issuing them. Like the import's, the password
    is shared by one batch and hashed once, which keeps a batch of 200 fast with a strong
    hasher; every account must choose its own at first login (``must_change_password``).
    Returns the password and the accounts given it (none: an empty password).
    """
    waiting = [s for s in staff if not s.user.is_superuser and not s.user.has_usable_password()]
    if not waiting:
        return "", []
    password = secrets.token_urlsafe(8)
    get_user_model().objects.filter(pk__in=[s.user_id for s in waiting]).update(
        password=make_password(password)
    )
    Staff.objects.filter(pk__in=[s.pk for s in waiting]).update(must_change_password=True)
    privileges.record(privileges.password_change(s) for s in waiting)
    return password, waiting
