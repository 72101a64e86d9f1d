from django.urls import path

from mentors import views

app_name = "mentors"

urlpatterns = [
    path("", views.my_mentees, name="my_mentees"),
    path("applicants/", views.applicants, name="applicants"),
    path("selection/", views.selection, name="selection"),
    path("selection/export/", views.pairings_export, name="pairings_export"),
    path("selection/grades/<int:grade_pk>/match/", views.match, name="match"),
    path("classes/<int:class_pk>/", views.class_overview, name="class_overview"),
    path("classes/<int:class_pk>/choices/", views.class_choices, name="class_choices"),
    path("classes/<int:class_pk>/assign/", views.hand_assign, name="hand_assign"),
    path("classes/<int:class_pk>/capacity/", views.class_capacity, name="class_capacity"),
    path("classes/<int:class_pk>/exchanges/", views.class_exchanges, name="class_exchanges"),
    path("classes/<int:class_pk>/ratings/", views.class_ratings, name="class_ratings"),
    path("pairings/<int:pk>/", views.pairing_detail, name="pairing_detail"),
    path("pairings/<int:pk>/talk/", views.pairing_talk, name="pairing_talk"),
    path("pairings/<int:pk>/contact/", views.pairing_contact, name="pairing_contact"),
    path("pairings/<int:pk>/plan/", views.pairing_plan, name="pairing_plan"),
    path("pairings/<int:pk>/growth/", views.pairing_growth, name="pairing_growth"),
    path(
        "pairings/<int:pk>/summary/<int:year>-<int:month>/",
        views.pairing_summary,
        name="pairing_summary",
    ),
    path("pairings/<int:pk>/end/", views.pairing_end, name="pairing_end"),
    path("mentors/<int:staff_pk>/reassign/", views.reassign, name="reassign"),
    path("compliance/", views.compliance, name="compliance"),
    path("evaluation/", views.evaluation, name="evaluation"),
    path("evaluation/export/", views.evaluation_export, name="evaluation_export"),
    path("evaluation/self/", views.self_evaluation, name="self_evaluation"),
    path("evaluation/mentors/<int:staff_pk>/", views.evaluation_mentor, name="evaluation_mentor"),
    path("evaluation/colleagues/", views.peer_ratings, name="peer_ratings"),
    path("evaluation/mentors/<int:staff_pk>/rate/", views.peer_rate, name="peer_rate"),
]
