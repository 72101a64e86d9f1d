from django.http import HttpRequest

from schoolops.registry import registry
from schoolops.scopes import get_scope


def navigation(request: HttpRequest) -> dict:
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {"nav_items": []}
    return {"nav_items": registry.nav_for(get_scope(request))}
