"""The mentors' additions to the fixed cast.

七年级(1)班 gets a second mentor, 刘老师 (英语), and four more students, so that the class has
two mentors (李老师 teaches 数学) and five students. The homeroom teacher 王老师 teaches 语文
there but is not a mentor of her own class.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from mentors.models import Pairing
from schoolops.models import Post, Staff, Student, TeachingAssignment
from tests import builders
from tests.conftest import make_staff


@dataclass
class Mentoring:
    english: Staff  # 刘老师, second mentor of class_a
    students: list[Student]  # class_a's five students, student_a first


SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "子涵浩然欣怡宇轩梓萱俊杰雨桐思远佳怡晨曦"


def _name(i: int, _rng) -> str:
    return SURNAMES[i % len(SURNAMES)] + GIVEN[(2 * i) % len(GIVEN) : (2 * i) % len(GIVEN) + 2]


def add_students(school_class, count: int, start: int = 100, prefix: str = "07") -> list[Student]:
    # 学籍号 by grade and class, not by primary key: a reused PostgreSQL test database does not
    # restart its sequences, and the tests compare 学籍号 in text order.
    return builders.add_students(
        school_class,
        count,
        start=start,
        number=prefix + "000{level:02d}{class_number:02d}{n:03d}",
        name=_name,
    )


@pytest.fixture
def mentoring(school) -> Mentoring:
    english = make_staff("T1006", "刘老师", [Post.SUBJECT_TEACHER])
    TeachingAssignment.objects.create(
        staff=english, school_class=school.class_a, subject=school.english
    )
    students = [school.student_a, *add_students(school.class_a, 4)]
    return Mentoring(english=english, students=students)


def pair(school, student, mentor, started=dt.date(2026, 9, 7), rank=1) -> Pairing:
    return Pairing.objects.create(
        student=student,
        mentor=mentor,
        academic_year=school.year,
        school_class=student.school_class,
        choice_rank=rank,
        started_on=started,
    )
