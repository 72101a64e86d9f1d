"""Browser: a subject teacher, on a 390 px phone, finds a question her class's 科代表 passed
up on her home page and marks it answered with a note; it leaves her home page. Nothing
runs off the screen; the button is a tap target of at least 40 px."""

from __future__ import annotations

import pytest

from groups import materials
from groups.models import Question, SubjectRep

from .helpers import add_students, make_groups

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def test_a_teacher_answers_a_question_on_a_phone(school, phone, browser_login):
    students = [school.student_a, *add_students(school.class_a, 3, seed=16)]
    group = make_groups(school.class_a, school.term, students, per_group=4)[0]
    SubjectRep.objects.create(
        school_class=school.class_a,
        subject=school.maths,
        student=school.student_a,
        set_by=school.homeroom,
    )
    materials.add_question(
        group=group, subject=school.maths, text="分式方程为什么要检验增根？", by=school.homeroom
    )
    materials.pass_up(school.class_a, school.maths)

    page = phone
    browser_login(page, school.teacher)
    page.goto("/")
    panel = page.locator("#home-questions")
    panel.get_by_text("分式方程为什么要检验增根？").wait_for()
    button = panel.get_by_role("link", name="标记为已解答")
    assert button.bounding_box()["height"] >= 40
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    button.click()
    page.wait_for_url("**/groups/questions/*/answer/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.fill("#id_note", "周四数学课上讲解，补充两道练习")
    page.get_by_role("button", name="标记为已解答").click()
    page.wait_for_url(lambda url: "/answer/" not in url)
    assert "分式方程为什么要检验增根？" not in page.content()
    question = Question.objects.get()
    assert question.status == Question.Status.ANSWERED
    assert question.answer_note == "周四数学课上讲解，补充两道练习"
