"""Hostile input: no form input gives a 500.

Every POST route of the permission matrix (``fuzz=True``) is posted, as a post allowed to
use it, with its valid ``data`` mutated by hypothesis: fields dropped, replaced by random or
huge text, unicode, control characters, numbers that are negative, huge or not numbers,
several values for one field and unknown fields. Each request runs in a rolled-back savepoint.
``FUZZ_EXAMPLES`` sets the number of examples per route (25 by default). The fuzzing is the
``fuzz`` lane (``dev.py test --fast`` leaves it out); the cast is built once for the module.
"""

from __future__ import annotations

import os

from django.urls import reverse

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import fresh_copy
from tests.safety.matrix import OK, REDIRECT
from tests.safety.routes import all_routes, describe, request_in_savepoint

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))
POST_ROUTES = [r for r in all_routes() if r.method == "post" and r.fuzz]
ALLOWED = (OK, REDIRECT, 400)

NASTY = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\u202e\u0645\u0631\u062d\u0628\u0627",
    "😀" * 40,
    "𠮷野家",
    "-1",
    "0",
    "-0",
    "１２",  # full-width digits
    "١٢",  # Arabic-Indic digits
    "99999999999999999999999999",
    "-99999999999999999999999999",
    "1e309",
    "NaN",
    "Infinity",
    "0x1F",
    "3.14159265358979323846264338327950288",
    "2026-02-30",
    "9999-12-31",
    "0000-00-00",
    "true",
    "null",
    "[]",
    "{}",
    "<script>alert(1)</script>",
    "'; DROP TABLE schoolops_student; --",
    "=cmd|' /C calc'!A0",
    "../../../../etc/passwd",
    "%s%s%s%n",
    "{{ settings.SECRET_KEY }}",
]

value = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=60),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.integers(min_value=1_000, max_value=100_000).map(lambda n: "长" * n),
)


def mutated(base: dict) -> st.SearchStrategy[dict]:
    keys = sorted(base) or ["field"]
    per_key = {
        key: st.one_of(
            st.just(base.get(key, "")),
            st.none(),  # drop the field
            value,
            st.lists(value, min_size=2, max_size=3),
        )
        for key in keys
    }
    extra = st.dictionaries(st.text(min_size=1, max_size=12), value, max_size=2)

    def combine(pair):
        fields, more = pair
        data = {k: v for k, v in fields.items() if v is not None}
        data.update({k: v for k, v in more.items() if k not in data})
        return data

    return st.tuples(st.fixed_dictionaries(per_key), extra).map(combine)


def first_allowed(route) -> str:
    for actor, wanted in route.expect.items():
        if actor == "anonymous":
            continue
        wanted_set = wanted if isinstance(wanted, tuple) else (wanted,)
        if any(w in (OK, REDIRECT) for w in wanted_set):
            return actor
    return "anonymous"


@pytest.fixture
def school(shared_school, db):
    """The cast is built once for the module; every request runs in a savepoint."""
    return fresh_copy(shared_school)


@pytest.mark.fuzz
@pytest.mark.parametrize("route", POST_ROUTES, ids=[r.key for r in POST_ROUTES])
def test_no_post_input_gives_a_server_error(route, school, today):
    call = route.call(school)
    url = reverse(route.name, kwargs=call.kwargs)
    actor = first_allowed(route)

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(data=mutated(call.data or {}))
    def post(data):
        response = request_in_savepoint(school, actor, route.method, url, call, data=data)
        assert response.status_code < 500, f"{route.key} as {actor}: {describe(response)}"

    post()


def test_the_fuzzing_sees_a_server_error(school, today, monkeypatch):
    """The checker itself: a view that breaks on odd input is caught."""
    from django.contrib.auth import views as auth_views

    def broken(self, form):
        raise ValueError("boom")

    monkeypatch.setattr(auth_views.PasswordResetView, "form_valid", broken)
    url = reverse("password_reset")
    response = request_in_savepoint(
        school, "anonymous", "post", url, call=None, data={"email": "a@example.com"}
    )
    assert response.status_code == 500
    assert "boom" in describe(response)


@pytest.mark.parametrize("route", POST_ROUTES[:1], ids=["too-big-body"])
def test_a_body_over_the_upload_limit_is_refused_cleanly(route, school, today, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024
    call = route.call(school)
    url = reverse(route.name, kwargs=call.kwargs)
    data = {"field": "x" * (128 * 1024)}
    response = request_in_savepoint(school, first_allowed(route), "post", url, call, data=data)
    assert response.status_code == 400
