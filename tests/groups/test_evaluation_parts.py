"""The groups' parts of the term-end evaluation (registered in groups/hooks.py): each class's
standing on the term's closed monthly leaderboards, and the 优秀小组 candidates."""

import datetime as dt
from decimal import Decimal

import pytest

from groups.models import LeaderboardRow, MonthClose, StudyGroup
from groups.selectors import term_group_candidates, term_group_results

pytestmark = pytest.mark.django_db


def _row(close, group, rank, excellent=False):
    return LeaderboardRow.objects.create(
        close=close,
        group=group,
        grade_name="七年级",
        class_name=str(group.school_class),
        group_name=group.name,
        points=10,
        class_average=Decimal("10.00"),
        index=Decimal("100.0"),
        rank=rank,
        class_rank=1,
        is_excellent=excellent,
    )


def test_a_class_scores_the_mean_standing_of_its_groups_and_candidates_are_outstanding(school):
    a1 = StudyGroup.objects.create(
        term=school.term, school_class=school.class_a, number=1, name="星火组"
    )
    a2 = StudyGroup.objects.create(
        term=school.term, school_class=school.class_a, number=2, name="雄鹰组"
    )
    b1 = StudyGroup.objects.create(
        term=school.term, school_class=school.class_b, number=1, name="追梦组"
    )
    october = MonthClose.objects.create(month=dt.date(2026, 10, 1), closed_by=school.academic)
    november = MonthClose.objects.create(month=dt.date(2026, 11, 1), closed_by=school.academic)
    # October: a1 first, b1 second, a2 third (of 3); November: b1 first, a1 second (of 2).
    _row(october, a1, 1, excellent=True)
    _row(october, b1, 2)
    _row(october, a2, 3)
    _row(november, b1, 1, excellent=True)
    _row(november, a1, 2, excellent=True)
    figures = term_group_results(school.term)
    # a: (100 + 33.3… + 50) / 3; b: (66.6… + 100) / 2.
    assert figures == {school.class_a.pk: Decimal("61.1"), school.class_b.pk: Decimal("83.3")}
    candidates = term_group_candidates(school.term)
    assert [c.ref for c in candidates] == [
        f"groups.StudyGroup:{a1.pk}",
        f"groups.StudyGroup:{b1.pk}",
    ]
    assert candidates[0].school_class_id == school.class_a.pk
    assert "2" in candidates[0].note and candidates[0].name.endswith("星火组")
