import datetime as dt

from django.urls import reverse

import pytest

from groups.services import add_score, close_month

from .helpers import item

pytestmark = pytest.mark.django_db


def todo_texts(client) -> str:
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return response.text


def test_homeroom_without_groups_gets_the_forming_todo(school, today, login):
    text = todo_texts(login(school.homeroom))
    assert reverse("groups:class_groups", args=[school.class_a.pk]) in text


def test_unscored_lessons_todo_goes_once_scored(school, formed, login):
    client = login(school.teacher)
    score_url = reverse("groups:score", args=[school.class_a.pk])
    assert score_url in todo_texts(client)
    add_score(formed[0], item(), school.teacher)
    assert score_url not in todo_texts(client)


def test_month_to_close_todo_for_the_academic_office(school, formed, login):
    client = login(school.academic)
    october = reverse("groups:leaderboard") + "?month=2026-10"
    assert october in todo_texts(client)
    close_month(dt.date(2026, 10, 1), school.academic)
    text = todo_texts(client)
    assert october not in text
    assert reverse("groups:leaderboard") + "?month=2026-09" in text
    assert october not in todo_texts(login(school.principal))


def test_home_todos_query_count_is_fixed(school, formed, login, django_assert_max_num_queries):
    client = login(school.homeroom)
    with django_assert_max_num_queries(40) as first:
        client.get(reverse("home"))
    for group in formed:
        for _ in range(5):
            add_score(group, item(), school.homeroom)
    with django_assert_max_num_queries(len(first.captured_queries)):
        client.get(reverse("home"))


def test_student_panel_shows_group_role_and_points(
    school, formed, login, django_assert_max_num_queries
):
    add_score(formed[0], item("表扬"), school.teacher, student=school.student_a)
    add_score(formed[0], item("课堂回答"), school.teacher)
    client = login(school.homeroom)
    url = reverse("schoolops:student_detail", args=[school.student_a.pk])
    with django_assert_max_num_queries(40) as first:
        response = client.get(url)
    assert "panel-groups" in response.text and formed[0].name in response.text
    for _ in range(20):
        add_score(formed[0], item(), school.teacher, student=school.student_a)
    with django_assert_max_num_queries(len(first.captured_queries)):
        client.get(url)


def test_class_page_links_to_groups(school, formed, login):
    response = login(school.teacher).get(
        reverse("schoolops:class_detail", args=[school.class_a.pk])
    )
    assert reverse("groups:score", args=[school.class_a.pk]) in response.text
    response = login(school.grade_head).get(
        reverse("schoolops:class_detail", args=[school.class_a.pk])
    )
    assert reverse("groups:score", args=[school.class_a.pk]) not in response.text
    assert reverse("groups:class_groups", args=[school.class_a.pk]) in response.text


def test_the_class_page_offers_the_score_sheet_upload_to_its_homeroom_teacher_only(
    school, formed, login
):
    page = reverse("schoolops:class_detail", args=[school.class_a.pk])
    upload = reverse("groups:score_upload", args=[school.class_a.pk])
    assert upload in login(school.homeroom).get(page).text
    for staff in (school.teacher, school.grade_head, school.principal):
        assert upload not in login(staff).get(page).text
