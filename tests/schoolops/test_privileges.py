"""Whoever keeps the roster cannot grant scope over sensitive data (issue 10, defect 2).

Homeroom teachers, grade heads, the privileged posts and passwords are set by the principal's
office only (校长, 副校长, 教导处); office staff (办公室) never set them, never touch their own
posts or teaching assignments, and never see a password. Every such change is recorded.
"""

from __future__ import annotations

import io
import re

from django.contrib.auth import authenticate
from django.urls import reverse
from django.utils import translation

import openpyxl
import pytest

from schoolops.models import (
    Grade,
    ImportRecord,
    Post,
    PrivilegeChange,
    SchoolClass,
    Staff,
    TeachingAssignment,
)
from schoolops.services import set_posts
from schoolops.sheets import engine

Kind = PrivilegeChange.Kind
Source = PrivilegeChange.Source


@pytest.fixture(autouse=True)
def english(settings, tmp_path):
    settings.PRIVATE_ROOT = tmp_path / "private"
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def no_cast_changes(school):
    """The cast's own posts and classes, given when it was set up, are not these tests' concern."""
    PrivilegeChange.objects.all().delete()


def sheet(tmp_path, rows, name="sheet.xlsx"):
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    path = tmp_path / name
    workbook.save(path)
    return path


def errors(result):
    return [(e.line, e.column, e.letter) for e in result.errors]


def class_form(school_class, **changes):
    data = {
        "academic_year": school_class.academic_year_id,
        "grade": school_class.grade_id,
        "number": school_class.number,
        "homeroom_teacher": school_class.homeroom_teacher_id or "",
    }
    return {**data, **changes}


def class_url(school_class):
    return reverse("admin:schoolops_schoolclass_change", args=[school_class.pk])


def grade_url(grade):
    return reverse("admin:schoolops_grade_change", args=[grade.pk])


# The rule's one set of posts.


def test_privileged_posts_are_every_post_but_the_subject_teacher(school):
    assert Post.privileged() == {
        Post.PRINCIPAL,
        Post.VICE_PRINCIPAL,
        Post.ACADEMIC_OFFICE,
        Post.GRADE_HEAD,
        Post.HOMEROOM,
        Post.PSYCHOLOGY,
        Post.OFFICE,
    }


# Office staff in the admin.


def test_office_cannot_set_a_homeroom_teacher_in_the_class_form(school, login, today):
    client = login(school.office)
    form = client.get(class_url(school.class_a)).content.decode()
    assert 'name="homeroom_teacher"' not in form
    assert school.homeroom.name in form  # shown, read-only

    forged = class_form(school.class_a, homeroom_teacher=school.office.pk)
    response = client.post(class_url(school.class_a), forged)

    assert response.status_code == 302
    assert SchoolClass.objects.get(pk=school.class_a.pk).homeroom_teacher == school.homeroom
    assert not PrivilegeChange.objects.filter(kind=Kind.HOMEROOM, changed_by=school.office.user)
    # ... so the class's guardian phones stay out of the office's reach.
    page = client.get(reverse("schoolops:student_detail", args=[school.student_a.pk]))
    assert school.student_a.guardian_phone not in page.content.decode()


def test_office_cannot_set_a_homeroom_teacher_of_a_class_without_one(school, login, today):
    client = login(school.office)
    forged = class_form(school.class_c, homeroom_teacher=school.office.pk)
    assert client.post(class_url(school.class_c), forged).status_code == 302
    assert SchoolClass.objects.get(pk=school.class_c.pk).homeroom_teacher is None


def test_office_cannot_set_a_grade_head(school, login, today):
    client = login(school.office)
    assert 'name="head"' not in client.get(grade_url(school.grade8)).content.decode()

    forged = {"level": 8, "name": "八年级", "head": school.office.pk}
    assert client.post(grade_url(school.grade8), forged).status_code == 302

    assert Grade.objects.get(pk=school.grade8.pk).head is None
    assert not school.office.user.groups.filter(name=Post.GRADE_HEAD).exists()
    # Nor by adding a grade.
    new = {"level": 9, "name": "九年级", "head": school.office.pk}
    assert client.post(reverse("admin:schoolops_grade_add"), new).status_code == 302
    assert Grade.objects.get(level=9).head is None


def test_office_cannot_give_themselves_a_teaching_assignment_in_the_admin(school, login, today):
    client = login(school.office)
    data = {
        "staff": school.office.pk,
        "school_class": school.class_c.pk,
        "subject": school.maths.pk,
    }

    response = client.post(reverse("admin:schoolops_teachingassignment_add"), data)

    assert response.status_code == 200  # the form again, with its error
    assert not TeachingAssignment.objects.filter(staff=school.office).exists()
    # Another teacher is the office's everyday work.
    data["staff"] = school.teacher.pk
    assert client.post(reverse("admin:schoolops_teachingassignment_add"), data).status_code == 302
    # The autocomplete does not offer the office's own record.
    autocomplete = client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "schoolops",
            "model_name": "teachingassignment",
            "field_name": "staff",
            "term": "郑",
        },
    )
    assert autocomplete.status_code == 200
    assert autocomplete.json()["results"] == []


def test_office_cannot_change_their_own_teaching_assignment(school, login, today):
    own = TeachingAssignment.objects.create(
        staff=school.office, school_class=school.class_c, subject=school.english
    )
    client = login(school.office)
    url = reverse("admin:schoolops_teachingassignment_change", args=[own.pk])
    data = {"staff": school.office.pk, "school_class": school.class_a.pk, "subject": own.subject_id}
    assert client.post(url, data).status_code == 403
    assert TeachingAssignment.objects.get(pk=own.pk).school_class == school.class_c


def test_office_cannot_move_a_staff_record_to_another_login(school, login, today):
    client = login(school.office)
    url = reverse("admin:schoolops_staff_change", args=[school.homeroom.pk])
    assert 'name="user"' not in client.get(url).content.decode()
    data = {
        "user": school.office.user_id,
        "staff_no": school.homeroom.staff_no,
        "name": school.homeroom.name,
        "gender": school.homeroom.gender,
        "status": school.homeroom.status,
    }
    client.post(url, data)
    assert Staff.objects.get(pk=school.homeroom.pk).user_id == school.homeroom.user_id


# Office staff importing.


@pytest.mark.parametrize("post", sorted(Post.privileged()))
def test_a_staff_import_by_office_giving_a_privileged_post_is_refused_by_row_and_column(
    school, tmp_path, post
):
    path = sheet(
        tmp_path,
        [
            ["工号", "姓名", "岗位"],
            ["T2201", "新老师", "任课教师"],
            ["T2202", "另一位", f"任课教师、{post}"],
        ],
    )

    result, record = engine.import_file("staff", path, user=school.office.user)

    assert errors(result) == [(3, "岗位", "C")]
    assert post in result.errors[0].message
    assert "principal's office" in result.errors[0].message
    assert record.status == ImportRecord.Status.REFUSED
    assert not Staff.objects.filter(staff_no__in=["T2201", "T2202"]).exists()


def test_office_cannot_import_themselves_a_grade_head_post(school, tmp_path):
    """The reproduced row: the office clerk's own 办公室、级部主任, and the same for a colleague."""
    path = sheet(
        tmp_path,
        [
            ["工号", "姓名", "岗位"],
            ["T0003", "郑老师", "办公室、级部主任"],
            ["T1002", "李老师", "任课教师、级部主任"],
            ["T1001", "王老师", "任课教师"],  # takes 班主任 away
        ],
    )

    result, _record = engine.import_file("staff", path, user=school.office.user)

    assert errors(result) == [(2, "岗位", "C"), (3, "岗位", "C"), (4, "岗位", "C")]
    assert "your own posts" in result.errors[0].message
    assert school.office.user.groups.get().name == Post.OFFICE
    assert not PrivilegeChange.objects.filter(changed_by=school.office.user).exists()


def test_office_may_reimport_the_staff_export_unchanged(school, tmp_path):
    path = tmp_path / "staff.xlsx"
    engine.export_file("staff", path, user=school.office.user)
    result, _record = engine.import_file("staff", path, user=school.office.user)
    assert result.ok, result.messages()
    assert result.counts.changed == 0


def test_office_cannot_import_a_class_naming_themselves_or_a_new_homeroom(school, tmp_path):
    path = sheet(
        tmp_path,
        [
            ["年级", "班级", "班主任工号"],
            ["七年级", "3班", "T0003"],  # a new class, the clerk as its homeroom teacher
            ["七年级", "1班", "T1002"],  # another teacher for (1)
            ["八年级", "1班", "T1002"],  # a homeroom teacher for a class without one
            ["七年级", "2班", "T1003"],  # unchanged: fine
            ["七年级", "4班", ""],  # a new class without one: fine
        ],
    )

    result, _record = engine.import_file("classes", path, user=school.office.user)

    assert errors(result) == [
        (2, "班主任工号", "C"),
        (3, "班主任工号", "C"),
        (4, "班主任工号", "C"),
    ]
    assert "yourself" in result.errors[0].message
    assert "principal's office" in result.errors[1].message
    assert not SchoolClass.objects.filter(grade=school.grade7, number__in=[3, 4]).exists()
    assert SchoolClass.objects.get(pk=school.class_a.pk).homeroom_teacher == school.homeroom


def test_office_cannot_import_a_teaching_assignment_naming_themselves(school, tmp_path):
    own = TeachingAssignment.objects.create(
        staff=school.office, school_class=school.class_c, subject=school.english
    )
    path = sheet(
        tmp_path,
        [
            ["工号", "年级", "班级", "学科"],
            ["T0003", "七年级", "1班", "英语"],  # a class for the clerk
            ["T1002", "八年级", "1班", "英语"],  # the clerk's own class handed on
            ["T1002", "八年级", "1班", "数学"],  # another teacher: fine
        ],
    )

    result, _record = engine.import_file("assignments", path, user=school.office.user)

    assert errors(result) == [(2, "工号", "A"), (3, "工号", "A")]
    assert "yourself" in result.errors[0].message
    assert "your own" in result.errors[1].message
    assert TeachingAssignment.objects.get(pk=own.pk).staff == school.office
    assert not TeachingAssignment.objects.filter(school_class=school.class_a, subject__name="英语")
    # A file that leaves the clerk's own assignment as it is (the export) is fine.
    unchanged = sheet(
        tmp_path, [["工号", "年级", "班级", "学科"], ["T0003", "八年级", "1班", "英语"]], "b.xlsx"
    )
    result, _record = engine.import_file("assignments", unchanged, user=school.office.user)
    assert result.ok, result.messages()


def test_the_staff_import_shows_office_no_password(school, login):
    client = login(school.office)
    workbook = openpyxl.Workbook()
    workbook.active.append(["工号", "姓名", "岗位"])
    workbook.active.append(["T2301", "新老师", "任课教师"])
    content = io.BytesIO()
    workbook.save(content)
    content.seek(0)
    content.name = "staff.xlsx"

    client.post(reverse("admin:schoolops_staff_import"), {"file": content})
    record = ImportRecord.objects.get(kind="staff")
    response = client.post(
        reverse("admin:schoolops_staff_process_import"), {"record": record.pk}, follow=True
    )

    html = response.content.decode()
    assert "Imported." in html
    assert "no password yet" in html
    assert "have the initial password" not in html
    new = Staff.objects.select_related("user").get(staff_no="T2301")
    assert not new.user.has_usable_password()
    assert new.must_change_password
    assert not PrivilegeChange.objects.filter(kind=Kind.PASSWORD).exists()


def test_office_cannot_issue_passwords(school, login):
    school.teacher.user.set_unusable_password()
    school.teacher.user.save()
    client = login(school.office)
    url = reverse("admin:schoolops_staff_changelist")
    assert "issue_initial_passwords" not in client.get(url).content.decode()

    client.post(url, {"action": "issue_initial_passwords", "_selected_action": [school.teacher.pk]})

    school.teacher.user.refresh_from_db()
    assert not school.teacher.user.has_usable_password()


# The principal's office does the same, and every change is recorded.


def test_the_academic_office_sets_a_homeroom_teacher_and_it_is_recorded(school, login, today):
    client = login(school.academic)
    assert 'name="homeroom_teacher"' in client.get(class_url(school.class_a)).content.decode()

    data = class_form(school.class_a, homeroom_teacher=school.teacher.pk)
    assert client.post(class_url(school.class_a), data).status_code == 302

    assert SchoolClass.objects.get(pk=school.class_a.pk).homeroom_teacher == school.teacher
    change = PrivilegeChange.objects.get(kind=Kind.HOMEROOM, what="七年级(1)班")
    assert change.changed_by == school.academic.user
    assert change.source == Source.ADMIN
    assert change.account == school.teacher.user
    assert (change.before, change.after) == ("T1001 王老师", "T1002 李老师")


def test_the_academic_office_sets_a_grade_head_and_it_is_recorded(school, login, today):
    client = login(school.academic)
    data = {"level": 8, "name": "八年级", "head": school.teacher.pk}

    assert client.post(grade_url(school.grade8), data).status_code == 302

    assert Grade.objects.get(pk=school.grade8.pk).head == school.teacher
    head = PrivilegeChange.objects.get(kind=Kind.GRADE_HEAD, what="八年级")
    assert (head.changed_by, head.source, head.after) == (
        school.academic.user,
        Source.ADMIN,
        "T1002 李老师",
    )
    # Heading a grade gives the 级部主任 post: recorded too.
    post = PrivilegeChange.objects.get(kind=Kind.POST_ADDED, account=school.teacher.user)
    assert (post.what, post.changed_by, post.whose) == (
        Post.GRADE_HEAD,
        school.academic.user,
        "T1002 李老师",
    )


def test_the_academic_office_imports_privileged_posts_and_it_is_recorded(school, tmp_path):
    path = sheet(
        tmp_path,
        [
            ["工号", "姓名", "岗位"],
            ["T0003", "郑老师", "办公室、级部主任"],
            ["T2401", "新主任", "级部主任、任课教师"],
        ],
    )

    result, _record = engine.import_file("staff", path, user=school.academic.user)

    assert result.ok, result.messages()
    assert "initial password" in result.notice  # shown once to the principal's office
    office = PrivilegeChange.objects.get(account=school.office.user)
    assert (office.kind, office.what, office.changed_by, office.source) == (
        Kind.POST_ADDED,
        Post.GRADE_HEAD,
        school.academic.user,
        Source.IMPORT,
    )
    new = Staff.objects.get(staff_no="T2401")
    assert set(PrivilegeChange.objects.filter(account=new.user).values_list("kind", "what")) == {
        (Kind.PASSWORD, ""),
        (Kind.POST_ADDED, Post.GRADE_HEAD),
        (Kind.POST_ADDED, Post.SUBJECT_TEACHER),
    }


def test_the_academic_office_imports_classes_and_assignments_and_homerooms_are_recorded(
    school, tmp_path
):
    classes = sheet(
        tmp_path,
        [["年级", "班级", "班主任工号"], ["七年级", "1班", "T1002"], ["八年级", "2班", "T1003"]],
    )
    result, _record = engine.import_file("classes", classes, user=school.academic.user)
    assert result.ok, result.messages()
    recorded = {
        (c.what, c.before, c.after, c.source)
        for c in PrivilegeChange.objects.filter(kind=Kind.HOMEROOM, changed_by=school.academic.user)
    }
    assert recorded == {
        ("七年级(1)班", "T1001 王老师", "T1002 李老师", Source.IMPORT),
        ("八年级(2)班", "", "T1003 赵老师", Source.IMPORT),
    }

    assignments = sheet(
        tmp_path, [["工号", "年级", "班级", "学科"], ["T0002", "八年级", "1班", "英语"]], "a.xlsx"
    )
    result, _record = engine.import_file("assignments", assignments, user=school.academic.user)
    assert result.ok, result.messages()
    assert TeachingAssignment.objects.filter(staff=school.academic, school_class=school.class_c)


def test_the_academic_office_issues_initial_passwords_once_and_it_is_recorded(
    school, login, tmp_path
):
    path = sheet(tmp_path, [["工号", "姓名", "岗位"], ["T2501", "新老师", "任课教师"]])
    result, _record = engine.import_file("staff", path, user=school.office.user)
    assert result.ok, result.messages()
    new = Staff.objects.get(staff_no="T2501")
    client = login(school.academic)
    url = reverse("admin:schoolops_staff_changelist")
    waiting = client.get(url, {"password": "waiting"}).content.decode()
    assert "T2501" in waiting
    assert "T1002" not in waiting

    response = client.post(
        url,
        {"action": "issue_initial_passwords", "_selected_action": [new.pk, school.teacher.pk]},
        follow=True,
    )

    html = response.content.decode()
    password = re.search(r"initial password (\S+?):", html).group(1)
    assert authenticate(username="T2501", password=password).pk == new.user_id
    assert Staff.objects.get(pk=new.pk).must_change_password
    # The teacher already had a password: not reset.
    assert authenticate(username="T1002", password="correct-horse-battery") is not None
    issued = PrivilegeChange.objects.get(kind=Kind.PASSWORD)
    assert (issued.account_id, issued.changed_by, issued.source) == (
        new.user_id,
        school.academic.user,
        Source.ADMIN,
    )
    # Shown once: the next page does not repeat it.
    assert password not in client.get(url).content.decode()


def test_a_post_changed_by_a_service_is_recorded(school):
    set_posts(school.teacher.user, [Post.SUBJECT_TEACHER, Post.PSYCHOLOGY])
    set_posts(school.teacher.user, [Post.PSYCHOLOGY])

    changes = list(
        PrivilegeChange.objects.filter(account=school.teacher.user)
        .order_by("pk")
        .values_list("kind", "what", "source", "changed_by")
    )
    assert changes == [
        (Kind.POST_ADDED, Post.PSYCHOLOGY, Source.OTHER, None),
        (Kind.POST_REMOVED, Post.SUBJECT_TEACHER, Source.OTHER, None),
    ]


# Who reads the record.


def test_privilege_changes_are_listed_for_the_principals_office_only(school, login, client):
    set_posts(school.teacher.user, [Post.SUBJECT_TEACHER, Post.HOMEROOM])
    url = reverse("admin:schoolops_privilegechange_changelist")

    for staff in (school.principal, school.academic):
        page = login(staff).get(url)
        assert page.status_code == 200
        assert "T1002 李老师" in page.content.decode()
    assert login(school.office).get(url).status_code == 403
    index = login(school.office).get(reverse("admin:index")).content.decode()
    assert url not in index
    response = login(school.homeroom).get(url)
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]

    # Read-only: nothing can be added, changed or deleted, even by the principal's office.
    change = PrivilegeChange.objects.filter(account=school.teacher.user).first()
    academic = login(school.academic)
    assert academic.get(reverse("admin:schoolops_privilegechange_add")).status_code == 403
    change_url = reverse("admin:schoolops_privilegechange_change", args=[change.pk])
    academic.post(change_url, {"whose": "somebody else"})
    assert PrivilegeChange.objects.get(pk=change.pk).whose == "T1002 李老师"
    delete_url = reverse("admin:schoolops_privilegechange_delete", args=[change.pk])
    assert academic.post(delete_url, {"post": "yes"}).status_code == 403


def test_the_principals_office_exports_the_privilege_changes(school, login, tmp_path):
    set_posts(school.teacher.user, [Post.SUBJECT_TEACHER, Post.HOMEROOM])
    selected = PrivilegeChange.objects.filter(account=school.teacher.user)
    response = login(school.principal).post(
        reverse("admin:schoolops_privilegechange_changelist"),
        {"action": "export_xlsx", "_selected_action": [c.pk for c in selected]},
    )

    assert response.status_code == 200
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.values)
    assert rows[0] == ("时间", "操作人", "对象", "变更", "内容", "原为", "改为", "途径")
    assert [row[2:5] for row in rows[1:]] == [("T1002 李老师", "Post given", "班主任")]
    # The command line writes the whole record; office staff get nothing.
    set_posts(school.teacher.user, [Post.SUBJECT_TEACHER])
    engine.export_file("privileges", tmp_path / "all.xlsx")
    assert openpyxl.load_workbook(tmp_path / "all.xlsx").active.max_row == 1 + 2
    engine.export_file("privileges", tmp_path / "office.xlsx", user=school.office.user)
    assert openpyxl.load_workbook(tmp_path / "office.xlsx").active.max_row == 1
