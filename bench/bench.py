"""The benchmark: every page on a small and a large demo school, and the long jobs.

    python bench/bench.py [--sizes small,large] [--json out.json] [--requests 20]
                          [--rebuild] [--postgres] [--no-jobs] [--strict-budget]
    python bench/bench.py --markdown out.json    # the table of bench/RESULTS.md

For each size it builds (or reuses) a demo database under ``bench/data/`` (SQLite files, or
with ``--postgres`` the databases ``schoolops_bench_<size>`` on 127.0.0.1:5432), timing
``seed_demo --size <size>``. A database is rebuilt when the migrations or the demo code
changed since it was built (or with ``--rebuild``).

Then, in-process with Django's test ``Client`` against that database and the production
settings (``bench/settings.py``), for every page of ``bench/pages.py`` as the post that uses
it: the number of SQL queries of one request and the median server time of ``--requests``
warm requests (the best of ``--rounds`` rounds, 2 by default). The jobs (students import, leaderboard export, mentor matching) run once per
size on a scratch copy of the database.

It prints one table, writes JSON (``--json``, default ``bench/results/bench.json``) and exits
with 1 when a page's query count differs between the sizes or exceeds 20 (a page's own
``query_limit`` where it reads one table per kind of record, with the reason beside it), when a page is more
than 2× slower on the large school than on the small one (and more than 2 ms slower, so that
noise on a 3 ms page does not count), when a page does not answer 200, or when a named
URL of the project is neither measured nor in ``NOT_PAGES`` (``bench/pages.py``). With
``--strict-budget`` a large-school median over the page's budget (100 ms; 50 ms for the
leaderboard) fails too. Pages whose URL name does not resolve yet are listed as not built.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data"
RESULTS = ROOT / "bench" / "results"
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
QUERY_LIMIT = 20
SLOWER_FACTOR = 2.0
NOISE_MS = 2.0
WARM_UP = 3
# BENCH_SHOW=<part of a page key> prints that page's statements and the lines that ran them.
SHOW = os.environ.get("BENCH_SHOW", "")


# Databases.


def fingerprint() -> str:
    """Changes when a migration or a demo module changes: the demo database is then rebuilt."""
    digest = hashlib.sha256()
    files = sorted(ROOT.glob("*/migrations/*.py")) + sorted(ROOT.glob("*/demo*.py"))
    files += sorted(ROOT.glob("*/demo/*.py"))
    for path in files:
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def database_url(size: str, postgres: bool, scratch: bool = False) -> str:
    suffix = f"{size}_scratch" if scratch else size
    if postgres:
        return f"{PG_SERVER}/schoolops_bench_{suffix}"
    return f"sqlite:///{DATA / f'{suffix}.sqlite3'}"


def meta_path(size: str, postgres: bool) -> Path:
    return DATA / f"{'pg-' if postgres else ''}{size}.json"


def pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(sql)


def drop_database(size: str, postgres: bool, scratch: bool = False) -> None:
    if postgres:
        suffix = f"{size}_scratch" if scratch else size
        pg_admin(f"DROP DATABASE IF EXISTS schoolops_bench_{suffix} WITH (FORCE)")
    else:
        suffix = f"{size}_scratch" if scratch else size
        for ext in ("", "-wal", "-shm"):
            Path(f"{DATA / suffix}.sqlite3{ext}").unlink(missing_ok=True)


def copy_database(size: str, postgres: bool) -> None:
    drop_database(size, postgres, scratch=True)
    if postgres:
        pg_admin(f"CREATE DATABASE schoolops_bench_{size}_scratch TEMPLATE schoolops_bench_{size}")
    else:
        import sqlite3

        source = sqlite3.connect(DATA / f"{size}.sqlite3")
        target = sqlite3.connect(DATA / f"{size}_scratch.sqlite3")
        with target:
            source.backup(target)
        source.close()
        target.close()


def ensure_database(size: str, postgres: bool, rebuild: bool) -> dict:
    """Build the demo database of ``size`` unless an up-to-date one exists; return its meta.

    Several people may run the benchmark at once on one checkout: a lock file makes the
    second wait while the first builds, and then reuse what it built.
    """
    import fcntl

    DATA.mkdir(parents=True, exist_ok=True)
    lock_path = DATA / f"{'pg-' if postgres else ''}{size}.lock"
    with lock_path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            meta = _ensure_database(size, postgres, rebuild)
            if postgres:
                analyze(size)
            return meta
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def analyze(size: str) -> None:
    """Planner statistics and visibility map, as autovacuum keeps them on a school's server.

    The PostgreSQL server of this machine runs with autovacuum off: without this, a freshly
    seeded database has no statistics and the planner guesses (e.g. a sequential scan of
    48,000 exam results for one class's latest exam), and no index-only scan skips the
    table (a month's count of score entries: 18 ms instead of 4).
    """
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/schoolops_bench_{size}", autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


def _ensure_database(size: str, postgres: bool, rebuild: bool) -> dict:
    meta_file = meta_path(size, postgres)
    wanted = fingerprint()
    if not rebuild and meta_file.exists():
        meta = json.loads(meta_file.read_text())
        if meta.get("fingerprint") == wanted and meta.get("ok"):
            meta["reused"] = True
            return meta
    drop_database(size, postgres)
    if postgres:
        pg_admin(f"CREATE DATABASE schoolops_bench_{size}")
    env = worker_env(database_url(size, postgres))
    manage = [sys.executable, str(ROOT / "manage.py")]
    started = time.perf_counter()
    subprocess.run([*manage, "migrate", "-v0"], env=env, check=True, cwd=ROOT)
    migrate_seconds = time.perf_counter() - started
    started = time.perf_counter()
    seeded = subprocess.run(
        [*manage, "seed_demo", "--size", size],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    seed_seconds = time.perf_counter() - started
    if seeded.returncode != 0:
        sys.stderr.write(seeded.stdout[-3000:] + seeded.stderr[-3000:])
        raise SystemExit(f"seed_demo --size {size} failed")
    meta = {
        "fingerprint": wanted,
        "ok": True,
        "size": size,
        "postgres": postgres,
        "migrate_seconds": round(migrate_seconds, 2),
        "seed_seconds": round(seed_seconds, 2),
        "seed_output_tail": seeded.stdout.strip().splitlines()[-1:],
        "built_at": time.strftime("%Y-%m-%d %H:%M:%S"),
    }
    meta_file.write_text(json.dumps(meta, indent=2, ensure_ascii=False))
    meta["reused"] = False
    return meta


def worker_env(url: str) -> dict[str, str]:
    env = dict(os.environ)
    env["DATABASE_URL"] = url
    env["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    env.pop("DEBUG", None)
    env["PYTHONPATH"] = str(ROOT)
    return env


def run_worker(mode: str, size: str, url: str, requests: int) -> dict:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        out = handle.name
    try:
        subprocess.run(
            [
                sys.executable,
                str(Path(__file__).resolve()),
                "--worker",
                mode,
                "--size",
                size,
                "--requests",
                str(requests),
                "--json",
                out,
            ],
            env=worker_env(url),
            cwd=ROOT,
            check=True,
        )
        return json.loads(Path(out).read_text())
    finally:
        Path(out).unlink(missing_ok=True)


# Inside a worker: Django is set up on one database.


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def counting(statements: list[str], where: bool = False):
    """An execute wrapper that notes every SQL statement (the query log is reset per request).

    With ``where`` each statement is prefixed by the project line that ran it.
    """

    def wrapper(execute, sql, params, many, context):
        if where:
            import traceback

            frames = [
                f"{Path(f.filename).relative_to(ROOT)}:{f.lineno}"
                for f in traceback.extract_stack()
                if f.filename.startswith(str(ROOT))
                and "/.venv/" not in f.filename
                and "/bench/" not in f.filename
            ]
            statements.append(f"{' < '.join(reversed(frames[-3:]))}\n    {sql[:300]}")
        else:
            statements.append(sql)
        return execute(sql, params, many, context)

    return wrapper


def measure_pages(requests: int) -> list[dict]:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.urls import NoReverseMatch, reverse

    from bench.pages import Ctx

    ctx = Ctx()
    clients: dict[str, Client] = {}
    rows = []
    for page in all_pages(ctx):
        row = {"name": page.name, "label": page.label, "actor": page.actor}
        row["key"] = f"{page.label} [{page.name}]"
        row["budget_ms"] = page.budget_ms
        row["query_limit"] = page.query_limit or QUERY_LIMIT
        try:
            kwargs = page.kwargs(ctx) if page.kwargs else {}
            url = reverse(page.name, kwargs=kwargs)
            query = page.params(ctx)
        except (NoReverseMatch, LookupError) as missing:
            row.update(status="not built yet", detail=str(missing)[:120])
            rows.append(row)
            continue
        staff = ctx.actors.get(page.actor)
        if page.actor == "terminal":  # the class's terminal (班级一体机), signed in below
            staff = None
        elif staff is None and page.actor != "anonymous":
            row.update(status="no such post in the demo", detail=page.actor)
            rows.append(row)
            continue
        if page.actor not in clients:
            client = Client(raise_request_exception=False)
            if staff is not None:
                user = get_user_model().objects.get(pk=staff.user_id)
                client.force_login(user, backend=login_backend())
            if page.actor == "terminal":
                from groups import terminal

                code = terminal.turn_on(ctx.school_class, ctx.actors["homeroom"])
                client.post(reverse("groups:terminal_signin"), {"code": code})
            clients[page.actor] = client
        client = clients[page.actor]
        row["url"] = url
        for _ in range(WARM_UP):
            response = client.get(url, query)
        if response.status_code != 200:
            exc = getattr(response, "exc_info", None)
            detail = f"{exc[0].__name__}: {exc[1]}" if exc else response.get("Location", "")
            row.update(status=response.status_code, detail=detail[:300])
            rows.append(row)
            continue
        statements: list[str] = []
        show = bool(SHOW) and SHOW in row["key"]
        with connection.execute_wrapper(counting(statements, where=show)):
            client.get(url, query)
        if show:
            print(f"--- {row['key']}: {len(statements)} queries", file=sys.stderr)
            for statement in statements:
                print(statement, file=sys.stderr)
        timings = []
        for _ in range(requests):
            started = time.perf_counter()
            client.get(url, query)
            timings.append((time.perf_counter() - started) * 1000)
        row.update(
            status=200,
            queries=len(statements),
            median_ms=round(statistics.median(timings), 2),
            p90_ms=round(sorted(timings)[int(len(timings) * 0.9) - 1], 2),
            bytes=len(response.content),
        )
        rows.append(row)
    return rows


def login_backend() -> str:
    """The project's password backend (the first, axes, only guards logins)."""
    from django.conf import settings
    from django.contrib.auth.backends import ModelBackend
    from django.utils.module_loading import import_string

    return next(
        path
        for path in settings.AUTHENTICATION_BACKENDS
        if issubclass(import_string(path), ModelBackend)
    )


def all_pages(ctx) -> list:
    from bench.pages import ADMIN_PAGES, PAGES, admin_pages

    return [*PAGES, *ADMIN_PAGES, *admin_pages(ctx)]


def coverage() -> dict[str, list[str]]:
    """The project's GET pages with no bench entry (and allow-list entries that are stale)."""
    from bench.pages import Ctx, uncovered

    missing, stale = uncovered(all_pages(Ctx()))
    return {"uncovered": missing, "stale_allow_list": stale}


def run_jobs(size: str) -> list[dict]:
    import importlib.util

    from django.core.management import call_command
    from django.core.management.base import CommandError

    from bench.pages import JOBS, Ctx

    rows = []
    for job in JOBS:
        row = {"label": job.label, "key": job.label}
        if size not in job.sizes:
            row["status"] = "not measured at this size"
            rows.append(row)
            continue
        with tempfile.TemporaryDirectory() as tmp:
            try:
                started = time.perf_counter()
                if job.command:
                    args = [arg.replace("{tmp}", tmp) for arg in job.command]
                    call_command(*args, verbosity=0)
                    figures = {}
                else:
                    path = ROOT / "bench" / f"{job.script}.py"
                    if not path.exists():
                        raise LookupError(f"bench/{job.script}.py does not exist yet")
                    spec = importlib.util.spec_from_file_location(f"bench.{job.script}", path)
                    module = importlib.util.module_from_spec(spec)
                    spec.loader.exec_module(module)
                    started = time.perf_counter()
                    if hasattr(module, "run"):
                        figures = module.run(Ctx()) or {}
                    else:
                        # A script with its own main(): run it on this database, keep its report.
                        done = subprocess.run(
                            [sys.executable, str(path), *job.args],
                            cwd=ROOT,
                            capture_output=True,
                            text=True,
                            timeout=900,
                        )
                        if done.returncode != 0:
                            raise RuntimeError(done.stderr.strip()[-300:])
                        figures = {"output": done.stdout.strip().splitlines()[-8:]}
                seconds = time.perf_counter() - started
                row.update(status="ok", seconds=round(seconds, 3), figures=figures)
            except (LookupError, CommandError) as missing:
                text = str(missing)
                built = not (
                    isinstance(missing, LookupError)
                    or "Unknown command" in text
                    or "invalid choice" in text
                )
                row.update(status="error" if built else "not built yet", detail=text[:300])
            except Exception as error:  # a broken job is a row of the table, not a crash
                row.update(status="error", detail=f"{type(error).__name__}: {error}"[:300])
        rows.append(row)
    return rows


def worker(mode: str, size: str, requests: int, out: str) -> None:
    setup_django()
    if mode == "pages":
        result = {"pages": measure_pages(requests), **coverage()}
    else:
        result = {"jobs": run_jobs(size)}
    Path(out).write_text(json.dumps(result, ensure_ascii=False, indent=2))


# The report.


def best_of(previous: dict | None, current: dict) -> dict:
    """Each page's lowest median of the rounds so far; everything else from the last round.

    The query count, status and coverage are the last round's: the sizes are compared as
    the code stood at the same time (others may commit while a long run goes on).
    """
    if previous is None:
        return current
    before = {page["key"]: page for page in previous["pages"]}
    pages = []
    for page in current["pages"]:
        old = before.get(page["key"])
        if (
            old is not None
            and old.get("median_ms") is not None
            and page.get("median_ms") is not None
            and old["median_ms"] < page["median_ms"]
        ):
            page = {**page, "median_ms": old["median_ms"], "p90_ms": old.get("p90_ms")}
        pages.append(page)
    return {**current, "pages": pages}


def compare(results: dict[str, dict], strict_budget: bool) -> tuple[list[dict], list[str]]:
    sizes = list(results)
    rows: dict[str, dict] = {}
    for size in sizes:
        for page in results[size]["pages"]:
            rows.setdefault(page["key"], {"key": page["key"], "actor": page["actor"]})[size] = page
    problems = []
    for size in sizes:
        for name in results[size].get("uncovered", []):
            problem = f"no bench entry for the page {name} (bench/pages.py: a Page or NOT_PAGES)"
            if problem not in problems:
                problems.append(problem)
        for name in results[size].get("stale_allow_list", []):
            problem = f"NOT_PAGES names a URL that does not exist: {name}"
            if problem not in problems:
                problems.append(problem)
    for key, row in rows.items():
        measured = {s: row[s] for s in sizes if s in row}
        statuses = {s: p.get("status") for s, p in measured.items()}
        if any(status == "not built yet" for status in statuses.values()):
            row["verdict"] = "not built yet"
            continue
        bad = {s: st for s, st in statuses.items() if st != 200}
        if bad:
            details = {s: measured[s].get("detail", "") for s in bad}
            problems.append(f"{key}: answered {bad} {details}")
            row["verdict"] = "FAIL"
            continue
        verdicts = []
        queries = {s: p["queries"] for s, p in measured.items()}
        if len(set(queries.values())) > 1:
            verdicts.append("queries differ")
            problems.append(f"{key}: query count differs between sizes {queries}")
        limit = max(p.get("query_limit", QUERY_LIMIT) for p in measured.values())
        if max(queries.values()) > limit:
            verdicts.append(f"> {limit} queries")
            problems.append(f"{key}: {max(queries.values())} queries (limit {limit})")
        if "small" in measured and "large" in measured:
            small, large = measured["small"]["median_ms"], measured["large"]["median_ms"]
            row["ratio"] = round(large / small, 2) if small else None
            if large > SLOWER_FACTOR * small and large - small > NOISE_MS:
                verdicts.append("large > 2× small")
                problems.append(f"{key}: {large} ms on the large school, {small} ms on the small")
        biggest = sizes[-1]
        budget = measured[biggest]["budget_ms"]
        if measured[biggest]["median_ms"] > budget:
            verdicts.append(f"over {budget:g} ms budget")
            if strict_budget:
                problems.append(f"{key}: {measured[biggest]['median_ms']} ms > {budget} ms")
        row["verdict"] = ", ".join(verdicts) or "ok"
    return list(rows.values()), problems


def print_table(results: dict[str, dict], rows: list[dict], meta: dict[str, dict]) -> None:
    sizes = list(results)
    head = f"{'page':58} {'as':12}"
    for size in sizes:
        head += f" {'q ' + size:>8} {'ms ' + size:>9}"
    head += "  verdict"
    print(head)
    print("-" * len(head))
    for row in rows:
        line = f"{row['key'][:58]:58} {row['actor']:12}"
        for size in sizes:
            page = row.get(size, {})
            if page.get("status") == 200:
                line += f" {page['queries']:>8} {page['median_ms']:>9.1f}"
            else:
                line += f" {'-':>8} {'-':>9}"
        print(f"{line}  {row.get('verdict', '')}")
    print()
    for size in sizes:
        m = meta[size]
        built = "reused database" if m.get("reused") else "built now"
        print(
            f"seed_demo --size {size}: {m.get('seed_seconds')} s "
            f"(migrate {m.get('migrate_seconds')} s; {built}, built {m.get('built_at')})"
        )
    for size in sizes:
        for job in results[size].get("jobs", []):
            if job.get("status") == "ok":
                figures = job.get("figures", {})
                output = figures.pop("output", [])
                text = ", ".join(f"{k} {v}" for k, v in figures.items())
                print(f"{size:6} {job['label']:40} {job['seconds']:8.2f} s  {text}")
                for line in output:
                    print(f"         {line}")
            else:
                print(f"{size:6} {job['label']:40} {job['status']}: {job.get('detail', '')}")


def markdown(report: dict) -> str:
    """A JSON report of this script as the Markdown table of ``bench/RESULTS.md``."""
    sizes = report["sizes"]
    head = "| page [URL name] | as | " + " | ".join(f"queries {s} | median ms {s}" for s in sizes)
    lines = [head + " | verdict |", "|" + "---|" * (2 + 2 * len(sizes) + 1)]
    for row in report["rows"]:
        cells = [row["key"].replace("|", "/"), row["actor"]]
        for size in sizes:
            page = row.get(size, {})
            if page.get("status") == 200:
                cells += [str(page["queries"]), f"{page['median_ms']:.1f}"]
            else:
                cells += ["-", "-"]
        cells.append(row.get("verdict", ""))
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    for size in sizes:
        m = report["meta"][size]
        lines.append(f"- seed_demo --size {size}: {m.get('seed_seconds')} s")
    for size in sizes:
        for job in report["results"][size].get("jobs", []):
            if job.get("status") == "ok":
                figures = {k: v for k, v in job.get("figures", {}).items() if k != "output"}
                text = ", ".join(f"{k} {v}" for k, v in figures.items())
                lines.append(f"- {size}: {job['label']}: {job['seconds']:.2f} s {text}".rstrip())
            else:
                lines.append(f"- {size}: {job['label']}: {job['status']}")
    if report.get("problems"):
        lines += ["", "Problems:", *(f"- {problem}" for problem in report["problems"])]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="small,large")
    parser.add_argument("--json", default=str(RESULTS / "bench.json"))
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--no-jobs", action="store_true")
    parser.add_argument("--strict-budget", action="store_true")
    parser.add_argument(
        "--markdown", metavar="JSON", help="print the Markdown table of an earlier run's JSON"
    )
    parser.add_argument("--worker", choices=["pages", "jobs"], help=argparse.SUPPRESS)
    parser.add_argument("--size", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.worker, args.size, args.requests, args.json)
        return 0
    if args.markdown:
        print(markdown(json.loads(Path(args.markdown).read_text())))
        return 0
    if args.requests < 20:
        parser.error("--requests must be at least 20")
    sizes = [s.strip() for s in args.sizes.split(",") if s.strip()]
    results: dict[str, dict] = {}
    meta: dict[str, dict] = {}
    for size in sizes:
        meta[size] = ensure_database(size, args.postgres, args.rebuild)
    # Other work on the machine skews a single run: measure the sizes in turn, several
    # rounds, and keep each page's best round (its lowest median).
    for _round in range(args.rounds):
        for size in sizes:
            rows = run_worker("pages", size, database_url(size, args.postgres), args.requests)
            results[size] = best_of(results.get(size), rows)
    for size in sizes:
        if not args.no_jobs:
            copy_database(size, args.postgres)
            try:
                url = database_url(size, args.postgres, scratch=True)
                results[size].update(run_worker("jobs", size, url, args.requests))
            finally:
                drop_database(size, args.postgres, scratch=True)
    rows, problems = compare(results, args.strict_budget)
    print_table(results, rows, meta)
    out = Path(args.json)
    out.parent.mkdir(parents=True, exist_ok=True)
    report = {
        "sizes": sizes,
        "database": "postgresql" if args.postgres else "sqlite",
        "requests": args.requests,
        "meta": meta,
        "results": results,
        "rows": rows,
        "problems": problems,
    }
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2))
    print(f"\nJSON written to {out}")
    if problems:
        print("\nFAILED:")
        for problem in problems:
            print(f"  {problem}")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
