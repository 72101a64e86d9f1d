"""An office clerk imports a student roster in the admin: upload, see the summary, confirm."""

from __future__ import annotations

from pathlib import Path

import pytest

from schoolops.models import ImportRecord, Student

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

FILES = Path(__file__).resolve().parent.parent / "schoolops" / "files"


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    settings.PRIVATE_ROOT = tmp_path / "private"


def test_office_imports_students_in_the_admin(school, page, browser_login):
    browser_login(page, school.office)
    page.goto("/admin/schoolops/student/")
    page.click("a.import_link")
    page.wait_for_url("**/admin/schoolops/student/import/")
    # The blank template is offered next to the upload.
    assert page.locator("a[href$='/import/template/']").count() == 1

    page.set_input_files("input[type=file]", str(FILES / "students_messy.xlsx"))
    page.click("input[type=submit].default")

    page.wait_for_selector(".sheet-counts")
    assert page.inner_text(".count-new") == "11"
    assert page.inner_text(".count-changed") == "0"
    assert page.locator(".sheet-preview tbody tr").count() == 10
    assert Student.objects.count() == 2  # nothing written yet

    page.click("form.sheet-confirm input[type=submit]")

    page.wait_for_selector(".sheet-done")
    assert page.locator(".messagelist .success").count() == 1
    assert Student.objects.count() == 13
    assert ImportRecord.objects.get().status == ImportRecord.Status.DONE


def test_a_bad_file_shows_its_rows_on_a_phone(school, phone_page, browser_login):
    page = phone_page
    browser_login(page, school.office)
    page.goto("/admin/schoolops/student/import/")
    page.set_input_files("input[type=file]", str(FILES / "students_bad.xlsx"))
    page.click("input[type=submit].default")

    page.wait_for_selector(".sheet-errors")
    assert page.locator(".sheet-errors tbody tr").count() == 7
    assert page.locator("form.sheet-confirm").count() == 0
    # The page does not scroll sideways on a 375px phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375 + 1
    assert Student.objects.count() == 2
