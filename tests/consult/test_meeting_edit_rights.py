"""Who edits a meeting's record: its chair, and for a school meeting the principal's office.

Recording a *new* meeting follows the post (a subject teacher records a home-school meeting
of a class they teach); the record of a meeting someone else chaired is theirs to keep. Every
level × kind × post of the cast is tried on both edit pages (the record and the students
discussed), GET and POST; each request runs in a rolled-back savepoint.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.urls import reverse

import pytest

from consult.models import Level, Meeting
from tests.safety.matrix import STAFF_ACTORS
from tests.safety.routes import client_for

from .helpers import meeting

pytestmark = pytest.mark.django_db

# Who chairs each level's meeting here: the usual chair, and for the class and home-school
# levels a colleague of the class, so that its homeroom teacher is not the chair.
CHAIRS = {
    Level.CLASS: ("homeroom", "grade_head"),
    Level.HOME: ("homeroom", "teacher"),
    Level.GRADE: ("grade_head",),
    Level.SCHOOL: ("principal", "academic"),
}
CASES = [
    (level, kind, chair)
    for level, chairs in CHAIRS.items()
    for chair in chairs
    for kind in Meeting.Kind.values
]
PRINCIPALS_OFFICE = {"principal", "academic"}


def may_edit(actor: str, level: str, chair: str) -> bool:
    return actor == chair or (level == Level.SCHOOL and actor in PRINCIPALS_OFFICE)


def _record(m: Meeting) -> tuple:
    m.refresh_from_db()
    return (
        m.topic,
        m.summary,
        m.chair_id,
        tuple(m.attendees.values_list("pk", flat=True)),
        tuple(m.discussed.values_list("student_id", "analysis", "decision").order_by("pk")),
    )


def _edit_data(school, m: Meeting, chair) -> dict:
    data = {
        "kind": m.kind,
        "date": "2026-11-17",
        "chair": chair.pk,
        "attendees": [chair.pk],
        "topic": "改写的议题",
        "preparation": "改写",
        "analysis": "改写",
        "strategies": "改写",
        "summary": "改写的总结",
    }
    if m.level == Level.HOME:
        data.update(home_form=Meeting.HomeForm.CONSULTATION, parents="张建国")
    return data


def _students_data(m: Meeting) -> dict:
    row = m.discussed.get()
    return {
        "students-TOTAL_FORMS": "1",
        "students-INITIAL_FORMS": "1",
        "students-MIN_NUM_FORMS": "0",
        "students-MAX_NUM_FORMS": "80",
        "students-0-row": row.pk,
        "students-0-analysis": "改写的分析",
        "students-0-decision": "",
    }


def _meeting(school, level: str, kind: str, chair) -> Meeting:
    m = meeting(
        school,
        dt.date(2026, 11, 17),
        level=level,
        kind=kind,
        chair=chair,
        students=[school.student_a],
    )
    if level == Level.HOME:
        m.parents, m.home_form = "张建国", Meeting.HomeForm.CONSULTATION
        m.save()
    return m


@pytest.mark.parametrize(
    ("level", "kind", "chair"), CASES, ids=[f"{lv}-{k}-chair_{c}" for lv, k, c in CASES]
)
def test_only_the_chair_edits_a_meeting_record(school, today, level, kind, chair):
    chair_staff = getattr(school, chair)
    m = _meeting(school, level, kind, chair_staff)
    before = _record(m)
    pages = [
        (reverse("consult:meeting_edit", args=[m.pk]), _edit_data(school, m, chair_staff)),
        (reverse("consult:meeting_students", args=[m.pk]), _students_data(m)),
    ]
    wrong = []
    for actor in STAFF_ACTORS:
        allowed = may_edit(actor, level, chair)
        for url, data in pages:
            with transaction.atomic():
                client = client_for(school, actor)
                shown = client.get(url).status_code
                sent = client.post(url, data).status_code
                changed = _record(m) != before
                transaction.set_rollback(True)
            if allowed:
                ok = shown == 200 and sent == 302 and changed
            else:
                ok = shown in (403, 404) and sent in (403, 404) and not changed
            if not ok:
                wrong.append((actor, url, shown, sent, "changed" if changed else "unchanged"))
    assert not wrong, f"{level} {kind} chaired by {chair}: " + "; ".join(map(str, wrong))


def test_a_subject_teacher_still_records_a_home_school_meeting_of_their_class(school, login, today):
    """The rule narrows editing only: recording a new meeting keeps following the post."""
    client = login(school.teacher)
    query = f"?level=home&class={school.class_a.pk}"
    assert client.get(reverse("consult:meeting_new") + query).status_code == 200
    m = _meeting(school, Level.HOME, Meeting.Kind.AD_HOC, school.homeroom)
    detail = client.get(reverse("consult:meeting_detail", args=[m.pk]))
    assert detail.status_code == 200
    assert reverse("consult:meeting_edit", args=[m.pk]) not in detail.text
