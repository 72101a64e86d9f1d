"""``python manage.py match_mentors [--grade 七年级] [--dry-run]``: run the two-way selection.

Student-proposing deferred acceptance per grade (``mentors.services``): prints who got which
choice and who is left for the homeroom teacher; without ``--dry-run`` publishes the pairings.
"""

from __future__ import annotations

import time

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from mentors import selectors, services
from schoolops.models import AcademicYear, Grade, SchoolClass


class Command(BaseCommand):
    help = "Match students with mentors by deferred acceptance, per grade."

    def add_arguments(self, parser):
        parser.add_argument("--grade", help="Only this grade, by name (七年级) or level (7).")
        parser.add_argument(
            "--dry-run", action="store_true", help="Show the matching without publishing it."
        )

    def handle(self, *args, grade=None, dry_run=False, **options):
        year = AcademicYear.current()
        if year is None:
            raise CommandError(_("No school year has been set up."))
        grades = Grade.objects.filter(
            pk__in=SchoolClass.objects.filter(academic_year=year).values("grade")
        ).order_by("level")
        if grade:
            grades = (
                grades.filter(level=int(grade)) if grade.isdigit() else grades.filter(name=grade)
            )
            if not grades.exists():
                raise CommandError(_("There is no grade %(name)s this year.") % {"name": grade})
        for g in grades:
            started = time.perf_counter()
            preview = selectors.preview_matching(g, year)
            seconds = time.perf_counter() - started
            self.stdout.write(
                _(
                    "%(grade)s: %(matched)s matched (1st %(c1)s, 2nd %(c2)s, 3rd %(c3)s), "
                    "%(unmatched)s unmatched, %(already)s already paired; %(ms).0f ms"
                )
                % {
                    "grade": g.name,
                    "matched": len(preview.matched),
                    "c1": preview.by_choice.get("1", 0),
                    "c2": preview.by_choice.get("2", 0),
                    "c3": preview.by_choice.get("3", 0),
                    "unmatched": len(preview.unmatched),
                    "already": preview.already_paired,
                    "ms": seconds * 1000,
                }
            )
            if options["verbosity"] >= 2:
                for o in preview.outcomes:
                    mentor = o.mentor.name if o.mentor else "—"
                    self.stdout.write(
                        f"  {o.student.student_no} {o.student.name} "
                        f"{o.student.school_class.short_name} → {mentor} ({o.choice_rank or '-'})"
                    )
            else:
                for o in preview.unmatched:
                    self.stdout.write(
                        "  "
                        + _("unmatched: %(no)s %(name)s %(class)s")
                        % {
                            "no": o.student.student_no,
                            "name": o.student.name,
                            "class": o.student.school_class.short_name,
                        }
                    )
            if not dry_run:
                try:
                    run = services.publish_matching(g, year, fingerprint=preview.fingerprint)
                except ValidationError as error:
                    raise CommandError(" ".join(error.messages)) from None
                self.stdout.write(
                    self.style.SUCCESS(
                        _("%(grade)s: published %(count)s pairings.")
                        % {"grade": g.name, "count": run.matched}
                    )
                )
        if dry_run:
            self.stdout.write(_("Dry run: nothing was saved."))
