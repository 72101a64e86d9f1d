"""The fixed cast every test can use.

A small current school year: 七年级 with classes (1) and (2), and 八年级 with class (1).

- ``homeroom``  王老师: homeroom teacher of 七年级(1)班, teaches its 语文.
- ``teacher``   李老师: teaches 数学 in 七年级(1)班 and 七年级(2)班 (a subject teacher; a mentor).
- ``outsider``  赵老师: homeroom teacher of 七年级(2)班; has no business with class (1).
- ``grade_head`` 孙主任: heads 七年级.
- ``principal`` 周校长, ``academic`` 吴老师 (教导处), ``office`` 郑老师 (办公室),
  ``psychologist`` 冯老师 (心理教师).
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import os
import sqlite3
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from pathlib import Path

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction
from django.test import Client

import pytest

from schoolops.models import (
    AcademicYear,
    Gender,
    Grade,
    Post,
    SchoolClass,
    Staff,
    Student,
    Subject,
    TeachingAssignment,
    Term,
)
from schoolops.services import set_posts

PASSWORD = "correct-horse-battery"

# The admin's modules load with the URLs (schoolops.apps.AdminConfig); the tests that walk
# admin.site's registry are collected before any URL is resolved.
admin.autodiscover()


# The test database.


@pytest.fixture(scope="session")
def django_db_setup(
    request,
    django_test_environment,
    django_db_blocker,
    django_db_keepdb,
    django_db_createdb,
    django_db_modify_db_settings,
):
    """pytest-django's setup, except that an in-memory SQLite test database is copied from a
    migrated one kept in the virtual environment: migrating takes about 15 s of CPU, paid
    once per set of migration files instead of by every run and every xdist worker.
    ``--create-db`` migrates afresh. PostgreSQL keeps its own test database (``--reuse-db``)."""
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases

    verbosity = request.config.option.verbose
    keepdb = django_db_keepdb and not django_db_createdb
    in_memory = connection.vendor == "sqlite" and connection.creation.is_in_memory_db(
        connection.creation._get_test_db_name()
    )
    with django_db_blocker.unblock():
        cache = migrated_database_file() if in_memory else None
        if cache is not None and cache.exists() and not django_db_createdb:
            db_cfg = restore_migrated_database(connection, cache)
        else:
            # No test asks for serialized_rollback: nothing to serialize.
            db_cfg = setup_databases(
                verbosity=verbosity, interactive=False, keepdb=keepdb, serialized_aliases=set()
            )
            if cache is not None:
                save_migrated_database(connection, cache)
    yield
    if not keepdb:
        with django_db_blocker.unblock():
            teardown_databases(db_cfg, verbosity=verbosity)


KEPT_DATABASES = 5


def migrated_database_file() -> Path:
    """Where the migrated database of these migration files is kept (named by their digest)."""
    import django
    from django.apps import apps

    digest = hashlib.sha256(f"{django.__version__} {sqlite3.sqlite_version}".encode())
    for config in sorted(apps.get_app_configs(), key=lambda c: c.label):
        folder = Path(config.path) / "migrations"
        for path in sorted(folder.glob("*.py")):
            digest.update(f"{config.label}/{path.name}".encode())
            digest.update(path.read_bytes())
    in_venv = sys.prefix != sys.base_prefix
    folder = Path(sys.prefix if in_venv else tempfile.gettempdir()) / "schoolops-test-db"
    return folder / f"{digest.hexdigest()[:16]}.sqlite3"


def save_migrated_database(connection, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{path.name}.{os.getpid()}")
    target = sqlite3.connect(partial)
    try:
        connection.connection.backup(target)
    finally:
        target.close()
    partial.replace(path)  # atomic: two xdist workers may both have migrated
    # Keep the few latest (other branches' migrations); older copies only take room.
    kept = sorted(path.parent.glob("*.sqlite3"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in kept[KEPT_DATABASES:]:
        old.unlink(missing_ok=True)


def restore_migrated_database(connection, path: Path) -> list:
    """Create the in-memory test database as ``create_test_db`` does, from the saved copy,
    then send ``post_migrate`` as ``migrate`` would (the posts' permissions are code)."""
    from django.conf import settings
    from django.core.management.sql import emit_post_migrate_signal

    old_name = connection.settings_dict["NAME"]
    test_name = connection.creation._get_test_db_name()
    connection.close()
    settings.DATABASES[connection.alias]["NAME"] = test_name
    connection.settings_dict["NAME"] = test_name
    connection.ensure_connection()
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)  # never an empty new file
    try:
        source.backup(connection.connection)
    finally:
        source.close()
    emit_post_migrate_signal(verbosity=0, interactive=False, db=connection.alias)
    return [(connection, old_name, True)]


# The cast lives in the autumn term of the 2026-2027 school year; tests pin "today" with
# time_machine when a date matters.
TODAY = dt.date(2026, 11, 23)


def make_staff(staff_no: str, name: str, posts: list[str], gender: str = Gender.FEMALE) -> Staff:
    user = get_user_model().objects.create_user(username=staff_no, password=PASSWORD)
    set_posts(user, posts)
    return Staff.objects.create(user=user, staff_no=staff_no, name=name, gender=gender)


@dataclass
class School:
    year: AcademicYear
    term: Term
    grade7: Grade
    grade8: Grade
    class_a: SchoolClass  # 七年级(1)班
    class_b: SchoolClass  # 七年级(2)班
    class_c: SchoolClass  # 八年级(1)班
    chinese: Subject
    maths: Subject
    english: Subject
    homeroom: Staff
    teacher: Staff
    outsider: Staff
    grade_head: Staff
    principal: Staff
    academic: Staff
    office: Staff
    psychologist: Staff
    student_a: Student  # in class_a
    student_b: Student  # in class_b
    # Session keys of the staff above, logged in once with a shared cast (``shared_school``);
    # ``tests.safety.routes.client_for`` uses them instead of logging in for every request.
    sessions: dict[str, str] = field(default_factory=dict)


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    """Each test starts with an empty cache (the home charts keep a school's figures there)."""
    cache.clear()


@pytest.fixture
def school(db) -> School:
    return build_school()


@pytest.fixture(scope="module")
def shared_school(django_db_setup, django_db_blocker) -> Iterator[School]:
    """The cast built once for a whole module (the permission matrix: hundreds of tests that
    only read it). It lives in a transaction rolled back after the module; each test's ``db``
    savepoint rolls back what the test wrote. A module uses it by overriding ``school``
    with ``fresh_copy(shared_school)``."""
    with django_db_blocker.unblock(), transaction.atomic():
        school = build_school()
        for name in (f.name for f in fields(school)):
            member = getattr(school, name)
            if isinstance(member, Staff):
                client = Client()
                client.force_login(member.user)
                school.sessions[name] = client.cookies[settings.SESSION_COOKIE_NAME].value
        yield school
        transaction.set_rollback(True)


def fresh_copy(school: School) -> School:
    """The shared cast with instances of its own, so that a test changing one in memory (a
    route's ``build``) leaves the next test the rows as they are in the database."""
    return copy.deepcopy(school)


def build_school() -> School:
    """The cast, for a fixture of a wider scope (``tests/safety/test_sensitive_pages.py``)."""
    year = AcademicYear.objects.create(
        start_year=2026, start_date=dt.date(2026, 8, 1), end_date=dt.date(2027, 7, 31)
    )
    term = Term.objects.create(
        academic_year=year,
        number=Term.Number.AUTUMN,
        start_date=dt.date(2026, 9, 1),
        end_date=dt.date(2027, 1, 24),
    )
    Term.objects.create(
        academic_year=year,
        number=Term.Number.SPRING,
        start_date=dt.date(2027, 2, 22),
        end_date=dt.date(2027, 7, 11),
    )
    grade_head = make_staff("T1005", "孙主任", [Post.GRADE_HEAD, Post.SUBJECT_TEACHER])
    grade7 = Grade.objects.create(level=7, name="七年级", head=grade_head)
    grade8 = Grade.objects.create(level=8, name="八年级")
    homeroom = make_staff("T1001", "王老师", [Post.HOMEROOM, Post.SUBJECT_TEACHER])
    teacher = make_staff("T1002", "李老师", [Post.SUBJECT_TEACHER], gender=Gender.MALE)
    outsider = make_staff("T1003", "赵老师", [Post.HOMEROOM, Post.SUBJECT_TEACHER])
    class_a = SchoolClass.objects.create(
        academic_year=year, grade=grade7, number=1, homeroom_teacher=homeroom
    )
    class_b = SchoolClass.objects.create(
        academic_year=year, grade=grade7, number=2, homeroom_teacher=outsider
    )
    class_c = SchoolClass.objects.create(academic_year=year, grade=grade8, number=1)
    chinese = Subject.objects.create(name="语文", order=1)
    maths = Subject.objects.create(name="数学", order=2)
    english = Subject.objects.create(name="英语", order=3)
    TeachingAssignment.objects.create(staff=homeroom, school_class=class_a, subject=chinese)
    TeachingAssignment.objects.create(staff=teacher, school_class=class_a, subject=maths)
    TeachingAssignment.objects.create(staff=teacher, school_class=class_b, subject=maths)
    TeachingAssignment.objects.create(staff=outsider, school_class=class_b, subject=chinese)
    student_a = Student.objects.create(
        student_no="0702601001",
        name="张小明",
        gender=Gender.MALE,
        school_class=class_a,
        guardian_name="张建国",
        guardian_phone="13800000001",
    )
    student_b = Student.objects.create(
        student_no="0702602001",
        name="陈小红",
        gender=Gender.FEMALE,
        school_class=class_b,
        guardian_name="陈伟",
        guardian_phone="13800000002",
    )
    return School(
        year=year,
        term=term,
        grade7=grade7,
        grade8=grade8,
        class_a=class_a,
        class_b=class_b,
        class_c=class_c,
        chinese=chinese,
        maths=maths,
        english=english,
        homeroom=homeroom,
        teacher=teacher,
        outsider=outsider,
        grade_head=grade_head,
        principal=make_staff("T0001", "周校长", [Post.PRINCIPAL], gender=Gender.MALE),
        academic=make_staff("T0002", "吴老师", [Post.ACADEMIC_OFFICE]),
        office=make_staff("T0003", "郑老师", [Post.OFFICE]),
        psychologist=make_staff("T0004", "冯老师", [Post.PSYCHOLOGY]),
        student_a=student_a,
        student_b=student_b,
    )


@pytest.fixture
def today(school):
    """Pin the clock to a Monday in the autumn term (teaching week 13)."""
    import time_machine

    with time_machine.travel(dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC), tick=False):
        yield TODAY


@pytest.fixture
def login(client):
    """``login(staff)`` logs the client in as that member of staff and returns the client."""

    def _login(staff: Staff):
        client.force_login(staff.user)
        return client

    return _login


# Browser tests: Playwright driving Debian's Chromium (never a downloaded browser).

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    """A desktop-sized page; ``page.base_url`` is the live server."""
    context = browser.new_context(base_url=live_server.url, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def phone(browser, live_server):
    """The issue's phone: 390 x 844, touch, the size every phone test of the teachers' pages
    measures at."""
    context = browser.new_context(
        base_url=live_server.url,
        locale="zh-CN",
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def phone_page(browser, live_server):
    """A phone-sized page (375 x 812, touch), as a teacher holds it in class."""
    context = browser.new_context(
        base_url=live_server.url,
        locale="zh-CN",
        viewport={"width": 375, "height": 812},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def browser_login():
    """``browser_login(page, staff)`` logs in through the login form."""

    def _login(page, staff: Staff) -> None:
        page.goto("/accounts/login/")
        page.fill("input[name=username]", staff.staff_no)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state()

    return _login
