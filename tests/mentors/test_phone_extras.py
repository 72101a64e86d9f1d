"""Issue 14, phone: a mentor reads their current mentees' guardian phones (tap-to-call), 微信
is a contact method, and the mentee list filters 只看待谈心 and orders by what is due."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

import pytest

from mentors import services
from mentors.models import ParentContact, TalkLog
from schoolops.models import ReadLog
from schoolops.privacy import Category
from tests.mentors.conftest import add_students, pair

pytestmark = pytest.mark.django_db

LANDLINE = "0571-88000008转123"


@pytest.fixture
def mentees(school, mentoring):
    """刘老师 (english) mentors student_a and students[2]; 李老师 (teacher) mentors students[1],
    whose guardian has a landline with an extension."""
    other = mentoring.students[1]
    other.guardian_phone = LANDLINE
    other.save()
    third = mentoring.students[2]
    third.guardian_phone = "13900000003"
    third.save()
    return {
        "mine": pair(school, school.student_a, mentoring.english),
        "third": pair(school, third, mentoring.english),
        "theirs": pair(school, other, school.teacher),
    }


def guardian_reads(staff, student):
    return ReadLog.objects.filter(
        user=staff.user, student=student, categories__contains=Category.GUARDIAN
    ).count()


def test_the_mentor_reads_their_mentees_guardian_phone_on_the_list_as_a_tel_link(
    school, mentoring, mentees, login, today
):
    client = login(mentoring.english)
    page = client.get(reverse("mentors:my_mentees")).text
    assert 'href="tel:13800000001"' in page
    assert 'href="tel:13900000003"' in page
    assert LANDLINE not in page and "88000008" not in page  # another mentor's mentee
    assert guardian_reads(mentoring.english, school.student_a) == 1
    assert guardian_reads(mentoring.english, mentoring.students[1]) == 0


def test_the_mentor_reads_the_phone_on_the_mentee_page_and_the_parent_contact_form(
    school, mentoring, mentees, login, today
):
    client = login(mentoring.english)
    for name in ("pairing_detail", "pairing_contact"):
        page = client.get(reverse(f"mentors:{name}", args=[mentees["mine"].pk])).text
        assert 'href="tel:13800000001"' in page, name
    assert guardian_reads(mentoring.english, school.student_a) == 2
    # The student's own page (the roster panel) too, as a link.
    page = client.get(reverse("schoolops:student_detail", args=[school.student_a.pk])).text
    assert 'href="tel:13800000001"' in page


def test_not_another_students_phone(school, mentoring, mentees, login, today):
    """刘老师 teaches the class but does not mentor students[1]: no phone, no read."""
    client = login(mentoring.english)
    other = mentoring.students[1]
    page = client.get(reverse("schoolops:student_detail", args=[other.pk])).text
    assert "88000008" not in page and 'id="guardian-phone"' not in page
    theirs = reverse("mentors:pairing_detail", args=[mentees["theirs"].pk])
    assert client.get(theirs).status_code == 404
    assert guardian_reads(mentoring.english, other) == 0


def test_a_landline_with_an_extension_dials_the_extension_after_a_pause(
    school, mentoring, mentees, login, today
):
    page = login(school.teacher).get(reverse("mentors:my_mentees")).text
    assert 'href="tel:057188000008,123"' in page
    assert LANDLINE in page  # shown as written


def test_not_after_the_pairing_ended(school, mentoring, mentees, login, today):
    services.end_pairing(mentees["mine"], "failed", note="换导师")
    client = login(mentoring.english)
    page = client.get(reverse("mentors:my_mentees")).text
    assert "13800000001" not in page
    assert 'href="tel:13900000003"' in page  # the other mentee still
    student_page = client.get(reverse("schoolops:student_detail", args=[school.student_a.pk]))
    assert "13800000001" not in student_page.text  # still taught, no longer mentored
    assert guardian_reads(mentoring.english, school.student_a) == 0


def test_the_homeroom_teacher_still_reads_it_and_a_subject_teacher_does_not(
    school, mentoring, mentees, login, today
):
    url = reverse("schoolops:class_detail", args=[school.class_a.pk])
    assert 'href="tel:057188000008,123"' in login(school.homeroom).get(url).text
    assert "88000008" not in login(school.teacher).get(url).text


def test_wechat_is_a_contact_method(school, mentoring, mentees, login, today):
    client = login(mentoring.english)
    url = reverse("mentors:pairing_contact", args=[mentees["mine"].pk])
    form = client.get(url)
    assert 'value="wechat"' in form.text and "微信" in form.text
    response = client.post(
        url, {"date": "2026-11-20", "method": "wechat", "content": "微信沟通了本周的学习情况。"}
    )
    assert response.status_code == 302
    contact = ParentContact.objects.get(pairing=mentees["mine"])
    assert contact.method == ParentContact.Method.WECHAT
    assert contact.get_method_display() == "微信"


# The mentee list's filter and order.


def test_only_those_due_a_talk_and_what_is_due_first(school, mentoring, mentees, login, today):
    monday = today - dt.timedelta(days=today.weekday())
    TalkLog.objects.create(pairing=mentees["third"], date=monday, topic="学习", content="谈心")
    client = login(mentoring.english)
    url = reverse("mentors:my_mentees")
    names = lambda response: [p.student.name for p in response.context["pairings"]]  # noqa: E731
    mine, third = school.student_a.name, mentees["third"].student.name
    assert names(client.get(url)) == [third, mine]  # by grade, class and student number
    assert names(client.get(url, {"order": "due"})) == [mine, third]  # a talk due first
    only = client.get(url, {"only": "talk_due"})
    assert names(only) == [mine]
    assert 'name="only" value="talk_due" id="only-talk-due" checked' in only.text
    # Unknown values are ignored: the whole list, by class.
    for query in ({"only": "x"}, {"order": "'; drop"}, {"order": ["due", "x"], "only": ""}):
        response = client.get(url, query)
        assert response.status_code == 200
    assert names(client.get(url, {"order": "nonsense", "only": "x"})) == [third, mine]


def test_the_mentee_list_keeps_a_fixed_query_count(
    school, mentoring, login, today, django_assert_max_num_queries
):
    def mentee_page(query):
        client = login(mentoring.english)
        with django_assert_max_num_queries(12):
            response = client.get(reverse("mentors:my_mentees"), query)
        assert response.status_code == 200
        return response

    pair(school, school.student_a, mentoring.english)
    small = mentee_page({"order": "due"})
    assert len(small.context["pairings"]) == 1
    for student in add_students(school.class_a, 8, start=300):
        student.guardian_phone = "13700000000"
        student.save()
        pair(school, student, mentoring.english)
    large = mentee_page({"order": "due", "only": "talk_due"})
    assert len(large.context["pairings"]) == 9
