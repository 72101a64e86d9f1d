"""Browser test: a parent answers the class's questionnaire on a 390 px phone, without an
account and without JavaScript, and the same phone cannot answer twice."""

import datetime as dt

from django.utils import timezone

import pytest

from consult import services
from consult.models import QuestionnaireResponse

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def test_a_parent_answers_on_a_phone(school, browser, live_server):
    questionnaire = services.create_questionnaire(
        by=school.homeroom,
        term=school.term,
        title="家庭学习情况",
        audience="parents",
        reach="class",
        school_class=school.class_a,
        deadline=timezone.now() + dt.timedelta(days=7),
        questions=[
            services.QuestionData("single", "每天在家学习多长时间？", ["不到1小时", "1到2小时"]),
            services.QuestionData("multiple", "影响学习的因素", ["手机", "电视", "没有安静的地方"]),
            services.QuestionData("scale", "对孩子学习习惯的满意度", []),
            services.QuestionData("text", "希望老师提供哪些帮助？", [], required=False),
        ],
    )
    link = questionnaire.links.get()
    # A parent's phone: 390 px, touch, and no JavaScript at all.
    context = browser.new_context(
        base_url=live_server.url,
        locale="zh-CN",
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        java_script_enabled=False,
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        page.goto(f"/consult/q/{link.token}/")
        assert "家庭学习情况" in page.inner_text("h1")
        assert "匿名" in page.inner_text("main")
        # Nothing runs off the side of the screen; every choice is a tap-sized target.
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        for box in [o.bounding_box() for o in page.locator(".q-option").all()]:
            assert box is not None and box["height"] >= 40
        # Sent without the required scale: the page says so and keeps what was chosen.
        page.get_by_label("1到2小时").check()
        page.get_by_label("手机").check()
        page.fill("textarea", "希望多和家长沟通")
        page.get_by_role("button", name="提交").click()
        assert page.locator(".text-danger").count() >= 1
        assert page.get_by_label("1到2小时").is_checked()
        assert not QuestionnaireResponse.objects.exists()
        page.locator(".q-option", has_text="4").first.click()
        page.get_by_role("button", name="提交").click()
        page.wait_for_url("**done=1")
        assert "谢谢" in page.inner_text("#q-message")
        sheet = QuestionnaireResponse.objects.get()
        assert "希望多和家长沟通" in sheet.answers.values()
        # The same phone opens the link again: it has answered.
        page.goto(f"/consult/q/{link.token}/")
        assert page.locator("form").count() == 0
        assert QuestionnaireResponse.objects.count() == 1
    finally:
        context.close()
