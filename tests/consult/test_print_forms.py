"""The consultation's paper forms: 学生学情档案, 个案育人计划, 学情会商记录 with its
会商签到表, 成功案例 and 班级学情会商量化评分: each answers the post that files it, is scoped
like the page it prints, and logs the sensitive reads."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from consult.models import Attention
from schoolops.models import ReadLog, School

from .helpers import ledger, meeting, observation


def test_student_file_prints_the_ledger_and_the_timeline_and_is_logged(school, login, today):
    ledger(school.student_a, school.term, plan="每周谈心一次")
    observation(school, school.student_a, dt.date(2026, 11, 20))
    response = login(school.homeroom).get(
        reverse("consult:student_file", args=[school.student_a.pk])
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "学生学情档案" in html and School.get().name in html
    assert "课堂上主动举手" in html and "每周谈心一次" in html
    assert "班主任签字" in html and "data-print" in html
    read = ReadLog.objects.get(what="consult:student_file")
    assert read.student_id == school.student_a.pk


def test_student_file_hides_what_the_reader_may_not_read(school, login, today):
    ledger(school.student_a, school.term, categories=[Attention.PSYCHOLOGICAL], plan="每周疏导")
    observation(school, school.student_a, dt.date(2026, 11, 20), psych=True)
    html = (
        login(school.teacher)
        .get(reverse("consult:student_file", args=[school.student_a.pk]))
        .content.decode()
    )
    # A subject teacher reads neither the plan nor the psychological notes.
    assert "每周疏导" not in html and "心理测评显示焦虑" not in html
    assert "心理障碍" not in html


def test_education_plan_is_for_the_plans_readers_only(school, login, today):
    ledger(school.student_a, school.term, plan="每周谈心一次，联系家长")
    url = reverse("consult:education_plan", args=[school.student_a.pk])
    response = login(school.homeroom).get(url)
    html = response.content.decode()
    assert "个案育人计划" in html and "每周谈心一次，联系家长" in html
    assert "家长签字" in html and "导师签字" in html
    assert ReadLog.objects.filter(what="consult:education_plan").count() == 1
    assert login(school.teacher).get(url).status_code == 403


def test_another_class_student_is_404(school, login, today):
    client = login(school.outsider)
    for name in ("consult:student_file", "consult:education_plan"):
        assert client.get(reverse(name, args=[school.student_a.pk])).status_code == 404


def test_meeting_record_prints_with_its_sign_in_sheet(school, login, today):
    m = meeting(school, dt.date(2026, 11, 20), students=[school.student_a])
    m.attendees.set([school.homeroom, school.teacher])
    html = (
        login(school.homeroom).get(reverse("consult:meeting_detail", args=[m.pk])).content.decode()
    )
    assert "学情会商记录" in html and "主持人签字" in html and "记录人签字" in html
    sign_in = html[html.index('id="sign-in"') :]
    assert "会商签到表" in sign_in
    assert school.homeroom.name in sign_in and school.teacher.name in sign_in
    assert sign_in.count("<tr>") == 1 + 2 + 3  # the headers, two attendees, three blank lines


def test_leaders_pages_print_with_the_header(school, login, today):
    html = login(school.principal).get(reverse("consult:scores")).content.decode()
    assert "班级学情会商量化评分" in html and "级部主任签字" in html


def test_student_file_reads_the_same_queries_however_long_the_timeline(
    school, login, today, django_assert_max_num_queries
):
    ledger(school.student_a, school.term)
    client = login(school.homeroom)
    url = reverse("consult:student_file", args=[school.student_a.pk])
    observation(school, school.student_a, dt.date(2026, 11, 2))
    client.get(url)  # the day's first reading checks the escalations and names the school
    with django_assert_max_num_queries(20) as few:
        client.get(url)
    for day in range(3, 20):
        observation(school, school.student_a, dt.date(2026, 11, day))
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)
