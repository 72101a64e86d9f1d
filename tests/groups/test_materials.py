"""Shared notes and materials, the showcase and the questions passed up (issue 16)."""

from __future__ import annotations

import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

import pytest

from groups import materials
from groups.models import Material, Question, SubjectRep
from schoolops.filetypes import sniff

from .helpers import add_students, make_groups

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def office(folder: str, macro: bool = False) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        kind = "macroEnabled" if macro else "document"
        archive.writestr("[Content_Types].xml", f"<Types>{kind}</Types>")
        archive.writestr(f"{folder}document.xml", "<x/>")
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def private(settings, tmp_path):
    settings.PRIVATE_ROOT = tmp_path


@pytest.fixture
def groups(school):
    students = [school.student_a, *add_students(school.class_a, 7, seed=16)]
    return make_groups(school.class_a, school.term, students, per_group=4)


def upload(client, school, groups, name, content, **extra):
    data = {
        "group": groups[0].pk,
        "kind": "note",
        "subject": school.maths.pk,
        "title": "一次函数错题整理",
        "note": "",
        "file": SimpleUploadedFile(name, content),
        **extra,
    }
    return client.post(reverse("groups:materials", args=[school.class_a.pk]), data)


def test_sniff_knows_files_by_content():
    assert sniff(PDF).extension == "pdf"
    assert sniff(PNG).content_type == "image/png"
    assert sniff(office("word/")).extension == "docx"
    assert sniff(office("xl/")).extension == "xlsx"
    assert sniff(office("ppt/")).extension == "pptx"
    assert sniff(office("word/", macro=True)) is None
    assert sniff(b"MZ\x90\x00\x03" + b"\x00" * 60) is None
    assert sniff(b"<!DOCTYPE html><script>alert(1)</script>") is None
    assert sniff(b"PK\x03\x04broken") is None


def test_a_teacher_shares_a_pdf_and_the_class_sees_it(login, school, groups):
    client = login(school.homeroom)
    response = upload(client, school, groups, "../../错题 整理.PDF", PDF)
    assert response.status_code == 302
    material = Material.objects.get()
    assert material.content_type == "application/pdf"
    assert material.file_name == "错题_整理.pdf"
    assert material.group == groups[0]
    page = client.get(reverse("groups:materials", args=[school.class_a.pk]))
    assert "一次函数错题整理" in page.content.decode()
    served = client.get(reverse("groups:material_file", args=[material.pk]))
    assert served.status_code == 200
    assert served["Content-Type"] == "application/pdf"
    assert served["X-Content-Type-Options"] == "nosniff"
    assert served["Content-Disposition"].startswith("inline")
    assert b"".join(served.streaming_content) == PDF


def test_an_office_document_is_downloaded_never_shown(login, school, groups):
    client = login(school.teacher)
    assert upload(client, school, groups, "讲义.docx", office("word/")).status_code == 302
    material = Material.objects.get()
    served = client.get(reverse("groups:material_file", args=[material.pk]))
    assert served["Content-Disposition"].startswith("attachment")
    assert "html" not in served["Content-Type"]


@pytest.mark.parametrize(
    "content",
    [b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 100, b"<html><script>alert(1)</script></html>"],
    ids=["exe", "html"],
)
def test_a_renamed_program_or_page_is_refused(login, school, groups, content):
    client = login(school.homeroom)
    response = upload(client, school, groups, "作业.pdf", content)
    assert response.status_code == 200
    assert "只能共享" in response.content.decode()
    assert not Material.objects.exists()


def test_an_oversize_file_is_refused_in_chinese(login, school, groups, settings):
    settings.GROUPS_MATERIAL_MAX_BYTES = 1024 * 1024
    client = login(school.homeroom)
    response = upload(client, school, groups, "大文件.pdf", PDF + b"0" * 1024 * 1024)
    assert response.status_code == 200
    assert "文件大于 1 MB，请选择更小的文件" in response.content.decode()
    assert not Material.objects.exists()


def test_the_class_quota_refuses_more(login, school, groups, settings):
    settings.GROUPS_CLASS_QUOTA_BYTES = len(PDF) * 2
    client = login(school.homeroom)
    assert upload(client, school, groups, "a.pdf", PDF).status_code == 302
    assert upload(client, school, groups, "b.pdf", PDF).status_code == 302
    response = upload(client, school, groups, "c.pdf", PDF)
    assert response.status_code == 200
    assert "存储空间" in response.content.decode()
    assert Material.objects.count() == 2


def test_files_are_served_to_the_class_staff_only(login, school, groups, client):
    material = materials.add_material(
        group=groups[0],
        upload=SimpleUploadedFile("a.png", PNG),
        title="板书",
        kind="note",
        subject=None,
        note="",
        by=school.homeroom,
    )
    url = reverse("groups:material_file", args=[material.pk])
    assert login(school.outsider).get(url).status_code == 404
    assert login(school.psychologist).get(url).status_code == 404
    assert login(school.teacher).get(url).status_code == 200
    client.logout()
    assert client.get(url).status_code == 302


def test_a_group_puts_its_work_in_the_showcase(login, school, groups):
    client = login(school.homeroom)
    upload(client, school, groups, "a.png", PNG, title="优秀作文")
    material = Material.objects.get()
    client.post(reverse("groups:material_showcase", args=[material.pk]), {"showcased": "1"})
    page = client.get(reverse("groups:showcase", args=[school.class_a.pk])).content.decode()
    assert "优秀作文" in page
    assert (
        login(school.grade_head)
        .post(reverse("groups:material_showcase", args=[material.pk]), {"showcased": "0"})
        .status_code
        == 403
    )


def test_two_hundred_files_list_in_a_fixed_number_of_queries(
    login, school, groups, django_assert_max_num_queries
):
    client = login(school.homeroom)
    url = reverse("groups:materials", args=[school.class_a.pk])

    def add(n):
        for i in range(n):
            Material.objects.create(
                term=school.term,
                school_class=school.class_a,
                group=groups[i % 2],
                subject=school.maths,
                title=f"资料{i}",
                file=f"x/{i}.pdf",
                file_name=f"{i}.pdf",
                content_type="application/pdf",
                size=10,
                uploaded_by=school.homeroom,
            )

    add(2)
    with django_assert_max_num_queries(20):
        assert client.get(url).status_code == 200
    add(198)
    with django_assert_max_num_queries(20):
        page = client.get(url)
    assert page.content.decode().count("/file/") == 200
    with django_assert_max_num_queries(20):
        assert upload(client, school, groups, "a.pdf", PDF).status_code == 302


def test_a_question_goes_from_a_group_to_the_teacher(login, school, groups):
    homeroom = login(school.homeroom)
    questions_url = reverse("groups:questions", args=[school.class_a.pk])
    homeroom.post(
        questions_url,
        {"group": groups[0].pk, "subject": school.maths.pk, "text": "二次根式化简不会"},
    )
    question = Question.objects.get()
    assert question.status == Question.Status.OPEN
    # No 科代表 yet: nothing is passed up.
    pass_url = reverse("groups:questions_pass", args=[school.class_a.pk])
    homeroom.post(pass_url, {"subject": school.maths.pk})
    question.refresh_from_db()
    assert question.status == Question.Status.OPEN
    homeroom.post(
        reverse("groups:subject_reps", args=[school.class_a.pk]),
        {f"subject_{school.maths.pk}": school.student_a.pk},
    )
    assert SubjectRep.objects.get().student == school.student_a
    homeroom.post(pass_url, {"subject": school.maths.pk})
    question.refresh_from_db()
    assert question.status == Question.Status.PASSED
    assert question.passed_by_rep == school.student_a

    teacher = login(school.teacher)
    home = teacher.get(reverse("home")).content.decode()
    assert "二次根式化简不会" in home
    answer_url = reverse("groups:question_answer", args=[question.pk])
    # Only the subject's teacher answers; another class's teacher gets a 404.
    assert login(school.homeroom).post(answer_url, {"note": "x"}).status_code == 403
    assert login(school.outsider).get(answer_url).status_code == 404
    teacher = login(school.teacher)
    response = teacher.post(answer_url, {"note": "周四课上讲解，并补充两道练习"})
    assert response.status_code == 302
    question.refresh_from_db()
    assert question.status == Question.Status.ANSWERED
    assert question.answer_note == "周四课上讲解，并补充两道练习"
    assert question.answered_by == school.teacher
    assert "二次根式化简不会" not in teacher.get(reverse("home")).content.decode()


def test_a_subject_teacher_cannot_choose_the_representatives(login, school, groups):
    url = reverse("groups:subject_reps", args=[school.class_a.pk])
    assert login(school.teacher).get(url).status_code == 403
    assert login(school.outsider).get(url).status_code == 404


# The class terminal (班级一体机): the groups share files, choose their showcase, enter and
# pass up questions there; its own class only.


@pytest.fixture
def pc(client, school):
    from .helpers_terminal import terminal_client

    return terminal_client(client, school.class_a, school.homeroom)[0]


def test_a_group_shares_a_file_on_the_class_terminal(pc, school, groups):
    member = groups[0].memberships.current().first().student
    response = upload(pc, school, groups, "笔记.pdf", PDF, student=member.pk)
    assert response.status_code == 302
    material = Material.objects.get()
    assert material.terminal is not None
    assert material.recorded_by_student == member
    assert material.uploaded_by == school.homeroom
    served = pc.get(reverse("groups:material_file", args=[material.pk]))
    assert served.status_code == 200
    pc.post(reverse("groups:material_showcase", args=[material.pk]), {"showcased": "1"})
    material.refresh_from_db()
    assert material.showcased
    page = pc.get(reverse("groups:showcase", args=[school.class_a.pk]))
    assert page.status_code == 200 and "一次函数错题整理" in page.text


def test_the_terminal_sees_nothing_of_another_class(pc, school, groups):
    other = make_groups(school.class_b, school.term, [school.student_b], per_group=1)[0]
    material = materials.add_material(
        group=other,
        upload=SimpleUploadedFile("a.pdf", PDF),
        title="二班资料",
        kind="note",
        subject=None,
        note="",
        by=school.outsider,
    )
    assert pc.get(reverse("groups:material_file", args=[material.pk])).status_code == 404
    assert pc.get(reverse("groups:materials", args=[school.class_b.pk])).status_code == 404
    assert pc.get(reverse("groups:subject_reps", args=[school.class_a.pk])).status_code == 403


def test_a_group_leader_enters_a_question_on_the_terminal(pc, school, groups):
    memberships = list(groups[0].memberships.current().order_by("seat"))
    leader = next(m for m in memberships if m.is_leader).student
    other = next(m for m in memberships if not m.is_leader).student
    url = reverse("groups:questions", args=[school.class_a.pk])
    data = {"group": groups[0].pk, "subject": school.maths.pk, "text": "三角形全等的判定"}
    refused = pc.post(url, {**data, "student": other.pk})
    assert refused.status_code == 200
    assert "只有组长" in refused.text
    assert pc.post(url, {**data, "student": leader.pk}).status_code == 302
    question = Question.objects.get()
    assert question.recorded_by_student == leader and question.terminal is not None
    SubjectRep.objects.create(
        school_class=school.class_a, subject=school.maths, student=other, set_by=school.homeroom
    )
    pc.post(
        reverse("groups:questions_pass", args=[school.class_a.pk]), {"subject": school.maths.pk}
    )
    question.refresh_from_db()
    assert question.status == Question.Status.PASSED


def test_the_questions_and_showcase_pages_keep_their_queries(
    login, school, groups, django_assert_max_num_queries
):
    client = login(school.homeroom)
    urls = [
        reverse("groups:questions", args=[school.class_a.pk]),
        reverse("groups:showcase", args=[school.class_a.pk]),
    ]

    def add(n):
        for i in range(n):
            question = materials.add_question(
                group=groups[i % 2],
                subject=school.maths if i % 2 else school.chinese,
                text=f"疑问{i}",
                by=school.homeroom,
            )
            if i % 3 == 0:
                materials.answer(question, "课上讲解", school.teacher)
            Material.objects.create(
                term=school.term,
                school_class=school.class_a,
                group=groups[i % 2],
                title=f"作品{i}",
                file=f"x/{i}.png",
                file_name=f"{i}.png",
                content_type="image/png",
                size=10,
                showcased=True,
                uploaded_by=school.homeroom,
            )

    add(3)
    for url in urls:
        with django_assert_max_num_queries(20):
            assert client.get(url).status_code == 200
    add(200)
    for url in urls:
        with django_assert_max_num_queries(20):
            assert client.get(url).status_code == 200
    home = login(school.teacher)
    home.get(reverse("home"))  # the day's first visit runs consult's daily check
    with django_assert_max_num_queries(20):
        assert home.get(reverse("home")).status_code == 200


def test_the_homeroom_teacher_removes_a_file_and_frees_the_quota(
    login, school, groups, settings, django_capture_on_commit_callbacks
):
    settings.GROUPS_CLASS_QUOTA_BYTES = len(PDF)
    client = login(school.homeroom)
    assert upload(client, school, groups, "a.pdf", PDF).status_code == 302
    material = Material.objects.get()
    stored = material.file.path
    url = reverse("groups:material_remove", args=[material.pk])
    assert login(school.teacher).post(url).status_code == 403
    assert login(school.outsider).post(url).status_code == 404
    client = login(school.homeroom)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url).status_code == 302
    assert not Material.objects.exists()
    assert Material.history.filter(history_type="-").count() == 1
    import os

    assert not os.path.exists(stored)
    assert upload(client, school, groups, "b.pdf", PDF).status_code == 302
