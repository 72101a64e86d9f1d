"""The permission matrix (see ``matrix.py``): every URL × every post → the expected status."""

from __future__ import annotations

from django.contrib import admin
from django.urls import reverse

import pytest

from tests.conftest import fresh_copy
from tests.safety.matrix import ACTORS, LOGIN, OK, REDIRECT, TERMINAL_REFUSED, Call
from tests.safety.routes import (
    admin_objects,
    admin_overrides,
    admin_views,
    all_routes,
    describe,
    matches,
    observe,
    request_in_savepoint,
    stale_routes,
    table,
    terminal_cell,
    uncovered_patterns,
)

ROUTES = all_routes()


@pytest.fixture
def school(shared_school, db):
    """The cast is built once for the module; every request below runs in a savepoint."""
    return fresh_copy(shared_school)


def test_every_url_pattern_has_an_entry():
    missing = uncovered_patterns(ROUTES)
    assert not missing, (
        "URL patterns with no entry in the permission matrix; add a Route to "
        "tests/<app>/matrix.py (see tests/safety/matrix.py):\n  " + "\n  ".join(missing)
    )


def test_every_entry_names_a_url_that_exists():
    assert not stale_routes(ROUTES), (
        f"matrix entries for URL names that do not exist: {stale_routes(ROUTES)}"
    )


def test_every_entry_has_a_full_row_and_a_unique_key():
    keys = [route.key for route in ROUTES]
    assert len(keys) == len(set(keys)), "two routes share a key: give them distinct ids"
    for route in ROUTES:
        assert set(route.expect) == set(ACTORS), f"{route.key}: expected statuses for {ACTORS}"
        assert route.method in {"get", "post", "put", "patch", "delete"}, route.key


def test_the_matrix_catches_a_wrong_expectation(school, today):
    """The checker itself: a page that answers 200 does not pass as a 404."""
    url = reverse("schoolops:class_detail", kwargs={"class_pk": school.class_a.pk})
    response = request_in_savepoint(school, "outsider", "get", url, Call())
    assert observe(response) == 404
    assert not matches(OK, observe(response))
    response = request_in_savepoint(school, "anonymous", "get", url, Call())
    assert observe(response) == LOGIN
    response = request_in_savepoint(school, "homeroom", "get", url, Call())
    assert observe(response) == OK


@pytest.mark.parametrize("route", ROUTES, ids=[route.key for route in ROUTES])
def test_route(route, school, today):
    call = route.call(school)
    url = reverse(route.name, kwargs=call.kwargs)
    wrong = []
    for actor in ACTORS:
        response = request_in_savepoint(school, actor, route.method, url, call)
        seen = observe(response)
        wanted = terminal_cell(route.expect[actor], url)
        if not matches(wanted, seen) or response.status_code >= 500:
            wrong.append((route.key, actor, wanted, seen, describe(response)))
    assert not wrong, f"{url}\n" + table(wrong)


# The admin rule: model permissions decide, per registered model.

ADMIN_MODELS = sorted(admin.site._registry, key=lambda m: (m._meta.app_label, m._meta.model_name))


def admin_expected(user, model, view: str) -> object:
    if user is None or not (user.is_active and user.is_staff):
        return LOGIN
    label = model._meta.app_label
    name = model._meta.model_name
    if view in ("changelist", "change", "history", "simple_history"):
        allowed = user.has_perm(f"{label}.view_{name}") or user.has_perm(f"{label}.change_{name}")
    else:
        allowed = user.has_perm(f"{label}.{view}_{name}")
    return OK if allowed else 403


@pytest.mark.parametrize("model", ADMIN_MODELS, ids=[m._meta.label_lower for m in ADMIN_MODELS])
def test_admin_model(model, school, today):
    factories = admin_objects()
    label = model._meta.label_lower
    obj = factories[label](school) if label in factories else model._default_manager.first()
    assert obj is not None, (
        f"no {label} to open in the admin: add ADMIN_OBJECTS[{label!r}] to your tests/<app>/matrix.py"
    )
    overrides = admin_overrides()
    info = f"admin:{model._meta.app_label}_{model._meta.model_name}"
    wrong = []
    for view in (*admin_views(admin.site._registry[model]), "redirect"):
        if view == "redirect":
            url = reverse(f"{info}_change", args=[obj.pk]).removesuffix("change/")
        elif view == "simple_history":
            version = obj.history.order_by("-history_id").first()
            assert version is not None, f"{label}: create the object with save() to get history"
            url = reverse(f"{info}_simple_history", args=[obj.pk, version.history_id])
        elif view in ("changelist", "add"):
            url = reverse(f"{info}_{view}")
        else:
            url = reverse(f"{info}_{view}", args=[obj.pk])
        for actor in ACTORS:
            if actor == "terminal":  # the class terminal never reaches the admin
                response = request_in_savepoint(school, actor, "get", url, Call())
                seen = observe(response)
                if not matches(TERMINAL_REFUSED, seen):
                    wrong.append((f"{info}_{view}", actor, TERMINAL_REFUSED, seen, ""))
                continue
            user = None if actor == "anonymous" else getattr(school, actor).user
            if view == "redirect":
                wanted = LOGIN if admin_expected(user, model, "add") == LOGIN else REDIRECT
            else:
                wanted = overrides.get(f"{info}_{view}", {}).get(
                    actor, admin_expected(user, model, view)
                )
            response = request_in_savepoint(school, actor, "get", url, Call())
            seen = observe(response)
            if not matches(wanted, seen):
                wrong.append((f"{info}_{view}", actor, wanted, seen, describe(response)))
    assert not wrong, table(wrong)


def test_admin_rule_matches_the_posts(school):
    """The rule's inputs are what the posts say: office keeps students, the principal reads."""
    from schoolops.models import Student

    office, principal, homeroom = school.office.user, school.principal.user, school.homeroom.user
    assert admin_expected(office, Student, "add") == OK
    assert admin_expected(principal, Student, "add") == 403
    assert admin_expected(principal, Student, "changelist") == OK
    assert admin_expected(principal, Student, "delete") == 403
    assert admin_expected(homeroom, Student, "changelist") == LOGIN
