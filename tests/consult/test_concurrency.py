"""Three identical class-meeting posts at the same moment make one meeting (issue 10).

The posts carry the form's one-time token and run in threads, each with its own database
connection: on PostgreSQL the second and third INSERT of the token wait for the first
transaction and then fail on the unique constraint; on SQLite the write lock queues them.
SQLite runs it when the test database is a file shared by the threads (``TEST_DB_NAME``, see
``tests/settings.py``); the default in-memory test database is skipped.
"""

from __future__ import annotations

import threading
import uuid

from django.db import connection, connections
from django.test import Client
from django.urls import reverse

import pytest

from consult.models import Meeting, MeetingStudent, Strategy
from schoolops.models import SubmissionToken
from schoolops.submissions import TOKEN_FIELD

pytestmark = pytest.mark.django_db(transaction=True)

POSTS = 3


def _shared_between_threads() -> bool:
    if connection.vendor == "postgresql":
        return True
    name = connection.settings_dict["NAME"]
    return connection.vendor == "sqlite" and "mode=memory" not in str(name)


def test_identical_class_meeting_posts_at_once_make_one_meeting(school, today):
    if not _shared_between_threads():
        pytest.skip("the test database is not shared between threads (in-memory SQLite)")
    url = reverse("consult:meeting_new") + f"?level=class&class={school.class_a.pk}"
    data = {
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
        TOKEN_FIELD: str(uuid.uuid4()),
    }
    clients = []
    for _ in range(POSTS):
        client = Client()
        client.force_login(school.homeroom.user)
        clients.append(client)
    start = threading.Barrier(POSTS)
    answers: list = []
    errors: list = []

    def post(client: Client) -> None:
        try:
            start.wait(timeout=30)
            answers.append(client.post(url, data))
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    assert [a.status_code for a in answers] == [302] * POSTS
    meeting = Meeting.objects.get()
    assert {a["Location"] for a in answers} == {
        reverse("consult:meeting_detail", args=[meeting.pk])
    }
    assert MeetingStudent.objects.count() == 1 and Strategy.objects.count() == 1
    assert SubmissionToken.objects.count() == 1
