"""Pages keep working under the Content-Security-Policy: Chromium reports no violation.

A violation (an inline script, an inline ``style=``, an ``onclick=``, a file from another
origin) is caught two ways: the ``securitypolicyviolation`` event, recorded by a script the
browser runs before the page's own, and the console's "Refused to ..." error.
"""

from __future__ import annotations

from django.db import transaction
from django.urls import reverse

import pytest

from tests.safety.matrix import OK
from tests.safety.routes import all_routes, client_for

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
        page.url_base = live_server.url
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


def test_every_page_of_the_matrix_loads_with_no_violation(watched, school, today):
    """Every GET page of every app's matrix, as a post that may open it.

    Each route builds its objects in a savepoint that is rolled back (routes of one app
    often build the same objects), so the page is rendered there by Django's test client;
    the browser then receives that response, CSP header included, for the page's address
    and loads the page's static files from the live server.
    """
    page = watched()
    rendered: dict[str, tuple[bytes, dict]] = {}
    page.route(
        "**/*",
        lambda route: (
            route.fulfill(
                status=200,
                body=rendered[route.request.url][0],
                headers=rendered[route.request.url][1],
            )
            if route.request.url in rendered
            else route.continue_()
        ),
    )
    found, checked = [], 0
    for matrix_route in all_routes():
        actor = _first_viewer(matrix_route)
        if matrix_route.method != "get" or actor is None or matrix_route.name.startswith("admin:"):
            continue
        with transaction.atomic():
            call = matrix_route.call(school)
            url = reverse(matrix_route.name, kwargs=call.kwargs)
            response = client_for(school, actor).get(url, call.query or {})
            transaction.set_rollback(True)
        if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
            continue  # downloads (xlsx) and redirects are not pages
        full = page.url_base + url
        rendered[full] = (response.content, dict(response.items()))
        found += visit(page, url)
        checked += 1
    print(f"{checked} pages checked under the policy")
    assert checked >= 10
    assert not found, "\n".join(found)
