"""The admin list of score entries stays quick on a whole term: a month at a time."""

import datetime as dt

from django.urls import reverse

import pytest

from .helpers import add_points, add_students, make_groups

pytestmark = pytest.mark.django_db

URL = reverse("admin:groups_scoreentry_changelist")


def shown(response) -> int:
    return len(response.context["cl"].result_list)


def test_score_entries_open_on_the_current_month(school, formed, login, today):
    add_points(formed[0], school.homeroom, 2, dt.date(2026, 10, 12), count=3)
    add_points(formed[1], school.homeroom, 1, dt.date(2026, 11, 20), count=2)
    client = login(school.principal)
    response = client.get(URL)
    assert response.status_code == 200
    assert shown(response) == 2  # November only
    assert response.context["cl"].result_count == 2
    assert shown(client.get(URL, {"month": "2026-10"})) == 3
    assert shown(client.get(URL, {"month": "all"})) == 5
    # The filter offers the months of the term from the calendar, newest first.
    changelist = response.context["cl"]
    choices = list(changelist.filter_specs[0].choices(changelist))
    assert [c["display"] for c in choices[1:3]] == ["2026-11", "2026-10"]
    assert choices[1]["selected"] and not choices[0]["selected"]


def test_score_entry_list_costs_the_same_whatever_the_entries(
    school, formed, login, today, django_assert_max_num_queries
):
    client = login(school.principal)
    add_points(formed[0], school.homeroom, 1, dt.date(2026, 11, 20), count=3)
    client.get(URL)
    with django_assert_max_num_queries(30) as few:
        assert client.get(URL).status_code == 200
    for group in formed:
        add_points(group, school.teacher, 2, dt.date(2026, 11, 19), count=40)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(URL)
    assert shown(response) == 50  # one page


def test_moving_a_member_costs_the_same_whatever_the_groups(
    school, formed, login, today, django_assert_max_num_queries
):
    client = login(school.homeroom)
    url = reverse("groups:member_move", args=[formed[0].memberships.first().pk])
    client.get(url)
    with django_assert_max_num_queries(30) as few:
        response = client.get(url)
    assert [g.name for g in response.context["form"].fields["to_group"].queryset] == [
        g.name for g in formed[1:]
    ]
    more = add_students(school.class_a, 12, seed=7)
    make_groups(school.class_a, school.term, more, start=len(formed) + 1)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert len(response.context["form"].fields["to_group"].queryset) == len(formed) - 1 + 3
    assert "飞翔" in response.content.decode()
