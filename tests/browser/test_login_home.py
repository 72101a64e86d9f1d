import pytest

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def test_teacher_logs_in_and_sees_their_classes(page, school, browser_login):
    browser_login(page, school.teacher)
    assert page.url.endswith("/")
    classes = page.locator("#my-classes")
    assert str(school.class_a) in classes.inner_text()
    assert str(school.class_c) not in classes.inner_text()


def test_wrong_password_shows_message(page, school):
    page.goto("/accounts/login/")
    page.fill("input[name=username]", school.teacher.staff_no)
    page.fill("input[name=password]", "wrong-password")
    page.click("button[type=submit]")
    assert page.locator(".alert-danger").is_visible()
