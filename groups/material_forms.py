"""Forms of the shared materials and the questions passed up (``groups.materials``)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Field, Layout, Row, Submit

from schoolops.submissions import SubmissionTokenMixin

from .models import Material, StudyGroup


class GroupChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: StudyGroup) -> str:
        return obj.name


class StudentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.name


def _add_student(form: forms.Form, students, label) -> None:
    """On the class terminal: who is at the screen, picked from the class list."""
    if students is not None:
        form.fields["student"] = StudentChoiceField(label=label, queryset=students)


def _check_member(form: forms.Form, data: dict, *, leader: bool) -> None:
    """The student picked on the terminal belongs to the chosen group (its leader for a
    question)."""
    student, group = data.get("student"), data.get("group")
    if student is None or group is None:
        return
    members = group.memberships.current().filter(student=student)
    if leader:
        members = members.filter(is_leader=True)
    if not members.exists():
        if leader:
            form.add_error("student", _("Only the group's leader enters its questions."))
        else:
            form.add_error("student", _("Choose a member of the group."))


class MaterialForm(SubmissionTokenMixin, forms.Form):
    group = GroupChoiceField(label=_("Group"), queryset=StudyGroup.objects.none())
    kind = forms.ChoiceField(label=_("Kind"), choices=Material.Kind.choices)
    subject = forms.ModelChoiceField(label=_("Subject"), queryset=None, required=False)
    title = forms.CharField(label=_("Title"), max_length=100)
    note = forms.CharField(
        label=_("Note"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    file = forms.FileField(
        label=_("File"),
        help_text=_("PDF, an image, or a Word, Excel or PowerPoint document."),
        widget=forms.ClearableFileInput(
            attrs={"accept": ".pdf,.jpg,.jpeg,.png,.gif,.webp,.docx,.xlsx,.pptx"}
        ),
    )

    def __init__(self, *args, groups, subjects, students=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = groups
        self.fields["subject"].queryset = subjects
        _add_student(self, students, _("Shared by"))
        self.helper = FormHelper()
        self.helper.form_tag = True
        self.helper.attrs = {"enctype": "multipart/form-data"}
        self.helper.layout = Layout(
            Row(
                Field("group", wrapper_class="col-sm-4"),
                Field("kind", wrapper_class="col-sm-4"),
                Field("subject", wrapper_class="col-sm-4"),
            ),
            *(["student"] if students is not None else []),
            "title",
            "note",
            "file",
            Submit("upload", _("Share the file"), css_class="btn-primary"),
        )

    def clean(self):
        data = super().clean()
        _check_member(self, data, leader=False)
        return data


class QuestionForm(SubmissionTokenMixin, forms.Form):
    group = GroupChoiceField(label=_("Group"), queryset=StudyGroup.objects.none())
    subject = forms.ModelChoiceField(label=_("Subject"), queryset=None)
    text = forms.CharField(
        label=_("Question or difficulty"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, groups, subjects, students=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = groups
        self.fields["subject"].queryset = subjects
        _add_student(self, students, _("Group leader"))
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Row(
                Field("group", wrapper_class="col-sm-6"),
                Field("subject", wrapper_class="col-sm-6"),
            ),
            *(["student"] if students is not None else []),
            "text",
            Submit("ask", _("Pass the question up"), css_class="btn-primary"),
        )

    def clean(self):
        data = super().clean()
        _check_member(self, data, leader=True)
        return data


class AnswerForm(forms.Form):
    note = forms.CharField(
        label=_("How it was answered"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example: explained in Thursday's lesson, with two more exercises."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            "note", Submit("answer", _("Mark as answered"), css_class="btn-primary")
        )


class RepsForm(forms.Form):
    """The class's 科代表: one select of its students per subject taught in the class."""

    def __init__(self, *args, subjects, students, reps, **kwargs):
        super().__init__(*args, **kwargs)
        self.subjects = list(subjects)
        for subject in self.subjects:
            field = forms.ModelChoiceField(
                label=subject.name,
                queryset=students,
                required=False,
                initial=reps.get(subject.pk),
                empty_label=_("(nobody)"),
            )
            field.label_from_instance = lambda s: s.name
            self.fields[f"subject_{subject.pk}"] = field
        self.helper = FormHelper()
        self.helper.layout = Layout(
            *[Field(name) for name in self.fields],
            Submit("save", _("Save the subject representatives"), css_class="btn-primary"),
        )

    def chosen(self):
        return {s: self.cleaned_data.get(f"subject_{s.pk}") for s in self.subjects}
