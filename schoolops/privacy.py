"""The one register of sensitive fields: what is a minor's personal information, who may read it.

个人信息保护法 and 未成年人学校保护规定 ask that a minor's sensitive information be shown only to
those whose post needs it. This module is the one place that says so. Everything that shows a
student's data asks it: pages, exports, the admin (fields, list filters, search, ordering,
history, autocomplete) and the prefill of new records.

- A **category** groups fields that are read by the same people (guardian contact,
  psychological notes, the individual education plan, ledger, consultation and mentoring
  records).
- A **relation** is why a person works with a student: the principal's office, the grade
  head, the homeroom teacher, a subject teacher, the mentor, the psychology teacher, the
  school leader responsible for the student (包靠). Office staff (办公室) keep the roster and
  have no relation to any student's sensitive data.
- ``READERS`` says which relations read each category. The apps register their fields and
  whole models (``registry.add_sensitive``) and the relations they know of
  (``registry.add_student_relation``: a mentor, a 包靠 leader) from ``AppConfig.ready()``.

A field not registered here is roster information that every post with the student in scope
sees. Anything registered is hidden unless a relation allows it, so forgetting to allow a
reader fails closed.

Every read of a registered field is logged: pages and exports call ``log_read(request,
students, categories)`` where they show one (``ReadLog``, reviewed by the principal's office).
``who_can_see(student)`` names the people each relation gives a part of the record to, for
the student's page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from schoolops.registry import registry

if TYPE_CHECKING:
    from django.db.models import Model, QuerySet

    from schoolops.models import SchoolClass, Student
    from schoolops.scopes import Scope


class Category(models.TextChoices):
    GUARDIAN = "guardian", _("Guardian contact")
    LEDGER = "ledger", _("Ledger: strengths, family situation, attention categories")
    PSYCHOLOGICAL = "psychological", _("Psychological notes and categories")
    EDUCATION_PLAN = "plan", _("Individual education plan")
    CONSULT = "consult", _("Consultation records")
    MENTORING = "mentoring", _("Mentoring records")
    CASE = "case", _("Success cases")


class Relation(models.TextChoices):
    SCHOOL = "school", _("Principal's office")
    GRADE_HEAD = "grade_head", _("Grade head")
    HOMEROOM = "homeroom", _("Homeroom teacher")
    SUBJECT_TEACHER = "teacher", _("Subject teacher")
    MENTOR = "mentor", _("Mentor")
    PSYCHOLOGY = "psychology", _("Psychology teacher")
    LEADER = "leader", _("Responsible school leader (包靠)")
    JUDGE = "judge", _("Judge of the term's success cases")


R = Relation
# Who reads each category. A relation not listed never reads it, whatever page it opens.
READERS: dict[str, frozenset[str]] = {
    # The mentor reads the guardian's phone of their current mentees (the mentors app's
    # relation covers active pairings only): the monthly parent contact is their duty.
    Category.GUARDIAN: frozenset({R.SCHOOL, R.GRADE_HEAD, R.HOMEROOM, R.MENTOR}),
    Category.LEDGER: frozenset(
        {R.SCHOOL, R.GRADE_HEAD, R.HOMEROOM, R.SUBJECT_TEACHER, R.MENTOR, R.PSYCHOLOGY, R.LEADER}
    ),
    # Psychological notes and the 心理障碍 category: not the subject teachers, not the mentor.
    Category.PSYCHOLOGICAL: frozenset({R.SCHOOL, R.HOMEROOM, R.PSYCHOLOGY, R.LEADER}),
    Category.EDUCATION_PLAN: frozenset(
        {R.SCHOOL, R.GRADE_HEAD, R.HOMEROOM, R.PSYCHOLOGY, R.LEADER}
    ),
    Category.CONSULT: frozenset(
        {R.SCHOOL, R.GRADE_HEAD, R.HOMEROOM, R.SUBJECT_TEACHER, R.PSYCHOLOGY, R.LEADER}
    ),
    Category.MENTORING: frozenset({R.SCHOOL, R.GRADE_HEAD, R.HOMEROOM, R.MENTOR}),
    # A nominated success case is also read by the term's judges, who may come from any class.
    Category.CASE: frozenset(
        {R.SCHOOL, R.GRADE_HEAD, R.HOMEROOM, R.SUBJECT_TEACHER, R.PSYCHOLOGY, R.LEADER, R.JUDGE}
    ),
}


@dataclass(frozen=True)
class SensitiveField:
    """A registered field (``field``) or a whole model (``field=None``) and its category.

    With a ``value`` the entry is about one value of the field: a record whose ``field`` holds
    it is in ``category`` as a whole (a psychological observation), and in a list of choices
    that choice is (the 心理障碍 special-attention category). Pages ask ``may_read`` for the
    category before they show such a record or choice.
    """

    model: str  # "app_label.ModelName"
    field: str | None
    category: str
    value: Any = None

    @property
    def model_class(self) -> type[Model]:
        return apps.get_model(self.model)

    @property
    def label(self) -> str:
        label = f"{self.model}.{self.field}" if self.field else self.model
        return label if self.value is None else f"{label}={self.value}"


@dataclass(frozen=True)
class StudentRelation:
    """A relation an app knows of: ``students(scope)`` returns the ids it covers (or None)."""

    relation: str
    students: Callable[[Scope], QuerySet | None]
    # The staff who hold this relation to one student, for "who can see this student".
    holders: Callable[[Student], Iterable] | None = None


def register(entries: Iterable[SensitiveField]) -> None:
    for entry in entries:
        registry.add_sensitive(entry)


def entries() -> list[SensitiveField]:
    return list(SCHOOLOPS_FIELDS) + list(registry.sensitive_fields)


SCHOOLOPS_FIELDS = (
    SensitiveField("schoolops.Student", "guardian_phone", Category.GUARDIAN),
    # Why a homeroom teacher nominates a student's family or parent (优秀家庭 / 优秀家长): it
    # speaks of the family, as the ledger's family situation does.
    SensitiveField("schoolops.AwardNomination", "reason", Category.LEDGER),
)


# What one person may read.


def school_relations(scope: Scope) -> frozenset[str]:
    """Relations that hold for every student the person can reach at all."""
    relations = set()
    if scope.is_school_wide:
        relations.add(Relation.SCHOOL)
    if scope.is_psychology:
        relations.add(Relation.PSYCHOLOGY)
    return frozenset(relations)


def _class_relations(
    scope: Scope, class_id: int | None, load_class: Callable[[], SchoolClass]
) -> set[str]:
    relations = set(school_relations(scope))
    if scope.staff is None:
        return relations
    if class_id in scope.homeroom_class_ids:
        relations.add(Relation.HOMEROOM)
    if class_id in scope.taught_class_ids:
        relations.add(Relation.SUBJECT_TEACHER)
    if scope.headed_grade_ids:  # only a grade head needs the class's grade and year
        school_class = load_class()
        if school_class.grade_id in scope.headed_grade_ids and (
            school_class.academic_year_id == getattr(scope.year, "pk", None)
        ):
            relations.add(Relation.GRADE_HEAD)
    return relations


def class_relations(scope: Scope, school_class: SchoolClass) -> frozenset[str]:
    """Why this person works with every student of a class: the principal's office, the
    psychology teacher, the class's homeroom and subject teachers, its grade head. A mentor's
    or a leader's relation is to single students, never to a class."""
    return frozenset(_class_relations(scope, school_class.pk, lambda: school_class))


def _holds(scope: Scope, provider: StudentRelation, student: Student) -> bool:
    """Does an app's relation hold (one query, once per student for a scope: a request)?"""
    known = scope.__dict__.setdefault("_privacy_relations", {})
    key = (provider.relation, student.pk)
    if key not in known:
        from schoolops.models import Student

        ids = provider.students(scope)
        known[key] = ids is not None and (
            Student.objects.filter(pk=student.pk, pk__in=ids).exists()
        )
    return known[key]


def relations_to(scope: Scope, student: Student) -> frozenset[str]:
    """Why this person works with this student (empty: not at all, or only the roster)."""
    relations = _class_relations(scope, student.school_class_id, lambda: student.school_class)
    if scope.staff is not None:
        for provider in registry.student_relations:
            if provider.relation not in relations and _holds(scope, provider, student):
                relations.add(provider.relation)
    return frozenset(relations)


def may_read(scope: Scope, category: str, student: Student) -> bool:
    """May this person read this category of this student's record? The apps' relations (a
    mentor, a 包靠 leader) are asked only when the class gives no reader of the category."""
    readers = READERS[category]
    if school_relations(scope) & readers:  # no need to read the person's classes
        return True
    if _class_relations(scope, student.school_class_id, lambda: student.school_class) & readers:
        return True
    if scope.staff is None:
        return False
    return any(
        _holds(scope, provider, student)
        for provider in registry.student_relations
        if provider.relation in readers
    )


def may_read_class(scope: Scope, category: str, school_class: SchoolClass) -> bool:
    """May this person read this category of every student of the class (a class's roster
    or list: the relations a class gives, ``class_relations``)?"""
    readers = READERS[category]
    return bool(school_relations(scope) & readers or class_relations(scope, school_class) & readers)


def readable_students(scope: Scope, category: str, students: QuerySet) -> QuerySet:
    """The students of ``students`` whose ``category`` this person may read: ``may_read`` for
    a list, as one filter (the relations of ``relations_to``, as conditions)."""
    readers = READERS[category]
    if school_relations(scope) & readers:
        return students
    if scope.staff is None:
        return students.none()
    condition = Q(pk__in=[])
    if Relation.HOMEROOM in readers:
        condition |= Q(school_class__in=scope.homeroom_class_ids)
    if Relation.SUBJECT_TEACHER in readers:
        condition |= Q(school_class__in=scope.taught_class_ids)
    if Relation.GRADE_HEAD in readers and scope.headed_grade_ids:
        condition |= Q(
            school_class__grade__in=scope.headed_grade_ids,
            school_class__academic_year=getattr(scope.year, "pk", None),
        )
    for provider in registry.student_relations:
        if provider.relation in readers:
            ids = provider.students(scope)
            if ids is not None:
                condition |= Q(pk__in=ids)
    return students.filter(condition)


# Text that may flow into a record read more widely than the text itself, by the seeds'
# design: a success case is the class's consultation work written up for the term's judges.
FLOWS = frozenset({(Category.CONSULT, Category.CASE)})


def may_copy(category: str, into: str) -> bool:
    """May text of ``category`` be copied into a new record of category ``into`` (a prefill,
    a draft)? Only when every relation that reads the new record also reads the text, or the
    flow is one of ``FLOWS``: a success case never carries a psychological note, the education
    plan or the ledger (family situation) to the judges or the class's subject teachers."""
    return (category, into) in FLOWS or READERS[into] <= READERS[category]


def may_read_any(scope: Scope, category: str) -> bool:
    """May this person read this category of every student, as the admin and the whole-school
    exports need? Only the principal's office; never office staff."""
    return scope.is_school_wide and Relation.SCHOOL in READERS[category]


def readable_categories(scope: Scope, student: Student) -> frozenset[str]:
    return frozenset(c for c in READERS if may_read(scope, c, student))


# What the admin hides.


def hidden_fields(model: type[Model], scope: Scope) -> set[str]:
    """Names of ``model``'s fields this person may not read in the admin (school-wide rule)."""
    label = model._meta.label
    hidden = set()
    whole = None
    for entry in entries():
        if entry.model != label:
            continue
        if may_read_any(scope, entry.category):
            continue
        if entry.field is None:
            whole = entry
        else:
            hidden.add(entry.field)
    if whole is not None:
        hidden |= {f.name for f in model._meta.get_fields() if not f.auto_created or f.concrete}
    return hidden


def sensitive_models(scope: Scope) -> set[str]:
    """Labels of whole models this person may not read."""
    return {e.model for e in entries() if e.field is None and not may_read_any(scope, e.category)}


def lookup_touches_hidden(model: type[Model], lookup: str, scope: Scope) -> bool:
    """Does a lookup path (``guardian_phone__startswith``, ``observations__isnull``,
    ``student__guardian_phone``) reach a field or a model this person may not read?"""
    from django.core.exceptions import FieldDoesNotExist

    hidden_models = sensitive_models(scope)
    current = model
    for part in lookup.split("__"):
        if current._meta.label in hidden_models:
            return True
        if part in hidden_fields(current, scope):
            return True
        try:
            field = current._meta.get_field(part)
        except FieldDoesNotExist:
            return False
        target = getattr(field, "related_model", None)
        if target is None:
            return False
        current = target
    return current._meta.label in hidden_models


# The read log.


def log_read(
    who: Any,
    students: Iterable[Any],
    categories: Iterable[str],
    what: str | None = None,
) -> int:
    """Log that ``who`` (a request, a user, or None for a command on the server) read these
    ``categories`` of these students' records; returns the number of rows written.

    ``students`` are students or their ids: a class page passes the students it shows and
    gets one row each, written in one query (``bulk_create``), so the page's query count
    does not grow. ``what`` names the page or the export: the URL name by default. Inside
    ``batched_reads(request)`` the rows are written at the end of the block.
    """
    from schoolops.models import ReadLog

    wanted = sorted({str(c) for c in categories} & set(Category.values))
    ids = list(dict.fromkeys(getattr(s, "pk", s) for s in students))
    if not wanted or not ids:
        return 0
    user, path = who, ""
    if hasattr(who, "user") and hasattr(who, "path"):  # a request
        user, path = who.user, who.path
        match = getattr(who, "resolver_match", None)
        what = what or (match.view_name if match else "")
    if user is not None and not getattr(user, "is_authenticated", False):
        return 0
    at = timezone.now()
    rows = [
        ReadLog(
            user=user,
            student_id=pk,
            at=at,
            what=(what or path)[:80],
            path=path[:200],
            categories=",".join(wanted),
        )
        for pk in ids
    ]
    batch = getattr(who, "read_log_batch", None)
    if batch is not None:  # inside ``batched_reads(request)``: written at its end
        batch.extend(rows)
    else:
        ReadLog.objects.bulk_create(rows)
    return len(rows)


@contextmanager
def batched_reads(request: Any) -> Iterator[None]:
    """Write the reads that ``log_read(request, ...)`` logs inside the block in one query at
    its end, the same rows as one by one: a page composed of the apps' panels (the student's
    page) logs each panel's read without a query per panel. The reads are written even when
    the block fails, since the data was read."""
    from schoolops.models import ReadLog

    rows: list[Any] = []
    request.read_log_batch = rows
    try:
        yield
    finally:
        del request.read_log_batch
        if rows:
            ReadLog.objects.bulk_create(rows)


def student_path(model: type[Model]) -> str | None:
    """The lookup from ``model`` to the student its rows are about, for the read log:
    ``"student"``, ``"pairing__student"``, ``"discussed__student"`` (a meeting); None if it
    is not a student's record."""
    from schoolops.models import Student

    if model is Student:
        return "pk"
    forward: list[Any] = [
        f for f in model._meta.get_fields() if (f.many_to_one or f.one_to_one) and f.concrete
    ]
    for field in forward:
        if field.related_model is Student:
            return field.name
    for rel in model._meta.get_fields():
        if rel.one_to_many and not rel.concrete:
            related: Any = rel.related_model
            for field in related._meta.get_fields():
                if field.many_to_one and field.related_model is Student:
                    return f"{rel.name}__{field.name}"
    for field in forward:
        for inner in field.related_model._meta.get_fields():
            if inner.many_to_one and inner.concrete and inner.related_model is Student:
                return f"{field.name}__{inner.name}"
    return None


def model_categories(model: type[Model], scope: Scope, fields: Iterable[str] | None = None):
    """The categories of ``model`` this person reads where ``fields`` are shown (all fields
    when None): a whole registered model always, a registered field when it is shown."""
    label = model._meta.label
    shown = None if fields is None else set(fields)
    return sorted(
        {
            e.category
            for e in entries()
            if e.model == label
            and (e.field is None or shown is None or e.field in shown)
            and may_read_any(scope, e.category)
        }
    )


# Who can see this student.


@dataclass
class Readers:
    """One relation to a student: who holds it and which parts of the record it reads."""

    relation: str
    label: str
    people: list[str]
    categories: list[str]


def who_can_see(student: Student, year: Any = None) -> list[Readers]:
    """The posts and the named staff who read each part of ``student``'s record, and why.

    ``year`` is the current school year: the class's teachers and grade head work with the
    student through this year's classes only. A fixed number of queries (the student comes
    with ``school_class__grade__head`` and ``school_class__homeroom_teacher``).
    """
    from schoolops.models import Post, Staff, TeachingAssignment
    from schoolops.scopes import Scope

    school_class = student.school_class
    current = year is not None and school_class.academic_year_id == year.pk
    people: dict[str, list[str]] = {relation: [] for relation in Relation.values}
    posts: dict[int, tuple[str, list[str]]] = {}
    post_labels = dict(Post.choices)
    for pk, name, post in (
        Staff.objects.active()
        .filter(user__groups__name__in=Post.school_wide())
        .order_by("staff_no", "user__groups__name")
        .values_list("pk", "name", "user__groups__name")
    ):
        posts.setdefault(pk, (name, []))[1].append(str(post_labels.get(post, post)))
    people[Relation.SCHOOL] = [f"{name}（{'、'.join(labels)}）" for name, labels in posts.values()]
    if current:
        if school_class.homeroom_teacher is not None:
            people[Relation.HOMEROOM] = [school_class.homeroom_teacher.name]
        people[Relation.SUBJECT_TEACHER] = [
            f"{a.staff.name}（{a.subject.name}）"
            for a in TeachingAssignment.objects.filter(school_class=school_class)
            .select_related("staff", "subject")
            .order_by("subject__order", "subject__name")
        ]
        if school_class.grade.head is not None:
            people[Relation.GRADE_HEAD] = [school_class.grade.head.name]
    psychologists = list(
        Staff.objects.active()
        .filter(user__groups__name=Post.PSYCHOLOGY)
        .select_related("user")
        .order_by("staff_no")
    )
    # The psychology teachers reach the students the apps give them (a psychological flag).
    if psychologists and Scope(psychologists[0].user).students().filter(pk=student.pk).exists():
        people[Relation.PSYCHOLOGY] = [s.name for s in psychologists]
    for provider in registry.student_relations:
        if provider.holders is not None:
            people[provider.relation] = [str(s) for s in provider.holders(student)]
    return [
        Readers(
            relation=relation,
            label=str(label),
            people=people[relation],
            categories=[c for c in Category.values if relation in READERS[c]],
        )
        for relation, label in Relation.choices
        if people[relation]
    ]
