"""Quick scoring on a 390×844 phone never loses a tap (issue 14).

Taps made with the network down are kept on the phone and counted once when it returns;
a tap refused because the session ended stays until the teacher logs in again. The messages
are Chinese, in the status line fixed at the bottom near the thumb, which keeps its place."""

import datetime as dt
import time

from django.contrib.sessions.models import Session

import pytest
import time_machine
from playwright.sync_api import expect

from groups.models import ScoreEntry
from tests.groups.helpers import add_students, item, make_groups

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

OFFLINE = "网络中断，本次未记分，正在重试"
LOGIN = "登录已过期，请重新登录"


@pytest.fixture
def groups(school, today):
    item()  # the rubric (a transactional test flushed the seeded one)
    students = [school.student_a, *add_students(school.class_a, 7)]
    return make_groups(school.class_a, school.term, students, per_group=4)


def entries_soon(count: int, timeout: float = 15.0) -> int:
    """The number of score entries once it reaches ``count`` (or the timeout)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = ScoreEntry.objects.count()
        if found >= count:
            return found
        time.sleep(0.2)
    return ScoreEntry.objects.count()


def open_score_page(phone, school, browser_login):
    browser_login(phone, school.teacher)
    phone.goto(f"/groups/classes/{school.class_a.pk}/score/")
    expect(phone.locator("#score-status")).to_be_visible()


def test_three_taps_made_offline_arrive_once_when_the_network_returns(
    phone, school, groups, browser_login
):
    open_score_page(phone, school, browser_login)
    status = phone.locator("#score-status")
    card = phone.locator(f'form[data-group="{groups[0].pk}"]')
    praise = card.locator("button[name=item]", has_text="课堂回答")
    # The status line sits at the bottom of the screen, near the thumb.
    box = status.bounding_box()
    assert box["y"] + box["height"] == pytest.approx(844, abs=1)
    card_top = card.bounding_box()["y"]

    phone.context.set_offline(True)
    for _ in range(3):
        praise.click()
    expect(status.locator(".js-message")).to_have_text(OFFLINE)
    expect(phone.locator("#score-pending .js-pending-count")).to_have_text("3")
    expect(phone.locator("#score-pending")).to_be_visible()
    # Kept on the phone, each with its own id; nothing reached the server.
    kept = phone.evaluate(
        "() => JSON.parse(localStorage.getItem(document.getElementById('score-page')"
        ".dataset.queue))"
    )
    assert len(kept) == 3 and len({tap["id"] for tap in kept}) == 3
    assert ScoreEntry.objects.count() == 0
    # The message took no room from the page: nothing moved.
    assert card.bounding_box()["y"] == card_top

    phone.context.set_offline(False)
    expect(phone.locator("#score-pending")).to_be_hidden(timeout=15_000)
    assert entries_soon(3) == 3
    time.sleep(1)  # a late resend would show here
    entries = list(ScoreEntry.objects.all())
    assert len(entries) == 3
    assert {e.group_id for e in entries} == {groups[0].pk}
    assert {str(e.client_id) for e in entries} == {tap["id"] for tap in kept}
    expect(card.locator(".js-points")).to_have_text("3")
    assert (
        phone.evaluate(
            "() => JSON.parse(localStorage.getItem(document.getElementById('score-page')"
            ".dataset.queue) || '[]').length"
        )
        == 0
    )


def test_an_ended_session_says_log_in_again_and_keeps_the_tap(phone, school, groups, browser_login):
    open_score_page(phone, school, browser_login)
    Session.objects.all().delete()  # the session expired on the server
    card = phone.locator(f'form[data-group="{groups[1].pk}"]')
    card.locator("button[name=item]", has_text="表扬").click()
    expect(phone.locator("#score-status .js-message")).to_have_text(LOGIN)
    expect(phone.locator("#score-status .js-login")).to_be_visible()
    expect(phone.locator("#score-pending .js-pending-count")).to_have_text("1")
    assert ScoreEntry.objects.count() == 0

    # Logged in again in another tab: the kept tap is sent by the retry timer, once.
    other = phone.context.new_page()
    browser_login(other, school.teacher)
    other.close()
    expect(phone.locator("#score-pending")).to_be_hidden(timeout=15_000)
    assert entries_soon(1) == 1
    entry = ScoreEntry.objects.get()
    assert entry.group_id == groups[1].pk and entry.points == 3


def test_all_groups_row_scores_every_group_with_one_tap(phone, school, groups, browser_login):
    open_score_page(phone, school, browser_login)
    phone.locator("#score-all button[name=item]", has_text="表扬").click()
    expect(phone.locator("#score-status")).to_have_class("score-status is-ok")
    assert entries_soon(len(groups)) == len(groups)
    for group in groups:
        expect(phone.locator(f'[data-group-points="{group.pk}"]')).to_have_text("3")


def test_an_earlier_lesson_of_this_week_is_picked_on_the_page(phone, school, browser_login):
    with time_machine.travel(dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC), tick=True):
        item()
        groups = make_groups(
            school.class_a, school.term, [school.student_a, *add_students(school.class_a, 3)]
        )
        open_score_page(phone, school, browser_login)
        days = phone.locator("#score-day option")
        assert days.count() == 3  # Wednesday (today), Tuesday, Monday; never Thursday
        phone.select_option("#score-day", "2026-11-23")
        card = phone.locator(f'form[data-group="{groups[0].pk}"]')
        card.locator("button[name=item]", has_text="表扬").click()
        expect(phone.locator("#score-status")).to_have_class("score-status is-ok")
        assert entries_soon(1) == 1
        entry = ScoreEntry.objects.get()
        assert entry.day == dt.date(2026, 11, 23) and entry.week == 13
        assert "2026-11-23" in phone.locator("#score-status .js-message").inner_text()
