"""Pages, exports and prefills follow the register of sensitive fields (``schoolops.privacy``).

Reproduced before (issue 10, defect 6): a homeroom teacher's new success case copied a
心理 (psychological) note into its records, and the class's subject teachers and the grade
head then read it at ``/consult/cases/N/`` though they could not open the note itself. The
subject teachers also read the individual education plan (个案育人计划) on the student's ledger
page and in the timeline panel, and saw the 心理障碍 category in the ledger grid; the grade
head saw and could untick 心理障碍 in the ledger form.

How the guard works: a unique canary text goes into every registered field of records about
``student_a`` (one record of every registered model, every text field of a whole-model
entry; a psychological observation and the 心理障碍 category have their own canaries, from
the register's value entries). Then every GET route of the permission matrix is requested as
every post of the cast, plus a mentor and a 包靠 leader of student_a; an xlsx answer is
unzipped and its XML read. A canary of a category in the answer to someone whom
``privacy.may_read(scope, category, student_a)`` does not allow is a leak. Routes come from
the matrix (which the resolver keeps complete) and fields from the register, so a new page
or a new field is covered without editing this file; a new registered model needs a builder
in ``BUILDERS`` (the test says so).

The cast is built once for the module (inside a transaction rolled back at the end); each
route runs in a savepoint: its own objects, then the canaries, then one request per actor.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from dataclasses import dataclass
from typing import Any

from django.db import models, transaction
from django.test import Client
from django.urls import reverse
from django.utils import translation

import pytest

from consult.models import (
    Attention,
    Case,
    CaseJudge,
    CaseScore,
    Escalation,
    FollowUp,
    LeaderAssignment,
    LedgerProfile,
    Level,
    Meeting,
    MeetingStudent,
    Observation,
    Strategy,
)
from groups.models import StudentTag, StudentTagging
from mentors.models import (
    GrowthRecord,
    MentoringPlan,
    MonthlySummary,
    Pairing,
    ParentContact,
    TalkLog,
)
from schoolops import privacy
from schoolops.models import Post, Staff, Student, TeachingAssignment
from schoolops.scopes import Scope
from tests.conftest import School, build_school, make_staff
from tests.safety.matrix import STAFF_ACTORS
from tests.safety.routes import all_routes

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 23)
DAY = dt.date(2026, 11, 16)
ACTORS = (*STAFF_ACTORS, "mentor", "leader", "judge")
GET_ROUTES = [route for route in all_routes() if route.method == "get"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class World:
    school: School
    mentor: Staff  # 钱老师: teaches class_b only; mentors student_a (a pairing per route)
    leader: Staff  # 冯主任: heads 八年级; the 包靠 leader of student_a
    judge: Staff  # 褚老师: teaches 八年级 only; judges the term's success cases

    def staff(self, actor: str) -> Staff:
        return (
            getattr(self, actor)
            if actor in ("mentor", "leader", "judge")
            else getattr(self.school, actor)
        )


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    import time_machine

    traveller = time_machine.travel(dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC), tick=False)
    traveller.start()
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            school = build_school()
            mentor = make_staff("T1007", "钱老师", [Post.SUBJECT_TEACHER])
            TeachingAssignment.objects.create(
                staff=mentor, school_class=school.class_b, subject=school.english
            )
            leader = make_staff("T1008", "冯主任", [Post.GRADE_HEAD])
            school.grade8.head = leader
            school.grade8.save()
            LeaderAssignment.objects.create(
                student=school.student_a, leader=leader, term=school.term, assigned_on=DAY
            )
            judge = make_staff("T1009", "褚老师", [Post.SUBJECT_TEACHER])
            TeachingAssignment.objects.create(
                staff=judge, school_class=school.class_c, subject=school.maths
            )
            CaseJudge.objects.create(term=school.term, staff=judge)
            yield World(school, mentor, leader, judge)
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            traveller.stop()


# Records about student_a: one of each registered model, if the route built none.


def _active_pairing(world: World) -> Pairing:
    school = world.school
    pairing = Pairing.objects.active().filter(student=school.student_a).first()
    return pairing or Pairing.objects.create(
        student=school.student_a,
        mentor=world.mentor,
        academic_year=school.year,
        school_class=school.class_a,
        choice_rank=1,
        started_on=dt.date(2026, 9, 7),
    )


def _ledger(world: World) -> LedgerProfile:
    profile = LedgerProfile(student=world.school.student_a, term=world.school.term)
    profile.save()
    return profile


def _observation(world: World, **extra: Any) -> Observation:
    fields = {"content": "-", "author": world.school.homeroom, **extra}
    return Observation.objects.create(
        student=world.school.student_a, date=DAY, method=Observation.Method.TALK, **fields
    )


def _meeting(world: World) -> Meeting:
    school = world.school
    meeting = Meeting.objects.create(
        level=Level.CLASS,
        kind=Meeting.Kind.REGULAR,
        term=school.term,
        date=DAY,
        school_class=school.class_a,
        grade=school.grade7,
        chair=school.homeroom,
        topic="本周学情",
        created_by=school.homeroom,
    )
    MeetingStudent.objects.create(meeting=meeting, student=school.student_a, analysis="-")
    return meeting


def _strategy(world: World) -> Strategy:
    school = world.school
    found = Strategy.objects.filter(student=school.student_a).first()
    return found or Strategy.objects.create(
        student=school.student_a,
        term=school.term,
        problem="-",
        action="-",
        owner=school.homeroom,
        start_date=DAY,
        review_date=DAY + dt.timedelta(days=14),
    )


def _case(world: World) -> Case:
    school = world.school
    found = Case.objects.filter(student=school.student_a).first()
    return found or Case.objects.create(
        student=school.student_a,
        term=school.term,
        school_class=school.class_a,
        title="-",
        situation="-",
        strategy="-",
        process="-",
        result="-",
        nominated=True,
        author=school.homeroom,
        created_on=DAY,
    )


def _activity(world: World):
    from consult.models import ClassActivity

    school = world.school
    activity = ClassActivity.objects.create(
        kind=ClassActivity.Kind.THEME,
        term=school.term,
        school_class=school.class_a,
        date=DAY,
        theme="-",
        content="-",
        summary="-",
        created_by=school.homeroom,
    )
    activity.hosts.set([school.student_a])
    activity.speakers.set([school.student_a])
    return activity


def _family_award(world: World):
    """A published 优秀家庭 of student_a: the certificates list names the student, and the
    reason stays with the class's teachers and the principal's office."""
    from schoolops.models import AwardNomination, AwardPublication

    school = world.school
    AwardPublication.objects.get_or_create(
        term=school.term, category="family", defaults={"published_by": school.academic.user}
    )
    return AwardNomination.objects.create(
        term=school.term,
        category="family",
        student=school.student_a,
        school_class=school.class_a,
        name=school.student_a.name,
        reason="-",
        status=AwardNomination.Status.SELECTED,
        nominated_by=school.homeroom.user,
    )


BUILDERS = {
    "schoolops.Student": lambda world: world.school.student_a,
    "schoolops.AwardNomination": _family_award,
    "consult.LedgerProfile": _ledger,
    "consult.Observation": _observation,
    "consult.Meeting": _meeting,
    "consult.MeetingStudent": _meeting,
    "consult.Strategy": _strategy,
    "consult.FollowUp": lambda world: FollowUp.objects.create(
        strategy=_strategy(world), date=DAY, done="-", author=world.school.homeroom
    ),
    "consult.Escalation": lambda world: Escalation.objects.create(
        student=world.school.student_a,
        term=world.school.term,
        from_level=Level.CLASS,
        to_level=Level.GRADE,
        reason="-",
        proposed_on=DAY,
    ),
    "consult.LeaderAssignment": lambda world: LeaderAssignment.objects.get(leader=world.leader),
    "consult.Case": _case,
    "consult.ClassActivity": _activity,
    "consult.CaseScore": lambda world: CaseScore.objects.create(
        case=_case(world), judge=world.school.principal, score=90
    ),
    "mentors.TalkLog": lambda world: TalkLog.objects.create(
        pairing=_active_pairing(world), date=DAY, topic="-", content="-"
    ),
    "mentors.ParentContact": lambda world: ParentContact.objects.create(
        pairing=_active_pairing(world), date=DAY, method="phone", content="-"
    ),
    "mentors.MentoringPlan": lambda world: MentoringPlan.objects.create(
        pairing=_active_pairing(world)
    ),
    "mentors.GrowthRecord": lambda world: GrowthRecord.objects.create(
        pairing=_active_pairing(world), date=DAY, content="-", written_by=world.mentor
    ),
    "mentors.MonthlySummary": lambda world: MonthlySummary.objects.create(
        pairing=_active_pairing(world), month=dt.date(2026, 11, 1), text="-"
    ),
    "groups.StudentTagging": lambda world: StudentTagging.objects.create(
        student=world.school.student_a,
        tag=StudentTag.objects.get_or_create(name="性格内向", defaults={"kind": "personality"})[0],
        set_by=world.school.homeroom,
    ),
}
# A record a value entry puts in its category as a whole (``Observation.psychological``).
VALUE_BUILDERS = {
    ("consult.Observation", "psychological"): lambda world, value: _observation(
        world, psychological=value, author=world.school.psychologist
    ),
}
# A choice a value entry puts in its category, and the choices whose label shows it.
CHOICES = {("consult.LedgerProfile", "categories"): Attention}


def student_lookup(model: type[models.Model]) -> str:
    """The lookup from a registered model to the student its records are about."""
    if model is Student:
        return "pk"
    forward = [f for f in model._meta.get_fields() if f.concrete and f.is_relation]
    for field in forward:
        if field.related_model is Student:
            return field.name
    for field in forward:
        for inner in field.related_model._meta.get_fields():
            if inner.concrete and inner.is_relation and inner.related_model is Student:
                return f"{field.name}__{inner.name}"
    for rel in model._meta.related_objects:  # a meeting: its students discussed
        for inner in rel.related_model._meta.get_fields():
            if inner.concrete and inner.is_relation and inner.related_model is Student:
                return f"{rel.name}__{inner.name}"
    raise AssertionError(f"{model._meta.label}: no way to the student it is about")


def text_fields(model: type[models.Model], names: list[str] | None = None) -> list[models.Field]:
    """The fields a canary goes into: the named ones, or every free-text field."""
    fields = [model._meta.get_field(name) for name in names] if names else model._meta.fields
    return [
        f
        for f in fields
        if isinstance(f, (models.CharField, models.TextField))
        and not f.choices
        and not f.primary_key
        and (f.max_length or 100) >= 8
    ]


@dataclass(frozen=True)
class Canary:
    text: str
    category: str
    where: str


def plant(world: World) -> list[Canary]:
    """A canary in every registered field of every record about student_a."""
    student = world.school.student_a
    entries = privacy.entries()
    canaries: list[Canary] = []

    def canary(category: str, where: str) -> str:
        text = f"Qz{len(canaries):03d}Zq"
        canaries.append(Canary(text, category, where))
        return text

    # Records a value entry puts in another category (a psychological observation).
    set_apart: dict[str, list[privacy.SensitiveField]] = {}
    for entry in entries:
        if entry.value is None or (entry.model, entry.field) in CHOICES:
            continue
        key = (entry.model, entry.field)
        assert key in VALUE_BUILDERS, f"add a builder of {entry.label} to VALUE_BUILDERS"
        model = entry.model_class
        lookup = student_lookup(model)
        rows = model._default_manager.filter(**{lookup: student.pk, entry.field: entry.value})
        record = rows.first() or VALUE_BUILDERS[key](world, entry.value)
        for field in text_fields(model):
            setattr(record, field.name, canary(entry.category, f"{entry.label}.{field.name}"))
        record.save()
        set_apart.setdefault(entry.model, []).append(entry)

    for label in dict.fromkeys(e.model for e in entries):
        model = privacy.SensitiveField(label, None, "").model_class
        mine = [e for e in entries if e.model == label and e.value is None]
        if not mine:
            continue
        assert label in BUILDERS, f"add a builder of {label} to BUILDERS"
        lookup = student_lookup(model)
        rows = model._default_manager.filter(**{lookup: student.pk})
        for apart in set_apart.get(label, []):
            rows = rows.exclude(**{apart.field: apart.value})
        if not rows.exists():
            BUILDERS[label](world)
        for record in rows.distinct():
            for entry in mine:
                names = [entry.field] if entry.field else None
                for field in text_fields(model, names):
                    where = f"{label}.{field.name}"
                    setattr(record, field.name, canary(entry.category, where))
            record.save()

    # A choice in a list (心理障碍): the record holds it, its label is the canary.
    for entry in entries:
        key = (entry.model, entry.field)
        if entry.value is None or key not in CHOICES:
            continue
        model = entry.model_class
        for record in model._default_manager.filter(**{student_lookup(model): student.pk}):
            values = getattr(record, entry.field) or []
            setattr(record, entry.field, [*values, entry.value])
            record.save()
        label = dict(CHOICES[key].choices)[entry.value]
        for language in ("zh-hans", "en"):
            with translation.override(language):
                canaries.append(Canary(str(label), entry.category, entry.label))
    return canaries


def body(response) -> str:
    """The page's text; an xlsx's sheets, shared strings and all, as their XML."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if response.get("Content-Type", "").startswith(XLSX) or content[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return "".join(
                archive.read(name).decode() for name in archive.namelist() if name.endswith(".xml")
            )
    return content.decode(errors="replace")


def leaks_of(world: World, route, actors=ACTORS) -> tuple[list[str], set[Canary]]:
    """Request the route as each actor; return the leaks and the canaries readers saw."""
    school = world.school
    leaks: list[str] = []
    seen: set[Canary] = set()
    with transaction.atomic():
        call = route.call(school)
        canaries = plant(world)
        url = reverse(route.name, kwargs=call.kwargs)
        student = Student.objects.select_related("school_class__grade").get(pk=school.student_a.pk)
        for actor in actors:
            staff = world.staff(actor)
            with transaction.atomic():
                client = Client(raise_request_exception=False)
                client.force_login(staff.user)
                response = client.get(url, call.query or {})
                text = body(response) if response.status_code == 200 else ""
                transaction.set_rollback(True)
            scope = Scope(staff.user)
            for canary in canaries:
                if canary.text not in text:
                    continue
                if privacy.may_read(scope, canary.category, student):
                    seen.add(canary)
                else:
                    leaks.append(f"{url} {actor}: {canary.where} ({canary.category})")
        transaction.set_rollback(True)
    return leaks, seen


SEEN: dict[str, set[str]] = {}
RAN: set[str] = set()  # the route tests run in this process (xdist may share them out)


@pytest.mark.parametrize("route", GET_ROUTES, ids=[route.key for route in GET_ROUTES])
def test_no_page_or_export_shows_what_the_register_hides(world, route):
    leaks, seen = leaks_of(world, route)
    RAN.add(route.key)
    for canary in seen:
        SEEN.setdefault(canary.category, set()).add(canary.where)
    assert not leaks, "shown to someone the register does not let read it:\n  " + "\n  ".join(
        sorted(set(leaks))
    )


def test_the_canaries_were_read_where_the_register_allows():
    """The guard is not empty: each category was seen by its readers somewhere, and so were
    the psychological note, the 心理障碍 category, the plan and the guardian's phone."""
    if len(RAN) < len(GET_ROUTES):
        pytest.skip("runs after every route test of this module, in the same process")
    assert set(SEEN) == set(privacy.Category.values), SEEN
    psychological = SEEN[privacy.Category.PSYCHOLOGICAL]
    assert "consult.Observation.psychological=True.content" in psychological
    assert "consult.LedgerProfile.categories=psych" in psychological
    assert "consult.LedgerProfile.education_plan" in SEEN[privacy.Category.EDUCATION_PLAN]
    assert "schoolops.Student.guardian_phone" in SEEN[privacy.Category.GUARDIAN]


# Defect 6, by its rule.


def test_a_success_case_never_carries_a_psychological_note_or_the_education_plan(world):
    """The prefill of a record others read uses only what every reader of it may read: a
    case starts without psychological notes and without the plan, whoever writes it, and a
    subject teacher reading the case sees neither."""
    school = world.school
    with transaction.atomic():
        canaries = plant(world)
        hidden = [
            c
            for c in canaries
            if c.category in (privacy.Category.PSYCHOLOGICAL, privacy.Category.EDUCATION_PLAN)
        ]
        assert any(c.where.startswith("consult.Observation.psychological") for c in hidden)
        Case.objects.all().delete()
        new = reverse("consult:case_new", args=[school.student_a.pk])
        for writer in (school.homeroom, school.psychologist, school.principal, world.leader):
            client = Client()
            client.force_login(writer.user)
            response = client.get(new)
            assert response.status_code == 200, writer
            prefill = response.context["form"].initial
            text = "\n".join(str(v) for v in prefill.values())
            assert not [c.where for c in hidden if c.text in text], writer
        # The homeroom teacher (who reads the note) saves the case as it was filled in.
        client = Client()
        client.force_login(school.homeroom.user)
        prefill = client.get(new).context["form"].initial
        data = {k: v for k, v in prefill.items() if isinstance(v, str)}
        assert client.post(new, data).status_code == 302
        case = Case.objects.get(student=school.student_a)
        assert any(c.text in case.records for c in canaries if c.category == "consult")
        for reader in (school.teacher, school.grade_head):
            client = Client()
            client.force_login(reader.user)
            page = client.get(reverse("consult:case_detail", args=[case.pk]))
            assert page.status_code == 200
            assert not [c.where for c in hidden if c.text in page.text], reader
        transaction.set_rollback(True)


def test_a_grade_head_keeps_the_ledger_without_seeing_or_losing_the_psych_category(world):
    """The grade head keeps the class's ledger but does not read psychological notes: the
    form does not offer 心理障碍 and saving the entry keeps it."""
    school = world.school
    with transaction.atomic():
        profile = LedgerProfile(
            student=school.student_a,
            term=school.term,
            categories=[Attention.PSYCHOLOGICAL, Attention.LEARNING],
            education_plan="每周两次谈心",
            strengths="乐于助人",
            weaknesses="作业拖欠",
            personality="内向",
            interests="画画",
            family_situation="单亲",
        )
        profile.save()
        url = reverse("consult:student_ledger", args=[school.student_a.pk])
        client = Client()
        client.force_login(school.grade_head.user)
        page = client.get(url)
        assert "心理障碍" not in page.text and "学习困难" in page.text
        data = {
            "strengths": "乐于助人",
            "weaknesses": "作业拖欠",
            "personality": "内向",
            "interests": "画画",
            "family_situation": "单亲",
            "categories": [Attention.LEARNING],
            "education_plan": "每周两次谈心",
        }
        assert client.post(url, data).status_code == 302
        profile.refresh_from_db()
        assert set(profile.categories) == {Attention.PSYCHOLOGICAL, Attention.LEARNING}
        assert profile.psych_flag
        transaction.set_rollback(True)


# The register's two forms of one rule agree.


def test_readable_students_is_may_read_for_a_list(world):
    school = world.school
    with transaction.atomic():
        plant(world)
        students = Student.objects.filter(pk__in=[school.student_a.pk, school.student_b.pk])
        for actor in ACTORS:
            for category in privacy.Category.values:
                scope = Scope(world.staff(actor).user)
                listed = set(
                    privacy.readable_students(scope, category, students).values_list(
                        "pk", flat=True
                    )
                )
                for student in students.select_related("school_class__grade"):
                    wanted = privacy.may_read(scope, category, student)
                    assert (student.pk in listed) == wanted, (actor, category, student.name)
        transaction.set_rollback(True)


# Where the pages now follow the register rather than their own rules.


def test_a_leader_reads_their_students_psychological_notes_on_the_class_page(world):
    """The class's observations show psychological notes of the students whose notes the
    register lets the person read: a grade head who is 包靠 of student_a reads student_a's,
    not student_b's; before, the page knew no 包靠 leader."""
    school = world.school
    with transaction.atomic():
        LeaderAssignment.objects.filter(student=school.student_a).update(active=False)
        LeaderAssignment.objects.create(
            student=school.student_a, leader=school.grade_head, term=school.term, assigned_on=DAY
        )
        for student, content in (
            (school.student_a, "甲心理记录"),
            (school.student_b, "乙心理记录"),
        ):
            Observation.objects.create(
                student=student,
                date=DAY,
                method=Observation.Method.TALK,
                content=content,
                psychological=True,
                author=school.psychologist,
            )
        client = Client()
        client.force_login(school.grade_head.user)
        page_a = client.get(reverse("consult:class_observations", args=[school.class_a.pk]))
        page_b = client.get(reverse("consult:class_observations", args=[school.class_b.pk]))
        assert "甲心理记录" in page_a.text
        assert "乙心理记录" not in page_b.text
        transaction.set_rollback(True)


def test_a_former_mentor_no_longer_opens_the_mentees_file(world):
    """Mentoring records are read by the student's mentor (an active pairing), homeroom
    teacher, grade head and the principal's office: once a pairing has ended its mentor has
    no relation to the student any more, and the new mentor reads the earlier file too."""
    from mentors.services import end_pairing

    school = world.school
    with transaction.atomic():
        old = _active_pairing(world)
        TalkLog.objects.create(pairing=old, date=DAY, topic="学习", content="旧导师的谈心记录")
        end_pairing(old, Pairing.EndReason.values[0], "调离", on=DAY)
        Pairing.objects.create(
            student=school.student_a,
            mentor=school.teacher,
            academic_year=school.year,
            school_class=school.class_a,
            choice_rank=1,
            started_on=DAY + dt.timedelta(days=1),
        )
        url = reverse("mentors:pairing_detail", args=[old.pk])
        for staff, status in ((world.mentor, 404), (school.teacher, 200), (school.homeroom, 200)):
            client = Client()
            client.force_login(staff.user)
            response = client.get(url)
            assert response.status_code == status, staff
            if status == 200:
                assert "旧导师的谈心记录" in response.text
        transaction.set_rollback(True)


def test_a_judge_reads_a_nominated_case_and_nothing_else_of_the_student(world):
    """A judge from another grade reads the term's nominated success case (the register's
    judge relation), never the student's ledger, timeline or other records."""
    school = world.school
    with transaction.atomic():
        case = _case(world)
        case.situation = "judge-sees-this"
        case.save()
        client = Client()
        client.force_login(world.judge.user)
        response = client.get(reverse("consult:case_detail", args=[case.pk]))
        assert response.status_code == 200
        assert "judge-sees-this" in response.content.decode()
        student = Student.objects.select_related("school_class").get(pk=school.student_a.pk)
        scope = Scope(world.judge.user)
        assert privacy.may_read(scope, privacy.Category.CASE, student)
        for category in set(privacy.Category.values) - {privacy.Category.CASE}:
            assert not privacy.may_read(scope, category, student), category
        assert client.get(reverse("consult:student_ledger", args=[student.pk])).status_code == 404
        case.nominated = False
        case.save()
        assert client.get(reverse("consult:case_detail", args=[case.pk])).status_code == 404
        transaction.set_rollback(True)
