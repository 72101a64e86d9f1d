"""The one builder of extra students for tests that need a class bigger than the cast's.

Each app's tests keep the 学籍号 and names their assertions were written against, as
arguments of this one function (``tests/groups/helpers.py``, ``tests/consult/helpers.py``,
``tests/mentors/conftest.py`` bind them with ``functools.partial``):

- ``number``: a format of the 学籍号 with ``pk`` (the class's primary key), ``level`` and
  ``class_number`` (the class's grade and number), ``n`` (``start + i``) and ``i``;
- ``name``: a format with ``n`` and ``i``, or a function of ``(i, rng)``;
- ``rng``: given, genders are drawn from it at random (about half boys), after the name, which
  the name function may draw from it too; otherwise they alternate, a girl first.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from schoolops.models import Gender, SchoolClass, Student

NameRule = str | Callable[[int, random.Random], str]


def add_students(
    school_class: SchoolClass,
    count: int,
    *,
    start: int = 100,
    number: str = "07{pk:03d}{n:05d}",
    name: NameRule = "学生{i}",
    rng: random.Random | None = None,
) -> list[Student]:
    fields = {"pk": school_class.pk, "class_number": school_class.number}
    if "{level" in number:
        fields["level"] = school_class.grade.level

    def gender(i: int) -> str:
        if rng is None:
            return Gender.MALE if i % 2 else Gender.FEMALE
        return Gender.MALE if rng.random() < 0.52 else Gender.FEMALE

    def name_of(i: int) -> str:
        return name(i, rng or random.Random()) if callable(name) else name.format(n=start + i, i=i)

    return Student.objects.bulk_create(
        Student(
            student_no=number.format(n=start + i, i=i, **fields),
            # The name before the gender: the order the random draws were made in before.
            name=name_of(i),
            gender=gender(i),
            school_class=school_class,
        )
        for i in range(count)
    )
