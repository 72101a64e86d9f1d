"""What the tests that write every export kind need to know about the kinds.

``kind_options``: the options a kind needs to write something, for a kind whose command asks
for its target (``--class``, ``--meeting``, ``--student``, a closed ``--month``); the records
come from the cast and ``test_export_formulas._ensure_records``. A new kind with a required
option adds a line.

``DOCUMENTS``: the kinds that write a printable record, not a table: they declare no columns
(their labels are interface text, through gettext). Every other kind declares its columns.
"""

from __future__ import annotations

from typing import Any

DOCUMENTS = {"student_records"}


def kind_options(kind: str, school: Any) -> dict[str, Any]:
    from consult.models import Meeting, Questionnaire

    needs = {
        "commendation": lambda: {"month": _outstanding_month()},
        "consult_ledger": lambda: {"school_class": school.class_a},
        "consult_meeting": lambda: {"meeting": Meeting.objects.order_by("pk").first()},
        "consult_questionnaire": lambda: {
            "questionnaire": Questionnaire.objects.order_by("pk").first()
        },
        "group_register": lambda: {"school_class": school.class_a},
        "student_records": lambda: {"student": school.student_a},
    }
    return needs.get(kind, dict)()


def _outstanding_month() -> Any:
    """The latest closed month (``_ensure_records`` closes one), its first row ranked and
    outstanding: the test school's few entries do not reach the minimum activity."""
    from decimal import Decimal

    from groups.models import MonthClose

    close = MonthClose.objects.latest("month")
    row = close.rows.order_by("pk").first()
    close.rows.filter(pk=row.pk).update(rank=1, index=Decimal("1.00"), is_excellent=True)
    return close.month
