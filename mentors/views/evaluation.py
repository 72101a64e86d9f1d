"""The four-party evaluation of the term's mentors: the grade page and its download (the
principal's office, grade heads), the school's score and the students' questionnaire sheet
(教导处), a mentor's self-evaluation and colleagues' ratings."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from mentors import forms, selectors, services
from mentors.access import ACADEMIC, get_rated_mentor_or_404, grade_pages_required, page_terms
from mentors.models import MentorEvaluation
from mentors.views.common import (
    chosen_term,
    chosen_term_required,
    mentor_grade_tabs,
    url_for_each,
    with_term,
)
from schoolops.models import Staff, Term
from schoolops.pages import (
    form_page,
    no_term_page,
    private_upload,
    sheet_upload_page,
    term_required,
)
from schoolops.params import page_number
from schoolops.scopes import get_scope, post_required, staff_required
from schoolops.sheets.http import sheet_response

# A page of mentors; their compliance is looked up by pairing id (a large school's mentors
# have some 60 mentees each, past the 300 ids after which compliance reads the whole term).
EVALUATION_PAGE = 10


@grade_pages_required
@chosen_term_required
def evaluation(request: HttpRequest, term: Term) -> HttpResponse:
    """The mentors of one grade a page (``?grade=<id>``), ranked within it: a grade head's own
    grade first; a mentor with mentees in two grades is in both. The download has them all.
    The academic office keeps the weights and the threshold here."""
    scope = get_scope(request)
    tabs = mentor_grade_tabs(request, term)
    grade = tabs.current
    settings = selectors.evaluation_settings(term)
    can_edit = scope.has_post(*ACADEMIC)
    form = None
    if can_edit:
        form = forms.SettingsForm(
            request.POST or None,
            initial={
                "self_weight": settings.self_weight,
                "students_weight": settings.students_weight,
                "teachers_weight": settings.teachers_weight,
                "school_weight": settings.school_weight,
                "threshold": settings.threshold,
            },
        )

    def save() -> str:
        services.save_evaluation_settings(term, form.weights(), form.cleaned_data["threshold"])
        url = with_term("mentors:evaluation", term)
        return f"{url}&grade={grade.pk}" if grade else url

    today = timezone.localdate()
    ranked = (
        selectors.evaluation_results(
            term, today, selectors.grade_mentor_ids(term, grade), with_compliance=False
        )
        if grade
        else []
    )
    ranked.sort(key=lambda r: (r.total is None, -(r.total or 0), r.mentor.staff_no))
    # Ranked over the grade, shown EVALUATION_PAGE at a time: the compliance figures (the
    # costly part) are worked out for the page's mentors only.
    page = Paginator(ranked, EVALUATION_PAGE).get_page(page_number(request))
    results = list(page.object_list)
    compliance = selectors.mentor_compliance(
        term, today, [r.mentor.pk for r in results], by_id_up_to=2000
    )
    score_url = url_for_each("mentors:evaluation_mentor")
    for result in results:
        result.compliance = compliance.get(result.mentor.pk, selectors.Compliance())
        result.score_url = score_url(result.mentor.pk)
    context = {
        "score_label": _("Score"),
        "term": term,
        "settings": settings,
        "form": form,
        "results": results,
        "page": page,
        "tabs": tabs,
        "grades": tabs.grades,
        "grade": grade,
        "can_edit": can_edit,
        "whole_school": scope.is_school_wide,
        "today": today,
        "terms": page_terms(scope, selectors.latest_terms()),
    }
    return form_page(
        request,
        form,
        "mentors/evaluation.html",
        context,
        on_valid=save,
        success_message=_("Weights and threshold saved."),
    )


@grade_pages_required
@chosen_term_required
def evaluation_export(request: HttpRequest, term: Term) -> HttpResponse:
    """Every mentor of the term for the principal's office; a grade head's grades' mentors."""
    return sheet_response(request, "mentor_evaluation", term=term)


@private_upload
@post_required(*ACADEMIC)
@term_required
def ratings_upload(request: HttpRequest, term: Term) -> HttpResponse:
    """The students' questionnaire answers of the current term, the whole school's sheet
    (kind ``mentor_ratings``), uploaded by the academic office: checked first, imported on
    confirmation."""
    return sheet_upload_page(
        request,
        kind="mentor_ratings",
        school_class=None,
        template="mentors/ratings_upload.html",
        context={"term": term},
        done_url=with_term("mentors:evaluation", term),
    )


@post_required(*ACADEMIC)
@chosen_term_required
def evaluation_mentor(request: HttpRequest, staff_pk: int, term: Term) -> HttpResponse:
    """The school's score of one mentor, beside their figures and their colleagues' ratings."""
    results = selectors.evaluation_results(term, timezone.localdate(), [staff_pk])
    if not results:
        raise Http404
    result = results[0]
    evaluation = result.evaluation
    form = forms.SchoolScoreForm(
        request.POST or None,
        initial={
            "school_score": evaluation.school_score if evaluation else None,
            "school_comment": evaluation.school_comment if evaluation else "",
            "improve_by": evaluation.improve_by if evaluation else None,
        },
    )

    def save() -> str:
        services.save_evaluation(term, result.mentor, **form.cleaned_data)
        return with_term("mentors:evaluation", term)

    context = {
        "result": result,
        "form": form,
        "term": term,
        "teacher_ratings": selectors.teacher_ratings(term, result.mentor),
        "talk_chart": selectors.talks_chart(
            "mentor-talks-chart",
            _("%(name)s: talks held and due, week by week") % {"name": result.mentor.name},
            selectors.weekly_talks(term, timezone.localdate(), mentor_id=result.mentor.pk),
        ),
    }
    return form_page(
        request,
        form,
        "mentors/evaluation_mentor.html",
        context,
        on_valid=save,
        success_message=_("The evaluation is saved."),
    )


@staff_required
@term_required
def self_evaluation(request: HttpRequest, term: Term) -> HttpResponse:
    me = get_scope(request).staff
    results = selectors.evaluation_results(term, timezone.localdate(), [me.pk] if me else [])
    if not results:
        messages.info(request, _("You have no mentees this term, so there is nothing to evaluate."))
        return redirect("mentors:my_mentees")
    result = results[0]
    evaluation = result.evaluation or MentorEvaluation(term=term, mentor=me)
    form = forms.SelfScoreForm(
        request.POST or None,
        initial={"self_score": evaluation.self_score, "self_comment": evaluation.self_comment},
    )

    def save() -> str:
        services.save_evaluation(term, me, **form.cleaned_data)
        return reverse("mentors:self_evaluation")

    return form_page(
        request,
        form,
        "mentors/self_evaluation.html",
        {"result": result, "form": form, "term": term},
        on_valid=save,
        success_message=_("Your self-evaluation is saved."),
    )


# Other teachers' ratings.


@staff_required
@term_required
def peer_ratings(request: HttpRequest, term: Term) -> HttpResponse:
    """The mentors a teacher may rate this term (those of the classes they work with)."""
    me = get_scope(request).staff
    mentors = selectors.mentors_to_rate(term, me) if me else []
    ids = [m.pk for m in mentors]
    mine = selectors.ratings_by(term, me, ids)
    figures = selectors.mentor_compliance(term, timezone.localdate(), ids)
    rows = [(m, mine.get(m.pk), figures.get(m.pk, selectors.Compliance())) for m in mentors]
    return render(
        request, "mentors/peer_ratings.html", {"term": term, "rows": rows, "rated": len(mine)}
    )


@staff_required
def peer_rate(request: HttpRequest, staff_pk: int) -> HttpResponse:
    """A teacher rates a mentor of their classes, seeing the mentor's compliance figures; the
    academic office types in a rating in a teacher's name (for the term of its choice)."""
    scope = get_scope(request)
    academic = scope.has_post(*ACADEMIC)
    term = chosen_term(request) if academic else scope.term
    if term is None:
        return no_term_page(request)
    mentor = get_rated_mentor_or_404(scope, term, staff_pk)
    me = scope.staff
    raters = None
    existing = None
    if academic:
        raters = Staff.objects.filter(
            pk__in=[s.pk for s in selectors.eligible_raters(term, mentor)]
        )
        initial = {"rater": me.pk} if me is not None and raters.filter(pk=me.pk).exists() else {}
    else:
        existing = selectors.rating_of(term, mentor, me)
        initial = {"score": existing.score, "comment": existing.comment} if existing else {}
    form = forms.TeacherRatingForm(request.POST or None, initial=initial, raters=raters)

    def save() -> str:
        data = form.cleaned_data
        services.save_teacher_rating(
            term, mentor, data.get("rater") or me, data["score"], data["comment"], by=me
        )
        if academic:
            return with_term("mentors:evaluation_mentor", term, mentor.pk)
        return reverse("mentors:peer_ratings")

    compliance = selectors.mentor_compliance(term, timezone.localdate(), [mentor.pk]).get(
        mentor.pk, selectors.Compliance()
    )
    context = {
        "term": term,
        "mentor": mentor,
        "form": form,
        "compliance": compliance,
        "existing": existing,
        "academic": academic,
        "teacher_ratings": selectors.teacher_ratings(term, mentor) if academic else [],
    }
    return form_page(
        request,
        form,
        "mentors/peer_rate.html",
        context,
        on_valid=save,
        success_message=_("Your rating of %(name)s is saved.") % {"name": mentor.name},
    )
