"""The study-help groups' part of minors' data duties (registered in ``hooks.register``).

- ``sections(student)``: what this app holds on one student, for a guardian's request (the
  groups and roles, personal goals and their checks, moves between groups, the points scored
  for the student, rewards and measures, self and peer reviews); a fixed number of queries.
- ``purge(student_ids, dry_run)``: the groups' scores are the class's aggregates, so those
  rows stay on the anonymised student; the free text written about the student (goals, notes,
  reasons) is blanked, in the history too; the teachers' tags on the student are deleted with
  their history.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from schoolops.registry import Section
from schoolops.retention import blank_fields

from .models import (
    Consequence,
    GoalCheckIn,
    MemberChange,
    Membership,
    Review,
    ScoreEntry,
    StudentTagging,
)


def _name(staff) -> str:
    return staff.name if staff is not None else ""


def sections(student) -> list[Section]:
    memberships = Membership.objects.filter(student=student).select_related(
        "group__term__academic_year"
    )
    checkins = GoalCheckIn.objects.filter(membership__student=student).select_related("checked_by")
    changes = MemberChange.objects.filter(student=student).select_related(
        "from_group", "to_group", "changed_by"
    )
    entries = ScoreEntry.objects.filter(student=student).select_related(
        "group", "item", "subject", "teacher"
    )
    consequences = Consequence.objects.filter(student=student).select_related(
        "group", "recorded_by"
    )
    # The ratings the student received, without saying which group-mate gave them: what the
    # student wrote about others is the others' record.
    reviews = Review.objects.filter(reviewee=student).select_related("round__school_class__grade")
    return [
        Section(
            _("Groups"),
            [
                _("Term"),
                _("Group"),
                _("Tier"),
                _("Roles"),
                _("Short-term goal"),
                _("Long-term goal"),
                _("Joined"),
                _("Left"),
            ],
            [
                [
                    str(m.group.term),
                    m.group.name,
                    m.get_tier_display(),
                    "、".join(
                        str(label)
                        for flag, label in (
                            (m.is_leader, _("group leader")),
                            (m.is_recorder, _("recorder")),
                        )
                        if flag
                    ),
                    m.goal_short,
                    m.goal_long,
                    m.joined_at,
                    m.left_at,
                ]
                for m in memberships.order_by("joined_at", "pk")
            ],
        ),
        Section(
            _("Checks of personal goals"),
            [_("Checked at"), _("Goal"), _("Status"), _("Note"), _("By")],
            [
                [
                    c.checked_at,
                    c.get_goal_display(),
                    c.get_status_display(),
                    c.note,
                    _name(c.checked_by),
                ]
                for c in checkins.order_by("checked_at", "pk")
            ],
        ),
        Section(
            _("Moves between groups"),
            [_("Changed at"), _("From group"), _("To group"), _("Reason"), _("By")],
            [
                [
                    c.changed_at,
                    c.from_group.name if c.from_group else "",
                    c.to_group.name if c.to_group else "",
                    c.reason,
                    _name(c.changed_by),
                ]
                for c in changes.order_by("changed_at", "pk")
            ],
        ),
        Section(
            _("Points scored for the student"),
            [_("Day"), _("Group"), _("Item"), _("Subject"), _("Points"), _("Reason"), _("By")],
            [
                [
                    e.day,
                    e.group.name,
                    str(e.item),
                    e.subject.name if e.subject else "",
                    e.points,
                    e.reason,
                    _name(e.teacher),
                ]
                for e in entries.order_by("day", "pk")
            ],
        ),
        Section(
            _("Rewards and measures"),
            [_("Recorded at"), _("Group"), _("Kind"), _("Note"), _("By")],
            [
                [c.recorded_at, c.group.name, c.get_kind_display(), c.note, _name(c.recorded_by)]
                for c in consequences.order_by("recorded_at", "pk")
            ],
        ),
        Section(
            _("Self and peer reviews of the student"),
            [
                _("Round"),
                _("Reviewer"),
                _("participation"),
                _("helping others"),
                _("finishing tasks"),
                _("discipline"),
            ],
            [
                [
                    str(r.round),
                    _("self") if r.reviewer_id == r.reviewee_id else _("a group-mate"),
                    r.participation,
                    r.helping,
                    r.finishing,
                    r.discipline,
                ]
                for r in reviews.order_by("round__held_on", "pk")
            ],
        ),
    ]


def purge(student_ids: list[int], dry_run: bool) -> dict[str, int]:
    """Blank the free text about these students; keep every row for the groups' figures."""
    counts: dict[str, int] = {}
    for queryset, values in (
        (
            Membership.objects.filter(student__in=student_ids),
            {"goal_short": "", "goal_long": ""},
        ),
        (GoalCheckIn.objects.filter(membership__student__in=student_ids), {"note": ""}),
        (MemberChange.objects.filter(student__in=student_ids), {"reason": ""}),
        (Consequence.objects.filter(student__in=student_ids), {"note": ""}),
    ):
        counts.update(blank_fields(queryset, values, dry_run=dry_run))
    # The teachers' tags characterise the student: they go, with their history.
    taggings = StudentTagging.objects.filter(student__in=student_ids)
    old = StudentTagging.history.filter(student_id__in=student_ids)
    counts["groups.StudentTagging (deleted)"] = taggings.count()
    counts["groups.StudentTagging (history, deleted)"] = old.count()
    if not dry_run:
        taggings.delete()
        old.delete()
    return counts
