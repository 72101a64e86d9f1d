"""Chinese in the Chinese interface (issue 11, defect 12).

Reproduced before: the first-login page said "This password is too short…" (Django 5.2
reworded that message and its zh_Hans catalog still has the old wording:
``schoolops.django_catalog``); the import history listed its kinds as ``students`` and
``staff``; the admin's labels ended in a half-width colon (「学生:」).
``tests/safety/test_walk.py`` reads every page of the demo school for English and half-width
colons; these are the cases it found, by name.
"""

from django.urls import reverse

import pytest

from schoolops.models import ImportRecord
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_the_first_login_page_says_the_password_rules_in_chinese(school, login):
    school.teacher.must_change_password = True
    school.teacher.save()
    client = login(school.teacher)
    assert client.get(reverse("home"))["Location"] == reverse("password_change")
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "k7#q", "new_password2": "k7#q"},
    )
    assert response.status_code == 200
    assert "密码太短，至少要有 10 个字符。" in response.text
    assert "too short" not in response.text


def test_import_records_name_their_kind_in_chinese(school, login):
    ImportRecord.objects.create(
        kind="students", file_name="学生名册.xlsx", user=school.office.user, rows=3
    )
    client = login(school.office)
    listing = client.get(reverse("admin:schoolops_importrecord_changelist")).text
    assert "学生名册</td>" in listing
    assert ">students<" not in listing
    record = ImportRecord.objects.get()
    page = client.get(reverse("admin:schoolops_importrecord_change", args=[record.pk])).text
    assert '<div class="readonly">学生名册</div>' in page


def test_admin_labels_end_in_a_full_width_colon(school, login):
    page = login(school.office).get(
        reverse("admin:schoolops_staff_change", args=[school.homeroom.pk])
    )
    assert "：</label>" in page.text
    assert ":</label>" not in page.text
