"""Subject aliases (seeded with the names score sheets commonly use), import templates and
the choices an import was made with."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# The other names exam systems and schools' own score sheets give the subjects.
COMMON_ALIASES = {
    "道德与法治": ("道法", "政治", "思品", "思想品德", "思政"),
    "生物": ("生物学", "生"),
    "语文": ("语",),
    "数学": ("数",),
    "英语": ("英", "外语"),
    "物理": ("物",),
    "化学": ("化",),
    "历史": ("史",),
    "地理": ("地",),
    "信息技术": ("信息科技", "信息"),
    "体育": ("体育与健康",),
}


def seed_aliases(apps, schema_editor):
    SubjectAlias = apps.get_model("schoolops", "SubjectAlias")
    taken = set(SubjectAlias.objects.values_list("alias", flat=True))
    SubjectAlias.objects.bulk_create(
        SubjectAlias(alias=alias, subject=subject)
        for subject, aliases in COMMON_ALIASES.items()
        for alias in aliases
        if alias not in taken
    )


class Migration(migrations.Migration):
    dependencies = [
        ("schoolops", "0010_student_statuses_and_landlines"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="SubjectAlias",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "alias",
                    models.CharField(
                        help_text="As a score sheet heads the column, without its full marks: 道法 for 道法（100）.",
                        max_length=20,
                        unique=True,
                        verbose_name="name in a score sheet",
                    ),
                ),
                (
                    "subject",
                    models.CharField(
                        help_text="The subject's name in this school.",
                        max_length=20,
                        verbose_name="subject",
                    ),
                ),
            ],
            options={
                "verbose_name": "subject alias",
                "verbose_name_plural": "subject aliases",
                "ordering": ["subject", "alias"],
            },
        ),
        migrations.AddField(
            model_name="importrecord",
            name="choices",
            field=models.JSONField(blank=True, default=dict, verbose_name="choices"),
        ),
        migrations.CreateModel(
            name="ImportTemplate",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("kind", models.CharField(max_length=40, verbose_name="kind")),
                ("name", models.CharField(max_length=100, verbose_name="name")),
                (
                    "mapping",
                    models.JSONField(blank=True, default=dict, verbose_name="column mapping"),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created")),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="created by",
                    ),
                ),
            ],
            options={
                "verbose_name": "import template",
                "verbose_name_plural": "import templates",
                "ordering": ["kind", "name"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("kind", "name"), name="importtemplate_unique_name"
                    )
                ],
            },
        ),
        migrations.RunPython(seed_aliases, migrations.RunPython.noop),
    ]
