"""Deferred acceptance: stability and capacity on random instances (property-based)."""

from hypothesis import given, settings
from hypothesis import strategies as st

from mentors.matching import blocking_pairs, deferred_acceptance


@st.composite
def instances(draw):
    n_students = draw(st.integers(min_value=0, max_value=40))
    n_posts = draw(st.integers(min_value=1, max_value=8))
    posts = list(range(n_posts))
    capacity = {p: draw(st.integers(min_value=0, max_value=6)) for p in posts}
    student_prefs = {}
    for s in range(n_students):
        k = draw(st.integers(min_value=0, max_value=min(3, n_posts)))
        student_prefs[s] = draw(st.permutations(posts))[:k]
    post_rank = {}
    for p in posts:
        applicants = [s for s, prefs in student_prefs.items() if p in prefs]
        order = draw(st.permutations(applicants)) if applicants else []
        declined = draw(st.sets(st.sampled_from(applicants))) if applicants else set()
        post_rank[p] = {s: i for i, s in enumerate(order) if s not in declined}
    return student_prefs, post_rank, capacity


@settings(max_examples=300, deadline=None)
@given(instances())
def test_no_blocking_pair_and_no_post_over_capacity(instance):
    student_prefs, post_rank, capacity = instance
    matching = deferred_acceptance(student_prefs, post_rank, capacity)
    assert blocking_pairs(student_prefs, post_rank, capacity, matching) == []
    for post, cap in capacity.items():
        assert sum(1 for p in matching.values() if p == post) <= cap
    for student, post in matching.items():
        assert post in student_prefs[student]  # only to a mentor the student chose
        assert student in post_rank[post]  # never to a mentor who declined them


def test_blocking_pair_checker_finds_an_unstable_matching():
    prefs = {"a": [1, 2], "b": [1]}
    ranks = {1: {"a": 0, "b": 1}, 2: {"a": 0}}
    capacity = {1: 1, 2: 1}
    assert blocking_pairs(prefs, ranks, capacity, {"b": 1, "a": 2}) == [("a", 1)]
    assert deferred_acceptance(prefs, ranks, capacity) == {"a": 1}


def test_students_propose_so_the_mentor_keeps_its_preferred_applicant():
    prefs = {"s1": ["m1", "m2"], "s2": ["m1", "m2"], "s3": ["m1"]}
    ranks = {"m1": {"s3": 0, "s2": 1, "s1": 2}, "m2": {"s1": 0, "s2": 1}}
    result = deferred_acceptance(prefs, ranks, {"m1": 1, "m2": 1})
    assert result == {"s3": "m1", "s1": "m2"}
