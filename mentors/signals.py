"""Pairings end by themselves when the roster says they no longer hold.

A change saved one row at a time (the admin) arrives through ``post_save`` / ``post_delete``
of the roster's models; the roster import writes in bulk and sends ``roster_changed`` once
its transaction has committed. Each receiver asks ``services.end_stale_pairings`` to look at
the pairings concerned.
"""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver
from django.utils import timezone

from mentors import services
from mentors.models import MentorSettings
from schoolops.models import SchoolClass, Staff, Student, TeachingAssignment
from schoolops.signals import roster_changed


@receiver(post_save, sender=Staff, dispatch_uid="mentors_staff_saved")
def staff_saved(sender, instance: Staff, created: bool, raw: bool = False, **kwargs) -> None:
    if not raw and not created and instance.status == Staff.Status.LEFT:
        services.end_stale_pairings(staff_ids=[instance.pk])


@receiver(post_save, sender=Student, dispatch_uid="mentors_student_saved")
def student_saved(sender, instance: Student, created: bool, raw: bool = False, **kwargs) -> None:
    if not raw and not created:
        services.end_stale_pairings(student_ids=[instance.pk])


@receiver(post_save, sender=SchoolClass, dispatch_uid="mentors_class_saved")
def class_saved(sender, instance: SchoolClass, created: bool, raw: bool = False, **kwargs) -> None:
    # A mentor made the class's homeroom teacher no longer mentors in it.
    if not raw and not created and instance.homeroom_teacher_id:
        services.end_stale_pairings(staff_ids=[instance.homeroom_teacher_id])


@receiver(pre_save, sender=TeachingAssignment, dispatch_uid="mentors_assignment_saving")
def assignment_saving(sender, instance: TeachingAssignment, raw: bool = False, **kwargs) -> None:
    """Remember whose class it was: a changed assignment may leave a teacher without it."""
    if raw or instance.pk is None:
        return
    instance._mentors_before = (
        TeachingAssignment.objects.filter(pk=instance.pk)
        .values_list("staff_id", "school_class_id")
        .first()
    )


@receiver(post_save, sender=TeachingAssignment, dispatch_uid="mentors_assignment_saved")
def assignment_saved(sender, instance: TeachingAssignment, raw: bool = False, **kwargs) -> None:
    before = getattr(instance, "_mentors_before", None)
    if raw or before is None:
        return
    staff_id, class_id = before
    if (staff_id, class_id) != (instance.staff_id, instance.school_class_id):
        services.end_stale_pairings(staff_ids=[staff_id])


@receiver(post_delete, sender=TeachingAssignment, dispatch_uid="mentors_assignment_deleted")
def assignment_deleted(sender, instance: TeachingAssignment, **kwargs) -> None:
    services.end_stale_pairings(staff_ids=[instance.staff_id])


@receiver(post_save, sender=MentorSettings, dispatch_uid="mentors_settings_saved")
def settings_saved(sender, instance: MentorSettings, raw: bool = False, **kwargs) -> None:
    """Homeroom teachers no longer mentor: their pairings in other classes end."""
    if raw or instance.homeroom_teachers_mentor:
        return
    homeroom = SchoolClass.objects.filter(
        academic_year__end_date__gte=timezone.localdate(), homeroom_teacher__isnull=False
    ).values_list("homeroom_teacher_id", flat=True)
    services.end_stale_pairings(staff_ids=list(homeroom))


@receiver(roster_changed, dispatch_uid="mentors_roster_changed")
def roster_import_changed(sender, staff_ids=(), student_ids=(), **kwargs) -> None:
    services.end_stale_pairings(staff_ids=staff_ids, student_ids=student_ids)
