"""Read-side queries: cadence, scoring, the student timeline, the leader's list.

Each function runs a fixed number of queries whatever the amount of data: counts come from
``annotate``/``Count`` grouped in the database, and rows of several kinds are merged here.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import (
    Avg,
    CharField,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    TextField,
    Value,
    When,
)
from django.db.models import Case as SqlCase
from django.db.models.functions import Cast, Coalesce, TruncWeek
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from schoolops.calendar import monday_of, month_bounds
from schoolops.charts import Chart, Series, bar_chart, month_against_last, previous_month
from schoolops.models import Grade, SchoolClass, Student, TeachingWeek, Term

from .models import (
    Case,
    ClassActivity,
    ConsultSettings,
    Escalation,
    FollowUp,
    LeaderAssignment,
    LedgerProfile,
    Level,
    Meeting,
    MeetingStudent,
    Observation,
    Strategy,
)
from .services import ledger_completeness

# Cadence: which meetings were held against what the seeds expect.


@dataclass
class Cell:
    week: TeachingWeek
    held: int
    state: str  # held, missing, due, future


@dataclass
class CadenceRow:
    obj: Any
    cells: list[Cell]

    @property
    def held(self) -> int:
        return sum(1 for c in self.cells if c.state == "held")

    @property
    def expected(self) -> int:
        return sum(1 for c in self.cells if c.state in ("held", "missing"))


def week_state(week: TeachingWeek, held: int, today: dt.date) -> str:
    """A week is expected once it has ended, or earlier when its meeting is already held."""
    if held:
        return "held" if week.first_day <= today else "future"
    if week.last_day < today:
        return "missing"
    if week.first_day <= today:
        return "due"
    return "future"


def _as_monday(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        value = value.date()
    return monday_of(value)


def weekly_counts(term: Term, level: str, field_name: str, ids: list[int]) -> dict:
    """(class or grade id, Monday) → number of counting meetings, in one query."""
    rows = (
        Meeting.objects.for_term(term)
        .counting()
        .filter(level=level, **{f"{field_name}__in": ids})
        .annotate(week=TruncWeek("date"))
        .values_list(field_name, "week")
        .annotate(n=Count("pk"))
    )
    counts: dict[tuple[int, dt.date], int] = defaultdict(int)
    for obj_id, week, n in rows:
        counts[(obj_id, _as_monday(week))] += n
    return counts


def weekly_cadence(
    term: Term, today: dt.date, level: str, objs: list[SchoolClass] | list[Grade]
) -> list[CadenceRow]:
    """Held vs expected, week by week: a class meeting and a grade meeting every teaching week.

    Holiday weeks are not teaching weeks, so they are neither expected nor shown.
    """
    field_name = "school_class" if level == Level.CLASS else "grade"
    weeks = term.teaching_weeks()
    counts = weekly_counts(term, level, field_name, [o.pk for o in objs])
    rows = []
    for obj in objs:
        cells = []
        for week in weeks:
            held = counts.get((obj.pk, week.monday), 0)
            cells.append(Cell(week, held, week_state(week, held, today)))
        rows.append(CadenceRow(obj, cells))
    return rows


@dataclass
class Slot:
    label: str
    first_day: dt.date
    last_day: dt.date
    meetings: list[Meeting] = field(default_factory=list)

    def state(self, today: dt.date) -> str:
        if self.meetings:
            return "held"
        if self.last_day < today:
            return "missing"
        return "due" if self.first_day <= today else "future"


def school_slots(term: Term) -> list[Slot]:
    """Start, middle and end of term: the first, middle and last three teaching weeks."""
    weeks = term.teaching_weeks()
    if not weeks:
        return []
    n = len(weeks)
    mid = n // 2
    windows = [
        (_("Start of term"), weeks[: min(3, n)]),
        (_("Middle of term"), weeks[max(0, mid - 1) : mid + 2]),
        (_("End of term"), weeks[max(0, n - 3) :]),
    ]
    return [Slot(label, w[0].first_day, w[-1].last_day) for label, w in windows]


def monthly_slots(term: Term) -> list[Slot]:
    slots = []
    for month in term.months():
        first, last = month_bounds(month)
        slots.append(
            Slot(
                _("%(month)s review") % {"month": f"{month:%Y-%m}"},
                max(first, term.start_date),
                min(last, term.end_date),
            )
        )
    return slots


def school_cadence(term: Term) -> tuple[list[Slot], list[Slot]]:
    """The school meetings (start, middle, end) and the principal's monthly reviews."""
    slots, reviews = school_slots(term), monthly_slots(term)
    for meeting in (
        Meeting.objects.for_term(term)
        .filter(level=Level.SCHOOL)
        .order_by("date")
        .only("pk", "date", "topic", "kind", "monthly_review", "level")
    ):
        targets = reviews if meeting.monthly_review else slots
        if not meeting.monthly_review and meeting.kind == Meeting.Kind.AD_HOC:
            continue
        for slot in targets:
            if slot.first_day <= meeting.date <= slot.last_day:
                slot.meetings.append(meeting)
                break
    return slots, reviews


# Theme class meetings and study-method exchanges: held against the term's targets.

THEME, EXCHANGE = ClassActivity.Kind.THEME, ClassActivity.Kind.EXCHANGE


def expected_by(term: Term, target: int, day: dt.date) -> int:
    """How many of a term's ``target`` activities are due by ``day``: the target spread over
    the term's teaching weeks, a week's share due once the week has ended (rounded up), the
    whole target once the term is over."""
    weeks = term.teaching_weeks()
    if not weeks or target <= 0:
        return 0
    ended = sum(1 for w in weeks if w.last_day < day)
    return -(-target * ended // len(weeks))


def activity_dates(term: Term, ids: list[int]) -> dict[tuple[int, str], list[dt.date]]:
    """(class id, kind) → the dates of the term's activities, in one query."""
    dates: dict[tuple[int, str], list[dt.date]] = defaultdict(list)
    for cid, kind, day in (
        ClassActivity.objects.for_term(term)
        .filter(school_class__in=ids)
        .order_by("date")
        .values_list("school_class", "kind", "date")
    ):
        dates[(cid, kind)].append(day)
    return dates


@dataclass
class ActivityCount:
    """One kind of activity of one class: held and due so far, and the term's targets."""

    held: int
    due: int
    least: int
    most: int | None = None

    @property
    def state(self) -> str:
        """over (past the seeds' ceiling), behind (fewer than due), done (the term's least
        reached), on_track."""
        if self.most is not None and self.held > self.most:
            return "over"
        if self.held < self.due:
            return "behind"
        return "done" if self.held >= self.least else "on_track"

    @property
    def counted(self) -> int:
        """What counts toward the score: at most what is due."""
        return min(self.held, self.due)


@dataclass
class ActivityRow:
    school_class: SchoolClass
    theme: ActivityCount
    exchange: ActivityCount

    @property
    def share(self) -> Decimal:
        """Held against due, both kinds together (nothing due yet: a full share)."""
        due = self.theme.due + self.exchange.due
        if not due:
            return Decimal(1)
        return _share(self.theme.counted + self.exchange.counted, due)


def activity_rows(
    term: Term,
    classes: list[SchoolClass],
    day: dt.date,
    settings: ConsultSettings,
    dates: dict[tuple[int, str], list[dt.date]] | None = None,
    until: dt.date | None = None,
) -> list[ActivityRow]:
    """Each class's theme meetings and exchanges held by ``until`` (default: all the term's)
    against those due by ``day``: one query, none with ``dates`` given."""
    if dates is None:
        dates = activity_dates(term, [c.pk for c in classes])

    def held(cid: int, kind: str) -> int:
        days = dates.get((cid, kind), [])
        return len(days) if until is None else sum(1 for d in days if d <= until)

    theme_due = expected_by(term, settings.theme_meetings_min, day)
    exchange_due = expected_by(term, settings.exchanges_min, day)
    return [
        ActivityRow(
            c,
            ActivityCount(
                held(c.pk, THEME),
                theme_due,
                settings.theme_meetings_min,
                settings.theme_meetings_max,
            ),
            ActivityCount(held(c.pk, EXCHANGE), exchange_due, settings.exchanges_min),
        )
        for c in classes
    ]


def theme_meetings_by_class(term: Term) -> dict[int, Decimal]:
    """The term-end evaluation's part: each class's theme class meetings held against the
    term's least (the settings'), 0-100, no more than the least counted. Nothing held in the
    whole school that term: no figure (the part is left out). Three queries."""
    settings = ConsultSettings.get()
    classes = list(SchoolClass.objects.filter(academic_year=term.academic_year_id).only("pk"))
    dates = activity_dates(term, [c.pk for c in classes])
    if not any(kind == THEME for _cid, kind in dates):
        return {}
    least = settings.theme_meetings_min
    return {
        c.pk: (Decimal(min(len(dates.get((c.pk, THEME), [])), least)) * 100 / least).quantize(
            Decimal("0.01")
        )
        for c in classes
    }


# Scoring the consultation work of each class.


def _share(part: int, whole: int) -> Decimal:
    return Decimal(part) / Decimal(whole) if whole else Decimal(0)


def _points(weight: int, share: Decimal) -> Decimal:
    return (Decimal(weight) * share).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass
class ScoreRow:
    school_class: SchoolClass
    meetings_held: int = 0
    meetings_expected: int = 0
    students: int = 0
    discussed: int = 0
    special: int = 0
    special_discussed: int = 0
    records_complete: int = 0
    records_total: int = 0
    ledger_complete: int = 0
    best_case: Decimal | None = None
    activities: ActivityRow | None = None
    parts: dict[str, Decimal] = field(default_factory=dict)
    total: Decimal = Decimal(0)
    rank: int = 0

    @property
    def coverage_share(self) -> Decimal:
        everyone = _share(self.discussed, self.students)
        if not self.special:
            return everyone
        return (everyone + _share(self.special_discussed, self.special)) / 2


def period_of(term: Term, month: dt.date | None) -> tuple[dt.date, dt.date]:
    if month is None:
        return term.start_date, term.end_date
    first, last = month_bounds(month)
    return max(first, term.start_date), min(last, term.end_date)


@dataclass
class ScoreInputs:
    """What a class's score takes from the whole term whatever the period: counting meetings
    per (class, Monday), ledger completeness and special-attention students per class."""

    counts: dict
    completeness: dict[int, tuple[int, int]]
    special: dict[int, int]
    activities: dict[tuple[int, str], list[dt.date]] = field(default_factory=dict)


def _in_school(ids: list[int]) -> Q:
    return Q(student__status=Student.Status.IN_SCHOOL, student__school_class__in=ids)


def _special(term: Term, ids: list[int]) -> QuerySet[LedgerProfile]:
    return LedgerProfile.objects.filter(_in_school(ids), term=term, special_attention=True)


def score_inputs(term: Term, ids: list[int]) -> ScoreInputs:
    """Five queries, shared by the scores of the term and of each of its months."""
    special = _special(term, ids).values_list("student__school_class").annotate(n=Count("pk"))
    return ScoreInputs(
        counts=weekly_counts(term, Level.CLASS, "school_class", ids),
        completeness=ledger_completeness(ids, term),
        special=dict(special),
        activities=activity_dates(term, ids),
    )


# A period's figures per (class id, month); the month is None when not split by month.
Figures = dict[str, dict[tuple[int, dt.date | None], Any]]


def _period_figures(
    term: Term, ids: list[int], start: dt.date, end: dt.date, *, by_month: bool
) -> Figures:
    """Students discussed, special-attention students discussed, records (all and complete)
    and the best judged case of each class within start…end, per month if ``by_month``:
    four queries grouped in the database."""

    months = term.months()

    def grouped(qs: QuerySet, date_field: str, class_field: str) -> QuerySet:
        """Rows of (class id, month's index) with ``by_month``, else of (class id, None).
        The month is a CASE over the term's months: plain SQL, where a date function runs
        once per row (in Python on SQLite)."""
        if by_month:
            month_of = SqlCase(
                *[
                    When(**{f"{date_field}__range": month_bounds(m)}, then=Value(i))
                    for i, m in enumerate(months)
                ],
                output_field=IntegerField(),
            )
            return qs.annotate(m=month_of).values_list(class_field, "m")
        return qs.annotate(m=Value(None, output_field=IntegerField())).values_list(class_field, "m")

    def key(cid: int, month: Any) -> tuple[int, dt.date | None]:
        if not by_month or month is None:
            return (cid, None)
        if isinstance(month, int):
            return (cid, months[month])
        return (cid, month.replace(day=1))

    figures: Figures = {"discussed": {}, "special_discussed": {}, "records": {}, "cases": {}}
    discussed = MeetingStudent.objects.filter(
        _in_school(ids), meeting__date__gte=start, meeting__date__lte=end
    )
    special = Q(student__in=_special(term, ids).values("student"))
    for cid, month, n, n_special in grouped(
        discussed, "meeting__date", "student__school_class"
    ).annotate(
        n=Count("student", distinct=True),
        n_special=Count("student", distinct=True, filter=special),
    ):
        figures["discussed"][key(cid, month)] = n
        figures["special_discussed"][key(cid, month)] = n_special
    # EXISTS rather than a join: a join repeats each meeting once per strategy it decided.
    four_parts = (
        ~Q(preparation="")
        & ~Q(analysis="")
        & ~Q(strategies="")
        & ~Q(summary="")
        & Exists(Strategy.objects.filter(meeting=OuterRef("pk")))
    )
    meetings = Meeting.objects.filter(
        term=term,
        level__in=[Level.CLASS, Level.HOME],
        school_class__in=ids,
        date__gte=start,
        date__lte=end,
    )
    for cid, month, total, complete in grouped(meetings, "date", "school_class").annotate(
        total=Count("pk"), complete=Count("pk", filter=four_parts)
    ):
        figures["records"][key(cid, month)] = (total, complete)
    for cid, avg, created_on in (
        Case.objects.filter(
            term=term,
            nominated=True,
            school_class__in=ids,
            created_on__gte=start,
            created_on__lte=end,
        )
        .annotate(avg=Avg("scores__score"))
        .filter(avg__isnull=False)
        .values_list("school_class", "avg", "created_on")
    ):
        avg = Decimal(str(avg))
        best = figures["cases"]
        at = key(cid, created_on)
        if best.get(at) is None or avg > best[at]:
            best[at] = avg
    return figures


def _scored_rows(
    term: Term,
    classes: list[SchoolClass],
    today: dt.date,
    period: tuple[dt.date, dt.date],
    inputs: ScoreInputs,
    figures: Figures,
    month: dt.date | None,
    settings: ConsultSettings,
) -> list[ScoreRow]:
    """Each class's score for one period from the inputs and the period's figures (no query)."""
    start, end = period
    rows = {c.pk: ScoreRow(c) for c in classes}
    weeks = [w for w in term.teaching_weeks() if start <= w.first_day <= end]
    for row in rows.values():
        cid = row.school_class.pk
        for week in weeks:
            state = week_state(week, inputs.counts.get((cid, week.monday), 0), today)
            row.meetings_held += state == "held"
            row.meetings_expected += state in ("held", "missing")
        row.ledger_complete, row.students = inputs.completeness.get(cid, (0, 0))
        row.special = inputs.special.get(cid, 0)
        row.discussed = figures["discussed"].get((cid, month), 0)
        row.special_discussed = figures["special_discussed"].get((cid, month), 0)
        row.records_total, row.records_complete = figures["records"].get((cid, month), (0, 0))
        row.best_case = figures["cases"].get((cid, month))
    # Theme meetings and exchanges held by the period's end against those due by then.
    due_day = min(today, end + dt.timedelta(days=1))
    for activity in activity_rows(term, classes, due_day, settings, inputs.activities, until=end):
        rows[activity.school_class.pk].activities = activity
    for row in rows.values():
        shares = {
            "meetings": _share(row.meetings_held, row.meetings_expected),
            "coverage": row.coverage_share if row.students else Decimal(0),
            "records": _share(row.records_complete, row.records_total),
            "ledger": _share(row.ledger_complete, row.students),
            "cases": (row.best_case or Decimal(0)) / 100,
            "activities": row.activities.share if row.activities else Decimal(0),
        }
        weights = {
            "meetings": settings.weight_meetings,
            "coverage": settings.weight_coverage,
            "records": settings.weight_records,
            "ledger": settings.weight_ledger,
            "cases": settings.weight_cases,
            "activities": settings.weight_activities,
        }
        row.parts = {name: _points(weights[name], share) for name, share in shares.items()}
        row.total = sum(row.parts.values(), Decimal(0))
    return list(rows.values())


def class_scores(
    term: Term,
    classes: list[SchoolClass],
    today: dt.date,
    month: dt.date | None = None,
    settings: ConsultSettings | None = None,
    inputs: ScoreInputs | None = None,
) -> list[ScoreRow]:
    """Each class's consultation score for the term or one month, out of 100.

    meetings held / expected × w1 + coverage × w2 + complete records × w3 + ledger × w4
    + best judged case / 100 × w5 + theme meetings and exchanges held / due × w6, where
    coverage is the mean of the share of the class discussed at least once and the share of
    its special-attention students discussed (a class with no special-attention student is
    scored on the first share alone). Nine queries, four with ``inputs`` (``score_inputs``)
    given.
    """
    settings = settings or ConsultSettings.get()
    ids = [c.pk for c in classes]
    inputs = inputs or score_inputs(term, ids)
    period = period_of(term, month)
    figures = _period_figures(term, ids, *period, by_month=False)
    rows = _scored_rows(term, classes, today, period, inputs, figures, None, settings)
    ranked = sorted(
        rows,
        key=lambda r: (r.school_class.grade.level, -r.total, r.school_class.number),
    )
    previous: ScoreRow | None = None
    position = 0
    for row in ranked:
        if previous is None or previous.school_class.grade_id != row.school_class.grade_id:
            position = 0
            previous = None
        position += 1
        row.rank = previous.rank if previous and previous.total == row.total else position
        previous = row
    return ranked


def monthly_scores(
    term: Term,
    classes: list[SchoolClass],
    today: dt.date,
    settings: ConsultSettings,
    inputs: ScoreInputs,
) -> dict[dt.date, dict[int, ScoreRow]]:
    """Each month of the term → each class's score that month (as ``class_scores`` with that
    month, unranked), in four queries whatever the number of months and classes."""
    ids = [c.pk for c in classes]
    figures = _period_figures(term, ids, term.start_date, term.end_date, by_month=True)
    return {
        month: {
            row.school_class.pk: row
            for row in _scored_rows(
                term, classes, today, period_of(term, month), inputs, figures, month, settings
            )
        }
        for month in term.months()
    }


SCORE_PARTS = [
    ("meetings", pgettext_lazy("score part", "Meetings")),
    ("coverage", pgettext_lazy("score part", "Coverage")),
    ("records", pgettext_lazy("score part", "Records")),
    ("ledger", pgettext_lazy("score part", "Ledger")),
    ("cases", pgettext_lazy("score part", "Cases")),
    ("activities", pgettext_lazy("score part", "Theme meetings")),
]


def score_charts(
    classes: list[SchoolClass], monthly: dict[dt.date, dict[int, ScoreRow]]
) -> list[tuple[str, list[Chart]]]:
    """A card per class: its score month by month, stacked in the five parts (no query)."""
    months = list(monthly)
    cards = []
    for school_class in classes:
        rows = [monthly[m][school_class.pk] for m in months]
        chart = bar_chart(
            f"score-chart-{school_class.pk}",
            _("%(class)s: consultation score month by month") % {"class": school_class},
            [f"{m:%Y-%m}" for m in months],
            [Series(label, [row.parts[name] for row in rows]) for name, label in SCORE_PARTS],
            stacked=True,
            height=200,
            axis=_("Month"),
        )
        cards.append((str(school_class), [chart]))
    return cards


def home_chart(today: dt.date) -> Chart:
    """The principal's home: consultation meetings held per level, this month against last
    (one query)."""
    this = today.replace(day=1)
    last = previous_month(this)
    _first, end = month_bounds(this)
    rows = (
        Meeting.objects.filter(date__range=(last, end))
        .values_list("level")
        .annotate(
            before=Count("pk", filter=Q(date__lt=this)), now=Count("pk", filter=Q(date__gte=this))
        )
        .order_by()
    )
    labels = dict(Level.choices)
    figures: dict[tuple[object, dt.date], int] = {}
    for level, before, now in rows:
        figures[(labels[level], last)] = before
        figures[(labels[level], this)] = now
    return month_against_last(
        "home-consult-chart",
        _("Consultation meetings held, per level"),
        this,
        [str(label) for label in labels.values()],
        {(str(label), month): n for (label, month), n in figures.items()},
        axis=_("Level"),
    )


# The student's timeline.


@dataclass
class Event:
    date: dt.date
    kind: str
    label: str
    text: str
    who: str = ""
    url: str = ""
    badge: str = "secondary"
    private: bool = False


def _staff_name(user: Any) -> str:
    if user is None:
        return ""
    staff = getattr(user, "staff", None)
    return staff.name if staff is not None else user.get_username()


def timeline(
    student: Student, *, psych: bool, meetings: QuerySet[Meeting], limit: int = 40
) -> list[Event]:
    """Ledger changes, observations, meetings, strategies, follow-ups and escalations.

    ``meetings``: those the reader may open (``access.visible_meetings``, the rule of the
    meeting's page); a meeting the student was discussed at outside them is shown unlinked.
    Four queries: the ledger's history, observations, meetings, and strategies, follow-ups
    and escalations in one UNION; each is cut at ``limit`` before the merge.
    """
    events: list[Event] = []
    for h in (
        LedgerProfile.history.filter(student_id=student.pk)
        .select_related("history_user__staff", "term__academic_year")
        .order_by("-history_date", "-history_id")[:limit]
    ):
        events.append(
            Event(
                h.history_date.date(),
                "ledger",
                _("Ledger"),
                _("Ledger entry for %(term)s %(action)s.")
                % {
                    "term": h.term,
                    "action": _("created") if h.history_type == "+" else _("changed"),
                },
                who=_staff_name(h.history_user),
                badge="light",
            )
        )
    observations = Observation.objects.filter(student=student).select_related("author")
    if not psych:
        observations = observations.filter(psychological=False)
    for o in observations.order_by("-date", "-pk")[:limit]:
        events.append(
            Event(
                o.date,
                "observation",
                o.get_method_display(),
                o.content + (f"（{o.source}）" if o.source else ""),
                who=o.author.name,
                badge="danger" if o.psychological else "info",
                private=o.psychological,
            )
        )
    for d in (
        MeetingStudent.objects.filter(student=student)
        .select_related("meeting__chair")
        .annotate(may_open=Exists(meetings.filter(pk=OuterRef("meeting_id"))))
        .order_by("-meeting__date")[:limit]
    ):
        events.append(
            Event(
                d.meeting.date,
                "meeting",
                _("%(level)s meeting") % {"level": d.meeting.get_level_display()},
                f"{d.meeting.topic}：{d.analysis}" + (f" → {d.decision}" if d.decision else ""),
                who=d.meeting.chair.name,
                url=reverse("consult:meeting_detail", args=[d.meeting_id]) if d.may_open else "",
                badge="primary",
            )
        )
    events.extend(_work_events(student, limit))
    events.sort(key=lambda e: e.date, reverse=True)
    return events[:limit]


def _work_rows(qs, **columns):
    """One part of the UNION in ``_work_events``: the same named columns in the same order."""
    return qs.annotate(**columns).values_list(*columns)


def _work_events(student: Student, limit: int) -> list[Event]:
    """Strategies, follow-ups and escalations of the student, newest first, in one query."""
    text: CharField[str, str] = CharField()
    strategies = _work_rows(
        Strategy.objects.filter(student=student),
        ev_date=F("start_date"),
        ev_kind=Cast(Value("strategy"), text),
        ev_code=Cast(F("status"), text),
        ev_level=Cast(F("level"), text),
        ev_text=Cast(F("problem"), TextField()),
        ev_more=Cast(F("action"), TextField()),
        ev_who=Cast(F("owner__name"), text),
        ev_ref=F("pk"),
    )
    follow_ups = _work_rows(
        FollowUp.objects.filter(strategy__student=student),
        ev_date=F("date"),
        ev_kind=Cast(Value("follow_up"), text),
        ev_code=Cast(F("result"), text),
        ev_level=Cast(Value(""), text),
        ev_text=Cast(F("done"), TextField()),
        ev_more=Cast(F("note"), TextField()),
        ev_who=Cast(F("author__name"), text),
        ev_ref=F("strategy_id"),
    )
    escalations = _work_rows(
        Escalation.objects.filter(student=student),
        ev_date=Coalesce(F("decided_on"), F("proposed_on")),
        ev_kind=Cast(Value("escalation"), text),
        ev_code=Cast(F("status"), text),
        ev_level=Cast(F("to_level"), text),
        ev_text=Cast(F("reason"), TextField()),
        ev_more=Cast(F("decision_note"), TextField()),
        ev_who=Cast(Value(""), text),
        ev_ref=F("pk"),
    )
    rows = strategies.union(follow_ups, escalations, all=True).order_by("-ev_date", "-ev_ref")
    statuses = dict(Strategy.Status.choices)
    results = dict(FollowUp.Result.choices)
    escalation_statuses = dict(Escalation.Status.choices)
    levels = dict(Level.choices)
    events = []
    for date, kind, code, level, text_, more, who, ref in rows[:limit]:
        if kind == "strategy":
            events.append(
                Event(
                    date,
                    kind,
                    _("Strategy (%(status)s)") % {"status": statuses.get(code, code)},
                    f"{text_} → {more}",
                    who=who or "",
                    url=reverse("consult:strategy_detail", args=[ref]),
                    badge="success" if code == Strategy.Status.SOLVED else "warning",
                )
            )
        elif kind == "follow_up":
            events.append(
                Event(
                    date,
                    kind,
                    _("Follow-up: %(result)s") % {"result": results.get(code, code)},
                    text_ + (f"（{more}）" if more else ""),
                    who=who or "",
                    url=reverse("consult:strategy_detail", args=[ref]),
                    badge="success" if code == FollowUp.Result.IMPROVED else "secondary",
                )
            )
        else:
            events.append(
                Event(
                    date,
                    kind,
                    _("Escalation to %(level)s: %(status)s")
                    % {
                        "level": levels.get(level, level),
                        "status": escalation_statuses.get(code, code),
                    },
                    text_ + (f" — {more}" if more else ""),
                    badge="danger",
                )
            )
    return events


# The responsible leader's students.


@dataclass
class LeaderRow:
    assignment: LeaderAssignment
    profile: LedgerProfile | None
    observations: int
    follow_ups: int
    meetings: int
    open_strategies: int


def leader_assignments(leader_id: int, term: Term):
    """The leader's current 包靠 students, by grade and class."""
    return (
        LeaderAssignment.objects.filter(leader_id=leader_id, term=term, active=True)
        .select_related("student__school_class__grade")
        .order_by(
            "student__school_class__grade__level",
            "student__school_class__number",
            "student__student_no",
        )
    )


def _activity(ids: list[int], since: dt.date) -> dict[tuple[int, str], int]:
    """(student id, kind) → how many observations, follow-ups and meetings since ``since``,
    and open strategies: four grouped counts in one UNION query."""
    if not ids:
        return {}

    def part(qs, student: str, kind: str):
        return (
            qs.order_by()
            .values_list(student)
            .annotate(kind=Cast(Value(kind), CharField()), n=Count("pk"))
            .values_list(student, "kind", "n")
        )

    rows = part(Observation.objects.filter(student__in=ids, date__gte=since), "student", "o").union(
        part(
            FollowUp.objects.filter(strategy__student__in=ids, date__gte=since),
            "strategy__student",
            "f",
        ),
        part(
            MeetingStudent.objects.filter(student__in=ids, meeting__date__gte=since),
            "student",
            "m",
        ),
        part(Strategy.objects.filter(student__in=ids, status=Strategy.Status.OPEN), "student", "s"),
        all=True,
    )
    return {(student_id, kind): n for student_id, kind, n in rows}


def leader_rows(
    leader_id: int, term: Term, since: dt.date, assignments=None, *, profiles: bool = True
) -> list[LeaderRow]:
    """The leader's students (or a page of ``leader_assignments``) with what happened since
    ``since``: the assignments, the counts in one query, and their ledger entries when
    ``profiles``."""
    rows = list(leader_assignments(leader_id, term) if assignments is None else assignments)
    ids = [a.student_id for a in rows]
    counts = _activity(ids, since)
    entries = {}
    if profiles and rows:
        entries = {
            p.student_id: p for p in LedgerProfile.objects.filter(term=term, student__in=ids)
        }
    return [
        LeaderRow(
            a,
            entries.get(a.student_id),
            counts.get((a.student_id, "o"), 0),
            counts.get((a.student_id, "f"), 0),
            counts.get((a.student_id, "m"), 0),
            counts.get((a.student_id, "s"), 0),
        )
        for a in rows
    ]


# Questionnaires: the answers counted (two queries whatever their number).


@dataclass
class ChoiceCount:
    label: str
    count: int
    percent: int  # of the answer sheets that answered the question


@dataclass
class QuestionResult:
    question: Any  # consult.models.Question
    answered: int = 0
    choices: list[ChoiceCount] = field(default_factory=list)
    average: float | None = None
    texts: list[str] = field(default_factory=list)


def tally(questions: list[Any], answer_sheets: list[dict[str, Any]]) -> list[QuestionResult]:
    """Each question's counts per choice (single, multiple, the 1-5 scale with its average)
    or its texts, from the answer sheets' ``answers``."""
    results = []
    for question in questions:
        key = str(question.pk)
        given = [sheet[key] for sheet in answer_sheets if sheet.get(key) not in (None, "", [])]
        result = QuestionResult(question=question, answered=len(given))
        if question.kind == "text":
            result.texts = [str(value) for value in given]
        else:
            labels = [str(n) for n in range(1, 6)] if question.kind == "scale" else question.choices
            counts = [0] * len(labels)
            for value in given:
                for index in value if isinstance(value, list) else [value]:
                    position = int(index) - 1 if question.kind == "scale" else int(index)
                    if 0 <= position < len(counts):
                        counts[position] += 1
            result.choices = [
                ChoiceCount(label, count, round(100 * count / len(given)) if given else 0)
                for label, count in zip(labels, counts, strict=True)
            ]
            if question.kind == "scale" and given:
                result.average = round(sum(int(v) for v in given) / len(given), 2)
        results.append(result)
    return results


@dataclass
class LinkRow:
    link: Any  # consult.models.QuestionnaireLink
    answers: int
    students: int

    @property
    def rate(self) -> int:
        return round(100 * self.answers / self.students) if self.students else 0


def link_rows(links: Any) -> list[LinkRow]:
    """Each link's answer sheets against the class size (one query)."""
    links = links.annotate(
        n_answers=Count("responses", distinct=True),
        n_students=Count(
            "school_class__students",
            filter=Q(school_class__students__status=Student.Status.IN_SCHOOL),
            distinct=True,
        ),
    )
    return [LinkRow(link, link.n_answers, link.n_students) for link in links]


# The term-end evaluation: this app's parts (registered in hooks.py, composed by
# schoolops.evaluation). Each is a figure 0…100 per class or teacher in a fixed number of
# queries.


def term_class_scores(term: Term) -> dict[int, Decimal]:
    """Per class of the term's year, its consultation score of the term (``class_scores``)."""
    from django.utils import timezone

    classes = list(
        SchoolClass.objects.filter(academic_year=term.academic_year_id).select_related("grade")
    )
    if not classes:
        return {}
    today = min(timezone.localdate(), term.end_date)
    return {row.school_class.pk: row.total for row in class_scores(term, classes, today)}


def _relative(counts: dict[int, int]) -> dict[int, Decimal]:
    """Counts as 0…100 of the highest count."""
    best = max(counts.values(), default=0)
    return {pk: Decimal(n) * 100 / best for pk, n in counts.items()} if best else {}


def term_participation(term: Term) -> dict[int, Decimal]:
    """Per teacher, their part in the consultation work of the term: the mean of the
    meetings attended (or chaired) and the strategies owned, each against the school's
    most active teacher, and the share of their strategies due a review that had a
    follow-up by the review date (four queries)."""
    from django.utils import timezone

    from schoolops.models import Staff

    meetings = Meeting.objects.filter(term=term)
    attended: dict[int, int] = defaultdict(int)
    for staff_id, n in (
        Staff.objects.filter(attended_meetings__term=term)
        .values("pk")
        .annotate(n=Count("attended_meetings", distinct=True))
        .values_list("pk", "n")
    ):
        attended[staff_id] += n
    for staff_id, n in (
        meetings.exclude(attendees=F("chair"))
        .values("chair")
        .annotate(n=Count("pk"))
        .values_list("chair", "n")
    ):
        attended[staff_id] += n
    today = timezone.localdate()
    on_time = Exists(
        FollowUp.objects.filter(strategy=OuterRef("pk"), date__lte=OuterRef("review_date"))
    )
    owned: dict[int, int] = {}
    timely: dict[int, Decimal] = {}
    for staff_id, n, due, kept in (
        Strategy.objects.filter(term=term)
        .values("owner")
        .annotate(
            n=Count("pk"),
            due=Count("pk", filter=Q(review_date__lte=today)),
            kept=Count("pk", filter=Q(review_date__lte=today) & Q(on_time)),
        )
        .values_list("owner", "n", "due", "kept")
    ):
        owned[staff_id] = n
        if due:
            timely[staff_id] = Decimal(kept) * 100 / due
    meetings_share, strategies_share = _relative(dict(attended)), _relative(owned)
    figures = {}
    for staff_id in set(attended) | set(owned):
        parts = [
            meetings_share.get(staff_id, Decimal(0)),
            strategies_share.get(staff_id, Decimal(0)),
        ]
        if staff_id in timely:  # a teacher with no strategy due a review yet: the first two
            parts.append(timely[staff_id])
        figures[staff_id] = (sum(parts, Decimal(0)) / len(parts)).quantize(
            Decimal("0.1"), ROUND_HALF_UP
        )
    return figures


def term_case_scores(term: Term) -> dict[int, Decimal]:
    """Per teacher, the judges' mean score of the best success case they wrote and their
    class team put forward this term (one query)."""
    best: dict[int, Decimal] = {}
    for author_id, avg in (
        Case.objects.filter(term=term, nominated=True)
        .annotate(avg=Avg("scores__score"))
        .filter(avg__isnull=False)
        .values_list("author", "avg")
    ):
        figure = Decimal(str(avg)).quantize(Decimal("0.1"), ROUND_HALF_UP)
        best[author_id] = max(best.get(author_id, figure), figure)
    return best


def questionnaire_response_by_class(term: Term) -> dict[int, Decimal]:
    """Per class, the term's questionnaire response rate (0-100): the answer sheets its links
    took against its students times the questionnaires asked of it, at most 100 (two
    grouped queries). A class asked nothing is absent."""
    from .models import QuestionnaireLink

    asked = {
        row["school_class"]: row
        for row in QuestionnaireLink.objects.filter(questionnaire__term=term)
        .values("school_class")
        .annotate(links=Count("pk", distinct=True), answers=Count("responses"))
    }
    if not asked:
        return {}
    sizes = dict(
        Student.objects.in_school()
        .filter(school_class__in=list(asked))
        .values("school_class")
        .annotate(n=Count("pk"))
        .values_list("school_class", "n")
    )
    out: dict[int, Decimal] = {}
    for class_id, row in asked.items():
        expected = row["links"] * sizes.get(class_id, 0)
        if expected:
            share = min(Decimal(100), Decimal(100 * row["answers"]) / expected)
            out[class_id] = share.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return out


# Leaders sent to weak classes (弱势班级蹲点): the class's figures since the assignment.


@dataclass
class ClassLeaderRow:
    assignment: Any  # ClassLeaderAssignment
    meetings: int = 0
    themes: int = 0
    exchanges: int = 0
    observations: int = 0
    escalations: int = 0


def class_leader_rows(leader_id: int, term: Term) -> list[ClassLeaderRow]:
    """The weak classes a leader is sent to this term, each with what the class did since
    the assignment: class meetings, theme meetings, exchanges, observations of its students
    and escalations. Five queries whatever the number of classes."""
    from .models import ClassLeaderAssignment

    assignments = list(
        ClassLeaderAssignment.objects.filter(leader_id=leader_id, term=term, active=True)
        .select_related("school_class__grade")
        .order_by("school_class__grade__level", "school_class__number")
    )
    rows = {a.school_class_id: ClassLeaderRow(a) for a in assignments}
    if not rows:
        return []

    def since(field: str, class_field: str) -> Q:
        condition = Q(pk__in=[])
        for a in assignments:
            condition |= Q(**{class_field: a.school_class_id, f"{field}__gte": a.assigned_on})
        return condition

    for cid, n in (
        Meeting.objects.for_term(term)
        .counting()
        .filter(since("date", "school_class"), level=Level.CLASS)
        .values_list("school_class")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        rows[cid].meetings = n
    for cid, kind, n in (
        ClassActivity.objects.for_term(term)
        .filter(since("date", "school_class"))
        .values_list("school_class", "kind")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        if kind == THEME:
            rows[cid].themes = n
        else:
            rows[cid].exchanges = n
    for cid, n in (
        Observation.objects.filter(since("date", "student__school_class"))
        .values_list("student__school_class")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        rows[cid].observations = n
    for cid, n in (
        Escalation.objects.filter(since("proposed_on", "student__school_class"), term=term)
        .values_list("student__school_class")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        rows[cid].escalations = n
    return list(rows.values())


# The term's figures a summary (期末总结) is written from.

FIGURE_KEYS = (
    "meetings",
    "students",
    "covered",
    "escalations",
    "cases",
    "themes",
    "exchanges",
    "response",
)


def term_figures(term: Term, classes: list[SchoolClass]) -> dict[int, dict[str, Any]]:
    """Each class's figures of the term: class meetings held (counting), its students and
    those discussed at least once, escalations, success cases, theme meetings, exchanges and
    the questionnaires' response rate (None when nothing was asked). Eight queries."""
    from .models import QuestionnaireLink

    ids = [c.pk for c in classes]
    out: dict[int, dict[str, Any]] = {
        cid: dict.fromkeys(FIGURE_KEYS, 0) | {"response": None} for cid in ids
    }

    def put(key: str, rows) -> None:
        for cid, n in rows:
            if cid in out:
                out[cid][key] = n

    put(
        "meetings",
        Meeting.objects.for_term(term)
        .counting()
        .filter(level=Level.CLASS, school_class__in=ids)
        .values_list("school_class")
        .annotate(n=Count("pk"))
        .order_by(),
    )
    put(
        "students",
        Student.objects.in_school()
        .filter(school_class__in=ids)
        .values_list("school_class")
        .annotate(n=Count("pk"))
        .order_by(),
    )
    put(
        "covered",
        MeetingStudent.objects.filter(meeting__term=term, student__school_class__in=ids)
        .values_list("student__school_class")
        .annotate(n=Count("student", distinct=True))
        .order_by(),
    )
    put(
        "escalations",
        Escalation.objects.filter(term=term, student__school_class__in=ids)
        .values_list("student__school_class")
        .annotate(n=Count("pk"))
        .order_by(),
    )
    put(
        "cases",
        Case.objects.filter(term=term, school_class__in=ids)
        .values_list("school_class")
        .annotate(n=Count("pk"))
        .order_by(),
    )
    for (cid, kind), days in activity_dates(term, ids).items():
        out[cid]["themes" if kind == THEME else "exchanges"] = len(days)
    # The questionnaires' response: answer sheets against students × questionnaires asked.
    for cid, links, answers in (
        QuestionnaireLink.objects.filter(questionnaire__term=term, school_class__in=ids)
        .values_list("school_class")
        .annotate(links=Count("pk", distinct=True), answers=Count("responses"))
        .order_by()
    ):
        expected = links * out[cid]["students"]
        out[cid]["response"] = min(100, round(100 * answers / expected)) if expected else None
    return out


def sum_figures(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Figures of many classes together (the response rate: the mean of the classes asked)."""
    total: dict[str, Any] = {key: sum(r[key] for r in rows) for key in FIGURE_KEYS[:-1]}
    asked = [r["response"] for r in rows if r["response"] is not None]
    total["response"] = round(sum(asked) / len(asked)) if asked else None
    return total


def todo_counts(staff_id: int, today: dt.date, term: Term, agenda: Q | None) -> tuple[int, int]:
    """(students proposed for the person's meetings, ``agenda`` being which; the person's open
    strategies due a follow-up): one query for a home page however many apply."""

    def counted(qs: QuerySet, tag: str):
        return (
            qs.order_by()
            .annotate(tag=Cast(Value(tag), CharField()))
            .values("tag")
            .annotate(n=Count("pk"))
            .values_list("tag", "n")
        )

    rows = counted(
        Strategy.objects.filter(
            owner_id=staff_id, status=Strategy.Status.OPEN, review_date__lte=today
        ),
        "s",
    )
    if agenda is not None:
        proposed = Escalation.objects.filter(agenda, term=term, status=Escalation.Status.PROPOSED)
        rows = rows.union(counted(proposed, "e"), all=True)
    counts = dict(rows)
    return counts.get("e", 0), counts.get("s", 0)
