"""What the import benchmarks (``import_students``, ``import_registry``, ``import_exams``)
share: a throw-away database to import into, the measure of one whole process (wall-clock
seconds, CPU seconds, peak memory of its process tree) and the plain reads of the same file
by openpyxl and calamine that an import is compared with.

On a machine others share, the wall-clock times follow the load; the CPU times hardly do.

Every run imports compiled bytecode, as a deployed server does: the runs write it to the work
folder (``PYTHONPYCACHEPREFIX``) even where the shell asks Python not to
(``PYTHONDONTWRITEBYTECODE``, set on our build machines), and the first run (the migration)
compiles it. Without it each run would compile the project's modules again (~0.15 s).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
MANAGE = [PYTHON, "manage.py"]
PAGE = os.sysconf("SC_PAGE_SIZE")
MB = 1024 * 1024

Measure = tuple[float, float, int]  # seconds, CPU seconds, peak bytes


def arguments(rows: int) -> argparse.Namespace:
    """``--rows`` (default ``rows``) and ``--database-url`` (default: a new SQLite file)."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=rows)
    parser.add_argument("--database-url", default="")
    return parser.parse_args()


def scratch(prefix: str, database_url: str = "") -> tuple[Path, dict[str, str]]:
    """A work folder and the environment of ``manage.py`` runs on a migrated database there
    (or on ``database_url``), with private storage in the folder."""
    work = Path(tempfile.mkdtemp(prefix=prefix))
    env = dict(os.environ, DEBUG="1", PRIVATE_ROOT=str(work / "private"))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(work / "bytecode")
    env["DATABASE_URL"] = database_url or f"sqlite:///{work / 'bench.sqlite3'}"
    manage(env, "migrate", "-v0", quiet=False)
    return work, env


def manage(env: dict[str, str], *args: str, quiet: bool = True) -> None:
    """Run a ``manage.py`` command, failing the benchmark if it fails."""
    subprocess.run([*MANAGE, *args], cwd=ROOT, env=env, check=True, capture_output=quiet)


def tree_rss(pid: int) -> int:
    """Resident bytes of a process and all its descendants (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                parent = int(handle.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(entry))
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        todo.extend(children.get(current, ()))
        try:
            with open(f"/proc/{current}/statm") as handle:
                total += int(handle.read().split()[1]) * PAGE
        except (OSError, IndexError, ValueError):
            continue
    return total


def cpu_of_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(command: list[str], env: dict[str, str]) -> Measure:
    """(seconds, CPU seconds, peak bytes of the process tree) of one whole process.

    The CPU time (user + system, the process and the children it waited for) hardly moves
    when other work shares the machine; the wall-clock time does."""
    cpu = cpu_of_children()
    started = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    peak = 0
    while process.poll() is None:
        peak = max(peak, tree_rss(process.pid))
        time.sleep(0.01)
    seconds = time.perf_counter() - started
    out, err = process.communicate()
    if process.returncode:
        raise SystemExit(f"{' '.join(command)} failed:\n{out.decode()}\n{err.decode()}")
    return seconds, cpu_of_children() - cpu, peak


def best(
    command: list[str],
    env: dict[str, str],
    prepare: Callable[[], object] | None = None,
    repeat: int = 3,
) -> Measure:
    """Best wall-clock and CPU times of ``repeat`` runs, and the highest peak memory."""
    times, cpus, peaks = [], [], []
    for _ in range(repeat):
        if prepare:
            prepare()
        seconds, cpu, peak = run(command, env)
        times.append(seconds)
        cpus.append(cpu)
        peaks.append(peak)
    return min(times), min(cpus), max(peaks)


def import_runs(kind: str, path: Path, env: dict[str, str], empty: str) -> dict[str, Measure]:
    """``import_sheet kind path`` into what the shell code ``empty`` leaves (all new), again
    (all unchanged) and with ``--dry-run``: the three runs every import benchmark times."""
    command = [*MANAGE, "import_sheet", kind, str(path)]
    return {
        "all new": best(command, env, prepare=lambda: manage(env, "shell", "-c", empty)),
        "unchanged": best(command, env),
        "--dry-run": best([*command, "--dry-run"], env),
    }


def startup(env: dict[str, str]) -> Measure:
    """``manage.py check``: what Django's start-up alone costs each run."""
    return best([*MANAGE, "check"], env)


def plain_reads(path: Path, env: dict[str, str], more_than: int) -> tuple[Measure, Measure]:
    """openpyxl (read-only) and calamine reading every row of ``path`` (more than
    ``more_than`` rows, or the benchmark fails), each as a whole process: the yardsticks."""
    openpyxl = best(
        [
            PYTHON,
            "-c",
            "import sys, openpyxl\n"
            "wb = openpyxl.load_workbook(sys.argv[1], read_only=True)\n"
            "rows = [r for r in wb.active.iter_rows(values_only=True)]\n"
            f"assert len(rows) > {more_than}",
            str(path),
        ],
        env,
    )
    calamine = best(
        [
            PYTHON,
            "-c",
            "import sys, python_calamine\n"
            "wb = python_calamine.CalamineWorkbook.from_path(sys.argv[1])\n"
            "rows = wb.get_sheet_by_index(0).to_python()\n"
            f"assert len(rows) > {more_than}",
            str(path),
        ],
        env,
    )
    return openpyxl, calamine


def report_against_openpyxl(
    title: str, imports: dict[str, Measure], openpyxl: Measure, calamine: Measure, startup: Measure
) -> bool:
    """Print the imports' measures against the plain reads and the goal (issue 12: within
    twice the openpyxl read, wall-clock and CPU, under 300 MB); True when it is met."""
    read_openpyxl, openpyxl_cpu, openpyxl_peak = openpyxl
    print("whole processes, best of 3: wall-clock s, CPU s, peak MB of the process tree")
    print(
        f"openpyxl read-only                 {read_openpyxl:6.2f} {openpyxl_cpu:6.2f} "
        f"{openpyxl_peak / MB:5.0f}"
    )
    print(f"calamine read                      {calamine[0]:6.2f} {calamine[1]:6.2f}")
    print(f"manage.py check (Django start-up)  {startup[0]:6.2f} {startup[1]:6.2f}")
    width = 32 - len(title)  # the labels line up with the ones above
    for label, (seconds, cpu, peak) in imports.items():
        print(
            f"{title}, {label:<{width}} {seconds:6.2f} {cpu:6.2f} {peak / MB:5.0f}  "
            f"({seconds / read_openpyxl:.2f}x openpyxl, CPU {cpu / openpyxl_cpu:.2f}x)"
        )
    worst = max(seconds for seconds, _cpu, _peak in imports.values()) / read_openpyxl
    worst_cpu = max(cpu for _seconds, cpu, _peak in imports.values()) / openpyxl_cpu
    heaviest = max(peak for _seconds, _cpu, peak in imports.values()) / MB
    met = max(worst, worst_cpu) <= 2 and heaviest < 300
    print(
        f"goal (<= 2x openpyxl, < 300 MB): {worst:.2f}x wall-clock, {worst_cpu:.2f}x CPU, "
        f"{heaviest:.0f} MB: {'ok' if met else 'OVER THE GOAL'}"
    )
    return met
