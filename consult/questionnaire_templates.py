"""The questionnaire templates shipped with SchoolOps, on the themes of the seeds' 学情征询问卷
(seed 003: the parents' questionnaire at the parent meeting, the 问卷回收箱 at the gate, the
共性问题 taken to the grades): home study, the homework load, talking with the child, and
suggestions to the school. A template is copied into a new questionnaire and edited there.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


@dataclass(frozen=True)
class TemplateQuestion:
    kind: str
    text: Promise
    choices: tuple[Promise, ...] = ()
    required: bool = True


@dataclass(frozen=True)
class QuestionnaireTemplate:
    key: str
    title: Promise
    audience: str
    intro: Promise
    questions: tuple[TemplateQuestion, ...] = field(default_factory=tuple)


FREQUENCY = (_("Every day"), _("Often"), _("Sometimes"), _("Rarely"))

TEMPLATES = (
    QuestionnaireTemplate(
        key="home_study",
        title=_("Family study situation"),
        audience="parents",
        intro=_(
            "Dear parents, this questionnaire asks how your child studies at home. It is "
            "anonymous: please answer as things are."
        ),
        questions=(
            TemplateQuestion(
                "single",
                _("How long does your child study at home on a school day?"),
                (
                    _("Less than 1 hour"),
                    _("1 to 2 hours"),
                    _("2 to 3 hours"),
                    _("More than 3 hours"),
                ),
            ),
            TemplateQuestion(
                "single", _("Does your child plan the evening's study by themselves?"), FREQUENCY
            ),
            TemplateQuestion(
                "multiple",
                _("What gets in the way of study at home?"),
                (
                    _("Phone or games"),
                    _("Television"),
                    _("No quiet place"),
                    _("Nobody can help with questions"),
                    _("Tiredness"),
                ),
            ),
            TemplateQuestion("scale", _("How satisfied are you with your child's study habits?")),
            TemplateQuestion(
                "text", _("What help would you like from the teachers?"), required=False
            ),
        ),
    ),
    QuestionnaireTemplate(
        key="homework",
        title=_("Amount of homework"),
        audience="parents",
        intro=_("Dear parents, please tell us how the homework load feels at home."),
        questions=(
            TemplateQuestion(
                "single",
                _("How long does the written homework take on a school day?"),
                (
                    _("Less than 1 hour"),
                    _("1 to 1.5 hours"),
                    _("1.5 to 2 hours"),
                    _("More than 2 hours"),
                ),
            ),
            TemplateQuestion(
                "single",
                _("How is the amount of homework?"),
                (_("Too much"), _("About right"), _("Too little")),
            ),
            TemplateQuestion(
                "multiple",
                _("Which subjects' homework takes the longest?"),
                (
                    _("Chinese"),
                    _("Mathematics"),
                    pgettext_lazy("school subject", "English"),
                    _("Sciences"),
                    _("Other"),
                ),
            ),
            TemplateQuestion("scale", _("How well can your child finish the homework alone?")),
            TemplateQuestion("text", _("Your suggestions on homework"), required=False),
        ),
    ),
    QuestionnaireTemplate(
        key="communication",
        title=_("Talking with your child"),
        audience="parents",
        intro=_("Dear parents, these questions are about talking with your child at home."),
        questions=(
            TemplateQuestion(
                "single", _("How often do you talk with your child about school?"), FREQUENCY
            ),
            TemplateQuestion(
                "multiple",
                _("What do you talk about most?"),
                (
                    _("Marks and exams"),
                    _("Friends and classmates"),
                    _("Feelings and worries"),
                    _("Interests"),
                    _("Daily life"),
                ),
            ),
            TemplateQuestion("scale", _("How willing is your child to tell you their worries?")),
            TemplateQuestion(
                "text",
                _("What is hardest for you in talking with your child?"),
                required=False,
            ),
        ),
    ),
    QuestionnaireTemplate(
        key="suggestions",
        title=_("Suggestions to the school"),
        audience="parents",
        intro=_(
            "Dear parents, the school wants to hear your suggestions. The questionnaire is "
            "anonymous; the common problems will be discussed by the grade's teachers."
        ),
        questions=(
            TemplateQuestion("scale", _("How satisfied are you with the school's work?")),
            TemplateQuestion(
                "multiple",
                _("What should the school pay more attention to?"),
                (
                    _("Study methods"),
                    _("Mental health"),
                    _("Physical exercise"),
                    _("Safety"),
                    _("Home-school contact"),
                ),
            ),
            TemplateQuestion(
                "single",
                _("How would you like to hear from the teachers?"),
                (_("Parent meetings"), _("Class chat group"), _("Phone calls"), _("Home visits")),
            ),
            TemplateQuestion("text", _("Your suggestions to the school"), required=False),
        ),
    ),
)

BY_KEY = {template.key: template for template in TEMPLATES}
