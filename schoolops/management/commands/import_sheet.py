"""``python manage.py import_sheet KIND FILE [--dry-run] [--user 工号] [--map 列名=字段]
[--template NAME] [--sheet NAME]`` and the kind's own options (``exams``: ``--exam``,
``--date``, ``--skip-unknown``).

Before the counts it prints what it read: the header row found, which file column feeds which
field, the columns ignored, the layout recognised, the options (and those taken from the
file's title), the rows left out on request and, for an update, each changed cell as before →
after (masked where the field is sensitive).
"""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from schoolops.sheets import ImportResult, engine
from schoolops.sheets.base import Option


def kind_options() -> dict[str, tuple[Option, list[str]]]:
    """Every import kind's options by name: (the option, the kinds that have it)."""
    options: dict[str, tuple[Option, list[str]]] = {}
    for kind, sheet_class in engine.import_kinds().items():
        for option in sheet_class.import_options:
            options.setdefault(option.name, (option, []))[1].append(kind)
    return options


class Command(BaseCommand):
    # Importing needs no system check; skipping them keeps a 5,000-row import fast.
    requires_system_checks: list[str] = []

    help = "Import a sheet (.xlsx, .xls or CSV) of a registered kind (all rows or none)."

    def add_arguments(self, parser):
        parser.add_argument("kind", help="One of: " + ", ".join(engine.import_kinds()))
        parser.add_argument("file", help="An .xlsx, .xls or .csv file")
        parser.add_argument(
            "--dry-run", action="store_true", help="Check the file and count, write nothing."
        )
        parser.add_argument(
            "--user", default="", help="Record the import as made by this login (工号)."
        )
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="列名=字段",
            help="Read the file's column 列名 as the field 字段 (its Chinese header or key); "
            "列名= leaves the column out. Repeat for several columns.",
        )
        parser.add_argument(
            "--template", default="", help="Use the column mapping of this import template."
        )
        parser.add_argument(
            "--sheet",
            default="",
            help="The workbook's sheet to read, by name (default: the first).",
        )
        for name, (option, kinds) in kind_options().items():
            help_text = f"{option.help} ({', '.join(kinds)})" if option.help else ", ".join(kinds)
            if option.kind == "flag":
                parser.add_argument(option.flag, dest=name, action="store_true", help=help_text)
            else:
                parser.add_argument(option.flag, dest=name, default=None, help=help_text)

    def handle(self, *args, kind: str, file: str, dry_run: bool, user: str, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(_("There is no file %(file)s.") % {"file": file})
        account = None
        if user:
            account = get_user_model().objects.filter(username=user).first()
            if account is None:
                raise CommandError(_("There is no login %(user)s.") % {"user": user})
        choices = engine.ImportChoices(
            options=self._options(kind, options),
            mapping=self._mapping(options["map"]),
            template=options["template"],
            sheet=options["sheet"],
        )
        result, _record = engine.import_file(
            kind, path, user=account, file_name=path.name, dry_run=dry_run, choices=choices
        )
        for line in describe(result):
            self.stdout.write(line)
        if not result.ok:
            lines = [
                _("The file was refused and nothing was written (%(count)s problems):")
                % {"count": len(result.errors) or 1}
            ]
            lines += [f"  {message}" for message in result.messages()]
            if result.missing and result.file_columns:
                lines.append(
                    _(
                        "The file's columns: %(columns)s. Name a column's field with --map 列名=字段."
                    )
                    % {"columns": "、".join(f"{c[0]} {c[1]}" for c in result.file_columns)}
                )
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

    @staticmethod
    def _options(kind: str, given: dict) -> dict:
        """The kind's options given on the command line; another kind's option is an error."""
        chosen = {}
        for name, (option, kinds) in kind_options().items():
            value = given.get(name)
            if value in (None, False):
                continue
            if kind not in kinds:
                raise CommandError(
                    _("%(option)s is an option of %(kinds)s only.")
                    % {"option": option.flag, "kinds": ", ".join(kinds)}
                )
            chosen[name] = value
        return chosen

    @staticmethod
    def _mapping(given: list[str]) -> dict[str, str]:
        mapping = {}
        for item in given:
            column, sign, field = item.partition("=")
            if not sign or not column.strip():
                raise CommandError(
                    _("Write --map as 列名=字段 (the file's column, then the field): %(item)s")
                    % {"item": item}
                )
            mapping[column.strip()] = field.strip()
        return mapping


def describe(result: ImportResult) -> list[str]:
    """What the import read, as lines: the preview of the command line."""
    lines = []
    if result.header_line:
        lines.append(
            _("Header: row %(line)s (%(layout)s).")
            % {"line": result.header_line, "layout": result.layout}
        )
    if result.mapping:
        lines.append(_("Columns read:"))
        lines += [f"  {letter} {label} → {field}" for letter, label, field, _key in result.mapping]
    for _name, label, value, proposed in result.options:
        if proposed:
            lines.append(
                _("%(option)s: %(value)s (taken from the sheet's title)")
                % {"option": label, "value": value}
            )
        else:
            lines.append(f"{label}: {value}")
    if result.footers:
        lines.append(
            _("Rows read as totals under the students and skipped: %(lines)s.")
            % {"lines": "、".join(str(line) for line in result.footers)}
        )
    if result.skipped:
        lines.append(_("%(count)s rows left out on request:") % {"count": len(result.skipped)})
        lines += [f"  {row}" for row in result.skipped]
    if result.changes:
        lines.append(_("Changed cells (before → after):"))
        lines += [
            "  "
            + _("Row %(line)s, %(column)s: %(before)s → %(after)s")
            % {
                "line": change.line,
                "column": change.column,
                "before": change.before or "—",
                "after": change.after or "—",
            }
            for change in result.changes
        ]
    return lines
