"""The mentors' pages say the mentor's words (issue 11, defect 12).

Reproduced before: the talk form's topic was labelled 「会商主题」 (the consultation meeting's
word: the consult catalog translated the same msgid, and gettext reads one merged catalog), and
a month that already had its summary still offered 「撰写」 (write) rather than 查看/修改.
"""

import datetime as dt

from django.urls import reverse

import pytest

from mentors.models import MonthlySummary
from tests.mentors.conftest import pair

pytestmark = pytest.mark.django_db


def test_the_talk_form_asks_for_the_talk_topic_not_the_meetings(school, mentoring, login, today):
    p = pair(school, school.student_a, school.teacher)
    page = login(school.teacher).get(reverse("mentors:pairing_talk", args=[p.pk])).text
    assert "谈心主题" in page
    assert "会商主题" not in page


def test_a_month_with_a_summary_offers_to_view_or_edit_it_not_to_write_it(
    school, mentoring, login, today
):
    p = pair(school, school.student_a, school.teacher)
    MonthlySummary.objects.create(pairing=p, month=dt.date(2026, 10, 1), text="十月谈心三次")
    page = login(school.teacher).get(reverse("mentors:pairing_detail", args=[p.pk])).text
    october = reverse("mentors:pairing_summary", args=[p.pk, 2026, 10])
    november = reverse("mentors:pairing_summary", args=[p.pk, 2026, 11])
    assert f'<a href="{october}">查看/修改</a>' in page
    assert f'<a href="{november}">撰写</a>' in page
    assert "十月谈心三次" in page
