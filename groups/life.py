"""Group life (issue 16): a group's meetings (定期聚会, at least once a week), its study plan
with weekly ticks (学习计划), teachers' coaching notes (深入到有问题的小组进行了解协调) and a
class's trainings and homework exhibitions (两个培训, 作业展评).

The forms validate and normalise; the functions below them write. A record made on the class
terminal names the student who made it and the terminal; one made by a member of staff names
them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Exists, Max, OuterRef, Prefetch, Q, Value
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Field, Layout, Row, Submit

from schoolops.forms import BoundedFormSet, DateInput
from schoolops.models import SchoolClass, Staff, Student, Term
from schoolops.submissions import SubmissionTokenMixin

from .models import (
    ClassTerminal,
    CoachingNote,
    GroupActivity,
    GroupMeeting,
    Membership,
    PlanItem,
    PlanTick,
    StudyGroup,
)

TEXT_ROWS = {"rows": 3}


# Blank lines offered under a study plan's lines, to add new ones.
PLAN_BLANK_LINES = 3


@dataclass(frozen=True)
class Author:
    """Who writes a record: a member of staff, or a student on the class terminal."""

    staff: Staff | None = None
    terminal: ClassTerminal | None = None
    student: Student | None = None


def _in_term(day: dt.date, term: Term) -> None:
    if not term.start_date <= day <= term.end_date:
        raise forms.ValidationError(_("Choose a day of the group's term."))
    if day > timezone.localdate():
        raise forms.ValidationError(_("The day cannot be in the future."))


class _RecorderMixin:
    """On the class terminal: the student who writes, picked from the class list."""

    def add_recorder(self, students: list[Student] | None, initial: Student | None) -> None:
        if students is None:
            return
        self.recorders = {s.pk: s for s in students}
        self.fields["recorder"] = forms.TypedChoiceField(  # type: ignore[attr-defined]
            label=_("Recorded by"),
            coerce=int,
            choices=[("", _("Choose who writes"))] + [(s.pk, s.name) for s in students],
            initial=initial.pk if initial else None,
        )

    def recorder(self) -> Student | None:
        if not hasattr(self, "recorders"):
            return None
        return self.recorders[self.cleaned_data["recorder"]]  # type: ignore[attr-defined]


class MeetingForm(_RecorderMixin, SubmissionTokenMixin, forms.Form):
    day = forms.DateField(label=_("Date"), widget=DateInput())
    present = forms.TypedMultipleChoiceField(
        label=_("Members present"), coerce=int, widget=forms.CheckboxSelectMultiple
    )
    discussed = forms.CharField(
        label=_("What was discussed"),
        max_length=1000,
        widget=forms.Textarea(attrs=TEXT_ROWS),
    )
    decisions = forms.CharField(
        label=_("Decisions"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs=TEXT_ROWS),
    )

    def __init__(self, *args, group: StudyGroup, members: list[Membership], **kwargs):
        students = kwargs.pop("students", None)
        recorder = kwargs.pop("recorder", None)
        super().__init__(*args, **kwargs)
        self.group = group
        self.fields["day"].initial = timezone.localdate()
        self.fields["present"].choices = [(m.student_id, m.student.name) for m in members]
        self.fields["present"].initial = [m.student_id for m in members]
        self.add_recorder(students, recorder)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            *(["recorder"] if students is not None else []),
            Field("day", wrapper_class="col-sm-4"),
            "present",
            "discussed",
            "decisions",
            Submit("save", _("Save the group meeting"), css_class="btn-primary btn-tap"),
        )

    def clean_day(self) -> dt.date:
        day = self.cleaned_data["day"]
        _in_term(day, self.group.term)
        return day

    def clean_discussed(self) -> str:
        text = self.cleaned_data["discussed"].strip()
        if not text:
            raise forms.ValidationError(_("Say what the group discussed."))
        return text


class TickForm(_RecorderMixin, SubmissionTokenMixin, forms.Form):
    """A week's progress: one box a plan line, ticked when its weekly task was done."""

    week = forms.TypedChoiceField(label=_("Teaching week"), coerce=int)

    def __init__(
        self, *args, items: list[PlanItem], weeks: list[int], current: int | None, **kwargs
    ):
        students = kwargs.pop("students", None)
        recorder = kwargs.pop("recorder", None)
        super().__init__(*args, **kwargs)
        self.items = items
        self.fields["week"].choices = [
            (n, _("Week %(number)s") % {"number": n}) for n in reversed(weeks)
        ]
        self.fields["week"].initial = current
        for item in items:
            ticked = any(t.week == current and t.done for t in item.week_ticks)
            self.fields[f"done_{item.pk}"] = forms.BooleanField(
                label=item.weekly_task, required=False, initial=ticked
            )
        self.add_recorder(students, recorder)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            *(["recorder"] if students is not None else []),
            Field("week", wrapper_class="col-sm-4"),
            *[f"done_{item.pk}" for item in items],
            Submit("tick", _("Save this week's progress"), css_class="btn-primary btn-tap"),
        )

    def done(self) -> dict[int, bool]:
        return {item.pk: self.cleaned_data[f"done_{item.pk}"] for item in self.items}


class PlanLineForm(forms.Form):
    item = forms.IntegerField(required=False, widget=forms.HiddenInput)
    subject = forms.TypedChoiceField(label=_("Subject"), coerce=int, required=False)
    goal = forms.CharField(label=_("Goal"), max_length=200, required=False)
    weekly_task = forms.CharField(label=_("Weekly task"), max_length=200, required=False)
    checker = forms.TypedChoiceField(label=_("Checked by"), coerce=int, required=False)
    remove = forms.BooleanField(label=_("Take off the plan"), required=False)

    def __init__(self, *args, subjects, members: list[Membership], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subject"].choices = [("", _("All subjects"))] + [
            (subject.pk, subject.name) for subject in subjects
        ]
        self.fields["checker"].choices = [("", "—")] + [
            (m.student_id, m.student.name) for m in members
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        goal = (data.get("goal") or "").strip()
        task = (data.get("weekly_task") or "").strip()
        data["goal"], data["weekly_task"] = goal, task
        if not data.get("remove") and bool(goal) != bool(task):
            raise forms.ValidationError(_("A plan line needs both a goal and a weekly task."))
        return data


PlanFormSet = forms.formset_factory(PlanLineForm, formset=BoundedFormSet, extra=0)


class PlanTokenForm(SubmissionTokenMixin, forms.Form):
    """The plan's one-time token (its blank lines create lines: sent twice, added once)."""


class CoachingForm(SubmissionTokenMixin, forms.ModelForm):
    class Meta:
        model = CoachingNote
        fields = ["day", "found", "agreed"]
        widgets = {
            "day": DateInput(),
            "found": forms.Textarea(attrs=TEXT_ROWS),
            "agreed": forms.Textarea(attrs=TEXT_ROWS),
        }

    def __init__(self, *args, group: StudyGroup, **kwargs):
        super().__init__(*args, **kwargs)
        self.group = group
        self.fields["day"].initial = timezone.localdate()
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field("day", wrapper_class="col-sm-4"),
            "found",
            "agreed",
            Submit("save", _("Save the note"), css_class="btn-primary btn-tap"),
        )

    def clean_day(self) -> dt.date:
        day = self.cleaned_data["day"]
        _in_term(day, self.group.term)
        return day


class ActivityForm(SubmissionTokenMixin, forms.ModelForm):
    class Meta:
        model = GroupActivity
        fields = ["kind", "day", "participants", "content"]
        widgets = {
            "day": DateInput(),
            "content": forms.Textarea(attrs=TEXT_ROWS),
        }

    def __init__(self, *args, term: Term, **kwargs):
        super().__init__(*args, **kwargs)
        self.term = term
        self.fields["day"].initial = timezone.localdate()
        self.fields["participants"].help_text = _("e.g. the group leaders, 科代表 and monitor")
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Row(Field("kind", wrapper_class="col-sm-8"), Field("day", wrapper_class="col-sm-4")),
            "participants",
            "content",
            Submit("save", _("Save"), css_class="btn-primary btn-tap"),
        )

    def clean_day(self) -> dt.date:
        day = self.cleaned_data["day"]
        _in_term(day, self.term)
        return day


# Reading.


def current_members(group: StudyGroup) -> list[Membership]:
    return list(group.memberships.current().select_related("student").order_by("seat", "pk"))


def meetings_of(group: StudyGroup) -> list[GroupMeeting]:
    """The group's meetings, newest first, with who came and who wrote (three queries)."""
    return list(
        GroupMeeting.objects.filter(group=group)
        .select_related("recorded_by", "recorded_by_student")
        .prefetch_related(Prefetch("present", queryset=Student.objects.order_by("pk")))
        .order_by("-day", "-pk")
    )


def plan_items(group: StudyGroup) -> list[PlanItem]:
    """The plan's lines with their ticks by week (``week_ticks``; two queries)."""
    return list(
        PlanItem.objects.filter(group=group, is_active=True)
        .select_related("subject", "checker")
        .prefetch_related(
            Prefetch("ticks", queryset=PlanTick.objects.order_by("week"), to_attr="week_ticks")
        )
        .order_by("order", "pk")
    )


def class_week(school_class: SchoolClass, term: Term, week: int | None) -> list[StudyGroup]:
    """The class's running groups with their meetings this term, their last meeting, whether
    they met in ``week`` and their plan's lines and ticks of ``week`` (one query)."""
    in_week = GroupMeeting.objects.filter(group=OuterRef("pk"), week=week)
    return list(
        StudyGroup.objects.confirmed()
        .filter(school_class=school_class, term=term)
        .annotate(
            meeting_count=Count("meetings", distinct=True),
            last_meeting=Max("meetings__day"),
            met=Exists(in_week) if week is not None else Value(False),
            plan_lines=Count("plan_items", filter=Q(plan_items__is_active=True), distinct=True),
            ticked=Count(
                "plan_items__ticks",
                filter=Q(
                    plan_items__is_active=True,
                    plan_items__ticks__week=week,
                    plan_items__ticks__done=True,
                ),
                distinct=True,
            ),
        )
        .order_by("number")
    )


def activities_of(school_class: SchoolClass, term: Term) -> list[GroupActivity]:
    return list(
        GroupActivity.objects.filter(school_class=school_class, term=term)
        .select_related("recorded_by")
        .order_by("-day", "-pk")
    )


def coaching_notes(group: StudyGroup, limit: int | None = None) -> list[CoachingNote]:
    notes = (
        CoachingNote.objects.filter(group=group)
        .select_related("written_by")
        .order_by("-day", "-pk")
    )
    return list(notes[:limit] if limit else notes)


# Writing.


def _writable(group: StudyGroup) -> None:
    if not group.is_active or not group.is_confirmed:
        raise ValidationError(_("This group no longer runs: its records are closed."))


@transaction.atomic
def record_meeting(
    group: StudyGroup,
    author: Author,
    day: dt.date,
    present: list[int],
    discussed: str,
    decisions: str,
) -> GroupMeeting:
    _writable(group)
    members = set(group.memberships.current().values_list("student_id", flat=True))
    if not set(present) <= members:
        raise ValidationError(_("Only members of the group can be present."))
    meeting = GroupMeeting.objects.create(
        group=group,
        day=day,
        week=group.term.week_number(day),
        discussed=discussed,
        decisions=decisions,
        recorded_by=author.staff,
        terminal=author.terminal,
        recorded_by_student=author.student,
    )
    meeting.present.set(present)
    return meeting


@transaction.atomic
def tick_week(
    group: StudyGroup, author: Author, week: int, done: dict[int, bool]
) -> list[PlanTick]:
    """The week's progress on each line (ticked again: the row is updated, its history keeps
    the earlier answer)."""
    _writable(group)
    items = PlanItem.objects.filter(group=group, is_active=True, pk__in=done)
    ticks = []
    for item in items:
        tick, _created = PlanTick.objects.update_or_create(
            item=item,
            week=week,
            defaults={
                "done": done[item.pk],
                "ticked_by": author.staff,
                "terminal": author.terminal,
                "recorded_by_student": author.student,
                "ticked_at": timezone.now(),
            },
        )
        ticks.append(tick)
    return ticks


@transaction.atomic
def save_plan(group: StudyGroup, lines: list[dict[str, Any]]) -> int:
    """The plan's lines as the form sends them: changed lines saved, removed ones taken off
    the plan (kept with their ticks), new ones added. Returns how many lines the plan has."""
    _writable(group)
    existing = {item.pk: item for item in PlanItem.objects.filter(group=group, is_active=True)}
    members = set(group.memberships.current().values_list("student_id", flat=True))
    order = 0
    for line in lines:
        checker = line.get("checker") or None
        subject = line.get("subject") or None
        if checker is not None and checker not in members:
            raise ValidationError(_("The one who checks must be a member of the group."))
        item = existing.get(line.get("item") or 0)
        if line.get("remove"):
            if item is not None:
                item.is_active = False
                item.save(update_fields=["is_active"])
            continue
        if not line.get("goal"):
            continue
        order += 1
        values = {
            "subject_id": subject,
            "goal": line["goal"],
            "weekly_task": line["weekly_task"],
            "checker_id": checker,
            "order": order,
        }
        if item is None:
            PlanItem.objects.create(group=group, **values)
        else:
            changed = [k for k, v in values.items() if getattr(item, k) != v]
            if changed:
                for key in changed:
                    setattr(item, key, values[key])
                item.save()
    return PlanItem.objects.filter(group=group, is_active=True).count()


def add_coaching_note(group: StudyGroup, staff: Staff, form: CoachingForm) -> CoachingNote:
    note = form.save(commit=False)
    note.group = group
    note.written_by = staff
    note.save()
    return note


def add_activity(
    school_class: SchoolClass, term: Term, staff: Staff, form: ActivityForm
) -> GroupActivity:
    activity = form.save(commit=False)
    activity.school_class = school_class
    activity.term = term
    activity.recorded_by = staff
    activity.save()
    return activity
