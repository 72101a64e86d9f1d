"""Pages keep working under the Content-Security-Policy: Chromium reports no violation.

A violation (an inline script, an inline ``style=``, an ``onclick=``, a file from another
origin) is caught two ways: the ``securitypolicyviolation`` event, recorded by a script the
browser runs before the page's own, and the console's "Refused to ..." error.
"""

from __future__ import annotations

from collections import defaultdict

from django.db import transaction
from django.urls import reverse

import pytest

from tests.safety.matrix import OK
from tests.safety.routes import all_routes

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline') + ' ' +
                    (e.sourceFile || '') + ':' + (e.lineNumber || ''));
});
"""


@pytest.fixture
def watched(browser, live_server):
    """``watched()`` opens a page in a fresh context that records CSP violations."""
    contexts = []

    def _open():
        context = browser.new_context(base_url=live_server.url, locale="zh-CN")
        context.add_init_script(RECORD_VIOLATIONS)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.console_errors = []
        page.on(
            "console",
            lambda msg: msg.type == "error" and page.console_errors.append(msg.text),
        )
        contexts.append(context)
        return page

    yield _open
    for context in contexts:
        context.close()


def violations(page) -> list[str]:
    found = list(page.evaluate("window.__csp || []"))
    found += [text for text in page.console_errors if "Content Security Policy" in text]
    return found


def visit(page, url: str) -> list[str]:
    page.console_errors.clear()
    response = page.goto(url)
    page.wait_for_load_state("load")
    status = response.status if response else None
    return [f"{url} ({status}): {v}" for v in violations(page)]


def test_home_and_admin_pages_load_with_no_violation(watched, school, browser_login, today):
    page = watched()
    browser_login(page, school.principal)
    found = []
    for url in (
        reverse("home"),
        reverse("schoolops:class_list"),
        reverse("schoolops:class_detail", args=[school.class_a.pk]),
        reverse("schoolops:student_detail", args=[school.student_a.pk]),
        reverse("admin:index"),
        reverse("admin:schoolops_student_changelist"),
        reverse("admin:schoolops_student_change", args=[school.student_a.pk]),
        reverse("admin:schoolops_term_change", args=[school.term.pk]),
        reverse("admin:schoolops_schoolclass_changelist"),
    ):
        found += visit(page, url)
    assert not found, "\n".join(found)


def test_admin_scripts_still_work_under_the_policy(watched, school, browser_login, today):
    """The academic office keeps the calendar: the inline "add another" row appears."""
    page = watched()
    browser_login(page, school.academic)
    found = visit(page, reverse("admin:schoolops_term_change", args=[school.term.pk]))
    rows = page.locator("tr.dynamic-holiday_weeks").count()
    page.locator("tr.add-row a").first.click()
    assert page.locator("tr.dynamic-holiday_weeks").count() == rows + 1
    found += violations(page)
    assert not found, "\n".join(found)


def test_the_watcher_sees_a_violation(watched, live_server, school):
    """The checker itself: an inline script on a page is reported."""
    page = watched()
    page.goto(reverse("login"))
    page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.x = 1'; document.body.appendChild(s); }"
    )
    page.wait_for_timeout(200)
    assert any("script-src" in v for v in violations(page))


def _first_viewer(route) -> str | None:
    for actor in ("principal", "homeroom", "teacher", "grade_head", "academic", "office"):
        if route.expect.get(actor) == OK:
            return actor
    return None


def test_every_page_of_the_matrix_loads_with_no_violation(watched, school, browser_login, today):
    """Every GET route of every app's matrix, as a post that may open it."""
    by_actor = defaultdict(list)
    skipped = []
    for route in all_routes():
        actor = _first_viewer(route)
        if route.method != "get" or actor is None or route.name.startswith("admin:"):
            continue
        try:
            with transaction.atomic():
                call = route.call(school)
        except Exception as error:  # two routes building the same object: note and go on
            skipped.append(f"{route.key}: {error}")
            continue
        url = reverse(route.name, kwargs=call.kwargs)
        by_actor[actor].append(url)
    found = []
    for actor, urls in by_actor.items():
        page = watched()
        browser_login(page, getattr(school, actor))
        for url in urls:
            found += visit(page, url)
    assert not found, "\n".join(found)
    assert len(skipped) <= len(by_actor) * 3, skipped
