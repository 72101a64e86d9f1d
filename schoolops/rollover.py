"""Year rollover: promote every class to the next grade and graduate the top grade.

Run once a year, after the last term of the school year has begun (usually in July or
August), from ``python manage.py rollover_year`` or the admin action on academic years.
Nothing is deleted: last year's classes stay with their records (groups, ledgers, pairings
hang off them), new ``SchoolClass`` rows are made for the new year with the same number,
homeroom teacher and teaching assignments, the students in school move to them, and the
students of the top grade are marked graduated. The academic office then adjusts the new
year's calendar, homeroom teachers and assignments, and imports the new intake.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from schoolops.models import AcademicYear, Grade, SchoolClass, Student, TeachingAssignment
from schoolops.services import ensure_calendar


@dataclass
class Promotion:
    school_class: SchoolClass
    to_grade: Grade
    students: int
    assignments: int


@dataclass
class Graduation:
    school_class: SchoolClass
    students: int


@dataclass
class RolloverPlan:
    from_year: AcademicYear
    to_start_year: int
    promotions: list[Promotion] = field(default_factory=list)
    graduations: list[Graduation] = field(default_factory=list)

    @property
    def to_year_name(self) -> str:
        return f"{self.to_start_year}-{self.to_start_year + 1}"

    @property
    def promoted_students(self) -> int:
        return sum(p.students for p in self.promotions)

    @property
    def graduated_students(self) -> int:
        return sum(g.students for g in self.graduations)

    def lines(self) -> list[str]:
        """The plan in words, one line per class."""
        lines = [
            _("Roll over from %(from)s to %(to)s:")
            % {"from": self.from_year, "to": self.to_year_name}
        ]
        for p in self.promotions:
            lines.append(
                _(
                    "  %(cls)s → %(grade)s(%(number)s)班: %(students)d students, %(assignments)d teaching assignments"
                )
                % {
                    "cls": p.school_class,
                    "grade": p.to_grade.name,
                    "number": p.school_class.number,
                    "students": p.students,
                    "assignments": p.assignments,
                }
            )
        for g in self.graduations:
            lines.append(
                _("  %(cls)s: %(students)d students graduate")
                % {"cls": g.school_class, "students": g.students}
            )
        return lines

    def summary(self) -> str:
        return _(
            "%(from)s → %(to)s: %(classes)d classes promoted with %(promoted)d students, "
            "%(graduated)d students graduated."
        ) % {
            "from": self.from_year,
            "to": self.to_year_name,
            "classes": len(self.promotions),
            "promoted": self.promoted_students,
            "graduated": self.graduated_students,
        }


def default_from_year(today: dt.date | None = None) -> AcademicYear:
    """The latest school year that has begun and has classes."""
    today = today or timezone.localdate()
    year = (
        AcademicYear.objects.filter(start_date__lte=today, classes__isnull=False)
        .distinct()
        .order_by("-start_year")
        .first()
    )
    if year is None:
        raise ValidationError(_("There are no classes to roll over."))
    return year


def plan_rollover(
    from_year: AcademicYear | None = None, today: dt.date | None = None
) -> RolloverPlan:
    """What a rollover would do; raises ValidationError when it must not run."""
    today = today or timezone.localdate()
    from_year = from_year or default_from_year(today)
    to_start = from_year.start_year + 1
    if SchoolClass.objects.filter(academic_year__start_year=to_start).exists():
        raise ValidationError(
            _(
                "%(from)s has already been rolled over: %(to)s-%(after)s has classes. "
                "Nothing was changed."
            )
            % {"from": from_year, "to": to_start, "after": to_start + 1}
        )
    last_term = from_year.terms.order_by("-start_date").first()
    if last_term is not None and today < last_term.start_date:
        previous = from_year.start_year - 1
        if SchoolClass.objects.filter(academic_year__start_year=previous).exists():
            raise ValidationError(
                _(
                    "%(from)s-%(to)s has already been rolled over into %(year)s. "
                    "Nothing was changed."
                )
                % {"from": previous, "to": previous + 1, "year": from_year}
            )
        raise ValidationError(
            _(
                "%(year)s is not over yet: a rollover can run once its last term has begun "
                "(%(date)s). Nothing was changed."
            )
            % {"year": from_year, "date": last_term.start_date.isoformat()}
        )
    grades = {grade.level: grade for grade in Grade.objects.all()}
    top_level = max(grades) if grades else None
    classes = list(
        SchoolClass.objects.filter(academic_year=from_year)
        .select_related("grade", "academic_year", "homeroom_teacher")
        .annotate(
            in_school=Count(
                "students", filter=Q(students__status=Student.Status.IN_SCHOOL), distinct=True
            ),
            assignment_count=Count("assignments", distinct=True),
        )
        .order_by("-grade__level", "number")
    )
    plan = RolloverPlan(from_year=from_year, to_start_year=to_start)
    for school_class in classes:
        level = school_class.grade.level
        if level == top_level:
            plan.graduations.append(Graduation(school_class, school_class.in_school))
        elif level + 1 in grades:
            plan.promotions.append(
                Promotion(
                    school_class,
                    grades[level + 1],
                    school_class.in_school,
                    school_class.assignment_count,
                )
            )
        else:
            raise ValidationError(
                _(
                    "%(cls)s cannot be promoted: there is no grade of level %(level)d. Add it in "
                    "the admin first. Nothing was changed."
                )
                % {"cls": school_class, "level": level + 1}
            )
    return plan


@transaction.atomic
def apply_rollover(plan: RolloverPlan) -> AcademicYear:
    """Carry out a plan from ``plan_rollover``; all or nothing."""
    # Lock the old year's row so that two rollovers started together run one after the other,
    # and check again inside the lock.
    AcademicYear.objects.select_for_update().filter(pk=plan.from_year.pk).first()
    if SchoolClass.objects.filter(academic_year__start_year=plan.to_start_year).exists():
        raise ValidationError(
            _("%(from)s has already been rolled over. Nothing was changed.")
            % {"from": plan.from_year}
        )
    to_year = ensure_calendar(dt.date(plan.to_start_year, 9, 1))
    new_classes = SchoolClass.objects.bulk_create(
        SchoolClass(
            academic_year=to_year,
            grade=p.to_grade,
            number=p.school_class.number,
            homeroom_teacher=p.school_class.homeroom_teacher,
        )
        for p in plan.promotions
    )
    if any(c.pk is None for c in new_classes):
        by_key = {
            (c.grade_id, c.number): c for c in SchoolClass.objects.filter(academic_year=to_year)
        }
        new_classes = [by_key[(p.to_grade.pk, p.school_class.number)] for p in plan.promotions]
    new_of_old = {
        p.school_class.pk: new for p, new in zip(plan.promotions, new_classes, strict=True)
    }
    TeachingAssignment.objects.bulk_create(
        TeachingAssignment(
            staff_id=a.staff_id, school_class=new_of_old[a.school_class_id], subject_id=a.subject_id
        )
        for a in TeachingAssignment.objects.filter(school_class_id__in=new_of_old)
    )
    for old_pk, new in new_of_old.items():
        Student.objects.filter(school_class_id=old_pk, status=Student.Status.IN_SCHOOL).update(
            school_class=new
        )
    Student.objects.filter(
        school_class__in=[g.school_class for g in plan.graduations],
        status=Student.Status.IN_SCHOOL,
    ).update(status=Student.Status.GRADUATED, left_on=plan.from_year.end_date)
    return to_year


def rollover(
    from_year: AcademicYear | None = None, *, dry_run: bool = False, today: dt.date | None = None
) -> RolloverPlan:
    """Plan and (unless ``dry_run``) apply the rollover; raises ValidationError if refused."""
    plan = plan_rollover(from_year, today)
    if not dry_run:
        apply_rollover(plan)
    return plan


@admin.action(
    description=gettext_lazy(
        "Roll over to the next school year (promote classes, graduate the top grade)"
    ),
    permissions=["change"],
)
def rollover_action(modeladmin, request, queryset) -> None:
    years = list(queryset)
    if len(years) != 1:
        modeladmin.message_user(
            request, _("Choose exactly one school year to roll over."), messages.ERROR
        )
        return
    try:
        plan = rollover(years[0])
    except ValidationError as error:
        modeladmin.message_user(request, " ".join(error.messages), messages.ERROR)
        return
    modeladmin.message_user(request, plan.summary(), messages.SUCCESS)
