from typing import Any

from django.apps import AppConfig
from django.contrib.admin.apps import SimpleAdminConfig
from django.core import checks
from django.utils.translation import gettext_lazy as _


def _evaluation_todos() -> Any:
    from schoolops.registry import lazy

    return lazy("schoolops.evaluation_views.todos")


# One provider (``add_todos`` keeps a provider once: ready() may run twice).
EVALUATION_TODOS = _evaluation_todos()


class SchoolOpsConfig(AppConfig):
    default = True  # the module also holds the admin's config
    name = "schoolops"
    verbose_name = _("School structure")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from schoolops.permissions import sync_post_permissions
        from schoolops.registry import DemoStep, NavItem, StudentPanel, lazy, registry

        registry.add_student_panel(
            StudentPanel(
                key="roster",
                title=_("Class and exams"),
                template="schoolops/panels/roster.html",
                context=lazy("schoolops.views.roster_panel_context"),
                order=0,
            )
        )
        registry.add_student_panel(
            StudentPanel(
                key="privacy",
                title=_("Personal information (principal's office)"),
                template="schoolops/panels/privacy.html",
                context=lazy("schoolops.privacy_views.privacy_panel_context"),
                order=1000,
            )
        )
        registry.add_nav(
            NavItem(
                key="classes",
                label=_("My classes"),
                url_name="schoolops:class_list",
                visible=lambda scope: bool(scope.staff or scope.user.is_superuser),
                order=10,
            )
        )
        # After every app's part of the demo school: its term evaluation and awards.
        registry.add_demo(DemoStep("evaluation", lazy("schoolops.evaluation_demo.run"), order=90))
        registry.add_todos(EVALUATION_TODOS)
        registry.add_nav(
            NavItem(
                key="evaluation",
                label=_("Term evaluation"),
                url_name="schoolops:evaluation",
                visible=lambda scope: bool(scope.staff or scope.user.is_superuser),
                order=90,
            )
        )
        registry.add_nav(
            NavItem(
                key="students",
                label=_("Find a student"),
                url_name="schoolops:student_search",
                visible=lambda scope: bool(scope.staff or scope.user.is_superuser),
                order=11,
            )
        )
        # After every app's migrations, so that all apps' permissions exist.
        post_migrate.connect(sync_post_permissions, dispatch_uid="schoolops_post_permissions")

        # Every post given or taken away is a PrivilegeChange, whoever changes it and how.
        from django.contrib.auth import get_user_model
        from django.db.models.signals import m2m_changed

        from schoolops.privileges import posts_changed
        from schoolops.records import StudentRecordsSheet
        from schoolops.sheets.evaluation import TermEvaluationSheet
        from schoolops.sheets.privileges import PrivilegeChangesSheet
        from schoolops.sheets.read_log import ReadLogSheet
        from schoolops.sheets.roster import ROSTER_SHEETS

        m2m_changed.connect(
            posts_changed,
            sender=get_user_model().groups.through,
            dispatch_uid="schoolops_posts_changed",
        )
        for sheet in (
            *ROSTER_SHEETS,
            PrivilegeChangesSheet,
            ReadLogSheet,
            StudentRecordsSheet,
            TermEvaluationSheet,
        ):
            registry.add_sheet(sheet.kind, sheet)


class AdminConfig(SimpleAdminConfig):
    """The admin, its modules discovered with the URLs (``schoolops/urls.py``) instead of at
    start-up: Django's documented ``SimpleAdminConfig`` way.

    A command that serves no page, such as ``import_sheet``, then does not import every
    admin module and, through django-import-export, tablib and openpyxl: ~0.09 s of each
    run. The admin's checks discover the modules first, so ``check`` sees every ModelAdmin
    whatever order the checks run in.
    """

    def ready(self) -> None:
        from django.contrib.admin.checks import check_dependencies

        checks.register(check_dependencies, checks.Tags.admin)
        checks.register(check_discovered_admin, checks.Tags.admin)


def check_discovered_admin(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """The admin's own checks of every registered ModelAdmin, after discovering them."""
    from django.contrib import admin
    from django.contrib.admin.checks import check_admin_app

    admin.autodiscover()
    return check_admin_app(app_configs, **kwargs)
