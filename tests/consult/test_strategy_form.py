"""The strategy form (issue 11, defects 1 and 12): ticked observations are saved and shown."""

import datetime as dt

from django.urls import reverse

import pytest

from consult.models import Observation, Strategy

from .helpers import follow_up, observation, strategy

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"consult:{name}", args=args)


def strategy_data(school, *observations: Observation) -> dict:
    return {
        "problem": "作业拖欠",
        "action": "每天放学前检查作业",
        "owner": school.homeroom.pk,
        "start_date": "2026-11-23",
        "review_date": "2026-12-07",
        "observations": [o.pk for o in observations],
    }


def test_ticked_observations_are_saved_and_shown_on_the_strategy(school, login, today):
    # More observations than the form offers (its 20 latest), so that the choice list is bounded.
    notes = [observation(school, school.student_a, today - dt.timedelta(days=n)) for n in range(25)]
    latest, second = notes[0], notes[1]
    latest.content, second.content = "课堂上主动举手", "作业连续三天未交"
    Observation.objects.bulk_update([latest, second], ["content"])
    client = login(school.homeroom)
    page = client.get(url("strategy_add", school.student_a.pk))
    assert f'value="{latest.pk}"' in page.text and f'value="{notes[-1].pk}"' not in page.text

    response = client.post(
        url("strategy_add", school.student_a.pk), strategy_data(school, latest, second)
    )

    assert response.status_code == 302, response.context["form"].errors
    saved = Strategy.objects.get(student=school.student_a)
    assert set(saved.observations.all()) == {latest, second}
    detail = client.get(url("strategy_detail", saved.pk)).text
    assert "课堂上主动举手" in detail and "作业连续三天未交" in detail


def test_an_observation_not_offered_is_refused_by_the_strategy_form(school, login, today):
    notes = [observation(school, school.student_a, today - dt.timedelta(days=n)) for n in range(21)]
    other = observation(school, school.student_b, today)
    client = login(school.homeroom)
    for not_offered in (notes[-1], other):  # the 21st latest; another student's
        response = client.post(
            url("strategy_add", school.student_a.pk), strategy_data(school, not_offered)
        )
        assert response.status_code == 200
        assert "observations" in response.context["form"].errors
    assert not Strategy.objects.exists()


def test_a_strategy_without_follow_ups_says_so_without_numbering_it(school, login, today):
    s = strategy(school, school.student_a, today)
    client = login(school.homeroom)
    page = client.get(url("strategy_detail", s.pk)).text
    assert "暂无跟进记录" in page
    assert "list-group-numbered" not in page
    follow_up(school, s, today)
    assert "list-group-numbered" in client.get(url("strategy_detail", s.pk)).text
