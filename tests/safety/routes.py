"""Collecting the matrix: every app's routes, the resolver's patterns, and running one request.

Shared by ``test_matrix.py`` and ``test_hostile_input.py``; see ``matrix.py`` for the format.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from django.conf import settings
from django.contrib import admin
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.safety.matrix import (
    ACTORS,
    LOGIN,
    OK,
    REDIRECT,
    TERMINAL_DEFAULT,
    TERMINAL_REFUSED,
    Call,
    Expected,
    Route,
)

TESTS_DIR = Path(__file__).resolve().parent.parent


def matrix_modules() -> list[Any]:
    """``tests/safety/matrix.py`` first, then every ``tests/<app>/matrix.py``."""
    modules = [importlib.import_module("tests.safety.matrix")]
    for path in sorted(TESTS_DIR.glob("*/matrix.py")):
        if path.parent.name == "safety":
            continue
        modules.append(importlib.import_module(f"tests.{path.parent.name}.matrix"))
    return modules


def all_routes() -> list[Route]:
    return [route for module in matrix_modules() for route in getattr(module, "ROUTES", [])]


def admin_objects() -> dict[str, Any]:
    found: dict[str, Any] = {}
    for module in matrix_modules():
        found.update(getattr(module, "ADMIN_OBJECTS", {}))
    return found


def admin_overrides() -> dict[str, dict[str, Expected]]:
    found: dict[str, dict[str, Expected]] = {}
    for module in matrix_modules():
        for name, cells in getattr(module, "ADMIN_OVERRIDES", {}).items():
            found.setdefault(name, {}).update(cells)
    return found


@dataclass(frozen=True)
class Pattern:
    name: str | None  # namespaced, e.g. "schoolops:class_detail"
    route: str  # the pattern as text, for messages
    callback: Any


def walk(resolver: URLResolver | None = None, prefix: str = "", ns: str = "") -> Iterator[Pattern]:
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = ns
            if entry.namespace:
                inner = f"{ns}:{entry.namespace}" if ns else entry.namespace
            yield from walk(entry, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            name = None
            if entry.name:
                name = f"{ns}:{entry.name}" if ns else entry.name
            yield Pattern(name, prefix + str(entry.pattern), entry.callback)


ADMIN_VIEWS = ("changelist", "add", "change", "history", "delete")


def admin_model_urls() -> dict[str, tuple[type, str]]:
    """URL name → (model, view) for the standard pages of every registered ModelAdmin."""
    urls = {}
    for model, model_admin in admin.site._registry.items():
        info = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        for view in admin_views(model_admin):
            urls[f"{info}_{view}"] = (model, view)
    return urls


def admin_views(model_admin) -> tuple[str, ...]:
    """The standard views of a ModelAdmin; a SimpleHistoryAdmin adds one version's page."""
    if hasattr(model_admin, "history_form_view"):
        return (*ADMIN_VIEWS, "simple_history")
    return ADMIN_VIEWS


def admin_model_prefixes() -> set[str]:
    return {
        f"admin/{model._meta.app_label}/{model._meta.model_name}/<path:object_id>/"
        for model in admin.site._registry
    }


# The admin's own last pattern answers every unknown admin URL (404 for staff, login otherwise).
ADMIN_CATCH_ALL = "admin/(?P<url>.*)$"


def uncovered_patterns(routes: list[Route]) -> list[str]:
    declared = {route.name for route in routes}
    model_urls = admin_model_urls()
    redirects = admin_model_prefixes()
    missing = []
    for pattern in walk():
        if pattern.name in declared or pattern.name in model_urls:
            continue
        if pattern.name is None and (
            pattern.route in redirects or pattern.route == ADMIN_CATCH_ALL
        ):
            continue
        missing.append(f"{pattern.route!r} (name {pattern.name!r})")
    return missing


def stale_routes(routes: list[Route]) -> list[str]:
    names = {pattern.name for pattern in walk()}
    return sorted({route.name for route in routes if route.name not in names})


# Running requests.


def observe(response) -> Expected:
    """The response as a matrix cell: LOGIN, REDIRECT or the status code."""
    if response.status_code in (301, 302, 303, 307, 308):
        location = urlsplit(response["Location"])
        login_paths = {settings.LOGIN_URL, reverse("admin:login")}
        if location.path in login_paths and "next" in parse_qs(location.query):
            return LOGIN
        return REDIRECT
    return response.status_code


def terminal_cell(expected: Expected, url: str) -> Expected:
    """The terminal's cell of a route: ``TERMINAL_DEFAULT`` becomes "refused" for a view not
    marked for the terminal and "anything but a 5xx" for a marked one."""
    if expected != TERMINAL_DEFAULT:
        return expected
    from django.urls import resolve

    if getattr(resolve(urlsplit(url).path).func, "terminal_allowed", False):
        return (*TERMINAL_REFUSED, OK)
    return TERMINAL_REFUSED


def matches(expected: Expected, seen: Expected) -> bool:
    if isinstance(expected, tuple):
        return seen in expected
    return seen == expected


def client_for(school: Any, actor: str) -> Client:
    """A client of ``actor``: with the session of a shared cast's login (``shared_school``
    logs each member of staff in once), else logged in now."""
    client = Client(raise_request_exception=False)
    if actor == "anonymous":
        return client
    if actor == "terminal":
        # class_a's terminal, turned on by its homeroom teacher; the PC signs in with the code.
        from groups import terminal

        code = terminal.turn_on(school.class_a, school.homeroom)
        client.post(reverse("groups:terminal_signin"), {"code": code})
        return client
    session = getattr(school, "sessions", {}).get(actor)
    if session is not None:
        client.cookies[settings.SESSION_COOKIE_NAME] = session
    else:
        client.force_login(getattr(school, actor).user)
    return client


def send(client: Client, method: str, url: str, call: Call, data: Any = None) -> Any:
    if method == "get":
        return client.get(url, call.query or {})
    body = dict(call.data or {}) if data is None else data
    if data is None:
        for field_name, (filename, content) in call.files.items():
            from django.core.files.uploadedfile import SimpleUploadedFile

            body[field_name] = SimpleUploadedFile(filename, content)
    return getattr(client, method)(url, body)


def request_in_savepoint(school: Any, actor: str, method: str, url: str, call: Call, data=None):
    """One request whose writes are rolled back, so the next actor sees the same data."""
    with transaction.atomic():
        client = client_for(school, actor)
        response = send(client, method, url, call, data)
        transaction.set_rollback(True)
    return response


def describe(response) -> str:
    exc = getattr(response, "exc_info", None)
    if exc:
        return f"{exc[0].__name__}: {exc[1]}"
    if response.status_code in (301, 302, 303, 307, 308):
        return f"→ {response['Location']}"
    return ""


def table(rows: list[tuple[str, str, Expected, Expected, str]]) -> str:
    lines = [f"{'route':48} {'actor':13} {'expected':>10} {'got':>10}  detail"]
    for route, actor, wanted, seen, detail in rows:
        lines.append(f"{route:48} {actor:13} {wanted!s:>10} {seen!s:>10}  {detail[:120]}")
    return "\n".join(lines)


def safe_id(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_:.-]+", "_", text)


__all__ = ["ACTORS"]
