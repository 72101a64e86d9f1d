"""Other teachers' ratings: who may rate whom, the average, and what the raters see."""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.urls import reverse

import pytest

from mentors import selectors, services
from mentors.models import MentorEvaluation, TalkLog, TeacherRating
from schoolops.models import Staff
from tests.mentors.conftest import pair

pytestmark = pytest.mark.django_db


def rate_url(mentor, term=None):
    url = reverse("mentors:peer_rate", args=[mentor.pk])
    return f"{url}?term={term.pk}" if term else url


def test_teachers_part_is_the_average_of_their_ratings(school, mentoring, today):
    pair(school, school.student_a, school.teacher)
    MentorEvaluation.objects.create(
        term=school.term, mentor=school.teacher, self_score=80, school_score=90
    )
    services.save_student_ratings(school.term, {(school.student_a.pk, school.teacher.pk): (4, "")})
    (result,) = selectors.evaluation_results(school.term, today, [school.teacher.pk])
    assert result.teachers_score is None and result.total is None  # no teacher has rated yet
    services.save_teacher_rating(school.term, school.teacher, school.homeroom, Decimal(70))
    services.save_teacher_rating(school.term, school.teacher, mentoring.english, Decimal(75))
    services.save_teacher_rating(school.term, school.teacher, school.grade_head, Decimal("81"))
    (result,) = selectors.evaluation_results(school.term, today, [school.teacher.pk])
    # (70 + 75 + 81) / 3 = 75.33 → 75.3; total 0.2*80 + 0.3*80 + 0.2*75.3 + 0.3*90 = 82.06
    assert (result.teachers_score, result.teacher_ratings) == (Decimal("75.3"), 3)
    assert result.total == Decimal("82.1") and not result.flagged
    # A second rating by the same teacher replaces the first: (70 + 75 + 45) / 3 = 63.3.
    services.save_teacher_rating(school.term, school.teacher, school.grade_head, Decimal(45))
    (result,) = selectors.evaluation_results(school.term, today, [school.teacher.pk])
    assert (result.teachers_score, result.teacher_ratings) == (Decimal("63.3"), 3)


def test_who_may_rate_a_mentor(school, mentoring, today):
    pair(school, school.student_a, school.teacher)  # 李老师 mentors in class (1)
    raters = {s.pk for s in selectors.eligible_raters(school.term, school.teacher)}
    # Class (1)'s homeroom teacher, its other teacher and its grade head; not the mentor.
    assert raters == {school.homeroom.pk, mentoring.english.pk, school.grade_head.pk}
    with pytest.raises(ValidationError):
        services.save_teacher_rating(school.term, school.teacher, school.teacher, Decimal(99))
    with pytest.raises(ValidationError):  # class (2)'s homeroom teacher
        services.save_teacher_rating(school.term, school.teacher, school.outsider, Decimal(60))
    with pytest.raises(ValidationError):
        services.save_teacher_rating(school.term, school.teacher, school.homeroom, Decimal(101))
    mentoring.english.status = Staff.Status.LEFT
    mentoring.english.save()
    assert not selectors.may_rate(school.term, mentoring.english, school.teacher)
    assert not TeacherRating.objects.exists()


def test_teacher_rates_a_colleague_seeing_the_figures(school, mentoring, login, today):
    p = pair(school, school.student_a, school.teacher)
    TalkLog.objects.create(pairing=p, date=dt.date(2026, 11, 2), topic="学习", content="谈心")
    client = login(school.homeroom)
    listing = client.get(reverse("mentors:peer_ratings"))
    assert [m for m, _r, _c in listing.context["rows"]] == [school.teacher]
    page = client.get(rate_url(school.teacher))
    assert page.status_code == 200
    assert 'id="mentor-figures"' in page.text
    assert page.context["compliance"].talks == 1 and page.context["compliance"].mentees == 1
    assert "rater" not in page.context["form"].fields  # in their own name
    response = client.post(rate_url(school.teacher), {"score": "101"})
    assert response.status_code == 200 and not TeacherRating.objects.exists()
    response = client.post(rate_url(school.teacher), {"score": "86.5", "comment": "记录详实"})
    assert response.status_code == 302
    rating = TeacherRating.objects.get()
    assert (rating.rater, rating.entered_by, rating.score) == (
        school.homeroom,
        school.homeroom,
        Decimal("86.5"),
    )
    assert rating.history.first().history_user == school.homeroom.user
    listing = client.get(reverse("mentors:peer_ratings"))
    assert listing.context["rated"] == 1 and "86.5" in listing.text


def test_nobody_rates_themselves_or_a_mentor_of_other_classes(school, mentoring, login, today):
    pair(school, school.student_a, school.teacher)
    data = {"score": "99"}
    assert login(school.teacher).get(rate_url(school.teacher)).status_code == 403
    assert login(school.teacher).post(rate_url(school.teacher), data).status_code == 403
    assert login(school.outsider).get(rate_url(school.teacher)).status_code == 404
    assert login(school.outsider).post(rate_url(school.teacher), data).status_code == 404
    assert login(school.office).get(rate_url(school.teacher)).status_code == 404
    assert login(school.principal).get(rate_url(school.teacher)).status_code == 403
    # 刘老师 is no mentor this term: nobody can rate her.
    assert login(school.homeroom).get(rate_url(mentoring.english)).status_code == 404
    assert login(school.academic).get(rate_url(mentoring.english)).status_code == 404
    assert school.teacher not in [
        m
        for m, _r, _c in login(school.teacher).get(reverse("mentors:peer_ratings")).context["rows"]
    ]
    assert not TeacherRating.objects.exists()


def test_academic_office_types_in_a_teachers_rating(school, mentoring, login, today):
    pair(school, school.student_a, school.teacher)
    client = login(school.academic)
    url = rate_url(school.teacher, school.term)
    page = client.get(url)
    choices = {str(label) for _v, label in page.context["form"].fields["rater"].choices}
    assert {"王老师", "刘老师", "孙主任"} <= choices and "李老师" not in choices
    response = client.post(url, {"rater": school.outsider.pk, "score": "80"})
    assert response.status_code == 200 and not TeacherRating.objects.exists()
    response = client.post(url, {"rater": mentoring.english.pk, "score": "72", "comment": "纸质"})
    assert response.status_code == 302
    rating = TeacherRating.objects.get()
    assert (rating.rater, rating.entered_by) == (mentoring.english, school.academic)
    detail = client.get(reverse("mentors:evaluation_mentor", args=[school.teacher.pk]))
    assert "刘老师" in detail.text and "72.0" in detail.text
    assert detail.context["result"].teachers_score == Decimal("72.0")


def test_evaluation_export_has_the_teachers_part(school, mentoring, login, today):
    import io

    from openpyxl import load_workbook

    pair(school, school.student_a, school.teacher)
    services.save_teacher_rating(school.term, school.teacher, school.homeroom, Decimal(70))
    services.save_teacher_rating(school.term, school.teacher, mentoring.english, Decimal(81))
    response = login(school.academic).get(reverse("mentors:evaluation_export"))
    rows = list(load_workbook(io.BytesIO(response.content)).active.values)
    header, row = rows[0], dict(zip(rows[0], rows[1], strict=True))
    assert "教师评人数" in header
    assert (row["导师工号"], float(row["教师评"]), row["教师评人数"]) == ("T1002", 75.5, 2)


def test_rating_pages_have_a_fixed_query_count(
    school, mentoring, login, today, django_assert_max_num_queries
):
    from tests.mentors.conftest import add_students

    client = login(school.homeroom)
    pair(school, school.student_a, school.teacher)
    with django_assert_max_num_queries(40) as small:
        assert client.get(reverse("mentors:peer_ratings")).status_code == 200
    with django_assert_max_num_queries(40) as small_rate:
        assert client.get(rate_url(school.teacher)).status_code == 200
    for i, student in enumerate(add_students(school.class_a, 20, start=700)):
        p = pair(school, student, school.teacher if i % 2 else mentoring.english)
        TalkLog.objects.create(pairing=p, date=dt.date(2026, 11, 2), topic="学习", content="x")
    services.save_teacher_rating(school.term, school.teacher, mentoring.english, Decimal(70))
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(reverse("mentors:peer_ratings")).status_code == 200
    with django_assert_max_num_queries(len(small_rate.captured_queries)):
        assert client.get(rate_url(school.teacher)).status_code == 200
