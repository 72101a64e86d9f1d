#!/usr/bin/env python3
"""Run SchoolOps on a fresh clone with nothing but python3 (3.11 or newer).

    python3 dev.py start   set up .venv, migrate, seed the demo school, serve 127.0.0.1:8000
    python3 dev.py test    set up .venv, install Chromium and CJK fonts if missing, run every test
    python3 dev.py test --fast   the same without the browser and fuzz lanes (a minute)

Both are safe to run again: the virtual environment is reinstalled only when pyproject.toml
changes, the demo school is seeded only into an empty database, and system packages are
installed only when missing (and only when run as root; otherwise it says what to install).
Standard library only: this file runs before anything is installed.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".schoolops-installed"
SECRET_KEY_FILE = VENV / "secret_key"  # .venv is git-ignored, so the key never gets committed
LOGINS_FILE = VENV / "demo-logins.txt"
CHROMIUM = Path("/usr/bin/chromium")
# The tests a change is checked with in a minute; CI and "dev.py test" also run the browser
# (Playwright driving Chromium) and fuzz (hypothesis over every route) lanes.
FAST_LANE = "not browser and not fuzz"


def say(message: str) -> None:
    print(f"==> {message}", flush=True)


def fail(message: str, status: int = 1) -> None:
    print(f"dev.py: {message}", file=sys.stderr, flush=True)
    raise SystemExit(status)


def run(command: list[str], *, env: dict[str, str] | None = None, check: bool = True) -> int:
    print("+ " + " ".join(str(part) for part in command), flush=True)
    try:
        status = subprocess.call([str(part) for part in command], cwd=ROOT, env=env)
    except FileNotFoundError:
        fail(f"{command[0]} was not found.")
    if check and status != 0:
        fail(
            f"{Path(str(command[0])).name} {command[1] if len(command) > 1 else ''} failed "
            f"(exit status {status}).",
            status,
        )
    return status


def is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


_apt_updated = False


def apt_install(packages: list[str], why: str) -> bool:
    """Install Debian packages when running as root with apt; say what to do otherwise."""
    global _apt_updated
    if not (is_root() and shutil.which("apt-get")):
        print(
            f"dev.py: {why} needs the Debian packages {' '.join(packages)}; install them with\n"
            f"    sudo apt-get install -y {' '.join(packages)}",
            file=sys.stderr,
            flush=True,
        )
        return False
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    if not _apt_updated:
        run(["apt-get", "update", "-q"], env=env)
        _apt_updated = True
    run(["apt-get", "install", "-y", "-q", "--no-install-recommends", *packages], env=env)
    return True


# The virtual environment.


def check_python() -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 -- this file runs on any python3
        fail(f"SchoolOps needs Python 3.11 or newer; this is {sys.version.split()[0]}.")


def install_fingerprint() -> str:
    return hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()


def ensure_venv() -> None:
    check_python()
    if not PYTHON.exists():
        say("Creating the virtual environment in .venv")
        status = run([sys.executable, "-m", "venv", VENV], check=False)
        if status != 0 or not PYTHON.exists():
            shutil.rmtree(VENV, ignore_errors=True)
            version = f"python3.{sys.version_info.minor}-venv"
            if apt_install([version], "creating a virtual environment"):
                run([sys.executable, "-m", "venv", VENV])
            else:
                fail("could not create .venv (on Debian/Ubuntu install python3-venv).")
    if STAMP.exists() and STAMP.read_text().strip() == install_fingerprint():
        return
    say("Installing SchoolOps and its test tools into .venv (pip install -e '.[test]')")
    run([PYTHON, "-m", "pip", "install", "--disable-pip-version-check", "-q", "-e", ".[test]"])
    STAMP.write_text(install_fingerprint() + "\n")


def django_env(debug: bool) -> dict[str, str]:
    env = dict(os.environ)
    if debug:
        env.setdefault("DEBUG", "1")
    if not env.get("SECRET_KEY") and not env.get("SECRET_KEY_FILE"):
        if not SECRET_KEY_FILE.exists():
            SECRET_KEY_FILE.write_text(secrets.token_urlsafe(50) + "\n")
            SECRET_KEY_FILE.chmod(0o600)
        env["SECRET_KEY_FILE"] = str(SECRET_KEY_FILE)
    return env


def manage(*args: str, env: dict[str, str], check: bool = True) -> int:
    return run([PYTHON, ROOT / "manage.py", *args], env=env, check=check)


def uses_postgresql(env: dict[str, str]) -> bool:
    return env.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))


def ensure_postgresql_client(env: dict[str, str]) -> None:
    """pg_dump and pg_restore, for the backup command and its tests."""
    if uses_postgresql(env) and not shutil.which("pg_dump"):
        apt_install(["postgresql-client"], "backing up PostgreSQL")


# Commands.


def start(options: argparse.Namespace) -> int:
    ensure_venv()
    env = django_env(debug=True)
    ensure_postgresql_client(env)
    say("Migrating the database")
    manage("migrate", "--no-input", env=env)
    say("Seeding the demo school (only into an empty database)")
    manage(
        "seed_demo",
        "--if-empty",
        "--size",
        options.size,
        "--logins-file",
        str(LOGINS_FILE),
        env=env,
    )
    say(f"SchoolOps runs on http://{options.addr}/ — stop it with Ctrl+C")
    try:
        return manage("runserver", options.addr, env=env, check=False)
    except KeyboardInterrupt:
        return 0


def browser_ready() -> tuple[bool, bool]:
    chromium = CHROMIUM.exists()
    fonts = False
    if shutil.which("fc-list"):
        listing = subprocess.run(
            ["fc-list", ":lang=zh", "family"], capture_output=True, text=True, check=False
        )
        fonts = bool(listing.stdout.strip())
    return chromium, fonts


def ensure_browser() -> None:
    """Debian's Chromium for the browser tests and CJK fonts so screenshots show Chinese."""
    chromium, fonts = browser_ready()
    missing = []
    if not chromium:
        missing.append("chromium")
    if not fonts:
        missing.append("fonts-noto-cjk")
    if missing:
        say(f"Installing {' '.join(missing)} for the browser tests")
        if not apt_install(missing, "the browser tests") and not chromium:
            print("dev.py: the browser tests will fail without /usr/bin/chromium.", flush=True)


def ensure_gettext() -> None:
    """GNU gettext: tests/safety/test_catalogs.py runs makemessages to find stale catalogs."""
    if not shutil.which("xgettext"):
        say("Installing gettext for the catalog tests")
        apt_install(["gettext"], "the catalog tests")


def test(options: argparse.Namespace, pytest_args: list[str]) -> int:
    ensure_venv()
    env = django_env(debug=False)
    if not options.fast:
        ensure_browser()
    ensure_gettext()
    ensure_postgresql_client(env)
    command = [PYTHON, "-m", "pytest"]
    if options.workers != 1 and not any(a == "-n" or a.startswith("-n") for a in pytest_args):
        # worksteal: a worker that runs out takes tests from the other (a few take seconds).
        command += ["-n", str(options.workers), "--dist", "worksteal"]
    if options.fast:
        command += ["-m", FAST_LANE]
    command += pytest_args
    database = env.get("DATABASE_URL") or "SQLite (in memory)"
    say(f"Running the test suite on {database.split('@')[-1]}")
    return run(command, env=env, check=False)


def setup(options: argparse.Namespace) -> int:
    ensure_venv()
    say("The virtual environment is ready: .venv")
    return 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python3 dev.py", description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    start_parser = commands.add_parser("start", help="set up, seed the demo and run the server")
    start_parser.add_argument("--addr", default="127.0.0.1:8000")
    start_parser.add_argument("--size", choices=["small", "large"], default="small")
    test_parser = commands.add_parser(
        "test", help="run the whole test suite (extra arguments go to pytest)"
    )
    # Two workers for the two cores of the reference machine. A worker no longer migrates its
    # own database: it copies the migrated one that tests/conftest.py keeps in .venv.
    test_parser.add_argument(
        "--workers",
        type=int,
        default=min(2, os.cpu_count() or 1),
        help="pytest-xdist workers (default 2; 1 runs in one process)",
    )
    test_parser.add_argument(
        "--fast", action="store_true", help="skip the browser and fuzz lanes (-m 'not ...')"
    )
    commands.add_parser("setup", help="only create .venv and install")
    options, rest = parser.parse_known_args(argv)
    if options.command == "test":
        return test(options, rest)
    if rest:
        parser.error(f"unrecognised arguments: {' '.join(rest)}")
    return start(options) if options.command == "start" else setup(options)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
