"""``python manage.py import_sheet KIND FILE.xlsx [--dry-run] [--user 工号]``."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from schoolops.sheets import engine


class Command(BaseCommand):
    # Importing needs no system check; skipping them keeps a 5,000-row import fast.
    requires_system_checks: list[str] = []

    help = "Import an Excel sheet of a registered kind (all rows or none)."

    def add_arguments(self, parser):
        parser.add_argument("kind", help="One of: " + ", ".join(engine.import_kinds()))
        parser.add_argument("file", help="An .xlsx file")
        parser.add_argument(
            "--dry-run", action="store_true", help="Check the file and count, write nothing."
        )
        parser.add_argument(
            "--user", default="", help="Record the import as made by this login (工号)."
        )

    def handle(self, *args, kind: str, file: str, dry_run: bool, user: str, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(_("There is no file %(file)s.") % {"file": file})
        account = None
        if user:
            account = get_user_model().objects.filter(username=user).first()
            if account is None:
                raise CommandError(_("There is no login %(user)s.") % {"user": user})
        result, _record = engine.import_file(
            kind, path, user=account, file_name=path.name, dry_run=dry_run
        )
        if not result.ok:
            lines = [
                _("The file was refused and nothing was written (%(count)s problems):")
                % {"count": len(result.errors) or 1}
            ]
            lines += [f"  {message}" for message in result.messages()]
            raise CommandError("\n".join(lines))
        counts = result.counts
        summary = _("%(rows)s rows: %(new)s new, %(changed)s changed, %(unchanged)s unchanged.") % {
            "rows": result.rows,
            "new": counts.new,
            "changed": counts.changed,
            "unchanged": counts.unchanged,
        }
        if result.ignored_columns:
            summary += " " + _("Ignored columns: %(columns)s.") % {
                "columns": "、".join(result.ignored_columns)
            }
        if dry_run:
            summary = _("Dry run, nothing written.") + " " + summary
        self.stdout.write(self.style.SUCCESS(summary))
        if result.notice:
            self.stdout.write(self.style.WARNING(result.notice))
