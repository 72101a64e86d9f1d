"""Backups: a copy taken while the app runs restores into an empty database with every record.

Runs against whichever database the suite uses: SQLite (online backup API) by default,
PostgreSQL (pg_dump / pg_restore) when DATABASE_URL points there.
"""

import io
import re
import threading

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection

import pytest

from schoolops import demo
from schoolops.models import Gender, Student
from schoolops.registry import registry

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("in_english")]


def every_record() -> dict[str, list[tuple]]:
    """Every row of every table Django knows, in primary-key order."""
    tables = set(connection.introspection.table_names())
    records = {}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.db_table in tables:
            fields = [f.attname for f in model._meta.concrete_fields]
            records[model._meta.label] = list(model.objects.order_by("pk").values_list(*fields))
    return records


def empty_the_database() -> None:
    call_command("flush", "--no-input", verbosity=0)
    assert not Student.objects.exists()
    assert not get_user_model().objects.exists()


@pytest.fixture
def demo_school(monkeypatch):
    monkeypatch.setattr(registry, "demo_steps", [])
    demo.seed("tiny")


def test_backup_restores_into_an_empty_database_with_every_record(demo_school, tmp_path):
    before = every_record()
    assert len(before["schoolops.Student"]) > 30
    assert len(before["schoolops.ExamResult"]) > 300
    target = tmp_path / "copy.backup"
    call_command("backup", "--output", str(target), stdout=io.StringIO())
    assert target.stat().st_size > 0
    assert not list(tmp_path.glob("*.part"))

    empty_the_database()
    call_command("restore", str(target), stdout=io.StringIO())

    after = every_record()
    assert after == before


def test_restore_follows_the_readme_into_a_fresh_install(demo_school, tmp_path):
    """README: back up, make a new empty database, ``migrate``, ``restore FILE``. ``migrate``
    seeds the posts and the scoring rubric; that reference data is not the school's, so the
    restore goes ahead without --yes and every table comes back as it was."""
    from groups.models import ScoreItem

    before = every_record()
    target = tmp_path / "copy.backup"
    call_command("backup", "--output", str(target), stdout=io.StringIO())

    empty_the_database()
    # A fresh install: every table made again by migrate, with what its data migrations seed.
    call_command("migrate", "groups", "zero", verbosity=0)
    call_command("migrate", verbosity=0)
    assert ScoreItem.objects.exists()
    call_command("restore", str(target), stdout=io.StringIO())

    assert every_record() == before


def test_default_name_is_timestamped_in_the_backup_folder(demo_school, tmp_path, settings):
    settings.BACKUP_ROOT = tmp_path / "backups"
    out = io.StringIO()
    call_command("backup", stdout=out)
    [written] = list((tmp_path / "backups").iterdir())
    assert re.fullmatch(r"schoolops-\d{8}-\d{6}\.(sqlite3|pgdump)", written.name)
    assert str(written) in out.getvalue()


def test_restore_refuses_a_database_that_is_not_empty(demo_school, tmp_path):
    target = tmp_path / "copy.backup"
    call_command("backup", "--output", str(target), stdout=io.StringIO())
    Student.objects.filter(pk=Student.objects.order_by("pk").first().pk).update(name="改过的")
    before = every_record()
    with pytest.raises(CommandError, match="not empty"):
        call_command("restore", str(target), stdout=io.StringIO())
    assert every_record() == before


def test_restore_with_yes_replaces_the_data(demo_school, tmp_path):
    before = every_record()
    target = tmp_path / "copy.backup"
    call_command("backup", "--output", str(target), stdout=io.StringIO())
    first = Student.objects.order_by("pk").first()
    Student.objects.filter(pk=first.pk).update(name="改过的")
    Student.objects.create(
        student_no="0999999", name="新来的", gender=Gender.MALE, school_class=first.school_class
    )
    call_command("restore", str(target), "--yes", stdout=io.StringIO())
    assert every_record() == before


def test_a_backup_taken_while_the_app_writes_is_consistent(demo_school, tmp_path):
    """Rows written during the backup are either all in the copy or not at all."""
    school_class = Student.objects.first().school_class
    stop = threading.Event()

    def write_students():
        from django.db import connection as thread_connection
        from django.db import transaction

        n = 0
        try:
            while not stop.is_set() and n < 400:
                with transaction.atomic():
                    # Pairs of students, so a torn copy would show an odd count.
                    for _ in range(2):
                        Student.objects.create(
                            student_no=f"09{n:06d}",
                            name="并发",
                            gender=Gender.FEMALE,
                            school_class=school_class,
                        )
                        n += 1
        finally:
            thread_connection.close()

    writer = threading.Thread(target=write_students)
    writer.start()
    target = tmp_path / "live.backup"
    try:
        call_command("backup", "--output", str(target), stdout=io.StringIO())
    finally:
        stop.set()
        writer.join()
    empty_the_database()
    call_command("restore", str(target), stdout=io.StringIO())
    assert Student.objects.filter(name="并发").count() % 2 == 0


def test_restore_refuses_a_file_that_is_not_a_backup(db, tmp_path):
    bogus = tmp_path / "students.backup"
    bogus.write_text("学籍号,姓名\n001,张三\n", encoding="utf-8")
    with pytest.raises(CommandError, match="not a SchoolOps backup"):
        call_command("restore", str(bogus), stdout=io.StringIO())
    with pytest.raises(CommandError, match="no file"):
        call_command("restore", str(tmp_path / "missing"), stdout=io.StringIO())


def test_restore_refuses_a_backup_of_the_other_kind(db, tmp_path):
    other = tmp_path / "other.backup"
    if connection.vendor == "sqlite":
        other.write_bytes(b"PGDMP" + b"\0" * 100)
    else:
        other.write_bytes(b"SQLite format 3\x00" + b"\0" * 100)
    with pytest.raises(CommandError, match="backup but this database is"):
        call_command("restore", str(other), stdout=io.StringIO())


@pytest.mark.skipif("connection.vendor != 'sqlite'")
def test_restore_refuses_a_damaged_sqlite_file(db, tmp_path):
    damaged = tmp_path / "damaged.sqlite3"
    damaged.write_bytes(b"SQLite format 3\x00" + b"\x07" * 5000)
    with pytest.raises(CommandError, match=r"damaged|cannot be read"):
        call_command("restore", str(damaged), stdout=io.StringIO())
