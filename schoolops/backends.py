"""The login backend: Django's own, loading a request's member of staff with its user.

Every page needs both (``request.user`` for permissions, ``request.scope.staff`` for where the
person works); reading them in one query saves a query on every request.

A member of staff who has left the school (``Staff.Status.LEFT``, set in the admin or by the
staff sheet and the national teacher template) can no longer sign in, and a session opened
before they left ends at their next request: their posts and classes stay on record, the
access does not.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from schoolops.models import Staff


class StaffModelBackend(ModelBackend):
    def get_user(self, user_id: Any) -> Any:
        user_model = get_user_model()
        try:
            user = user_model._default_manager.select_related("staff").get(pk=user_id)
        except user_model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None

    def user_can_authenticate(self, user: Any) -> bool:
        if not super().user_can_authenticate(user):
            return False
        staff = getattr(user, "staff", None)
        return staff is None or staff.status != Staff.Status.LEFT
