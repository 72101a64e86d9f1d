"""The term's awards: nominations with a reason, the selection and its publication.

The academic office (教导处) nominates classes, grades, teachers and study-help groups from
the term-end evaluation (``schoolops.evaluation``) and the apps' candidates; a homeroom
teacher nominates a family or a parent of a student of their class (优秀家庭 / 优秀家长). The
academic office selects among the nominations and publishes each award; a published award is
fixed. Nothing is deleted: a nomination is withdrawn.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from schoolops.models import (
    AwardCategory,
    AwardNomination,
    AwardPublication,
    Grade,
    SchoolClass,
    Staff,
    Student,
    Term,
)
from schoolops.registry import registry

# The awards the academic office nominates, and those the homeroom teachers nominate.
OFFICE_AWARDS = (
    AwardCategory.CLASS,
    AwardCategory.GRADE,
    AwardCategory.TEACHER,
    AwardCategory.GROUP,
)
FAMILY_AWARDS = (AwardCategory.FAMILY, AwardCategory.PARENT)
Status = AwardNomination.Status


def published_categories(term: Term) -> set[str]:
    return set(AwardPublication.objects.filter(term=term).values_list("category", flat=True))


def _refuse_if_published(term: Term, category: str) -> None:
    if AwardPublication.objects.filter(term=term, category=category).exists():
        raise ValidationError(
            _("%(award)s of this term is already published: it can no longer change.")
            % {"award": AwardCategory(category).label}
        )


def _subject(category: str, target: Any) -> dict[str, Any]:
    """The nomination's fields naming what is nominated, and its name."""
    if category == AwardCategory.CLASS:
        return {"school_class": target, "name": str(target)}
    if category == AwardCategory.GRADE:
        return {"grade": target, "name": target.name}
    if category == AwardCategory.TEACHER:
        return {"staff": target, "name": target.name}
    if category == AwardCategory.GROUP:
        return {"ref": target.ref, "school_class_id": target.school_class_id, "name": target.name}
    return {"student": target, "school_class_id": target.school_class_id, "name": target.name}


def _same(term: Term, category: str, fields: dict[str, Any]) -> QuerySet[AwardNomination]:
    keys = {k: v for k, v in fields.items() if k in ("school_class", "grade", "staff", "student")}
    if "ref" in fields:
        keys = {"ref": fields["ref"]}
    return AwardNomination.objects.filter(term=term, category=category, **keys).exclude(
        status=Status.WITHDRAWN
    )


@transaction.atomic
def nominate(term: Term, category: str, target: Any, reason: str, *, user: Any) -> AwardNomination:
    """Nominate a class, grade, teacher, group candidate (``AwardCandidate``) or student (a
    family or parent award) for the term's award, with the reason."""
    _refuse_if_published(term, category)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Say why you nominate them."))
    fields = _subject(category, target)
    if _same(term, category, fields).exists():
        raise ValidationError(
            _("%(name)s is already nominated for %(award)s this term.")
            % {"name": fields["name"], "award": AwardCategory(category).label}
        )
    return AwardNomination.objects.create(
        term=term, category=category, reason=reason, nominated_by=user, **fields
    )


@transaction.atomic
def set_status(nomination: AwardNomination, status: str) -> AwardNomination:
    """Select, unselect (back to nominated) or withdraw a nomination of an unpublished award."""
    _refuse_if_published(nomination.term, nomination.category)
    if status not in Status.values:
        raise ValidationError(_("Unknown choice."))
    nomination.status = status
    nomination.save(update_fields=["status"])
    return nomination


@transaction.atomic
def publish(term: Term, category: str, *, user: Any) -> AwardPublication:
    """Publish the award's selections of the term (at least one selected)."""
    _refuse_if_published(term, category)
    if not AwardNomination.objects.filter(
        term=term, category=category, status=Status.SELECTED
    ).exists():
        raise ValidationError(
            _("Select at least one nomination for %(award)s before publishing.")
            % {"award": AwardCategory(category).label}
        )
    return AwardPublication.objects.create(term=term, category=category, published_by=user)


def nominations(term: Term) -> QuerySet[AwardNomination]:
    """The term's nominations with what they name (one query)."""
    return (
        AwardNomination.objects.filter(term=term)
        .select_related("school_class__grade", "grade", "staff", "student", "nominated_by__staff")
        .order_by("category", "pk")
    )


def published(term: Term) -> dict[str, list[AwardNomination]]:
    """The published selections of the term by award, in the awards' order (one query)."""
    chosen = nominations(term).filter(
        status=Status.SELECTED,
        category__in=AwardPublication.objects.filter(term=term).values("category"),
    )
    by_category: dict[str, list[AwardNomination]] = {c: [] for c in AwardCategory.values}
    for nomination in chosen:
        by_category[nomination.category].append(nomination)
    return {c: rows for c, rows in by_category.items() if rows}


def family_nominations_of(term: Term, class_ids: Any) -> QuerySet[AwardNomination]:
    """The family and parent nominations of students of these classes."""
    return nominations(term).filter(Q(category__in=FAMILY_AWARDS), school_class__in=class_ids)


def office_targets(term: Term, category: str, pk: int) -> Any:
    """What the academic office nominates for an award, by id (None: not one of them)."""
    year = term.academic_year_id
    if category == AwardCategory.CLASS:
        return SchoolClass.objects.filter(academic_year=year, pk=pk).first()
    if category == AwardCategory.GRADE:
        return Grade.objects.filter(classes__academic_year=year, pk=pk).distinct().first()
    if category == AwardCategory.TEACHER:
        return Staff.objects.active().filter(pk=pk).first()
    return None


def group_candidate(term: Term, ref: str) -> Any:
    """The apps' candidate for 优秀小组 with this ref (None: not a candidate)."""
    return next(
        (c for c in registry.candidates_for(term, AwardCategory.GROUP) if c.ref == ref), None
    )


def class_student(school_class: SchoolClass, pk: int) -> Student | None:
    return school_class.students.in_school().filter(pk=pk).first()
