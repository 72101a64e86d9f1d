"""axe-core (axe-playwright-python, its JS shipped in the wheel: no CDN) on the teachers' pages.

Each teacher post of the demo school walks every page reachable from its home page
(tests/browser/teacher_pages.py), at 390 px and at 1280 px: no serious or critical violation.
"""

import pytest

from tests.browser.test_phone import PHONE, TEACHER_POSTS, crawl_as

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

BLOCKING = {"serious", "critical"}
WIDTHS = (390, 1280)


@pytest.fixture(scope="module")
def axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


def violations(axe, page) -> list[str]:
    found = []
    for rule in axe.run(page).response["violations"]:
        if rule["impact"] in BLOCKING:
            targets = ", ".join(str(node["target"][0]) for node in rule["nodes"][:5])
            found.append(f"{rule['impact']} {rule['id']} ({len(rule['nodes'])}): {targets}")
    return found


@pytest.mark.parametrize("post", list(TEACHER_POSTS))
def test_no_serious_accessibility_violation(browser, live_server, axe, post):
    """One walk through the post's pages: each page checked at 390 px, then at 1280 px."""
    context = browser.new_context(base_url=live_server.url, locale="zh-CN", viewport=PHONE)
    page = context.new_page()
    page.set_default_timeout(15_000)
    failures = []

    def visit(name, url):
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 844})
            failures.extend(f"{width} px {name} {url}: {v}" for v in violations(axe, page))
        page.set_viewport_size(PHONE)

    try:
        crawl_as(page, post, visit)
    finally:
        context.close()
    assert not failures, "\n".join(failures)


def test_axe_finds_what_it_should(page, axe):
    """The check itself works: a grey-on-grey link and a page without a main landmark fail."""
    page.set_content(
        '<html lang="zh"><head><title>t</title></head><body style="background:#f6f7f9">'
        '<a href="#" style="color:#c0c0c0">看不清的链接</a></body></html>'
    )
    assert any("color-contrast" in v for v in violations(axe, page))
