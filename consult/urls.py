from django.urls import path

from . import views

app_name = "consult"

urlpatterns = [
    path("", views.index, name="index"),
    path("classes/<int:class_pk>/ledger/", views.class_ledger, name="class_ledger"),
    path(
        "classes/<int:class_pk>/ledger/carry-forward/",
        views.class_ledger_carry,
        name="class_ledger_carry",
    ),
    path("classes/<int:class_pk>/ledger.xlsx", views.class_ledger_xlsx, name="class_ledger_xlsx"),
    path(
        "classes/<int:class_pk>/observations/",
        views.class_observations,
        name="class_observations",
    ),
    path("students/<int:pk>/ledger/", views.student_ledger, name="student_ledger"),
    path("students/<int:pk>/observations/new/", views.observation_add, name="observation_add"),
    path("students/<int:pk>/strategies/new/", views.strategy_add, name="strategy_add"),
    path("students/<int:pk>/propose/", views.propose, name="propose"),
    path("students/<int:pk>/cases/new/", views.case_new, name="case_new"),
    path("strategies/", views.my_strategies, name="my_strategies"),
    path("strategies/<int:pk>/", views.strategy_detail, name="strategy_detail"),
    path("strategies/<int:pk>/follow-up/", views.strategy_follow_up, name="strategy_follow_up"),
    path("strategies/<int:pk>/close/", views.strategy_close, name="strategy_close"),
    path("escalations/", views.escalations, name="escalations"),
    path("escalations/<int:pk>/decide/", views.escalation_decide, name="escalation_decide"),
    path("meetings/", views.meeting_list, name="meeting_list"),
    path("meetings/new/", views.meeting_new, name="meeting_new"),
    path("meetings/<int:pk>/", views.meeting_detail, name="meeting_detail"),
    path("meetings/<int:pk>/edit/", views.meeting_edit, name="meeting_edit"),
    path("meetings/<int:pk>/students/", views.meeting_students, name="meeting_students"),
    path("meetings/<int:pk>/record.xlsx", views.meeting_xlsx, name="meeting_xlsx"),
    path("cadence/", views.cadence, name="cadence"),
    path("review/", views.review, name="review"),
    path("leader/", views.leader, name="leader"),
    path("cases/", views.case_list, name="case_list"),
    path("cases/export.xlsx", views.cases_xlsx, name="cases_xlsx"),
    path("cases/<int:pk>/", views.case_detail, name="case_detail"),
    path("cases/<int:pk>/edit/", views.case_edit, name="case_edit"),
    path("scores/", views.scores, name="scores"),
    path("scores/export.xlsx", views.scores_xlsx, name="scores_xlsx"),
    path("access-log/", views.access_log, name="access_log"),
]
