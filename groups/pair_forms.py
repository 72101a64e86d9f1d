"""Forms of the study pairs and the teachers' student tags (``groups.pairs``)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Field, Layout, Submit

from schoolops.submissions import SubmissionTokenMixin

from .pairs import MAX_POINTS


class NameChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.name


def _student_field(students, label, *, required: bool, initial=None) -> forms.TypedChoiceField:
    """A select of the class's students (a list read once for every select of the form)."""
    by_pk = {str(s.pk): s for s in students}
    return forms.TypedChoiceField(
        label=label,
        choices=[("", _("(nobody)")), *((str(s.pk), s.name) for s in students)],
        coerce=lambda value: by_pk[str(value)],
        empty_value=None,
        required=required,
        initial=initial,
    )


class SubjectForm(forms.Form):
    """The subject whose pairs are formed (a GET form)."""

    def __init__(self, *args, subjects, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subject"] = NameChoiceField(
            label=_("Subject"),
            queryset=subjects,
            widget=forms.Select(attrs={"class": "form-select"}),
        )


class PairsForm(SubmissionTokenMixin, forms.Form):
    """The pairs of a subject, one row each (stronger, weaker, a second weaker): filled with
    the suggestions, every choice open to change; an empty row is left out."""

    def __init__(self, *args, students, suggestions, extra: int = 2, **kwargs):
        super().__init__(*args, **kwargs)
        self.count = len(suggestions) + extra
        self.rows = []
        for i in range(self.count):
            s = suggestions[i] if i < len(suggestions) else None
            names = (f"stronger_{i}", f"weaker_{i}", f"third_{i}")
            self.fields[names[0]] = _student_field(
                students, _("Stronger student"), required=False, initial=s and s.stronger.pk
            )
            self.fields[names[1]] = _student_field(
                students, _("Weaker student"), required=False, initial=s and s.weaker.pk
            )
            self.fields[names[2]] = _student_field(
                students,
                _("Second weaker student (a three)"),
                required=False,
                initial=s and s.third and s.third.pk,
            )
            for name in names:
                field = self.fields[name]
                field.widget.attrs.update(
                    {
                        "class": "form-select",
                        "aria-label": f"{field.label} {i + 1}",
                    }
                )
            self.rows.append((i + 1, s, [self[name] for name in names]))

    def clean(self):
        data = super().clean()
        for i in range(self.count):
            stronger, weaker, third = (
                data.get(f"stronger_{i}"),
                data.get(f"weaker_{i}"),
                data.get(f"third_{i}"),
            )
            if (stronger is None) != (weaker is None) or (third and stronger is None):
                raise forms.ValidationError(
                    _("Pair %(number)s needs both a stronger and a weaker student.")
                    % {"number": i + 1}
                )
        return data

    def chosen(self):
        rows = []
        for i in range(self.count):
            stronger = self.cleaned_data.get(f"stronger_{i}")
            if stronger is not None:
                rows.append(
                    (
                        stronger,
                        self.cleaned_data[f"weaker_{i}"],
                        self.cleaned_data.get(f"third_{i}"),
                    )
                )
        return rows


class PairEditForm(forms.Form):
    """A pair's new members, or its end."""

    def __init__(self, *args, students, pair, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stronger"] = _student_field(
            students, _("Stronger student"), required=True, initial=pair.stronger_id
        )
        self.fields["weaker"] = _student_field(
            students, _("Weaker student"), required=True, initial=pair.weaker_id
        )
        self.fields["third"] = _student_field(
            students,
            _("Second weaker student (a three)"),
            required=False,
            initial=pair.third_id,
        )
        self.fields["end"] = forms.BooleanField(
            label=_("End this pair (its points stay)"), required=False
        )
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field("stronger"),
            Field("weaker"),
            Field("third"),
            Field("end"),
            Submit("save", _("Save"), css_class="btn-primary btn-tap"),
        )


class PairPointsForm(SubmissionTokenMixin, forms.Form):
    points = forms.IntegerField(
        label=_("Points"),
        min_value=-MAX_POINTS,
        max_value=MAX_POINTS,
        initial=1,
        help_text=_("Negative for a deduction; a mistake is put right by another entry."),
    )
    reason = forms.CharField(label=_("Reason"), max_length=100)

    def clean_points(self):
        points = self.cleaned_data["points"]
        if points == 0:
            raise forms.ValidationError(_("Points cannot be 0."))
        return points

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field("points", inputmode="numeric"),
            Field("reason"),
            Submit("save", _("Give the points"), css_class="btn-success btn-tap"),
        )


class TagsForm(forms.Form):
    """The class's students' tags: one set of ticks per student."""

    def __init__(self, *args, students, tags, current, **kwargs):
        super().__init__(*args, **kwargs)
        self.students = list(students)
        choices = [(t.pk, f"{t.get_kind_display()}·{t.name}") for t in tags]
        self.rows = []
        for student in self.students:
            name = f"tags_{student.pk}"
            self.fields[name] = forms.TypedMultipleChoiceField(
                label=student.name,
                choices=choices,
                coerce=int,
                required=False,
                initial=sorted(current.get(student.pk, ())),
                widget=forms.CheckboxSelectMultiple,
            )
            self.rows.append((student, self[name]))

    def chosen(self) -> dict[int, set[int]]:
        return {s.pk: set(self.cleaned_data.get(f"tags_{s.pk}") or ()) for s in self.students}
