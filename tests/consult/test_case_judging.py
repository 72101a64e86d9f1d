"""Judging success cases: nobody judges a case they wrote or a case of a class they teach.

A case is put forward by a class's consultation team (its homeroom teacher and subject
teachers, seed 003) and its score counts in that team's evaluation; a judge who is on the
team would be scoring their own work.
"""

from __future__ import annotations

import pytest

from consult import services
from consult.models import Case, CaseJudge, CaseScore

pytestmark = pytest.mark.django_db


def _case(school, author, today) -> Case:
    return Case.objects.create(
        student=school.student_a,
        term=school.term,
        school_class=school.class_a,
        title="于细微处做文章",
        situation="难教难管",
        strategy="从小事入手",
        process="每周发现一个优点",
        result="上课说话次数少了",
        nominated=True,
        author=author,
        created_on=today,
    )


def _judges(school, *names):
    for name in names:
        CaseJudge.objects.create(term=school.term, staff=getattr(school, name))


# (author of the case in class_a, judge): the author; the class's homeroom teacher; a
# subject teacher of the class (``teacher`` teaches its 数学); the grade head who wrote it.
OWN = [
    ("homeroom", "homeroom"),
    ("teacher", "teacher"),
    ("teacher", "homeroom"),
    ("homeroom", "teacher"),
    ("grade_head", "grade_head"),
]


@pytest.mark.parametrize(("author", "judge"), OWN, ids=[f"{a}-judged-by-{j}" for a, j in OWN])
def test_nobody_judges_a_case_they_wrote_or_of_a_class_they_teach(
    school, today, login, author, judge
):
    _judges(school, judge)
    case = _case(school, getattr(school, author), today)
    with pytest.raises(services.ValidationError) as refused:
        services.score_case(case, getattr(school, judge), 95)
    assert "评委不评" in str(refused.value.messages)  # said in Chinese
    client = login(getattr(school, judge))
    page = client.get(case.get_absolute_url())
    assert page.status_code == 200
    assert page.context["score_form"] is None
    assert 'name="score"' not in page.text
    assert client.post(case.get_absolute_url(), {"score": "95", "comment": ""}).status_code == 403
    assert not CaseScore.objects.exists()


def test_a_judge_from_outside_the_class_team_scores_it(school, today, login):
    _judges(school, "principal", "grade_head", "outsider")
    case = _case(school, school.homeroom, today)
    assert services.score_case(case, school.principal, 90).score == 90
    assert services.score_case(case, school.grade_head, 85).score == 85  # heads, not teaches
    client = login(school.grade_head)
    assert 'name="score"' in client.get(case.get_absolute_url()).text
    assert services.score_case(case, school.outsider, 80).score == 80  # teaches class_b only
    assert CaseScore.objects.count() == 3
