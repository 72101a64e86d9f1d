"""Study pairs on a 390 px phone: the homeroom teacher forms the 数学 pairs from the
suggestions, the maths teacher gives a pair points."""

from __future__ import annotations

import pytest

from groups.models import PairScore, StudyPair

from .helpers import add_students

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def test_forming_and_scoring_pairs_on_a_phone(phone, school, browser_login):
    add_students(school.class_a, 11, seed=3, subjects=[school.maths, school.chinese])
    page = phone
    browser_login(page, school.homeroom)
    page.wait_for_url(lambda url: "/accounts/login" not in url)
    page.goto(f"/groups/classes/{school.class_a.pk}/pairs/form/?subject={school.maths.pk}")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.locator("#pairs-form tbody tr").count() >= 5
    box = page.locator("#pairs-form select").first.bounding_box()
    assert box is not None and box["height"] >= 40
    page.locator("#pairs-form button[type=submit]").click()
    page.wait_for_url(f"**/groups/classes/{school.class_a.pk}/pairs/")
    assert StudyPair.objects.active().count() >= 5
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert "学习对子" in page.content()

    page.context.clear_cookies()
    browser_login(page, school.teacher)
    page.wait_for_url(lambda url: "/accounts/login" not in url)
    page.goto(f"/groups/classes/{school.class_a.pk}/pairs/")
    page.locator("#pairs tbody a").first.click()
    page.fill("input[name=points]", "2")
    page.fill("input[name=reason]", "互讲错题")
    page.locator("[name=save]").click()
    page.locator("#pair-total").filter(has_text="2").wait_for()
    assert PairScore.objects.get().points == 2
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
