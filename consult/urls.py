from django.urls import path

from . import views

app_name = "consult"

urlpatterns = [
    path("", views.index, name="index"),
    path("classes/<pk:class_pk>/ledger/", views.class_ledger, name="class_ledger"),
    path(
        "classes/<pk:class_pk>/ledger/carry-forward/",
        views.class_ledger_carry,
        name="class_ledger_carry",
    ),
    path("classes/<pk:class_pk>/ledger.xlsx", views.class_ledger_xlsx, name="class_ledger_xlsx"),
    path(
        "classes/<pk:class_pk>/observations/",
        views.class_observations,
        name="class_observations",
    ),
    path("students/<pk:pk>/ledger/", views.student_ledger, name="student_ledger"),
    path("students/<pk:pk>/observations/new/", views.observation_add, name="observation_add"),
    path("students/<pk:pk>/strategies/new/", views.strategy_add, name="strategy_add"),
    path("students/<pk:pk>/propose/", views.propose, name="propose"),
    path("students/<pk:pk>/cases/new/", views.case_new, name="case_new"),
    path("strategies/", views.my_strategies, name="my_strategies"),
    path("strategies/<pk:pk>/", views.strategy_detail, name="strategy_detail"),
    path("strategies/<pk:pk>/follow-up/", views.strategy_follow_up, name="strategy_follow_up"),
    path("strategies/<pk:pk>/close/", views.strategy_close, name="strategy_close"),
    path("escalations/", views.escalations, name="escalations"),
    path("escalations/<pk:pk>/decide/", views.escalation_decide, name="escalation_decide"),
    path("meetings/", views.meeting_list, name="meeting_list"),
    path("meetings/new/", views.meeting_new, name="meeting_new"),
    path("meetings/<pk:pk>/", views.meeting_detail, name="meeting_detail"),
    path("meetings/<pk:pk>/edit/", views.meeting_edit, name="meeting_edit"),
    path("meetings/<pk:pk>/students/", views.meeting_students, name="meeting_students"),
    path("meetings/<pk:pk>/record.xlsx", views.meeting_xlsx, name="meeting_xlsx"),
    path("cadence/", views.cadence, name="cadence"),
    path("review/", views.review, name="review"),
    path("leader/", views.leader, name="leader"),
    path("cases/", views.case_list, name="case_list"),
    path("cases/export.xlsx", views.cases_xlsx, name="cases_xlsx"),
    path("cases/<pk:pk>/", views.case_detail, name="case_detail"),
    path("cases/<pk:pk>/edit/", views.case_edit, name="case_edit"),
    path("scores/", views.scores, name="scores"),
    path("scores/export.xlsx", views.scores_xlsx, name="scores_xlsx"),
]
