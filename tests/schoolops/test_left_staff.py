"""A member of staff who has left the school cannot sign in, and an open session ends."""

from __future__ import annotations

from django.urls import reverse

from schoolops.models import Staff
from tests.conftest import PASSWORD


def _leave(staff: Staff) -> None:
    staff.status = Staff.Status.LEFT
    staff.save(update_fields=["status"])


def test_a_teacher_who_left_cannot_sign_in(client, school):
    assert client.login(username=school.teacher.staff_no, password=PASSWORD)
    client.logout()
    _leave(school.teacher)
    assert not client.login(username=school.teacher.staff_no, password=PASSWORD)
    response = client.post(
        reverse("login"), {"username": school.teacher.staff_no, "password": PASSWORD}
    )
    assert response.status_code == 200  # the form again, with its message
    assert "_auth_user_id" not in client.session


def test_a_session_opened_before_leaving_ends_at_the_next_request(client, school):
    client.force_login(school.homeroom.user)
    home = reverse("home")
    assert client.get(home).status_code == 200
    _leave(school.homeroom)
    response = client.get(home)
    assert response.status_code == 302
    assert reverse("login") in response["Location"]
    student_page = client.get(reverse("schoolops:student_detail", args=[school.student_a.pk]))
    assert student_page.status_code == 302


def test_an_administrator_without_a_staff_record_still_signs_in(client, db):
    from django.contrib.auth import get_user_model

    get_user_model().objects.create_superuser("root", password=PASSWORD)
    assert client.login(username="root", password=PASSWORD)
