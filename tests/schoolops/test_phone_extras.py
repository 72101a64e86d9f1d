"""Issue 14, phone: change my password from the app's menu (not only in the admin), and the
tap-to-call link's number."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

import pytest

from schoolops.templatetags.phones import phone_link, tel_href
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

NEW = "a-much-better-Passw0rd"


def test_every_member_of_staff_finds_the_password_page_in_the_menu(school, login, today):
    url = reverse("password_change")
    for staff in (
        school.homeroom,
        school.teacher,
        school.grade_head,
        school.principal,
        school.office,
        school.academic,
        school.psychologist,
    ):
        client = login(staff)
        home = client.get(reverse("home"))
        assert f'href="{url}" id="change-password">修改密码</a>' in home.text, staff
        page = client.get(url)
        assert page.status_code == 200
        assert "修改密码" in page.text and 'class="navbar' in page.text  # the app's own look


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("password_change"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert 'id="change-password"' not in client.get(reverse("login")).text


def test_changing_the_password_keeps_the_session(school, login, today):
    client = login(school.teacher)
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("password_change_done")
    assert "你的密码已修改。" in response.text or "密码已修改" in response.text
    # Still signed in: the session was kept.
    assert client.get(reverse("home")).status_code == 200
    user = get_user_model().objects.get(pk=school.teacher.user.pk)
    assert user.check_password(NEW) and not user.check_password(PASSWORD)
    fresh = Client()
    assert fresh.login(username=school.teacher.staff_no, password=NEW)


def test_a_wrong_old_password_is_refused_in_chinese(school, login, today):
    client = login(school.teacher)
    response = client.post(
        reverse("password_change"),
        {"old_password": "not-my-password", "new_password1": NEW, "new_password2": NEW},
    )
    assert response.status_code == 200
    assert "旧密码不正确" in response.text
    assert get_user_model().objects.get(pk=school.teacher.user.pk).check_password(PASSWORD)


@pytest.mark.parametrize(
    ("written", "href"),
    [
        ("13800000001", "tel:13800000001"),
        ("0571-88000008", "tel:057188000008"),
        ("0571-88000008转123", "tel:057188000008,123"),
        ("0571-88000008(转123)", "tel:057188000008,123"),
        ("0571-88000008（分机 123）", "tel:057188000008,123"),
        ("(0571) 8800 0008 ext. 12", "tel:057188000008,12"),
        ("+86 138 0000 0001", "tel:+8613800000001"),
        ("不详", ""),
        ("", ""),
        (None, ""),
    ],
)
def test_the_tel_link_dials_digits_and_the_extension(written, href):
    assert tel_href(written) == href


def test_a_phone_link_is_escaped_and_tap_sized():
    link = phone_link("0571-88000008转123")
    assert link == (
        '<a class="btn btn-link btn-tap px-1 text-nowrap tel-link" '
        'href="tel:057188000008,123">0571-88000008转123</a>'
    )
    assert phone_link("") == "—"
    assert str(phone_link("<b>无</b>")) == "<b>无</b>"  # plain text: the template escapes it
    assert "<a" not in str(phone_link("<b>无</b>"))
