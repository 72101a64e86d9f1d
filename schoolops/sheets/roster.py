"""The roster's five kinds: classes, staff, assignments, students and exams.

Rules shared by all five: the current academic year is the one written to (created from the
default calendar on a fresh database); rows are matched by their natural key (学籍号, 工号,
grade + class, class + subject, student + exam + subject) so re-importing a file changes
nothing; nothing is ever deleted; a blank optional cell keeps what the roster already holds.

Who may write what (``schoolops.privileges``): homeroom teachers, privileged posts and
passwords are set by the principal's office (校长, 副校长, 教导处) or the command line. An
import by anyone else (office staff) that would set or change a homeroom teacher, give or take
a privileged post, change the importer's own posts or touch the importer's own teaching
assignments is refused, row by row. Every post, homeroom and password an import sets is
recorded as a ``PrivilegeChange``.

Staff accounts: the username is the 工号. New accounts of one import by the principal's office
(or the command line) share one random initial password, generated when the import is
confirmed and shown once to the person importing (the command prints it, the admin shows it in
its message); it is hashed once, which keeps a 200-row staff file fast with a strong hasher,
and ``Staff.must_change_password`` makes every new account choose its own password at first
login. New accounts of an office import get no usable password: the principal's office issues
their initial passwords later (``services.issue_initial_passwords``, an action of the staff
list), and office staff never see one. Existing accounts keep their password.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db.models import Prefetch
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from schoolops import privacy, privileges
from schoolops.models import (
    AcademicYear,
    Grade,
    Post,
    SchoolClass,
    Staff,
    Student,
    Subject,
    TeachingAssignment,
)
from schoolops.scopes import Scope
from schoolops.services import set_posts
from schoolops.sheets import national, parsers
from schoolops.sheets.base import (
    CellError,
    Column,
    Counts,
    ExportSheet,
    ImportSheet,
    Row,
    RowError,
)
from schoolops.sheets.engine import bulk_insert
from schoolops.sheets.exams import ExamsSheet
from schoolops.signals import send_roster_changed_on_commit

GRADE_NAMES = {
    1: "一年级",
    2: "二年级",
    3: "三年级",
    4: "四年级",
    5: "五年级",
    6: "六年级",
    7: "七年级",
    8: "八年级",
    9: "九年级",
    10: "高一",
    11: "高二",
    12: "高三",
}

GENDER_WRITTEN = {"M": "男", "F": "女"}  # exports write what the office types, in any language


POST_ALIASES = {
    "校长": Post.PRINCIPAL,
    "副校长": Post.VICE_PRINCIPAL,
    "教导处": Post.ACADEMIC_OFFICE,
    "教导主任": Post.ACADEMIC_OFFICE,
    "教务处": Post.ACADEMIC_OFFICE,
    "级部主任": Post.GRADE_HEAD,
    "年级主任": Post.GRADE_HEAD,
    "班主任": Post.HOMEROOM,
    "任课教师": Post.SUBJECT_TEACHER,
    "任课老师": Post.SUBJECT_TEACHER,
    "教师": Post.SUBJECT_TEACHER,
    "心理教师": Post.PSYCHOLOGY,
    "心理老师": Post.PSYCHOLOGY,
    "办公室": Post.OFFICE,
}


def posts(value: Any) -> list[str]:
    """Posts joined by 、 or ，: 班主任、任课教师."""
    found = []
    for part in parsers.split_list(value):
        post = POST_ALIASES.get(part)
        if post is None:
            raise CellError(
                _("Unknown post %(post)s. Posts: %(posts)s.")
                % {"post": part, "posts": "、".join(Post.values)}
            )
        if str(post) not in found:
            found.append(str(post))
    return found


def class_label(school_class: SchoolClass) -> str:
    return f"({school_class.number})班"


def _restricted(user: Any) -> bool:
    """An import by a person who may not grant scope (office staff): see the module docstring."""
    return user is not None and not privileges.may_grant(Scope(user))


def _own_staff(user: Any) -> Staff | None:
    return Staff.objects.filter(user=user).first() if user is not None else None


def _scope(user: Any) -> Scope | None:
    """The exporting person's scope; None on the command line (the whole school)."""
    if user is None or user.is_superuser:
        return None
    return Scope(user)


GRADE = Column(
    "grade",
    "年级",
    parsers.grade_level,
    required=True,
    aliases=("级部",),
    show=lambda level: GRADE_NAMES.get(level, str(level)),
)
CLASS = Column("class_name", "班级", parsers.class_name, required=True, aliases=("班", "班别"))
STUDENT_NO = Column(
    "student_no",
    "学籍号",
    parsers.text_id,
    required=True,
    aliases=("学号", "学籍编号", "学生学籍号", "全国学籍号"),
    text_format=True,
    width=16,
)
STAFF_NO = Column(
    "staff_no",
    "工号",
    parsers.text_id,
    required=True,
    aliases=("教师工号", "职工号", "教职工号"),
    text_format=True,
)


class ClassesSheet(ImportSheet, ExportSheet):
    kind = "classes"
    title = gettext_lazy("Class list")
    filename = "班级.xlsx"
    permission = "schoolops.import_schoolclass"
    export_permission = "schoolops.export_schoolclass"
    columns = [
        GRADE,
        CLASS,
        Column(
            "homeroom_no",
            "班主任工号",
            parsers.text_id,
            aliases=("班主任",),
            text_format=True,
        ),
    ]

    def unique_keys(self) -> tuple[str, ...]:
        return ("class_name", "grade")

    def prepare(self) -> None:
        self.restricted = _restricted(self.user)
        self.own_staff = _own_staff(self.user) if self.restricted else None

    def clean_row(self, row: Row) -> Row:
        name = row["class_name"]
        if name.level is not None and name.level != row["grade"]:
            raise CellError(_("The class names another grade than the grade column."), "class_name")
        row.data["class_name"] = parsers.ClassName(None, name.number)
        if row["homeroom_no"]:
            homeroom = self.lookups.staff(row["homeroom_no"], "homeroom_no")
            row.data["homeroom"] = homeroom
            if self.restricted:
                current = self.lookups.classes_by_key.get((row["grade"], name.number))
                if current is None or current.homeroom_teacher_id != homeroom.pk:
                    if self.own_staff is not None and homeroom.pk == self.own_staff.pk:
                        raise CellError(
                            _("You cannot make yourself the homeroom teacher of a class."),
                            "homeroom_no",
                        )
                    raise CellError(
                        _(
                            "Only the principal's office (校长, 副校长, 教导处) sets a class's "
                            "homeroom teacher. Leave the cell blank or as it is."
                        ),
                        "homeroom_no",
                    )
        return row

    def apply(self, rows: list[Row]) -> Counts:
        with privileges.acting(self.user, privileges.import_source(self.user)):
            return self._apply(rows)

    def _apply(self, rows: list[Row]) -> Counts:
        lookups = self.lookups
        year = lookups.year
        new_grades = [
            Grade(level=level, name=GRADE_NAMES[level])
            for level in sorted({row["grade"] for row in rows})
            if level not in lookups.grades_by_level
        ]
        taken = set(Grade.objects.values_list("name", flat=True))
        for grade in new_grades:
            if grade.name in taken:
                grade.name = f"{grade.name}({grade.level})"
        Grade.objects.bulk_create(new_grades)
        grades = {g.level: g for g in Grade.objects.all()}
        existing = lookups.classes_by_key
        counts = Counts()
        to_create, to_update = [], []
        homerooms_before: list[tuple[SchoolClass, int | None]] = []  # what the record says
        for row in rows:
            key = (row["grade"], row["class_name"].number)
            homeroom = row.get("homeroom")
            current = existing.get(key)
            if current is None:
                school_class = SchoolClass(
                    academic_year=year,
                    grade=grades[row["grade"]],
                    number=key[1],
                    homeroom_teacher=homeroom,
                )
                to_create.append(school_class)
                if homeroom is not None:
                    homerooms_before.append((school_class, None))
                counts.new += 1
            elif homeroom is not None and current.homeroom_teacher_id != homeroom.pk:
                homerooms_before.append((current, current.homeroom_teacher_id))
                current.homeroom_teacher = homeroom
                to_update.append(current)
                counts.changed += 1
            else:
                counts.unchanged += 1
        SchoolClass.objects.bulk_create(to_create)
        SchoolClass.objects.bulk_update(to_update, ["homeroom_teacher"])
        if homerooms_before:
            staff_by_pk = {s.pk: s for s in lookups.staff_by_no.values()}
            privileges.record(
                privileges.homeroom_change(
                    school_class,
                    staff_by_pk.get(before_id) if before_id else None,
                    school_class.homeroom_teacher,
                )
                for school_class, before_id in homerooms_before
            )
        send_roster_changed_on_commit(
            type(self),
            self.kind,
            staff_ids={c.homeroom_teacher_id for c in to_update if c.homeroom_teacher_id},
        )
        return counts

    def rows(self, **options: Any) -> Iterable[Sequence[Any]]:
        scope = _scope(self.user)
        qs = (scope.classes() if scope else SchoolClass.objects).filter(
            academic_year=AcademicYear.current()
        )
        for school_class in qs.select_related("grade", "homeroom_teacher").order_by(
            "grade__level", "number"
        ):
            teacher = school_class.homeroom_teacher
            yield [
                school_class.grade.name,
                class_label(school_class),
                teacher.staff_no if teacher else "",
            ]


STAFF_FIELDS = ("name", "gender", "phone", "status")


class StaffSheet(ImportSheet, ExportSheet):
    """The staff: our template, and the national teacher information template as it is
    (``schoolops.sheets.national``): no 手机 and no 岗位 there, so its staff load with no
    post; 人员状态 other than 在岗 or 在职 marks someone as left."""

    kind = "staff"
    title = gettext_lazy("Staff list")
    filename = "教职工.xlsx"
    permission = "schoolops.import_staff"
    export_permission = "schoolops.export_staff"
    columns = [
        STAFF_NO,
        Column("name", "姓名", parsers.name, required=True, aliases=("教师姓名",)),
        Column("gender", "性别", parsers.gender, show=GENDER_WRITTEN.get),
        Column("phone", "手机", parsers.phone, aliases=("手机号", "手机号码", "电话", "联系电话")),
        Column("posts", "岗位", posts, aliases=("职务",), width=24),
    ]
    layout_columns = national.STAFF_COLUMNS

    def unique_keys(self) -> tuple[str, ...]:
        return ("staff_no",)

    def recognise(self, found: dict[str, int], labels: list[str]) -> None:
        # The national template: 教职工号 for the 工号, 人员状态, no 手机 and no 岗位.
        if labels[found["staff_no"]] == "教职工号" or "status" in found:
            self.layout = national.TEACHER_TEMPLATE
        else:
            super().recognise(found, labels)

    def prepare(self) -> None:
        # Nobody changes their own posts through a sheet, not even the principal's office;
        # office staff give and take no privileged post (``Post.privileged()``) at all.
        self.restricted = _restricted(self.user)
        own = _own_staff(self.user)
        self.own_staff_no = own.staff_no if own is not None else None
        self.current_posts: dict[str, set[str]] = {}
        if self.user is not None and not self.user.is_superuser:
            for staff_no, post in Staff.objects.values_list("staff_no", "user__groups__name"):
                posts_of = self.current_posts.setdefault(staff_no, set())
                if post:
                    posts_of.add(post)

    def clean_row(self, row: Row) -> Row:
        if self.user is None or self.user.is_superuser or not row["posts"]:
            return row
        before_all = self.current_posts.get(row["staff_no"], set())
        if row["staff_no"] == self.own_staff_no and set(row["posts"]) != before_all:
            raise CellError(_("You cannot change your own posts."), "posts")
        if self.restricted:
            before = before_all & Post.privileged()
            after = set(row["posts"]) & Post.privileged()
            if before != after:
                raise CellError(
                    _(
                        "Only the principal's office (校长, 副校长, 教导处) gives or takes away "
                        "the posts %(posts)s."
                    )
                    % {"posts": "、".join(sorted(before ^ after))},
                    "posts",
                )
        return row

    def apply(self, rows: list[Row]) -> Counts:
        with privileges.acting(self.user, privileges.import_source(self.user)):
            return self._apply(rows)

    def _apply(self, rows: list[Row]) -> Counts:
        User = get_user_model()
        existing = {
            s.staff_no: s
            for s in Staff.objects.select_related("user").prefetch_related(Prefetch("user__groups"))
        }
        counts = Counts()
        new_rows = [r for r in rows if r["staff_no"] not in existing]
        # A login without a staff profile (an administrator's) is linked, password untouched.
        users_by_name = {
            u.username: u
            for u in User.objects.filter(
                username__in=[r["staff_no"] for r in new_rows], staff__isnull=True
            )
        }
        created = {r["staff_no"] for r in new_rows if r["staff_no"] not in users_by_name}
        # Someone who has left (人员状态 退休, 调出…) gets an account for the records, never a
        # password: only those in post are given one.
        issued = {
            r["staff_no"]
            for r in new_rows
            if r["staff_no"] in created and r["status"] != Staff.Status.LEFT
        }
        no_password = make_password(None)
        password_hash = no_password
        if issued and self.restricted:
            # Office staff never see a password: the principal's office issues them.
            self.notice = _(
                "The %(count)s new accounts have no password yet: the principal's office "
                "(校长, 副校长, 教导处) issues their initial passwords (staff list, action "
                "“Issue initial passwords”)."
            ) % {"count": len(issued)}
        elif issued:
            initial_password = secrets.token_urlsafe(8)
            password_hash = make_password(initial_password)
            self.notice = _(
                "The %(count)s new accounts have the initial password %(password)s: give it "
                "to them; each must choose a new password at first login. It is not shown again."
            ) % {"count": len(issued), "password": initial_password}
        if created:
            User.objects.bulk_create(
                [
                    User(username=no, password=password_hash if no in issued else no_password)
                    for no in sorted(created)
                ]
            )
            users_by_name.update((u.username, u) for u in User.objects.filter(username__in=created))
        new_staff = Staff.objects.bulk_create(
            [
                Staff(
                    user=users_by_name[r["staff_no"]],
                    staff_no=r["staff_no"],
                    name=r["name"],
                    gender=r["gender"] or "",
                    phone=r["phone"] or "",
                    status=r["status"] or Staff.Status.ACTIVE,
                    must_change_password=r["staff_no"] in issued,
                )
                for r in new_rows
            ]
        )
        if not self.restricted:
            privileges.record(
                privileges.password_change(s) for s in new_staff if s.staff_no in issued
            )
        counts.new = len(new_rows)
        for r in new_rows:
            if r["posts"]:
                set_posts(users_by_name[r["staff_no"]], r["posts"])
        to_update = []
        for r in rows:
            staff = existing.get(r["staff_no"])
            if staff is None:
                continue
            changed = False
            for field in STAFF_FIELDS:
                value = r[field]
                if value and getattr(staff, field) != value:
                    self.note_change(r.line, field, getattr(staff, field), value)
                    setattr(staff, field, value)
                    changed = True
            if changed:
                to_update.append(staff)
            current_posts = {g.name for g in staff.user.groups.all()}
            if r["posts"] and set(r["posts"]) != current_posts:
                self.note_change(r.line, "posts", sorted(current_posts), r["posts"])
                set_posts(staff.user, r["posts"])
                changed = True
            if changed:
                counts.changed += 1
            else:
                counts.unchanged += 1
        Staff.objects.bulk_update(to_update, list(STAFF_FIELDS))
        return counts

    def rows(self, **options: Any) -> Iterable[Sequence[Any]]:
        qs = Staff.objects.select_related("user").prefetch_related("user__groups")
        for staff in qs.order_by("staff_no"):
            yield [
                staff.staff_no,
                staff.name,
                GENDER_WRITTEN.get(staff.gender, ""),
                staff.phone,
                "、".join(sorted(g.name for g in staff.user.groups.all())),
            ]


class AssignmentsSheet(ImportSheet, ExportSheet):
    kind = "assignments"
    title = gettext_lazy("Teaching assignment list")
    filename = "任课.xlsx"
    permission = "schoolops.import_teachingassignment"
    export_permission = "schoolops.export_teachingassignment"
    columns = [
        STAFF_NO,
        GRADE,
        CLASS,
        Column(
            "subject",
            "学科",
            parsers.text,
            required=True,
            aliases=("科目", "任教学科"),
            max_length=20,
        ),
    ]

    def prepare(self) -> None:
        # Office staff never give themselves a class, nor hand their own on.
        self.own_staff = _own_staff(self.user) if _restricted(self.user) else None
        self.own_assignments: set[tuple[int, str]] = set()
        if self.own_staff is not None:
            self.own_assignments = set(
                TeachingAssignment.objects.filter(
                    staff=self.own_staff, school_class__academic_year=self.lookups.year
                ).values_list("school_class_id", "subject__name")
            )

    def clean_row(self, row: Row) -> Row:
        row.data["staff"] = self.lookups.staff(row["staff_no"], "staff_no")
        row.data["school_class"] = self.lookups.school_class(
            row["grade"], row["class_name"], "class_name"
        )
        if self.own_staff is not None:
            names_me = row["staff"].pk == self.own_staff.pk
            mine_now = (row["school_class"].pk, row["subject"]) in self.own_assignments
            if names_me and not mine_now:
                raise CellError(_("You cannot give yourself a teaching assignment."), "staff_no")
            if mine_now and not names_me:
                raise CellError(
                    _("This row hands your own teaching assignment to another teacher."),
                    "staff_no",
                )
        return row

    def check(self, rows: list[Row]) -> None:
        seen: dict[tuple[int, str], int] = {}
        for row in rows:
            key = (row["school_class"].pk, row["subject"])
            if key in seen:
                self.add_error(
                    row.line,
                    "subject",
                    _("Repeats row %(line)s: a class has one teacher per subject.")
                    % {"line": seen[key]},
                )
            else:
                seen[key] = row.line

    def apply(self, rows: list[Row]) -> Counts:
        subjects = self.lookups.subjects_by_name
        missing = sorted({r["subject"] for r in rows} - set(subjects))
        if missing:
            # The assignments file is the list of what the school teaches.
            Subject.objects.bulk_create([Subject(name=name, order=99) for name in missing])
            subjects = {s.name: s for s in Subject.objects.all()}
        existing = {
            (a.school_class_id, a.subject_id): a
            for a in TeachingAssignment.objects.filter(
                school_class__academic_year=self.lookups.year
            )
        }
        counts = Counts()
        to_create, to_update = [], []
        handed_over: set[int] = set()
        for row in rows:
            subject = subjects[row["subject"]]
            current = existing.get((row["school_class"].pk, subject.pk))
            if current is None:
                to_create.append(
                    TeachingAssignment(
                        staff=row["staff"], school_class=row["school_class"], subject=subject
                    )
                )
                counts.new += 1
            elif current.staff_id != row["staff"].pk:
                handed_over.update((current.staff_id, row["staff"].pk))
                current.staff = row["staff"]
                to_update.append(current)
                counts.changed += 1
            else:
                counts.unchanged += 1
        TeachingAssignment.objects.bulk_create(to_create)
        TeachingAssignment.objects.bulk_update(to_update, ["staff"])
        send_roster_changed_on_commit(type(self), self.kind, staff_ids=handed_over)
        return counts

    def rows(self, **options: Any) -> Iterable[Sequence[Any]]:
        scope = _scope(self.user)
        qs = TeachingAssignment.objects.filter(
            school_class__academic_year=AcademicYear.current()
        ).select_related("staff", "school_class__grade", "subject")
        if scope is not None:
            qs = qs.filter(school_class__in=scope.classes().values("pk"))
        for a in qs.order_by(
            "school_class__grade__level", "school_class__number", "subject__order"
        ):
            yield [
                a.staff.staff_no,
                a.school_class.grade.name,
                class_label(a.school_class),
                a.subject.name,
            ]


def grade_shown(grade: int | parsers.Cohort) -> str:
    """七年级, or 2025级 for a cohort (a leaver's row, whose grade is not looked up)."""
    if isinstance(grade, parsers.Cohort):
        return f"{grade.year}级"
    return GRADE_NAMES.get(grade, str(grade))


STUDENT_FIELDS = (
    "name",
    "gender",
    "birth_date",
    "school_class_id",
    "guardian_name",
    "guardian_phone",
    "status",
)
GUARDIAN_FIELDS = ("guardian_name", "guardian_phone")
# The column a changed field shows under in the preview (before → after).
CHANGED_COLUMN = {"school_class_id": "class_name"}


class StudentsSheet(ImportSheet, ExportSheet):
    """The students: our template, and as they are the registry's export, its family sheet
    and a short roster with the class written 703 (``schoolops.sheets.national``).

    The layout is told by the header: a 全国学籍号 column, family members or 学籍状态 make the
    registry's export (the 学籍号 must then be a national one); family members without 性别
    a family sheet, which only updates the guardians of students on the roster; no 年级 column
    a short roster, whose classes say their grade (七年级(3)班, 703, 2025级3班).
    """

    kind = "students"
    title = gettext_lazy("Student roster")
    filename = "学生名单.xlsx"
    permission = "schoolops.import_student"
    export_permission = "schoolops.export_student"
    columns = [
        STUDENT_NO,
        Column("name", "姓名", parsers.name, required=True, aliases=("学生姓名",)),
        # 性别 and 班级 are needed on a roster, not on a family sheet (``match_header``).
        Column("gender", "性别", parsers.gender, required=True, show=GENDER_WRITTEN.get),
        Column("birth_date", "出生日期", parsers.birth_date, aliases=("出生年月", "生日")),
        Column(
            "grade",
            "年级",
            parsers.grade_or_cohort,
            aliases=("级部",),
            show=grade_shown,
        ),
        Column(
            "class_name",
            "班级",
            parsers.class_in_cohort,
            required=True,
            aliases=("班", "班别", "班级名称"),
        ),
        Column("guardian_name", "家长姓名", parsers.name, aliases=("监护人", "监护人姓名")),
        Column(
            "guardian_phone",
            "家长电话",
            parsers.contact_phone,
            aliases=("家长手机", "监护人电话", "联系电话"),
            width=16,
            sensitive=True,
            max_length=20,
        ),
    ]
    layout_columns = national.STUDENT_COLUMNS

    def __init__(self, user: Any = None) -> None:
        super().__init__(user)
        self.national_numbers = False  # the 学籍号 column is 全国学籍号: checked as such
        self.has_grade = True
        self.family_only = False
        self.names_by_no: dict[str, str] = {}

    def unique_keys(self) -> tuple[str, ...]:
        return ("student_no",)

    def match_header(self, found: dict[str, int], labels: list[str]) -> list[str]:
        # A family sheet needs no 性别 or 班级; on a roster, a class may say its grade
        # (七年级(3)班, 703), so 年级 is missing only with the class.
        if "gender" not in found and national.has_members(found):
            needed = {"student_no", "name"}
        else:
            needed = {"student_no", "name", "gender", "class_name"}
            if "class_name" not in found:
                needed.add("grade")
        return [c.header for c in self.columns if c.key in needed and c.key not in found]

    def recognise(self, found: dict[str, int], labels: list[str]) -> None:
        self.national_numbers = labels[found["student_no"]] == national.NATIONAL_NO_HEADER
        self.has_grade = "grade" in found
        self.family_only = "gender" not in found and national.has_members(found)
        if self.family_only:
            self.layout = national.FAMILY
        elif self.national_numbers or national.has_members(found) or "status" in found:
            self.layout = national.REGISTRY
        elif not self.has_grade:
            self.layout = national.SHORT
        else:
            super().recognise(found, labels)

    def prepare(self) -> None:
        # A family sheet names each student twice: both must agree with the roster.
        if self.family_only:
            self.names_by_no = dict(Student.objects.values_list("student_no", "name"))

    def clean_row(self, row: Row) -> Row | None:
        if self.national_numbers:
            try:
                row.data["student_no"] = parsers.national_student_no(row["student_no"])
            except CellError as error:
                raise CellError(error.message, "student_no") from None
        if national.has_members(row.data):
            row.data["guardian_name"], row.data["guardian_phone"] = national.guardian(row)
        if self.family_only:
            return self._clean_family_row(row)
        status = row.get("status")
        if status not in (None, Student.Status.IN_SCHOOL):
            # Only the status of a student who left changes; one not on the roster is not
            # added (the school keeps no data on a child it does not teach).
            if row["student_no"] not in self.lookups.student_ids_by_no:
                self.skipped.append(
                    RowError(
                        row.line,
                        self._header_of["status"],
                        _("Not on the roster and no longer in school: not added."),
                        self.letters.get("status", ""),
                    )
                )
                return None
            return row
        level, name = self._grade_and_class(row)
        row.data["grade"] = level
        row.data["school_class"] = self.lookups.school_class(level, name, "class_name")
        return row

    def _clean_family_row(self, row: Row) -> Row:
        on_roster = self.names_by_no.get(row["student_no"])
        if on_roster is None:
            raise CellError(
                _("No student on the roster has the 学籍号 %(no)s.") % {"no": row["student_no"]},
                "student_no",
            )
        if parsers.name(on_roster) != row["name"]:
            raise CellError(
                _("The roster's student %(no)s is %(roster)s, not %(name)s.")
                % {"no": row["student_no"], "roster": on_roster, "name": row["name"]},
                "name",
            )
        return row

    def _grade_and_class(self, row: Row) -> tuple[int, parsers.ClassName]:
        """The grade level (from 年级, else from the class: 七年级(3)班, 703, 2025级3班) and
        the class as ``Lookups.school_class`` takes it. A 年级 column says the grade of a
        2025级 class; without one, the cohort moves up a grade each school year."""
        grade, name = row.get("grade"), row["class_name"]
        if isinstance(grade, parsers.Cohort):
            grade = self.lookups.cohort_level(grade, "grade")
        if isinstance(name.level, parsers.Cohort):
            if grade is None:
                grade = self.lookups.cohort_level(name.level, "class_name")
            name = parsers.ClassName(None, name.number)
        if grade is not None:
            return grade, name
        if name.level is not None:
            return int(name.level), name
        if self.has_grade:
            raise CellError(_("This cell is empty."), "grade")
        raise CellError(
            _(
                "The class does not say its grade (七年级(3)班, 七(3)班, 703, 2025级3班) and "
                "the sheet has no 年级 column."
            ),
            "class_name",
        )

    def wanted(self, row: Row) -> dict[str, Any]:
        """The fields a row sets; None or "" keeps what the roster holds."""
        if self.family_only:
            return {key: row[key] for key in GUARDIAN_FIELDS}
        status = row.get("status")
        if status not in (None, Student.Status.IN_SCHOOL):
            return {"status": status}
        return {
            "name": row["name"],
            "gender": row["gender"],
            "birth_date": row["birth_date"],
            "school_class_id": row["school_class"].pk,
            "guardian_name": row["guardian_name"],
            "guardian_phone": row["guardian_phone"],
            "status": status,
        }

    def apply(self, rows: list[Row]) -> Counts:
        existing = {
            values[0]: values
            for values in Student.objects.values_list(
                "student_no", "pk", "left_on", *STUDENT_FIELDS
            )
        }
        counts = Counts()
        to_create, to_update = [], []
        changes: list[tuple[int, str, Any, Any]] = []
        for row in rows:
            wanted = self.wanted(row)
            current = existing.get(row["student_no"])
            if current is None:
                to_create.append(
                    {
                        "student_no": row["student_no"],
                        **wanted,
                        "guardian_name": wanted["guardian_name"] or "",
                        "guardian_phone": wanted["guardian_phone"] or "",
                        "status": Student.Status.IN_SCHOOL,
                    }
                )
                counts.new += 1
                continue
            old = dict(zip(STUDENT_FIELDS, current[3:], strict=True))
            # A blank optional cell keeps what the roster holds (never erases).
            new = {**old, **{k: v for k, v in wanted.items() if v not in (None, "")}}
            if new == old:
                counts.unchanged += 1
                continue
            changes.extend(
                (row.line, field, old[field], new[field])
                for field in new
                if new[field] != old[field]
            )
            student = Student(
                pk=current[1], student_no=row["student_no"], left_on=current[2], **new
            )
            student.follow_status()
            to_update.append(student)
            counts.changed += 1
        bulk_insert(Student, to_create)
        Student.objects.bulk_update(to_update, [*STUDENT_FIELDS, "left_on"], batch_size=500)
        self._note_changes(changes)
        send_roster_changed_on_commit(type(self), self.kind, student_ids={s.pk for s in to_update})
        return counts

    def _note_changes(self, changes: list[tuple[int, str, Any, Any]]) -> None:
        """The preview's before → after of each changed cell, classes by their names."""
        class_ids = {v for _l, f, *values in changes if f == "school_class_id" for v in values}
        classes = SchoolClass.objects.filter(pk__in=class_ids).select_related("grade")
        names = {c.pk: str(c) for c in classes}  # no query without a class change
        for line, field, before, after in changes:
            if field == "school_class_id":
                before, after = names.get(before), names.get(after)
            self.note_change(line, CHANGED_COLUMN.get(field, field), before, after)

    def rows(self, **options: Any) -> Iterable[Sequence[Any]]:
        scope = _scope(self.user)
        qs = scope.students() if scope else Student.objects.all()
        # Guardian phones only to the posts that may see them; the column stays, blank, so
        # that the file keeps the template's columns (and a blank cell changes nothing).
        phones = scope is None or scope.is_school_wide
        qs = qs.in_school().select_related("school_class__grade").order_by("student_no")
        with_phone: list[int] = []
        for student in qs:
            if phones and student.guardian_phone:
                with_phone.append(student.pk)
            yield [
                student.student_no,
                student.name,
                GENDER_WRITTEN.get(student.gender, ""),
                student.birth_date,
                student.school_class.grade.name,
                class_label(student.school_class),
                student.guardian_name,
                student.guardian_phone if phones else "",
            ]
        # The phones written are a read of sensitive data (the command line logs no user).
        privacy.log_read(self.user, with_phone, [privacy.Category.GUARDIAN], f"export:{self.kind}")


# Registered from SchoolOpsConfig.ready().
ROSTER_SHEETS = (ClassesSheet, StaffSheet, AssignmentsSheet, StudentsSheet, ExamsSheet)
