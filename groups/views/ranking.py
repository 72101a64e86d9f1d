"""A class's ranking of its groups, week by week or month by month, and the homeroom
teacher's recommendation of a month's outstanding group."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from schoolops.models import SchoolClass, Term
from schoolops.pages import show_errors, term_required
from schoolops.params import number, parse_month
from schoolops.scopes import get_scope, staff_required

from .. import selectors, services
from ..access import class_view, get_group_or_404
from ..forms import RecommendForm
from ..models import Recommendation
from .nav import class_nav


@class_view
@term_required
def ranking(request: HttpRequest, school_class: SchoolClass, term: Term) -> HttpResponse:
    """``?week=<n>`` (this week by default) or ``?month=YYYY-MM``, within the term."""
    scope = get_scope(request)
    today = timezone.localdate()
    weeks = term.teaching_weeks()
    months = term.months()
    mode = "month" if request.GET.get("month") else "week"
    week = month = None
    recommended: set[int] = set()
    if mode == "month":
        month = parse_month(request.GET.get("month"), today)
        if month not in months:
            raise Http404
        standings = selectors.class_standings(school_class, term, month=month)
        recommended = set(
            Recommendation.objects.filter(
                month=month, group__school_class=school_class
            ).values_list("group_id", flat=True)
        )
    else:
        chosen = request.GET.get("week")
        week = number(chosen, 1, len(weeks)) if chosen else term.week_number(today) or len(weeks)
        if week is None or not 1 <= week <= len(weeks):
            raise Http404
        standings = selectors.class_standings(school_class, term, week=week)
    title = _("Week %(number)s") % {"number": week} if mode == "week" else f"{month:%Y-%m}"
    context = {
        "chart": selectors.standings_chart(
            standings,
            _("%(class)s: groups' points, %(period)s") % {"class": school_class, "period": title},
        ),
        "school_class": school_class,
        "class_nav": class_nav(scope, school_class),
        "term": term,
        "weeks": weeks,
        "months": months,
        "week": week,
        "month": month,
        "mode": mode,
        "standings": standings,
        "recommended": recommended,
        "can_recommend": month is not None and scope.can_edit_class(school_class),
        "recommend_form": RecommendForm(),
    }
    return render(request, "groups/ranking.html", context)


@require_POST
@staff_required
def recommend(request: HttpRequest, pk: int) -> HttpResponse:
    """Recommend a group as the class's outstanding group of a month (to the school board)."""
    group = get_group_or_404(request, pk, edit=True)
    month = parse_month(request.POST.get("month"), timezone.localdate())
    form = RecommendForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        services.recommend(group, month, get_scope(request).staff, note)
    except ValidationError as error:
        show_errors(request, error)
    else:
        messages.success(
            request,
            _("%(group)s recommended for %(month)s.")
            % {"group": group.name, "month": f"{month:%Y-%m}"},
        )
    return redirect(
        reverse("groups:ranking", args=[group.school_class_id]) + f"?month={month:%Y-%m}"
    )
