from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from schoolops import (
    converters,  # noqa: F401  (registers <pk:...> before the apps' URLs)
    evaluation_views,
    export_views,
    privacy_views,
    views,
)
from schoolops.admin_params import bound_admin_site

# The apps' admin modules (schoolops.apps.AdminConfig leaves them to the URLs).
admin.autodiscover()
# Every admin's list filters refuse values out of range (schoolops.admin_params).
bound_admin_site(admin.site)

app_patterns = (
    [
        path("classes/", views.class_list, name="class_list"),
        path("classes/<pk:class_pk>/", views.class_detail, name="class_detail"),
        path("students/", views.student_search, name="student_search"),
        path("students/<pk:pk>/", views.student_detail, name="student_detail"),
        path("students/<pk:pk>/records/", privacy_views.student_records, name="student_records"),
        path(
            "students/<pk:pk>/records.xlsx",
            privacy_views.student_records_xlsx,
            name="student_records_xlsx",
        ),
        path("read-log/", privacy_views.read_log, name="read_log"),
        path("read-log.xlsx", privacy_views.read_log_xlsx, name="read_log_xlsx"),
        path("evaluation/", evaluation_views.evaluation_page, name="evaluation"),
        path(
            "evaluation/classes/<pk:class_pk>/",
            evaluation_views.class_evaluation,
            name="evaluation_class",
        ),
        path(
            "evaluation/teachers/<pk:pk>/",
            evaluation_views.teacher_card,
            name="evaluation_teacher",
        ),
        path("evaluation/awards/", evaluation_views.awards_page, name="evaluation_awards"),
        path("evaluation/honours/", evaluation_views.honours, name="evaluation_honours"),
        path("evaluation/term.xlsx", evaluation_views.evaluation_xlsx, name="evaluation_xlsx"),
        path("exports/<pk:pk>/", export_views.export_status, name="export_status"),
        path("exports/<pk:pk>/file.xlsx", export_views.export_download, name="export_download"),
    ],
    "schoolops",
)

urlpatterns = [
    path("", views.home, name="home"),
    path("", include(app_patterns)),
    path(
        "accounts/password_change/",
        views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    # The project's scripts' strings (each app's djangojs catalog), served by the app itself.
    path(
        "jsi18n/",
        JavaScriptCatalog.as_view(packages=["schoolops", "groups", "consult", "mentors"]),
        name="javascript-catalog",
    ),
    path("groups/", include("groups.urls")),
    path("consult/", include("consult.urls")),
    path("mentors/", include("mentors.urls")),
    path("admin/", admin.site.urls),
]
