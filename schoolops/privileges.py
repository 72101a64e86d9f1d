"""Who may grant scope over sensitive data, and the record of every grant.

The rule: a class's homeroom teacher (``SchoolClass.homeroom_teacher``), a grade's head
(``Grade.head``), the privileged posts (``Post.privileged()``: every post but 任课教师) and
account passwords are set by the principal's office only (校长, 副校长, 教导处:
``Post.school_wide()``; ``may_grant``). Office staff (办公室) keep the roster: they add
classes, staff and teaching assignments, but set none of these, and never touch their own
account's posts or their own teaching assignments. The admin shows those fields read-only to
them (not in the form, so a forged POST changes nothing) and the roster imports refuse such
rows by Excel row and column.

Every change of a post, a homeroom teacher, a grade head or a password is a
``PrivilegeChange``, whoever makes it and however:

- posts: ``posts_changed``, the receiver of ``m2m_changed`` on ``User.groups``
  (``services.set_posts``, the grade head's post given by ``Grade.save``, Django's user admin);
- homeroom teachers and grade heads: ``SchoolClass.save`` and ``Grade.save``, and the
  classes import, which writes in bulk;
- passwords: the staff import (new accounts) and ``services.issue_initial_passwords``.

Who made a change: the person and source an import declares with ``acting(user, source)``;
else the person of the current request (source "admin" under the admin); else nobody (a
service: source "other"). Not recorded, on purpose: the demo data (bulk inserts on an empty
school) and the year rollover, which carries each class's homeroom teacher into the new year.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.urls import reverse

from schoolops.models import Grade, PrivilegeChange, SchoolClass, Staff

if TYPE_CHECKING:
    from schoolops.scopes import Scope

Source = PrivilegeChange.Source
Kind = PrivilegeChange.Kind

_ACTING: ContextVar[tuple[Any, str] | None] = ContextVar("privileges_acting", default=None)


def may_grant(scope: Scope) -> bool:
    """May this person set homeroom teachers, grade heads, privileged posts and passwords?"""
    return scope.is_school_wide


@contextmanager
def acting(user: Any, source: str) -> Iterator[None]:
    """Record the changes made inside the block as made by ``user`` through ``source``."""
    token = _ACTING.set((user, source))
    try:
        yield
    finally:
        _ACTING.reset(token)


def import_source(user: Any) -> str:
    """An import with a person (the admin, ``import_sheet --user``) or the bare command line."""
    return Source.IMPORT if user is not None else Source.COMMAND


def _who() -> tuple[int | None, str]:
    declared = _ACTING.get()
    if declared is not None:
        user, source = declared
        return getattr(user, "pk", None), source
    from simple_history.models import HistoricalRecords

    request = getattr(HistoricalRecords.context, "request", None)
    if request is None:
        return None, Source.OTHER
    user = getattr(request, "user", None)
    user_id = user.pk if user is not None and user.is_authenticated else None
    source = Source.ADMIN if request.path.startswith(reverse("admin:index")) else Source.OTHER
    return user_id, source


def staff_label(staff: Staff | None) -> str:
    return f"{staff.staff_no} {staff.name}" if staff is not None else ""


def _staff(value: Staff | int | None) -> Staff | None:
    if value is None or isinstance(value, Staff):
        return value
    return Staff.objects.filter(pk=value).first()


def change(kind: str, *, account_id: int | None, whose: str, **details: str) -> PrivilegeChange:
    """An unsaved record of one change, by the person acting now (see ``record``)."""
    user_id, source = _who()
    return PrivilegeChange(
        kind=kind,
        account_id=account_id,
        whose=whose[:100],
        changed_by_id=user_id,
        source=source,
        **{key: str(value)[:100] for key, value in details.items()},
    )


def record(changes: Iterable[PrivilegeChange | None]) -> None:
    PrivilegeChange.objects.bulk_create([c for c in changes if c is not None])


def homeroom_change(
    school_class: SchoolClass, before: Staff | int | None, after: Staff | int | None
) -> PrivilegeChange:
    """The homeroom teacher of ``school_class`` set from ``before`` to ``after``."""
    before, after = _staff(before), _staff(after)
    holder = after or before
    return change(
        Kind.HOMEROOM,
        account_id=holder.user_id if holder else None,
        whose=staff_label(holder),
        what=str(school_class),
        before=staff_label(before),
        after=staff_label(after),
    )


def grade_head_change(grade: Grade, before: Staff | int | None) -> PrivilegeChange:
    before, after = _staff(before), _staff(grade.head_id)
    holder = after or before
    return change(
        Kind.GRADE_HEAD,
        account_id=holder.user_id if holder else None,
        whose=staff_label(holder),
        what=grade.name,
        before=staff_label(before),
        after=staff_label(after),
    )


def password_change(staff: Staff) -> PrivilegeChange:
    return change(Kind.PASSWORD, account_id=staff.user_id, whose=staff_label(staff))


# Posts: every change of a login's groups, from either side of the relation.


def _account_labels(user_ids: set[int]) -> dict[int, str]:
    labels = {
        user_id: f"{staff_no} {name}"
        for user_id, staff_no, name in Staff.objects.filter(user_id__in=user_ids).values_list(
            "user_id", "staff_no", "name"
        )
    }
    missing = user_ids - set(labels)
    if missing:
        labels.update(get_user_model().objects.filter(pk__in=missing).values_list("pk", "username"))
    return labels


def _memberships(instance: Any, reverse: bool, pk_set: Iterable[int] | None) -> list[tuple]:
    """(user id, post) pairs: ``instance`` is a group (``reverse``) or a login."""
    if reverse:
        user_ids = pk_set if pk_set is not None else instance.user_set.values_list("pk", flat=True)
        return sorted((user_id, instance.name) for user_id in user_ids)
    groups = Group.objects.filter(pk__in=pk_set) if pk_set is not None else instance.groups.all()
    return sorted((instance.pk, name) for name in groups.values_list("name", flat=True))


def posts_changed(sender, instance, action, reverse, pk_set, **kwargs) -> None:
    """``m2m_changed`` of ``User.groups``: record every post given or taken away."""
    if action == "pre_clear":
        instance._posts_before_clear = _memberships(instance, reverse, None)
        return
    if action == "post_clear":
        pairs = getattr(instance, "_posts_before_clear", [])
    elif action in ("post_add", "post_remove") and pk_set:
        pairs = _memberships(instance, reverse, pk_set)
    else:
        return
    if not pairs:
        return
    kind = Kind.POST_ADDED if action == "post_add" else Kind.POST_REMOVED
    labels = _account_labels({user_id for user_id, _post in pairs})
    record(
        change(kind, account_id=user_id, whose=labels.get(user_id, ""), what=post)
        for user_id, post in pairs
    )
