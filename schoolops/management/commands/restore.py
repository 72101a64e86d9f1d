"""Bring back a copy made by ``backup``: ``python manage.py restore FILE [--yes]``.

Without ``--yes`` the restore only runs into an empty database (a fresh install, after
``migrate`` at most), so that a school's live data is never replaced by mistake.
"""

from __future__ import annotations

import sqlite3
import subprocess
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from django.utils.translation import gettext as _

from schoolops.demo import school_data_models
from schoolops.management.commands.backup import pg_command_args, require_tool

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_CUSTOM_MAGIC = b"PGDMP"


def backup_kind(path: Path) -> str | None:
    with path.open("rb") as handle:
        head = handle.read(16)
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PG_CUSTOM_MAGIC):
        return "postgresql"
    return None


def database_is_empty(connection) -> bool:
    """No login account and no row of a school's data: a fresh install after ``migrate``.

    ``migrate`` itself seeds reference data (the posts, the groups' scoring rubric); that is
    not the school's data and the backup replaces it.
    """
    tables = set(connection.introspection.table_names())
    models = [get_user_model(), *school_data_models()]
    return not any(
        m._default_manager.using(connection.alias).exists()
        for m in models
        if m._meta.db_table in tables
    )


class Command(BaseCommand):
    help = "Restore a backup made by the backup command (into an empty database unless --yes)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", metavar="FILE")
        parser.add_argument(
            "--yes",
            action="store_true",
            help="Replace the data of a database that is not empty.",
        )
        parser.add_argument("--database", default="default")

    def handle(self, *args, file: str, yes: bool, database: str, **options) -> None:
        path = Path(file)
        if not path.is_file():
            raise CommandError(_("There is no file %(path)s.") % {"path": path})
        kind = backup_kind(path)
        if kind is None:
            raise CommandError(
                _("%(path)s is not a SchoolOps backup (neither SQLite nor pg_dump).")
                % {"path": path}
            )
        connection = connections[database]
        if kind != connection.vendor:
            raise CommandError(
                _(
                    "%(path)s is a %(kind)s backup but this database is %(vendor)s; restore it "
                    "into a %(kind)s database."
                )
                % {"path": path, "kind": kind, "vendor": connection.vendor}
            )
        if not yes and not database_is_empty(connection):
            raise CommandError(
                _(
                    "This database is not empty. Nothing was restored. Add --yes to replace "
                    "all of its data with the backup (make a backup of it first)."
                )
            )
        if kind == "sqlite":
            self._sqlite(connection, path)
        else:
            self._postgresql(connection, path)
        self.stdout.write(self.style.SUCCESS(_("Restored %(path)s.") % {"path": path}))

    def _sqlite(self, connection, path: Path) -> None:
        try:
            source = sqlite3.connect(f"file:{path.resolve()}?mode=ro", uri=True)
            try:
                check = source.execute("PRAGMA quick_check").fetchone()[0]
                has_migrations = source.execute(
                    "SELECT 1 FROM sqlite_master WHERE type='table' AND name='django_migrations'"
                ).fetchone()
            except sqlite3.DatabaseError as error:
                source.close()
                raise CommandError(
                    _("%(path)s cannot be read: %(error)s") % {"path": path, "error": error}
                ) from None
            if check != "ok" or not has_migrations:
                source.close()
                raise CommandError(
                    _("%(path)s is damaged or is not a SchoolOps database; nothing was restored.")
                    % {"path": path}
                )
            connection.ensure_connection()
            # The online backup API in reverse: the whole file replaces the live database in
            # one step, and other connections see either the old or the new data.
            source.backup(connection.connection, pages=-1)
            source.close()
        finally:
            connection.close()

    def _postgresql(self, connection, path: Path) -> None:
        pg_restore = require_tool("pg_restore")
        listing = subprocess.run(
            [pg_restore, "--list", str(path)], capture_output=True, text=True, check=False
        )
        if listing.returncode != 0 or "django_migrations" not in listing.stdout:
            raise CommandError(
                _("%(path)s is damaged or is not a SchoolOps database; nothing was restored.")
                % {"path": path}
            )
        args, env = pg_command_args(connection.settings_dict)
        connection.close()  # our own idle connection must not hold locks on the tables
        command = [
            pg_restore,
            *args,
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            str(path),
        ]
        result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise CommandError(
                _("pg_restore failed; nothing was restored: %(error)s")
                % {"error": result.stderr.strip()[-2000:]}
            )
