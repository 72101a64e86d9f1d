from django.urls import path

from mentors import views

app_name = "mentors"

urlpatterns = [
    path("", views.my_mentees, name="my_mentees"),
    path("applicants/", views.applicants, name="applicants"),
    path("selection/", views.selection, name="selection"),
    path("selection/export/", views.pairings_export, name="pairings_export"),
    path("selection/grades/<pk:grade_pk>/match/", views.match, name="match"),
    path("classes/<pk:class_pk>/", views.class_overview, name="class_overview"),
    path("classes/<pk:class_pk>/choices/", views.class_choices, name="class_choices"),
    path("classes/<pk:class_pk>/assign/", views.hand_assign, name="hand_assign"),
    path("classes/<pk:class_pk>/capacity/", views.class_capacity, name="class_capacity"),
    path("classes/<pk:class_pk>/exchanges/", views.class_exchanges, name="class_exchanges"),
    path("classes/<pk:class_pk>/ratings/", views.class_ratings, name="class_ratings"),
    path("pairings/<pk:pk>/", views.pairing_detail, name="pairing_detail"),
    path("pairings/<pk:pk>/talk/", views.pairing_talk, name="pairing_talk"),
    path("pairings/<pk:pk>/contact/", views.pairing_contact, name="pairing_contact"),
    path("pairings/<pk:pk>/plan/", views.pairing_plan, name="pairing_plan"),
    path("pairings/<pk:pk>/growth/", views.pairing_growth, name="pairing_growth"),
    path(
        "pairings/<pk:pk>/summary/<int:year>-<int:month>/",
        views.pairing_summary,
        name="pairing_summary",
    ),
    path("pairings/<pk:pk>/end/", views.pairing_end, name="pairing_end"),
    path("mentors/<pk:staff_pk>/reassign/", views.reassign, name="reassign"),
    path("compliance/", views.compliance, name="compliance"),
    path("evaluation/", views.evaluation, name="evaluation"),
    path("evaluation/export/", views.evaluation_export, name="evaluation_export"),
    path("evaluation/self/", views.self_evaluation, name="self_evaluation"),
    path("evaluation/mentors/<pk:staff_pk>/", views.evaluation_mentor, name="evaluation_mentor"),
    path("evaluation/colleagues/", views.peer_ratings, name="peer_ratings"),
    path("evaluation/mentors/<pk:staff_pk>/rate/", views.peer_rate, name="peer_rate"),
]
