"""Forms of the mentor system: they validate and normalise; services write."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Field, Fieldset, Layout, Submit

from mentors.models import MentoringPlan, Pairing, ParentContact, TrainingSession
from schoolops.forms import DateInput
from schoolops.models import Staff, Student
from schoolops.params import to_pk
from schoolops.submissions import SubmissionTokenMixin


def _checked_pk(field: forms.Field, value) -> None:
    """Refuse what is not an id (``params.to_pk``) before it reaches the database (SQLite
    overflows on huge integers)."""
    if isinstance(value, str | int) and to_pk(str(value).strip()) is None:
        raise forms.ValidationError(
            field.error_messages.get("invalid_choice", _("Select a valid choice.")),
            code="invalid_choice",
            params={"value": value},
        )


class PkChoiceField(forms.ModelChoiceField):
    def to_python(self, value):
        if value not in self.empty_values:
            _checked_pk(self, value)
        return super().to_python(value)


class PkMultipleChoiceField(forms.ModelMultipleChoiceField):
    def _check_values(self, value):
        for item in value:
            _checked_pk(self, item)
        return super()._check_values(value)


def _helper(submit_label, *layout) -> FormHelper:
    helper = FormHelper()
    helper.layout = Layout(*layout)
    helper.add_input(Submit("submit", submit_label, css_class="btn-tap"))
    return helper


class ClassChoicesForm(forms.Form):
    """Three ordered choices and a priority mark for every student of a class.

    Field names carry the student's id: ``c1_<id>``, ``c2_<id>``, ``c3_<id>``, ``p_<id>``.
    """

    def __init__(self, *args, students: list[Student], mentors: list[Staff], **kwargs):
        super().__init__(*args, **kwargs)
        self.students = students
        options = [("", "—"), *((str(m.pk), m.name) for m in mentors)]
        for student in students:
            for rank in (1, 2, 3):
                self.fields[f"c{rank}_{student.pk}"] = forms.TypedChoiceField(
                    choices=options,
                    coerce=int,
                    empty_value=None,
                    required=False,
                    label=_("Choice %(n)s of %(name)s") % {"n": rank, "name": student.name},
                )
            self.fields[f"p_{student.pk}"] = forms.BooleanField(
                required=False, label=_("Priority: %(name)s") % {"name": student.name}
            )

    def rows(self):
        for student in self.students:
            yield (
                student,
                [self[f"c{rank}_{student.pk}"] for rank in (1, 2, 3)],
                self[f"p_{student.pk}"],
            )

    def clean(self):
        data = super().clean()
        for student in self.students:
            given = [data.get(f"c{rank}_{student.pk}") for rank in (1, 2, 3)]
            chosen = [m for m in given if m]
            if len(set(chosen)) != len(chosen):
                self.add_error(
                    f"c1_{student.pk}",
                    _("%(name)s: the same mentor is chosen twice.") % {"name": student.name},
                )
            elif given[: len(chosen)] != chosen:
                self.add_error(
                    f"c1_{student.pk}",
                    _("%(name)s: fill the choices in order, first choice first.")
                    % {"name": student.name},
                )
        return data

    def choices_by_student(self) -> dict[int, list[int | None]]:
        d = self.cleaned_data
        return {s.pk: [d.get(f"c{r}_{s.pk}") for r in (1, 2, 3)] for s in self.students}

    def priority_ids(self) -> set[int]:
        return {s.pk for s in self.students if self.cleaned_data.get(f"p_{s.pk}")}


class RankingForm(forms.Form):
    """A mentor's rank or decline of each applicant: ``r_<id>`` and ``d_<id>``."""

    def __init__(self, *args, applicants: list[Student], **kwargs):
        super().__init__(*args, **kwargs)
        self.applicants = applicants
        for student in applicants:
            self.fields[f"r_{student.pk}"] = forms.IntegerField(
                required=False,
                min_value=1,
                max_value=99,
                label=_("Rank of %(name)s") % {"name": student.name},
            )
            self.fields[f"d_{student.pk}"] = forms.BooleanField(
                required=False, label=_("Decline %(name)s") % {"name": student.name}
            )

    def entries(self) -> dict[int, tuple[int | None, bool]]:
        d = self.cleaned_data
        return {s.pk: (d.get(f"r_{s.pk}"), bool(d.get(f"d_{s.pk}"))) for s in self.applicants}

    def clean(self):
        data = super().clean()
        positions = [
            data.get(f"r_{s.pk}")
            for s in self.applicants
            if data.get(f"r_{s.pk}") and not data.get(f"d_{s.pk}")
        ]
        if len(set(positions)) != len(positions):
            raise forms.ValidationError(_("Two applicants have the same rank; give each its own."))
        return data


class CapacityForm(forms.Form):
    """Capacities of a class's mentors: ``cap_<staff id>``; empty means the default."""

    def __init__(self, *args, mentors: list[Staff], default: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.mentors = mentors
        for mentor in mentors:
            self.fields[f"cap_{mentor.pk}"] = forms.IntegerField(
                required=False,
                min_value=0,
                max_value=100,
                label=mentor.name,
                help_text=_("Empty: the default, %(n)s.") % {"n": default},
            )
        self.helper = _helper(_("Save capacities"), *self.fields)

    def capacities(self) -> dict[int, int | None]:
        return {m.pk: self.cleaned_data.get(f"cap_{m.pk}") for m in self.mentors}


class MatchConfirmForm(forms.Form):
    fingerprint = forms.CharField(widget=forms.HiddenInput, max_length=64)


class HandAssignForm(forms.Form):
    """Pair an unmatched student of the class with a mentor of the class (调剂)."""

    student = PkChoiceField(queryset=Student.objects.none(), label=_("student"))
    mentor = PkChoiceField(queryset=Staff.objects.none(), label=_("mentor"))
    reason = forms.CharField(
        label=_("Reason for going over capacity"),
        max_length=200,
        required=False,
        help_text=_("Needed only when the mentor is full."),
    )

    def __init__(self, *args, students, mentors, room: dict[int, int] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["student"].queryset = students
        self.fields["mentor"].queryset = mentors
        room = room or {}

        def label(mentor: Staff) -> str:
            if mentor.pk not in room:
                return mentor.name
            if room[mentor.pk] > 0:
                return _("%(name)s (room for %(n)s)") % {"name": mentor.name, "n": room[mentor.pk]}
            return _("%(name)s (full)") % {"name": mentor.name}

        self.fields["mentor"].label_from_instance = label
        self.helper = _helper(_("Assign"), Div(Field("student"), Field("mentor"), Field("reason")))


class EndPairingForm(forms.Form):
    reason = forms.ChoiceField(label=_("Why does it end?"), choices=Pairing.EndReason.choices)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("End the pairing"), "reason", "note")


class ReassignForm(forms.Form):
    """One new mentor per mentee of a leaving mentor: ``m_<pairing id>``."""

    reason = forms.ChoiceField(
        label=_("Why do the pairings end?"),
        choices=[c for c in Pairing.EndReason.choices if c[0] != Pairing.EndReason.STUDENT_LEFT],
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, suggestions, **kwargs):
        super().__init__(*args, **kwargs)
        self.suggestions = suggestions
        for pairing, others, best in suggestions:
            self.fields[f"m_{pairing.pk}"] = forms.TypedChoiceField(
                choices=[("", "—"), *((str(m.pk), m.name) for m in others)],
                coerce=int,
                empty_value=None,
                initial=best.pk if best else None,
                label=f"{pairing.student.name}（{pairing.school_class}）",
            )
        self.helper = _helper(
            _("Reassign all in one step"),
            Fieldset(_("Reason"), "reason", "note"),
            Fieldset(_("New mentors"), *[f"m_{p.pk}" for p, _o, _b in suggestions]),
        )

    def new_mentors(self) -> dict[int, int]:
        return {p.pk: self.cleaned_data[f"m_{p.pk}"] for p, _o, _b in self.suggestions}


def _not_future(value: dt.date) -> dt.date:
    if value > timezone.localdate():
        raise forms.ValidationError(_("The date is in the future."))
    return value


class TalkForm(SubmissionTokenMixin, forms.Form):
    date = forms.DateField(label=_("date"), widget=DateInput())
    topic = forms.CharField(label=pgettext_lazy("talk", "topic"), max_length=100)
    content = forms.CharField(label=_("what was said"), widget=forms.Textarea(attrs={"rows": 4}))
    follow_up = forms.CharField(
        label=pgettext_lazy("talk", "follow-up"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"date": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Save the talk"), "date", "topic", "content", "follow_up")

    def clean_date(self):
        return _not_future(self.cleaned_data["date"])


class ParentContactForm(SubmissionTokenMixin, forms.Form):
    date = forms.DateField(label=_("date"), widget=DateInput())
    method = forms.ChoiceField(label=_("method"), choices=ParentContact.Method.choices)
    content = forms.CharField(label=_("content"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"date": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Save the contact"), "date", "method", "content")

    def clean_date(self):
        return _not_future(self.cleaned_data["date"])


class GrowthRecordForm(SubmissionTokenMixin, forms.Form):
    date = forms.DateField(label=_("date"), widget=DateInput())
    content = forms.CharField(label=_("content"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"date": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Add to the growth record"), "date", "content")

    def clean_date(self):
        return _not_future(self.cleaned_data["date"])


class PlanForm(SubmissionTokenMixin, forms.ModelForm):
    class Meta:
        model = MentoringPlan
        fields = ["study", "life", "psychology", "thought", "academic", "living", "counselling"]
        widgets = {name: forms.Textarea(attrs={"rows": 3}) for name in fields}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            _("Save the plan"),
            Fieldset(_("Plan"), "study", "life", "psychology"),
            Fieldset(_("The four duties"), "thought", "academic", "living", "counselling"),
        )


class SummaryForm(SubmissionTokenMixin, forms.Form):
    text = forms.CharField(label=_("summary"), widget=forms.Textarea(attrs={"rows": 8}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Save the summary"), "text")


class ExchangeForm(SubmissionTokenMixin, forms.Form):
    date = forms.DateField(label=_("date"), widget=DateInput())
    held_as_class_meeting = forms.BooleanField(label=_("Held as the class meeting"), required=False)
    mentors = PkMultipleChoiceField(
        queryset=Staff.objects.none(),
        label=_("mentors present"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    students = PkMultipleChoiceField(
        queryset=Student.objects.none(),
        label=pgettext_lazy("exchange", "students discussed"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    notes = forms.CharField(label=_("notes"), widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, mentors, students, **kwargs):
        kwargs.setdefault("initial", {"date": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.fields["mentors"].queryset = mentors
        self.fields["mentors"].label_from_instance = lambda m: m.name
        self.fields["students"].queryset = students
        self.fields["students"].label_from_instance = lambda s: s.name
        self.helper = _helper(
            _("Record the exchange"),
            "date",
            "held_as_class_meeting",
            Div("mentors", css_class="checkbox-columns"),
            Div("students", css_class="checkbox-columns"),
            "notes",
        )

    def clean_date(self):
        return _not_future(self.cleaned_data["date"])


class RatingsForm(forms.Form):
    """Typed-in questionnaire answers: ``s_<pairing id>`` (1-5) and ``t_<pairing id>``."""

    def __init__(self, *args, pairings: list[Pairing], **kwargs):
        super().__init__(*args, **kwargs)
        self.pairings = pairings
        for p in pairings:
            self.fields[f"s_{p.pk}"] = forms.TypedChoiceField(
                choices=[("", "—"), *((str(i), str(i)) for i in range(1, 6))],
                coerce=int,
                empty_value=None,
                required=False,
                label=_("Score for %(name)s") % {"name": p.student.name},
            )
            self.fields[f"t_{p.pk}"] = forms.CharField(
                max_length=300,
                required=False,
                label=_("Comment of %(name)s") % {"name": p.student.name},
            )

    def rows(self):
        for p in self.pairings:
            yield p, self[f"s_{p.pk}"], self[f"t_{p.pk}"]

    def entries(self) -> dict[tuple[int, int], tuple[int | None, str]]:
        d = self.cleaned_data
        return {
            (p.student_id, p.mentor_id): (d.get(f"s_{p.pk}"), d.get(f"t_{p.pk}") or "")
            for p in self.pairings
        }


class SettingsForm(forms.Form):
    self_weight = forms.IntegerField(label=_("self (%)"), min_value=0, max_value=100)
    students_weight = forms.IntegerField(label=_("students (%)"), min_value=0, max_value=100)
    teachers_weight = forms.IntegerField(label=_("other teachers (%)"), min_value=0, max_value=100)
    school_weight = forms.IntegerField(label=_("school (%)"), min_value=0, max_value=100)
    threshold = forms.DecimalField(
        label=_("threshold"), min_value=Decimal(0), max_value=Decimal(100), decimal_places=1
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            _("Save weights"),
            Div(
                Div("self_weight", css_class="col-6 col-md"),
                Div("students_weight", css_class="col-6 col-md"),
                Div("teachers_weight", css_class="col-6 col-md"),
                Div("school_weight", css_class="col-6 col-md"),
                Div("threshold", css_class="col-12 col-md"),
                css_class="row",
            ),
        )

    def clean(self):
        data = super().clean()
        weights = [
            data.get(f)
            for f in ("self_weight", "students_weight", "teachers_weight", "school_weight")
        ]
        if all(w is not None for w in weights) and sum(weights) != 100:
            raise forms.ValidationError(
                _("The four weights must add up to 100 (they add up to %(sum)s).")
                % {"sum": sum(weights)}
            )
        return data

    def weights(self) -> tuple[int, int, int, int]:
        d = self.cleaned_data
        return (d["self_weight"], d["students_weight"], d["teachers_weight"], d["school_weight"])


score_field = {
    "min_value": Decimal(0),
    "max_value": Decimal(100),
    "decimal_places": 1,
    "required": False,
}


class SchoolScoreForm(forms.Form):
    """The academic office's part: the school's score, and the flag."""

    school_score = forms.DecimalField(label=_("school's score"), **score_field)
    school_comment = forms.CharField(
        label=_("school's comment"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    improve_by = forms.DateField(
        label=_("improve by"),
        required=False,
        widget=DateInput(),
        help_text=_("For a flagged mentor: the deadline to improve (限期整改)."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Save"), "school_score", "school_comment", "improve_by")


class SelfScoreForm(forms.Form):
    self_score = forms.DecimalField(label=_("self score"), **score_field)
    self_comment = forms.CharField(
        label=_("self assessment"), required=False, widget=forms.Textarea(attrs={"rows": 5})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Save"), "self_score", "self_comment")


class TeacherRatingForm(forms.Form):
    """Another teacher's rating of a mentor. With ``raters`` (the academic office typing in a
    teacher's paper form) the form also asks whose rating it is."""

    rater = PkChoiceField(label=_("rated by"), queryset=None)
    score = forms.DecimalField(label=_("score (0-100)"), **{**score_field, "required": True})
    comment = forms.CharField(
        label=_("comment"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args, raters=None, **kwargs):
        super().__init__(*args, **kwargs)
        if raters is None:
            del self.fields["rater"]
            fields = ("score", "comment")
        else:
            self.fields["rater"].queryset = raters
            fields = ("rater", "score", "comment")
        self.helper = _helper(_("Save the rating"), *fields)


class HonourForm(SubmissionTokenMixin, forms.Form):
    """A mentor, or a mentee found by 学籍号 or name among the term's pairings, and why."""

    MENTOR = "mentor"
    MENTEE = "mentee"

    kind = forms.ChoiceField(
        label=_("who"),
        choices=[(MENTOR, _("A mentor")), (MENTEE, _("A mentee"))],
        initial=MENTOR,
        widget=forms.RadioSelect,
    )
    mentor = PkChoiceField(queryset=Staff.objects.none(), label=_("mentor"), required=False)
    student = forms.CharField(
        label=_("mentee"),
        max_length=40,
        required=False,
        help_text=_("Student number (学籍号) or name."),
    )
    reason = forms.CharField(label=_("reason for praise"), max_length=200)

    def __init__(self, *args, mentors, pairings, **kwargs):
        super().__init__(*args, **kwargs)
        self.pairings = pairings
        self.fields["mentor"].queryset = mentors
        self.fields["mentor"].label_from_instance = lambda m: f"{m.name}（{m.staff_no}）"
        self.helper = _helper(
            _("Add to the honour list"),
            Field("kind", css_class="btn-tap"),
            "mentor",
            "student",
            "reason",
        )

    def clean(self):
        data = super().clean()
        if data.get("kind") == self.MENTOR:
            if not data.get("mentor"):
                self.add_error("mentor", _("Choose the mentor."))
            data["pairing"] = None
            return data
        data["mentor"] = None
        wanted = (data.get("student") or "").strip()
        if not wanted:
            self.add_error("student", _("Enter the mentee's student number or name."))
            return data
        found = list(
            self.pairings.filter(Q(student__student_no=wanted) | Q(student__name=wanted))
            .select_related("student")
            .order_by("-started_on")
        )
        students = {p.student_id for p in found}
        if not found:
            self.add_error("student", _("No mentee of this term has this number or name."))
        elif len(students) > 1:
            self.add_error(
                "student", _("Several mentees have this name: enter the student number.")
            )
        else:
            data["pairing"] = found[0]
        return data


class TrainingForm(SubmissionTokenMixin, forms.Form):
    date = forms.DateField(label=_("date"), widget=DateInput())
    kind = forms.ChoiceField(label=_("form"), choices=TrainingSession.Kind.choices)
    content = forms.CharField(label=_("content"), widget=forms.Textarea(attrs={"rows": 4}))
    attendees = PkMultipleChoiceField(
        queryset=Staff.objects.none(),
        label=_("mentors present"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, mentors, **kwargs):
        kwargs.setdefault("initial", {"date": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.fields["attendees"].queryset = mentors
        self.fields["attendees"].label_from_instance = lambda m: m.name
        self.helper = _helper(
            _("Record the session"),
            "date",
            "kind",
            "content",
            Div("attendees", css_class="checkbox-columns"),
        )


class CheckForm(SubmissionTokenMixin, forms.Form):
    mentor = PkChoiceField(queryset=Staff.objects.none(), label=_("mentor"))
    findings = forms.CharField(label=_("findings"), widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, mentors, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mentor"].queryset = mentors
        self.fields["mentor"].label_from_instance = lambda m: f"{m.name}（{m.staff_no}）"
        self.helper = _helper(_("Save the findings"), "mentor", "findings")
