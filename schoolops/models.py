"""The shared school structure: calendar, grades, classes, staff, students and exam results.

Everything the three programmes hang their records on lives here. Records that hang off a
student or a staff member use ``PROTECT``: people leave a school by a status change, never by
deletion, so that history survives.
"""

from __future__ import annotations

import datetime as dt
from functools import cached_property

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from simple_history.models import HistoricalRecords

from schoolops.calendar import monday_of


class Gender(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class Post(models.TextChoices):
    """A post (岗位) is a Django group; the value is the group's name as schools write it."""

    PRINCIPAL = "校长", _("Principal")
    VICE_PRINCIPAL = "副校长", _("Vice principal")
    ACADEMIC_OFFICE = "教导处", _("Academic office")
    GRADE_HEAD = "级部主任", _("Grade head")
    HOMEROOM = "班主任", _("Homeroom teacher")
    SUBJECT_TEACHER = "任课教师", _("Subject teacher")
    PSYCHOLOGY = "心理教师", _("Psychology teacher")
    OFFICE = "办公室", _("Office staff")

    @classmethod
    def school_wide(cls) -> tuple[str, ...]:
        """Posts whose scope is the whole school (the principal's office)."""
        return (cls.PRINCIPAL, cls.VICE_PRINCIPAL, cls.ACADEMIC_OFFICE)

    @classmethod
    def privileged(cls) -> frozenset[str]:
        """Posts that only the principal's office (``school_wide``) gives or takes away.

        Every post but 任课教师: the principal's office, 级部主任, 班主任 and 心理教师 read
        sensitive data, and 办公室 opens the admin and the whole roster. A subject teacher
        reaches a class only through a teaching assignment, which the roster keeps; the
        rule and its record are in ``schoolops.privileges``.
        """
        return frozenset(cls.values) - {cls.SUBJECT_TEACHER}


class School(models.Model):
    """The school this installation runs. One row; a district runs one database per school."""

    name = models.CharField(_("name"), max_length=100)
    address = models.CharField(_("address"), max_length=200, blank=True)
    retention_years = models.PositiveSmallIntegerField(
        _("years records are kept after a student leaves"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
        help_text=_(
            "After a student graduates or leaves, their sensitive records are kept this many "
            "years; then they are deleted and the rest anonymised "
            "(python manage.py purge_expired). The read log is kept at least 3 years."
        ),
    )

    class Meta:
        verbose_name = _("school")
        verbose_name_plural = _("school")

    def __str__(self) -> str:
        return self.name

    @classmethod
    def get(cls) -> School:
        """The school's record, or (before the office saves one in the admin) its defaults,
        unsaved: reading it never writes (a refused upload's page writes nothing)."""
        school = School.objects.order_by("pk").first()
        return school or School(name=settings.SCHOOL_NAME or str(_("Our school")))


class AcademicYearQuerySet(models.QuerySet):
    def on_day(self, day: dt.date) -> AcademicYearQuerySet:
        return self.filter(start_date__lte=day, end_date__gte=day)


class AcademicYear(models.Model):
    """A school year, e.g. 2026-2027, running from 1 September to the end of summer."""

    start_year = models.PositiveSmallIntegerField(_("starting year"), unique=True)
    start_date = models.DateField(_("first day"))
    end_date = models.DateField(_("last day"))

    objects = AcademicYearQuerySet.as_manager()

    class Meta:
        verbose_name = _("academic year")
        verbose_name_plural = _("academic years")
        ordering = ["-start_year"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gt=F("start_date")), name="academicyear_end_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.start_year}-{self.start_year + 1}"

    @property
    def name(self) -> str:
        return str(self)

    @classmethod
    def current(cls, day: dt.date | None = None) -> AcademicYear | None:
        """The year containing ``day`` (today by default), else the latest that has begun."""
        day = day or timezone.localdate()
        year = cls.objects.on_day(day).first()
        if year is None:
            year = cls.objects.filter(start_date__lte=day).order_by("-start_date").first()
        return year or cls.objects.order_by("start_date").first()


class TermQuerySet(models.QuerySet):
    def on_day(self, day: dt.date) -> TermQuerySet:
        return self.filter(start_date__lte=day, end_date__gte=day)


class Term(models.Model):
    """A term (学期) with numbered teaching weeks.

    Week 1 is the calendar week (Monday to Sunday) that holds the first day. Weeks marked as
    holidays are not teaching weeks and are not numbered, so the week after the National Day
    holiday keeps counting where the week before it stopped.
    """

    class Number(models.IntegerChoices):
        AUTUMN = 1, _("Autumn term")
        SPRING = 2, _("Spring term")

    academic_year = models.ForeignKey(
        AcademicYear,
        on_delete=models.PROTECT,
        related_name="terms",
        verbose_name=_("academic year"),
    )
    number = models.PositiveSmallIntegerField(
        pgettext_lazy("term", "number"), choices=Number.choices
    )
    start_date = models.DateField(_("first day"))
    end_date = models.DateField(_("last day"))

    objects = TermQuerySet.as_manager()

    class Meta:
        verbose_name = pgettext_lazy("school", "term")
        verbose_name_plural = pgettext_lazy("school", "terms")
        ordering = ["start_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["academic_year", "number"], name="term_unique_number_per_year"
            ),
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")), name="term_end_not_before_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.academic_year} {self.get_number_display()}"

    def clean(self) -> None:
        if self.start_date and self.end_date:
            if self.end_date < self.start_date:
                raise ValidationError({"end_date": _("The last day is before the first day.")})
            overlapping = Term.objects.filter(
                start_date__lte=self.end_date, end_date__gte=self.start_date
            ).exclude(pk=self.pk)
            if overlapping.exists():
                raise ValidationError(_("This term overlaps another term."))

    @classmethod
    def current(cls, day: dt.date | None = None) -> Term | None:
        """The term containing ``day``; in a vacation, the term that ended last."""
        day = day or timezone.localdate()
        term = cls.objects.select_related("academic_year").on_day(day).first()
        if term is None:
            term = (
                cls.objects.select_related("academic_year")
                .filter(start_date__lte=day)
                .order_by("-start_date")
                .first()
            )
        return term

    @cached_property
    def holiday_mondays(self) -> frozenset[dt.date]:
        return frozenset(self.holiday_weeks.values_list("monday", flat=True))

    def calendar_weeks(self) -> list[dt.date]:
        """Mondays of every calendar week the term touches, holidays included."""
        monday = monday_of(self.start_date)
        weeks = []
        while monday <= self.end_date:
            weeks.append(monday)
            monday += dt.timedelta(days=7)
        return weeks

    def teaching_weeks(self) -> list[TeachingWeek]:
        """The numbered teaching weeks, holiday weeks left out."""
        weeks: list[TeachingWeek] = []
        for monday in self.calendar_weeks():
            if monday not in self.holiday_mondays:
                weeks.append(TeachingWeek(self, len(weeks) + 1, monday))
        return weeks

    def week_number(self, day: dt.date) -> int | None:
        """The teaching week that holds ``day``; None outside the term or in a holiday week."""
        if not (self.start_date <= day <= self.end_date):
            return None
        monday = monday_of(day)
        if monday in self.holiday_mondays:
            return None
        first = monday_of(self.start_date)
        holidays_before = sum(1 for h in self.holiday_mondays if first <= h < monday)
        return (monday - first).days // 7 + 1 - holidays_before

    def week(self, number: int) -> TeachingWeek | None:
        weeks = self.teaching_weeks()
        return weeks[number - 1] if 1 <= number <= len(weeks) else None

    def week_of(self, day: dt.date) -> TeachingWeek | None:
        number = self.week_number(day)
        return None if number is None else TeachingWeek(self, number, monday_of(day))

    def months(self) -> list[dt.date]:
        """First days of the calendar months the term touches."""
        months = []
        month = self.start_date.replace(day=1)
        while month <= self.end_date:
            months.append(month)
            month = (month + dt.timedelta(days=32)).replace(day=1)
        return months


class TeachingWeek:
    """A numbered teaching week of a term (not stored: computed from the calendar)."""

    def __init__(self, term: Term, number: int, monday: dt.date) -> None:
        self.term = term
        self.number = number
        self.monday = monday

    @property
    def sunday(self) -> dt.date:
        return self.monday + dt.timedelta(days=6)

    @property
    def first_day(self) -> dt.date:
        return max(self.monday, self.term.start_date)

    @property
    def last_day(self) -> dt.date:
        return min(self.sunday, self.term.end_date)

    def __contains__(self, day: dt.date) -> bool:
        return self.first_day <= day <= self.last_day

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, TeachingWeek)
            and other.term.pk == self.term.pk
            and other.number == self.number
        )

    def __hash__(self) -> int:
        return hash((self.term.pk, self.number))

    def __str__(self) -> str:
        return str(_("Week %(number)s") % {"number": self.number})

    def __repr__(self) -> str:
        return f"<TeachingWeek {self.term} #{self.number} {self.monday}>"


class HolidayWeek(models.Model):
    """A calendar week of a term with no teaching (National Day, Spring Festival, exams off)."""

    term = models.ForeignKey(
        Term, on_delete=models.CASCADE, related_name="holiday_weeks", verbose_name=_("term")
    )
    monday = models.DateField(_("week starting"), help_text=_("Any day of the week will do."))
    note = models.CharField(_("note"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("holiday week")
        verbose_name_plural = _("holiday weeks")
        ordering = ["monday"]
        constraints = [
            models.UniqueConstraint(fields=["term", "monday"], name="holidayweek_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.monday:%Y-%m-%d} {self.note}".strip()

    def save(self, *args, **kwargs) -> None:
        self.monday = monday_of(self.monday)
        super().save(*args, **kwargs)


def stored_value(instance: models.Model, attname: str, update_fields=None):
    """The value ``attname`` has in the database before ``instance`` is saved (None if new)."""
    if instance._state.adding or instance.pk is None:
        return None
    if update_fields is not None and not {attname, attname.removesuffix("_id")} & set(
        update_fields
    ):
        return getattr(instance, attname)
    manager = type(instance)._base_manager
    return manager.filter(pk=instance.pk).values_list(attname, flat=True).first()


class GradeQuerySet(models.QuerySet):
    pass


class Grade(models.Model):
    """A grade (级部), e.g. 七年级. It persists from year to year; its classes change."""

    level = models.PositiveSmallIntegerField(
        _("level"), unique=True, help_text=_("1-6 primary, 7-9 junior middle, 10-12 senior.")
    )
    name = models.CharField(_("name"), max_length=20, unique=True)
    head = models.ForeignKey(
        "Staff",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="headed_grades",
        verbose_name=_("grade head"),
    )

    class Meta:
        verbose_name = _("grade")
        verbose_name_plural = _("grades")
        ordering = ["level"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        from schoolops import privileges

        old_head_id = stored_value(self, "head_id", kwargs.get("update_fields"))
        super().save(*args, **kwargs)
        if self.head_id != old_head_id:
            privileges.record([privileges.grade_head_change(self, old_head_id)])
        # Heading a grade is the 级部主任 post: the scope reads headed grades only for it.
        if self.head is not None:
            group, _created = Group.objects.get_or_create(name=Post.GRADE_HEAD)
            group.user_set.add(self.head.user_id)


class SchoolClassQuerySet(models.QuerySet):
    def for_year(self, year: AcademicYear | None) -> SchoolClassQuerySet:
        return self.filter(academic_year=year)

    def current(self) -> SchoolClassQuerySet:
        return self.for_year(AcademicYear.current())


class SchoolClass(models.Model):
    """A class (班级) of a grade in one academic year, with its homeroom teacher."""

    academic_year = models.ForeignKey(
        AcademicYear,
        on_delete=models.PROTECT,
        related_name="classes",
        verbose_name=_("academic year"),
    )
    grade = models.ForeignKey(
        Grade, on_delete=models.PROTECT, related_name="classes", verbose_name=_("grade")
    )
    number = models.PositiveSmallIntegerField(pgettext_lazy("class", "number"))
    homeroom_teacher = models.ForeignKey(
        "Staff",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="homeroom_classes",
        verbose_name=_("homeroom teacher"),
    )

    objects = SchoolClassQuerySet.as_manager()

    class Meta:
        verbose_name = pgettext_lazy("school", "class")
        verbose_name_plural = pgettext_lazy("school", "classes")
        permissions = [
            ("import_schoolclass", "Can import classes from a sheet"),
            ("export_schoolclass", "Can export classes to a sheet"),
        ]
        ordering = ["academic_year", "grade__level", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["academic_year", "grade", "number"], name="schoolclass_unique_per_year"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.grade.name}({self.number})班"

    def save(self, *args, **kwargs) -> None:
        from schoolops import privileges

        old_id = stored_value(self, "homeroom_teacher_id", kwargs.get("update_fields"))
        super().save(*args, **kwargs)
        if self.homeroom_teacher_id != old_id:
            privileges.record([privileges.homeroom_change(self, old_id, self.homeroom_teacher_id)])

    @property
    def short_name(self) -> str:
        return f"({self.number})班"


class Subject(models.Model):
    name = models.CharField(_("name"), max_length=20, unique=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("subject")
        verbose_name_plural = _("subjects")
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


class SubjectAlias(models.Model):
    """Another name of a subject in other systems' score sheets (道法 and 政治 for 道德与法治,
    生物学 for 生物), kept by the school in the admin; ``migrate`` seeds the common ones.

    The subject is named, not linked: the seeds exist before the school has subjects, and an
    alias of a subject the school does not teach is simply never used.
    """

    alias = models.CharField(
        _("name in a score sheet"),
        max_length=20,
        unique=True,
        help_text=_(
            "As a score sheet heads the column, without its full marks: 道法 for 道法（100）."
        ),
    )
    subject = models.CharField(
        _("subject"), max_length=20, help_text=_("The subject's name in this school.")
    )

    class Meta:
        verbose_name = _("subject alias")
        verbose_name_plural = _("subject aliases")
        ordering = ["subject", "alias"]

    def __str__(self) -> str:
        return f"{self.alias} → {self.subject}"

    def clean(self) -> None:
        from schoolops.sheets.parsers import normalize_header

        self.alias = normalize_header(self.alias)
        self.subject = normalize_header(self.subject)
        if self.alias == self.subject:
            raise ValidationError({"alias": _("An alias is another name than the subject's.")})
        if not Subject.objects.filter(name=self.subject).exists():
            raise ValidationError(
                {"subject": _("The school has no subject %(name)s.") % {"name": self.subject}}
            )


class ImportTemplate(models.Model):
    """A school's named column mapping for one import kind: which column of another system's
    file feeds which field, saved from the admin's check of such a file and offered on the
    upload page (``import_sheet KIND FILE --template NAME`` on the command line)."""

    kind = models.CharField(_("kind"), max_length=40)
    name = models.CharField(_("name"), max_length=100)
    # The file's column header (normalised) → the field's key; "" leaves the column out.
    mapping = models.JSONField(_("column mapping"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("import template")
        verbose_name_plural = _("import templates")
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "name"], name="importtemplate_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class StaffQuerySet(models.QuerySet):
    def active(self) -> StaffQuerySet:
        return self.filter(status=Staff.Status.ACTIVE)


class Staff(models.Model):
    """A member of staff: the profile of a login account (the username is the 工号)."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("In post")
        LEFT = "left", _("Left the school")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="staff",
        verbose_name=_("login account"),
    )
    staff_no = models.CharField(_("staff number"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=50)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices, blank=True)
    phone = models.CharField(_("mobile phone"), max_length=11, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    must_change_password = models.BooleanField(
        _("must change password"),
        default=False,
        help_text=_("Set for accounts made by the staff import until they choose a password."),
    )

    objects = StaffQuerySet.as_manager()

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")
        permissions = [
            ("import_staff", "Can import staff from a sheet"),
            ("export_staff", "Can export staff to a sheet"),
        ]
        ordering = ["staff_no"]

    def __str__(self) -> str:
        return self.name

    @cached_property
    def post_names(self) -> frozenset[str]:
        return frozenset(self.user.groups.values_list("name", flat=True))

    def has_post(self, *posts: str) -> bool:
        return bool(self.post_names.intersection(posts))


class TeachingAssignment(models.Model):
    """Who teaches which subject in which class (任课)."""

    staff = models.ForeignKey(
        Staff, on_delete=models.PROTECT, related_name="assignments", verbose_name=_("teacher")
    )
    school_class = models.ForeignKey(
        SchoolClass,
        on_delete=models.PROTECT,
        related_name="assignments",
        verbose_name=pgettext_lazy("school", "class"),
    )
    subject = models.ForeignKey(
        Subject, on_delete=models.PROTECT, related_name="assignments", verbose_name=_("subject")
    )

    class Meta:
        verbose_name = _("teaching assignment")
        verbose_name_plural = _("teaching assignments")
        permissions = [
            ("import_teachingassignment", "Can import teaching assignments from a sheet"),
            ("export_teachingassignment", "Can export teaching assignments to a sheet"),
        ]
        constraints = [
            # One teacher per subject per class.
            models.UniqueConstraint(
                fields=["school_class", "subject"], name="assignment_one_teacher_per_subject"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.school_class} {self.subject}：{self.staff}"


class StudentQuerySet(models.QuerySet):
    def in_school(self) -> StudentQuerySet:
        return self.filter(status=Student.Status.IN_SCHOOL)


class Student(models.Model):
    """A student. The 学籍号 is text: it has leading zeros and is never a number."""

    class Status(models.TextChoices):
        IN_SCHOOL = "in_school", _("In school")
        TRANSFERRED = "transferred", _("Transferred out")
        SUSPENDED = "suspended", _("Suspended schooling")
        GRADUATED = "graduated", _("Graduated")
        LEFT = "left", _("Left school")

    student_no = models.CharField(_("student number"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=50)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    school_class = models.ForeignKey(
        SchoolClass,
        on_delete=models.PROTECT,
        related_name="students",
        verbose_name=pgettext_lazy("school", "class"),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.IN_SCHOOL
    )
    guardian_name = models.CharField(_("guardian"), max_length=50, blank=True)
    # A mobile (11 digits) or a landline with its area code and extension (0571-88000008转123).
    guardian_phone = models.CharField(_("guardian's phone"), max_length=20, blank=True)
    left_on = models.DateField(
        _("left on"),
        null=True,
        blank=True,
        help_text=_("The day the student graduated or left; set when the status changes."),
    )
    anonymised_on = models.DateField(
        _("anonymised on"),
        null=True,
        blank=True,
        help_text=_("The day the retention purge deleted the records and anonymised the rest."),
    )

    # Every change of a student's record, the guardian's phone above all, with who and when.
    history = HistoricalRecords()

    objects = StudentQuerySet.as_manager()

    class Meta:
        verbose_name = _("student")
        verbose_name_plural = _("students")
        permissions = [
            ("import_student", "Can import students from a sheet"),
            ("export_student", "Can export students to a sheet"),
        ]
        ordering = ["student_no"]
        indexes = [
            # Class rosters: every class page lists its students in school.
            models.Index(fields=["school_class", "status"], name="student_class_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.student_no}）"

    def save(self, *args, **kwargs) -> None:
        left_on = self.left_on
        self.follow_status()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and self.left_on != left_on:
            kwargs["update_fields"] = {*update_fields, "left_on"}
        super().save(*args, **kwargs)

    def follow_status(self) -> None:
        """The leaving date follows the status (the retention period counts from it): none in
        school, the day the student left otherwise. ``save`` calls it; bulk writes must too."""
        if self.status == self.Status.IN_SCHOOL:
            self.left_on = None
        elif self.left_on is None:
            self.left_on = timezone.localdate()


class Exam(models.Model):
    """An exam sitting, e.g. 期中考试 on 2026-11-10."""

    name = models.CharField(_("name"), max_length=50)
    date = models.DateField(_("date"))

    class Meta:
        verbose_name = _("exam")
        verbose_name_plural = _("exams")
        ordering = ["-date", "name"]
        constraints = [
            models.UniqueConstraint(fields=["name", "date"], name="exam_unique_name_date"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.date:%Y-%m-%d}）"


class ExamResult(models.Model):
    student = models.ForeignKey(
        Student, on_delete=models.PROTECT, related_name="exam_results", verbose_name=_("student")
    )
    exam = models.ForeignKey(
        Exam, on_delete=models.PROTECT, related_name="results", verbose_name=_("exam")
    )
    subject = models.ForeignKey(
        Subject, on_delete=models.PROTECT, related_name="exam_results", verbose_name=_("subject")
    )
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=1)

    class Meta:
        verbose_name = _("exam result")
        verbose_name_plural = _("exam results")
        permissions = [
            ("import_examresult", "Can import exam results from a sheet"),
            ("export_examresult", "Can export exam results to a sheet"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["student", "exam", "subject"], name="examresult_unique"
            ),
            models.CheckConstraint(condition=Q(score__gte=0), name="examresult_score_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.student.name} {self.exam.name} {self.subject}：{self.score}"


class BackgroundRun(models.Model):
    """What an import and a big export have in common: a run of one sheet kind that may wait
    for a worker (``schoolops.tasks``), its progress and its outcome.

    ``heartbeat_at`` is set when the run is queued or starts, and every few seconds while it
    runs: a run queued or running without a sign of life for IMPORT_STALE_MINUTES lost its
    worker and is marked failed.
    """

    # Both kinds of run share these statuses while they are not over (their ``Status``).
    ACTIVE = ("queued", "running")
    # Declared by each kind of run, with its own choices and default.
    status: str
    created_at: dt.datetime

    kind = models.CharField(_("kind"), max_length=40)
    file_name = models.CharField(_("file name"), max_length=255)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    message = models.TextField(_("message"), blank=True)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    heartbeat_at = models.DateTimeField(_("last sign of life"), default=timezone.now)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.kind} {self.file_name} ({self.created_at:%Y-%m-%d %H:%M})"

    @property
    def finished(self) -> bool:
        return self.status not in self.ACTIVE


class ImportRecord(BackgroundRun):
    """One import of a sheet: who, when, which file, what it did (the import audit trail).

    Bulk writes bypass per-row history, so this record is what says who loaded a roster.
    A background import also keeps its progress here and its file until it has run.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to run")
        RUNNING = "running", _("Running")
        PREVIEWED = "previewed", _("Checked (dry run)")
        DONE = "done", _("Imported")
        REFUSED = "refused", _("Refused")
        FAILED = "failed", _("Failed")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="import_records",
        verbose_name=_("imported by"),
    )
    created_at = models.DateTimeField(_("started"), auto_now_add=True)
    dry_run = models.BooleanField(_("dry run"), default=False)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.RUNNING
    )
    new = models.PositiveIntegerField(_("new"), default=0)
    changed = models.PositiveIntegerField(_("changed"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    # The dry run's first rows and ignored columns, for the preview page.
    preview = models.JSONField(_("preview"), default=dict, blank=True)
    stored_file = models.CharField(
        _("stored file"),
        max_length=255,
        blank=True,
        help_text=_("The uploaded file in private storage while it waits to be imported."),
    )
    # What the importer chose (the kind's options, a column mapping, a template, the sheet):
    # the confirmation imports with the choices the check was made with (engine.ImportChoices).
    choices = models.JSONField(_("choices"), default=dict, blank=True)

    class Meta:
        verbose_name = _("import record")
        verbose_name_plural = _("import records")
        ordering = ["-created_at", "-pk"]


class ExportRecord(BackgroundRun):
    """A download too big to write within a request (``schoolops.exports``): who asked for
    which export kind with which options, its progress, and the file while it is kept.

    The file lives in private storage, is served only to the person who asked, and is removed
    with its record a day after it was asked for.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to run")
        RUNNING = "running", _("Running")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    # The kind's options as the page resolved them (``exports.encode_options``).
    options = models.JSONField(_("options"), default=dict, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="export_records",
        verbose_name=_("asked by"),
    )
    language = models.CharField(_("language"), max_length=10, blank=True)
    # The page that asked (its URL name), for the read log.
    page = models.CharField(_("page"), max_length=80, blank=True)
    created_at = models.DateTimeField(_("asked"), default=timezone.now, db_index=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    stored_file = models.CharField(_("stored file"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("export record")
        verbose_name_plural = _("export records")
        ordering = ["-created_at", "-pk"]


class SubmissionToken(models.Model):
    """The one-time token of a create form, claimed in the transaction that creates the
    record; the unique constraint lets one post of it create (``schoolops.submissions``)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    token = models.UUIDField(_("token"))
    url = models.CharField(_("sent to"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("form submission")
        verbose_name_plural = _("form submissions")
        constraints = [
            models.UniqueConstraint(fields=["user", "token"], name="submission_token_once"),
        ]

    def __str__(self) -> str:
        return f"{self.token} → {self.url}"


class PrivilegeChange(models.Model):
    """One change of who may reach sensitive data: a post given or taken away, a class's
    homeroom teacher, a grade's head, a password issued (the privilege audit trail).

    Written by ``schoolops.privileges`` whoever makes the change and however (the admin, an
    import, the command line, a service); never changed or deleted. The principal's office
    reads it in the admin.
    """

    class Kind(models.TextChoices):
        POST_ADDED = "post_added", _("Post given")
        POST_REMOVED = "post_removed", _("Post taken away")
        HOMEROOM = "homeroom", _("Homeroom teacher")
        GRADE_HEAD = "grade_head", _("Grade head")
        PASSWORD = "password", _("Password issued")

    class Source(models.TextChoices):
        ADMIN = "admin", _("Admin")
        IMPORT = "import", _("Import")
        COMMAND = "command", _("Command line")
        OTHER = "other", _("Other (a service, the demo data)")

    created_at = models.DateTimeField(_("when"), auto_now_add=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="privilege_changes_made",
        verbose_name=_("changed by"),
    )
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="privilege_changes",
        verbose_name=_("account"),
    )
    whose = models.CharField(_("whose"), max_length=100)
    kind = models.CharField(_("change"), max_length=20, choices=Kind.choices)
    what = models.CharField(_("what"), max_length=100, blank=True)
    before = models.CharField(_("before"), max_length=100, blank=True)
    after = models.CharField(_("after"), max_length=100, blank=True)
    source = models.CharField(
        pgettext_lazy("privilege change", "source"), max_length=10, choices=Source.choices
    )

    class Meta:
        verbose_name = _("privilege change")
        verbose_name_plural = _("privilege changes")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.whose} {self.get_kind_display()} {self.what}".strip()


# Minors' personal information (个人信息保护法, 未成年人学校保护规定): the read log, the
# retention purge's records and guardians' requests. See ``schoolops.privacy``.


class ReadLog(models.Model):
    """One read of a student's sensitive data: who, when, which page or export, which parts.

    Written through ``privacy.log_read`` by every page and export that shows a registered
    field; a class page writes one row per student shown (in one query). Kept at least
    ``KEEP_YEARS``; the principal's office reviews it (``schoolops:read_log``).
    """

    KEEP_YEARS = 3

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("read by"),
        help_text=_("Empty: a command run on the server."),
    )
    student = models.ForeignKey(
        Student, on_delete=models.PROTECT, related_name="+", verbose_name=_("student")
    )
    at = models.DateTimeField(_("read at"), default=timezone.now)
    what = models.CharField(
        _("page or export"), max_length=80, help_text=_("The page's or export's name.")
    )
    path = models.CharField(_("address"), max_length=200, blank=True)
    categories = models.CharField(
        _("parts read"), max_length=100, help_text=_("The register's categories, comma-separated.")
    )

    class Meta:
        verbose_name = _("read log entry")
        verbose_name_plural = _("read log")
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["at"], name="readlog_at_idx"),
            models.Index(fields=["student", "at"], name="readlog_student_idx"),
            models.Index(fields=["user", "at"], name="readlog_user_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.what} {self.student_id}"

    @property
    def category_list(self) -> list[str]:
        return [c for c in self.categories.split(",") if c]

    def category_labels(self) -> list[str]:
        from schoolops.privacy import Category

        labels = dict(Category.choices)
        return [str(labels.get(c, c)) for c in self.category_list]


class PurgeRecord(models.Model):
    """One run of the retention purge (``purge_expired``): when, who, how much, of whom."""

    at = models.DateTimeField(_("run at"), default=timezone.now)
    run_by = models.CharField(
        _("run by"), max_length=100, help_text=_("The command and the account that ran it.")
    )
    left_before = models.DateField(
        _("students who left before"), help_text=_("The retention period's cut-off day.")
    )
    students = models.PositiveIntegerField(_("students anonymised"), default=0)
    counts = models.JSONField(_("records deleted or anonymised"), default=dict, blank=True)

    class Meta:
        verbose_name = _("retention purge")
        verbose_name_plural = _("retention purges")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.run_by}"


class GuardianRequest(models.Model):
    """A guardian's request about the data held on their child (查阅, 更正, 删除) and its outcome."""

    class Kind(models.TextChoices):
        ACCESS = "access", _("Access (查阅)")
        CORRECTION = "correction", _("Correction (更正)")
        DELETION = "deletion", _("Deletion (删除)")

    student = models.ForeignKey(
        Student,
        on_delete=models.PROTECT,
        related_name="guardian_requests",
        verbose_name=_("student"),
    )
    requested_on = models.DateField(_("requested on"), default=timezone.localdate)
    requested_by = models.CharField(_("requested by"), max_length=50, blank=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    asked = models.TextField(_("what was asked"))
    outcome = models.TextField(_("outcome"), blank=True)
    decided_by = models.ForeignKey(
        Staff,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_on = models.DateField(_("decided on"), null=True, blank=True)

    class Meta:
        verbose_name = _("guardian's request")
        verbose_name_plural = _("guardians' requests")
        ordering = ["-requested_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.requested_on:%Y-%m-%d} {self.get_kind_display()}"

    @property
    def decided(self) -> bool:
        return self.decided_on is not None


# The term-end evaluation (优秀班级 / 优秀级部 / 优秀教师 / 优秀小组 / 优秀家庭·优秀家长): the parts
# come from the apps through the registry (``TermContribution``), ``schoolops.evaluation``
# weighs and ranks them; the academic office keeps the weights, nominates and publishes.


class EvaluationLevel(models.TextChoices):
    CLASS = "class", pgettext_lazy("evaluation level", "Class")
    TEACHER = "teacher", pgettext_lazy("evaluation level", "Teacher")
    GRADE = "grade", pgettext_lazy("evaluation level", "Grade")


class EvaluationWeight(models.Model):
    """The academic office's weight of one part of the term-end evaluation (a registered
    ``TermContribution`` by its key); a part without a row weighs its default."""

    level = models.CharField(
        pgettext_lazy("evaluation", "level"), max_length=10, choices=EvaluationLevel.choices
    )
    key = models.CharField(pgettext_lazy("evaluation", "part"), max_length=60)
    weight = models.DecimalField(
        _("weight"),
        max_digits=4,
        decimal_places=1,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("evaluation weight")
        verbose_name_plural = _("evaluation weights")
        ordering = ["level", "key"]
        constraints = [
            models.UniqueConstraint(fields=["level", "key"], name="evaluationweight_unique"),
            models.CheckConstraint(
                condition=Q(weight__gte=0) & Q(weight__lte=100), name="evaluationweight_0_100"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_level_display()} {self.key}：{self.weight}"


class AwardCategory(models.TextChoices):
    CLASS = "class", _("Outstanding class")
    GRADE = "grade", _("Outstanding grade")
    TEACHER = "teacher", _("Outstanding teacher")
    GROUP = "group", _("Outstanding group")
    FAMILY = "family", _("Outstanding family")
    PARENT = "parent", _("Outstanding parent")


class AwardNomination(models.Model):
    """One nomination of the term: a class, a grade, a teacher, a study-help group (named by
    the groups app's candidate ``ref``) or a student's family or parent (nominated by the
    class's homeroom teacher), with the reason; selected or withdrawn, never deleted."""

    class Status(models.TextChoices):
        NOMINATED = "nominated", _("Nominated")
        SELECTED = "selected", _("Selected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    term = models.ForeignKey(
        Term,
        on_delete=models.PROTECT,
        related_name="award_nominations",
        verbose_name=pgettext_lazy("school", "term"),
    )
    category = models.CharField(_("award"), max_length=10, choices=AwardCategory.choices)
    school_class = models.ForeignKey(
        SchoolClass,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="award_nominations",
        verbose_name=pgettext_lazy("school", "class"),
    )
    grade = models.ForeignKey(
        Grade,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="award_nominations",
        verbose_name=_("grade"),
    )
    staff = models.ForeignKey(
        Staff,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="award_nominations",
        verbose_name=_("teacher"),
    )
    student = models.ForeignKey(
        Student,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="award_nominations",
        verbose_name=_("student"),
    )
    ref = models.CharField(_("candidate"), max_length=60, blank=True)
    name = models.CharField(_("name"), max_length=100)
    reason = models.TextField(_("reason"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.NOMINATED
    )
    nominated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("nominated by"),
    )
    nominated_at = models.DateTimeField(_("nominated at"), default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("award nomination")
        verbose_name_plural = _("award nominations")
        ordering = ["term", "category", "pk"]
        indexes = [models.Index(fields=["term", "category"], name="nomination_term_cat_idx")]

    def __str__(self) -> str:
        return f"{self.get_category_display()} {self.name}"


class AwardPublication(models.Model):
    """The term's selections of one award, published by the academic office: from then on
    its nominations are fixed and every member of staff reads the list."""

    term = models.ForeignKey(
        Term,
        on_delete=models.PROTECT,
        related_name="award_publications",
        verbose_name=pgettext_lazy("school", "term"),
    )
    category = models.CharField(_("award"), max_length=10, choices=AwardCategory.choices)
    published_at = models.DateTimeField(_("published at"), default=timezone.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("published by"),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("published award")
        verbose_name_plural = _("published awards")
        ordering = ["term", "category"]
        constraints = [
            models.UniqueConstraint(fields=["term", "category"], name="awardpublication_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.term} {self.get_category_display()}"


class EvaluationSnapshot(models.Model):
    """The term-end evaluation as the academic office built it (``schoolops.evaluation``):
    the figures, weights, totals and ranks of every class, teacher and grade, read by the
    pages in one query. Each build adds a row; the latest of a term is shown."""

    term = models.ForeignKey(
        Term,
        on_delete=models.PROTECT,
        related_name="evaluation_snapshots",
        verbose_name=pgettext_lazy("school", "term"),
    )
    built_at = models.DateTimeField(_("built at"), default=timezone.now)
    built_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("built by"),
    )
    data = models.JSONField(_("figures"), default=dict)

    class Meta:
        verbose_name = _("term evaluation")
        verbose_name_plural = _("term evaluations")
        ordering = ["-built_at", "-pk"]
        indexes = [models.Index(fields=["term", "-built_at"], name="evalsnapshot_term_idx")]

    def __str__(self) -> str:
        return f"{self.term} {self.built_at:%Y-%m-%d %H:%M}"
