"""Smoke test: build the demo school with every app's demo step, then log in as it says."""

import io

from django.core.management import call_command
from django.utils import translation

import pytest

from tests.schoolops.test_demo import reinstall_reference_data

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


@pytest.fixture(autouse=True)
def reference_data():
    reinstall_reference_data()


def printed_logins() -> dict[str, tuple[str, str]]:
    """Seed the tiny demo school; return {post: (username, password)} from the printed table."""
    out = io.StringIO()
    with translation.override("zh-hans"):
        call_command("seed_demo", "--size", "tiny", stdout=out)
    logins = {}
    for line in out.getvalue().splitlines():
        parts = line.split()
        if len(parts) >= 5 and parts[0].isdigit() and parts[3] == "—":
            logins.setdefault(parts[4], (parts[0], parts[1]))
    return logins


def log_in(page, username: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def test_demo_homeroom_teacher_logs_in_and_opens_their_class(page):
    logins = printed_logins()
    assert {"校长", "班主任", "任课教师", "办公室"} <= set(logins)
    username, password = logins["班主任"]
    log_in(page, username, password)
    classes = page.locator("#my-classes")
    assert "七年级(1)班" in classes.inner_text()
    assert "八年级(1)班" not in classes.inner_text()
    classes.get_by_text("七年级(1)班").click()
    page.wait_for_load_state()
    assert "/classes/" in page.url
    assert page.locator("body").inner_text().count("0105") >= 6  # the class's 学籍号


def test_demo_principal_logs_in_on_a_phone(phone_page):
    logins = printed_logins()
    username, password = logins["校长"]
    log_in(phone_page, username, password)
    assert phone_page.url.endswith("/")
    assert "校长" in phone_page.locator("body").inner_text()
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375
