"""Study-help groups (学习互助小组): groups, members and roles, goals, scores, leaderboards.

Score entries are append-only: a tap is one INSERT, an undo or a correction is another entry
that reverses the first. Totals are never stored on the groups; they are summed from the
entries, so concurrent taps cannot lose points. Closing a month copies its leaderboard into
``LeaderboardRow`` rows, which a published commendation list keeps for good.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Case, DecimalField, F, IntegerField, Q, Sum, Value, When
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from simple_history.models import HistoricalRecords

from schoolops.models import SchoolClass, Staff, Student, Subject, Term

UNDO_MINUTES = 45  # one lesson


class Tier(models.TextChoices):
    A = "A", _("A (strong)")
    B = "B", _("B (average)")
    C = "C", _("C (struggling)")


class StudyGroupQuerySet(models.QuerySet):
    def active(self) -> StudyGroupQuerySet:
        """Groups that run now (not replaced by a later forming)."""
        return self.filter(is_active=True)

    def confirmed(self) -> StudyGroupQuerySet:
        return self.filter(is_active=True, confirmed_at__isnull=False)


class StudyGroup(models.Model):
    """One study-help group of a class in a term."""

    term = models.ForeignKey(
        Term, on_delete=models.PROTECT, related_name="study_groups", verbose_name=_("term")
    )
    school_class = models.ForeignKey(
        SchoolClass,
        on_delete=models.PROTECT,
        related_name="study_groups",
        verbose_name=pgettext_lazy("school", "class"),
    )
    number = models.PositiveSmallIntegerField(pgettext_lazy("group", "number"))
    name = models.CharField(_("group name"), max_length=30)
    motto = models.CharField(_("motto"), max_length=100, blank=True)
    goal_midterm = models.CharField(_("mid-term goal"), max_length=200, blank=True)
    goal_term_end = models.CharField(_("end-of-term goal"), max_length=200, blank=True)
    goal_year = models.CharField(_("goal for the year"), max_length=200, blank=True)
    goal_stage = models.CharField(_("goal for the school stage"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        Staff,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("confirmed by"),
    )

    objects = StudyGroupQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("study-help group")
        verbose_name_plural = _("study-help groups")
        ordering = ["school_class", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["term", "school_class", "number"],
                condition=Q(is_active=True),
                name="studygroup_unique_number",
            ),
            models.UniqueConstraint(
                fields=["term", "school_class", "name"],
                condition=Q(is_active=True),
                name="studygroup_unique_name",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.school_class} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("groups:group_detail", args=[self.pk])

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None


class MembershipQuerySet(models.QuerySet):
    def current(self) -> MembershipQuerySet:
        return self.filter(left_at__isnull=True)


class Membership(models.Model):
    """A student in a group, with their tier, seat, roles and personal goals."""

    group = models.ForeignKey(
        StudyGroup, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("group")
    )
    student = models.ForeignKey(
        Student,
        on_delete=models.PROTECT,
        related_name="group_memberships",
        verbose_name=_("student"),
    )
    tier = models.CharField(_("tier"), max_length=1, choices=Tier.choices, default=Tier.B)
    tier_flagged = models.BooleanField(
        _("no exam results"), default=False, help_text=_("Tier B by default: check it.")
    )
    seat = models.PositiveSmallIntegerField(_("seat"), default=0)
    is_leader = models.BooleanField(_("group leader"), default=False)
    is_recorder = models.BooleanField(_("recorder"), default=False)
    led_subjects = models.ManyToManyField(
        Subject, blank=True, related_name="+", verbose_name=_("subject leader of")
    )
    goal_short = models.CharField(_("short-term goal"), max_length=200, blank=True)
    goal_long = models.CharField(_("long-term goal"), max_length=200, blank=True)
    joined_at = models.DateTimeField(_("joined"), default=timezone.now)
    left_at = models.DateTimeField(_("left"), null=True, blank=True)

    objects = MembershipQuerySet.as_manager()
    history = HistoricalRecords(m2m_fields=[led_subjects])

    class Meta:
        verbose_name = _("group member")
        verbose_name_plural = _("group members")
        ordering = ["group", "seat", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "student"],
                condition=Q(left_at__isnull=True),
                name="membership_unique_current",
            ),
        ]
        indexes = [
            # The student's page and "which group is this student in".
            models.Index(fields=["student", "left_at"], name="membership_student_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.group} · {self.student.name}"

    def role_names(self) -> list[str]:
        """The roles the member holds, by name: group leader, recorder, a subject's leader
        (never the tier). No query when ``led_subjects`` is prefetched."""
        roles = []
        if self.is_leader:
            roles.append(gettext("group leader"))
        if self.is_recorder:
            roles.append(gettext("recorder"))
        roles.extend(
            gettext("%(subject)s subject leader") % {"subject": subject.name}
            for subject in self.led_subjects.all()
        )
        return roles


class MemberChange(models.Model):
    """A move of a student into, out of or between confirmed groups, with the reason."""

    school_class = models.ForeignKey(
        SchoolClass, on_delete=models.PROTECT, related_name="+", verbose_name=_("class")
    )
    student = models.ForeignKey(
        Student, on_delete=models.PROTECT, related_name="+", verbose_name=_("student")
    )
    from_group = models.ForeignKey(
        StudyGroup,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="changes_out",
        verbose_name=_("from group"),
    )
    to_group = models.ForeignKey(
        StudyGroup,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="changes_in",
        verbose_name=_("to group"),
    )
    reason = models.CharField(_("reason"), max_length=200)
    changed_by = models.ForeignKey(
        Staff, on_delete=models.PROTECT, related_name="+", verbose_name=_("changed by")
    )
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now)

    class Meta:
        verbose_name = _("member change")
        verbose_name_plural = _("member changes")
        ordering = ["-changed_at"]

    def __str__(self) -> str:
        return f"{self.student.name}：{self.from_group} → {self.to_group}"


class GoalCheckIn(models.Model):
    """The homeroom teacher's check on a group goal or a member's goal."""

    class Goal(models.TextChoices):
        MIDTERM = "midterm", _("Mid-term goal")
        TERM_END = "term_end", _("End-of-term goal")
        YEAR = "year", _("Goal for the year")
        STAGE = "stage", _("Goal for the school stage")
        MEMBER_SHORT = "member_short", _("Member's short-term goal")
        MEMBER_LONG = "member_long", _("Member's long-term goal")

    class Status(models.TextChoices):
        ON_TRACK = "on_track", _("On track")
        REACHED = "reached", _("Reached")
        MISSED = "missed", _("Missed")

    group = models.ForeignKey(
        StudyGroup, on_delete=models.PROTECT, related_name="checkins", verbose_name=_("group")
    )
    membership = models.ForeignKey(
        Membership,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="checkins",
        verbose_name=_("member"),
    )
    goal = models.CharField(_("goal"), max_length=15, choices=Goal.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)
    checked_by = models.ForeignKey(
        Staff, on_delete=models.PROTECT, related_name="+", verbose_name=_("checked by")
    )
    checked_at = models.DateTimeField(_("checked at"), default=timezone.now)

    class Meta:
        verbose_name = _("goal check-in")
        verbose_name_plural = _("goal check-ins")
        ordering = ["-checked_at"]

    def __str__(self) -> str:
        return f"{self.group} {self.get_goal_display()}：{self.get_status_display()}"


class ScoreItem(models.Model):
    """An item of the rubric (评分项), kept by the academic office."""

    name = models.CharField(_("name"), max_length=30, unique=True)
    points = models.SmallIntegerField(_("default points"), help_text=_("Negative for a deduction."))
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("score item")
        verbose_name_plural = _("score items")
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.points:+d})"

    # The seeds' weekly evaluation (学习互助工作实施方案, 三、考评反馈): name, points, order.
    # Migration 0002 installs the same rubric on a new database.
    DEFAULTS = (
        ("课前学案完成", 2, 1),
        ("课堂回答", 1, 2),
        ("质疑对抗", 2, 3),
        ("课后反思(三思)", 1, 4),
        ("纪律", -2, 5),
        ("表扬", 3, 6),
    )

    @classmethod
    def ensure_defaults(cls) -> None:
        """Put the seeds' rubric back when the table is empty (e.g. after ``flush``)."""
        if not cls.objects.exists():
            cls.objects.bulk_create(
                cls(name=name, points=points, order=order) for name, points, order in cls.DEFAULTS
            )


class ScoreEntryQuerySet(models.QuerySet):
    def in_month(self, month: dt.date) -> ScoreEntryQuerySet:
        return self.filter(month=month.replace(day=1))


class ScoreEntry(models.Model):
    """One scoring event. Never edited: undo and corrections are reversing entries."""

    class Kind(models.TextChoices):
        TAP = "tap", _("Lesson score")
        UNDO = "undo", _("Undone")
        CORRECTION = "correction", _("Correction")
        IMPORT = "import", pgettext_lazy("score entry", "Imported")

    group = models.ForeignKey(
        StudyGroup,
        on_delete=models.PROTECT,
        related_name="score_entries",
        verbose_name=_("group"),
    )
    # Copied from the group so that class and school standings need no join.
    school_class = models.ForeignKey(
        SchoolClass, on_delete=models.PROTECT, related_name="+", verbose_name=_("class")
    )
    term = models.ForeignKey(
        Term, on_delete=models.PROTECT, related_name="+", verbose_name=_("term")
    )
    student = models.ForeignKey(
        Student,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="score_entries",
        verbose_name=_("member"),
    )
    item = models.ForeignKey(
        ScoreItem, on_delete=models.PROTECT, related_name="entries", verbose_name=_("score item")
    )
    points = models.SmallIntegerField(_("points"))
    subject = models.ForeignKey(
        Subject,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("subject"),
    )
    teacher = models.ForeignKey(
        Staff, on_delete=models.PROTECT, related_name="score_entries", verbose_name=_("teacher")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.TAP)
    reverses = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversed_by",
        verbose_name=_("reverses"),
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    # A tap moved to another group (改记到…组): the new entry names the reversing entry that
    # took the score off the wrong group (whose teacher is who moved it); ``moved_to`` back.
    moved_from = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="moved_to",
        verbose_name=_("moved from"),
    )
    # The id the phone gave the tap (kept there while offline): each is accepted once, so a
    # tap sent again is never counted twice.
    client_id = models.UUIDField(_("id on the phone"), null=True, blank=True, unique=True)
    # Entered on the class terminal (班级一体机) by a student recorder (学习委员 or a group's
    # 协调记录组长) picked from the class list; ``teacher`` is then the homeroom teacher who
    # turned the terminal on. A reversal of such an entry names the same recorder, so that
    # the school's counting rule (``GroupSettings.student_points``) weighs both alike.
    terminal = models.ForeignKey(
        "ClassTerminal",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="entries",
        verbose_name=_("class terminal"),
    )
    recorded_by_student = models.ForeignKey(
        Student,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("student recorder"),
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        Staff,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    day = models.DateField(_("date"))
    week = models.PositiveSmallIntegerField(_("teaching week"), null=True, blank=True)
    month = models.DateField(_("month"))
    after_close = models.BooleanField(_("entered after the month was closed"), default=False)
    created_at = models.DateTimeField(_("entered at"), default=timezone.now)

    objects = ScoreEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("score entry")
        verbose_name_plural = _("score entries")
        indexes = [
            # Monthly leaderboard: SUM(points) GROUP BY group for one month.
            models.Index(fields=["month", "group", "points"], name="scoreentry_month_idx"),
            # The admin list: one month's entries, newest first (its default filter and order).
            models.Index(fields=["month", "-id"], name="scoreentry_admin_month_idx"),
            # The leaderboard's minimum activity: each class's days with entries in a month.
            models.Index(
                fields=["month", "school_class", "day", "kind"], name="scoreentry_class_day_idx"
            ),
            # Class ranking of a teaching week and the group page's week chart.
            models.Index(fields=["school_class", "term", "week"], name="scoreentry_week_idx"),
            models.Index(fields=["group", "week"], name="scoreentry_group_week_idx"),
            # Late corrections of a closed month, shown beside its archived leaderboard.
            models.Index(
                fields=["month"], condition=Q(after_close=True), name="scoreentry_late_idx"
            ),
            # "Lesson not scored" to-do and the teacher's undo list.
            models.Index(
                fields=["teacher", "created_at"], name="scoreentry_teacher_idx"
            ),  # The homeroom teacher's review of a week's student-recorded entries.
            models.Index(
                fields=["school_class", "day"],
                condition=Q(recorded_by_student__isnull=False),
                name="scoreentry_student_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.group} {self.item.name} {self.points:+d}"

    @property
    def is_reversed(self) -> bool:
        """Undone or corrected already (``reversed_by`` is best selected with the entry)."""
        try:
            return self.reversed_by is not None
        except ScoreEntry.reversed_by.RelatedObjectDoesNotExist:
            return False

    @property
    def is_correctable(self) -> bool:
        """A lesson's tap or an imported score not reversed yet; reversals are final."""
        return self.kind in (self.Kind.TAP, self.Kind.IMPORT) and not self.is_reversed

    def can_undo(self, staff: Staff, now: dt.datetime | None = None) -> bool:
        now = now or timezone.now()
        return (
            self.kind in (self.Kind.TAP, self.Kind.IMPORT)
            and self.teacher_id == staff.pk
            and now - self.created_at <= dt.timedelta(minutes=UNDO_MINUTES)
        )


class MonthClose(models.Model):
    """A closed month: its leaderboard is archived; the commendation list may be published."""

    month = models.DateField(_("month"), unique=True)
    closed_at = models.DateTimeField(_("closed at"), default=timezone.now)
    closed_by = models.ForeignKey(
        Staff, on_delete=models.PROTECT, related_name="+", verbose_name=_("closed by")
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        Staff,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("published by"),
    )
    # The minimum activity the archived leaderboard was ranked by (GroupSettings when the
    # month closed; empty for months closed before the rule existed).
    ranking_min_days = models.PositiveSmallIntegerField(
        _("minimum school days with entries"), null=True, blank=True
    )
    ranking_min_entries_per_group = models.PositiveSmallIntegerField(
        _("minimum entries per group"), null=True, blank=True
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("closed month")
        verbose_name_plural = _("closed months")
        ordering = ["-month"]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class StudentPoints(models.TextChoices):
    FULL = "full", _("Count fully")
    HALF = "half", _("Count half")
    REVIEW = "review", _("Count after the homeroom teacher's review")


class GroupSettings(models.Model):
    """The school's rules of the study-help groups, kept by the academic office (one row).

    The monthly leaderboard compares groups by an index (points over the class average), so a
    class whose groups barely scored would rank first on one tap: a class enters the school
    ranking once its groups' entries of the month reach both minimums below. ``load`` reads
    the row (or the defaults while there is none) in one query.
    """

    ranking_min_days = models.PositiveSmallIntegerField(
        _("minimum school days with entries"),
        default=3,
        validators=[MaxValueValidator(31)],
        help_text=_(
            "A class enters the monthly school ranking once its groups have entries on at "
            "least this many days of the month (0: no minimum)."
        ),
    )
    ranking_min_entries_per_group = models.PositiveSmallIntegerField(
        _("minimum entries per group"),
        default=1,
        validators=[MaxValueValidator(1000)],
        help_text=_(
            "…and at least this many entries of the month for each of its groups (1: as many "
            "entries as the class has groups; 0: no minimum). Undone and corrected entries do "
            "not count."
        ),
    )
    student_points = models.CharField(
        _("points recorded by students"),
        max_length=6,
        choices=StudentPoints.choices,
        default=StudentPoints.FULL,
        help_text=_(
            "How the entries a student recorder makes on the class terminal count in the "
            "totals and the leaderboard."
        ),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("study-help group settings")
        verbose_name_plural = _("study-help group settings")

    def __str__(self) -> str:
        return str(self._meta.verbose_name)

    @classmethod
    def load(cls) -> GroupSettings:
        """The school's settings: the stored row, or the defaults while none is stored."""
        return cls.objects.order_by("pk").first() or cls()

    def points_sum(self, prefix: str = "", filter: Q | None = None) -> Coalesce:
        """The sum of entries' counted points under the school's rule for student-recorded
        entries (0 for none): the ONE expression the leaderboard, its charts and the class
        ranking use (``prefix`` for a relation, e.g. ``"score_entries__"``; ``filter`` as in
        ``Sum``). Integers unless student entries count half."""
        points = F(f"{prefix}points")
        student = Q(**{f"{prefix}recorded_by_student__isnull": False})
        if self.student_points == StudentPoints.HALF:
            counted = Case(
                When(student, then=points * Value(Decimal("0.5"))),
                default=points * Value(Decimal("1")),
                output_field=DecimalField(max_digits=9, decimal_places=1),
            )
        elif self.student_points == StudentPoints.REVIEW:
            unreviewed = student & Q(**{f"{prefix}reviewed_at__isnull": True})
            counted = Case(
                When(unreviewed, then=Value(0)), default=points, output_field=IntegerField()
            )
        else:
            counted = points
        if self.student_points == StudentPoints.HALF:
            return Coalesce(
                Sum(counted, filter=filter),
                Value(Decimal("0")),
                output_field=DecimalField(max_digits=9, decimal_places=1),
            )
        return Coalesce(Sum(counted, filter=filter), 0, output_field=IntegerField())

    def admits(self, *, days: int, entries: int, groups: int) -> bool:
        """Whether a class with these figures of a month enters the school ranking."""
        return days >= self.ranking_min_days and (
            entries >= groups * self.ranking_min_entries_per_group
        )


class LeaderboardRow(models.Model):
    """One group's line of a closed month's leaderboard, as it stood when the month closed.

    An unranked group (its class's average was zero or less, or its class had too few entries
    that month: ``insufficient``) has no rank and no index, and cannot be marked outstanding.
    """

    close = models.ForeignKey(
        MonthClose, on_delete=models.CASCADE, related_name="rows", verbose_name=_("month")
    )
    group = models.ForeignKey(
        StudyGroup, on_delete=models.PROTECT, related_name="+", verbose_name=_("group")
    )
    grade_name = models.CharField(_("grade"), max_length=20)
    class_name = models.CharField(_("class"), max_length=40)
    group_name = models.CharField(_("group name"), max_length=30)
    points = models.IntegerField(_("points"))
    class_average = models.DecimalField(_("class average"), max_digits=8, decimal_places=2)
    index = models.DecimalField(_("index"), max_digits=8, decimal_places=1, null=True, blank=True)
    rank = models.PositiveIntegerField(_("rank"), null=True, blank=True)
    class_rank = models.PositiveSmallIntegerField(_("rank in class"))
    insufficient = models.BooleanField(
        _("too few records this month"),
        default=False,
        help_text=_("The class was below the minimum activity: not in the school ranking."),
    )
    is_excellent = models.BooleanField(_("outstanding group"), default=False)

    class Meta:
        verbose_name = _("archived leaderboard row")
        verbose_name_plural = _("archived leaderboard rows")
        # Unranked rows last (a NULL rank sorts first in SQLite and last in PostgreSQL).
        ordering = ["close", F("rank").asc(nulls_last=True), "pk"]
        constraints = [
            models.UniqueConstraint(fields=["close", "group"], name="leaderboardrow_unique"),
            models.CheckConstraint(
                condition=Q(is_excellent=False) | Q(rank__isnull=False),
                name="leaderboardrow_excellent_is_ranked",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.close} #{self.rank or '—'} {self.class_name} {self.group_name}"

    def clean(self) -> None:
        if self.is_excellent and self.rank is None:
            raise ValidationError(
                {"is_excellent": _("Only ranked groups can be outstanding groups.")}
            )


class Recommendation(models.Model):
    """A homeroom teacher recommends a group of their class for a month's commendation."""

    month = models.DateField(_("month"))
    group = models.ForeignKey(
        StudyGroup,
        on_delete=models.PROTECT,
        related_name="recommendations",
        verbose_name=_("group"),
    )
    note = models.CharField(_("why"), max_length=200, blank=True)
    recommended_by = models.ForeignKey(
        Staff, on_delete=models.PROTECT, related_name="+", verbose_name=_("recommended by")
    )
    created_at = models.DateTimeField(_("recommended at"), default=timezone.now)

    class Meta:
        verbose_name = _("recommendation")
        verbose_name_plural = _("recommendations")
        ordering = ["-month", "group"]
        constraints = [
            models.UniqueConstraint(fields=["month", "group"], name="recommendation_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.group}"


class ReviewRound(models.Model):
    """A self and peer review of a class's groups (once or twice a term)."""

    school_class = models.ForeignKey(
        SchoolClass, on_delete=models.PROTECT, related_name="+", verbose_name=_("class")
    )
    term = models.ForeignKey(
        Term, on_delete=models.PROTECT, related_name="+", verbose_name=_("term")
    )
    title = models.CharField(_("title"), max_length=50)
    held_on = models.DateField(_("held on"))

    class Meta:
        verbose_name = _("review round")
        verbose_name_plural = _("review rounds")
        ordering = ["-held_on"]

    def __str__(self) -> str:
        return f"{self.school_class} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("groups:review_round", args=[self.pk])


class Review(models.Model):
    """One member's rating of themselves or of a group-mate, 1-5 on four lines."""

    round = models.ForeignKey(
        ReviewRound, on_delete=models.CASCADE, related_name="reviews", verbose_name=_("round")
    )
    group = models.ForeignKey(
        StudyGroup, on_delete=models.PROTECT, related_name="+", verbose_name=_("group")
    )
    reviewer = models.ForeignKey(
        Student, on_delete=models.PROTECT, related_name="+", verbose_name=_("reviewer")
    )
    reviewee = models.ForeignKey(
        Student, on_delete=models.PROTECT, related_name="+", verbose_name=_("reviewed member")
    )
    participation = models.PositiveSmallIntegerField(_("participation"))
    helping = models.PositiveSmallIntegerField(_("helping others"))
    finishing = models.PositiveSmallIntegerField(_("finishing tasks"))
    discipline = models.PositiveSmallIntegerField(_("discipline"))
    entered_by = models.ForeignKey(
        Staff, on_delete=models.PROTECT, related_name="+", verbose_name=_("entered by")
    )

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        constraints = [
            models.UniqueConstraint(fields=["round", "reviewer", "reviewee"], name="review_unique"),
            models.CheckConstraint(
                condition=Q(participation__range=(1, 5))
                & Q(helping__range=(1, 5))
                & Q(finishing__range=(1, 5))
                & Q(discipline__range=(1, 5)),
                name="review_scores_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.round}：{self.reviewer.name} → {self.reviewee.name}"


class Consequence(models.Model):
    """A reward or a measure the homeroom teacher records for a member."""

    class Kind(models.TextChoices):
        LETTER = "letter", _("Letter of praise")
        GIFT = "gift", _("Small gift")
        SELF_REVIEW = "self_review", _("Written self-review")
        TASK_CHANGE = "task_change", _("Task adjustment")

    group = models.ForeignKey(
        StudyGroup, on_delete=models.PROTECT, related_name="consequences", verbose_name=_("group")
    )
    student = models.ForeignKey(
        Student, on_delete=models.PROTECT, related_name="+", verbose_name=_("student")
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        Staff, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("reward or measure")
        verbose_name_plural = _("rewards and measures")
        ordering = ["-recorded_at"]

    def __str__(self) -> str:
        return f"{self.student.name}：{self.get_kind_display()}"

    @property
    def is_reward(self) -> bool:
        return self.kind in (self.Kind.LETTER, self.Kind.GIFT)


class ClassTerminal(models.Model):
    """A class's terminal login (班级账号): the shared classroom PC signs in with a short code
    that its homeroom teacher turns on and renews. One device at a time: the signed-in
    session's key is kept here, so renewing the code or turning it off signs that device out.
    The code is stored hashed."""

    school_class = models.OneToOneField(
        SchoolClass, on_delete=models.PROTECT, related_name="terminal", verbose_name=_("class")
    )
    code_hash = models.CharField(_("code"), max_length=128)
    # Finds the terminal a typed code belongs to with one indexed lookup (a keyed HMAC of the
    # code): checking it against every terminal's salted hash would cost a school of 66
    # terminals ~20 s a sign-in. The salted hash then checks the one found.
    code_digest = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    enabled = models.BooleanField(_("turned on"), default=True)
    version = models.PositiveIntegerField(_("renewals"), default=1)
    renewed_at = models.DateTimeField(_("code renewed at"), default=timezone.now)
    renewed_by = models.ForeignKey(
        Staff, on_delete=models.PROTECT, related_name="+", verbose_name=_("renewed by")
    )
    session_key = models.CharField(_("signed-in session"), max_length=40, blank=True)
    signed_in_at = models.DateTimeField(_("signed in at"), null=True, blank=True)

    history = HistoricalRecords(excluded_fields=["code_hash", "code_digest", "session_key"])

    class Meta:
        verbose_name = _("class terminal")
        verbose_name_plural = _("class terminals")

    def __str__(self) -> str:
        return str(self.school_class)


# Shared notes and materials (学习笔记共享／学习资料共享), the showcase (学习成果展示) and the
# questions a group passes up (疑问和难点: group leader → 科代表 → subject teacher).


def material_storage() -> FileSystemStorage:
    """Private storage of the classes' shared materials: never under MEDIA, served by a view
    that checks who asks."""
    from django.conf import settings

    return FileSystemStorage(location=settings.PRIVATE_ROOT / "groups_materials", base_url=None)


class Material(models.Model):
    """A note or a material a group shares with its class: a file (PDF, an image, a Word,
    Excel or PowerPoint document, its type checked by its content), what it is about and the
    subject. A group may mark its best work for the class's showcase."""

    class Kind(models.TextChoices):
        NOTE = "note", _("Study notes")
        MATERIAL = "material", _("Study material")

    term = models.ForeignKey(
        Term,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=pgettext_lazy("school", "term"),
    )
    school_class = models.ForeignKey(
        SchoolClass,
        on_delete=models.PROTECT,
        related_name="group_materials",
        verbose_name=pgettext_lazy("school", "class"),
    )
    group = models.ForeignKey(
        StudyGroup,
        on_delete=models.PROTECT,
        related_name="materials",
        verbose_name=_("group"),
    )
    subject = models.ForeignKey(
        Subject,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("subject"),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.NOTE)
    title = models.CharField(_("title"), max_length=100)
    note = models.TextField(_("note"), max_length=1000, blank=True)
    file = models.FileField(_("file"), upload_to="%Y/%m", storage=material_storage)
    file_name = models.CharField(_("file name"), max_length=120)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    showcased = models.BooleanField(_("in the showcase"), default=False)
    showcased_at = models.DateTimeField(_("put in the showcase at"), null=True, blank=True)
    uploaded_by = models.ForeignKey(
        Staff, on_delete=models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    terminal = models.ForeignKey(
        ClassTerminal,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("class terminal"),
    )
    # Shared on the class terminal (班级一体机) by a student picked from the class list;
    # ``uploaded_by`` is then the homeroom teacher who turned the terminal on.
    recorded_by_student = models.ForeignKey(
        Student,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("shared by (student)"),
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    history = HistoricalRecords(excluded_fields=["file"])

    class Meta:
        verbose_name = _("shared material")
        verbose_name_plural = _("shared materials")
        ordering = ["-uploaded_at", "-pk"]
        indexes = [
            models.Index(fields=["school_class", "term"], name="material_class_term_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.group} · {self.title}"

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class SubjectRep(models.Model):
    """A class's 科代表 of a subject (one per subject per class, among its students): gathers
    the groups' questions of the subject and passes them to its teacher."""

    school_class = models.ForeignKey(
        SchoolClass,
        on_delete=models.PROTECT,
        related_name="subject_reps",
        verbose_name=pgettext_lazy("school", "class"),
    )
    subject = models.ForeignKey(
        Subject, on_delete=models.PROTECT, related_name="+", verbose_name=_("subject")
    )
    student = models.ForeignKey(
        Student, on_delete=models.PROTECT, related_name="+", verbose_name=_("student")
    )
    set_by = models.ForeignKey(
        Staff, on_delete=models.PROTECT, related_name="+", verbose_name=_("set by")
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("subject representative")
        verbose_name_plural = _("subject representatives")
        constraints = [
            models.UniqueConstraint(
                fields=["school_class", "subject"], name="subjectrep_one_per_subject"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.school_class} {self.subject} · {self.student.name}"


class Question(models.Model):
    """A question or difficulty a group's leader passes up for a subject (疑问和难点): the
    class's 科代表 of the subject gathers them and passes them to the subject's teacher, who
    marks each as answered (in class, with a note)."""

    class Status(models.TextChoices):
        OPEN = "open", _("With the subject representative")
        PASSED = "passed", _("Passed to the teacher")
        ANSWERED = "answered", _("Answered")

    term = models.ForeignKey(
        Term,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=pgettext_lazy("school", "term"),
    )
    school_class = models.ForeignKey(
        SchoolClass,
        on_delete=models.PROTECT,
        related_name="group_questions",
        verbose_name=pgettext_lazy("school", "class"),
    )
    group = models.ForeignKey(
        StudyGroup, on_delete=models.PROTECT, related_name="questions", verbose_name=_("group")
    )
    subject = models.ForeignKey(
        Subject, on_delete=models.PROTECT, related_name="+", verbose_name=_("subject")
    )
    text = models.TextField(pgettext_lazy("group question", "question"), max_length=1000)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    entered_by = models.ForeignKey(
        Staff, on_delete=models.PROTECT, related_name="+", verbose_name=_("entered by")
    )
    terminal = models.ForeignKey(
        ClassTerminal,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("class terminal"),
    )
    # Entered on the class terminal by the group's leader (picked from the class list);
    # ``entered_by`` is then the homeroom teacher who turned the terminal on.
    recorded_by_student = models.ForeignKey(
        Student,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("entered by (group leader)"),
    )
    entered_at = models.DateTimeField(_("entered at"), default=timezone.now)
    passed_at = models.DateTimeField(_("passed to the teacher at"), null=True, blank=True)
    passed_by_rep = models.ForeignKey(
        Student,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("passed by (subject representative)"),
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_by = models.ForeignKey(
        Staff,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("answered by"),
    )
    answer_note = models.CharField(_("answer note"), max_length=300, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("group question")
        verbose_name_plural = _("group questions")
        ordering = ["entered_at", "pk"]
        indexes = [
            models.Index(fields=["school_class", "status"], name="question_class_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.group} · {self.subject}"


# Group life (issue 16): meetings, the study plan, coaching, trainings and exhibitions.


class GroupMeeting(models.Model):
    """A group's meeting (定期聚会, at least once a week): the date, who came, what was
    discussed and what was decided. Written by the class's staff or, on the class terminal
    (班级一体机), by a student of the class (``recorded_by_student``). Never edited."""

    group = models.ForeignKey(
        StudyGroup, on_delete=models.PROTECT, related_name="meetings", verbose_name=_("group")
    )
    day = models.DateField(_("date"))
    week = models.PositiveSmallIntegerField(_("teaching week"), null=True, blank=True)
    present = models.ManyToManyField(
        Student, blank=True, related_name="+", verbose_name=_("members present")
    )
    discussed = models.TextField(_("what was discussed"), max_length=1000)
    decisions = models.TextField(_("decisions"), max_length=1000, blank=True)
    recorded_by = models.ForeignKey(
        Staff,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    terminal = models.ForeignKey(
        ClassTerminal,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("class terminal"),
    )
    recorded_by_student = models.ForeignKey(
        Student,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("student recorder"),
    )
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("group meeting")
        verbose_name_plural = _("group meetings")
        ordering = ["-day", "-pk"]
        indexes = [
            # "No meeting this week" to-do and the class's week table.
            models.Index(fields=["group", "week"], name="groupmeeting_group_week_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.group} {self.day:%Y-%m-%d}"


class PlanItem(models.Model):
    """A line of a group's study plan for its term (学习计划): a subject's goal, the weekly
    task and the member who checks it. A line taken off the plan is kept (``is_active``)
    with its ticks."""

    group = models.ForeignKey(
        StudyGroup, on_delete=models.PROTECT, related_name="plan_items", verbose_name=_("group")
    )
    subject = models.ForeignKey(
        Subject,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("subject"),
    )
    goal = models.CharField(_("goal"), max_length=200)
    weekly_task = models.CharField(_("weekly task"), max_length=200)
    checker = models.ForeignKey(
        Student,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("checked by"),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("on the plan"), default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("study plan line")
        verbose_name_plural = _("study plan lines")
        ordering = ["group", "order", "pk"]

    def __str__(self) -> str:
        return f"{self.group} {self.goal}"


class PlanTick(models.Model):
    """A week's progress on a plan line: done or not (ticked again: the same row, its history
    keeps the earlier answer)."""

    item = models.ForeignKey(
        PlanItem, on_delete=models.PROTECT, related_name="ticks", verbose_name=_("plan line")
    )
    week = models.PositiveSmallIntegerField(_("teaching week"))
    done = models.BooleanField(_("done"), default=False)
    ticked_by = models.ForeignKey(
        Staff,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ticked by"),
    )
    terminal = models.ForeignKey(
        ClassTerminal,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("class terminal"),
    )
    recorded_by_student = models.ForeignKey(
        Student,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("student recorder"),
    )
    ticked_at = models.DateTimeField(_("ticked at"), default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("study plan tick")
        verbose_name_plural = _("study plan ticks")
        ordering = ["item", "week"]
        constraints = [
            models.UniqueConstraint(fields=["item", "week"], name="plantick_unique_week"),
        ]

    def __str__(self) -> str:
        return f"{self.item} #{self.week} {'✓' if self.done else '✗'}"


class CoachingNote(models.Model):
    """A teacher's visit to a group that struggles (深入到有问题的小组进行了解协调): what was
    found and what was agreed. For the class's teachers and keepers only, never the terminal."""

    group = models.ForeignKey(
        StudyGroup,
        on_delete=models.PROTECT,
        related_name="coaching_notes",
        verbose_name=_("group"),
    )
    day = models.DateField(_("date"))
    found = models.TextField(_("what was found"), max_length=1000)
    agreed = models.TextField(_("what was agreed"), max_length=1000)
    written_by = models.ForeignKey(
        Staff, on_delete=models.PROTECT, related_name="+", verbose_name=_("written by")
    )
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("coaching note")
        verbose_name_plural = _("coaching notes")
        ordering = ["-day", "-pk"]

    def __str__(self) -> str:
        return f"{self.group} {self.day:%Y-%m-%d}"


class GroupActivity(models.Model):
    """A class's training (两个培训: its group leaders, 科代表 and monitor; its members) or
    homework exhibition (作业展评) in a term: the date, who, what."""

    class Kind(models.TextChoices):
        LEADER_TRAINING = "leaders", _("Training of group leaders and subject representatives")
        MEMBER_TRAINING = "members", _("Training of group members")
        EXHIBITION = "exhibition", _("Homework exhibition")

    school_class = models.ForeignKey(
        SchoolClass, on_delete=models.PROTECT, related_name="+", verbose_name=_("class")
    )
    term = models.ForeignKey(
        Term, on_delete=models.PROTECT, related_name="+", verbose_name=_("term")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    day = models.DateField(_("date"))
    participants = models.CharField(_("who"), max_length=200)
    content = models.TextField(_("what"), max_length=1000)
    recorded_by = models.ForeignKey(
        Staff, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("training or exhibition")
        verbose_name_plural = _("trainings and exhibitions")
        ordering = ["-day", "-pk"]
        indexes = [
            models.Index(fields=["school_class", "term"], name="groupactivity_class_term_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.school_class} {self.get_kind_display()} {self.day:%Y-%m-%d}"


# Study pairs (学习对子) and the teachers' student tags (issue 16).


class StudentTag(models.Model):
    """A tag teachers may set on a student (兴趣特长, 性格, 能力倾向): the school's short list,
    kept by 教导处 in the admin. Forming balances them across groups; they are for teachers
    only and never printed or exported."""

    class Kind(models.TextChoices):
        INTEREST = "interest", _("Interest or talent")
        PERSONALITY = "personality", _("Personality")
        APTITUDE = "aptitude", _("Aptitude")

    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=20, unique=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("in use"), default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("student tag")
        verbose_name_plural = _("student tags")
        ordering = ["kind", "order", "name"]

    def __str__(self) -> str:
        return self.name


class StudentTagging(models.Model):
    """A tag set on a student by their class's homeroom teacher (a personal characterisation:
    in the sensitive register, teachers only)."""

    student = models.ForeignKey(
        Student, on_delete=models.PROTECT, related_name="group_tags", verbose_name=_("student")
    )
    tag = models.ForeignKey(
        StudentTag, on_delete=models.PROTECT, related_name="taggings", verbose_name=_("tag")
    )
    set_by = models.ForeignKey(
        Staff, on_delete=models.PROTECT, related_name="+", verbose_name=_("set by")
    )
    set_at = models.DateTimeField(_("set at"), default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("student's tag")
        verbose_name_plural = _("students' tags")
        constraints = [
            models.UniqueConstraint(fields=["student", "tag"], name="studenttagging_once"),
        ]

    def __str__(self) -> str:
        return f"{self.student.name} · {self.tag.name}"


class StudyPairQuerySet(models.QuerySet):
    def active(self) -> StudyPairQuerySet:
        return self.filter(ended_at__isnull=True)


class StudyPair(models.Model):
    """A study pair (学习对子, 「也可以一对一」) of a class in a subject: a stronger student and
    one or two weaker ones. Changing its members ends it and forms a new one (history kept)."""

    term = models.ForeignKey(
        Term, on_delete=models.PROTECT, related_name="+", verbose_name=_("term")
    )
    school_class = models.ForeignKey(
        SchoolClass,
        on_delete=models.PROTECT,
        related_name="study_pairs",
        verbose_name=pgettext_lazy("school", "class"),
    )
    subject = models.ForeignKey(
        Subject, on_delete=models.PROTECT, related_name="+", verbose_name=_("subject")
    )
    stronger = models.ForeignKey(
        Student, on_delete=models.PROTECT, related_name="+", verbose_name=_("stronger student")
    )
    weaker = models.ForeignKey(
        Student, on_delete=models.PROTECT, related_name="+", verbose_name=_("weaker student")
    )
    third = models.ForeignKey(
        Student,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("second weaker student"),
    )
    formed_by = models.ForeignKey(
        Staff, on_delete=models.PROTECT, related_name="+", verbose_name=_("formed by")
    )
    formed_at = models.DateTimeField(_("formed at"), default=timezone.now)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    objects = StudyPairQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("study pair")
        verbose_name_plural = _("study pairs")
        indexes = [
            models.Index(fields=["school_class", "term"], name="studypair_class_term_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.school_class} {self.subject} · {self.names}"

    def get_absolute_url(self) -> str:
        return reverse("groups:pair_detail", args=[self.pk])

    @property
    def students(self) -> list[Student]:
        return [s for s in (self.stronger, self.weaker, self.third) if s is not None]

    @property
    def names(self) -> str:
        return "、".join(s.name for s in self.students)


class PairScore(models.Model):
    """Points given to a study pair by a teacher of its class: append-only (a mistake is put
    right by another entry), apart from the groups' entries and their leaderboard."""

    pair = models.ForeignKey(
        StudyPair, on_delete=models.PROTECT, related_name="scores", verbose_name=_("study pair")
    )
    points = models.SmallIntegerField(_("points"))
    reason = models.CharField(_("reason"), max_length=100)
    teacher = models.ForeignKey(
        Staff, on_delete=models.PROTECT, related_name="+", verbose_name=_("teacher")
    )
    created_at = models.DateTimeField(_("entered at"), default=timezone.now)

    class Meta:
        verbose_name = _("study pair's points")
        verbose_name_plural = _("study pairs' points")
        indexes = [models.Index(fields=["pair", "created_at"], name="pairscore_pair_idx")]

    def __str__(self) -> str:
        return f"{self.pair} {self.points:+d}"
