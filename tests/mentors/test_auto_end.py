"""Pairings end by themselves when the roster says they no longer hold: a mentor who leaves
or stops teaching the class, a student who leaves it, from the admin or the roster import."""

import datetime as dt

from django.urls import reverse

import pytest

from mentors import services
from mentors.models import Pairing
from schoolops.models import SchoolClass, Staff, Student, TeachingAssignment
from schoolops.sheets import engine
from tests.mentors.conftest import pair
from tests.mentors.test_sheets import xlsx

pytestmark = pytest.mark.django_db


def ended(pairing):
    pairing.refresh_from_db()
    return (pairing.ended_on, pairing.end_reason) if pairing.ended_on else None


def unpaired(login, school, school_class):
    response = login(school.homeroom if school_class == school.class_a else school.outsider).get(
        reverse("mentors:class_overview", args=[school_class.pk])
    )
    return [s.pk for s in response.context["unpaired"]]


def test_a_mentor_who_leaves_ends_their_pairings(school, mentoring, login, today):
    mine = pair(school, school.student_a, school.teacher)
    other = pair(school, mentoring.students[1], mentoring.english)
    school.teacher.status = Staff.Status.LEFT
    school.teacher.save()
    assert ended(mine) == (today, Pairing.EndReason.LEFT)
    assert ended(other) is None
    assert mine.history.count() == 2  # created, then ended: the record and its history kept
    # The mentee waits for the homeroom teacher, who assigns another mentor of the class.
    assert school.student_a.pk in unpaired(login, school, school.class_a)
    client = login(school.homeroom)
    response = client.post(
        reverse("mentors:hand_assign", args=[school.class_a.pk]),
        {"student": school.student_a.pk, "mentor": mentoring.english.pk, "reason": "原导师调离"},
    )
    assert response.status_code == 302
    assert Pairing.objects.active().get(student=school.student_a).mentor == mentoring.english


def test_a_mentor_who_no_longer_teaches_the_class(school, mentoring, today):
    maths = pair(school, school.student_a, school.teacher)
    english = pair(school, mentoring.students[1], mentoring.english)
    # 刘老师's 英语 in class (1) goes to 孙主任: the assignment changed hands.
    assignment = TeachingAssignment.objects.get(staff=mentoring.english)
    assignment.staff = school.grade_head
    assignment.save()
    assert ended(english) == (today, Pairing.EndReason.POST_CHANGE)
    assert ended(maths) is None
    # 李老师's 数学 in class (1) is deleted; his class (2) teaching does not keep the pairing.
    TeachingAssignment.objects.filter(staff=school.teacher, school_class=school.class_a).delete()
    assert ended(maths) == (today, Pairing.EndReason.POST_CHANGE)


def test_a_mentor_made_homeroom_teacher_of_the_class(school, mentoring, today):
    p = pair(school, school.student_a, school.teacher)
    school.class_a.homeroom_teacher = school.teacher
    school.class_a.save()
    assert ended(p) == (today, Pairing.EndReason.POST_CHANGE)


@pytest.mark.parametrize("status", [Student.Status.TRANSFERRED, Student.Status.GRADUATED])
def test_a_student_who_leaves_the_school(school, mentoring, today, status):
    p = pair(school, school.student_a, school.teacher)
    school.student_a.status = status
    school.student_a.save()
    assert ended(p) == (today, Pairing.EndReason.STUDENT_LEFT)


def test_a_student_moved_to_another_class_waits_there_for_a_mentor(school, mentoring, login, today):
    p = pair(school, school.student_a, school.teacher)
    kept = pair(school, mentoring.students[1], school.teacher)
    school.student_a.guardian_name = "张爸爸"
    school.student_a.save()  # not a move: nothing ends
    assert ended(p) is None
    school.student_a.school_class = school.class_b
    school.student_a.save()
    assert ended(p) == (today, Pairing.EndReason.STUDENT_LEFT)
    assert ended(kept) is None
    assert school.student_a.pk in unpaired(login, school, school.class_b)
    assert school.student_a.pk not in unpaired(login, school, school.class_a)
    # The teacher no longer sees the former mentee's page through the pairing.
    client = login(mentoring.english)
    page = reverse("schoolops:student_detail", args=[school.student_a.pk])
    assert client.get(page).status_code == 404


def test_moving_into_next_years_class_is_not_leaving(school, mentoring, today):
    from schoolops.models import AcademicYear

    p = pair(school, school.student_a, school.teacher)
    next_year = AcademicYear.objects.create(
        start_year=2027, start_date=dt.date(2027, 8, 1), end_date=dt.date(2028, 7, 31)
    )
    promoted = SchoolClass.objects.create(
        academic_year=next_year, grade=school.grade8, number=1, homeroom_teacher=school.homeroom
    )
    school.student_a.school_class = promoted
    school.student_a.save()
    assert ended(p) is None


def test_ending_needs_no_change_for_pairings_that_still_hold(school, mentoring, today):
    pair(school, school.student_a, school.teacher)
    assert services.end_stale_pairings(staff_ids=[school.teacher.pk]) == []
    assert services.end_stale_pairings() == []


def test_roster_import_ends_pairings_after_it_commits(
    school, mentoring, today, tmp_path, django_capture_on_commit_callbacks
):
    moved = pair(school, school.student_a, school.teacher)
    maths = pair(school, mentoring.students[1], school.teacher)
    english = pair(school, mentoring.students[2], mentoring.english)
    students = xlsx(
        tmp_path,
        ["学籍号", "姓名", "性别", "出生日期", "年级", "班级", "家长姓名", "家长电话"],
        [[school.student_a.student_no, "张小明", "男", "", "七年级", "2班", "", ""]],
        "students.xlsx",
    )
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        result, _record = engine.import_file("students", students, dry_run=True)
    assert not result.errors and not callbacks  # a dry run sends nothing
    assert ended(moved) is None
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        result, _record = engine.import_file("students", students)
    assert not result.errors and len(callbacks) == 1
    assert ended(moved) == (today, Pairing.EndReason.STUDENT_LEFT)
    assert ended(maths) is None
    # The assignments file hands class (1)'s 数学 from 李老师 to 孙主任.
    assignments = xlsx(
        tmp_path,
        ["工号", "年级", "班级", "学科"],
        [["T1005", "七年级", "1班", "数学"], ["T1006", "七年级", "1班", "英语"]],
        "assignments.xlsx",
    )
    with django_capture_on_commit_callbacks(execute=True):
        result, _record = engine.import_file("assignments", assignments)
    assert not result.errors
    assert ended(maths) == (today, Pairing.EndReason.POST_CHANGE)
    assert ended(english) is None


def test_roster_changed_signal_carries_the_ids(
    school, mentoring, today, tmp_path, django_capture_on_commit_callbacks
):
    from schoolops.signals import roster_changed

    seen = []

    def receiver(sender, **kwargs):
        seen.append((kwargs["kind"], set(kwargs["staff_ids"]), set(kwargs["student_ids"])))

    roster_changed.connect(receiver)
    try:
        assignments = xlsx(
            tmp_path, ["工号", "年级", "班级", "学科"], [["T1006", "七年级", "1班", "数学"]]
        )
        with django_capture_on_commit_callbacks(execute=True):
            engine.import_file("assignments", assignments)
            engine.import_file("assignments", assignments)  # unchanged: nothing sent
    finally:
        roster_changed.disconnect(receiver)
    assert seen == [("assignments", {school.teacher.pk, mentoring.english.pk}, set())]


def test_a_class_change_saved_in_the_admin_ends_the_pairing(school, mentoring, login, today):
    """The office moves a student to class (2) on the admin's student page."""
    p = pair(school, school.student_a, school.teacher)
    client = login(school.office)
    url = reverse("admin:schoolops_student_change", args=[school.student_a.pk])
    form = client.get(url).context["adminform"].form
    data = {
        name: ("" if value is None else value)
        for name, value in ((n, form[n].value()) for n in form.fields)
    }
    data["school_class"] = school.class_b.pk
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert ended(p) == (today, Pairing.EndReason.STUDENT_LEFT)
    assert p.history.first().history_user == school.office.user  # who ended it: the admin's user
