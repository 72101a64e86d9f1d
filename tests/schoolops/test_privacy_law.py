"""Minors' data as the law requires (个人信息保护法, 未成年人学校保护规定, 未成年人网络保护条例).

Every read of sensitive data is logged and reviewed by the principal's office; records are
kept no longer than the school's retention setting (``purge_expired``); a guardian can have
everything held on their child; the principal's office sees who can see a student and why.
"""

from __future__ import annotations

import datetime as dt
import io

from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

import pytest
import time_machine
from openpyxl import load_workbook

from consult.models import (
    Attention,
    Case,
    FollowUp,
    LeaderAssignment,
    LedgerProfile,
    Observation,
    Strategy,
)
from groups.models import Membership, StudyGroup
from mentors.models import MentoringPlan, Pairing, ParentContact, TalkLog
from schoolops.models import (
    Gender,
    GuardianRequest,
    PurgeRecord,
    ReadLog,
    School,
    Student,
)
from schoolops.privacy import Category
from schoolops.retention import history_model
from tests.consult.helpers import follow_up, ledger, meeting, observation, strategy

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 23)


def reads(**filters):
    return list(
        ReadLog.objects.filter(**filters)
        .order_by("student_id", "what", "categories")
        .values_list("user", "student", "what", "categories")
    )


def add_student(school_class, student_no, name, **fields) -> Student:
    return Student.objects.create(
        student_no=student_no,
        name=name,
        gender=Gender.FEMALE,
        school_class=school_class,
        guardian_name="家长" + name,
        guardian_phone="139" + student_no[-8:],
        **fields,
    )


def pairing(school, student, mentor=None) -> Pairing:
    return Pairing.objects.create(
        student=student,
        mentor=mentor or school.teacher,
        academic_year=school.year,
        school_class=student.school_class,
        choice_rank=1,
        started_on=dt.date(2026, 9, 7),
    )


def mentee_file(school, student, words: str) -> Pairing:
    """A pairing with a plan, a talk and a parent contact whose texts contain ``words``."""
    p = pairing(school, student)
    MentoringPlan.objects.create(pairing=p, study=f"{words}的学习计划")
    TalkLog.objects.create(
        pairing=p, date=dt.date(2026, 11, 2), topic="学习", content=f"{words}的谈话"
    )
    ParentContact.objects.create(
        pairing=p, date=dt.date(2026, 11, 3), method="phone", content=f"{words}的家长联系"
    )
    return p


def group_member(school, student, goal: str) -> Membership:
    group, _created = StudyGroup.objects.get_or_create(
        term=school.term, school_class=student.school_class, number=1, defaults={"name": "飞翔组"}
    )
    return Membership.objects.create(group=group, student=student, goal_short=goal)


# Every read of sensitive data is logged.


def test_a_sensitive_page_read_is_logged_with_who_which_student_page_and_parts(
    school, login, today
):
    ledger(school.student_a, school.term)
    client = login(school.homeroom)

    client.get(reverse("consult:student_ledger", args=[school.student_a.pk]))
    client.get(reverse("schoolops:student_detail", args=[school.student_a.pk]))

    user = school.homeroom.user_id
    student = school.student_a.pk
    assert reads() == [
        (user, student, "consult:student_ledger", "ledger"),
        (user, student, "schoolops:student_detail", "consult,ledger"),  # the timeline
        (user, student, "schoolops:student_detail", "guardian"),  # the roster panel
    ]
    entry = ReadLog.objects.filter(what="consult:student_ledger").get()
    assert entry.at == timezone.now()
    assert entry.path == reverse("consult:student_ledger", args=[student])


def test_a_class_page_logs_one_row_per_student_shown_without_a_query_per_student(
    school, login, today, django_assert_max_num_queries
):
    """The class roster shows the guardians' phones to its homeroom teacher."""
    client = login(school.homeroom)
    url = reverse("schoolops:class_detail", args=[school.class_a.pk])
    with django_assert_max_num_queries(40) as small:
        client.get(url)
    assert reads() == [(school.homeroom.user_id, school.student_a.pk, url_name(url), "guardian")]
    for i in range(10):
        add_student(school.class_a, f"07026010{i + 10:02d}", f"学生{i}")
    ReadLog.objects.all().delete()
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(url)
    assert ReadLog.objects.filter(what="schoolops:class_detail").count() == 11


def url_name(url: str) -> str:
    from django.urls import resolve

    return resolve(url).view_name


def test_a_subject_teacher_reads_no_guardian_phone_and_no_phone_read_is_logged(
    school, login, today
):
    login(school.teacher).get(reverse("schoolops:class_detail", args=[school.class_a.pk]))
    assert not ReadLog.objects.filter(categories__contains="guardian").exists()


def test_an_export_with_sensitive_fields_is_logged(school, login, today):
    ledger(school.student_a, school.term)
    response = login(school.principal).get(
        reverse("consult:class_ledger_xlsx", args=[school.class_a.pk])
    )
    assert response.status_code == 200
    assert reads() == [
        (
            school.principal.user_id,
            school.student_a.pk,
            "consult:class_ledger_xlsx",
            "ledger,plan,psychological",
        )
    ]


def test_the_roster_export_with_guardian_phones_is_logged(school):
    from schoolops.sheets import engine

    engine.export_file("students", io.BytesIO(), user=school.principal.user)
    engine.export_file("students", io.BytesIO(), user=school.office.user)  # no phones in it
    assert reads() == [
        (school.principal.user_id, school.student_a.pk, "export:students", "guardian"),
        (school.principal.user_id, school.student_b.pk, "export:students", "guardian"),
    ]


def test_lists_of_records_log_the_students_they_show(school, login, today):
    """Observations, meetings with students discussed, strategies, cases, mentees' files."""
    observation(school, school.student_a, dt.date(2026, 11, 2))
    m = meeting(school, dt.date(2026, 11, 2), students=[school.student_a])
    s = strategy(school, school.student_a, dt.date(2026, 11, 2))
    p = mentee_file(school, school.student_a, "张小明")
    client = login(school.homeroom)
    for url in (
        reverse("consult:class_observations", args=[school.class_a.pk]),
        reverse("consult:meeting_detail", args=[m.pk]),
        reverse("consult:meeting_xlsx", args=[m.pk]),
        reverse("consult:strategy_detail", args=[s.pk]),
        reverse("consult:my_strategies"),
        reverse("mentors:pairing_detail", args=[p.pk]),
    ):
        assert client.get(url).status_code == 200, url
    assert {(what, categories) for _u, _s, what, categories in reads()} == {
        ("consult:class_observations", "consult"),
        ("consult:meeting_detail", "consult"),
        ("consult:meeting_xlsx", "consult"),
        ("consult:strategy_detail", "consult"),
        ("consult:my_strategies", "consult"),
        # The mentee page shows the guardian's phone to those who read it (issue 14): one
        # read of both.
        ("mentors:pairing_detail", "guardian,mentoring"),
    }
    assert {student for _u, student, _w, _c in reads()} == {school.student_a.pk}


def test_the_admin_logs_the_sensitive_records_it_shows(school, login, today):
    note = observation(school, school.student_a, dt.date(2026, 11, 2))
    p = mentee_file(school, school.student_b, "陈小红")
    client = login(school.principal)
    assert client.get(reverse("admin:consult_observation_changelist")).status_code == 200
    assert (
        client.get(reverse("admin:consult_observation_change", args=[note.pk])).status_code == 200
    )
    talk = TalkLog.objects.get(pairing=p)
    assert client.get(reverse("admin:mentors_talklog_history", args=[talk.pk])).status_code == 200
    # The students list shows no phone; the student's form does.
    assert client.get(reverse("admin:schoolops_student_changelist")).status_code == 200
    client.get(reverse("admin:schoolops_student_change", args=[school.student_a.pk]))
    user, a, b = school.principal.user_id, school.student_a.pk, school.student_b.pk
    assert [row[:3] for row in reads()] == [
        (user, a, "admin:consult_observation_change"),
        (user, a, "admin:consult_observation_changelist"),
        (user, a, "admin:schoolops_student_change"),
        (user, b, "admin:mentors_talklog_history"),
    ]
    # The admin logs the parts its page can show (the register's categories of the model).
    assert [row[3].split(",")[0] for row in reads()] == [
        "consult",
        "consult",
        "guardian",
        "mentoring",
    ]


def test_the_principals_office_reviews_the_log_by_person_student_day_and_page(school, login, today):
    old = timezone.now() - dt.timedelta(days=40)
    ReadLog.objects.create(
        user=school.homeroom.user,
        student=school.student_a,
        what="consult:student_ledger",
        categories="ledger",
        at=old,
    )
    ReadLog.objects.create(
        user=school.outsider.user,
        student=school.student_b,
        what="schoolops:class_detail",
        categories="guardian",
    )
    client = login(school.principal)
    url = reverse("schoolops:read_log")

    def shown(**query) -> list[str]:
        response = client.get(url, query)
        assert response.status_code == 200
        return [entry.what for entry, _who in response.context["entries"]]

    assert shown() == ["schoolops:class_detail", "consult:student_ledger"]
    assert shown(person="王老师") == ["consult:student_ledger"]
    assert shown(person="T1003") == ["schoolops:class_detail"]
    assert shown(student="陈小红") == ["schoolops:class_detail"]
    assert shown(student_id=str(school.student_a.pk)) == ["consult:student_ledger"]
    assert shown(since="2026-11-01") == ["schoolops:class_detail"]
    assert shown(until="2026-10-31") == ["consult:student_ledger"]
    assert shown(what="consult:") == ["consult:student_ledger"]
    # A malformed day is no filter.
    assert len(shown(since="2026-13-45")) == 2

    response = client.get(reverse("schoolops:read_log_xlsx"), {"person": "王老师"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 2  # the header and 王老师's read
    assert rows[1][1:6] == (
        "王老师",
        "0702601001",
        "张小明",
        "七年级(1)班",
        "consult:student_ledger",
    )


@pytest.mark.parametrize("actor", ["office", "homeroom", "grade_head", "psychologist"])
def test_office_staff_and_teachers_cannot_read_the_log(school, login, today, actor):
    client = login(getattr(school, actor))
    assert client.get(reverse("schoolops:read_log")).status_code == 403
    assert client.get(reverse("schoolops:read_log_xlsx")).status_code == 403


def test_office_staff_have_no_read_log_in_the_admin(school, login, today):
    school.office.user.is_staff = True
    school.office.user.save()
    client = login(school.office)
    assert client.get(reverse("admin:schoolops_readlog_changelist")).status_code == 403
    assert login(school.principal).get(
        reverse("admin:schoolops_readlog_changelist")
    ).status_code in (200, 302)


# Retention.


@pytest.fixture
def leavers(school, today):
    """A student who left four years ago (past the three-year retention) with a record in
    every app and its history, and one who left a year ago."""
    gone = add_student(
        school.class_c,
        "0802201001",
        "李旧生",
        birth_date=dt.date(2008, 5, 1),
        status=Student.Status.GRADUATED,
        left_on=dt.date(2022, 7, 31),
    )
    recent = add_student(
        school.class_c,
        "0802501001",
        "王近生",
        status=Student.Status.TRANSFERRED,
        left_on=dt.date(2025, 11, 1),
    )
    for student in (gone, recent):
        profile = ledger(student, school.term, categories=[Attention.PSYCHOLOGICAL], plan="疏导")
        profile.family_situation = "父母离异"
        profile.save()  # a second historical version
        observation(school, student, dt.date(2026, 9, 10), psych=True)
        s = strategy(school, student, dt.date(2026, 9, 10))
        follow_up(school, s, dt.date(2026, 9, 20))
        meeting(school, dt.date(2026, 9, 11), school_class=school.class_c, students=[student])
        LeaderAssignment.objects.create(
            student=student, leader=school.principal, term=school.term, assigned_on=TODAY
        )
        Case.objects.create(
            student=student,
            term=school.term,
            school_class=school.class_c,
            title="案例",
            situation="情况",
            strategy="措施",
            process="过程",
            result="结果",
            author=school.homeroom,
            created_on=TODAY,
        )
        mentee_file(school, student, student.name)
        group_member(school, student, f"{student.name}的目标")
        GuardianRequest.objects.create(
            student=student, kind=GuardianRequest.Kind.CORRECTION, asked="更正", requested_by="家长"
        )
    # An observation deleted long ago still has its historical rows.
    Observation.objects.filter(student=gone).first().delete()
    observation(school, gone, dt.date(2026, 9, 12))
    return gone, recent


def snapshot() -> dict:
    from django.apps import apps

    counts = {}
    for label in (
        "consult.LedgerProfile",
        "consult.Observation",
        "consult.Strategy",
        "consult.FollowUp",
        "consult.MeetingStudent",
        "consult.Case",
        "mentors.TalkLog",
        "mentors.ParentContact",
        "mentors.MentoringPlan",
    ):
        model = apps.get_model(label)
        counts[label] = model.objects.count()
        counts[label + " history"] = history_model(model).objects.count()
    counts["students"] = list(Student.objects.order_by("pk").values())
    counts["log"] = ReadLog.objects.count()
    counts["goals"] = list(Membership.objects.values_list("goal_short", flat=True))
    return counts


def test_purge_dry_run_changes_nothing_and_reports_counts(school, leavers):
    before = snapshot()
    out = io.StringIO()

    call_command("purge_expired", "--dry-run", stdout=out)

    assert snapshot() == before
    assert not PurgeRecord.objects.exists()
    text = out.getvalue()
    assert "consult.LedgerProfile: 1" in text
    assert "consult.LedgerProfile (history): 2" in text
    assert "consult.Observation: 1" in text
    assert "consult.Observation (history): 3" in text  # the live one, and the deleted one's two
    assert "mentors.TalkLog: 1" in text
    assert "schoolops.Student (anonymised): 1" in text


def test_purge_deletes_the_sensitive_records_and_their_history_of_students_past_retention(
    school, leavers
):
    gone, recent = leavers
    young = ReadLog.objects.create(
        student=gone,
        user=school.homeroom.user,
        what="consult:student_ledger",
        categories="ledger",
        at=timezone.now() - dt.timedelta(days=365 * 2),
    )
    ReadLog.objects.create(
        student=recent,
        user=school.homeroom.user,
        what="consult:student_ledger",
        categories="ledger",
        at=timezone.now() - dt.timedelta(days=365 * 3 + 30),
    )
    recent_before = Student.objects.filter(pk=recent.pk).values().get()

    call_command("purge_expired", stdout=io.StringIO())

    for model in (LedgerProfile, Observation, Strategy, Case):
        assert not model.objects.filter(student=gone).exists()
        assert not history_model(model).objects.filter(student_id=gone.pk).exists()
        assert model.objects.filter(student=recent).exists()
    assert not FollowUp.objects.filter(strategy__student=gone).exists()
    for model in (TalkLog, ParentContact, MentoringPlan):
        assert not model.objects.filter(pairing__student=gone).exists()
        assert not history_model(model).objects.filter(pairing__student=gone).exists()
        assert model.objects.filter(pairing__student=recent).exists()
    # The rest is anonymised: the student, the pairing and the group membership stay.
    gone.refresh_from_db()
    assert gone.name == f"已匿名{gone.pk}"
    assert gone.student_no == f"ANON-{gone.pk}"
    assert (gone.birth_date, gone.guardian_name, gone.guardian_phone) == (None, "", "")
    assert gone.anonymised_on == TODAY
    assert gone.gender == Gender.FEMALE and gone.school_class == school.class_c
    assert Pairing.objects.filter(student=gone).exists()
    assert Membership.objects.get(student=gone).goal_short == ""
    assert Membership.objects.get(student=recent).goal_short == "王近生的目标"
    assert GuardianRequest.objects.get(student=gone).requested_by == ""
    # Students within the retention are untouched.
    assert Student.objects.filter(pk=recent.pk).values().get() == recent_before
    # The read log: rows younger than three years stay, older ones go.
    assert list(ReadLog.objects.values_list("pk", flat=True)) == [young.pk]
    # The purge is recorded.
    record = PurgeRecord.objects.get()
    assert record.students == 1
    assert record.left_before == dt.date(2023, 11, 23)
    assert record.run_by.startswith("purge_expired")
    assert record.counts["consult.LedgerProfile"] == 1
    assert record.counts["schoolops.ReadLog"] == 1
    # A second run finds nothing more to do.
    call_command("purge_expired", stdout=io.StringIO())
    assert PurgeRecord.objects.order_by("-pk").first().students == 0


def test_the_retention_is_the_schools_setting(school, leavers):
    gone, _recent = leavers
    school_row = School.get()
    school_row.retention_years = 5
    school_row.save()
    call_command("purge_expired", stdout=io.StringIO())
    gone.refresh_from_db()
    assert gone.anonymised_on is None
    assert LedgerProfile.objects.filter(student=gone).exists()


def test_the_leaving_date_follows_the_status(school, today):
    student = school.student_a
    student.status = Student.Status.TRANSFERRED
    student.save(update_fields=["status"])
    student.refresh_from_db()
    assert student.left_on == TODAY
    student.status = Student.Status.IN_SCHOOL
    student.save()
    student.refresh_from_db()
    assert student.left_on is None


def test_the_rollover_dates_the_graduation(school):
    from schoolops.rollover import rollover

    senior = add_student(school.class_c, "0802501001", "毕业生")
    with time_machine.travel(dt.datetime(2027, 7, 15, 9, 0, tzinfo=dt.UTC), tick=False):
        rollover()
    senior.refresh_from_db()
    assert senior.status == Student.Status.GRADUATED
    assert senior.left_on == school.year.end_date


# A guardian's request: everything held on one student.


def test_the_guardians_export_has_every_apps_part_and_nothing_of_another_student(
    school, login, today
):
    for student, words in ((school.student_a, "张小明"), (school.student_b, "陈小红")):
        ledger(student, school.term, strengths=f"{words}的优点")
        observation(school, student, dt.date(2026, 11, 2))
        mentee_file(school, student, words)
        group_member(school, student, f"{words}的目标")
    GuardianRequest.objects.create(
        student=school.student_a, kind=GuardianRequest.Kind.ACCESS, asked="查阅全部记录"
    )
    client = login(school.principal)

    page = client.get(reverse("schoolops:student_records", args=[school.student_a.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    for expected in (
        "张小明的优点",  # consult
        "张小明的谈话",  # mentors
        "张小明的目标",  # groups
        "13800000001",  # the roster
        "查阅全部记录",
    ):
        assert expected in text
    assert "陈小红" not in text and "13800000002" not in text

    response = client.get(reverse("schoolops:student_records_xlsx", args=[school.student_a.pk]))
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    cells = " ".join(
        str(value)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for value in row
        if value is not None
    )
    for expected in ("张小明的优点", "张小明的谈话", "张小明的目标", "13800000001"):
        assert expected in cells
    assert "陈小红" not in cells
    assert len(book.worksheets) == 4  # the roster, groups, consultation, mentors
    # Both reads are logged, with every part of the record.
    everything = ",".join(sorted(Category.values))
    assert reads() == [
        (school.principal.user_id, school.student_a.pk, "schoolops:student_records", everything),
        (
            school.principal.user_id,
            school.student_a.pk,
            "schoolops:student_records_xlsx",
            everything,
        ),
    ]


def test_only_the_principals_office_opens_everything_held(school, login, today):
    url = reverse("schoolops:student_records", args=[school.student_a.pk])
    assert login(school.homeroom).get(url).status_code == 403
    assert login(school.office).get(url).status_code == 403
    assert login(school.academic).get(url).status_code == 200


# Who can see this student.


def test_who_can_see_names_each_relation_and_its_people(school, login, today):
    pairing(school, school.student_a)
    LeaderAssignment.objects.create(
        student=school.student_a, leader=school.principal, term=school.term, assigned_on=TODAY
    )
    response = login(school.principal).get(
        reverse("schoolops:student_detail", args=[school.student_a.pk])
    )
    readers = {r.relation: r for r in response.context["panels"][-1][1]["readers"]}
    assert readers["homeroom"].people == ["王老师"]
    assert readers["teacher"].people == ["王老师（语文）", "李老师（数学）"]
    assert readers["grade_head"].people == ["孙主任"]
    assert readers["mentor"].people == ["李老师"]
    assert readers["leader"].people == ["周校长"]
    assert readers["school"].people == ["周校长（校长）", "吴老师（教导处）"]
    # No psychological flag: the psychology teacher does not reach the student.
    assert "psychology" not in readers
    # What each relation reads comes from the register.
    assert readers["mentor"].categories == ["guardian", "ledger", "mentoring"]
    assert "guardian" not in readers["teacher"].categories
    assert "who-can-see" in response.content.decode()


def test_the_psychology_teacher_is_named_once_the_student_is_flagged(school, login, today):
    ledger(school.student_a, school.term, categories=[Attention.PSYCHOLOGICAL])
    response = login(school.principal).get(
        reverse("schoolops:student_detail", args=[school.student_a.pk])
    )
    readers = {r.relation: r for r in response.context["panels"][-1][1]["readers"]}
    assert readers["psychology"].people == ["冯老师"]


@pytest.mark.parametrize("actor", ["homeroom", "grade_head", "teacher"])
def test_who_can_see_is_shown_to_the_principals_office_only(school, login, today, actor):
    response = login(getattr(school, actor)).get(
        reverse("schoolops:student_detail", args=[school.student_a.pk])
    )
    assert response.status_code == 200
    assert "who-can-see" not in response.content.decode()
    assert "privacy" not in [panel.key for panel, _ctx in response.context["panels"]]


def test_guardians_requests_are_listed_on_the_student_page_for_the_principals_office(
    school, login, today
):
    GuardianRequest.objects.create(
        student=school.student_a,
        kind=GuardianRequest.Kind.CORRECTION,
        asked="出生日期有误",
        outcome="已更正",
        decided_by=school.academic,
        decided_on=TODAY,
    )
    url = reverse("schoolops:student_detail", args=[school.student_a.pk])
    assert "出生日期有误" in login(school.principal).get(url).content.decode()
    assert "出生日期有误" not in login(school.homeroom).get(url).content.decode()


def test_the_student_page_runs_a_fixed_number_of_queries(
    school, login, today, django_assert_num_queries
):
    """The principal's student page, every panel shown, with a mentor, a leader, requests."""
    client = login(school.principal)
    url = reverse("schoolops:student_detail", args=[school.student_a.pk])
    client.get(url)  # warm the per-process caches (content types, the school row)

    def grow(n: int) -> None:
        for i in range(n):
            GuardianRequest.objects.create(
                student=school.student_a, kind=GuardianRequest.Kind.ACCESS, asked=f"请求{i}"
            )
            observation(school, school.student_a, dt.date(2026, 10, 1) + dt.timedelta(days=i))

    pairing(school, school.student_a)
    grow(1)
    # 29 queries: session and user (2); posts (1); the student (1); the roster panel: exam
    # results (1); the group panel (1); the consultation panel: term, settings (the
    # escalation rule), the ledger entry and its history, observations, meetings, strategies
    # (7); the mentor panel: pairing, talks (2); who can see: school-wide staff, homeroom
    # teacher, subject teachers, grade head, psychology teachers and whether they reach the
    # student (posts, term, classes, reach), mentors, leaders, case judges (12); the
    # guardians' requests (1); the panels' read-log rows, written together (1).
    with django_assert_num_queries(29):
        assert client.get(url).status_code == 200
    grow(5)
    with django_assert_num_queries(29):
        assert client.get(url).status_code == 200
