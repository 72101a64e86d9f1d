from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MentorsConfig(AppConfig):
    name = "mentors"
    verbose_name = _("Mentor system")

    def ready(self) -> None:
        from mentors import hooks, signals  # noqa: F401 (signals connects its receivers)

        hooks.register()
