import datetime as dt

from django.urls import reverse

import pytest

from consult.models import (
    Attention,
    LeaderAssignment,
    LedgerProfile,
    Level,
    Meeting,
    Observation,
    Strategy,
)
from schoolops.models import ReadLog, Term

from .helpers import FULL, add_students, follow_up, ledger, meeting, observation, strategy

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"consult:{name}", args=args)


# Scope and privacy.


def test_anonymous_is_sent_to_login(client, school):
    for target in (
        url("index"),
        url("class_ledger", school.class_a.pk),
        url("student_ledger", school.student_a.pk),
        url("meeting_list"),
    ):
        response = client.get(target)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_subject_teacher_of_class_a_gets_404_for_class_b_ledger(school, login, today):
    client = login(school.homeroom)  # teaches class A only
    assert client.get(url("class_ledger", school.class_a.pk)).status_code == 200
    assert client.get(url("class_ledger", school.class_b.pk)).status_code == 404
    assert client.get(url("student_ledger", school.student_b.pk)).status_code == 404
    assert client.get(url("observation_add", school.student_b.pk)).status_code == 404


def test_office_staff_see_no_ledger(school, login, today):
    ledger(school.student_a, school.term)
    client = login(school.office)
    assert client.get(url("index")).status_code == 403
    assert client.get(url("class_ledger", school.class_a.pk)).status_code == 403
    assert client.get(url("student_ledger", school.student_a.pk)).status_code == 403
    page = client.get(reverse("schoolops:student_detail", args=[school.student_a.pk]))
    assert page.status_code == 200
    assert "panel-consult" not in page.text
    assert FULL["family_situation"] not in page.text


def test_subject_teacher_cannot_read_psychological_notes(school, login, today):
    observation(
        school, school.student_a, dt.date(2026, 11, 20), psych=True, author=school.psychologist
    )
    observation(school, school.student_a, dt.date(2026, 11, 19))
    student_page = reverse("schoolops:student_detail", args=[school.student_a.pk])
    teacher = login(school.teacher).get(student_page).text
    assert "课堂上主动举手" in teacher
    assert "心理测评显示焦虑" not in teacher
    for staff in (school.homeroom, school.psychologist, school.principal):
        assert "心理测评显示焦虑" in login(staff).get(student_page).text
    # The grade head sees the class but not the psychological notes.
    assert "心理测评显示焦虑" not in login(school.grade_head).get(student_page).text


def test_responsible_leader_sees_the_student_and_psychological_notes(school, login, today):
    observation(school, school.student_b, dt.date(2026, 11, 20), psych=True)
    student_page = reverse("schoolops:student_detail", args=[school.student_b.pk])
    assert (
        login(school.grade_head)
        .get(reverse("schoolops:student_detail", args=[school.student_a.pk]))
        .status_code
        == 200
    )
    # 李老师 teaches class B but is not its homeroom teacher.
    assert "心理测评显示焦虑" not in login(school.teacher).get(student_page).text
    LeaderAssignment.objects.create(
        student=school.student_b,
        leader=school.teacher,
        term=school.term,
        assigned_on=dt.date(2026, 11, 2),
    )
    assert "心理测评显示焦虑" in login(school.teacher).get(student_page).text


def test_psychology_teacher_sees_flagged_students_only(school, login, today):
    client = login(school.psychologist)
    assert client.get(url("student_ledger", school.student_a.pk)).status_code == 404
    ledger(school.student_a, school.term, categories=[Attention.PSYCHOLOGICAL], plan="每周疏导")
    assert client.get(url("student_ledger", school.student_a.pk)).status_code == 200
    assert client.get(url("student_ledger", school.student_b.pk)).status_code == 404


def test_opening_a_ledger_or_timeline_is_logged(school, login, today):
    client = login(school.teacher)
    client.get(url("student_ledger", school.student_a.pk))
    client.get(reverse("schoolops:student_detail", args=[school.student_a.pk]))
    reads = ReadLog.objects.values_list("user", "student", "what").order_by("what")
    assert list(reads) == [
        (school.teacher.user_id, school.student_a.pk, "consult:student_ledger"),
        (school.teacher.user_id, school.student_a.pk, "schoolops:student_detail"),
    ]
    assert login(school.principal).get(reverse("schoolops:read_log")).status_code == 200
    assert login(school.homeroom).get(reverse("schoolops:read_log")).status_code == 403


def test_sensitive_exports_need_the_principals_office(school, login, today):
    ledger(school.student_a, school.term)
    assert (
        login(school.homeroom).get(url("class_ledger_xlsx", school.class_a.pk)).status_code == 403
    )
    assert login(school.homeroom).get(url("cases_xlsx")).status_code == 403
    response = login(school.principal).get(url("class_ledger_xlsx", school.class_a.pk))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")


# The ledger.


def test_subject_teacher_reads_but_cannot_write_the_ledger(school, login, today):
    ledger(school.student_a, school.term)
    client = login(school.teacher)
    page = client.get(url("student_ledger", school.student_a.pk))
    assert FULL["interests"] in page.text and "<textarea" not in page.text
    assert client.post(url("student_ledger", school.student_a.pk), FULL).status_code == 403
    assert client.post(url("class_ledger_carry", school.class_a.pk)).status_code == 404


def test_homeroom_fills_a_ledger_entry_and_goes_to_the_next_missing(school, login, today):
    first, _second = add_students(school.class_a, 2)
    client = login(school.homeroom)
    response = client.post(url("student_ledger", school.student_a.pk), FULL)
    assert response.status_code == 302
    assert response["Location"] == url("student_ledger", first.pk)
    profile = LedgerProfile.objects.get(student=school.student_a, term=school.term)
    assert profile.complete and profile.updated_by == school.homeroom
    assert profile.history.count() == 1
    assert profile.history.first().history_user == school.homeroom.user


def test_special_attention_needs_a_plan(school, login, today):
    client = login(school.homeroom)
    data = {**FULL, "categories": [Attention.LEFT_BEHIND, Attention.POVERTY]}
    response = client.post(url("student_ledger", school.student_a.pk), data)
    assert response.status_code == 200
    assert not LedgerProfile.objects.exists()
    client.post(url("student_ledger", school.student_a.pk), {**data, "education_plan": "每周谈心"})
    profile = LedgerProfile.objects.get()
    assert profile.special_attention and not profile.psych_flag and profile.complete


def test_class_ledger_lists_what_is_missing(school, login, today):
    [empty] = add_students(school.class_a, 1)
    ledger(school.student_a, school.term, interests="")
    response = login(school.homeroom).get(url("class_ledger", school.class_a.pk))
    interests = str(LedgerProfile._meta.get_field("interests").verbose_name)
    rows = {row.student.pk: row for row in response.context["rows"]}
    assert rows[school.student_a.pk].missing == [interests]
    assert len(rows[empty.pk].missing) == 1 and rows[empty.pk].profile is None
    assert response.context["complete"] == 0
    assert interests in response.text
    # The grade head sees the class's completeness; the outsider does not see the class.
    assert login(school.grade_head).get(url("class_ledger", school.class_a.pk)).status_code == 200
    assert login(school.outsider).get(url("class_ledger", school.class_a.pk)).status_code == 404


def test_carry_forward_copies_last_terms_entries(school, login, today):
    import time_machine

    spring = Term.objects.get(number=Term.Number.SPRING)
    ledger(school.student_a, school.term, categories=[Attention.MIGRANT], plan="关注融入")
    with time_machine.travel(dt.datetime(2027, 3, 1, 9, 0, tzinfo=dt.UTC), tick=False):
        client = login(school.homeroom)
        client.post(url("class_ledger_carry", school.class_a.pk))
        copy = LedgerProfile.objects.get(term=spring)
        assert copy.categories == [Attention.MIGRANT] and copy.complete
        assert copy.history.count() == 1
        client.post(url("class_ledger_carry", school.class_a.pk))
        assert LedgerProfile.objects.filter(term=spring).count() == 1


def test_ledger_grid_query_count_does_not_grow(school, login, today, django_assert_max_num_queries):
    client = login(school.homeroom)
    target = url("class_ledger", school.class_a.pk)
    # One entry from the start: the page then logs its reads in one query, whatever the size.
    ledger(school.student_a, school.term)
    with django_assert_max_num_queries(20) as small:
        assert client.get(target).status_code == 200
    for student in add_students(school.class_a, 40):
        ledger(student, school.term, categories=[Attention.LEARNING], plan="分层作业")
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(target)
    assert response.text.count("ledger-row") >= 41


def test_timeline_query_count_does_not_grow(school, login, today, django_assert_max_num_queries):
    client = login(school.homeroom)
    target = reverse("schoolops:student_detail", args=[school.student_a.pk])
    with django_assert_max_num_queries(40) as small:
        assert client.get(target).status_code == 200
    ledger(school.student_a, school.term)
    for week in range(10):
        day = dt.date(2026, 9, 7) + dt.timedelta(days=7 * week)
        observation(school, school.student_a, day)
        m = meeting(school, day, students=[school.student_a])
        s = strategy(school, school.student_a, day, meeting=m)
        follow_up(school, s, day + dt.timedelta(days=2))
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(target)
    assert response.text.count("timeline-event") >= 40


# Meetings.


def test_meeting_list_query_count_does_not_grow(
    school, login, today, django_assert_max_num_queries
):
    client = login(school.homeroom)
    meeting(school, dt.date(2026, 9, 1), students=[school.student_a])
    with django_assert_max_num_queries(20) as small:
        assert client.get(url("meeting_list")).status_code == 200
    students = add_students(school.class_a, 5)
    for day in range(2, 40):
        meeting(school, dt.date(2026, 9, 1) + dt.timedelta(days=day), students=students)
    meeting(school, dt.date(2026, 9, 4), level=Level.GRADE, chair=school.grade_head)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(url("meeting_list"))
    assert response.text.count("/consult/meetings/") >= 30


def test_meeting_scope(school, login, today):
    mine = meeting(school, dt.date(2026, 11, 2), students=[school.student_a])
    other = meeting(
        school, dt.date(2026, 11, 2), school_class=school.class_b, chair=school.outsider
    )
    grade8 = meeting(
        school, dt.date(2026, 11, 6), level=Level.GRADE, grade=school.grade8, chair=school.principal
    )
    client = login(school.homeroom)
    assert client.get(url("meeting_detail", mine.pk)).status_code == 200
    assert client.get(url("meeting_detail", other.pk)).status_code == 404
    assert client.get(url("meeting_detail", grade8.pk)).status_code == 404
    assert client.get(url("meeting_xlsx", other.pk)).status_code == 404
    assert login(school.office).get(url("meeting_detail", mine.pk)).status_code == 403
    # A subject teacher may not record the class meeting (403); outside the class it is 404.
    teacher = login(school.teacher)
    assert (
        teacher.get(url("meeting_new") + f"?level=class&class={school.class_a.pk}").status_code
        == 403
    )
    assert (
        teacher.get(url("meeting_new") + f"?level=class&class={school.class_c.pk}").status_code
        == 404
    )
    assert teacher.get(url("meeting_new") + "?level=school").status_code == 403


def meeting_post(school, students):
    data = {
        "kind": Meeting.Kind.REGULAR,
        "date": "2026-11-23",
        "chair": school.homeroom.pk,
        "attendees": [school.homeroom.pk, school.teacher.pk],
        "topic": "期中考试后学情分析",
        "preparation": "各科教师汇总期中成绩",
        "analysis": "数学两极分化",
        "strategies": "分层作业，结对帮扶",
        "summary": "下周复查作业完成情况",
        "students-TOTAL_FORMS": "3",
        "students-INITIAL_FORMS": "0",
        "students-MIN_NUM_FORMS": "0",
        "students-MAX_NUM_FORMS": "60",
    }
    for i, (student, decision) in enumerate(students):
        data[f"students-{i}-student"] = student.student_no
        data[f"students-{i}-analysis"] = f"{student.name}作业拖欠"
        data[f"students-{i}-decision"] = decision
    return data


def test_homeroom_records_a_class_meeting_with_two_students(school, login, today):
    [other] = add_students(school.class_a, 1)
    client = login(school.homeroom)
    response = client.post(
        url("meeting_new") + f"?level=class&class={school.class_a.pk}",
        meeting_post(school, [(school.student_a, "每天检查作业"), (other, "")]),
    )
    assert response.status_code == 302, response.text[-3000:]
    m = Meeting.objects.get()
    assert (m.level, m.school_class, m.term) == (Level.CLASS, school.class_a, school.term)
    assert m.discussed.count() == 2
    assert set(m.attendees.all()) == {school.homeroom, school.teacher}
    [s] = Strategy.objects.all()
    assert (s.student, s.action, s.meeting, s.review_date) == (
        school.student_a,
        "每天检查作业",
        m,
        dt.date(2026, 12, 7),
    )
    page = client.get(url("meeting_detail", m.pk)).text
    assert "学情会商记录" in page and "每天检查作业" in page
    xlsx = client.get(url("meeting_xlsx", m.pk))
    assert xlsx.status_code == 200 and len(xlsx.content) > 1000


def test_meeting_rejects_a_student_of_another_class(school, login, today):
    client = login(school.homeroom)
    response = client.post(
        url("meeting_new") + f"?level=class&class={school.class_a.pk}",
        meeting_post(school, [(school.student_b, "x")]),
    )
    assert response.status_code == 200
    assert not Meeting.objects.exists()


def test_home_school_meeting_needs_the_parents(school, login, today):
    client = login(school.homeroom)
    data = meeting_post(school, [(school.student_a, "")])
    data["home_form"] = Meeting.HomeForm.HOME_VISIT
    target = url("meeting_new") + f"?level=home&class={school.class_a.pk}"
    assert client.post(target, data).status_code == 200
    assert not Meeting.objects.exists()
    data["parents"] = "张建国（父亲）"
    assert client.post(target, data).status_code == 302
    assert Meeting.objects.get().parents == "张建国（父亲）"


# Strategies, escalation, review.


def test_follow_up_and_close_through_the_pages(school, login, today):
    s = strategy(school, school.student_a, dt.date(2026, 11, 16))
    client = login(school.homeroom)
    client.post(
        url("strategy_follow_up", s.pk),
        {"date": "2026-11-23", "done": "谈心", "result": "improved"},
    )
    assert s.follow_ups.count() == 1
    response = client.post(
        url("strategy_follow_up", s.pk), {"date": "2026-12-23", "done": "x", "result": "worse"}
    )
    assert response.status_code == 302 and s.follow_ups.count() == 1
    client.post(url("strategy_close", s.pk), {"note": "作业按时完成"})
    s.refresh_from_db()
    assert s.status == Strategy.Status.SOLVED
    assert login(school.outsider).get(url("strategy_detail", s.pk)).status_code == 404


def test_grade_head_takes_over_a_proposed_student(school, login, today):
    from consult import services

    proposal = services.propose_manually(school.student_a, school.homeroom, "四周无进步", today)
    assert login(school.homeroom).get(url("escalations")).status_code == 403
    client = login(school.grade_head)
    assert school.student_a.name in client.get(url("escalations")).text
    client.post(url("escalation_decide", proposal.pk), {"decision": "take", "note": "级部会商"})
    proposal.refresh_from_db()
    assert proposal.status == "taken" and proposal.decided_by == school.grade_head


def test_monthly_review_assigns_a_responsible_leader(school, login, today):
    ledger(school.student_a, school.term, categories=[Attention.BEHAVIOUR], plan="每周谈话")
    assert login(school.homeroom).get(url("review")).status_code == 403
    client = login(school.principal)
    page = client.get(url("review"))
    assert school.student_a.name in page.text
    client.post(
        url("review"),
        {
            "leaders-TOTAL_FORMS": "1",
            "leaders-INITIAL_FORMS": "1",
            "leaders-0-student": school.student_a.pk,
            "leaders-0-leader": school.grade_head.pk,
        },
    )
    assignment = LeaderAssignment.objects.get()
    assert assignment.leader == school.grade_head and assignment.active
    assert school.student_a.name in login(school.grade_head).get(url("leader")).text


def test_pages_render_for_the_principals_office(school, login, today):
    ledger(school.student_a, school.term)
    meeting(school, dt.date(2026, 11, 2), students=[school.student_a])
    client = login(school.principal)
    for name in (
        "index",
        "meeting_list",
        "cadence",
        "scores",
        "case_list",
        "escalations",
        "review",
        "leader",
        "my_strategies",
    ):
        assert client.get(url(name)).status_code == 200, name
    assert client.get(url("scores") + "?month=2026-10").status_code == 200
    response = client.get(url("scores_xlsx"))
    assert response.status_code == 200
    assert client.get(url("meeting_new") + "?level=school").status_code == 200
    assert (
        client.get(url("meeting_new") + f"?level=grade&grade={school.grade7.pk}").status_code == 200
    )


def test_home_page_lists_consultation_todos(school, login, today):
    page = login(school.homeroom).get(reverse("home")).text
    assert "consult/classes/" in page  # the ledger to fill
    assert "level=class" in page  # this week's class meeting
    assert "level=grade" in login(school.grade_head).get(reverse("home")).text


def test_leader_home_page_lists_their_students(school, login, today):
    LeaderAssignment.objects.create(
        student=school.student_a,
        leader=school.principal,
        term=school.term,
        assigned_on=dt.date(2026, 10, 30),
    )
    observation(school, school.student_a, dt.date(2026, 11, 20))
    page = login(school.principal).get(reverse("home")).text
    assert school.student_a.name in page
    assert reverse("consult:leader") in page


def test_home_page_query_count_does_not_grow_with_leader_students(
    school, login, today, django_assert_max_num_queries
):
    client = login(school.principal)
    LeaderAssignment.objects.create(
        student=school.student_a, leader=school.principal, term=school.term, assigned_on=today
    )
    with django_assert_max_num_queries(60) as small:
        assert client.get(reverse("home")).status_code == 200
    for student in add_students(school.class_a, 20):
        LeaderAssignment.objects.create(
            student=student, leader=school.principal, term=school.term, assigned_on=today
        )
        observation(school, student, today)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(reverse("home")).status_code == 200


def test_the_agenda_page_runs_the_escalation_rule_by_itself(school, login, today):
    from consult.models import Escalation

    strategy(school, school.student_a, dt.date(2026, 10, 26))  # four teaching weeks ago
    client = login(school.grade_head)
    assert school.student_a.name in client.get(url("escalations")).text
    assert Escalation.objects.get().automatic
    assert client.post(url("escalations")).status_code == 405  # nothing to press any more
    assert login(school.homeroom).get(url("escalations")).status_code == 403


def test_consult_escalations_command(school, today):
    from django.core.management import call_command

    from consult.models import Escalation

    strategy(school, school.student_a, dt.date(2026, 10, 26))
    call_command("consult_escalations")
    call_command("consult_escalations")
    assert Escalation.objects.count() == 1


def test_psychology_teacher_lists_flagged_students(school, login, today):
    ledger(school.student_a, school.term, categories=[Attention.PSYCHOLOGICAL], plan="每两周疏导")
    observation(school, school.student_b, dt.date(2026, 11, 20), psych=True)
    page = login(school.psychologist).get(url("index")).text
    assert school.student_a.name in page and school.student_b.name in page
    assert "psych-students" not in login(school.homeroom).get(url("index")).text


def test_subject_teacher_cannot_write_a_psychological_note(school, login, today):
    client = login(school.teacher)
    assert (
        'name="psychological"' not in client.get(url("observation_add", school.student_a.pk)).text
    )
    client.post(
        url("observation_add", school.student_a.pk),
        {"date": "2026-11-20", "method": "talk", "content": "谈心", "psychological": "on"},
    )
    assert Observation.objects.get().psychological is False
    client = login(school.homeroom)
    assert 'name="psychological"' in client.get(url("observation_add", school.student_a.pk)).text


def test_meeting_record_xlsx_holds_the_four_parts_and_students(school, login, today):
    from io import BytesIO

    from openpyxl import load_workbook

    m = meeting(school, dt.date(2026, 11, 17), students=[school.student_a])
    response = login(school.homeroom).get(url("meeting_xlsx", m.pk))
    values = [
        cell
        for row in load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True)
        for cell in row
        if cell
    ]
    for part in ("收集学情", "分析", "对策", "总结", school.student_a.name, "作业拖欠"):
        assert part in values


def test_grade_meeting_form_lists_the_proposed_students(school, login, today):
    from consult import services

    services.propose_manually(school.student_a, school.homeroom, "四周无改善", today)
    response = login(school.grade_head).get(
        url("meeting_new") + f"?level=grade&grade={school.grade7.pk}"
    )
    first = response.context["formset"].forms[0]
    assert first.initial["student"] == f"{school.student_a.student_no} {school.student_a.name}"
    assert "四周无改善" in response.text


def test_ledger_page_shows_who_changed_which_fields(school, login, today):
    client = login(school.homeroom)
    client.post(url("student_ledger", school.student_a.pk), FULL)
    client.post(url("student_ledger", school.student_a.pk), {**FULL, "interests": "足球"})
    response = login(school.principal).get(url("student_ledger", school.student_a.pk))
    changes = response.context["changes"]
    assert [c["created"] for c in changes] == [False, True]
    assert changes[0]["who"] == school.homeroom.name
    assert changes[0]["fields"] == [str(LedgerProfile._meta.get_field("interests").verbose_name)]


def test_responsible_leader_may_follow_up_their_student(school, login, today):
    [grade8_student] = add_students(school.class_c, 1)  # outside the grade head's grade
    s = strategy(school, grade8_student, dt.date(2026, 11, 16))
    data = {"date": "2026-11-23", "done": "约谈", "result": "no_change"}
    assert login(school.grade_head).post(url("strategy_follow_up", s.pk), data).status_code == 404
    LeaderAssignment.objects.create(
        student=grade8_student, leader=school.grade_head, term=school.term, assigned_on=today
    )
    assert login(school.grade_head).post(url("strategy_follow_up", s.pk), data).status_code == 302
    assert s.follow_ups.count() == 1


def test_class_page_links_and_navigation(school, login, today):
    class_page = reverse("schoolops:class_detail", args=[school.class_a.pk])
    page = login(school.homeroom).get(class_page).text
    assert url("class_ledger", school.class_a.pk) in page
    assert "level=class" in page  # record a class meeting
    assert 'data-nav="consult"' in page
    teacher = login(school.teacher).get(class_page).text
    assert url("class_ledger", school.class_a.pk) in teacher and "level=class" not in teacher
    office = login(school.office).get(class_page).text
    assert "/consult/" not in office


def test_pages_work_in_english(school, client, login, today):
    from django.conf import settings

    ledger(school.student_a, school.term)
    client = login(school.principal)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(url("class_ledger", school.class_a.pk)).text
    assert "Ledger" in page and "1 of 1 complete" in page
    assert "Class consultation scores" in client.get(url("scores")).text
    assert (
        "Consultation timeline"
        in client.get(reverse("schoolops:student_detail", args=[school.student_a.pk])).text
    )


def test_chair_completes_the_meeting_record(school, login, today):
    m = meeting(school, dt.date(2026, 11, 17), complete=False)
    target = url("meeting_edit", m.pk)
    assert login(school.teacher).get(target).status_code == 403
    assert login(school.outsider).get(target).status_code == 404
    client = login(school.homeroom)
    assert client.get(target).status_code == 200
    data = {
        "kind": "regular",
        "date": "2026-11-17",
        "chair": school.homeroom.pk,
        "attendees": [school.homeroom.pk, school.teacher.pk],
        "topic": "本周学情",
        "preparation": "汇总作业",
        "analysis": "两极分化",
        "strategies": "分层作业",
        "summary": "下周复查",
    }
    assert client.post(target, {**data, "date": "2027-03-01"}).status_code == 200
    assert client.post(target, data).status_code == 302
    m.refresh_from_db()
    assert m.has_four_parts and m.attendees.count() == 2
    assert m.history.count() >= 2


def test_out_of_range_ids_are_refused_not_crashed(school, login, today):
    m = meeting(school, dt.date(2026, 11, 17))
    data = {
        "kind": "regular",
        "date": "2026-11-17",
        "chair": school.homeroom.pk,
        "attendees": "9223372036854775808",
        "topic": "本周学情",
    }
    client = login(school.homeroom)
    assert client.post(url("meeting_edit", m.pk), data).status_code == 200
    response = client.post(
        url("strategy_add", school.student_a.pk),
        {
            "problem": "p",
            "action": "a",
            "owner": school.homeroom.pk,
            "start_date": "2026-11-23",
            "review_date": "2026-12-07",
            "observations": "99999999999999999999",
        },
    )
    assert response.status_code == 200


def test_account_without_staff_profile_is_refused(school, client, today):
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.create_superuser("root", password="x-very-long-pass")
    client.force_login(admin)
    assert client.get(url("index")).status_code == 403
    assert (
        client.get(url("meeting_new") + f"?level=class&class={school.class_a.pk}").status_code
        == 403
    )


def test_class_observations_hide_psychological_notes_from_subject_teachers(
    school, login, today, django_assert_max_num_queries
):
    observation(school, school.student_a, dt.date(2026, 11, 20), psych=True)
    observation(school, school.student_a, dt.date(2026, 11, 19))
    target = url("class_observations", school.class_a.pk)
    assert "心理测评显示焦虑" not in login(school.teacher).get(target).text
    assert "心理测评显示焦虑" not in login(school.grade_head).get(target).text
    client = login(school.homeroom)
    with django_assert_max_num_queries(20) as small:
        page = client.get(target).text
    assert "心理测评显示焦虑" in page and "课堂上主动举手" in page
    for student in add_students(school.class_a, 30):
        observation(school, student, dt.date(2026, 11, 18), author=school.teacher)
    with django_assert_max_num_queries(len(small.captured_queries)):
        page = client.get(target + "?method=talk").text
    assert page.count('class="list-group-item observation"') == 32
    assert login(school.outsider).get(target).status_code == 404


def test_the_agenda_shows_25_proposals_a_page_in_a_fixed_number_of_queries(
    school, login, today, django_assert_max_num_queries
):
    from consult.models import Escalation, Level

    def propose(students):
        Escalation.objects.bulk_create(
            Escalation(
                student=student,
                term=school.term,
                from_level=Level.CLASS,
                to_level=Level.GRADE,
                reason="三次跟进无改善",
                proposed_on=today,
            )
            for student in students
        )

    client = login(school.grade_head)
    client.get(url("escalations"))  # the day's escalation check
    propose(add_students(school.class_a, 3))
    with django_assert_max_num_queries(20) as small:
        assert client.get(url("escalations")).status_code == 200
    propose(add_students(school.class_b, 40))
    with django_assert_max_num_queries(len(small.captured_queries)):
        first = client.get(url("escalations")).text
    assert first.count('value="take"') == 25
    second = client.get(url("escalations"), {"page": 2}).text
    assert second.count('value="take"') == 43 - 25


# One way to write a page (issue 13): the toolkit's rules on the consultation pages.


def test_without_a_term_the_consultation_pages_say_the_academic_office_has_not_set_it_up(
    school, login, today
):
    """They answered a bare 404 「尚未设置学期。」 before."""
    Term.objects.all().delete()
    for staff, page in [
        (school.homeroom, url("class_ledger", school.class_a.pk)),
        (school.homeroom, url("student_ledger", school.student_a.pk)),
        (school.principal, url("scores")),
        (school.principal, url("cadence")),
        (school.principal, url("review")),
        (school.principal, url("case_list")),
    ]:
        response = login(staff).get(page)
        assert response.status_code == 200, page
        assert "教导处尚未设置本学期" in response.text, page
    # The rules still come first: office staff learn nothing of the consultation pages.
    assert login(school.office).get(url("scores")).status_code == 403


def test_the_monthly_review_follows_the_grade_rule(school, login, today):
    """An unknown grade is a 404 (it fell back to the first grade before); a class chosen
    shows its grade's tab."""
    client = login(school.principal)
    assert client.get(url("review"), {"grade": "x"}).status_code == 404
    assert client.get(url("review"), {"grade": "99999"}).status_code == 404
    response = client.get(url("review"), {"class": school.class_c.pk})
    assert response.context["grade"] == school.grade8
    assert response.context["school_class"] == school.class_c
    tabs = response.context["tabs"]
    assert [t.grade for t in tabs if t.current] == [school.grade8]
    # The tabs go to a grade, not to the class chosen on another.
    assert all("class=" not in t.url for t in tabs)


def test_the_class_pages_share_one_sub_nav_marking_the_page_shown(school, login, today):
    client = login(school.homeroom)
    for name in ("class_ledger", "class_observations"):
        page = client.get(url(name, school.class_a.pk)).text
        assert 'id="class-nav"' in page
        assert f'aria-current="page" href="{url(name, school.class_a.pk)}"' in page
        assert page.count('aria-current="page"') == 1
    meetings = client.get(url("meeting_list"), {"class": school.class_a.pk}).text
    assert 'id="class-nav"' in meetings


def test_every_table_of_the_consultation_pages_has_a_caption_and_scoped_headers(
    school, login, today
):
    from html.parser import HTMLParser

    class Tables(HTMLParser):
        def __init__(self):
            super().__init__()
            self.tables, self.unscoped = [], []

        def handle_starttag(self, tag, attrs):
            if tag == "table":
                self.tables.append(False)
            elif tag == "caption" and self.tables:
                self.tables[-1] = True
            elif tag == "th" and "scope" not in dict(attrs):
                self.unscoped.append(self.getpos())

    ledger(school.student_a, school.term, special_attention=True, plan="每周谈心")
    record = meeting(school, dt.date(2026, 11, 2), students=[school.student_a])
    client = login(school.principal)
    pages = [
        url("cadence"),
        url("scores"),
        url("case_list"),
        url("escalations"),
        url("review"),
        url("meeting_detail", record.pk),
    ]
    for page in pages:
        parser = Tables()
        parser.feed(client.get(page).text)
        assert parser.tables and all(parser.tables), page
        assert parser.unscoped == [], page
