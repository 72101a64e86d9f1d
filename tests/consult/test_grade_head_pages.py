"""A grade head on the consultation pages over many classes (issue 11, defect 6).

The consultation scores and their export, meetings held against expected and the escalation
agenda follow the rule of the other grade pages (``consult.access.sees_grade_pages``): the
grade head sees the grades they head, only their tabs; another grade is a 404 (the scores
page used to fall back silently to the first grade).
"""

from __future__ import annotations

import datetime as dt
import io

from django.urls import reverse

import pytest
from openpyxl import load_workbook

from consult.models import Escalation, Level
from schoolops.models import Gender, Student

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", ["consult:scores", "consult:cadence"])
def test_a_grade_head_sees_their_grade_and_another_grade_is_a_404(school, today, login, name):
    client = login(school.grade_head)
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert "八年级" not in response.text
    assert client.get(reverse(name), {"grade": school.grade7.pk}).status_code == 200
    for value in (school.grade8.pk, "abc"):
        assert client.get(reverse(name), {"grade": value}).status_code == 404, value
    # The principal's office chooses any grade; other posts are refused.
    assert (
        login(school.principal).get(reverse(name), {"grade": school.grade8.pk}).status_code == 200
    )
    assert login(school.homeroom).get(reverse(name)).status_code == 403


def test_a_grade_heads_scores_export_holds_only_their_grade(school, today, login):
    response = login(school.grade_head).get(reverse("consult:scores_xlsx"))
    rows = list(load_workbook(io.BytesIO(response.content)).active.values)
    text = " ".join(str(cell) for row in rows for cell in row if cell is not None)
    assert "七年级(1)班" in text and "七年级(2)班" in text
    assert "八年级" not in text


def test_a_grade_heads_agenda_is_their_grades(school, today, login):
    other = Student.objects.create(
        student_no="0802601001", name="周小雨", gender=Gender.FEMALE, school_class=school.class_c
    )
    for student in (school.student_a, other):
        Escalation.objects.create(
            student=student,
            term=school.term,
            from_level=Level.CLASS,
            to_level=Level.GRADE,
            reason="无改善",
            proposed_on=dt.date(2026, 11, 16),
        )
    response = login(school.grade_head).get(reverse("consult:escalations"))
    assert response.status_code == 200
    assert [e.student for e in response.context["proposed"]] == [school.student_a]
    response = login(school.principal).get(reverse("consult:escalations"))
    assert {e.student for e in response.context["proposed"]} == {school.student_a, other}
