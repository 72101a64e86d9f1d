"""``python manage.py form_groups [--grade 七年级] [--size 6] [--replace] [--confirm]``.

Proposes balanced groups for every class of the current year (or of one grade). A class that
already has groups this term is left alone unless ``--replace``. Proposals stay drafts for
the homeroom teacher to adjust and confirm, unless ``--confirm``.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q
from django.utils.translation import gettext as _

from groups.models import StudyGroup
from groups.services import Unbalanced, confirm_groups, propose_groups
from schoolops.models import AcademicYear, Grade, SchoolClass, Term


class Command(BaseCommand):
    help = "Propose balanced study-help groups for the classes of a grade or of the school."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--grade", help="Grade name (七年级) or level (7); default: every grade."
        )
        parser.add_argument("--size", type=int, default=6, choices=[4, 5, 6])
        parser.add_argument("--replace", action="store_true", help="Replace existing groups.")
        parser.add_argument("--confirm", action="store_true", help="Confirm the new groups.")

    def handle(self, *args, grade=None, size=6, replace=False, confirm=False, **options):
        term = Term.current()
        year = AcademicYear.current()
        if term is None or year is None:
            raise CommandError(_("No term is set up yet."))
        classes = SchoolClass.objects.filter(academic_year=year).select_related(
            "grade", "homeroom_teacher"
        )
        if grade:
            found = Grade.objects.filter(
                Q(name=grade) | Q(level=int(grade)) if grade.isdigit() else Q(name=grade)
            ).first()
            if found is None:
                raise CommandError(_("There is no grade %(grade)s.") % {"grade": grade})
            classes = classes.filter(grade=found)
        with_groups = set(
            StudyGroup.objects.active()
            .filter(term=term, school_class__in=classes)
            .values_list("school_class_id", flat=True)
        )
        formed = skipped = 0
        for school_class in classes.order_by("grade__level", "number"):
            if school_class.pk in with_groups and not replace:
                skipped += 1
                self.stdout.write(
                    _("%(class)s already has groups: left alone.") % {"class": school_class}
                )
                continue
            try:
                groups = propose_groups(school_class, term, size, replace=True)
                if confirm and school_class.homeroom_teacher is not None:
                    confirm_groups(school_class, term, school_class.homeroom_teacher)
            except Unbalanced as error:
                # The proposal stays a draft: its homeroom teacher adjusts it, or confirms it
                # anyway on the class's page.
                self.stderr.write(
                    _("%(class)s: proposed, not confirmed (the balance check fails): %(rules)s")
                    % {"class": school_class, "rules": " ".join(error.failures)}
                )
                continue
            except ValidationError as error:
                self.stderr.write(f"{school_class}: {' '.join(error.messages)}")
                continue
            formed += 1
            self.stdout.write(
                _("%(class)s: %(count)s groups proposed.")
                % {"class": school_class, "count": len(groups)}
            )
        self.stdout.write(
            self.style.SUCCESS(
                _("%(formed)s classes grouped, %(skipped)s left alone.")
                % {"formed": formed, "skipped": skipped}
            )
        )
