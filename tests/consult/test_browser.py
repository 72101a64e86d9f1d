"""Browser tests: a homeroom teacher fills the class ledger on a phone and records a class
meeting with two students and their strategies."""

import datetime as dt

import pytest

from consult.models import Attention, LedgerProfile, Meeting, Strategy
from schoolops.models import Gender, Student

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def second_student(school) -> Student:
    return Student.objects.create(
        student_no="0702601002", name="李小华", gender=Gender.FEMALE, school_class=school.class_a
    )


def test_homeroom_fills_the_class_ledger_on_a_phone(school, phone_page, browser_login):
    other = second_student(school)
    page = phone_page
    browser_login(page, school.homeroom)
    page.goto(f"/consult/classes/{school.class_a.pk}/ledger/")
    assert page.locator(".ledger-row").count() == 2
    assert page.locator("#ledger-completeness").inner_text().startswith("0")
    page.click(f".ledger-row[data-student='{school.student_a.pk}']")
    page.fill("#id_strengths", "乐于助人，劳动积极")
    page.fill("#id_weaknesses", "作业拖欠")
    page.fill("#id_personality", "外向，急性子")
    page.fill("#id_interests", "篮球")
    page.fill("#id_family_situation", "父母在外务工，与祖父母同住")
    page.check(f"input[name=categories][value={Attention.LEFT_BEHIND}]")
    page.click("input[type=submit], button[type=submit][name=save]")
    # A special-attention student needs a plan: the form says so and nothing is saved.
    assert page.locator(".invalid-feedback, .text-danger, .alert-danger").count() >= 1
    assert not LedgerProfile.objects.exists()
    page.fill("#id_education_plan", "导师每周谈心，每月与父母视频通话")
    page.click("input[type=submit], button[type=submit][name=save]")
    page.wait_for_url(f"**/consult/students/{other.pk}/ledger/")
    profile = LedgerProfile.objects.get(student=school.student_a)
    assert profile.complete and profile.categories == [Attention.LEFT_BEHIND]
    page.goto(f"/consult/classes/{school.class_a.pk}/ledger/")
    assert page.locator("#ledger-completeness").inner_text().startswith("1")
    # Nothing runs off the side of a 375px screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


def test_homeroom_records_a_class_meeting_with_two_students(school, page, browser_login):
    other = second_student(school)
    browser_login(page, school.homeroom)
    page.goto(f"/consult/meetings/new/?level=class&class={school.class_a.pk}")
    page.fill("#id_topic", "期中考试后学情会商")
    page.fill("#id_preparation", "各科教师汇总期中成绩和作业情况")
    page.fill("#id_analysis", "数学两极分化，部分学生作业拖欠")
    page.fill("#id_strategies", "分层作业，小组结对帮扶")
    page.fill("#id_summary", "下周五复查作业完成情况")
    page.fill("#id_students-0-student", school.student_a.student_no)
    page.fill("#id_students-0-analysis", "数学作业连续拖欠，家长反映在家玩手机")
    page.fill("#id_students-0-decision", "数学教师每周二、四课后辅导，家长每天签字")
    page.fill("#id_students-1-student", other.name)
    page.fill("#id_students-1-analysis", "上课不敢发言")
    page.fill("#id_students-1-decision", "安排担任小组记录员，每周表扬一次进步")
    page.click("#add-discussed")
    assert page.locator(".discussed-form").count() == 4
    page.click("button[name=save]")
    page.wait_for_url("**/consult/meetings/*/")
    meeting = Meeting.objects.get()
    assert meeting.discussed.count() == 2
    assert set(Strategy.objects.values_list("student", flat=True)) == {
        school.student_a.pk,
        other.pk,
    }
    table = page.locator("#discussed").inner_text()
    assert "张小明" in table and "李小华" in table
    assert "课后辅导" in page.content()


def test_chair_edits_the_students_discussed_after_the_meeting(school, page, browser_login):
    from consult.models import MeetingStudent

    from .helpers import meeting

    other = second_student(school)
    m = meeting(school, dt.date(2026, 11, 17), students=[school.student_a])
    browser_login(page, school.homeroom)
    page.goto(f"/consult/meetings/{m.pk}/")
    page.click("#edit-students")
    page.wait_for_url(f"**/consult/meetings/{m.pk}/students/")
    page.fill("#id_students-0-analysis", "作业拖欠，家长反映在家玩手机")
    page.fill("#id_students-0-decision", "家长每天签字")
    # The new student is typed by name; the datalist offers the class.
    assert (
        page.locator(f"#discussed-students option[value='{other.student_no} {other.name}']").count()
        == 1
    )
    page.fill("#id_students-1-student", other.name)
    page.fill("#id_students-1-analysis", "上课不敢发言")
    page.click("button[name=save]")
    page.wait_for_url(f"**/consult/meetings/{m.pk}/")
    table = page.locator("#discussed").inner_text()
    assert "家长反映在家玩手机" in table and other.name in table
    assert set(m.discussed.values_list("student", flat=True)) == {school.student_a.pk, other.pk}
    assert MeetingStudent.history.filter(history_type="~").count() == 1
    # Nothing runs off the side of a phone-sized form either.
    page.set_viewport_size({"width": 375, "height": 812})
    page.goto(f"/consult/meetings/{m.pk}/students/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
