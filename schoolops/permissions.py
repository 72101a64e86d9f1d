"""Model permissions of each post, applied to the posts' Django groups after every migrate.

The admin is for the principal's office (校长, 副校长, 教导处) and office staff (办公室).
Office staff keep the roster; the principal's office reads it and keeps the calendar, and
only it sets homeroom teachers, grade heads, privileged posts and passwords (the rule and its
record, ``PrivilegeChange``, are in ``schoolops.privileges``).
The apps add their own models' permissions through ``registry.add_post_permissions``.
"""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.db.models import Q

from schoolops.models import Post
from schoolops.registry import registry

ROSTER_MODELS = ("schoolclass", "staff", "teachingassignment", "student", "exam", "examresult")
CALENDAR_MODELS = ("academicyear", "term", "holidayweek", "grade", "subject", "school")
# The sheets that name homeroom teachers, posts and teachers of classes.
GRANT_SHEET_MODELS = ("schoolclass", "staff", "teachingassignment")
# Kept by whoever imports: other names of the subjects, saved column mappings.
IMPORT_AID_MODELS = ("subjectalias", "importtemplate")


def _model_perms(models: tuple[str, ...], actions: tuple[str, ...]) -> set[str]:
    return {f"schoolops.{action}_{model}" for model in models for action in actions}


SCHOOLOPS_PERMISSIONS: dict[str, set[str]] = {
    Post.OFFICE: (
        _model_perms(ROSTER_MODELS, ("view", "add", "change"))
        | _model_perms(CALENDAR_MODELS, ("view",))
        | _model_perms(("grade", "subject"), ("add", "change"))
        | _model_perms(IMPORT_AID_MODELS, ("view", "add", "change", "delete"))
        | {
            f"schoolops.{action}_{model}"
            for model in ("schoolclass", "staff", "teachingassignment", "student", "examresult")
            for action in ("import", "export")
        }
    ),
    # 教导处 sets homeroom teachers, grade heads and the privileged posts (by hand or by
    # importing the classes, staff and assignments sheets): see schoolops.privileges.
    Post.ACADEMIC_OFFICE: (
        _model_perms(ROSTER_MODELS, ("view",))
        | _model_perms(CALENDAR_MODELS, ("view", "add", "change"))
        | {"schoolops.delete_holidayweek", "schoolops.change_schoolclass"}
        | _model_perms(GRANT_SHEET_MODELS, ("import", "export"))
        | _model_perms(IMPORT_AID_MODELS, ("view", "add", "change", "delete"))
        | {"schoolops.view_privilegechange"}
    ),
    Post.PRINCIPAL: (
        _model_perms(ROSTER_MODELS + CALENDAR_MODELS + IMPORT_AID_MODELS, ("view",))
        | {"schoolops.view_privilegechange"}
    ),
    Post.VICE_PRINCIPAL: (
        _model_perms(ROSTER_MODELS + CALENDAR_MODELS + IMPORT_AID_MODELS, ("view",))
        | {"schoolops.view_privilegechange"}
    ),
}


# The principal's office reads the read log and the purges, and records guardians' requests.
PRIVACY_PERMISSIONS = {"schoolops.view_readlog", "schoolops.view_purgerecord"} | _model_perms(
    ("guardianrequest",), ("view", "add", "change")
)
for _post in Post.school_wide():
    SCHOOLOPS_PERMISSIONS[_post] = SCHOOLOPS_PERMISSIONS[_post] | PRIVACY_PERMISSIONS

# The term-end evaluation: the academic office keeps the weights; the principal's office
# reads the weights, the nominations, the published awards and the kept evaluations.
EVALUATION_MODELS = (
    "evaluationweight",
    "awardnomination",
    "awardpublication",
    "evaluationsnapshot",
)
for _post in Post.school_wide():
    SCHOOLOPS_PERMISSIONS[_post] = SCHOOLOPS_PERMISSIONS[_post] | _model_perms(
        EVALUATION_MODELS, ("view",)
    )
SCHOOLOPS_PERMISSIONS[Post.ACADEMIC_OFFICE] |= _model_perms(
    ("evaluationweight",), ("add", "change")
)


def post_permissions() -> dict[str, set[str]]:
    combined: dict[str, set[str]] = {post: set() for post in Post.values}
    for source in (SCHOOLOPS_PERMISSIONS, registry.post_permissions):
        for post, perms in source.items():
            combined[str(post)] |= set(perms)
    return combined


def sync_post_permissions(sender=None, **kwargs) -> None:
    """Create the posts' groups if missing and give each exactly its permissions.

    post_migrate is sent once per app, and each app's permissions are created by its own
    signal; acting on the last app's signal sees every app's permissions.
    """
    from django.apps import apps

    with_models = [config for config in apps.get_app_configs() if config.models_module]
    if sender is not None and with_models and sender is not with_models[-1]:
        return
    wanted = post_permissions()
    all_codes = set().union(*wanted.values())
    condition = Q(pk__in=[])
    for code in all_codes:
        app_label, codename = code.split(".", 1)
        condition |= Q(content_type__app_label=app_label, codename=codename)
    by_code = {
        f"{p.content_type.app_label}.{p.codename}": p
        for p in Permission.objects.filter(condition).select_related("content_type")
    }
    for post, codes in wanted.items():
        group, _ = Group.objects.get_or_create(name=post)
        group.permissions.set([by_code[c] for c in codes if c in by_code])
