import pytest

from .helpers import add_students, item, make_groups


@pytest.fixture
def formed(school, today):
    """Class A with four confirmed groups of four (张小明 in the first), and the rubric."""
    item()  # a transactional test may have flushed the rubric the migration seeded
    students = [school.student_a, *add_students(school.class_a, 15, seed=4)]
    return make_groups(school.class_a, school.term, students, per_group=4)
