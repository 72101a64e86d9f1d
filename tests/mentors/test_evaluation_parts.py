"""The mentor evaluation, a part of each teacher's term-end evaluation (registered in
mentors/hooks.py): the total of the four-party evaluation, for mentors whose parts are in."""

from decimal import Decimal

import pytest

from mentors import services
from mentors.models import MentorEvaluation, StudentRating
from mentors.selectors import term_mentor_scores
from tests.mentors.conftest import pair

pytestmark = pytest.mark.django_db


def test_the_mentor_evaluation_total_is_the_teachers_part(school, mentoring, today):
    pair(school, school.student_a, school.teacher)
    pair(school, mentoring.students[1], mentoring.english)
    StudentRating.objects.create(
        term=school.term, student=school.student_a, mentor=school.teacher, score=4
    )
    MentorEvaluation.objects.create(
        term=school.term, mentor=school.teacher, self_score=90, school_score=80
    )
    services.save_teacher_rating(school.term, school.teacher, school.homeroom, Decimal(70))
    services.save_evaluation_settings(school.term, (25, 25, 25, 25), Decimal(60))
    # (90 + 80 + 70 + 80) / 4; the English teacher's parts are not in: no figure.
    assert term_mentor_scores(school.term) == {school.teacher.pk: Decimal("80.0")}
