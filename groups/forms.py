"""Forms validate and normalise; the writes are in ``groups.services``."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Field, Fieldset, Layout, Row, Submit

from schoolops.forms import DateInput
from schoolops.submissions import SubmissionTokenMixin

from .models import Consequence, GoalCheckIn, Membership, ReviewRound, StudyGroup


class ProposeForm(SubmissionTokenMixin, forms.Form):
    size = forms.TypedChoiceField(
        label=_("Group size"),
        choices=[(4, "4"), (5, "5"), (6, "6")],
        coerce=int,
        initial=6,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_class = "d-flex flex-wrap align-items-end gap-2"
        self.helper.layout = Layout(
            Field("size", wrapper_class="mb-0"),
            Submit("propose", _("Propose groups"), css_class="btn-primary"),
        )


class GroupForm(forms.ModelForm):
    class Meta:
        model = StudyGroup
        fields = ["name", "motto", "goal_midterm", "goal_term_end", "goal_year", "goal_stage"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Row(Field("name", wrapper_class="col-md-4"), Field("motto", wrapper_class="col-md-8")),
            Fieldset(
                _("Group goals"),
                Row(
                    Field("goal_midterm", wrapper_class="col-md-6"),
                    Field("goal_term_end", wrapper_class="col-md-6"),
                ),
                Row(
                    Field("goal_year", wrapper_class="col-md-6"),
                    Field("goal_stage", wrapper_class="col-md-6"),
                ),
            ),
            Submit("save", _("Save"), css_class="btn-primary"),
        )

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("Give the group a name."))
        clash = StudyGroup.objects.active().filter(
            term=self.instance.term, school_class=self.instance.school_class, name=name
        )
        if clash.exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(_("Another group of the class already has this name."))
        return name


class MemberGoalsForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = ["goal_short", "goal_long"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            "goal_short", "goal_long", Submit("save", _("Save"), css_class="btn-primary")
        )


class MoveForm(forms.Form):
    to_group = forms.ModelChoiceField(label=_("Move to"), queryset=StudyGroup.objects.none())
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)

    def __init__(self, *args, membership: Membership, groups, **kwargs):
        super().__init__(*args, **kwargs)
        self.membership = membership
        self.fields["to_group"].queryset = groups.order_by("number")
        # The groups are all of the student's class: their names say enough (and the
        # class in ``StudyGroup.__str__`` would cost two queries per option). With its size
        # (``groups`` annotated with ``size``, its current members), to keep the sizes even.
        self.fields["to_group"].label_from_instance = lambda group: (
            _("%(name)s (%(count)s students)") % {"name": group.name, "count": group.size}
            if hasattr(group, "size")
            else group.name
        )
        self.fields["reason"].required = membership.group.is_confirmed
        self.helper = FormHelper()
        self.helper.layout = Layout(
            "to_group", "reason", Submit("move", _("Move"), css_class="btn-primary")
        )

    def clean_to_group(self) -> StudyGroup:
        group = self.cleaned_data["to_group"]
        if group.pk == self.membership.group_id:
            raise forms.ValidationError(_("The student is already in this group."))
        return group


class RolesForm(forms.Form):
    """One leader, one recorder and a leader for each subject the class is taught; it starts
    with the roles the members hold (``members`` with their ``led_subjects`` prefetched)."""

    def __init__(self, *args, group: StudyGroup, members, subjects, **kwargs):
        kwargs.setdefault("initial", self.holders(members))
        super().__init__(*args, **kwargs)
        self.subjects = list(subjects)
        choices = [(m.pk, m.student.name) for m in members]
        self.members = {m.pk: m for m in members}
        self.fields["leader"] = forms.TypedChoiceField(
            label=_("Group leader (行政组长)"), choices=choices, coerce=int
        )
        self.fields["recorder"] = forms.TypedChoiceField(
            label=_("Recorder (协调记录组长)"), choices=choices, coerce=int
        )
        for subject in self.subjects:
            self.fields[f"subject_{subject.pk}"] = forms.TypedChoiceField(
                label=_("%(subject)s leader") % {"subject": subject.name},
                choices=choices,
                coerce=int,
            )
        # A role nobody holds (its holder moved to another group) starts empty and is marked:
        # the teacher chooses a new holder rather than keep the browser's first option.
        self.vacant = [
            field for name, field in self.fields.items() if self.initial.get(name) is None
        ]
        for field in self.vacant:
            field.choices = [("", _("— empty: choose a new holder —")), *choices]
            field.widget.attrs["class"] = "role-vacant border-warning"
            field.help_text = _("Nobody holds this role now.")
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Row(
                Field("leader", wrapper_class="col-sm-6"),
                Field("recorder", wrapper_class="col-sm-6"),
            ),
            Fieldset(
                _("Subject leaders"),
                Row(*[Field(f"subject_{s.pk}", wrapper_class="col-sm-4") for s in self.subjects]),
            ),
            Submit("save", _("Save roles"), css_class="btn-primary"),
        )

    @staticmethod
    def holders(members) -> dict[str, int]:
        """Who holds each role now, as the form's initial values (no query)."""
        initial: dict[str, int] = {}
        for member in members:
            if member.is_leader:
                initial["leader"] = member.pk
            if member.is_recorder:
                initial["recorder"] = member.pk
            for subject in member.led_subjects.all():
                initial[f"subject_{subject.pk}"] = member.pk
        return initial

    def clean(self):
        data = super().clean()
        if data.get("leader") and data.get("leader") == data.get("recorder"):
            raise forms.ValidationError(
                _("The group leader and the recorder should be two different members.")
            )
        return data

    def roles(self) -> dict:
        data = self.cleaned_data
        return {
            "leader": self.members[data["leader"]],
            "recorder": self.members[data["recorder"]],
            "subject_leaders": {s: self.members[data[f"subject_{s.pk}"]] for s in self.subjects},
        }


class CheckInForm(SubmissionTokenMixin, forms.ModelForm):
    class Meta:
        model = GoalCheckIn
        fields = ["goal", "membership", "status", "note"]

    def __init__(self, *args, group: StudyGroup, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["membership"].queryset = Membership.objects.filter(
            pk__in=[m.pk for m in members]
        ).select_related("student")
        self.fields["membership"].label_from_instance = lambda m: m.student.name
        self.fields["membership"].required = False
        self.fields["membership"].help_text = _("Only for a member's goal.")
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Row(
                Field("goal", wrapper_class="col-sm-6"),
                Field("membership", wrapper_class="col-sm-6"),
            ),
            Row(Field("status", wrapper_class="col-sm-4"), Field("note", wrapper_class="col-sm-8")),
            Submit("check", _("Record check-in"), css_class="btn-primary"),
        )

    def clean(self):
        data = super().clean()
        member_goal = data.get("goal") in (
            GoalCheckIn.Goal.MEMBER_SHORT,
            GoalCheckIn.Goal.MEMBER_LONG,
        )
        if member_goal and not data.get("membership"):
            self.add_error("membership", _("Choose the member whose goal you checked."))
        return data


class CorrectionForm(forms.Form):
    reason = forms.CharField(label=_("Reason for the correction"), max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            "reason", Submit("correct", _("Reverse this entry"), css_class="btn-danger")
        )

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("A correction needs a reason."))
        return reason


class RecommendForm(forms.Form):
    note = forms.CharField(label=_("Why this group"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            "note", Submit("recommend", _("Recommend"), css_class="btn-success")
        )


class ConsequenceForm(SubmissionTokenMixin, forms.ModelForm):
    class Meta:
        model = Consequence
        fields = ["student", "kind", "note"]

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        ids = [m.student_id for m in members]
        self.fields["student"].queryset = self.fields["student"].queryset.filter(pk__in=ids)
        self.fields["student"].label_from_instance = lambda s: s.name
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Row(
                Field("student", wrapper_class="col-sm-4"),
                Field("kind", wrapper_class="col-sm-4"),
                Field("note", wrapper_class="col-sm-4"),
            ),
            Submit("record", _("Record"), css_class="btn-primary"),
        )


class ReviewRoundForm(SubmissionTokenMixin, forms.ModelForm):
    class Meta:
        model = ReviewRound
        fields = ["title", "held_on"]
        widgets = {"held_on": DateInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_class = "row g-2 align-items-end"
        self.helper.layout = Layout(
            Field("title", wrapper_class="col-sm-5"),
            Field("held_on", wrapper_class="col-sm-4"),
            Submit("create", _("Start a review round"), css_class="btn-primary col-sm-3 mb-3"),
        )


REVIEW_LINES = (
    ("participation", _("Participation")),
    ("helping", _("Helping others")),
    ("finishing", _("Finishing tasks")),
    ("discipline", _("Discipline")),
)


class ReviewForm(forms.Form):
    """One reviewer's ratings: four lines for themselves and for each group-mate."""

    reviewer = forms.TypedChoiceField(label=_("Reviewer"), coerce=int)

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.members = list(members)
        self.fields["reviewer"].choices = [(m.student_id, m.student.name) for m in self.members]
        scale = [(i, str(i)) for i in range(1, 6)]
        rows = []
        for member in self.members:
            names = []
            for key, label in REVIEW_LINES:
                name = f"r_{member.student_id}_{key}"
                self.fields[name] = forms.TypedChoiceField(
                    label=label, choices=scale, coerce=int, initial=3
                )
                names.append(Field(name, wrapper_class="col-6 col-md-3"))
            rows.append(Fieldset(member.student.name, Row(*names)))
        self.helper = FormHelper()
        self.helper.layout = Layout(
            "reviewer", *rows, Submit("save", _("Save ratings"), css_class="btn-primary")
        )

    def ratings(self) -> dict[int, tuple[int, int, int, int]]:
        data = self.cleaned_data
        return {
            m.student_id: tuple(data[f"r_{m.student_id}_{key}"] for key, _label in REVIEW_LINES)
            for m in self.members
        }


class MoveEntryForm(forms.Form):
    """「改记到…组」: the group of the same class the score belongs to."""

    group = forms.ModelChoiceField(
        label=_("Move the score to"),
        queryset=StudyGroup.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={"invalid_choice": _("Choose one of the class's other groups.")},
    )
    reason = forms.CharField(
        label=_("Reason (optional)"),
        max_length=200,
        required=False,
        help_text=_("Left empty, the record says which group the score was moved to."),
    )

    def __init__(self, *args, entry, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = (
            StudyGroup.objects.confirmed()
            .filter(school_class_id=entry.school_class_id, term_id=entry.term_id)
            .exclude(pk=entry.group_id)
            .order_by("number")
        )
        self.fields["group"].label_from_instance = lambda g: f"{g.number}. {g.name}"
        self.helper = FormHelper()
        self.helper.layout = Layout(
            "group", "reason", Submit("move", _("Move the score"), css_class="btn-primary btn-lg")
        )
