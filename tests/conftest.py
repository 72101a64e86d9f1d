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

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth import get_user_model

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


@pytest.fixture
def school(db) -> School:
    return build_school()


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
