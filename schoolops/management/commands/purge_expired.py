"""Apply the retention setting: ``python manage.py purge_expired [--dry-run]``.

Run it first with ``--dry-run`` (counts per app and model, nothing changed), then without;
each real run is recorded (``PurgeRecord``: when, who, the counts). See ``schoolops.retention``.
"""

from __future__ import annotations

import getpass

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from schoolops.models import School
from schoolops.retention import purge


class Command(BaseCommand):
    help = (
        "Delete the sensitive records of students who left more than the school's retention "
        "period ago (with their history) and anonymise the rest; delete read-log rows older "
        "than the retention (at least 3 years). Use --dry-run first."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Show what would be purged; change nothing."
        )

    def handle(self, *args, dry_run: bool, **options) -> None:
        try:
            account = getpass.getuser()
        except (KeyError, OSError):
            account = "?"
        result = purge(dry_run=dry_run, run_by=f"purge_expired ({account})")
        school = School.get()
        self.stdout.write(
            _("Retention: %(years)s years. Students who left before %(day)s: %(n)s.")
            % {"years": school.retention_years, "day": result.left_before, "n": result.students}
        )
        for label, count in sorted(result.counts.items()):
            self.stdout.write(f"  {label}: {count}")
        if dry_run:
            self.stdout.write(_("Dry run: nothing was changed."))
        else:
            assert result.record is not None  # a purge that is not a dry run is recorded
            self.stdout.write(
                self.style.SUCCESS(
                    _("Purged and recorded (record %(pk)s).") % {"pk": result.record.pk}
                )
            )
