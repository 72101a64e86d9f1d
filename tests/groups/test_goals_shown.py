"""Group goals saved on the goals form show on the group pages (issue 11, defect 12)."""

from django.urls import reverse

import pytest

pytestmark = pytest.mark.django_db


def test_group_goals_saved_on_the_goals_form_show_on_the_group_pages(school, login, formed):
    group = formed[0]
    client = login(school.homeroom)
    goals = {
        "goal_midterm": "期中小组平均分进步五分",
        "goal_term_end": "期末人人及格",
        "goal_year": "争当月度优秀小组",
        "goal_stage": "全组考入理想高中",
    }
    response = client.post(
        reverse("groups:group_edit", args=[group.pk]), {"name": group.name, "motto": "", **goals}
    )
    assert response.status_code == 302
    for page in ("groups:group_detail", "groups:class_groups"):
        pk = group.pk if page == "groups:group_detail" else group.school_class_id
        text = client.get(reverse(page, args=[pk])).text
        assert all(goal in text for goal in goals.values()), page
