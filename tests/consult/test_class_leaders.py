"""弱势班级蹲点: the principal's monthly review sends a school leader to a weak class, whose
figures since then show on the leader's page and home page."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

import pytest

from consult.models import ClassActivity, ClassLeaderAssignment
from consult.selectors import class_leader_rows

from .helpers import meeting

pytestmark = pytest.mark.django_db


def test_the_review_sends_a_leader_to_a_class_and_keeps_the_previous_in_history(
    school, login, today
):
    client = login(school.principal)
    page = client.get(reverse("consult:review") + f"?class={school.class_b.pk}")
    assert 'id="class-leader-form"' in page.text
    url = reverse("consult:review_class_leader", args=[school.class_b.pk])
    response = client.post(url, {"leader": school.academic.pk})
    assert response.status_code == 302
    assert ClassLeaderAssignment.objects.get(active=True).leader == school.academic
    client.post(url, {"leader": school.principal.pk})
    assert ClassLeaderAssignment.objects.filter(school_class=school.class_b).count() == 2
    assert ClassLeaderAssignment.objects.get(active=True).leader == school.principal
    client.post(url, {"leader": ""})
    assert not ClassLeaderAssignment.objects.filter(active=True).exists()
    # Only the principal's office: a grade head or a homeroom teacher is refused.
    for staff in (school.grade_head, school.homeroom):
        assert login(staff).post(url, {"leader": school.academic.pk}).status_code == 403
    # A leader who is not one of the leading posts is refused with a message.
    response = login(school.principal).post(url, {"leader": school.teacher.pk})
    assert response.status_code == 200
    assert not ClassLeaderAssignment.objects.filter(active=True).exists()


def test_the_leader_sees_the_class_figures_since_the_assignment(school, login, today):
    ClassLeaderAssignment.objects.create(
        school_class=school.class_a,
        leader=school.academic,
        term=school.term,
        assigned_on=dt.date(2026, 11, 2),
    )
    meeting(school, dt.date(2026, 10, 20))  # before: not counted
    meeting(school, dt.date(2026, 11, 10))
    meeting(school, dt.date(2026, 11, 17))
    ClassActivity.objects.create(
        kind="theme",
        term=school.term,
        school_class=school.class_a,
        date=dt.date(2026, 11, 13),
        theme="互帮互学",
        created_by=school.homeroom,
    )
    [row] = class_leader_rows(school.academic.pk, school.term)
    assert (row.meetings, row.themes, row.exchanges) == (2, 1, 0)
    assert class_leader_rows(school.principal.pk, school.term) == []
    client = login(school.academic)
    page = client.get(reverse("consult:leader"))
    assert 'id="leader-classes"' in page.text and str(school.class_a) in page.text
    home = client.get(reverse("home"))
    assert "蹲点" in home.text


def test_the_leader_page_keeps_its_queries_with_many_classes(
    school, login, today, django_assert_max_num_queries
):
    from schoolops.models import SchoolClass

    for n in range(3, 9):
        c = SchoolClass.objects.create(
            academic_year=school.class_a.academic_year, grade=school.grade7, number=n
        )
        ClassLeaderAssignment.objects.create(
            school_class=c, leader=school.academic, term=school.term, assigned_on=today
        )
    client = login(school.academic)
    with django_assert_max_num_queries(20):
        assert client.get(reverse("consult:leader")).status_code == 200
