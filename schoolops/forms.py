"""Form pieces every app shares."""

from __future__ import annotations

from django import forms


class DateInput(forms.DateInput):
    """The browser's date picker. Its value is always ISO (2026-11-23): a browser shows no
    date and refuses the form for any other, and Chinese formats dates as 2026/11/23. Every
    date field of the project uses it (tests/safety/test_walk.py reads every date picker)."""

    input_type = "date"

    def __init__(self, attrs=None, format=None):
        super().__init__(attrs=attrs, format=format or "%Y-%m-%d")


class BoundedFormSet(forms.BaseFormSet):
    """A formset that does not trust the counts its management form brings.

    Django takes ``INITIAL_FORMS`` as posted: ``0`` or ``-1`` turns the rows the page
    rendered as recorded ones into optional extra rows that may come back without their
    data, and a view reading ``cleaned_data["student"]`` fails. Here the rows the server
    gave as ``initial`` are the initial rows, whatever was posted (and never more than the
    total); without ``initial`` the posted count is kept within 0 and the total. Every
    formset of the project derives from this class (a test says so).
    """

    def initial_form_count(self) -> int:
        if not self.is_bound:
            return super().initial_form_count()
        total = self.total_form_count()
        if self.initial is not None:
            return min(len(self.initial), total)
        return max(0, min(super().initial_form_count(), total))
