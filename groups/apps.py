from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GroupsConfig(AppConfig):
    name = "groups"
    verbose_name = _("Study-help groups")

    def ready(self) -> None:
        from groups import hooks

        hooks.register()
