"""Write a consistent copy of the database while the app runs: ``python manage.py backup``.

SQLite is copied with its online backup API (``sqlite3.Connection.backup``), which reads one
consistent snapshot even while teachers are writing; PostgreSQL with ``pg_dump``, which does
the same from a snapshot. Restore either with ``python manage.py restore FILE``.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from django.utils import timezone
from django.utils.translation import gettext as _

SUFFIXES = {"sqlite": ".sqlite3", "postgresql": ".pgdump"}


def backup_root() -> Path:
    configured = getattr(settings, "BACKUP_ROOT", None) or os.environ.get("BACKUP_ROOT")
    return Path(configured) if configured else Path(settings.BASE_DIR) / "backups"


def pg_command_args(settings_dict: dict) -> tuple[list[str], dict[str, str]]:
    """Connection arguments and environment for pg_dump and pg_restore."""
    args = []
    if settings_dict.get("HOST"):
        args += ["--host", str(settings_dict["HOST"])]
    if settings_dict.get("PORT"):
        args += ["--port", str(settings_dict["PORT"])]
    if settings_dict.get("USER"):
        args += ["--username", str(settings_dict["USER"])]
    args += ["--dbname", str(settings_dict["NAME"])]
    env = dict(os.environ)
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings_dict["PASSWORD"])
    return args, env


def require_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise CommandError(
            _(
                "%(tool)s was not found. Install the PostgreSQL client tools "
                "(Debian: apt-get install postgresql-client)."
            )
            % {"tool": name}
        )
    return path


class Command(BaseCommand):
    help = "Write a consistent copy of the database (safe while the app runs) into backups/."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--output", metavar="FILE", help="Where to write (default: backups/<timestamp>)."
        )
        parser.add_argument("--database", default="default")

    def handle(self, *args, output: str | None, database: str, **options) -> None:
        connection = connections[database]
        vendor = connection.vendor
        if vendor not in SUFFIXES:
            raise CommandError(
                _("Backups of a %(vendor)s database are not supported.") % {"vendor": vendor}
            )
        if output:
            path = Path(output)
        else:
            stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
            path = backup_root() / f"schoolops-{stamp}{SUFFIXES[vendor]}"
        if path.exists() and path.is_dir():
            raise CommandError(_("%(path)s is a folder, not a file.") % {"path": path})
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write beside the target and rename, so that a half-written copy never looks complete.
        partial = path.with_name(path.name + ".part")
        try:
            if vendor == "sqlite":
                self._sqlite(connection, partial)
            else:
                self._postgresql(connection, partial)
            os.replace(partial, path)
        finally:
            partial.unlink(missing_ok=True)
        size = path.stat().st_size
        self.stdout.write(
            self.style.SUCCESS(
                _("Backup written to %(path)s (%(size).1f MB).")
                % {"path": path, "size": size / 1_000_000}
            )
        )

    def _sqlite(self, connection, partial: Path) -> None:
        connection.ensure_connection()
        target = sqlite3.connect(partial)
        try:
            # pages=-1 copies everything in one step, holding one read snapshot: a consistent
            # copy even while other processes write (they wait on the busy timeout at worst).
            connection.connection.backup(target, pages=-1)
            target.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        finally:
            target.close()

    def _postgresql(self, connection, partial: Path) -> None:
        pg_dump = require_tool("pg_dump")
        args, env = pg_command_args(connection.settings_dict)
        command = [
            pg_dump,
            *args,
            "--format=custom",
            "--no-owner",
            "--no-privileges",
            "--file",
            str(partial),
        ]
        result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise CommandError(
                _("pg_dump failed: %(error)s") % {"error": result.stderr.strip()[-2000:]}
            )
