"""The class terminal (班级一体机): sign-in, renewal, expiry, throttling, what it may reach,
the student recorders' entries, the homeroom teacher's review and the school's counting rule."""

from __future__ import annotations

import datetime as dt

from django.test import Client
from django.urls import reverse

import pytest

from groups import terminal
from groups.models import ClassTerminal, GroupSettings, Membership, ScoreEntry, StudentPoints
from groups.selectors import compute_board

from .helpers import item
from .helpers_terminal import terminal_client

pytestmark = pytest.mark.django_db

HOME = "groups:terminal_home"


def _pick(client, student):
    return client.post(reverse(HOME), {"recorder": student.pk})


def _record(client, group, it, **extra):
    return client.post(
        reverse("groups:terminal_record"), {"group": group.pk, "item": it.pk, **extra}
    )


def test_the_homeroom_teacher_turns_it_on_and_the_pc_signs_in(school, formed, client, login):
    page = login(school.homeroom).post(
        reverse("groups:terminal_settings", args=[school.class_a.pk]), {"action": "renew"}
    )
    assert page.status_code == 200
    code = page.context["code"]
    assert len(code) == terminal.CODE_LENGTH and code in page.text
    stored = ClassTerminal.objects.get(school_class=school.class_a)
    assert code not in stored.code_hash  # kept hashed
    pc = Client()
    assert pc.get(reverse(HOME)).status_code == 302  # no session: to the sign-in page
    wrong = pc.post(reverse("groups:terminal_signin"), {"code": "AAAA2222"})
    assert wrong.status_code == 200 and "登录码不正确" in wrong.text
    response = pc.post(reverse("groups:terminal_signin"), {"code": code.lower()})
    assert response.status_code == 302 and response.url == reverse(HOME)
    page = pc.get(reverse(HOME))
    assert page.status_code == 200 and "张小明" in page.text
    assert 0 < pc.session.get_expiry_age() <= 12 * 3600


def test_other_teachers_cannot_turn_it_on(school, login):
    url = reverse("groups:terminal_settings", args=[school.class_a.pk])
    assert login(school.teacher).get(url).status_code == 403
    assert login(school.outsider).get(url).status_code == 404


def test_renewal_signs_the_old_device_out(school, formed):
    old, _code = terminal_client(Client(), school.class_a, school.homeroom)
    assert old.get(reverse(HOME)).status_code == 200
    new, _code = terminal_client(Client(), school.class_a, school.homeroom)
    assert new.get(reverse(HOME)).status_code == 200
    assert old.get(reverse(HOME)).status_code == 302  # signed out
    assert old.get(reverse("groups:terminal_signin")).status_code == 200


def test_a_second_device_with_the_same_code_signs_the_first_out(school, formed):
    first, code = terminal_client(Client(), school.class_a, school.homeroom)
    second = Client()
    second.post(reverse("groups:terminal_signin"), {"code": code})
    assert second.get(reverse(HOME)).status_code == 200
    assert first.get(reverse(HOME)).status_code == 302


def test_a_code_checks_one_hash_however_many_terminals_are_on(school, formed, monkeypatch):
    """A sign-in finds its terminal by the code's keyed digest and checks that one salted
    hash (each check costs a quarter of a second in production): a school of 66 terminals
    signs in as fast as one, and a wrong code checks none."""
    codes = {c: terminal.turn_on(c, school.academic) for c in (school.class_b, school.class_c)}
    mine = terminal.turn_on(school.class_a, school.homeroom)
    checked = []
    original = terminal.check_password
    monkeypatch.setattr(
        terminal, "check_password", lambda *args: checked.append(args) or original(*args)
    )
    client = Client()
    client.post(reverse("groups:terminal_signin"), {"code": mine})
    assert client.get(reverse(HOME)).status_code == 200
    assert len(checked) == 1
    checked.clear()
    Client().post(reverse("groups:terminal_signin"), {"code": "ZZZZ2222"})
    assert checked == []
    assert mine not in codes.values()


def test_turning_it_off_signs_the_device_out(school, formed, login):
    pc, _code = terminal_client(Client(), school.class_a, school.homeroom)
    login(school.homeroom).post(
        reverse("groups:terminal_settings", args=[school.class_a.pk]), {"action": "off"}
    )
    assert pc.get(reverse(HOME)).status_code == 302


def test_the_session_expires_after_12_hours(school, formed):
    import time_machine

    start = dt.datetime(2026, 11, 23, 0, 30, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        pc, _code = terminal_client(Client(), school.class_a, school.homeroom)
        assert pc.get(reverse(HOME)).status_code == 200
    with time_machine.travel(start + dt.timedelta(hours=11, minutes=59), tick=False):
        assert pc.get(reverse(HOME)).status_code == 200
    with time_machine.travel(start + dt.timedelta(hours=12, minutes=1), tick=False):
        assert pc.get(reverse(HOME)).status_code == 302


@pytest.fixture
def axes_on(settings):
    from axes.handlers.proxy import AxesProxyHandler

    settings.AXES_ENABLED = True
    AxesProxyHandler.implementation = None
    yield
    AxesProxyHandler.implementation = None


def test_wrong_codes_are_throttled_like_a_login(school, formed, axes_on):
    code = terminal.turn_on(school.class_a, school.homeroom)
    pc = Client()
    for _ in range(5):
        response = pc.post(reverse("groups:terminal_signin"), {"code": "WRONG234"})
    assert response.status_code == 429
    assert "15 分钟" in response.text
    locked = pc.post(reverse("groups:terminal_signin"), {"code": code})
    assert locked.status_code == 429  # even the right code, until the cool-off


def test_the_terminal_reaches_nothing_of_the_staff_side(school, formed):
    pc, _code = terminal_client(Client(), school.class_a, school.homeroom)
    for url in [
        reverse("home"),
        reverse("groups:score", args=[school.class_a.pk]),
        reverse("groups:class_groups", args=[school.class_a.pk]),
        reverse("groups:terminal_settings", args=[school.class_a.pk]),
        reverse("schoolops:class_detail", kwargs={"class_pk": school.class_a.pk}),
        reverse("admin:index"),
    ]:
        assert pc.get(url).status_code in (302, 403, 404), url
    assert pc.get(reverse(HOME)).status_code == 200


def test_a_student_records_the_weekly_evaluation(school, formed, today):
    pc, _code = terminal_client(Client(), school.class_a, school.homeroom)
    recorder = formed[1].memberships.first().student
    assert _record(pc, formed[0], item()).status_code == 302  # no recorder picked: refused
    assert not ScoreEntry.objects.exists()
    _pick(pc, recorder)
    response = _record(pc, formed[0], item("表扬"))
    assert response.status_code == 302
    entry = ScoreEntry.objects.get()
    assert entry.points == 3 and entry.group == formed[0] and entry.student is None
    assert entry.recorded_by_student == recorder
    assert entry.terminal.school_class == school.class_a
    assert entry.teacher == school.homeroom
    page = pc.get(reverse(HOME))
    assert (
        "表扬 +3" in page.text and 'class="terminal-points" aria-label="本周得分">3<' in page.text
    )


def test_a_student_of_another_class_cannot_be_the_recorder(school, formed, today):
    pc, _code = terminal_client(Client(), school.class_a, school.homeroom)
    _pick(pc, school.student_b)
    _record(pc, formed[0], item())
    assert not ScoreEntry.objects.exists()


def test_the_group_recorder_records_members_of_their_own_group_only(school, formed, today):
    pc, _code = terminal_client(Client(), school.class_a, school.homeroom)
    recorder = Membership.objects.filter(group=formed[0]).order_by("seat").last()
    member = Membership.objects.filter(group=formed[0]).order_by("seat").first()
    _pick(pc, recorder.student)
    _record(pc, formed[0], item(), student=member.student_id)
    assert not ScoreEntry.objects.exists()  # not the group's recorder yet
    Membership.objects.filter(pk=recorder.pk).update(is_recorder=True)
    page = pc.get(reverse(HOME))
    assert member.student.name in page.text
    _record(pc, formed[0], item(), student=member.student_id)
    entry = ScoreEntry.objects.get()
    assert entry.student == member.student and entry.recorded_by_student == recorder.student
    other = Membership.objects.filter(group=formed[1]).first()
    _record(pc, formed[1], item(), student=other.student_id)
    assert ScoreEntry.objects.count() == 1  # another group's member: refused


def _student_entries(school, formed, pc):
    recorder = formed[1].memberships.first().student
    _pick(pc, recorder)
    _record(pc, formed[0], item("表扬"))  # +3
    _record(pc, formed[0], item("课堂回答"))  # +1
    return list(ScoreEntry.objects.order_by("pk"))


def test_the_homeroom_teacher_reviews_and_reverses_with_a_reason(school, formed, today, login):
    pc, _code = terminal_client(Client(), school.class_a, school.homeroom)
    praise, answer = _student_entries(school, formed, pc)
    url = reverse("groups:terminal_review", args=[school.class_a.pk])
    assert login(school.teacher).get(url).status_code == 403
    homeroom = login(school.homeroom)
    page = homeroom.get(url)
    assert page.status_code == 200 and "表扬" in page.text
    response = homeroom.post(url, {"action": "reverse", "entry": praise.pk, "reason": ""})
    assert not ScoreEntry.objects.filter(reverses=praise).exists()  # a reason is required
    response = homeroom.post(
        url, {"action": "reverse", "entry": praise.pk, "reason": "没有在展示中加分"}
    )
    assert response.status_code == 302
    reversal = ScoreEntry.objects.get(reverses=praise)
    assert (
        reversal.points == -3 and reversal.recorded_by_student_id == praise.recorded_by_student_id
    )
    homeroom.post(url, {"action": "review"})
    answer.refresh_from_db()
    assert answer.reviewed_by == school.homeroom
    assert "没有在展示中加分" in homeroom.get(url).text


@pytest.mark.parametrize(
    ("rule", "before_review", "after_review"),
    [(StudentPoints.FULL, 6, 6), (StudentPoints.HALF, 4, 4), (StudentPoints.REVIEW, 2, 6)],
)
def test_the_school_decides_how_student_entries_count(
    school, formed, today, login, no_activity_minimum, rule, before_review, after_review
):
    """A teacher's +2 and a student's +3 and +1: the leaderboard counts the student's by the
    school's rule (fully, half, or once reviewed)."""
    no_activity_minimum.student_points = rule
    no_activity_minimum.save()
    from .helpers import add_points

    add_points(formed[0], school.teacher, 2, today)
    pc, _code = terminal_client(Client(), school.class_a, school.homeroom)
    _student_entries(school, formed, pc)

    def points():
        rows, _totals = compute_board(today, rule=GroupSettings.load())
        return next(r.points for r in rows if r.group_id == formed[0].pk)

    assert points() == before_review
    login(school.homeroom).post(
        reverse("groups:terminal_review", args=[school.class_a.pk]), {"action": "review"}
    )
    assert points() == after_review


def test_the_weekly_page_keeps_its_queries(school, formed, today, django_assert_max_num_queries):
    pc, _code = terminal_client(Client(), school.class_a, school.homeroom)
    _student_entries(school, formed, pc)
    with django_assert_max_num_queries(20):
        assert pc.get(reverse(HOME)).status_code == 200


def test_the_class_ranking_counts_by_the_same_rule(school, formed, today):
    from groups.selectors import class_standings

    GroupSettings.objects.create(student_points=StudentPoints.HALF)
    pc, _code = terminal_client(Client(), school.class_a, school.homeroom)
    _student_entries(school, formed, pc)  # +3 and +1 for the first group, half each
    standings = class_standings(school.class_a, school.term, week=school.term.week_number(today))
    assert standings[0].group == formed[0] and standings[0].points == 2


def test_the_review_page_keeps_its_queries(
    school, formed, today, login, django_assert_max_num_queries
):
    pc, _code = terminal_client(Client(), school.class_a, school.homeroom)
    _student_entries(school, formed, pc)
    homeroom = login(school.homeroom)
    url = reverse("groups:terminal_review", args=[school.class_a.pk])
    with django_assert_max_num_queries(20):
        assert homeroom.get(url).status_code == 200


def test_a_button_tapped_twice_before_the_page_returns_is_one_entry(school, formed, today):
    pc, _code = terminal_client(Client(), school.class_a, school.homeroom)
    _pick(pc, formed[1].memberships.first().student)
    page = pc.get(reverse(HOME)).context["page_id"]
    for _ in range(2):
        _record(pc, formed[0], item("表扬"), page=str(page))
    _record(pc, formed[0], item("纪律"), page=str(page))  # another button of the same page
    assert sorted(ScoreEntry.objects.values_list("points", flat=True)) == [-2, 3]
