"""The forms of the term-end evaluation: nominate, select and publish the term's awards."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Layout, Submit

from schoolops.models import AwardCategory, AwardNomination
from schoolops.submissions import SubmissionTokenMixin


def _helper(submit_label: Any, *layout: Any, form_id: str = "") -> FormHelper:
    helper = FormHelper()
    helper.layout = Layout(*layout)
    helper.form_id = form_id
    helper.add_input(Submit("submit", submit_label, css_class="btn-tap"))
    return helper


class NominationForm(SubmissionTokenMixin, forms.Form):
    """The academic office nominates one class, grade, teacher or study-help group.

    ``nominees`` are (award, [(value, label), ...]) pairs: the evaluation's ranked lists and
    the apps' candidates; a value is ``<award>:<id or ref>``."""

    action = forms.CharField(widget=forms.HiddenInput, initial="nominate", required=False)
    nominee = forms.ChoiceField(label=_("nominee"))
    reason = forms.CharField(
        label=_("reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, nominees: list[tuple[Any, list[tuple[str, str]]]], **kwargs):
        super().__init__(*args, **kwargs)
        field = cast("forms.ChoiceField", self.fields["nominee"])
        field.choices = [("", "—"), *[(str(label), c) for label, c in nominees]]
        self.helper = _helper(_("Nominate"), "action", "nominee", "reason", form_id="nominate")

    def clean_nominee(self) -> tuple[str, str]:
        category, _sep, value = self.cleaned_data["nominee"].partition(":")
        return category, value


class FamilyNominationForm(SubmissionTokenMixin, forms.Form):
    """A homeroom teacher nominates a student's family or parent, with the reason."""

    category = forms.ChoiceField(
        label=_("award"),
        choices=[
            (AwardCategory.FAMILY, AwardCategory.FAMILY.label),
            (AwardCategory.PARENT, AwardCategory.PARENT.label),
        ],
        widget=forms.RadioSelect,
        initial=AwardCategory.FAMILY,
    )
    student = forms.TypedChoiceField(label=_("student"), coerce=int)
    reason = forms.CharField(
        label=_("reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, students: list[Any], **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = cast("forms.ChoiceField", self.fields["student"])
        field.choices = [("", "—")] + [(s.pk, f"{s.name}（{s.student_no}）") for s in students]
        self.helper = _helper(
            _("Nominate"), "category", "student", "reason", form_id="nominate-family"
        )


class StatusForm(forms.Form):
    """Select, unselect or withdraw one nomination."""

    nomination = forms.IntegerField(widget=forms.HiddenInput)
    status = forms.ChoiceField(choices=AwardNomination.Status.choices)


class PublishForm(forms.Form):
    """Publish the selections of one award."""

    category = forms.ChoiceField(choices=AwardCategory.choices)
