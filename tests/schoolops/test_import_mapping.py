"""A column that no alias names is mapped by hand: ``--map 列名=字段`` on the command line, or
in the admin a mapping form on the check's page, which checks the stored file again and can
save the mapping as the school's import template; the upload page and ``--template`` reuse it.
Also: the import history speaks plainly, and an update's before → after follows the register.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.urls import reverse

import openpyxl
import pytest

from schoolops.models import (
    ExamResult,
    ImportRecord,
    ImportTemplate,
    Subject,
    SubjectAlias,
)
from schoolops.sheets import engine

pytestmark = pytest.mark.usefixtures("uploads_in_english")

IMPORT = reverse("admin:schoolops_examresult_import")
PROCESS = reverse("admin:schoolops_examresult_process_import")
TITLE = ["七年级第一次月考成绩单（考试日期：2026年10月9日）"]


def save(path: Path, rows: list[list]) -> Path:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    workbook.save(path)
    return path


def school_sheet(path: Path, chinese: int = 98, maths: int = 90) -> Path:
    """A school's own score sheet whose columns no alias names: 编号 and 名字."""
    return save(
        path,
        [
            TITLE,
            ["编号", "名字", "语文", "数学", "备考"],
            ["0702601001", "张小明", chinese, maths, ""],
            ["0702602001", "陈小红", 77, 0, "补考"],
        ],
    )


def scores(student) -> dict[str, Decimal]:
    return dict(ExamResult.objects.filter(student=student).values_list("subject__name", "score"))


def record_url(record: ImportRecord) -> str:
    return reverse("admin:schoolops_examresult_import_record", args=[record.pk])


def field_named(html: str, label: str) -> str:
    """The name of the mapping form's select whose label is ``label``."""
    match = re.search(
        r'<label for="id_(column_\d+)"[^>]*>' + re.escape(label) + r"[:：]?</label>", html
    )
    assert match is not None, f"no field {label} in the mapping form"
    return match.group(1)


# The command line.


def test_the_command_maps_columns_by_header_or_key(school, tmp_path, capsys):
    path = school_sheet(tmp_path / "成绩.xlsx")

    call_command("import_sheet", "exams", str(path), "--map", "编号=学籍号", "--map", "名字=name")

    out = capsys.readouterr().out
    assert "A 编号 → 学籍号" in out
    assert "B 名字 → 姓名" in out
    assert "Exam: 七年级第一次月考 (taken from the sheet's title)" in out
    assert scores(school.student_a) == {"语文": 98, "数学": 90}
    assert scores(school.student_b) == {"语文": 77, "数学": 0}


def test_a_field_the_kind_lacks_is_a_clear_error(school, tmp_path):
    path = school_sheet(tmp_path / "成绩.xlsx")
    with pytest.raises(CommandError) as refusal:
        call_command("import_sheet", "exams", str(path), "--map", "编号=考生号")
    assert "has no field 考生号. Its fields: 学籍号 (student_no)" in str(refusal.value)
    assert not ExamResult.objects.exists()


def test_a_column_the_file_lacks_is_a_clear_error(school, tmp_path):
    path = school_sheet(tmp_path / "成绩.xlsx")
    with pytest.raises(CommandError, match=r"has no column 学号\. Its columns: 编号、名字"):
        call_command(
            "import_sheet", "exams", str(path), "--map", "编号=学籍号", "--map", "学号=姓名"
        )


def test_a_map_without_a_field_leaves_the_column_out(school, tmp_path):
    path = school_sheet(tmp_path / "成绩.xlsx")
    call_command("import_sheet", "exams", str(path), "--map", "编号=学籍号", "--map", "数学=")
    assert scores(school.student_a) == {"语文": 98}


def test_a_header_refusal_lists_the_files_columns(school, tmp_path):
    path = school_sheet(tmp_path / "成绩.xlsx")
    with pytest.raises(CommandError) as refusal:
        call_command("import_sheet", "exams", str(path))
    assert "The file's columns: A 编号、B 名字、C 语文、D 数学、E 备考" in str(refusal.value)


def test_the_command_uses_a_saved_template(school, tmp_path, capsys):
    engine.save_template("exams", "校内成绩单", {"编号": "student_no"})
    path = school_sheet(tmp_path / "成绩.xlsx")

    call_command("import_sheet", "exams", str(path), "--template", "校内成绩单")

    assert scores(school.student_a) == {"语文": 98, "数学": 90}
    with pytest.raises(
        CommandError, match=r"no import template 别的 for this kind\. Templates: 校内成绩单"
    ):
        call_command("import_sheet", "exams", str(path), "--template", "别的")


# The admin.


def test_the_mapping_form_saves_a_template_and_the_upload_reuses_it(school, login, settings):
    client = login(school.office)
    with school_sheet(Path(settings.PRIVATE_ROOT).parent / "a.xlsx").open("rb") as handle:
        client.post(IMPORT, {"file": handle})
    refused = ImportRecord.objects.get()
    assert refused.status == ImportRecord.Status.REFUSED
    assert refused.stored_file  # kept for a second check
    page = client.get(record_url(refused)).content.decode()
    assert "Check the file again" in page
    assert 'value="编号"' in page  # the file's columns are offered

    response = client.post(
        record_url(refused),
        {
            field_named(page, "学籍号"): "编号",
            field_named(page, "姓名"): "名字",
            field_named(page, "语文"): "语文",
            field_named(page, "数学"): "数学",
            "save_as": "校内成绩单",
        },
    )

    checked = ImportRecord.objects.latest("pk")
    assert response["Location"] == record_url(checked)
    assert checked.status == ImportRecord.Status.PREVIEWED
    assert checked.choices["template"] == "校内成绩单"
    refused.refresh_from_db()
    assert refused.stored_file == ""  # the file moved to the new check
    template = ImportTemplate.objects.get()
    assert (template.kind, template.name, template.created_by) == (
        "exams",
        "校内成绩单",
        school.office.user,
    )
    assert template.mapping["编号"] == "student_no"
    page = client.get(record_url(checked)).content.decode()
    assert "Header: row 2" in page
    assert "<td>A</td><td>编号</td><td>学籍号</td>" in page
    assert '七年级第一次月考</strong> <span class="help">(taken from the sheet\'s title)' in page
    client.post(PROCESS, {"record": checked.pk})
    assert scores(school.student_a) == {"语文": 98, "数学": 90}

    # The next file of the same system: the template is offered on the upload page.
    upload_page = client.get(IMPORT).content.decode()
    assert f'<option value="{template.pk}">校内成绩单</option>' in upload_page
    with school_sheet(Path(settings.PRIVATE_ROOT).parent / "b.xlsx", chinese=99).open("rb") as f:
        client.post(IMPORT, {"file": f, "template": template.pk})
    second = ImportRecord.objects.latest("pk")
    assert second.status == ImportRecord.Status.PREVIEWED, second.message
    page = client.get(record_url(second)).content.decode()
    assert "Import template: 校内成绩单" in page
    assert '<td class="before">98.0</td><td class="after">→ 99.0</td>' in page
    client.post(PROCESS, {"record": second.pk})
    assert scores(school.student_a)["语文"] == 99


def test_the_mapping_form_refuses_one_column_for_two_fields(school, login, settings):
    client = login(school.office)
    with school_sheet(Path(settings.PRIVATE_ROOT).parent / "a.xlsx").open("rb") as handle:
        client.post(IMPORT, {"file": handle})
    record = ImportRecord.objects.get()
    page = client.get(record_url(record)).content.decode()

    response = client.post(
        record_url(record),
        {field_named(page, "学籍号"): "编号", field_named(page, "姓名"): "编号"},
    )

    assert response.status_code == 200
    assert "The column 编号 already feeds 学籍号." in response.content.decode()
    assert ImportRecord.objects.count() == 1
    assert not ImportTemplate.objects.exists()


def test_templates_are_listed_and_edited_in_the_admin(school, login):
    template = engine.save_template("exams", "校内成绩单", {"编号": "student_no", "备考": ""})
    client = login(school.office)

    listing = client.get(reverse("admin:schoolops_importtemplate_changelist")).content.decode()
    assert "校内成绩单" in listing
    assert "Exam result list" in listing
    url = reverse("admin:schoolops_importtemplate_change", args=[template.pk])
    form = client.get(url).content.decode()
    # One line a column, in the columns' order (备 before 编), whatever order the database keeps.
    assert "备考=\n编号=学籍号" in form

    response = client.post(
        url, {"kind": "exams", "name": "校内成绩单", "lines": "编号=学籍号\n名字=姓名"}
    )
    assert response.status_code == 302
    template.refresh_from_db()
    assert template.mapping == {"编号": "student_no", "名字": "name"}

    response = client.post(url, {"kind": "exams", "name": "校内成绩单", "lines": "名字=生日"})
    assert "Line 1: write the file&#x27;s column, =, then a field" in response.content.decode()


def test_subject_aliases_are_kept_in_the_admin(school, login):
    Subject.objects.create(name="信息技术", order=9)
    client = login(school.office)
    url = reverse("admin:schoolops_subjectalias_add")

    assert client.post(url, {"alias": "信 息 课", "subject": "信息技术"}).status_code == 302
    assert SubjectAlias.objects.get(alias="信息课").subject == "信息技术"
    response = client.post(url, {"alias": "体健", "subject": "不存在"})
    assert response.status_code == 200
    assert not SubjectAlias.objects.filter(alias="体健").exists()


def test_the_history_names_the_importer_the_run_and_links_the_errors(school, login, tmp_path):
    path = save(
        tmp_path / "坏.xlsx",
        [
            ["学籍号", "考试", "考试日期", "学科", "分数"],
            ["0702609999", "月考", "2026-10-09", "语文", 1],
        ],
    )
    _result, record = engine.import_file("exams", path, user=school.office.user, dry_run=True)
    client = login(school.principal)

    listing = client.get(reverse("admin:schoolops_importrecord_changelist")).content.decode()

    assert "T0003 郑老师" in listing
    assert "Check only (dry run)" in listing
    detail = reverse("admin:schoolops_importrecord_change", args=[record.pk])
    assert f'<a href="{detail}#errors">1</a>' in listing
    page = client.get(detail).content.decode()
    assert 'id="errors"' in page and "No student has the number 0702609999" in page
    assert "Header: row 1 (Our template)." in page


def test_the_history_lists_the_rows_left_out(school, login, tmp_path):
    path = save(
        tmp_path / "a.xlsx",
        [
            ["学籍号", "考试", "考试日期", "学科", "分数"],
            ["0702601001", "月考", "2026-10-09", "语文", 90],
            ["0702609999", "月考", "2026-10-09", "语文", 80],
        ],
    )
    _result, record = engine.import_file(
        "exams",
        path,
        user=school.office.user,
        choices=engine.ImportChoices(options={"skip_unknown": True}),
    )
    page = login(school.office).get(
        reverse("admin:schoolops_importrecord_change", args=[record.pk])
    )
    assert (
        "Row 3, column A (学籍号): No student has the number 0702609999." in page.content.decode()
    )


def test_a_change_of_a_field_the_viewer_may_not_read_hides_its_value_before(school, login, client):
    """Office staff read no guardian phone (the register): the check of their own students
    file shows that the phone changes, not what it was."""
    record = ImportRecord.objects.create(
        kind="students",
        file_name="学生.xlsx",
        user=school.office.user,
        dry_run=True,
        status=ImportRecord.Status.PREVIEWED,
        changed=1,
        preview={
            "header_line": 1,
            "changes": [
                {
                    "line": 2,
                    "column": "家长电话",
                    "key": "guardian_phone",
                    "before": "138****0001",
                    "after": "139****0002",
                },
                {"line": 2, "column": "姓名", "key": "name", "before": "张小明", "after": "张晓明"},
            ],
        },
    )
    url = reverse("admin:schoolops_student_import_record", args=[record.pk])

    page = login(school.office).get(url).content.decode()

    assert '<td class="before">(hidden)</td><td class="after">→ 139****0002</td>' in page
    assert "138****0001" not in page
    assert '<td class="before">张小明</td><td class="after">→ 张晓明</td>' in page
    # Whoever may read the phones sees it as the record keeps it: masked.
    admin_user = get_user_model().objects.create_superuser("root", password="x")
    client.force_login(admin_user)
    page = client.get(url).content.decode()
    assert '<td class="before">138****0001</td>' in page
