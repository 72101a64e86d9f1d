from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SchoolOpsConfig(AppConfig):
    name = "schoolops"
    verbose_name = _("School structure")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from schoolops.permissions import sync_post_permissions
        from schoolops.privacy_views import privacy_panel_context
        from schoolops.registry import NavItem, StudentPanel, registry
        from schoolops.views import roster_panel_context

        registry.add_student_panel(
            StudentPanel(
                key="roster",
                title=_("Class and exams"),
                template="schoolops/panels/roster.html",
                context=roster_panel_context,
                order=0,
            )
        )
        registry.add_student_panel(
            StudentPanel(
                key="privacy",
                title=_("Personal information (principal's office)"),
                template="schoolops/panels/privacy.html",
                context=privacy_panel_context,
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
        from schoolops.sheets.privileges import PrivilegeChangesSheet
        from schoolops.sheets.read_log import ReadLogSheet
        from schoolops.sheets.roster import ROSTER_SHEETS

        m2m_changed.connect(
            posts_changed,
            sender=get_user_model().groups.through,
            dispatch_uid="schoolops_posts_changed",
        )
        for sheet in (*ROSTER_SHEETS, PrivilegeChangesSheet, ReadLogSheet, StudentRecordsSheet):
            registry.add_sheet(sheet.kind, sheet)
