"""Group life on a 390 px phone: the homeroom teacher follows the to-do to the class's week,
records a group's meeting, writes its study plan and ticks this week's progress."""

import pytest

from groups.models import GroupMeeting, PlanItem, PlanTick

from .helpers import ITEMS, add_students, make_groups

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


@pytest.fixture
def groups(school):
    from groups.models import ScoreItem

    for name, value, order in ITEMS:
        ScoreItem.objects.get_or_create(name=name, defaults={"points": value, "order": order})
    students = [school.student_a, *add_students(school.class_a, 7, seed=8)]
    return make_groups(school.class_a, school.term, students, per_group=4)


def test_a_meeting_and_a_plan_on_a_phone(phone, school, groups, browser_login):
    page = phone
    browser_login(page, school.homeroom)
    page.wait_for_url(lambda url: "/accounts/login" not in url)
    page.get_by_role("link", name="本周尚无聚会记录的小组").click()
    page.locator("#class-week").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.locator("#class-week tbody tr").first.get_by_role("link", name="小组聚会记录").click()
    form = page.locator("#meeting-form")
    form.locator("textarea[name=discussed]").fill("交流本周数学错题")
    form.locator("textarea[name=decisions]").fill("每人每天整理一道错题")
    box = form.get_by_role("button", name="保存聚会记录").bounding_box()
    assert box and box["height"] >= 40
    with page.expect_navigation():
        form.get_by_role("button", name="保存聚会记录").click()
    page.locator(".alert-success").filter(has_text="已记录").first.wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    meeting = GroupMeeting.objects.get()
    assert meeting.group == groups[0] and meeting.present.count() == 4

    page.get_by_role("link", name="学习计划").first.click()
    page.get_by_role("link", name="修改学习计划").click()
    page.locator("select[name=form-0-subject]").select_option(label="数学")
    page.locator("input[name=form-0-goal]").fill("期末数学全员及格")
    page.locator("input[name=form-0-weekly_task]").fill("每周整理五道错题")
    page.get_by_role("button", name="保存学习计划").click()
    page.locator("#tick-form").wait_for()
    item = PlanItem.objects.get()
    page.locator(f"input[name=done_{item.pk}]").check()
    page.get_by_role("button", name="保存本周进展").click()
    page.locator("#plan .badge.text-bg-success").first.wait_for()
    assert PlanTick.objects.get().done
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
