"""The demo school: the roster here, the apps' parts through ``registry.demo_steps``.

``seed_demo`` builds the roster and then runs every app's registered ``DemoStep`` with a
``DemoContext``. A step reads what it needs from the database (classes, students, staff of
``context.year``), writes with ``bulk_create`` (the large school must build in under two
minutes), and may add demo logins to ``context.logins`` so that they are printed at the end.

Everything here is written with ``bulk_create``: the demo password is hashed once and the hash
is given to every account, because hashing per account would take minutes for the large school.
"""

from __future__ import annotations

import datetime as dt
import random
import time
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from schoolops.calendar import monday_of
from schoolops.models import (
    AcademicYear,
    Exam,
    ExamResult,
    Gender,
    Grade,
    HolidayWeek,
    Post,
    School,
    SchoolClass,
    Staff,
    Student,
    Subject,
    SubjectAlias,
    TeachingAssignment,
    Term,
)
from schoolops.registry import registry
from schoolops.services import ADMIN_POSTS, ensure_calendar

DEMO_SCHOOL_NAME = "育才实验中学"
DEMO_PASSWORD = "schoolops-demo"


@dataclass
class DemoLogin:
    username: str
    password: str
    who: str  # e.g. "王芳 — 班主任 七年级(1)班"


@dataclass
class DemoContext:
    size: str  # "tiny", "small" or "large"
    year: AcademicYear
    term: Term
    today: dt.date
    rng: random.Random
    stdout: Any
    password: str
    logins: list[DemoLogin] = field(default_factory=list)

    @property
    def large(self) -> bool:
        return self.size == "large"

    def log(self, message: str) -> None:
        self.stdout.write(message)


@dataclass(frozen=True)
class DemoSize:
    classes_per_grade: int
    students_per_class: tuple[int, int]  # inclusive range
    psychologists: int
    office_staff: int


SIZES: dict[str, DemoSize] = {
    # "tiny" is for tests: the same shape in a few seconds of browser test.
    "tiny": DemoSize(
        classes_per_grade=2, students_per_class=(6, 8), psychologists=1, office_staff=1
    ),
    "small": DemoSize(
        classes_per_grade=6, students_per_class=(43, 47), psychologists=1, office_staff=2
    ),
    "large": DemoSize(
        classes_per_grade=22, students_per_class=(44, 47), psychologists=2, office_staff=3
    ),
}

GRADES = [(7, "七年级"), (8, "八年级"), (9, "九年级")]

# (name, order, grade levels taught, classes one teacher takes)
SUBJECTS = [
    ("语文", 1, (7, 8, 9), 2),
    ("数学", 2, (7, 8, 9), 2),
    ("英语", 3, (7, 8, 9), 2),
    ("物理", 4, (8, 9), 4),
    ("化学", 5, (9,), 4),
    ("道德与法治", 6, (7, 8, 9), 8),
    ("历史", 7, (7, 8, 9), 8),
    ("地理", 8, (7, 8, 9), 8),
    ("生物", 9, (7, 8, 9), 8),
]
MAIN_SUBJECTS = ("语文", "数学", "英语")

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝"
    "龚邵万钱严覃武戴莫孔向汤"
)
# The commonest surnames are much commoner: weight them so a class looks like a real one.
SURNAME_WEIGHTS = [12 if i < 5 else 6 if i < 20 else 2 for i in range(len(SURNAMES))]
COMPOUND_SURNAMES = ("欧阳", "司马", "上官", "诸葛")

CHILD_GIVEN: dict[str, str] = {
    Gender.MALE: "浩宇轩子俊杰博文泽睿明辉志强伟磊鹏晨阳昊然航天一诚皓峰凯哲翔鑫毅鸿嘉铭瑞宏健豪康祥",
    Gender.FEMALE: "欣怡梓涵雨萱思琪佳悦可馨诗语梦婷雪丽静慧妍晓彤瑶璐颖芳娜倩月茜敏洁琳蕾紫依若希",
}
ADULT_GIVEN: dict[str, str] = {
    Gender.MALE: "建国志伟军华明勇强刚斌林涛平东海波峰辉亮成忠永立新春文德",
    Gender.FEMALE: "丽芳娟敏静霞燕玲红英梅秀艳萍华琴云莉洁慧淑桂兰凤玉珍",
}
PHONE_PREFIXES = [
    "130",
    "131",
    "132",
    "133",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "155",
    "156",
    "157",
    "158",
    "159",
    "176",
    "177",
    "180",
    "181",
    "182",
    "183",
    "185",
    "186",
    "187",
    "188",
    "189",
    "191",
    "199",
]


class DemoRefused(Exception):
    """Seeding would overwrite a school; the message says why."""


# Names, phones and dates.


class People:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def surname(self) -> str:
        if self.rng.random() < 0.01:
            return self.rng.choice(COMPOUND_SURNAMES)
        return self.rng.choices(SURNAMES, weights=SURNAME_WEIGHTS)[0]

    def given(self, gender: str, *, adult: bool = False) -> str:
        pool = (ADULT_GIVEN if adult else CHILD_GIVEN)[gender]
        length = 1 if self.rng.random() < (0.35 if adult else 0.2) else 2
        return "".join(self.rng.sample(pool, length))

    def name(self, gender: str, *, adult: bool = False, surname: str | None = None) -> str:
        return (surname or self.surname()) + self.given(gender, adult=adult)

    def gender(self, female_share: float = 0.5) -> str:
        return Gender.FEMALE if self.rng.random() < female_share else Gender.MALE

    def phone(self) -> str:
        return self.rng.choice(PHONE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"

    def birth_date(self, start_year: int, level: int) -> dt.date:
        """A birthday fitting the grade: grade 1 starts in the September after turning six."""
        first = dt.date(start_year - level - 6, 9, 1)
        return first + dt.timedelta(days=self.rng.randrange(365))


# Seeding.


def has_school() -> bool:
    """A roster exists: seeding on top of it would mix the demo into a real school."""
    return SchoolClass.objects.exists() or Student.objects.exists() or Staff.objects.exists()


def is_demo_school() -> bool:
    return School.objects.filter(name=DEMO_SCHOOL_NAME).exists()


def project_models() -> list[type[Model]]:
    """Every model (history and many-to-many tables included) of the project's own apps."""
    base = Path(settings.BASE_DIR).resolve()
    models: list[type[Model]] = []
    for config in apps.get_app_configs():
        if Path(config.path).resolve().parent == base:
            models.extend(config.get_models(include_auto_created=True))
    return models


def school_data_models() -> list[type[Model]]:
    """The models that hold a school's data, as opposed to reference data.

    The school's data is the roster (every ``schoolops`` model but ``Subject`` and
    ``SubjectAlias``), and every model that refers to it or to a login account, directly or
    through another such model. What remains, like the groups' scoring rubric and the subject
    aliases that data migrations install, is kept.
    """
    models = project_models()
    user_model = get_user_model()
    reference = (Subject, SubjectAlias)
    wiped = {m for m in models if m._meta.app_label == "schoolops" and m not in reference}
    changed = True
    while changed:
        changed = False
        for model in models:
            if model in wiped:
                continue
            for f in model._meta.concrete_fields:
                if f.is_relation and (f.related_model in wiped or f.related_model is user_model):
                    wiped.add(model)
                    changed = True
                    break
    return [m for m in models if m in wiped]


def wipe_school() -> None:
    """Empty the tables of the school's data and delete the staff's login accounts.

    Posts (groups and their permissions), reference data such as subjects and scoring rubrics,
    and accounts without a staff profile, such as a developer's superuser, are kept. Runs
    inside the caller's transaction.
    """
    user_ids = list(Staff.objects.values_list("user_id", flat=True))
    tables = [model._meta.db_table for model in school_data_models()]
    existing = set(connection.introspection.table_names())
    tables = [t for t in tables if t in existing]
    sql = connection.ops.sql_flush(no_style(), tables, allow_cascade=True)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # TRUNCATE refuses tables with deferred foreign-key checks still pending in this
            # transaction; run those checks now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for statement in sql:
            cursor.execute(statement)
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    get_user_model().objects.filter(pk__in=user_ids, is_superuser=False).delete()


def seed(
    size: str = "small",
    *,
    reset: bool = False,
    stdout: Any = None,
    random_seed: int = 2026,
    today: dt.date | None = None,
    password: str = DEMO_PASSWORD,
) -> DemoContext:
    """Build the demo school, then every app's demo step; return the context with the logins."""
    if size not in SIZES:
        raise DemoRefused(_("Unknown demo size %(size)s.") % {"size": size})
    if stdout is None:
        stdout = _Quiet()
    if has_school():
        if not reset:
            raise DemoRefused(
                _(
                    "This database already has a school. Run seed_demo with --reset to replace "
                    "the demo school, or use an empty database."
                )
            )
        if not is_demo_school():
            raise DemoRefused(
                _(
                    "This database holds a school that seed_demo did not make (%(name)s). "
                    "--reset only replaces a demo school; nothing was changed."
                )
                % {"name": School.objects.order_by("pk").first() or _("no school name")}
            )
    today = today or timezone.localdate()
    with transaction.atomic():
        started = time.perf_counter()
        if reset:
            wipe_school()
            stdout.write(_("Removed the old demo school (%(s).1f s).") % {"s": _since(started)})
        context = build_roster(
            size, stdout=stdout, rng=random.Random(random_seed), today=today, password=password
        )
        for step in registry.demo_steps:
            step_started = time.perf_counter()
            step.run(context)
            stdout.write(
                _("Demo step %(key)s done (%(s).1f s).")
                % {"key": step.key, "s": _since(step_started)}
            )
    stdout.write(_("The demo school is ready (%(s).1f s).") % {"s": _since(started)})
    return context


def build_roster(
    size: str, *, stdout: Any, rng: random.Random, today: dt.date, password: str = DEMO_PASSWORD
) -> DemoContext:
    started = time.perf_counter()
    shape = SIZES[size]
    people = People(rng)
    school = School.objects.order_by("pk").first() or School(name=DEMO_SCHOOL_NAME)
    school.name = DEMO_SCHOOL_NAME
    school.save()
    year = ensure_calendar(today)
    autumn = year.terms.get(number=Term.Number.AUTUMN)
    golden_week = monday_of(dt.date(year.start_year, 10, 4))  # 4 October is always a holiday
    if autumn.start_date <= golden_week <= autumn.end_date:
        HolidayWeek.objects.get_or_create(
            term=autumn, monday=golden_week, defaults={"note": "国庆"}
        )
    term = Term.current(today) or autumn
    if term.academic_year_id != year.pk:
        term = autumn

    grades = {}
    for level, name in GRADES:
        grade, _created = Grade.objects.get_or_create(level=level, defaults={"name": name})
        grades[level] = grade
    subjects = {}
    for name, order, _levels, _load in SUBJECTS:
        subject, _created = Subject.objects.get_or_create(name=name, defaults={"order": order})
        subjects[name] = subject

    staff_rows = _plan_staff(shape, people)
    staff_by_no = _create_staff(staff_rows, password)

    classes: dict[tuple[int, int], SchoolClass] = {}
    class_rows = []
    for level, _name in GRADES:
        for number in range(1, shape.classes_per_grade + 1):
            class_rows.append(
                SchoolClass(
                    academic_year=year,
                    grade=grades[level],
                    number=number,
                    homeroom_teacher=staff_by_no[_homeroom_of(staff_rows, level, number)],
                )
            )
    for school_class in SchoolClass.objects.bulk_create(class_rows):
        classes[(school_class.grade.level, school_class.number)] = school_class

    Grade.objects.bulk_update(
        [_with_head(grades[level], staff_by_no[no]) for level, no in _grade_heads(staff_rows)],
        ["head"],
    )
    TeachingAssignment.objects.bulk_create(
        TeachingAssignment(
            staff=staff_by_no[row.staff_no],
            school_class=classes[(level, number)],
            subject=subjects[subject],
        )
        for row in staff_rows
        for (level, number, subject) in row.teaches
    )

    students = _create_students(shape, people, year, classes)
    exam_count = _create_exams(rng, year, today, students, classes, subjects)

    context = DemoContext(
        size=size, year=year, term=term, today=today, rng=rng, stdout=stdout, password=password
    )
    context.logins.extend(_roster_logins(staff_rows, password))
    stdout.write(
        _(
            "Roster: %(classes)d classes, %(students)d students, %(staff)d staff, "
            "%(results)d exam results (%(s).1f s)."
        )
        % {
            "classes": len(classes),
            "students": len(students),
            "staff": len(staff_rows),
            "results": exam_count,
            "s": _since(started),
        }
    )
    return context


@dataclass
class _StaffRow:
    staff_no: str
    name: str
    gender: str
    posts: list[str]
    phone: str
    teaches: list[tuple[int, int, str]] = field(default_factory=list)  # (level, class, subject)
    homeroom_of: tuple[int, int] | None = None
    head_of: int | None = None
    note: str = ""


def _plan_staff(shape: DemoSize, people: People) -> list[_StaffRow]:
    """Who works at the school and what each teaches, before anything is written."""
    rows: list[_StaffRow] = []

    def add(posts: list[str], note: str = "", female_share: float = 0.6) -> _StaffRow:
        gender = people.gender(female_share)
        row = _StaffRow(
            staff_no=f"{1001 + len(rows)}",
            name=people.name(gender, adult=True),
            gender=gender,
            posts=posts,
            phone=people.phone(),
            note=note,
        )
        rows.append(row)
        return row

    add([Post.PRINCIPAL], female_share=0.3)
    add([Post.VICE_PRINCIPAL], note="分管教学", female_share=0.4)
    add([Post.VICE_PRINCIPAL], note="分管德育", female_share=0.4)
    add([Post.ACADEMIC_OFFICE], note="教导主任")
    add([Post.ACADEMIC_OFFICE], note="教导副主任")
    heads = {level: add([Post.GRADE_HEAD, Post.SUBJECT_TEACHER]) for level, _ in GRADES}
    for level, _name in GRADES:
        heads[level].head_of = level

    count = shape.classes_per_grade
    for level, _name in GRADES:
        for subject, _order, levels, load in SUBJECTS:
            if level not in levels:
                continue
            for first in range(1, count + 1, load):
                numbers = range(first, min(first + load, count + 1))
                if subject == "道德与法治" and first == 1:
                    teacher = heads[level]  # grade heads usually keep a light teaching load
                else:
                    teacher = add([Post.SUBJECT_TEACHER])
                teacher.teaches.extend((level, n, subject) for n in numbers)
        # The homeroom teacher of class n teaches it one of the main subjects; the rotation
        # (subject n mod 3, teacher (n-1)//2 of that subject) never picks one teacher twice.
        for number in range(1, count + 1):
            subject = MAIN_SUBJECTS[(number - 1) % 3]
            teacher = next(
                row for row in rows if (level, number, subject) in row.teaches and row.posts
            )
            teacher.homeroom_of = (level, number)
            if Post.HOMEROOM not in teacher.posts:
                teacher.posts = [Post.HOMEROOM, *teacher.posts]
    for _i in range(shape.psychologists):
        add([Post.PSYCHOLOGY], note="心理健康教师", female_share=0.8)
    for _i in range(shape.office_staff):
        add([Post.OFFICE], note="办公室", female_share=0.7)
    return rows


def _homeroom_of(rows: list[_StaffRow], level: int, number: int) -> str:
    return next(row.staff_no for row in rows if row.homeroom_of == (level, number))


def _grade_heads(rows: list[_StaffRow]) -> list[tuple[int, str]]:
    return [(row.head_of, row.staff_no) for row in rows if row.head_of is not None]


def _with_head(grade: Grade, head: Staff) -> Grade:
    grade.head = head
    return grade


def _create_staff(rows: list[_StaffRow], password: str) -> dict[str, Staff]:
    User = get_user_model()
    password_hash = make_password(password)  # once: see the module docstring
    now = timezone.now()
    users = User.objects.bulk_create(
        User(
            username=row.staff_no,
            password=password_hash,
            first_name=row.name,
            is_staff=bool(ADMIN_POSTS.intersection(row.posts)),
            date_joined=now,
        )
        for row in rows
    )
    user_by_name = {user.username: user for user in users}
    if any(user.pk is None for user in users):  # a backend without RETURNING
        user_by_name = {
            u.username: u for u in User.objects.filter(username__in=[r.staff_no for r in rows])
        }
    groups = {g.name: g for g in Group.objects.filter(name__in=Post.values)}
    for post in Post.values:
        if post not in groups:
            groups[post] = Group.objects.create(name=post)
    Through = User.groups.through
    Through.objects.bulk_create(
        Through(user_id=user_by_name[row.staff_no].pk, group_id=groups[post].pk)
        for row in rows
        for post in row.posts
    )
    staff = Staff.objects.bulk_create(
        Staff(
            user=user_by_name[row.staff_no],
            staff_no=row.staff_no,
            name=row.name,
            gender=row.gender,
            phone=row.phone,
        )
        for row in rows
    )
    if any(s.pk is None for s in staff):
        staff = list(Staff.objects.filter(staff_no__in=[r.staff_no for r in rows]))
    return {s.staff_no: s for s in staff}


def _create_students(
    shape: DemoSize, people: People, year: AcademicYear, classes: dict[tuple[int, int], SchoolClass]
) -> list[Student]:
    rows = []
    for (level, number), school_class in sorted(classes.items()):
        entry_year = year.start_year - (level - GRADES[0][0])
        for seq in range(1, people.rng.randint(*shape.students_per_class) + 1):
            gender = people.gender()
            surname = people.surname()
            if people.rng.random() < 0.7:
                guardian = people.name(Gender.MALE, adult=True, surname=surname)
            else:
                guardian = people.name(Gender.FEMALE, adult=True)
            rows.append(
                Student(
                    # 学籍号 as schools print them: text with a leading zero.
                    student_no=f"0105{entry_year % 100:02d}{number:02d}{seq:02d}",
                    name=people.name(gender, surname=surname),
                    gender=gender,
                    birth_date=people.birth_date(year.start_year, level),
                    school_class=school_class,
                    guardian_name=guardian,
                    guardian_phone=people.phone(),
                )
            )
    students = Student.objects.bulk_create(rows, batch_size=1000)
    if any(s.pk is None for s in students):
        students = list(Student.objects.filter(school_class__academic_year=year))
    return students


def _exam_dates(year: AcademicYear, today: dt.date) -> list[tuple[str, dt.date]]:
    """The two latest exams held by ``today`` (the previous year's when none is held yet)."""
    terms = list(year.terms.order_by("start_date"))
    candidates = [
        ("期中考试", dt.date(year.start_year, 4, 23)),
        ("期末考试", dt.date(year.start_year, 7, 2)),
    ]
    for term in terms:
        candidates += [
            ("月考", term.start_date + dt.timedelta(weeks=6)),
            ("期中考试", term.start_date + dt.timedelta(weeks=10)),
            ("期末考试", term.end_date - dt.timedelta(days=10)),
        ]
    held = [c for c in candidates if c[1] <= today]
    return held[-2:] if len(held) >= 2 else candidates[:2]


def _create_exams(
    rng: random.Random,
    year: AcademicYear,
    today: dt.date,
    students: list[Student],
    classes: dict[tuple[int, int], SchoolClass],
    subjects: dict[str, Subject],
) -> int:
    exams = [
        Exam.objects.get_or_create(name=name, date=date)[0]
        for name, date in _exam_dates(year, today)
    ]
    level_of_class = {c.pk: level for (level, _n), c in classes.items()}
    subjects_of_level = {
        level: [subjects[name] for name, _o, levels, _l in SUBJECTS if level in levels]
        for level, _g in GRADES
    }
    results = []
    for student in students:
        ability = rng.gauss(0, 1)
        for subject in subjects_of_level[level_of_class[student.school_class_id]]:
            aptitude = ability + rng.gauss(0, 0.6)
            for exam in exams:
                score = min(100.0, max(12.0, 74 + 13 * (aptitude + rng.gauss(0, 0.35))))
                results.append(
                    ExamResult(
                        student=student,
                        exam=exam,
                        subject=subject,
                        score=Decimal(round(score * 2) / 2).quantize(Decimal("0.1")),
                    )
                )
    ExamResult.objects.bulk_create(results, batch_size=2000)
    return len(results)


def _roster_logins(rows: list[_StaffRow], password: str) -> list[DemoLogin]:
    """One login for each post, the first of its kind."""
    labels = dict(Post.choices)
    wanted = [
        Post.PRINCIPAL,
        Post.VICE_PRINCIPAL,
        Post.ACADEMIC_OFFICE,
        Post.GRADE_HEAD,
        Post.HOMEROOM,
        Post.SUBJECT_TEACHER,
        Post.PSYCHOLOGY,
        Post.OFFICE,
    ]
    logins = []
    for post in wanted:
        if post == Post.SUBJECT_TEACHER:
            row = next(r for r in rows if r.posts == [Post.SUBJECT_TEACHER])
        else:
            row = next(r for r in rows if post in r.posts)
        where = ""
        if post == Post.HOMEROOM and row.homeroom_of:
            where = f" {dict(GRADES)[row.homeroom_of[0]]}({row.homeroom_of[1]})班"
        elif post == Post.GRADE_HEAD and row.head_of:
            where = f" {dict(GRADES)[row.head_of]}"
        elif post == Post.SUBJECT_TEACHER and row.teaches:
            level, _n, subject = row.teaches[0]
            where = f" {dict(GRADES)[level]}{subject}"
        elif row.note:
            where = f" {row.note}"
        logins.append(DemoLogin(row.staff_no, password, f"{row.name} — {labels[post]}{where}"))
    return logins


# Output.


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def logins_table(logins: list[DemoLogin]) -> str:
    """The demo logins as a plain-text table that lines up with Chinese characters."""
    header = (_("Username (staff number)"), _("Password"), _("Person and post"))
    rows = [header] + [(login.username, login.password, login.who) for login in logins]
    widths = [max(display_width(str(row[i])) for row in rows) for i in range(2)]

    def line(row: tuple[str, str, str]) -> str:
        cells = [str(row[i]) + " " * (widths[i] - display_width(str(row[i]))) for i in range(2)]
        return "  ".join([*cells, str(row[2])]).rstrip()

    rule = "  ".join(
        ["-" * widths[0], "-" * widths[1], "-" * max(display_width(r[2]) for r in rows)]
    )
    return "\n".join([line(rows[0]), rule, *(line(row) for row in rows[1:])])


def _since(started: float) -> float:
    return time.perf_counter() - started


class _Quiet:
    def write(self, message: str) -> None:
        pass
