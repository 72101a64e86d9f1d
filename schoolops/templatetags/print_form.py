"""A record printed as the school files it on paper (A4, ``static/css/print.css``).

    {% load print_form %}
    {% print_header _("Seating chart") subtitle=school_class term=term %}
    …the page…
    {% print_signatures "homeroom" "date" %}

The header (the school's name, the form's title, the class and term) and the signature lines
are shown on paper only; the screen keeps the page as it is. A page that prints also shows
``{% print_button %}`` (a ``data-print`` button, handled by ``static/js/schoolops.js``: the
CSP forbids inline script).
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from schoolops.models import School

register = template.Library()

# The people who sign a form, by key (a template names them in the order they sign).
SIGNERS = {
    "homeroom": gettext_lazy("Homeroom teacher"),
    "chair": gettext_lazy("Chair"),
    "recorder": gettext_lazy("Recorder"),
    "mentor": gettext_lazy("Mentor"),
    "student": gettext_lazy("Student"),
    "guardian": gettext_lazy("Guardian"),
    "evaluator": gettext_lazy("Evaluator"),
    "grade_head": gettext_lazy("Grade head"),
    "office": gettext_lazy("Academic office"),
    "principal": gettext_lazy("Principal"),
    "date": gettext_lazy("Date"),  # the date line
}


@register.inclusion_tag("schoolops/_print_header.html")
def print_header(
    title: Any, subtitle: Any = "", term: Any = None, school: str = ""
) -> dict[str, Any]:
    """The form's heading on paper: the school's name (one query, unless the page has read
    it: ``school=``), the title, the subtitle and the term."""
    return {
        "school": school or School.get().name,
        "title": title,
        "subtitle": subtitle,
        "term": term,
    }


@register.inclusion_tag("schoolops/_print_signatures.html")
def print_signatures(*keys: str) -> dict[str, Any]:
    """Signature lines (签字) for the people a form names, and the date line."""
    return {
        "signers": [
            _("%(signer)s's signature") % {"signer": SIGNERS[key]} for key in keys if key != "date"
        ],
        "dated": "date" in keys,
    }


@register.inclusion_tag("schoolops/_print_button.html")
def print_button() -> dict[str, Any]:
    return {}
