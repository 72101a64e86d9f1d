"""The class terminal walks every URL of the project (every route of the permission matrix,
and every pattern is covered there by ``test_matrix``): only its own pages answer 200;
everything else is a 403, 404 or a redirect (to a login page), never a 500."""

from __future__ import annotations

from django.conf import settings
from django.test import Client
from django.urls import reverse

import pytest

from groups import terminal
from tests.conftest import fresh_copy
from tests.safety.matrix import LOGIN, OK, REDIRECT
from tests.safety.routes import all_routes, describe, observe, send

# The terminal's pages: the only URL names it may get a 200 from (its weekly
# evaluation; its sign-in page redirects there). Other helpers' group-life pages marked for the terminal join here.
TERMINAL_PAGES = {
    "groups:terminal_home",
    "groups:meetings",
    "groups:study_plan",
    "groups:materials",
    "groups:showcase",
    "groups:questions",
    "groups:material_file",
}
REFUSED = (403, 404, 405, LOGIN, REDIRECT)


@pytest.fixture
def school(shared_school, db):
    return fresh_copy(shared_school)


def test_the_terminal_reaches_its_own_pages_only(school):
    code = terminal.turn_on(school.class_a, school.homeroom)
    pc = Client(raise_request_exception=False)
    assert pc.post(reverse("groups:terminal_signin"), {"code": code}).status_code == 302
    cookie = pc.cookies[settings.SESSION_COOKIE_NAME].value
    wrong = []
    from django.db import transaction

    for route in all_routes():
        with transaction.atomic():
            call = route.call(school)
            url = reverse(route.name, kwargs=call.kwargs)
            pc.cookies[settings.SESSION_COOKIE_NAME] = cookie
            response = send(pc, route.method, url, call)
            transaction.set_rollback(True)
        seen = observe(response)
        if route.name in TERMINAL_PAGES and route.method == "get":
            allowed = (OK,)
        else:
            allowed = (*REFUSED, OK) if route.name.startswith("groups:terminal") else REFUSED
        if seen not in allowed or response.status_code >= 500:
            wrong.append(f"{route.key}: {seen} {describe(response)}")
    assert not wrong, "\n".join(wrong)
