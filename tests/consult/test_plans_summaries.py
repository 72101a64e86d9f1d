"""The term's plans (学期学情会商工作计划) and end-of-term summaries (期末总结)."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

import pytest

from consult.models import ClassActivity, Level, TermPlan, TermSummary
from consult.selectors import sum_figures, term_figures

from .helpers import meeting

pytestmark = pytest.mark.django_db

PLAN = {"goals": "会商全覆盖", "schedule": "每周五级部会商", "focus": "学习困难学生"}


def test_the_office_writes_the_school_plan_and_a_grade_head_their_grade_plan(school, login, today):
    office = login(school.academic)
    assert office.post(reverse("consult:plan_school"), PLAN).status_code == 302
    assert TermPlan.objects.get(grade=None).goals == "会商全覆盖"
    head = login(school.grade_head)
    assert head.get(reverse("consult:plan_school")).status_code == 403
    url = reverse("consult:plan_grade", args=[school.grade7.pk])
    assert head.post(url, {**PLAN, "goals": "七年级目标"}).status_code == 302
    assert TermPlan.objects.get(grade=school.grade7).goals == "七年级目标"
    # Saving again changes the one plan.
    head.post(url, {**PLAN, "goals": "七年级新目标"})
    assert TermPlan.objects.filter(grade=school.grade7).count() == 1
    # A homeroom teacher reads neither edit page; missing goals are refused with a message.
    assert login(school.homeroom).get(url).status_code == 403
    response = login(school.grade_head).post(url, {**PLAN, "goals": ""})
    assert response.status_code == 200
    page = login(school.grade_head).get(reverse("consult:plans"))
    assert "七年级新目标" in page.text and "会商全覆盖" in page.text
    # The grade meetings' list shows the plans.
    page = login(school.grade_head).get(reverse("consult:meeting_list") + "?level=grade")
    assert "七年级新目标" in page.text


def test_figures_count_the_term_per_class_and_together(school):
    meeting(school, dt.date(2026, 9, 8), students=[school.student_a])
    meeting(school, dt.date(2026, 9, 15))
    meeting(school, dt.date(2026, 9, 16), school_class=school.class_b)
    ClassActivity.objects.create(
        kind="theme",
        term=school.term,
        school_class=school.class_a,
        date=dt.date(2026, 9, 18),
        theme="互帮互学",
        created_by=school.homeroom,
    )
    rows = term_figures(school.term, [school.class_a, school.class_b])
    a = rows[school.class_a.pk]
    assert (a["meetings"], a["covered"], a["themes"], a["exchanges"]) == (2, 1, 1, 0)
    assert a["response"] is None  # no questionnaire asked
    total = sum_figures(list(rows.values()))
    assert total["meetings"] == 3 and total["response"] is None


def test_a_homeroom_teacher_files_the_class_summary_prefilled_and_only_their_class(
    school, login, today
):
    meeting(school, dt.date(2026, 9, 8), students=[school.student_a])
    client = login(school.homeroom)
    url = reverse("consult:summary_class", args=[school.class_a.pk])
    page = client.get(url)
    assert page.status_code == 200 and "1" in page.text
    draft = page.context["form"].initial["text"]
    assert "1" in draft
    assert client.post(url, {"text": draft + "\n经验：坚持每周会商"}).status_code == 302
    summary = TermSummary.objects.get(level=Level.CLASS)
    assert summary.figures["meetings"] == 1 and "坚持每周会商" in summary.text
    detail = client.get(reverse("consult:summary_detail", args=[summary.pk]))
    assert detail.status_code == 200 and "坚持每周会商" in detail.text
    archive = client.get(reverse("consult:summaries") + f"?term={school.term.pk}")
    assert reverse("consult:summary_detail", args=[summary.pk]) in archive.text
    # Another class: 404 for filing and for reading it.
    other = login(school.outsider)
    assert other.get(url).status_code == 404
    assert other.get(reverse("consult:summary_detail", args=[summary.pk])).status_code == 404
    # An empty summary is refused, the filed one kept.
    assert login(school.homeroom).post(url, {"text": ""}).status_code == 200
    summary.refresh_from_db()
    assert "坚持每周会商" in summary.text


def test_grade_and_school_summaries(school, login, today):
    head = login(school.grade_head)
    url = reverse("consult:summary_grade", args=[school.grade7.pk])
    assert head.post(url, {"text": "级部总结"}).status_code == 302
    assert TermSummary.objects.get(level=Level.GRADE).grade == school.grade7
    assert head.get(reverse("consult:summary_school")).status_code == 403
    office = login(school.academic)
    assert office.post(reverse("consult:summary_school"), {"text": "学校总结"}).status_code == 302
    school_summary = TermSummary.objects.get(level=Level.SCHOOL)
    assert "own" in school_summary.figures
    # The homeroom teacher reads the school's summary, not the grade's.
    grade_summary = TermSummary.objects.get(level=Level.GRADE)
    homeroom = login(school.homeroom)
    assert (
        homeroom.get(reverse("consult:summary_detail", args=[school_summary.pk])).status_code == 200
    )
    assert (
        homeroom.get(reverse("consult:summary_detail", args=[grade_summary.pk])).status_code == 404
    )


def test_the_archive_and_plans_keep_their_queries(
    school, login, today, django_assert_max_num_queries
):
    for c in (school.class_a, school.class_b):
        TermSummary.objects.create(
            term=school.term, level="class", school_class=c, text="总结", updated_by=school.academic
        )
    TermPlan.objects.create(
        term=school.term, goals="目标", schedule="安排", updated_by=school.academic
    )
    client = login(school.principal)
    for url in (reverse("consult:summaries"), reverse("consult:plans")):
        with django_assert_max_num_queries(20):
            assert client.get(url).status_code == 200
