"""The ledger and timeline access log moves into the one read log (``schoolops.ReadLog``).

Every row is kept: who, which student, when; the ledger page and the student page's
timeline become the pages ``consult:student_ledger`` and ``schoolops:student_detail``.
"""

from django.db import migrations

# The old log's "what" → the page it names and the parts of the record it showed.
PAGES = {
    "ledger": ("consult:student_ledger", "ledger,plan"),
    "timeline": ("schoolops:student_detail", "consult,ledger"),
}


def copy_into_readlog(apps, schema_editor):
    try:
        AccessLog = apps.get_model("consult", "AccessLog")
    except LookupError:  # run again on today's models (a test's reference data): nothing left
        return
    ReadLog = apps.get_model("schoolops", "ReadLog")
    rows = []
    for entry in AccessLog.objects.order_by("pk").iterator(chunk_size=2000):
        what, categories = PAGES.get(entry.what, (f"consult:{entry.what}", "consult"))
        rows.append(
            ReadLog(
                user_id=entry.user_id,
                student_id=entry.student_id,
                at=entry.at,
                what=what,
                categories=categories,
            )
        )
        if len(rows) == 2000:
            ReadLog.objects.bulk_create(rows)
            rows = []
    ReadLog.objects.bulk_create(rows)


def copy_back(apps, schema_editor):
    AccessLog = apps.get_model("consult", "AccessLog")
    ReadLog = apps.get_model("schoolops", "ReadLog")
    back = {page: what for what, (page, _categories) in PAGES.items()}
    moved = ReadLog.objects.filter(what__in=back, user__isnull=False)
    entries = list(moved.order_by("pk"))
    created = AccessLog.objects.bulk_create(
        [AccessLog(user_id=e.user_id, student_id=e.student_id, what=back[e.what]) for e in entries],
        batch_size=2000,
    )
    # ``at`` is set on creation by the old model: put the original times back.
    for row, entry in zip(created, entries, strict=True):
        AccessLog.objects.filter(pk=row.pk).update(at=entry.at)
    moved.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("consult", "0003_escalation_check_day_followup_history"),
        ("schoolops", "0006_privacy_law"),
    ]

    operations = [
        migrations.RunPython(copy_into_readlog, copy_back),
        migrations.DeleteModel(name="AccessLog"),
    ]
