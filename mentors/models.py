"""The mentor system (导师制): two-way selection, year-long pairings, talks and evaluation.

A mentor always comes from the student's own class: the subject teachers of a class, except
its homeroom teacher, are the class's mentors, and each has a capacity in that class. The
homeroom teacher enters the students' three choices and marks priority (special-attention)
students; mentors rank or decline their applicants; the academic office runs the matching
per grade. Pairings last the school year and end early only with a reason.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from simple_history.models import HistoricalRecords

from schoolops.models import AcademicYear, Grade, SchoolClass, Staff, Student, Term


class MentorCapacity(models.Model):
    """A capacity set by the academic office; without a row the default applies."""

    school_class = models.ForeignKey(
        SchoolClass,
        on_delete=models.CASCADE,
        related_name="mentor_capacities",
        verbose_name=pgettext_lazy("school", "class"),
    )
    mentor = models.ForeignKey(
        Staff, on_delete=models.PROTECT, related_name="mentor_capacities", verbose_name=_("mentor")
    )
    capacity = models.PositiveSmallIntegerField(_("capacity"))

    class Meta:
        verbose_name = _("mentor capacity")
        verbose_name_plural = _("mentor capacities")
        constraints = [
            models.UniqueConstraint(
                fields=["school_class", "mentor"], name="mentorcapacity_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.school_class} {self.mentor}：{self.capacity}"


class PriorityStudent(models.Model):
    """A student the homeroom teacher marked as priority (special attention) for the year."""

    student = models.ForeignKey(
        Student,
        on_delete=models.PROTECT,
        related_name="mentor_priorities",
        verbose_name=_("student"),
    )
    academic_year = models.ForeignKey(
        AcademicYear, on_delete=models.PROTECT, related_name="+", verbose_name=_("academic year")
    )
    marked_by = models.ForeignKey(
        Staff,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("marked by"),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("priority student")
        verbose_name_plural = _("priority students")
        constraints = [
            models.UniqueConstraint(
                fields=["student", "academic_year"], name="prioritystudent_unique"
            ),
        ]

    def __str__(self) -> str:
        return str(self.student)


class Choice(models.Model):
    """One of a student's three ordered choices (第一/第二/第三志愿) for a school year."""

    student = models.ForeignKey(
        Student, on_delete=models.PROTECT, related_name="mentor_choices", verbose_name=_("student")
    )
    academic_year = models.ForeignKey(
        AcademicYear, on_delete=models.PROTECT, related_name="+", verbose_name=_("academic year")
    )
    rank = models.PositiveSmallIntegerField(
        _("choice"), validators=[MinValueValidator(1), MaxValueValidator(3)]
    )
    mentor = models.ForeignKey(
        Staff, on_delete=models.PROTECT, related_name="mentor_choices", verbose_name=_("mentor")
    )

    class Meta:
        verbose_name = _("mentor choice")
        verbose_name_plural = _("mentor choices")
        ordering = ["student__student_no", "rank"]
        constraints = [
            models.UniqueConstraint(
                fields=["student", "academic_year", "rank"], name="choice_unique_rank"
            ),
            models.UniqueConstraint(
                fields=["student", "academic_year", "mentor"], name="choice_unique_mentor"
            ),
            models.CheckConstraint(condition=Q(rank__gte=1, rank__lte=3), name="choice_rank_1_3"),
        ]

    def __str__(self) -> str:
        return f"{self.student} {self.rank}：{self.mentor}"


class MentorRanking(models.Model):
    """A mentor's own ranking of an applicant, or a decline."""

    mentor = models.ForeignKey(
        Staff, on_delete=models.PROTECT, related_name="mentor_rankings", verbose_name=_("mentor")
    )
    student = models.ForeignKey(
        Student, on_delete=models.PROTECT, related_name="mentor_rankings", verbose_name=_("student")
    )
    academic_year = models.ForeignKey(
        AcademicYear, on_delete=models.PROTECT, related_name="+", verbose_name=_("academic year")
    )
    position = models.PositiveSmallIntegerField(_("rank"), null=True, blank=True)
    declined = models.BooleanField(_("declined"), default=False)

    class Meta:
        verbose_name = _("mentor's ranking")
        verbose_name_plural = _("mentors' rankings")
        constraints = [
            models.UniqueConstraint(
                fields=["mentor", "student", "academic_year"], name="mentorranking_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.mentor} → {self.student}：{self.position or '-'}"


class MatchRun(models.Model):
    """A published matching of a grade's students (the preview is not stored)."""

    grade = models.ForeignKey(
        Grade, on_delete=models.PROTECT, related_name="mentor_match_runs", verbose_name=_("grade")
    )
    academic_year = models.ForeignKey(
        AcademicYear, on_delete=models.PROTECT, related_name="+", verbose_name=_("academic year")
    )
    run_by = models.ForeignKey(
        Staff,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("run by"),
    )
    run_at = models.DateTimeField(_("published at"), auto_now_add=True)
    matched = models.PositiveIntegerField(_("matched"), default=0)
    unmatched = models.PositiveIntegerField(_("unmatched"), default=0)

    class Meta:
        verbose_name = _("matching run")
        verbose_name_plural = _("matching runs")
        ordering = ["-run_at"]

    def __str__(self) -> str:
        return f"{self.grade} {self.run_at:%Y-%m-%d %H:%M}"


class PairingQuerySet(models.QuerySet):
    def active(self) -> PairingQuerySet:
        """Pairings not ended."""
        return self.filter(ended_on__isnull=True)

    def for_year(self, year: AcademicYear | None) -> PairingQuerySet:
        return self.filter(academic_year=year)


class Pairing(models.Model):
    """A mentor and a mentee for a school year; ended early only with a reason."""

    class EndReason(models.TextChoices):
        POST_CHANGE = "post_change", _("The teacher's post changed")
        LEFT = "left", _("The teacher left")
        FAILED = "failed", _("The arrangement did not work")
        STUDENT_LEFT = "student_left", _("The student left the class")

    student = models.ForeignKey(
        Student, on_delete=models.PROTECT, related_name="pairings", verbose_name=_("student")
    )
    mentor = models.ForeignKey(
        Staff, on_delete=models.PROTECT, related_name="pairings", verbose_name=_("mentor")
    )
    academic_year = models.ForeignKey(
        AcademicYear, on_delete=models.PROTECT, related_name="+", verbose_name=_("academic year")
    )
    school_class = models.ForeignKey(
        SchoolClass,
        on_delete=models.PROTECT,
        related_name="pairings",
        verbose_name=pgettext_lazy("school", "class"),
    )
    choice_rank = models.PositiveSmallIntegerField(
        _("choice"), null=True, blank=True, help_text=_("Empty for a hand assignment (调剂).")
    )
    match_run = models.ForeignKey(
        MatchRun,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="pairings",
        verbose_name=_("matching run"),
    )
    # Named for its first use; it also holds why a pairing ended this year is made again.
    over_capacity_reason = models.CharField(
        _("reason for the hand assignment"),
        max_length=200,
        blank=True,
        help_text=_("Required over capacity, or to pair again a mentor ended this year."),
    )
    started_on = models.DateField(_("started on"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    end_reason = models.CharField(
        _("reason for ending"), max_length=20, choices=EndReason.choices, blank=True
    )
    end_note = models.CharField(_("note on ending"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        Staff,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    history = HistoricalRecords()

    objects = PairingQuerySet.as_manager()

    class Meta:
        verbose_name = _("pairing")
        verbose_name_plural = _("pairings")
        ordering = ["student__student_no", "-started_on"]
        constraints = [
            # A student has one mentor at a time.
            models.UniqueConstraint(
                fields=["student", "academic_year"],
                condition=Q(ended_on__isnull=True),
                name="pairing_one_active_per_student",
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | ~Q(end_reason=""),
                name="pairing_end_has_reason",
            ),
        ]
        indexes = [
            # A mentor's home page and "my mentees": active pairings of one mentor.
            models.Index(fields=["mentor", "ended_on"], name="pairing_mentor_active_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.mentor} → {self.student}"

    @property
    def is_active(self) -> bool:
        return self.ended_on is None

    @property
    def choice_label(self) -> str:
        return str(self.choice_rank) if self.choice_rank else "调剂"


class MentoringPlan(models.Model):
    """The mentoring plan of a pairing: study, life, psychology, and the four duties."""

    pairing = models.OneToOneField(
        Pairing, on_delete=models.CASCADE, related_name="plan", verbose_name=_("pairing")
    )
    study = models.TextField(_("study"), blank=True)
    life = models.TextField(_("life"), blank=True)
    psychology = models.TextField(_("psychology"), blank=True)
    thought = models.TextField(_("thought guidance (思想引导)"), blank=True)
    academic = models.TextField(_("academic tutoring (学业辅导)"), blank=True)
    living = models.TextField(_("life guidance (生活指导)"), blank=True)
    counselling = models.TextField(_("psychological counselling (心理疏导)"), blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("mentoring plan")
        verbose_name_plural = _("mentoring plans")

    def __str__(self) -> str:
        return str(self.pairing)


class GrowthRecord(models.Model):
    """An entry of a special-attention student's growth record (成长档案)."""

    pairing = models.ForeignKey(
        Pairing, on_delete=models.PROTECT, related_name="growth_records", verbose_name=_("pairing")
    )
    date = models.DateField(_("date"))
    content = models.TextField(_("content"))
    written_by = models.ForeignKey(
        Staff, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("written by")
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("growth record")
        verbose_name_plural = _("growth records")
        ordering = ["-date", "-pk"]

    def __str__(self) -> str:
        return f"{self.pairing.student} {self.date}"


class TalkLog(models.Model):
    """A heart-to-heart talk (谈心) of a mentor with a mentee; one a week is expected."""

    pairing = models.ForeignKey(
        Pairing, on_delete=models.PROTECT, related_name="talks", verbose_name=_("pairing")
    )
    date = models.DateField(_("date"))
    # A heart-to-heart talk's topic (谈心主题), not a consultation meeting's (会商主题).
    topic = models.CharField(pgettext_lazy("talk", "topic"), max_length=100)
    content = models.TextField(_("what was said"))
    follow_up = models.TextField(pgettext_lazy("talk", "follow-up"), blank=True)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("talk log")
        verbose_name_plural = _("talk logs")
        ordering = ["-date", "-pk"]
        indexes = [
            # Compliance and to-dos: a pairing's talks within a week or a term.
            models.Index(fields=["pairing", "date"], name="talklog_pairing_date_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.pairing.student} {self.date} {self.topic}"


class ParentContact(models.Model):
    """A contact with a mentee's parents; one a month is expected."""

    class Method(models.TextChoices):
        PHONE = "phone", _("Phone")
        IN_PERSON = "in_person", _("In person")
        HOME_VISIT = "home_visit", _("Home visit")
        WECHAT = "wechat", _("WeChat")

    pairing = models.ForeignKey(
        Pairing, on_delete=models.PROTECT, related_name="parent_contacts", verbose_name=_("pairing")
    )
    date = models.DateField(_("date"))
    method = models.CharField(_("method"), max_length=12, choices=Method.choices)
    content = models.TextField(_("content"))
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("parent contact")
        verbose_name_plural = _("parent contacts")
        ordering = ["-date", "-pk"]
        indexes = [
            models.Index(fields=["pairing", "date"], name="parentcontact_pairing_date_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.pairing.student} {self.date} {self.get_method_display()}"


class MonthlySummary(models.Model):
    """The month's summary of a mentee's talks, drafted from them and edited by the mentor."""

    pairing = models.ForeignKey(
        Pairing, on_delete=models.PROTECT, related_name="summaries", verbose_name=_("pairing")
    )
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    text = models.TextField(_("summary"))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("monthly summary")
        verbose_name_plural = _("monthly summaries")
        ordering = ["-month"]
        constraints = [
            models.UniqueConstraint(fields=["pairing", "month"], name="monthlysummary_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.pairing.student} {self.month:%Y-%m}"


class Exchange(models.Model):
    """The weekly homeroom–mentor exchange on a class's students (or the class meeting)."""

    school_class = models.ForeignKey(
        SchoolClass,
        on_delete=models.PROTECT,
        related_name="mentor_exchanges",
        verbose_name=pgettext_lazy("school", "class"),
    )
    date = models.DateField(_("date"))
    held_as_class_meeting = models.BooleanField(_("held as the class meeting"), default=False)
    mentors = models.ManyToManyField(
        Staff, related_name="mentor_exchanges", blank=True, verbose_name=_("mentors present")
    )
    students = models.ManyToManyField(
        Student,
        related_name="mentor_exchanges",
        blank=True,
        verbose_name=pgettext_lazy("exchange", "students discussed"),
    )
    notes = models.TextField(_("notes"))
    recorded_by = models.ForeignKey(
        Staff, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("recorded by")
    )
    history = HistoricalRecords(m2m_fields=[students])

    class Meta:
        verbose_name = _("homeroom–mentor exchange")
        verbose_name_plural = _("homeroom–mentor exchanges")
        ordering = ["-date", "-pk"]

    def __str__(self) -> str:
        return f"{self.school_class} {self.date}"


class MentorSettings(models.Model):
    """The school's rules of the mentor system, kept by the academic office (one row)."""

    homeroom_teachers_mentor = models.BooleanField(
        _("homeroom teachers mentor students of other classes"),
        default=False,
        help_text=_(
            "The seeds: every subject teacher except the homeroom teacher mentors several "
            "students. Leave this off unless the school decides otherwise; turning it off ends "
            "the pairings of mentors who are homeroom teachers."
        ),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("mentor system settings")
        verbose_name_plural = _("mentor system settings")

    def __str__(self) -> str:
        return str(self._meta.verbose_name)


class EvaluationSettings(models.Model):
    """The four parties' weights and the pass threshold of a term, kept by the academic office."""

    term = models.OneToOneField(
        Term,
        on_delete=models.PROTECT,
        related_name="mentor_evaluation_settings",
        verbose_name=pgettext_lazy("school", "term"),
    )
    self_weight = models.PositiveSmallIntegerField(_("self (%)"), default=20)
    students_weight = models.PositiveSmallIntegerField(_("students (%)"), default=30)
    teachers_weight = models.PositiveSmallIntegerField(_("other teachers (%)"), default=20)
    school_weight = models.PositiveSmallIntegerField(_("school (%)"), default=30)
    threshold = models.DecimalField(
        _("threshold"),
        max_digits=5,
        decimal_places=1,
        default=Decimal("60.0"),
        help_text=_("A mentor whose total is below this is flagged."),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("evaluation settings")
        verbose_name_plural = _("evaluation settings")
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    self_weight__lte=100,
                    students_weight__lte=100,
                    teachers_weight__lte=100,
                    school_weight__lte=100,
                ),
                name="evaluationsettings_weights_le_100",
            ),
        ]

    def __str__(self) -> str:
        return str(self.term)

    @property
    def weights(self) -> tuple[int, int, int, int]:
        return (self.self_weight, self.students_weight, self.teachers_weight, self.school_weight)


class MentorEvaluation(models.Model):
    """A mentor's termly evaluation: self and school scores out of 100, and a flag.

    The students' part comes from ``StudentRating`` and the other teachers' part from
    ``TeacherRating`` (each the average of its ratings)."""

    term = models.ForeignKey(
        Term,
        on_delete=models.PROTECT,
        related_name="mentor_evaluations",
        verbose_name=pgettext_lazy("school", "term"),
    )
    mentor = models.ForeignKey(
        Staff, on_delete=models.PROTECT, related_name="mentor_evaluations", verbose_name=_("mentor")
    )
    self_score = models.DecimalField(
        _("self score"),
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    self_comment = models.TextField(_("self assessment"), blank=True)
    school_score = models.DecimalField(
        _("school's score"),
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    school_comment = models.TextField(_("school's comment"), blank=True)
    improve_by = models.DateField(_("improve by"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("mentor evaluation")
        verbose_name_plural = _("mentor evaluations")
        constraints = [
            models.UniqueConstraint(fields=["term", "mentor"], name="mentorevaluation_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.term} {self.mentor}"


class TeacherRating(models.Model):
    """Another teacher's rating of a mentor for a term (out of 100), with a comment.

    The raters are the teachers who work with one of the mentor's classes of the term (its
    homeroom teacher, its subject teachers, its grade head); the academic office may type in a
    rating in a teacher's name (``entered_by`` keeps who typed it). A rating without a rater
    is the single figure the academic office kept before teachers rated one by one.
    """

    term = models.ForeignKey(
        Term,
        on_delete=models.PROTECT,
        related_name="mentor_teacher_ratings",
        verbose_name=pgettext_lazy("school", "term"),
    )
    mentor = models.ForeignKey(
        Staff, on_delete=models.PROTECT, related_name="teacher_ratings", verbose_name=_("mentor")
    )
    rater = models.ForeignKey(
        Staff,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ratings_given",
        verbose_name=_("rated by"),
    )
    score = models.DecimalField(
        _("score"),
        max_digits=4,
        decimal_places=1,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    comment = models.TextField(_("comment"), blank=True)
    entered_by = models.ForeignKey(
        Staff,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("entered by"),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("teacher's rating")
        verbose_name_plural = _("teachers' ratings")
        constraints = [
            models.UniqueConstraint(
                fields=["term", "mentor", "rater"], name="teacherrating_unique"
            ),
            models.UniqueConstraint(
                fields=["term", "mentor"],
                condition=Q(rater__isnull=True),
                name="teacherrating_one_without_rater",
            ),
            models.CheckConstraint(condition=~Q(rater=F("mentor")), name="teacherrating_not_self"),
            models.CheckConstraint(
                condition=Q(score__gte=0, score__lte=100), name="teacherrating_score_0_100"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rater or '—'} → {self.mentor}：{self.score}"


class StudentRating(models.Model):
    """A mentee's questionnaire answer about their mentor (1-5), typed in or imported."""

    term = models.ForeignKey(
        Term,
        on_delete=models.PROTECT,
        related_name="mentor_ratings",
        verbose_name=pgettext_lazy("school", "term"),
    )
    student = models.ForeignKey(
        Student, on_delete=models.PROTECT, related_name="mentor_ratings", verbose_name=_("student")
    )
    mentor = models.ForeignKey(
        Staff, on_delete=models.PROTECT, related_name="student_ratings", verbose_name=_("mentor")
    )
    score = models.PositiveSmallIntegerField(
        _("score"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.CharField(_("comment"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("student's rating")
        verbose_name_plural = _("students' ratings")
        constraints = [
            models.UniqueConstraint(
                fields=["term", "student", "mentor"], name="studentrating_unique"
            ),
            models.CheckConstraint(
                condition=Q(score__gte=1, score__lte=5), name="studentrating_score_1_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.student} → {self.mentor}：{self.score}"


class MentorSummary(models.Model):
    """A mentor's summary of the month's talks with all their mentees (每月总结谈话情况记录
    汇总一次, seed 003), drafted from the talks and edited before filing; one a month. The
    per-mentee notes (``MonthlySummary``) stay beside it."""

    mentor = models.ForeignKey(
        Staff, on_delete=models.PROTECT, related_name="mentor_summaries", verbose_name=_("mentor")
    )
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    text = models.TextField(_("summary"))
    filed_at = models.DateTimeField(_("filed at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("mentor's monthly summary")
        verbose_name_plural = _("mentors' monthly summaries")
        ordering = ["-month", "mentor__staff_no"]
        constraints = [
            models.UniqueConstraint(fields=["mentor", "month"], name="mentorsummary_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.mentor} {self.month:%Y-%m}"


class Honour(models.Model):
    """A mentor or a mentee the academic office names for praise in a term (对成绩显著者给予
    表扬与奖励, seed 003): the term's honour list."""

    term = models.ForeignKey(
        Term,
        on_delete=models.PROTECT,
        related_name="mentor_honours",
        verbose_name=pgettext_lazy("school", "term"),
    )
    mentor = models.ForeignKey(
        Staff,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="mentor_honours",
        verbose_name=_("mentor"),
    )
    pairing = models.ForeignKey(
        Pairing,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="honours",
        verbose_name=_("mentee"),
    )
    reason = models.CharField(_("reason for praise"), max_length=200)
    named_by = models.ForeignKey(
        Staff,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("named by"),
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("honour")
        verbose_name_plural = _("honours")
        ordering = ["term", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(mentor__isnull=False, pairing__isnull=True)
                | Q(mentor__isnull=True, pairing__isnull=False),
                name="honour_mentor_or_mentee",
            ),
            models.UniqueConstraint(
                fields=["term", "mentor"],
                condition=Q(mentor__isnull=False),
                name="honour_one_per_mentor",
            ),
            models.UniqueConstraint(
                fields=["term", "pairing"],
                condition=Q(pairing__isnull=False),
                name="honour_one_per_mentee",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.term} {self.mentor or self.pairing}"


class TrainingSession(models.Model):
    """A training of the mentors or a check of their work (定期培训与检查, seed 003)."""

    class Kind(models.TextChoices):
        SEMINAR = "seminar", _("Seminar")
        EXPERT = "expert", _("Expert's talk")
        EXPERIENCE = "experience", _("Sharing of experience")
        VIDEO = "video", _("Watching a video")
        CHECK = "check", _("Check of the mentors' work")

    term = models.ForeignKey(
        Term,
        on_delete=models.PROTECT,
        related_name="mentor_trainings",
        verbose_name=pgettext_lazy("school", "term"),
    )
    date = models.DateField(_("date"))
    kind = models.CharField(_("form"), max_length=12, choices=Kind.choices)
    content = models.TextField(_("content"))
    attendees = models.ManyToManyField(
        Staff, related_name="mentor_trainings", blank=True, verbose_name=_("mentors present")
    )
    recorded_by = models.ForeignKey(
        Staff,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    history = HistoricalRecords(m2m_fields=[attendees])

    class Meta:
        verbose_name = _("training session")
        verbose_name_plural = _("training sessions")
        ordering = ["-date", "-pk"]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()}"


class MentorCheck(models.Model):
    """The findings of a check of one mentor's work (检查考评), at a session."""

    session = models.ForeignKey(
        TrainingSession,
        on_delete=models.PROTECT,
        related_name="checks",
        verbose_name=_("training session"),
    )
    mentor = models.ForeignKey(
        Staff, on_delete=models.PROTECT, related_name="mentor_checks", verbose_name=_("mentor")
    )
    findings = models.TextField(_("findings"))
    checked_by = models.ForeignKey(
        Staff,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("checked by"),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("check of a mentor")
        verbose_name_plural = _("checks of mentors")
        ordering = ["session", "mentor__staff_no"]
        constraints = [
            models.UniqueConstraint(fields=["session", "mentor"], name="mentorcheck_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.session} {self.mentor}"


def first_of_month(day: dt.date) -> dt.date:
    return day.replace(day=1)
