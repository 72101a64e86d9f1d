"""Consultation's part of minors' data duties (registered in ``hooks.register``).

- ``sections(student)``: everything this app holds on one student, for a guardian's request
  (the ledger of every term, observations, meetings that discussed the student, strategies and
  their follow-ups, escalations, responsible leaders, success cases); nine queries.
- ``purge(student_ids, dry_run)``: the retention purge deletes these records of students past
  the school's retention, with their historical rows. Meetings stay (they are about a class),
  less the rows about the students.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext as _

from schoolops.registry import Section
from schoolops.retention import delete_records, history_model

from .models import (
    Case,
    CaseScore,
    Escalation,
    FollowUp,
    LeaderAssignment,
    LedgerProfile,
    MeetingStudent,
    Observation,
    Strategy,
)


def _name(staff) -> str:
    return staff.name if staff is not None else ""


def sections(student) -> list[Section]:
    profiles = LedgerProfile.objects.filter(student=student).select_related(
        "term__academic_year", "updated_by"
    )
    observations = Observation.objects.filter(student=student).select_related("author")
    discussed = MeetingStudent.objects.filter(student=student).select_related("meeting")
    strategies = Strategy.objects.filter(student=student).select_related("owner")
    follow_ups = FollowUp.objects.filter(strategy__student=student).select_related(
        "author", "strategy"
    )
    escalations = Escalation.objects.filter(student=student)
    leaders = LeaderAssignment.objects.filter(student=student).select_related(
        "leader", "term__academic_year"
    )
    cases = Case.objects.filter(student=student).select_related("author")
    scores = CaseScore.objects.filter(case__student=student).select_related("case", "judge")
    return [
        Section(
            _("Ledger (学情台账)"),
            [
                _("Term"),
                _("Strengths"),
                _("Weaknesses"),
                _("Personality"),
                _("Interests"),
                _("Family situation"),
                _("Special-attention categories"),
                _("Individual education plan"),
                _("Updated by"),
            ],
            [
                [
                    str(p.term),
                    p.strengths,
                    p.weaknesses,
                    p.personality,
                    p.interests,
                    p.family_situation,
                    "、".join(p.category_labels(psych=True)),
                    p.education_plan,
                    _name(p.updated_by),
                ]
                for p in profiles.order_by("term__start_date")
            ],
        ),
        Section(
            _("Observations"),
            [_("Date"), _("Method"), _("Source"), _("Content"), _("Psychological note"), _("By")],
            [
                [
                    o.date,
                    o.get_method_display(),
                    o.source,
                    o.content,
                    _("yes") if o.psychological else "",
                    _name(o.author),
                ]
                for o in observations.order_by("date", "pk")
            ],
        ),
        Section(
            _("Discussed at consultation meetings"),
            [_("Date"), _("Meeting"), _("Analysis"), _("Decision")],
            [
                [d.meeting.date, d.meeting.get_level_display(), d.analysis, d.decision]
                for d in discussed.order_by("meeting__date", "pk")
            ],
        ),
        Section(
            _("Strategies"),
            [_("Started"), _("Problem"), _("Action"), _("Owner"), _("Status"), _("Closing note")],
            [
                [
                    s.start_date,
                    s.problem,
                    s.action,
                    _name(s.owner),
                    s.get_status_display(),
                    s.closing_note,
                ]
                for s in strategies.order_by("start_date", "pk")
            ],
        ),
        Section(
            _("Follow-ups"),
            [_("Date"), _("Strategy"), _("Done"), _("Result"), _("Note"), _("By")],
            [
                [f.date, f.strategy.action, f.done, f.get_result_display(), f.note, _name(f.author)]
                for f in follow_ups.order_by("date", "pk")
            ],
        ),
        Section(
            _("Escalations"),
            [_("Proposed on"), _("From"), _("To"), _("Reason"), _("Status"), _("Decision")],
            [
                [
                    e.proposed_on,
                    e.get_from_level_display(),
                    e.get_to_level_display(),
                    e.reason,
                    e.get_status_display(),
                    e.decision_note,
                ]
                for e in escalations.order_by("proposed_on", "pk")
            ],
        ),
        Section(
            _("Responsible school leaders (包靠)"),
            [_("Term"), _("Leader"), _("Assigned on"), _("Active")],
            [
                [str(a.term), _name(a.leader), a.assigned_on, _("yes") if a.active else _("no")]
                for a in leaders.order_by("assigned_on", "pk")
            ],
        ),
        Section(
            _("Success cases"),
            [
                _("Title"),
                _("Situation"),
                _("Strategy"),
                _("Process"),
                _("Records"),
                _("Result"),
                _("Author"),
            ],
            [
                [c.title, c.situation, c.strategy, c.process, c.records, c.result, _name(c.author)]
                for c in cases.order_by("created_on", "pk")
            ],
        ),
        Section(
            _("Scores of the success cases"),
            [_("Case"), _("Judge"), _("Score"), _("Comment")],
            [
                [s.case.title, _name(s.judge), s.score, s.comment]
                for s in scores.order_by("case__created_on", "pk")
            ],
        ),
    ]


def purge(student_ids: list[int], dry_run: bool) -> dict[str, int]:
    """Delete the consultation records of these students and their historical rows."""
    by_student = Q(student_id__in=student_ids)
    # Strategies and cases deleted earlier still have historical rows naming the student.
    strategy_ids = history_model(Strategy).objects.filter(by_student).values("id")
    case_ids = history_model(Case).objects.filter(by_student).values("id")
    counts: dict[str, int] = {}
    for queryset, history in (
        (
            FollowUp.objects.filter(strategy__student__in=student_ids),
            Q(strategy_id__in=strategy_ids),
        ),
        (CaseScore.objects.filter(case__student__in=student_ids), Q(case_id__in=case_ids)),
        (Strategy.objects.filter(by_student), by_student),
        (Case.objects.filter(by_student), by_student),
        (Observation.objects.filter(by_student), by_student),
        (MeetingStudent.objects.filter(by_student), by_student),
        (Escalation.objects.filter(by_student), by_student),
        (LeaderAssignment.objects.filter(by_student), by_student),
        (LedgerProfile.objects.filter(by_student), by_student),
    ):
        counts.update(delete_records(queryset, history=history, dry_run=dry_run))
    return counts
