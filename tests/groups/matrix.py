"""The groups app's rows of the permission matrix (see ``tests/safety/matrix.py``).

Objects are built in class_a. Its groups are seen by its teachers (homeroom, teacher), its
grade head and the principal's office; the outsider (class_b), the psychology teacher and
office staff (groups are teachers' business, not the roster's) get 404. Forming and keeping
the groups is for the homeroom teacher, the grade head and the principal's office (a subject
teacher gets 403); scoring for the class's teachers (others who see the class get 403);
uploading the 学习委员's weekly score sheet for the class's own homeroom teacher; the
monthly leaderboard and its download for the principal's office and, for 七年级 only, its
grade head; closing and publishing for 教导处.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from groups.models import (
    ClassTerminal,
    CoachingNote,
    GroupActivity,
    GroupMeeting,
    GroupSettings,
    LeaderboardRow,
    MemberChange,
    Membership,
    MonthClose,
    PlanItem,
    PlanTick,
    Recommendation,
    ReviewRound,
    ScoreEntry,
    ScoreItem,
    StudyGroup,
)
from groups.services import close_month, mark_excellent, publish
from schoolops.models import Gender, Student
from tests.groups.matrix_materials import MATERIAL_ADMIN_OBJECTS, MATERIAL_ROUTES
from tests.groups.matrix_pairs import PAIR_ADMIN_OBJECTS, PAIR_ROUTES
from tests.safety.matrix import LOGIN, OK, REDIRECT, Call, Route, admin_row, expect


def _item(name: str) -> ScoreItem:
    from tests.groups.helpers import item

    return item(name)


VIEW = expect(OK, anonymous=LOGIN, outsider=404, psychologist=404, office=404)
KEEP = expect(OK, anonymous=LOGIN, outsider=404, psychologist=404, office=404, teacher=403)
KEEP_POST = expect(
    REDIRECT, anonymous=LOGIN, outsider=404, psychologist=404, office=404, teacher=403
)
SCORE = expect(
    403, anonymous=LOGIN, homeroom=OK, teacher=OK, outsider=404, psychologist=404, office=404
)
SCORE_POST = expect(
    403,
    anonymous=LOGIN,
    homeroom=REDIRECT,
    teacher=REDIRECT,
    outsider=404,
    psychologist=404,
    office=404,
)
# The class's own homeroom teacher (whoever else sees the class gets 403).
HOMEROOM = expect(403, anonymous=LOGIN, homeroom=OK, outsider=404, psychologist=404, office=404)
HOMEROOM_POST = expect(
    403, anonymous=LOGIN, homeroom=REDIRECT, outsider=404, psychologist=404, office=404
)
# The leaderboard: the principal's office, and the grade head for their own grade.
BOARD = expect(403, anonymous=LOGIN, principal=OK, academic=OK, grade_head=OK)
ACADEMIC_POST = expect(403, anonymous=LOGIN, academic=REDIRECT)


def _groups(school) -> tuple[StudyGroup, StudyGroup, Membership, Membership]:
    """Two confirmed groups of class_a (built once: several routes share them)."""
    other, _ = Student.objects.get_or_create(
        student_no="0702601099",
        defaults={"name": "李思远", "gender": Gender.FEMALE, "school_class": school.class_a},
    )
    now = timezone.now()
    g1, _ = StudyGroup.objects.get_or_create(
        term=school.term,
        school_class=school.class_a,
        number=1,
        defaults={"name": "星火组", "confirmed_at": now},
    )
    g2, _ = StudyGroup.objects.get_or_create(
        term=school.term,
        school_class=school.class_a,
        number=2,
        defaults={"name": "启航组", "confirmed_at": now},
    )
    m1, _ = Membership.objects.get_or_create(
        group=g1, student=school.student_a, defaults={"seat": 1, "is_leader": True}
    )
    m2, _ = Membership.objects.get_or_create(
        group=g1, student=other, defaults={"seat": 2, "is_recorder": True}
    )
    return g1, g2, m1, m2


def _terminal_renew(school) -> Call:
    return Call(kwargs={"class_pk": school.class_a.pk}, data={"action": "renew"})


def _terminal_review(school) -> Call:
    return Call(kwargs={"class_pk": school.class_a.pk}, data={"action": "review"})


def _class(school) -> Call:
    _groups(school)
    return Call(kwargs={"class_pk": school.class_a.pk})


def _propose(school) -> Call:
    return Call(kwargs={"class_pk": school.class_a.pk}, data={"size": "4"})


def _tap(school) -> Call:
    g1, _g2, _m1, _m2 = _groups(school)
    item = _item("课堂回答")
    return Call(
        kwargs={"class_pk": school.class_a.pk},
        data={"group": str(g1.pk), "item": str(item.pk), "student": "", "subject": ""},
    )


def _tap_all(school) -> Call:
    """「全组 +N」: every group of class_a at once."""
    _groups(school)
    return Call(kwargs={"class_pk": school.class_a.pk}, data={"item": str(_item("表扬").pk)})


def _score_sheet(school) -> Call:
    """The homeroom teacher's upload of class_a's weekly score sheet: one valid row."""
    from tests.groups.helpers import scores_workbook

    _groups(school)
    _item("课堂回答")
    sheet = scores_workbook(
        [["2026-11-23", "七年级", "1班", "星火组", "课堂回答", 1, "T1001", "学习委员记录", None]]
    )
    return Call(kwargs={"class_pk": school.class_a.pk}, files={"file": ("scores.xlsx", sheet)})


def _group(school) -> Call:
    g1, *_rest = _groups(school)
    return Call(kwargs={"pk": g1.pk})


def _group_edit(school) -> Call:
    g1, *_rest = _groups(school)
    return Call(
        kwargs={"pk": g1.pk},
        data={
            "name": "燎原组",
            "motto": "星星之火，可以燎原",
            "goal_midterm": "期中进入前三",
            "goal_term_end": "",
            "goal_year": "",
            "goal_stage": "",
        },
    )


def _roles(school) -> Call:
    g1, _g2, m1, m2 = _groups(school)
    return Call(
        kwargs={"pk": g1.pk},
        data={
            "leader": str(m1.pk),
            "recorder": str(m2.pk),
            f"subject_{school.chinese.pk}": str(m1.pk),
            f"subject_{school.maths.pk}": str(m2.pk),
        },
    )


def _checkin(school) -> Call:
    g1, *_rest = _groups(school)
    return Call(
        kwargs={"pk": g1.pk},
        data={"goal": "midterm", "membership": "", "status": "on_track", "note": "进步明显"},
    )


def _consequence(school) -> Call:
    g1, *_rest = _groups(school)
    return Call(
        kwargs={"pk": g1.pk},
        data={"student": str(school.student_a.pk), "kind": "letter", "note": "互助积极"},
    )


def _recommend(school) -> Call:
    g1, *_rest = _groups(school)
    return Call(kwargs={"pk": g1.pk}, data={"month": "2026-11", "note": "本月第一"})


def _member(school) -> Call:
    _g1, g2, m1, _m2 = _groups(school)
    return Call(kwargs={"pk": m1.pk}, data={"to_group": str(g2.pk), "reason": "视力原因调整"})


def _goals(school) -> Call:
    _g1, _g2, m1, _m2 = _groups(school)
    return Call(kwargs={"pk": m1.pk}, data={"goal_short": "数学提高10分", "goal_long": "考上一中"})


def _entry(school) -> ScoreEntry:
    g1, *_rest = _groups(school)
    term = school.term
    day = dt.date(2026, 11, 23)
    return ScoreEntry.objects.create(
        group=g1,
        school_class=school.class_a,
        term=term,
        item=_item("表扬"),
        points=3,
        teacher=school.teacher,
        day=day,
        week=term.week_number(day),
        month=day.replace(day=1),
    )


def _undo(school) -> Call:
    return Call(kwargs={"pk": _entry(school).pk}, data={})


def _correct(school) -> Call:
    return Call(kwargs={"pk": _entry(school).pk}, data={"reason": "记错了小组"})


def _move(school) -> Call:
    """「改记到…组」: a fresh tap of the first group moved to the second."""
    _g1, g2, _m1, _m2 = _groups(school)
    return Call(kwargs={"pk": _entry(school).pk}, data={"group": str(g2.pk), "reason": ""})


def _reviews(school) -> Call:
    _groups(school)
    return Call(
        kwargs={"class_pk": school.class_a.pk},
        data={"title": "期中自评互评", "held_on": "2026-11-20"},
    )


def _round(school) -> tuple[ReviewRound, StudyGroup, list[Membership]]:
    g1, _g2, m1, m2 = _groups(school)
    round, _ = ReviewRound.objects.get_or_create(
        school_class=school.class_a,
        term=school.term,
        title="期中自评互评",
        defaults={"held_on": dt.date(2026, 11, 20)},
    )
    return round, g1, [m1, m2]


def _review_round(school) -> Call:
    round, _g1, _members = _round(school)
    return Call(kwargs={"pk": round.pk})


def _review_entry(school) -> Call:
    round, g1, members = _round(school)
    data = {"reviewer": str(members[0].student_id)}
    for m in members:
        for key in ("participation", "helping", "finishing", "discipline"):
            data[f"r_{m.student_id}_{key}"] = "4"
    return Call(kwargs={"pk": round.pk, "group_pk": g1.pk}, data=data)


def _month(school) -> Call:
    _groups(school)
    return Call(data={"month": "2026-10"})


def _closed(school) -> MonthClose:
    g1, g2, _m1, _m2 = _groups(school)
    close = MonthClose.objects.filter(month=dt.date(2026, 10, 1)).first()
    if close is not None:
        return close
    # Only ranked groups can be outstanding: class_a scores on three days of the month, each
    # group at least once (the default minimum activity), so its groups are ranked.
    term = school.term
    for group, day in ((g1, 12), (g1, 13), (g1, 14), (g2, 14)):
        date = dt.date(2026, 10, day)
        ScoreEntry.objects.create(
            group=group,
            school_class=school.class_a,
            term=term,
            item=_item("表扬"),
            points=3 if group == g1 else 1,
            teacher=school.teacher,
            day=date,
            week=term.week_number(date),
            month=date.replace(day=1),
        )
    return close_month(dt.date(2026, 10, 1), school.academic)


def _excellent(school) -> Call:
    close = _closed(school)
    group_id = close.rows.first().group_id
    return Call(data={"month": "2026-10", "excellent": [str(group_id)]})


def _publish(school) -> Call:
    close = _closed(school)
    mark_excellent(close, [close.rows.first().group_id])
    return Call(data={"month": "2026-10"})


def _commendation(school) -> Call:
    close = _closed(school)
    if not close.is_published:
        mark_excellent(close, [close.rows.first().group_id])
        publish(close, school.academic)
    return Call(kwargs={"year": 2026, "month": 10})


# Group life (issue 16).
VIEW_POST = expect(REDIRECT, anonymous=LOGIN, outsider=404, psychologist=404, office=404)


def _group_in_class(school) -> Call:
    g1, *_rest = _groups(school)
    return Call(kwargs={"class_pk": school.class_a.pk, "pk": g1.pk})


def _meeting(school) -> Call:
    """A meeting of the first group (``recorder``: the class terminal's student who writes;
    staff forms have no such field)."""
    g1, _g2, m1, m2 = _groups(school)
    return Call(
        kwargs={"class_pk": school.class_a.pk, "pk": g1.pk},
        data={
            "day": "2026-11-23",
            "present": [str(m1.student_id), str(m2.student_id)],
            "discussed": "讨论数学错题",
            "decisions": "每人整理三道错题",
            "recorder": str(school.student_a.pk),
        },
    )


def _plan_item(school) -> PlanItem:
    g1, _g2, _m1, m2 = _groups(school)
    item, _ = PlanItem.objects.get_or_create(
        group=g1,
        goal="数学期末全员及格",
        defaults={"weekly_task": "每周整理五道错题", "checker_id": m2.student_id},
    )
    return item


def _tick(school) -> Call:
    item = _plan_item(school)
    return Call(
        kwargs={"class_pk": school.class_a.pk, "pk": item.group_id},
        data={"week": "13", f"done_{item.pk}": "on", "recorder": str(school.student_a.pk)},
    )


def _plan_edit(school) -> Call:
    item = _plan_item(school)
    data = {"form-TOTAL_FORMS": "2", "form-INITIAL_FORMS": "2"}
    data.update(
        {
            "form-0-item": str(item.pk),
            "form-0-subject": str(school.maths.pk),
            "form-0-goal": item.goal,
            "form-0-weekly_task": item.weekly_task,
            "form-0-checker": "",
            "form-1-goal": "语文默写全对",
            "form-1-weekly_task": "每周默写两首古诗",
        }
    )
    return Call(kwargs={"class_pk": school.class_a.pk, "pk": item.group_id}, data=data)


def _coaching(school) -> Call:
    g1, *_rest = _groups(school)
    return Call(
        kwargs={"pk": g1.pk},
        data={"day": "2026-11-23", "found": "组长不敢管纪律", "agreed": "每周由组长轮流主持"},
    )


def _activity(school) -> Call:
    _groups(school)
    return Call(
        kwargs={"class_pk": school.class_a.pk},
        data={
            "kind": "leaders",
            "day": "2026-11-20",
            "participants": "各组组长、科代表、班长",
            "content": "组长职责与小组管理方法",
        },
    )


ROUTES = [
    Route("groups:index", expect=expect(OK, anonymous=LOGIN)),
    Route("groups:class_groups", build=_class, expect=VIEW),
    Route("groups:class_groups", method="post", build=_propose, expect=KEEP_POST),
    Route("groups:confirm", method="post", build=_propose, expect=KEEP_POST),
    Route("groups:score", build=_class, expect=SCORE),
    Route("groups:score_tap", method="post", build=_tap, expect=SCORE_POST),
    Route("groups:score_all", method="post", build=_tap_all, expect=SCORE_POST),
    Route("groups:score_all", build=_class, expect=expect(405), fuzz=False),
    # The 学习委员's weekly score sheet: its own class's homeroom teacher uploads it (checked,
    # then confirmed: the check redirects to its record).
    Route("groups:score_upload", build=_class, expect=HOMEROOM),
    Route(
        "groups:score_upload",
        method="post",
        build=_score_sheet,
        expect=HOMEROOM_POST,
        uploads=True,
    ),
    # The class terminal (班级一体机): its homeroom teacher's settings and review; the
    # classroom PC's pages (staff are no terminal: the home redirects to the sign-in page).
    Route("groups:terminal_settings", build=_class, expect=HOMEROOM),
    Route(
        "groups:terminal_settings",
        method="post",
        build=_terminal_renew,
        expect=expect(
            403, anonymous=LOGIN, homeroom=OK, outsider=404, psychologist=404, office=404
        ),
    ),
    Route("groups:terminal_review", build=_class, expect=HOMEROOM),
    Route(
        "groups:terminal_review",
        method="post",
        build=_terminal_review,
        expect=HOMEROOM_POST,
    ),
    Route("groups:terminal_signin", expect=expect(OK, terminal=REDIRECT)),
    Route("groups:terminal_home", expect=expect(REDIRECT, terminal=OK)),
    Route("groups:terminal_record", method="post", expect=expect(REDIRECT), fuzz=False),
    Route("groups:terminal_signout", method="post", expect=expect(REDIRECT), fuzz=False),
    Route("groups:ranking", build=_class, expect=VIEW),
    Route("groups:register", build=_class, expect=VIEW),
    Route("groups:register_xlsx", build=_class, expect=VIEW),
    Route("groups:seating", build=_class, expect=VIEW),
    Route("groups:reviews", build=_class, expect=KEEP),
    Route("groups:reviews", method="post", build=_reviews, expect=KEEP_POST),
    Route("groups:review_round", build=_review_round, expect=KEEP),
    Route("groups:review_entry", build=_review_entry, expect=KEEP),
    Route("groups:review_entry", method="post", build=_review_entry, expect=KEEP_POST),
    Route("groups:group_detail", build=_group, expect=VIEW),
    Route("groups:group_edit", build=_group, expect=KEEP),
    Route("groups:group_edit", method="post", build=_group_edit, expect=KEEP_POST),
    Route("groups:group_roles", build=_group, expect=KEEP),
    Route("groups:group_roles", method="post", build=_roles, expect=KEEP_POST),
    Route("groups:checkin", method="post", build=_checkin, expect=KEEP_POST),
    Route("groups:checkin", build=_group, expect=expect(405), fuzz=False),
    Route("groups:consequence", method="post", build=_consequence, expect=KEEP_POST),
    Route("groups:group_entries", build=_group, expect=VIEW),
    Route("groups:recommend", method="post", build=_recommend, expect=KEEP_POST),
    Route("groups:member_move", build=_member, expect=KEEP),
    Route("groups:member_move", method="post", build=_member, expect=KEEP_POST),
    Route("groups:member_goals", build=_goals, expect=KEEP),
    Route("groups:member_goals", method="post", build=_goals, expect=KEEP_POST),
    # Anyone who sees the class may ask; only the teacher who tapped is granted the undo
    # (the others get a message and the redirect).
    Route(
        "groups:entry_undo",
        method="post",
        build=_undo,
        expect=expect(REDIRECT, anonymous=LOGIN, outsider=404, psychologist=404, office=404),
    ),
    Route("groups:entry_correct", build=_correct, expect=VIEW),
    Route(
        "groups:entry_correct",
        method="post",
        build=_correct,
        expect=expect(REDIRECT, anonymous=LOGIN, outsider=404, psychologist=404, office=404),
    ),
    # Moving a tap to another group: as its correction (the teacher who tapped, or the
    # class's keepers).
    Route("groups:entry_move", build=_correct, expect=VIEW),
    Route(
        "groups:entry_move",
        method="post",
        build=_move,
        expect=expect(REDIRECT, anonymous=LOGIN, outsider=404, psychologist=404, office=404),
    ),
    # Group life: a group's meeting log and study plan (the class's staff; the class
    # terminal too, tests/groups/test_terminal_walk.py), its coaching notes (the class's
    # teachers and keepers), the class's week with its trainings (recorded by its keepers).
    Route("groups:meetings", build=_group_in_class, expect=VIEW),
    Route("groups:meetings", method="post", build=_meeting, expect=VIEW_POST),
    Route("groups:study_plan", build=_tick, expect=VIEW),
    Route("groups:study_plan", method="post", build=_tick, expect=VIEW_POST),
    Route("groups:plan_edit", build=_group_in_class, expect=VIEW),
    Route("groups:plan_edit", method="post", build=_plan_edit, expect=VIEW_POST),
    Route("groups:coaching", build=_group, expect=VIEW),
    Route("groups:coaching", method="post", build=_coaching, expect=VIEW_POST),
    Route("groups:class_life", build=_class, expect=VIEW),
    Route("groups:class_life", method="post", build=_activity, expect=KEEP_POST),
    Route("groups:leaderboard", expect=BOARD),
    Route("groups:leaderboard_xlsx", expect=BOARD),
    Route("groups:month_close", method="post", build=_month, expect=ACADEMIC_POST),
    Route("groups:month_excellent", method="post", build=_excellent, expect=ACADEMIC_POST),
    Route("groups:month_publish", method="post", build=_publish, expect=ACADEMIC_POST),
    # The live leaderboard in the admin: staff with the archived rows' view permission.
    Route("admin:groups_leaderboardrow_live", expect=admin_row(OK, office=403)),
    # Its export: exactly the board shown (month and grade), for the same people.
    Route("admin:groups_leaderboardrow_live_xlsx", expect=admin_row(OK, office=403)),
    Route("groups:commendation", build=_commendation, expect=expect(OK, anonymous=LOGIN)),
    Route("groups:commendation_xlsx", build=_commendation, expect=expect(OK, anonymous=LOGIN)),
    *MATERIAL_ROUTES,
    *PAIR_ROUTES,
]


def _admin_group(school) -> StudyGroup:
    group = StudyGroup(term=school.term, school_class=school.class_a, number=9, name="凌云组")
    group.save()
    return group


def _admin_entry(school) -> ScoreEntry:
    group = _admin_group(school)
    day = dt.date(2026, 11, 23)
    return ScoreEntry.objects.create(
        group=group,
        school_class=school.class_a,
        term=school.term,
        item=_item("课堂回答"),
        points=1,
        teacher=school.teacher,
        day=day,
        week=13,
        month=day.replace(day=1),
    )


def _admin_close(school) -> MonthClose:
    close = MonthClose(month=dt.date(2026, 9, 1), closed_by=school.academic)
    close.save()
    return close


def _admin_row(school) -> LeaderboardRow:
    return LeaderboardRow.objects.create(
        close=_admin_close(school),
        group=_admin_group(school),
        grade_name="七年级",
        class_name="七年级(1)班",
        group_name="凌云组",
        points=10,
        class_average=10,
        index=100,
        rank=1,
        class_rank=1,
    )


def _terminal_object(school):
    from groups import terminal

    terminal.turn_on(school.class_a, school.homeroom)
    return ClassTerminal.objects.get(school_class=school.class_a)


ADMIN_OBJECTS = {
    "groups.classterminal": _terminal_object,
    "groups.groupmeeting": lambda school: GroupMeeting.objects.create(
        group=_admin_group(school), day=dt.date(2026, 11, 23), week=13, discussed="讨论错题"
    ),
    "groups.planitem": lambda school: PlanItem.objects.create(
        group=_admin_group(school), goal="数学及格", weekly_task="每周五道错题"
    ),
    "groups.plantick": lambda school: PlanTick.objects.create(
        item=PlanItem.objects.create(
            group=_admin_group(school), goal="数学及格", weekly_task="每周五道错题"
        ),
        week=13,
        done=True,
    ),
    "groups.coachingnote": lambda school: CoachingNote.objects.create(
        group=_admin_group(school),
        day=dt.date(2026, 11, 23),
        found="组内分工不清",
        agreed="重新明确分工",
        written_by=school.homeroom,
    ),
    "groups.groupactivity": lambda school: GroupActivity.objects.create(
        school_class=school.class_a,
        term=school.term,
        kind="exhibition",
        day=dt.date(2026, 11, 20),
        participants="全班",
        content="数学作业展评",
        recorded_by=school.homeroom,
    ),
    "groups.scoreitem": lambda school: _item("表扬"),
    "groups.groupsettings": lambda school: GroupSettings.objects.create(),
    "groups.studygroup": _admin_group,
    "groups.scoreentry": _admin_entry,
    "groups.monthclose": _admin_close,
    "groups.leaderboardrow": _admin_row,
    "groups.recommendation": lambda school: Recommendation.objects.create(
        month=dt.date(2026, 11, 1), group=_admin_group(school), recommended_by=school.homeroom
    ),
    "groups.memberchange": lambda school: MemberChange.objects.create(
        school_class=school.class_a,
        student=school.student_a,
        to_group=_admin_group(school),
        reason="调整",
        changed_by=school.homeroom,
    ),
    **PAIR_ADMIN_OBJECTS,
    **MATERIAL_ADMIN_OBJECTS,
}

# The score entries' admin is read-only although 教导处 may add entries (by import_sheet).
# One settings row: once it exists (the test opens it), nobody adds a second.
ADMIN_OVERRIDES = {
    "admin:groups_scoreentry_add": {"academic": 403},
    "admin:groups_groupsettings_add": {"academic": 403},
}
