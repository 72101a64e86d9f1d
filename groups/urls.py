from django.urls import path

from .views import (
    board,
    forming,
    group,
    life,
    materials,
    overview,
    pairs,
    printables,
    questions,
    ranking,
    reviews,
    scoring,
    terminal,
    uploads,
)

app_name = "groups"

urlpatterns = [
    path("", overview.index, name="index"),
    # A class's groups.
    path("classes/<pk:class_pk>/", forming.class_groups, name="class_groups"),
    path("classes/<pk:class_pk>/confirm/", forming.confirm, name="confirm"),
    path("classes/<pk:class_pk>/score/", scoring.score, name="score"),
    path("classes/<pk:class_pk>/score/tap/", scoring.score_tap, name="score_tap"),
    path("classes/<pk:class_pk>/score/all/", scoring.score_all, name="score_all"),
    path("classes/<pk:class_pk>/score/upload/", uploads.score_upload, name="score_upload"),
    path("classes/<pk:class_pk>/ranking/", ranking.ranking, name="ranking"),
    path("classes/<pk:class_pk>/register/", printables.register, name="register"),
    path("classes/<pk:class_pk>/register.xlsx", printables.register_xlsx, name="register_xlsx"),
    path("classes/<pk:class_pk>/seating/", printables.seating, name="seating"),
    path("classes/<pk:class_pk>/reviews/", reviews.reviews, name="reviews"),
    # Shared materials, the showcase and the questions passed up (issue 16).
    path("classes/<pk:class_pk>/materials/", materials.class_materials, name="materials"),
    path("classes/<pk:class_pk>/showcase/", materials.showcase, name="showcase"),
    path("classes/<pk:class_pk>/questions/", questions.class_questions, name="questions"),
    path("classes/<pk:class_pk>/questions/pass/", questions.pass_up, name="questions_pass"),
    path("classes/<pk:class_pk>/subject-reps/", questions.subject_reps, name="subject_reps"),
    path("materials/<pk:pk>/file/", materials.material_file, name="material_file"),
    path("materials/<pk:pk>/showcase/", materials.material_showcase, name="material_showcase"),
    path("materials/<pk:pk>/remove/", materials.material_remove, name="material_remove"),
    path("questions/<pk:pk>/answer/", questions.question_answer, name="question_answer"),
    path("reviews/<pk:pk>/", reviews.review_round, name="review_round"),
    path("reviews/<pk:pk>/groups/<pk:group_pk>/", reviews.review_entry, name="review_entry"),
    # One group.
    path("<pk:pk>/", group.group_detail, name="group_detail"),
    path("<pk:pk>/edit/", group.group_edit, name="group_edit"),
    path("<pk:pk>/roles/", group.group_roles, name="group_roles"),
    path("<pk:pk>/checkin/", group.checkin, name="checkin"),
    path("<pk:pk>/consequence/", group.consequence, name="consequence"),
    path("<pk:pk>/entries/", scoring.group_entries, name="group_entries"),
    path("<pk:pk>/recommend/", ranking.recommend, name="recommend"),
    path("members/<pk:pk>/move/", forming.member_move, name="member_move"),
    path("members/<pk:pk>/goals/", group.member_goals, name="member_goals"),
    path("entries/<pk:pk>/undo/", scoring.entry_undo, name="entry_undo"),
    path("entries/<pk:pk>/correct/", scoring.entry_correct, name="entry_correct"),
    path("entries/<pk:pk>/move/", scoring.entry_move, name="entry_move"),
    # The class terminal (班级一体机): the homeroom teacher's side, then the classroom PC's.
    path("classes/<pk:class_pk>/terminal/", terminal.terminal_settings, name="terminal_settings"),
    path(
        "classes/<pk:class_pk>/terminal/review/",
        terminal.terminal_review,
        name="terminal_review",
    ),
    path("terminal/", terminal.terminal_signin, name="terminal_signin"),
    path("terminal/signout/", terminal.terminal_signout, name="terminal_signout"),
    path("terminal/week/", terminal.terminal_home, name="terminal_home"),
    path("terminal/week/record/", terminal.terminal_record, name="terminal_record"),
    # Group life: a group's meeting log and study plan (the class's staff and its terminal),
    # its coaching notes (teachers only), the class's week, trainings and exhibitions.
    path("classes/<pk:class_pk>/life/", life.class_life, name="class_life"),
    path("classes/<pk:class_pk>/groups/<pk:pk>/meetings/", life.meetings, name="meetings"),
    path("classes/<pk:class_pk>/groups/<pk:pk>/plan/", life.study_plan, name="study_plan"),
    path("classes/<pk:class_pk>/groups/<pk:pk>/plan/edit/", life.plan_edit, name="plan_edit"),
    path("<pk:pk>/coaching/", life.coaching, name="coaching"),
    # Study pairs (学习对子) and the students' tags for forming (teachers only, issue 16).
    path("classes/<pk:class_pk>/pairs/", pairs.class_pairs, name="pairs"),
    path("classes/<pk:class_pk>/pairs/form/", pairs.pairs_form, name="pairs_form"),
    path("classes/<pk:class_pk>/tags/", pairs.class_tags, name="tags"),
    path("pairs/<pk:pk>/", pairs.pair_detail, name="pair_detail"),
    path("pairs/<pk:pk>/edit/", pairs.pair_edit, name="pair_edit"),
    # The school's monthly leaderboard.
    path("leaderboard/", board.leaderboard, name="leaderboard"),
    path("leaderboard.xlsx", board.leaderboard_xlsx, name="leaderboard_xlsx"),
    path("months/close/", board.month_close, name="month_close"),
    path("months/excellent/", board.month_excellent, name="month_excellent"),
    path("months/publish/", board.month_publish, name="month_publish"),
    # Year and month are bounded by the view (``params.month_of_or_404``), not ids.
    path("commendations/<int:year>/<int:month>/", board.commendation, name="commendation"),
    path(
        "commendations/<int:year>/<int:month>.xlsx",
        board.commendation_xlsx,
        name="commendation_xlsx",
    ),
]
