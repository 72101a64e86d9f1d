"""The one-time token of create forms (``schoolops.submissions``)."""

from __future__ import annotations

import re
import uuid

from django import forms
from django.contrib.messages.storage.fallback import FallbackStorage
from django.core.exceptions import ValidationError
from django.test import RequestFactory
from django.urls import reverse

import pytest
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Layout
from crispy_forms.utils import render_crispy_form

from consult.models import Observation
from schoolops.models import SubmissionToken
from schoolops.submissions import TOKEN_FIELD, SubmissionTokenMixin, save_once

pytestmark = pytest.mark.django_db


class NoteForm(SubmissionTokenMixin, forms.Form):
    text = forms.CharField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout("text")  # the token is not in the layout


def _request(user):
    request = RequestFactory().post("/")
    request.user = user
    request.session = {}
    request._messages = FallbackStorage(request)
    return request


def _token(html: str) -> str:
    return re.search(rf'name="{TOKEN_FIELD}" value="([0-9a-f-]+)"', html).group(1)


def test_the_token_is_on_the_page_whatever_the_layout():
    html = render_crispy_form(NoteForm())
    assert uuid.UUID(_token(html))
    assert _token(render_crispy_form(NoteForm())) != _token(html)  # a fresh one per page


def test_a_corrected_form_keeps_its_token_and_a_mangled_one_is_replaced():
    token = str(uuid.uuid4())
    form = NoteForm({"text": "", TOKEN_FIELD: token})
    assert not form.is_valid()
    assert _token(render_crispy_form(form)) == token
    form = NoteForm({"text": "", TOKEN_FIELD: "'; DROP TABLE x; --"})
    assert not form.is_valid() and TOKEN_FIELD not in form.errors
    assert uuid.UUID(_token(render_crispy_form(form)))


def test_the_token_stays_out_of_the_cleaned_data(school):
    form = NoteForm({"text": "记录", TOKEN_FIELD: str(uuid.uuid4())})
    assert form.is_valid()
    assert form.cleaned_data == {"text": "记录"}
    assert isinstance(form.submission_token, uuid.UUID)


def test_a_token_saves_once_per_user(school):
    token = str(uuid.uuid4())
    saved = []

    def save():
        saved.append(1)
        return f"/done/{len(saved)}/"

    def send(user):
        form = NoteForm({"text": "记录", TOKEN_FIELD: token})
        assert form.is_valid()
        return save_once(_request(user), form, save)

    assert send(school.homeroom.user) == ("/done/1/", True)
    assert send(school.homeroom.user) == ("/done/1/", False)
    # Another account's token is its own (a token is never shared, but a clash is harmless).
    assert send(school.teacher.user) == ("/done/2/", True)
    assert len(saved) == 2 and SubmissionToken.objects.count() == 2


def test_a_refused_save_gives_the_token_back_for_the_corrected_form(school):
    form = NoteForm({"text": "记录", TOKEN_FIELD: str(uuid.uuid4())})
    assert form.is_valid()

    def refuse():
        raise ValidationError("不行")

    with pytest.raises(ValidationError):
        save_once(_request(school.homeroom.user), form, refuse)
    assert not SubmissionToken.objects.exists()
    assert save_once(_request(school.homeroom.user), form, lambda: "/ok/") == ("/ok/", True)


def test_without_a_token_a_post_is_saved_as_before(school):
    form = NoteForm({"text": "记录"})
    assert form.is_valid() and form.submission_token is None
    calls = [save_once(_request(school.homeroom.user), form, lambda: "/ok/") for _ in range(2)]
    assert calls == [("/ok/", True), ("/ok/", True)]
    assert not SubmissionToken.objects.exists()


def test_the_observation_page_sent_twice_records_one_observation(school, login, today):
    client = login(school.homeroom)
    url = reverse("consult:observation_add", args=[school.student_a.pk])
    data = {
        "date": "2026-11-20",
        "method": "observe",
        "source": "",
        "content": "课堂主动发言",
        TOKEN_FIELD: _token(client.get(url).text),
    }
    first = client.post(url, data)
    second = client.post(url, data, follow=True)
    assert first.status_code == 302 and second.redirect_chain[0][0] == first["Location"]
    assert Observation.objects.count() == 1
    assert "已经提交过" in second.text  # says so, in Chinese
    # A new page is a new observation.
    data[TOKEN_FIELD] = _token(client.get(url).text)
    assert client.post(url, data).status_code == 302
    assert Observation.objects.count() == 2
