"""Student-situation consultation (学情会商): ledgers, observations, meetings, strategies.

Work on a student follows 摸学情 → 找问题 → 出策略 → 求改进: observations and the term's
ledger describe the student, a meeting finds the problem and decides a strategy, follow-ups
record whether it works, and a student who does not improve climbs class → grade → school.

Everything here is personal information of minors: the sensitive models keep their history
(who, when, what) with django-simple-history, and follow-ups are appended, never edited.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from simple_history.models import HistoricalRecords

from schoolops.models import Grade, SchoolClass, Staff, Student, Term


class Attention(models.TextChoices):
    """Special-attention categories (重点关注) from the seeds."""

    LEARNING = "learning", _("Learning difficulty")
    POVERTY = "poverty", _("Family poverty")
    INDULGED = "indulged", _("Over-indulged family")
    THINKING = "thinking", _("Unsettled thinking")
    PSYCHOLOGICAL = "psych", _("Psychological problems")
    BEHAVIOUR = "behaviour", _("Behaviour deviation")
    FAMILY_EDUCATION = "family_edu", _("Poor family-education environment")
    SPECIAL_NEEDS = "special", _("Special development needs")
    POTENTIAL = "potential", _("Potential held back in whole-class teaching")
    MIGRANT = "migrant", _("Child of migrant workers")
    LEFT_BEHIND = "left_behind", _("Left-behind child")


class Level(models.TextChoices):
    CLASS = "class", pgettext_lazy("meeting level", "Class")
    GRADE = "grade", pgettext_lazy("meeting level", "Grade")
    SCHOOL = "school", pgettext_lazy("meeting level", "School")
    HOME = "home", pgettext_lazy("meeting level", "Home-school")


# The ladder a student climbs when strategies do not work.
NEXT_LEVEL: dict[str, str] = {Level.CLASS: Level.GRADE, Level.GRADE: Level.SCHOOL}


class ConsultSettings(models.Model):
    """The school's consultation settings, kept by the academic office (one row)."""

    escalate_after_followups = models.PositiveSmallIntegerField(
        _("follow-ups without improvement before escalation"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
    )
    escalate_after_weeks = models.PositiveSmallIntegerField(
        _("teaching weeks without improvement before escalation"),
        default=4,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
    )
    weight_meetings = models.PositiveSmallIntegerField(_("weight: meetings held"), default=30)
    weight_coverage = models.PositiveSmallIntegerField(_("weight: students covered"), default=20)
    weight_records = models.PositiveSmallIntegerField(_("weight: complete records"), default=20)
    weight_ledger = models.PositiveSmallIntegerField(_("weight: ledger completeness"), default=20)
    weight_cases = models.PositiveSmallIntegerField(_("weight: success cases"), default=10)
    weight_activities = models.PositiveSmallIntegerField(
        _("weight: theme meetings and study-method exchanges"), default=0
    )
    theme_meetings_min = models.PositiveSmallIntegerField(
        _("theme class meetings a term: at least"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
    )
    theme_meetings_max = models.PositiveSmallIntegerField(
        _("theme class meetings a term: at most"),
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
    )
    exchanges_min = models.PositiveSmallIntegerField(
        _("study-method exchanges a term: at least"),
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
    )
    photo_max_kb = models.PositiveIntegerField(
        _("largest photo (KB)"),
        default=3072,
        validators=[MinValueValidator(50), MaxValueValidator(20480)],
    )
    grade_meeting_weekday = models.PositiveSmallIntegerField(
        _("grade meeting weekday"),
        default=4,
        validators=[MaxValueValidator(6)],
        help_text=_("0 is Monday, 4 is Friday."),
    )
    # The day the escalation rule last ran over the whole term: the first page of the day
    # that shows proposals runs it (see ``services.check_escalations``).
    escalations_checked_on = models.DateField(
        _("escalation rule last checked"), null=True, blank=True, editable=False
    )

    history = HistoricalRecords(excluded_fields=["escalations_checked_on"])

    class Meta:
        verbose_name = _("consultation settings")
        verbose_name_plural = _("consultation settings")

    def __str__(self) -> str:
        return str(_("Consultation settings"))

    def save(self, *args, **kwargs) -> None:
        # New numbers (or weights) apply at once: the next page that shows proposals
        # runs the rule again.
        if kwargs.get("update_fields") is None:
            self.escalations_checked_on = None
        super().save(*args, **kwargs)

    WEIGHT_FIELDS = (
        "weight_meetings",
        "weight_coverage",
        "weight_records",
        "weight_ledger",
        "weight_cases",
        "weight_activities",
    )

    def clean(self) -> None:
        total = sum(getattr(self, name) or 0 for name in self.WEIGHT_FIELDS)
        if total != 100:
            raise ValidationError(
                _("The weights must add up to 100 (they add up to %(total)s).") % {"total": total}
            )
        if (self.theme_meetings_min or 0) > (self.theme_meetings_max or 0):
            raise ValidationError(
                {
                    "theme_meetings_max": _(
                        "The most theme class meetings cannot be fewer than the least."
                    )
                }
            )

    @classmethod
    def get(cls) -> ConsultSettings:
        """The one row (made by migration 0007), or its defaults unsaved when there is none:
        reading the settings never writes (a refused upload's page writes nothing)."""
        obj = ConsultSettings.objects.order_by("pk").first()
        return obj or ConsultSettings()


class LedgerProfileQuerySet(models.QuerySet):
    def for_term(self, term: Term | None) -> LedgerProfileQuerySet:
        return self.filter(term=term)

    def special_attention(self) -> LedgerProfileQuerySet:
        return self.filter(special_attention=True)


class LedgerProfile(models.Model):
    """A student's entry in the class's 学情台账 for one term."""

    REQUIRED_FIELDS = ("strengths", "weaknesses", "personality", "interests", "family_situation")

    student = models.ForeignKey(
        Student, on_delete=models.PROTECT, related_name="ledger_profiles", verbose_name=_("student")
    )
    term = models.ForeignKey(
        Term,
        on_delete=models.PROTECT,
        related_name="ledger_profiles",
        verbose_name=pgettext_lazy("school", "term"),
    )
    strengths = models.TextField(_("strengths"), blank=True)
    weaknesses = models.TextField(_("weaknesses"), blank=True)
    personality = models.TextField(_("personality"), blank=True)
    interests = models.TextField(_("interests"), blank=True)
    family_situation = models.TextField(_("family situation"), blank=True)
    categories = models.JSONField(_("special-attention categories"), default=list, blank=True)
    education_plan = models.TextField(
        _("individual education plan"),
        blank=True,
        help_text=_("个案育人计划: needed for every special-attention student."),
    )
    # Derived on save, so that lists and the scoring filter in the database.
    complete = models.BooleanField(_("complete"), default=False, editable=False)
    special_attention = models.BooleanField(_("special attention"), default=False, editable=False)
    psych_flag = models.BooleanField(_("psychological flag"), default=False, editable=False)
    updated_by = models.ForeignKey(
        Staff,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("last changed by"),
    )
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)

    history = HistoricalRecords()
    objects = LedgerProfileQuerySet.as_manager()

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        constraints = [
            models.UniqueConstraint(fields=["student", "term"], name="ledger_one_per_student_term"),
        ]
        indexes = [
            # The class ledger page and the scoring read a term's entries by completeness.
            models.Index(fields=["term", "complete"], name="ledger_term_complete_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.student.name} {self.term}"

    def save(self, *args, **kwargs) -> None:
        self.refresh_derived()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {
                *kwargs["update_fields"],
                "complete",
                "special_attention",
                "psych_flag",
                "updated_at",
            }
        super().save(*args, **kwargs)

    @property
    def needs_plan(self) -> bool:
        return bool(self.categories)

    def missing(self) -> list[str]:
        """Labels of the fields still empty (the plan only when the student needs one)."""
        missing = [
            str(self._meta.get_field(name).verbose_name)
            for name in self.REQUIRED_FIELDS
            if not (getattr(self, name) or "").strip()
        ]
        if self.needs_plan and not self.education_plan.strip():
            missing.append(str(self._meta.get_field("education_plan").verbose_name))
        return missing

    def refresh_derived(self) -> None:
        self.complete = not self.missing()
        self.special_attention = bool(self.categories)
        self.psych_flag = Attention.PSYCHOLOGICAL in (self.categories or [])

    def category_labels(self, *, psych: bool = False) -> list[str]:
        """The categories' labels; 心理障碍 only with ``psych``, when the page has asked the
        register (``privacy.may_read(scope, Category.PSYCHOLOGICAL, student)``)."""
        labels = dict(Attention.choices)
        return [
            str(labels.get(c, c)) for c in self.categories if psych or c != Attention.PSYCHOLOGICAL
        ]

    def clean(self) -> None:
        unknown = set(self.categories or []) - set(Attention.values)
        if unknown:
            raise ValidationError({"categories": _("Unknown special-attention category.")})


class Observation(models.Model):
    """A 学情记录 by the 四诊法: observe, hear from others, talk, ask."""

    class Method(models.TextChoices):
        OBSERVE = "observe", _("看 Observe")
        HEAR = "hear", _("听 Hear from others")
        TALK = "talk", _("谈 Talk")
        ASK = "ask", _("问 Questionnaire or contact slip")

    student = models.ForeignKey(
        Student, on_delete=models.PROTECT, related_name="observations", verbose_name=_("student")
    )
    date = models.DateField(_("date"))
    method = models.CharField(_("method"), max_length=10, choices=Method.choices)
    source = models.CharField(
        _("source"),
        max_length=100,
        blank=True,
        help_text=_("For example a parent, a group leader."),
    )
    content = models.TextField(_("content"))
    psychological = models.BooleanField(
        _("psychological note"),
        default=False,
        help_text=_(
            "Only the homeroom teacher, the psychology teacher, the principal's office and the "
            "student's responsible leader can read it."
        ),
    )
    author = models.ForeignKey(
        Staff, on_delete=models.PROTECT, related_name="observations", verbose_name=_("recorded by")
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("observation")
        verbose_name_plural = _("observations")
        indexes = [
            # The timeline reads one student's observations, newest first.
            models.Index(fields=["student", "-date"], name="observation_student_date_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.student.name} {self.date:%Y-%m-%d} {self.get_method_display()}"


class MeetingQuerySet(models.QuerySet):
    def for_term(self, term: Term | None) -> MeetingQuerySet:
        return self.filter(term=term)

    def counting(self) -> MeetingQuerySet:
        """Meetings that count for the cadence: regular and thematic, not ad hoc."""
        return self.exclude(kind=Meeting.Kind.AD_HOC)


class Meeting(models.Model):
    """A consultation meeting, recorded as the 学情会商记录."""

    class Kind(models.TextChoices):
        AD_HOC = "ad_hoc", _("碰头会 Ad hoc")
        REGULAR = "regular", _("例会 Regular")
        THEMATIC = "thematic", _("专题 Thematic")

    class HomeForm(models.TextChoices):
        PARENT_MEETING = "parent_meeting", _("Parent meeting")
        CONSULTATION = "consultation", _("Individual parent consultation")
        HOME_VISIT = "home_visit", _("Home visit")

    level = models.CharField(
        pgettext_lazy("consultation", "level"), max_length=10, choices=Level.choices
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.REGULAR)
    home_form = models.CharField(
        _("home-school form"), max_length=20, choices=HomeForm.choices, blank=True
    )
    monthly_review = models.BooleanField(
        _("principal's monthly special-attention review"), default=False
    )
    term = models.ForeignKey(
        Term,
        on_delete=models.PROTECT,
        related_name="consult_meetings",
        verbose_name=pgettext_lazy("school", "term"),
    )
    date = models.DateField(_("date"))
    school_class = models.ForeignKey(
        SchoolClass,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="consult_meetings",
        verbose_name=pgettext_lazy("school", "class"),
    )
    grade = models.ForeignKey(
        Grade,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="consult_meetings",
        verbose_name=_("grade"),
    )
    chair = models.ForeignKey(
        Staff, on_delete=models.PROTECT, related_name="chaired_meetings", verbose_name=_("chair")
    )
    attendees = models.ManyToManyField(
        Staff, blank=True, related_name="attended_meetings", verbose_name=_("attendees")
    )
    parents = models.CharField(_("parents present"), max_length=200, blank=True)
    topic = models.CharField(_("topic"), max_length=200)
    preparation = models.TextField(_("preparation"), blank=True)
    analysis = models.TextField(_("analysis of the situation"), blank=True)
    strategies = models.TextField(_("strategies"), blank=True)
    summary = models.TextField(_("chair's summary"), blank=True)
    created_by = models.ForeignKey(
        Staff, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    history = HistoricalRecords(m2m_fields=[attendees])
    objects = MeetingQuerySet.as_manager()

    class Meta:
        verbose_name = _("consultation meeting")
        verbose_name_plural = _("consultation meetings")
        indexes = [
            # Cadence grid and scoring: a term's meetings by level and class, by date.
            models.Index(fields=["term", "level", "date"], name="meeting_term_level_date_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(level__in=["class", "home"]) | Q(school_class__isnull=False),
                name="meeting_class_level_has_class",
            ),
            models.CheckConstraint(
                condition=~Q(level="grade") | Q(grade__isnull=False),
                name="meeting_grade_level_has_grade",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.get_level_display()} {self.topic}"

    def get_absolute_url(self) -> str:
        return reverse("consult:meeting_detail", args=[self.pk])

    @property
    def where(self) -> str:
        if self.school_class_id:
            return str(self.school_class)
        if self.grade_id:
            return str(self.grade)
        return str(_("Whole school"))

    @property
    def has_four_parts(self) -> bool:
        return all(
            (getattr(self, f) or "").strip()
            for f in ("preparation", "analysis", "strategies", "summary")
        )


class MeetingStudent(models.Model):
    """A student discussed at a meeting, with the analysis and the strategy decided."""

    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="discussed", verbose_name=_("meeting")
    )
    student = models.ForeignKey(
        Student,
        on_delete=models.PROTECT,
        related_name="consult_discussions",
        verbose_name=_("student"),
    )
    analysis = models.TextField(_("analysis"))
    decision = models.TextField(_("strategy decided"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("student discussed")
        verbose_name_plural = _("students discussed")
        constraints = [
            models.UniqueConstraint(fields=["meeting", "student"], name="meeting_student_once"),
        ]

    def __str__(self) -> str:
        return f"{self.meeting} · {self.student.name}"


class Strategy(models.Model):
    """A strategy (措施) for one student, followed up until solved or escalated."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        SOLVED = "solved", _("Solved")
        ESCALATED = "escalated", _("Escalated")

    student = models.ForeignKey(
        Student, on_delete=models.PROTECT, related_name="strategies", verbose_name=_("student")
    )
    term = models.ForeignKey(
        Term,
        on_delete=models.PROTECT,
        related_name="consult_strategies",
        verbose_name=pgettext_lazy("school", "term"),
    )
    level = models.CharField(
        pgettext_lazy("consultation", "level"),
        max_length=10,
        choices=Level.choices[:3],
        default=Level.CLASS,
    )
    problem = models.TextField(_("problem found"))
    action = models.TextField(_("strategy"))
    owner = models.ForeignKey(
        Staff, on_delete=models.PROTECT, related_name="owned_strategies", verbose_name=_("owner")
    )
    start_date = models.DateField(_("start"))
    review_date = models.DateField(_("review date"))
    meeting = models.ForeignKey(
        Meeting,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="decided_strategies",
        verbose_name=_("meeting"),
    )
    observations = models.ManyToManyField(
        Observation, blank=True, related_name="strategies", verbose_name=_("observations")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    closing_note = models.TextField(_("closing note"), blank=True)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("strategy")
        verbose_name_plural = _("strategies")
        indexes = [
            # To-dos and the escalation rule: open strategies by owner and by student.
            models.Index(fields=["status", "review_date"], name="strategy_status_review_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(review_date__gte=models.F("start_date")),
                name="strategy_review_not_before_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.student.name}：{self.action[:30]}"

    def get_absolute_url(self) -> str:
        return reverse("consult:strategy_detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class FollowUp(models.Model):
    """One follow-up on a strategy. Appended, never changed (its history says who added it)."""

    class Result(models.TextChoices):
        IMPROVED = "improved", _("Improved")
        NO_CHANGE = "no_change", _("No change")
        WORSE = "worse", _("Worse")

    strategy = models.ForeignKey(
        Strategy, on_delete=models.PROTECT, related_name="follow_ups", verbose_name=_("strategy")
    )
    date = models.DateField(_("date"))
    done = models.TextField(_("what was done"))
    result = models.CharField(_("result"), max_length=10, choices=Result.choices)
    note = models.TextField(_("note"), blank=True)
    author = models.ForeignKey(
        Staff, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        indexes = [
            models.Index(fields=["strategy", "date"], name="followup_strategy_date_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.strategy} {self.date:%Y-%m-%d} {self.get_result_display()}"


class Escalation(models.Model):
    """A student proposed to the next level's meeting, and that meeting's decision."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        TAKEN = "taken", _("Taken over")
        SENT_BACK = "sent_back", _("Sent back")

    student = models.ForeignKey(
        Student, on_delete=models.PROTECT, related_name="escalations", verbose_name=_("student")
    )
    term = models.ForeignKey(
        Term,
        on_delete=models.PROTECT,
        related_name="consult_escalations",
        verbose_name=pgettext_lazy("school", "term"),
    )
    from_level = models.CharField(_("from"), max_length=10, choices=Level.choices[:2])
    to_level = models.CharField(_("to"), max_length=10, choices=Level.choices[1:3])
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PROPOSED
    )
    reason = models.TextField(_("reason"))
    automatic = models.BooleanField(_("proposed by the rule"), default=False)
    proposed_on = models.DateField(_("proposed on"))
    proposed_by = models.ForeignKey(
        Staff,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("proposed by"),
    )
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    decided_by = models.ForeignKey(
        Staff,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decision_note = models.TextField(_("decision note"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")
        constraints = [
            # One undecided proposal per student and step at a time.
            models.UniqueConstraint(
                fields=["student", "term", "to_level"],
                condition=Q(status="proposed"),
                name="escalation_one_open_proposal",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.student.name} → {self.get_to_level_display()} ({self.get_status_display()})"


class LeaderAssignment(models.Model):
    """A school leader responsible for a special-attention student (包靠)."""

    student = models.ForeignKey(
        Student,
        on_delete=models.PROTECT,
        related_name="leader_assignments",
        verbose_name=_("student"),
    )
    leader = models.ForeignKey(
        Staff,
        on_delete=models.PROTECT,
        related_name="leader_assignments",
        verbose_name=_("responsible leader"),
    )
    term = models.ForeignKey(
        Term,
        on_delete=models.PROTECT,
        related_name="consult_leader_assignments",
        verbose_name=pgettext_lazy("school", "term"),
    )
    assigned_on = models.DateField(_("assigned on"))
    meeting = models.ForeignKey(
        Meeting,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="leader_assignments",
        verbose_name=_("monthly review"),
    )
    active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("responsible leader (包靠)")
        verbose_name_plural = _("responsible leaders (包靠)")
        constraints = [
            models.UniqueConstraint(
                fields=["student", "term"],
                condition=Q(active=True),
                name="leader_one_active_per_student_term",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.student.name} ← {self.leader.name}"


class Case(models.Model):
    """A success case (成功案例) put forward by a class team."""

    student = models.ForeignKey(
        Student, on_delete=models.PROTECT, related_name="consult_cases", verbose_name=_("student")
    )
    term = models.ForeignKey(
        Term,
        on_delete=models.PROTECT,
        related_name="consult_cases",
        verbose_name=pgettext_lazy("school", "term"),
    )
    school_class = models.ForeignKey(
        SchoolClass,
        on_delete=models.PROTECT,
        related_name="consult_cases",
        verbose_name=pgettext_lazy("school", "class"),
    )
    title = models.CharField(_("title"), max_length=100)
    situation = models.TextField(_("situation analysis"))
    strategy = models.TextField(_("strategy decided"))
    process = models.TextField(_("follow-up process"))
    records = models.TextField(_("records"), blank=True)
    result = models.TextField(_("result"))
    nominated = models.BooleanField(_("nominated by the class team"), default=False)
    author = models.ForeignKey(
        Staff, on_delete=models.PROTECT, related_name="consult_cases", verbose_name=_("author")
    )
    created_on = models.DateField(_("written on"))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("success case")
        verbose_name_plural = _("success cases")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("consult:case_detail", args=[self.pk])


class CaseJudge(models.Model):
    """A judge of the term's success cases, named by the academic office."""

    term = models.ForeignKey(
        Term,
        on_delete=models.PROTECT,
        related_name="consult_case_judges",
        verbose_name=pgettext_lazy("school", "term"),
    )
    staff = models.ForeignKey(
        Staff, on_delete=models.PROTECT, related_name="case_judging", verbose_name=_("judge")
    )

    class Meta:
        verbose_name = _("case judge")
        verbose_name_plural = _("case judges")
        constraints = [
            models.UniqueConstraint(fields=["term", "staff"], name="case_judge_once_per_term"),
        ]

    def __str__(self) -> str:
        return f"{self.term} {self.staff.name}"


class CaseScore(models.Model):
    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="scores", verbose_name=_("success case")
    )
    judge = models.ForeignKey(
        Staff, on_delete=models.PROTECT, related_name="case_scores", verbose_name=_("judge")
    )
    score = models.PositiveSmallIntegerField(
        _("score"), validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    comment = models.CharField(_("comment"), max_length=200, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("case score")
        verbose_name_plural = _("case scores")
        constraints = [
            models.UniqueConstraint(fields=["case", "judge"], name="case_score_once_per_judge"),
            models.CheckConstraint(condition=Q(score__lte=100), name="case_score_at_most_100"),
        ]

    def __str__(self) -> str:
        return f"{self.case} {self.judge.name}：{self.score}"


# Theme class meetings (主题班会) and study-method exchanges (学法交流会).


def photo_storage() -> FileSystemStorage:
    """Private storage of the activities' photos: never under MEDIA, served by a view that
    checks who asks."""
    from django.conf import settings

    return FileSystemStorage(location=settings.PRIVATE_ROOT / "consult_photos", base_url=None)


class ClassActivityQuerySet(models.QuerySet):
    def for_term(self, term: Term | None) -> ClassActivityQuerySet:
        return self.filter(term=term)


class ClassActivity(models.Model):
    """A class's theme meeting about the help given to one another (主题班会, three to seven a
    term, progressing students speaking of their own progress: 现身说法) or a study-method
    exchange the class holds itself (学法交流会, at least two a term)."""

    class Kind(models.TextChoices):
        THEME = "theme", _("Theme class meeting")
        EXCHANGE = "exchange", _("Study-method exchange")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    term = models.ForeignKey(
        Term,
        on_delete=models.PROTECT,
        related_name="consult_class_activities",
        verbose_name=pgettext_lazy("school", "term"),
    )
    school_class = models.ForeignKey(
        SchoolClass,
        on_delete=models.PROTECT,
        related_name="consult_activities",
        verbose_name=pgettext_lazy("school", "class"),
    )
    date = models.DateField(_("date"))
    theme = models.CharField(_("theme"), max_length=200)
    hosts = models.ManyToManyField(
        Student, blank=True, related_name="hosted_class_activities", verbose_name=_("hosts")
    )
    speakers = models.ManyToManyField(
        Student, blank=True, related_name="spoke_at_class_activities", verbose_name=_("speakers")
    )
    content = models.TextField(_("content"), blank=True)
    summary = models.TextField(_("summary"), blank=True)
    created_by = models.ForeignKey(
        Staff, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    history = HistoricalRecords(m2m_fields=[hosts, speakers])
    objects = ClassActivityQuerySet.as_manager()

    class Meta:
        verbose_name = _("theme meeting or exchange")
        verbose_name_plural = _("theme meetings and exchanges")
        indexes = [
            models.Index(fields=["term", "kind", "school_class"], name="activity_term_kind_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.get_kind_display()} {self.theme}"

    def get_absolute_url(self) -> str:
        return reverse("consult:activity_detail", args=[self.pk])


class ActivityPhoto(models.Model):
    """A photo of a theme meeting or exchange, in private storage (an image by its content)."""

    activity = models.ForeignKey(
        ClassActivity, on_delete=models.CASCADE, related_name="photos", verbose_name=_("activity")
    )
    image = models.FileField(_("photo"), upload_to="%Y/%m", storage=photo_storage)
    content_type = models.CharField(_("image type"), max_length=20, editable=False)
    size = models.PositiveIntegerField(_("size"), default=0, editable=False)
    uploaded_by = models.ForeignKey(
        Staff, on_delete=models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("activity photo")
        verbose_name_plural = _("activity photos")

    def __str__(self) -> str:
        return f"{self.activity} #{self.pk}"


# The term's plan and summary (学期学情会商工作计划, 期末总结).


class TermPlan(models.Model):
    """The term's consultation work plan: the school's (教导处, no grade) or a grade's."""

    term = models.ForeignKey(
        Term,
        on_delete=models.PROTECT,
        related_name="consult_plans",
        verbose_name=pgettext_lazy("school", "term"),
    )
    grade = models.ForeignKey(
        Grade,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="consult_plans",
        verbose_name=_("grade"),
    )
    goals = models.TextField(_("goals"))
    schedule = models.TextField(_("schedule of meetings"))
    focus = models.TextField(_("focus students"), blank=True)
    updated_by = models.ForeignKey(
        Staff, on_delete=models.PROTECT, related_name="+", verbose_name=_("last changed by")
    )
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("term consultation plan")
        verbose_name_plural = _("term consultation plans")
        constraints = [
            models.UniqueConstraint(
                fields=["term", "grade"],
                condition=Q(grade__isnull=False),
                name="plan_one_per_grade_term",
            ),
            models.UniqueConstraint(
                fields=["term"], condition=Q(grade__isnull=True), name="plan_one_school_per_term"
            ),
        ]

    def __str__(self) -> str:
        where = self.grade or _("Whole school")
        return f"{self.term} {where}"


class TermSummary(models.Model):
    """The end-of-term summary (经验材料) of a class, a grade or the school, with the term's
    figures it was written from."""

    term = models.ForeignKey(
        Term,
        on_delete=models.PROTECT,
        related_name="consult_summaries",
        verbose_name=pgettext_lazy("school", "term"),
    )
    level = models.CharField(
        pgettext_lazy("consultation", "level"), max_length=10, choices=Level.choices[:3]
    )
    school_class = models.ForeignKey(
        SchoolClass,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="consult_summaries",
        verbose_name=pgettext_lazy("school", "class"),
    )
    grade = models.ForeignKey(
        Grade,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="consult_summaries",
        verbose_name=_("grade"),
    )
    figures = models.JSONField(_("the term's figures"), default=dict, blank=True)
    text = models.TextField(_("summary"))
    updated_by = models.ForeignKey(
        Staff, on_delete=models.PROTECT, related_name="+", verbose_name=_("last changed by")
    )
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("term summary")
        verbose_name_plural = _("term summaries")
        constraints = [
            models.UniqueConstraint(
                fields=["term", "school_class"],
                condition=Q(level="class"),
                name="summary_one_per_class_term",
            ),
            models.UniqueConstraint(
                fields=["term", "grade"],
                condition=Q(level="grade"),
                name="summary_one_per_grade_term",
            ),
            models.UniqueConstraint(
                fields=["term"], condition=Q(level="school"), name="summary_one_school_per_term"
            ),
            models.CheckConstraint(
                condition=~Q(level="class") | Q(school_class__isnull=False),
                name="summary_class_level_has_class",
            ),
            models.CheckConstraint(
                condition=~Q(level="grade") | Q(grade__isnull=False),
                name="summary_grade_level_has_grade",
            ),
        ]

    def __str__(self) -> str:
        where = self.school_class or self.grade or _("Whole school")
        return f"{self.term} {where}"


class ClassLeaderAssignment(models.Model):
    """A school leader sent to a weak class (弱势班级蹲点) by the principal's monthly review."""

    school_class = models.ForeignKey(
        SchoolClass,
        on_delete=models.PROTECT,
        related_name="consult_leader_assignments",
        verbose_name=pgettext_lazy("school", "class"),
    )
    leader = models.ForeignKey(
        Staff,
        on_delete=models.PROTECT,
        related_name="class_leader_assignments",
        verbose_name=_("responsible leader"),
    )
    term = models.ForeignKey(
        Term,
        on_delete=models.PROTECT,
        related_name="consult_class_leaders",
        verbose_name=pgettext_lazy("school", "term"),
    )
    assigned_on = models.DateField(_("assigned on"))
    meeting = models.ForeignKey(
        Meeting,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="class_leader_assignments",
        verbose_name=_("monthly review"),
    )
    active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("leader in a weak class (蹲点)")
        verbose_name_plural = _("leaders in weak classes (蹲点)")
        constraints = [
            models.UniqueConstraint(
                fields=["school_class", "term"],
                condition=Q(active=True),
                name="class_leader_one_active_per_term",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.school_class} ← {self.leader.name}"


# Questionnaires (学情征询问卷): asked of parents or students, answered without an account
# through a link per class, anonymously (the 问卷回收箱 at the school gate, on a phone).


class Questionnaire(models.Model):
    """A questionnaire for parents or students of one class, a grade or the school."""

    class Audience(models.TextChoices):
        PARENTS = "parents", _("Parents")
        STUDENTS = "students", _("Students")

    class Reach(models.TextChoices):
        CLASS = "class", pgettext_lazy("questionnaire reach", "One class")
        GRADE = "grade", pgettext_lazy("questionnaire reach", "A grade")
        SCHOOL = "school", pgettext_lazy("questionnaire reach", "The whole school")

    title = models.CharField(_("title"), max_length=100)
    audience = models.CharField(
        _("asked of"), max_length=10, choices=Audience.choices, default=Audience.PARENTS
    )
    reach = models.CharField(_("for"), max_length=10, choices=Reach.choices, default=Reach.CLASS)
    term = models.ForeignKey(
        Term,
        on_delete=models.PROTECT,
        related_name="consult_questionnaires",
        verbose_name=pgettext_lazy("school", "term"),
    )
    school_class = models.ForeignKey(
        SchoolClass,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="consult_questionnaires",
        verbose_name=pgettext_lazy("school", "class"),
    )
    grade = models.ForeignKey(
        Grade,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="consult_questionnaires",
        verbose_name=_("grade"),
    )
    intro = models.TextField(_("introduction"), blank=True)
    deadline = models.DateTimeField(_("deadline"))
    closed_at = models.DateTimeField(_("closed by hand"), null=True, blank=True)
    created_by = models.ForeignKey(
        Staff, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("questionnaire")
        verbose_name_plural = _("questionnaires")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("consult:questionnaire_detail", args=[self.pk])

    def is_open(self, now) -> bool:
        return self.closed_at is None and now < self.deadline


class Question(models.Model):
    class Kind(models.TextChoices):
        SINGLE = "single", _("Single choice")
        MULTIPLE = "multiple", _("Multiple choice")
        SCALE = "scale", _("Scale 1-5")
        TEXT = "text", _("Free text")

    questionnaire = models.ForeignKey(
        Questionnaire,
        on_delete=models.CASCADE,
        related_name="questions",
        verbose_name=_("questionnaire"),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    text = models.CharField(_("question"), max_length=200)
    choices = models.JSONField(_("choices"), default=list, blank=True)
    required = models.BooleanField(_("required"), default=True)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.text


class QuestionnaireLink(models.Model):
    """The link (and QR code) of one class: its token cannot be guessed."""

    questionnaire = models.ForeignKey(
        Questionnaire,
        on_delete=models.CASCADE,
        related_name="links",
        verbose_name=_("questionnaire"),
    )
    school_class = models.ForeignKey(
        SchoolClass,
        on_delete=models.PROTECT,
        related_name="questionnaire_links",
        verbose_name=pgettext_lazy("school", "class"),
    )
    token = models.CharField(_("token"), max_length=64, unique=True, editable=False)

    class Meta:
        verbose_name = _("questionnaire link")
        verbose_name_plural = _("questionnaire links")
        constraints = [
            models.UniqueConstraint(
                fields=["questionnaire", "school_class"], name="questionnaire_link_once_per_class"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.questionnaire} · {self.school_class}"

    def get_absolute_url(self) -> str:
        return reverse("consult:questionnaire_answer", args=[self.token])


class QuestionnaireResponse(models.Model):
    """One anonymous answer sheet: the class (from its link), the day and the answers.

    Nothing that identifies the answerer is kept: no account, no address, no device, no
    time of day."""

    link = models.ForeignKey(
        QuestionnaireLink,
        on_delete=models.PROTECT,
        related_name="responses",
        verbose_name=_("questionnaire link"),
    )
    submitted_on = models.DateField(_("answered on"))
    # {question id: the choice's index, a list of indexes, 1-5, or the text}
    answers = models.JSONField(_("answers"), default=dict)

    class Meta:
        verbose_name = _("questionnaire answer")
        verbose_name_plural = _("questionnaire answers")

    def __str__(self) -> str:
        return f"{self.link} {self.submitted_on:%Y-%m-%d}"


class CommonIssue(models.Model):
    """A common problem (共性问题) picked from a questionnaire's answers for a grade meeting."""

    questionnaire = models.ForeignKey(
        Questionnaire,
        on_delete=models.PROTECT,
        related_name="common_issues",
        verbose_name=_("questionnaire"),
    )
    grade = models.ForeignKey(
        Grade, on_delete=models.PROTECT, related_name="common_issues", verbose_name=_("grade")
    )
    term = models.ForeignKey(
        Term,
        on_delete=models.PROTECT,
        related_name="consult_common_issues",
        verbose_name=pgettext_lazy("school", "term"),
    )
    text = models.TextField(_("common problem"))
    picked_by = models.ForeignKey(
        Staff, on_delete=models.PROTECT, related_name="+", verbose_name=_("picked by")
    )
    picked_on = models.DateField(_("picked on"))
    meeting = models.ForeignKey(
        Meeting,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="common_issues",
        verbose_name=_("grade meeting"),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("common problem")
        verbose_name_plural = _("common problems")

    def __str__(self) -> str:
        return self.text[:40]
