"""Build the demo school: ``python manage.py seed_demo [--size tiny|small|large] [--reset]``."""

from __future__ import annotations

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from schoolops.demo import SIZES, DemoRefused, has_school, is_demo_school, logins_table, seed


class Command(BaseCommand):
    help = "Build a realistic demo school (roster and every app's demo data) and print its logins."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--size",
            choices=list(SIZES),
            default="small",
            help="small: 18 classes, about 800 students; large: 66 classes, about 3,000 "
            "students; tiny: 6 classes of a few students, for tests.",
        )
        parser.add_argument("--reset", action="store_true", help="Replace an existing demo school.")
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing (and succeed) when the database already has a school.",
        )
        parser.add_argument("--random-seed", type=int, default=2026)
        parser.add_argument(
            "--logins-file",
            metavar="FILE",
            help="Also write the logins table here; with --if-empty, print it again from there.",
        )

    def handle(
        self,
        *args,
        size: str,
        reset: bool,
        if_empty: bool,
        random_seed: int,
        logins_file: str | None,
        **options,
    ):
        if if_empty and has_school():
            self.stdout.write(_("The database already has a school; the demo was not seeded."))
            saved = Path(logins_file) if logins_file else None
            if saved and saved.is_file() and is_demo_school():
                self.stdout.write(
                    self.style.SUCCESS(_("Demo logins (every password is the same):"))
                )
                self.stdout.write(saved.read_text(encoding="utf-8"))
            return
        started = time.perf_counter()
        try:
            context = seed(size, reset=reset, stdout=self.stdout, random_seed=random_seed)
        except DemoRefused as refused:
            raise CommandError(str(refused)) from None
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(_("Demo logins (every password is the same):")))
        table = logins_table(context.logins)
        self.stdout.write(table)
        if logins_file:
            Path(logins_file).write_text(table + "\n", encoding="utf-8")
        self.stdout.write("")
        self.stdout.write(
            _("Seeded the %(size)s demo school in %(seconds).1f s.")
            % {"size": size, "seconds": time.perf_counter() - started}
        )
