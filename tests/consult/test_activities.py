"""Theme class meetings (主题班会) and study-method exchanges (学法交流会): the cadence
counting, the class's scope, the photos (images only, capped) and the home page reminders."""

from __future__ import annotations

import datetime as dt
import uuid

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

import pytest

from consult.models import ActivityPhoto, ClassActivity, ConsultSettings
from consult.selectors import activity_rows, class_scores, expected_by
from consult.services import add_photo, image_type

from .helpers import add_students

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    settings.PRIVATE_ROOT = tmp_path


def activity(school, day, kind=ClassActivity.Kind.THEME, school_class=None, **extra):
    return ClassActivity.objects.create(
        kind=kind,
        term=school.term,
        school_class=school_class or school.class_a,
        date=day,
        theme=extra.pop("theme", "互帮互学，共同进步"),
        created_by=school.homeroom,
        **extra,
    )


def test_due_spreads_the_term_target_over_the_teaching_weeks(school):
    term = school.term
    weeks = term.teaching_weeks()
    assert expected_by(term, 3, term.start_date) == 0
    assert expected_by(term, 3, weeks[0].last_day + dt.timedelta(days=1)) == 1  # rounded up
    assert expected_by(term, 3, term.end_date + dt.timedelta(days=1)) == 3
    assert expected_by(term, 2, term.end_date + dt.timedelta(days=1)) == 2
    half = weeks[len(weeks) // 2 - 1].last_day + dt.timedelta(days=1)
    assert expected_by(term, 2, half) == 1


def test_theme_meetings_and_exchanges_are_counted_per_class_against_due(school):
    settings = ConsultSettings.get()
    end = school.term.end_date + dt.timedelta(days=1)
    for day in (dt.date(2026, 9, 18), dt.date(2026, 10, 16), dt.date(2026, 11, 13)):
        activity(school, day)
    activity(school, dt.date(2026, 10, 9), kind=ClassActivity.Kind.EXCHANGE)
    activity(school, dt.date(2026, 10, 9), school_class=school.class_b)  # another class
    a, b = activity_rows(school.term, [school.class_a, school.class_b], end, settings)
    assert (a.theme.held, a.theme.due, a.theme.state) == (3, 3, "done")
    assert (a.exchange.held, a.exchange.due, a.exchange.state) == (1, 2, "behind")
    assert (b.theme.held, b.exchange.held) == (1, 0)
    assert float(a.share) == pytest.approx(0.8)  # (3 + 1) of (3 + 2)
    # Held within a period: up to its end only.
    [early] = activity_rows(
        school.term, [school.class_a], end, settings, until=dt.date(2026, 9, 30)
    )
    assert early.theme.held == 1


def test_more_theme_meetings_than_the_most_is_flagged(school):
    settings = ConsultSettings.get()
    settings.theme_meetings_max = 2
    for day in (dt.date(2026, 9, 18), dt.date(2026, 10, 16), dt.date(2026, 11, 13)):
        activity(school, day)
    [row] = activity_rows(school.term, [school.class_a], dt.date(2026, 11, 23), settings)
    assert row.theme.state == "over"
    assert row.theme.counted == row.theme.due  # no more than due counts toward the score


def test_the_score_weighs_the_activities_as_the_office_sets(school):
    settings = ConsultSettings.get()
    settings.weight_meetings, settings.weight_activities = 20, 10
    settings.full_clean()
    settings.save()
    activity(school, dt.date(2026, 9, 18))
    [row] = class_scores(school.term, [school.class_a], dt.date(2026, 11, 23), settings=settings)
    due = row.activities.theme.due + row.activities.exchange.due
    assert due > 0
    expected = (10 * 1 / due) if due else 10
    assert float(row.parts["activities"]) == pytest.approx(expected, abs=0.05)
    settings.weight_activities = 0
    [row] = class_scores(school.term, [school.class_a], dt.date(2026, 11, 23), settings=settings)
    assert row.parts["activities"] == 0


def test_the_homeroom_teacher_records_a_theme_meeting_with_the_class_students(school, login, today):
    client = login(school.homeroom)
    url = reverse("consult:activity_new", args=[school.class_a.pk]) + "?kind=theme"
    assert client.get(url).status_code == 200
    data = {
        "date": "2026-11-20",
        "theme": "学习互助 携手进步",
        "hosts": [school.student_a.pk],
        "speakers": [school.student_a.pk],
        "content": "进步学生现身说法",
        "summary": "帮教活动效果明显",
        "submission_token": str(uuid.uuid4()),
    }
    response = client.post(url, data)
    assert response.status_code == 302
    a = ClassActivity.objects.get()
    assert a.kind == "theme" and a.school_class == school.class_a and a.term == school.term
    assert list(a.speakers.all()) == [school.student_a]
    # The same form sent twice records it once.
    client.post(url, data)
    assert ClassActivity.objects.count() == 1
    # A student of another class is refused with a message, nothing saved.
    data.update(speakers=[school.student_b.pk], submission_token=str(uuid.uuid4()))
    response = client.post(url, data)
    assert response.status_code == 200 and ClassActivity.objects.count() == 1
    # A future date is refused.
    data.update(speakers=[], date="2026-12-20", submission_token=str(uuid.uuid4()))
    response = client.post(url, data)
    assert response.status_code == 200 and ClassActivity.objects.count() == 1
    page = client.get(reverse("consult:class_activities", args=[school.class_a.pk]))
    assert "学习互助 携手进步" in page.text


def test_a_homeroom_teacher_sees_and_edits_only_their_class(school, login, today):
    mine = activity(school, dt.date(2026, 11, 13))
    theirs = activity(school, dt.date(2026, 11, 13), school_class=school.class_b)
    client = login(school.homeroom)
    assert client.get(reverse("consult:activity_detail", args=[mine.pk])).status_code == 200
    assert client.get(reverse("consult:activity_edit", args=[mine.pk])).status_code == 200
    for name in ("activity_detail", "activity_edit"):
        assert client.get(reverse(f"consult:{name}", args=[theirs.pk])).status_code == 404
    url = reverse("consult:class_activities", args=[school.class_b.pk])
    assert client.get(url).status_code == 404
    new = reverse("consult:activity_new", args=[school.class_b.pk])
    assert client.get(new).status_code == 404
    response = client.post(
        reverse("consult:activity_edit", args=[theirs.pk]), {"date": "2026-11-13", "theme": "x"}
    )
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.theme != "x"
    # A subject teacher of the class reads it but does not edit it.
    teacher = login(school.teacher)
    assert teacher.get(reverse("consult:activity_detail", args=[mine.pk])).status_code == 200
    assert teacher.get(reverse("consult:activity_edit", args=[mine.pk])).status_code == 404
    # Office staff: no business here.
    office = login(school.office)
    assert office.get(reverse("consult:activity_detail", args=[mine.pk])).status_code == 403


def test_photos_are_images_by_content_and_capped(school, login, today):
    a = activity(school, dt.date(2026, 11, 13))
    assert image_type(PNG) == ("image/png", "png")
    assert image_type(b"%PDF-1.7") is None
    client = login(school.homeroom)
    url = reverse("consult:activity_photo_add", args=[a.pk])
    # A PDF named as a photo is refused.
    fake = SimpleUploadedFile("photo.jpg", b"%PDF-1.7 not an image", content_type="image/jpeg")
    response = client.post(url, {"photo": fake}, follow=True)
    assert ActivityPhoto.objects.count() == 0
    assert "JPEG" in response.text
    # A real PNG whatever its name is kept, in private storage.
    client.post(url, {"photo": SimpleUploadedFile("x.txt", PNG, content_type="text/plain")})
    photo = ActivityPhoto.objects.get()
    assert photo.content_type == "image/png"
    assert "consult_photos" in photo.image.path
    served = client.get(reverse("consult:activity_photo", args=[photo.pk]))
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    assert b"".join(served.streaming_content) == PNG
    # Too large for the setting: refused.
    settings = ConsultSettings.get()
    settings.photo_max_kb = 50
    settings.save()
    big = SimpleUploadedFile("big.jpg", JPEG + b"\x00" * 60 * 1024, content_type="image/jpeg")
    with pytest.raises(Exception, match="50"):
        add_photo(a, big, school.homeroom)
    assert ActivityPhoto.objects.count() == 1
    # Another class's teacher gets a 404 for the photo and for adding one.
    other = login(school.outsider)
    assert other.get(reverse("consult:activity_photo", args=[photo.pk])).status_code == 404
    response = other.post(url, {"photo": SimpleUploadedFile("y.png", PNG)})
    assert response.status_code == 404


def test_the_homeroom_home_page_reminds_of_activities_behind(school, login, today):
    """Week 13: two theme meetings and two exchanges are due; none held → two reminders."""
    url = reverse("consult:class_activities", args=[school.class_a.pk])
    client = login(school.homeroom)
    home = client.get(reverse("home"))
    assert "主题班会：已开0次" in home.text
    assert "学法交流会：已开0次" in home.text
    for day in (dt.date(2026, 9, 18), dt.date(2026, 10, 16)):
        activity(school, day)
        activity(school, day, kind=ClassActivity.Kind.EXCHANGE)
    from consult.hooks import _activity_todos

    assert _activity_todos([school.class_a], school.term, today, ConsultSettings.get()) == []
    # Another class's teacher is not reminded of class A.
    other = login(school.outsider)
    assert url not in other.get(reverse("home")).text


def test_the_activity_list_keeps_its_queries(school, login, today, django_assert_max_num_queries):
    students = add_students(school.class_a, 5, start=200)
    for i in range(6):
        a = activity(school, dt.date(2026, 9, 10) + dt.timedelta(days=7 * i))
        a.speakers.set(students)
    client = login(school.homeroom)
    url = reverse("consult:class_activities", args=[school.class_a.pk])
    with django_assert_max_num_queries(20):
        assert client.get(url).status_code == 200


def test_the_demo_school_gets_a_term_of_theme_meetings_exchanges_plans_and_leaders():
    import random

    from consult.demo import run_demo
    from consult.models import ClassLeaderAssignment, TermPlan
    from schoolops import demo
    from schoolops.models import SchoolClass

    class Quiet:
        def write(self, message: str) -> None:
            pass

    today = dt.date(2026, 11, 23)
    context = demo.build_roster("tiny", stdout=Quiet(), rng=random.Random(7), today=today)
    run_demo(context)
    classes = list(SchoolClass.objects.filter(academic_year=context.year))
    themes = ClassActivity.objects.filter(term=context.term, kind="theme")
    assert {a.school_class_id for a in themes} == {c.pk for c in classes}
    assert ClassActivity.objects.filter(kind="exchange").exists()
    assert themes.filter(speakers__isnull=False).exists()
    assert all(a.date <= today for a in ClassActivity.objects.all())
    assert TermPlan.objects.filter(term=context.term, grade=None).exists()
    assert TermPlan.objects.filter(term=context.term, grade__isnull=False).exists()
    rows = activity_rows(context.term, classes, today, ConsultSettings.get())
    assert any(r.theme.state == "behind" or r.exchange.state == "behind" for r in rows) or (
        len(classes) < 5
    )
    assert ClassLeaderAssignment.objects.filter(active=True).count() <= 2


def test_the_term_end_evaluation_reads_theme_meetings_held_against_the_least(school):
    from consult.selectors import theme_meetings_by_class
    from schoolops.registry import registry

    assert theme_meetings_by_class(school.term) == {}  # nothing held: the part is left out
    for day in (dt.date(2026, 9, 18), dt.date(2026, 10, 16), dt.date(2026, 11, 13)):
        activity(school, day)
    activity(school, dt.date(2026, 11, 20))  # a fourth counts no more
    activity(school, dt.date(2026, 10, 9), school_class=school.class_b)
    figures = theme_meetings_by_class(school.term)
    assert figures[school.class_a.pk] == 100
    assert float(figures[school.class_b.pk]) == pytest.approx(33.33)
    keys = [c.key for c in registry.term_contributions("class")]
    assert "consult.theme_meetings" in keys
