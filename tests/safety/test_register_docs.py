"""The README's table of who reads what is the register (``schoolops.privacy.READERS``)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from schoolops import privacy

# The README's columns and rows, in order, as the register names them.
COLUMNS = [
    privacy.Relation.SCHOOL,
    privacy.Relation.GRADE_HEAD,
    privacy.Relation.HOMEROOM,
    privacy.Relation.SUBJECT_TEACHER,
    privacy.Relation.MENTOR,
    privacy.Relation.PSYCHOLOGY,
    privacy.Relation.LEADER,
    privacy.Relation.JUDGE,
]
ROWS = [
    privacy.Category.GUARDIAN,
    privacy.Category.LEDGER,
    privacy.Category.PSYCHOLOGICAL,
    privacy.Category.EDUCATION_PLAN,
    privacy.Category.CONSULT,
    privacy.Category.MENTORING,
    privacy.Category.CASE,
]


def readme_table() -> list[list[bool]]:
    text = (Path(settings.BASE_DIR) / "README.md").read_text(encoding="utf-8")
    start = text.index("<!-- register:")
    lines = text[start:].splitlines()[1:]
    rows = []
    for line in lines[2:]:
        if not line.startswith("|"):
            break
        cells = [c.strip() for c in line.strip("|").split("|")]
        rows.append([c == "✓" for c in cells[1:]])
    return rows


def test_the_readme_says_what_the_register_does():
    assert set(COLUMNS) == set(privacy.Relation.values)
    assert set(ROWS) == set(privacy.Category.values)
    expected = [[column in privacy.READERS[row] for column in COLUMNS] for row in ROWS]
    assert readme_table() == expected
