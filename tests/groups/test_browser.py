"""Quick scoring on a phone: one tap per score, undo, eight groups well under a minute."""

import time

from django.db.models import Sum

import pytest

from groups.models import ScoreEntry, ScoreItem

from .helpers import ITEMS, add_students, make_groups

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


@pytest.fixture
def eight_groups(school):
    # Transactional tests flush the tables, the rubric seeded by the migration included.
    for name, value, order in ITEMS:
        ScoreItem.objects.get_or_create(name=name, defaults={"points": value, "order": order})
    students = [school.student_a, *add_students(school.class_a, 31, seed=5)]
    return make_groups(school.class_a, school.term, students, per_group=4)


def points(group) -> int:
    return ScoreEntry.objects.filter(group=group).aggregate(p=Sum("points"))["p"] or 0


def test_quick_scoring_on_a_phone(phone_page, school, eight_groups, browser_login):
    page = phone_page
    browser_login(page, school.teacher)
    page.wait_for_url(lambda url: "/accounts/login" not in url)
    page.goto(f"/groups/classes/{school.class_a.pk}/score/")
    cards = page.locator("form.score-card")
    assert cards.count() == 8
    # The page fits a 375 px phone: no sideways scrolling.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375

    first = cards.nth(0)
    first.locator("button[data-item='质疑对抗']").click()
    page.locator("#score-status").filter(has_text="质疑对抗").wait_for()
    assert first.locator(".js-points").inner_text() == "2"
    assert points(eight_groups[0]) == 2

    # One member: the tap counts for the group too.
    first.locator("select.js-student").select_option(label=school.student_a.name)
    first.locator("button[data-item='表扬']").click()
    page.locator("#score-status").filter(has_text=school.student_a.name).wait_for()
    assert first.locator(".js-points").inner_text() == "5"
    assert ScoreEntry.objects.filter(student=school.student_a).count() == 1

    # Undo the last tap from "my taps in this lesson".
    page.locator("#recent-list form.js-undo button").first.click()
    page.wait_for_function(
        "el => el.textContent.trim() === '2'", arg=first.locator(".js-points").element_handle()
    )
    assert points(eight_groups[0]) == 2

    # A whole lesson: one tap for each of the eight groups, well under a minute.
    started = time.perf_counter()
    for index in range(8):
        card = cards.nth(index)
        before = int(card.locator(".js-points").inner_text())
        card.locator("button[data-item='课堂回答']").click()
        page.wait_for_function(
            "([el, want]) => el.textContent.trim() === want",
            arg=[card.locator(".js-points").element_handle(), str(before + 1)],
        )
    assert time.perf_counter() - started < 60
    assert ScoreEntry.objects.filter(item__name="课堂回答").count() == 8


def test_scoring_works_without_javascript(
    browser, live_server, school, eight_groups, browser_login
):
    context = browser.new_context(
        base_url=live_server.url,
        locale="zh-CN",
        java_script_enabled=False,
        viewport={"width": 375, "height": 812},
    )
    page = context.new_page()
    try:
        browser_login(page, school.teacher)
        page.wait_for_url(lambda url: "/accounts/login" not in url)
        page.goto(f"/groups/classes/{school.class_a.pk}/score/")
        page.locator("form.score-card").nth(1).locator("button[data-item='纪律']").click()
        page.wait_for_load_state()
        assert "纪律" in page.locator(".messages .alert-success").inner_text()
        assert points(eight_groups[1]) == -2
    finally:
        context.close()


def test_the_homeroom_teacher_uploads_the_score_sheet_on_a_phone(
    browser, live_server, school, eight_groups, browser_login, settings, tmp_path
):
    """Issue 12: from the class's pages, on a 390 × 844 phone: choose the file, read the
    check, confirm; the week's scores are in, and nothing asks for a command line."""
    from schoolops.models import ImportRecord

    from .helpers import scores_workbook

    settings.PRIVATE_ROOT = str(tmp_path)
    sheet = scores_workbook(
        [
            [
                "2026-11-23",
                "七年级",
                "1班",
                "飞翔1组",
                "课堂回答",
                1,
                "T1001",
                "学习委员记录",
                None,
            ],
            ["2026-11-23", "七年级", "1班", "飞翔3组", "质疑对抗", 2, "T1001", "", None],
        ]
    )
    context = browser.new_context(
        base_url=live_server.url,
        locale="zh-CN",
        viewport={"width": 390, "height": 844},
        device_scale_factor=3,
        is_mobile=True,
        has_touch=True,
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        browser_login(page, school.homeroom)
        page.wait_for_url(lambda url: "/accounts/login" not in url)
        page.goto(f"/groups/classes/{school.class_a.pk}/")
        page.locator("#class-nav a", has_text="上传评分表").click()
        page.wait_for_url(lambda url: url.endswith("/score/upload/"))
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        assert "命令行" not in page.content() and "manage.py" not in page.content()

        page.set_input_files(
            "#upload-form input[type=file]",
            files=[{"name": "第12周评分.xlsx", "mimeType": XLSX, "buffer": sheet}],
        )
        page.locator("#upload-form button[type=submit]").click()
        page.locator("#upload-confirm").wait_for()
        assert "飞翔3组" in page.locator("#upload-preview").inner_text()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        assert not ScoreEntry.objects.exists()  # the check wrote nothing

        page.locator("#upload-confirm button").click()
        page.wait_for_url(lambda url: url.endswith("/ranking/"))
        assert "导入" in page.locator(".messages .alert-success").inner_text()
        assert points(eight_groups[0]) == 1 and points(eight_groups[2]) == 2
        assert ImportRecord.objects.get(kind="scores").status == ImportRecord.Status.DONE
    finally:
        context.close()


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
