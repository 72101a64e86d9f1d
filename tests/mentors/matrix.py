"""The mentor system's rows of the permission matrix (see ``tests/safety/matrix.py``).

Objects are built in class_a: 李老师 (``teacher``) mentors student_a. Editors of class_a's
mentoring are its homeroom teacher, its grade head and the principal's office; ``teacher``
sees the class but does not keep it (403); office staff see the roster but no mentoring
(403 on class pages, 404 on a mentee's file).
"""

from __future__ import annotations

import datetime as dt

from mentors.models import (
    Choice,
    EvaluationSettings,
    Exchange,
    GrowthRecord,
    Honour,
    MatchRun,
    MentorCapacity,
    MentorCheck,
    MentorEvaluation,
    MentoringPlan,
    MentorRanking,
    MentorSettings,
    MentorSummary,
    MonthlySummary,
    Pairing,
    ParentContact,
    PriorityStudent,
    StudentRating,
    TalkLog,
    TeacherRating,
    TrainingSession,
)
from tests.safety.matrix import LOGIN, OK, REDIRECT, Call, Route, expect, staff_page
from tests.workbooks import xlsx_bytes

# Class editors: homeroom, grade_head, principal, academic.
CLASS_EDITOR = expect(OK, anonymous=LOGIN, teacher=403, office=403, outsider=404, psychologist=404)
CLASS_EDITOR_POST = expect(
    REDIRECT, anonymous=LOGIN, teacher=403, office=403, outsider=404, psychologist=404
)
# The grade pages and their exports: the principal's office, and the grade head (七年级).
GRADE_PAGES = expect(403, anonymous=LOGIN, principal=OK, academic=OK, grade_head=OK)
ACADEMIC = expect(403, anonymous=LOGIN, academic=OK)
ACADEMIC_POST = expect(403, anonymous=LOGIN, academic=REDIRECT)
# A mentee's file: the mentor, the class's editors; nobody else knows it exists.
FILE_READERS = expect(OK, anonymous=LOGIN, outsider=404, office=404, psychologist=404)
MENTOR_ONLY = expect(403, anonymous=LOGIN, teacher=OK, outsider=404, office=404, psychologist=404)
MENTOR_ONLY_POST = expect(
    403, anonymous=LOGIN, teacher=REDIRECT, outsider=404, office=404, psychologist=404
)


def _pairing(school) -> Pairing:
    return Pairing.objects.create(
        student=school.student_a,
        mentor=school.teacher,
        academic_year=school.year,
        school_class=school.class_a,
        choice_rank=1,
        started_on=dt.date(2026, 9, 7),
    )


def _class(school) -> Call:
    return Call(kwargs={"class_pk": school.class_a.pk})


def _choices_post(school) -> Call:
    s = school.student_a.pk
    return Call(
        kwargs={"class_pk": school.class_a.pk},
        data={f"c1_{s}": str(school.teacher.pk), f"p_{s}": "on"},
    )


def _assign_post(school) -> Call:
    return Call(
        kwargs={"class_pk": school.class_a.pk},
        data={"student": school.student_a.pk, "mentor": school.teacher.pk, "reason": "调剂"},
    )


def _capacity_post(school) -> Call:
    return Call(kwargs={"class_pk": school.class_a.pk}, data={f"cap_{school.teacher.pk}": "3"})


def _exchange_post(school) -> Call:
    return Call(
        kwargs={"class_pk": school.class_a.pk},
        data={
            "date": "2026-11-20",
            "mentors": [str(school.teacher.pk)],
            "students": [str(school.student_a.pk)],
            "notes": "本周交流张小明数学作业问题",
        },
    )


def _ratings_post(school) -> Call:
    p = _pairing(school)
    return Call(kwargs={"class_pk": school.class_a.pk}, data={f"s_{p.pk}": "4", f"t_{p.pk}": "好"})


def _ratings_get(school) -> Call:
    _pairing(school)
    return _class(school)


def _applicants_post(school) -> Call:
    Choice.objects.create(
        student=school.student_a, academic_year=school.year, rank=1, mentor=school.teacher
    )
    return Call(data={f"r_{school.student_a.pk}": "1"})


def _grade(school) -> Call:
    Choice.objects.create(
        student=school.student_a, academic_year=school.year, rank=1, mentor=school.teacher
    )
    return Call(kwargs={"grade_pk": school.grade7.pk})


def _match_post(school) -> Call:
    from mentors.selectors import preview_matching

    call = _grade(school)
    call.data = {"fingerprint": preview_matching(school.grade7, school.year).fingerprint}
    return call


def _file(school) -> Call:
    return Call(kwargs={"pk": _pairing(school).pk})


def _priority_file(school) -> Call:
    PriorityStudent.objects.create(student=school.student_a, academic_year=school.year)
    return _file(school)


def _with(data):
    def build(school) -> Call:
        call = _file(school)
        call.data = data
        return call

    return build


def _growth_post(school) -> Call:
    call = _priority_file(school)
    call.data = {"date": "2026-11-20", "content": "本周主动举手回答问题"}
    return call


def _summary(school) -> Call:
    return Call(kwargs={"pk": _pairing(school).pk, "year": 2026, "month": 11})


def _summary_post(school) -> Call:
    call = _summary(school)
    call.data = {"text": "本月谈心四次，学习态度有进步"}
    return call


def _mentor(school) -> Call:
    _pairing(school)
    return Call(kwargs={"staff_pk": school.teacher.pk})


def _reassign_post(school) -> Call:
    p = _pairing(school)
    # 王老师 teaches class_a but is its homeroom teacher, so a second mentor is needed.
    from schoolops.models import TeachingAssignment

    TeachingAssignment.objects.create(
        staff=school.grade_head, school_class=school.class_a, subject=school.english
    )
    return Call(
        kwargs={"staff_pk": school.teacher.pk},
        data={"reason": "left", "note": "调离", f"m_{p.pk}": str(school.grade_head.pk)},
    )


def _evaluation_post(school) -> Call:
    return Call(
        data={
            "self_weight": "20",
            "students_weight": "30",
            "teachers_weight": "20",
            "school_weight": "30",
            "threshold": "60",
        }
    )


def _score_post(school) -> Call:
    call = _mentor(school)
    call.data = {"school_score": "75", "improve_by": ""}
    return call


def _self_get(school) -> Call:
    _pairing(school)
    return Call()


def _self_post(school) -> Call:
    _pairing(school)
    return Call(data={"self_score": "85", "self_comment": "每周谈心，按时联系家长"})


def _rate(school) -> Call:
    return _mentor(school)


def _rate_post(school) -> Call:
    call = _mentor(school)
    # The academic office names whose rating it types in; teachers rate in their own name.
    call.data = {"rater": str(school.homeroom.pk), "score": "88", "comment": "谈心记录详实"}
    return call


def _choices_upload(school) -> Call:
    """The class's 志愿 sheet: student_a chooses 李老师 (a valid file, which the hostile
    uploads corrupt)."""
    content = xlsx_bytes(
        ["学籍号", "第一志愿", "第二志愿", "第三志愿"],
        [[school.student_a.student_no, school.teacher.staff_no, "", ""]],
    )
    return Call(
        kwargs={"class_pk": school.class_a.pk}, files={"file": ("preferences.xlsx", content)}
    )


def _ratings_upload(school) -> Call:
    _pairing(school)
    content = xlsx_bytes(
        ["学籍号", "导师工号", "分数", "意见"],
        [[school.student_a.student_no, school.teacher.staff_no, 5, "很耐心"]],
    )
    return Call(files={"file": ("mentor_ratings.xlsx", content)})


def _my_summary(school) -> Call:
    _pairing(school)
    return Call(kwargs={"year": 2026, "month": 11})


def _my_summary_post(school) -> Call:
    call = _my_summary(school)
    call.data = {"text": "本月与学生谈心四次，张小明数学有进步"}
    return call


def _mentor_summary(school) -> MentorSummary:
    _pairing(school)
    return MentorSummary.objects.create(
        mentor=school.teacher, month=dt.date(2026, 11, 1), text="十一月谈话汇总"
    )


def _summary_detail(school) -> Call:
    return Call(kwargs={"pk": _mentor_summary(school).pk})


def _honour_post(school) -> Call:
    _pairing(school)
    return Call(data={"kind": "mentor", "mentor": str(school.teacher.pk), "reason": "谈心认真"})


def _training_post(school) -> Call:
    _pairing(school)
    return Call(
        data={
            "date": "2026-11-16",
            "kind": "seminar",
            "content": "导师工作研讨会",
            "attendees": [str(school.teacher.pk)],
        }
    )


def _session(school) -> TrainingSession:
    return TrainingSession.objects.create(
        term=school.term, date=dt.date(2026, 11, 16), kind="seminar", content="研讨会"
    )


def _training(school) -> Call:
    return Call(kwargs={"pk": _session(school).pk})


def _check_post(school) -> Call:
    _pairing(school)
    call = _training(school)
    call.data = {"mentor": str(school.teacher.pk), "findings": "谈心记录完整"}
    return call


TALK = {"date": "2026-11-20", "topic": "期中考试", "content": "分析数学失分原因", "follow_up": ""}
CONTACT = {"date": "2026-11-20", "method": "phone", "content": "与家长沟通作业情况"}
PLAN = {"study": "每周检查错题本", "thought": "树立学习目标"}

ROUTES = [
    Route("mentors:my_mentees", expect=staff_page()),
    Route("mentors:applicants", expect=staff_page()),
    Route(
        "mentors:applicants",
        method="post",
        build=_applicants_post,
        expect=expect(REDIRECT, anonymous=LOGIN),
    ),
    Route("mentors:selection", expect=GRADE_PAGES),
    Route("mentors:pairings_export", expect=GRADE_PAGES),
    Route("mentors:match", build=_grade, expect=ACADEMIC),
    Route("mentors:match", method="post", build=_match_post, expect=ACADEMIC_POST),
    Route("mentors:class_overview", build=_class, expect=CLASS_EDITOR),
    Route("mentors:class_choices", build=_class, expect=CLASS_EDITOR),
    Route("mentors:class_choices", method="post", build=_choices_post, expect=CLASS_EDITOR_POST),
    Route("mentors:class_choices_upload", build=_class, expect=CLASS_EDITOR),
    Route(
        "mentors:class_choices_upload",
        method="post",
        build=_choices_upload,
        uploads=True,
        expect=CLASS_EDITOR_POST,
    ),
    Route("mentors:hand_assign", build=_class, expect=expect(405), fuzz=False),
    Route("mentors:hand_assign", method="post", build=_assign_post, expect=CLASS_EDITOR_POST),
    Route(
        "mentors:class_capacity",
        build=_class,
        expect=expect(403, anonymous=LOGIN, academic=OK, outsider=404, psychologist=404),
    ),
    Route(
        "mentors:class_capacity",
        method="post",
        build=_capacity_post,
        expect=expect(403, anonymous=LOGIN, academic=REDIRECT, outsider=404, psychologist=404),
    ),
    Route("mentors:class_exchanges", build=_class, expect=CLASS_EDITOR),
    Route("mentors:class_exchanges", method="post", build=_exchange_post, expect=CLASS_EDITOR_POST),
    Route("mentors:class_ratings", build=_ratings_get, expect=CLASS_EDITOR),
    Route("mentors:class_ratings", method="post", build=_ratings_post, expect=CLASS_EDITOR_POST),
    Route("mentors:pairing_detail", build=_file, expect=FILE_READERS),
    Route("mentors:talks_print", build=_file, expect=FILE_READERS),
    Route("mentors:pairing_talk", build=_file, expect=MENTOR_ONLY),
    Route("mentors:pairing_talk", method="post", build=_with(TALK), expect=MENTOR_ONLY_POST),
    Route("mentors:pairing_contact", build=_file, expect=MENTOR_ONLY),
    Route("mentors:pairing_contact", method="post", build=_with(CONTACT), expect=MENTOR_ONLY_POST),
    Route("mentors:pairing_plan", build=_file, expect=MENTOR_ONLY),
    Route("mentors:pairing_plan", method="post", build=_with(PLAN), expect=MENTOR_ONLY_POST),
    Route("mentors:pairing_growth", build=_priority_file, expect=FILE_READERS),
    Route(
        "mentors:pairing_growth",
        method="post",
        build=_growth_post,
        expect=expect(REDIRECT, anonymous=LOGIN, outsider=404, office=404, psychologist=404),
    ),
    Route("mentors:pairing_summary", build=_summary, expect=MENTOR_ONLY),
    Route("mentors:pairing_summary", method="post", build=_summary_post, expect=MENTOR_ONLY_POST),
    Route("mentors:pairing_end", build=_file, expect=ACADEMIC),
    Route(
        "mentors:pairing_end",
        method="post",
        build=_with({"reason": "failed", "note": "沟通困难"}),
        expect=ACADEMIC_POST,
    ),
    Route("mentors:reassign", build=_mentor, expect=ACADEMIC),
    Route("mentors:reassign", method="post", build=_reassign_post, expect=ACADEMIC_POST),
    Route("mentors:compliance", expect=GRADE_PAGES),
    Route("mentors:evaluation", expect=GRADE_PAGES),
    Route("mentors:evaluation", method="post", build=_evaluation_post, expect=ACADEMIC_POST),
    Route("mentors:evaluation_export", expect=GRADE_PAGES),
    Route("mentors:ratings_upload", expect=ACADEMIC),
    Route(
        "mentors:ratings_upload",
        method="post",
        build=_ratings_upload,
        uploads=True,
        expect=ACADEMIC_POST,
    ),
    Route(
        "mentors:self_evaluation",
        build=_self_get,
        # Without mentees this term there is nothing to evaluate: back to "my mentees".
        expect=expect(REDIRECT, anonymous=LOGIN, teacher=OK),
    ),
    Route(
        "mentors:self_evaluation",
        method="post",
        build=_self_post,
        expect=expect(REDIRECT, anonymous=LOGIN),
    ),
    Route("mentors:evaluation_mentor", build=_mentor, expect=ACADEMIC),
    Route("mentors:peer_ratings", expect=staff_page()),
    # Raters of 李老师: the teachers of class_a (homeroom), its grade head, and the academic
    # office in their name; he cannot rate himself (403); the principal sees him but does not
    # rate (403); anyone else does not know him as a mentor (404).
    Route(
        "mentors:peer_rate",
        build=_rate,
        expect=expect(
            OK,
            anonymous=LOGIN,
            teacher=403,
            principal=403,
            outsider=404,
            office=404,
            psychologist=404,
        ),
    ),
    Route(
        "mentors:peer_rate",
        method="post",
        build=_rate_post,
        expect=expect(
            REDIRECT,
            anonymous=LOGIN,
            teacher=403,
            principal=403,
            outsider=404,
            office=404,
            psychologist=404,
        ),
    ),
    Route("mentors:evaluation_mentor", method="post", build=_score_post, expect=ACADEMIC_POST),
    # A mentor's monthly summary: written by its mentor only; read by the principal's office
    # and the grade head; anyone else does not know it exists.
    Route("mentors:my_summaries", expect=staff_page()),
    Route("mentors:my_summary", build=_my_summary, expect=expect(404, anonymous=LOGIN, teacher=OK)),
    Route(
        "mentors:my_summary",
        method="post",
        build=_my_summary_post,
        expect=expect(404, anonymous=LOGIN, teacher=REDIRECT),
    ),
    Route("mentors:summaries", expect=GRADE_PAGES),
    Route(
        "mentors:summary_detail",
        build=_summary_detail,
        expect=expect(404, anonymous=LOGIN, teacher=OK, grade_head=OK, principal=OK, academic=OK),
    ),
    Route("mentors:honours", expect=GRADE_PAGES),
    Route("mentors:honours", method="post", build=_honour_post, expect=ACADEMIC_POST),
    Route("mentors:honours_print", expect=GRADE_PAGES),
    Route("mentors:trainings", expect=GRADE_PAGES),
    Route("mentors:trainings", method="post", build=_training_post, expect=ACADEMIC_POST),
    Route("mentors:training_detail", build=_training, expect=GRADE_PAGES),
    Route("mentors:training_detail", method="post", build=_check_post, expect=ACADEMIC_POST),
    Route("mentors:my_trainings", expect=staff_page()),
]


def _evaluation(school):
    return MentorEvaluation.objects.create(term=school.term, mentor=school.teacher, self_score=80)


ADMIN_OBJECTS = {
    "mentors.mentorcapacity": lambda school: MentorCapacity.objects.create(
        school_class=school.class_a, mentor=school.teacher, capacity=3
    ),
    "mentors.pairing": _pairing,
    "mentors.matchrun": lambda school: MatchRun.objects.create(
        grade=school.grade7, academic_year=school.year
    ),
    "mentors.mentorsettings": lambda school: MentorSettings.objects.create(),
    "mentors.evaluationsettings": lambda school: EvaluationSettings.objects.create(
        term=school.term
    ),
    "mentors.mentorevaluation": _evaluation,
    "mentors.talklog": lambda school: TalkLog.objects.create(
        pairing=_pairing(school), date=dt.date(2026, 11, 20), topic="学习", content="谈心"
    ),
    "mentors.parentcontact": lambda school: ParentContact.objects.create(
        pairing=_pairing(school), date=dt.date(2026, 11, 20), method="phone", content="电话"
    ),
    "mentors.choice": lambda school: Choice.objects.create(
        student=school.student_a, academic_year=school.year, rank=1, mentor=school.teacher
    ),
    "mentors.prioritystudent": lambda school: PriorityStudent.objects.create(
        student=school.student_a, academic_year=school.year
    ),
    "mentors.mentorranking": lambda school: MentorRanking.objects.create(
        mentor=school.teacher, student=school.student_a, academic_year=school.year, position=1
    ),
    "mentors.mentoringplan": lambda school: MentoringPlan.objects.create(
        pairing=_pairing(school), study="错题本"
    ),
    "mentors.growthrecord": lambda school: GrowthRecord.objects.create(
        pairing=_pairing(school), date=dt.date(2026, 11, 20), content="进步"
    ),
    "mentors.monthlysummary": lambda school: MonthlySummary.objects.create(
        pairing=_pairing(school), month=dt.date(2026, 11, 1), text="小结"
    ),
    "mentors.mentorsummary": _mentor_summary,
    "mentors.honour": lambda school: Honour.objects.create(
        term=school.term, mentor=school.teacher, reason="谈心认真"
    ),
    "mentors.trainingsession": _session,
    "mentors.mentorcheck": lambda school: MentorCheck.objects.create(
        session=_session(school), mentor=school.teacher, findings="记录完整"
    ),
    "mentors.exchange": lambda school: Exchange.objects.create(
        school_class=school.class_a, date=dt.date(2026, 11, 20), notes="交流"
    ),
    "mentors.teacherrating": lambda school: TeacherRating.objects.create(
        term=school.term, mentor=school.teacher, rater=school.homeroom, score=80
    ),
    "mentors.studentrating": lambda school: StudentRating.objects.create(
        term=school.term, student=school.student_a, mentor=school.teacher, score=5
    ),
}

# One settings row: once it exists (the test opens it), nobody adds a second.
ADMIN_OVERRIDES: dict = {"admin:mentors_mentorsettings_add": {"academic": 403}}
