"""The students of a meeting: picked by 学籍号 or name (no roster-sized select), and edited
after the meeting by its chair with their history kept."""

import datetime as dt

from django.urls import reverse

import pytest

from consult import services
from consult.models import Escalation, Level, Meeting, MeetingStudent, Strategy
from schoolops.models import Gender, Student

from .helpers import add_students, meeting

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"consult:{name}", args=args)


def meeting_data(rows, total=None, **extra):
    data = {
        "kind": Meeting.Kind.REGULAR,
        "date": "2026-11-20",
        "topic": "本周学情",
        "preparation": "汇总",
        "analysis": "分析",
        "strategies": "对策",
        "summary": "总结",
        "students-TOTAL_FORMS": str(total or max(len(rows), 1)),
        "students-INITIAL_FORMS": "0",
        "students-MIN_NUM_FORMS": "0",
        "students-MAX_NUM_FORMS": "60",
        **extra,
    }
    for i, (student, analysis) in enumerate(rows):
        data[f"students-{i}-student"] = student
        data[f"students-{i}-analysis"] = analysis
    return data


def class_meeting(client, school, rows):
    data = meeting_data(rows, chair=school.homeroom.pk)
    return client.post(url("meeting_new") + f"?level=class&class={school.class_a.pk}", data)


# Picking the student.


def test_the_class_meeting_form_offers_the_class_in_a_datalist_not_a_select(school, login, today):
    response = login(school.homeroom).get(
        url("meeting_new") + f"?level=class&class={school.class_a.pk}"
    )
    html = response.text
    assert 'list="discussed-students"' in html
    assert '<select name="students-0-student"' not in html
    assert f'<option value="{school.student_a.student_no} {school.student_a.name}">' in html
    assert school.student_b.name not in html  # class B is not offered


def test_a_student_is_found_by_number_by_name_or_by_both(school, login, today):
    [second, third] = add_students(school.class_a, 2)
    client = login(school.homeroom)
    response = class_meeting(
        client,
        school,
        [
            (school.student_a.student_no, "作业拖欠"),
            (second.name, "上课走神"),
            (f"{third.student_no} {third.name}", "不敢发言"),
        ],
    )
    assert response.status_code == 302, response.text[-2000:]
    assert set(Meeting.objects.get().discussed.values_list("student", flat=True)) == {
        school.student_a.pk,
        second.pk,
        third.pk,
    }


def test_an_unknown_or_out_of_scope_student_gets_a_clear_error(school, login, today):
    client = login(school.homeroom)
    for typed in ("不存在的人", school.student_b.name, school.student_b.student_no):
        response = class_meeting(client, school, [(typed, "作业拖欠")])
        assert response.status_code == 200
        [error] = response.context["formset"].forms[0].errors["student"]
        assert typed in error
    assert not Meeting.objects.exists()


def test_two_students_of_one_name_need_the_number(school, login, today):
    twin = Student.objects.create(
        student_no="0702601099",
        name=school.student_a.name,
        gender=Gender.MALE,
        school_class=school.class_a,
    )
    client = login(school.homeroom)
    response = class_meeting(client, school, [(school.student_a.name, "作业拖欠")])
    assert response.status_code == 200
    assert not Meeting.objects.exists()
    assert response.context["formset"].forms[0].errors["student"]
    response = class_meeting(client, school, [(twin.student_no, "作业拖欠")])
    assert response.status_code == 302
    assert Meeting.objects.get().discussed.get().student == twin


def test_an_analysis_without_a_student_is_refused(school, login, today):
    client = login(school.homeroom)
    response = class_meeting(client, school, [("", "作业拖欠")])
    assert response.status_code == 200
    assert not Meeting.objects.exists()


def test_the_grade_meeting_form_is_small_whatever_the_grade(
    school, login, today, django_assert_max_num_queries
):
    services.propose_manually(school.student_a, school.homeroom, "四周无改善", today)
    client = login(school.grade_head)
    target = url("meeting_new") + f"?level=grade&grade={school.grade7.pk}"
    with django_assert_max_num_queries(40) as small:
        small_page = client.get(target)
    add_students(school.class_a, 200)
    add_students(school.class_b, 200, start=500)
    with django_assert_max_num_queries(len(small.captured_queries)):
        large_page = client.get(target)
    # The datalist holds the agenda, not the grade: the page does not grow with the grade.
    assert len(large_page.content) == len(small_page.content)
    assert f'value="{school.student_a.student_no} {school.student_a.name}"' in large_page.text


def test_the_class_meeting_form_and_the_editor_do_not_grow_with_the_class(
    school, login, today, django_assert_max_num_queries
):
    m = meeting(school, dt.date(2026, 11, 17), students=[school.student_a])
    client = login(school.homeroom)
    targets = [
        url("meeting_new") + f"?level=class&class={school.class_a.pk}",
        url("meeting_students", m.pk),
    ]
    budgets = []
    for target in targets:
        with django_assert_max_num_queries(40) as small:
            assert client.get(target).status_code == 200
        budgets.append(len(small.captured_queries))
    add_students(school.class_a, 40)
    for target, budget in zip(targets, budgets, strict=True):
        with django_assert_max_num_queries(budget):
            page = client.get(target)
        assert page.text.count("<option value=") >= 41


def test_the_grade_meeting_takes_any_student_of_the_grade_and_keeps_its_agenda(
    school, login, today
):
    services.propose_manually(school.student_a, school.homeroom, "四周无改善", today)
    client = login(school.grade_head)
    target = url("meeting_new") + f"?level=grade&grade={school.grade7.pk}"
    agenda = client.get(target).context["formset"]
    data = meeting_data(
        [
            (agenda.initial[0]["student"], agenda.initial[0]["analysis"]),
            (school.student_b.name, "x"),
        ],
        chair=school.grade_head.pk,
    )
    data["students-INITIAL_FORMS"] = "1"
    [other_grade] = add_students(school.class_c, 1)
    assert (
        client.post(target, {**data, "students-1-student": other_grade.student_no}).status_code
        == 200
    )
    response = client.post(target, data)
    assert response.status_code == 302
    assert set(Meeting.objects.get().discussed.values_list("student", flat=True)) == {
        school.student_a.pk,
        school.student_b.pk,
    }


def test_the_school_meeting_offers_its_agenda(school, login, today):
    proposal = services.propose_manually(school.student_a, school.homeroom, "无改善", today)
    services.decide_escalation(proposal, school.grade_head, take=True)
    services.propose_manually(school.student_a, school.grade_head, "级部无效", today)
    response = login(school.principal).get(url("meeting_new") + "?level=school")
    assert response.context["formset"].initial[0]["analysis"] == "级部无效"
    assert [s.pk for s in response.context["suggestions"]] == [school.student_a.pk]
    assert Escalation.objects.filter(to_level=Level.SCHOOL).exists()


# Editing the students after the meeting.


def edit_data(rows, new=()):
    """rows: (MeetingStudent, analysis, decision, remove); new: (typed student, analysis, decision)."""
    data = {
        "students-TOTAL_FORMS": str(len(rows) + len(new)),
        "students-INITIAL_FORMS": str(len(rows)),
        "students-MIN_NUM_FORMS": "0",
        "students-MAX_NUM_FORMS": "80",
    }
    for i, (row, analysis, decision, remove) in enumerate(rows):
        data[f"students-{i}-row"] = row.pk
        data[f"students-{i}-analysis"] = analysis
        data[f"students-{i}-decision"] = decision
        if remove:
            data[f"students-{i}-remove"] = "on"
    for j, (typed, analysis, decision) in enumerate(new, start=len(rows)):
        data[f"students-{j}-student"] = typed
        data[f"students-{j}-analysis"] = analysis
        data[f"students-{j}-decision"] = decision
    return data


def test_the_chair_edits_the_students_with_history(school, login, today):
    [second, third] = add_students(school.class_a, 2)
    m = meeting(school, dt.date(2026, 11, 17), students=[school.student_a, second])
    row_a, row_second = m.discussed.order_by("student__student_no")
    client = login(school.homeroom)
    page = client.get(url("meeting_students", m.pk))
    assert page.status_code == 200 and school.student_a.name in page.text
    response = client.post(
        url("meeting_students", m.pk),
        edit_data(
            [
                (row_a, "作业拖欠，家长反映玩手机", "每天检查作业", False),
                (row_second, "x", "", True),
            ],
            new=[(third.name, "不敢发言", "")],
        ),
    )
    assert response.status_code == 302, response.text[-2000:]
    assert set(m.discussed.values_list("student", flat=True)) == {school.student_a.pk, third.pk}
    row_a.refresh_from_db()
    assert (row_a.analysis, row_a.decision) == ("作业拖欠，家长反映玩手机", "每天检查作业")
    # A decision written for the first time opens its strategy.
    [strategy] = Strategy.objects.all()
    assert (strategy.student, strategy.meeting, strategy.action) == (
        school.student_a,
        m,
        "每天检查作业",
    )
    # Nothing is lost: who changed and who removed which row, and when.
    changed = row_a.history.order_by("-history_id").first()
    assert (changed.history_type, changed.history_user) == ("~", school.homeroom.user)
    removed = MeetingStudent.history.filter(id=row_second.pk).order_by("-history_id").first()
    assert (removed.history_type, removed.history_user, removed.student_id) == (
        "-",
        school.homeroom.user,
        second.pk,
    )
    added = MeetingStudent.history.get(student_id=third.pk)
    assert (added.history_type, added.history_user) == ("+", school.homeroom.user)


def test_a_student_whose_strategy_was_opened_stays_on_the_record(school, login, today):
    m = meeting(school, dt.date(2026, 11, 17), students=[school.student_a])
    row = m.discussed.get()
    client = login(school.homeroom)
    client.post(url("meeting_students", m.pk), edit_data([(row, "作业拖欠", "每天检查", False)]))
    assert Strategy.objects.count() == 1
    # The strategy follows a changed decision while it has no follow-up.
    client.post(
        url("meeting_students", m.pk), edit_data([(row, "作业拖欠", "每天两次检查", False)])
    )
    assert Strategy.objects.get().action == "每天两次检查"
    response = client.post(
        url("meeting_students", m.pk), edit_data([(row, "作业拖欠", "每天两次检查", True)])
    )
    assert response.status_code == 200
    assert m.discussed.count() == 1


def test_an_edit_cannot_add_a_student_twice_or_from_another_class(school, login, today):
    m = meeting(school, dt.date(2026, 11, 17), students=[school.student_a])
    row = m.discussed.get()
    client = login(school.homeroom)
    for typed in (school.student_a.student_no, school.student_b.student_no):
        response = client.post(
            url("meeting_students", m.pk),
            edit_data([(row, "作业拖欠", "", False)], new=[(typed, "又一次", "")]),
        )
        assert response.status_code == 200
    assert m.discussed.count() == 1


def test_who_may_edit_the_students(school, login, today):
    m = meeting(school, dt.date(2026, 11, 17), students=[school.student_a])
    assert login(school.teacher).get(url("meeting_students", m.pk)).status_code == 403
    assert login(school.outsider).get(url("meeting_students", m.pk)).status_code == 404
    assert login(school.office).get(url("meeting_students", m.pk)).status_code == 403
    school_meeting = meeting(
        school, dt.date(2026, 11, 18), level=Level.SCHOOL, chair=school.principal
    )
    # The academic office organises the school meetings.
    assert login(school.academic).get(url("meeting_students", school_meeting.pk)).status_code == 200
    assert login(school.grade_head).get(url("meeting_students", school_meeting.pk)).status_code in (
        403,
        404,
    )
