from django.urls import path

from . import views

app_name = "groups"

urlpatterns = [
    path("", views.index, name="index"),
    path("classes/<pk:class_pk>/", views.class_groups, name="class_groups"),
    path("classes/<pk:class_pk>/confirm/", views.confirm, name="confirm"),
    path("classes/<pk:class_pk>/score/", views.score, name="score"),
    path("classes/<pk:class_pk>/score/tap/", views.score_tap, name="score_tap"),
    path("classes/<pk:class_pk>/ranking/", views.ranking, name="ranking"),
    path("classes/<pk:class_pk>/register/", views.register, name="register"),
    path("classes/<pk:class_pk>/register.xlsx", views.register_xlsx, name="register_xlsx"),
    path("classes/<pk:class_pk>/seating/", views.seating, name="seating"),
    path("classes/<pk:class_pk>/reviews/", views.reviews, name="reviews"),
    path("reviews/<pk:pk>/", views.review_round, name="review_round"),
    path("reviews/<pk:pk>/groups/<pk:group_pk>/", views.review_entry, name="review_entry"),
    path("<pk:pk>/", views.group_detail, name="group_detail"),
    path("<pk:pk>/edit/", views.group_edit, name="group_edit"),
    path("<pk:pk>/roles/", views.group_roles, name="group_roles"),
    path("<pk:pk>/checkin/", views.checkin, name="checkin"),
    path("<pk:pk>/consequence/", views.consequence, name="consequence"),
    path("<pk:pk>/entries/", views.group_entries, name="group_entries"),
    path("<pk:pk>/recommend/", views.recommend, name="recommend"),
    path("members/<pk:pk>/move/", views.member_move, name="member_move"),
    path("members/<pk:pk>/goals/", views.member_goals, name="member_goals"),
    path("entries/<pk:pk>/undo/", views.entry_undo, name="entry_undo"),
    path("entries/<pk:pk>/correct/", views.entry_correct, name="entry_correct"),
    path("leaderboard/", views.leaderboard, name="leaderboard"),
    path("leaderboard.xlsx", views.leaderboard_xlsx, name="leaderboard_xlsx"),
    path("months/close/", views.month_close, name="month_close"),
    path("months/excellent/", views.month_excellent, name="month_excellent"),
    path("months/publish/", views.month_publish, name="month_publish"),
    path("commendations/<int:year>/<int:month>/", views.commendation, name="commendation"),
    path(
        "commendations/<int:year>/<int:month>.xlsx",
        views.commendation_xlsx,
        name="commendation_xlsx",
    ),
]
