"""The permission matrix's rows of shared materials, the showcase and the questions passed
up (issue 16), joined to ``tests/groups/matrix.py``'s ROUTES.

Objects are built in class_a. Its files, showcase and questions are seen by whoever works
with its groups (homeroom, teacher, grade head, principal's office); the outsider (class_b),
the psychology teacher and office staff get 404. Sharing a file, the showcase, entering and
passing up a question are for the class's teachers (others who see the class get 403);
choosing the 科代表 for its keepers; answering a question for the teacher of its subject
(数学: ``teacher``) only.
"""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from groups import materials
from groups.models import Question, SubjectRep
from tests.safety.matrix import LOGIN, OK, REDIRECT, Call, Route, expect

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

VIEW = expect(OK, anonymous=LOGIN, outsider=404, psychologist=404, office=404)
KEEP = expect(OK, anonymous=LOGIN, outsider=404, psychologist=404, office=404, teacher=403)
KEEP_POST = expect(
    REDIRECT, anonymous=LOGIN, outsider=404, psychologist=404, office=404, teacher=403
)
TEACH_POST = expect(
    403,
    anonymous=LOGIN,
    homeroom=REDIRECT,
    teacher=REDIRECT,
    outsider=404,
    psychologist=404,
    office=404,
)
# The teacher of the question's subject (数学) only.
ANSWER = expect(403, anonymous=LOGIN, teacher=OK, outsider=404, psychologist=404, office=404)
ANSWER_POST = expect(
    403, anonymous=LOGIN, teacher=REDIRECT, outsider=404, psychologist=404, office=404
)


def _group(school):
    from tests.groups.matrix import _groups

    return _groups(school)[0]


def _class(school) -> Call:
    _group(school)
    return Call(kwargs={"class_pk": school.class_a.pk})


def _material(school):
    group = _group(school)
    return materials.add_material(
        group=group,
        upload=SimpleUploadedFile("学习笔记.pdf", PDF),
        title="一次函数笔记",
        kind="note",
        subject=school.maths,
        note="",
        by=school.homeroom,
    )


def _upload(school) -> Call:
    group = _group(school)
    return Call(
        kwargs={"class_pk": school.class_a.pk},
        data={
            "group": str(group.pk),
            "kind": "material",
            "subject": str(school.maths.pk),
            "title": "期中复习提纲",
            "note": "",
            # Who shares it on the class terminal (ignored for staff): a member of the group.
            "student": str(school.student_a.pk),
        },
        files={"file": ("提纲.pdf", PDF)},
    )


def _file(school) -> Call:
    return Call(kwargs={"pk": _material(school).pk})


def _showcase(school) -> Call:
    return Call(kwargs={"pk": _material(school).pk}, data={"showcased": "1"})


def _ask(school) -> Call:
    group = _group(school)
    return Call(
        kwargs={"class_pk": school.class_a.pk},
        # ``student``: the group's leader on the class terminal (ignored for staff).
        data={
            "group": str(group.pk),
            "subject": str(school.maths.pk),
            "text": "分式方程增根",
            "student": str(school.student_a.pk),
        },
    )


def _pass(school) -> Call:
    group = _group(school)
    SubjectRep.objects.get_or_create(
        school_class=school.class_a,
        subject=school.maths,
        defaults={"student": school.student_a, "set_by": school.homeroom},
    )
    materials.add_question(
        group=group, subject=school.maths, text="勾股定理逆定理", by=school.homeroom
    )
    return Call(kwargs={"class_pk": school.class_a.pk}, data={"subject": str(school.maths.pk)})


def _reps(school) -> Call:
    _group(school)
    return Call(
        kwargs={"class_pk": school.class_a.pk},
        data={f"subject_{school.maths.pk}": str(school.student_a.pk)},
    )


def _question(school) -> Question:
    group = _group(school)
    question = materials.add_question(
        group=group, subject=school.maths, text="因式分解十字相乘", by=school.homeroom
    )
    question.status = Question.Status.PASSED
    question.save(update_fields=["status"])
    return question


def _answer(school) -> Call:
    return Call(kwargs={"pk": _question(school).pk}, data={"note": "周三课上讲解"})


MATERIAL_ROUTES = [
    Route("groups:materials", build=_class, expect=VIEW),
    Route("groups:materials", method="post", build=_upload, expect=TEACH_POST, uploads=True),
    Route("groups:showcase", build=_class, expect=VIEW),
    Route("groups:material_file", build=_file, expect=VIEW),
    Route("groups:material_showcase", method="post", build=_showcase, expect=TEACH_POST),
    Route("groups:material_remove", method="post", build=_file, expect=KEEP_POST),
    Route("groups:questions", build=_class, expect=VIEW),
    Route("groups:questions", method="post", build=_ask, expect=TEACH_POST),
    Route("groups:questions_pass", method="post", build=_pass, expect=TEACH_POST),
    Route("groups:subject_reps", build=_class, expect=KEEP),
    Route("groups:subject_reps", method="post", build=_reps, expect=KEEP_POST),
    Route("groups:question_answer", build=_answer, expect=ANSWER),
    Route("groups:question_answer", method="post", build=_answer, expect=ANSWER_POST),
]


def _rep(school) -> SubjectRep:
    _group(school)
    rep, _created = SubjectRep.objects.get_or_create(
        school_class=school.class_a,
        subject=school.maths,
        defaults={"student": school.student_a, "set_by": school.homeroom},
    )
    return rep


MATERIAL_ADMIN_OBJECTS = {
    "groups.material": _material,
    "groups.question": _question,
    "groups.subjectrep": _rep,
}
