"""Sheets uploaded in the browser (issue 12): the homeroom teacher's 志愿 sheet of the class,
from the class's choices page, and the academic office's questionnaire sheet, from the
evaluation page. Both are checked first (a dry run: nothing written) and imported on
confirmation; no page tells anyone to use a command line."""

from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

import pytest

from mentors.models import Choice, StudentRating
from schoolops.models import ImportRecord
from tests.mentors.conftest import pair
from tests.workbooks import xlsx_bytes

pytestmark = pytest.mark.django_db

PREFERENCES = ["学籍号", "第一志愿", "第二志愿", "第三志愿"]
RATINGS = ["学籍号", "导师工号", "分数", "意见"]


def xlsx(headers, rows, name="sheet.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, xlsx_bytes(headers, rows))


def upload_url(school_class):
    return reverse("mentors:class_choices_upload", args=[school_class.pk])


def test_the_homeroom_teacher_uploads_the_class_choices_sheet(school, mentoring, login, today):
    client = login(school.homeroom)
    choices = reverse("mentors:class_choices", args=[school.class_a.pk])
    assert upload_url(school.class_a) in client.get(choices).text  # offered on the class page
    url = upload_url(school.class_a)
    assert client.get(url).status_code == 200
    sheet = xlsx(
        PREFERENCES,
        [
            [school.student_a.student_no, "T1006", "李老师", None],
            [mentoring.students[1].student_no, school.teacher.staff_no, None, None],
        ],
    )
    checked = client.post(url, {"file": sheet})
    assert checked.status_code == 302 and "?record=" in checked["Location"]
    preview = client.get(checked["Location"])
    assert preview.context["upload"]["can_confirm"]
    assert 'id="upload-preview"' in preview.text
    assert not Choice.objects.exists()  # a check writes nothing

    record = preview.context["upload"]["record"]
    done = client.post(url, {"confirm": "1", "record": record.pk})
    assert done.status_code == 302 and done["Location"] == choices
    assert list(
        Choice.objects.filter(student=school.student_a).values_list("rank", "mentor__staff_no")
    ) == [(1, "T1006"), (2, school.teacher.staff_no)]
    assert Choice.objects.get(student=mentoring.students[1]).mentor == school.teacher
    record.refresh_from_db()
    assert record.status == ImportRecord.Status.DONE and record.user == school.homeroom.user
    # Confirming again imports nothing twice.
    client.post(url, {"confirm": "1", "record": record.pk})
    assert Choice.objects.count() == 3


def test_a_choices_sheet_with_a_row_of_another_class_is_refused_naming_the_row(
    school, mentoring, login, today
):
    client = login(school.homeroom)
    url = upload_url(school.class_a)
    sheet = xlsx(
        PREFERENCES,
        [
            [school.student_a.student_no, "李老师", None, None],
            [school.student_b.student_no, "李老师", None, None],  # 七年级(2)班
        ],
    )
    preview = client.get(client.post(url, {"file": sheet})["Location"])
    upload = preview.context["upload"]
    assert not upload["can_confirm"]
    assert len(upload["errors"]) == 1
    error = upload["errors"][0]
    assert error.line == 3 and error.column == "学籍号"
    assert str(school.class_b) in error.message and str(school.class_a) in error.message
    assert 'id="upload-errors"' in preview.text
    assert upload["record"].status == ImportRecord.Status.REFUSED
    assert not Choice.objects.exists()


def test_another_class_upload_page_is_not_found(school, mentoring, login, today):
    url = upload_url(school.class_a)
    # 赵老师 keeps 七年级(2)班 only: another class's page does not exist for him.
    outsider = login(school.outsider)
    assert outsider.get(url).status_code == 404
    assert outsider.post(url, {"file": xlsx(PREFERENCES, [])}).status_code == 404
    assert login(school.teacher).get(url).status_code == 403  # teaches the class, does not keep it
    assert login(school.office).get(url).status_code == 403
    # A homeroom teacher's check of their class is not another class's record.
    sheet = xlsx(PREFERENCES, [[school.student_a.student_no, "李老师", None, None]])
    record_url = login(school.homeroom).post(url, {"file": sheet})["Location"]
    record = ImportRecord.objects.get()
    other = upload_url(school.class_b)
    assert login(school.outsider).get(f"{other}?record={record.pk}").status_code == 404
    assert login(school.homeroom).get(record_url).status_code == 200


def test_the_academic_office_uploads_the_questionnaire_sheet_from_the_evaluation_page(
    school, mentoring, login, today
):
    pair(school, school.student_a, school.teacher)
    client = login(school.academic)
    url = reverse("mentors:ratings_upload")
    assert url in client.get(reverse("mentors:evaluation")).text
    bad = xlsx(RATINGS, [[mentoring.students[1].student_no, school.teacher.staff_no, 4, ""]])
    refused = client.get(client.post(url, {"file": bad})["Location"])
    assert [e.line for e in refused.context["upload"]["errors"]] == [2]  # not this mentor's mentee
    sheet = xlsx(RATINGS, [[school.student_a.student_no, school.teacher.staff_no, 5, "很耐心"]])
    preview = client.get(client.post(url, {"file": sheet})["Location"])
    assert preview.context["upload"]["can_confirm"] and not StudentRating.objects.exists()
    record = preview.context["upload"]["record"]
    done = client.post(url, {"confirm": "1", "record": record.pk})
    assert done["Location"] == f"{reverse('mentors:evaluation')}?term={school.term.pk}"
    rating = StudentRating.objects.get()
    assert (rating.score, rating.comment, rating.term) == (5, "很耐心", school.term)
    # The principal's office reads the evaluation; the academic office keeps it.
    assert url not in login(school.principal).get(reverse("mentors:evaluation")).text
    for staff in (school.principal, school.homeroom, school.grade_head):
        assert login(staff).get(url).status_code == 403


def test_no_mentors_page_tells_anyone_to_use_a_command_line(school, mentoring, login, today):
    templates = Path(settings.BASE_DIR) / "templates" / "mentors"
    for path in templates.rglob("*.html"):
        text = path.read_text()
        for words in ("manage.py", "命令行", "import_sheet", "export_sheet"):
            assert words not in text, (path.name, words)
    pair(school, school.student_a, school.teacher)
    pages = [
        (school.homeroom, reverse("mentors:class_ratings", args=[school.class_a.pk])),
        (school.homeroom, reverse("mentors:class_choices", args=[school.class_a.pk])),
        (school.homeroom, upload_url(school.class_a)),
        (school.academic, reverse("mentors:evaluation")),
        (school.academic, reverse("mentors:ratings_upload")),
    ]
    for staff, url in pages:
        text = login(staff).get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").text
        assert "manage.py" not in text and "命令行" not in text and "import_sheet" not in text
