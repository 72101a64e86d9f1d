"""Every paper form prints as the school files it: Chromium prints each page to an A4 PDF as
the post that files it (the demo school), and the PDF's first page carries the school's name,
the form's title and its signature lines, with the page number in the foot.

``SCHOOLOPS_SCREENSHOTS=1`` also writes docs/screenshots/print-*.png (the page as printed:
print media at A4 width, full page) to regenerate the README's pictures:

    SCHOOLOPS_SCREENSHOTS=1 .venv/bin/python -m pytest -n 0 tests/browser/test_print.py
"""

from __future__ import annotations

import io
import os
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from django.urls import reverse

import pytest
from pypdf import PdfReader

from consult.models import Case, LedgerProfile, Meeting
from groups.models import MonthClose
from mentors.models import Pairing
from schoolops.models import School, SchoolClass, Staff
from tests.browser.test_demo_smoke import log_in, printed_logins
from tests.schoolops.test_demo import reinstall_reference_data

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
# The CJK Radicals Supplement has no compatibility mapping (NFKC leaves it): the simplified
# forms a form's words use.
RADICALS = str.maketrans(
    "⻓⻅⻆⻉⻋⻔⻚⻛⻜⻝⻢⻥⻦⻬⻮⻰⻳⻩⻘⻨⻄⻤⻣",
    "长见角贝车门页风飞食马鱼鸟齐齿龙龟黄青麦西鬼骨",
)
A4 = {"width": 794, "height": 1123}  # 210 × 297 mm at 96 dpi


@dataclass
class Form:
    slug: str  # docs/screenshots/print-<slug>.png
    title: str  # the form's title on paper
    staff: Staff  # the post that files it
    url: str
    signers: tuple[str, ...]  # the signature lines
    max_pages: int = 4
    sign_page: int = -1  # where they are: the page where the form ends
    last_title: str = ""  # the title of a sheet printed after it (会商签到表)


@pytest.fixture(autouse=True)
def reference_data():
    reinstall_reference_data()


def demo_forms() -> tuple[list[Form], str]:
    """Seed the tiny demo school; return its forms, each with the post that files it."""
    logins = printed_logins()
    password = logins["班主任"][1]
    homeroom = Staff.objects.get(staff_no=logins["班主任"][0])
    principal = Staff.objects.get(staff_no=logins["校长"][0])
    academic = Staff.objects.get(staff_no=logins["教导处"][0])
    school_class = SchoolClass.objects.get(homeroom_teacher=homeroom)
    meeting = (
        Meeting.objects.filter(school_class=school_class).order_by("-date").first()
        or Meeting.objects.order_by("-date").first()
    )
    assert meeting is not None
    # The plan's keeper: the homeroom teacher of a student with a plan.
    profile = (
        LedgerProfile.objects.exclude(education_plan="")
        .select_related("student__school_class__homeroom_teacher")
        .order_by("pk")
        .first()
    )
    assert profile is not None
    case = Case.objects.filter(school_class=school_class).first() or Case.objects.first()
    assert case is not None
    pairing = Pairing.objects.filter(talks__isnull=False).select_related("mentor").first()
    assert pairing is not None
    close = MonthClose.objects.filter(published_at__isnull=False).first()
    assert close is not None
    student = profile.student
    keeper = student.school_class.homeroom_teacher
    assert keeper is not None
    forms = [
        Form(
            "register",
            "学习互助小组登记表",
            homeroom,
            reverse("groups:register", args=[school_class.pk]),
            ("班主任签字",),
        ),
        Form(
            "seating",
            "座位表",
            homeroom,
            # The room as the homeroom teacher lays it out: six rows of eight desks.
            reverse("groups:seating", args=[school_class.pk]) + "?cols=8&rows=6",
            ("班主任签字",),
            max_pages=1,
        ),
        Form(
            "roster",
            "班级花名册",
            homeroom,
            reverse("schoolops:class_detail", args=[school_class.pk]),
            ("班主任签字",),
        ),
        Form(
            "meeting",
            "学情会商记录",
            principal,
            reverse("consult:meeting_detail", args=[meeting.pk]),
            ("主持人签字", "记录人签字"),
            sign_page=0,  # the record's page; its sign-in sheet follows on its own page
            last_title="会商签到表",
        ),
        Form(
            "student-file",
            "学生学情档案",
            keeper,
            reverse("consult:student_file", args=[student.pk]),
            ("班主任签字",),
        ),
        Form(
            "education-plan",
            "个案育人计划",
            keeper,
            reverse("consult:education_plan", args=[student.pk]),
            ("班主任签字", "导师签字", "家长签字"),
            max_pages=2,
        ),
        Form(
            "case",
            "成功案例",
            principal,
            reverse("consult:case_detail", args=[case.pk]),
            ("班主任签字",),
        ),
        Form(
            "mentee-file",
            "受导学生档案",
            pairing.mentor,
            reverse("mentors:pairing_detail", args=[pairing.pk]),
            ("导师签字",),
        ),
        Form(
            "talks",
            "谈心记录",
            pairing.mentor,
            reverse("mentors:talks_print", args=[pairing.pk]),
            ("导师签字",),
            max_pages=6,
        ),
        Form(
            "evaluation",
            "导师考评表",
            academic,
            reverse("mentors:evaluation_mentor", args=[pairing.mentor_id]),
            ("导师签字", "考评人签字"),
            max_pages=2,
        ),
        Form(
            "scores",
            "班级学情会商量化评分",
            principal,
            reverse("consult:scores"),
            ("级部主任签字",),
        ),
        Form(
            "commendation",
            "优秀小组表彰名单",
            principal,
            reverse("groups:commendation", args=[close.month.year, close.month.month]),
            ("教导处",),  # the 落款: the school and the office that commends
        ),
    ]
    return forms, password


def pdf_pages(page) -> list[str]:
    pdf = page.pdf(format="A4", print_background=False, prefer_css_page_size=True)
    return [p.extract_text() or "" for p in PdfReader(io.BytesIO(pdf)).pages]


def squeeze(text: str) -> str:
    """The PDF's text without the spaces and line breaks its layout puts between glyphs, and
    with the CJK radicals some glyphs map to (⼩ U+2F29, ⻓ U+2ED3) read as the characters
    (小, 长): the font shares one glyph between them, and its map names the radical."""
    return "".join(unicodedata.normalize("NFKC", text).translate(RADICALS).split())


def test_every_paper_form_prints_on_a4_with_its_header_signatures_and_page_numbers(
    browser, live_server
):
    forms, password = demo_forms()
    school = School.get().name
    shoot = os.environ.get("SCHOOLOPS_SCREENSHOTS") == "1"
    failures = []
    for form in forms:
        context = browser.new_context(base_url=live_server.url, locale="zh-CN", viewport=A4)
        page = context.new_page()
        page.set_default_timeout(15_000)
        log_in(page, form.staff.staff_no, password)
        response = page.goto(form.url)
        assert response is not None and response.status == 200, (form.slug, form.url)
        # The screen offers the print button (window.print through js/schoolops.js).
        assert page.locator("[data-print]").first.is_visible(), form.slug
        pages = pdf_pages(page)
        first = squeeze(pages[0])
        problems = []
        if not 1 <= len(pages) <= form.max_pages:
            problems.append(f"{len(pages)} pages")
        for needed in (school, form.title, f"1/{len(pages)}"):
            if squeeze(needed) not in first:
                problems.append(f"{needed!r} not on page 1")
        # A form is signed where it ends: page 1 of a one-page form.
        for needed in form.signers:
            if squeeze(needed) not in squeeze(pages[form.sign_page]):
                problems.append(f"{needed!r} not on page {form.sign_page % len(pages) + 1}")
        if form.last_title and squeeze(form.last_title) not in squeeze(pages[-1]):
            problems.append(f"{form.last_title!r} not on the last page")
        for word in ("退出", "打印", "下载"):  # no navigation or buttons on paper
            if word in first:
                problems.append(f"{word!r} printed")
        if problems:
            failures.append(f"{form.slug}: {', '.join(problems)}\n{pages[0][:600]}")
        if shoot:
            page.emulate_media(media="print")
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / f"print-{form.slug}.png"), full_page=True)
        context.close()
    assert not failures, "\n\n".join(failures)


def test_a_long_table_repeats_its_column_headers_on_every_printed_page(browser, live_server, page):
    forms, password = demo_forms()
    roster = next(form for form in forms if form.slug == "roster")
    log_in(page, roster.staff.staff_no, password)
    page.goto(roster.url)
    # Make the roster long enough for several pages, as a large class's would be.
    page.evaluate(
        """() => { const body = document.querySelector('table tbody');
        const rows = [...body.rows]; for (let i = 0; i < 12; i++) rows.forEach(
        r => body.appendChild(r.cloneNode(true))); }"""
    )
    pages = [squeeze(text) for text in pdf_pages(page)]
    # The table runs to the page of its signature line (the teachers' list may follow).
    table_pages = next(i for i, text in enumerate(pages, start=1) if "班主任签字" in text)
    assert table_pages >= 3
    for number, text in enumerate(pages[:table_pages], start=1):
        assert "学籍号" in text, f"no column headers on page {number}"
    for number, text in enumerate(pages, start=1):
        assert f"{number}/{len(pages)}" in text, f"no page number on page {number}"
