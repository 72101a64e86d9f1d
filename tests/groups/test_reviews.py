import datetime as dt

from django.core.exceptions import ValidationError
from django.urls import reverse

import pytest

from groups.models import Consequence, Review, ReviewRound
from groups.services import record_consequence, save_reviews

pytestmark = pytest.mark.django_db


@pytest.fixture
def round_(school, formed):
    return ReviewRound.objects.create(
        school_class=school.class_a,
        term=school.term,
        title="期中自评互评",
        held_on=dt.date(2026, 11, 20),
    )


def test_reviews_replace_earlier_ratings_and_refuse_outsiders(school, formed, round_):
    members = list(formed[0].memberships.select_related("student"))
    reviewer = members[0].student
    ratings = {m.student_id: (5, 4, 3, 2) for m in members}
    assert save_reviews(round_, formed[0], reviewer, ratings, school.homeroom) == len(members)
    save_reviews(round_, formed[0], reviewer, {reviewer.pk: (1, 1, 1, 1)}, school.homeroom)
    assert Review.objects.filter(round=round_, reviewer=reviewer).count() == 1
    stranger = formed[1].memberships.first().student
    with pytest.raises(ValidationError):
        save_reviews(round_, formed[0], reviewer, {stranger.pk: (3, 3, 3, 3)}, school.homeroom)
    with pytest.raises(ValidationError):
        save_reviews(round_, formed[0], reviewer, {reviewer.pk: (6, 3, 3, 3)}, school.homeroom)


def test_summary_page_shows_self_and_peer_averages(school, formed, round_, login):
    members = list(formed[0].memberships.select_related("student"))
    target = members[1].student
    save_reviews(round_, formed[0], members[0].student, {target.pk: (5, 5, 5, 5)}, school.homeroom)
    save_reviews(round_, formed[0], members[2].student, {target.pk: (4, 4, 4, 2)}, school.homeroom)
    save_reviews(round_, formed[0], target, {target.pk: (3, 3, 3, 3)}, school.homeroom)
    page = login(school.homeroom).get(reverse("groups:review_round", args=[round_.pk])).text
    assert "4.5 / 4.5 / 4.5 / 3.5" in page
    assert "3 / 3 / 3 / 3" in page


def test_rewards_and_measures_only_for_members(school, formed):
    member = formed[0].memberships.first().student
    record_consequence(formed[0], member, Consequence.Kind.LETTER, school.homeroom, "互评第一")
    with pytest.raises(ValidationError):
        record_consequence(formed[0], school.student_b, Consequence.Kind.GIFT, school.homeroom)
    assert Consequence.objects.get().history.count() == 1
