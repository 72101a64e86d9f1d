"""Read side: standings, leaderboards and the figures pages show. Fixed query counts."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Case, Count, F, IntegerField, Prefetch, Q, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext

from schoolops.calendar import monday_of, month_bounds
from schoolops.charts import (
    Chart,
    Series,
    bar_chart,
    grades_against_last,
    line_chart,
)
from schoolops.models import Exam, ExamResult, SchoolClass, Staff, Subject, Term
from schoolops.registry import AwardCandidate

from .forming import Balance, Candidate, balance
from .models import (
    UNDO_MINUTES,
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
    StudentTag,
    StudentTagging,
    StudyGroup,
)


def members_prefetch() -> Prefetch:
    """A group's current members as ``group.members``, by seat, with the subjects they lead."""
    return Prefetch(
        "memberships",
        queryset=Membership.objects.current()
        .select_related("student")
        .prefetch_related("led_subjects")
        .order_by("seat", "pk"),
        to_attr="members",
    )


def class_groups(school_class: SchoolClass, term: Term) -> list[StudyGroup]:
    """The class's running groups of a term, by number, each with its ``members`` (three
    queries)."""
    return list(
        StudyGroup.objects.active()
        .filter(school_class=school_class, term=term)
        .prefetch_related(members_prefetch())
        .order_by("number")
    )


def group_members(group: StudyGroup) -> list[Membership]:
    """The group's current members by seat, with the subjects they lead and each one's
    ``points`` (the taps given to that member; three queries)."""
    members = list(
        group.memberships.current()
        .select_related("student")
        .prefetch_related("led_subjects")
        .order_by("seat", "pk")
    )
    contributions = member_contributions(group)
    for member in members:
        member.points = contributions.get(member.student_id, 0)
    return members


def group_record(group: StudyGroup, *, consequences: bool) -> dict[str, Any]:
    """What the group's page shows of its history: the term's points, the latest goal
    check-ins and member changes, and (for its keepers) rewards and measures."""
    return {
        "total": ScoreEntry.objects.filter(group=group).aggregate(p=Coalesce(Sum("points"), 0))[
            "p"
        ],
        "checkins": list(
            GoalCheckIn.objects.filter(group=group)
            .select_related("membership__student", "checked_by")
            .order_by("-checked_at")[:10]
        ),
        "changes": list(
            MemberChange.objects.filter(Q(from_group=group) | Q(to_group=group))
            .select_related("student", "from_group", "to_group", "changed_by")
            .order_by("-changed_at")[:10]
        ),
        "consequences": list(
            Consequence.objects.filter(group=group)
            .select_related("student", "recorded_by")
            .order_by("-recorded_at")[:10]
        )
        if consequences
        else [],
    }


def scoring_groups(school_class: SchoolClass, term: Term, week: int | None) -> list[StudyGroup]:
    """The class's confirmed groups as the scoring page shows them: each with its points of
    ``week`` and its ``members`` by seat (two queries)."""
    groups = list(
        StudyGroup.objects.confirmed()
        .filter(school_class=school_class, term=term)
        .annotate(
            week_points=Coalesce(
                Sum("score_entries__points", filter=Q(score_entries__week=week)), 0
            )
        )
        .order_by("number")
    )
    members = (
        Membership.objects.current()
        .filter(group__in=[g.pk for g in groups])
        .select_related("student")
        .order_by("seat", "pk")
    )
    by_group: dict[int, list[Membership]] = defaultdict(list)
    for member in members:
        by_group[member.group_id].append(member)
    for group in groups:
        group.members = by_group.get(group.pk, [])
    return groups


def recent_taps(school_class: SchoolClass, staff: Staff | None) -> list[ScoreEntry]:
    """A teacher's taps in a class that can still be undone (``UNDO_MINUTES``), latest first."""
    since = timezone.now() - dt.timedelta(minutes=UNDO_MINUTES)
    return list(
        ScoreEntry.objects.filter(
            school_class=school_class,
            teacher=staff,
            created_at__gte=since,
            kind=ScoreEntry.Kind.TAP,
            reversed_by__isnull=True,
        )
        .select_related("group", "item", "student")
        .order_by("-created_at", "-pk")[:10]
    )


def my_entries(
    school_class: SchoolClass, term: Term, staff: Staff | None, limit: int = 20
) -> list[ScoreEntry]:
    """「我的评分记录」: a teacher's latest scores in a class this term (taps and imported
    scores, reversed ones too, marked by ``reversed_by`` and, if moved, its ``moved_to``),
    with the group a moved score came from; one query whatever their number."""
    return list(
        ScoreEntry.objects.filter(
            school_class=school_class,
            term=term,
            teacher=staff,
            kind__in=[ScoreEntry.Kind.TAP, ScoreEntry.Kind.IMPORT],
        )
        .select_related(
            "group",
            "item",
            "student",
            "subject",
            "reversed_by__moved_to__group",
            "moved_from__group",
        )
        .order_by("-created_at", "-pk")[:limit]
    )


def group_entries(group: StudyGroup) -> list[ScoreEntry]:
    """The group's latest hundred score entries, newest first."""
    entries = list(
        ScoreEntry.objects.filter(group=group)
        .select_related("item", "student", "teacher", "subject", "reversed_by")
        .order_by("-created_at", "-pk")[:100]
    )
    for entry in entries:
        entry.group = group
    return entries


def class_subjects(school_class: SchoolClass) -> list[Subject]:
    """The subjects the class is taught: each has a subject leader in every group."""
    return list(
        Subject.objects.filter(assignments__school_class=school_class)
        .distinct()
        .order_by("order", "name")
    )


def competition_ranks(items: list[Any], key: Callable[[Any], Any]) -> list[int]:
    """Standard competition ranking of an already sorted list: ties share a rank (1, 2, 2, 4)."""
    ranks: list[int] = []
    previous = object()
    for position, item in enumerate(items, start=1):
        value = key(item)
        if ranks and value == previous:
            ranks.append(ranks[-1])
        else:
            ranks.append(position)
        previous = value
    return ranks


def terms_of_month(month: dt.date) -> list[Term]:
    first, last = month_bounds(month)
    return list(Term.objects.filter(start_date__lte=last, end_date__gte=first))


# Class standings.


@dataclass
class Standing:
    group: StudyGroup
    points: int
    rank: int = 0


def class_standings(
    school_class: SchoolClass, term: Term, *, week: int | None = None, month: dt.date | None = None
) -> list[Standing]:
    """The class's groups by points for one teaching week, one month, or the whole term."""
    condition = Q()
    if week is not None:
        condition &= Q(score_entries__week=week)
    if month is not None:
        condition &= Q(score_entries__month=month.replace(day=1))
    groups = (
        StudyGroup.objects.confirmed()
        .filter(school_class=school_class, term=term)
        .annotate(points=GroupSettings.load().points_sum("score_entries__", filter=condition))
        .order_by("-points", "number")
    )
    standings = [Standing(group=g, points=g.points) for g in groups]
    for standing, rank in zip(
        standings, competition_ranks(standings, lambda s: s.points), strict=False
    ):
        standing.rank = rank
    return standings


def group_weeks(group: StudyGroup) -> list[dict[str, Any]]:
    """Points of each teaching week of the group's term (weeks without points show 0)."""
    totals = dict(
        ScoreEntry.objects.filter(group=group)
        .values_list("week")
        .annotate(points=Sum("points"))
        .values_list("week", "points")
    )
    weeks = group.term.teaching_weeks()
    rows = [{"week": w, "points": totals.get(w.number, 0)} for w in weeks]
    peak = max([abs(r["points"]) for r in rows] + [1])
    for row in rows:
        row["percent"] = round(100 * abs(row["points"]) / peak)
        row["bar"] = _bar_class(row["percent"])
    return rows


def _bar_class(percent: int) -> str:
    """A CSS class per 5 % step (no inline styles under the CSP)."""
    return f"bar-{min(100, max(0, round(percent / 5) * 5))}"


# Charts: the figures of the group page, the class ranking and the leaderboard, drawn by
# ``schoolops.charts``.


def group_week_chart(weeks: list[dict[str, Any]]) -> Chart:
    """The group's points week by week, from ``group_weeks`` (no query)."""
    return bar_chart(
        "group-weeks-chart",
        _("Points week by week"),
        [row["week"].number for row in weeks],
        [Series(_("Points"), [row["points"] for row in weeks])],
        axis=_("Teaching week"),
    )


def standings_chart(standings: list[Standing], title: str) -> Chart:
    """A class's groups side by side, from ``class_standings`` (no query)."""
    return bar_chart(
        "ranking-chart",
        title,
        [s.group.name for s in standings],
        [Series(_("Points"), [s.points for s in standings])],
        axis=_("Group"),
    )


def month_mondays(month: dt.date) -> list[dt.date]:
    """The Mondays of the calendar weeks that touch the month."""
    first, last = month_bounds(month)
    monday = monday_of(first)
    mondays = []
    while monday <= last:
        mondays.append(monday)
        monday += dt.timedelta(days=7)
    return mondays


def class_week_points(
    month: dt.date, grade_id: int | None = None
) -> dict[tuple[int, dt.date], int]:
    """(class id, Monday) → the class's points in that calendar week of the month; one query
    grouped in the database whatever the number of entries (the week is a CASE over the
    month's Mondays: plain SQL, where a date function runs once per entry, in Python on
    SQLite)."""
    mondays = month_mondays(month)
    entries = ScoreEntry.objects.filter(month=month.replace(day=1))
    if grade_id is not None:
        entries = entries.filter(school_class__grade_id=grade_id)
    week_of = Case(
        *[
            When(day__range=(monday, monday + dt.timedelta(days=6)), then=Value(i))
            for i, monday in enumerate(mondays)
        ],
        output_field=IntegerField(),
    )
    rows = (
        entries.annotate(week_of_month=week_of)
        .values_list("school_class_id", "week_of_month")
        .annotate(points=GroupSettings.load().points_sum())
        .order_by()
    )
    points: dict[tuple[int, dt.date], int] = defaultdict(int)
    for class_id, week, total in rows:
        if week is not None:
            points[(class_id, mondays[week])] += total
    return points


def class_label(total: ClassTotal) -> str:
    return _("Class %(number)s") % {"number": total.class_number}


def board_charts(board: Board) -> list[tuple[str, list[Chart]]]:
    """Per grade of the board: its classes as bars of their average points per group, and
    each class's average per group week by week through the month (one query, for the
    trend; the averages are the board's own)."""
    weekly = class_week_points(board.month, board.grade_id)
    mondays = month_mondays(board.month)
    by_grade: dict[str, list[ClassTotal]] = {}
    for total in board.totals:
        by_grade.setdefault(total.grade_name, []).append(total)
    cards = []
    for number, (grade_name, totals) in enumerate(by_grade.items(), start=1):
        averages = bar_chart(
            f"board-averages-{number}",
            _("%(grade)s: average points per group") % {"grade": grade_name},
            [class_label(t) for t in totals],
            [Series(_("Average per group"), [t.average for t in totals])],
            axis=pgettext("school", "Class"),
        )
        trend = line_chart(
            f"board-trend-{number}",
            _("%(grade)s: average points per group, week by week") % {"grade": grade_name},
            [f"{m:%m-%d}" for m in mondays],
            [
                Series(
                    class_label(t),
                    [
                        _quantize(Decimal(weekly.get((t.class_id, m), 0)) / t.groups, "0.1")
                        for m in mondays
                    ],
                )
                for t in totals
            ],
            axis=_("Week from"),
        )
        cards.append((grade_name, [averages, trend]))
    return cards


def home_chart(today: dt.date) -> Chart:
    """The principal's home: points scored per grade, this month against last.

    Two queries (kept a few minutes, ``grades_against_last``): the points per group and month
    read from the index of (month, group, points) alone (joining each entry to its grade costs
    several times more on a large school's 60,000 entries a month), then the groups' grades."""

    def figures_of(last: dt.date, this: dt.date):
        points = (
            ScoreEntry.objects.filter(month__in=[last, this])
            .values_list("group_id", "month")
            .annotate(points=Sum("points"))
            .order_by()
        )
        _first, end = month_bounds(this)
        grade_of = {
            pk: (level, name)
            for pk, level, name in StudyGroup.objects.filter(
                term__start_date__lte=end, term__end_date__gte=last
            ).values_list("pk", "school_class__grade__level", "school_class__grade__name")
        }
        return list(points), grade_of

    return grades_against_last(
        "home-groups-chart", _("Points scored by the groups, per grade"), today, figures_of
    )


def member_contributions(group: StudyGroup) -> dict[int, int]:
    return dict(
        ScoreEntry.objects.filter(group=group, student__isnull=False)
        .values_list("student_id")
        .annotate(points=Sum("points"))
        .values_list("student_id", "points")
    )


# School leaderboard.


# What an unranked row of a class below the minimum activity says, on every board.
INSUFFICIENT = gettext_lazy("Too few records this month: not in the school ranking yet")
# A large school has some 600 groups: the page and the admin show a hundred rows at a time.
LEADERBOARD_PAGE = 100


@dataclass
class BoardRow:
    group_id: int
    group_name: str
    class_id: int
    class_name: str
    grade_id: int
    grade_name: str
    grade_level: int
    points: int
    class_average: Decimal
    index: Decimal | None
    class_rank: int
    rank: int | None = None
    class_number: int = 0
    recommended: bool = False
    recommendation_note: str = ""
    is_excellent: bool = False
    url: str = ""
    insufficient: bool = False  # the class is below the minimum activity of the month


@dataclass
class ClassTotal:
    class_id: int
    class_name: str
    grade_name: str
    grade_level: int
    groups: int
    total: int
    average: Decimal
    class_number: int = 0
    insufficient: bool = False


def _quantize(value: Decimal, places: str) -> Decimal:
    return value.quantize(Decimal(places), rounding=ROUND_HALF_UP)


def class_activity(month: dt.date, grade_id: int | None = None) -> dict[int, tuple[int, int]]:
    """Each class's (days with entries, entries) of a month, for the minimum-activity rule.

    Undone and corrected entries do not count: a reversing entry takes back the entry it
    reverses on that entry's day (a day whose entries were all taken back has none). One
    query over an index, a row per class and day.
    """
    entries = ScoreEntry.objects.filter(month=month.replace(day=1))
    if grade_id is not None:
        entries = entries.filter(school_class__grade_id=grade_id)
    reversing = [ScoreEntry.Kind.UNDO, ScoreEntry.Kind.CORRECTION]
    per_day = (
        entries.values_list("school_class_id", "day")
        .annotate(n=Sum(Case(When(kind__in=reversing, then=Value(-1)), default=Value(1))))
        .values_list("school_class_id", "n")
    )
    activity: dict[int, tuple[int, int]] = {}
    for class_id, count in per_day:
        if count > 0:
            days, total = activity.get(class_id, (0, 0))
            activity[class_id] = (days + 1, total + count)
    return activity


def compute_board(
    month: dt.date, grade_id: int | None = None, rule: GroupSettings | None = None
) -> tuple[list[BoardRow], list[ClassTotal]]:
    """Live standings of a month: every confirmed group of the terms touching it.

    index = 100 × points ÷ average points of the groups of its class that month. A class
    enters the ranking once its month's entries reach the school's minimum activity
    (``GroupSettings``: days with entries, entries per group; below it its rows are
    ``insufficient``, shown with their points but no index) and its average is above zero.
    Ranked by index, ties by points; equal index and points share a rank. Four queries
    whatever the entry count (the settings, the groups, their points, the classes' days;
    plain values: the large school has some 600 groups and 60,000 entries a month).
    """
    month = month.replace(day=1)
    rule = rule if rule is not None else GroupSettings.load()
    first, last = month_bounds(month)
    groups = (
        StudyGroup.objects.confirmed()
        .filter(term__start_date__lte=last, term__end_date__gte=first)
        .order_by("school_class__grade__level", "school_class__number", "number")
        .values_list(
            "pk",
            "name",
            "number",
            "school_class_id",
            "school_class__number",
            "school_class__grade_id",
            "school_class__grade__name",
            "school_class__grade__level",
        )
    )
    entries = ScoreEntry.objects.filter(month=month)
    if grade_id is not None:
        groups = groups.filter(school_class__grade_id=grade_id)
        entries = entries.filter(school_class__grade_id=grade_id)
    points = dict(
        entries.values_list("group_id").annotate(p=rule.points_sum()).values_list("group_id", "p")
    )
    activity = class_activity(month, grade_id)
    by_class: dict[int, list[tuple]] = defaultdict(list)
    for group in groups:
        by_class[group[3]].append(group)
    rows: list[BoardRow] = []
    totals: list[ClassTotal] = []
    for class_id, class_groups in by_class.items():
        _pk, _name, _number, _class_id, class_number, grade_id_, grade_name, level = class_groups[0]
        class_name = f"{grade_name}({class_number})班"
        class_points = [points.get(g[0], 0) for g in class_groups]
        total = sum(class_points)
        average = _quantize(Decimal(total) / len(class_groups), "0.01")
        exact_average = Decimal(total) / len(class_groups)
        days, entry_count = activity.get(class_id, (0, 0))
        insufficient = not rule.admits(days=days, entries=entry_count, groups=len(class_groups))
        totals.append(
            ClassTotal(
                class_id=class_id,
                class_name=class_name,
                grade_name=grade_name,
                grade_level=level,
                groups=len(class_groups),
                total=total,
                average=average,
                class_number=class_number,
                insufficient=insufficient,
            )
        )
        ordered = sorted(
            zip(class_groups, class_points, strict=True), key=lambda gp: (-gp[1], gp[0][2])
        )
        class_ranks = competition_ranks(ordered, lambda gp: gp[1])
        for (group, group_points), class_rank in zip(ordered, class_ranks, strict=True):
            index = (
                _quantize(Decimal(100 * group_points) / exact_average, "0.1")
                if exact_average > 0 and not insufficient
                else None
            )
            rows.append(
                BoardRow(
                    group_id=group[0],
                    group_name=group[1],
                    class_id=class_id,
                    class_name=class_name,
                    grade_id=grade_id_,
                    grade_name=grade_name,
                    grade_level=level,
                    points=group_points,
                    class_average=average,
                    index=index,
                    class_rank=class_rank,
                    class_number=class_number,
                    insufficient=insufficient,
                )
            )
    return _rank(rows), totals


def _rank(rows: list[BoardRow]) -> list[BoardRow]:
    """Rank the rows with an index; the others (no rank) follow in class order."""
    ranked = sorted(
        (r for r in rows if r.index is not None),
        key=lambda r: (-(r.index or 0), -r.points, r.grade_level, r.class_number, r.group_name),
    )
    for row, rank in zip(
        ranked, competition_ranks(ranked, lambda r: (r.index, r.points)), strict=True
    ):
        row.rank = rank
    unranked = [r for r in rows if r.index is None]
    for row in unranked:
        row.rank = None
    unranked.sort(key=lambda r: (r.grade_level, r.class_number, r.class_rank, r.group_name))
    return ranked + unranked


def archived_board(close: MonthClose, grade_id: int | None = None) -> list[BoardRow]:
    """A closed month's leaderboard as it was archived; unranked rows last.

    With ``grade_id`` the grade's rows are ranked within the grade, from their archived index
    and points, as a live board of one grade is (the school ranks stay in the archive and
    on the commendation list).
    """
    rows = close.rows.order_by(F("rank").asc(nulls_last=True), "pk").values_list(
        "group_id",
        "group_name",
        "group__school_class_id",
        "class_name",
        "group__school_class__number",
        "group__school_class__grade_id",
        "grade_name",
        "group__school_class__grade__level",
        "points",
        "class_average",
        "index",
        "class_rank",
        "rank",
        "is_excellent",
        "insufficient",
    )
    if grade_id is not None:
        rows = rows.filter(group__school_class__grade_id=grade_id)
    board = [
        BoardRow(
            group_id=r[0],
            group_name=r[1],
            class_id=r[2],
            class_name=r[3],
            class_number=r[4],
            grade_id=r[5],
            grade_name=r[6],
            grade_level=r[7],
            points=r[8],
            class_average=r[9],
            index=r[10] if r[12] is not None else None,
            class_rank=r[11],
            rank=r[12],
            is_excellent=r[13],
            insufficient=r[14],
        )
        for r in rows
    ]
    if grade_id is not None:
        return _rank(board)
    board.sort(key=lambda r: (r.rank is None, r.rank or 0))  # stable: the archive's order
    return board


def totals_of(rows: list[BoardRow]) -> list[ClassTotal]:
    """The classes' totals and averages per group, from a board's rows (no query)."""
    by_class: dict[int, list[BoardRow]] = defaultdict(list)
    for row in rows:
        by_class[row.class_id].append(row)
    totals = [
        ClassTotal(
            class_id=class_id,
            class_name=class_rows[0].class_name,
            grade_name=class_rows[0].grade_name,
            grade_level=class_rows[0].grade_level,
            groups=len(class_rows),
            total=sum(r.points for r in class_rows),
            average=class_rows[0].class_average,
            class_number=class_rows[0].class_number,
            insufficient=class_rows[0].insufficient,
        )
        for class_id, class_rows in by_class.items()
    ]
    totals.sort(key=lambda t: (t.grade_level, t.class_number))
    return totals


@dataclass
class Board:
    """A month's leaderboard as every place shows it: the page, the admin, the downloads and
    the home page's figures (``month_board``)."""

    month: dt.date
    grade_id: int | None
    close: MonthClose | None  # the month is closed: the rows are its archive
    rows: list[BoardRow]
    totals: list[ClassTotal]
    min_days: int | None  # the minimum activity the rows were ranked by (None: none applied)
    min_entries_per_group: int | None

    @property
    def rule(self) -> str:
        """The minimum activity the board was ranked by, in a sentence (empty when none)."""
        if self.min_days is None or self.min_entries_per_group is None:
            return ""
        return _(
            "A class enters the school ranking once its groups have entries on at least "
            "%(days)s days of the month and at least %(entries)s entries per group (undone "
            "entries do not count); below that its groups show their points without an index "
            "or a rank."
        ) % {"days": self.min_days, "entries": self.min_entries_per_group}


def month_board(month: dt.date, grade_id: int | None = None) -> Board:
    """The one selector of a month's board: archived if the month is closed, else live; of one
    grade (ranked within it) or of the school; unranked rows last. Two queries for a closed
    month, five for a live one, whatever the school's size."""
    month = month.replace(day=1)
    close = (
        MonthClose.objects.filter(month=month).select_related("closed_by", "published_by").first()
    )
    if close is not None:
        rows = archived_board(close, grade_id)
        return Board(
            month=month,
            grade_id=grade_id,
            close=close,
            rows=rows,
            totals=totals_of(rows),
            min_days=close.ranking_min_days,
            min_entries_per_group=close.ranking_min_entries_per_group,
        )
    rule = GroupSettings.load()
    rows, totals = compute_board(month, grade_id, rule)
    return Board(
        month=month,
        grade_id=grade_id,
        close=None,
        rows=rows,
        totals=totals,
        min_days=rule.ranking_min_days,
        min_entries_per_group=rule.ranking_min_entries_per_group,
    )


def recent_months(today: dt.date, count: int = 12) -> list[dt.date]:
    """The first days of this month and the ``count - 1`` before it, latest first."""
    months = []
    month = today.replace(day=1)
    for _i in range(count):
        months.append(month)
        month = (month - dt.timedelta(days=1)).replace(day=1)
    return months


def attach_recommendations(rows: Iterable[BoardRow], month: dt.date) -> None:
    notes = dict(
        Recommendation.objects.filter(month=month.replace(day=1)).values_list("group_id", "note")
    )
    for row in rows:
        if row.group_id in notes:
            row.recommended = True
            row.recommendation_note = notes[row.group_id]


def late_corrections(month: dt.date, grade_id: int | None = None) -> list[ScoreEntry]:
    """Entries of a closed month entered after it was closed: shown, never folded in silently
    (``grade_id``: those of one grade's classes, as the board shows one grade)."""
    entries = ScoreEntry.objects.filter(month=month.replace(day=1), after_close=True)
    if grade_id is not None:
        entries = entries.filter(school_class__grade_id=grade_id)
    return list(
        entries.select_related("group__school_class__grade", "item", "teacher").order_by(
            "created_at"
        )
    )


# Exam figures for forming.


def class_candidates(school_class: SchoolClass) -> list[Candidate]:
    """The class's students in school with their latest exam total and subject scores."""
    students = list(school_class.students.in_school().order_by("student_no").values("pk", "gender"))
    exam = (
        Exam.objects.filter(results__student__school_class=school_class)
        .order_by("-date", "-pk")
        .first()
    )
    scores: dict[int, dict[int, float]] = defaultdict(dict)
    if exam is not None:
        # By the students' ids: the results' (student, exam, subject) key finds them, where
        # filtering by class would read the whole grade's results of the exam.
        for student_id, subject_id, score in ExamResult.objects.filter(
            exam=exam, student_id__in=[s["pk"] for s in students]
        ).values_list("student_id", "subject_id", "score"):
            scores[student_id][subject_id] = float(score)
    tags: dict[int, set[int]] = defaultdict(set)
    # The teachers' student tags in use, balanced by forming (one query).
    for student_id, tag_id in StudentTagging.objects.filter(
        student_id__in=[s["pk"] for s in students], tag__is_active=True
    ).values_list("student_id", "tag_id"):
        tags[student_id].add(tag_id)
    return [
        Candidate(
            student_id=s["pk"],
            gender=s["gender"],
            total=sum(scores[s["pk"]].values()) if s["pk"] in scores else None,
            subject_scores=dict(scores.get(s["pk"], {})),
            tags=frozenset(tags.get(s["pk"], ())),
        )
        for s in students
    ]


# The balance of a class's groups as they stand.


def groups_balance(
    school_class: SchoolClass, groups: list[StudyGroup]
) -> tuple[Balance | None, list[Any]]:
    """The balance figures of the class's groups (each with its current ``members``, as
    ``Membership`` rows with their student) and the students placed in tier B for want of
    exam results. Sets each group's ``average``, ``boys``, ``girls`` and ``mix``. None when
    the class has no groups."""
    if not groups:
        return None, []
    candidates = {c.student_id: c for c in class_candidates(school_class)}
    lists = []
    flagged = []
    group: Any  # a StudyGroup with its prefetched ``members``, given its figures below
    for group in groups:
        members = []
        for m in group.members:
            candidate = candidates.get(m.student_id) or Candidate(
                m.student_id, m.student.gender, None
            )
            candidate.tier = m.tier
            members.append(candidate)
            if m.tier_flagged:
                flagged.append(m.student)
        lists.append(members)
    size = round(sum(len(g) for g in lists) / len(lists))
    figures = balance(lists, min(6, max(4, size)))
    for group, avg, boys, mix in zip(
        groups, figures.averages, figures.boys, figures.tier_mix, strict=True
    ):
        group.average = avg
        group.boys = boys
        group.girls = len(group.members) - boys
        group.mix = mix
    return figures, flagged


def tag_rows(figures: Balance | None) -> list[tuple[StudentTag, list[int]]]:
    """The teachers' student tags of the balance figures, each with its number of students in
    each group (one query; none without tags). For the class's teachers only: never printed."""
    if figures is None or not figures.tag_counts:
        return []
    tags = StudentTag.objects.filter(pk__in=figures.tag_counts)
    return [(tag, figures.tag_counts[tag.pk]) for tag in tags]


def balance_failures(figures: Balance | None) -> list[str]:
    """The balance rules the groups fail, each in a sentence (empty when all hold)."""
    if figures is None:
        return []
    failures = []
    if not figures.sizes_ok:
        failures.append(
            _(
                "Group sizes %(sizes)s: every group has 4 to 6 students and the sizes differ by "
                "at most one."
            )
            % {"sizes": "、".join(str(size) for size in figures.sizes)}
        )
    if not figures.spread_ok:
        failures.append(
            _(
                "The group averages are %(spread)s apart, more than half the class's standard "
                "deviation (%(sd)s)."
            )
            % {"spread": figures.spread, "sd": figures.class_sd}
        )
    if not figures.gender_ok:
        failures.append(
            _("A group's number of boys is more than one student off the class's share.")
        )
    return failures


# Self and peer reviews.


def review_summary(review_round: ReviewRound) -> list[StudyGroup]:
    """The round's groups, each member with their own ratings (``self_scores``) and the
    average of their group-mates' (``peer_avg``, over ``peer_count`` ratings) on each line."""
    groups = class_groups(review_round.school_class, review_round.term)
    sums = (
        Review.objects.filter(round=review_round)
        .values("reviewee_id", "reviewer_id")
        .annotate(p=Sum("participation"), h=Sum("helping"), f=Sum("finishing"), d=Sum("discipline"))
    )
    self_scores: dict[int, tuple] = {}
    peer: dict[int, list] = defaultdict(list)
    for row in sums:
        values = (row["p"], row["h"], row["f"], row["d"])
        if row["reviewee_id"] == row["reviewer_id"]:
            self_scores[row["reviewee_id"]] = values
        else:
            peer[row["reviewee_id"]].append(values)
    group: Any  # with its prefetched ``members``, given their scores below
    for group in groups:
        for member in group.members:
            member.self_scores = self_scores.get(member.student_id)
            peers = peer.get(member.student_id, [])
            member.peer_count = len(peers)
            member.peer_avg = (
                [round(sum(v[i] for v in peers) / len(peers), 1) for i in range(4)]
                if peers
                else None
            )
    return groups


def attach_month_members(rows: list[Any], month: dt.date) -> None:
    """Each leaderboard row's ``members``: the students in its group when the month ended,
    group leader first, then by seat (one query)."""
    end = timezone.make_aware(dt.datetime(month.year + month.month // 12, month.month % 12 + 1, 1))
    members = (
        Membership.objects.filter(group_id__in=[row.group_id for row in rows], joined_at__lt=end)
        .filter(Q(left_at__isnull=True) | Q(left_at__gte=end))
        .select_related("student")
        .order_by("group_id", "-is_leader", "seat", "pk")
    )
    by_group: dict[int, list[Membership]] = {}
    for member in members:
        by_group.setdefault(member.group_id, []).append(member)
    for row in rows:
        row.members = by_group.get(row.group_id, [])


# The term-end evaluation (schoolops.evaluation, through the registry).


def _term_rows(term: Term):
    """The ranked rows of the term's closed monthly leaderboards."""
    return LeaderboardRow.objects.filter(
        close__month__in=term.months(), rank__isnull=False, group__term=term
    )


def _standing(rank: int, ranked: int) -> Decimal:
    """A rank among ``ranked`` groups as 0…100: first 100, last 100 / ranked."""
    return Decimal(ranked - rank + 1) * 100 / Decimal(ranked) if ranked else Decimal(0)


def term_group_results(term: Term) -> dict[int, Decimal]:
    """Per class, the mean standing of its groups on the term's closed monthly leaderboards
    (a group first of the school 100, last near 0): two queries."""
    ranked = dict(
        _term_rows(term).values_list("close").annotate(n=Count("pk")).values_list("close", "n")
    )
    standings: dict[int, list[Decimal]] = defaultdict(list)
    for class_id, close_id, rank in _term_rows(term).values_list(
        "group__school_class", "close", "rank"
    ):
        standings[class_id].append(_standing(rank, ranked.get(close_id, 0)))
    return {
        class_id: _quantize(sum(values, Decimal(0)) / len(values), "0.1")
        for class_id, values in standings.items()
    }


def term_group_candidates(term: Term) -> list[AwardCandidate]:
    """The term's candidates for 优秀小组: every group named outstanding in a closed month of
    the term, the most often first, then by its mean standing (two queries)."""
    ranked = dict(
        _term_rows(term).values_list("close").annotate(n=Count("pk")).values_list("close", "n")
    )
    groups: dict[int, dict[str, Any]] = {}
    for group_id, name, class_name, class_id, close_id, rank, excellent in _term_rows(
        term
    ).values_list(
        "group", "group_name", "class_name", "group__school_class", "close", "rank", "is_excellent"
    ):
        entry = groups.setdefault(
            group_id,
            {"name": f"{class_name} {name}", "class": class_id, "months": 0, "standings": []},
        )
        entry["months"] += bool(excellent)
        entry["standings"].append(_standing(rank, ranked.get(close_id, 0)))
    found = []
    for group_id, entry in groups.items():
        if entry["months"]:
            standing = sum(entry["standings"], Decimal(0)) / len(entry["standings"])
            found.append((entry["months"], _quantize(standing, "0.1"), group_id, entry))
    found.sort(key=lambda item: (-item[0], -item[1], item[3]["name"]))
    return [
        AwardCandidate(
            ref=f"groups.StudyGroup:{group_id}",
            name=entry["name"],
            school_class_id=entry["class"],
            figure=standing,
            note=ngettext(
                "Outstanding group in %(months)s month of the term",
                "Outstanding group in %(months)s months of the term",
                months,
            )
            % {"months": months},
        )
        for months, standing, group_id, entry in found
    ]
