"""Sending a workbook to the browser as a download."""

from __future__ import annotations

from io import BytesIO
from urllib.parse import quote

from django.http import HttpResponse

from openpyxl import Workbook

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_response(content: bytes | Workbook, filename: str) -> HttpResponse:
    """An .xlsx download; ``filename`` may be Chinese (RFC 5987 encoding)."""
    if isinstance(content, Workbook):
        buffer = BytesIO()
        content.save(buffer)
        content = buffer.getvalue()
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response
