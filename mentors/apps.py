from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MentorsConfig(AppConfig):
    name = "mentors"
    verbose_name = _("Mentor system")

    def ready(self) -> None:
        from mentors import hooks, records, signals  # noqa: F401 (connects the receivers)
        from mentors.demo import run as run_demo
        from mentors.sheets import SHEETS
        from schoolops.privacy import Relation, StudentRelation
        from schoolops.registry import DemoStep, Purger, StudentExport, registry

        registry.add_todos(hooks.mentor_todos)
        registry.add_student_panel(hooks.PANEL)
        registry.add_class_links(hooks.class_links)
        registry.add_student_scope(hooks.mentee_scope)
        registry.add_student_relation(
            StudentRelation(Relation.MENTOR, hooks.mentee_scope, holders=hooks.student_mentors)
        )
        for entry in hooks.SENSITIVE:
            registry.add_sensitive(entry)
        for item in hooks.NAV:
            registry.add_nav(item)
        registry.add_demo(DemoStep("mentors", run_demo, order=30))
        registry.add_student_export(
            StudentExport("mentors", _("Mentor system"), records.sections, order=30)
        )
        registry.add_purger(Purger("mentors", records.purge, order=30))
        for sheet in SHEETS:
            registry.add_sheet(sheet.kind, sheet)
        for post, perms in hooks.POST_PERMISSIONS.items():
            registry.add_post_permissions(post, perms)
