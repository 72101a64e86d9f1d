import datetime as dt

from django.urls import reverse

import pytest

from groups.models import Membership, MonthClose, ScoreEntry, ScoreItem
from groups.services import add_score, close_month, mark_excellent, publish

from .helpers import add_points, add_students, item, make_groups

pytestmark = pytest.mark.django_db


def class_urls(school):
    pk = school.class_a.pk
    return [
        reverse("groups:class_groups", args=[pk]),
        reverse("groups:ranking", args=[pk]),
        reverse("groups:ranking", args=[pk]) + "?month=2026-11",
        reverse("groups:register", args=[pk]),
        reverse("groups:register_xlsx", args=[pk]),
        reverse("groups:seating", args=[pk]),
    ]


def test_every_class_page_opens_for_the_homeroom_teacher(school, formed, login):
    client = login(school.homeroom)
    add_score(formed[0], item(), school.homeroom)
    urls = [
        *class_urls(school),
        reverse("groups:index"),
        reverse("groups:score", args=[school.class_a.pk]),
        reverse("groups:reviews", args=[school.class_a.pk]),
        reverse("groups:group_detail", args=[formed[0].pk]),
        reverse("groups:group_edit", args=[formed[0].pk]),
        reverse("groups:group_roles", args=[formed[0].pk]),
        reverse("groups:group_entries", args=[formed[0].pk]),
        reverse("groups:member_move", args=[formed[0].memberships.first().pk]),
        reverse("groups:member_goals", args=[formed[0].memberships.first().pk]),
    ]
    for url in urls:
        assert client.get(url).status_code == 200, url


def test_teacher_of_another_class_gets_404(school, formed, login):
    client = login(school.outsider)  # homeroom teacher of class B only
    for url in [
        *class_urls(school),
        reverse("groups:score", args=[school.class_a.pk]),
        reverse("groups:group_detail", args=[formed[0].pk]),
        reverse("groups:group_entries", args=[formed[0].pk]),
    ]:
        assert client.get(url).status_code == 404, url
    tap = reverse("groups:score_tap", args=[school.class_a.pk])
    response = client.post(tap, {"group": formed[0].pk, "item": item().pk})
    assert response.status_code == 404
    assert not ScoreEntry.objects.exists()


def test_a_teacher_cannot_score_a_class_they_do_not_teach(school, formed, login):
    # The grade head sees every class of the grade but teaches none: 403.
    client = login(school.grade_head)
    assert client.get(reverse("groups:class_groups", args=[school.class_a.pk])).status_code == 200
    assert client.get(reverse("groups:score", args=[school.class_a.pk])).status_code == 403
    response = client.post(
        reverse("groups:score_tap", args=[school.class_a.pk]),
        {"group": formed[0].pk, "item": item().pk},
    )
    assert response.status_code == 403
    assert not ScoreEntry.objects.exists()


def test_subject_teacher_may_score_but_not_regroup(school, formed, login):
    client = login(school.teacher)
    response = client.post(
        reverse("groups:score_tap", args=[school.class_a.pk]),
        {"group": formed[1].pk, "item": item("质疑对抗").pk, "subject": school.maths.pk},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 200 and response.json()["points"] == 2
    entry = ScoreEntry.objects.get()
    assert (entry.teacher, entry.subject, entry.group) == (school.teacher, school.maths, formed[1])
    assert (
        client.post(
            reverse("groups:class_groups", args=[school.class_a.pk]), {"size": 6}
        ).status_code
        == 403
    )
    assert client.get(reverse("groups:group_edit", args=[formed[0].pk])).status_code == 403
    assert client.get(reverse("groups:reviews", args=[school.class_a.pk])).status_code == 403


def test_anonymous_is_sent_to_login(client, school, formed):
    for url in [*class_urls(school), reverse("groups:leaderboard"), reverse("groups:index")]:
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url


def test_tap_then_undo_through_the_pages(school, formed, login):
    client = login(school.teacher)
    tap = reverse("groups:score_tap", args=[school.class_a.pk])
    data = client.post(
        tap,
        {"group": formed[0].pk, "item": item("表扬").pk, "student": school.student_a.pk},
        HTTP_ACCEPT="application/json",
    ).json()
    assert data["ok"] and data["points"] == 3
    entry = ScoreEntry.objects.get()
    assert entry.student == school.student_a
    # Someone else cannot undo it.
    other = login(school.homeroom)
    assert other.post(data["undo_url"], HTTP_ACCEPT="application/json").status_code == 400
    client = login(school.teacher)
    assert client.post(data["undo_url"], HTTP_ACCEPT="application/json").json()["points"] == -3
    assert sum(ScoreEntry.objects.values_list("points", flat=True)) == 0


def test_bad_taps_get_a_message_not_a_500(school, formed, login):
    client = login(school.teacher)
    tap = reverse("groups:score_tap", args=[school.class_a.pk])
    # An item id that does not exist (not a literal: a reused PostgreSQL test database keeps
    # counting ids across tests).
    missing_item = ScoreItem.objects.order_by("-pk").first().pk + 1000
    for data in (
        {"group": "x", "item": item().pk},
        {"group": formed[0].pk, "item": missing_item},
        {"group": formed[0].pk, "item": item().pk, "student": school.student_b.pk},
        {"group": formed[0].pk, "item": item().pk, "subject": school.english.pk},
    ):
        response = client.post(tap, data, HTTP_ACCEPT="application/json")
        assert response.status_code == 400 and response.json()["message"]
    response = client.post(tap, {"group": "", "item": ""}, follow=True)
    assert response.status_code == 200
    assert not ScoreEntry.objects.exists()


def test_forming_from_the_page(school, today, login):
    add_students(school.class_a, 23, subjects=[school.chinese, school.maths])
    client = login(school.homeroom)
    url = reverse("groups:class_groups", args=[school.class_a.pk])
    response = client.post(url, {"size": 4}, follow=True)
    assert response.status_code == 200
    assert "balance" in response.text
    assert Membership.objects.count() == 24
    response = client.post(reverse("groups:confirm", args=[school.class_a.pk]), follow=True)
    assert "已确认" in response.text or "confirmed" in response.text
    member = Membership.objects.first()
    move = reverse("groups:member_move", args=[member.pk])
    target = school.class_a.study_groups.exclude(pk=member.group_id).first()
    response = client.post(move, {"to_group": target.pk, "reason": ""})
    assert response.status_code == 200  # shown again: a reason is needed
    response = client.post(move, {"to_group": target.pk, "reason": "视力原因调到前排"})
    assert response.status_code == 302


def test_tiers_never_on_printables(school, formed, login):
    Membership.objects.update(tier="C")
    client = login(school.homeroom)
    for name in ("groups:register", "groups:seating"):
        text = client.get(reverse(name, args=[school.class_a.pk])).text
        assert "tier-C" not in text and "层次" not in text
    assert "tier-C" in client.get(reverse("groups:class_groups", args=[school.class_a.pk])).text


def test_registration_xlsx_has_roles_but_no_tiers(school, formed, login):
    import io

    from openpyxl import load_workbook

    client = login(school.homeroom)
    response = client.get(reverse("groups:register_xlsx", args=[school.class_a.pk]))
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.values)
    assert rows[0][:2] == ("组别", "组名") and "层次" not in rows[0]
    assert any("行政组长" in (r[5] or "") for r in rows[1:])
    assert len(rows) == 17


def test_leaderboard_is_for_the_principals_office(school, formed, login):
    url = reverse("groups:leaderboard")
    for staff in (school.homeroom, school.teacher, school.office):
        assert login(staff).get(url).status_code == 403
    # And for a grade head, their own grade (tests/groups/test_grade_head_board.py).
    assert login(school.grade_head).get(url).status_code == 200
    for staff in (school.principal, school.academic):
        assert login(staff).get(url).status_code == 200


def test_only_the_academic_office_closes_and_publishes(school, formed, login, no_activity_minimum):
    add_points(formed[0], school.teacher, 5, dt.date(2026, 10, 12))
    data = {"month": "2026-10"}
    assert login(school.principal).post(reverse("groups:month_close"), data).status_code == 403
    client = login(school.academic)
    client.post(reverse("groups:month_close"), data)
    close = MonthClose.objects.get()
    client.post(reverse("groups:month_excellent"), {**data, "excellent": [formed[0].pk]})
    client.post(reverse("groups:month_publish"), data)
    close.refresh_from_db()
    assert close.is_published
    page = login(school.homeroom).get(reverse("groups:commendation", args=[2026, 10]))
    assert page.status_code == 200 and formed[0].name in page.text


def test_unpublished_commendation_is_hidden_from_teachers(school, formed, login):
    close_month(dt.date(2026, 10, 1), school.academic)
    assert (
        login(school.homeroom).get(reverse("groups:commendation", args=[2026, 10])).status_code
        == 404
    )
    assert (
        login(school.academic).get(reverse("groups:commendation", args=[2026, 10])).status_code
        == 200
    )


def test_recommendation_shows_on_leaderboard(school, formed, login):
    client = login(school.homeroom)
    client.post(
        reverse("groups:recommend", args=[formed[2].pk]), {"month": "2026-11", "note": "互助好"}
    )
    page = login(school.academic).get(reverse("groups:leaderboard") + "?month=2026-11")
    assert "互助好" in page.text


def test_teacher_cannot_recommend(school, formed, login):
    client = login(school.teacher)
    response = client.post(reverse("groups:recommend", args=[formed[2].pk]), {"month": "2026-11"})
    assert response.status_code == 403


def _bulk_class(school, school_class, n_students, entries_per_group, seed):
    students = add_students(school_class, n_students, seed=seed)
    groups = make_groups(school_class, school.term, students, per_group=5)
    for group in groups:
        add_points(group, school.teacher, 2, dt.date(2026, 11, 18), count=entries_per_group)
    return groups


def test_leaderboard_query_count_does_not_grow(school, today, login, django_assert_max_num_queries):
    client = login(school.academic)
    url = reverse("groups:leaderboard") + "?month=2026-11"
    _bulk_class(school, school.class_a, 5, 1, 1)
    with django_assert_max_num_queries(20) as small:
        assert client.get(url).status_code == 200
    _bulk_class(school, school.class_b, 40, 30, 2)
    _bulk_class(school, school.class_c, 40, 30, 3)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(url)
    assert response.text.count("/groups/") > 16


def test_closed_leaderboard_query_count_does_not_grow(
    school, today, login, django_assert_max_num_queries, no_activity_minimum
):
    client = login(school.academic)
    url = reverse("groups:leaderboard") + "?month=2026-10"
    groups = make_groups(
        school.class_a, school.term, add_students(school.class_a, 5, seed=1), per_group=5
    )
    add_points(groups[0], school.teacher, 3, dt.date(2026, 10, 14))
    close = close_month(dt.date(2026, 10, 1), school.academic)
    with django_assert_max_num_queries(22) as small:
        assert client.get(url).status_code == 200
    close.delete()
    _bulk_class(school, school.class_b, 40, 30, 2)
    for group in _bulk_class(school, school.class_c, 40, 30, 3):
        add_points(group, school.teacher, 1, dt.date(2026, 10, 14), count=20)
    close = close_month(dt.date(2026, 10, 1), school.academic)
    mark_excellent(close, [groups[0].pk])
    publish(close, school.academic)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize("mode", ["", "?month=2026-11"])
def test_ranking_query_count_does_not_grow(
    school, today, login, mode, django_assert_max_num_queries
):
    client = login(school.homeroom)
    url = reverse("groups:ranking", args=[school.class_a.pk]) + mode
    groups = make_groups(school.class_a, school.term, add_students(school.class_a, 4, seed=1))
    add_points(groups[0], school.teacher, 1, today)
    with django_assert_max_num_queries(20) as small:
        assert client.get(url).status_code == 200
    more = make_groups(
        school.class_a, school.term, add_students(school.class_a, 36, seed=2), start=5
    )
    for group in more:
        add_points(group, school.teacher, 2, today, count=50)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(url)
    assert response.text.count("groups/") > 10


def test_group_and_score_pages_query_count_does_not_grow(
    school, formed, login, today, django_assert_max_num_queries
):
    client = login(school.homeroom)
    urls = [
        reverse("groups:group_detail", args=[formed[0].pk]),
        reverse("groups:score", args=[school.class_a.pk]),
        reverse("groups:class_groups", args=[school.class_a.pk]),
        reverse("groups:group_entries", args=[formed[0].pk]),
    ]
    add_score(formed[0], item(), school.homeroom)
    budgets = {}
    for url in urls:
        with django_assert_max_num_queries(30) as counted:
            assert client.get(url).status_code == 200
        budgets[url] = len(counted.captured_queries)
    for _ in range(30):
        add_score(formed[0], item(), school.homeroom, student=school.student_a)
    add_points(formed[0], school.teacher, 1, dt.date(2026, 10, 12), count=40)
    for url in urls:
        with django_assert_max_num_queries(budgets[url]):
            assert client.get(url).status_code == 200


def test_absurd_ids_and_dates_are_404(school, formed, login):
    client = login(school.academic)
    huge = "9" * 25
    for url in (
        f"/groups/{huge}/",
        f"/groups/classes/{huge}/",
        f"/groups/commendations/{huge}/1/",
        "/groups/commendations/2026/13/",
        f"/groups/entries/{huge}/correct/",
    ):
        assert client.get(url).status_code == 404, url
    assert (
        client.get(reverse("groups:ranking", args=[school.class_a.pk]) + "?week=x").status_code
        == 404
    )


def test_live_leaderboard_in_the_admin(school, formed, login, no_activity_minimum):
    add_points(formed[2], school.teacher, 4, dt.date(2026, 11, 9))
    url = reverse("admin:groups_leaderboardrow_live") + "?month=2026-11"
    response = login(school.academic).get(url)
    assert response.status_code == 200
    assert formed[2].name in response.text and "400.0" in response.text
    assert login(school.office).get(url).status_code == 403


def test_live_leaderboard_in_the_admin_comes_a_page_at_a_time(school, formed, login, monkeypatch):
    monkeypatch.setattr("groups.selectors.LEADERBOARD_PAGE", 3)
    for group in formed:
        add_points(group, school.teacher, 2, dt.date(2026, 11, 9))
    url = reverse("admin:groups_leaderboardrow_live") + "?month=2026-11"
    client = login(school.academic)
    first = client.get(url)
    assert len(first.context["rows"]) == 3
    assert "page=2" in first.text
    second = client.get(url + "&page=2")
    assert len(second.context["rows"]) == len(formed) - 3
