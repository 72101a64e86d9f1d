"""Shared notes and materials (学习笔记共享／学习资料共享), the class's showcase (学习成果展示)
and the questions a group passes up (group leader → the class's 科代表 → the subject
teacher): the writes and the reads of these pages.

An upload is checked by its content (``schoolops.filetypes.sniff``: PDF, images, Word, Excel,
PowerPoint), refused past the size cap (``GROUPS_MATERIAL_MAX_BYTES``, 10 MB) or past the
class's storage quota (``GROUPS_CLASS_QUOTA_BYTES``, 500 MB), and kept in private storage
under a name of its own; the name the person gave is kept, cleaned, for the download.
"""

from __future__ import annotations

import uuid
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, QuerySet, Sum
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from schoolops.filetypes import sniff
from schoolops.models import SchoolClass, Staff, Student, Subject, TeachingAssignment, Term

from .models import Material, Question, StudyGroup, SubjectRep

MB = 1024 * 1024


def max_bytes() -> int:
    return int(getattr(settings, "GROUPS_MATERIAL_MAX_BYTES", 10 * MB))


def quota_bytes() -> int:
    return int(getattr(settings, "GROUPS_CLASS_QUOTA_BYTES", 500 * MB))


def megabytes(size: int) -> str:
    return f"{size / MB:.1f}".removesuffix(".0")


def clean_name(name: str, extension: str) -> str:
    """The name the person gave, without folders or odd characters, ending in the extension
    its content has (``作业.pdf.exe`` of a PDF becomes ``作业.pdf.pdf``, never ``.exe``)."""
    stem = PurePath(name.replace("\\", "/")).name.rsplit(".", 1)[0] if name else ""
    try:
        stem = get_valid_filename(stem)[:80]
    except Exception:
        stem = ""
    return f"{stem or 'file'}.{extension}"


def class_usage(school_class: SchoolClass) -> int:
    """The bytes the class's materials take (one query)."""
    return (
        Material.objects.filter(school_class=school_class).aggregate(total=Sum("size"))["total"]
        or 0
    )


@transaction.atomic
def add_material(
    *,
    group: StudyGroup,
    upload: Any,
    title: str,
    kind: str,
    subject: Subject | None,
    note: str,
    by: Staff,
    terminal: Any = None,
    student: Student | None = None,
) -> Material:
    """Keep a group's shared file: refused with a reason past the size cap, past the class's
    quota, or when its content is not a PDF, an image or an Office document."""
    limit = max_bytes()
    too_big = _("The file is larger than %(limit)s MB. Choose a smaller one.") % {
        "limit": megabytes(limit)
    }
    if upload.size is None or upload.size > limit:
        raise ValidationError(too_big)
    upload.seek(0)
    data = upload.read(limit + 1)
    if len(data) > limit or len(data) != upload.size:
        raise ValidationError(too_big)
    if not data:
        raise ValidationError(_("The file is empty."))
    found = sniff(data)
    if found is None:
        raise ValidationError(
            _(
                "Only PDF files, images (JPEG, PNG, GIF, WebP) and Word, Excel or PowerPoint "
                "documents can be shared; this file is none of them, whatever its name."
            )
        )
    school_class = group.school_class
    # One class's uploads at a time: the quota is checked against what is stored.
    SchoolClass.objects.select_for_update().filter(pk=school_class.pk).first()
    used = class_usage(school_class)
    if used + len(data) > quota_bytes():
        raise ValidationError(
            _(
                "The class's shared files would take more than its %(quota)s MB "
                "(%(used)s MB used). Ask the homeroom teacher to remove old files."
            )
            % {"quota": megabytes(quota_bytes()), "used": megabytes(used)}
        )
    material = Material(
        term=group.term,
        school_class=school_class,
        group=group,
        subject=subject,
        kind=kind,
        title=title,
        note=note,
        file_name=clean_name(getattr(upload, "name", "") or "", found.extension),
        content_type=found.content_type,
        size=len(data),
        uploaded_by=by,
        terminal=terminal,
        recorded_by_student=student,
    )
    material.file.save(f"{uuid.uuid4().hex}.{found.extension}", ContentFile(data), save=False)
    material.save()
    return material


@transaction.atomic
def remove_material(material: Material) -> None:
    """Remove a shared file (its stored file and its row; the row's history keeps who shared
    what and when), freeing the class's storage."""
    stored = material.file.name
    storage = material.file.storage
    material.delete()
    transaction.on_commit(lambda: storage.delete(stored))


def set_showcase(material: Material, showcased: bool) -> Material:
    material.showcased = showcased
    material.showcased_at = timezone.now() if showcased else None
    material.save(update_fields=["showcased", "showcased_at"])
    return material


def class_materials(school_class: SchoolClass, term: Term) -> list[Material]:
    """The class's shared files of the term, newest first (one query, whatever their number)."""
    return list(
        Material.objects.filter(school_class=school_class, term=term)
        .select_related("group", "subject", "uploaded_by")
        .order_by("-uploaded_at", "-pk")
    )


def showcase(school_class: SchoolClass, term: Term) -> list[Material]:
    return list(
        Material.objects.filter(school_class=school_class, term=term, showcased=True)
        .select_related("group", "subject")
        .order_by("group__number", "-showcased_at")
    )


def term_groups(school_class: SchoolClass, term: Term) -> QuerySet[StudyGroup]:
    return StudyGroup.objects.active().filter(school_class=school_class, term=term)


def class_pupils(school_class: SchoolClass, term: Term) -> QuerySet[Student]:
    """The students in the class's running groups of the term (the terminal's class list)."""
    return Student.objects.filter(
        group_memberships__group__in=term_groups(school_class, term),
        group_memberships__left_at__isnull=True,
    ).order_by("student_no")


def class_subjects(school_class: SchoolClass) -> QuerySet[Subject]:
    """The subjects taught in the class."""
    taught = TeachingAssignment.objects.filter(school_class=school_class).values("subject")
    return Subject.objects.filter(pk__in=taught).order_by("order", "name")


# Questions passed up.


def add_question(
    *,
    group: StudyGroup,
    subject: Subject,
    text: str,
    by: Staff,
    terminal: Any = None,
    student: Student | None = None,
) -> Question:
    return Question.objects.create(
        term=group.term,
        school_class=group.school_class,
        group=group,
        subject=subject,
        text=text,
        entered_by=by,
        terminal=terminal,
        recorded_by_student=student,
    )


@transaction.atomic
def pass_up(school_class: SchoolClass, subject: Subject) -> int:
    """The 科代表 of the subject passes the groups' open questions of the subject to its
    teacher; how many were passed. Refused while the class has no 科代表 of the subject."""
    rep = SubjectRep.objects.filter(school_class=school_class, subject=subject).first()
    if rep is None:
        raise ValidationError(
            _("Choose the class's subject representative of %(subject)s first.")
            % {"subject": subject.name}
        )
    return Question.objects.filter(
        school_class=school_class, subject=subject, status=Question.Status.OPEN
    ).update(status=Question.Status.PASSED, passed_at=timezone.now(), passed_by_rep=rep.student)


def answer(question: Question, note: str, by: Staff) -> Question:
    """The teacher answered it (in class): it leaves their home page."""
    if question.status == Question.Status.ANSWERED:
        raise ValidationError(_("This question has been marked as answered already."))
    question.status = Question.Status.ANSWERED
    question.answered_at = timezone.now()
    question.answered_by = by
    question.answer_note = note
    question.save(update_fields=["status", "answered_at", "answered_by", "answer_note"])
    return question


@transaction.atomic
def set_reps(school_class: SchoolClass, reps: dict[Subject, Student | None], by: Staff) -> None:
    """The class's 科代表, one per subject (None: nobody)."""
    current = {r.subject_id: r for r in SubjectRep.objects.filter(school_class=school_class)}
    for subject, student in reps.items():
        rep = current.get(subject.pk)
        if student is None:
            if rep is not None:
                rep.delete()
        elif rep is None:
            SubjectRep.objects.create(
                school_class=school_class, subject=subject, student=student, set_by=by
            )
        elif rep.student_id != student.pk:
            rep.student = student
            rep.set_by = by
            rep.save(update_fields=["student", "set_by"])


def class_questions(school_class: SchoolClass, term: Term) -> list[Question]:
    """The class's questions of the term not yet answered, by subject (one query)."""
    return list(
        Question.objects.filter(school_class=school_class, term=term)
        .exclude(status=Question.Status.ANSWERED)
        .select_related("group", "subject")
        .order_by("subject__order", "subject__name", "entered_at", "pk")
    )


def answered_questions(school_class: SchoolClass, term: Term, limit: int = 30) -> list[Question]:
    return list(
        Question.objects.filter(
            school_class=school_class, term=term, status=Question.Status.ANSWERED
        )
        .select_related("group", "subject", "answered_by")
        .order_by("-answered_at", "-pk")[:limit]
    )


def teacher_questions(staff: Staff) -> list[Question]:
    """The questions passed to ``staff`` as the teacher of their subject in their classes and
    not answered yet (one query)."""
    taught = TeachingAssignment.objects.filter(
        staff=staff, school_class=OuterRef("school_class"), subject=OuterRef("subject")
    )
    return list(
        Question.objects.filter(Exists(taught), status=Question.Status.PASSED)
        .select_related("group", "subject", "school_class__grade")
        .order_by("passed_at", "pk")
    )


def open_counts(school_class: SchoolClass, term: Term) -> dict[int, int]:
    rows = (
        Question.objects.filter(school_class=school_class, term=term, status=Question.Status.OPEN)
        .values("subject")
        .annotate(n=Count("pk"))
    )
    return {row["subject"]: row["n"] for row in rows}


def may_answer(staff: Staff | None, question: Question) -> bool:
    """The teacher of the question's subject in its class."""
    return (
        staff is not None
        and TeachingAssignment.objects.filter(
            staff=staff, school_class_id=question.school_class_id, subject_id=question.subject_id
        ).exists()
    )
