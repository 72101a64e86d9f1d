import pytest

from .helpers import add_students, item, make_groups


@pytest.fixture
def formed(school, today):
    """Class A with four confirmed groups of four (张小明 in the first), and the rubric."""
    item()  # a transactional test may have flushed the rubric the migration seeded
    students = [school.student_a, *add_students(school.class_a, 15, seed=4)]
    return make_groups(school.class_a, school.term, students, per_group=4)


@pytest.fixture
def no_activity_minimum(db):
    """The leaderboard's minimum activity off (0 days, 0 entries), for tests of the index
    arithmetic that score on a single day; the rule has its own tests (test_board_rules)."""
    from groups.models import GroupSettings

    return GroupSettings.objects.create(ranking_min_days=0, ranking_min_entries_per_group=0)
