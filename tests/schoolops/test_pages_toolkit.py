"""The page toolkit (``schoolops.pages``) and the access decorators (``schoolops.scopes``),
through small views of their own mounted beside the project's URLs."""

from __future__ import annotations

import io
import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import render
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import path, reverse

import openpyxl
import pytest

from schoolops.models import ImportRecord, Post, SchoolClass, Student, Term
from schoolops.pages import (
    form_page,
    grade_tabs,
    page_grades,
    private_upload,
    sheet_upload_page,
    term_required,
)
from schoolops.registry import Link, registry
from schoolops.scopes import (
    class_required,
    get_scope,
    post_required,
    scope_required,
    staff_required,
)
from schoolops.sheets import Column, Counts, ImportSheet, Row, parsers
from schoolops.submissions import SubmissionTokenMixin
from schoolops.urls import urlpatterns as project_urlpatterns

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]

SAVED: list[str] = []  # what the form page's service saved, in order


class NoteForm(SubmissionTokenMixin, forms.Form):
    text = forms.CharField(max_length=20)


@staff_required
def note_page(request):
    form = NoteForm(request.POST or None)

    def save():
        if form.cleaned_data["text"] == "refuse":
            raise ValidationError("The service refuses this note.")
        SAVED.append(form.cleaned_data["text"])
        return "t_read_only"

    return form_page(
        request,
        form,
        "consult/form.html",
        {"form": form, "title": "Note"},
        on_valid=save,
        success_message="Note saved.",
    )


@staff_required
def no_form_page(request):
    return form_page(
        request,
        None,
        "consult/form.html",
        {"title": "Read only"},
        on_valid=list,
        success_message="",
    )


@scope_required(lambda scope: scope.is_school_wide)
def school_wide_page(request):
    return HttpResponse("school")


@post_required(*Post.school_wide())
def principal_page(request):
    return HttpResponse("principal")


@class_required()
def class_page(request, school_class):
    return HttpResponse(str(school_class))


@class_required(rule=lambda scope: scope.is_psychology)
def psychology_class_page(request, school_class):
    return HttpResponse(str(school_class))


@staff_required
@term_required
def term_page(request, term):
    return HttpResponse(f"term {term.pk}")


@staff_required
def grades_page(request):
    tabs = grade_tabs(request, page_grades(get_scope(request)))
    return render(request, "schoolops/_grade_tabs.html", {"tabs": tabs})


@private_upload
@class_required(edit=True)
def names_upload(request, school_class):
    return sheet_upload_page(
        request, kind=NamesSheet.kind, school_class=school_class, done_url="/names-done/"
    )


urlpatterns = [
    path("toolkit/note/", note_page, name="t_note"),
    path("toolkit/read-only/", no_form_page, name="t_read_only"),
    path("toolkit/school/", school_wide_page, name="t_school"),
    path("toolkit/principal/", principal_page, name="t_principal"),
    path("toolkit/classes/<pk:class_pk>/", class_page, name="t_class"),
    path("toolkit/classes/<pk:class_pk>/psychology/", psychology_class_page, name="t_psych"),
    path("toolkit/term/", term_page, name="t_term"),
    path("toolkit/grades/", grades_page, name="t_grades"),
    path("toolkit/classes/<pk:class_pk>/names/", names_upload, name="t_names"),
    *project_urlpatterns,
]


# The form page.


@pytest.fixture
def saved():
    SAVED.clear()
    yield SAVED
    SAVED.clear()


def test_a_form_page_shows_its_form_on_get(school, login, saved):
    response = login(school.teacher).get(reverse("t_note"))
    assert response.status_code == 200
    assert 'name="text"' in response.text
    assert 'name="submission_token"' in response.text
    assert saved == []


def test_a_valid_post_runs_the_service_says_so_and_redirects(school, login, saved):
    client = login(school.teacher)
    response = client.post(reverse("t_note"), {"text": "hello"}, follow=True)
    assert response.redirect_chain == [(reverse("t_read_only"), 302)]
    assert saved == ["hello"]
    assert [str(m) for m in response.context["messages"]] == ["Note saved."]


def test_an_invalid_post_shows_the_errors_and_saves_nothing(school, login, saved):
    response = login(school.teacher).post(reverse("t_note"), {"text": "x" * 21})
    assert response.status_code == 200
    assert response.context["form"].errors["text"]
    assert saved == []
    assert "请更正下面的错误。" in [str(m) for m in response.context["messages"]]


def test_a_refusal_of_the_service_is_shown_and_nothing_is_saved(school, login, saved):
    response = login(school.teacher).post(reverse("t_note"), {"text": "refuse"})
    assert response.status_code == 200
    assert "The service refuses this note." in [str(m) for m in response.context["messages"]]
    assert saved == []


def test_a_create_form_sent_twice_saves_once(school, login, saved):
    client = login(school.teacher)
    data = {"text": "once", "submission_token": str(uuid.uuid4())}
    first = client.post(reverse("t_note"), data)
    second = client.post(reverse("t_note"), data)
    assert first.status_code == second.status_code == 302
    assert second.url == first.url == reverse("t_read_only")
    assert saved == ["once"]


def test_a_post_to_a_page_without_a_form_is_refused(school, login):
    client = login(school.teacher)
    assert client.get(reverse("t_read_only")).status_code == 200
    assert client.post(reverse("t_read_only")).status_code == 403


# The decorator family.


def test_the_decorators_send_the_anonymous_to_the_login_page(school, client):
    for name, args in [("t_school", []), ("t_principal", []), ("t_class", [school.class_a.pk])]:
        response = client.get(reverse(name, args=args))
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


def test_a_rule_or_a_post_not_met_is_a_403(school, login):
    assert login(school.teacher).get(reverse("t_school")).status_code == 403
    assert login(school.principal).get(reverse("t_school")).status_code == 200
    assert login(school.teacher).get(reverse("t_principal")).status_code == 403
    assert login(school.academic).get(reverse("t_principal")).status_code == 200


def test_staff_required_refuses_a_login_without_a_staff_profile(school, client, django_user_model):
    user = django_user_model.objects.create_user(username="nobody", password="x")
    client.force_login(user)
    assert client.get(reverse("t_note")).status_code == 403


def test_a_class_outside_the_scope_is_a_404_before_any_rule(school, login):
    client = login(school.homeroom)
    assert client.get(reverse("t_class", args=[school.class_a.pk])).status_code == 200
    assert client.get(reverse("t_class", args=[school.class_b.pk])).status_code == 404
    # In scope but not the rule's: 403; out of scope: 404 whatever the rule.
    assert client.get(reverse("t_psych", args=[school.class_a.pk])).status_code == 403
    assert client.get(reverse("t_psych", args=[school.class_b.pk])).status_code == 404


def test_an_id_past_a_primary_key_is_a_404_before_the_view(school, login):
    client = login(school.principal)
    assert client.get(f"/toolkit/classes/{2**31}/").status_code == 404
    assert client.get("/toolkit/classes/99999999999999999999/").status_code == 404


# The current term.


def test_without_a_term_the_page_says_so_in_chinese_with_a_link_for_the_academic_office(
    school, login
):
    Term.objects.all().delete()
    client = login(school.academic)
    response = client.get(reverse("t_term"))
    assert response.status_code == 200
    assert "教导处尚未设置本学期" in response.text
    assert reverse("admin:schoolops_term_add") in response.text


def test_without_a_term_a_teacher_is_told_to_ask_the_academic_office(school, login):
    Term.objects.all().delete()
    response = login(school.teacher).get(reverse("t_term"))
    assert response.status_code == 200
    assert "请联系教导处设置学期。" in response.text
    assert reverse("admin:schoolops_term_add") not in response.text


def test_with_a_term_the_view_is_given_it(school, login, today):
    response = login(school.teacher).get(reverse("t_term"))
    assert response.content.decode() == f"term {school.term.pk}"


# Grade tabs.


def test_a_grade_heads_grade_comes_first_then_the_others_by_level(school, rf_scope):
    school.grade8.head = school.grade_head
    school.grade8.save()
    request = rf_scope(school.grade_head.user, "/?month=2026-11&page=3")
    grades = [school.grade7, school.grade8]
    tabs = grade_tabs(request, grades)
    # Heads both: by level.
    assert [t.grade for t in tabs] == [school.grade7, school.grade8]
    school.grade7.head = None
    school.grade7.save()
    request = rf_scope(school.grade_head.user, "/?month=2026-11&page=3")
    tabs = grade_tabs(request, grades)
    assert [t.grade for t in tabs] == [school.grade8, school.grade7]
    assert tabs.current == school.grade8
    # Other parameters are kept, the page is not (another grade starts on its first page).
    assert tabs.tabs[1].url == f"?month=2026-11&grade={school.grade7.pk}"


def test_an_unknown_grade_is_a_404_never_another_grade(school, rf_scope):
    from django.http import Http404

    request = rf_scope(school.principal.user, f"/?grade={school.grade8.pk}")
    assert grade_tabs(request, [school.grade7, school.grade8]).current == school.grade8
    for value in [str(school.grade8.pk), "x", "99999999999999999999", "²"]:
        request = rf_scope(school.principal.user, f"/?grade={value}")
        with pytest.raises(Http404):
            grade_tabs(request, [school.grade7])


def test_without_a_grade_asked_for_the_default_or_the_first_is_shown(school, rf_scope):
    grades = [school.grade7, school.grade8]
    request = rf_scope(school.principal.user, "/?class=5&month=2026-11")
    assert grade_tabs(request, grades).current == school.grade7
    tabs = grade_tabs(request, grades, default=school.grade8, keep=("month",))
    assert tabs.current == school.grade8
    assert [t.url for t in tabs] == [
        f"?month=2026-11&grade={school.grade7.pk}",
        f"?month=2026-11&grade={school.grade8.pk}",
    ]
    # A default that is not among the tabs is not shown.
    assert grade_tabs(request, [school.grade7], default=school.grade8).current == school.grade7


def test_page_grades_follow_the_post(school, rf_scope):
    principal = get_scope(rf_scope(school.principal.user, "/"))
    assert page_grades(principal) == [school.grade7, school.grade8]
    head = get_scope(rf_scope(school.grade_head.user, "/"))
    assert page_grades(head) == [school.grade7]
    teacher = get_scope(rf_scope(school.teacher.user, "/"))
    assert page_grades(teacher) == []


def test_the_grade_tabs_mark_the_current_grade(school, login, today):
    response = login(school.principal).get(reverse("t_grades"), {"grade": school.grade8.pk})
    html = response.text
    assert html.count('aria-current="page"') == 1
    current = html.index('aria-current="page"')
    assert html.index(school.grade8.name, current) < html.find("</a>", current)
    assert (
        login(school.grade_head).get(reverse("t_grades"), {"grade": school.grade8.pk}).status_code
        == 404
    )


@pytest.fixture
def rf_scope():
    def build(user, url):
        request = RequestFactory().get(url)
        request.user = user
        return request

    return build


# The class sub-navigation.


def test_the_class_nav_marks_the_page_shown(school):
    template = Template('{% include "schoolops/_class_nav.html" %}')
    request = RequestFactory().get("/groups/classes/1/ranking/")
    links = [Link("Groups", "/groups/classes/1/"), Link("Ranking", "/groups/classes/1/ranking/")]
    html = template.render(
        Context({"request": request, "links": links, "school_class": school.class_a})
    )
    assert html.count('aria-current="page"') == 1
    assert 'aria-current="page" href="/groups/classes/1/ranking/"' in html
    assert 'href="/groups/classes/1/"' in html


# A sheet uploaded for one class.


class NamesSheet(ImportSheet):
    """A test kind: corrects students' names, row by row, for one class."""

    kind = "toolkit_names"
    title = "Names"
    class_scoped = True
    columns = [
        Column("student_no", "学籍号", parsers.text_id, required=True),
        Column("name", "姓名", parsers.name, required=True),
    ]

    def prepare(self):
        self.students = {
            s.student_no: s for s in Student.objects.select_related("school_class__grade")
        }

    def clean_row(self, row: Row) -> Row | None:
        student = self.students.get(row["student_no"])
        if student is None:
            self.add_error(row.line, "student_no", "No such student.")
            return None
        if not self.in_class(row.line, student.school_class, "student_no"):
            return None
        row.data["student"] = student
        return row

    def apply(self, rows):
        changed = [r for r in rows if r["student"].name != r["name"]]
        for row in changed:
            Student.objects.filter(pk=row["student"].pk).update(name=row["name"])
        return Counts(changed=len(changed), unchanged=len(rows) - len(changed))


@pytest.fixture
def names_kind(settings, tmp_path):
    settings.PRIVATE_ROOT = str(tmp_path)
    registry.add_sheet(NamesSheet.kind, NamesSheet)
    yield NamesSheet.kind
    registry.sheets.pop(NamesSheet.kind, None)


def workbook(*rows) -> io.BytesIO:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["七年级(1)班 姓名更正"])  # a title row above the header
    sheet.append(["学籍号", "姓名"])
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    buffer.name = "names.xlsx"
    return buffer


def test_a_class_sheet_is_checked_then_imported_once(school, login, names_kind, today):
    client = login(school.homeroom)
    url = reverse("t_names", args=[school.class_a.pk])
    student = school.student_a
    response = client.post(url, {"file": workbook((student.student_no, "新名字"))})
    assert response.status_code == 302
    record = ImportRecord.objects.get(kind=names_kind)
    assert response.url == f"{url}?record={record.pk}"
    assert record.status == ImportRecord.Status.PREVIEWED
    student.refresh_from_db()
    assert student.name != "新名字"  # a check writes nothing

    page = client.get(response.url)
    assert 'id="upload-confirm"' in page.text
    assert "第 2 行被识别为表头。" in page.text
    assert "新名字" in page.text  # the preview's rows

    first = client.post(url, {"confirm": "1", "record": record.pk})
    assert first.url == "/names-done/"
    student.refresh_from_db()
    assert student.name == "新名字"
    record.refresh_from_db()
    assert (record.status, record.changed, record.stored_file) == ("done", 1, "")

    Student.objects.filter(pk=student.pk).update(name="旧名字")
    again = client.post(url, {"confirm": "1", "record": record.pk}, follow=True)
    assert "该文件已经导入过，或已过期。" in again.text
    student.refresh_from_db()
    assert student.name == "旧名字"


def test_a_row_of_another_class_refuses_the_file_naming_the_row(school, login, names_kind, today):
    client = login(school.homeroom)
    url = reverse("t_names", args=[school.class_a.pk])
    file = workbook(
        (school.student_a.student_no, "甲"),
        (school.student_b.student_no, "乙"),
    )
    response = client.post(url, {"file": file}, follow=True)
    record = ImportRecord.objects.get(kind=names_kind)
    assert record.status == ImportRecord.Status.REFUSED
    assert [(e["line"], e["column"]) for e in record.errors] == [(4, "学籍号")]
    assert str(school.class_b) in record.errors[0]["message"]
    assert 'id="upload-errors"' in response.text
    assert 'id="upload-confirm"' not in response.text
    assert record.stored_file == ""
    for student in (school.student_a, school.student_b):
        name = student.name
        student.refresh_from_db()
        assert student.name == name  # nothing written


def test_a_record_answers_only_its_uploader_and_its_class(school, login, names_kind, today):
    client = login(school.homeroom)
    url = reverse("t_names", args=[school.class_a.pk])
    client.post(url, {"file": workbook((school.student_a.student_no, "甲"))})
    record = ImportRecord.objects.get(kind=names_kind)
    # The grade head keeps class (1) too, but the record is not theirs.
    other = login(school.grade_head)
    assert other.get(url, {"record": record.pk}).status_code == 404
    assert other.post(url, {"confirm": "1", "record": record.pk}).status_code == 404
    assert other.get(url, {"record": "x"}).status_code == 404
    # Another class's page of the same person does not answer it either.
    class_b = SchoolClass.objects.get(pk=school.class_b.pk)
    class_b.homeroom_teacher = school.homeroom
    class_b.save()
    client = login(school.homeroom)
    url_b = reverse("t_names", args=[class_b.pk])
    assert client.get(url_b, {"record": record.pk}).status_code == 404
    record.refresh_from_db()
    assert record.status == ImportRecord.Status.PREVIEWED


def test_the_upload_page_refuses_a_file_that_is_not_a_workbook(school, login, names_kind, today):
    client = login(school.homeroom)
    url = reverse("t_names", args=[school.class_a.pk])
    junk = io.BytesIO(b"not a workbook at all")
    junk.name = "names.xlsx"
    response = client.post(url, {"file": junk}, follow=True)
    assert response.status_code == 200
    record = ImportRecord.objects.get(kind=names_kind)
    assert record.status == ImportRecord.Status.REFUSED
    assert record.message
    assert 'id="upload-refused"' in response.text


def test_the_upload_page_offers_the_blank_template_and_is_outside_scope_a_404(
    school, login, names_kind, today
):
    client = login(school.homeroom)
    url = reverse("t_names", args=[school.class_a.pk])
    download = client.get(url, {"template": "1"})
    assert download["Content-Type"].startswith("application/vnd.openxmlformats")
    header = next(
        openpyxl.load_workbook(io.BytesIO(download.content)).active.iter_rows(values_only=True)
    )
    assert list(header) == ["学籍号", "姓名"]
    assert client.get(reverse("t_names", args=[school.class_b.pk])).status_code == 404
    # A subject teacher sees class (1) but does not keep it.
    assert login(school.teacher).get(url).status_code == 404


def test_only_a_class_scoped_kind_can_be_uploaded_for_one_class(school, rf_scope):
    request = rf_scope(school.homeroom.user, "/")
    with pytest.raises(ValueError, match="cannot be uploaded for one class"):
        sheet_upload_page(request, kind="students", school_class=school.class_a)
