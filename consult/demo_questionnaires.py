"""The demo school's questionnaires (学情征询问卷): the academic office's 家庭学习情况 for the
first grade's parents, answered by most families of each class, with a common problem picked
for the grade meeting; and a homeroom teacher's 作业量 questionnaire of one class, still open."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone, translation

from schoolops.models import Grade, Post, SchoolClass, Staff, Student

from . import services
from .models import Question, QuestionnaireResponse
from .questionnaire_templates import BY_KEY

TEXTS = (
    "希望老师多布置一些阅读类作业，少一些重复抄写。",
    "孩子晚上写作业到十点多，睡眠不够，希望各科老师协调作业量。",
    "孩子回家不愿意说学校的事，想知道怎样和他沟通。",
    "我们家长文化水平有限，数学题辅导不了，希望学校有答疑的办法。",
    "孩子玩手机时间太长，希望老师在班里也讲讲怎样合理用手机。",
    "感谢老师的耐心，孩子这学期进步很大。",
    "希望每月能收到一次孩子在校表现的反馈。",
    "周末作业偏多，孩子没有时间锻炼身体。",
)


def _questions(key: str) -> list[services.QuestionData]:
    with translation.override("zh-hans"):
        template = BY_KEY[key]
        return [
            services.QuestionData(
                kind=q.kind,
                text=str(q.text),
                choices=[str(c) for c in q.choices],
                required=q.required,
            )
            for q in template.questions
        ]


def _title(key: str) -> tuple[str, str]:
    with translation.override("zh-hans"):
        return str(BY_KEY[key].title), str(BY_KEY[key].intro)


def _deadline(day: dt.date) -> dt.datetime:
    deadline = timezone.make_aware(dt.datetime.combine(day, dt.time(18, 0)))
    return max(deadline, timezone.now() + dt.timedelta(days=14))


def _answers(rng: Any, questions: list[Question]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for question in questions:
        key = str(question.pk)
        if question.kind == Question.Kind.SINGLE:
            weights = [4, 3, 2, 1][: len(question.choices)]
            out[key] = rng.choices(range(len(question.choices)), weights=weights)[0]
        elif question.kind == Question.Kind.MULTIPLE:
            picked = sorted(rng.sample(range(len(question.choices)), rng.randint(1, 2)))
            out[key] = picked
        elif question.kind == Question.Kind.SCALE:
            out[key] = rng.choices([1, 2, 3, 4, 5], weights=[1, 2, 4, 5, 3])[0]
        elif rng.random() < 0.45:
            out[key] = rng.choice(TEXTS)
    return out


def run(context: Any) -> None:
    rng = context.rng
    term = context.term
    today = min(context.today, term.end_date)
    classes = list(
        SchoolClass.objects.filter(academic_year=context.year)
        .select_related("grade", "homeroom_teacher")
        .annotate(n=Count("students", filter=Q(students__status=Student.Status.IN_SCHOOL)))
        .order_by("grade__level", "number")
    )
    if not classes or today < term.start_date:
        return
    grade = Grade.objects.get(pk=classes[0].grade_id)
    office = (
        Staff.objects.active()
        .filter(user__groups__name=Post.ACADEMIC_OFFICE)
        .order_by("pk")
        .first()
    )
    asker = office or classes[0].homeroom_teacher
    if asker is None:
        return
    title, intro = _title("home_study")
    questionnaire = services.create_questionnaire(
        by=asker,
        term=term,
        title=f"{title}（家长会）",
        audience="parents",
        reach="grade",
        grade=grade,
        intro=intro,
        deadline=_deadline(today + dt.timedelta(days=7)),
        questions=_questions("home_study"),
    )
    questions = list(questionnaire.questions.all())
    sizes = {c.pk: c.n for c in classes}
    sheets = []
    for link in questionnaire.links.all():
        answered = int(sizes.get(link.school_class_id, 0) * rng.uniform(0.55, 0.9))
        for _n in range(answered):
            sheets.append(
                QuestionnaireResponse(
                    link=link,
                    submitted_on=today - dt.timedelta(days=rng.randint(0, 3)),
                    answers=_answers(rng, questions),
                )
            )
    QuestionnaireResponse.objects.bulk_create(sheets, batch_size=1000)
    head = grade.head or asker
    services.pick_common_issue(
        questionnaire,
        grade,
        "多个班级家长反映晚上作业时间超过两小时，孩子睡眠不足，请级部统筹各科作业量。",
        head,
        term,
    )

    first = classes[0]
    if first.homeroom_teacher is not None:
        title, intro = _title("homework")
        services.create_questionnaire(
            by=first.homeroom_teacher,
            term=term,
            title=title,
            audience="parents",
            reach="class",
            school_class=first,
            intro=intro,
            deadline=_deadline(today + dt.timedelta(days=10)),
            questions=_questions("homework"),
        )
    context.log(f"consult: 2 questionnaires, {len(sheets)} answers")
