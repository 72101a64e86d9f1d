"""A create form sent twice creates its record once (``schoolops.submissions``).

Every POST route of the apps in the permission matrix is sent twice, as the first post the
matrix lets through, the way a browser sends it: the route's form is found on its page (the
route's own GET page, or the page of the same object whose form posts to it, e.g. a
strategy's page for its follow-ups) and its one-time token goes with the matrix's data. Rows
are counted in every model of the apps (history, the read log and the tokens aside). A route
whose first post creates something is a create form: the second post must create nothing and
go where the first went. A new create view without the token fails here; a route that
changes or upserts passes as it is. Each route runs in a rolled-back savepoint.
"""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urlsplit

from django.apps import apps
from django.db import transaction
from django.urls import NoReverseMatch, reverse

import pytest

from schoolops.submissions import TOKEN_FIELD
from tests.safety.matrix import REDIRECT, Call, Route
from tests.safety.routes import all_routes, client_for

APPS = ("schoolops", "groups", "consult", "mentors")
# Rows a post may add besides what it creates: the logs of sensitive reads, the tokens.
NOT_COUNTED = {"consult.accesslog", "schoolops.readlog", "schoolops.submissiontoken"}
# POST routes that add a row every time by design, each with its reason.
EVERY_POST_ADDS = {
    # A tap is one score: the same item tapped twice is two answers in the lesson; a wrong
    # tap is taken back with the undo button (a reversing entry).
    "groups:score_tap",
    # 「全组 +N」 is a tap for every group (the script's phone id makes a resend count once).
    "groups:score_all",
}


def _counted_models() -> list:
    return [
        model
        for model in apps.get_models()
        if model._meta.app_label in APPS
        and model._meta.label_lower not in NOT_COUNTED
        and not model.__name__.startswith("Historical")
    ]


def _rows() -> dict[str, int]:
    return {m._meta.label_lower: m._default_manager.count() for m in _counted_models()}


def _added(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {k: after[k] - before[k] for k in before if after[k] != before[k]}


class _Forms(HTMLParser):
    """The POST forms of a page: (action, the one-time token in it or None). As in a
    browser, a form tag inside a form is ignored: its fields belong to the outer form."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []
        self._open: dict | None = None
        self._depth = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = dict(attrs)
        if tag == "form":
            self._depth += 1
            if self._depth == 1:
                self._open = {"action": a.get("action") or "", "token": None}
                if (a.get("method") or "get").lower() == "post":
                    self.forms.append(self._open)
        elif tag == "input" and self._open is not None and a.get("name") == TOKEN_FIELD:
            self._open["token"] = a.get("value")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self._depth:
            self._depth -= 1
            if not self._depth:
                self._open = None


def _app(name: str) -> str:
    return name.split(":")[0]


ROUTES = all_routes()
GET_ROUTES = [r for r in ROUTES if r.method == "get"]


def _first_redirect_actor(route: Route) -> str | None:
    for actor, wanted in route.expect.items():
        if actor != "anonymous" and (
            wanted == REDIRECT or (isinstance(wanted, tuple) and REDIRECT in wanted)
        ):
            return actor
    return None


POST_ROUTES = [
    r
    for r in ROUTES
    if r.method == "post" and _app(r.name) in APPS[1:] and _first_redirect_actor(r)
]


def _form_on_page(client, route: Route, call: Call, url: str) -> tuple[str, str | None] | None:
    """The page whose form posts to ``url`` and the token in that form: the route's own
    page first, then the app's other pages of the same object."""
    pages = sorted(
        (r for r in GET_ROUTES if _app(r.name) == _app(route.name)),
        key=lambda r: r.name != route.name,
    )
    for page in pages:
        try:
            page_url = reverse(page.name, kwargs=call.kwargs)
        except NoReverseMatch:
            continue
        response = client.get(page_url, call.query or {})
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        parser = _Forms()
        parser.feed(response.content.decode())
        for form in parser.forms:
            if (urlsplit(form["action"]).path or page_url) == url:
                return page_url, form["token"]
    return None


def test_the_checker_counts_what_a_post_creates(school, today):
    """The checker itself: a tap (every post adds one) is seen creating twice."""
    route = next(r for r in POST_ROUTES if r.name == "groups:score_tap")
    once, twice, _found, _first, _second = _send_twice(school, route)
    assert once and twice == {k: 2 * v for k, v in once.items()}


def _send_twice(school, route: Route):
    actor = _first_redirect_actor(route)
    with transaction.atomic():
        call = route.call(school)
        url = reverse(route.name, kwargs=call.kwargs)
        client = client_for(school, actor)
        found = _form_on_page(client, route, call, url)
        data = dict(call.data or {})
        if found and found[1]:
            data[TOKEN_FIELD] = found[1]
        before = _rows()
        first = client.post(url, data)
        once = _added(before, _rows())
        second = client.post(url, data)
        twice = _added(before, _rows())
        transaction.set_rollback(True)
    return once, twice, found, first, second


# The create forms this search finds (listed, so that a form dropping out of it, or a new
# one, is noticed): each shows the one-time token on its page.
CREATE_FORMS = {
    "consult:observation_add",
    "consult:strategy_add",
    "consult:strategy_follow_up",
    "consult:meeting_new",
    "consult:case_new",
    "consult:activity_new",
    "consult:questionnaire_new",
    "consult:questionnaire_results",
    "groups:class_groups",
    "groups:reviews",
    "groups:checkin",
    "groups:consequence",
    # Group life: a meeting, a week's ticks, the plan's lines, a coaching note, a training.
    "groups:meetings",
    "groups:study_plan",
    "groups:plan_edit",
    "groups:coaching",
    "groups:class_life",
    # Shared materials and questions: a shared file, a group's question.
    "groups:materials",
    "groups:questions",
    # Study pairs: the pairs of a subject, a pair's points.
    "groups:pairs_form",
    "groups:pair_detail",
    "mentors:class_exchanges",
    "mentors:pairing_talk",
    "mentors:pairing_contact",
    "mentors:pairing_growth",
    "mentors:pairing_plan",
    "mentors:pairing_summary",
    "mentors:my_summary",
    "mentors:honours",
    "mentors:trainings",
    "mentors:training_detail",
}


@pytest.mark.parametrize("route", POST_ROUTES, ids=[r.key for r in POST_ROUTES])
def test_a_create_form_sent_twice_creates_one_record(route, school, today):
    once, twice, found, first, second = _send_twice(school, route)
    has_token = bool(found and found[1])
    assert has_token == (route.name in CREATE_FORMS), (
        f"{route.key}: {'a' if has_token else 'no'} one-time token on its form "
        f"({found[0] if found else 'no page of the matrix shows its form'}); "
        "update CREATE_FORMS if that is meant"
    )
    if not once or route.name in EVERY_POST_ADDS:
        return  # not a create form: it changes, refuses or (a tap) adds by design
    assert first.status_code == 302, f"{route.key}: the first post answered {first.status_code}"
    assert twice == once, (
        f"{route.key}: sent twice it created {twice}, once {once}. Give its form the one-time "
        f"token (schoolops.submissions.SubmissionTokenMixin) and save through redirect_once; "
        f"form found on {found[0] if found else 'no page of the matrix'}"
        f"{'' if not found or found[1] else ' without a token'}."
    )
    if found and found[1]:
        assert second.status_code == 302 and second["Location"] == first["Location"], route.key
