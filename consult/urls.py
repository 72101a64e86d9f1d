from django.urls import path

from .views import (
    cases,
    escalations,
    ledger,
    meetings,
    observations,
    overview,
    printables,
    review,
    scores,
    strategies,
)

app_name = "consult"

urlpatterns = [
    path("", overview.index, name="index"),
    # The ledger.
    path("classes/<pk:class_pk>/ledger/", ledger.class_ledger, name="class_ledger"),
    path(
        "classes/<pk:class_pk>/ledger/carry-forward/",
        ledger.class_ledger_carry,
        name="class_ledger_carry",
    ),
    path("classes/<pk:class_pk>/ledger.xlsx", ledger.class_ledger_xlsx, name="class_ledger_xlsx"),
    path("students/<pk:pk>/ledger/", ledger.student_ledger, name="student_ledger"),
    # Printed as the school files them: 学生学情档案 and 个案育人计划.
    path("students/<pk:pk>/file/", printables.student_file, name="student_file"),
    path("students/<pk:pk>/plan/", printables.education_plan, name="education_plan"),
    # Observations and strategies.
    path(
        "classes/<pk:class_pk>/observations/",
        observations.class_observations,
        name="class_observations",
    ),
    path(
        "students/<pk:pk>/observations/new/", observations.observation_add, name="observation_add"
    ),
    path("students/<pk:pk>/strategies/new/", strategies.strategy_add, name="strategy_add"),
    path("strategies/", strategies.my_strategies, name="my_strategies"),
    path("strategies/<pk:pk>/", strategies.strategy_detail, name="strategy_detail"),
    path("strategies/<pk:pk>/follow-up/", strategies.strategy_follow_up, name="strategy_follow_up"),
    path("strategies/<pk:pk>/close/", strategies.strategy_close, name="strategy_close"),
    # Escalation.
    path("students/<pk:pk>/propose/", escalations.propose, name="propose"),
    path("escalations/", escalations.escalations, name="escalations"),
    path("escalations/<pk:pk>/decide/", escalations.escalation_decide, name="escalation_decide"),
    # Meetings.
    path("meetings/", meetings.meeting_list, name="meeting_list"),
    path("meetings/new/", meetings.meeting_new, name="meeting_new"),
    path("meetings/<pk:pk>/", meetings.meeting_detail, name="meeting_detail"),
    path("meetings/<pk:pk>/edit/", meetings.meeting_edit, name="meeting_edit"),
    path("meetings/<pk:pk>/students/", meetings.meeting_students, name="meeting_students"),
    path("meetings/<pk:pk>/record.xlsx", meetings.meeting_xlsx, name="meeting_xlsx"),
    path("cadence/", meetings.cadence, name="cadence"),
    # The principal's monthly review and 包靠 leaders.
    path("review/", review.review, name="review"),
    path("leader/", review.leader, name="leader"),
    # Success cases.
    path("students/<pk:pk>/cases/new/", cases.case_new, name="case_new"),
    path("cases/", cases.case_list, name="case_list"),
    path("cases/export.xlsx", cases.cases_xlsx, name="cases_xlsx"),
    path("cases/<pk:pk>/", cases.case_detail, name="case_detail"),
    path("cases/<pk:pk>/edit/", cases.case_edit, name="case_edit"),
    # Scoring.
    path("scores/", scores.scores, name="scores"),
    path("scores/export.xlsx", scores.scores_xlsx, name="scores_xlsx"),
]
