"""The consultation app's rows of the permission matrix (see ``tests/safety/matrix.py``).

Objects are built in class_a (student_a). Readers of class_a's consultation records are its
homeroom teacher, its subject teacher (``teacher``), its grade head and the principal's
office; the ledger, meetings and strategies are kept by the homeroom teacher, the grade head
and the principal's office. Office staff are refused everything (403); the outsider (class_b)
and the psychology teacher (student_a has no psychological flag) do not see student_a (404).
"""

from __future__ import annotations

import datetime as dt

from consult.models import (
    Case,
    CaseJudge,
    CaseScore,
    ClassLeaderAssignment,
    ConsultSettings,
    Escalation,
    FollowUp,
    LeaderAssignment,
    LedgerProfile,
    Level,
    Meeting,
    Observation,
    Strategy,
    TermPlan,
    TermSummary,
)
from tests.safety.matrix import LOGIN, OK, REDIRECT, Call, Route, expect

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64

TODAY = dt.date(2026, 11, 23)
FULL = {
    "strengths": "乐于助人",
    "weaknesses": "作业拖欠",
    "personality": "外向",
    "interests": "篮球",
    "family_situation": "父母在外务工",
}

CONSULT = expect(OK, anonymous=LOGIN, office=403)
READ_A = expect(OK, anonymous=LOGIN, office=403, outsider=404, psychologist=404)
KEEP_A = expect(OK, anonymous=LOGIN, office=403, outsider=404, psychologist=404, teacher=403)
KEEP_A_POST = expect(
    REDIRECT, anonymous=LOGIN, office=403, outsider=404, psychologist=404, teacher=403
)
WORK_A_POST = expect(REDIRECT, anonymous=LOGIN, office=403, outsider=404, psychologist=404)
# Edit-scoped fetches (get_class_or_404(edit=True)) answer 404 to a subject teacher.
EDIT_A = expect(OK, anonymous=LOGIN, office=403, outsider=404, psychologist=404, teacher=404)
EDIT_A_POST = expect(
    REDIRECT, anonymous=LOGIN, office=403, outsider=404, psychologist=404, teacher=404
)
LEADERS = expect(403, anonymous=LOGIN, grade_head=OK, principal=OK, academic=OK)
SCHOOL_WIDE = expect(403, anonymous=LOGIN, principal=OK, academic=OK)
SCHOOL_WIDE_POST = expect(403, anonymous=LOGIN, principal=REDIRECT, academic=REDIRECT)
SENSITIVE_EXPORT_A = expect(
    403, anonymous=LOGIN, principal=OK, academic=OK, outsider=404, psychologist=404
)


def _class(school) -> Call:
    return Call(kwargs={"class_pk": school.class_a.pk})


def _student(school) -> Call:
    return Call(kwargs={"pk": school.student_a.pk})


def _ledger_post(school) -> Call:
    return Call(kwargs={"pk": school.student_a.pk}, data=dict(FULL))


def _observation_post(school) -> Call:
    return Call(
        kwargs={"pk": school.student_a.pk},
        data={"date": "2026-11-20", "method": "observe", "source": "", "content": "课堂主动发言"},
    )


def _strategy_post(school) -> Call:
    return Call(
        kwargs={"pk": school.student_a.pk},
        data={
            "problem": "作业拖欠",
            "action": "每天检查作业",
            "owner": school.homeroom.pk,
            "start_date": "2026-11-23",
            "review_date": "2026-12-07",
        },
    )


def _propose_post(school) -> Call:
    return Call(kwargs={"pk": school.student_a.pk}, data={"reason": "四周无改善"})


CASE_DATA = {
    "title": "于细微处做文章",
    "situation": "难教难管",
    "strategy": "从小事入手",
    "process": "每周发现一个优点",
    "records": "",
    "result": "上课说话次数少了",
    "nominated": "on",
}


def _case_new_post(school) -> Call:
    return Call(kwargs={"pk": school.student_a.pk}, data=dict(CASE_DATA))


def _meeting(school) -> Meeting:
    meeting = Meeting.objects.create(
        level=Level.CLASS,
        kind=Meeting.Kind.REGULAR,
        term=school.term,
        date=dt.date(2026, 11, 17),
        school_class=school.class_a,
        grade=school.grade7,
        chair=school.homeroom,
        topic="本周学情",
        created_by=school.homeroom,
    )
    meeting.discussed.create(student=school.student_a, analysis="作业拖欠", decision="每天检查")
    return meeting


def _meeting_call(school) -> Call:
    return Call(kwargs={"pk": _meeting(school).pk})


def _meeting_new(school) -> Call:
    return Call(query={"level": "class", "class": school.class_a.pk})


def _meeting_new_post(school) -> Call:
    return Call(
        query={"level": "class", "class": school.class_a.pk},
        data={
            "level": "class",
            "class": school.class_a.pk,
            "kind": "regular",
            "date": "2026-11-23",
            "chair": school.homeroom.pk,
            "attendees": [school.homeroom.pk],
            "topic": "本周学情",
            "preparation": "汇总作业",
            "analysis": "两极分化",
            "strategies": "分层作业",
            "summary": "下周复查",
            "students-TOTAL_FORMS": "1",
            "students-INITIAL_FORMS": "0",
            "students-MIN_NUM_FORMS": "0",
            "students-MAX_NUM_FORMS": "60",
            "students-0-student": school.student_a.student_no,
            "students-0-analysis": "作业拖欠",
            "students-0-decision": "每天检查作业",
        },
    )


def _strategy(school) -> Strategy:
    return Strategy.objects.create(
        student=school.student_a,
        term=school.term,
        problem="作业拖欠",
        action="每天检查作业",
        owner=school.homeroom,
        start_date=dt.date(2026, 11, 9),
        review_date=dt.date(2026, 11, 23),
    )


def _strategy_call(school) -> Call:
    return Call(kwargs={"pk": _strategy(school).pk})


def _follow_up_post(school) -> Call:
    return Call(
        kwargs={"pk": _strategy(school).pk},
        data={"date": "2026-11-20", "done": "谈心", "result": "improved", "note": ""},
    )


def _close_post(school) -> Call:
    return Call(kwargs={"pk": _strategy(school).pk}, data={"note": "已改正"})


def _escalation(school) -> Escalation:
    return Escalation.objects.create(
        student=school.student_a,
        term=school.term,
        from_level=Level.CLASS,
        to_level=Level.GRADE,
        reason="最近3次跟进均无改善。",
        proposed_on=TODAY,
    )


def _decide_post(school) -> Call:
    return Call(kwargs={"pk": _escalation(school).pk}, data={"decision": "take", "note": "接手"})


def _review_post(school) -> Call:
    LedgerProfile.objects.create(
        student=school.student_a, term=school.term, categories=["learning"], **FULL
    )
    return Call(
        data={
            "leaders-TOTAL_FORMS": "1",
            "leaders-INITIAL_FORMS": "1",
            "leaders-0-student": school.student_a.pk,
            "leaders-0-leader": school.principal.pk,
        }
    )


def _activity(school):
    from consult.models import ClassActivity

    activity = ClassActivity.objects.create(
        kind=ClassActivity.Kind.THEME,
        term=school.term,
        school_class=school.class_a,
        date=dt.date(2026, 11, 13),
        theme="互帮互学，共同进步",
        content="进步学生现身说法",
        created_by=school.homeroom,
    )
    activity.speakers.set([school.student_a])
    return activity


def _activity_call(school) -> Call:
    return Call(kwargs={"pk": _activity(school).pk})


ACTIVITY_DATA = {
    "date": "2026-11-20",
    "theme": "学法交流",
    "speakers": [],
    "summary": "交流了预习方法",
}


def _activity_new(school) -> Call:
    return Call(kwargs={"class_pk": school.class_a.pk}, query={"kind": "exchange"})


def _activity_new_post(school) -> Call:
    return Call(
        kwargs={"class_pk": school.class_a.pk},
        query={"kind": "exchange"},
        data={**ACTIVITY_DATA, "speakers": [school.student_a.pk]},
    )


def _activity_edit_post(school) -> Call:
    return Call(kwargs={"pk": _activity(school).pk}, data={**ACTIVITY_DATA, "theme": "主题班会"})


def _photo_post(school) -> Call:
    return Call(kwargs={"pk": _activity(school).pk}, files={"photo": ("photo.png", PNG)})


def _photo(school):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from consult.services import add_photo

    return add_photo(_activity(school), SimpleUploadedFile("p.png", PNG), school.homeroom)


def _photo_call(school) -> Call:
    return Call(kwargs={"pk": _photo(school).pk})


LEADERS_POST = expect(
    403, anonymous=LOGIN, grade_head=REDIRECT, principal=REDIRECT, academic=REDIRECT
)
PLAN_DATA = {"goals": "会商全覆盖", "schedule": "每周五级部会商", "focus": "学习困难学生"}


def _grade7(school) -> Call:
    return Call(kwargs={"grade_pk": school.grade7.pk})


def _plan_post(school) -> Call:
    return Call(data=dict(PLAN_DATA))


def _plan_grade_post(school) -> Call:
    return Call(kwargs={"grade_pk": school.grade7.pk}, data=dict(PLAN_DATA))


def _summary_post(school) -> Call:
    return Call(data={"text": "本学期学情会商总结"})


def _summary_grade_post(school) -> Call:
    return Call(kwargs={"grade_pk": school.grade7.pk}, data={"text": "级部总结"})


def _summary_class_post(school) -> Call:
    return Call(kwargs={"class_pk": school.class_a.pk}, data={"text": "班级总结"})


def _summary_call(school) -> Call:
    summary = TermSummary.objects.create(
        term=school.term,
        level="class",
        school_class=school.class_a,
        text="班级总结",
        updated_by=school.homeroom,
    )
    return Call(kwargs={"pk": summary.pk})


def _case(school) -> Case:
    CaseJudge.objects.get_or_create(term=school.term, staff=school.principal)
    return Case.objects.create(
        student=school.student_a,
        term=school.term,
        school_class=school.class_a,
        author=school.homeroom,
        created_on=TODAY,
        **{k: v for k, v in CASE_DATA.items() if k != "nominated"},
        nominated=True,
    )


def _case_call(school) -> Call:
    return Call(kwargs={"pk": _case(school).pk})


def _case_score_post(school) -> Call:
    return Call(kwargs={"pk": _case(school).pk}, data={"score": "88", "comment": "细致"})


def _case_edit_post(school) -> Call:
    return Call(kwargs={"pk": _case(school).pk}, data=dict(CASE_DATA))


ROUTES = [
    Route("consult:index", expect=CONSULT),
    Route("consult:class_ledger", build=_class, expect=READ_A),
    Route("consult:class_ledger_carry", method="post", build=_class, expect=EDIT_A_POST),
    Route("consult:class_ledger_xlsx", build=_class, expect=SENSITIVE_EXPORT_A),
    Route("consult:student_ledger", build=_student, expect=READ_A),
    # Printed forms (学生学情档案, 个案育人计划): the ledger's readers; the plan not the
    # subject teacher (privacy.READERS).
    Route("consult:student_file", build=_student, expect=READ_A),
    Route("consult:education_plan", build=_student, expect=KEEP_A),
    Route(
        "consult:student_ledger",
        method="post",
        build=_ledger_post,
        expect=expect(
            REDIRECT, anonymous=LOGIN, office=403, outsider=404, psychologist=404, teacher=403
        ),
    ),
    Route("consult:observation_add", build=_student, expect=READ_A),
    Route("consult:observation_add", method="post", build=_observation_post, expect=WORK_A_POST),
    Route("consult:strategy_add", build=_student, expect=READ_A),
    Route("consult:strategy_add", method="post", build=_strategy_post, expect=WORK_A_POST),
    Route("consult:propose", build=_student, expect=KEEP_A),
    Route("consult:propose", method="post", build=_propose_post, expect=KEEP_A_POST),
    Route("consult:case_new", build=_student, expect=READ_A),
    Route("consult:case_new", method="post", build=_case_new_post, expect=WORK_A_POST),
    Route("consult:my_strategies", expect=CONSULT),
    Route("consult:strategy_detail", build=_strategy_call, expect=READ_A),
    Route("consult:strategy_follow_up", method="post", build=_follow_up_post, expect=WORK_A_POST),
    Route("consult:strategy_close", method="post", build=_close_post, expect=WORK_A_POST),
    Route(
        "consult:escalations",
        expect=expect(403, anonymous=LOGIN, grade_head=OK, principal=OK, academic=OK),
    ),
    Route(
        "consult:escalation_decide",
        method="post",
        build=_decide_post,
        expect=expect(
            404,
            anonymous=LOGIN,
            office=403,
            grade_head=REDIRECT,
            principal=REDIRECT,
            academic=REDIRECT,
        ),
    ),
    Route("consult:meeting_list", expect=CONSULT),
    Route("consult:meeting_new", build=_meeting_new, expect=KEEP_A),
    Route("consult:meeting_new", method="post", build=_meeting_new_post, expect=KEEP_A_POST),
    Route("consult:meeting_detail", build=_meeting_call, expect=READ_A),
    Route("consult:meeting_xlsx", build=_meeting_call, expect=READ_A),
    Route("consult:cadence", expect=LEADERS),
    Route("consult:review", expect=SCHOOL_WIDE),
    Route("consult:review", method="post", build=_review_post, expect=SCHOOL_WIDE_POST),
    Route(
        "consult:review_class_leader",
        method="post",
        build=lambda school: Call(
            kwargs={"class_pk": school.class_a.pk}, data={"leader": school.academic.pk}
        ),
        expect=SCHOOL_WIDE_POST,
    ),
    Route("consult:leader", expect=CONSULT),
    Route("consult:case_list", expect=CONSULT),
    Route("consult:cases_xlsx", expect=SCHOOL_WIDE),
    Route("consult:case_detail", build=_case_call, expect=READ_A),
    Route(
        "consult:case_detail",
        method="post",
        build=_case_score_post,
        expect=expect(403, anonymous=LOGIN, outsider=404, psychologist=404, principal=REDIRECT),
    ),
    Route(
        "consult:case_edit",
        build=_case_call,
        expect=expect(403, anonymous=LOGIN, outsider=404, psychologist=404, homeroom=OK),
    ),
    Route(
        "consult:case_edit",
        method="post",
        build=_case_edit_post,
        expect=expect(403, anonymous=LOGIN, outsider=404, psychologist=404, homeroom=REDIRECT),
    ),
    Route("consult:scores", expect=LEADERS),
    Route("consult:plans", expect=LEADERS),
    Route("consult:plan_school", expect=SCHOOL_WIDE),
    Route("consult:plan_school", method="post", build=_plan_post, expect=SCHOOL_WIDE_POST),
    Route("consult:plan_grade", build=_grade7, expect=LEADERS),
    Route("consult:plan_grade", method="post", build=_plan_grade_post, expect=LEADERS_POST),
    Route("consult:summaries", expect=CONSULT),
    Route("consult:summary_detail", build=_summary_call, expect=READ_A),
    Route("consult:summary_school", expect=SCHOOL_WIDE),
    Route("consult:summary_school", method="post", build=_summary_post, expect=SCHOOL_WIDE_POST),
    Route("consult:summary_grade", build=_grade7, expect=LEADERS),
    Route("consult:summary_grade", method="post", build=_summary_grade_post, expect=LEADERS_POST),
    Route("consult:summary_class", build=_class, expect=EDIT_A),
    Route("consult:summary_class", method="post", build=_summary_class_post, expect=EDIT_A_POST),
    Route("consult:class_activities", build=_class, expect=READ_A),
    Route("consult:activity_new", build=_activity_new, expect=EDIT_A),
    Route("consult:activity_new", method="post", build=_activity_new_post, expect=EDIT_A_POST),
    Route("consult:activity_detail", build=_activity_call, expect=READ_A),
    Route("consult:activity_edit", build=_activity_call, expect=EDIT_A),
    Route("consult:activity_edit", method="post", build=_activity_edit_post, expect=EDIT_A_POST),
    Route(
        "consult:activity_photo_add",
        method="post",
        build=_photo_post,
        expect=EDIT_A_POST,
        uploads=True,
    ),
    Route("consult:activity_photo", build=_photo_call, expect=READ_A),
    Route("consult:scores_xlsx", expect=LEADERS),
]


def _saved(obj):
    obj.save()
    return obj


def _settings_with_history() -> ConsultSettings:
    """The row migration 0007 made, saved once so that it has a history to open."""
    settings = ConsultSettings.get()
    settings.save()
    return settings


ADMIN_OBJECTS = {
    "consult.consultsettings": lambda school: _settings_with_history(),
    "consult.casejudge": lambda school: CaseJudge.objects.create(
        term=school.term, staff=school.academic
    ),
    "consult.ledgerprofile": lambda school: _saved(
        LedgerProfile(student=school.student_a, term=school.term, **FULL)
    ),
    "consult.observation": lambda school: Observation.objects.create(
        student=school.student_a,
        date=dt.date(2026, 11, 20),
        method="observe",
        content="课堂主动发言",
        author=school.homeroom,
    ),
    "consult.meeting": _meeting,
    "consult.meetingstudent": lambda school: _meeting(school).discussed.get(),
    "consult.followup": lambda school: FollowUp.objects.create(
        strategy=_strategy(school),
        date=dt.date(2026, 11, 20),
        done="谈心",
        result="improved",
        author=school.homeroom,
    ),
    "consult.strategy": _strategy,
    "consult.escalation": _escalation,
    "consult.leaderassignment": lambda school: LeaderAssignment.objects.create(
        student=school.student_a, leader=school.principal, term=school.term, assigned_on=TODAY
    ),
    "consult.case": _case,
    "consult.casescore": lambda school: CaseScore.objects.create(
        case=_case(school), judge=school.principal, score=90
    ),
    "consult.classactivity": _activity,
    "consult.activityphoto": lambda school: _photo(school),
    "consult.termplan": lambda school: TermPlan.objects.create(
        term=school.term, goals="会商全覆盖", schedule="每周五级部会商", updated_by=school.academic
    ),
    "consult.termsummary": lambda school: TermSummary.objects.create(
        term=school.term, level="school", text="本学期学情会商总结", updated_by=school.academic
    ),
    "consult.classleaderassignment": lambda school: ClassLeaderAssignment.objects.create(
        school_class=school.class_a,
        leader=school.principal,
        term=school.term,
        assigned_on=dt.date(2026, 11, 2),
    ),
}

# The settings are one row: once it exists, nobody adds another.
ADMIN_OVERRIDES: dict = {"admin:consult_consultsettings_add": {"academic": 403}}


def _meeting_edit_post(school) -> Call:
    return Call(
        kwargs={"pk": _meeting(school).pk},
        data={
            "kind": "regular",
            "date": "2026-11-17",
            "chair": school.homeroom.pk,
            "attendees": [school.homeroom.pk],
            "topic": "本周学情",
            "preparation": "汇总作业",
            "analysis": "两极分化",
            "strategies": "分层作业",
            "summary": "下周复查",
        },
    )


def _meeting_students_post(school) -> Call:
    meeting = _meeting(school)
    row = meeting.discussed.get()
    return Call(
        kwargs={"pk": meeting.pk},
        data={
            "students-TOTAL_FORMS": "1",
            "students-INITIAL_FORMS": "1",
            "students-MIN_NUM_FORMS": "0",
            "students-MAX_NUM_FORMS": "80",
            "students-0-row": row.pk,
            "students-0-analysis": "作业拖欠，上课走神",
            "students-0-decision": "每天检查",
        },
    )


# A meeting's record is its chair's (the homeroom teacher here): the grade head and the
# principal's office, who may record meetings of the class, do not edit this one (403).
CHAIR_A = expect(403, anonymous=LOGIN, outsider=404, psychologist=404, homeroom=OK)
CHAIR_A_POST = expect(403, anonymous=LOGIN, outsider=404, psychologist=404, homeroom=REDIRECT)

ROUTES += [
    Route("consult:meeting_students", build=_meeting_call, expect=CHAIR_A),
    Route(
        "consult:meeting_students", method="post", build=_meeting_students_post, expect=CHAIR_A_POST
    ),
    Route("consult:meeting_edit", build=_meeting_call, expect=CHAIR_A),
    Route("consult:meeting_edit", method="post", build=_meeting_edit_post, expect=CHAIR_A_POST),
]

ROUTES.append(Route("consult:class_observations", build=_class, expect=READ_A))


# Questionnaires (学情征询问卷). A class questionnaire of class_a made by its homeroom teacher:
# its readers are those who keep class_a (homeroom, grade head, the principal's office); a
# subject teacher, office staff and the psychology teacher have no questionnaires (403). The
# answer page is public on purpose (no login): its token is the key.


def _questionnaire(school):
    import datetime as _dt

    from django.utils import timezone

    from consult import services

    questionnaire = services.create_questionnaire(
        by=school.homeroom,
        term=school.term,
        title="家庭学习情况",
        audience="parents",
        reach="class",
        school_class=school.class_a,
        deadline=timezone.now() + _dt.timedelta(days=7),
        questions=[
            services.QuestionData("single", "每天在家学习多长时间？", ["不到1小时", "1到2小时"]),
            services.QuestionData("text", "希望老师提供哪些帮助？", [], required=False),
        ],
    )
    single, text = questionnaire.questions.order_by("order")
    services.submit_answers(
        questionnaire.links.get(), {str(single.pk): 0, str(text.pk): "希望多和家长沟通"}
    )
    return questionnaire


def _questionnaire_call(school) -> Call:
    return Call(kwargs={"pk": _questionnaire(school).pk})


def _questionnaire_new_post(school) -> Call:
    return Call(
        data={
            "title": "作业量调查",
            "audience": "parents",
            "reach": "class",
            "school_class": school.class_a.pk,
            "deadline": "2026-12-20T18:00",
            "questions-TOTAL_FORMS": "1",
            "questions-INITIAL_FORMS": "0",
            "questions-0-kind": "single",
            "questions-0-text": "作业量如何？",
            "questions-0-choices": "偏多\n适中\n偏少",
            "questions-0-required": "on",
        }
    )


def _questionnaire_issue_post(school) -> Call:
    return Call(
        kwargs={"pk": _questionnaire(school).pk},
        query={"grade": school.grade7.pk},  # the grade's page shows the form
        data={"grade": school.grade7.pk, "text": "家长反映作业量偏大"},
    )


def _answer_call(school) -> Call:
    questionnaire = _questionnaire(school)
    return Call(kwargs={"token": questionnaire.links.get().token})


def _answer_post(school) -> Call:
    questionnaire = _questionnaire(school)
    single, text = questionnaire.questions.order_by("order")
    return Call(
        kwargs={"token": questionnaire.links.get().token},
        data={f"q{single.pk}": "1", f"q{text.pk}": "希望多和家长沟通"},
    )


QUESTIONNAIRES = expect(OK, anonymous=LOGIN, teacher=403, office=403, psychologist=403)
QUESTIONNAIRE_A = expect(
    OK, anonymous=LOGIN, teacher=403, office=403, psychologist=403, outsider=404
)
PUBLIC = expect(OK)

ROUTES += [
    Route("consult:questionnaire_list", expect=QUESTIONNAIRES),
    Route("consult:questionnaire_new", expect=QUESTIONNAIRES),
    Route(
        "consult:questionnaire_new",
        method="post",
        build=_questionnaire_new_post,
        # The outsider does not keep class_a: the form refuses the class (200, nothing saved).
        expect=expect(
            REDIRECT, anonymous=LOGIN, teacher=403, office=403, psychologist=403, outsider=OK
        ),
    ),
    Route("consult:questionnaire_detail", build=_questionnaire_call, expect=QUESTIONNAIRE_A),
    Route(
        "consult:questionnaire_close",
        method="post",
        build=_questionnaire_call,
        # Whoever made it (the homeroom teacher) and the principal's office close it.
        expect=expect(
            403,
            anonymous=LOGIN,
            outsider=404,
            homeroom=REDIRECT,
            principal=REDIRECT,
            academic=REDIRECT,
        ),
    ),
    Route("consult:questionnaire_results", build=_questionnaire_call, expect=QUESTIONNAIRE_A),
    Route(
        "consult:questionnaire_results",
        method="post",
        build=_questionnaire_issue_post,
        # A grade's common problems: its grade head and the principal's office.
        expect=expect(
            403,
            anonymous=LOGIN,
            outsider=404,
            homeroom=404,
            grade_head=REDIRECT,
            principal=REDIRECT,
            academic=REDIRECT,
        ),
    ),
    Route("consult:questionnaire_slips", build=_questionnaire_call, expect=QUESTIONNAIRE_A),
    Route("consult:questionnaire_xlsx", build=_questionnaire_call, expect=QUESTIONNAIRE_A),
    # Public on purpose: a parent answers without an account.
    Route("consult:questionnaire_answer", build=_answer_call, expect=PUBLIC),
    Route(
        "consult:questionnaire_answer",
        method="post",
        build=_answer_post,
        expect=expect(REDIRECT),
    ),
]
