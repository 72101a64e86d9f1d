"""The mentor system's part of minors' data duties (registered in ``apps.py``).

- ``sections(student)``: everything this app holds on one student, for a guardian's request
  (choices, pairings, the mentoring plan, talks, parent contacts, monthly summaries, the
  growth record, the student's ratings of mentors); a fixed number of queries.
- ``purge(student_ids, dry_run)``: the retention purge deletes the mentee's file (plan,
  talks, parent contacts, summaries, growth record) with its historical rows, and blanks the
  free text of the pairings and ratings; the pairings and scores stay for the mentors'
  figures, on an anonymised student.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext as _

from schoolops.registry import Section
from schoolops.retention import blank_fields, delete_records

from .models import (
    Choice,
    GrowthRecord,
    Honour,
    MentoringPlan,
    MonthlySummary,
    Pairing,
    ParentContact,
    StudentRating,
    TalkLog,
)


def _name(staff) -> str:
    return staff.name if staff is not None else ""


def sections(student) -> list[Section]:
    of_student = {"pairing__student": student}
    choices = Choice.objects.filter(student=student).select_related("academic_year", "mentor")
    # A pairing has at most one plan: it comes with its pairing (one query for both).
    pairings = list(
        Pairing.objects.filter(student=student)
        .select_related("mentor", "academic_year", "plan")
        .order_by("started_on", "pk")
    )
    plans = [p.plan for p in pairings if hasattr(p, "plan")]
    talks = TalkLog.objects.filter(**of_student).select_related("pairing__mentor")
    contacts = ParentContact.objects.filter(**of_student).select_related("pairing__mentor")
    summaries = MonthlySummary.objects.filter(**of_student).select_related("pairing__mentor")
    growth = GrowthRecord.objects.filter(**of_student).select_related("written_by")
    ratings = StudentRating.objects.filter(student=student).select_related(
        "term__academic_year", "mentor"
    )
    return [
        Section(
            _("Mentor choices"),
            [_("School year"), _("Choice"), _("Mentor")],
            [
                [str(c.academic_year), c.rank, _name(c.mentor)]
                for c in choices.order_by("academic_year__start_year", "rank")
            ],
        ),
        Section(
            _("Pairings"),
            [_("School year"), _("Mentor"), _("Started on"), _("Ended on"), _("Reason"), _("Note")],
            [
                [
                    str(p.academic_year),
                    _name(p.mentor),
                    p.started_on,
                    p.ended_on,
                    p.get_end_reason_display() if p.end_reason else "",
                    " ".join(filter(None, [p.over_capacity_reason, p.end_note])),
                ]
                for p in pairings
            ],
        ),
        Section(
            _("Mentoring plans"),
            [
                _("Mentor"),
                _("Study"),
                _("Life"),
                _("Psychology"),
                _("Thought guidance (思想引导)"),
                _("Academic tutoring (学业辅导)"),
                _("Life guidance (生活指导)"),
                _("Psychological counselling (心理疏导)"),
            ],
            [
                [
                    _name(p.pairing.mentor),
                    p.study,
                    p.life,
                    p.psychology,
                    p.thought,
                    p.academic,
                    p.living,
                    p.counselling,
                ]
                for p in plans
            ],
        ),
        Section(
            _("Talks"),
            [_("Date"), _("Mentor"), _("Topic"), _("Content"), _("Follow-up")],
            [
                [t.date, _name(t.pairing.mentor), t.topic, t.content, t.follow_up]
                for t in talks.order_by("date", "pk")
            ],
        ),
        Section(
            _("Parent contacts"),
            [_("Date"), _("Mentor"), _("Method"), _("Content")],
            [
                [c.date, _name(c.pairing.mentor), c.get_method_display(), c.content]
                for c in contacts.order_by("date", "pk")
            ],
        ),
        Section(
            _("Monthly summaries"),
            [_("Month"), _("Mentor"), _("Summary")],
            [
                [f"{s.month:%Y-%m}", _name(s.pairing.mentor), s.text]
                for s in summaries.order_by("month", "pk")
            ],
        ),
        Section(
            _("Growth record"),
            [_("Date"), _("Content"), _("Written by")],
            [[g.date, g.content, _name(g.written_by)] for g in growth.order_by("date", "pk")],
        ),
        Section(
            _("Ratings of mentors"),
            [_("Term"), _("Mentor"), _("Score"), _("Comment")],
            [
                [str(r.term), _name(r.mentor), r.score, r.comment]
                for r in ratings.order_by("term__start_date", "pk")
            ],
        ),
    ]


def purge(student_ids: list[int], dry_run: bool) -> dict[str, int]:
    """Delete the mentee's file and its history; blank the free text kept about them."""
    pairings = Pairing.objects.filter(student__in=student_ids)
    of_pairings = Q(pairing_id__in=pairings.values("pk"))
    counts: dict[str, int] = {}
    for model in (TalkLog, ParentContact, MonthlySummary, GrowthRecord, MentoringPlan):
        counts.update(
            delete_records(model.objects.filter(of_pairings), history=of_pairings, dry_run=dry_run)
        )
    counts.update(
        blank_fields(pairings, {"over_capacity_reason": "", "end_note": ""}, dry_run=dry_run)
    )
    counts.update(
        blank_fields(
            Honour.objects.filter(pairing__in=pairings).exclude(reason=""),
            {"reason": ""},
            dry_run=dry_run,
        )
    )
    counts.update(
        blank_fields(
            StudentRating.objects.filter(student__in=student_ids).exclude(comment=""),
            {"comment": ""},
            dry_run=dry_run,
        )
    )
    return counts
