"""Under which subject a teacher scores: a subject teacher under a subject they teach in that
class, the homeroom teacher under any subject of the class; a score may also name no subject
(the rubric has no subject-bound item). The rule is ``groups.access.scoring_subjects``; the
service enforces it for every way in (the tap page, the JSON tap, a direct call)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.urls import reverse

import pytest

from groups.models import ScoreEntry
from groups.services import add_score
from schoolops.models import Subject, TeachingAssignment

from .helpers import item

pytestmark = pytest.mark.django_db


def _tap(client, school, group, subject) -> object:
    data = {"group": group.pk, "item": item().pk}
    if subject is not None:
        data["subject"] = subject.pk
    return client.post(
        reverse("groups:score_tap", args=[school.class_a.pk]), data, HTTP_ACCEPT="application/json"
    )


def test_a_teacher_scores_only_under_a_subject_they_teach_in_the_class(school, formed, login):
    # 李老师 teaches 数学 in class A; 语文 there is 王老师's (its homeroom teacher); nobody
    # teaches 英语 in class A, and 李老师 teaches 数学 in class B too.
    group = formed[0]
    with pytest.raises(ValidationError):
        add_score(group, item(), school.teacher, subject=school.chinese)
    with pytest.raises(ValidationError):
        add_score(group, item(), school.teacher, subject=school.english)
    client = login(school.teacher)
    for subject in (school.chinese, school.english):
        response = _tap(client, school, group, subject)
        assert response.status_code == 400 and response.json()["message"]
    assert not ScoreEntry.objects.exists()
    assert _tap(client, school, group, school.maths).status_code == 200
    assert _tap(client, school, group, None).status_code == 200
    assert list(ScoreEntry.objects.order_by("pk").values_list("subject", flat=True)) == [
        school.maths.pk,
        None,
    ]


def test_the_homeroom_teacher_scores_under_any_subject_of_the_class(school, formed, login):
    group = formed[0]
    client = login(school.homeroom)
    for subject in (school.chinese, school.maths, None):
        assert _tap(client, school, group, subject).status_code == 200
    # 英语 is not taught in class A: not a subject of the class.
    assert _tap(client, school, group, school.english).status_code == 400
    with pytest.raises(ValidationError):
        add_score(group, item(), school.homeroom, subject=school.english)
    assert ScoreEntry.objects.count() == 3


def test_a_homeroom_teacher_of_another_class_scores_only_their_own_subjects_here(school, formed):
    from groups.access import scoring_subjects

    # 赵老师 (homeroom of class B) also teaches 英语 in class A: a subject teacher here.
    TeachingAssignment.objects.create(
        staff=school.outsider, school_class=school.class_a, subject=school.english
    )
    assert list(scoring_subjects(school.outsider, school.class_a)) == [school.english]
    add_score(formed[0], item(), school.outsider, subject=school.english)
    with pytest.raises(ValidationError):
        add_score(formed[0], item(), school.outsider, subject=school.maths)
    assert set(scoring_subjects(school.outsider, school.class_b)) == {
        school.chinese,
        school.maths,
    }


def test_the_scoring_page_offers_the_subjects_a_teacher_may_score_under(school, formed, login):
    page = login(school.teacher).get(reverse("groups:score", args=[school.class_a.pk]))
    assert [s.name for s in page.context["subjects"]] == ["数学"]
    assert f'name="subject" value="{school.maths.pk}"' in page.text
    page = login(school.homeroom).get(reverse("groups:score", args=[school.class_a.pk]))
    # Their own subject first (the default), then the class's others, then no subject.
    assert [s.name for s in page.context["subjects"]] == ["语文", "数学"]
    assert page.context["no_subject"] is True
    assert f'name="subject" value="{school.chinese.pk}"' in page.text
    assert f'<option value="{school.maths.pk}">数学</option>' in page.text
    assert not Subject.objects.filter(name="英语", assignments__school_class=school.class_a)
