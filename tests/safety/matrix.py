"""The permission matrix: every URL of the project × every post → the status it must answer.

How it works
------------
``tests/safety/test_matrix.py`` walks the project's URL resolver. Every pattern must be
covered, or the test fails:

- a pattern of a registered ``ModelAdmin`` (changelist, add, change, history, delete and the
  bare ``<object_id>/`` redirect) is covered by the admin rule below;
- every other pattern needs at least one ``Route`` with its URL name in a ``ROUTES`` list of
  ``tests/safety/matrix.py`` (this file: the schoolops pages, auth, i18n and the admin site)
  or of ``tests/<app>/matrix.py`` (each app lists its own routes there).

Each ``Route`` is requested once per actor: anonymous and each post of the ``school`` cast in
``tests/conftest.py`` (homeroom, teacher, outsider, grade_head, principal, academic, office,
psychologist). The cast's ``outsider`` is the homeroom teacher of class_b, so build your
objects in **class_a** (or for ``student_a``): the outsider is then "an outsider of the
object's class" and must get a 404. Every request runs in a savepoint that is rolled back,
so a POST by one actor does not change what the next one sees.

Writing a route
---------------
In ``tests/<app>/matrix.py``::

    from tests.safety.matrix import LOGIN, OK, Call, Route, expect

    def _group(school):
        group = StudyGroup.objects.create(school_class=school.class_a, name="星火组")
        return Call(kwargs={"class_pk": school.class_a.pk, "pk": group.pk})

    def _tap(school):
        group = StudyGroup.objects.create(school_class=school.class_a, name="星火组")
        return Call(kwargs={"pk": group.pk}, data={"item": "1", "points": "2"})

    ROUTES = [
        Route(
            "groups:group_detail",
            build=_group,
            expect=expect(
                OK,  # the default for every post not named below
                anonymous=LOGIN,
                outsider=404,
                psychologist=404,
                office=404,
            ),
        ),
        Route(
            "groups:score_tap",
            method="post",
            build=_tap,
            expect=expect(REDIRECT, anonymous=LOGIN, outsider=404, office=404,
                          psychologist=404, principal=403),
        ),
    ]

    # Optional: an object for each of your models registered in the admin, so that the
    # admin rule can open its change, history and delete pages ("app_label.modelname").
    ADMIN_OBJECTS = {"groups.studygroup": lambda school: StudyGroup.objects.create(...)}

    # Optional: where your ModelAdmin departs from plain model permissions, per admin URL
    # name and actor, e.g. a read-only admin: {"admin:groups_scoreentry_add": {"office": 403}}.
    ADMIN_OVERRIDES = {}

``build(school)`` receives the cast (the clock is pinned to ``TODAY``) and returns a
``Call``: URL ``kwargs``, the POST ``data`` (also the starting point of the hostile-input
fuzzing in ``test_hostile_input.py``; give a valid submission), a GET ``query`` and upload
``files`` (field name → a ``(filename, bytes)`` pair: a valid file, which the hostile-upload
tests corrupt; mark such a route ``uploads=True``; a sheet file is named ``<kind>.xlsx``).
Several routes may share a URL name (a GET and a POST); give them distinct ``id``\\ s.

Expected statuses
-----------------
``LOGIN`` a redirect to the login page (``?next=`` in it; the admin's login for admin URLs);
``REDIRECT`` any other redirect; ``OK`` (200); 403 a post without the right; 404 outside the
person's scope; 405 a method the view does not take; a tuple accepts any of its members.

The admin rule
--------------
Anonymous and accounts that are not ``is_staff`` (posts without the admin) get ``LOGIN``.
Staff get 200 on the changelist, change and history pages with the model's view or change
permission, on the add page with add, on the delete page with delete, and 403 otherwise; the
bare ``<object_id>/`` URL redirects. A ``SimpleHistoryAdmin`` adds the page of one historical
version (``..._simple_history``), opened like the history page; create the ``ADMIN_OBJECTS``
with ``save()`` (not ``bulk_create``) so that they have a version. ``ADMIN_OVERRIDES``
replace single cells. Other URLs an admin adds (an import page, a custom action view) need a
``Route`` like any page.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import Group, User

from schoolops.models import (
    AwardPublication,
    EvaluationWeight,
    Exam,
    ExamResult,
    GuardianRequest,
    HolidayWeek,
    ImportRecord,
    ImportTemplate,
    PurgeRecord,
    ReadLog,
    School,
    Student,
    SubjectAlias,
    TeachingAssignment,
)

ACTORS = (
    "anonymous",
    "homeroom",
    "teacher",
    "outsider",
    "grade_head",
    "principal",
    "academic",
    "office",
    "psychologist",
    # The class terminal (班级一体机) of class_a: a classroom PC signed in with the class's code
    # (groups.terminal), no user. Its cell defaults to TERMINAL_DEFAULT (below).
    "terminal",
)
STAFF_ACTORS = tuple(actor for actor in ACTORS if actor not in ("anonymous", "terminal"))

LOGIN = "login"
REDIRECT = "redirect"
OK = 200

Expected = int | str | tuple

# The terminal's cell unless a route names it: a view not marked for the terminal
# (``groups.terminal``: ``terminal_allowed``) must refuse it (TERMINAL_REFUSED: never a 200);
# a marked one may answer anything but a 5xx (name ``terminal=OK`` to insist on a 200).
TERMINAL_DEFAULT = "terminal-default"
TERMINAL_REFUSED = (403, 404, 405, LOGIN, REDIRECT)


@dataclass
class Call:
    """What one request of a route sends."""

    kwargs: dict[str, Any] = field(default_factory=dict)
    data: dict[str, Any] | None = None
    query: dict[str, Any] | None = None
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)


@dataclass(frozen=True)
class Route:
    name: str
    expect: Mapping[str, Expected]
    method: str = "get"
    build: Callable[[Any], Call] | None = None
    id: str = ""
    # Include in the hostile-input fuzzing (POST routes); switch off only with a reason.
    fuzz: bool = True
    # An upload endpoint (its Call has ``files``): test_hostile_uploads.py attacks it.
    uploads: bool = False

    @property
    def key(self) -> str:
        return self.id or f"{self.name}:{self.method}"

    def call(self, school: Any) -> Call:
        return self.build(school) if self.build else Call()


def expect(default: Expected, **cells: Expected) -> dict[str, Expected]:
    """A full row: ``default`` for every actor, ``cells`` for the named ones."""
    unknown = set(cells) - set(ACTORS)
    if unknown:
        raise ValueError(f"unknown actors {sorted(unknown)}; actors are {ACTORS}")
    row = {actor: cells.get(actor, default) for actor in ACTORS}
    row["terminal"] = cells.get("terminal", TERMINAL_DEFAULT)
    return row


def staff_page(**cells: Expected) -> dict[str, Expected]:
    """A page for any member of staff: anonymous → login, everyone else 200 unless named."""
    return expect(OK, anonymous=LOGIN, **cells)


# What each post may do with class_a's objects (the cast's scope, from scopes.py):
# homeroom (its homeroom teacher), teacher (teaches in it), grade_head (its grade) and the
# principal's office and office staff (whole roster) see it; outsider and psychologist do not.
CLASS_A_VIEWERS = staff_page(outsider=404, psychologist=404)
# The principal's office (校长, 副校长, 教导处) only; every other post 403.
PRINCIPALS_OFFICE = expect(403, anonymous=LOGIN, principal=OK, academic=OK)


def _class_a(school) -> Call:
    return Call(kwargs={"class_pk": school.class_a.pk})


def _student_a(school) -> Call:
    return Call(kwargs={"pk": school.student_a.pk})


def _export_of_the_principal(school) -> Call:
    """A background export the principal asked for, written (an empty read log)."""
    from schoolops import exports
    from schoolops.models import ExportRecord
    from schoolops.sheets import engine

    name = f"matrix-{school.principal.pk}.xlsx"
    engine.export_file("read_log", exports.export_dir() / name, person="nobody")
    record = ExportRecord.objects.create(
        kind="read_log",
        file_name="查阅日志.xlsx",
        user=school.principal.user,
        status=ExportRecord.Status.DONE,
        stored_file=name,
    )
    return Call(kwargs={"pk": record.pk})


def _built_evaluation(school):
    from schoolops import evaluation

    return evaluation.build_and_keep(school.term, school.academic.user)


def _nominate_class_a(school) -> Call:
    _built_evaluation(school)
    return Call(
        data={"action": "nominate", "nominee": f"class:{school.class_a.pk}", "reason": "会商扎实"}
    )


def _class_a_nomination(school, status: str = "nominated"):
    from schoolops.models import AwardNomination

    return AwardNomination.objects.create(
        term=school.term,
        category="class",
        school_class=school.class_a,
        name=str(school.class_a),
        reason="会商扎实",
        status=status,
        nominated_by=school.academic.user,
    )


def _select_nomination(school) -> Call:
    nomination = _class_a_nomination(school)
    return Call(data={"action": "status", "nomination": nomination.pk, "status": "selected"})


def _publish_classes(school) -> Call:
    _class_a_nomination(school, status="selected")
    return Call(data={"action": "publish", "category": "class"})


def _family_nomination(school) -> Call:
    _built_evaluation(school)
    return Call(
        kwargs={"class_pk": school.class_a.pk},
        data={"category": "family", "student": school.student_a.pk, "reason": "家校配合紧密"},
    )


def _teacher_card(school) -> Call:
    _built_evaluation(school)
    return Call(kwargs={"pk": school.teacher.pk})


def _password_change(school) -> Call:
    from tests.conftest import PASSWORD

    new = "a-much-better-Passw0rd"
    return Call(data={"old_password": PASSWORD, "new_password1": new, "new_password2": new})


def _login(school) -> Call:
    from tests.conftest import PASSWORD

    return Call(data={"username": school.homeroom.staff_no, "password": PASSWORD})


def _reset_confirm(school) -> Call:
    return Call(kwargs={"uidb64": "MQ", "token": "set-password"})


def _admin_app(school) -> Call:
    return Call(kwargs={"app_label": "schoolops"})


def _admin_password(school) -> Call:
    return Call(kwargs={"id": school.teacher.user.pk})


def _view_on_site(school) -> Call:
    from django.contrib.contenttypes.models import ContentType

    ct = ContentType.objects.get_for_model(Student)
    return Call(kwargs={"content_type_id": ct.pk, "object_id": school.student_a.pk})


ADMIN_USERS = ("principal", "academic", "office")
NOT_ADMIN = {actor: LOGIN for actor in ACTORS if actor not in ADMIN_USERS}
NOT_ADMIN["terminal"] = TERMINAL_DEFAULT
ADMIN_BOUNCE = dict.fromkeys((actor for actor in NOT_ADMIN if actor != "terminal"), REDIRECT)


def admin_row(staff_status: Expected, **cells: Expected) -> dict[str, Expected]:
    row = dict(NOT_ADMIN)
    row.update(dict.fromkeys(ADMIN_USERS, staff_status))
    row.update(cells)
    return row


def _sheet_kind(model_name: str) -> str:
    from django.apps import apps
    from django.contrib import admin

    return admin.site._registry[apps.get_model("schoolops", model_name)].sheet_kind


def _sheet_upload(model_name: str) -> Callable[[Any], Call]:
    """The cast's own export of the kind: a valid sheet (the hostile uploads start from it)."""

    def build(school) -> Call:
        import io

        from schoolops.sheets import engine

        kind = _sheet_kind(model_name)
        if model_name == "examresult":
            _exam_result(school)
        buffer = io.BytesIO()
        engine.export_file(kind, buffer, user=school.principal.user)
        return Call(files={"file": (f"{kind}.xlsx", buffer.getvalue())})

    return build


def _import_record(model_name: str, as_kwargs: bool) -> Callable[[Any], Call]:
    """An import record of the office's own (others' records are a 404)."""

    def build(school) -> Call:
        record = ImportRecord.objects.create(
            kind=_sheet_kind(model_name), file_name="名单.xlsx", user=school.office.user
        )
        if as_kwargs:
            return Call(kwargs={"record_id": record.pk})
        return Call(data={"record": str(record.pk)})

    return build


# The roster's sheets in the admin: office staff import and export; the principal's office
# reads the roster but does not import (403); other posts have no admin (login). 教导处 also
# imports and exports the sheets that name homeroom teachers, posts and teachers of classes
# (only the principal's office sets those: schoolops.privileges); the office's own import
# record is a 404 to it.
ROSTER_SHEET_MODELS = ("schoolclass", "staff", "teachingassignment", "student", "examresult")
GRANT_SHEET_MODELS = ("schoolclass", "staff", "teachingassignment")


def _roster_sheet_routes() -> list[Route]:
    routes = []
    for model_name in ROSTER_SHEET_MODELS:
        academic = model_name in GRANT_SHEET_MODELS
        office_only = admin_row(403, office=OK, **({"academic": OK} if academic else {}))
        office_redirect = admin_row(
            403, office=REDIRECT, **({"academic": REDIRECT} if academic else {})
        )
        office_record = admin_row(403, office=OK, **({"academic": 404} if academic else {}))
        office_process = admin_row(403, office=REDIRECT, **({"academic": 404} if academic else {}))
        prefix = f"admin:schoolops_{model_name}"
        routes += [
            Route(f"{prefix}_import_template", expect=office_only),
            Route(f"{prefix}_import", expect=office_only),
            Route(
                f"{prefix}_import",
                method="post",
                build=_sheet_upload(model_name),
                uploads=True,
                expect=office_redirect,
            ),
            Route(
                f"{prefix}_import_record",
                build=_import_record(model_name, as_kwargs=True),
                expect=office_record,
            ),
            # A second check of the record's file (none here: back to the record).
            Route(
                f"{prefix}_import_record",
                method="post",
                build=_import_record(model_name, as_kwargs=True),
                expect=office_process,
            ),
            Route(
                f"{prefix}_process_import",
                method="post",
                build=_import_record(model_name, as_kwargs=False),
                expect=office_process,
            ),
            Route(
                f"{prefix}_process_import",
                id=f"{prefix}_process_import:get",
                expect=admin_row(405),
                fuzz=False,
            ),
            Route(f"{prefix}_export", expect=office_only),
        ]
    return routes


ROUTES: list[Route] = [
    # schoolops pages
    Route("home", expect=staff_page()),
    Route("schoolops:class_list", expect=staff_page()),
    Route("schoolops:class_detail", build=_class_a, expect=CLASS_A_VIEWERS),
    Route("schoolops:student_search", expect=staff_page()),
    Route("schoolops:student_detail", build=_student_a, expect=CLASS_A_VIEWERS),
    # Minors' data: only the principal's office reads the log and everything held on a student.
    Route("schoolops:student_records", build=_student_a, expect=PRINCIPALS_OFFICE),
    Route("schoolops:student_records_xlsx", build=_student_a, expect=PRINCIPALS_OFFICE),
    Route("schoolops:read_log", expect=PRINCIPALS_OFFICE),
    Route("schoolops:read_log_xlsx", expect=PRINCIPALS_OFFICE),
    # The term-end evaluation: every member of staff opens it (their own card, their classes);
    # the academic office builds it, nominates, selects and publishes; a class's keepers read
    # its evaluation and its homeroom teacher nominates its families and parents.
    Route("schoolops:evaluation", expect=staff_page()),
    Route(
        "schoolops:evaluation",
        method="post",
        expect=expect(403, anonymous=LOGIN, academic=REDIRECT),
    ),
    Route(
        "schoolops:evaluation_class",
        build=_family_nomination,
        expect=expect(404, anonymous=LOGIN, homeroom=OK, grade_head=OK, principal=OK, academic=OK),
    ),
    Route(
        "schoolops:evaluation_class",
        method="post",
        build=_family_nomination,
        expect=expect(
            404, anonymous=LOGIN, homeroom=REDIRECT, grade_head=403, principal=403, academic=403
        ),
    ),
    Route("schoolops:evaluation_teacher", build=_teacher_card, expect=PRINCIPALS_OFFICE),
    Route("schoolops:evaluation_awards", expect=PRINCIPALS_OFFICE),
    Route(
        "schoolops:evaluation_awards",
        method="post",
        build=_nominate_class_a,
        expect=expect(403, anonymous=LOGIN, academic=REDIRECT),
    ),
    Route(
        "schoolops:evaluation_awards",
        id="schoolops:evaluation_awards:select",
        method="post",
        build=_select_nomination,
        expect=expect(403, anonymous=LOGIN, academic=REDIRECT),
    ),
    Route(
        "schoolops:evaluation_awards",
        id="schoolops:evaluation_awards:publish",
        method="post",
        build=_publish_classes,
        expect=expect(403, anonymous=LOGIN, academic=REDIRECT),
    ),
    Route("schoolops:evaluation_honours", expect=staff_page()),
    Route("schoolops:evaluation_xlsx", expect=PRINCIPALS_OFFICE),
    # A background export answers only whoever asked for it (here the principal).
    Route(
        "schoolops:export_status",
        build=_export_of_the_principal,
        expect=expect(404, anonymous=LOGIN, principal=OK),
    ),
    Route(
        "schoolops:export_download",
        build=_export_of_the_principal,
        expect=expect(404, anonymous=LOGIN, principal=OK),
    ),
    # auth
    Route("login", expect=expect(OK)),
    Route("login", method="post", build=_login, expect=expect(REDIRECT)),
    Route("logout", expect=expect(405), fuzz=False),
    # Logging out lands on the login page (no ?next=).
    Route("logout", method="post", expect=expect(REDIRECT), fuzz=False),
    Route("password_change", expect=staff_page()),
    Route(
        "password_change",
        method="post",
        build=_password_change,
        expect=expect(REDIRECT, anonymous=LOGIN),
    ),
    Route("password_change_done", expect=staff_page()),
    Route("password_reset", expect=expect(OK)),
    Route(
        "password_reset",
        method="post",
        build=lambda school: Call(data={"email": "nobody@example.com"}),
        expect=expect(REDIRECT),
    ),
    Route("password_reset_done", expect=expect(OK)),
    # An invalid link shows "this link is no longer valid".
    Route("password_reset_confirm", build=_reset_confirm, expect=expect(OK)),
    Route("password_reset_complete", expect=expect(OK)),
    # i18n
    Route(
        "set_language",
        method="post",
        build=lambda school: Call(data={"language": "en", "next": "/"}),
        expect=expect(REDIRECT),
    ),
    Route("set_language", id="set_language:get", expect=expect(REDIRECT), fuzz=False),
    Route("javascript-catalog", expect=expect(OK)),
    # The admin site (model pages follow the admin rule)
    Route("admin:index", expect=admin_row(OK)),
    # A logged-in account without the admin sees the admin login ("not authorised").
    Route(
        "admin:login",
        expect=admin_row(REDIRECT, **{a: OK for a in NOT_ADMIN if a != "terminal"}),
    ),
    # The admin's logout sends accounts without the admin back to its index (then login).
    Route("admin:logout", expect=admin_row(405, **ADMIN_BOUNCE), fuzz=False),
    Route("admin:logout", method="post", expect=expect(REDIRECT), fuzz=False),
    Route("admin:password_change", expect=admin_row(OK)),
    Route("admin:password_change_done", expect=admin_row(OK)),
    # Without its query parameters the autocomplete refuses.
    Route("admin:autocomplete", expect=admin_row(403)),
    Route("admin:jsi18n", expect=admin_row(OK)),
    # Student has no get_absolute_url: "has no view on site".
    Route("admin:view_on_site", build=_view_on_site, expect=admin_row(404)),
    Route("admin:app_list", build=_admin_app, expect=admin_row(OK)),
    # Only superusers may change another account's password.
    Route("admin:auth_user_password_change", build=_admin_password, expect=admin_row(403)),
    *_roster_sheet_routes(),
]


def _task_result(school):
    from django.utils import timezone

    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.create(
        args_kwargs={"args": [], "kwargs": {}},
        task_path="schoolops.tasks.nothing",
        backend_name="default",
        run_after=timezone.now(),
    )


def _access_attempt(school):
    from axes.models import AccessAttempt

    return AccessAttempt.objects.create(
        username="T1001", ip_address="127.0.0.1", user_agent="test", failures_since_start=1
    )


def _access_log(school):
    from axes.models import AccessLog

    return AccessLog.objects.create(username="T1001", ip_address="127.0.0.1", user_agent="t")


def _access_failure(school):
    from axes.models import AccessFailureLog

    return AccessFailureLog.objects.create(
        username="T1001", ip_address="127.0.0.1", user_agent="t", locked_out=False
    )


def _privilege_change(school):
    from schoolops.models import PrivilegeChange

    return PrivilegeChange.objects.create(
        kind=PrivilegeChange.Kind.HOMEROOM,
        account=school.homeroom.user,
        whose="T1001 王老师",
        what="七年级(1)班",
        after="T1001 王老师",
        source=PrivilegeChange.Source.ADMIN,
    )


def _exam_result(school):
    exam = Exam.objects.create(name="期中考试", date=school.term.start_date)
    return ExamResult.objects.create(
        student=school.student_a, exam=exam, subject=school.maths, score=90
    )


ADMIN_OBJECTS: dict[str, Callable[[Any], Any]] = {
    "schoolops.school": lambda school: School.objects.get_or_create(name="育才实验中学")[0],
    "schoolops.academicyear": lambda school: school.year,
    "schoolops.term": lambda school: school.term,
    "schoolops.grade": lambda school: school.grade7,
    "schoolops.subject": lambda school: school.maths,
    "schoolops.schoolclass": lambda school: school.class_a,
    "schoolops.staff": lambda school: school.teacher,
    "schoolops.teachingassignment": lambda school: TeachingAssignment.objects.filter(
        school_class=school.class_a
    ).first(),
    "schoolops.student": lambda school: school.student_a,
    "schoolops.exam": lambda school: Exam.objects.create(name="月考", date=school.term.start_date),
    "schoolops.examresult": _exam_result,
    "schoolops.holidayweek": lambda school: HolidayWeek.objects.create(
        term=school.term, monday=school.term.start_date
    ),
    "schoolops.importrecord": lambda school: ImportRecord.objects.create(
        kind="students", file_name="学生名单.xlsx", user=school.office.user
    ),
    "schoolops.importtemplate": lambda school: ImportTemplate.objects.create(
        kind="exams", name="七天网络成绩单", mapping={"考号": ""}, created_by=school.office.user
    ),
    "schoolops.subjectalias": lambda school: SubjectAlias.objects.get_or_create(
        alias="道法", defaults={"subject": "道德与法治"}
    )[0],
    "schoolops.readlog": lambda school: ReadLog.objects.create(
        user=school.homeroom.user,
        student=school.student_a,
        what="consult:student_ledger",
        categories="ledger",
    ),
    "schoolops.purgerecord": lambda school: PurgeRecord.objects.create(
        run_by="purge_expired (test)", left_before=school.term.start_date
    ),
    "schoolops.guardianrequest": lambda school: GuardianRequest.objects.create(
        student=school.student_a, kind=GuardianRequest.Kind.ACCESS, asked="查阅全部记录"
    ),
    # Read-only, for the principal's office (its posts' view permission): the admin rule.
    "schoolops.privilegechange": _privilege_change,
    "schoolops.evaluationweight": lambda school: EvaluationWeight.objects.create(
        level="class", key="consult.score", weight=40
    ),
    "schoolops.awardnomination": _class_a_nomination,
    "schoolops.awardpublication": lambda school: AwardPublication.objects.create(
        term=school.term, category="class", published_by=school.academic.user
    ),
    "schoolops.evaluationsnapshot": _built_evaluation,
    "auth.group": lambda school: Group.objects.get(name="班主任"),
    "auth.user": lambda school: User.objects.get(pk=school.teacher.user_id),
    "django_tasks_database.dbtaskresult": _task_result,
    "axes.accessattempt": _access_attempt,
    "axes.accesslog": _access_log,
    "axes.accessfailurelog": _access_failure,
}

# Third-party admins that are read-only by design: axes' logs cannot be added by hand and
# django-tasks' results are written by the worker.
ADMIN_OVERRIDES: dict[str, dict[str, Expected]] = {
    # The import history is read-only and open to the principal's office and the importers.
    **{
        f"admin:schoolops_importrecord_{view}": dict.fromkeys(ADMIN_USERS, OK)
        for view in ("changelist", "change", "history")
    },
    "admin:axes_accessattempt_add": dict.fromkeys(ADMIN_USERS, 403),
    "admin:axes_accesslog_add": dict.fromkeys(ADMIN_USERS, 403),
    "admin:axes_accessfailurelog_add": dict.fromkeys(ADMIN_USERS, 403),
    "admin:django_tasks_database_dbtaskresult_add": dict.fromkeys(ADMIN_USERS, 403),
}

__all__ = [
    "ACTORS",
    "ADMIN_OBJECTS",
    "ADMIN_OVERRIDES",
    "CLASS_A_VIEWERS",
    "LOGIN",
    "OK",
    "REDIRECT",
    "ROUTES",
    "STAFF_ACTORS",
    "TERMINAL_DEFAULT",
    "TERMINAL_REFUSED",
    "Call",
    "Route",
    "admin_row",
    "expect",
    "staff_page",
]
