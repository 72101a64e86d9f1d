"""One-time tokens on create forms: a form sent twice creates its record once.

A double tap on "save", a phone that resends on a bad network, the back button and "send
again": each post of a create form used to create one more meeting, observation or talk log.
Every create form of the apps now carries a hidden one-time token, and its view saves
through ``save_once``:

    class TalkForm(SubmissionTokenMixin, forms.Form): ...

    try:
        return redirect_once(request, form, save, success=_("The talk is logged."))
    except ValidationError as error:
        form.add_error(None, error)

``save`` creates the record and answers where to go next (a URL, a URL name or an object
with ``get_absolute_url``). ``save_once`` claims the token by an INSERT under a unique
constraint in the same transaction as the create. Of two posts of one token, one after the
other or truly at once, exactly one creates: on PostgreSQL the second INSERT waits for the
first transaction and then fails on the constraint, on SQLite the write lock queues them;
the second is sent where the first went and creates nothing. If ``save`` refuses (a
``ValidationError``) the claim is rolled back with it and the corrected form may be sent
with the same token.

A post without a token (an API client or a test that builds its own data) is saved as it
always was; the forms themselves always send one. ``tests/safety/test_double_submission.py``
finds every create form of the permission matrix and sends it twice.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import redirect, resolve_url
from django.utils.translation import gettext as _

from schoolops.scopes import login_of

TOKEN_FIELD = "submission_token"


class SubmissionTokenField(forms.UUIDField):
    """The hidden token: a fresh one on every new page, kept while the form is corrected.

    A missing or mangled token cleans to ``None`` (never an error on a field nobody sees)
    and the page then offers a fresh one."""

    widget = forms.HiddenInput

    def __init__(self) -> None:
        super().__init__(required=False, initial=uuid.uuid4)

    # django-stubs types UUIDField.to_python as CharField's (str); Django returns a UUID.
    def to_python(self, value: Any) -> uuid.UUID | None:  # type: ignore[override]
        try:
            return super().to_python(value)
        except forms.ValidationError:
            return None

    def bound_data(self, data: Any, initial: Any) -> Any:
        return data if self.to_python(data) is not None else initial


# For mypy the mixin is the form it is mixed into.
if TYPE_CHECKING:
    _FormBase = forms.BaseForm
else:
    _FormBase = object


class SubmissionTokenMixin(_FormBase):
    """Put first in the bases of a create form: adds the hidden ``submission_token``.

    The forms build their crispy ``helper`` after this ``__init__``; whatever layout it is
    given, it renders the token (``render_hidden_fields``). A template that renders fields by
    hand adds ``{{ form.submission_token }}``."""

    submission_token: uuid.UUID | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields[TOKEN_FIELD] = SubmissionTokenField()

    def full_clean(self) -> None:
        # The token is the view's business, not the service's: out of ``cleaned_data``.
        super().full_clean()
        cleaned = getattr(self, "cleaned_data", None)
        if cleaned is not None:
            self.submission_token = cleaned.pop(TOKEN_FIELD, None)

    @property
    def helper(self) -> Any:
        try:
            return self.__dict__["_token_helper"]
        except KeyError:
            raise AttributeError("helper") from None

    @helper.setter
    def helper(self, helper: Any) -> None:
        helper.render_hidden_fields = True
        self.__dict__["_token_helper"] = helper


def token_of(form: forms.BaseForm | forms.BaseFormSet | None) -> uuid.UUID | None:
    """The valid token a cleaned create form was sent with, if any."""
    return getattr(form, "submission_token", None)


def save_once(
    request: HttpRequest, form: forms.BaseForm | forms.BaseFormSet | None, save: Callable[[], Any]
) -> tuple[str, bool]:
    """Run ``save`` once per token of ``form``; answer (where to go, whether it created).

    The first post of a token claims it and runs ``save`` in one transaction; a later (or
    concurrent) post of the same token by the same user runs nothing and answers the first
    one's destination. Without a token, ``save`` simply runs."""
    token = token_of(form)
    if token is None:
        return resolve_url(save()), True
    from schoolops.models import SubmissionToken

    user = login_of(request)  # the create pages are behind a login
    with transaction.atomic():
        try:
            with transaction.atomic():
                claim = SubmissionToken.objects.create(user=user, token=token)
        except IntegrityError:
            first = SubmissionToken.objects.filter(user=user, token=token).first()
            if first is None:
                raise
            return first.url, False
        url = resolve_url(save())
        claim.url = url
        claim.save(update_fields=["url"])
    return url, True


def redirect_once(
    request: HttpRequest,
    form: forms.BaseForm | forms.BaseFormSet | None,
    save: Callable[[], Any],
    *,
    success: str | Callable[[], str],
) -> HttpResponseRedirect:
    """``save_once``, then say ``success`` (or that the form had been sent already) and go.

    ``success`` may be a callable, called after ``save`` (a message that counts what it did).
    """
    url, created = save_once(request, form, save)
    if created:
        messages.success(request, success() if callable(success) else success)
    else:
        messages.info(request, _("This form had already been sent: it was saved once, here."))
    return redirect(url)
