"""The scoring page's messages are Chinese (issue 11, defect 12).

Reproduced before: a tap that did not reach the server said "Network error", and one refused
(an ended session: a 403 page, not the view's JSON) said "Forbidden", in English. score.js now
says them through gettext; the page loads Django's JavaScript catalog (``/jsi18n/``, served by
the app itself, a script file: nothing inline for the CSP to refuse) before it.
"""

import json

from django.conf import settings
from django.urls import reverse

import pytest

pytestmark = pytest.mark.django_db

OFFLINE = "Network down: this tap is not scored yet, retrying"


def test_the_scoring_page_says_its_errors_in_chinese_through_the_javascript_catalog(
    school, login, formed
):
    client = login(school.homeroom)
    page = client.get(reverse("groups:score", args=[school.class_a.pk])).text
    catalog = reverse("javascript-catalog")
    assert page.index(f'<script src="{catalog}">') < page.index("groups/score.js")

    answer = client.get(catalog)
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("text/javascript")
    translated = json.dumps("网络中断，本次未记分，正在重试")[1:-1]
    assert translated in answer.content.decode()

    script = (settings.BASE_DIR / "static" / "groups" / "score.js").read_text(encoding="utf-8")
    assert f'gettext("{OFFLINE}")' in script
    assert "Network error" not in script and "statusText" not in script
