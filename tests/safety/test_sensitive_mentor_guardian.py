"""The register's mentor relation reads guardian contact (issue 14): the current mentor of a
student, for that student only, while the pairing lasts; never another category it did not
read before (psychological notes, the education plan)."""

from __future__ import annotations

import datetime as dt

import pytest

from mentors import services
from schoolops import privacy
from schoolops.models import Post, Student
from schoolops.privacy import Category, Relation
from schoolops.scopes import Scope
from tests.conftest import make_staff
from tests.mentors.conftest import pair

pytestmark = pytest.mark.django_db


@pytest.fixture
def mentor(school):
    """钱老师: no class of her own, mentors student_a only."""
    staff = make_staff("T1107", "钱老师", [Post.SUBJECT_TEACHER])
    pair(school, school.student_a, staff, started=dt.date(2026, 9, 7))
    return staff


def test_the_register_lets_the_mentor_read_guardian_contact():
    assert Relation.MENTOR in privacy.READERS[Category.GUARDIAN]
    # Still not psychological notes nor the education plan.
    assert Relation.MENTOR not in privacy.READERS[Category.PSYCHOLOGICAL]
    assert Relation.MENTOR not in privacy.READERS[Category.EDUCATION_PLAN]


def test_the_current_mentor_reads_their_mentees_guardian_contact_only(school, mentor, today):
    scope = Scope(mentor.user)
    assert privacy.may_read(scope, Category.GUARDIAN, school.student_a)
    assert not privacy.may_read(scope, Category.GUARDIAN, school.student_b)
    readable = privacy.readable_students(scope, Category.GUARDIAN, Student.objects.all())
    assert list(readable) == [school.student_a]
    # The class is not the mentor's: a list of the class shows no phones.
    assert not privacy.may_read_class(scope, Category.GUARDIAN, school.class_a)
    assert Category.GUARDIAN in privacy.readable_categories(scope, school.student_a)
    assert Category.PSYCHOLOGICAL not in privacy.readable_categories(scope, school.student_a)


def test_not_after_the_pairing_ended(school, mentor, today):
    pairing = mentor.pairings.get()
    services.end_pairing(pairing, "failed", note="换导师")
    scope = Scope(mentor.user)
    assert not privacy.may_read(scope, Category.GUARDIAN, school.student_a)
    assert not privacy.readable_students(scope, Category.GUARDIAN, Student.objects.all()).exists()


def test_who_can_see_names_the_mentor_as_a_reader_of_guardian_contact(school, mentor, today):
    readers = {r.relation: r for r in privacy.who_can_see(school.student_a, school.year)}
    assert readers[Relation.MENTOR].people == [str(mentor)]
    assert Category.GUARDIAN in readers[Relation.MENTOR].categories


def test_copying_into_a_mentoring_record_stays_within_the_readers():
    """Guardian contact may flow into a mentoring record (the same readers), never into a
    record read more widely (a success case, read by the term's judges)."""
    assert privacy.may_copy(Category.GUARDIAN, Category.MENTORING)
    assert not privacy.may_copy(Category.GUARDIAN, Category.CASE)
