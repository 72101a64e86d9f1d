"""The privilege changes as a sheet (kind ``privileges``): for the principal's office only.

Written by ``export_sheet privileges FILE`` and by the admin's "Export to Excel" action on the
privilege changes (``schoolops.admin.PrivilegeChangeAdmin``), which passes the rows selected.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy

from schoolops.models import PrivilegeChange
from schoolops.privileges import may_grant
from schoolops.sheets.base import Column, ExportSheet


class PrivilegeChangesSheet(ExportSheet):
    kind = "privileges"
    title = gettext_lazy("Privilege changes")
    filename = "权限变更记录.xlsx"
    export_permission = "schoolops.view_privilegechange"
    columns = [
        Column("created_at", "时间", width=20),
        Column("changed_by", "操作人", text_format=True),
        Column("whose", "对象", width=20),
        Column("kind", "变更"),
        Column("what", "内容", width=20),
        Column("before", "原为", width=20),
        Column("after", "改为", width=20),
        Column("source", "途径"),
    ]

    def rows(self, queryset: Any = None, **options: Any) -> Iterable[Sequence[Any]]:
        from schoolops.scopes import Scope

        if self.user is not None and not may_grant(Scope(self.user)):
            return
        qs = PrivilegeChange.objects.all() if queryset is None else queryset
        for entry in qs.select_related("changed_by").order_by("-created_at", "-pk"):
            yield [
                timezone.localtime(entry.created_at).replace(tzinfo=None, microsecond=0),
                entry.changed_by.get_username() if entry.changed_by else "",
                entry.whose,
                entry.get_kind_display(),
                entry.what,
                entry.before,
                entry.after,
                entry.get_source_display(),
            ]
