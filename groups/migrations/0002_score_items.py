"""The rubric of the seeds' weekly evaluation (学习互助工作实施方案, 三、考评反馈)."""

from django.db import migrations

ITEMS = [
    ("课前学案完成", 2, 1),
    ("课堂回答", 1, 2),
    ("质疑对抗", 2, 3),
    ("课后反思(三思)", 1, 4),
    ("纪律", -2, 5),
    ("表扬", 3, 6),
]


def seed_items(apps, schema_editor):
    ScoreItem = apps.get_model("groups", "ScoreItem")
    for name, points, order in ITEMS:
        ScoreItem.objects.get_or_create(name=name, defaults={"points": points, "order": order})


class Migration(migrations.Migration):
    dependencies = [("groups", "0001_initial")]

    operations = [migrations.RunPython(seed_items, migrations.RunPython.noop)]
