"""Consultation workflows: the ledger, meetings, strategies, escalation, leaders and cases.

Plain typed functions that run in a transaction and raise ``ValidationError`` with a
translated message; views and the demo call them, forms only validate.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from simple_history.utils import bulk_create_with_history

from schoolops.calendar import monday_of
from schoolops.models import Grade, SchoolClass, Staff, Student, TeachingAssignment, Term

from .models import (
    NEXT_LEVEL,
    ActivityPhoto,
    Attention,
    Case,
    CaseJudge,
    CaseScore,
    ClassActivity,
    ClassLeaderAssignment,
    CommonIssue,
    ConsultSettings,
    Escalation,
    FollowUp,
    LeaderAssignment,
    LedgerProfile,
    Level,
    Meeting,
    MeetingStudent,
    Observation,
    Question,
    Questionnaire,
    QuestionnaireLink,
    QuestionnaireResponse,
    Strategy,
    TermPlan,
    TermSummary,
)

LEDGER_FIELDS = (
    "strengths",
    "weaknesses",
    "personality",
    "interests",
    "family_situation",
    "education_plan",
)


def term_of(day: dt.date) -> Term:
    term = Term.objects.select_related("academic_year").on_day(day).first()
    if term is None:
        raise ValidationError(_("%(day)s is not in any term.") % {"day": f"{day:%Y-%m-%d}"})
    return term


# The ledger.


@transaction.atomic
def save_ledger(student: Student, term: Term, data: dict[str, Any], by: Staff) -> LedgerProfile:
    """Create or update the student's ledger entry for the term."""
    categories = list(dict.fromkeys(data.get("categories") or []))
    unknown = set(categories) - set(Attention.values)
    if unknown:
        raise ValidationError(_("Unknown special-attention category."))
    profile = LedgerProfile.objects.filter(student=student, term=term).first()
    if profile is None:
        profile = LedgerProfile(student=student, term=term)
    for name in LEDGER_FIELDS:
        if name in data:
            setattr(profile, name, (data[name] or "").strip())
    profile.categories = categories
    profile.updated_by = by
    profile.save()
    return profile


def previous_term(term: Term) -> Term | None:
    return Term.objects.filter(start_date__lt=term.start_date).order_by("-start_date").first()


@transaction.atomic
def carry_forward(school_class: SchoolClass, term: Term, by: Staff) -> int:
    """Copy last term's entries to the students of the class who have none this term."""
    before = previous_term(term)
    if before is None:
        raise ValidationError(_("There is no earlier term to carry entries forward from."))
    students = school_class.students.in_school()
    have = set(
        LedgerProfile.objects.filter(term=term, student__in=students).values_list(
            "student_id", flat=True
        )
    )
    new = []
    for old in LedgerProfile.objects.filter(term=before, student__in=students).exclude(
        student_id__in=have
    ):
        profile = LedgerProfile(
            student_id=old.student_id,
            term=term,
            categories=list(old.categories),
            updated_by=by,
            **{name: getattr(old, name) for name in LEDGER_FIELDS},
        )
        profile.refresh_derived()
        new.append(profile)
    if new:
        bulk_create_with_history(new, LedgerProfile, default_user=by.user)
    return len(new)


@dataclass
class LedgerRow:
    student: Student
    profile: LedgerProfile | None

    @property
    def missing(self) -> list[str]:
        if self.profile is None:
            return [str(_("everything"))]
        return self.profile.missing()


def ledger_rows(school_class: SchoolClass, term: Term | None) -> list[LedgerRow]:
    """Every student of the class with this term's entry (two queries)."""
    students = list(school_class.students.in_school().order_by("student_no"))
    profiles = {
        p.student_id: p
        for p in LedgerProfile.objects.filter(term=term, student__in=[s.pk for s in students])
    }
    return [LedgerRow(s, profiles.get(s.pk)) for s in students]


def ledger_completeness(class_ids: Iterable[int], term: Term | None) -> dict[int, tuple[int, int]]:
    """Class id → (complete entries, students in school), in two queries."""
    from django.db.models import Count

    class_ids = list(class_ids)
    totals = dict(
        Student.objects.in_school()
        .filter(school_class__in=class_ids)
        .values_list("school_class")
        .annotate(n=Count("pk"))
    )
    complete = dict(
        LedgerProfile.objects.filter(
            term=term,
            complete=True,
            student__status=Student.Status.IN_SCHOOL,
            student__school_class__in=class_ids,
        )
        .values_list("student__school_class")
        .annotate(n=Count("pk"))
    )
    return {cid: (complete.get(cid, 0), totals.get(cid, 0)) for cid in class_ids}


# Observations.


@transaction.atomic
def add_observation(
    student: Student,
    by: Staff,
    *,
    date: dt.date,
    method: str,
    content: str,
    source: str = "",
    psychological: bool = False,
) -> Observation:
    if date > timezone.localdate():
        raise ValidationError(_("An observation cannot be dated in the future."))
    if not content.strip():
        raise ValidationError(_("Write what was observed."))
    return Observation.objects.create(
        student=student,
        author=by,
        date=date,
        method=method,
        source=source.strip(),
        content=content.strip(),
        psychological=psychological,
    )


# Meetings.


@dataclass
class Discussed:
    student: Student
    analysis: str
    decision: str = ""
    owner: Staff | None = None
    review_date: dt.date | None = None


@transaction.atomic
def record_meeting(
    *,
    by: Staff,
    level: str,
    kind: str,
    date: dt.date,
    chair: Staff,
    topic: str,
    school_class: SchoolClass | None = None,
    grade: Grade | None = None,
    attendees: Iterable[Staff] = (),
    parents: str = "",
    home_form: str = "",
    monthly_review: bool = False,
    preparation: str = "",
    analysis: str = "",
    strategies: str = "",
    summary: str = "",
    discussed: Sequence[Discussed] = (),
) -> Meeting:
    """Record a meeting, the students discussed and the strategies it decided."""
    term = term_of(date)
    if level in (Level.CLASS, Level.HOME) and school_class is None:
        raise ValidationError(_("Choose the class of this meeting."))
    if level == Level.GRADE and grade is None:
        raise ValidationError(_("Choose the grade of this meeting."))
    if level == Level.HOME and not parents.strip():
        raise ValidationError(_("Write the names of the parents at a home-school meeting."))
    if level != Level.SCHOOL:
        monthly_review = False
    _check_discussed(level, school_class, grade, discussed)
    meeting = Meeting.objects.create(
        level=level,
        kind=kind,
        home_form=home_form if level == Level.HOME else "",
        monthly_review=monthly_review,
        term=term,
        date=date,
        school_class=school_class if level in (Level.CLASS, Level.HOME) else None,
        grade=grade if level == Level.GRADE else (school_class.grade if school_class else None),
        chair=chair,
        parents=parents.strip(),
        topic=topic.strip(),
        preparation=preparation.strip(),
        analysis=analysis.strip(),
        strategies=strategies.strip(),
        summary=summary.strip(),
        created_by=by,
    )
    meeting.attendees.set(list(attendees))
    rows = [
        MeetingStudent(
            meeting=meeting,
            student=item.student,
            analysis=item.analysis.strip(),
            decision=item.decision.strip(),
        )
        for item in discussed
    ]
    if rows:
        bulk_create_with_history(rows, MeetingStudent, default_user=by.user)
    for item in discussed:
        if item.decision.strip():
            _open_meeting_strategy(meeting, item)
    take_up_common_issues(meeting)
    return meeting


def _check_discussed(
    level: str,
    school_class: SchoolClass | None,
    grade: Grade | None,
    discussed: Sequence[Discussed],
) -> None:
    """Each student once, from the meeting's class or grade, with an analysis."""
    seen: set[int] = set()
    for item in discussed:
        if item.student.pk in seen:
            raise ValidationError(_("%(name)s is listed twice.") % {"name": item.student.name})
        seen.add(item.student.pk)
        if school_class is not None and item.student.school_class_id != school_class.pk:
            raise ValidationError(
                _("%(name)s is not in %(class)s.")
                % {"name": item.student.name, "class": school_class}
            )
        if (
            level == Level.GRADE
            and grade is not None
            and item.student.school_class.grade_id != grade.pk
        ):
            raise ValidationError(
                _("%(name)s is not in %(grade)s.") % {"name": item.student.name, "grade": grade}
            )
        if not item.analysis.strip():
            raise ValidationError(
                _("Write the analysis for %(name)s.") % {"name": item.student.name}
            )


def _open_meeting_strategy(meeting: Meeting, item: Discussed) -> Strategy:
    """The strategy a meeting decided for a student, opened for follow-up."""
    return Strategy.objects.create(
        student=item.student,
        term=meeting.term,
        level=Level.CLASS if meeting.level == Level.HOME else meeting.level,
        problem=item.analysis.strip(),
        action=item.decision.strip(),
        owner=item.owner or meeting.chair,
        start_date=meeting.date,
        review_date=item.review_date or meeting.date + dt.timedelta(days=14),
        meeting=meeting,
    )


@dataclass
class DiscussedChange:
    """A row of the students-discussed editor: a recorded row (``row``) or a new student."""

    row: MeetingStudent | None
    student: Student | None
    analysis: str
    decision: str
    review_date: dt.date | None = None
    remove: bool = False


@transaction.atomic
def update_discussed(meeting: Meeting, changes: Sequence[DiscussedChange]) -> dict[str, int]:
    """Add, change or remove the students discussed after the meeting; every row keeps its
    history (who, when, what). A decision written for the first time opens its strategy; a
    changed decision changes the strategy while it is open and has no follow-up yet."""
    strategies = {
        s.student_id: s
        for s in meeting.decided_strategies.annotate(n_follow_ups=models.Count("follow_ups"))
    }
    counts = {"added": 0, "changed": 0, "removed": 0}
    kept = [c for c in changes if c.row is not None and not c.remove]
    new = [c for c in changes if c.row is None]
    recorded = {c.row.student_id for c in kept if c.row is not None}
    _check_discussed(
        meeting.level,
        meeting.school_class if meeting.level in (Level.CLASS, Level.HOME) else None,
        meeting.grade,
        [
            Discussed(c.student, c.analysis, c.decision)
            for c in new
            if c.student is not None and c.student.pk not in recorded
        ],
    )
    for change in changes:
        row = change.row
        if row is not None and change.remove:
            if row.student_id in strategies:
                raise ValidationError(
                    _(
                        "A strategy for %(name)s was opened at this meeting: close it from its "
                        "page, the student stays on the record."
                    )
                    % {"name": row.student.name}
                )
            row.delete()
            counts["removed"] += 1
            continue
        if row is None:
            student = change.student
            if student is None:  # a new row left blank
                continue
            if student.pk in recorded:
                raise ValidationError(_("%(name)s is listed twice.") % {"name": student.name})
            row = MeetingStudent(meeting=meeting, student=student)
            recorded.add(student.pk)
            counts["added"] += 1
        elif (row.analysis, row.decision) == (change.analysis.strip(), change.decision.strip()):
            continue
        else:
            counts["changed"] += 1
        if not change.analysis.strip():
            raise ValidationError(
                _("Write the analysis for %(name)s.") % {"name": row.student.name}
            )
        row.analysis, row.decision = change.analysis.strip(), change.decision.strip()
        row.save()
        strategy = strategies.get(row.student_id)
        if strategy is None and row.decision:
            _open_meeting_strategy(
                meeting,
                Discussed(row.student, row.analysis, row.decision, review_date=change.review_date),
            )
        elif (
            strategy is not None
            and strategy.is_open
            and not strategy.n_follow_ups
            and row.decision
            and (strategy.action, strategy.problem) != (row.decision, row.analysis)
        ):
            strategy.action, strategy.problem = row.decision, row.analysis
            strategy.save(update_fields=["action", "problem"])
    return counts


MEETING_TEXT_FIELDS = ("topic", "preparation", "analysis", "strategies", "summary", "parents")


@transaction.atomic
def update_meeting(meeting: Meeting, data: dict[str, Any]) -> Meeting:
    """Complete or correct a meeting's record; its date must stay in the same term."""
    date = data.get("date", meeting.date)
    if term_of(date).pk != meeting.term_id:
        raise ValidationError(_("The meeting cannot be moved to another term."))
    if meeting.level == Level.HOME and not (data.get("parents") or meeting.parents).strip():
        raise ValidationError(_("Write the names of the parents at a home-school meeting."))
    meeting.date = date
    for name in ("kind", "chair", "home_form", "monthly_review"):
        if name in data:
            setattr(meeting, name, data[name])
    for name in MEETING_TEXT_FIELDS:
        if name in data:
            setattr(meeting, name, (data[name] or "").strip())
    meeting.save()
    if "attendees" in data:
        meeting.attendees.set(list(data["attendees"] or []))
    return meeting


# Strategies and follow-ups.


def current_level(student: Student, term: Term) -> str:
    """Where the student's case is handled now: class unless a higher level took it over."""
    taken = set(
        Escalation.objects.filter(
            student=student, term=term, status=Escalation.Status.TAKEN
        ).values_list("to_level", flat=True)
    )
    if Level.SCHOOL in taken:
        return Level.SCHOOL
    if Level.GRADE in taken:
        return Level.GRADE
    return Level.CLASS


@transaction.atomic
def add_strategy(
    student: Student,
    by: Staff,
    *,
    problem: str,
    action: str,
    owner: Staff,
    start_date: dt.date,
    review_date: dt.date,
    meeting: Meeting | None = None,
    observations: Iterable[Observation] = (),
) -> Strategy:
    if review_date < start_date:
        raise ValidationError(_("The review date is before the start."))
    term = term_of(start_date)
    observations = list(observations)
    if any(o.student_id != student.pk for o in observations):
        raise ValidationError(_("An observation linked to the strategy is about another student."))
    if meeting is not None and not meeting.discussed.filter(student=student).exists():
        raise ValidationError(_("The student was not discussed at that meeting."))
    strategy = Strategy.objects.create(
        student=student,
        term=term,
        level=current_level(student, term),
        problem=problem.strip(),
        action=action.strip(),
        owner=owner,
        start_date=start_date,
        review_date=review_date,
        meeting=meeting,
    )
    strategy.observations.set(observations)
    return strategy


@transaction.atomic
def add_follow_up(
    strategy: Strategy,
    by: Staff,
    *,
    date: dt.date,
    done: str,
    result: str,
    note: str = "",
    next_review: dt.date | None = None,
) -> FollowUp:
    """Append a follow-up; a student who stops improving is proposed to the next level."""
    strategy = (
        Strategy.objects.select_for_update().select_related("student", "term").get(pk=strategy.pk)
    )
    if not strategy.is_open:
        raise ValidationError(_("This strategy is closed; follow-ups are no longer added."))
    if date < strategy.start_date:
        raise ValidationError(_("A follow-up cannot be dated before the strategy started."))
    if date > timezone.localdate():
        raise ValidationError(_("A follow-up cannot be dated in the future."))
    if result not in FollowUp.Result.values:
        raise ValidationError(_("Choose the result."))
    if not done.strip():
        raise ValidationError(_("Write what was done."))
    next_review = next_review or date + dt.timedelta(days=14)
    if next_review < date:
        raise ValidationError(_("The next review is before the follow-up."))
    follow_up = FollowUp.objects.create(
        strategy=strategy, author=by, date=date, done=done.strip(), result=result, note=note
    )
    strategy.review_date = next_review
    strategy.save(update_fields=["review_date"])
    propose_escalations(strategy.term, timezone.localdate(), students=[strategy.student_id])
    return follow_up


@transaction.atomic
def close_strategy(strategy: Strategy, by: Staff, note: str = "") -> Strategy:
    if not strategy.is_open:
        raise ValidationError(_("This strategy is already closed."))
    strategy.status = Strategy.Status.SOLVED
    strategy.closed_on = timezone.localdate()
    strategy.closing_note = note.strip()
    strategy.save(update_fields=["status", "closed_on", "closing_note"])
    return strategy


# Escalation.


def teaching_weeks_between(term: Term, start: dt.date, end: dt.date) -> int:
    """Teaching weeks that began after ``start``'s week, up to and including ``end``'s week."""
    first, last = monday_of(start), monday_of(end)
    return sum(1 for week in term.teaching_weeks() if first < week.monday <= last)


@dataclass(frozen=True)
class RuleInput:
    open_starts: list[dt.date]  # start dates of the open strategies at this level
    follow_ups: list[tuple[dt.date, str]]  # (date, result) of those strategies
    since: dt.date | None  # the last decision that sent the student back


def escalation_reason(
    rule: RuleInput, term: Term, today: dt.date, settings: ConsultSettings
) -> str | None:
    """Why the student should go up a level, or None.

    No improvement in the last N follow-ups, or none for W teaching weeks, counted from the
    latest of: the first open strategy's start, the last improvement, the last send-back.
    """
    if not rule.open_starts:
        return None
    follow_ups = sorted(
        (f for f in rule.follow_ups if rule.since is None or f[0] > rule.since),
        key=lambda f: f[0],
    )
    n = settings.escalate_after_followups
    recent = follow_ups[-n:]
    if len(recent) >= n and all(result != FollowUp.Result.IMPROVED for _d, result in recent):
        return _("No improvement in the last %(n)s follow-ups.") % {"n": n}
    reference = min(rule.open_starts)
    improved = [d for d, result in follow_ups if result == FollowUp.Result.IMPROVED]
    if improved:
        reference = max(reference, improved[-1])
    if rule.since is not None:
        reference = max(reference, rule.since)
    weeks = teaching_weeks_between(term, reference, today)
    if weeks >= settings.escalate_after_weeks:
        return _("No improvement for %(weeks)s teaching weeks.") % {"weeks": weeks}
    return None


def escalation_candidates(
    term: Term,
    today: dt.date,
    students: Iterable[int] | None = None,
    settings: ConsultSettings | None = None,
) -> list[tuple[int, str, str, str]]:
    """(student id, from level, to level, reason) for students the rule proposes.

    Four queries whatever the number of students (three when ``settings`` is given).
    """
    settings = settings or ConsultSettings.get()
    strategies = Strategy.objects.filter(
        term=term, status=Strategy.Status.OPEN, level__in=list(NEXT_LEVEL)
    )
    if students is not None:
        strategies = strategies.filter(student__in=list(students))
    rows = list(strategies.values_list("pk", "student_id", "level", "start_date"))
    if not rows:
        return []
    by_key: dict[tuple[int, str], dict[str, Any]] = {}
    strategy_key = {}
    for pk, student_id, level, start in rows:
        entry = by_key.setdefault((student_id, level), {"starts": [], "follow_ups": []})
        entry["starts"].append(start)
        strategy_key[pk] = (student_id, level)
    for strategy_id, date, result in FollowUp.objects.filter(
        strategy__in=list(strategy_key)
    ).values_list("strategy_id", "date", "result"):
        by_key[strategy_key[strategy_id]]["follow_ups"].append((date, result))
    student_ids = {k[0] for k in by_key}
    decisions: dict[tuple[int, str], dt.date] = {}
    blocked: set[tuple[int, str]] = set()
    for student_id, from_level, to_level, status, decided in Escalation.objects.filter(
        term=term, student__in=student_ids
    ).values_list("student_id", "from_level", "to_level", "status", "decided_on"):
        if status in (Escalation.Status.PROPOSED, Escalation.Status.TAKEN):
            blocked.add((student_id, from_level))
        # The count restarts when a level sends a student back, or takes a student over.
        key = (student_id, to_level if status == Escalation.Status.TAKEN else from_level)
        if decided is not None and status != Escalation.Status.PROPOSED:
            decisions[key] = max(decided, decisions.get(key, decided))
    out = []
    for (student_id, level), entry in sorted(by_key.items()):
        if (student_id, level) in blocked:
            continue
        reason = escalation_reason(
            RuleInput(entry["starts"], entry["follow_ups"], decisions.get((student_id, level))),
            term,
            today,
            settings,
        )
        if reason:
            out.append((student_id, level, NEXT_LEVEL[level], reason))
    return out


@transaction.atomic
def propose_escalations(
    term: Term,
    today: dt.date,
    students: Iterable[int] | None = None,
    settings: ConsultSettings | None = None,
) -> list[Escalation]:
    """Put every student the rule picks on the next level's agenda (idempotent)."""
    new = [
        Escalation(
            student_id=student_id,
            term=term,
            from_level=from_level,
            to_level=to_level,
            reason=reason,
            automatic=True,
            proposed_on=today,
        )
        for student_id, from_level, to_level, reason in escalation_candidates(
            term, today, students, settings
        )
    ]
    if new:
        bulk_create_with_history(new, Escalation)
    return new


def check_escalations(
    term: Term | None, today: dt.date, settings: ConsultSettings | None = None
) -> ConsultSettings:
    """Run the escalation rule over the term once a day, from the first page that needs it.

    A follow-up checks its student at once; the "no improvement for W teaching weeks" half
    needs only time to pass, so the pages that show proposals (the grade head's agenda, the
    meeting form, the home to-dos, the student's timeline) call this. Once the day's check
    has run it costs nothing beyond reading the settings (which the caller gets back); the
    conditional UPDATE lets exactly one request of the day do the work, whatever runs at the
    same time. ``manage.py consult_escalations`` does the same from cron.
    """
    settings = settings or ConsultSettings.get()
    if term is None or settings.escalations_checked_on == today:
        return settings
    if settings.pk is None:  # no row yet: the day's check writes the defaults' row first
        settings.save()
    with transaction.atomic():
        first = (
            ConsultSettings.objects.filter(pk=settings.pk)
            .exclude(escalations_checked_on=today)
            .update(escalations_checked_on=today)
        )
        if first:
            propose_escalations(term, today, settings=settings)
    settings.escalations_checked_on = today
    return settings


@transaction.atomic
def propose_manually(student: Student, by: Staff, reason: str, today: dt.date) -> Escalation:
    term = term_of(today)
    level = current_level(student, term)
    if level not in NEXT_LEVEL:
        raise ValidationError(_("The school meeting is already handling this student."))
    if Escalation.objects.filter(
        student=student, term=term, to_level=NEXT_LEVEL[level], status=Escalation.Status.PROPOSED
    ).exists():
        raise ValidationError(_("This student is already on the agenda."))
    if not reason.strip():
        raise ValidationError(_("Say why the student should go to the next level."))
    return Escalation.objects.create(
        student=student,
        term=term,
        from_level=level,
        to_level=NEXT_LEVEL[level],
        reason=reason.strip(),
        proposed_on=today,
        proposed_by=by,
    )


@transaction.atomic
def decide_escalation(
    escalation: Escalation, by: Staff, *, take: bool, note: str = ""
) -> Escalation:
    """The next level's meeting takes the student over, or sends the student back."""
    escalation = Escalation.objects.select_for_update().get(pk=escalation.pk)
    if escalation.status != Escalation.Status.PROPOSED:
        raise ValidationError(_("This proposal has already been decided."))
    escalation.status = Escalation.Status.TAKEN if take else Escalation.Status.SENT_BACK
    escalation.decided_on = timezone.localdate()
    escalation.decided_by = by
    escalation.decision_note = note.strip()
    escalation.save()
    if take:
        # The lower level's strategies end as escalated; the meeting that took the student
        # over decides its own (they are opened at its level).
        for strategy in Strategy.objects.filter(
            student=escalation.student_id,
            term=escalation.term,
            status=Strategy.Status.OPEN,
            level=escalation.from_level,
        ):
            # One by one so that each strategy's history records the change.
            strategy.status = Strategy.Status.ESCALATED
            strategy.closed_on = escalation.decided_on
            strategy.closing_note = _("Taken over by the %(level)s meeting.") % {
                "level": escalation.get_to_level_display()
            }
            strategy.save(update_fields=["status", "closed_on", "closing_note"])
    return escalation


# Responsible leaders (包靠).


@transaction.atomic
def assign_leader(
    student: Student,
    leader: Staff | None,
    term: Term,
    today: dt.date,
    meeting: Meeting | None = None,
) -> LeaderAssignment | None:
    """Give the student a responsible leader (or none); the previous one stays in history."""
    current = LeaderAssignment.objects.filter(student=student, term=term, active=True).first()
    if current is not None and leader is not None and current.leader_id == leader.pk:
        return current
    if current is not None:
        current.active = False
        current.save(update_fields=["active"])
    if leader is None:
        return None
    return LeaderAssignment.objects.create(
        student=student, leader=leader, term=term, assigned_on=today, meeting=meeting
    )


# Success cases.


@transaction.atomic
def save_case(case: Case) -> Case:
    if case.student.school_class_id != case.school_class_id:
        raise ValidationError(_("The student is not in that class."))
    case.full_clean()
    case.save()
    return case


def is_own_case(case: Case, staff: Staff | None) -> bool:
    """Whether ``staff`` is on the side of the case: its author, or one of the class team that
    puts it forward (the class's homeroom teacher or a teacher of the class; seed 003), whose
    evaluation its score counts in. Such a person never judges it."""
    if staff is None:
        return False
    if staff.pk in (case.author_id, case.school_class.homeroom_teacher_id):
        return True
    return TeachingAssignment.objects.filter(
        school_class=case.school_class_id, staff=staff
    ).exists()


@transaction.atomic
def score_case(case: Case, judge: Staff, score: int, comment: str = "") -> CaseScore:
    if not CaseJudge.objects.filter(term=case.term, staff=judge).exists():
        raise ValidationError(_("You are not a judge of this term's cases."))
    if is_own_case(case, judge):
        raise ValidationError(
            _("A judge does not score a case they wrote or a case of a class they teach.")
        )
    if not case.nominated:
        raise ValidationError(_("Only nominated cases are scored."))
    if not 0 <= score <= 100:
        raise ValidationError(_("A score is between 0 and 100."))
    obj, _created = CaseScore.objects.update_or_create(
        case=case, judge=judge, defaults={"score": score, "comment": comment.strip()}
    )
    return obj


# Questionnaires (学情征询问卷).

# Submissions per class link and minute (a parent meeting answers at once, a script does not),
# and the answers one link takes in all: a few per student of the class.
ANSWERS_PER_LINK_MINUTE = 120
ANSWERS_PER_STUDENT = 3
ANSWERS_PER_LINK_FLOOR = 30
ANSWER_TEXT_MAX = 1000
CHOICE_KINDS = (Question.Kind.SINGLE, Question.Kind.MULTIPLE)


@dataclass
class QuestionData:
    kind: str
    text: str
    choices: list[str]
    required: bool = True


@transaction.atomic
def create_questionnaire(
    *,
    by: Staff,
    term: Term,
    title: str,
    audience: str,
    reach: str,
    deadline: dt.datetime,
    questions: Sequence[QuestionData],
    intro: str = "",
    school_class: SchoolClass | None = None,
    grade: Grade | None = None,
) -> Questionnaire:
    """A questionnaire, its questions and one link (an unguessable token) per class."""
    if not questions:
        raise ValidationError(_("Add at least one question."))
    for question in questions:
        choices = [c for c in question.choices if c.strip()]
        if question.kind in CHOICE_KINDS and len(choices) < 2:
            raise ValidationError(
                _("The question “%(text)s” needs at least two choices.") % {"text": question.text}
            )
    if deadline <= timezone.now():
        raise ValidationError(_("The deadline must be in the future."))
    classes = SchoolClass.objects.filter(academic_year=term.academic_year_id)
    if reach == Questionnaire.Reach.CLASS:
        if school_class is None:
            raise ValidationError(_("Choose the class."))
        classes = classes.filter(pk=school_class.pk)
        grade = school_class.grade
    elif reach == Questionnaire.Reach.GRADE:
        if grade is None:
            raise ValidationError(_("Choose the grade."))
        classes = classes.filter(grade=grade)
        school_class = None
    else:
        school_class = grade = None
    class_list = list(classes.order_by("grade__level", "number"))
    if not class_list:
        raise ValidationError(_("There is no class of this year to ask."))
    questionnaire = Questionnaire.objects.create(
        title=title.strip(),
        audience=audience,
        reach=reach,
        term=term,
        school_class=school_class,
        grade=grade,
        intro=intro.strip(),
        deadline=deadline,
        created_by=by,
    )
    Question.objects.bulk_create(
        Question(
            questionnaire=questionnaire,
            order=n,
            kind=q.kind,
            text=q.text.strip(),
            choices=[c.strip() for c in q.choices if c.strip()] if q.kind in CHOICE_KINDS else [],
            required=q.required,
        )
        for n, q in enumerate(questions, start=1)
    )
    QuestionnaireLink.objects.bulk_create(
        QuestionnaireLink(questionnaire=questionnaire, school_class=c, token=new_token())
        for c in class_list
    )
    return questionnaire


def new_token() -> str:
    """32 random bytes in the URL's alphabet: not guessable, not counted from anything."""
    import secrets

    return secrets.token_urlsafe(32)


def close_questionnaire(questionnaire: Questionnaire, *, reopen: bool = False) -> None:
    if reopen:
        if questionnaire.deadline <= timezone.now():
            raise ValidationError(_("The deadline has passed: it cannot be opened again."))
        questionnaire.closed_at = None
    else:
        questionnaire.closed_at = questionnaire.closed_at or timezone.now()
    questionnaire.save(update_fields=["closed_at"])


def answer_rate_allows(link: QuestionnaireLink) -> bool:
    """The link's submissions this minute (a cache counter): false past the limit."""
    from django.core.cache import cache

    key = f"consult:q:{link.pk}:{int(timezone.now().timestamp() // 60)}"
    if cache.add(key, 1, timeout=120):
        return True
    try:
        count = cache.incr(key)
    except ValueError:  # expired between the two calls
        cache.set(key, 1, timeout=120)
        count = 1
    return count <= ANSWERS_PER_LINK_MINUTE


@transaction.atomic
def submit_answers(link: QuestionnaireLink, answers: dict[str, Any]) -> QuestionnaireResponse:
    """Keep one anonymous answer sheet of the link's class: the day and the answers only."""
    questionnaire = link.questionnaire
    if not questionnaire.is_open(timezone.now()):
        raise ValidationError(_("This questionnaire is closed."))
    students = Student.objects.in_school().filter(school_class=link.school_class_id).count()
    most = max(ANSWERS_PER_LINK_FLOOR, ANSWERS_PER_STUDENT * students)
    if QuestionnaireResponse.objects.filter(link=link).count() >= most:
        raise ValidationError(_("This class's questionnaire has all the answers it can take."))
    return QuestionnaireResponse.objects.create(
        link=link, submitted_on=timezone.localdate(), answers=answers
    )


@transaction.atomic
def pick_common_issue(
    questionnaire: Questionnaire, grade: Grade, text: str, by: Staff, term: Term
) -> CommonIssue:
    """A common problem from the answers goes on the agenda of the grade's next meeting: one
    already set for a later day, else the next one recorded for the grade."""
    text = text.strip()
    if not text:
        raise ValidationError(_("Write the common problem."))
    today = timezone.localdate()
    meeting = (
        Meeting.objects.filter(level=Level.GRADE, grade=grade, date__gt=today)
        .order_by("date", "pk")
        .first()
    )
    issue = CommonIssue(
        questionnaire=questionnaire,
        grade=grade,
        term=term,
        text=text,
        picked_by=by,
        picked_on=today,
        meeting=meeting,
    )
    issue.save()
    return issue


def pending_common_issues(grade: Grade | None) -> list[CommonIssue]:
    """The common problems waiting for the grade's next meeting."""
    if grade is None:
        return []
    return list(
        CommonIssue.objects.filter(grade=grade, meeting__isnull=True)
        .select_related("questionnaire")
        .order_by("picked_on", "pk")
    )


def take_up_common_issues(meeting: Meeting) -> None:
    """A grade meeting recorded takes the common problems waiting for it on its agenda."""
    for issue in pending_common_issues(meeting.grade if meeting.level == Level.GRADE else None):
        issue.meeting = meeting
        issue.save(update_fields=["meeting"])


# Theme class meetings (主题班会) and study-method exchanges (学法交流会).


def _check_activity(activity: ClassActivity) -> None:
    term = activity.term
    if not term.start_date <= activity.date <= term.end_date:
        raise ValidationError(
            _("The date must fall within the term (%(start)s to %(end)s).")
            % {"start": f"{term.start_date:%Y-%m-%d}", "end": f"{term.end_date:%Y-%m-%d}"}
        )
    if activity.date > timezone.localdate():
        raise ValidationError(
            _("Record a meeting once it has been held: the date is in the future.")
        )


def _check_students(school_class: SchoolClass, students: Iterable[Student]) -> None:
    if any(s.school_class_id != school_class.pk for s in students):
        raise ValidationError(_("Only students of the class can be named."))


@transaction.atomic
def save_activity(
    activity: ClassActivity,
    hosts: Iterable[Student],
    speakers: Iterable[Student],
) -> ClassActivity:
    """Record (or correct) a theme meeting or an exchange with its students."""
    hosts, speakers = list(hosts), list(speakers)
    _check_activity(activity)
    _check_students(activity.school_class, [*hosts, *speakers])
    if activity.kind == ClassActivity.Kind.EXCHANGE:
        hosts = []
    activity.save()
    activity.hosts.set(hosts)
    activity.speakers.set(speakers)
    return activity


# What a photo's first bytes say it is: images only, whatever the file is called.
IMAGE_SIGNATURES = (
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"GIF87a", "image/gif", "gif"),
    (b"GIF89a", "image/gif", "gif"),
)


def image_type(head: bytes) -> tuple[str, str] | None:
    """(content type, extension) of an image by its first bytes, or None."""
    for signature, content_type, extension in IMAGE_SIGNATURES:
        if head.startswith(signature):
            return content_type, extension
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp", "webp"
    return None


@transaction.atomic
def add_photo(activity: ClassActivity, upload: Any, by: Staff) -> ActivityPhoto:
    """Keep an uploaded photo of the activity in private storage: refused past the size cap
    of the settings, or when its content is not a JPEG, PNG, GIF or WebP image."""
    from django.core.files.base import ContentFile

    limit = ConsultSettings.get().photo_max_kb * 1024
    if upload.size is None or upload.size > limit:
        raise ValidationError(
            _("The photo is larger than %(limit)s KB. Choose a smaller one.")
            % {"limit": limit // 1024}
        )
    upload.seek(0)
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise ValidationError(
            _("The photo is larger than %(limit)s KB. Choose a smaller one.")
            % {"limit": limit // 1024}
        )
    found = image_type(data[:16])
    if found is None:
        raise ValidationError(_("Only photos can be added (JPEG, PNG, GIF or WebP)."))
    content_type, extension = found
    import uuid

    photo = ActivityPhoto(
        activity=activity, content_type=content_type, size=len(data), uploaded_by=by
    )
    photo.image.save(f"{uuid.uuid4().hex}.{extension}", ContentFile(data), save=False)
    photo.save()
    return photo


# Leaders sent to weak classes (弱势班级蹲点).


@transaction.atomic
def assign_class_leader(
    school_class: SchoolClass,
    leader: Staff | None,
    term: Term,
    today: dt.date,
    meeting: Meeting | None = None,
) -> ClassLeaderAssignment | None:
    """Send a school leader to a weak class (or none); the previous one stays in history."""
    current = ClassLeaderAssignment.objects.filter(
        school_class=school_class, term=term, active=True
    ).first()
    if current is not None and leader is not None and current.leader_id == leader.pk:
        return current
    if current is not None:
        current.active = False
        current.save(update_fields=["active"])
    if leader is None:
        return None
    return ClassLeaderAssignment.objects.create(
        school_class=school_class, leader=leader, term=term, assigned_on=today, meeting=meeting
    )


# The term's plans (学期学情会商工作计划) and summaries (期末总结).


@transaction.atomic
def save_plan(term: Term, grade: Grade | None, data: dict[str, Any], by: Staff) -> TermPlan:
    plan = TermPlan.objects.filter(term=term, grade=grade).first() or TermPlan(
        term=term, grade=grade
    )
    for name in ("goals", "schedule", "focus"):
        setattr(plan, name, data.get(name) or "")
    plan.updated_by = by
    plan.save()
    return plan


@transaction.atomic
def save_summary(
    term: Term,
    level: str,
    text: str,
    figures: dict[str, Any],
    by: Staff,
    *,
    school_class: SchoolClass | None = None,
    grade: Grade | None = None,
) -> TermSummary:
    """File (or rewrite) the term's summary of a class, a grade or the school, with the
    figures it was written from."""
    where: dict[str, Any] = {"school_class": school_class} if level == Level.CLASS else {}
    if level == Level.GRADE:
        where = {"grade": grade}
    summary = TermSummary.objects.filter(term=term, level=level, **where).first()
    if summary is None:
        summary = TermSummary(term=term, level=level, school_class=school_class, grade=grade)
    summary.text = text
    summary.figures = figures
    summary.updated_by = by
    summary.save()
    return summary


def summary_draft(figures: dict[str, Any], level: str) -> str:
    """The summary's first draft from the term's figures, for its author to write on."""
    lines = []
    if level != Level.CLASS:
        lines.append(
            _("Meetings of this level held this term: %(n)s.") % {"n": figures.get("own", 0)}
        )
    lines.append(
        _(
            "Class meetings held: %(meetings)s; students discussed at least once: %(covered)s "
            "of %(students)s; students proposed to the next level: %(escalations)s; success "
            "cases written: %(cases)s."
        )
        % figures
    )
    lines.append(
        _("Theme class meetings held: %(themes)s; study-method exchanges held: %(exchanges)s.")
        % figures
    )
    if figures.get("response") is not None:
        lines.append(
            _("Questionnaire response: %(response)s%%.") % {"response": figures["response"]}
        )
    lines += [
        "",
        _("1. Experience and practice:"),
        "",
        _("2. Problems found:"),
        "",
        _("3. Improvements for next term:"),
        "",
    ]
    return "\n".join(lines)
