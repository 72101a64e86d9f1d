"""On a 390 x 844 phone, every page a teacher of the demo school uses: tap sizes, width, cards.

Each teacher post of the demo school (homeroom teacher, subject teacher, mentor, grade head)
logs in; the pages are every route reachable by following their links from their home page
(tests/browser/teacher_pages.py says how the list is found, what is measured and which
inline text links are excepted).
"""

import io

from django.core.management import call_command
from django.utils import translation

import pytest

from tests.browser.teacher_pages import (
    MIN_TAP,
    page_width,
    small_targets,
    teacher_pages,
    wrapped_words,
)
from tests.schoolops.test_demo import reinstall_reference_data

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

PHONE = {"width": 390, "height": 844}
# the demo's printed post (its first word) of each teacher post measured here
TEACHER_POSTS = {
    "homeroom": "班主任",
    "subject_teacher": "任课教师",
    "mentor": "导师",
    "grade_head": "级部主任",
}
# what each post must reach from its home page, so that a broken crawl cannot pass by seeing less
MUST_REACH = {
    "homeroom": {
        "schoolops:class_detail",
        "groups:class_groups",
        "groups:score",
        "groups:group_entries",
        "groups:register",
        "consult:class_ledger",
        "consult:meeting_detail",
        "mentors:class_overview",
    },
    "subject_teacher": {"groups:score", "consult:index", "mentors:my_mentees"},
    "mentor": {"mentors:my_mentees", "mentors:pairing_detail"},
    "grade_head": {"schoolops:class_list", "consult:escalations", "consult:scores"},
}


def demo_logins() -> dict[str, tuple[str, str]]:
    """Seed the tiny demo school; {printed post: (username, password)} from its login table."""
    reinstall_reference_data()
    out = io.StringIO()
    with translation.override("zh-hans"):
        call_command("seed_demo", "--size", "tiny", stdout=out)
    logins: dict[str, tuple[str, str]] = {}
    for line in out.getvalue().splitlines():
        parts = line.split()
        if len(parts) >= 5 and parts[0].isdigit() and parts[3] == "—":
            post = parts[4].split("（")[0]
            logins.setdefault(post, (parts[0], parts[1]))
    return logins


@pytest.fixture
def phone(phone):
    """The shared phone (tests/conftest.py), waiting longer: a crawl of a post's pages."""
    phone.set_default_timeout(15_000)
    return phone


def log_in(page, username: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    assert "/accounts/login/" not in page.url


def crawl_as(page, post: str, visit) -> dict[str, str]:
    """Log in as the post and walk its pages, calling ``visit(name, url)`` on each."""
    username, password = demo_logins()[TEACHER_POSTS[post]]
    log_in(page, username, password)
    pages = teacher_pages(page, visit=visit)
    missing = MUST_REACH[post] - set(pages)
    assert not missing, f"{post} did not reach {sorted(missing)} (found {sorted(pages)})"
    return pages


@pytest.mark.parametrize("post", list(TEACHER_POSTS))
def test_every_tap_target_is_40_px_and_no_page_is_wider_than_the_phone(phone, post):
    """One walk through the post's pages checks all three on each page: tap sizes, the width,
    and that no name, date or label breaks mid-word."""
    small, too_wide, wrapped = [], [], []

    def visit(name, url):
        small.extend(f"{name} {url}: {target}" for target in small_targets(phone))
        wrapped.extend(f"{name} {url}: {word}" for word in wrapped_words(phone))
        width = page_width(phone)
        if width > PHONE["width"]:
            too_wide.append(f"{name} {url}: {width} px")

    crawl_as(phone, post, visit)
    found = [
        (f"under {MIN_TAP} px", small),
        (f"wider than {PHONE['width']} px", too_wide),
        ("broken mid-word", wrapped),
    ]
    assert not any(items for _what, items in found), "\n".join(
        f"{what}:\n  " + "\n  ".join(items) for what, items in found if items
    )


CARD_JS = """
(selector) => {
  const table = document.querySelector(selector);
  const row = table.tBodies[0].rows[0];
  const shown = [...row.cells].filter(c => getComputedStyle(c).display !== 'none');
  shown.sort((a, b) => a.getBoundingClientRect().top - b.getBoundingClientRect().top
                       || a.getBoundingClientRect().left - b.getBoundingClientRect().left);
  const labelOf = c => getComputedStyle(c, '::before').content.replace(/^"|"$/g, '');
  const lineHeight = c => parseFloat(getComputedStyle(c).lineHeight) || 24;
  return {
    headHidden: table.tHead.getBoundingClientRect().height <= 1,
    rowDisplay: getComputedStyle(row).display,
    order: shown.map(c => c.textContent.trim()),
    labels: shown.map(labelOf),
    keptOnOneLine: [...row.querySelectorAll('.text-keep, th[scope=row]')].every(
      c => c.getBoundingClientRect().height < 2 * lineHeight(c) + 16),
  };
}
"""


def test_tables_become_cards_with_the_figure_first(phone):
    logins = demo_logins()
    log_in(phone, *logins["级部主任"])
    phone.goto("/consult/cadence/")
    card = phone.evaluate(CARD_JS, "table.cadence-table")
    assert card["headHidden"] and card["rowDisplay"] == "flex"
    # the class (or grade) first, then 已开 13/13, then the weeks
    assert card["order"][1].replace(" ", "").count("/") == 1, card["order"]
    assert card["labels"][1] == "已开", card["labels"]
    assert card["keptOnOneLine"]

    phone.context.clear_cookies()
    log_in(phone, *logins["班主任"])
    phone.goto("/classes/")
    phone.locator("table a[href^='/classes/']").first.click()
    phone.wait_for_load_state()
    card = phone.evaluate(CARD_JS, "table.table-cards")
    assert card["headHidden"] and card["rowDisplay"] == "flex"
    assert card["labels"][0] in ("", "none"), card  # the student's name is the card's title
    assert "学籍号" in card["labels"] and "家长" in card["labels"]
    assert card["keptOnOneLine"]

    # at desktop width the same table is a table again
    phone.set_viewport_size({"width": 1280, "height": 900})
    card = phone.evaluate(CARD_JS, "table.table-cards")
    assert card["rowDisplay"] == "table-row" and not card["headHidden"]
