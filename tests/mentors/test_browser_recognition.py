"""Browser tests on a phone: a mentor files last month's summary from the home page's to-do;
教导处 records a training with its attendance and a mentor's findings, which the mentor reads."""

import datetime as dt

from django.utils import timezone

import pytest

from mentors.models import MentorCheck, MentorSummary, TalkLog, TrainingSession
from schoolops.charts import previous_month
from tests.mentors.conftest import pair

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def test_mentor_files_last_months_summary_from_the_home_page(
    phone, school, mentoring, browser_login
):
    last_month = previous_month(timezone.localdate().replace(day=1))
    p = pair(school, school.student_a, school.teacher, started=last_month - dt.timedelta(days=20))
    TalkLog.objects.create(
        pairing=p,
        date=last_month + dt.timedelta(days=3),
        topic="期中考试",
        content="数学失分在计算",
        follow_up="每天练十道计算题",
    )
    page = phone
    browser_login(page, school.teacher)
    page.goto("/")
    page.click(f"a[href='/mentors/summaries/mine/{last_month:%Y-%m}/']")
    text = page.locator("textarea[name=text]")
    assert "每天练十道计算题" in text.input_value()  # drafted from the month's talks
    text.fill(text.input_value() + "\n张小明计算有进步，下月继续关注。")
    page.click("main form input[type=submit]")
    assert page.locator(".alert-success").is_visible(), page.locator("main").inner_text()
    summary = MentorSummary.objects.get(mentor=school.teacher, month=last_month)
    assert "计算有进步" in summary.text
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_academic_office_records_a_training_and_a_mentor_reads_the_findings(
    phone, school, mentoring, browser_login
):
    pair(school, school.student_a, school.teacher)
    day = max(school.term.start_date, timezone.localdate() - dt.timedelta(days=2))
    page = phone
    browser_login(page, school.academic)
    page.goto("/mentors/trainings/")
    page.fill("input[name=date]", f"{day:%Y-%m-%d}")
    page.select_option("select[name=kind]", "expert")
    page.fill("textarea[name=content]", "专家报告：如何与青春期学生谈心")
    page.check(f"input[name=attendees][value='{school.teacher.pk}']")
    page.click("main form input[type=submit]")
    assert page.locator(".alert-success").is_visible(), page.locator("main").inner_text()
    session = TrainingSession.objects.get()
    assert list(session.attendees.all()) == [school.teacher]
    page.select_option("select[name=mentor]", str(school.teacher.pk))
    page.fill("textarea[name=findings]", "谈心记录完整，家长联系及时")
    page.click("main form input[type=submit]")
    assert "谈心记录完整" in page.locator("#checks").inner_text()
    assert MentorCheck.objects.get().mentor == school.teacher
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.context.clear_cookies()
    browser_login(page, school.teacher)
    page.goto("/mentors/trainings/mine/")
    row = page.locator("#my-trainings").inner_text()
    assert "出席" in row and "谈心记录完整，家长联系及时" in row
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
