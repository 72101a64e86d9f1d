"""The homeroom teacher uploads the 学习委员's weekly score sheet of their own class from the
class's pages (issue 12): checked first, then confirmed; nothing of another class gets in."""

import io

from django.urls import reverse

import pytest

from groups.models import ScoreEntry
from schoolops.models import ImportRecord

from .helpers import make_groups, scores_workbook

pytestmark = pytest.mark.django_db


@pytest.fixture
def private_root(settings, tmp_path):
    settings.PRIVATE_ROOT = str(tmp_path)


def upload(rows) -> io.BytesIO:
    file = io.BytesIO(scores_workbook(rows))
    file.name = "第12周小组评分.xlsx"
    return file


def row(group: str, item: str, points: int, *, class_name: str = "1班", day: str = "2026-11-23"):
    return [day, "七年级", class_name, group, item, points, "T1001", "学习委员记录", None]


def test_the_homeroom_teacher_uploads_the_weekly_score_sheet_of_their_class(
    school, formed, login, private_root, today
):
    client = login(school.homeroom)
    url = reverse("groups:score_upload", args=[school.class_a.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert 'id="upload-form"' in page.text
    # The class's pages lead there, and the page marks itself in the class's navigation.
    assert url in client.get(reverse("groups:class_groups", args=[school.class_a.pk])).text
    assert f'aria-current="page" href="{url}"' in page.text

    response = client.post(
        url, {"file": upload([row("飞翔1组", "课堂回答", 1), row("飞翔2组", "纪律", -2)])}
    )
    record = ImportRecord.objects.get(kind="scores")
    assert response.status_code == 302 and response.url == f"{url}?record={record.pk}"
    assert record.status == ImportRecord.Status.PREVIEWED and record.new == 2
    assert not ScoreEntry.objects.exists()  # a check writes nothing

    check = client.get(response.url)
    assert "第 1 行被识别为表头。" in check.text
    assert "飞翔2组" in check.text and 'id="upload-confirm"' in check.text

    done = client.post(url, {"confirm": "1", "record": record.pk})
    assert done.url == reverse("groups:ranking", args=[school.class_a.pk])
    entries = ScoreEntry.objects.order_by("points")
    assert [(e.group.name, e.points, e.kind) for e in entries] == [
        ("飞翔2组", -2, ScoreEntry.Kind.IMPORT),
        ("飞翔1组", 1, ScoreEntry.Kind.IMPORT),
    ]
    assert {e.school_class_id for e in entries} == {school.class_a.pk}
    record.refresh_from_db()
    assert (record.status, record.new, record.user) == ("done", 2, school.homeroom.user)


def test_a_row_of_another_class_refuses_the_whole_file_naming_the_row(
    school, formed, login, private_root, today
):
    make_groups(school.class_b, school.term, [school.student_b], per_group=1)
    client = login(school.homeroom)
    url = reverse("groups:score_upload", args=[school.class_a.pk])
    file = upload([row("飞翔1组", "课堂回答", 1), row("飞翔1组", "表扬", 3, class_name="2班")])
    page = client.post(url, {"file": file}, follow=True)
    record = ImportRecord.objects.get(kind="scores")
    assert record.status == ImportRecord.Status.REFUSED
    assert [(e["line"], e["column"]) for e in record.errors] == [(3, "班级")]
    assert str(school.class_b) in record.errors[0]["message"]
    assert str(school.class_a) in record.errors[0]["message"]
    assert 'id="upload-errors"' in page.text and 'id="upload-confirm"' not in page.text
    assert not ScoreEntry.objects.exists()


def test_another_class_s_upload_page_is_a_404_and_only_its_homeroom_teacher_uploads(
    school, formed, login, private_root, today
):
    other = reverse("groups:score_upload", args=[school.class_b.pk])
    homeroom = login(school.homeroom)
    assert homeroom.get(other).status_code == 404
    file = upload([row("飞翔1组", "课堂回答", 1, class_name="2班")])
    assert homeroom.post(other, {"file": file}).status_code == 404
    # The class's subject teacher scores its groups but does not upload its sheet.
    own = reverse("groups:score_upload", args=[school.class_a.pk])
    assert login(school.teacher).get(own).status_code == 403
    assert not ImportRecord.objects.exists() and not ScoreEntry.objects.exists()


def test_no_page_of_a_class_tells_a_teacher_to_use_a_command_line(
    school, formed, login, private_root, today
):
    client = login(school.homeroom)
    names = ("score_upload", "class_groups", "score", "ranking", "register", "seating")
    for name in names:
        text = client.get(reverse(f"groups:{name}", args=[school.class_a.pk])).text
        for hint in ("manage.py", "import_sheet", "命令行", "command line"):
            assert hint not in text, (name, hint)
