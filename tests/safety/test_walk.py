"""Every link answers its viewer, and the Chinese interface holds no English (issue 11).

Reproduced before (issue 11, defects 10 and 12): the psychology teacher's pages linked to
``/classes/1/`` and ``/consult/meetings/122/``, which answered her 404; a subject teacher's grade
meeting record linked to a strategy that answered 404; office staff and the principal's office
were linked to the logins' admin (403); the first-login page said "This password is too short…"
and the admin "Change or view list link" in English; labels ended in half-width colons.

How the guard works: the small demo school is built once for the module (inside a transaction
rolled back at the end, the clock pinned to the demo's day). For each demo post the walk logs in
and, breadth-first from the home page, opens every same-origin link and GET form of the pages it
reaches (a GET form as a browser sends it untouched). A form that posts is checked by a GET of
its action: anything but 403, 404 or 500 is fine (405 is the answer of a view that only posts).
A link that answers 403 or 404, or leads to a login page, is a link its viewer cannot follow; a
500 anywhere fails. Logging out, switching language and static files are not followed; a file
(xlsx) is checked to answer, not read. The walk is bounded (``MAX_PAGES``, ``READS_PER_SHAPE``
pages opened further and ``CHECKS_PER_SHAPE`` links checked per URL pattern and query shape),
so it takes seconds per post whatever the size of the school.

Each page in zh-hans is then read as a person sees it: its text without scripts and styles, and
the attributes that are shown (title, placeholder, aria-label, alt, a button's value). A run of
three or more English words that are not names in ``PROPER_NAMES`` is English left in the
Chinese interface; a half-width colon beside Chinese text is 「导师: 王芳」 for 「导师：王芳」. Choice
fields of the forms built while the walk runs must not be given a sliced queryset (it cannot be
filtered, so the form refuses every choice: issue 11, defect 1).
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections import Counter, deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

from django import forms
from django.db import transaction
from django.db.models import Count, Q
from django.test import Client
from django.urls import Resolver404, resolve

import pytest

from schoolops import demo
from schoolops.models import Grade, Post, SchoolClass, Staff
from tests.schoolops.test_demo import reinstall_reference_data

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 23)
POSTS = (
    "homeroom",
    "subject_teacher",
    "mentor",
    "grade_head",
    "academic_office",
    "principal",
    "psychology",
    "office",
)
# Bounds, so that a post's walk takes seconds whatever the size of the school: pages opened
# further per post, pages opened further per URL pattern and query shape (``shape``), and
# distinct links checked per shape (a page listing 45 students links to 45 of them; a link
# dead for one is dead for all, or for the few that differ, such as another class's).
MAX_PAGES = 500
READS_PER_SHAPE = 3
CHECKS_PER_SHAPE = 3
REFUSED = (403, 404, 500)
# Not followed: leaving, switching language, and files (checked to answer, not read).
NOT_FOLLOWED = ("/accounts/logout/", "/admin/logout/", "/i18n/", "/static/", "/jsi18n/")
FILES = (".xlsx", ".pdf", ".csv", ".zip", ".json")
HTML = "text/html"

# Names that are English in Chinese too.
PROPER_NAMES = {"schoolops", "excel", "xlsx", "qr", "pdf", "csv", "id", "url", "ok", "django"}
WORD = r"[A-Za-z][A-Za-z'’]*(?:-[A-Za-z]+)*"
ENGLISH_RUN = re.compile(rf"{WORD}(?:[ \t\n]*[,;:]?[ \t\n]+{WORD}){{2,}}")
SHOWN_ATTRIBUTES = {"title", "placeholder", "aria-label", "alt"}
# A half-width colon beside Chinese text: 「导师: 王芳」 is written 「导师：王芳」.
HALF_WIDTH_COLON = re.compile(r"[\u4e00-\u9fff][ \t]*:(?!//)|:[ \t]*[\u4e00-\u9fff]")


@dataclass
class Page:
    """What a person sees of one HTML page, and where it leads."""

    links: list[str] = field(default_factory=list)
    post_actions: list[str] = field(default_factory=list)
    text: list[str] = field(default_factory=list)


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = Page()
        self.hidden = 0  # inside <script> or <style>
        self.form: dict | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag in ("script", "style"):
            self.hidden += 1
        for name in SHOWN_ATTRIBUTES & a.keys():
            self.page.text.append(a[name])
        if tag == "a" and "href" in a:
            self.page.links.append(a["href"])
        elif tag == "form":
            method = a.get("method", "get").lower()
            self.form = {"action": a.get("action", ""), "method": method, "fields": []}
        elif tag in ("input", "button") and a.get("type", "") in ("submit", "button", "reset"):
            if tag == "input" and a.get("value"):
                self.page.text.append(a["value"])
        elif tag in ("input", "select", "textarea") and self.form is not None:
            self.form["fields"].append((tag, a))
        if tag == "option" and self.form is not None and self.form["fields"]:
            select = self.form["fields"][-1]
            if select[0] == "select":
                select[1].setdefault("_options", []).append(a)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self.hidden = max(0, self.hidden - 1)
        elif tag == "form" and self.form is not None:
            self._close_form(self.form)
            self.form = None

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.page.text.append(data)

    def _close_form(self, form: dict) -> None:
        if form["method"] != "get":
            self.page.post_actions.append(form["action"])
            return
        # A GET form as a browser submits it untouched: each field's value as given.
        values = []
        for tag, a in form["fields"]:
            name = a.get("name")
            kind = a.get("type", "text").lower()
            if not name or kind in ("submit", "button", "reset", "file", "image"):
                continue
            if kind in ("checkbox", "radio") and "checked" not in a:
                continue
            if tag == "select":
                options = a.get("_options", [])
                chosen = [o for o in options if "selected" in o] or options[:1]
                values += [(name, o.get("value", "")) for o in chosen]
            elif tag != "textarea":
                values.append((name, a.get("value", "")))
        action = form["action"]
        query = urlencode(values)
        self.page.links.append(f"{action.split('?')[0]}?{query}" if query else action or "?")


def read(html: str) -> Page:
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return reader.page


def half_width_colons_in(texts: list[str]) -> list[str]:
    found = []
    for text in texts:
        for match in HALF_WIDTH_COLON.finditer(text):
            found.append(" ".join(text[max(0, match.start() - 12) : match.end() + 12].split()))
    return found


def english_in(texts: list[str]) -> list[str]:
    """Runs of three or more English words that are not proper names."""
    found = []
    for text in texts:
        for match in ENGLISH_RUN.finditer(text):
            words = re.findall(WORD, match.group())
            kept = [w for w in words if w.lower() not in PROPER_NAMES]
            if len(kept) >= 3:
                found.append(" ".join(match.group().split()))
    return found


# Where a link leads.


DATE_PICKER = re.compile(r"<input\b[^>]*\btype=\"date\"[^>]*>")
VALUE = re.compile(r"\bvalue=\"([^\"]*)\"")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def date_pickers_not_iso(html: str) -> list[str]:
    """Date pickers whose value is not an ISO date: the browser shows none and refuses the
    form (Chinese writes dates 2026/11/23; schoolops.forms.DateInput writes ISO)."""
    found = []
    for tag in DATE_PICKER.findall(html):
        value = VALUE.search(tag)
        if value and value.group(1) and not ISO_DATE.fullmatch(value.group(1)):
            found.append(tag[:120])
    return found


def same_origin(base: str, href: str) -> str | None:
    """The path and query of ``href`` on this site, or None for another site or no page."""
    href = href.strip()
    if not href or href.startswith(("#", "javascript:", "mailto:", "tel:", "data:")):
        return None
    parts = urlsplit(urljoin("http://testserver" + base, href))
    if parts.scheme not in ("http", "https") or parts.netloc != "testserver":
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def shape(url: str) -> tuple[str, tuple[str, ...]]:
    """The URL pattern and the names of the query's parameters: one page of each is read."""
    parts = urlsplit(url)
    try:
        match = resolve(parts.path)
        where = match.route or match.view_name
        where = f"{match.view_name}:{where}"
    except Resolver404:
        where = parts.path
    if parts.path.startswith("/admin/"):
        return where, ()
    return where, tuple(sorted({k for k, _v in parse_qsl(parts.query, keep_blank_values=True)}))


def link_kind(url: str, page: str) -> tuple:
    """A link of the apps by its shape and the shape of the page it is on: a meeting's record
    linked from the grade meetings' list is read as well as one linked from the class's
    (they link to different things). The admin links every list from every page: by shape."""
    if url.startswith("/admin/"):
        return shape(url)
    return shape(url), shape(page)


def checks_per_shape(url: str) -> int:
    """The admin's lists link each row, sort and filter through the same few views."""
    return 1 if url.startswith("/admin/") else CHECKS_PER_SHAPE


def reads_per_shape(url: str) -> int:
    """A page of the apps is read once per page it is linked from (``link_kind``), up to this
    many per shape; an admin page once."""
    return 1 if url.startswith("/admin/") else READS_PER_SHAPE


def followed(url: str) -> bool:
    return not url.startswith(NOT_FOLLOWED)


def is_file(url: str) -> bool:
    return urlsplit(url).path.endswith(FILES)


# The demo school and its posts.


@pytest.fixture(scope="module")
def demo_posts(django_db_setup, django_db_blocker) -> Iterator[dict[str, Staff]]:
    import time_machine

    traveller = time_machine.travel(dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC), tick=False)
    traveller.start()
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            reinstall_reference_data()  # the posts and the rubric, if a flush removed them
            demo.seed("small", today=TODAY)
            yield post_holders()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            traveller.stop()


def post_holders() -> dict[str, Staff]:
    """One member of staff for each post, as the demo prints its logins."""

    def first(post: str) -> Staff:
        return Staff.objects.filter(user__groups__name=post).order_by("staff_no").first()

    only_subject = (
        Staff.objects.annotate(n=Count("user__groups", distinct=True))
        .filter(n=1, user__groups__name=Post.SUBJECT_TEACHER)
        .order_by("staff_no")
    )
    subject_teacher = only_subject.first()
    mentor = (
        only_subject.exclude(pk=subject_teacher.pk)
        .annotate(
            mentees=Count("pairings", filter=Q(pairings__ended_on__isnull=True), distinct=True)
        )
        .order_by("-mentees", "staff_no")
        .first()
    )
    first_class = SchoolClass.objects.order_by("grade__level", "number").first()
    return {
        "homeroom": first_class.homeroom_teacher,
        "subject_teacher": subject_teacher,
        "mentor": mentor,
        "grade_head": Grade.objects.order_by("level").first().head,
        "academic_office": first(Post.ACADEMIC_OFFICE),
        "principal": first(Post.PRINCIPAL),
        "psychology": first(Post.PSYCHOLOGY),
        "office": first(Post.OFFICE),
    }


# The walk.


@dataclass
class Walk:
    post: str
    pages: int = 0
    requests: int = 0
    seconds: float = 0.0
    refused: list[str] = field(default_factory=list)  # "status url ← page"
    crashed: list[str] = field(default_factory=list)
    english: dict[str, list[str]] = field(default_factory=dict)
    colons: dict[str, list[str]] = field(default_factory=dict)
    sliced: list[str] = field(default_factory=list)
    dates: dict[str, list[str]] = field(default_factory=dict)  # date pickers not in ISO form


_walks: dict[str, Walk] = {}


def walk_of(post: str, staff: Staff) -> Walk:
    if post not in _walks:
        _walks[post] = _walk(post, staff)
    return _walks[post]


def _answer(client: Client, url: str):
    """The final answer to a GET, following redirects on this site (at most five)."""
    for _hop in range(5):
        response = client.get(url)
        if response.status_code not in (301, 302, 303, 307, 308):
            return url, response
        target = same_origin(url, response["Location"])
        if target is None:
            return url, response
        url = target
    return url, response


def _walk(post: str, staff: Staff) -> Walk:
    started = time.perf_counter()
    result = Walk(post)
    client = Client(raise_request_exception=False)
    client.force_login(staff.user)
    checked: dict[str, int] = {}  # url -> status
    per_kind: Counter[tuple] = Counter()  # links checked, per ``link_kind``
    opened: Counter[tuple] = Counter()  # pages opened further, per shape
    opened_kinds: set[tuple] = set()
    queue: deque[tuple[str, str]] = deque([("/", "")])

    with _sliced_querysets(result.sliced):
        while queue and result.pages < MAX_PAGES:
            url, source = queue.popleft()
            final, response = _answer(client, url)
            result.requests += 1
            status = response.status_code
            if status >= 500:
                result.crashed.append(f"{status} {url} ← {source}")
                continue
            if status in REFUSED or "/login/" in urlsplit(final).path:
                result.refused.append(f"{status} {url} ← {source}")
                continue
            if not response.get("Content-Type", "").startswith(HTML) or status != 200:
                continue
            result.pages += 1
            html = response.content.decode()
            page = read(html)
            dates = date_pickers_not_iso(html)
            if dates:
                result.dates[final] = dates
            found = english_in(page.text)
            if found:
                result.english[final] = found
            colons = half_width_colons_in(page.text)
            if colons:
                result.colons[final] = colons
            for href, kind in [(h, "link") for h in page.links] + [
                (h, "post") for h in page.post_actions
            ]:
                target = same_origin(final, href)
                if target is None or not followed(target):
                    continue
                if target in checked:
                    continue
                key, link = shape(target), link_kind(target, final)
                per_kind[link] += 1
                if per_kind[link] > checks_per_shape(target):
                    continue
                if (
                    kind == "link"
                    and not is_file(target)
                    and link not in opened_kinds
                    and opened[key] < reads_per_shape(target)
                ):
                    # Opened further: its answer is checked when its turn comes.
                    opened[key] += 1
                    opened_kinds.add(link)
                    checked[target] = 0
                    queue.append((target, final))
                    continue
                landed, answer = _answer(client, target)
                result.requests += 1
                checked[target] = answer.status_code
                refused = answer.status_code in REFUSED or "/login/" in urlsplit(landed).path
                if answer.status_code >= 500:
                    result.crashed.append(f"{answer.status_code} {target} ← {final}")
                elif refused and not (kind == "post" and answer.status_code == 405):
                    result.refused.append(f"{answer.status_code} {target} ← {final}")
    result.seconds = time.perf_counter() - started
    return result


class _sliced_querysets:
    """Records every choice field given a sliced queryset while the walk runs."""

    def __init__(self, found: list[str]) -> None:
        self.found = found
        self.original = forms.ModelChoiceField.queryset

    def __enter__(self):
        original, found = self.original, self.found

        def setter(field_, queryset):
            if queryset is not None and queryset.query.is_sliced:
                found.append(f"{type(field_).__name__} of {queryset.model.__name__}")
            original.fset(field_, queryset)

        forms.ModelChoiceField.queryset = property(original.fget, setter)
        return self

    def __exit__(self, *exc):
        forms.ModelChoiceField.queryset = self.original


# The guards.


# The guards: one test a post, so that each post's walk runs once in the whole run (with
# several workers, four tests of one post would walk the site on each worker they land on).


@pytest.mark.parametrize("post", POSTS)
def test_the_walk_of_every_page(demo_posts, post):
    """Every link answers its viewer (no 500, no 403/404 offered), no English in the Chinese
    interface, full-width colons in Chinese text, no choice field given a sliced queryset
    (it would fail on the POST) and every date picker's value ISO, on every page a post
    reaches from home."""
    walk = walk_of(post, demo_posts[post])
    print(f"{post}: {walk.pages} pages, {walk.requests} requests, {walk.seconds:.1f} s")
    assert walk.pages > 3, f"the walk of {post} reached almost nothing"
    found = []
    if walk.crashed:
        found.append("pages that crash:\n" + "\n".join(walk.crashed))
    if walk.refused:
        found.append(f"links that answer {post} 403/404:\n" + "\n".join(walk.refused))
    if walk.english:
        found.append(
            "English in the Chinese interface:\n"
            + "\n".join(f"{url}: {runs}" for url, runs in walk.english.items())
        )
    if walk.colons:
        found.append(
            "half-width colons in Chinese text:\n"
            + "\n".join(f"{url}: {runs}" for url, runs in walk.colons.items())
        )
    if walk.sliced:
        found.append(f"choice fields given a sliced queryset: {walk.sliced}")
    if walk.dates:
        found.append(
            "date pickers whose value is not ISO (the browser refuses the form):\n"
            + "\n".join(f"{url}: {tags}" for url, tags in walk.dates.items())
        )
    assert not found, "\n\n".join(found)


def test_the_date_picker_check_finds_a_chinese_date():
    assert date_pickers_not_iso('<input type="date" name="day" value="2026/11/23">')
    assert not date_pickers_not_iso('<input type="date" name="day" value="2026-11-23">')
    assert not date_pickers_not_iso('<input type="date" name="day">')


def test_the_english_finder_finds_a_sentence_and_spares_names():
    assert english_in(["密码：This password is too short."]) == ["This password is too short"]
    assert english_in(["导出 Excel xlsx 文件", "扫描 QR 码", "SchoolOps 学校"]) == []
    assert english_in(["students"]) == []  # one word: the named tests cover such labels
