"""The class terminal on the classroom's 1920x1080 touch screen: the homeroom teacher turns it
on, the PC signs in with the code, the 学习委员 picks themself and evaluates the eight groups."""

from __future__ import annotations

import pytest

from groups.models import ScoreEntry, ScoreItem

from .helpers import ITEMS, add_students, make_groups

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


@pytest.fixture
def eight_groups(school):
    for name, value, order in ITEMS:
        ScoreItem.objects.get_or_create(name=name, defaults={"points": value, "order": order})
    students = [school.student_a, *add_students(school.class_a, 31, seed=5)]
    return make_groups(school.class_a, school.term, students, per_group=4)


def test_the_weekly_evaluation_on_the_class_terminal(
    browser, live_server, school, eight_groups, browser_login
):
    teacher = browser.new_context(base_url=live_server.url, locale="zh-CN")
    screen = browser.new_context(
        base_url=live_server.url, locale="zh-CN", viewport={"width": 1920, "height": 1080}
    )
    try:
        page = teacher.new_page()
        browser_login(page, school.homeroom)
        page.goto(f"/groups/classes/{school.class_a.pk}/terminal/")
        page.get_by_role("button", name="开启并获取登录码").click()
        code = page.locator("[data-terminal-code]").inner_text().strip()

        pc = screen.new_page()
        pc.goto("/groups/terminal/")
        pc.fill("input[name=code]", code)
        pc.get_by_role("button", name="登录").click()
        pc.get_by_role("button", name=school.student_a.name).click()
        cards = pc.locator("section.terminal-group")
        assert cards.count() == 8
        # Eight groups fit the screen's width without sideways scrolling; big buttons.
        assert pc.evaluate("document.documentElement.scrollWidth") <= 1920
        button = cards.nth(2).get_by_role("button", name="表扬 +3")
        assert button.bounding_box()["height"] >= 60
        button.click()
        pc.wait_for_load_state()
        assert "表扬" in pc.locator(".messages .alert-success").inner_text()
        assert cards.nth(2).locator(".terminal-points").inner_text() == "3"
        entry = ScoreEntry.objects.get()
        assert entry.group == eight_groups[2] and entry.recorded_by_student == school.student_a

        # The homeroom teacher reverses it with a reason on the review page.
        page.goto(f"/groups/classes/{school.class_a.pk}/terminal/review/")
        page.fill(f"#reason-{entry.pk}", "记错了小组")
        page.get_by_role("button", name="冲销").click()
        page.wait_for_load_state()
        assert "记错了小组" in page.content()
        assert ScoreEntry.objects.filter(reverses=entry).exists()
    finally:
        teacher.close()
        screen.close()
