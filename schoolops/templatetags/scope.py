"""Template filters that ask ``schoolops.scopes`` the rule of a page before linking to it.

A link is shown only where its target answers the viewer: the template asks the same rule as
the target view (``tests/safety/test_walk.py`` follows every link as every post).

    {% load scope %}
    {% if request.scope|sees_class:student.school_class %}<a href="…class_detail…">{% endif %}
"""

from __future__ import annotations

from django import template

from schoolops.models import SchoolClass
from schoolops.scopes import Scope

register = template.Library()


@register.filter
def sees_class(scope: Scope, school_class: SchoolClass) -> bool:
    """The class pages' rule (``class_required`` and ``get_class_or_404``)."""
    return scope.can_see_class(school_class)
