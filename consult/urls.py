from django.urls import path

from .views import (
    activities,
    cases,
    escalations,
    ledger,
    meetings,
    observations,
    overview,
    plans,
    printables,
    questionnaires,
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
    path(
        "review/classes/<pk:class_pk>/leader/",
        review.review_class_leader,
        name="review_class_leader",
    ),
    path("leader/", review.leader, name="leader"),
    # Success cases.
    path("students/<pk:pk>/cases/new/", cases.case_new, name="case_new"),
    path("cases/", cases.case_list, name="case_list"),
    path("cases/export.xlsx", cases.cases_xlsx, name="cases_xlsx"),
    path("cases/<pk:pk>/", cases.case_detail, name="case_detail"),
    path("cases/<pk:pk>/edit/", cases.case_edit, name="case_edit"),
    # Theme class meetings (主题班会) and study-method exchanges (学法交流会).
    path(
        "classes/<pk:class_pk>/activities/",
        activities.class_activities,
        name="class_activities",
    ),
    path("classes/<pk:class_pk>/activities/new/", activities.activity_new, name="activity_new"),
    path("activities/<pk:pk>/", activities.activity_detail, name="activity_detail"),
    path("activities/<pk:pk>/edit/", activities.activity_edit, name="activity_edit"),
    path("activities/<pk:pk>/photos/", activities.activity_photo_add, name="activity_photo_add"),
    path("photos/<pk:pk>/", activities.activity_photo, name="activity_photo"),
    # The term's plans (学期学情会商工作计划) and summaries (期末总结).
    path("plans/", plans.plans, name="plans"),
    path("plans/school/", plans.plan_school, name="plan_school"),
    path("plans/grades/<pk:grade_pk>/", plans.plan_grade, name="plan_grade"),
    path("summaries/", plans.summaries, name="summaries"),
    path("summaries/<pk:pk>/", plans.summary_detail, name="summary_detail"),
    path("summaries/school/", plans.summary_school, name="summary_school"),
    path("summaries/grades/<pk:grade_pk>/", plans.summary_grade, name="summary_grade"),
    path("summaries/classes/<pk:class_pk>/", plans.summary_class, name="summary_class"),
    # Scoring.
    path("scores/", scores.scores, name="scores"),
    path("scores/export.xlsx", scores.scores_xlsx, name="scores_xlsx"),
    # Questionnaires (学情征询问卷); the answer page is public: its token is the key.
    path("questionnaires/", questionnaires.questionnaire_list, name="questionnaire_list"),
    path("questionnaires/new/", questionnaires.questionnaire_new, name="questionnaire_new"),
    path(
        "questionnaires/<pk:pk>/", questionnaires.questionnaire_detail, name="questionnaire_detail"
    ),
    path(
        "questionnaires/<pk:pk>/close/",
        questionnaires.questionnaire_close,
        name="questionnaire_close",
    ),
    path(
        "questionnaires/<pk:pk>/results/",
        questionnaires.questionnaire_results,
        name="questionnaire_results",
    ),
    path(
        "questionnaires/<pk:pk>/slips/",
        questionnaires.questionnaire_slips,
        name="questionnaire_slips",
    ),
    path(
        "questionnaires/<pk:pk>/answers.xlsx",
        questionnaires.questionnaire_xlsx,
        name="questionnaire_xlsx",
    ),
    path("q/<str:token>/", questionnaires.questionnaire_answer, name="questionnaire_answer"),
]
