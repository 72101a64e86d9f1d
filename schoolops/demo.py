"""The demo school: the roster here, the apps' parts through ``registry.demo``.

``seed_demo`` builds the roster and then runs every app's registered ``DemoStep`` with a
``DemoContext``. A step reads what it needs from the database (classes, students, staff of
``context.year``), writes with ``bulk_create`` (the large school must build in under two
minutes), and may add demo logins to ``context.logins`` so that they are printed at the end.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any

from schoolops.models import AcademicYear, Term


@dataclass
class DemoLogin:
    username: str
    password: str
    who: str  # e.g. "王芳 — 班主任 七年级(1)班"


@dataclass
class DemoContext:
    size: str  # "small" or "large"
    year: AcademicYear
    term: Term
    today: dt.date
    rng: random.Random
    stdout: Any
    password: str
    logins: list[DemoLogin] = field(default_factory=list)

    @property
    def large(self) -> bool:
        return self.size == "large"

    def log(self, message: str) -> None:
        self.stdout.write(message)
