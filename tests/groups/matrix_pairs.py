"""The permission matrix's rows of the study pairs and the students' tags (issue 16), joined
to ``tests/groups/matrix.py``'s ROUTES and ADMIN_OBJECTS.

Objects are built in class_a. Its pairs are seen by whoever works with its groups (homeroom,
teacher, grade head, principal's office); the outsider (class_b), the psychology teacher and
office staff get 404. Forming, changing and ending pairs is for the class's keepers (a
subject teacher gets 403); giving a pair points for the class's teachers (others who see
the class get 403); the students' tags for the class's own homeroom teacher only.
"""

from __future__ import annotations

from groups.models import PairScore, StudentTag, StudentTagging, StudyPair
from schoolops.models import Gender, Student
from tests.safety.matrix import LOGIN, OK, REDIRECT, Call, Route, expect

VIEW = expect(OK, anonymous=LOGIN, outsider=404, psychologist=404, office=404)
KEEP = expect(OK, anonymous=LOGIN, outsider=404, psychologist=404, office=404, teacher=403)
KEEP_POST = expect(
    REDIRECT, anonymous=LOGIN, outsider=404, psychologist=404, office=404, teacher=403
)
SCORE_POST = expect(
    403,
    anonymous=LOGIN,
    homeroom=REDIRECT,
    teacher=REDIRECT,
    outsider=404,
    psychologist=404,
    office=404,
)
HOMEROOM = expect(403, anonymous=LOGIN, homeroom=OK, outsider=404, psychologist=404, office=404)
HOMEROOM_POST = expect(
    403, anonymous=LOGIN, homeroom=REDIRECT, outsider=404, psychologist=404, office=404
)


def _partner(school) -> Student:
    partner, _created = Student.objects.get_or_create(
        student_no="PAIR0001",
        defaults={"name": "陈思远", "gender": Gender.MALE, "school_class": school.class_a},
    )
    return partner


def _pair(school) -> StudyPair:
    return StudyPair.objects.create(
        term=school.term,
        school_class=school.class_a,
        subject=school.maths,
        stronger=_partner(school),
        weaker=school.student_a,
        formed_by=school.homeroom,
    )


def _tag(school) -> StudentTag:
    tag, _created = StudentTag.objects.get_or_create(
        name="性格内向", defaults={"kind": "personality"}
    )
    return tag


def _class(school) -> Call:
    return Call(kwargs={"class_pk": school.class_a.pk})


def _form(school) -> Call:
    return Call(kwargs={"class_pk": school.class_a.pk}, query={"subject": school.maths.pk})


def _form_post(school) -> Call:
    return Call(
        kwargs={"class_pk": school.class_a.pk},
        data={
            "subject": school.maths.pk,
            "stronger_0": _partner(school).pk,
            "weaker_0": school.student_a.pk,
        },
    )


def _detail(school) -> Call:
    return Call(kwargs={"pk": _pair(school).pk})


def _points(school) -> Call:
    return Call(kwargs={"pk": _pair(school).pk}, data={"points": "2", "reason": "互讲错题"})


def _end(school) -> Call:
    pair = _pair(school)
    return Call(
        kwargs={"pk": pair.pk},
        data={"stronger": pair.stronger_id, "weaker": pair.weaker_id, "end": "on"},
    )


def _tags(school) -> Call:
    return Call(
        kwargs={"class_pk": school.class_a.pk},
        data={f"tags_{school.student_a.pk}": str(_tag(school).pk)},
    )


PAIR_ROUTES = [
    Route("groups:pairs", build=_class, expect=VIEW),
    Route("groups:pairs_form", build=_form, expect=KEEP),
    Route("groups:pairs_form", method="post", build=_form_post, expect=KEEP_POST),
    Route("groups:pair_detail", build=_detail, expect=VIEW),
    Route("groups:pair_detail", method="post", build=_points, expect=SCORE_POST),
    Route("groups:pair_edit", build=_detail, expect=KEEP),
    Route("groups:pair_edit", method="post", build=_end, expect=KEEP_POST),
    Route("groups:tags", build=_class, expect=HOMEROOM),
    Route("groups:tags", method="post", build=_tags, expect=HOMEROOM_POST),
]

PAIR_ADMIN_OBJECTS = {
    "groups.studenttag": _tag,
    "groups.studenttagging": lambda school: StudentTagging.objects.create(
        student=school.student_a, tag=_tag(school), set_by=school.homeroom
    ),
    "groups.studypair": _pair,
    "groups.pairscore": lambda school: PairScore.objects.create(
        pair=_pair(school), points=2, reason="互讲错题", teacher=school.teacher
    ),
}
