"""The admin import: upload → dry-run summary → confirm, through the admin's URLs."""

from __future__ import annotations

import io
from pathlib import Path

from django.contrib.auth import get_user_model
from django.urls import reverse

import openpyxl
import pytest

from schoolops.models import ImportRecord, Student
from schoolops.sheets import engine

pytestmark = pytest.mark.usefixtures("uploads_in_english")

FILES = Path(__file__).parent / "files"
IMPORT = reverse("admin:schoolops_student_import")
PROCESS = reverse("admin:schoolops_student_process_import")


def upload(client, name="students_messy.xlsx", url=IMPORT):
    with (FILES / name).open("rb") as handle:
        return client.post(url, {"file": handle})


def record_url(record):
    return reverse("admin:schoolops_student_import_record", args=[record.pk])


def test_dry_run_then_confirm(school, login, settings):
    client = login(school.office)

    response = upload(client)

    record = ImportRecord.objects.get()
    assert response.status_code == 302
    assert response["Location"] == record_url(record)
    assert record.status == ImportRecord.Status.PREVIEWED
    assert record.user == school.office.user
    assert Student.objects.count() == 2  # nothing written before confirm
    stored = Path(settings.PRIVATE_ROOT) / "imports" / record.stored_file
    assert stored.is_file()

    page = client.get(record_url(record))
    html = page.content.decode()
    assert page.status_code == 200
    assert '<td class="count-new">11</td>' in html
    assert "王小明" in html  # the first rows are shown
    assert "陈十一" not in html  # ... and only the first rows
    preview = html.split('<table class="sheet-preview">')[1].split("</table>")[0]
    assert preview.count("<tr>") == 1 + 10  # the header and the first ten rows
    assert "备注" in html  # ignored column named
    # Guardian phones are masked in the preview and not kept in the record.
    assert "138****1111" in html
    assert "13800001111" not in html
    assert "13800001111" not in str(record.preview)
    assert 'name="record"' in html

    response = client.post(PROCESS, {"record": record.pk}, follow=True)

    record.refresh_from_db()
    assert record.status == ImportRecord.Status.DONE
    assert not record.dry_run
    assert (record.new, record.changed, record.unchanged) == (11, 0, 0)
    assert Student.objects.count() == 13
    assert not stored.exists()
    assert record.stored_file == ""
    assert "Imported." in response.content.decode()

    # Confirming twice does nothing more.
    response = client.post(PROCESS, {"record": record.pk}, follow=True)
    assert "already imported" in response.content.decode()
    assert ImportRecord.objects.get().status == ImportRecord.Status.DONE


def test_refused_file_lists_rows_and_offers_no_confirm(school, login, settings):
    client = login(school.office)

    upload(client, "students_bad.xlsx")

    record = ImportRecord.objects.get()
    assert record.status == ImportRecord.Status.REFUSED
    assert not list((Path(settings.PRIVATE_ROOT) / "imports").glob("*.xlsx"))
    html = client.get(record_url(record)).content.decode()
    assert "7 problems" in html
    assert "<td>8</td><td>F 班级</td>" in html
    assert 'name="record"' not in html
    assert client.post(PROCESS, {"record": record.pk}).status_code == 302
    assert Student.objects.count() == 2


def test_a_renamed_csv_gets_one_message_not_a_500(school, login):
    client = login(school.office)
    response = upload(client, "renamed_csv.xlsx")
    record = ImportRecord.objects.get()
    assert response.status_code == 302
    html = client.get(record_url(record)).content.decode()
    # Read as the CSV it is (the content decides, not the name), it lacks three columns.
    assert "missing: 性别、年级、班级" in html
    assert "nothing was written" in html


def test_upload_over_the_size_cap_is_refused_by_the_form(school, login, settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 1000
    response = upload(login(school.office))
    assert response.status_code == 200
    assert "larger than" in response.content.decode()
    assert not ImportRecord.objects.exists()


def test_big_file_runs_as_a_background_task(school, login, settings):
    settings.IMPORT_BACKGROUND_ROWS = 3
    client = login(school.office)
    upload(client)
    record = ImportRecord.objects.get()
    # The immediate backend of the tests has already run the task.
    assert record.status == ImportRecord.Status.PREVIEWED
    client.post(PROCESS, {"record": record.pk})
    record.refresh_from_db()
    assert record.status == ImportRecord.Status.DONE
    assert Student.objects.count() == 13


def test_progress_page_of_a_running_import(school, login):
    record = ImportRecord.objects.create(
        kind="students",
        file_name="big.xlsx",
        user=school.office.user,
        status=ImportRecord.Status.RUNNING,
        progress=40,
    )
    html = login(school.office).get(record_url(record)).content.decode()
    assert '<progress class="sheet-progress" max="100" value="40">' in html
    assert 'http-equiv="refresh"' in html


def test_a_confirm_without_a_valid_record_is_a_404(school, login):
    client = login(school.office)
    assert client.post(PROCESS, {"record": "abc"}).status_code == 404
    assert client.post(PROCESS, {}).status_code == 404
    assert client.get(PROCESS).status_code == 405


def test_someone_elses_import_is_a_404(school, login):
    record = ImportRecord.objects.create(
        kind="students", file_name="x.xlsx", user=school.principal.user
    )
    assert login(school.office).get(record_url(record)).status_code == 404


def test_posts_without_the_import_code_get_no_import(school, login):
    # 教导处 uses the admin and may view students, but not import or export them.
    client = login(school.academic)
    changelist = client.get(reverse("admin:schoolops_student_changelist"))
    assert changelist.status_code == 200
    assert IMPORT not in changelist.content.decode()
    assert client.get(IMPORT).status_code == 403
    assert upload(client).status_code == 403
    assert client.get(reverse("admin:schoolops_student_export")).status_code == 403
    assert client.get(reverse("admin:schoolops_student_import_template")).status_code == 403
    assert not ImportRecord.objects.exists()


def test_office_sees_the_import_button(school, login):
    html = login(school.office).get(reverse("admin:schoolops_student_changelist")).content
    assert IMPORT in html.decode()


def test_a_teacher_and_anonymous_are_sent_to_the_admin_login(school, client, login):
    response = client.get(IMPORT)
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
    response = login(school.homeroom).get(IMPORT)
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_template_download_has_exactly_the_headers(school, login):
    response = login(school.office).get(reverse("admin:schoolops_student_import_template"))
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert [c.value for c in sheet[1]] == [
        "学籍号",
        "姓名",
        "性别",
        "出生日期",
        "年级",
        "班级",
        "家长姓名",
        "家长电话",
    ]
    assert sheet["A2"].number_format == "@"


def test_office_export_has_no_guardian_phones(school, login):
    response = login(school.office).get(reverse("admin:schoolops_student_export"))
    assert response.status_code == 200
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.values)
    assert rows[0][-1] == "家长电话"
    assert {row[0] for row in rows[1:]} == {"0702601001", "0702602001"}
    assert all(row[-1] in (None, "") for row in rows[1:])
    assert b"13800000001" not in response.content


def test_superuser_export_has_phones_and_reimports_unchanged(school, client, tmp_path):
    admin_user = get_user_model().objects.create_superuser("root", password="x")
    client.force_login(admin_user)
    response = client.get(reverse("admin:schoolops_student_export"))
    path = tmp_path / "export.xlsx"
    path.write_bytes(response.content)
    rows = list(openpyxl.load_workbook(path).active.values)
    assert rows[1][:3] == ("0702601001", "张小明", "男")
    assert rows[1][-1] == "13800000001"
    result, _record = engine.import_file("students", path)
    assert (result.counts.new, result.counts.changed, result.counts.unchanged) == (0, 0, 2)


def test_import_history_is_read_only_and_listed_with_fixed_queries(
    school, login, django_assert_max_num_queries
):
    client = login(school.office)
    url = reverse("admin:schoolops_importrecord_changelist")
    ImportRecord.objects.create(kind="students", file_name="a.xlsx", user=school.office.user)
    with django_assert_max_num_queries(14) as small:
        assert client.get(url).status_code == 200
    ImportRecord.objects.bulk_create(
        ImportRecord(kind="staff", file_name=f"{i}.xlsx", user=school.principal.user)
        for i in range(40)
    )
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200
    assert client.get(reverse("admin:schoolops_importrecord_add")).status_code == 403
    record = ImportRecord.objects.first()
    detail = client.get(reverse("admin:schoolops_importrecord_change", args=[record.pk]))
    assert detail.status_code == 200
    assert (
        client.post(
            reverse("admin:schoolops_importrecord_delete", args=[record.pk]), {"post": "yes"}
        ).status_code
        == 403
    )


def test_who_reads_the_import_history(school, login, client):
    url = reverse("admin:schoolops_importrecord_changelist")
    # 教导处 is school-wide: it may read the history.
    assert login(school.academic).get(url).status_code == 200
    # A teacher has no admin at all.
    response = login(school.homeroom).get(url)
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


@pytest.mark.django_db(transaction=True)  # the worker closes its database connection
def test_the_database_task_backend_and_its_worker_run_a_big_import(school, login, settings):
    """django-tasks 0.12 with django-tasks-db 0.13: the queue and ``db_worker`` work together."""
    from django.core.management import call_command

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.IMPORT_BACKGROUND_ROWS = 3
    client = login(school.office)

    upload(client)

    record = ImportRecord.objects.get()
    assert record.status == ImportRecord.Status.QUEUED
    html = client.get(record_url(record)).content.decode()
    assert "sheet-progress" in html
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload")
    record.refresh_from_db()
    assert record.status == ImportRecord.Status.PREVIEWED
    assert record.new == 11
    client.post(PROCESS, {"record": record.pk})
    assert ImportRecord.objects.get().status == ImportRecord.Status.QUEUED
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload")
    record.refresh_from_db()
    assert record.status == ImportRecord.Status.DONE
    assert Student.objects.count() == 13
    assert record.stored_file == ""


def test_uploads_stream_to_private_storage_not_tmp(school, login, settings, tmp_path):
    # Django's own handler would put this upload in FILE_UPLOAD_TEMP_DIR (which does not exist).
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 0
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "no-such-dir")
    client = login(school.office)

    assert upload(client).status_code == 302

    record = ImportRecord.objects.get()
    assert record.status == ImportRecord.Status.PREVIEWED
    files = list((Path(settings.PRIVATE_ROOT) / "imports").iterdir())
    assert [f.name for f in files] == [record.stored_file]


def test_an_oversized_upload_leaves_no_file(school, login, settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 2000
    response = upload(login(school.office))
    assert "larger than" in response.content.decode()
    assert not list((Path(settings.PRIVATE_ROOT) / "imports").iterdir())


def test_the_upload_still_checks_csrf(school):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(school.office.user)
    assert upload(client).status_code == 403
    assert not ImportRecord.objects.exists()


def test_the_history_shows_every_error_of_a_refused_import(school, login):
    client = login(school.office)
    upload(client, "students_bad.xlsx")
    record = ImportRecord.objects.get()
    html = client.get(reverse("admin:schoolops_importrecord_change", args=[record.pk])).content
    html = html.decode()
    assert html.count("Row ") >= 7
    assert "Row 8, column F (班级)" in html
