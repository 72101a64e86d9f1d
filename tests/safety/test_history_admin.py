"""Sensitive records' history in the admin: shown to the principal's office, never reverted.

simple_history's page of a past version saves what is posted to it after checking only the
view permission; ``schoolops.admin.HistoryAdmin`` refuses such posts. Every admin of a model
with ``HistoricalRecords`` must use it.
"""

from django.contrib import admin
from django.urls import reverse

import pytest

from schoolops.admin import HistoryAdmin

pytestmark = pytest.mark.django_db


def tracked_admins():
    for model, model_admin in admin.site._registry.items():
        if getattr(model._meta, "simple_history_manager_attribute", None):
            yield model, model_admin


def test_every_admin_of_a_tracked_model_keeps_its_history_read_only():
    found = list(tracked_admins())
    assert len(found) >= 10
    loose = [
        model._meta.label
        for model, model_admin in found
        if not isinstance(model_admin, HistoryAdmin)
    ]
    assert not loose, f"use schoolops.admin.HistoryAdmin for: {loose}"


def test_a_post_to_a_past_version_is_refused_and_changes_nothing(school, login, today):
    from consult.models import Observation

    observation = Observation.objects.create(
        student=school.student_a,
        date=today,
        method=Observation.Method.TALK,
        content="上课走神",
        author=school.homeroom,
    )
    version = observation.history.get()
    url = reverse(
        "admin:consult_observation_simple_history",
        args=[observation.pk, version.history_id],
    )
    client = login(school.principal)
    assert client.get(url).status_code == 200
    response = client.post(url, {"content": "改写", "date": "2026-11-20", "method": "talk"})
    assert response.status_code == 403
    observation.refresh_from_db()
    assert observation.content == "上课走神"
    assert observation.history.count() == 1
