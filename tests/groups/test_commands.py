import io

from django.core.management import call_command
from django.core.management.base import CommandError

import pytest

from groups.models import Membership, StudyGroup

from .helpers import add_students

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command("form_groups", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_form_groups_for_a_grade_leaves_formed_classes_alone(school, today):
    add_students(school.class_a, 23, seed=1, subjects=[school.maths])
    add_students(school.class_b, 19, seed=2, subjects=[school.maths])
    add_students(school.class_c, 30, seed=3, subjects=[school.maths])
    run("--grade", "七年级", "--size", "4")
    assert set(StudyGroup.objects.values_list("school_class_id", flat=True)) == {
        school.class_a.pk,
        school.class_b.pk,
    }
    assert StudyGroup.objects.filter(school_class=school.class_a).count() == 6
    output = run("--grade", "七年级", "--size", "6")
    assert "left alone" in output or "保持不变" in output
    assert StudyGroup.objects.filter(school_class=school.class_a).count() == 6
    run("--grade", "7", "--size", "6", "--replace", "--confirm")
    groups = StudyGroup.objects.active().filter(school_class=school.class_a)
    assert groups.count() == 4 and all(g.is_confirmed for g in groups)
    assert Membership.objects.current().filter(group__in=groups).count() == 24


def test_unknown_grade_is_refused(school, today):
    with pytest.raises(CommandError):
        run("--grade", "十三年级")
