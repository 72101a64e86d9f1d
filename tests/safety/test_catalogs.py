"""The Chinese catalogs are complete, current, compiled and say one thing per message (issue 11).

Reproduced before (issue 11, defect 12): pages showed English where a msgstr was empty or fuzzy
after ``makemessages``; the talk form's topic read 「会商主题」 because the consult and mentors
catalogs translated the same msgid differently and gettext merges every app's catalog into one
(the app listed first wins, for every page); the scoring page's "Network error" was not in any
catalog at all.

The committed ``<app>/locale/zh_Hans/LC_MESSAGES/django.po`` (and ``djangojs.po``, the scripts'
strings served at ``/jsi18n/``) are read with polib. ``makemessages`` is run on a copy of the
source into a temporary folder: a catalog that lacks a message of the source, or still holds one
the source lost, is stale.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

from django.conf import settings

import polib
import pytest

from schoolops.management.commands.makemessages import APPS

BASE = Path(settings.BASE_DIR)
DOMAINS = ("django", "djangojs")
PLACEHOLDER = re.compile(r"%(?:\(\w+\))?[sdif]|\{\{ *\w+ *\}\}|\{\w*\}")


def catalog(app: str, domain: str, base: Path = BASE) -> Path:
    return base / app / "locale" / "zh_Hans" / "LC_MESSAGES" / f"{domain}.po"


def committed() -> list[Path]:
    paths = [catalog(app, d) for app in APPS for d in DOMAINS if catalog(app, d).exists()]
    assert len(paths) >= len(APPS)
    return paths


def key(entry: polib.POEntry) -> tuple[str | None, str, str]:
    return entry.msgctxt, entry.msgid, entry.msgid_plural


def live(path: Path) -> list[polib.POEntry]:
    return [e for e in polib.pofile(str(path)) if not e.obsolete]


def translations(entry: polib.POEntry) -> list[str]:
    return list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]


@pytest.mark.parametrize("path", committed(), ids=lambda p: f"{p.parts[-5]}/{p.stem}")
def test_every_message_of_a_chinese_catalog_is_translated(path):
    entries = live(path)
    untranslated = [e.msgid for e in entries if not all(translations(e))]
    fuzzy = [e.msgid for e in entries if "fuzzy" in e.flags]
    assert not untranslated, f"{path}: no Chinese for {untranslated}"
    assert not fuzzy, f"{path}: fuzzy (a guess of msgmerge, not shown) {fuzzy}"


@pytest.mark.parametrize("path", committed(), ids=lambda p: f"{p.parts[-5]}/{p.stem}")
def test_a_translation_keeps_the_placeholders_of_its_message(path):
    wrong = []
    for entry in live(path):
        # Chinese has one plural form: it says what the plural message says.
        wanted = sorted(PLACEHOLDER.findall(entry.msgid_plural or entry.msgid))
        for text in translations(entry):
            if text and sorted(PLACEHOLDER.findall(text)) != wanted:
                wrong.append((entry.msgid, text))
    assert not wrong, wrong


@pytest.mark.parametrize("path", committed(), ids=lambda p: f"{p.parts[-5]}/{p.stem}")
def test_the_compiled_catalog_is_the_committed_one(path):
    compiled = path.with_suffix(".mo")
    assert compiled.exists(), f"{compiled} is missing: run compilemessages in the app"
    shown = {
        key(e): translations(e)
        for e in polib.mofile(str(compiled))
        if e.msgid  # not the header
    }
    written = {key(e): translations(e) for e in live(path)}
    assert shown == written, f"{compiled} is stale: run compilemessages in {path.parts[-5]}"


def test_a_message_has_one_translation_across_the_apps():
    """gettext merges the apps' catalogs: the same message (and context) translated two ways
    reads the first app's words on every page. Give a word that means two things a context
    (``pgettext``), or the same translation."""
    seen: dict[tuple, dict[str, tuple[str, ...]]] = defaultdict(dict)
    for path in committed():
        for entry in live(path):
            seen[key(entry)][f"{path.parts[-5]}/{path.stem}"] = tuple(translations(entry))
    twice = {k[1]: v for k, v in seen.items() if len(set(v.values())) > 1}
    assert not twice, twice


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> Path:
    """``makemessages`` for every app and both domains, on a copy of the source."""
    if not shutil.which("xgettext"):
        pytest.fail("makemessages needs GNU gettext: apt-get install gettext")
    copy = tmp_path_factory.mktemp("source")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.mo", "vendor")
    for name in [*APPS, "templates", "static"]:
        shutil.copytree(BASE / name, copy / name, ignore=ignore)
    shutil.copy(BASE / "manage.py", copy / "manage.py")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "schoolops.settings", "DEBUG": "1"}
    env.pop("DATABASE_URL", None)
    for domain in DOMAINS:
        subprocess.run(
            [sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "-d", domain],
            cwd=copy,
            env=env,
            check=True,
            capture_output=True,
        )
    return copy


@pytest.mark.parametrize("app", APPS)
@pytest.mark.parametrize("domain", DOMAINS)
def test_makemessages_finds_nothing_new_or_gone_in_a_catalog(extracted, app, domain):
    fresh, kept = catalog(app, domain, extracted), catalog(app, domain)
    if not fresh.exists():
        assert not kept.exists() or not live(kept), f"{kept}: the source has none of its messages"
        return
    assert kept.exists(), f"{kept} is missing: makemessages -l zh_Hans --app {app} -d {domain}"
    now = {key(e) for e in live(fresh)}
    before = {key(e) for e in live(kept)}
    assert not now - before, f"{kept} lacks {sorted(k[1] for k in now - before)}"
    assert not before - now, f"{kept} still holds {sorted(k[1] for k in before - now)}"


# The scripts: what they say goes through Django's JavaScript catalog.

STATIC = BASE / "static"
COMMENT = re.compile(r"/\*.*?\*/|//[^\n]*", re.S)
STRING = re.compile(r'"((?:[^"\\\n]|\\.)*)"|\'((?:[^\'\\\n]|\\.)*)\'')
SENTENCE = re.compile(r"[A-Za-z]+[ ,.:;!?]+[A-Za-z]+")
# A CSS selector ("table.table-cards", ".a, .b") is said to the browser, not to people.
SELECTOR_CALL = re.compile(r"(?:querySelector|querySelectorAll|closest|matches)\(\s*$")


def test_our_scripts_say_nothing_to_people_outside_gettext():
    """Reproduced before: the scoring page said "Network error" and "Forbidden" in English. A
    sentence in one of our scripts is shown to somebody: it is ``gettext("…")``, translated
    in the app's ``djangojs.po`` and served by ``JavaScriptCatalog`` at ``/jsi18n/``."""
    scripts = [p for p in STATIC.rglob("*.js") if "vendor" not in p.parts]
    assert scripts
    bare = []
    for script in scripts:
        code = COMMENT.sub("", script.read_text(encoding="utf-8"))
        for match in STRING.finditer(code):
            text = match.group(1) if match.group(1) is not None else match.group(2)
            if text == "use strict" or not SENTENCE.search(text):
                continue
            if SELECTOR_CALL.search(code[max(0, match.start() - 40) : match.start()]):
                continue
            if not code[: match.start()].rstrip().endswith("gettext("):
                bare.append(f"{script.relative_to(STATIC)}: {text}")
    assert not bare, bare


# Python: xgettext does not read a gettext call inside an f-string, so its message never
# reaches the catalog and the page shows it in English (the charts' 「No figures yet.」).

GETTEXT_NAMES = {
    "_",
    "gettext",
    "gettext_lazy",
    "pgettext",
    "pgettext_lazy",
    "ngettext",
    "ngettext_lazy",
    "npgettext",
}


def gettext_calls_in_f_strings(source: str) -> list[int]:
    """The lines of gettext calls written inside an f-string."""
    import ast

    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.JoinedStr):
            continue
        for inner in ast.walk(node):
            if isinstance(inner, ast.Call):
                func = inner.func
                name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
                if name in GETTEXT_NAMES:
                    found.append(inner.lineno)
    return found


def test_no_message_hides_in_an_f_string():
    assert gettext_calls_in_f_strings("x = f\"{escape(gettext('Total'))}\"\n") == [1]
    hidden = [
        f"{path.relative_to(BASE)}:{line}"
        for app in APPS
        for path in sorted((BASE / app).rglob("*.py"))
        if "migrations" not in path.parts
        for line in gettext_calls_in_f_strings(path.read_text(encoding="utf-8"))
    ]
    assert not hidden, f"gettext inside an f-string (xgettext misses it): {hidden}"
