"""A mentor's monthly summary of their talks, the term's honour list and the mentors'
training and checks (issue 15, section 4; seed 003: 每月总结谈话情况记录汇总一次, 对成绩显著者
给予表扬与奖励, 定期培训与检查)."""

import datetime as dt

from django.urls import reverse

import pytest

from mentors import selectors, services
from mentors.models import Honour, MentorCheck, MentorSummary, TalkLog, TrainingSession
from schoolops.models import Post
from tests.conftest import make_staff
from tests.mentors.conftest import add_students, pair
from tests.mentors.test_grade_pages import _grow_school

pytestmark = pytest.mark.django_db

NOVEMBER = dt.date(2026, 11, 1)


def _talk(pairing, day, topic, content, follow_up=""):
    return TalkLog.objects.create(
        pairing=pairing, date=day, topic=topic, content=content, follow_up=follow_up
    )


@pytest.fixture
def two_mentees(school, mentoring):
    """李老师 mentors 张小明 and a second student of class_a; talks in October and November."""
    a = pair(school, school.student_a, school.teacher)
    b = pair(school, mentoring.students[1], school.teacher)
    _talk(a, dt.date(2026, 11, 2), "期中考试", "分析数学失分原因", "每天订正错题")
    _talk(a, dt.date(2026, 11, 9), "作业习惯", "作业拖拉，约定晚上八点前完成")
    _talk(a, dt.date(2026, 10, 12), "适应新班级", "十月的谈心")
    return a, b


# The monthly summary.


def test_the_draft_covers_each_mentee_of_the_month(school, mentoring, two_mentees, today):
    a, b = two_mentees
    pairings = selectors.month_pairings(school.teacher.pk, NOVEMBER)
    assert {p.pk for p in pairings} == {a.pk, b.pk}
    draft = selectors.draft_mentor_summary(pairings, NOVEMBER)
    assert "2026-11" in draft
    assert "张小明" in draft and mentoring.students[1].name in draft
    assert "11-02" in draft and "11-09" in draft  # the dates of the talks
    assert "期中考试" in draft and "分析数学失分原因" in draft  # the topic, what was found
    assert "每天订正错题" in draft  # what was agreed
    assert "十月的谈心" not in draft  # another month's talk
    # The second mentee had no talk: said, not left out.
    assert draft.count(mentoring.students[1].name) == 1


def test_a_mentor_files_one_summary_a_month(school, mentoring, two_mentees, login, today):
    mentor = login(school.teacher)
    url = reverse("mentors:my_summary", args=[2026, 11])
    response = mentor.get(url)
    assert response.status_code == 200
    assert "分析数学失分原因" in response.text  # prefilled on the server from the talks
    form = response.context["form"]
    data = {
        "text": "本月与两名学生谈心两次，张小明数学有进步",
        "submission_token": form["submission_token"].value(),
    }
    assert mentor.post(url, data).status_code == 302
    summary = MentorSummary.objects.get()
    assert (summary.mentor, summary.month) == (school.teacher, NOVEMBER)
    # Corrected, not doubled: one per mentor per month; the per-mentee notes stay separate.
    again = mentor.get(url)
    assert "张小明数学有进步" in again.text
    data = {
        "text": "修改后的总结",
        "submission_token": again.context["form"]["submission_token"].value(),
    }
    assert mentor.post(url, data).status_code == 302
    assert MentorSummary.objects.get().text == "修改后的总结"
    # The list of the term's months: November filed, October still to write.
    page = mentor.get(reverse("mentors:my_summaries"))
    rows = dict(page.context["rows"])
    assert rows[NOVEMBER].text == "修改后的总结"
    assert rows[dt.date(2026, 10, 1)] is None
    assert dt.date(2026, 12, 1) not in rows  # not begun
    # A month not begun, or without mentees, is a 404.
    assert mentor.get(reverse("mentors:my_summary", args=[2026, 12])).status_code == 404
    assert mentor.get(reverse("mentors:my_summary", args=[2026, 8])).status_code == 404


def test_an_empty_summary_is_refused_with_a_message(school, mentoring, two_mentees, login, today):
    mentor = login(school.teacher)
    response = mentor.post(reverse("mentors:my_summary", args=[2026, 11]), {"text": "  "})
    assert response.status_code == 200
    assert not MentorSummary.objects.exists()


def test_who_reads_a_mentors_summary(school, mentoring, two_mentees, login, today, client):
    summary = services.file_mentor_summary(school.teacher, NOVEMBER, "十一月谈话汇总")
    url = reverse("mentors:summary_detail", args=[summary.pk])
    assert client.get(url).status_code == 302  # anonymous → login
    for staff in (school.teacher, school.academic, school.principal, school.grade_head):
        response = login(staff).get(url)
        assert response.status_code == 200, staff.name
        assert "十一月谈话汇总" in response.text
    # Another teacher (even the mentees' homeroom teacher), office staff: it does not exist.
    for staff in (school.outsider, school.homeroom, school.office, school.psychologist):
        assert login(staff).get(url).status_code == 404, staff.name
    # A grade head of another grade does not read it.
    head8 = make_staff("T1200", "八年级主任", [Post.GRADE_HEAD, Post.SUBJECT_TEACHER])
    school.grade8.head = head8
    school.grade8.save()
    assert login(head8).get(url).status_code == 404
    # A teacher writes only their own: another teacher without mentees gets a 404.
    assert (
        login(school.outsider).get(reverse("mentors:my_summary", args=[2026, 11])).status_code
        == 404
    )


def test_the_grade_page_lists_filed_and_missing_summaries(
    school, mentoring, two_mentees, login, today
):
    pair(school, mentoring.students[2], mentoring.english)
    services.file_mentor_summary(school.teacher, NOVEMBER, "十一月谈话汇总")
    url = reverse("mentors:summaries")
    for staff in (school.teacher, school.homeroom, school.office):
        assert login(staff).get(url).status_code == 403
    response = login(school.academic).get(url, {"month": "2026-11"})
    assert response.status_code == 200
    rows = {m.pk: s for m, s in response.context["rows"]}
    assert rows[school.teacher.pk].text == "十一月谈话汇总"
    assert rows[mentoring.english.pk] is None
    assert response.context["filed"] == 1
    assert response.context["mentors"] == 2
    assert "2026-11：2名导师中已有1名提交汇总。" in response.text
    assert f"grade={school.grade7.pk}&amp;month=2026-11" in response.text  # tabs keep the month
    # Last month's by default (today is in November); a month outside the term is a 404.
    assert login(school.grade_head).get(url).context["month"] == dt.date(2026, 10, 1)
    assert login(school.academic).get(url, {"month": "2027-03"}).status_code == 404


def test_the_home_page_asks_for_last_months_summary(
    school,
    mentoring,
    two_mentees,
    login,
    today,
    django_assert_num_queries,
    django_assert_max_num_queries,
):
    mentor = login(school.teacher)
    url = reverse("mentors:my_summary", args=[2026, 10])
    mentor.get("/")  # the day's first page runs the once-a-day checks
    with django_assert_max_num_queries(20) as due:
        assert url in mentor.get("/").text
    services.file_mentor_summary(school.teacher, dt.date(2026, 10, 1), "十月谈话汇总")
    # Read with the mentees' figures: filing it costs the home page no query either way.
    with django_assert_num_queries(len(due.captured_queries)):
        assert url not in mentor.get("/").text


def test_summary_pages_keep_their_query_count(
    school, mentoring, two_mentees, login, today, django_assert_max_num_queries
):
    services.file_mentor_summary(school.teacher, NOVEMBER, "十一月")
    office = login(school.academic)
    url = reverse("mentors:summaries")
    with django_assert_max_num_queries(20) as small:
        assert office.get(url, {"month": "2026-11"}).status_code == 200
    _grow_school(school, 8, grade=school.grade7)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = office.get(url, {"month": "2026-11"})
    assert len(response.context["rows"]) == 9
    mentor = login(school.teacher)
    for name, args in (("my_summaries", []), ("my_summary", [2026, 11])):
        with django_assert_max_num_queries(20):
            assert mentor.get(reverse(f"mentors:{name}", args=args)).status_code == 200


# The honour list.


def test_the_academic_office_names_mentors_and_mentees(
    school, mentoring, two_mentees, login, today
):
    a, _b = two_mentees
    office = login(school.academic)
    url = reverse("mentors:honours")
    page = office.get(url)
    token = page.context["form"]["submission_token"].value()
    data = {
        "kind": "mentor",
        "mentor": school.teacher.pk,
        "reason": "谈心记录详实",
        "submission_token": token,
    }
    assert office.post(url, data).status_code == 302
    page = office.get(url)
    token = page.context["form"]["submission_token"].value()
    data = {
        "kind": "mentee",
        "student": "张小明",
        "reason": "数学进步显著",
        "submission_token": token,
    }
    assert office.post(url, data).status_code == 302
    honours = list(Honour.objects.order_by("pk"))
    assert honours[0].mentor == school.teacher and honours[1].pairing == a
    # Not twice in a term; an unknown student said so; nothing written.
    again = office.post(url, {"kind": "mentor", "mentor": school.teacher.pk, "reason": "再次"})
    assert again.status_code == 200 and Honour.objects.count() == 2
    unknown = office.post(url, {"kind": "mentee", "student": "无此人", "reason": "进步"})
    assert unknown.status_code == 200 and Honour.objects.count() == 2
    # Listed and printable, for the grade pages' readers; teachers 403.
    for staff in (school.principal, school.grade_head):
        listing = login(staff).get(url)
        assert listing.status_code == 200 and listing.context["form"] is None
        printed = login(staff).get(reverse("mentors:honours_print"))
        assert "谈心记录详实" in printed.text and "数学进步显著" in printed.text
        assert "张小明" in printed.text and school.teacher.name in printed.text
    assert login(school.grade_head).post(url, {"kind": "mentor"}).status_code == 403
    for staff in (school.teacher, school.homeroom, school.office):
        assert login(staff).get(reverse("mentors:honours_print")).status_code == 403


# Training and checks.


def test_training_attendance_and_findings(school, mentoring, two_mentees, login, today):
    pair(school, mentoring.students[2], mentoring.english)
    office = login(school.academic)
    url = reverse("mentors:trainings")
    page = office.get(url)
    token = page.context["form"]["submission_token"].value()
    data = {
        "date": "2026-11-16",
        "kind": "expert",
        "content": "专家报告：如何与青春期学生谈心",
        "attendees": [school.teacher.pk],
        "submission_token": token,
    }
    response = office.post(url, data)
    session = TrainingSession.objects.get()
    assert response["Location"] == reverse("mentors:training_detail", args=[session.pk])
    assert list(session.attendees.all()) == [school.teacher]
    # A date outside the term is refused with a message.
    bad = office.post(url, {**data, "date": "2027-03-01", "submission_token": ""})
    assert bad.status_code == 200 and TrainingSession.objects.count() == 1
    detail = reverse("mentors:training_detail", args=[session.pk])
    for mentor, findings in ((school.teacher, "谈心记录完整"), (mentoring.english, "家长联系偏少")):
        token = office.get(detail).context["form"]["submission_token"].value()
        data = {"mentor": mentor.pk, "findings": findings, "submission_token": token}
        assert office.post(detail, data).status_code == 302
    assert MentorCheck.objects.count() == 2
    # A mentor sees their own attendance and findings, not another's.
    mine = login(school.teacher).get(reverse("mentors:my_trainings"))
    [row] = mine.context["sessions"]
    assert row.attended and row.my_check.findings == "谈心记录完整"
    assert "家长联系偏少" not in mine.text
    theirs = login(mentoring.english).get(reverse("mentors:my_trainings"))
    [row] = theirs.context["sessions"]
    assert not row.attended and row.my_check.findings == "家长联系偏少"
    # The grade pages' readers see the session; teachers get a 403; nobody but the office writes.
    assert login(school.grade_head).get(detail).status_code == 200
    assert login(school.principal).get(detail).context["form"] is None
    for staff in (school.teacher, school.homeroom, school.office):
        assert login(staff).get(detail).status_code == 403
        assert login(staff).get(url).status_code == 403
    assert login(school.principal).post(detail, {"mentor": school.teacher.pk}).status_code == 403


def test_a_grade_head_reads_the_checks_of_their_grades_mentors(
    school, mentoring, two_mentees, login, today
):
    mentor8 = make_staff("T1101", "周老师", [Post.SUBJECT_TEACHER])
    pair(school, add_students(school.class_c, 1, prefix="08")[0], mentor8, rank=None)
    session = services.record_training(school.term, dt.date(2026, 11, 16), "check", "期中检查", [])
    services.record_check(session, school.teacher, "七年级：记录完整")
    services.record_check(session, mentor8, "八年级：需补记录")
    detail = reverse("mentors:training_detail", args=[session.pk])
    shown = login(school.grade_head).get(detail)
    assert "七年级：记录完整" in shown.text and "八年级：需补记录" not in shown.text
    everything = login(school.academic).get(detail)
    assert "八年级：需补记录" in everything.text


def test_training_pages_keep_their_query_count(
    school, mentoring, two_mentees, login, today, django_assert_max_num_queries
):
    session = services.record_training(
        school.term, dt.date(2026, 11, 16), "seminar", "研讨会", [school.teacher]
    )
    services.record_check(session, school.teacher, "良好")
    services.name_honour(school.term, "认真", mentor=school.teacher)
    office = login(school.academic)
    pages = [
        reverse("mentors:trainings"),
        reverse("mentors:training_detail", args=[session.pk]),
        reverse("mentors:honours"),
        reverse("mentors:honours_print"),
    ]
    small = []
    for url in pages:
        with django_assert_max_num_queries(20) as counted:
            assert office.get(url).status_code == 200
        small.append(len(counted.captured_queries))
    _grow_school(school, 8)
    for mentor in selectors.term_mentors(school.term)[:6]:
        services.record_check(session, mentor, "良好")
        session.attendees.add(mentor)
    for url, count in zip(pages, small, strict=True):
        with django_assert_max_num_queries(count):
            assert office.get(url).status_code == 200
    with django_assert_max_num_queries(20):
        assert login(school.teacher).get(reverse("mentors:my_trainings")).status_code == 200
