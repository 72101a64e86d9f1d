"""The mentors' sensitive records in the admin: their change history (who, when, what) for the
principal's office, read-only; nothing for office staff."""

import datetime as dt
from decimal import Decimal

from django.urls import reverse

import pytest

from mentors import services
from mentors.models import MentorEvaluation, TalkLog
from tests.mentors.conftest import pair

pytestmark = pytest.mark.django_db


def _records(school, mentoring, today):
    p = pair(school, school.student_a, school.teacher)
    talk = services.log_talk(p, dt.date(2026, 11, 20), "学习", "谈心：作业拖拉")
    talk.content = "谈心：作业拖拉，约定每天先写数学"
    talk.save()
    contact = services.log_parent_contact(p, dt.date(2026, 11, 20), "phone", "电话联系家长")
    plan = services.save_plan(p, study="每周检查错题本")
    evaluation = MentorEvaluation.objects.create(
        term=school.term, mentor=school.teacher, self_score=80
    )
    rating = services.save_teacher_rating(school.term, school.teacher, school.homeroom, Decimal(75))
    services.end_pairing(p, "failed", "沟通困难")
    return {
        "pairing": p,
        "talklog": talk,
        "parentcontact": contact,
        "mentoringplan": plan,
        "mentorevaluation": evaluation,
        "teacherrating": rating,
    }


def test_principals_office_reads_the_history_of_sensitive_records(school, mentoring, login, today):
    records = _records(school, mentoring, today)
    for who in (school.principal, school.academic):
        client = login(who)
        for model, obj in records.items():
            url = reverse(f"admin:mentors_{model}_history", args=[obj.pk])
            response = client.get(url)
            assert response.status_code == 200, (who, model)
            version = obj.history.order_by("history_id").first()
            page = client.get(
                reverse(f"admin:mentors_{model}_simple_history", args=[obj.pk, version.pk])
            )
            assert page.status_code == 200, (who, model)
    response = login(school.principal).get(
        reverse("admin:mentors_talklog_history", args=[records["talklog"].pk])
    )
    # Two versions: logged, then corrected.
    assert len(response.context["page_obj"].object_list) == 2


def test_a_past_version_is_never_restored_from_the_admin(school, mentoring, login, today):
    records = _records(school, mentoring, today)
    talk = records["talklog"]
    first = talk.history.order_by("history_id").first()
    url = reverse("admin:mentors_talklog_simple_history", args=[talk.pk, first.pk])
    for who in (school.principal, school.academic):
        assert login(who).post(url, {}).status_code == 403
    talk.refresh_from_db()
    assert talk.content.endswith("先写数学") and talk.history.count() == 2


def test_office_staff_and_teachers_see_no_history(school, mentoring, login, today):
    records = _records(school, mentoring, today)
    url = reverse("admin:mentors_talklog_history", args=[records["talklog"].pk])
    assert login(school.office).get(url).status_code == 403
    response = login(school.teacher).get(url)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert TalkLog.objects.count() == 1
