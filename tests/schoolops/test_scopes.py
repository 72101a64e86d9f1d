from django.urls import reverse

import pytest

pytestmark = pytest.mark.django_db


def test_homeroom_teacher_sees_own_class_students(school, login, today):
    client = login(school.homeroom)
    response = client.get(reverse("schoolops:student_detail", args=[school.student_a.pk]))
    assert response.status_code == 200
    assert school.student_a.name in response.text


def test_teacher_of_class_a_gets_404_for_class_b_student(school, login, today):
    client = login(school.homeroom)
    url = reverse("schoolops:student_detail", args=[school.student_b.pk])
    assert client.get(url).status_code == 404
    assert (
        client.get(reverse("schoolops:class_detail", args=[school.class_b.pk])).status_code == 404
    )


def test_subject_teacher_sees_every_class_they_teach(school, login, today):
    client = login(school.teacher)
    for school_class in (school.class_a, school.class_b):
        url = reverse("schoolops:class_detail", args=[school_class.pk])
        assert client.get(url).status_code == 200
    url = reverse("schoolops:class_detail", args=[school.class_c.pk])
    assert client.get(url).status_code == 404


def test_grade_head_sees_the_grade_only(school, login, today):
    client = login(school.grade_head)
    assert (
        client.get(reverse("schoolops:class_detail", args=[school.class_b.pk])).status_code == 200
    )
    assert (
        client.get(reverse("schoolops:class_detail", args=[school.class_c.pk])).status_code == 404
    )


def test_making_someone_a_grade_head_gives_the_post_and_the_grade(school, login, today):
    """The scope reads headed grades only for the 级部主任 post; heading a grade grants it."""
    from schoolops.models import Post

    client = login(school.teacher)
    url = reverse("schoolops:class_detail", args=[school.class_c.pk])
    assert client.get(url).status_code == 404
    grade = school.class_c.grade
    grade.head = school.teacher
    grade.save()
    assert school.teacher.user.groups.filter(name=Post.GRADE_HEAD).exists()
    assert client.get(url).status_code == 200


def test_one_query_reads_the_user_and_the_staff(school, client, today):
    """The login backend loads the member of staff with the user."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(school.teacher.user)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("home")).status_code == 200
    reads = [q["sql"] for q in queries if 'FROM "schoolops_staff"' in q["sql"]]
    assert not any('WHERE "schoolops_staff"."user_id"' in sql for sql in reads)
    assert not any(
        'FROM "schoolops_grade" WHERE "schoolops_grade"."head_id"' in q["sql"] for q in queries
    )


def test_guardian_phone_only_for_homeroom_grade_head_and_principal(school, login, today):
    url = reverse("schoolops:student_detail", args=[school.student_a.pk])
    phone = school.student_a.guardian_phone
    for staff, visible in [
        (school.homeroom, True),
        (school.grade_head, True),
        (school.principal, True),
        (school.teacher, False),
        (school.office, False),
    ]:
        response = login(staff).get(url)
        assert response.status_code == 200, staff
        assert (phone in response.text) is visible, staff


def test_anonymous_is_sent_to_login(client, school):
    response = client.get(reverse("schoolops:student_detail", args=[school.student_a.pk]))
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_home_lists_classes_of_my_posts(school, login, today):
    response = login(school.teacher).get(reverse("home"))
    assert response.status_code == 200
    assert str(school.class_a) in response.text
    assert str(school.class_b) in response.text
    assert str(school.class_c) not in response.text
