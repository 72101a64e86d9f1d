"""The academic office (教导处) builds the term evaluation, nominates a class with a reason,
selects it and publishes 优秀班级 on a 390 px phone; every teacher then reads the award on the
printable certificates list."""

import pytest

from schoolops.models import AwardPublication, EvaluationSnapshot

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def test_the_academic_office_publishes_the_terms_selections(phone, school, today, browser_login):
    browser_login(phone, school.academic)
    phone.goto("/evaluation/")
    phone.click("#build button[type=submit]")
    phone.wait_for_load_state()
    assert phone.locator("#built").is_visible()
    assert EvaluationSnapshot.objects.count() == 1
    assert phone.locator("#class-ranking").is_visible()

    phone.goto("/evaluation/awards/")
    phone.select_option("#nominate select[name=nominee]", f"class:{school.class_a.pk}")
    phone.fill("#nominate textarea[name=reason]", "学情会商扎实，互助小组活跃。")
    phone.click("#nominate [type=submit]")
    phone.wait_for_load_state()
    row = phone.locator("#award-class tr[data-nomination]")
    assert "七年级(1)班" in row.inner_text()

    row.locator("button.select").click()
    phone.wait_for_load_state()
    assert "已选定" in phone.locator("#award-class tr[data-nomination] .status").inner_text()
    # Every button of the page is a tap target on the phone, and nothing overflows it.
    assert phone.locator("#award-class form.publish button").bounding_box()["height"] >= 40
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390

    phone.click("#award-class form.publish button")
    phone.wait_for_load_state()
    assert phone.locator("#award-class .badge").inner_text() == "已公布"
    assert AwardPublication.objects.filter(category="class").exists()

    phone.context.clear_cookies()
    browser_login(phone, school.teacher)
    phone.goto("/evaluation/honours/")
    listed = phone.locator("#honours-class").inner_text()
    assert "七年级(1)班" in listed and "学情会商扎实" in listed
