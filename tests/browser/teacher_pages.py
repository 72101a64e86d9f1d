"""The pages a teacher uses, found by following their links, and what a phone check measures.

``teacher_pages(page)`` starts at the home page of the logged-in person and follows every
same-site link breadth first, keeping the first URL of each route (``resolve(path)``'s view
name): the list comes from the URLs the app gives that person, not from a hand list. Left
out: the admin, log-out, language switch, downloads (``.xlsx``, ``export`` routes) and
anything that is not an HTML page.

``small_targets(page)`` measures every visible button, link, select, checkbox and radio of
the page shown and returns those smaller than ``MIN_TAP`` px in either dimension.

- A checkbox's or radio's tap area is the box around it and its labels that wrap it or sit
  beside it (same parent): a whole-row label counts, as tapping it ticks the box.
- A visually hidden input (clipped, ``pointer-events: none``, as Bootstrap's ``.btn-check``)
  counts through its label only.
- **Inline text link** (excepted): an ``<a>`` whose computed ``display`` is ``inline`` and
  whose parent element has text of its own (a letter, digit or Chinese character in a direct
  text node): a link inside a sentence. A link alone in a cell, a list item or a nav is a
  tap target and is measured.
- Visible means ``checkVisibility`` (display, visibility, opacity, closed ``<details>``)
  and a box larger than 1×1 px (Bootstrap's ``.visually-hidden`` is 1×1).
"""

from __future__ import annotations

from collections import deque
from urllib.parse import urljoin, urlsplit

from django.urls import Resolver404, resolve

MIN_TAP = 40
SKIPPED_PREFIXES = ("/admin/", "/accounts/logout/", "/i18n/", "/static/", "/media/")
# the downloads and the page that would start one
SKIPPED_ROUTE_WORDS = ("xlsx", "export", "download")

MEASURE_JS = """
(minTap) => {
  const sel = 'a[href], button, select, input[type=checkbox], input[type=radio], '
    + 'input[type=submit], input[type=button], input[type=reset]';
  const WORD = /[\\p{L}\\p{N}]/u;
  const visible = (el) => {
    if (!el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true})) return false;
    const r = el.getBoundingClientRect();
    return r.width > 1 && r.height > 1;
  };
  const inlineTextLink = (el) => {
    if (el.tagName !== 'A' || getComputedStyle(el).display !== 'inline') return false;
    const parent = el.parentElement;
    if (!parent) return false;
    for (const node of parent.childNodes) {
      if (node.nodeType === Node.TEXT_NODE && WORD.test(node.textContent)) return true;
    }
    return false;
  };
  const union = (rects) => {
    const l = Math.min(...rects.map(r => r.left)), t = Math.min(...rects.map(r => r.top));
    const rr = Math.max(...rects.map(r => r.right)), b = Math.max(...rects.map(r => r.bottom));
    return {width: rr - l, height: b - t};
  };
  const describe = (el) => {
    const text = (el.innerText || el.value || el.getAttribute('aria-label')
      || (el.labels && el.labels[0] && el.labels[0].innerText) || el.name || '').trim();
    let id = el.tagName.toLowerCase();
    if (el.type && el.tagName === 'INPUT') id += '[' + el.type + ']';
    if (el.className && typeof el.className === 'string') id += '.' + el.className.trim().split(/\\s+/).join('.');
    return id + ' "' + text.slice(0, 30).replace(/\\s+/g, ' ') + '"';
  };
  const found = [];
  for (const el of document.querySelectorAll(sel)) {
    let rect;
    if (el.type === 'checkbox' || el.type === 'radio') {
      const style = getComputedStyle(el);
      const hidden = style.pointerEvents === 'none' || !visible(el);
      const labels = [...(el.labels || [])].filter(
        l => visible(l) && (l.contains(el) || l.parentElement === el.parentElement));
      const rects = labels.map(l => l.getBoundingClientRect());
      if (!hidden) rects.push(el.getBoundingClientRect());
      if (!rects.length) continue;
      rect = union(rects);
    } else {
      if (!visible(el) || inlineTextLink(el)) continue;
      rect = el.getBoundingClientRect();
    }
    if (rect.width < minTap - 0.5 || rect.height < minTap - 0.5) {
      found.push(describe(el) + ' ' + Math.round(rect.width) + '×' + Math.round(rect.height));
    }
  }
  return found;
}
"""


def route_of(path: str) -> str | None:
    """The view name of a same-site path, or None when it is not one of the app's pages."""
    if path.startswith(SKIPPED_PREFIXES) or path.endswith(".xlsx"):
        return None
    try:
        match = resolve(path)
    except Resolver404:
        return None
    name = match.view_name
    if any(word in name for word in SKIPPED_ROUTE_WORDS):
        return None
    return name


def teacher_pages(page, limit: int = 80, strict: bool = True, visit=None) -> dict[str, str]:
    """{view name: first URL} of every page reachable from the home page of who is logged in.

    ``visit(name, url)``, when given, is called on each page while it is shown (one walk
    measures everything: a walk through a post's pages takes about a minute).
    """
    base = page.evaluate("location.origin")
    origin = urlsplit(base).netloc
    found: dict[str, str] = {"home": "/"}
    names = {"/": "home"}
    queue = deque(["/"])
    while queue and len(found) < limit:
        url = queue.popleft()
        response = page.goto(url)
        if not strict and (response is None or not response.ok):
            continue
        assert response is not None and response.ok, f"{url}: {response and response.status}"
        if "text/html" not in (response.headers.get("content-type") or ""):
            continue
        if visit is not None:
            visit(names[url], url)
        for href in page.eval_on_selector_all("a[href]", "els => els.map(a => a.href)"):
            parts = urlsplit(urljoin(base + url, href))
            if parts.scheme not in ("http", "https") or parts.netloc != origin:
                continue
            name = route_of(parts.path)
            if name is None or name in found:
                continue
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            found[name] = target
            names[target] = name
            queue.append(target)
    return found


def small_targets(page) -> list[str]:
    """The visible tap targets of the page shown that are under MIN_TAP px either way."""
    return page.evaluate(MEASURE_JS, MIN_TAP)


def page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


# A name, a date, a class name, a number or a short label shown on more than one line:
# 「王/铭」, 「12-/01」, 「七年级(3)/班」, 「学/科」 squeezed by their neighbours. Running text
# (a talk's follow-up) may wrap.
WRAPPED_JS = r"""
() => {
  const whole = [
    /^[\u4e00-\u9fff·]{2,4}$/,                        // a name or a short label
    /^\d{1,4}([-/.]\d{1,2}){1,2}$/,                    // a date
    /^[\u4e00-\u9fff]{1,3}[(（]\d{1,2}[)）]班$/,        // a class
    /^[+-]?\d+(\.\d+)?%?$/,                            // a number
  ];
  const broken = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.textContent.trim();
    if (!whole.some(re => re.test(text))) continue;
    const el = node.parentElement;
    // Text for screen readers only sits in a 1 px box on purpose.
    if (!el || el.closest('script, style, svg, option, .visually-hidden')) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    const lines = new Set([...range.getClientRects()].filter(r => r.width > 0)
                                                      .map(r => Math.round(r.top)));
    if (lines.size > 1) broken.push(`${el.tagName.toLowerCase()} 「${text}」`);
  }
  return broken;
}
"""


def wrapped_words(page) -> list[str]:
    """The names, dates, classes, numbers and short labels of the page shown that a narrow
    box breaks over two lines or more."""
    return page.evaluate(WRAPPED_JS)
