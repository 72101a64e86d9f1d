"""Concurrent use: 20 teachers scoring at once against gunicorn with 2 workers.

    python bench/load.py [--database sqlite|postgres|both] [--teachers 20] [--seconds 30]
                         [--workers 2] [--threads 4] [--ramp 10] [--port 0] [--json out.json]

It copies the large demo school of ``bench/bench.py`` (built if needed) to a scratch database
(``bench/data/load.sqlite3``, or the PostgreSQL database ``schoolops_load_p6`` made from the
benchmark's ``schoolops_bench_large`` and dropped afterwards), starts gunicorn on 127.0.0.1
only (gthread workers, ``--threads`` each), and runs the simulated teachers (stdlib
threads, one cookie jar each; they arrive over the first ``--ramp`` seconds). Each logs in
through the login form, opens the scoring page of a class they teach and taps scores (the
groups app's quick-scoring endpoint, JSON), with a page view (class page, ranking, home)
mixed in after every few taps and a short think time. The run is bounded by ``--seconds``
and by ``--max-requests`` per teacher.

With ``--parents N`` it runs the parent meeting instead (issue 15): a grade questionnaire is
made for the first grade's classes, and N parents (no account, one cookie jar each, arriving
over ``--ramp`` seconds, 60 by default in this mode) open their class's answer page and send
their answers; it then checks that every answer the server confirmed is in the database, and
that nothing else is.

It reports requests per second, p50 and p95 latency (all requests and taps alone), the
logins, the server's own time per kind of page (gunicorn's access log), the load
generator's own CPU time and errors, then checks that the score entries in the database
are exactly the successful taps. It exits with 1 on any error or lost entry, or when ``--p95-budget`` (300 ms) is exceeded on
SQLite.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import random
import re
import resource
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench import DATA, PG_SERVER, ensure_database, pg_admin  # noqa: E402

PG_LOAD_DB = "schoolops_load_p6"


@dataclass
class Teacher:
    username: str
    class_pk: int
    groups: list[int]
    items: list[int]
    students: dict[int, list[int]]  # group → member student ids


@dataclass
class Stats:
    latencies: list[tuple[str, float]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    tapped: list[int] = field(default_factory=list)  # entry ids the server confirmed
    finished: list[tuple[float, str, float]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, ms: float) -> None:
        with self.lock:
            self.latencies.append((kind, ms))
            self.finished.append((time.monotonic(), kind, ms))

    def error(self, text: str) -> None:
        with self.lock:
            self.errors.append(text)


# Databases and the server.


def prepare_database(engine: str) -> str:
    """A scratch copy of the large demo school; returns its DATABASE_URL."""
    postgres = engine == "postgres"
    ensure_database("large", postgres, rebuild=False)
    if postgres:
        pg_admin(f"DROP DATABASE IF EXISTS {PG_LOAD_DB} WITH (FORCE)")
        pg_admin(f"CREATE DATABASE {PG_LOAD_DB} TEMPLATE schoolops_bench_large")
        return f"{PG_SERVER}/{PG_LOAD_DB}"
    import sqlite3

    target_path = DATA / "load.sqlite3"
    for ext in ("", "-wal", "-shm"):
        Path(f"{target_path}{ext}").unlink(missing_ok=True)
    source = sqlite3.connect(DATA / "large.sqlite3")
    target = sqlite3.connect(target_path)
    with target:
        source.backup(target)
    source.close()
    target.close()
    return f"sqlite:///{target_path}"


def drop_database(engine: str) -> None:
    if engine == "postgres":
        pg_admin(f"DROP DATABASE IF EXISTS {PG_LOAD_DB} WITH (FORCE)")
    else:
        for ext in ("", "-wal", "-shm"):
            Path(f"{DATA / 'load.sqlite3'}{ext}").unlink(missing_ok=True)


def server_env(url: str) -> dict[str, str]:
    env = {key: os.environ[key] for key in ("PATH", "HOME", "LANG") if key in os.environ}
    env.update(
        DATABASE_URL=url,
        DJANGO_SETTINGS_MODULE="bench.settings",
        SECRET_KEY=secrets.token_urlsafe(50),
        SCHOOLOPS_PLAIN_HTTP="1",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        PYTHONPATH=str(ROOT),
    )
    return env


def free_port() -> int:
    """A port nobody listens on (another engineer's server may hold the usual ones)."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(
    url: str, port: int, workers: int, log: Path, threads: int = 1
) -> subprocess.Popen:
    """gunicorn on loopback; with ``threads`` > 1 its gthread workers (threads share a
    process, so a request waiting on the database or a password hash (hashlib releases the
    GIL) does not hold up the others)."""
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or "gunicorn"
    handle = log.open("w")
    process = subprocess.Popen(
        [
            gunicorn,
            "schoolops.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--worker-class",
            "gthread" if threads > 1 else "sync",
            "--threads",
            str(threads),
            "--access-logfile",
            "-",
            "--access-logformat",
            "ACCESS %(m)s %(U)s %(s)s %(L)s",
            "--worker-tmp-dir",
            "/dev/shm",
            "--error-logfile",
            "-",
            "--log-level",
            "warning",
            "--timeout",
            "60",
        ],
        cwd=ROOT,
        env=server_env(url),
        stdout=handle,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited; see {log}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=2)
            return process
        except (urllib.error.URLError, ConnectionError, OSError):
            if process.poll() is not None:
                raise SystemExit(f"gunicorn exited; see {log}") from None
            time.sleep(0.3)
    stop_server(process)
    raise SystemExit(f"gunicorn did not answer within 30 s; see {log}")


def stop_server(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


# The plan: who scores which class, read once with the ORM.


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    import django

    django.setup()


def plan(count: int) -> list[Teacher]:
    from django.apps import apps
    from django.db.models import Q

    from schoolops.models import AcademicYear, SchoolClass, Staff, Term

    StudyGroup = apps.get_model("groups", "StudyGroup")
    ScoreItem = apps.get_model("groups", "ScoreItem")
    Membership = apps.get_model("groups", "Membership")
    year, term = AcademicYear.current(), Term.current()
    items = list(
        ScoreItem.objects.filter(is_active=True).order_by("order").values_list("pk", flat=True)
    )
    classes = list(
        SchoolClass.objects.filter(academic_year=year, homeroom_teacher__isnull=False)
        .select_related("homeroom_teacher")
        .order_by("grade__level", "number")
    )
    teachers: list[Teacher] = []
    used: set[int] = set()
    for index, school_class in enumerate(classes):
        if len(teachers) >= count:
            break
        # Half homeroom teachers, half subject teachers: both score in class.
        if index % 2 == 0:
            staff = school_class.homeroom_teacher
        else:
            staff = (
                Staff.objects.filter(assignments__school_class=school_class)
                .exclude(pk__in=used)
                .exclude(Q(homeroom_classes__academic_year=year))
                .order_by("staff_no")
                .first()
            )
        if staff is None or staff.pk in used:
            continue
        groups = list(
            StudyGroup.objects.filter(
                school_class=school_class, term=term, is_active=True, confirmed_at__isnull=False
            ).values_list("pk", flat=True)
        )
        if not groups:
            continue
        members: dict[int, list[int]] = {}
        for group_id, student_id in (
            Membership.objects.current()
            .filter(group_id__in=groups)
            .values_list("group_id", "student_id")
        ):
            members.setdefault(group_id, []).append(student_id)
        used.add(staff.pk)
        teachers.append(Teacher(staff.user.username, school_class.pk, groups, items, members))
    return teachers


def entries_since(first_pk: int) -> set[int]:
    from django.apps import apps

    ScoreEntry = apps.get_model("groups", "ScoreEntry")
    return set(ScoreEntry.objects.filter(pk__gt=first_pk).values_list("pk", flat=True))


def last_entry_pk() -> int:
    from django.apps import apps

    ScoreEntry = apps.get_model("groups", "ScoreEntry")
    return ScoreEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


# One simulated teacher.


def simulate(
    teacher: Teacher,
    base: str,
    password: str,
    deadline: float,
    max_requests: int,
    stats: Stats,
    seed: int,
    start_at: float = 0.0,
) -> None:
    rng = random.Random(seed)
    if start_at > time.monotonic():
        time.sleep(start_at - time.monotonic())
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect())

    def csrf() -> str:
        return next((c.value for c in jar if c.name == "csrftoken"), "")

    def request(kind: str, path: str, data: dict | None = None, json_reply: bool = False):
        headers = {"Referer": base + path}
        body = None
        if data is not None:
            body = urllib.parse.urlencode(data, doseq=True).encode()
            headers["X-CSRFToken"] = csrf()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if json_reply:
            headers["Accept"] = "application/json"
        started = time.perf_counter()
        try:
            response = opener.open(
                urllib.request.Request(base + path, data=body, headers=headers), timeout=30
            )
            status, payload = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, payload = error.code, error.read()
        except (urllib.error.URLError, OSError) as error:
            stats.error(f"{kind} {path}: {error}")
            return None, b""
        stats.add(kind, (time.perf_counter() - started) * 1000)
        return status, payload

    request("login page", "/accounts/login/")
    token = csrf()
    status, _ = request(
        "login",
        "/accounts/login/",
        {"username": teacher.username, "password": password, "csrfmiddlewaretoken": token},
    )
    if status != 302:
        stats.error(f"login {teacher.username}: status {status}")
        return
    views = [
        "/",
        f"/classes/{teacher.class_pk}/",
        f"/groups/classes/{teacher.class_pk}/ranking/",
        f"/groups/classes/{teacher.class_pk}/",
    ]
    status, _ = request("page", f"/groups/classes/{teacher.class_pk}/score/")
    if status != 200:
        stats.error(f"scoring page {teacher.username}: status {status}")
    sent = 2
    while time.monotonic() < deadline and sent < max_requests:
        group = rng.choice(teacher.groups)
        data = {"group": group, "item": rng.choice(teacher.items)}
        if teacher.students.get(group) and rng.random() < 0.5:
            data["student"] = rng.choice(teacher.students[group])
        status, payload = request(
            "tap", f"/groups/classes/{teacher.class_pk}/score/tap/", data, json_reply=True
        )
        sent += 1
        if status == 200:
            try:
                reply = json.loads(payload)
            except ValueError:
                reply = {}
            if reply.get("ok"):
                with stats.lock:
                    stats.tapped.append(int(reply["entry"]))
            else:
                stats.error(f"tap {teacher.username}: {reply}")
        elif status is not None:
            stats.error(f"tap {teacher.username}: status {status} {payload[:200]!r}")
        if rng.random() < 0.25 and time.monotonic() < deadline:
            status, _ = request("page", rng.choice(views))
            sent += 1
            if status != 200:
                stats.error(f"page {teacher.username}: status {status}")
        time.sleep(rng.uniform(0.05, 0.4))  # a teacher looks up between taps


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None

    def http_error_302(self, req, fp, code, msg, headers):
        return fp

    http_error_301 = http_error_303 = http_error_307 = http_error_302


def server_times(log: Path) -> dict[str, dict[str, float]]:
    """Server-side time per kind of path (ids folded), from gunicorn's access log."""
    by_path: dict[str, list[float]] = {}
    for line in log.read_text(errors="replace").splitlines():
        parts = line.split()
        if len(parts) >= 5 and parts[0] == "ACCESS":
            path = re.sub(r"/\d+/", "/N/", parts[2])
            by_path.setdefault(f"{parts[1]} {path}", []).append(float(parts[4]) * 1000)
    return {
        path: {
            "count": len(times),
            "p50_ms": round(percentile(times, 0.5), 1),
            "p95_ms": round(percentile(times, 0.95), 1),
        }
        for path, times in sorted(by_path.items())
    }


def percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def run(engine: str, args: argparse.Namespace) -> dict:
    url = prepare_database(engine)
    setup_django(url)
    from django.db import connections

    from schoolops.demo import DEMO_PASSWORD

    teachers = plan(args.teachers)
    if len(teachers) < args.teachers:
        raise SystemExit(f"only {len(teachers)} teachers with confirmed groups in the demo")
    first_pk = last_entry_pk()
    connections.close_all()
    log = DATA / f"load-{engine}.log"
    args.port = args.port or free_port()
    server = start_server(url, args.port, args.workers, log, threads=args.threads)
    stats = Stats()
    try:
        base = f"http://127.0.0.1:{args.port}"
        cpu_before = resource.getrusage(resource.RUSAGE_SELF)
        started = time.monotonic()
        deadline = started + args.seconds
        # Teachers arrive over the first ``--ramp`` seconds, as a class bell does not ring
        # for everyone in the same second (and twenty password hashes at once would be a
        # test of the hasher).
        step = args.ramp / max(1, len(teachers))
        threads = [
            threading.Thread(
                target=simulate,
                args=(t, base, DEMO_PASSWORD, deadline, args.max_requests, stats, n),
                kwargs={"start_at": started + n * step},
                daemon=True,
            )
            for n, t in enumerate(teachers)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=args.seconds + 60)
        elapsed = time.monotonic() - started
        cpu_after = resource.getrusage(resource.RUSAGE_SELF)
    finally:
        stop_server(server)
    client_cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (
        cpu_after.ru_stime - cpu_before.ru_stime
    )
    in_db = entries_since(first_pk)
    confirmed = set(stats.tapped)
    connections.close_all()
    all_ms = [ms for _, ms in stats.latencies]
    # A login hashes a password (PBKDF2, about 0.26 s of CPU on this machine): the time
    # after the last login is what teachers feel during a lesson.
    logins_done = max((at for at, kind, _ in stats.finished if kind == "login"), default=0)
    steady_ms = [ms for at, kind, ms in stats.finished if at > logins_done + 1]
    tap_ms = [ms for kind, ms in stats.latencies if kind == "tap"]
    page_ms = [ms for kind, ms in stats.latencies if kind == "page"]
    login_ms = [ms for kind, ms in stats.latencies if kind == "login"]
    slowest = server_times(log)
    server_errors = [
        line.strip()
        for line in log.read_text(errors="replace").splitlines()
        if "locked" in line or "Traceback" in line or "Error" in line
    ]
    result = {
        "database": engine,
        "teachers": len(teachers),
        "workers": args.workers,
        "threads": args.threads,
        "seconds": round(elapsed, 1),
        "requests": len(all_ms),
        "requests_per_second": round(len(all_ms) / elapsed, 1),
        "p50_ms": round(percentile(all_ms, 0.50), 1),
        "p95_ms": round(percentile(all_ms, 0.95), 1),
        "tap_p50_ms": round(percentile(tap_ms, 0.50), 1),
        "tap_p95_ms": round(percentile(tap_ms, 0.95), 1),
        "page_p95_ms": round(percentile(page_ms, 0.95), 1),
        "login_p50_ms": round(percentile(login_ms, 0.50), 1),
        "login_max_ms": round(max(login_ms, default=0), 1),
        "ramp_seconds": args.ramp,
        "client_cpu_seconds": round(client_cpu, 2),
        "client_cpu_share": round(client_cpu / elapsed / (os.cpu_count() or 1), 3),
        "mean_ms": round(statistics.fmean(all_ms), 1) if all_ms else 0,
        "steady_requests": len(steady_ms),
        "steady_p50_ms": round(percentile(steady_ms, 0.50), 1),
        "steady_p95_ms": round(percentile(steady_ms, 0.95), 1),
        "taps_confirmed": len(confirmed),
        "entries_in_database": len(in_db),
        "lost_entries": len(confirmed - in_db),
        "unconfirmed_entries": len(in_db - confirmed),
        "errors": len(stats.errors),
        "error_samples": stats.errors[:10],
        "server_log_errors": server_errors[:10],
        "server_ms_by_path": slowest,
    }
    if not args.keep:
        drop_database(engine)
    return result


# The parent meeting: N parents answer the class questionnaire within a minute (no account).


@dataclass
class Parent:
    token: str
    questions: list[tuple[int, str, int]]  # (question id, kind, number of choices)


def plan_parents(count: int) -> tuple[list[Parent], int]:
    """A grade questionnaire of the first grade's classes; the parents spread over them."""
    import datetime as dt

    from django.utils import timezone

    from consult import services
    from consult.models import QuestionnaireResponse
    from schoolops.models import SchoolClass, Staff, Term

    term = Term.current()
    first = (
        SchoolClass.objects.filter(academic_year=term.academic_year, homeroom_teacher__isnull=False)
        .order_by("grade__level", "number")
        .first()
    )
    if first is None:
        raise SystemExit("the demo school has no class")
    by = first.grade.head or Staff.objects.get(pk=first.homeroom_teacher_id)
    questionnaire = services.create_questionnaire(
        by=by,
        term=term,
        title="家长会学情征询问卷（压力测试）",
        audience="parents",
        reach="grade",
        grade=first.grade,
        deadline=timezone.now() + dt.timedelta(days=1),
        questions=[
            services.QuestionData(
                "single", "每天在家学习多长时间？", ["不到1小时", "1到2小时", "更多"]
            ),
            services.QuestionData("multiple", "影响学习的因素", ["手机", "电视", "没有安静的地方"]),
            services.QuestionData("scale", "对孩子学习习惯的满意度", []),
            services.QuestionData("text", "希望老师提供哪些帮助？", [], required=False),
        ],
    )
    questions = [(q.pk, q.kind, len(q.choices)) for q in questionnaire.questions.all()]
    links = list(questionnaire.links.order_by("pk"))
    parents = [Parent(links[n % len(links)].token, questions) for n in range(count)]
    first_pk = QuestionnaireResponse.objects.order_by("-pk").values_list("pk", flat=True).first()
    return parents, first_pk or 0


def answers_since(first_pk: int) -> int:
    from consult.models import QuestionnaireResponse

    return QuestionnaireResponse.objects.filter(pk__gt=first_pk).count()


def simulate_parent(
    parent: Parent, base: str, stats: Stats, seed: int, start_at: float = 0.0
) -> None:
    rng = random.Random(seed)
    if start_at > time.monotonic():
        time.sleep(start_at - time.monotonic())
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect())
    path = f"/consult/q/{parent.token}/"

    def request(kind: str, data: dict | None = None, query: str = ""):
        headers = {"Referer": base + path, "User-Agent": "Mozilla/5.0 (iPhone) load-test"}
        body = None
        if data is not None:
            body = urllib.parse.urlencode(data, doseq=True).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        try:
            response = opener.open(
                urllib.request.Request(base + path + query, data=body, headers=headers),
                timeout=30,
            )
            status, payload = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, payload = error.code, error.read()
        except (urllib.error.URLError, OSError) as error:
            stats.error(f"{kind} {path}: {error}")
            return None, b""
        stats.add(kind, (time.perf_counter() - started) * 1000)
        return status, payload

    status, _ = request("answer page")
    if status != 200:
        stats.error(f"answer page: status {status}")
        return
    time.sleep(rng.uniform(0.5, 3.0))  # a parent reads and taps
    data: dict = {"csrfmiddlewaretoken": next((c.value for c in jar if c.name == "csrftoken"), "")}
    for pk, kind, choices in parent.questions:
        if kind == "single":
            data[f"q{pk}"] = rng.randrange(choices)
        elif kind == "multiple":
            data[f"q{pk}"] = sorted(rng.sample(range(choices), rng.randint(1, choices)))
        elif kind == "scale":
            data[f"q{pk}"] = rng.randint(1, 5)
        elif rng.random() < 0.5:
            data[f"q{pk}"] = "希望老师多和家长沟通孩子在校的情况。" * rng.randint(1, 5)
    status, payload = request("answer", data)
    if status == 302:
        with stats.lock:
            stats.tapped.append(1)
        status, _ = request("thanks page", query="?done=1")
        if status != 200:
            stats.error(f"thanks page: status {status}")
    elif status is not None:
        stats.error(f"answer: status {status} {payload[:200]!r}")


def run_parents(engine: str, args: argparse.Namespace) -> dict:
    url = prepare_database(engine)
    setup_django(url)
    from django.db import connections

    parents, first_pk = plan_parents(args.parents)
    connections.close_all()
    log = DATA / f"load-parents-{engine}.log"
    args.port = args.port or free_port()
    server = start_server(url, args.port, args.workers, log, threads=args.threads)
    stats = Stats()
    try:
        base = f"http://127.0.0.1:{args.port}"
        started = time.monotonic()
        step = args.ramp / max(1, len(parents))
        threads = [
            threading.Thread(
                target=simulate_parent,
                args=(p, base, stats, n),
                kwargs={"start_at": started + n * step},
                daemon=True,
            )
            for n, p in enumerate(parents)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=args.ramp + 120)
        elapsed = time.monotonic() - started
    finally:
        stop_server(server)
    in_db = answers_since(first_pk)
    connections.close_all()
    all_ms = [ms for _, ms in stats.latencies]
    answer_ms = [ms for kind, ms in stats.latencies if kind == "answer"]
    server_errors = [
        line.strip()
        for line in log.read_text(errors="replace").splitlines()
        if "locked" in line or "Traceback" in line or "Error" in line
    ]
    result = {
        "database": engine,
        "scenario": "parents",
        "parents": len(parents),
        "workers": args.workers,
        "threads": args.threads,
        "ramp_seconds": args.ramp,
        "seconds": round(elapsed, 1),
        "requests": len(all_ms),
        "p50_ms": round(percentile(all_ms, 0.50), 1),
        "p95_ms": round(percentile(all_ms, 0.95), 1),
        "answer_p95_ms": round(percentile(answer_ms, 0.95), 1),
        "answers_confirmed": len(stats.tapped),
        "answers_in_database": in_db,
        "lost_answers": max(0, len(stats.tapped) - in_db),
        "unconfirmed_answers": max(0, in_db - len(stats.tapped)),
        "errors": len(stats.errors),
        "error_samples": stats.errors[:10],
        "server_log_errors": server_errors[:10],
        "server_ms_by_path": server_times(log),
    }
    if not args.keep:
        drop_database(engine)
    return result


def report_parents(results: list[dict], args: argparse.Namespace) -> bool:
    failed = False
    for r in results:
        print(
            f"{r['database']:8} {r['parents']} parents over {r['ramp_seconds']:g} s, "
            f"{r['workers']} workers x {r['threads']} threads, {r['seconds']} s: "
            f"{r['requests']} requests, p50 {r['p50_ms']} ms, p95 {r['p95_ms']} ms "
            f"(answers p95 {r['answer_p95_ms']} ms), errors {r['errors']}; answers "
            f"{r['answers_confirmed']} confirmed, {r['answers_in_database']} in the database, "
            f"lost {r['lost_answers']}"
        )
        for sample in r["error_samples"] + r["server_log_errors"]:
            print("    " + re.sub(r"\s+", " ", sample)[:200])
        if (
            r["errors"]
            or r["lost_answers"]
            or r["unconfirmed_answers"]
            or r["answers_confirmed"] != r["parents"]
        ):
            failed = True
    return failed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--teachers", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--threads",
        type=int,
        default=4,
        help="threads per worker (gthread workers; 1: gunicorn's sync workers)",
    )
    parser.add_argument(
        "--ramp", type=float, default=10.0, help="seconds over which the teachers arrive"
    )
    parser.add_argument("--port", type=int, default=0, help="0: a free port")
    parser.add_argument("--max-requests", type=int, default=1000, help="per teacher")
    parser.add_argument("--p95-budget", type=float, default=300.0)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument(
        "--parents",
        type=int,
        default=0,
        help="run the parent meeting instead: N parents answer the class questionnaire",
    )
    parser.add_argument("--json", default=str(ROOT / "bench" / "results" / "load.json"))
    args = parser.parse_args(argv)
    if args.teachers > 100 or args.seconds > 600:
        parser.error("bounded: at most 100 teachers and 600 seconds")
    if args.parents:
        if args.parents > 1000:
            parser.error("bounded: at most 1000 parents")
        given = " ".join(argv or sys.argv)
        if "--ramp" not in given:
            args.ramp = 60.0
        if "--json" not in given:
            args.json = str(ROOT / "bench" / "results" / "load-parents.json")
        engines = ["sqlite", "postgres"] if args.database == "both" else [args.database]
        results = []
        for engine in engines:
            if len(engines) > 1:
                out = DATA / f"load-parents-{engine}.json"
                command = [sys.executable, __file__, "--database", engine, "--json", str(out)]
                command += [
                    f"--parents={args.parents}",
                    f"--workers={args.workers}",
                    f"--threads={args.threads}",
                    f"--ramp={args.ramp}",
                    f"--port={args.port}",
                ]
                subprocess.run(command, cwd=ROOT, check=False)
                results += json.loads(out.read_text())["results"]
            else:
                results.append(run_parents(engine, args))
        failed = report_parents(results, args)
        out = Path(args.json)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps({"results": results}, ensure_ascii=False, indent=2))
        return 1 if failed else 0
    engines = ["sqlite", "postgres"] if args.database == "both" else [args.database]
    results = []
    for engine in engines:
        # Each engine in its own process: Django's settings are read once per process.
        if len(engines) > 1:
            out = DATA / f"load-{engine}.json"
            command = [sys.executable, __file__, "--database", engine, "--json", str(out)]
            command += [
                f"--teachers={args.teachers}",
                f"--seconds={args.seconds}",
                f"--workers={args.workers}",
                f"--threads={args.threads}",
                f"--ramp={args.ramp}",
                f"--port={args.port}",
                f"--max-requests={args.max_requests}",
                f"--p95-budget={args.p95_budget}",
            ]
            subprocess.run(command, cwd=ROOT, check=False)
            results += json.loads(out.read_text())["results"]
        else:
            results.append(run(engine, args))
    if len(engines) == 1 or args.database == "both":
        failed = report(results, args)
        out = Path(args.json)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps({"results": results}, ensure_ascii=False, indent=2))
        return 1 if failed else 0
    return 0


def report(results: list[dict], args: argparse.Namespace) -> bool:
    failed = False
    for r in results:
        print(
            f"{r['database']:8} {r['teachers']} teachers, {r['workers']} workers "
            f"x {r.get('threads', 1)} threads, "
            f"{r['seconds']} s: {r['requests']} requests, {r['requests_per_second']} req/s, "
            f"p50 {r['p50_ms']} ms, p95 {r['p95_ms']} ms (taps p50 {r['tap_p50_ms']}, "
            f"p95 {r['tap_p95_ms']}; pages p95 {r['page_p95_ms']}), errors {r['errors']}; "
            f"taps {r['taps_confirmed']}, entries {r['entries_in_database']}, "
            f"lost {r['lost_entries']}"
        )
        print(
            f"         after the logins: {r['steady_requests']} requests, "
            f"p50 {r['steady_p50_ms']} ms, p95 {r['steady_p95_ms']} ms; logins p50 "
            f"{r.get('login_p50_ms')} ms, slowest {r.get('login_max_ms')} ms "
            f"(arriving over {r.get('ramp_seconds')} s); load generator CPU "
            f"{r.get('client_cpu_seconds')} s ({100 * r.get('client_cpu_share', 0):.1f}% "
            "of the machine)"
        )
        for path, times in r.get("server_ms_by_path", {}).items():
            print(
                f"    server {path:48} n={times['count']:<5} p50 {times['p50_ms']:>7} ms"
                f"  p95 {times['p95_ms']:>7} ms"
            )
        for sample in r["error_samples"] + r["server_log_errors"]:
            print("    " + re.sub(r"\s+", " ", sample)[:200])
        if r["errors"] or r["lost_entries"] or r["unconfirmed_entries"]:
            failed = True
        if r["database"] == "sqlite" and r["p95_ms"] > args.p95_budget:
            print(f"    p95 over the {args.p95_budget:g} ms budget")
            failed = True
    return failed


if __name__ == "__main__":
    raise SystemExit(main())
