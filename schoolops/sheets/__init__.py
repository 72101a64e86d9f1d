"""The sheet engine: Excel imports and exports of any kind, for the roster and for the apps.

A *kind* is a class registered under a short name. ``python manage.py import_sheet KIND FILE
[--dry-run]`` and ``export_sheet KIND FILE [options]`` dispatch to every registered kind, and
so does the admin. The roster registers ``classes``, ``staff``, ``assignments``, ``students``
and ``exams`` (``schoolops/sheets/roster.py``); an app registers its own from
``AppConfig.ready()``::

    from schoolops.registry import registry
    from myapp.sheets import ScoresSheet
    registry.add_sheet("scores", ScoresSheet)

An import kind declares its columns and writes its rows in bulk::

    from schoolops.sheets import Column, Counts, ImportSheet, CellError, parsers

    class ScoresSheet(ImportSheet):
        kind = "scores"
        title = _("Group scores")
        permission = "groups.add_score"          # checked in the admin; None: superusers only
        columns = [
            Column("student_no", "学籍号", parsers.text_id, required=True, text_format=True),
            Column("week", "周次", parsers.integer, required=True, aliases=("教学周",)),
            Column("points", "得分", parsers.decimal, required=True),
            Column("note", "备注", parsers.text, default=""),
        ]

        def unique_keys(self):                  # repeated in one file → every repeat refused
            return ("student_no", "week")

        def clean_row(self, row):               # after every cell parsed; may raise CellError
            row.data["student_id"] = self.lookups.student_id(row["student_no"], "student_no")
            if row["week"] > 30:
                raise CellError(_("A term has at most 30 weeks."), column="week")
            return row                          # or None to skip the row

        def apply(self, rows):                  # only if no row failed; one transaction
            existing = {...}                    # one query, then bulk_create / bulk_update
            return Counts(new=..., changed=..., unchanged=...)

How a file is treated (``engine.run_import``):

- The file is an xlsx, an .xls or a CSV (UTF-8 or GBK; comma, tab or semicolon), told apart by
  its content. It is checked before it is parsed (size cap ``IMPORT_MAX_UPLOAD_BYTES``; an
  xlsx's every zip part unpacked as a stream to the size and CRC it declares, in all at most
  ``IMPORT_MAX_UNPACKED_BYTES``; an .xls's records scanned; a CSV's lines counted; sheets within
  ``IMPORT_MAX_ROWS`` rows and ``IMPORT_MAX_COLUMNS`` columns, declared or reached); then a child
  process parses it under ``IMPORT_PARSE_MAX_BYTES`` of memory (``schoolops.sheets.reader``). A
  bad file gets one ``SheetRefused`` message (not a sheet, empty, password, damaged, too big, no
  header).
- The header row is found in the first ten rows (title and note rows above it become
  ``self.title_lines``) by header or alias after normalisation (full-width to half-width,
  spaces, colons and stars removed); two rows read as one header when that feeds at least as
  many columns (an exam system's 「语文（120）」 merged over 得分 | 班次 | 校次 gives 语文(120)/得分).
  ``match_header(found, labels)`` says what a kind needs (by default its ``required``
  columns; a kind of several layouts decides per layout and may add columns of its own, such
  as a score sheet's subjects, which ``recognise`` then declares with ``set_columns``).
  Unknown columns are ignored; blank rows and total rows under the data (平均分, 合计...)
  skipped. ``ImportChoices`` carry what the person chose: a kind's ``import_options``
  (``self.options``), a column mapping by hand (``--map 列名=字段``, an ``ImportTemplate``) and
  the sheet. The result says the header row, which file column feeds which field, the columns
  ignored, the layout recognised and (``note_change``) each changed cell before → after.
- Each cell goes through its column's parser (``schoolops.sheets.parsers``: ``text``, ``name``,
  ``text_id``, ``parse_date``, ``birth_date``, ``gender``, ``phone``, ``grade_level``,
  ``class_name``, ``decimal``, ``score``, ``integer``, ``split_list``); a blank cell gets the
  column's ``default`` or, if ``required``, an error.
- Every problem is a ``RowError`` with the Excel row number (header = row 1), the column and
  a translated reason. Any error refuses the whole file and nothing is written.
- ``prepare``, ``clean_row``, ``check`` and ``apply`` all run in one transaction, rolled back
  on a dry run: ``apply`` is written once and serves both the preview counts and the import.
- ``engine.bulk_insert(Model, [dict, ...])`` inserts thousands of plain rows with one
  ``executemany`` (no model instances; about ten times faster than ``bulk_create``).
- ``self.lookups`` finds staff by 工号, grades, the current year's classes, students by 学籍号
  and subjects, each table loaded once (``schoolops.sheets.lookups.Lookups``).

An export kind writes rows under its headers (the same ``columns``, declared once in Chinese
and written the same in every language; a class may be both an ``ImportSheet`` and an
``ExportSheet``). Every download of the app is one, served by
``schoolops.sheets.http.sheet_response(request, kind, **options)`` (see ``ExportSheet`` for
``resolve``, ``authorize``, ``count``, ``sheets`` and ``log_read``)::

    class LeaderboardSheet(ExportSheet):
        kind = "leaderboard"
        title = _("Leaderboard")
        filename = "排行榜.xlsx"
        columns = [Column("class", "班级"), Column("group", "小组"), Column("points", "总分")]

        @classmethod
        def add_arguments(cls, parser):
            add_term_argument(parser)            # --term 2026-1 → rows(term=Term or None)
            add_month_argument(parser)           # --month 2026-11 → rows(month=date or None)

        def rows(self, term=None, month=None, **options):
            term = term or Term.current()
            for group in Group.objects.filter(...).annotate(...):   # self.user may be None
                yield [str(group.school_class), group.name, group.points]

In the admin, a ModelAdmin gets the upload → check → confirm pages, the blank template and
the export of a kind with ``schoolops.admin.SheetAdminMixin`` and ``sheet_kind = "scores"``
(permission codes ``<app>.import_<model>`` / ``<app>.export_<model>`` from the model's
``Meta.permissions``).

Entry points: ``engine.import_file(kind, path, user=..., file_name=..., dry_run=...)`` runs and
records an import (``ImportRecord``); ``engine.export_file(kind, target, user=..., **options)``
writes an export; ``http.sheet_response(request, kind, **options)`` serves one (a big one as a
background task, ``schoolops.exports``); ``engine.template_bytes(kind)`` a blank template.

Every xlsx the app writes (these exports, the templates, the printable records) goes through
``schoolops.sheets.writer``: text is always text, never a formula, kept as typed.
"""

from schoolops.sheets import parsers
from schoolops.sheets.base import (
    CellError,
    Column,
    Counts,
    ExportSheet,
    ImportResult,
    ImportSheet,
    Row,
    RowError,
    SheetRefused,
    add_month_argument,
    add_term_argument,
)

__all__ = [
    "CellError",
    "Column",
    "Counts",
    "ExportSheet",
    "ImportResult",
    "ImportSheet",
    "Row",
    "RowError",
    "SheetRefused",
    "add_month_argument",
    "add_term_argument",
    "parsers",
]
