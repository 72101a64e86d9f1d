"""Fixtures the schoolops tests opt into (none is autouse: a module names what it needs,
``pytestmark = pytest.mark.usefixtures("in_english")``)."""

from __future__ import annotations

from django.utils import translation

import pytest


@pytest.fixture
def in_english():
    """Messages are matched in English; the Chinese catalog may word them differently."""
    with translation.override("en"):
        yield


@pytest.fixture
def uploads_in_english(settings, tmp_path, in_english):
    """``in_english`` for the admin's upload pages too (the request's language), with the
    uploads kept in this test's own private folder."""
    settings.PRIVATE_ROOT = tmp_path / "private"
    settings.LANGUAGE_CODE = "en"
