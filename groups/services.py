"""Write side of the groups app: plain functions, each in one transaction."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from schoolops.calendar import monday_of
from schoolops.models import SchoolClass, Staff, Student, Subject, Term

from . import forming
from .access import scoring_subjects
from .models import (
    ClassTerminal,
    Consequence,
    GoalCheckIn,
    GroupSettings,
    LeaderboardRow,
    MemberChange,
    Membership,
    MonthClose,
    Recommendation,
    Review,
    ReviewRound,
    ScoreEntry,
    ScoreItem,
    StudyGroup,
)
from .selectors import balance_failures, class_candidates, compute_board, groups_balance

DEFAULT_NAMES = [
    "第一组",
    "第二组",
    "第三组",
    "第四组",
    "第五组",
    "第六组",
    "第七组",
    "第八组",
    "第九组",
    "第十组",
    "第十一组",
    "第十二组",
    "第十三组",
    "第十四组",
    "第十五组",
]


def default_name(number: int) -> str:
    return DEFAULT_NAMES[number - 1] if number <= len(DEFAULT_NAMES) else f"第{number}组"


def class_subject_ids(school_class: SchoolClass) -> list[int]:
    return list(
        school_class.assignments.order_by("subject__order", "subject__name").values_list(
            "subject_id", flat=True
        )
    )


# Forming.


@transaction.atomic
def propose_groups(
    school_class: SchoolClass,
    term: Term,
    size: int,
    *,
    replace: bool = False,
    iterations: int = 4000,
    now: dt.datetime | None = None,
) -> list[StudyGroup]:
    """Make a draft proposal for the class (earlier drafts are discarded).

    Confirmed groups are kept unless ``replace``: then they stop running (their scores and
    history stay) and the new proposal takes their place.
    """
    if size not in forming.TIER_SHARES:
        raise ValidationError(_("The group size must be 4, 5 or 6."))
    now = now or timezone.now()
    existing = StudyGroup.objects.active().filter(school_class=school_class, term=term)
    if existing.filter(confirmed_at__isnull=False).exists():
        if not replace:
            raise ValidationError(_("This class already has confirmed groups for the term."))
        Membership.objects.filter(group__in=existing, left_at__isnull=True).update(left_at=now)
        existing.update(is_active=False)
    else:
        drafts = list(existing)
        Membership.led_subjects.through.objects.filter(membership__group__in=drafts).delete()
        Membership.objects.filter(group__in=drafts).delete()
        StudyGroup.objects.filter(pk__in=[g.pk for g in drafts]).delete()
    candidates = class_candidates(school_class)
    if not candidates:
        raise ValidationError(_("The class has no students in school."))
    proposal = forming.propose(candidates, size, iterations=iterations)
    groups = StudyGroup.objects.bulk_create(
        StudyGroup(term=term, school_class=school_class, number=i, name=default_name(i))
        for i in range(1, len(proposal) + 1)
    )
    subject_ids = class_subject_ids(school_class)
    create_members(
        [(group, members, subject_ids) for group, members in zip(groups, proposal, strict=True)],
        now,
    )
    return groups


def create_members(
    placements: Iterable[tuple[StudyGroup, list[forming.Candidate], list[int]]],
    now: dt.datetime,
    *,
    fill: Callable[[Membership], None] | None = None,
) -> list[Membership]:
    """The members of new groups as a proposal placed them: tier, seat, roles, subject leads.

    ``placements`` holds (group, its candidates, the subject ids of its class); the strongest
    member in each subject leads it and sits in the middle (``forming``). ``fill`` may set
    more fields of each new membership (the demo's goals). Written in bulk: the demo school
    forms 500 groups this way.
    """
    memberships: list[Membership] = []
    leads: list[tuple[int, int]] = []  # (index in memberships, subject)
    for group, members, subject_ids in placements:
        roles = forming.pick_roles(members, subject_ids)
        lead_counts: dict[int, int] = {}
        for student_id in roles["subjects"].values():
            lead_counts[student_id] = lead_counts.get(student_id, 0) + 1
        seats = forming.seat_order([m.student_id for m in members], lead_counts)
        by_id = {m.student_id: m for m in members}
        index_of: dict[int, int] = {}
        for seat, student_id in enumerate(seats, start=1):
            candidate = by_id[student_id]
            membership = Membership(
                group=group,
                student_id=student_id,
                tier=candidate.tier,
                tier_flagged=candidate.flagged,
                seat=seat,
                is_leader=student_id == roles["leader"],
                is_recorder=student_id == roles["recorder"],
                joined_at=now,
            )
            if fill is not None:
                fill(membership)
            index_of[student_id] = len(memberships)
            memberships.append(membership)
        leads += [(index_of[student], subject) for subject, student in roles["subjects"].items()]
    memberships = Membership.objects.bulk_create(memberships, batch_size=2000)
    Through = Membership.led_subjects.through
    Through.objects.bulk_create(
        (Through(membership_id=memberships[i].pk, subject_id=subject) for i, subject in leads),
        batch_size=2000,
    )
    return memberships


class Unbalanced(ValidationError):
    """The groups fail balance rules and the confirmation did not say 「仍然确认」."""

    def __init__(self, failures: list[str]) -> None:
        super().__init__(failures)
        self.failures = failures


def class_balance_failures(school_class: SchoolClass, term: Term) -> list[str]:
    """The balance rules the class's running groups fail as they stand (see ``balance``)."""
    groups = list(
        StudyGroup.objects.active()
        .filter(school_class=school_class, term=term)
        .prefetch_related(
            Prefetch(
                "memberships",
                queryset=Membership.objects.current().select_related("student"),
                to_attr="members",
            )
        )
        .order_by("number")
    )
    figures, _flagged = groups_balance(school_class, groups)
    return balance_failures(figures)


@transaction.atomic
def confirm_groups(
    school_class: SchoolClass, term: Term, staff: Staff, *, anyway: bool = False
) -> list[str]:
    """Confirm the class's draft groups; from now on member changes need a reason.

    When the groups fail a balance rule (sizes, spread of averages, boys' share) nothing is
    confirmed unless ``anyway`` (the page's 「仍然确认」): ``Unbalanced`` lists the rules.
    Returns the failed rules the confirmation went ahead despite (empty when all hold).
    """
    drafts = StudyGroup.objects.active().filter(
        school_class=school_class, term=term, confirmed_at__isnull=True
    )
    groups = list(drafts.select_for_update())
    if not groups:
        raise ValidationError(_("There is no proposal to confirm."))
    empty = [g.name for g in drafts.filter(memberships__isnull=True)]
    if empty:
        raise ValidationError(
            _("These groups have no members: %(names)s.") % {"names": "、".join(empty)}
        )
    failures = class_balance_failures(school_class, term)
    if failures and not anyway:
        raise Unbalanced(failures)
    now = timezone.now()
    for group in groups:
        group.confirmed_at = now
        group.confirmed_by = staff
        group.save(update_fields=["confirmed_at", "confirmed_by"])
    return failures


@transaction.atomic
def move_member(
    membership: Membership, to_group: StudyGroup, staff: Staff, reason: str = ""
) -> Membership:
    """Move a student to another group of the class; confirmed groups keep the history."""
    membership = (
        Membership.objects.select_for_update().select_related("group").get(pk=membership.pk)
    )
    if membership.left_at is not None:
        raise ValidationError(_("This student has already left the group."))
    source = membership.group
    if to_group.pk == source.pk:
        raise ValidationError(_("The student is already in this group."))
    if to_group.school_class_id != source.school_class_id or to_group.term_id != source.term_id:
        raise ValidationError(_("Students can only move between groups of their own class."))
    if not to_group.is_active:
        raise ValidationError(_("That group no longer runs."))
    confirmed = source.is_confirmed or to_group.is_confirmed
    reason = (reason or "").strip()
    if confirmed and not reason:
        raise ValidationError(_("Give a reason: the groups are confirmed."))
    if not confirmed:
        membership.group = to_group
        membership.is_leader = membership.is_recorder = False
        membership.seat = 99
        membership.save(update_fields=["group", "is_leader", "is_recorder", "seat"])
        membership.led_subjects.clear()
        return membership
    now = timezone.now()
    membership.left_at = now
    membership.save(update_fields=["left_at"])
    new = Membership.objects.create(
        group=to_group,
        student_id=membership.student_id,
        tier=membership.tier,
        tier_flagged=membership.tier_flagged,
        seat=99,
        goal_short=membership.goal_short,
        goal_long=membership.goal_long,
        joined_at=now,
    )
    MemberChange.objects.create(
        school_class_id=source.school_class_id,
        student_id=membership.student_id,
        from_group=source,
        to_group=to_group,
        reason=reason,
        changed_by=staff,
        changed_at=now,
    )
    return new


@transaction.atomic
def set_roles(
    group: StudyGroup,
    *,
    leader: Membership | None,
    recorder: Membership | None,
    subject_leaders: dict[Subject, Membership | None],
) -> None:
    """Give the group exactly these roles (one leader, one recorder, one leader per subject)."""
    members = {m.pk: m for m in group.memberships.current()}
    for chosen in [leader, recorder, *subject_leaders.values()]:
        if chosen is not None and chosen.pk not in members:
            raise ValidationError(_("Roles can only go to current members of the group."))
    group.memberships.current().update(is_leader=False, is_recorder=False)
    if leader is not None:
        Membership.objects.filter(pk=leader.pk).update(is_leader=True)
    if recorder is not None:
        Membership.objects.filter(pk=recorder.pk).update(is_recorder=True)
    Through = Membership.led_subjects.through
    Through.objects.filter(membership__in=list(members)).delete()
    Through.objects.bulk_create(
        Through(membership_id=m.pk, subject_id=subject.pk)
        for subject, m in subject_leaders.items()
        if m is not None
    )


def vacant_roles(members: Iterable[Membership], subjects: Iterable[Subject]) -> list[str]:
    """The roles of a group nobody holds: leader, recorder, the leader of each subject the
    class is taught (``members`` with their ``led_subjects`` prefetched; no query)."""
    members = list(members)
    if not members:
        return []
    led = {s.pk for m in members for s in m.led_subjects.all()}
    vacant = []
    if not any(m.is_leader for m in members):
        vacant.append(_("group leader"))
    if len(members) > 1 and not any(m.is_recorder for m in members):
        vacant.append(_("recorder"))
    vacant.extend(
        _("%(subject)s subject leader") % {"subject": subject.name}
        for subject in subjects
        if subject.pk not in led
    )
    return vacant


@transaction.atomic
def reseat(group: StudyGroup) -> None:
    """Seat the group front-to-back with its subject leaders in the middle."""
    members = list(group.memberships.current().prefetch_related("led_subjects"))
    counts = {m.student_id: len(m.led_subjects.all()) for m in members}
    order = forming.seat_order([m.student_id for m in members], counts)
    by_student = {m.student_id: m for m in members}
    for seat, student_id in enumerate(order, start=1):
        member = by_student[student_id]
        member.seat = seat
    Membership.objects.bulk_update(members, ["seat"])


@transaction.atomic
def record_checkin(
    group: StudyGroup,
    staff: Staff,
    goal: str,
    status: str,
    note: str = "",
    membership: Membership | None = None,
) -> GoalCheckIn:
    member_goal = goal in (GoalCheckIn.Goal.MEMBER_SHORT, GoalCheckIn.Goal.MEMBER_LONG)
    if member_goal and membership is None:
        raise ValidationError(_("Choose the member whose goal you checked."))
    if membership is not None and membership.group_id != group.pk:
        raise ValidationError(_("That student is not a member of this group."))
    return GoalCheckIn.objects.create(
        group=group,
        membership=membership if member_goal else None,
        goal=goal,
        status=status,
        note=note.strip(),
        checked_by=staff,
    )


# Scoring.


def _month_closed(month: dt.date) -> bool:
    return MonthClose.objects.filter(month=month).exists()


def lesson_days(term: Term, today: dt.date | None = None) -> list[dt.date]:
    """The days a teacher may score from the scoring page: the lessons of this teaching week
    up to today (never a future day, never outside the term), latest first."""
    today = today or timezone.localdate()
    if term.week_number(today) is None:
        return []
    first = max(monday_of(today), term.start_date)
    return [today - dt.timedelta(days=n) for n in range((today - first).days + 1)]


def lesson_day(term: Term, value: str | None, today: dt.date | None = None) -> dt.date:
    """The day a tap scores: today when none is named, else an earlier day of this week.

    Scores of earlier weeks come in by the 学习委员's score sheet or a correction, not by a
    tap, so that a week already discussed does not change behind the class's back."""
    today = today or timezone.localdate()
    if not value:
        return today
    try:
        day = dt.date.fromisoformat(value.strip())
    except ValueError:
        raise ValidationError(_("Choose the day of the lesson from the list.")) from None
    if day > today:
        raise ValidationError(_("A lesson that has not happened yet cannot be scored."))
    days = lesson_days(term, today)
    if day not in days:
        if not days:
            raise ValidationError(_("Today is not in a teaching week of the current term."))
        raise ValidationError(
            _(
                "Only a lesson of this teaching week can be scored here: choose a day from "
                "%(first)s to %(today)s. Earlier weeks are entered through the weekly score "
                "sheet or a correction."
            )
            % {"first": days[-1].isoformat(), "today": today.isoformat()}
        )
    return day


def _check_subject(teacher: Staff, class_id: int, subject: Subject | None) -> None:
    if subject is not None and not (
        scoring_subjects(teacher, class_id).filter(pk=subject.pk).exists()
    ):
        raise ValidationError(
            _(
                "%(teacher)s does not score under %(subject)s here: a teacher scores under a "
                "subject they teach in the class (its homeroom teacher under any of its subjects)."
            )
            % {"teacher": teacher.name, "subject": subject.name}
        )


def _sent_before(client_ids: Iterable[uuid.UUID], teacher: Staff) -> list[ScoreEntry]:
    """The entries already made for these phone ids (a tap sent again): only the teacher's
    own, a foreign id is refused rather than shown."""
    entries = list(ScoreEntry.objects.filter(client_id__in=list(client_ids)).order_by("pk"))
    if any(entry.teacher_id != teacher.pk for entry in entries):
        raise ValidationError(_("This tap was sent from another teacher's phone."))
    return entries


def add_score(
    group: StudyGroup,
    item: ScoreItem,
    teacher: Staff,
    *,
    student: Student | None = None,
    member: Membership | None = None,
    subject: Subject | None = None,
    points: int | None = None,
    day: dt.date | None = None,
    kind: str = ScoreEntry.Kind.TAP,
    reason: str = "",
    client_id: uuid.UUID | None = None,
    terminal: ClassTerminal | None = None,
    recorded_by_student: Student | None = None,
) -> ScoreEntry:
    """One tap: a single INSERT. Totals are sums of entries, so taps never conflict.

    A member's tap names the ``student`` (checked to be in the group) or the ``member``
    (a membership the caller has just read: its group and dates are checked here, with no
    second look-up). A tap the phone names by ``client_id`` is accepted once: sent again
    (the answer was lost, or the phone was offline), it answers the entry already made, also
    when both arrive at the same moment (the unique id decides).
    """
    if client_id is not None:
        done = _sent_before([client_id], teacher)
        if done:
            return done[0]
    if not group.is_active or not group.is_confirmed:
        raise ValidationError(_("Scores go to confirmed groups only."))
    if not item.is_active:
        raise ValidationError(_("This score item is no longer in use."))
    day = day or timezone.localdate()
    term = group.term
    if not (term.start_date <= day <= term.end_date):
        raise ValidationError(_("%(day)s is outside the group's term.") % {"day": day})
    if member is not None:
        if member.group_id != group.pk or member.left_at is not None:
            raise ValidationError(_("That student is not a member of the group."))
        student = member.student
    elif student is not None and not group.memberships.current().filter(student=student).exists():
        raise ValidationError(
            _("%(name)s is not a member of %(group)s.")
            % {"name": student.name, "group": group.name}
        )
    _check_subject(teacher, group.school_class_id, subject)
    month = day.replace(day=1)
    entry = ScoreEntry(
        group=group,
        school_class_id=group.school_class_id,
        term_id=group.term_id,
        student=student,
        item=item,
        points=item.points if points is None else points,
        subject=subject,
        teacher=teacher,
        kind=kind,
        reason=reason,
        day=day,
        week=term.week_number(day),
        month=month,
        after_close=_month_closed(month),
        client_id=client_id,
        terminal=terminal,
        recorded_by_student=recorded_by_student,
    )
    if client_id is None:
        entry.save(force_insert=True)
        return entry
    try:
        with transaction.atomic():
            entry.save(force_insert=True)
    except IntegrityError:
        # The same tap arrived twice at once: the other request made it.
        done = _sent_before([client_id], teacher)
        if not done:
            raise
        return done[0]
    return entry


def group_client_id(client_id: uuid.UUID, group: StudyGroup | int) -> uuid.UUID:
    """The id of one group's entry of a 「全组」 tap (derived, so that a resend finds it)."""
    return uuid.uuid5(client_id, f"group-{getattr(group, 'pk', group)}")


def score_all_groups(
    school_class: SchoolClass,
    term: Term,
    item: ScoreItem,
    teacher: Staff,
    *,
    subject: Subject | None = None,
    day: dt.date | None = None,
    client_id: uuid.UUID | None = None,
) -> list[ScoreEntry]:
    """「全组 +N」: one entry for every confirmed group of the class, all or none.

    Sent again with the same ``client_id``, it answers the entries already made."""
    groups = list(
        StudyGroup.objects.confirmed()
        .filter(school_class=school_class, term=term)
        .select_related("term")
        .order_by("number")
    )
    if not groups:
        raise ValidationError(_("This class has no confirmed groups yet."))
    ids = {g.pk: group_client_id(client_id, g) for g in groups} if client_id else {}
    if ids:
        done = _sent_before(ids.values(), teacher)
        if done:
            return done
    if not item.is_active:
        raise ValidationError(_("This score item is no longer in use."))
    day = day or timezone.localdate()
    if not (term.start_date <= day <= term.end_date):
        raise ValidationError(_("%(day)s is outside the group's term.") % {"day": day})
    _check_subject(teacher, school_class.pk, subject)
    month = day.replace(day=1)
    week = term.week_number(day)
    after_close = _month_closed(month)
    entries = [
        ScoreEntry(
            group=group,
            school_class_id=school_class.pk,
            term_id=term.pk,
            item=item,
            points=item.points,
            subject=subject,
            teacher=teacher,
            kind=ScoreEntry.Kind.TAP,
            day=day,
            week=week,
            month=month,
            after_close=after_close,
            client_id=ids.get(group.pk),
        )
        for group in groups
    ]
    try:
        with transaction.atomic():
            return ScoreEntry.objects.bulk_create(entries)
    except IntegrityError:
        done = _sent_before(ids.values(), teacher) if ids else []
        if not done:
            raise
        return done


def _reverse(entry: ScoreEntry, staff: Staff, kind: str, reason: str) -> ScoreEntry:
    try:
        with transaction.atomic():
            return ScoreEntry.objects.create(
                group_id=entry.group_id,
                school_class_id=entry.school_class_id,
                term_id=entry.term_id,
                student_id=entry.student_id,
                item_id=entry.item_id,
                points=-entry.points,
                subject_id=entry.subject_id,
                teacher=staff,
                kind=kind,
                reverses=entry,
                reason=reason,
                day=entry.day,
                week=entry.week,
                month=entry.month,
                after_close=_month_closed(entry.month),
                # A student-recorded entry's reversal counts by the same rule (and is
                # reviewed: the teacher who reversed it has looked at it).
                terminal_id=entry.terminal_id,
                recorded_by_student_id=entry.recorded_by_student_id,
                reviewed_at=timezone.now() if entry.recorded_by_student_id else None,
                reviewed_by=staff if entry.recorded_by_student_id else None,
            )
    except IntegrityError:
        raise ValidationError(_("This entry has already been reversed.")) from None


def undo_score(entry: ScoreEntry, staff: Staff) -> ScoreEntry:
    """Take back one's own tap within the lesson (a reversing entry)."""
    if not entry.can_undo(staff):
        raise ValidationError(
            _("Only the teacher who entered it can undo a score, and only during the lesson.")
        )
    return _reverse(entry, staff, ScoreEntry.Kind.UNDO, "")


def correct_score(entry: ScoreEntry, staff: Staff, reason: str) -> ScoreEntry:
    """A later correction: a reversing entry with a reason, never an edit."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("A correction needs a reason."))
    if entry.kind in (ScoreEntry.Kind.UNDO, ScoreEntry.Kind.CORRECTION):
        raise ValidationError(_("A reversing entry cannot be reversed again."))
    return _reverse(entry, staff, ScoreEntry.Kind.CORRECTION, reason)


@transaction.atomic
def move_score(
    entry: ScoreEntry, to_group: StudyGroup, staff: Staff, reason: str = ""
) -> ScoreEntry:
    """「改记到…组」: a tap scored on the wrong group goes to another group of its class.

    Two entries, both or neither: a correction reversing it (by ``staff``, who moved it) and
    the same score on ``to_group``, whose ``moved_from`` names that correction (and the
    correction's ``moved_to`` the new entry). The score keeps its teacher, day and subject;
    a member's tap keeps the member only if they belong to the new group."""
    if entry.kind not in (ScoreEntry.Kind.TAP, ScoreEntry.Kind.IMPORT):
        raise ValidationError(_("A reversing entry cannot be reversed again."))
    if entry.is_reversed:
        raise ValidationError(_("This entry has already been reversed."))
    if to_group.pk == entry.group_id:
        raise ValidationError(_("The score is already on this group: choose another one."))
    if (
        to_group.school_class_id != entry.school_class_id
        or to_group.term_id != entry.term_id
        or not to_group.is_active
        or not to_group.is_confirmed
    ):
        raise ValidationError(_("A score moves only to a confirmed group of the same class."))
    from_name = entry.group.name
    reason = (reason or "").strip() or _("Moved to %(group)s") % {"group": to_group.name}
    reversal = _reverse(entry, staff, ScoreEntry.Kind.CORRECTION, reason[:200])
    student_id = entry.student_id
    if student_id and not to_group.memberships.current().filter(student_id=student_id).exists():
        student_id = None
    return ScoreEntry.objects.create(
        group=to_group,
        school_class_id=entry.school_class_id,
        term_id=entry.term_id,
        student_id=student_id,
        item_id=entry.item_id,
        points=entry.points,
        subject_id=entry.subject_id,
        teacher_id=entry.teacher_id,
        kind=entry.kind,
        reason=(_("Moved from %(group)s by %(name)s") % {"group": from_name, "name": staff.name})[
            :200
        ],
        moved_from=reversal,
        day=entry.day,
        week=entry.week,
        month=entry.month,
        after_close=_month_closed(entry.month),
    )


# Months, commendations, recommendations.


@transaction.atomic
def close_month(month: dt.date, staff: Staff, today: dt.date | None = None) -> MonthClose:
    """Archive the month's leaderboard as rows; later entries are flagged as late."""
    month = month.replace(day=1)
    today = today or timezone.localdate()
    if month >= today.replace(day=1):
        raise ValidationError(_("A month can be closed once it is over."))
    if MonthClose.objects.filter(month=month).exists():
        raise ValidationError(_("This month is already closed."))
    rule = GroupSettings.load()
    close = MonthClose.objects.create(
        month=month,
        closed_by=staff,
        ranking_min_days=rule.ranking_min_days,
        ranking_min_entries_per_group=rule.ranking_min_entries_per_group,
    )
    rows, _totals = compute_board(month, rule=rule)
    LeaderboardRow.objects.bulk_create(
        LeaderboardRow(
            close=close,
            group_id=r.group_id,
            grade_name=r.grade_name,
            class_name=r.class_name,
            group_name=r.group_name,
            points=r.points,
            class_average=r.class_average,
            index=r.index if r.rank is not None else None,
            rank=r.rank,
            class_rank=r.class_rank,
            insufficient=r.insufficient,
        )
        for r in rows
    )
    return close


@transaction.atomic
def mark_excellent(
    close: MonthClose, group_ids: Iterable[int], among: Iterable[int] | None = None
) -> int:
    """Mark the month's 优秀小组 (before the list is published).

    ``among``: the groups the form showed (one page of the leaderboard); the marks of the
    other groups are kept. Only ranked groups can be marked: a group without a rank (its
    class's average was not above zero, or its class had too few entries) is refused, and
    nothing changes. Returns how many groups of the month are marked.
    """
    close = MonthClose.objects.select_for_update().get(pk=close.pk)
    if close.is_published:
        raise ValidationError(_("The commendation list is published and can no longer change."))
    ids = set(group_ids)
    unranked = list(
        close.rows.filter(group_id__in=ids, rank__isnull=True)
        .order_by("class_name", "group_name")
        .values_list("class_name", "group_name")
    )
    if unranked:
        raise ValidationError(
            _("Only ranked groups can be outstanding groups; not ranked this month: %(names)s.")
            % {"names": "、".join(f"{c} {g}" for c, g in unranked)}
        )
    rows = close.rows.all() if among is None else close.rows.filter(group_id__in=set(among))
    rows.update(is_excellent=False)
    rows.filter(group_id__in=ids).update(is_excellent=True)
    return close.rows.filter(is_excellent=True).count()


@transaction.atomic
def publish(close: MonthClose, staff: Staff) -> MonthClose:
    close = MonthClose.objects.select_for_update().get(pk=close.pk)
    if close.is_published:
        raise ValidationError(_("The commendation list is already published."))
    if not close.rows.filter(is_excellent=True).exists():
        raise ValidationError(_("Mark at least one outstanding group first."))
    close.published_at = timezone.now()
    close.published_by = staff
    close.save(update_fields=["published_at", "published_by"])
    return close


def recommend(group: StudyGroup, month: dt.date, staff: Staff, note: str = "") -> Recommendation:
    month = month.replace(day=1)
    if MonthClose.objects.filter(month=month, published_at__isnull=False).exists():
        raise ValidationError(_("The commendation list of this month is already published."))
    try:
        with transaction.atomic():
            return Recommendation.objects.create(
                month=month, group=group, note=note.strip(), recommended_by=staff
            )
    except IntegrityError:
        raise ValidationError(_("This group is already recommended for the month.")) from None


# Reviews.


def start_review_round(
    school_class: SchoolClass, term: Term, title: str, held_on: dt.date
) -> ReviewRound:
    """A new round of self and peer reviews in a class."""
    return ReviewRound.objects.create(
        school_class=school_class, term=term, title=title.strip(), held_on=held_on
    )


@transaction.atomic
def save_reviews(
    round: ReviewRound,
    group: StudyGroup,
    reviewer: Student,
    ratings: dict[int, tuple[int, int, int, int]],
    staff: Staff,
) -> int:
    """Store one member's ratings of themselves and each group-mate (replacing earlier ones)."""
    members = set(group.memberships.current().values_list("student_id", flat=True))
    if reviewer.pk not in members:
        raise ValidationError(_("The reviewer is not a member of this group."))
    for reviewee_id, values in ratings.items():
        if reviewee_id not in members:
            raise ValidationError(_("Only members of the group can be rated."))
        if any(not 1 <= v <= 5 for v in values):
            raise ValidationError(_("Every rating is between 1 and 5."))
    Review.objects.filter(round=round, reviewer=reviewer).delete()
    Review.objects.bulk_create(
        Review(
            round=round,
            group=group,
            reviewer=reviewer,
            reviewee_id=reviewee_id,
            participation=values[0],
            helping=values[1],
            finishing=values[2],
            discipline=values[3],
            entered_by=staff,
        )
        for reviewee_id, values in ratings.items()
    )
    return len(ratings)


def record_consequence(
    group: StudyGroup, student: Student, kind: str, staff: Staff, note: str = ""
) -> Consequence:
    if not group.memberships.current().filter(student=student).exists():
        raise ValidationError(_("That student is not a member of this group."))
    return Consequence.objects.create(
        group=group, student=student, kind=kind, note=note.strip(), recorded_by=staff
    )
