import datetime as dt
from decimal import Decimal

from django.urls import reverse

import pytest

from mentors import selectors, services
from mentors.models import Choice, Pairing, PriorityStudent, TalkLog
from tests.mentors.conftest import add_students, pair

pytestmark = pytest.mark.django_db


def class_url(name, school_class):
    return reverse(f"mentors:{name}", args=[school_class.pk])


@pytest.mark.parametrize(
    "name", ["class_overview", "class_choices", "class_exchanges", "class_ratings"]
)
def test_class_pages_scope(school, mentoring, client, login, today, name):
    url = class_url(name, school.class_a)
    assert client.get(url).status_code == 302  # anonymous → login
    assert "/accounts/login/" in client.get(url)["Location"]
    assert login(school.outsider).get(url).status_code == 404  # another class's homeroom teacher
    assert login(school.teacher).get(url).status_code == 403  # teaches the class, does not keep it
    assert login(school.office).get(url).status_code == 403
    assert login(school.homeroom).get(url).status_code == 200
    assert login(school.grade_head).get(url).status_code == 200
    assert login(school.academic).get(url).status_code == 200


@pytest.mark.parametrize(
    "name", ["selection", "compliance", "evaluation", "evaluation_export", "pairings_export"]
)
def test_school_pages_are_for_the_principals_office(school, mentoring, client, login, today, name):
    url = reverse(f"mentors:{name}")
    assert client.get(url).status_code == 302
    for staff in (school.homeroom, school.teacher, school.office):
        assert login(staff).get(url).status_code == 403
    assert login(school.principal).get(url).status_code == 200
    assert login(school.academic).get(url).status_code == 200
    # And the grade head's, for their own grade (test_grade_pages.py).
    assert login(school.grade_head).get(url).status_code == 200


def test_only_the_academic_office_runs_the_matching_and_sets_capacity(
    school, mentoring, login, today
):
    match = reverse("mentors:match", args=[school.grade7.pk])
    capacity = class_url("class_capacity", school.class_a)
    for staff in (school.principal, school.homeroom, school.office):
        assert login(staff).get(match).status_code == 403
    assert login(school.outsider).get(capacity).status_code == 404
    assert login(school.homeroom).get(capacity).status_code == 403
    assert login(school.academic).get(match).status_code == 200
    client = login(school.academic)
    response = client.post(capacity, {f"cap_{school.teacher.pk}": "2"})
    assert response.status_code == 302
    caps = selectors.capacities([school.class_a], selectors.mentors_by_class([school.class_a.pk]))
    assert caps[(school.class_a.pk, school.teacher.pk)] == 2


def test_a_mentor_sees_only_their_own_mentees_files(school, mentoring, login, today):
    mine = pair(school, school.student_a, school.teacher)
    theirs = pair(school, mentoring.students[1], mentoring.english)
    client = login(school.teacher)
    assert client.get(reverse("mentors:pairing_detail", args=[mine.pk])).status_code == 200
    assert client.get(reverse("mentors:pairing_detail", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("mentors:pairing_talk", args=[theirs.pk])).status_code == 404
    assert (
        login(school.office).get(reverse("mentors:pairing_detail", args=[mine.pk])).status_code
        == 404
    )
    assert (
        login(school.outsider).get(reverse("mentors:pairing_detail", args=[mine.pk])).status_code
        == 404
    )
    # The homeroom teacher reads the file but does not write the mentor's talks.
    homeroom = login(school.homeroom)
    assert homeroom.get(reverse("mentors:pairing_detail", args=[mine.pk])).status_code == 200
    assert homeroom.post(reverse("mentors:pairing_talk", args=[mine.pk]), {}).status_code == 403


def test_mentor_logs_a_talk_and_bad_input_is_explained(school, mentoring, login, today):
    p = pair(school, school.student_a, school.teacher)
    client = login(school.teacher)
    url = reverse("mentors:pairing_talk", args=[p.pk])
    response = client.post(url, {"date": "2030-01-01", "topic": "", "content": "x"})
    assert response.status_code == 200
    assert not TalkLog.objects.exists()
    response = client.post(
        url,
        {
            "date": today.isoformat(),
            "topic": "期中考试",
            "content": "数学退步，谈原因",
            "follow_up": "",
        },
    )
    assert response.status_code == 302
    talk = TalkLog.objects.get()
    assert talk.topic == "期中考试" and talk.history.first().history_user == school.teacher.user


def test_choices_page_saves_and_reports_errors(school, mentoring, login, today):
    client = login(school.homeroom)
    url = class_url("class_choices", school.class_a)
    a, b = mentoring.students[0], mentoring.students[1]
    response = client.post(url, {f"c1_{a.pk}": school.teacher.pk, f"c2_{a.pk}": school.teacher.pk})
    assert response.status_code == 200 and not Choice.objects.exists()
    response = client.post(
        url,
        {
            f"c1_{a.pk}": school.teacher.pk,
            f"c2_{a.pk}": mentoring.english.pk,
            f"c1_{b.pk}": mentoring.english.pk,
            f"p_{b.pk}": "on",
        },
    )
    assert response.status_code == 302
    assert Choice.objects.count() == 3
    assert PriorityStudent.objects.get().student == b
    response = client.post(url, {f"c1_{a.pk}": school.outsider.pk})  # not a choice offered
    assert response.status_code == 200 and Choice.objects.count() == 3


def test_match_preview_then_publish(school, mentoring, login, today):
    services.save_class_choices(
        school.class_a,
        school.year,
        services.ClassChoices({school.student_a.pk: [school.teacher.pk, None, None]}, set()),
    )
    client = login(school.academic)
    url = reverse("mentors:match", args=[school.grade7.pk])
    response = client.get(url)
    assert school.student_a.name in response.text
    assert not Pairing.objects.exists()
    fingerprint = response.context["preview"].fingerprint
    assert client.post(url, {"fingerprint": "stale"}).status_code == 302
    assert not Pairing.objects.exists()
    assert client.post(url, {"fingerprint": fingerprint}).status_code == 302
    assert Pairing.objects.get().mentor == school.teacher
    assert Pairing.history.get().history_user == school.academic.user  # who published it


def test_hand_assignment_from_the_class_page(school, mentoring, login, today):
    services.set_capacity(school.class_a, school.teacher, 0)
    client = login(school.homeroom)
    url = class_url("hand_assign", school.class_a)
    data = {"student": school.student_a.pk, "mentor": school.teacher.pk, "reason": ""}
    client.post(url, data)
    assert not Pairing.objects.exists()  # full, no reason
    client.post(url, {**data, "reason": "学生与李老师同村，便于家访"})
    assert Pairing.objects.get().choice_label == "调剂"
    other = login(school.outsider)
    assert other.post(url, data).status_code == 404


def test_a_mentee_moved_to_another_class_is_no_longer_the_mentors(school, mentoring, login, today):
    # 刘老师 teaches only class (1): her mentee's page is hers while the pairing lasts; moving
    # the student to class (2) ends the pairing (see test_auto_end.py) and with it her access.
    moved = mentoring.students[1]
    p = pair(school, moved, mentoring.english)
    client = login(mentoring.english)
    page = reverse("schoolops:student_detail", args=[moved.pk])
    assert client.get(page).status_code == 200
    moved.school_class = school.class_b
    moved.save()
    p.refresh_from_db()
    assert p.end_reason == Pairing.EndReason.STUDENT_LEFT
    assert client.get(page).status_code == 404
    assert (
        client.get(reverse("schoolops:student_detail", args=[school.student_b.pk])).status_code
        == 404
    )


def test_student_panel_shows_talks_to_the_mentor_and_nothing_to_the_office(
    school, mentoring, login, today
):
    p = pair(school, school.student_a, school.teacher)
    TalkLog.objects.create(pairing=p, date=today, topic="心理", content="最近睡眠不好")
    url = reverse("schoolops:student_detail", args=[school.student_a.pk])
    response = login(school.teacher).get(url)
    assert "最近睡眠不好" in response.text and 'id="panel-mentors"' in response.text
    response = login(school.office).get(url)
    assert response.status_code == 200 and 'id="panel-mentors"' not in response.text


def test_home_page_lists_the_mentors_todos(school, mentoring, login, today):
    p = pair(school, school.student_a, school.teacher)
    pair(school, mentoring.students[1], school.teacher)
    TalkLog.objects.create(pairing=p, date=today, topic="学习", content="谈心")
    response = login(school.teacher).get(reverse("home"))
    summary = reverse("mentors:my_summary", args=[2026, 10])
    todos = {
        t.level: t.count
        for t in response.context["todos"]
        if t.app == "mentors" and t.url != summary
    }
    assert todos == {"warning": 1, "info": 2}  # one talk due this week, two parent contacts
    # Paired since September: October's summary of the talks is due.
    assert any(t.url == summary for t in response.context["todos"])
    homeroom = {
        t.app: t.count for t in login(school.homeroom).get(reverse("home")).context["todos"]
    }
    assert homeroom["mentors"] == 3  # five students, two paired


# Query budgets: list pages run a fixed number of queries whatever the data size.


def _grow(school, mentoring, n):
    students = add_students(school.class_a, n, start=500 + n)
    for student in students:
        p = pair(school, student, school.teacher if student.pk % 2 else mentoring.english)
        TalkLog.objects.create(pairing=p, date=dt.date(2026, 11, 2), topic="学习", content="x")
        Choice.objects.create(student=student, academic_year=school.year, rank=1, mentor=p.mentor)


@pytest.mark.parametrize(
    ("who", "url"),
    [
        ("homeroom", lambda s: class_url("class_overview", s.class_a)),
        ("homeroom", lambda s: class_url("class_choices", s.class_a)),
        ("homeroom", lambda s: class_url("class_ratings", s.class_a)),
        ("homeroom", lambda s: class_url("class_exchanges", s.class_a)),
        ("teacher", lambda s: reverse("mentors:my_mentees")),
        ("teacher", lambda s: reverse("mentors:applicants")),
        ("teacher", lambda s: reverse("home")),
        ("academic", lambda s: reverse("mentors:selection")),
        ("academic", lambda s: reverse("mentors:compliance")),
        ("academic", lambda s: reverse("mentors:evaluation")),
        ("academic", lambda s: reverse("mentors:match", args=[s.grade7.pk])),
        ("academic", lambda s: reverse("mentors:pairings_export")),
    ],
)
def test_list_pages_have_a_fixed_query_count(
    school, mentoring, login, today, django_assert_max_num_queries, who, url
):
    client = login(getattr(school, who))
    _grow(school, mentoring, 2)
    with django_assert_max_num_queries(40) as small:
        assert client.get(url(school)).status_code == 200
    _grow(school, mentoring, 30)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url(school)).status_code == 200


def test_every_page_of_a_file_renders_for_the_right_post(school, mentoring, login, today):
    p = pair(school, school.student_a, school.teacher)
    PriorityStudent.objects.create(student=school.student_a, academic_year=school.year)
    TalkLog.objects.create(pairing=p, date=dt.date(2026, 11, 2), topic="学习", content="作业")
    mentor = login(school.teacher)
    for name in (
        "pairing_detail",
        "pairing_talk",
        "pairing_contact",
        "pairing_plan",
        "pairing_growth",
    ):
        assert mentor.get(reverse(f"mentors:{name}", args=[p.pk])).status_code == 200, name
    summary = reverse("mentors:pairing_summary", args=[p.pk, 2026, 11])
    response = mentor.get(summary)
    assert "作业" in response.text  # drafted from the month's talks
    assert mentor.post(summary, {"text": "本月谈心一次，作业有改进"}).status_code == 302
    assert mentor.get(reverse("mentors:pairing_summary", args=[p.pk, 2027, 5])).status_code == 404
    assert (
        mentor.post(
            reverse("mentors:pairing_plan", args=[p.pk]),
            {"study": "每周检查数学错题本", "thought": "树立目标"},
        ).status_code
        == 302
    )
    assert mentor.get(reverse("mentors:self_evaluation")).status_code == 200
    assert mentor.get(reverse("mentors:pairing_end", args=[p.pk])).status_code == 403
    office = login(school.academic)
    assert office.get(reverse("mentors:pairing_end", args=[p.pk])).status_code == 200
    assert office.get(reverse("mentors:reassign", args=[school.teacher.pk])).status_code == 200
    assert (
        office.get(reverse("mentors:evaluation_mentor", args=[school.teacher.pk])).status_code
        == 200
    )
    response = office.post(
        reverse("mentors:pairing_end", args=[p.pk]), {"reason": "failed", "note": "师生沟通困难"}
    )
    assert response.status_code == 302
    p.refresh_from_db()
    assert p.end_reason == "failed"


def test_reassign_page_moves_every_mentee_in_one_post(school, mentoring, login, today):
    pairings = [pair(school, s, school.teacher) for s in mentoring.students[:2]]
    client = login(school.academic)
    url = reverse("mentors:reassign", args=[school.teacher.pk])
    data = {
        "reason": "left",
        "note": "调离",
        **{f"m_{p.pk}": mentoring.english.pk for p in pairings},
    }
    assert client.post(url, data).status_code == 302
    assert Pairing.objects.active().filter(mentor=mentoring.english).count() == 2
    assert not Pairing.objects.active().filter(mentor=school.teacher).exists()


def test_evaluation_settings_refuse_weights_not_adding_to_100(school, mentoring, login, today):
    client = login(school.academic)
    url = reverse("mentors:evaluation")
    data = {
        "self_weight": 20,
        "students_weight": 30,
        "teachers_weight": 20,
        "school_weight": 20,
        "threshold": "60",
    }
    response = client.post(url, data)
    assert response.status_code == 200
    assert selectors.evaluation_settings(school.term).school_weight == 30
    assert client.post(url, {**data, "school_weight": 30, "threshold": "70"}).status_code == 302
    assert selectors.evaluation_settings(school.term).threshold == 70
    assert login(school.principal).post(url, data).status_code == 403


def test_academic_office_is_told_of_students_without_a_mentor(school, mentoring, login, today):
    pair(school, school.student_a, school.teacher)
    todos = login(school.academic).get(reverse("home")).context["todos"]
    mine = [t for t in todos if t.app == "mentors"]
    # Past the first week: six students in school this year, one paired.
    assert [(t.count, t.level) for t in mine] == [(5, "danger")]


def test_hand_assignment_form_shows_each_mentors_room(school, mentoring, login, today):
    services.set_capacity(school.class_a, school.teacher, 1)
    pair(school, school.student_a, school.teacher)
    response = login(school.homeroom).get(class_url("class_overview", school.class_a))
    labels = [str(label) for _v, label in response.context["assign_form"].fields["mentor"].choices]
    assert "李老师（已满）" in labels
    assert "刘老师（还可受导 3 人）" in labels


def test_keys_too_large_for_the_database_are_refused_cleanly(school, mentoring, login, today):
    huge = 10**30
    client = login(school.academic)
    for url in (
        reverse("mentors:pairing_detail", args=[huge]),
        reverse("mentors:reassign", args=[huge]),
        reverse("mentors:match", args=[huge]),
        reverse("mentors:evaluation_mentor", args=[huge]),
        reverse("mentors:pairing_summary", args=[1, 99999999999, 1]),
    ):
        assert client.get(url).status_code == 404, url
    homeroom = login(school.homeroom)
    response = homeroom.post(
        class_url("class_exchanges", school.class_a),
        {"date": "2026-11-20", "notes": "交流", "students": ["-1", str(huge)]},
    )
    assert response.status_code == 200  # the form explains; nothing is saved
    response = homeroom.post(
        class_url("hand_assign", school.class_a),
        {"student": str(huge), "mentor": str(school.teacher.pk)},
    )
    assert response.status_code == 302 and not Pairing.objects.exists()


def test_student_page_query_count_does_not_grow_with_talks(
    school, mentoring, login, today, django_assert_max_num_queries
):
    p = pair(school, school.student_a, school.teacher)
    client = login(school.teacher)
    url = reverse("schoolops:student_detail", args=[school.student_a.pk])
    TalkLog.objects.create(pairing=p, date=today, topic="学习", content="第一次")
    with django_assert_max_num_queries(40) as small:
        assert client.get(url).status_code == 200
    for day in range(1, 40):
        TalkLog.objects.create(
            pairing=p, date=today - dt.timedelta(days=day), topic="学习", content=f"谈心{day}"
        )
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(url)
    assert "第一次" in response.text and "谈心39" not in response.text  # the latest three


def test_flagged_mentor_past_the_deadline_can_be_replaced(school, mentoring, login, today):
    from mentors.models import MentorEvaluation

    pair(school, school.student_a, school.teacher)
    MentorEvaluation.objects.create(
        term=school.term,
        mentor=school.teacher,
        self_score=50,
        school_score=40,
        improve_by=today - dt.timedelta(days=1),
    )
    services.save_teacher_rating(school.term, school.teacher, school.homeroom, Decimal(40))
    services.save_student_ratings(school.term, {(school.student_a.pk, school.teacher.pk): (2, "")})
    response = login(school.academic).get(reverse("mentors:evaluation"))
    row = response.context["results"][0]
    assert row.flagged and row.total == pytest.approx(42.0)  # 10 + 12 + 8 + 12
    assert reverse("mentors:reassign", args=[school.teacher.pk]) in response.text
    # The principal reads the list but does not replace anyone.
    response = login(school.principal).get(reverse("mentors:evaluation"))
    assert reverse("mentors:reassign", args=[school.teacher.pk]) not in response.text


def test_homeroom_teacher_types_in_the_mentees_ratings(school, mentoring, login, today):
    from mentors.models import StudentRating

    p = pair(school, school.student_a, school.teacher)
    client = login(school.homeroom)
    url = class_url("class_ratings", school.class_a)
    assert client.post(url, {f"s_{p.pk}": "9"}).status_code == 200  # not a 1-5 score
    assert not StudentRating.objects.exists()
    assert client.post(url, {f"s_{p.pk}": "4", f"t_{p.pk}": "老师很耐心"}).status_code == 302
    rating = StudentRating.objects.get()
    assert (rating.mentor, rating.score, rating.comment) == (school.teacher, 4, "老师很耐心")


def test_mentor_ranks_and_declines_applicants(school, mentoring, login, today):
    from mentors.models import MentorRanking

    a, b = mentoring.students[0], mentoring.students[1]
    for student in (a, b):
        Choice.objects.create(
            student=student, academic_year=school.year, rank=1, mentor=school.teacher
        )
    client = login(school.teacher)
    url = reverse("mentors:applicants")
    assert b.name in client.get(url).text
    assert client.post(url, {f"r_{a.pk}": "1", f"r_{b.pk}": "1"}).status_code == 200  # tie
    assert not MentorRanking.objects.exists()
    assert client.post(url, {f"r_{a.pk}": "1", f"d_{b.pk}": "on"}).status_code == 302
    assert set(MentorRanking.objects.values_list("student_id", "position", "declined")) == {
        (a.pk, 1, False),
        (b.pk, None, True),
    }


def test_a_reassigned_student_rates_both_mentors_of_the_term(school, mentoring, login, today):
    from mentors.models import StudentRating

    old = pair(school, school.student_a, school.teacher)
    services.end_pairing(old, Pairing.EndReason.POST_CHANGE, on=dt.date(2026, 10, 30))
    new = pair(school, school.student_a, mentoring.english, started=dt.date(2026, 11, 2))
    client = login(school.homeroom)
    url = class_url("class_ratings", school.class_a)
    assert client.post(url, {f"s_{old.pk}": "3", f"s_{new.pk}": "5"}).status_code == 302
    assert set(StudentRating.objects.values_list("mentor_id", "score")) == {
        (school.teacher.pk, 3),
        (mentoring.english.pk, 5),
    }
    assert client.post(url, {f"s_{new.pk}": "5"}).status_code == 302  # clears the first
    assert list(StudentRating.objects.values_list("mentor_id", flat=True)) == [mentoring.english.pk]


def test_evaluation_and_compliance_of_another_term(school, mentoring, login, today):
    from mentors.models import MentorEvaluation
    from schoolops.models import Term

    spring = Term.objects.get(academic_year=school.year, number=Term.Number.SPRING)
    pair(school, school.student_a, school.teacher)
    MentorEvaluation.objects.create(term=school.term, mentor=school.teacher, self_score=77)
    client = login(school.academic)
    autumn = client.get(reverse("mentors:evaluation"), {"term": school.term.pk})
    assert autumn.context["term"] == school.term and "77.0" in autumn.text
    other = client.get(reverse("mentors:evaluation"), {"term": spring.pk})
    assert other.context["term"] == spring and "77.0" not in other.text
    assert client.get(reverse("mentors:compliance"), {"term": spring.pk}).status_code == 200
    assert client.get(reverse("mentors:compliance"), {"term": "x"}).status_code == 404
    assert client.get(reverse("mentors:evaluation"), {"term": "99999"}).status_code == 404


def test_student_panel_needs_four_queries_for_the_mentor_and_two_for_others(
    school, mentoring, rf, today, django_assert_num_queries
):
    from mentors import hooks
    from mentors.models import MentoringPlan
    from schoolops.scopes import get_scope

    p = pair(school, school.student_a, school.teacher)
    MentoringPlan.objects.create(pairing=p, study="每周检查错题本")
    TalkLog.objects.create(pairing=p, date=today, topic="学习", content="谈心")
    student = (
        type(school.student_a).objects.select_related("school_class").get(pk=school.student_a.pk)
    )
    # The pairing; whether the register lets the person read mentoring records (does the
    # mentor relation hold: a subject teacher's class gives none); for the mentor, the read
    # log's row and the latest talks.
    for staff, queries in ((school.teacher, 4), (school.outsider, 2)):
        request = rf.get("/")
        request.user = staff.user
        scope = get_scope(request)
        # The page has already built the scope (who, posts, year, classes).
        assert scope.staff and scope.posts and scope.year
        assert scope.homeroom_class_ids is not None and scope.headed_grade_ids is not None
        with django_assert_num_queries(queries):
            ctx = hooks.student_panel_context(request, student)
        assert ctx["pairing"] == p
    request = rf.get("/")
    request.user = school.teacher.user
    ctx = hooks.student_panel_context(request, student)
    assert ctx["plan"].study == "每周检查错题本" and [t.topic for t in ctx["talks"]] == ["学习"]
