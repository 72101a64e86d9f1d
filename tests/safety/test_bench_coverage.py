"""The benchmark covers every page: each GET page of the project has a bench entry.

``bench/pages.py`` lists the pages the benchmark opens and, in ``NOT_PAGES``, the URLs it
does not open with their reason. These tests keep the two lists honest: a new page without
an entry fails here (as ``bench/bench.py`` exits 1), and what the allow-list calls a
download, POST only or superuser only must not be a page that a post opens.
"""

from __future__ import annotations

from django.contrib import admin
from django.urls import reverse

import pytest

from bench.bench import compare
from bench.pages import (
    ADMIN_PAGES,
    DOWNLOAD,
    NOT_PAGES,
    PAGES,
    POST_ONLY,
    SCRIPT,
    SUPERUSER,
    admin_pages,
    uncovered,
    url_names,
)
from tests.safety.matrix import OK
from tests.safety.routes import all_routes, request_in_savepoint


class CastCtx:
    """The test school's posts in the place of the demo school's (``bench.pages.Ctx``)."""

    def __init__(self, school):
        self.actors = {
            actor: getattr(school, actor)
            for actor in ("homeroom", "teacher", "grade_head", "principal", "academic", "office")
        }


def test_every_page_of_the_project_has_a_bench_entry(school):
    missing, stale = uncovered([*PAGES, *ADMIN_PAGES, *admin_pages(CastCtx(school))])
    assert not missing, (
        "pages the benchmark does not open; add a Page to bench/pages.py (or, for a "
        "download or a POST-only URL, an entry of NOT_PAGES):\n  " + "\n  ".join(missing)
    )
    assert not stale, f"NOT_PAGES names URLs that do not exist: {stale}"


def test_a_new_page_without_an_entry_is_reported(school):
    """The checker itself: dropping one page's entry makes it missing."""
    pages = [page for page in PAGES if page.name != "groups:seating"]
    missing, _stale = uncovered([*pages, *ADMIN_PAGES, *admin_pages(CastCtx(school))])
    assert [m for m in missing if m.startswith("groups:seating ")], missing


def test_the_benchmark_fails_on_an_uncovered_page():
    _rows, problems = compare({"small": {"pages": [], "uncovered": ["groups:x (x/)"]}}, False)
    assert any("groups:x" in problem for problem in problems)
    _rows, problems = compare({"small": {"pages": [], "stale_allow_list": ["gone"]}}, False)
    assert any("gone" in problem for problem in problems)


def test_bench_pages_name_urls_that_exist():
    names = {name for name, _route in url_names()}
    assert not [page.name for page in [*PAGES, *ADMIN_PAGES] if page.name not in names]


GET_ROUTES = [
    route
    for route in all_routes()
    if route.method == "get"
    and NOT_PAGES.get(route.name) in (DOWNLOAD, SCRIPT)
    and OK in route.expect.values()
]


@pytest.mark.parametrize("route", GET_ROUTES, ids=lambda route: route.key)
def test_what_the_allow_list_skips_is_no_page(route, school, today):
    """A download or script of NOT_PAGES answers a GET with a file, not an HTML page."""
    actor = next(actor for actor, seen in route.expect.items() if seen == OK)
    call = route.call(school)
    url = reverse(route.name, kwargs=call.kwargs)
    response = request_in_savepoint(school, actor, "get", url, call)
    assert response.status_code == 200
    assert not response["Content-Type"].startswith("text/html"), (
        f"{route.name} answers {actor}'s GET with a page: give it a Page in bench/pages.py"
    )


def test_post_only_urls_refuse_a_get(school, today):
    """What NOT_PAGES calls POST only answers no post's GET with 200 (matrix rows agree)."""
    wrong = []
    for route in all_routes():
        if route.method != "get" or NOT_PAGES.get(route.name) != POST_ONLY:
            continue
        opened = [actor for actor, seen in route.expect.items() if seen == OK]
        if opened:
            wrong.append(f"{route.name}: 200 for {opened}")
    assert not wrong, wrong


def test_superuser_only_lists_are_closed_to_every_post(school):
    models = {
        f"admin:{m._meta.app_label}_{m._meta.model_name}_changelist": m
        for m in admin.site._registry
    }
    open_to = []
    for name, reason in NOT_PAGES.items():
        if reason != SUPERUSER:
            continue
        model = models[name]
        for actor, staff in CastCtx(school).actors.items():
            label, codename = model._meta.app_label, model._meta.model_name
            if staff.user.has_perm(f"{label}.view_{codename}") or staff.user.has_perm(
                f"{label}.change_{codename}"
            ):
                open_to.append(f"{name}: {actor}")
    assert not open_to, open_to
