"""Concurrent taps: every tap is one INSERT, so no tap is lost (PostgreSQL only: the
SQLite test database lives in memory and is not shared between threads)."""

import threading

from django.db import connection, connections
from django.db.models import Sum

import pytest

from groups.models import ScoreEntry, StudyGroup
from groups.services import add_score

from .helpers import add_students, item, make_groups

pytestmark = pytest.mark.django_db(transaction=True)


def test_twenty_teachers_tapping_at_once_lose_nothing(school):
    if connection.vendor != "postgresql":
        pytest.skip("needs a database shared between threads")
    groups = make_groups(
        school.class_a, school.term, [school.student_a, *add_students(school.class_a, 7)]
    )
    tap = item("课堂回答")
    errors = []

    def teacher(n: int) -> None:
        try:
            group = StudyGroup.objects.select_related("term").get(pk=groups[n % 2].pk)
            for _ in range(10):
                add_score(group, tap, school.teacher)
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=teacher, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert ScoreEntry.objects.count() == 200
    totals = dict(
        ScoreEntry.objects.values_list("group").annotate(p=Sum("points")).values_list("group", "p")
    )
    assert totals == {groups[0].pk: 100, groups[1].pk: 100}
