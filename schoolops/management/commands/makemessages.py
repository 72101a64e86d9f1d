"""Django's makemessages, writing one catalog per app.

Each app's strings, from its Python files and from ``templates/<app>/``, go to
``<app>/locale``; the project templates (``base.html``, ``registration/``, ``admin/``) go to
``schoolops/locale``. ``--app groups`` limits a run to one app, so people working on
different apps never rewrite each other's catalogs. With ``-d djangojs`` the scripts in
``static/<app>/`` go to that app's ``djangojs.po`` (``static/js/`` to schoolops'; never
``static/vendor/``), served to the pages by ``JavaScriptCatalog`` at ``/jsi18n/``.

    python manage.py makemessages -l zh_Hans --app groups
    python manage.py makemessages -l zh_Hans --app groups -d djangojs
    python manage.py compilemessages --ignore=.venv
"""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings
from django.core.management.commands import makemessages

APPS = ("schoolops", "groups", "consult", "mentors")


class Command(makemessages.Command):
    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--app", action="append", choices=APPS, help="Only this app's catalog (repeatable)."
        )

    def handle(self, *args, **options):
        self.only_apps = set(options.pop("app") or APPS)
        scripts = options.get("domain") == "djangojs"
        options["ignore_patterns"] = [
            *options.get("ignore_patterns", []),
            ".venv",
            "tests",
            "bench",
            "staticfiles",
            "vendor" if scripts else "static",
            "node_modules",
        ]
        for app in self.only_apps:
            (Path(settings.BASE_DIR) / app / "locale").mkdir(exist_ok=True)
        return super().handle(*args, **options)

    def find_files(self, root):
        base = Path(settings.BASE_DIR).resolve()
        templates = base / "templates"
        kept = []
        for translatable in super().find_files(root):
            # django-stubs leaves out TranslatableFile.path (dirpath joined with the file).
            path = Path(os.path.abspath(translatable.path)).resolve()  # type: ignore[attr-defined]
            app = self._app_of(path, base, templates)
            if app is None or app not in self.only_apps:
                continue
            translatable.locale_dir = str(base / app / "locale")
            kept.append(translatable)
        return kept

    @staticmethod
    def _app_of(path: Path, base: Path, templates: Path) -> str | None:
        for shared in (templates, base / "static"):
            if path.is_relative_to(shared):
                first = path.relative_to(shared).parts[0]
                return first if first in APPS else "schoolops"
        if path.is_relative_to(base):
            first = path.relative_to(base).parts[0]
            return first if first in APPS else None
        return None
