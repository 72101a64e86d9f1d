"""A guardian's phone as a tap-to-call link (``tel:``).

Only pages that show the phone use it, and a page shows a phone only to the posts the
register lets read it (``schoolops.privacy``): a masked value (an import preview) is never
passed here, and a text without a number stays plain text.

    {% load phones %}
    {{ student.guardian_phone|phone_link }}
"""

from __future__ import annotations

import re
from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()

# 0571-88000008转123, 0571-88000008(转123), 0571-88000008 分机 123, 0571-88000008 ext. 123
_EXTENSION = re.compile(r"[（(]?\s*(?:转|分机|ext\.?|x|#)\s*(\d{1,6})\s*[)）]?\s*$", re.IGNORECASE)


def tel_href(value: Any) -> str:
    """``tel:`` and the number's digits (a leading + kept); an extension follows a comma, the
    pause a phone makes before dialling it. Empty when the text holds no phone number."""
    text = str(value or "").strip()
    extension = ""
    match = _EXTENSION.search(text)
    if match is not None:
        extension, text = match.group(1), text[: match.start()]
    digits = re.sub(r"\D", "", text)
    if len(digits) < 5:
        return ""
    plus = "+" if text.lstrip().startswith(("+", "＋")) else ""
    return f"tel:{plus}{digits}" + (f",{extension}" if extension else "")


@register.filter
def phone_link(value: Any) -> SafeString | str:
    """The phone as a link a phone dials when tapped, tap-sized; "—" when there is none."""
    if not value:
        return "—"
    href = tel_href(value)
    if not href:
        return str(value)
    return format_html(
        '<a class="btn btn-link btn-tap px-1 text-nowrap tel-link" href="{}">{}</a>', href, value
    )
