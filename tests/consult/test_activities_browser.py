"""Browser: a homeroom teacher records a theme class meeting on a phone, adds a photo and
finds it on the class's page; nothing runs off a 390 px screen."""

from __future__ import annotations

import pytest

from consult.models import ActivityPhoto, ClassActivity

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_homeroom_records_a_theme_meeting_with_a_photo_on_a_phone(
    school, phone, browser_login, settings, tmp_path
):
    settings.PRIVATE_ROOT = tmp_path
    page = phone
    browser_login(page, school.homeroom)
    page.goto(f"/consult/classes/{school.class_a.pk}/activities/")
    assert "主题班会" in page.content()
    page.click("#new-theme")
    page.fill("#id_theme", "互帮互学，共同进步")
    page.check(f"input[name=speakers][value='{school.student_a.pk}']")
    page.fill("#id_content", "进步学生现身说法，讲自己如何改掉拖欠作业的习惯")
    page.fill("#id_summary", "学生教育学生，效果明显")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.click("input[type=submit][name=save], button[type=submit][name=save]")
    page.wait_for_url("**/consult/activities/*/")
    activity = ClassActivity.objects.get()
    assert list(activity.speakers.all()) == [school.student_a]
    page.set_input_files(
        "#id_photo", files=[{"name": "班会.png", "mimeType": "image/png", "buffer": PNG}]
    )
    page.click("#photo-form button[type=submit]")
    page.wait_for_selector("#photos img")
    assert ActivityPhoto.objects.filter(activity=activity).count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.goto(f"/consult/classes/{school.class_a.pk}/activities/")
    assert "互帮互学，共同进步" in page.locator("#themes").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
