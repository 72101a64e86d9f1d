"""The class terminal (班级一体机 / 班级账号): the classroom PC signed in with a short code.

A terminal is not a user. Its homeroom teacher turns it on and gets a short code; the PC signs
in with it at ``groups:terminal_signin``; the session holds the terminal's pk and code version
and lives 12 hours at most. The terminal row keeps the signed-in session's key, so a renewed
code or a terminal turned off signs the old device out, and only one device is signed in.

``TerminalMiddleware`` sets ``request.terminal`` (or ``None``) on every request and refuses
every view not marked for the terminal (403): the mark, set by ``class_staff_or_terminal`` and
``terminal_view``, IS the terminal's allow-list. Wrong codes are throttled like a login, by
django-axes (the same failure limit and cool-off, per address).
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.signals import user_login_failed
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.crypto import salted_hmac

from schoolops.models import SchoolClass, Staff
from schoolops.scopes import get_scope

from .models import ClassTerminal

SESSION_KEY = "class_terminal"
LIFETIME = dt.timedelta(hours=12)
# The code: 8 characters without look-alikes (0/O, 1/I/L), typed on a touch screen.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8
# What axes records a wrong code under (locked per address with this "username").
THROTTLE_USERNAME = "class-terminal"


# The homeroom teacher's side.


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalize(code: str) -> str:
    return "".join(code.split()).upper().replace("-", "")


def digest(code: str) -> str:
    """The code's lookup key: an HMAC with the site's secret key (``ClassTerminal.code_digest``)."""
    return salted_hmac("groups.terminal.code", normalize(code), algorithm="sha256").hexdigest()


def turn_on(school_class: SchoolClass, staff: Staff) -> str:
    """Turns the class's terminal on with a new code (renewing it when on already), which
    signs out the device signed in with the old one. Returns the code, shown once."""
    code = new_code()
    with transaction.atomic():
        terminal = (
            ClassTerminal.objects.select_for_update().filter(school_class=school_class).first()
        )
        if terminal is None:
            terminal = ClassTerminal(school_class=school_class, version=0)
        terminal.code_hash = make_password(code)
        terminal.code_digest = digest(code)
        terminal.enabled = True
        terminal.version += 1
        terminal.renewed_at = timezone.now()
        terminal.renewed_by = staff
        terminal.session_key = ""
        terminal.signed_in_at = None
        terminal.save()
    return code


def turn_off(terminal: ClassTerminal, staff: Staff) -> None:
    terminal.enabled = False
    terminal.session_key = ""
    terminal.signed_in_at = None
    terminal.renewed_by = staff
    terminal.save(update_fields=["enabled", "session_key", "signed_in_at", "renewed_by"])


# The classroom PC's side.


def is_throttled(request: HttpRequest) -> bool:
    from axes.handlers.proxy import AxesProxyHandler

    return AxesProxyHandler.is_locked(request, {"username": THROTTLE_USERNAME})


def record_failure(request: HttpRequest) -> None:
    user_login_failed.send(
        sender=__name__, credentials={"username": THROTTLE_USERNAME}, request=request
    )


def sign_in(request: HttpRequest, code: str) -> ClassTerminal | None:
    """Signs the device in with ``code``: the terminal, or ``None`` for a wrong code (recorded
    as a failed login). The session is new (anyone signed in on it is signed out) and lasts
    12 hours; the device signed in before with the same code is signed out."""
    code = normalize(code)
    terminal = None
    if len(code) == CODE_LENGTH:
        # One indexed lookup finds the terminal of this code, its salted hash checks it.
        candidate = (
            ClassTerminal.objects.filter(enabled=True, code_digest=digest(code))
            .only("pk", "code_hash", "version")
            .first()
        )
        if candidate is not None and check_password(code, candidate.code_hash):
            terminal = candidate
    if terminal is None:
        record_failure(request)
        return None
    request.session.flush()
    request.session[SESSION_KEY] = {
        "pk": terminal.pk,
        "version": terminal.version,
        "at": timezone.now().timestamp(),
    }
    request.session.set_expiry(int(LIFETIME.total_seconds()))
    request.session.save()
    ClassTerminal.objects.filter(pk=terminal.pk).update(
        session_key=request.session.session_key, signed_in_at=timezone.now()
    )
    return terminal


def sign_out(request: HttpRequest) -> None:
    terminal = getattr(request, "terminal", None)
    if terminal is not None:
        ClassTerminal.objects.filter(pk=terminal.pk, session_key=terminal.session_key).update(
            session_key=""
        )
    request.session.flush()


def terminal_of(request: HttpRequest) -> ClassTerminal | None:
    """The terminal this session is signed in as, if still valid (one query); an invalid one
    (renewed, turned off, another device signed in, older than 12 hours) is dropped."""
    data = request.session.get(SESSION_KEY)
    if not isinstance(data, dict):
        return None
    terminal = (
        ClassTerminal.objects.select_related("school_class__grade")
        .filter(pk=data.get("pk"), enabled=True)
        .first()
    )
    fresh = timezone.now().timestamp() - float(data.get("at") or 0) < LIFETIME.total_seconds()
    if (
        terminal is None
        or not fresh
        or terminal.version != data.get("version")
        or not terminal.session_key
        or terminal.session_key != request.session.session_key
    ):
        request.session.pop(SESSION_KEY, None)
        return None
    return terminal


class TerminalMiddleware:
    """``request.terminal``; a terminal session reaches the marked views only (else 403)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.terminal = None  # type: ignore[attr-defined]
        if SESSION_KEY in request.session:
            request.terminal = terminal_of(request)  # type: ignore[attr-defined]
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Callable, args: Any, kwargs: Any
    ) -> HttpResponse | None:
        if request.terminal is not None and not getattr(view, "terminal_allowed", False):  # type: ignore[attr-defined]
            raise PermissionDenied
        return None


def _mark(view: Callable) -> Callable:
    view.terminal_allowed = True  # type: ignore[attr-defined]
    return view


def terminal_view(view: Callable) -> Callable:
    """A page of the terminal only: passes ``school_class`` (the terminal's class); without a
    terminal session, a redirect to the terminal's sign-in page."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        terminal = getattr(request, "terminal", None)
        if terminal is None:
            return redirect("groups:terminal_signin")
        return view(request, *args, school_class=terminal.school_class, **kwargs)

    return _mark(wrapper)


def class_staff_or_terminal(view: Callable | None = None, *, rule: Any = None) -> Callable:
    """A class's page for its staff (``access.class_view``: class scope, then ``rule``) and
    for that class's terminal (its own class only, else 404). Replaces ``class_pk`` by
    ``school_class``."""
    from .access import group_classes

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, class_pk: int, **kwargs: Any) -> Any:
            terminal = getattr(request, "terminal", None)
            if terminal is not None:
                if class_pk != terminal.school_class_id:
                    raise Http404
                return view(request, *args, school_class=terminal.school_class, **kwargs)
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            scope = get_scope(request)
            school_class = group_classes(scope).filter(pk=class_pk).first()
            if school_class is None:
                raise Http404
            if rule is not None and not rule(scope, school_class):
                raise PermissionDenied
            return view(request, *args, school_class=school_class, **kwargs)

        return _mark(wrapper)

    return decorator(view) if view is not None else decorator
