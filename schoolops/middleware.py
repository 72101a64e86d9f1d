from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware.locale import LocaleMiddleware as DjangoLocaleMiddleware
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.functional import SimpleLazyObject

from schoolops.scopes import Scope


class ScopeMiddleware:
    """Attaches ``request.scope``, built on first use."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.scope = SimpleLazyObject(lambda: Scope.for_request(request))  # type: ignore[attr-defined]
        return self.get_response(request)


class PasswordChangeRequiredMiddleware:
    """Accounts created by the staff import must choose their own password first."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            staff = Scope.for_request(request).staff
            if staff is not None and staff.must_change_password:
                allowed = {
                    reverse("password_change"),
                    reverse("password_change_done"),
                    reverse("logout"),
                    reverse("set_language"),
                }
                if request.path not in allowed:
                    return redirect("password_change")
        return self.get_response(request)


class LocaleMiddleware(DjangoLocaleMiddleware):
    """Simplified Chinese unless the person chose English with the language switch.

    Django's own middleware follows the browser's Accept-Language, which would show English
    to a teacher whose phone happens to be set to English; the school's language is Chinese.
    """

    def process_request(self, request: HttpRequest) -> None:
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        if not language or not translation.check_for_language(language):
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
