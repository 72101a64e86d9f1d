"""Promote every class to the next grade: ``python manage.py rollover_year [--dry-run]``."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from schoolops.models import AcademicYear
from schoolops.rollover import rollover


class Command(BaseCommand):
    help = (
        "Start the next school year: promote each class to the next grade with its students, "
        "homeroom teacher and teaching assignments, and graduate the top grade. Runs once a year."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Show what would change; change nothing."
        )
        parser.add_argument(
            "--from-year",
            type=int,
            metavar="YYYY",
            help="Starting year of the school year to roll over (default: the latest with classes).",
        )

    def handle(self, *args, dry_run: bool, from_year: int | None, **options) -> None:
        year = None
        if from_year is not None:
            year = AcademicYear.objects.filter(start_year=from_year).first()
            if year is None:
                raise CommandError(
                    _("There is no school year starting in %(year)d.") % {"year": from_year}
                )
        try:
            plan = rollover(year, dry_run=dry_run)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        for line in plan.lines():
            self.stdout.write(line)
        if dry_run:
            self.stdout.write(_("Dry run: nothing was changed."))
        else:
            self.stdout.write(self.style.SUCCESS(plan.summary()))
