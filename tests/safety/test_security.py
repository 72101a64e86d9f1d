"""Login throttling, passwords, cookies, the Content-Security-Policy and ``check --deploy``."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse

import pytest

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.fixture
def axes_on(settings):
    """Throttling as in production (the test settings switch it off unless TEST_AXES=1)."""
    from axes.handlers.proxy import AxesProxyHandler

    settings.AXES_ENABLED = True
    AxesProxyHandler.implementation = None  # rebuilt with the settings of this test
    yield
    AxesProxyHandler.implementation = None


def fail_login(client, username: str, times: int):
    response = None
    for _ in range(times):
        response = client.post(reverse("login"), {"username": username, "password": "wrong-1"})
    return response


def test_five_wrong_passwords_lock_the_account_with_a_clear_message(school, client, axes_on):
    username = school.teacher.staff_no
    response = fail_login(client, username, 4)
    assert response.status_code == 200  # the form again, with its error
    response = fail_login(client, username, 1)
    assert response.status_code == 429
    assert "登录失败次数过多" in response.text
    assert "锁定 15 分钟" in response.text
    # Locked even with the right password now.
    response = client.post(reverse("login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_lock_is_per_account_and_a_good_login_resets_the_count(school, client, axes_on):
    fail_login(client, school.teacher.staff_no, 5)
    response = client.post(
        reverse("login"), {"username": school.homeroom.staff_no, "password": PASSWORD}
    )
    assert response.status_code == 302  # another account from the same address still logs in
    client.logout()
    fail_login(client, school.outsider.staff_no, 4)
    client.post(reverse("login"), {"username": school.outsider.staff_no, "password": PASSWORD})
    client.logout()
    response = fail_login(client, school.outsider.staff_no, 4)
    assert response.status_code == 200  # the success reset the failures


def test_locked_out_page_is_in_english_on_request(school, client, axes_on):
    client.cookies["django_language"] = "en"
    response = fail_login(client, school.teacher.staff_no, 5)
    assert response.status_code == 429
    assert "Too many failed logins" in response.text


@pytest.mark.parametrize(
    "password",
    ["12345678901", "password123", "Tt1002!", "short1!", "qwertyuiop"],
    ids=["numeric", "common", "username-like-and-short", "too-short", "keyboard"],
)
def test_weak_passwords_are_refused(school, password):
    with pytest.raises(ValidationError):
        validate_password(password, user=school.teacher.user)


def test_a_strong_password_passes(school):
    validate_password("绿色-Harbour-Lamp-42", user=school.teacher.user)


def test_every_page_sends_a_strict_content_security_policy(school, login, today):
    client = login(school.homeroom)
    for url in (reverse("home"), reverse("login"), reverse("admin:login")):
        policy = client.get(url)["Content-Security-Policy"]
        directives = {
            part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()
        }
        assert directives["script-src"] == ["'self'"], url
        assert directives["style-src"] == ["'self'"], url
        assert directives["default-src"] == ["'self'"], url
        assert directives["frame-ancestors"] == ["'none'"], url
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


def test_our_templates_have_no_inline_script_or_style():
    """The policy would block them: scripts and styles live in static files."""
    offenders = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        text = path.read_text()
        for line_no, line in enumerate(text.splitlines(), 1):
            stripped = line.strip()
            if " style=" in stripped or stripped.startswith("style="):
                offenders.append(f"{path.relative_to(ROOT)}:{line_no} inline style")
            if "<script" in stripped and "src=" not in stripped and "json" not in stripped:
                offenders.append(f"{path.relative_to(ROOT)}:{line_no} inline script")
            if " on" in stripped and any(
                f" on{event}=" in stripped for event in ("click", "change", "submit", "load")
            ):
                offenders.append(f"{path.relative_to(ROOT)}:{line_no} inline event handler")
    assert not offenders, "\n".join(offenders)


def test_our_widgets_have_no_inline_style():
    """A form widget's ``style`` attribute is an inline style too (the browser guard found one
    on the pairs' form): a class in a static stylesheet instead."""
    attribute = re.compile(r"""["']style["']\s*:""")
    offenders = [
        f"{path.relative_to(ROOT)}:{line_no}"
        for app in ("schoolops", "groups", "consult", "mentors")
        for path in sorted((ROOT / app).rglob("*.py"))
        if "migrations" not in path.parts
        for line_no, line in enumerate(path.read_text().splitlines(), 1)
        if attribute.search(line)
    ]
    assert not offenders, "\n".join(offenders)


def production_env(**extra: str) -> dict[str, str]:
    """A clean environment as a school server has it: none of the test settings' switches."""
    env = {key: os.environ[key] for key in ("PATH", "HOME", "LANG") if key in os.environ}
    env.update(
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="school.example.cn",
        DJANGO_SETTINGS_MODULE="schoolops.settings",
        **extra,
    )
    return env


def run_manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_in_production():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_is_clean_on_a_plain_http_intranet():
    env = production_env(SCHOOLOPS_PLAIN_HTTP="1")
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    env = production_env()
    env.pop("SECRET_KEY")
    result = run_manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


PRINT_SETTINGS = (
    "import django; django.setup(); from django.conf import settings as s; "
    "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, "
    "s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS > 0, s.DEBUG)"
)


def test_cookies_are_secure_in_production():
    result = subprocess.run(
        [sys.executable, "-c", PRINT_SETTINGS],
        cwd=ROOT,
        env=production_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.split() == ["True"] * 5 + ["False"], result.stderr
