from django.urls import path

from mentors.views import (
    classes,
    compliance,
    evaluation,
    pairings,
    printables,
    recognition,
    selection,
    summaries,
)

app_name = "mentors"

urlpatterns = [
    path("", pairings.my_mentees, name="my_mentees"),
    path("applicants/", selection.applicants, name="applicants"),
    path("selection/", selection.selection, name="selection"),
    path("selection/export/", selection.pairings_export, name="pairings_export"),
    path("selection/grades/<pk:grade_pk>/match/", selection.match, name="match"),
    path("classes/<pk:class_pk>/", classes.class_overview, name="class_overview"),
    path("classes/<pk:class_pk>/choices/", classes.class_choices, name="class_choices"),
    path(
        "classes/<pk:class_pk>/choices/upload/",
        classes.class_choices_upload,
        name="class_choices_upload",
    ),
    path("classes/<pk:class_pk>/assign/", classes.hand_assign, name="hand_assign"),
    path("classes/<pk:class_pk>/capacity/", classes.class_capacity, name="class_capacity"),
    path("classes/<pk:class_pk>/exchanges/", classes.class_exchanges, name="class_exchanges"),
    path("classes/<pk:class_pk>/ratings/", classes.class_ratings, name="class_ratings"),
    path("pairings/<pk:pk>/", pairings.pairing_detail, name="pairing_detail"),
    path("pairings/<pk:pk>/talk/", pairings.pairing_talk, name="pairing_talk"),
    path("pairings/<pk:pk>/talks/print/", printables.talks_print, name="talks_print"),
    path("pairings/<pk:pk>/contact/", pairings.pairing_contact, name="pairing_contact"),
    path("pairings/<pk:pk>/plan/", pairings.pairing_plan, name="pairing_plan"),
    path("pairings/<pk:pk>/growth/", pairings.pairing_growth, name="pairing_growth"),
    # A month as bounded numbers (the view turns them into a month, or a 404).
    path(
        "pairings/<pk:pk>/summary/<pk:year>-<pk:month>/",
        pairings.pairing_summary,
        name="pairing_summary",
    ),
    path("pairings/<pk:pk>/end/", pairings.pairing_end, name="pairing_end"),
    path("mentors/<pk:staff_pk>/reassign/", pairings.reassign, name="reassign"),
    path("compliance/", compliance.compliance, name="compliance"),
    path("evaluation/", evaluation.evaluation, name="evaluation"),
    path("evaluation/export/", evaluation.evaluation_export, name="evaluation_export"),
    path("evaluation/ratings/upload/", evaluation.ratings_upload, name="ratings_upload"),
    path("evaluation/self/", evaluation.self_evaluation, name="self_evaluation"),
    path(
        "evaluation/mentors/<pk:staff_pk>/",
        evaluation.evaluation_mentor,
        name="evaluation_mentor",
    ),
    path("evaluation/colleagues/", evaluation.peer_ratings, name="peer_ratings"),
    path("evaluation/mentors/<pk:staff_pk>/rate/", evaluation.peer_rate, name="peer_rate"),
    path("summaries/", summaries.summaries, name="summaries"),
    path("summaries/<pk:pk>/", summaries.summary_detail, name="summary_detail"),
    path("summaries/mine/", summaries.my_summaries, name="my_summaries"),
    path("summaries/mine/<pk:year>-<pk:month>/", summaries.my_summary, name="my_summary"),
    path("honours/", recognition.honours, name="honours"),
    path("honours/print/", recognition.honours_print, name="honours_print"),
    path("trainings/", recognition.trainings, name="trainings"),
    path("trainings/<pk:pk>/", recognition.training_detail, name="training_detail"),
    path("trainings/mine/", recognition.my_trainings, name="my_trainings"),
]
