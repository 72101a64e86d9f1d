"""Time the mentor matching on a school of 3,000 students and 150 mentors.

    .venv/bin/python bench/match_mentors.py            # the algorithm alone, synthetic school
    DEBUG=1 .venv/bin/python bench/match_mentors.py --db  # also every grade of the database

The synthetic school: 66 classes of 45-46 students in 3 grades; 150 mentors, each teaching
in 3-4 classes of a grade (about 7 mentors per class); every student gives three choices
of their own class, weighted so some mentors are popular; capacities are the default
(class size / mentors, rounded up); a third of the mentors rank their applicants.
"""

from __future__ import annotations

import math
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mentors.matching import blocking_pairs, deferred_acceptance


def synthetic_school(seed: int = 2026):
    rng = random.Random(seed)
    classes = list(range(66))
    mentors_of: dict[int, list[int]] = {c: [] for c in classes}
    for mentor in range(150):
        grade = mentor % 3
        grade_classes = [c for c in classes if c % 3 == grade]
        for c in rng.sample(grade_classes, k=rng.choice((3, 4))):
            mentors_of[c].append(mentor)
    students = []
    for c in classes:
        students.extend((c, i) for i in range(3000 // 66 + (1 if c < 3000 % 66 else 0)))
    popularity = {m: rng.uniform(0.5, 3.0) for m in range(150)}
    prefs: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for student in students:
        c = student[0]
        pool = list(mentors_of[c])
        picks = []
        while pool and len(picks) < 3:
            mentor = rng.choices(pool, weights=[popularity[m] for m in pool])[0]
            pool.remove(mentor)
            picks.append((c, mentor))
        prefs[student] = picks
    sizes = {c: sum(1 for s in students if s[0] == c) for c in classes}
    capacity = {
        (c, m): math.ceil(sizes[c] / len(mentors_of[c])) for c in classes for m in mentors_of[c]
    }
    applicants: dict[tuple[int, int], list] = {post: [] for post in capacity}
    for student, posts in prefs.items():
        for rank, post in enumerate(posts, start=1):
            applicants[post].append((rank, student))
    post_rank = {}
    for post, people in applicants.items():
        if rng.random() < 1 / 3:
            rng.shuffle(people)
        else:
            people.sort()
        post_rank[post] = {student: i for i, (_r, student) in enumerate(people)}
    return prefs, post_rank, capacity


def main() -> None:
    prefs, post_rank, capacity = synthetic_school()
    runs = []
    for _ in range(7):
        started = time.perf_counter()
        matching = deferred_acceptance(prefs, post_rank, capacity)
        runs.append(time.perf_counter() - started)
    assert not blocking_pairs(prefs, post_rank, capacity, matching)
    mentors = {m for _c, m in capacity}
    print(
        f"deferred acceptance: {len(prefs)} students, {len(mentors)} mentors, "
        f"{len(capacity)} class posts; matched {len(matching)}; "
        f"median {statistics.median(runs) * 1000:.1f} ms, max {max(runs) * 1000:.1f} ms "
        f"over {len(runs)} runs; stable (no blocking pair)"
    )
    if "--db" in sys.argv:
        import os

        import django

        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "schoolops.settings")
        django.setup()
        from django.db import transaction

        from mentors import selectors
        from mentors.models import Pairing
        from schoolops.models import AcademicYear, Grade

        year = AcademicYear.current()
        total = 0.0
        with transaction.atomic():
            # Match everyone again as on the first day: end this year's pairings for the
            # measurement only, then roll back.
            Pairing.objects.filter(academic_year=year, ended_on__isnull=True).update(
                ended_on=year.end_date, end_reason="failed"
            )
            for grade in Grade.objects.filter(classes__academic_year=year).distinct():
                started = time.perf_counter()
                preview = selectors.preview_matching(grade, year)
                seconds = time.perf_counter() - started
                total += seconds
                print(
                    f"{grade.name}: {len(preview.outcomes)} students, "
                    f"{len(preview.matched)} matched; read + match {seconds * 1000:.0f} ms"
                )
            transaction.set_rollback(True)
        print(f"database, every grade: {total * 1000:.0f} ms")


if __name__ == "__main__":
    main()
