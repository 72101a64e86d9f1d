"""Screenshots of the demo school for docs/screenshots/, re-runnable: .venv/bin/python bench/screenshots.py

Builds the tiny demo school in a scratch SQLite database, serves it on a free local port and
photographs each page of SHOTS with Debian's Chromium: ``phone-*`` at 390 x 844 (as a teacher
holds a phone). Nothing is fetched from outside.
"""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.request import urlopen

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
PHONE = {"width": 390, "height": 844}

# (file, the demo post who opens it, the page: a function of the demo school giving its path)
SHOTS = [
    ("phone-home.png", "班主任", lambda s: "/"),
    ("phone-class-roster.png", "班主任", lambda s: f"/classes/{s['class'].pk}/"),
    ("phone-groups.png", "班主任", lambda s: f"/groups/classes/{s['class'].pk}/"),
    ("phone-quick-scoring.png", "班主任", lambda s: f"/groups/classes/{s['class'].pk}/score/"),
    ("phone-score-entries.png", "班主任", lambda s: f"/groups/{s['group'].pk}/entries/"),
    ("phone-ranking.png", "班主任", lambda s: f"/groups/classes/{s['class'].pk}/ranking/"),
    ("phone-ledger.png", "班主任", lambda s: f"/consult/classes/{s['class'].pk}/ledger/"),
    ("phone-my-mentees.png", "导师", lambda s: "/mentors/"),
    ("phone-cadence-cards.png", "级部主任", lambda s: "/consult/cadence/"),
    ("phone-consult-scores-cards.png", "级部主任", lambda s: "/consult/scores/"),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def build_demo(env: dict[str, str]) -> tuple[dict[str, str], dict]:
    """Seed the tiny demo; {printed post: username} and the homeroom class and its first group."""
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.apps import apps
    from django.core.management import call_command
    from django.utils import translation

    call_command("migrate", verbosity=0)
    out = io.StringIO()
    with translation.override("zh-hans"):
        call_command("seed_demo", "--size", "tiny", stdout=out)
    logins: dict[str, str] = {}
    for line in out.getvalue().splitlines():
        parts = line.split()
        if len(parts) >= 5 and parts[0].isdigit() and parts[3] == "—":
            logins.setdefault(parts[4].split("（")[0], parts[0])
    staff = apps.get_model("schoolops", "Staff").objects.get(staff_no=logins["班主任"])
    school_class = (
        apps.get_model("schoolops", "SchoolClass").objects.filter(homeroom_teacher=staff).first()
    )
    group = apps.get_model("groups", "StudyGroup").objects.filter(school_class=school_class).first()
    return logins, {"class": school_class, "group": group}


def main() -> None:
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            "DJANGO_SETTINGS_MODULE": "schoolops.settings",
            "DATABASE_URL": f"sqlite:///{tmp}/screenshots.sqlite3",
            "DEBUG": "1",
        }
        logins, school = build_demo(env)
        password = "schoolops-demo"
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(100):
                try:
                    urlopen(base + "/accounts/login/", timeout=1)
                    break
                except OSError:
                    time.sleep(0.2)
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path="/usr/bin/chromium", headless=True, args=["--no-sandbox"]
                )
                pages = {}
                for filename, post, path in SHOTS:
                    if post not in pages:
                        context = browser.new_context(
                            base_url=base,
                            locale="zh-CN",
                            viewport=PHONE,
                            device_scale_factor=1,
                            is_mobile=True,
                            has_touch=True,
                        )
                        page = context.new_page()
                        page.goto("/accounts/login/")
                        page.fill("input[name=username]", logins[post])
                        page.fill("input[name=password]", password)
                        page.click("button[type=submit]")
                        page.wait_for_load_state()
                        pages[post] = page
                    page = pages[post]
                    page.goto(path(school))
                    page.wait_for_load_state("networkidle")
                    page.screenshot(path=OUT / filename)
                    print(f"{filename}: {path(school)}")
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    main()
