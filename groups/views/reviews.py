"""Self and peer reviews: a class's rounds, a round's summary, a group's ratings."""

from __future__ import annotations

from typing import Any

from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from schoolops.models import SchoolClass, Term
from schoolops.pages import form_page, term_required
from schoolops.scopes import get_scope, staff_required

from .. import selectors, services
from ..access import can_edit, class_view, get_round_group_or_404, get_round_or_404
from ..forms import REVIEW_LINES, ReviewForm, ReviewRoundForm
from ..models import ReviewRound
from .nav import class_nav


@class_view(rule=can_edit)
@term_required
def reviews(request: HttpRequest, school_class: SchoolClass, term: Term) -> HttpResponse:
    """The class's review rounds; a new round starts here."""
    form = ReviewRoundForm(request.POST or None, initial={"held_on": timezone.localdate()})

    def start() -> Any:
        return services.start_review_round(
            school_class, term, form.cleaned_data["title"], form.cleaned_data["held_on"]
        )

    rounds = (
        ReviewRound.objects.filter(school_class=school_class)
        .annotate(review_count=Count("reviews"))
        .order_by("-held_on")
    )
    context = {
        "school_class": school_class,
        "class_nav": class_nav(get_scope(request), school_class),
        "rounds": list(rounds),
        "form": form,
    }
    return form_page(
        request,
        form,
        "groups/reviews.html",
        context,
        on_valid=start,
        success_message=_("Review round started."),
    )


@staff_required
def review_round(request: HttpRequest, pk: int) -> HttpResponse:
    """Summary per member: average of self and of peers on each line, and measures."""
    review_round = get_round_or_404(request, pk)
    context = {
        "round": review_round,
        "groups": selectors.review_summary(review_round),
        "lines": [label for _key, label in REVIEW_LINES],
    }
    return render(request, "groups/review_round.html", context)


@staff_required
def review_entry(request: HttpRequest, pk: int, group_pk: int) -> HttpResponse:
    """One member's ratings of themselves and each group-mate (saving again replaces them)."""
    review_round = get_round_or_404(request, pk)
    group = get_round_group_or_404(review_round, group_pk)
    members = list(group.memberships.current().select_related("student").order_by("seat"))
    form = ReviewForm(request.POST or None, members=members)
    saved: dict[str, Any] = {}

    def save() -> str:
        reviewer = next(m.student for m in members if m.student_id == form.cleaned_data["reviewer"])
        saved["name"] = reviewer.name
        saved["count"] = services.save_reviews(
            review_round, group, reviewer, form.ratings(), get_scope(request).staff
        )
        return reverse("groups:review_entry", args=[review_round.pk, group.pk])

    return form_page(
        request,
        form,
        "groups/review_entry.html",
        {"round": review_round, "group": group, "form": form},
        on_valid=save,
        success_message=lambda: _("%(count)s ratings by %(name)s saved.") % saved,
    )
