"""Exact query counts of the main pages, as healthchecks pins them: each count says which
queries it is, so a page that gains one fails here and the diff names it. The pages' own
tests show that the counts do not grow with the data (``django_assert_max_num_queries``)."""

from __future__ import annotations

from django.urls import reverse

import pytest

pytestmark = pytest.mark.django_db

# Every page a member of staff opens starts with the same five queries: the session, the
# account with its staff profile, its posts (auth groups), the current term with its year,
# and the classes the person keeps or teaches (the scope).
LOGGED_IN = 5

PINS = [
    # (URL name, the cast's object in the URL, who opens it, queries, what they are)
    ("schoolops:class_list", None, "homeroom", LOGGED_IN + 1, "the classes with student counts"),
    (
        "schoolops:class_detail",
        "class_a",
        "homeroom",
        LOGGED_IN + 5,
        "the class with its year and grade; its students; its teachers with their subjects; "
        "the read log's row (the guardian phones are shown); the school's name (the printed "
        "roster's header)",
    ),
    ("groups:index", None, "homeroom", LOGGED_IN + 1, "the classes with their group counts"),
    (
        "consult:index",
        None,
        "homeroom",
        LOGGED_IN + 3,
        "the classes with year and grade; students per class; ledger entries per class",
    ),
    (
        "home",
        None,
        "homeroom",
        LOGGED_IN + 14,
        "the classes (with student counts) and the to-dos of each app: classes with groups, "
        "the homeroom classes, the holiday weeks, consultation settings, the classes' "
        "students and ledger entries, this week's meetings, strategies due, 包靠 students, "
        "the mentees' talks and contacts this week, the classes' mentor figures, the "
        "questions passed up to the teacher",
    ),
]


@pytest.mark.parametrize(
    ("name", "obj", "actor", "queries", "what"), PINS, ids=[pin[0] for pin in PINS]
)
def test_a_main_page_runs_exactly_its_queries(
    name, obj, actor, queries, what, school, today, login, django_assert_num_queries
):
    client = login(getattr(school, actor))
    url = reverse(name, args=[getattr(school, obj).pk] if obj else [])
    client.get(url)  # the day's first page also runs the apps' once-a-day checks
    with django_assert_num_queries(queries):
        assert client.get(url).status_code == 200
