"""Signals ``schoolops`` sends for the apps to react to (``schoolops`` imports no app).

``roster_changed``: the roster import wrote in bulk (no ``post_save`` per row), and its
transaction has committed. Sent with ``kind`` (the sheet's kind: ``students``, ``assignments``,
``classes``), ``staff_ids`` and ``student_ids`` (sets of primary keys whose roster rows
changed: a student's class, a teacher's assignment or homeroom class). For an assignment that
changed hands, both the former and the new teacher are named. Receivers must not assume that
anything else about those rows changed.
"""

from collections.abc import Iterable

from django.db import transaction
from django.dispatch import Signal

roster_changed = Signal()


def send_roster_changed_on_commit(
    sender: type, kind: str, *, staff_ids: Iterable[int] = (), student_ids: Iterable[int] = ()
) -> None:
    """Send ``roster_changed`` once the current transaction commits: never for a dry run or
    a refused file, whose transaction is rolled back. A failing receiver is logged and does
    not undo the import, which has already committed."""
    staff, students = frozenset(staff_ids), frozenset(student_ids)
    if not staff and not students:
        return
    transaction.on_commit(
        lambda: roster_changed.send(
            sender=sender, kind=kind, staff_ids=staff, student_ids=students
        ),
        robust=True,
    )
