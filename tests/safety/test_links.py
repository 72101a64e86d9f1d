"""A link is shown only where its target answers the viewer (issue 11, defect 10).

Reproduced before: the psychology teacher's student page linked to the student's class
(``/classes/1/``) and to the meetings the student was discussed at (``/consult/meetings/122/``),
her ledger page to the class ledger, and a strategy's page to its meeting, all of which answered
her 404; a subject teacher's grade meeting record linked to the strategies of students of
classes they do not teach (404); the admin linked office staff and the principal's office to the
logins' admin (a superuser's: 403) from a staff record, its history and its login field.

Each page below is read as its viewer, every link on it is followed, and none may answer 403 or
404 (``tests/safety/test_walk.py`` does the same for every page of the demo school).
"""

import datetime as dt

from django.test import Client
from django.urls import reverse

import pytest

from consult.models import Attention, Level
from tests.consult.helpers import ledger, meeting, strategy
from tests.safety.test_walk import read, same_origin

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 11, 20)


def links_of(client: Client, url: str) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200, url
    page = read(response.content.decode())
    found = [same_origin(url, href) for href in page.links]
    return [link for link in found if link and not link.startswith(("/static/", "/i18n/"))]


def refused_links(client: Client, url: str) -> list[str]:
    refused = []
    for link in links_of(client, url):
        status = client.get(link).status_code
        if status in (403, 404):
            refused.append(f"{status} {link}")
    return refused


def test_the_psychology_teacher_is_linked_only_to_pages_she_may_open(school, login, today):
    ledger(school.student_a, school.term, categories=[Attention.PSYCHOLOGICAL], plan="每周疏导")
    class_meeting = meeting(school, DAY, students=[school.student_a])
    s = strategy(school, school.student_a, DAY, meeting=class_meeting)
    client = login(school.psychologist)
    student_page = reverse("schoolops:student_detail", args=[school.student_a.pk])
    ledger_page = reverse("consult:student_ledger", args=[school.student_a.pk])
    strategy_page = reverse("consult:strategy_detail", args=[s.pk])

    for page in (student_page, ledger_page, strategy_page):
        assert not refused_links(client, page), page
    shown = links_of(client, student_page) + links_of(client, strategy_page)
    assert reverse("schoolops:class_detail", args=[school.class_a.pk]) not in shown
    assert reverse("consult:meeting_detail", args=[class_meeting.pk]) not in shown
    assert strategy_page in shown  # what she may open stays linked
    # The homeroom teacher, who may open the class and the meeting, keeps the links.
    keeper = login(school.homeroom)
    assert reverse("consult:meeting_detail", args=[class_meeting.pk]) in links_of(
        keeper, student_page
    )
    assert reverse("schoolops:class_detail", args=[school.class_a.pk]) in links_of(
        keeper, student_page
    )


def test_a_meeting_record_links_only_the_strategies_its_reader_may_open(school, login, today):
    grade_meeting = meeting(
        school,
        DAY,
        level=Level.GRADE,
        chair=school.grade_head,
        students=[school.student_a, school.student_b],
    )
    own = strategy(school, school.student_a, DAY, level=Level.GRADE, meeting=grade_meeting)
    other = strategy(school, school.student_b, DAY, level=Level.GRADE, meeting=grade_meeting)
    page = reverse("consult:meeting_detail", args=[grade_meeting.pk])
    client = login(school.homeroom)  # teaches class A only; attends the grade's meetings

    assert not refused_links(client, page)
    shown = links_of(client, page)
    assert reverse("consult:strategy_detail", args=[own.pk]) in shown
    assert reverse("consult:strategy_detail", args=[other.pk]) not in shown
    assert "每天放学前检查作业" in client.get(page).text  # still listed, unlinked
    head = login(school.grade_head)
    assert reverse("consult:strategy_detail", args=[other.pk]) in links_of(head, page)


@pytest.mark.parametrize("post", ["office", "academic"])
def test_the_admin_links_a_login_only_for_whoever_may_open_the_logins(school, login, post):
    client = login(getattr(school, post))
    staff = school.homeroom
    pages = [
        reverse("admin:schoolops_staff_change", args=[staff.pk]),
        reverse("admin:schoolops_staff_history", args=[staff.pk]),
    ]
    if post == "office":
        pages.append(reverse("admin:schoolops_staff_add"))
    for page in pages:
        assert not [link for link in links_of(client, page) if "/admin/auth/user/" in link], page
        # The staff record's own links (the sidebar's are the walk's to follow).
        refused = [r for r in refused_links(client, page) if "/admin/schoolops/staff/" in r]
        assert not refused, page
    assert staff.user.get_username() in client.get(pages[0]).text  # the login, as text
