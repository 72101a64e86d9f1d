"""The homeroom teacher's upload of the 学习委员's weekly score sheet of their own class."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from schoolops.models import SchoolClass
from schoolops.pages import private_upload, sheet_upload_page
from schoolops.scopes import get_scope

from ..access import class_view, is_homeroom_teacher
from .nav import class_nav


@private_upload
@class_view(rule=is_homeroom_teacher)
def score_upload(request: HttpRequest, school_class: SchoolClass) -> HttpResponse:
    """Upload → check (every problem by row and column, the header row found) → confirm, in
    the browser, on a phone too: the file of kind ``scores`` holds this class's rows only
    (``ScoresSheet.class_scoped``: a row of another class refuses the file, naming the row)."""
    return sheet_upload_page(
        request,
        kind="scores",
        school_class=school_class,
        template="groups/score_upload.html",
        context={
            "school_class": school_class,
            "class_nav": class_nav(get_scope(request), school_class),
        },
        done_url=reverse("groups:ranking", args=[school_class.pk]),
    )
