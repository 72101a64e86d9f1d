import datetime as dt
import io

from django.contrib.messages import constants
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation

import pytest
import time_machine

from schoolops.models import (
    AcademicYear,
    Gender,
    Grade,
    SchoolClass,
    Student,
    TeachingAssignment,
    Term,
)
from schoolops.rollover import plan_rollover, rollover

pytestmark = pytest.mark.django_db

JULY = dt.datetime(2027, 7, 15, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def english():
    """Messages are matched in English; the Chinese catalog may word them differently."""
    with translation.override("en"):
        yield


@pytest.fixture
def july(school):
    """The spring term is over: the time of year a school rolls over."""
    with time_machine.travel(JULY, tick=False):
        yield school


def add_student(school_class, student_no, status=Student.Status.IN_SCHOOL):
    return Student.objects.create(
        student_no=student_no,
        name="学生" + student_no[-2:],
        gender=Gender.FEMALE,
        school_class=school_class,
        status=status,
    )


def snapshot():
    return {
        "classes": set(SchoolClass.objects.values_list("pk", "academic_year", "grade", "number")),
        "students": set(Student.objects.values_list("pk", "school_class", "status")),
        "assignments": set(TeachingAssignment.objects.values_list("pk", "school_class")),
        "years": set(AcademicYear.objects.values_list("pk", flat=True)),
    }


def test_promotes_classes_and_graduates_the_top_grade(july):
    school = july
    leaver = add_student(school.class_a, "0702601099", Student.Status.TRANSFERRED)
    senior = add_student(school.class_c, "0802501001")
    old_classes = set(SchoolClass.objects.values_list("pk", flat=True))

    plan = rollover()

    assert plan.from_year == school.year
    new_year = AcademicYear.objects.get(start_year=2027)
    assert new_year.terms.count() == 2
    assert new_year.terms.get(number=Term.Number.AUTUMN).start_date == dt.date(2027, 9, 1)
    # 七年级(1)(2) became 八年级(1)(2) of the new year, with the same homeroom teachers.
    new_classes = {
        c.number: c
        for c in SchoolClass.objects.filter(academic_year=new_year).select_related("grade")
    }
    assert sorted(new_classes) == [1, 2]
    assert {c.grade for c in new_classes.values()} == {school.grade8}
    assert new_classes[1].homeroom_teacher == school.homeroom
    assert new_classes[2].homeroom_teacher == school.outsider
    # Teaching assignments were copied, not moved.
    assert set(new_classes[1].assignments.values_list("staff__staff_no", "subject__name")) == {
        ("T1001", "语文"),
        ("T1002", "数学"),
    }
    assert TeachingAssignment.objects.filter(school_class=school.class_a).count() == 2
    # Students in school moved; the one who left stays where they left from.
    school.student_a.refresh_from_db()
    assert school.student_a.school_class == new_classes[1]
    leaver.refresh_from_db()
    assert leaver.school_class == school.class_a
    assert leaver.status == Student.Status.TRANSFERRED
    # 八年级 is this school's top grade: its students graduate and keep their class.
    senior.refresh_from_db()
    assert senior.status == Student.Status.GRADUATED
    assert senior.school_class == school.class_c
    # Nothing was deleted.
    assert old_classes <= set(SchoolClass.objects.values_list("pk", flat=True))
    assert plan.promoted_students == 2
    assert plan.graduated_students == 1


def test_a_second_run_is_refused_and_changes_nothing(july):
    rollover()
    before = snapshot()
    with pytest.raises(ValidationError, match="already been rolled over"):
        rollover()
    assert snapshot() == before


def test_a_second_run_in_the_new_year_is_refused(july):
    rollover()
    before = snapshot()
    with (
        time_machine.travel(dt.datetime(2027, 8, 20, tzinfo=dt.UTC)),
        pytest.raises(ValidationError, match="already been rolled over"),
    ):
        rollover()
    assert snapshot() == before


def test_refused_before_the_last_term_begins(school, today):
    before = snapshot()
    with pytest.raises(ValidationError, match="not over yet"):
        rollover()
    assert snapshot() == before


def test_a_missing_grade_refuses_the_whole_rollover(july):
    school = july
    Grade.objects.create(level=10, name="高一")  # 九年级 is missing between 八年级 and 高一
    before = snapshot()
    with pytest.raises(ValidationError, match="no grade of level 9"):
        rollover()
    assert snapshot() == before
    assert school.class_c.students.count() == 0


def test_dry_run_changes_nothing(july):
    before = snapshot()
    out = io.StringIO()
    call_command("rollover_year", "--dry-run", stdout=out)
    assert snapshot() == before
    text = out.getvalue()
    assert "七年级(1)班" in text
    assert "八年级(1)班" in text


def test_command_rolls_over_once_then_refuses(july):
    out = io.StringIO()
    call_command("rollover_year", stdout=out)
    assert SchoolClass.objects.filter(academic_year__start_year=2027).count() == 2
    with pytest.raises(CommandError, match="already been rolled over"):
        call_command("rollover_year", stdout=io.StringIO())


def test_command_names_an_unknown_year(july):
    with pytest.raises(CommandError, match="2031"):
        call_command("rollover_year", "--from-year", "2031", stdout=io.StringIO())


def test_the_plan_lists_every_class(july):
    plan = plan_rollover()
    assert [p.school_class for p in plan.promotions] == [july.class_a, july.class_b]
    assert [g.school_class for g in plan.graduations] == [july.class_c]


def test_teachers_see_their_promoted_class_in_the_new_year(july, client):
    rollover()
    with time_machine.travel(dt.datetime(2027, 9, 6, 9, 0, tzinfo=dt.UTC), tick=False):
        client.force_login(july.homeroom.user)
        response = client.get(reverse("home"))
    assert "八年级(1)班" in response.text
    assert "七年级(1)班" not in response.text


def changelist_action(client, year):
    return client.post(
        reverse("admin:schoolops_academicyear_changelist"),
        {"action": "rollover_action", "_selected_action": [year.pk]},
        follow=True,
        headers={"accept-language": "en"},
    )


def test_admin_action_for_the_academic_office(july, client):
    client.force_login(july.academic.user)
    response = changelist_action(client, july.year)
    assert response.status_code == 200
    assert SchoolClass.objects.filter(academic_year__start_year=2027).count() == 2
    messages = [str(m) for m in response.context["messages"]]
    assert any("2026-2027" in m for m in messages), messages
    # The second time, a clear message and nothing more.
    response = changelist_action(client, july.year)
    refusals = [m for m in response.context["messages"] if m.level == constants.ERROR]
    assert len(refusals) == 1
    assert "2026-2027" in str(refusals[0])
    assert SchoolClass.objects.filter(academic_year__start_year=2027).count() == 2


def test_admin_action_not_for_office_staff(july, client):
    client.force_login(july.office.user)
    changelist_action(client, july.year)
    assert not SchoolClass.objects.filter(academic_year__start_year=2027).exists()
