"""Every list page runs a fixed number of queries whatever the data size."""

import datetime as dt

from django.urls import reverse

import pytest

from consult.models import (
    Attention,
    Case,
    CaseJudge,
    CaseScore,
    Escalation,
    LeaderAssignment,
    Level,
)

from .helpers import add_students, follow_up, ledger, meeting, observation, strategy

pytestmark = pytest.mark.django_db

PAGES = [
    ("consult:index", ""),
    ("consult:cadence", ""),
    ("consult:scores", ""),
    ("consult:scores", "?month=2026-10"),
    ("consult:case_list", ""),
    ("consult:escalations", ""),
    ("consult:review", ""),
    ("consult:leader", ""),
    ("consult:my_strategies", ""),
    ("consult:meeting_list", ""),
]


def grow(school, n: int, start: int) -> None:
    """n more students in class A with a term of records each."""
    CaseJudge.objects.get_or_create(term=school.term, staff=school.principal)
    for i, student in enumerate(add_students(school.class_a, n, start=start)):
        ledger(student, school.term, categories=[Attention.LEARNING], plan="分层辅导")
        day = dt.date(2026, 9, 7) + dt.timedelta(days=7 * (i % 10))
        observation(school, student, day)
        m = meeting(school, day, students=[student])
        s = strategy(school, student, day, meeting=m)
        s.owner = school.principal
        s.save()
        follow_up(school, s, day + dt.timedelta(days=3))
        LeaderAssignment.objects.create(
            student=student, leader=school.principal, term=school.term, assigned_on=day
        )
        Escalation.objects.create(
            student=student,
            term=school.term,
            from_level=Level.CLASS,
            to_level=Level.GRADE,
            reason="无改善",
            proposed_on=day,
        )
        case = Case.objects.create(
            student=student,
            term=school.term,
            school_class=school.class_a,
            title="案例",
            situation="s",
            strategy="s",
            process="p",
            result="r",
            nominated=True,
            author=school.homeroom,
            created_on=day,
        )
        CaseScore.objects.create(case=case, judge=school.principal, score=80 + i % 10)
    meeting(school, dt.date(2026, 9, 4), level=Level.GRADE, chair=school.grade_head)


@pytest.mark.parametrize(("name", "query"), PAGES)
def test_page_queries_do_not_grow_with_data(
    school, login, today, django_assert_max_num_queries, name, query
):
    client = login(school.principal)
    target = reverse(name) + query
    grow(school, 2, 100)
    with django_assert_max_num_queries(40) as small:
        assert client.get(target).status_code == 200
    grow(school, 25, 300)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(target).status_code == 200


def test_meeting_and_strategy_pages_do_not_grow(
    school, login, today, django_assert_max_num_queries
):
    client = login(school.homeroom)
    students = add_students(school.class_a, 30)
    m = meeting(school, dt.date(2026, 11, 2), students=students[:1])
    s = strategy(school, students[0], dt.date(2026, 11, 2), meeting=m)
    follow_up(school, s, dt.date(2026, 11, 5))
    pages = [
        reverse("consult:meeting_detail", args=[m.pk]),
        reverse("consult:strategy_detail", args=[s.pk]),
    ]
    budgets = []
    for page in pages:
        with django_assert_max_num_queries(30) as small:
            assert client.get(page).status_code == 200
        budgets.append(len(small.captured_queries))
    for student in students[1:]:
        m.discussed.create(student=student, analysis="作业拖欠", decision="每天检查")
        strategy(school, student, dt.date(2026, 11, 2), meeting=m)
    for day in range(6, 20):
        follow_up(school, s, dt.date(2026, 11, day))
    for page, budget in zip(pages, budgets, strict=True):
        with django_assert_max_num_queries(budget):
            assert client.get(page).status_code == 200


def test_leader_rows_count_what_happened_in_two_queries(school, today, django_assert_num_queries):
    from consult.selectors import leader_rows

    [quiet, busy] = add_students(school.class_a, 2)
    for student in (quiet, busy):
        LeaderAssignment.objects.create(
            student=student, leader=school.principal, term=school.term, assigned_on=today
        )
    observation(school, busy, dt.date(2026, 11, 10))
    observation(school, busy, dt.date(2026, 10, 1))  # before ``since``: not counted
    m = meeting(school, dt.date(2026, 11, 12), students=[busy])
    s = strategy(school, busy, dt.date(2026, 11, 12), meeting=m)
    follow_up(school, s, dt.date(2026, 11, 16))
    follow_up(school, s, dt.date(2026, 11, 19))
    # The assignments, then the four counts in one UNION (no ledger entries asked for).
    with django_assert_num_queries(2):
        rows = leader_rows(school.principal.pk, school.term, dt.date(2026, 10, 24), profiles=False)
    counts = {
        r.assignment.student_id: (r.observations, r.follow_ups, r.meetings, r.open_strategies)
        for r in rows
    }
    assert counts == {quiet.pk: (0, 0, 0, 0), busy.pk: (1, 2, 1, 1)}
