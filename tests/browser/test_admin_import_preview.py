"""An office clerk loads an exam system's score sheet in the admin as it is: the check says
which row was the header and which column feeds which field, shows a changed score as before
→ after, and a column nobody recognised is mapped by hand and kept as the school's template."""

from __future__ import annotations

import openpyxl
import pytest

from schoolops.models import ExamResult, ImportRecord, ImportTemplate
from schoolops.sheets import engine

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

TITLE = "2026学年第一学期七年级期中质量检测成绩表"


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    settings.PRIVATE_ROOT = tmp_path / "private"


def score_sheet(path, chinese: float):
    """Title, date line, a two-row header (each subject merged over 得分 | 班次), two students."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in (
        [TITLE],
        ["考试日期：2026年11月10日"],
        ["考号", "姓名", "班级", "语文（120）", None, "数学（120）", None, "总分"],
        [None, None, None, "得分", "班次", "得分", "班次"],
        ["260101", "张小明", "701", chinese, 1, 90, 2, chinese + 90],
        ["260201", "陈小红", "702", 77, 1, "缺考", None, 77],
        ["平均分", None, None, 87.0, None, 90, None, None],
    ):
        sheet.append(row)
    for cells in ("A1:H1", "A3:A4", "B3:B4", "C3:C4", "D3:E3", "F3:G3", "H3:H4"):
        sheet.merge_cells(cells)
    workbook.save(path)
    return path


def test_the_preview_shows_the_header_row_the_columns_and_a_change(
    school, page, browser_login, tmp_path
):
    result, _record = engine.import_file("exams", score_sheet(tmp_path / "第一次.xlsx", 98))
    assert result.ok, result.messages()
    browser_login(page, school.office)
    page.goto("/admin/schoolops/examresult/import/")

    page.set_input_files("input[type=file]", str(score_sheet(tmp_path / "更正.xlsx", 99.5)))
    page.click("input[type=submit].default")

    page.wait_for_selector(".sheet-counts")
    assert page.inner_text(".count-changed") == "1"
    header = page.inner_text(".sheet-header-line")
    assert "第 4 行" in header
    assert "两行表头" in header
    mapping = page.locator(".sheet-mapping tbody tr")
    assert mapping.filter(has_text="语文(120)/得分").inner_text().split() == [
        "D",
        "语文(120)/得分",
        "语文",
    ]
    assert "七年级期中质量检测" in page.inner_text(".sheet-options")
    change = page.locator(".sheet-changes tbody tr")
    assert change.count() == 1
    assert change.locator(".before").inner_text() == "98.0"
    assert change.locator(".after").inner_text() == "→ 99.5"
    assert page.inner_text(".sheet-footers").endswith("：7。")  # 平均分, skipped
    score = ExamResult.objects.get(student=school.student_a, subject=school.chinese)
    assert score.score == 98  # nothing written before the confirmation

    page.click("form.sheet-confirm input[type=submit]")

    page.wait_for_selector(".sheet-done")
    score.refresh_from_db()
    assert score.score == 99.5


def test_a_column_nobody_recognised_is_mapped_and_kept_as_a_template(
    school, page, browser_login, tmp_path
):
    workbook = openpyxl.Workbook()
    for row in (
        ["七年级第一次月考成绩单（考试日期：2026年10月9日）"],
        ["编号", "名字", "语文", "数学"],
        ["0702601001", "张小明", 98, 90],
        ["0702602001", "陈小红", 77, 0],
    ):
        workbook.active.append(row)
    workbook.save(tmp_path / "校内.xlsx")
    browser_login(page, school.office)
    page.goto("/admin/schoolops/examresult/import/")
    page.set_input_files("input[type=file]", str(tmp_path / "校内.xlsx"))
    page.click("input[type=submit].default")

    form = page.locator("form.sheet-recheck")
    form.wait_for()
    form.get_by_label("学籍号").select_option("编号")
    form.locator("input[name=save_as]").fill("校内成绩单")
    form.locator("input[type=submit]").click()

    page.wait_for_selector(".sheet-counts")
    assert page.inner_text(".count-new") == "4"
    assert page.locator(".sheet-mapping tbody tr").first.inner_text().split() == [
        "A",
        "编号",
        "学籍号",
    ]
    assert ImportTemplate.objects.get().mapping["编号"] == "student_no"
    page.click("form.sheet-confirm input[type=submit]")
    page.wait_for_selector(".sheet-done")
    assert ExamResult.objects.count() == 4
    assert ImportRecord.objects.filter(status=ImportRecord.Status.DONE).count() == 1
