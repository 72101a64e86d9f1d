"""The ``<pk:...>`` path converter: an id in a URL within the range of a primary key.

``<int:...>`` takes any number of digits, so ``/groups/99999999999999999999/`` reaches the view
and the database; ``<pk:...>`` takes ASCII digits up to ``params.MAX_PK`` and anything else is
a 404 before any view runs. Registered once, when ``schoolops.urls`` (the root URLconf, which
includes every app's URLs) is imported.
"""

from __future__ import annotations

from django.urls import register_converter

from schoolops.params import to_pk


class PkConverter:
    regex = "[0-9]+"  # any length: to_python refuses a number past MAX_PK (a 404)

    def to_python(self, value: str) -> int:
        pk = to_pk(value)
        if pk is None:
            raise ValueError(value)  # the pattern does not match: a 404
        return pk

    def to_url(self, value: int | str) -> str:
        return str(value)


register_converter(PkConverter, "pk")
