"""Browser tests: the homeroom teacher enters the class's choices; a mentor logs a talk."""

import pytest

from mentors.models import Choice, PriorityStudent, TalkLog
from tests.mentors.conftest import pair

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def test_homeroom_teacher_enters_the_class_choices_on_a_phone(
    phone_page, school, mentoring, browser_login
):
    page = phone_page
    browser_login(page, school.homeroom)
    page.goto(f"/mentors/classes/{school.class_a.pk}/choices/")
    row = page.locator(f".choice-row[data-student='{school.student_a.student_no}']")
    row.locator("select").nth(0).select_option(label="刘老师")
    row.locator("select").nth(1).select_option(label="李老师")
    row.locator("input[type=checkbox]").check()
    # Two choices of the same mentor are refused with a message, nothing saved.
    other = page.locator(f".choice-row[data-student='{mentoring.students[1].student_no}']")
    other.locator("select").nth(0).select_option(label="李老师")
    other.locator("select").nth(1).select_option(label="李老师")
    page.click("#choices-form button[type=submit]")
    assert page.locator(".alert-danger").first.is_visible()
    assert not Choice.objects.exists()
    other = page.locator(f".choice-row[data-student='{mentoring.students[1].student_no}']")
    other.locator("select").nth(1).select_option(label="—")
    page.click("#choices-form button[type=submit]")
    assert page.locator(".alert-success").is_visible()
    assert list(
        Choice.objects.filter(student=school.student_a).values_list("rank", "mentor__name")
    ) == [(1, "刘老师"), (2, "李老师")]
    assert PriorityStudent.objects.filter(student=school.student_a).exists()
    # The page fits the phone: no sideways scrolling.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375


def test_mentor_logs_a_talk_on_a_phone(phone_page, school, mentoring, browser_login):
    p = pair(school, school.student_a, school.teacher)
    page = phone_page
    browser_login(page, school.teacher)
    page.goto("/mentors/")
    page.click(f"text={school.student_a.name}")
    page.click("#log-talk")
    page.fill("input[name=topic]", "期中考试")
    page.fill("textarea[name=content]", "数学失分在计算，约定每天练十道计算题")
    page.fill("textarea[name=follow_up]", "下周检查练习本")
    page.click("main form input[type=submit]")
    assert page.locator(".alert-success").is_visible(), page.locator("main").inner_text()
    assert "每天练十道计算题" in page.locator("#talks").inner_text()
    talk = TalkLog.objects.get(pairing=p)
    assert talk.topic == "期中考试"
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


def test_academic_office_previews_then_publishes_the_matching(
    page, school, mentoring, browser_login
):
    from mentors import services
    from mentors.models import Pairing

    services.save_class_choices(
        school.class_a,
        school.year,
        services.ClassChoices(
            {
                school.student_a.pk: [school.teacher.pk, mentoring.english.pk, None],
                mentoring.students[1].pk: [mentoring.english.pk, None, None],
            },
            set(),
        ),
    )
    browser_login(page, school.academic)
    page.goto("/mentors/selection/")
    page.click(f"a[href='/mentors/selection/grades/{school.grade7.pk}/match/']")
    assert school.student_a.name in page.locator("#matched").inner_text()
    assert not Pairing.objects.exists()
    # The button asks first (a data-confirm dialog); dismissing it publishes nothing.
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.click("form button[type=submit][data-confirm]")
    page.wait_for_load_state()
    assert "/match/" in page.url and not Pairing.objects.exists()
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("form button[type=submit][data-confirm]")
    # Back on the selection progress of the grade just matched.
    page.wait_for_url(f"**/mentors/selection/?grade={school.grade7.pk}")
    assert page.locator(".alert-success").is_visible()
    assert Pairing.objects.count() == 2
    row = page.locator(f".progress-row[data-class='{school.class_a.pk}']")
    assert row.locator(".matched").inner_text() == "2"
    # The grade tabs lead to the other grade's classes and its matching.
    page.click(f"#grade-tabs a[href='?grade={school.grade8.pk}']")
    page.wait_for_url(f"**/mentors/selection/?grade={school.grade8.pk}")
    assert page.locator(f".progress-row[data-class='{school.class_c.pk}']").is_visible()
    assert not page.locator(f".progress-row[data-class='{school.class_a.pk}']").count()
    assert page.locator(f"a[href='/mentors/selection/grades/{school.grade8.pk}/match/']").count()


def test_homeroom_teacher_rates_a_mentor_of_the_class_on_a_phone(
    phone_page, school, mentoring, browser_login
):
    from decimal import Decimal

    from mentors.models import TeacherRating

    p = pair(school, school.student_a, school.teacher)
    TalkLog.objects.create(pairing=p, date=p.started_on, topic="学习", content="谈心")
    page = phone_page
    browser_login(page, school.homeroom)
    page.goto("/mentors/")
    page.click("text=评价同事")
    row = page.locator(f"#peer-ratings tr[data-mentor='{school.teacher.staff_no}']")
    assert "未评价" in row.inner_text()
    row.locator("a").click()
    # The mentor's figures are beside the form.
    assert "1" in page.locator("#mentor-figures").inner_text()
    page.fill("input[name=score]", "88")
    page.fill("textarea[name=comment]", "每周谈心，记录详实")
    page.click("main form input[type=submit]")
    assert page.locator(".alert-success").is_visible(), page.locator("main").inner_text()
    row = page.locator(f"#peer-ratings tr[data-mentor='{school.teacher.staff_no}']")
    assert "88" in row.locator(".my-rating").inner_text()
    rating = TeacherRating.objects.get()
    assert (rating.rater, rating.score) == (school.homeroom, Decimal(88))
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
