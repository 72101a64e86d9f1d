"""The current term, or a page saying none is set up.

Most pages are about the current term (its ledger, its meetings, its groups). Before the
academic office (教导处) has added a term there is nothing to show: such a page answers a short
page saying so, with a link to set the term up for those who may, instead of an error. It is
a 200: the address is right and the request worked, the school just has no term yet (a 404
would tell the teacher the page does not exist; a redirect would lose where they were).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from schoolops.scopes import get_scope


def no_term_page(request: HttpRequest) -> HttpResponse:
    """The page saying that no term is set up yet (``schoolops/no_term.html``)."""
    context = {"can_set_up": request.user.has_perm("schoolops.add_term")}
    return render(request, "schoolops/no_term.html", context)


def term_required(view: Callable) -> Callable:
    """View decorator: passes the current term as ``term``, or answers ``no_term_page``.

    Put it below the access decorator, so that who may not open the page learns nothing.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        term = get_scope(request).term
        if term is None:
            return no_term_page(request)
        return view(request, *args, term=term, **kwargs)

    return wrapper
