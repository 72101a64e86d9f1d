import datetime as dt
import io
import re

from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.db.models import Count
from django.utils import translation

import pytest
import time_machine

from schoolops import demo
from schoolops.models import (
    AcademicYear,
    ExamResult,
    Grade,
    HolidayWeek,
    Post,
    School,
    SchoolClass,
    Staff,
    Student,
    Subject,
    TeachingAssignment,
    Term,
)
from schoolops.registry import DemoStep, registry

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]

TODAY = dt.date(2026, 11, 23)
CHINESE_NAME = re.compile(r"^[\u4e00-\u9fff]{2,4}$")


@pytest.fixture
def no_app_steps(monkeypatch):
    """Only the roster: the apps' own demo steps are tested in their own suites."""
    monkeypatch.setattr(registry, "demo_steps", [])
    return registry


def seed(size="tiny", **kwargs):
    return demo.seed(size, today=TODAY, **kwargs)


def test_tiny_school_has_the_shape_of_a_real_one(no_app_steps):
    context = seed()
    assert context.year.start_year == 2026
    assert context.term.number == Term.Number.AUTUMN
    assert School.objects.get().name == demo.DEMO_SCHOOL_NAME
    assert list(Grade.objects.values_list("name", flat=True)) == ["七年级", "八年级", "九年级"]
    assert SchoolClass.objects.count() == 6
    # Every class has its own homeroom teacher, and the 班主任 post.
    homerooms = list(SchoolClass.objects.values_list("homeroom_teacher", flat=True))
    assert len(set(homerooms)) == 6
    assert all(
        Staff.objects.get(pk=pk).has_post(Post.HOMEROOM, Post.SUBJECT_TEACHER) for pk in homerooms
    )
    # Every grade has a head, and every post has somebody in it.
    assert not Grade.objects.filter(head__isnull=True).exists()
    for post in Post.values:
        assert Staff.objects.filter(user__groups__name=post).exists(), post


def test_every_class_has_its_grades_subjects(no_app_steps):
    seed()
    expected = {
        7: {"语文", "数学", "英语", "道德与法治", "历史", "地理", "生物"},
        8: {"语文", "数学", "英语", "物理", "道德与法治", "历史", "地理", "生物"},
        9: {"语文", "数学", "英语", "物理", "化学", "道德与法治", "历史", "地理", "生物"},
    }
    for school_class in SchoolClass.objects.select_related("grade"):
        subjects = set(school_class.assignments.values_list("subject__name", flat=True))
        assert subjects == expected[school_class.grade.level], school_class
    # The homeroom teacher teaches their own class.
    for school_class in SchoolClass.objects.all():
        assert TeachingAssignment.objects.filter(
            school_class=school_class, staff=school_class.homeroom_teacher
        ).exists()


def test_students_are_realistic(no_app_steps):
    seed()
    students = list(Student.objects.select_related("school_class__grade"))
    assert 6 * 6 <= len(students) <= 6 * 8
    for student in students:
        assert CHINESE_NAME.match(student.name), student.name
        assert student.student_no.startswith("0")  # text with its leading zero
        assert re.fullmatch(r"1[3-9]\d{9}", student.guardian_phone)
        assert CHINESE_NAME.match(student.guardian_name)
        level = student.school_class.grade.level
        # Age on 1 September: 12 in 七年级, 13 in 八年级, 14 in 九年级.
        first_of_september = dt.date(2026, 9, 1)
        age = (first_of_september - student.birth_date).days // 365
        assert age == level + 5 or (age == level + 6 and student.birth_date.month >= 9), (
            student.birth_date,
            level,
        )
    assert {s.gender for s in students} == {"M", "F"}
    assert len({s.student_no for s in students}) == len(students)


def test_calendar_holiday_and_exams(no_app_steps):
    seed()
    year = AcademicYear.objects.get()
    assert year.terms.count() == 2
    holiday = HolidayWeek.objects.get()
    assert holiday.note == "国庆"
    assert holiday.monday <= dt.date(2026, 10, 4) <= holiday.monday + dt.timedelta(days=6)
    # Two exams held before "today", each with a score in every subject of every student.
    exams = ExamResult.objects.values("exam__name", "exam__date").annotate(n=Count("pk"))
    assert len(exams) == 2
    assert all(row["exam__date"] <= TODAY for row in exams)
    assert {row["exam__name"] for row in exams} == {"月考", "期中考试"}
    grade9 = Student.objects.filter(school_class__grade__level=9).first()
    assert ExamResult.objects.filter(student=grade9).count() == 2 * 9
    scores = list(ExamResult.objects.values_list("score", flat=True))
    assert 0 <= min(scores) < 60 < 90 < max(scores) <= 100  # spread enough for ability tiers


def test_small_school_sizes(no_app_steps):
    seed("small")
    assert SchoolClass.objects.count() == 18
    assert 18 * 43 <= Student.objects.count() <= 18 * 47
    assert Staff.objects.filter(user__groups__name=Post.HOMEROOM).count() == 18
    assert Staff.objects.filter(user__groups__name=Post.GRADE_HEAD).count() == 3
    assert 40 <= Staff.objects.count() <= 70
    # No class is left without a teacher for any of its subjects (one per subject per class
    # is a database constraint, so counting per class is enough).
    counts = SchoolClass.objects.annotate(n=Count("assignments")).values_list("grade__level", "n")
    assert dict(counts) == {7: 7, 8: 8, 9: 9}


def test_large_school_sizes(no_app_steps):
    seed("large")
    assert SchoolClass.objects.count() == 66
    assert 2900 <= Student.objects.count() <= 3100
    assert 140 <= Staff.objects.count() <= 180


def test_demo_password_logs_in_and_admin_posts_are_staff(no_app_steps):
    context = seed()
    usernames = {login.username for login in context.logins}
    for username in usernames:
        assert authenticate(username=username, password=demo.DEMO_PASSWORD) is not None
    principal = Staff.objects.get(user__groups__name=Post.PRINCIPAL)
    homeroom = Staff.objects.filter(user__groups__name=Post.HOMEROOM).first()
    assert principal.user.is_staff
    assert not homeroom.user.is_staff
    assert not Staff.objects.filter(must_change_password=True).exists()


def test_command_prints_a_login_for_every_post(no_app_steps):
    out = io.StringIO()
    with translation.override("zh-hans"):
        call_command("seed_demo", "--size", "tiny", stdout=out)
    text = out.getvalue()
    for label in (
        "校长",
        "副校长",
        "教导处",
        "级部主任",
        "班主任",
        "任课教师",
        "心理教师",
        "办公室",
    ):
        assert label in text
    assert demo.DEMO_PASSWORD in text
    homeroom = SchoolClass.objects.get(grade__level=7, number=1).homeroom_teacher
    assert homeroom.staff_no in text
    assert "七年级(1)班" in text


def test_refuses_a_database_with_a_school(no_app_steps):
    seed()
    students = set(Student.objects.values_list("student_no", flat=True))
    with pytest.raises(CommandError, match="--reset"):
        call_command("seed_demo", "--size", "tiny", stdout=io.StringIO())
    assert set(Student.objects.values_list("student_no", flat=True)) == students


def test_if_empty_leaves_an_existing_school_alone(no_app_steps):
    seed()
    count = Student.objects.count()
    out = io.StringIO()
    call_command("seed_demo", "--size", "tiny", "--if-empty", "--random-seed", "7", stdout=out)
    assert Student.objects.count() == count
    assert out.getvalue().strip()


def test_reset_replaces_the_demo_school(no_app_steps, django_user_model):
    seed()
    superuser = django_user_model.objects.create_superuser("admin", password="x-strong-pw-1")
    old_staff = set(Staff.objects.values_list("pk", flat=True))
    call_command("seed_demo", "--size", "tiny", "--reset", stdout=io.StringIO())
    assert SchoolClass.objects.count() == 6
    assert AcademicYear.objects.count() == 1
    assert not old_staff.intersection(Staff.objects.values_list("pk", flat=True))
    # The old accounts went with their staff; the developer's superuser stays.
    assert django_user_model.objects.filter(is_superuser=False).count() == Staff.objects.count()
    assert django_user_model.objects.filter(pk=superuser.pk).exists()


def test_reset_refuses_a_school_it_did_not_make(school, no_app_steps):
    with pytest.raises(CommandError, match="did not make"):
        call_command("seed_demo", "--size", "tiny", "--reset", stdout=io.StringIO())
    assert Student.objects.count() == 2
    assert SchoolClass.objects.count() == 3


def test_app_steps_run_in_order_and_add_logins(monkeypatch):
    ran = []

    def first(context):
        ran.append(("first", SchoolClass.objects.count(), context.size))
        context.logins.append(demo.DemoLogin("9999", context.password, "导师 demo"))

    def second(context):
        ran.append(("second", Student.objects.count() > 0, context.year.start_year))

    monkeypatch.setattr(
        registry, "demo_steps", [DemoStep("first", first, 1), DemoStep("second", second, 2)]
    )
    out = io.StringIO()
    call_command("seed_demo", "--size", "tiny", stdout=out)
    assert ran == [("first", 6, "tiny"), ("second", True, 2026)]
    assert "导师 demo" in out.getvalue()
    assert "9999" in out.getvalue()


def test_a_failing_step_leaves_nothing_behind(monkeypatch):
    def broken(context):
        raise RuntimeError("app step failed")

    monkeypatch.setattr(registry, "demo_steps", [DemoStep("broken", broken)])
    with pytest.raises(RuntimeError):
        seed()
    assert not Student.objects.exists()
    assert not Staff.objects.exists()


def test_unknown_size_is_refused():
    with pytest.raises(CommandError):
        call_command("seed_demo", "--size", "huge", stdout=io.StringIO())


def test_logins_table_lines_up_chinese_text():
    table = demo.logins_table(
        [
            demo.DemoLogin("1001", "pw", "王芳 — 校长"),
            demo.DemoLogin("10022", "pw", "李雷 — 班主任"),
        ]
    )
    lines = table.splitlines()
    starts = [demo.display_width(line[: line.index("pw")]) for line in lines[2:]]
    assert len(set(starts)) == 1
    assert demo.display_width("王芳") == 4


def reinstall_reference_data() -> None:
    """Put back the rows the project's data migrations install (the posts, the groups' scoring
    rubric...): a transactional test's flush removes them (for good in a reused PostgreSQL test
    database), and the apps' demo steps need them. The migrations' functions use
    get_or_create, so running them again is safe."""
    from django.apps import apps
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader
    from django.db.migrations.operations import RunPython

    labels = {model._meta.app_label for model in demo.project_models()}
    loader = MigrationLoader(connection, ignore_no_migrations=True)
    for (label, _name), migration in sorted(loader.disk_migrations.items()):
        if label in labels:
            for operation in migration.operations:
                if isinstance(operation, RunPython):
                    operation.code(apps, None)


def every_count() -> dict[str, int]:
    return {m._meta.label: m.objects.count() for m in demo.project_models()}


def test_reset_with_every_app_rebuilds_the_school():
    """The apps' demo steps included: a reset wipes their data and builds it again."""
    reinstall_reference_data()
    seed()
    first = every_count()
    # On the same day as the first seed: an app's step fills the months gone by.
    with time_machine.travel(dt.datetime(TODAY.year, TODAY.month, TODAY.day, 9, 0), tick=False):
        call_command("seed_demo", "--size", "tiny", "--reset", stdout=io.StringIO())
    again = every_count()
    # The roster is rebuilt exactly; an app's step may draw its own random numbers, so its
    # tables only have to be filled again, not doubled (which would mean nothing was wiped).
    roster = {label: n for label, n in first.items() if label.startswith("schoolops.")}
    assert {label: again[label] for label in roster} == roster
    for label, count in first.items():
        if count >= 10:
            assert again[label] > 0, label
        assert again[label] <= count * 1.5 + 5, label


def test_reset_keeps_reference_data(no_app_steps):
    seed()
    kept = [m for m in demo.project_models() if m not in demo.school_data_models()]
    assert Subject in kept
    before = {
        m._meta.label: list(m.objects.order_by("pk").values_list("pk", flat=True)) for m in kept
    }
    call_command("seed_demo", "--size", "tiny", "--reset", stdout=io.StringIO())
    after = {
        m._meta.label: list(m.objects.order_by("pk").values_list("pk", flat=True)) for m in kept
    }
    assert after == before
    assert Student in demo.school_data_models()
