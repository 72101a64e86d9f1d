"""Questionnaires (学情征询问卷, 问卷回收箱): making one from a template or another, its links and
QR slips per class, the results per class and per grade, the common problems picked for the
grade meeting, the export, and the answer page that parents open without an account.

The answer page (``questionnaire_answer``) is public on purpose: the token of a class's link is
its only key (32 random bytes), answers keep no name, address, device or time of day, one
browser answers once (a cookie), and the link takes so many answers a minute and in all.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from schoolops.models import Grade, SchoolClass, Term
from schoolops.pages import form_page, term_required
from schoolops.params import pk_or_404
from schoolops.scopes import get_scope, scope_required
from schoolops.sheets.http import sheet_response

from .. import services
from ..access import (
    get_questionnaire_or_404,
    may_manage_questionnaire,
    may_use_questionnaires,
    questionnaire_classes,
    questionnaire_grades,
    visible_links,
    visible_questionnaires,
)
from ..forms import AnswerForm, CommonIssueForm, QuestionFormSet, QuestionnaireForm
from ..models import CommonIssue, Questionnaire, QuestionnaireLink, QuestionnaireResponse
from ..questionnaire_templates import BY_KEY, TEMPLATES
from ..selectors import link_rows, tally

LIST_SIZE = 50
ANSWERED_COOKIE = "q_answered_%s"


@scope_required(may_use_questionnaires)
def questionnaire_list(request: HttpRequest) -> HttpResponse:
    scope = get_scope(request)
    questionnaires = list(
        visible_questionnaires(scope)
        .annotate(n_links=Count("links", distinct=True))
        .order_by("-created_at", "-pk")[:LIST_SIZE]
    )
    ctx = {
        "questionnaires": questionnaires,
        "templates": TEMPLATES,
        "now": timezone.now(),
    }
    return render(request, "consult/questionnaire_list.html", ctx)


def _initial_from(request: HttpRequest) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A new questionnaire's form: from a template (``?template=``), a copy of one the person
    sees (``?copy=``), or empty."""
    key = request.GET.get("template")
    if key:
        template = BY_KEY.get(key)
        if template is None:
            raise Http404
        return (
            {"title": str(template.title), "audience": template.audience, "intro": template.intro},
            [
                {
                    "kind": q.kind,
                    "text": str(q.text),
                    "choices": "\n".join(str(c) for c in q.choices),
                    "required": q.required,
                }
                for q in template.questions
            ],
        )
    copy = request.GET.get("copy")
    if copy:
        source = get_questionnaire_or_404(request, pk_or_404(copy))
        return (
            {
                "title": source.title,
                "audience": source.audience,
                "reach": source.reach,
                "intro": source.intro,
                "school_class": source.school_class_id,
                "grade": source.grade_id,
            },
            [
                {
                    "kind": q.kind,
                    "text": q.text,
                    "choices": "\n".join(q.choices),
                    "required": q.required,
                }
                for q in source.questions.all()
            ],
        )
    return {}, []


@scope_required(may_use_questionnaires)
@term_required
def questionnaire_new(request: HttpRequest, term: Term) -> HttpResponse:
    scope = get_scope(request)
    initial, questions = ({}, []) if request.method == "POST" else _initial_from(request)
    classes = questionnaire_classes(scope).order_by("grade__level", "number")
    grades = questionnaire_grades(scope)
    deadline = timezone.localtime() + dt.timedelta(days=7)
    initial.setdefault("deadline", deadline.replace(hour=18, minute=0, second=0, microsecond=0))
    form = QuestionnaireForm(
        request.POST or None,
        initial=initial,
        classes=classes,
        grades=grades,
        school_wide=scope.is_school_wide,
    )
    formset = QuestionFormSet(request.POST or None, prefix="questions", initial=questions or None)

    def save() -> Questionnaire:
        data = form.cleaned_data
        if data["reach"] == Questionnaire.Reach.SCHOOL and not scope.is_school_wide:
            raise PermissionDenied
        return services.create_questionnaire(
            by=scope.staff,
            term=term,
            title=data["title"],
            audience=data["audience"],
            reach=data["reach"],
            deadline=data["deadline"],
            intro=data.get("intro") or "",
            school_class=data.get("school_class"),
            grade=data.get("grade"),
            questions=[
                services.QuestionData(
                    kind=f.cleaned_data["kind"],
                    text=f.cleaned_data["text"],
                    choices=f.cleaned_data.get("choice_list") or [],
                    required=bool(f.cleaned_data.get("required")),
                )
                for f in formset.rows()
            ],
        )

    return form_page(
        request,
        [form, formset],
        "consult/questionnaire_form.html",
        {"form": form, "formset": formset},
        on_valid=save,
        success_message=_("Questionnaire made: print the slips or share the links."),
    )


def answer_url(request: HttpRequest, link: QuestionnaireLink) -> str:
    return request.build_absolute_uri(reverse("consult:questionnaire_answer", args=[link.token]))


def qr_svg(url: str) -> SafeString:
    """The link as a QR code, an inline SVG made on the server (no script, no CDN)."""
    import segno

    svg = segno.make(url, error="m").svg_inline(
        scale=4, border=2, omitsize=True, svgclass="q-qr", lineclass=None
    )
    # segno's own markup: the URL is only encoded in the path's drawing, never written out.
    label = escape(_("QR code"))
    return SafeString(svg.replace("<svg ", f'<svg role="img" aria-label="{label}" ', 1))


@scope_required(may_use_questionnaires)
def questionnaire_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scope = get_scope(request)
    questionnaire = get_questionnaire_or_404(request, pk)
    rows = link_rows(visible_links(scope, questionnaire))
    for row in rows:
        row.url = answer_url(request, row.link)  # type: ignore[attr-defined]
    ctx = {
        "questionnaire": questionnaire,
        "questions": list(questionnaire.questions.all()),
        "rows": rows,
        "is_open": questionnaire.is_open(timezone.now()),
        "can_manage": may_manage_questionnaire(scope, questionnaire),
        "grades": list(
            questionnaire_grades(scope).filter(
                classes__questionnaire_links__questionnaire=questionnaire
            )
        ),
        "issues": list(
            questionnaire.common_issues.select_related("grade", "meeting").order_by("pk")
        ),
    }
    return render(request, "consult/questionnaire_detail.html", ctx)


@require_POST
@scope_required(may_use_questionnaires)
def questionnaire_close(request: HttpRequest, pk: int) -> HttpResponse:
    scope = get_scope(request)
    questionnaire = get_questionnaire_or_404(request, pk)
    if not may_manage_questionnaire(scope, questionnaire):
        raise PermissionDenied
    reopen = request.POST.get("reopen") == "1"
    try:
        services.close_questionnaire(questionnaire, reopen=reopen)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(
            request, _("The links are open again.") if reopen else _("The links are closed.")
        )
    return redirect(questionnaire)


@scope_required(may_use_questionnaires)
def questionnaire_results(request: HttpRequest, pk: int) -> HttpResponse:
    """One class's answers (``?class=``) or a grade's (``?grade=``): counts and bars, averages
    and the texts; a grade's page picks its common problems for the grade meeting."""
    scope = get_scope(request)
    questionnaire = get_questionnaire_or_404(request, pk)
    links = visible_links(scope, questionnaire)
    grade: Grade | None = None
    school_class: SchoolClass | None = None
    chosen_grade = request.GET.get("grade") or request.POST.get("grade")
    if chosen_grade:
        grade = questionnaire_grades(scope).filter(pk=pk_or_404(chosen_grade)).first()
        if grade is None:
            raise Http404
        links = links.filter(school_class__grade=grade)
    else:
        chosen = request.GET.get("class")
        link = links.filter(school_class=pk_or_404(chosen)).first() if chosen else links.first()
        if link is None:
            raise Http404
        school_class = link.school_class
        links = links.filter(pk=link.pk)
    rows = link_rows(links)
    answer_sheets = list(
        QuestionnaireResponse.objects.filter(link__in=[r.link for r in rows]).values_list(
            "answers", flat=True
        )
    )
    form = None
    if grade is not None:
        form = CommonIssueForm(request.POST or None)

    def pick() -> str:
        assert grade is not None and form is not None
        issue = services.pick_common_issue(
            questionnaire, grade, form.cleaned_data["text"], scope.staff, questionnaire.term
        )
        if issue.meeting_id:
            return reverse("consult:meeting_detail", args=[issue.meeting_id])
        return request.get_full_path()

    all_links = list(visible_links(scope, questionnaire))
    ctx = {
        "questionnaire": questionnaire,
        "grade": grade,
        "school_class": school_class,
        "rows": rows,
        "answers": sum(r.answers for r in rows),
        "students": sum(r.students for r in rows),
        "results": tally(list(questionnaire.questions.all()), answer_sheets),
        "class_links": all_links,
        "grades": list(
            questionnaire_grades(scope).filter(
                pk__in={lk.school_class.grade_id for lk in all_links}
            )
        ),
        "form": form,
        "issues": list(
            CommonIssue.objects.filter(questionnaire=questionnaire, grade=grade)
            .select_related("meeting")
            .order_by("pk")
        )
        if grade is not None
        else [],
    }
    return form_page(
        request,
        form,
        "consult/questionnaire_results.html",
        ctx,
        on_valid=pick,
        success_message=_("The common problem is on the grade meeting's agenda."),
    )


@scope_required(may_use_questionnaires)
def questionnaire_slips(request: HttpRequest, pk: int) -> HttpResponse:
    """Slips to print for the parent meeting: several an A4 page, each with the class, the link
    and its QR code (``?class=`` one class's slips)."""
    scope = get_scope(request)
    questionnaire = get_questionnaire_or_404(request, pk)
    links = visible_links(scope, questionnaire)
    if request.GET.get("class"):
        links = links.filter(school_class=pk_or_404(request.GET["class"]))
    slips = []
    for link in links[:60]:
        url = answer_url(request, link)
        slips.append({"link": link, "url": url, "qr": qr_svg(url)})
    if not slips:
        raise Http404
    copies = 6 if len(slips) == 1 else 1
    ctx = {
        "questionnaire": questionnaire,
        "slips": [slip for slip in slips for _copy in range(copies)],
    }
    return render(request, "consult/questionnaire_slips.html", ctx)


@scope_required(may_use_questionnaires)
def questionnaire_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    return sheet_response(request, "consult_questionnaire", questionnaire=pk)


# The public page: no account.


def _closed(request: HttpRequest, message: str, status: int = 200) -> HttpResponse:
    return render(request, "consult/questionnaire_closed.html", {"message": message}, status=status)


@never_cache
def questionnaire_answer(request: HttpRequest, token: str) -> HttpResponse:
    """A parent (or student) answers the class's questionnaire: no login, no script."""
    link = (
        QuestionnaireLink.objects.select_related("questionnaire", "school_class__grade")
        .filter(token=token[:64])
        .first()
    )
    if link is None:
        return _closed(request, _("This questionnaire link does not exist."), status=404)
    questionnaire = link.questionnaire
    if not questionnaire.is_open(timezone.now()):
        return _closed(request, _("This questionnaire is closed. Thank you."))
    cookie = ANSWERED_COOKIE % link.pk
    if request.COOKIES.get(cookie) or request.GET.get("done"):
        return _closed(
            request,
            _("Your answers have been received. Thank you!")
            if request.GET.get("done")
            else _("This browser has already answered this questionnaire. Thank you!"),
        )
    questions = list(questionnaire.questions.all())
    form = AnswerForm(request.POST or None, questions=questions)
    if request.method == "POST":
        if not services.answer_rate_allows(link):
            messages.error(request, _("Too many answers at once: please send again in a minute."))
        elif form.is_valid():
            try:
                services.submit_answers(link, form.answers())
            except ValidationError as error:
                return _closed(request, " ".join(error.messages))
            response = redirect(f"{request.path}?done=1")
            response.set_cookie(
                cookie,
                "1",
                max_age=400 * 24 * 3600,
                path=request.path,
                httponly=True,
                samesite="Lax",
                secure=request.is_secure(),
            )
            return response
        else:
            messages.error(request, _("Please correct the errors below."))
    ctx = {
        "questionnaire": questionnaire,
        "school_class": link.school_class,
        "form": form,
    }
    return render(request, "consult/questionnaire_answer.html", ctx)
