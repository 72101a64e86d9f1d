import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("schoolops", "0006_privacy_law"),
    ]

    operations = [
        migrations.AddField(
            model_name="importrecord",
            name="heartbeat_at",
            field=models.DateTimeField(
                default=django.utils.timezone.now, verbose_name="last sign of life"
            ),
        ),
    ]
