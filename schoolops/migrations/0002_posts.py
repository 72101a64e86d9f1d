from django.db import migrations

POSTS = ["校长", "副校长", "教导处", "级部主任", "班主任", "任课教师", "心理教师", "办公室"]


def create_posts(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in POSTS:
        Group.objects.get_or_create(name=name)


class Migration(migrations.Migration):
    dependencies = [
        ("schoolops", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_posts, migrations.RunPython.noop)]
