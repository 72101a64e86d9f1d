"""Hostile query strings: no GET parameter of any page or admin list gives a 500.

Every GET route of the permission matrix is requested, as a post allowed to open it, with
hostile values (huge and negative numbers, ``²``, Arabic-Indic and full-width digits,
``9999-12``, ``2026-99999999999999999999``, empty, very long, NUL, malformed dates):

- each parameter the page reads gets each value of ``SWEEP`` on its own. The page is first
  requested while ``QueryDict`` records every key looked up, so a parameter added to a view or
  a template is covered without editing this file;
- then hypothesis sends one to three parameters at once, drawn from those the page reads, every
  name the code and templates use in a query string (scanned from the sources) and
  ``BASELINE`` (the usual names, whether or not the page reads them today).

Every registered admin changelist is fuzzed the same way, as a superuser, with the parameters
its list filters and date hierarchy generate (``term__id__exact``, ``date__year``,
``created_at__gte``...) and ``?term=``. ``GET_FUZZ_EXAMPLES`` sets hypothesis's examples per
page (5 by default). These two tests are marked ``fuzz`` (``-m "not fuzz"`` leaves them out).

Below them, one regression test for each 500 seen before ``schoolops.params``, the ``<pk:>``
converter and ``schoolops.admin_params`` (quick: not marked).
"""

from __future__ import annotations

import os
import re
from contextlib import contextmanager
from pathlib import Path

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db import transaction
from django.http import QueryDict
from django.test import Client
from django.urls import reverse

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.safety.matrix import ACTORS, OK, REDIRECT, Call
from tests.safety.routes import all_routes, describe, request_in_savepoint

EXAMPLES = int(os.environ.get("GET_FUZZ_EXAMPLES", "5"))
ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("schoolops", "groups", "consult", "mentors")

BASELINE = frozenset(
    {
        "month",
        "term",
        "grade",
        "page",
        "week",
        "date",
        "q",
        "o",
        "level",
        "status",
        "kind",
        "class",
        "student",
    }
)

HOSTILE = [
    "",
    " ",
    "\x00",
    "1\x00",
    "0",
    "-1",
    "-99999999999999999999",
    "2147483648",
    "9223372036854775808",
    "99999999999999999999",
    "9" * 5000,
    "²",
    "١٢",  # Arabic-Indic digits
    "１２",  # full-width digits
    "1e309",
    "NaN",
    "9999-12",
    "0000-00",
    "2026-99999999999999999999",
    "99999999999999999999-01",
    "2026-13",
    "2026-00",
    "２０２６-１１",
    "2026-02-30",
    "0001-01-01",
    "9999-12-31",
    "9999-12-31 23:59:59",
    "0001-01-01 00:00:00",
    "2026-11-23T25:61:00+99:00",
    "长" * 2000,
    "1,99999999999999999999",
    # Ordinary values, so that a hostile one meets them in the same query string.
    "1",
    "2026",
    "2026-11",
    "2026-11-23",
    "2026-11-23 00:00:00+08:00",
]

# Every parameter a page reads gets each of these on its own, before hypothesis mixes them.
SWEEP = [
    "",
    "\x00",
    "-1",
    "2147483648",
    "99999999999999999999",
    "9" * 5000,
    "²",
    "١٢",
    "１２",
    "9999-12",
    "2026-99999999999999999999",
    "9999-12-31",
    "0001-01-01 00:00:00",
    "2026-02-30",
    "长" * 2000,
]

value = st.one_of(
    st.sampled_from(HOSTILE),
    st.sampled_from(HOSTILE),  # twice as likely as the rest
    st.text(max_size=30),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.tuples(st.integers(-99999, 99999), st.integers(-99, 99)).map(lambda p: f"{p[0]}-{p[1]}"),
)


def queries(read: list[str], names: list[str]) -> st.SearchStrategy[dict]:
    """One to three parameters, a page's own ones as likely as all the others together."""
    key = st.sampled_from(names)
    if read:
        key = st.one_of(st.sampled_from(read), key)
    return st.dictionaries(
        key, st.one_of(value, st.lists(value, min_size=2, max_size=3)), min_size=1, max_size=3
    )


def fuzz_settings():
    return settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


# The names of query parameters, from the sources.

GET_KEY = re.compile(r"""\.GET(?:\.get|\.getlist)?\(\s*["'](\w+)["']|\.GET\[\s*["'](\w+)["']""")
QUERY_KEY = re.compile(r"[?&](?:amp;)?([A-Za-z_]\w*)=")
GET_FORM = re.compile(r"""<form[^>]*method=["']get["'][^>]*>(.*?)</form>""", re.I | re.S)
FIELD_NAME = re.compile(r"""\bname=["'](\w+)["']""")


def scanned_names() -> set[str]:
    names: set[str] = set()
    for source in SOURCES:
        for path in (ROOT / source).rglob("*.py"):
            for match in GET_KEY.finditer(path.read_text(encoding="utf-8")):
                names.add(match[1] or match[2])
    for path in (ROOT / "templates").rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        names.update(QUERY_KEY.findall(text))
        for form in GET_FORM.findall(text):
            names.update(FIELD_NAME.findall(form))
    return names


NAMES = sorted(BASELINE | scanned_names())


@contextmanager
def recorded_reads():
    """The keys looked up in any ``QueryDict`` (``request.GET``) while the block runs."""
    seen: set[str] = set()
    names = ("get", "getlist", "__getitem__", "__contains__")
    own = {name: QueryDict.__dict__.get(name) for name in names}  # None: inherited

    def recording(method):
        def wrapper(self, key, *args, **kwargs):
            if isinstance(key, str):
                seen.add(key)
            return method(self, key, *args, **kwargs)

        return wrapper

    for name in names:
        setattr(QueryDict, name, recording(getattr(QueryDict, name)))
    try:
        yield seen
    finally:
        for name, method in own.items():
            if method is None:
                delattr(QueryDict, name)
            else:
                setattr(QueryDict, name, method)


def page_actor(route) -> str:
    """A post that opens the page (200), else one it redirects, else anonymous."""
    for wanted in (OK, REDIRECT):
        for actor in ACTORS[1:]:
            cell = route.expect[actor]
            if cell == wanted or (isinstance(cell, tuple) and wanted in cell):
                return actor
    return "anonymous"


def test_recording_sees_the_keys_a_page_reads(school, today):
    url = reverse("groups:ranking", kwargs={"class_pk": school.class_a.pk})
    with recorded_reads() as seen:
        request_in_savepoint(school, "homeroom", "get", url, Call())
    assert {"month", "week"} <= seen
    assert "get" not in QueryDict.__dict__  # put back as it was
    assert QueryDict("a=1").get("a") == "1"


def test_the_names_include_the_baseline_and_the_templates():
    assert set(NAMES) >= BASELINE
    assert {"method", "month", "week", "grade", "term"} <= set(NAMES)


GET_ROUTES = [route for route in all_routes() if route.method == "get"]


@pytest.mark.fuzz
@pytest.mark.parametrize("route", GET_ROUTES, ids=[route.key for route in GET_ROUTES])
def test_no_query_parameter_gives_a_server_error(route, school, today):
    call = route.call(school)
    url = reverse(route.name, kwargs=call.kwargs)
    actor = page_actor(route)
    with recorded_reads() as seen:
        request_in_savepoint(school, actor, "get", url, call)
    read = sorted(seen)
    base = dict(call.query or {})

    def send(query: dict):
        sent = Call(kwargs=call.kwargs, query={**base, **query})
        return request_in_savepoint(school, actor, "get", url, sent)

    errors = []
    for key in read:
        for text in SWEEP:
            response = send({key: text})
            if response.status_code >= 500:
                errors.append((key, text[:30], describe(response)))
    assert not errors, f"{route.key} as {actor}: {errors!r}"[:3000]

    @fuzz_settings()
    @given(query=queries(read, NAMES))
    def get(query):
        response = send(query)
        assert response.status_code < 500, f"{route.key} as {actor} {query!r}: {describe(response)}"

    get()


# The admin's changelists, as a superuser (who opens every admin, Django's and the libraries').

ADMIN_MODELS = sorted(admin.site._registry, key=lambda m: m._meta.label_lower)
ADMIN_PARAMS = ("q", "o", "p", "all", "e", "_facets", "term")


@pytest.fixture
def superuser_client(school):
    user = get_user_model().objects.create_superuser("root", "root@example.com", "x")
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def get_in_savepoint(client: Client, url: str, query: dict):
    with transaction.atomic():
        response = client.get(url, query)
        transaction.set_rollback(True)
    return response


def changelist_params(client: Client, model) -> list[str]:
    """The parameters the changelist's filters and date hierarchy send, and the usual ones."""
    response = get_in_savepoint(client, changelist_url(model), {})
    assert response.status_code == 200, describe(response)
    changelist = response.context["cl"]
    names = set(ADMIN_PARAMS)
    for spec in changelist.filter_specs:
        names.update(p for p in spec.expected_parameters() if p)
    hierarchy = changelist.date_hierarchy
    if hierarchy:
        names.update(f"{hierarchy}__{part}" for part in ("year", "month", "day"))
    return sorted(names)


def changelist_url(model) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


@pytest.mark.fuzz
@pytest.mark.parametrize("model", ADMIN_MODELS, ids=[m._meta.label_lower for m in ADMIN_MODELS])
def test_no_admin_filter_gives_a_server_error(model, school, today, superuser_client):
    names = changelist_params(superuser_client, model)
    filters = [name for name in names if name not in ADMIN_PARAMS] or names
    url = changelist_url(model)
    # Every filter at once (the changelist reads them all before it filters), then ``?term=``
    # alone (a lookup the model may not have would hide the others).
    queries_sent = [dict.fromkeys(filters, text) for text in SWEEP]
    queries_sent += [{"term": text} for text in ("99999999999999999999", "²", "-1", "\x00")]
    errors = []
    for query in queries_sent:
        response = get_in_savepoint(superuser_client, url, query)
        if response.status_code >= 500:
            errors.append((str(query)[:60], describe(response)))
    assert not errors, f"{url} {filters}: {errors!r}"[:3000]

    @fuzz_settings()
    @given(query=queries(filters, names))
    def get(query):
        response = get_in_savepoint(superuser_client, url, query)
        assert response.status_code < 500, f"{url} {query!r}: {describe(response)}"

    get()


# The 500s reproduced before the bounded parsers, one test each.


def _get(school, actor: str, url: str, query: dict | None = None):
    return request_in_savepoint(school, actor, "get", url, Call(query=query))


HUGE_MONTH = "2026-99999999999999999999"


def test_a_month_with_a_huge_number_on_the_class_ranking_shows_this_month(school, today):
    url = reverse("groups:ranking", kwargs={"class_pk": school.class_a.pk})
    for month in (HUGE_MONTH, "9999-12"):
        response = _get(school, "homeroom", url, {"month": month})
        assert response.status_code == 200, describe(response)
        assert f"{response.context['month']:%Y-%m}" == "2026-11"


def test_a_week_that_is_not_an_ascii_number_on_the_class_ranking_is_a_404(school, today):
    url = reverse("groups:ranking", kwargs={"class_pk": school.class_a.pk})
    for week in ("²", "١٢", "99999999999999999999", "0"):
        assert _get(school, "homeroom", url, {"week": week}).status_code == 404


@pytest.mark.parametrize("month", [HUGE_MONTH, "9999-12", "0000-00"])
def test_a_month_out_of_range_on_the_leaderboard_shows_this_month(school, today, month):
    response = _get(school, "principal", reverse("groups:leaderboard"), {"month": month})
    assert response.status_code == 200, describe(response)
    assert f"{response.context['month']:%Y-%m}" == "2026-11"


@pytest.mark.parametrize("month", [HUGE_MONTH, "9999-12"])
def test_a_month_out_of_range_in_the_leaderboard_download_is_this_month(school, today, month):
    response = _get(school, "principal", reverse("groups:leaderboard_xlsx"), {"month": month})
    assert response.status_code == 200, describe(response)
    assert "2026-11" in response["Content-Disposition"]


def test_a_recommendation_for_a_month_out_of_range_is_for_this_month(school, today):
    from groups.models import StudyGroup

    group = StudyGroup.objects.create(
        term=school.term, school_class=school.class_a, number=1, name="星火组"
    )
    url = reverse("groups:recommend", args=[group.pk])
    data = {"month": HUGE_MONTH}
    response = request_in_savepoint(school, "homeroom", "post", url, Call(), data=data)
    assert response.status_code == 302, describe(response)
    assert response["Location"].endswith("?month=2026-11")


@pytest.mark.parametrize("name", ["groups:month_close", "groups:month_excellent"])
@pytest.mark.parametrize("month", [HUGE_MONTH, "9999-12-31x", "²"])
def test_closing_a_month_out_of_range_is_a_404(school, today, name, month):
    data = {"month": month}
    response = request_in_savepoint(school, "academic", "post", reverse(name), Call(), data=data)
    assert response.status_code == 404, describe(response)


@pytest.mark.parametrize("name", ["mentors:compliance", "mentors:evaluation"])
@pytest.mark.parametrize("term", ["²", "١٢", "99999999999999999999", "-1"])
def test_a_term_that_is_not_an_id_on_the_mentor_pages_is_a_404(school, today, name, term):
    response = _get(school, "principal", reverse(name), {"term": term})
    assert response.status_code == 404, describe(response)


def test_a_term_id_still_chooses_the_term_on_the_mentor_pages(school, today):
    response = _get(school, "principal", reverse("mentors:compliance"), {"term": school.term.pk})
    assert response.status_code == 200


@pytest.mark.parametrize("grade", ["²", "99999999999999999999"])
def test_a_grade_tab_that_is_not_an_id_is_a_404(school, today, grade):
    assert (
        _get(school, "principal", reverse("mentors:selection"), {"grade": grade}).status_code == 404
    )
    assert (
        _get(school, "principal", reverse("consult:cadence"), {"grade": grade}).status_code == 404
    )


def test_an_id_past_the_integer_range_in_a_url_is_a_404(school, today):
    for number in ("2147483648", "9223372036854775808", "99999999999999999999"):
        for path in (
            f"/groups/classes/{number}/ranking/",
            f"/groups/{number}/",
            f"/consult/students/{number}/ledger/",
            f"/mentors/pairings/{number}/",
            f"/students/{number}/",
        ):
            assert _get(school, "principal", path).status_code == 404, path


def test_the_apps_urls_take_ids_through_the_bounded_converter():
    """``<int:...>`` lets any number of digits through to the view; ``<pk:...>`` stops them."""
    from tests.safety.routes import walk

    loose = [
        p.route
        for p in walk()
        if not p.route.startswith("admin/") and re.search(r"<int:\w*pk>", p.route)
    ]
    assert not loose


def test_the_admin_score_list_with_a_month_out_of_range_shows_this_month(
    school, today, superuser_client
):
    url = reverse("admin:groups_scoreentry_changelist")
    response = get_in_savepoint(superuser_client, url, {"month": HUGE_MONTH})
    assert response.status_code == 200, describe(response)


def test_the_admin_live_leaderboard_with_a_month_out_of_range_shows_this_month(
    school, today, superuser_client
):
    url = reverse("admin:groups_leaderboardrow_live")
    response = get_in_savepoint(superuser_client, url, {"month": "9999-12"})
    assert response.status_code == 200, describe(response)
    assert f"{response.context['month']:%Y-%m}" == "2026-11"


@pytest.mark.parametrize(
    "name,query",
    [
        ("admin:consult_observation_changelist", {"date__year": "99999999999"}),
        ("admin:consult_observation_changelist", {"date__year": "9999"}),
        ("admin:consult_observation_changelist", {"date__year": "2026", "date__month": "9" * 12}),
        ("admin:schoolops_importrecord_changelist", {"created_at__gte": "0001-01-01 00:00:00"}),
        ("admin:schoolops_importrecord_changelist", {"created_at__gte": "99999-01-01"}),
        ("admin:groups_studygroup_changelist", {"term": "99999999999999999999"}),
        ("admin:groups_studygroup_changelist", {"term__id__exact": "99999999999999999999"}),
        ("admin:groups_studygroup_changelist", {"term__id__exact": "²"}),
        ("admin:groups_studygroup_changelist", {"is_active__exact": "1\x00"}),
    ],
)
def test_an_admin_filter_out_of_range_sends_back_to_the_bare_list(
    school, today, superuser_client, name, query
):
    response = get_in_savepoint(superuser_client, reverse(name), query)
    assert response.status_code in (302, 400), describe(response)
    if response.status_code == 302:
        assert response["Location"].endswith("?e=1")


def test_an_admin_filter_in_range_still_filters(school, today, superuser_client):
    url = reverse("admin:groups_studygroup_changelist")
    response = get_in_savepoint(superuser_client, url, {"term__id__exact": str(school.term.pk)})
    assert response.status_code == 200, describe(response)
    url = reverse("admin:consult_observation_changelist")
    query = {"date__year": "2026", "date__month": "11"}
    response = get_in_savepoint(superuser_client, url, query)
    assert response.status_code == 200, describe(response)
