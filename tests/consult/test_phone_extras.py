"""Issue 14, phone: 「只看未完成」 on the class ledger and the step filter (班级→级部, 级部→学校)
on the escalation agenda; GET forms, an unknown value ignored, a fixed query count."""

from __future__ import annotations

from django.urls import reverse

import pytest

from consult import services
from consult.models import Escalation, Level
from tests.consult.helpers import add_students, ledger

pytestmark = pytest.mark.django_db


def ledger_url(school):
    return reverse("consult:class_ledger", args=[school.class_a.pk])


def test_the_ledger_shows_only_the_unfinished_entries(school, login, today):
    [missing, incomplete] = add_students(school.class_a, 2)
    ledger(school.student_a, school.term)  # complete
    ledger(incomplete, school.term, interests="")
    client = login(school.homeroom)
    every = client.get(ledger_url(school))
    assert [r.student for r in every.context["rows"]] == [school.student_a, missing, incomplete]
    only = client.get(ledger_url(school), {"only": "unfinished"})
    assert [r.student for r in only.context["rows"]] == [missing, incomplete]
    assert 'value="unfinished" id="only-unfinished" checked' in only.text
    assert only.context["complete"] == 1 and only.context["total"] == 3  # the badge: 1 of 3
    assert "只看未完成" in only.text
    # An unknown value is ignored (every row), never an error.
    for value in ("x", "", "未完成", "1' or 1=1"):
        response = client.get(ledger_url(school), {"only": value})
        assert response.status_code == 200 and len(response.context["rows"]) == 3


def test_every_entry_complete_says_so(school, login, today):
    ledger(school.student_a, school.term)
    page = login(school.homeroom).get(ledger_url(school), {"only": "unfinished"}).text
    assert "所有学生的台账都已填写完整" in page


def test_the_unfinished_ledger_keeps_a_fixed_query_count(
    school, login, today, django_assert_max_num_queries
):
    client = login(school.homeroom)
    ledger(school.student_a, school.term, interests="")  # one unfinished row from the start
    with django_assert_max_num_queries(20) as small:
        assert client.get(ledger_url(school), {"only": "unfinished"}).status_code == 200
    for student in add_students(school.class_a, 30):
        ledger(student, school.term, interests="")
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(ledger_url(school), {"only": "unfinished"})
    assert len(response.context["rows"]) == 31


def _proposals(school, today):
    to_grade = services.propose_manually(school.student_a, school.homeroom, "四周无进步", today)
    to_school = Escalation.objects.create(
        student=school.student_b,
        term=school.term,
        from_level=Level.GRADE,
        to_level=Level.SCHOOL,
        reason="级部会商后仍无进步",
        proposed_on=today,
        proposed_by=school.grade_head,
    )
    return to_grade, to_school


def test_the_escalation_agenda_by_step(school, login, today):
    to_grade, to_school = _proposals(school, today)
    client = login(school.principal)
    url = reverse("consult:escalations")
    assert {e.pk for e in client.get(url).context["proposed"]} == {to_grade.pk, to_school.pk}
    grade = client.get(url, {"to": "grade"})
    assert [e.pk for e in grade.context["proposed"]] == [to_grade.pk]
    assert "班级 → 级部" in grade.text and '<option value="grade" selected>' in grade.text
    assert [e.pk for e in client.get(url, {"to": "school"}).context["proposed"]] == [to_school.pk]
    # Unknown steps are ignored: every proposal.
    for value in ("class", "home", "x" * 300, "\x00"):
        response = client.get(url, {"to": value})
        assert response.status_code == 200
        assert len(response.context["proposed"]) == 2


def test_the_step_filter_is_kept_across_pages(school, login, today):
    from consult.views.escalations import ESCALATIONS_PAGE

    students = add_students(school.class_a, ESCALATIONS_PAGE + 1)
    for student in students:
        services.propose_manually(student, school.homeroom, "四周无进步", today)
    page = login(school.principal).get(reverse("consult:escalations"), {"to": "grade"})
    assert 'href="?to=grade&amp;page=2"' in page.text


def test_the_filtered_agenda_keeps_a_fixed_query_count(
    school, login, today, django_assert_max_num_queries
):
    _proposals(school, today)
    client = login(school.principal)
    url = reverse("consult:escalations")
    with django_assert_max_num_queries(20) as small:
        assert client.get(url, {"to": "grade"}).status_code == 200
    for student in add_students(school.class_a, 10):
        services.propose_manually(student, school.homeroom, "四周无进步", today)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(url, {"to": "grade"})
    assert len(response.context["proposed"]) == 11
