"""Questionnaires (学情征询问卷): made from a template, answered without an account through a
class's link, anonymous, one answer per browser, closed links, scope of the results, the
common problems taken to the grade meeting, the export."""

from __future__ import annotations

import datetime as dt
import re

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

import pytest

from consult import services
from consult.models import (
    CommonIssue,
    Level,
    Meeting,
    Question,
    Questionnaire,
    QuestionnaireLink,
    QuestionnaireResponse,
)
from tests.consult.helpers import add_students


def make_questionnaire(school, reach="grade", by=None, **kwargs) -> Questionnaire:
    return services.create_questionnaire(
        by=by or school.grade_head,
        term=school.term,
        title="家庭学习情况",
        audience=Questionnaire.Audience.PARENTS,
        reach=reach,
        grade=school.grade7 if reach == "grade" else None,
        school_class=kwargs.pop("school_class", None),
        deadline=timezone.now() + dt.timedelta(days=7),
        questions=[
            services.QuestionData("single", "每天在家学习多长时间？", ["不到1小时", "1到2小时"]),
            services.QuestionData("multiple", "影响学习的因素", ["手机", "电视", "没有安静的地方"]),
            services.QuestionData("scale", "对孩子学习习惯的满意度", []),
            services.QuestionData("text", "希望老师提供哪些帮助？", [], required=False),
        ],
        **kwargs,
    )


def answer_data(questionnaire, text="希望多和家长沟通"):
    q = {x.kind: x for x in questionnaire.questions.all()}
    return {
        f"q{q['single'].pk}": "1",
        f"q{q['multiple'].pk}": ["0", "2"],
        f"q{q['scale'].pk}": "4",
        f"q{q['text'].pk}": text,
    }


def link_of(questionnaire, school_class) -> QuestionnaireLink:
    return questionnaire.links.get(school_class=school_class)


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()


def test_a_parent_answers_without_an_account_and_nothing_identifies_them(school, client):
    questionnaire = make_questionnaire(school)
    link = link_of(questionnaire, school.class_a)
    assert len(link.token) >= 40
    url = reverse("consult:questionnaire_answer", args=[link.token])
    page = client.get(url)
    assert page.status_code == 200
    assert "每天在家学习多长时间" in page.text
    assert "<script" not in page.text  # the answer page needs no JavaScript
    response = client.post(
        url,
        answer_data(questionnaire),
        REMOTE_ADDR="10.1.2.3",
        HTTP_USER_AGENT="Mozilla/5.0 (iPhone) 家长手机",
    )
    assert response.status_code == 302
    sheet = QuestionnaireResponse.objects.get()
    assert sheet.link == link
    # Nothing that identifies the answerer: only the class (its link), the day, the answers.
    fields = {f.name for f in QuestionnaireResponse._meta.get_fields()}
    assert fields == {"id", "link", "submitted_on", "answers"}
    stored = str(sheet.answers) + str(sheet.submitted_on)
    assert "10.1.2.3" not in stored and "iPhone" not in stored
    assert sheet.answers[str(questionnaire.questions.get(kind="multiple").pk)] == [0, 2]
    assert client.get(response["Location"]).status_code == 200


def test_one_browser_answers_once(school, client):
    questionnaire = make_questionnaire(school)
    url = reverse(
        "consult:questionnaire_answer", args=[link_of(questionnaire, school.class_a).token]
    )
    client.post(url, answer_data(questionnaire))
    again = client.post(url, answer_data(questionnaire))
    assert again.status_code == 200
    assert "已提交过" in again.text
    assert QuestionnaireResponse.objects.count() == 1
    assert "已提交过" in client.get(url).text
    # Another browser (another parent) answers.
    from django.test import Client

    assert Client().post(url, answer_data(questionnaire)).status_code == 302
    assert QuestionnaireResponse.objects.count() == 2


def test_a_closed_or_unknown_link_says_so(school, client):
    questionnaire = make_questionnaire(school)
    url = reverse(
        "consult:questionnaire_answer", args=[link_of(questionnaire, school.class_a).token]
    )
    services.close_questionnaire(questionnaire)
    closed = client.get(url)
    assert closed.status_code == 200 and "form" not in closed.text.split("<main")[1]
    assert client.post(url, answer_data(questionnaire)).status_code == 200
    assert not QuestionnaireResponse.objects.exists()
    unknown = client.get(reverse("consult:questionnaire_answer", args=["x" * 43]))
    assert unknown.status_code == 404
    # The deadline closes it too.
    services.close_questionnaire(questionnaire, reopen=True)
    Questionnaire.objects.filter(pk=questionnaire.pk).update(
        deadline=timezone.now() - dt.timedelta(minutes=1)
    )
    assert client.post(url, answer_data(questionnaire)).status_code == 200
    assert not QuestionnaireResponse.objects.exists()


def test_a_token_of_another_class_is_refused_and_counts_for_its_own_class(school, client):
    questionnaire = make_questionnaire(
        school, reach="class", by=school.homeroom, school_class=school.class_a
    )
    other = make_questionnaire(school)
    mine = link_of(questionnaire, school.class_a)
    # class_b has no link of this questionnaire: its link of another questionnaire answers
    # that questionnaire only, and a made-up token nothing.
    assert not questionnaire.links.filter(school_class=school.class_b).exists()
    theirs = link_of(other, school.class_b)
    response = client.post(
        reverse("consult:questionnaire_answer", args=[theirs.token]), answer_data(questionnaire)
    )
    assert response.status_code == 200  # the other questionnaire's questions: not valid
    assert not QuestionnaireResponse.objects.filter(link=mine).exists()
    assert not QuestionnaireResponse.objects.exists()
    forged = mine.token[:-1] + ("A" if mine.token[-1] != "A" else "B")
    assert client.get(reverse("consult:questionnaire_answer", args=[forged])).status_code == 404


def test_oversize_text_is_refused_and_the_other_answers_are_kept(school, client):
    questionnaire = make_questionnaire(school)
    url = reverse(
        "consult:questionnaire_answer", args=[link_of(questionnaire, school.class_a).token]
    )
    response = client.post(url, answer_data(questionnaire, text="长" * 1001))
    assert response.status_code == 200
    assert "1000" in response.text
    assert not QuestionnaireResponse.objects.exists()
    # What the parent chose is still on the page.
    scale = questionnaire.questions.get(kind="scale")
    chosen = re.search(rf'<input[^>]*name="q{scale.pk}"[^>]*value="4"[^>]*>', response.text)
    assert chosen and "checked" in chosen.group(0)
    assert "长" * 1001 in response.text


def test_submissions_are_rate_limited(school, client, monkeypatch):
    monkeypatch.setattr(services, "ANSWERS_PER_LINK_MINUTE", 2)
    questionnaire = make_questionnaire(school)
    url = reverse(
        "consult:questionnaire_answer", args=[link_of(questionnaire, school.class_a).token]
    )
    from django.test import Client

    statuses = [Client().post(url, answer_data(questionnaire)).status_code for _ in range(3)]
    assert statuses == [302, 302, 200]
    assert QuestionnaireResponse.objects.count() == 2


def test_a_link_takes_a_bounded_number_of_answers(school, monkeypatch):
    monkeypatch.setattr(services, "ANSWERS_PER_LINK_FLOOR", 2)
    monkeypatch.setattr(services, "ANSWERS_PER_STUDENT", 1)
    questionnaire = make_questionnaire(school)
    link = link_of(questionnaire, school.class_a)
    services.submit_answers(link, {})
    services.submit_answers(link, {})
    with pytest.raises(ValidationError):
        services.submit_answers(link, {})


def _answer(questionnaire, school_class, text):
    link = link_of(questionnaire, school_class)
    q = {x.kind: x for x in questionnaire.questions.all()}
    services.submit_answers(
        link, {str(q["single"].pk): 0, str(q["scale"].pk): 5, str(q["text"].pk): text}
    )


def test_a_homeroom_teacher_sees_only_their_class_answers(school, login):
    questionnaire = make_questionnaire(school)
    _answer(questionnaire, school.class_a, "甲班家长的建议")
    _answer(questionnaire, school.class_b, "乙班家长的建议")
    client = login(school.homeroom)
    url = reverse("consult:questionnaire_results", args=[questionnaire.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "甲班家长的建议" in page.text and "乙班家长的建议" not in page.text
    assert client.get(url, {"class": school.class_b.pk}).status_code == 404
    assert client.get(url, {"grade": school.grade7.pk}).status_code == 404
    detail = client.get(reverse("consult:questionnaire_detail", args=[questionnaire.pk]))
    assert link_of(questionnaire, school.class_b).token not in detail.text
    xlsx = client.get(reverse("consult:questionnaire_xlsx", args=[questionnaire.pk]))
    assert xlsx.status_code == 200
    # The grade head reads the whole grade; a subject teacher and the office nothing.
    head = login(school.grade_head).get(url, {"grade": school.grade7.pk})
    assert "甲班家长的建议" in head.text and "乙班家长的建议" in head.text
    assert login(school.teacher).get(url).status_code == 403
    assert login(school.office).get(url).status_code == 403
    # Another homeroom teacher's class questionnaire is not found by this one.
    own = make_questionnaire(school, reach="class", by=school.outsider, school_class=school.class_b)
    assert (
        login(school.homeroom)
        .get(reverse("consult:questionnaire_detail", args=[own.pk]))
        .status_code
        == 404
    )


def test_results_count_choices_average_scales_and_show_the_response_rate(school, login):
    add_students(school.class_a, 3)
    questionnaire = make_questionnaire(school)
    _answer(questionnaire, school.class_a, "作业太多")
    _answer(questionnaire, school.class_a, "希望多开家长会")
    page = login(school.homeroom).get(
        reverse("consult:questionnaire_results", args=[questionnaire.pk]),
        {"class": school.class_a.pk},
    )
    assert "5.00" in page.text  # the scale's average
    assert "2 / 4" in page.text  # answers against the class size
    assert "<svg" in page.text and "100%" in page.text


def test_a_common_problem_goes_on_the_next_grade_meeting_agenda(school, login, today):
    questionnaire = make_questionnaire(school)
    client = login(school.grade_head)
    url = reverse("consult:questionnaire_results", args=[questionnaire.pk])
    form = client.get(url, {"grade": school.grade7.pk})
    assert form.status_code == 200
    data = {
        "text": "家长反映作业量偏大，睡眠不足",
        "submission_token": form.context["form"]["submission_token"].value(),
    }
    response = client.post(f"{url}?grade={school.grade7.pk}", data)
    assert response.status_code == 302
    issue = CommonIssue.objects.get()
    assert issue.grade == school.grade7 and issue.meeting is None
    # The grade meeting's form lists it; recording the meeting takes it on its agenda.
    new = client.get(reverse("consult:meeting_new"), {"level": "grade", "grade": school.grade7.pk})
    assert "家长反映作业量偏大" in new.text
    meeting = services.record_meeting(
        by=school.grade_head,
        level=Level.GRADE,
        kind=Meeting.Kind.REGULAR,
        date=today,
        chair=school.grade_head,
        topic="级部例会",
        grade=school.grade7,
    )
    issue.refresh_from_db()
    assert issue.meeting == meeting
    assert "家长反映作业量偏大" in client.get(meeting.get_absolute_url()).text
    # A grade meeting already set for a later day takes the next one at once.
    later = services.record_meeting(
        by=school.grade_head,
        level=Level.GRADE,
        kind=Meeting.Kind.REGULAR,
        date=today + dt.timedelta(days=4),
        chair=school.grade_head,
        topic="下周级部例会",
        grade=school.grade7,
    )
    second = services.pick_common_issue(
        questionnaire, school.grade7, "亲子沟通少", school.grade_head, school.term
    )
    assert second.meeting == later
    # A homeroom teacher does not pick the grade's problems.
    assert login(school.homeroom).post(f"{url}?grade={school.grade7.pk}", data).status_code == 404


def test_a_homeroom_teacher_makes_a_questionnaire_from_a_template(school, login, today):
    client = login(school.homeroom)
    page = client.get(reverse("consult:questionnaire_new"), {"template": "homework"})
    assert page.status_code == 200
    form = page.context["form"]
    formset = page.context["formset"]
    data = {
        "title": "作业量调查",
        "audience": "parents",
        "reach": "class",
        "school_class": school.class_a.pk,
        "deadline": "2026-11-30T18:00",
        "intro": "",
        "questions-TOTAL_FORMS": str(len(formset.forms)),
        "questions-INITIAL_FORMS": str(formset.initial_form_count()),
    }
    data["submission_token"] = form["submission_token"].value()
    for n, f in enumerate(formset.forms):
        for name in ("kind", "text", "choices"):
            value = f[name].value()
            if value:
                data[f"questions-{n}-{name}"] = value
        if f["required"].value():
            data[f"questions-{n}-required"] = "on"
    response = client.post(reverse("consult:questionnaire_new"), data)
    assert response.status_code == 302, response.context and response.context["form"].errors
    made = Questionnaire.objects.get()
    assert made.questions.count() == 5
    assert list(made.links.values_list("school_class", flat=True)) == [school.class_a.pk]
    # The school is not theirs to ask.
    data["reach"] = "school"
    assert client.post(reverse("consult:questionnaire_new"), data).status_code == 200
    assert Questionnaire.objects.count() == 1


def test_slips_print_a_qr_code_per_class(school, login):
    questionnaire = make_questionnaire(school)
    page = login(school.grade_head).get(
        reverse("consult:questionnaire_slips", args=[questionnaire.pk])
    )
    assert page.status_code == 200
    assert page.text.count('class="q-qr"') == 2  # the grade's two classes
    assert link_of(questionnaire, school.class_a).token in page.text


def test_list_pages_keep_a_fixed_number_of_queries(school, login, django_assert_max_num_queries):
    client = login(school.principal)
    for _ in range(3):
        questionnaire = make_questionnaire(school)
        _answer(questionnaire, school.class_a, "建议")
    for name, query in (
        ("consult:questionnaire_list", None),
        ("consult:questionnaire_detail", questionnaire.pk),
        ("consult:questionnaire_results", questionnaire.pk),
        ("consult:questionnaire_slips", questionnaire.pk),
    ):
        url = reverse(name, args=[query] if query else [])
        with django_assert_max_num_queries(20):
            assert client.get(url).status_code == 200
    with django_assert_max_num_queries(20):
        assert (
            client.get(
                reverse("consult:questionnaire_results", args=[questionnaire.pk]),
                {"grade": school.grade7.pk},
            ).status_code
            == 200
        )
    with django_assert_max_num_queries(12):
        answer = reverse(
            "consult:questionnaire_answer", args=[link_of(questionnaire, school.class_a).token]
        )
        from django.test import Client

        assert Client().post(answer, answer_data(questionnaire)).status_code == 302


def test_question_kinds_are_kept(school):
    questionnaire = make_questionnaire(school)
    assert [q.kind for q in questionnaire.questions.all()] == [
        Question.Kind.SINGLE,
        Question.Kind.MULTIPLE,
        Question.Kind.SCALE,
        Question.Kind.TEXT,
    ]


@pytest.mark.django_db
def test_the_demo_school_gets_a_questionnaire_with_answers():
    import random

    from consult import demo_questionnaires
    from consult.demo import run_demo
    from schoolops import demo

    class Quiet:
        def write(self, message: str) -> None:
            pass

    context = demo.build_roster(
        "tiny", stdout=Quiet(), rng=random.Random(7), today=dt.date(2026, 11, 23)
    )
    run_demo(context)
    demo_questionnaires.run(context)
    asked = Questionnaire.objects.get(reach="grade")
    assert asked.title.startswith("家庭学习情况")
    assert asked.questions.filter(text__contains="在家").exists()
    assert QuestionnaireResponse.objects.filter(link__questionnaire=asked).count() > 5
    assert CommonIssue.objects.filter(questionnaire=asked).exists()
    assert Questionnaire.objects.filter(reach="class", title="作业量").exists()


def test_the_term_evaluation_reads_each_class_response_rate(school, django_assert_max_num_queries):
    from decimal import Decimal

    from consult.selectors import questionnaire_response_by_class
    from schoolops.registry import registry

    add_students(school.class_a, 3)  # four students in class_a, one in class_b
    assert questionnaire_response_by_class(school.term) == {}
    questionnaire = make_questionnaire(school)
    for _ in range(3):
        _answer(questionnaire, school.class_a, "建议")
    _answer(questionnaire, school.class_b, "建议")
    _answer(questionnaire, school.class_b, "建议")  # two answers from one family: at most 100
    with django_assert_max_num_queries(3):
        figures = questionnaire_response_by_class(school.term)
    assert figures == {school.class_a.pk: Decimal("75.00"), school.class_b.pk: Decimal("100")}
    keys = [c.key for c in registry.term_contributions("class")]
    assert "consult.questionnaires" in keys
