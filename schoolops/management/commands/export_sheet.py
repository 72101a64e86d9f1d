"""``python manage.py export_sheet KIND FILE.xlsx [the kind's options]``."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from schoolops.sheets import SheetRefused, engine


class Command(BaseCommand):
    # Importing needs no system check; skipping them keeps a 5,000-row import fast.
    requires_system_checks: list[str] = []

    help = "Export a registered kind to an Excel sheet (kind options: export_sheet KIND --help)."

    def add_arguments(self, parser):
        subparsers = parser.add_subparsers(dest="kind", required=True, metavar="KIND")
        for kind, sheet_class in engine.export_kinds().items():
            sub = subparsers.add_parser(kind, help=str(sheet_class.title or kind))
            sub.add_argument("file", help="The .xlsx file to write")
            sheet_class.add_arguments(sub)

    def handle(self, *args, kind: str, file: str, **options):
        kind_options = {
            key: value
            for key, value in options.items()
            if key
            not in {
                "verbosity",
                "settings",
                "pythonpath",
                "traceback",
                "no_color",
                "force_color",
                "skip_checks",
            }
        }
        try:
            count = engine.export_file(kind, file, **kind_options)
        except SheetRefused as refusal:
            raise CommandError(refusal.message) from None
        except OSError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            self.style.SUCCESS(
                _("Wrote %(count)s rows to %(file)s.") % {"count": count, "file": file}
            )
        )
