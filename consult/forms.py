"""Forms validate and normalise; ``services`` writes."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Field, Fieldset, Layout, Submit

from schoolops.forms import BoundedFormSet, DateInput
from schoolops.models import Grade, SchoolClass, Staff, Student
from schoolops.params import MAX_PK, to_pk
from schoolops.submissions import SubmissionTokenMixin

from .models import (
    Attention,
    Case,
    ClassActivity,
    FollowUp,
    LedgerProfile,
    Meeting,
    Observation,
    Question,
    Questionnaire,
)
from .services import ANSWER_TEXT_MAX

SAVE = _("Save")


class IdsField(forms.ModelMultipleChoiceField):
    """Refuses ids no database column can hold before they reach an ``IN (...)`` query."""

    def _check_values(self, value):
        for pk in value:
            if to_pk(str(pk).strip()) is None:
                raise forms.ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": pk},
                )
        return super()._check_values(value)


def _helper(*layout, submit=SAVE) -> FormHelper:
    helper = FormHelper()
    helper.layout = Layout(*layout, Submit("save", submit, css_class="btn-tap"))
    return helper


class LedgerForm(forms.ModelForm):
    categories = forms.MultipleChoiceField(
        label=_("Special-attention categories"),
        choices=Attention.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = LedgerProfile
        fields = [
            "strengths",
            "weaknesses",
            "personality",
            "interests",
            "family_situation",
            "categories",
            "education_plan",
        ]
        widgets = {
            name: forms.Textarea(attrs={"rows": 2})
            for name in (
                "strengths",
                "weaknesses",
                "personality",
                "interests",
                "family_situation",
                "education_plan",
            )
        }

    def __init__(self, *args, hidden: tuple[str, ...] = (), **kwargs):
        """``hidden``: categories the editor may not read (``privacy``): not offered."""
        super().__init__(*args, **kwargs)
        if hidden:
            field = self.fields["categories"]
            field.choices = [(v, label) for v, label in field.choices if v not in hidden]
            self.initial["categories"] = [
                c for c in self.initial.get("categories") or [] if c not in hidden
            ]
        self.helper = _helper(
            Fieldset(
                _("The student"),
                "strengths",
                "weaknesses",
                "personality",
                "interests",
                "family_situation",
            ),
            Fieldset(
                _("Special attention"),
                Div("categories", css_class="consult-checks"),
                "education_plan",
            ),
        )

    def clean(self):
        data = super().clean()
        if data.get("categories") and not (data.get("education_plan") or "").strip():
            self.add_error(
                "education_plan",
                _("A special-attention student needs an individual education plan."),
            )
        return data


class ObservationForm(SubmissionTokenMixin, forms.ModelForm):
    class Meta:
        model = Observation
        fields = ["date", "method", "source", "content", "psychological"]
        widgets = {"date": DateInput(), "content": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, may_flag_psych: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["date"].initial = timezone.localdate()
        fields = ["date", "method", "source", "content"]
        if may_flag_psych:
            fields.append("psychological")
        else:
            del self.fields["psychological"]
        self.helper = _helper(*fields)

    def clean_date(self):
        date = self.cleaned_data["date"]
        if date > timezone.localdate():
            raise forms.ValidationError(_("An observation cannot be dated in the future."))
        return date


class StrategyForm(SubmissionTokenMixin, forms.Form):
    problem = forms.CharField(label=_("Problem found"), widget=forms.Textarea(attrs={"rows": 2}))
    action = forms.CharField(label=_("Strategy"), widget=forms.Textarea(attrs={"rows": 3}))
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=Staff.objects.none())
    start_date = forms.DateField(label=_("Start"), widget=DateInput())
    review_date = forms.DateField(label=_("Review date"), widget=DateInput())
    observations = IdsField(
        label=_("Observations that led to it"),
        queryset=Observation.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, owners, observations, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["owner"].queryset = owners
        self.fields["observations"].queryset = observations
        self.fields["start_date"].initial = today
        self.fields["review_date"].initial = today + dt.timedelta(days=14)
        self.helper = _helper(
            "problem",
            "action",
            "owner",
            Div(
                Div("start_date", css_class="col"),
                Div("review_date", css_class="col"),
                css_class="row",
            ),
            "observations",
        )

    def clean(self):
        data = super().clean()
        start, review = data.get("start_date"), data.get("review_date")
        if start and review and review < start:
            self.add_error("review_date", _("The review date is before the start."))
        return data


class FollowUpForm(SubmissionTokenMixin, forms.Form):
    date = forms.DateField(label=_("Date"), widget=DateInput())
    done = forms.CharField(label=_("What was done"), widget=forms.Textarea(attrs={"rows": 2}))
    result = forms.ChoiceField(
        label=_("Result"), choices=FollowUp.Result.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(label=_("Note"), required=False)
    next_review = forms.DateField(
        label=_("Next review"),
        required=False,
        widget=DateInput(),
        help_text=_("Two weeks later if left empty."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["date"].initial = timezone.localdate()
        self.helper = _helper(
            "date", "done", Field("result"), "note", "next_review", submit=_("Add follow-up")
        )
        self.helper.form_action = ""


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("Note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "aria-label": _("Note")}),
    )


class ProposeForm(forms.Form):
    reason = forms.CharField(
        label=_("Why the next level should take this student"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class MeetingForm(forms.ModelForm):
    class Meta:
        model = Meeting
        fields = [
            "kind",
            "home_form",
            "monthly_review",
            "date",
            "chair",
            "attendees",
            "parents",
            "topic",
            "preparation",
            "analysis",
            "strategies",
            "summary",
        ]
        widgets = {
            "date": DateInput(),
            "attendees": forms.CheckboxSelectMultiple,
            "preparation": forms.Textarea(attrs={"rows": 2}),
            "analysis": forms.Textarea(attrs={"rows": 3}),
            "strategies": forms.Textarea(attrs={"rows": 3}),
            "summary": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, level: str, staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attendees"] = IdsField(
            label=self.fields["attendees"].label,
            queryset=staff,
            required=False,
            widget=forms.CheckboxSelectMultiple,
        )
        self.level = level
        self.fields["date"].initial = timezone.localdate()
        self.fields["chair"].queryset = staff
        fields = ["kind", "date", "chair", "attendees", "topic"]
        if level == "home":
            fields[1:1] = ["home_form"]
            fields.append("parents")
            self.fields["parents"].required = True
            self.fields["home_form"].required = True
        else:
            del self.fields["home_form"]
            del self.fields["parents"]
        if level == "school":
            fields.append("monthly_review")
        else:
            del self.fields["monthly_review"]
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Fieldset(_("The meeting"), *fields),
            Fieldset(
                _("The four parts"),
                "preparation",
                "analysis",
                "strategies",
                "summary",
            ),
        )


class NewMeetingForm(SubmissionTokenMixin, MeetingForm):
    """Recording a meeting: the record's form with the one-time token."""


def student_label(student: Student) -> str:
    """How a student is typed in the meeting forms and offered in their datalist."""
    return f"{student.student_no} {student.name}"


class DiscussedForm(forms.Form):
    """A student discussed: typed as 学籍号 or name (the datalist offers 「学籍号 姓名」) and
    resolved by the formset in one query, so a phone never loads a class or a grade's roster."""

    student = forms.CharField(
        label=_("Student"),
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={"list": "discussed-students", "autocomplete": "off", "class": "student-ref"}
        ),
        help_text=_("学籍号 or name"),
    )
    analysis = forms.CharField(
        label=_("Analysis"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    decision = forms.CharField(
        label=_("Strategy decided"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("A strategy written here is opened for follow-up."),
    )
    review_date = forms.DateField(label=_("Review date"), required=False, widget=DateInput())

    def filled(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return any(
            (data.get(name) or "") if name != "review_date" else data.get(name)
            for name in ("student", "analysis", "decision", "review_date")
        )


class DiscussedEditForm(DiscussedForm):
    """A row of the students-discussed editor: a recorded row (its student fixed) or a new one."""

    row = forms.IntegerField(required=False, widget=forms.HiddenInput, max_value=MAX_PK)
    remove = forms.BooleanField(label=_("Remove from the record"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.initial.get("row"):
            self.fields["student"].disabled = True
            self.fields["student"].help_text = ""
        else:
            del self.fields["remove"]

    def clean_row(self):
        # Rows are matched to the record by position: a page older than the record is refused.
        row = self.cleaned_data.get("row")
        if row != self.initial.get("row"):
            raise forms.ValidationError(
                _("The students discussed changed meanwhile: open the page again.")
            )
        return row

    def filled(self) -> bool:
        return bool(self.initial.get("row")) or super().filled()


def resolve_students(texts: list[str], students) -> dict[str, Student | str]:
    """Typed student → the student, or the error to show; one query for all of them.

    ``students`` is the meeting's scope (a class, a grade, the school meeting's students):
    a student outside it is answered like an unknown one.
    """
    tokens = {token for text in texts for token in text.split()}
    if not tokens:
        return {}
    found = list(
        students.filter(Q(student_no__in=tokens) | Q(name__in=tokens)).order_by("student_no")[
            : 20 + len(texts) * 5
        ]
    )
    by_no = {s.student_no: s for s in found}
    out: dict[str, Student | str] = {}
    for text in texts:
        parts = text.split()
        numbered = [by_no[p] for p in parts if p in by_no]
        named = [s for s in found if s.name in parts]
        if numbered:
            out[text] = numbered[0]
        elif len(named) == 1:
            out[text] = named[0]
        elif named:
            out[text] = str(
                _("Several students are called %(name)s: add the 学籍号.") % {"name": text}
            )
        else:
            out[text] = str(
                _("No student “%(text)s” can be discussed at this meeting.") % {"text": text}
            )
    return out


class BaseDiscussedFormSet(BoundedFormSet):
    def __init__(self, *args, students=None, **kwargs):
        self.students = students
        super().__init__(*args, **kwargs)

    def clean(self):
        rows = [
            f
            for f in self.forms
            if hasattr(f, "cleaned_data") and not f.errors and not f.cleaned_data.get("remove")
        ]
        typed = [
            f
            for f in rows
            if not f.initial.get("row") and (f.cleaned_data.get("student") or "").strip()
        ]
        resolved = resolve_students(
            [f.cleaned_data["student"].strip() for f in typed], self.students
        )
        for f in typed:
            found = resolved[f.cleaned_data["student"].strip()]
            if isinstance(found, str):
                f.add_error("student", found)
            else:
                f.cleaned_data["student"] = found
        seen = set(self.recorded_ids)
        for f in rows:
            if f.errors or not f.filled():
                continue
            student = f.cleaned_data.get("student")
            if f.initial.get("row"):
                student = None
            elif not isinstance(student, Student):
                f.add_error("student", _("Choose the student."))
                continue
            if not (f.cleaned_data.get("analysis") or "").strip():
                f.add_error("analysis", _("Write the analysis."))
            if student is not None:
                if student.pk in seen:
                    f.add_error("student", _("This student is already listed."))
                seen.add(student.pk)

    @property
    def recorded_ids(self) -> list[int]:
        return [f.initial["student_id"] for f in self.forms if f.initial.get("row")]

    def rows(self) -> list[DiscussedForm]:
        """The valid rows a person filled (or recorded earlier), in order."""
        return [f for f in self.forms if f.filled()]


DiscussedFormSet = forms.formset_factory(
    DiscussedForm, formset=BaseDiscussedFormSet, extra=3, max_num=60, validate_max=True
)
DiscussedEditFormSet = forms.formset_factory(
    DiscussedEditForm, formset=BaseDiscussedFormSet, extra=3, max_num=80, validate_max=True
)


class CaseForm(forms.ModelForm):
    class Meta:
        model = Case
        fields = ["title", "situation", "strategy", "process", "records", "result", "nominated"]
        widgets = {
            name: forms.Textarea(attrs={"rows": 4})
            for name in ("situation", "strategy", "process", "records", "result")
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            "title", "situation", "strategy", "process", "records", "result", "nominated"
        )


class NewCaseForm(SubmissionTokenMixin, CaseForm):
    """Writing a case: the case's form with the one-time token."""


class CaseScoreForm(forms.Form):
    score = forms.IntegerField(label=_("Score (0-100)"), min_value=0, max_value=100)
    comment = forms.CharField(label=_("Comment"), required=False, max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper("score", "comment", submit=_("Score"))


class LeaderForm(forms.Form):
    """One row of the monthly review. The leaders are loaded once for the whole formset."""

    student = forms.IntegerField(widget=forms.HiddenInput)
    leader = forms.TypedChoiceField(
        label=_("Responsible leader"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, *args, leaders=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.leaders = {s.pk: s for s in leaders or []}
        self.fields["leader"].choices = [("", "—")] + [
            (pk, staff.name) for pk, staff in self.leaders.items()
        ]

    def clean_leader(self):
        pk = self.cleaned_data.get("leader")
        return None if pk is None else self.leaders[pk]


class BaseLeaderFormSet(BoundedFormSet):
    def __init__(self, *args, leaders=None, **kwargs):
        self.leaders = list(leaders or [])
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {"leaders": self.leaders}


LeaderFormSet = forms.formset_factory(LeaderForm, formset=BaseLeaderFormSet, extra=0)


# Theme class meetings and study-method exchanges.


class ActivityForm(forms.ModelForm):
    """A theme class meeting (theme, hosts, speakers, content, summary) or a study-method
    exchange (topics, speakers, summary); the students are the class's."""

    class Meta:
        model = ClassActivity
        fields = ["date", "theme", "hosts", "speakers", "content", "summary"]
        widgets = {
            "date": DateInput(),
            "content": forms.Textarea(attrs={"rows": 4}),
            "summary": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, kind: str, students=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["date"].initial = timezone.localdate()
        choices = students if students is not None else Student.objects.none()
        for name in ("hosts", "speakers"):
            self.fields[name] = IdsField(
                queryset=choices,
                required=False,
                widget=forms.CheckboxSelectMultiple(attrs={"class": "student-checks"}),
                label=self.fields[name].label,
            )
            self.fields[name].label_from_instance = lambda s: f"{s.student_no} {s.name}"
        if kind == ClassActivity.Kind.EXCHANGE:
            self.fields["theme"].label = _("Topics")
            self.fields["speakers"].label = _("Speakers")
            self.fields["summary"].label = _("Summary of the exchange")
            del self.fields["hosts"]
            del self.fields["content"]
            layout = ["date", "theme", "speakers", "summary"]
        else:
            self.fields["theme"].label = _("Theme")
            self.fields["hosts"].label = _("Host students")
            self.fields["speakers"].label = _("Students speaking of their own progress (现身说法)")
            self.fields["summary"].label = _("The homeroom teacher's summary")
            layout = ["date", "theme", "hosts", "speakers", "content", "summary"]
        self.helper = _helper(*layout)
        self.helper.form_tag = True


class NewActivityForm(SubmissionTokenMixin, ActivityForm):
    """Recording one: the form with the one-time token."""


class PhotoForm(forms.Form):
    photo = forms.FileField(label=_("Photo"))


class PlanForm(forms.Form):
    goals = forms.CharField(label=_("Goals"), widget=forms.Textarea(attrs={"rows": 4}))
    schedule = forms.CharField(
        label=_("Schedule of meetings"), widget=forms.Textarea(attrs={"rows": 5})
    )
    focus = forms.CharField(
        label=_("Focus students"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper("goals", "schedule", "focus")


class SummaryForm(forms.Form):
    text = forms.CharField(label=_("Summary (经验材料)"), widget=forms.Textarea(attrs={"rows": 14}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper("text")


class ClassLeaderForm(forms.Form):
    """The monthly review: the school leader sent to the class (蹲点), or none."""

    leader = forms.TypedChoiceField(
        label=_("Leader in the class (蹲点)"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, *args, leaders=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.leaders = {s.pk: s for s in leaders or []}
        self.fields["leader"].choices = [("", "—")] + [
            (pk, staff.name) for pk, staff in self.leaders.items()
        ]
        self.helper = _helper("leader")

    def clean_leader(self):
        pk = self.cleaned_data.get("leader")
        return None if pk is None else self.leaders[pk]


# Questionnaires.


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        kwargs.setdefault("format", "%Y-%m-%dT%H:%M")
        super().__init__(**kwargs)


class QuestionnaireForm(SubmissionTokenMixin, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=100)
    audience = forms.ChoiceField(label=_("Asked of"), choices=Questionnaire.Audience.choices)
    reach = forms.ChoiceField(label=_("For"), choices=Questionnaire.Reach.choices)
    school_class = forms.ModelChoiceField(
        label=_("Class"), queryset=SchoolClass.objects.none(), required=False
    )
    grade = forms.ModelChoiceField(label=_("Grade"), queryset=Grade.objects.none(), required=False)
    deadline = forms.DateTimeField(
        label=_("Deadline"), widget=DateTimeInput(), input_formats=["%Y-%m-%dT%H:%M"]
    )
    intro = forms.CharField(
        label=_("Introduction"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown above the questions: who asks, why, and that it is anonymous."),
    )

    def __init__(self, *args, classes, grades, school_wide: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school_class"].queryset = classes
        self.fields["grade"].queryset = grades
        reaches = [
            (value, label)
            for value, label in Questionnaire.Reach.choices
            if school_wide
            or (value == Questionnaire.Reach.CLASS)
            or (value == Questionnaire.Reach.GRADE and grades.exists())
        ]
        self.fields["reach"].choices = reaches

    def clean(self):
        data = super().clean()
        reach = data.get("reach")
        if reach == Questionnaire.Reach.CLASS and not data.get("school_class"):
            self.add_error("school_class", _("Choose the class."))
        if reach == Questionnaire.Reach.GRADE and not data.get("grade"):
            self.add_error("grade", _("Choose the grade."))
        deadline = data.get("deadline")
        if deadline is not None and deadline <= timezone.now():
            self.add_error("deadline", _("The deadline must be in the future."))
        return data


class QuestionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Question.Kind.choices, required=False)
    text = forms.CharField(label=_("Question"), max_length=200, required=False)
    choices = forms.CharField(
        label=_("Choices, one a line"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    required = forms.BooleanField(label=_("Must be answered"), required=False)

    def filled(self) -> bool:
        return bool(getattr(self, "cleaned_data", {}).get("text", "").strip())

    def clean(self):
        data = super().clean()
        if not (data.get("text") or "").strip():
            return data
        if not data.get("kind"):
            self.add_error("kind", _("Choose the kind of question."))
        choices = [c.strip() for c in (data.get("choices") or "").splitlines() if c.strip()]
        if data.get("kind") in (Question.Kind.SINGLE, Question.Kind.MULTIPLE):
            if len(choices) < 2:
                self.add_error("choices", _("Give at least two choices, one a line."))
            elif len(choices) > 12:
                self.add_error("choices", _("At most 12 choices."))
            elif any(len(c) > 100 for c in choices):
                self.add_error("choices", _("A choice has at most 100 characters."))
        data["choice_list"] = choices
        return data


class BaseQuestionFormSet(BoundedFormSet):
    def rows(self) -> list[QuestionForm]:
        return [f for f in self.forms if f.filled()]

    def clean(self):
        if any(f.errors for f in self.forms):
            return
        if not self.rows():
            raise forms.ValidationError(_("Add at least one question."))


QuestionFormSet = forms.formset_factory(
    QuestionForm, formset=BaseQuestionFormSet, extra=3, max_num=30, validate_max=True
)


class AnswerForm(forms.Form):
    """The questionnaire as a parent answers it: one field per question."""

    def __init__(self, *args, questions, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = list(questions)
        for n, question in enumerate(self.questions, start=1):
            label = f"{n}. {question.text}"
            name = f"q{question.pk}"
            if question.kind == Question.Kind.SINGLE:
                field: forms.Field = forms.TypedChoiceField(
                    choices=list(enumerate(question.choices)),
                    coerce=int,
                    widget=forms.RadioSelect,
                )
            elif question.kind == Question.Kind.MULTIPLE:
                field = forms.TypedMultipleChoiceField(
                    choices=list(enumerate(question.choices)),
                    coerce=int,
                    widget=forms.CheckboxSelectMultiple,
                )
            elif question.kind == Question.Kind.SCALE:
                field = forms.TypedChoiceField(
                    choices=[(n, str(n)) for n in range(1, 6)],
                    coerce=int,
                    widget=forms.RadioSelect,
                    help_text=_("1 is the least, 5 the most."),
                )
            else:
                field = forms.CharField(
                    max_length=ANSWER_TEXT_MAX,
                    widget=forms.Textarea(attrs={"rows": 4}),
                    help_text=_("At most %(count)s characters.") % {"count": ANSWER_TEXT_MAX},
                )
            field.label = label
            field.required = question.required
            self.fields[name] = field

    def answers(self) -> dict[str, object]:
        out: dict[str, object] = {}
        for question in self.questions:
            value = self.cleaned_data.get(f"q{question.pk}")
            if value in (None, "", []):
                continue
            out[str(question.pk)] = value.strip() if isinstance(value, str) else value
        return out


class CommonIssueForm(SubmissionTokenMixin, forms.Form):
    text = forms.CharField(
        label=_("Common problem"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("It goes on the agenda of the grade's next meeting."),
    )
