"""import_sheet preferences / mentor_ratings, export_sheet pairings, match_mentors."""

import io

from django.core.management import call_command

import pytest
from openpyxl import load_workbook

from mentors.models import Choice, Pairing, StudentRating
from schoolops.models import Post, TeachingAssignment
from schoolops.sheets import engine
from tests.conftest import make_staff
from tests.mentors.conftest import pair
from tests.workbooks import write_sheet

pytestmark = pytest.mark.django_db


def xlsx(tmp_path, headers, rows, name="sheet.xlsx"):
    return write_sheet(tmp_path / name, headers, rows)


PREFERENCE_HEADERS = ["学籍号", "第一志愿", "第二志愿", "第三志愿"]


def test_import_sheet_preferences_by_number_and_name(school, mentoring, today, tmp_path):
    path = xlsx(
        tmp_path,
        PREFERENCE_HEADERS,
        [
            [school.student_a.student_no, "T1006", "李老师", None],
            [mentoring.students[1].student_no, "李老师", None, None],
        ],
    )
    result, _record = engine.import_file("preferences", path)
    assert result.ok, result.messages()
    assert (result.counts.new, result.counts.changed) == (2, 0)
    assert list(
        Choice.objects.filter(student=school.student_a).values_list("rank", "mentor__staff_no")
    ) == [(1, "T1006"), (2, "T1002")]
    again, _record = engine.import_file("preferences", path)
    assert again.counts.unchanged == 2


def test_import_sheet_preferences_refuses_ambiguous_and_ineligible_rows(
    school, mentoring, today, tmp_path
):
    twin = make_staff("T1099", "刘老师", [Post.SUBJECT_TEACHER])
    TeachingAssignment.objects.create(
        staff=twin, school_class=school.class_b, subject=school.english
    )
    path = xlsx(
        tmp_path,
        PREFERENCE_HEADERS,
        [
            [school.student_a.student_no, "李老师", None, None],
            [mentoring.students[1].student_no, "李老师", "刘老师", None],
            [mentoring.students[2].student_no, "赵老师", None, None],
        ],
    )
    result, _record = engine.import_file("preferences", path)
    assert not result.ok
    lines = sorted((e.line, e.column) for e in result.errors)
    assert lines == [(3, "第二志愿"), (4, "第一志愿")]
    assert "刘老师" in str(result.errors[0]) or "刘老师" in str(result.errors[1])
    assert not Choice.objects.exists()


def test_import_sheet_mentor_ratings(school, mentoring, today, tmp_path):
    pair(school, school.student_a, school.teacher)
    headers = ["学籍号", "导师工号", "分数", "意见"]
    bad = xlsx(
        tmp_path,
        headers,
        [
            [school.student_a.student_no, "T1002", 6, ""],
            [mentoring.students[1].student_no, "T1002", 4, ""],
        ],
        "bad.xlsx",
    )
    result, _record = engine.import_file("mentor_ratings", bad)
    assert sorted(e.line for e in result.errors) == [2, 3]
    assert not StudentRating.objects.exists()
    good = xlsx(tmp_path, headers, [[school.student_a.student_no, "T1002", 5, "老师很关心我"]])
    result, _record = engine.import_file("mentor_ratings", good)
    assert result.ok and StudentRating.objects.get().score == 5


def test_export_sheet_pairings(school, mentoring, today, tmp_path):
    pair(school, school.student_a, school.teacher)
    pair(school, mentoring.students[1], mentoring.english, rank=None)
    path = tmp_path / "pairings.xlsx"
    call_command("export_sheet", "pairings", str(path), stdout=io.StringIO())
    rows = list(load_workbook(path).active.iter_rows(values_only=True))
    assert rows[0] == ("学籍号", "姓名", "年级", "班级", "导师工号", "导师姓名", "志愿")
    by_no = {r[0]: r for r in rows[1:]}
    assert by_no[school.student_a.student_no][4:] == ("T1002", "李老师", "1")
    assert by_no[mentoring.students[1].student_no][6] == "调剂"
    assert isinstance(rows[1][0], str)  # 学籍号 stays text


def test_match_mentors_command(school, mentoring, today):
    Choice.objects.create(
        student=school.student_a, academic_year=school.year, rank=1, mentor=school.teacher
    )
    out = io.StringIO()
    call_command("match_mentors", "--grade", "七年级", "--dry-run", stdout=out)
    assert "1" in out.getvalue() and not Pairing.objects.exists()
    call_command("match_mentors", "--grade", "7", stdout=io.StringIO())
    assert Pairing.objects.get().mentor == school.teacher
    with pytest.raises(Exception, match="九年级"):
        call_command("match_mentors", "--grade", "九年级", stdout=io.StringIO())


def test_a_student_who_chose_no_one_goes_to_hand_assignment(school, mentoring, today, tmp_path):
    """A class's 志愿 sheet lists every student; a row without a choice is accepted (the
    student goes to 调剂), a later choice without a first one is still refused."""
    path = xlsx(
        tmp_path,
        PREFERENCE_HEADERS,
        [
            [school.student_a.student_no, "李老师", None, None],
            [mentoring.students[1].student_no, None, None, None],
        ],
    )
    result, _record = engine.import_file("preferences", path)
    assert result.ok, result.messages()
    assert not Choice.objects.filter(student=mentoring.students[1]).exists()
    assert Choice.objects.filter(student=school.student_a).count() == 1

    gap = xlsx(
        tmp_path,
        PREFERENCE_HEADERS,
        [[mentoring.students[2].student_no, None, "李老师", None]],
        name="gap.xlsx",
    )
    refused, _record = engine.import_file("preferences", gap)
    assert not refused.ok
    assert [(e.line, e.column) for e in refused.errors] == [(2, "第一志愿")]


# The sheets are the one way in for a 志愿 or questionnaire file (the row-based copies in
# services are gone): the same rules, through the engine.


def test_import_preferences_by_number_or_name(school, mentoring, tmp_path):
    rows = [
        [school.student_a.student_no, "T1006", "李老师", None],
        [mentoring.students[1].student_no, "李老师", "", ""],
    ]
    result, _record = engine.import_file("preferences", xlsx(tmp_path, PREFERENCE_HEADERS, rows))
    assert result.counts.new == 2
    assert Choice.objects.filter(student=school.student_a).count() == 2
    assert Choice.objects.get(student=mentoring.students[1]).mentor == school.teacher


def test_import_preferences_names_the_row_of_ambiguous_and_ineligible_choices(
    school, mentoring, tmp_path
):
    twin = make_staff("T1099", "刘老师", [Post.SUBJECT_TEACHER])
    TeachingAssignment.objects.create(
        staff=twin, school_class=school.class_b, subject=school.english
    )
    rows = [
        [school.student_a.student_no, "李老师", "", ""],
        [mentoring.students[1].student_no, "刘老师", "", ""],  # two teachers are called 刘老师
        [mentoring.students[2].student_no, "T1003", "", ""],  # 赵老师 does not teach class (1)
        ["0000000000", "李老师", "", ""],
    ]
    result, _record = engine.import_file("preferences", xlsx(tmp_path, PREFERENCE_HEADERS, rows))
    messages = [str(e) for e in result.errors]
    assert {e.line for e in result.errors} == {3, 4, 5}
    joined = "\n".join(messages)
    assert "刘老师" in joined and "T1003" not in joined and "赵老师" in joined
    assert len(messages) == 3
    assert not Choice.objects.exists()  # nothing applied


def test_import_mentor_ratings(school, mentoring, today, tmp_path):
    pair(school, school.student_a, school.teacher)
    headers = ["学籍号", "导师工号", "分数", "意见"]
    rows = [
        [school.student_a.student_no, "T1002", 5, "很耐心"],
        [mentoring.students[1].student_no, "T1002", 4, ""],  # not this mentor's mentee
        [school.student_a.student_no, "T1002", 7, ""],
    ]
    result, _record = engine.import_file("mentor_ratings", xlsx(tmp_path, headers, rows))
    assert len(result.errors) == 2
    assert not StudentRating.objects.exists()
    good = xlsx(tmp_path, headers, rows[:1], "good.xlsx")
    result, _record = engine.import_file("mentor_ratings", good)
    assert result.counts.new == 1
    assert StudentRating.objects.get().comment == "很耐心"


def test_export_sheet_mentor_evaluation(school, mentoring, today, tmp_path):
    pair(school, school.student_a, school.teacher)
    path = tmp_path / "evaluation.xlsx"
    call_command(
        "export_sheet", "mentor_evaluation", str(path), "--term", "CURRENT", stdout=io.StringIO()
    )
    rows = list(load_workbook(path).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("导师工号", "导师姓名", "自评")
    assert rows[1][:2] == ("T1002", "李老师")
    assert isinstance(rows[1][0], str)  # 工号 stays text
