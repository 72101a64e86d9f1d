"""The registry the apps plug into: how they register, and what it refuses."""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured

import pytest

from schoolops.registry import Registry, registry
from schoolops.sheets import engine
from schoolops.sheets.privileges import PrivilegeChangesSheet
from schoolops.sheets.roster import ROSTER_SHEETS, StaffSheet, StudentsSheet

ROOT = Path(__file__).resolve().parents[2]
APPS = ("groups", "consult", "mentors")


def test_a_sheet_kind_is_registered_once():
    fresh = Registry()
    fresh.add_sheet("students", StudentsSheet)
    fresh.add_sheet("students", StudentsSheet)  # ready() may run twice: the same class is fine
    with pytest.raises(ImproperlyConfigured, match="'students' is already registered"):
        fresh.add_sheet("students", StaffSheet)
    assert fresh.sheets == {"students": StudentsSheet}


def test_the_roster_kinds_are_registered_when_django_starts():
    kinds = engine.kinds()
    for sheet in (*ROSTER_SHEETS, PrivilegeChangesSheet):
        assert kinds[sheet.kind] is sheet


def test_the_sheet_engine_does_not_import_the_roster():
    """engine.py ↔ roster.py was an import circle: the roster imports the engine, never back."""
    tree = ast.parse((ROOT / "schoolops/sheets/engine.py").read_text())
    imported = {
        node.module if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert not any(name and "roster" in name for name in imported), imported


@pytest.mark.parametrize("label", APPS)
def test_each_app_registers_only_through_its_hooks_register(label):
    config = apps.get_app_config(label)
    source = inspect.getsource(type(config).ready)
    assert "hooks.register()" in source
    assert "registry" not in source, f"{label}.apps registers outside hooks.register()"
    for path in sorted((ROOT / label).rglob("*.py")):
        if "migrations" in path.parts or path.name == "hooks.py":
            continue
        assert "registry.add_" not in path.read_text(), f"{path} registers outside hooks.py"


def test_every_app_took_its_part():
    keys = [step.key for step in registry.demo_steps]
    assert [key for key in keys if key in APPS] == ["groups", "consult", "mentors"]
    assert keys[-1] == "evaluation"  # schoolops' term evaluation, after every app's part
    assert {"groups", "consult", "mentors"} <= {p.key for p in registry.student_panels}
    assert {"groups", "consult", "mentors"} <= {e.key for e in registry.student_exports}
    assert {"groups", "consult", "mentors"} <= {p.key for p in registry.purgers}


def test_the_docstring_names_only_what_the_registry_has():
    import schoolops.registry as module

    named = {
        name
        for name in re.findall(r"``(add_\w+|\w+)``", module.__doc__ or "")
        if name.startswith("add_")
    }
    assert named, "the docstring names the registration methods"
    assert all(hasattr(Registry, name) for name in named), named - set(dir(Registry))
    assert {name for name in dir(Registry) if name.startswith("add_")} == named
