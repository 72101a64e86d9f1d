"""What every command pays before it starts (``import_sheet`` is timed against a plain
openpyxl read, bench/import_exams.py): Django's start-up imports no admin module and no
spreadsheet library; the admin's modules come with the URLs, and its checks still see every
ModelAdmin."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def after_setup(code: str) -> dict:
    """What ``code`` prints (JSON) in a new process right after ``django.setup()``."""
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="schoolops.settings", DEBUG="1")
    found = subprocess.run(
        [sys.executable, "-c", f"import django, json, sys\ndjango.setup()\n{code}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(found.stdout)


def test_start_up_imports_no_admin_module_no_page_and_no_spreadsheet_library():
    loaded = after_setup("print(json.dumps(sorted(sys.modules)))")
    heavy = {
        "openpyxl",
        "tablib",
        "python_calamine",
        "import_export.admin",
        "import_export.formats",
    }
    assert [m for m in loaded if m.endswith(".admin") or m in heavy] == ["django.contrib.admin"]
    ours = [m for m in loaded if m.split(".")[0] in {"schoolops", "groups", "consult", "mentors"}]
    assert ours, "the apps are loaded"
    # Pages and the demo school are registered by name (schoolops.registry.lazy).
    assert [m for m in ours if ".views" in m or m.endswith(("_views", ".demo", ".urls"))] == []


def test_the_urls_and_the_admin_checks_discover_every_model_admin():
    counts = after_setup(
        "from django.contrib import admin\n"
        "from django.core import checks\n"
        "before = len(admin.site._registry)\n"
        "errors = checks.run_checks(tags=[checks.Tags.admin])\n"
        "after = len(admin.site._registry)\n"
        "import schoolops.urls\n"
        "print(json.dumps([before, after, len(admin.site._registry), len(errors)]))"
    )
    before, after_checks, after_urls, errors = counts
    assert before == 0
    assert after_checks == after_urls > 40
    assert errors == 0
