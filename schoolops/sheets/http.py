"""Serving a workbook to the browser: every download of the app is an export kind, sent by
``sheet_response``.

A download view is one line; the kind (``schoolops.sheets.base.ExportSheet``, registered with
``registry.add_sheet``) decides who may export it, what its rows are in the person's scope,
its file name and which sensitive reads it logs::

    # groups/sheets.py
    class RegisterSheet(ExportSheet):
        kind = "group_register"
        title = gettext_lazy("Registration sheet")
        columns = [Column("number", "组别", width=6), Column("name", "组名"), ...]

        def resolve(self, school_class, term=None):   # the options, in the person's scope
            if self.scope and not self.scope.can_see_class(school_class):
                raise SheetRefused(_("There is no such class."))      # a 404 on a page
            return {"school_class": school_class, "term": term or Term.current()}

        def authorize(self, school_class, term):  # may this person export it? (403)
            if not self.scope.can_edit_class(school_class):
                raise PermissionDenied

        def rows(self, school_class, term):
            for member in ...:
                yield [member.group.number, member.group.name, ...]

        def download_name(self, school_class, term):
            return f"学习互助小组登记表{school_class}.xlsx"

    # groups/views.py
    @class_view
    def register_xlsx(request, school_class):
        return sheet_response(request, "group_register", school_class=school_class)

``sheet_response`` checks ``resolve(**options)`` (``SheetRefused``: 404 with its message)
and ``authorize(**options)`` (403), writes the workbook with openpyxl's write-only mode
(``schoolops.sheets.writer``: text is never a formula), logs the sensitive reads the rows
noted (``ExportSheet.log_read``) and returns the download under a Chinese file name (RFC
5987). An export whose ``count(**options)`` is over ``EXPORT_BACKGROUND_ROWS`` (20,000) is
written by a background task instead: the person is sent to its page, with a progress bar
and then the download link (``schoolops.exports``). The same kind serves ``export_sheet KIND
FILE``.
"""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def content_disposition(filename: str) -> str:
    """``attachment`` with the name in RFC 5987's UTF-8 form: Chinese kept, every browser."""
    return f"attachment; filename*=UTF-8''{quote(filename, safe='')}"


def xlsx_response(content: bytes, filename: str) -> HttpResponse:
    """An .xlsx download of ``content``; ``filename`` may be Chinese (RFC 5987 encoding).

    For a workbook that is not an export kind (a blank import template); a download of data
    is served by ``sheet_response``."""
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition(filename)
    return response


def sheet_response(
    request: HttpRequest, kind: str, *, filename: str | None = None, **options: Any
) -> HttpResponse:
    """The download of export kind ``kind`` for the person asking (see the module's doc).

    ``options`` are the kind's (``term=``, ``month=``, ``school_class=``...), as the command
    line passes them; ``filename`` overrides the kind's ``download_name``.
    """
    from schoolops.scopes import get_scope
    from schoolops.sheets import SheetRefused, engine

    sheet = engine.get_export_sheet(kind, request.user)
    sheet.scope = get_scope(request)
    try:
        options = sheet.resolve(**options)
        sheet.authorize(**options)
        name = filename or sheet.download_name(**options)
        rows = sheet.count(**options)
        if rows is not None and rows > settings.EXPORT_BACKGROUND_ROWS:
            from schoolops import exports

            return exports.start(request, sheet, name, rows, options)
        buffer = io.BytesIO()
        engine.write_export(sheet, buffer, **options)
    except SheetRefused as refusal:
        raise Http404(refusal.message) from None
    engine.log_export_reads(sheet, request)
    response = xlsx_response(buffer.getvalue(), name)
    # For tests: this download went through the one path.
    response.export_kind = kind  # type: ignore[attr-defined]
    return response
