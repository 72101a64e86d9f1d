"""The questions and difficulties a group passes up (疑问和难点): its leader enters them for a
subject, the class's 科代表 of the subject gathers them and passes them to the subject's
teacher, who sees them on their home page and marks each as answered, with a note."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from schoolops.models import SchoolClass, Student, Term
from schoolops.pages import form_page, show_errors, term_required
from schoolops.params import pk_or_404
from schoolops.scopes import get_scope, staff_required

from .. import materials
from ..access import can_edit, class_view, group_classes
from ..material_forms import AnswerForm, QuestionForm, RepsForm
from ..models import Question, SubjectRep
from ..terminal import class_staff_or_terminal
from .materials import may_share, page_context
from .nav import class_nav


@class_staff_or_terminal
@term_required
def class_questions(request: HttpRequest, school_class: SchoolClass, term: Term) -> HttpResponse:
    """The class's questions not answered yet, by subject, with its 科代表. On the class
    terminal a group's leader enters its question and the 科代表 passes a subject's questions
    up; its teachers may do both on their behalf."""
    terminal = getattr(request, "terminal", None)
    subjects = materials.class_subjects(school_class)
    form = None
    if may_share(request, school_class):
        form = QuestionForm(
            request.POST or None,
            groups=materials.term_groups(school_class, term),
            subjects=subjects,
            students=materials.class_pupils(school_class, term) if terminal else None,
        )

    def save():
        data = form.cleaned_data
        materials.add_question(
            group=data["group"],
            subject=data["subject"],
            text=data["text"],
            by=terminal.renewed_by if terminal else get_scope(request).staff,
            terminal=terminal,
            student=data.get("student"),
        )
        return reverse("groups:questions", args=[school_class.pk])

    reps = {
        rep.subject_id: rep
        for rep in SubjectRep.objects.filter(school_class=school_class).select_related("student")
    }
    questions = materials.class_questions(school_class, term)
    by_subject = []
    for subject in subjects:
        rows = [q for q in questions if q.subject_id == subject.pk]
        by_subject.append(
            {
                "subject": subject,
                "rep": reps.get(subject.pk),
                "questions": rows,
                "open": sum(1 for q in rows if q.status == Question.Status.OPEN),
            }
        )
    context = {
        **page_context(request, school_class),
        "school_class": school_class,
        "term": term,
        "form": form,
        "subjects": by_subject,
        "answered": materials.answered_questions(school_class, term),
        "can_pass": form is not None,
        "can_set_reps": not terminal and can_edit(get_scope(request), school_class),
    }
    return form_page(
        request,
        form,
        "groups/questions.html",
        context,
        on_valid=save,
        success_message=_("The question has been passed up to the subject representative."),
    )


@class_staff_or_terminal
@require_POST
def pass_up(request: HttpRequest, school_class: SchoolClass) -> HttpResponse:
    """The 科代表 of a subject passes its open questions to the subject's teacher (on the
    class terminal; a teacher of the class on their behalf)."""
    if not may_share(request, school_class):
        raise PermissionDenied
    subject = get_object_or_404(
        materials.class_subjects(school_class), pk=pk_or_404(request.POST.get("subject"))
    )
    try:
        count = materials.pass_up(school_class, subject)
    except ValidationError as error:
        show_errors(request, error)
    else:
        if count:
            messages.success(
                request,
                _("%(count)s questions of %(subject)s passed to the teacher.")
                % {"count": count, "subject": subject.name},
            )
        else:
            messages.info(request, _("No open questions to pass up."))
    return HttpResponseRedirect(reverse("groups:questions", args=[school_class.pk]))


@class_view(rule=can_edit)
def subject_reps(request: HttpRequest, school_class: SchoolClass) -> HttpResponse:
    """The class's 科代表, one per subject, among its students."""
    scope = get_scope(request)
    students = Student.objects.filter(school_class=school_class).order_by("student_no")
    current = {
        rep.subject_id: rep.student_id
        for rep in SubjectRep.objects.filter(school_class=school_class)
    }
    form = RepsForm(
        request.POST or None,
        subjects=materials.class_subjects(school_class),
        students=students,
        reps=current,
    )
    return form_page(
        request,
        form,
        "groups/subject_reps.html",
        {"school_class": school_class, "class_nav": class_nav(scope, school_class), "form": form},
        on_valid=lambda: materials.set_reps(school_class, form.chosen(), scope.staff),
        success_message=_("The subject representatives have been saved."),
        success_url=reverse("groups:questions", args=[school_class.pk]),
    )


@staff_required
def question_answer(request: HttpRequest, pk: int) -> HttpResponse:
    """The subject's teacher marks a question as answered (in class), with a note."""
    scope = get_scope(request)
    question = (
        Question.objects.select_related("group", "subject", "school_class__grade")
        .filter(pk=pk, school_class__in=group_classes(scope).values("pk"))
        .first()
    )
    if question is None:
        raise Http404
    if not materials.may_answer(scope.staff, question):
        raise PermissionDenied
    form = AnswerForm(request.POST or None)

    def save() -> str:
        materials.answer(question, form.cleaned_data["note"], scope.staff)
        return reverse("home")

    return form_page(
        request,
        form,
        "groups/question_answer.html",
        {"question": question, "school_class": question.school_class, "form": form},
        on_valid=save,
        success_message=_("Marked as answered."),
    )
