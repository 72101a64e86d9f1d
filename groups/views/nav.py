"""A class's sub-navigation on the groups' class pages (``schoolops/_class_nav.html``)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from schoolops.models import SchoolClass
from schoolops.registry import Link
from schoolops.scopes import Scope

from ..access import can_edit, can_score, is_homeroom_teacher


def class_nav(scope: Scope, school_class: SchoolClass) -> list[Link]:
    """The pages of a class's groups this person may open, in the order of a week's work."""

    def url(name: str) -> str:
        return reverse(f"groups:{name}", args=[school_class.pk])

    links = [Link(_("Groups"), url("class_groups"))]
    if can_score(scope, school_class):
        links.append(Link(_("Score groups"), url("score")))
    if is_homeroom_teacher(scope, school_class):
        links.append(Link(_("Upload the score sheet"), url("score_upload")))
        links.append(Link(_("Class terminal"), url("terminal_settings")))
    links += [
        Link(_("Group activities"), url("class_life")),
        Link(_("Ranking"), url("ranking")),
        Link(_("Seating chart"), url("seating")),
        Link(_("Registration sheet"), url("register")),
    ]
    links.append(Link(_("Study pairs"), url("pairs")))
    if can_edit(scope, school_class):
        links.append(Link(_("Reviews"), url("reviews")))
    if is_homeroom_teacher(scope, school_class):
        links.append(Link(_("Student tags"), url("tags")))
    links += [
        Link(_("Shared materials"), url("materials")),
        Link(_("Showcase"), url("showcase")),
        Link(pgettext("group questions", "Questions"), url("questions")),
    ]
    return links
