"""The mentor system's paper forms: 受导学生档案, 谈心记录 and 导师考评表."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from mentors.models import TalkLog
from schoolops.models import ReadLog, School

from .conftest import pair


def test_talk_record_prints_every_talk_oldest_first_and_is_logged(school, login, today):
    pairing = pair(school, school.student_a, school.teacher)
    for day, topic in ((dt.date(2026, 10, 9), "学习方法"), (dt.date(2026, 9, 18), "同学关系")):
        TalkLog.objects.create(pairing=pairing, date=day, topic=topic, content=f"谈{topic}")
    response = login(school.teacher).get(reverse("mentors:talks_print", args=[pairing.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "谈心记录" in html and School.get().name in html and "导师签字" in html
    assert html.index("同学关系") < html.index("学习方法")
    assert ReadLog.objects.filter(what="mentors:talks_print").count() == 1


def test_talk_record_of_another_class_is_404(school, login, today):
    pairing = pair(school, school.student_a, school.teacher)
    assert (
        login(school.outsider).get(reverse("mentors:talks_print", args=[pairing.pk])).status_code
        == 404
    )


def test_mentee_file_links_its_talk_record_and_prints_with_the_mentors_line(school, login, today):
    pairing = pair(school, school.student_a, school.teacher)
    html = (
        login(school.teacher)
        .get(reverse("mentors:pairing_detail", args=[pairing.pk]))
        .content.decode()
    )
    assert reverse("mentors:talks_print", args=[pairing.pk]) in html
    assert "受导学生档案" in html and "导师签字" in html


def test_evaluation_form_prints_the_four_parts_with_signatures(school, login, today):
    pair(school, school.student_a, school.teacher)
    html = (
        login(school.academic)
        .get(reverse("mentors:evaluation_mentor", args=[school.teacher.pk]))
        .content.decode()
    )
    form = html[html.index('id="evaluation-form"') :]
    assert "导师考评表" in html
    for part in ("自评", "学生评分", "教师评分", "学校评分", "考评人签字"):
        assert part in form, part


def test_talk_record_reads_the_same_queries_for_two_talks_or_twenty(
    school, login, today, django_assert_max_num_queries
):
    pairing = pair(school, school.student_a, school.teacher)
    client = login(school.teacher)
    url = reverse("mentors:talks_print", args=[pairing.pk])
    for day in (1, 2):
        TalkLog.objects.create(
            pairing=pairing, date=dt.date(2026, 9, day), topic="学习", content="x"
        )
    with django_assert_max_num_queries(20) as few:
        client.get(url)
    for day in range(3, 21):
        TalkLog.objects.create(
            pairing=pairing, date=dt.date(2026, 9, day), topic="学习", content="x"
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert "2026-09-20" in client.get(url).content.decode()
