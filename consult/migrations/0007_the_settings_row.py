"""The school's consultation settings exist from the start (one row with the defaults), so that
reading them never writes: a refused upload, a page view, writes nothing."""

from django.db import migrations


def create_settings(apps, schema_editor):
    settings = apps.get_model("consult", "ConsultSettings")
    if not settings.objects.exists():
        settings.objects.create()


class Migration(migrations.Migration):
    dependencies = [("consult", "0006_questionnaires")]

    operations = [migrations.RunPython(create_settings, migrations.RunPython.noop)]
