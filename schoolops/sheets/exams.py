"""The exams kind: exam results, one row per student and subject (``学籍号 | 考试 | 考试日期 |
学科 | 分数``)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.utils.translation import gettext_lazy

from schoolops.models import Exam, ExamResult
from schoolops.scopes import Scope
from schoolops.sheets import parsers
from schoolops.sheets.base import Column, Counts, ExportSheet, ImportSheet, Row
from schoolops.sheets.engine import bulk_insert

STUDENT_NO = Column(
    "student_no",
    "学籍号",
    parsers.text_id,
    required=True,
    aliases=("学号", "学籍编号", "学生学籍号"),
    text_format=True,
    width=16,
)


class ExamsSheet(ImportSheet, ExportSheet):
    kind = "exams"
    title = gettext_lazy("Exam result list")
    filename = "考试成绩.xlsx"
    permission = "schoolops.import_examresult"
    export_permission = "schoolops.export_examresult"
    columns = [
        STUDENT_NO,
        Column("exam", "考试", parsers.text, required=True, aliases=("考试名称",), max_length=50),
        Column("date", "考试日期", parsers.parse_date, required=True, aliases=("日期",)),
        Column("subject", "学科", parsers.text, required=True, aliases=("科目",), max_length=20),
        Column("score", "分数", parsers.score, required=True, aliases=("成绩", "得分")),
    ]

    def unique_keys(self) -> tuple[str, ...]:
        return ("student_no", "exam", "date", "subject")

    def clean_row(self, row: Row) -> Row:
        row.data["student_id"] = self.lookups.student_id(row["student_no"], "student_no")
        row.data["subject_obj"] = self.lookups.subject(row["subject"], "subject")
        return row

    def apply(self, rows: list[Row]) -> Counts:
        exams = {(e.name, e.date): e for e in Exam.objects.all()}
        missing = {(r["exam"], r["date"]) for r in rows} - set(exams)
        Exam.objects.bulk_create([Exam(name=name, date=date) for name, date in sorted(missing)])
        if missing:
            exams = {(e.name, e.date): e for e in Exam.objects.all()}
        exam_ids = {exams[(r["exam"], r["date"])].pk for r in rows}
        existing = {
            (r.student_id, r.exam_id, r.subject_id): r
            for r in ExamResult.objects.filter(exam_id__in=exam_ids)
        }
        counts = Counts()
        to_create, to_update = [], []
        for row in rows:
            exam = exams[(row["exam"], row["date"])]
            key = (row["student_id"], exam.pk, row["subject_obj"].pk)
            current = existing.get(key)
            if current is None:
                to_create.append(
                    {
                        "student_id": key[0],
                        "exam_id": exam.pk,
                        "subject_id": row["subject_obj"].pk,
                        "score": row["score"],
                    }
                )
                counts.new += 1
            elif current.score != row["score"]:
                current.score = row["score"]
                to_update.append(current)
                counts.changed += 1
            else:
                counts.unchanged += 1
        bulk_insert(ExamResult, to_create)
        ExamResult.objects.bulk_update(to_update, ["score"], batch_size=500)
        return counts

    def rows(self, **options: Any) -> Iterable[Sequence[Any]]:
        scope = None if self.user is None or self.user.is_superuser else Scope(self.user)
        qs = ExamResult.objects.select_related("student", "exam", "subject")
        if scope is not None and not scope.sees_whole_roster:
            qs = qs.filter(student__in=scope.students().values("pk"))
        for result in qs.order_by(
            "-exam__date", "exam__name", "student__student_no", "subject__order"
        ):
            yield [
                result.student.student_no,
                result.exam.name,
                result.exam.date,
                result.subject.name,
                result.score,
            ]
