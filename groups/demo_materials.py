"""The demo school's shared notes and materials, its showcases and the questions its groups
passed up (some answered), for the first classes with groups (``seed_demo``, after the
groups' own step)."""

from __future__ import annotations

import datetime as dt
import io
import struct
import zlib
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from schoolops.models import Student, TeachingAssignment

from . import materials
from .models import Material, Question, StudyGroup

CLASSES = 3  # the first classes with groups get materials and questions

NOTES = [
    ("一次函数图像与性质笔记", "数学", "note", "整理了k、b对图像的影响，附三道典型例题。"),
    ("文言文实词积累", "语文", "note", "《桃花源记》《小石潭记》重点实词。"),
    ("英语八年级上册单词默写表", "英语", "material", "按单元整理，可打印默写。"),
    ("物理光的折射思维导图", "物理", "note", "组长带领全组整理的思维导图。"),
    ("错题整理：分式方程", "数学", "note", "易错点：去分母漏乘、忘记检验增根。"),
    ("期中复习提纲", "语文", "material", "老师推荐的复习提纲，组内补充了例句。"),
]
QUESTIONS = [
    ("数学", "分式方程为什么一定要检验？什么情况下会出现增根？"),
    ("数学", "一次函数和正比例函数的区别总是分不清。"),
    ("语文", "文言文中“之”的用法太多，怎么快速判断？"),
    ("英语", "现在完成时和一般过去时什么时候用哪个？"),
    ("物理", "光的折射中入射角和折射角的大小关系记不住。"),
    ("语文", "议论文的论据怎样选才有说服力？"),
]
ANSWER_NOTES = [
    "周三数学课上集中讲解，并补充两道练习。",
    "课上用例句对比讲解，已布置巩固练习。",
    "利用晚自习辅导时间逐组讲解。",
]


def _png(width: int = 96, height: int = 64, colour: tuple[int, int, int] = (60, 120, 200)) -> bytes:
    """A small PNG drawn by hand (a coloured board with a lighter band): the demo's photo of a
    group's work."""
    rows = b""
    for y in range(height):
        band = 20 <= y < 44
        r, g, b = (min(255, c + 90) for c in colour) if band else colour
        rows += b"\x00" + bytes([r, g, b]) * width

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def _pdf() -> bytes:
    """A one-page PDF built by hand."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
    ]
    stream = b"0.2 0.4 0.8 rg 60 700 475 80 re f"
    objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return out


def _xlsx(title: str) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "单词表"
    sheet.append(["单元", "单词", "释义"])
    for row in (
        ["Unit 1", "holiday", "假日"],
        ["Unit 1", "trip", "旅行"],
        ["Unit 2", "habit", "习惯"],
    ):
        sheet.append(row)
    sheet["E1"] = title
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def run_demo(context: Any) -> None:
    rng = context.rng
    term = context.term
    tz = timezone.get_current_timezone()
    groups_by_class: dict[int, list[StudyGroup]] = {}
    for group in (
        StudyGroup.objects.confirmed()
        .filter(term=term)
        .select_related("school_class__grade", "term")
        .order_by("school_class__grade__level", "school_class__number", "number")
    ):
        groups_by_class.setdefault(group.school_class_id, []).append(group)
    class_ids = list(groups_by_class)[:CLASSES]
    if not class_ids:
        return
    taught = {
        (a.school_class_id, a.subject.name): a
        for a in TeachingAssignment.objects.filter(school_class__in=class_ids)
        .select_related("subject", "staff", "school_class__homeroom_teacher")
        .order_by("school_class_id", "subject__order", "pk")
    }
    shared = questions = answered = 0
    for class_id in class_ids:
        groups = groups_by_class[class_id]
        school_class = groups[0].school_class
        homeroom = school_class.homeroom_teacher
        if homeroom is None:
            continue
        subjects = {name: a.subject for (cid, name), a in taught.items() if cid == class_id}
        # The 科代表: one student of the class per subject taught.
        pupils = list(
            Student.objects.filter(school_class=school_class, status=Student.Status.IN_SCHOOL)
            .order_by("student_no")
            .only("pk", "name")
        )
        # A small class has fewer students than subjects: some subjects have no 科代表 (and
        # their questions stay with the groups).
        picks = rng.sample(pupils, k=min(len(pupils), len(subjects)))
        reps = dict(zip(subjects.values(), picks, strict=False))
        materials.set_reps(school_class, reps, homeroom)
        for n, (title, subject_name, kind, note) in enumerate(NOTES):
            group = groups[n % len(groups)]
            if n % 3 == 0:
                content, name = _png(colour=(40 + 30 * n, 120, 180)), f"{title}.png"
            elif kind == "material" and subject_name == "英语":
                content, name = _xlsx(title), f"{title}.xlsx"
            else:
                content, name = _pdf(), f"{title}.pdf"
            material = materials.add_material(
                group=group,
                upload=SimpleUploadedFile(name, content),
                title=title,
                kind=kind,
                subject=subjects.get(subject_name),
                note=note,
                by=homeroom,
            )
            uploaded = dt.datetime.combine(
                context.today - dt.timedelta(days=2 * n + 1), dt.time(16, 40), tzinfo=tz
            )
            Material.objects.filter(pk=material.pk).update(uploaded_at=uploaded)
            if n % 3 == 0 or n == 1:
                materials.set_showcase(material, True)
            shared += 1
        for n, (subject_name, text) in enumerate(QUESTIONS):
            subject = subjects.get(subject_name)
            if subject is None:
                continue
            question = materials.add_question(
                group=groups[n % len(groups)], subject=subject, text=text, by=homeroom
            )
            questions += 1
            if n % 3 == 2 or subject not in reps:
                continue  # still with the 科代表 (or the group)
            materials.pass_up(school_class, subject)
            if n % 2 == 0:
                teacher = taught[(class_id, subject_name)].staff
                question.refresh_from_db()
                if question.status == Question.Status.PASSED:
                    materials.answer(question, rng.choice(ANSWER_NOTES), teacher)
                    answered += 1
        # Every other subject taught in the class gets one question waiting for its teacher.
        asked = {name for name, _text in QUESTIONS}
        for n, (name, subject) in enumerate(sorted(subjects.items())):
            if name in asked:
                continue
            materials.add_question(
                group=groups[n % len(groups)],
                subject=subject,
                text=f"{name}本周练习中的第三大题不会做，请老师再讲一遍。",
                by=homeroom,
            )
            questions += 1
        for name, subject in subjects.items():
            if name not in asked and subject in reps:
                materials.pass_up(school_class, subject)
    context.log(
        f"  groups: {shared} shared materials, {questions} questions passed up "
        f"({answered} answered) in {len(class_ids)} classes"
    )
