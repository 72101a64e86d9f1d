"""The form page: GET shows the forms, a valid POST runs the service and redirects."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from schoolops.submissions import redirect_once, token_of

Form = django_forms.BaseForm | django_forms.BaseFormSet


def show_errors(request: HttpRequest, error: ValidationError) -> None:
    """A service's refusal, as error messages on the next page shown."""
    for message in error.messages:
        messages.error(request, message)


def form_page(
    request: HttpRequest,
    forms: Form | Sequence[Form] | None,
    template: str,
    context: dict[str, Any],
    *,
    on_valid: Callable[[], Any],
    success_message: str | Callable[[], str],
    success_url: Any = None,
) -> HttpResponse:
    """The shape of every add/edit page.

    GET (or HEAD) renders ``template`` with ``context``. A POST validates every form (so that
    all errors show at once); if all are valid it calls ``on_valid`` (the service call, in the
    transaction that claims the form's one-time token: a create form sent twice saves once,
    ``schoolops.submissions``), says ``success_message`` (a callable is called after the
    save, for a message that counts what it did) and redirects to what ``on_valid`` returns
    (a URL, a URL name or an object with ``get_absolute_url``), else to ``success_url``, else
    to the page itself. A ``ValidationError`` from the service, or invalid forms, show the
    page again with the reasons, and nothing is written.

    ``forms`` is a form, a formset, a list of them, or None for a page that shows no form to
    this person: a POST to it is a 403.
    """
    if forms is None:
        forms = []
    elif isinstance(forms, django_forms.BaseForm | django_forms.BaseFormSet):
        forms = [forms]
    if request.method == "POST":
        if not forms:
            raise PermissionDenied
        valid = [form.is_valid() for form in forms]  # every form, so that all errors show
        if all(valid):
            token_form = next((f for f in forms if token_of(f) is not None), None)

            def save() -> Any:
                return on_valid() or success_url or request.path

            try:
                return redirect_once(request, token_form, save, success=success_message)
            except ValidationError as error:
                show_errors(request, error)
        else:
            messages.error(request, _("Please correct the errors below."))
    return render(request, template, context)
