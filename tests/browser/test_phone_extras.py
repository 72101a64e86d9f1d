"""Issue 14 on a 390 px phone: the filters of the mentee list, the ledger and the escalation
agenda are GET forms a teacher taps (each control at least 40 px either way, the address
bookmarkable), and a guardian's phone is a full-size tap-to-call link."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

import pytest

from consult import services as consult_services
from tests.browser.teacher_pages import MIN_TAP
from tests.consult.helpers import ledger
from tests.mentors.conftest import mentoring, pair  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


# The box a finger taps: a checkbox with its label beside it, anything else itself.
BOXES_JS = """
(selector) => [...document.querySelectorAll(selector)].map((el) => {
  const rects = [el.getBoundingClientRect()];
  if (el.type === 'checkbox') for (const l of el.labels) rects.push(l.getBoundingClientRect());
  const w = Math.max(...rects.map(r => r.right)) - Math.min(...rects.map(r => r.left));
  const h = Math.max(...rects.map(r => r.bottom)) - Math.min(...rects.map(r => r.top));
  return [el.id || el.className || el.tagName, Math.round(w), Math.round(h)];
})
"""


@pytest.fixture
def phone(phone):
    """The shared phone (tests/conftest.py), waiting longer: a crawl of a post's pages."""
    phone.set_default_timeout(15_000)
    return phone


def small(page, selector: str) -> list:
    boxes = page.evaluate(BOXES_JS, selector)
    assert boxes, selector
    return [b for b in boxes if b[1] < MIN_TAP - 0.5 or b[2] < MIN_TAP - 0.5]


def test_the_mentee_list_filter_and_the_phone_on_a_phone(
    phone,
    school,
    mentoring,  # noqa: F811  (the fixture imported above)
    browser_login,
    today,
):
    pair(school, school.student_a, mentoring.english, started=dt.date(2026, 9, 7))
    browser_login(phone, mentoring.english)
    phone.goto(reverse("mentors:my_mentees"))
    targets = "#mentee-filters input, #mentee-filters select, #mentee-filters button, "
    assert small(phone, targets + ".tel-link, .mentee a.stretched-link") == []
    assert phone.locator(".tel-link").first.get_attribute("href") == "tel:13800000001"
    phone.check("#only-talk-due")
    phone.select_option("#mentee-order", "due")
    phone.click("#mentee-filters button[type=submit]")
    phone.wait_for_load_state()
    assert phone.url.endswith("?only=talk_due&order=due")  # a bookmarkable address
    assert phone.locator("#only-talk-due").is_checked()
    assert phone.locator(".mentee").count() == 1


def test_the_ledger_and_escalation_filters_on_a_phone(phone, school, browser_login, today):
    ledger(school.student_a, school.term, interests="")
    consult_services.propose_manually(school.student_a, school.homeroom, "四周无进步", today)
    browser_login(phone, school.homeroom)
    phone.goto(reverse("consult:class_ledger", args=[school.class_a.pk]))
    assert small(phone, "#ledger-filter input, #ledger-filter button") == []
    phone.check("#only-unfinished")
    phone.click("#ledger-filter button[type=submit]")
    phone.wait_for_load_state()
    assert phone.url.endswith("?only=unfinished")
    assert phone.locator(".ledger-row").count() == 1
    phone.context.clear_cookies()
    browser_login(phone, school.grade_head)
    phone.goto(reverse("consult:escalations"))
    assert small(phone, "#escalation-filter select, #escalation-filter button") == []
    phone.select_option("#escalation-step", "school")
    phone.click("#escalation-filter button[type=submit]")
    phone.wait_for_load_state()
    assert phone.url.endswith("?to=school")
    assert phone.locator("#proposed form").count() == 0  # a class's proposal goes to 级部
