"""The base classes of a sheet kind: declared columns, row cleaning, a bulk apply, an export."""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from schoolops.sheets import parsers
from schoolops.sheets.writer import Sheet

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    from schoolops.sheets.lookups import Lookups


class CellError(Exception):
    """A bad cell. Raise it from a parser or from ``clean_row`` (give ``column`` there)."""

    def __init__(self, message: str, column: str | None = None) -> None:
        super().__init__(message)
        self.message = str(message)
        self.column = column


class SheetRefused(Exception):
    """The file as a whole cannot be read (not an xlsx, no headers, too big...): one message."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = str(message)


class HeaderNotFound(SheetRefused):
    """No header row with the columns the kind needs: the file's columns (``(letter, label)``
    of the likeliest header row) and the fields missing, for a mapping form."""

    def __init__(self, message: str, columns: list[tuple[str, str]], missing: list[str]) -> None:
        super().__init__(message)
        self.columns = columns
        self.missing = missing


@dataclass(frozen=True)
class Column:
    """One declared column.

    ``key`` names the value in a cleaned row, ``header`` is the Chinese header the template
    and the export write, ``aliases`` are other headers accepted on import (compared after
    full-width normalisation and without spaces), ``parse`` turns a raw cell into a value or
    raises ``CellError``. A blank cell gives ``default`` (an error when ``required``).
    """

    key: str
    header: str
    parse: Callable[[Any], Any] = parsers.text
    required: bool = False
    aliases: tuple[str, ...] = ()
    default: Any = None
    text_format: bool = False  # written as a text column ("@") in templates and exports
    width: int = 14
    show: Callable[[Any], str | None] | None = None  # how the admin's preview shows a cleaned value
    sensitive: bool = False  # masked in the preview and never kept in the import record
    max_length: int = 500  # longer text is refused; set it to the database field's length


@dataclass(frozen=True)
class Option:
    """A choice the person importing makes for a kind: ``--exam 期中考试`` on the command line
    (``name`` with dashes), a field of the admin's upload form. The sheet reads the value as
    ``self.options[name]`` (None when not given). ``kind`` is "text", "date" or "flag"."""

    name: str
    label: StrOrPromise
    kind: str = "text"
    help: StrOrPromise = ""
    max_length: int = 50

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")

    def parse(self, value: Any) -> Any:
        """The value given (text from a command line or a form, or as stored), or None;
        raises ``CellError`` for a bad one."""
        if self.kind == "flag":
            return bool(value)
        if parsers.is_blank(value):
            return None
        if self.kind == "date":
            return parsers.parse_date(value)
        text = parsers.text(value)
        if len(text) > self.max_length:
            raise CellError(_("At most %(count)s characters.") % {"count": self.max_length})
        return text

    def shown(self, value: Any) -> str:
        if self.kind == "flag":
            return _("yes") if value else _("no")
        return parsers.display(value)


@dataclass(frozen=True)
class RowError:
    """A reason a row is refused: its Excel row number (the header is row 1) and column."""

    line: int
    column: str  # the column's Chinese header ("" for the whole row)
    message: str
    letter: str = ""  # the column's letter in the file (A, B, ...), when it has one

    def as_dict(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "column": self.column,
            "letter": self.letter,
            "message": self.message,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RowError:
        return cls(data["line"], data["column"], data["message"], data.get("letter", ""))

    def __str__(self) -> str:
        if self.column and self.letter:
            return _("Row %(line)s, column %(letter)s (%(column)s): %(message)s") % {
                "line": self.line,
                "letter": self.letter,
                "column": self.column,
                "message": self.message,
            }
        if self.column:
            return _("Row %(line)s, column %(column)s: %(message)s") % {
                "line": self.line,
                "column": self.column,
                "message": self.message,
            }
        return _("Row %(line)s: %(message)s") % {"line": self.line, "message": self.message}


@dataclass
class Row:
    """A cleaned row: ``line`` is its Excel row number, ``data`` maps column keys to values."""

    line: int
    data: dict[str, Any]

    def __getitem__(self, key: str) -> Any:
        return self.data[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)


@dataclass(frozen=True)
class Change:
    """One changed cell of an update: shown in the preview as before → after."""

    line: int
    column: str  # the field's Chinese header
    before: str
    after: str
    key: str = ""  # the field's key: a page hides ``before`` from whoever may not read it

    def as_dict(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "column": self.column,
            "before": self.before,
            "after": self.after,
            "key": self.key,
        }


@dataclass
class Counts:
    new: int = 0
    changed: int = 0
    unchanged: int = 0

    @property
    def total(self) -> int:
        return self.new + self.changed + self.unchanged

    def __add__(self, other: Counts) -> Counts:
        return Counts(
            self.new + other.new,
            self.changed + other.changed,
            self.unchanged + other.unchanged,
        )


@dataclass
class ImportResult:
    """What an import did, or (``dry_run``) would do."""

    kind: str
    dry_run: bool
    counts: Counts = field(default_factory=Counts)
    errors: list[RowError] = field(default_factory=list)
    refused: str = ""  # a whole-file refusal (not an xlsx, no headers...)
    headers: list[str] = field(default_factory=list)
    preview: list[list[Any]] = field(default_factory=list)  # the first cleaned rows
    rows: int = 0  # data rows read (blank rows not counted)
    ignored_columns: list[str] = field(default_factory=list)
    header_line: int = 0  # the Excel row taken as the header (the lower one of a two-row header)
    # The layout recognised (ours, the registry export, a wide exam sheet...).
    layout: StrOrPromise = ""
    # (column letter, the file's header, the field it feeds, the field's key), in file order
    mapping: list[tuple[str, str, str, str]] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)  # an update's changed cells (first rows)
    skipped: list[RowError] = field(default_factory=list)  # rows left out on request (not errors)
    title_lines: list[str] = field(default_factory=list)  # the text above the header
    footers: list[int] = field(default_factory=list)  # rows read as totals (平均分...), skipped
    # Every labelled column of the header row (letter, label), for a mapping form; also when
    # the header was not found (the likeliest row's).
    file_columns: list[tuple[str, str]] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # fields a header refusal found missing
    # The kind's options as used, (name, label, value shown, proposed by the file's title).
    options: list[tuple[str, str, str, bool]] = field(default_factory=list)
    # Refused, but other choices (a column mapping, an option) may make the file load: the
    # admin keeps the upload for a second check.
    recheckable: bool = False
    seconds: float = 0.0
    notice: str = ""  # shown once to the person importing, never stored (initial passwords)

    @property
    def ok(self) -> bool:
        return not self.errors and not self.refused

    def messages(self) -> list[str]:
        return [self.refused] if self.refused else [str(e) for e in self.errors]


CHANGES_KEPT = 200  # changed cells kept for the preview


class BaseSheet:
    kind: ClassVar[str] = ""
    title: ClassVar[StrOrPromise] = ""  # shown in the admin and on the progress page
    columns: Sequence[Column] = ()  # a layout may add its own (``layout_columns``)

    def __init__(self, user: Any = None) -> None:
        self.user = user

    @classmethod
    def headers(cls) -> list[str]:
        return [c.header for c in cls.columns]


class ImportSheet(BaseSheet):
    """Base class of an import kind.

    The engine reads the file, maps headers to ``columns`` (unknown columns are ignored),
    skips blank rows, parses every cell with its column's parser and then calls, in order:

    1. ``clean_row(row)`` for each row whose cells all parsed: return the cleaned ``Row``
       (or a new one), return None to skip it, or raise ``CellError(message, column=key)``;
       call ``self.add_error(row.line, key, message)`` to report more than one problem.
    2. ``check(rows)`` once, with every clean row: whole-file rules (duplicates).
    3. ``apply(rows)`` only if no row had an error, inside one transaction (rolled back on a
       dry run): write in bulk and return ``Counts`` of new / changed / unchanged rows.

    ``self.lookups`` (a ``schoolops.sheets.lookups.Lookups``) finds staff by 工号, classes by
    grade and number, students by 学籍号 and subjects by name, each loaded once per import.

    Other systems' layouts: ``match_header`` decides what a header row needs (and may add the
    kind's own columns), ``recognise`` names the layout found (``self.layout``) and may declare
    those columns (``set_columns``); the text above the header is ``self.title_lines``; the
    person's choices are ``import_options`` (read as ``self.options``; an option taken from
    the file goes to ``self.proposed``); ``note_change`` records an update's changed cells and
    ``self.skipped`` the rows left out on request.
    """

    permission: ClassVar[str | None] = None  # e.g. "schoolops.import_student"; None: admins only
    max_rows: ClassVar[int | None] = None  # defaults to settings.IMPORT_MAX_ROWS
    # A kind that may be uploaded for one class (``schoolops.pages.sheet_upload_page``) sets
    # this and calls ``in_class`` for each row: ``school_class`` is then that class.
    class_scoped: ClassVar[bool] = False
    school_class: Any = None
    # Columns of other systems' layouts that ours has not (the registry's family members):
    # found and parsed on import like ``columns``, never written to a template or an export.
    layout_columns: ClassVar[Sequence[Column]] = ()
    # Choices of the person importing (``--exam``, ``--skip-unknown``), read as ``self.options``.
    import_options: ClassVar[Sequence[Option]] = ()

    def __init__(self, user: Any = None) -> None:
        super().__init__(user)
        from schoolops.sheets.lookups import Lookups

        if self.layout_columns:
            self.columns = [*type(self).columns, *self.layout_columns]
        self.lookups: Lookups = Lookups()
        self.errors: list[RowError] = []
        self._header_of: dict[str, str] = {c.key: c.header for c in self.columns}
        self.notice = ""  # set by ``apply`` for the person importing; shown once, not stored
        self.letters: dict[str, str] = {}  # column key → letter in the file, set by the engine
        self.progress: Callable[[float], None] = lambda fraction: None
        self.layout: StrOrPromise = ""  # set by ``recognise``; shown in the preview
        self.changes: list[Change] = []  # filled by ``note_change`` during ``apply``
        self.skipped: list[RowError] = []  # rows left out on request (``--skip-unknown``)
        self.options: dict[str, Any] = {o.name: o.parse(None) for o in self.import_options}
        self.proposed: set[str] = set()  # options the sheet took from the file (its title)
        self.title_lines: list[str] = []  # the text above the header, set by the engine
        self.recheckable = False  # set when other options could make a refused file load

    def set_columns(self, columns: Sequence[Column]) -> None:
        """Use these columns for this file (a kind whose columns depend on the file, such as
        a score sheet's subjects, calls it from ``recognise``)."""
        self.columns = list(columns)
        self._header_of = {c.key: c.header for c in self.columns}

    def header_of(self, key: str) -> str:
        return self._header_of.get(key, key)

    def header_labels(self) -> dict[str, str]:
        """Normalised header or alias → column key: how the engine recognises a column."""
        wanted: dict[str, str] = {}
        for column in self.columns:
            for label in (column.header, *column.aliases):
                wanted.setdefault(parsers.normalize_header(label), column.key)
        return wanted

    def match_header(self, found: dict[str, int], labels: list[str]) -> list[str]:
        """Called for each row that may be the header, with the columns recognised by header
        or alias (``found``: key → cell index) and every cell's normalised label: add the
        kind's own columns to ``found`` (a score sheet's subjects) and return the headers of
        what is still missing (none: this row is the header). By default every ``required``
        column is needed; a kind that reads several layouts decides per layout."""
        return [c.header for c in self.columns if c.required and c.key not in found]

    def mapping_fields(self) -> list[tuple[str, str, bool]]:
        """(key, header, required) of the fields a column may be mapped to by hand."""
        return [(c.key, c.header, c.required) for c in self.columns]

    def field_key(self, name: str) -> str | None:
        """The key of the field named ``name`` (its key, header or an alias), or None."""
        wanted = self.header_labels()
        keys = {key for key, _header, _required in self.mapping_fields()}
        if name in keys:
            return name
        key = wanted.get(parsers.normalize_header(name))
        if key is None:
            headers = {parsers.normalize_header(h): k for k, h, _r in self.mapping_fields()}
            key = headers.get(parsers.normalize_header(name))
        return key

    def set_options(self, given: dict[str, Any]) -> None:
        """Parse the options given (text as typed, or as stored); ``SheetRefused`` names a
        bad one, or one the kind does not have."""
        declared = {o.name: o for o in self.import_options}
        for name in given:
            if name not in declared:
                raise SheetRefused(
                    _("The kind %(kind)s has no option %(option)s.")
                    % {"kind": self.kind, "option": "--" + name.replace("_", "-")}
                )
        for name, option in declared.items():
            try:
                self.options[name] = option.parse(given.get(name))
            except CellError as error:
                raise SheetRefused(f"{option.label}: {error.message}") from None

    def options_used(self) -> list[tuple[str, str, str, bool]]:
        """(name, label, value shown, taken from the file) of each option, for the preview."""
        return [
            (o.name, str(o.label), o.shown(self.options.get(o.name)), o.name in self.proposed)
            for o in self.import_options
            if self.options.get(o.name) not in (None, "", False)
        ]

    def recognise(self, found: dict[str, int], labels: list[str]) -> None:
        """Called once the header is found: ``found`` maps column keys to cell indexes and
        ``labels`` are the header's cells. A kind that reads other systems' layouts sets
        ``self.layout`` to a human name of the one it recognised."""
        self.layout = _("Our template")

    def note_change(self, line: int, key: str, before: Any, after: Any) -> None:
        """Record a changed cell of an updated row for the preview (before → after).

        Sensitive columns are masked here; the preview shows them only to people who may
        read them (the admin page decides, the record never keeps them unmasked)."""
        if len(self.changes) >= CHANGES_KEPT:
            return
        column = next((c for c in self.columns if c.key == key), None)
        show = (column.show if column and column.show else None) or parsers.display

        def shown(value: Any) -> str:
            if value is None or value == "":
                return ""
            text = show(value) or ""
            return parsers.mask(text) if column is not None and column.sensitive else text

        self.changes.append(
            Change(line, self._header_of.get(key, key), shown(before), shown(after), key)
        )

    def add_error(self, line: int, column: str | None, message: str) -> None:
        """Record a problem; ``column`` is a column key (or a header, or None for the row)."""
        header = self._header_of.get(column, column) if column else ""
        letter = self.letters.get(column, "") if column else ""
        self.errors.append(RowError(line, header or "", str(message), letter))

    def in_class(self, line: int, school_class: Any, column: str | None = None) -> bool:
        """In an upload limited to one class, refuse a row of another class (naming the row
        and the class); True when the row belongs to the upload."""
        if self.school_class is None or school_class == self.school_class:
            return True
        self.add_error(
            line,
            column,
            _("This row is of %(other)s: this file may only hold rows of %(class)s.")
            % {"other": school_class or _("no class"), "class": self.school_class},
        )
        return False

    def prepare(self) -> None:
        """Called once before the rows are cleaned (load what ``clean_row`` looks up)."""

    def clean_row(self, row: Row) -> Row | None:
        return row

    def check(self, rows: list[Row]) -> None:
        """Whole-file rules; the default refuses rows that repeat the ``unique_together`` keys."""
        keys = self.unique_keys()
        if not keys:
            return
        seen: dict[tuple, int] = {}
        for row in rows:
            value = tuple(row.get(k) for k in keys)
            if value in seen:
                self.add_error(
                    row.line,
                    keys[0],
                    _("Repeats row %(line)s of this file.") % {"line": seen[value]},
                )
            else:
                seen[value] = row.line

    def unique_keys(self) -> tuple[str, ...]:
        """Column keys that must not repeat in one file (used by the default ``check``)."""
        return ()

    def apply(self, rows: list[Row]) -> Counts:
        raise NotImplementedError

    def preview_headers(self) -> list[str]:
        """The headers of the preview's rows (``preview_row``)."""
        return self.headers()

    def preview_row(self, row: Row) -> list[Any]:
        """How a cleaned row shows in the admin's preview (one value per header)."""
        values = []
        for column in type(self).columns:
            value = row.get(column.key)
            if value is None or value == "":
                values.append("")
            elif column.sensitive:
                values.append(parsers.mask(parsers.display(value)))
            else:
                values.append((column.show or parsers.display)(value) or "")
        return values


class ExportSheet(BaseSheet):
    """Base class of an export kind: ``columns`` and ``rows(**options)``.

    **Header language.** A sheet's columns are a file format, not interface text: each kind
    declares its Chinese headers once, in ``columns``, and writes them the same in every
    language, so that a file exported in English still imports and a school's macros keep
    working. Everything else (sheet titles, title rows, labels of a printable record, yes/no,
    notes, the file's name) goes through gettext like any page.

    ``add_arguments(parser)`` adds the command's options (``--month``, ``--term``...); the
    parsed options are passed to ``resolve`` and then ``rows`` as keyword arguments.
    ``self.user`` is the person exporting (None on the command line) and ``self.scope`` their
    scope: restrict the rows to what they may see.

    Every download is served by ``schoolops.sheets.http.sheet_response(request, kind,
    **options)``, which calls, in order:

    1. ``resolve(**options)``: the options ``rows`` takes, found in the person's scope (a
       meeting from its id, the current term); raise ``SheetRefused`` when there is nothing
       to export: a 404 with its message on a page (outside a person's scope is a 404), an
       error on the command line.
    2. ``authorize(**options)``: may ``self.user`` export this? Raise ``PermissionDenied`` (a
       403). The default checks ``export_permission`` (None: superusers only). The command
       line (``export_file``, no user) is not asked.
    3. ``count(**options)``: the number of rows, when it is cheap to know; an export over
       ``EXPORT_BACKGROUND_ROWS`` runs as a background task with a progress bar.
    4. ``sheets(**options)`` (one ``writer.Sheet`` of ``headers()`` over ``rows()`` unless a
       kind writes a title row or several sheets) and ``download_name(**options)``.
    5. Rows that show a registered sensitive field call ``self.log_read(students,
       categories)`` as they are written; the reads are logged once the file is written.
    """

    filename: ClassVar[StrOrPromise] = ""  # the download's name: gettext_lazy("Ledger.xlsx")
    export_permission: ClassVar[str | None] = None  # e.g. "schoolops.export_student"

    def __init__(self, user: Any = None) -> None:
        super().__init__(user)
        self._scope: Any = None
        # Sensitive parts written, by category: logged once the file is written.
        self.reads: dict[tuple[str, ...], list[Any]] = {}

    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser) -> None:
        """Add command-line options; see ``add_month_argument`` and ``add_term_argument``."""

    @property
    def scope(self) -> Any:
        """The exporting person's ``schoolops.scopes.Scope`` (None on the command line)."""
        if self._scope is None and self.user is not None:
            from schoolops.scopes import Scope

            self._scope = Scope(self.user)
        return self._scope

    @scope.setter
    def scope(self, scope: Any) -> None:
        self._scope = scope

    def resolve(self, **options: Any) -> dict[str, Any]:
        """The options ``rows`` takes, found in ``self.scope``; ``SheetRefused`` if none."""
        return options

    def authorize(self, **options: Any) -> None:
        """Refuse (``PermissionDenied``) a person who may not export this."""
        if self.user is None:
            return
        permission = self.export_permission
        allowed = self.user.has_perm(permission) if permission else self.user.is_superuser
        if not (self.user.is_active and allowed):
            raise PermissionDenied

    def count(self, **options: Any) -> int | None:
        """How many rows ``rows`` will write, if cheap to know (None: small, or unknown)."""
        return None

    def rows(self, **options: Any) -> Iterable[Sequence[Any]]:
        raise NotImplementedError

    def sheets(self, **options: Any) -> Iterable[Sheet]:
        """The workbook: by default one sheet of ``headers()`` over ``rows(**options)``."""
        yield self.sheet(str(self.title or self.kind), self.rows(**options))

    def sheet(self, name: str, rows: Iterable[Sequence[Any]]) -> Sheet:
        """A sheet named ``name`` of the kind's columns (header, widths, text columns) over
        ``rows``: what a kind writing several sheets, or naming its one, yields."""
        return Sheet(
            name,
            headers=self.headers(),
            rows=rows,
            widths=[c.width for c in type(self).columns],
            text_columns=self.text_columns(),
        )

    def download_name(self, **options: Any) -> str:
        """The file's name in the browser (Chinese is fine)."""
        return str(self.filename or f"{self.kind}.xlsx")

    def text_columns(self) -> set[int]:
        """Indexes of columns written as text (ids with leading zeros)."""
        return {i for i, c in enumerate(type(self).columns) if c.text_format}

    def log_read(self, students: Iterable[Any], categories: Iterable[str]) -> None:
        """Note that the file shows these categories of these students' records; the engine
        logs them (``privacy.log_read``) once the file is written."""
        key = tuple(sorted(str(c) for c in categories))
        self.reads.setdefault(key, []).extend(getattr(s, "pk", s) for s in students)


def add_month_argument(parser: argparse.ArgumentParser) -> None:
    """``--month 2026-11`` (default: this month), passed to ``rows`` as a ``date`` (day 1)."""
    parser.add_argument(
        "--month",
        type=parse_month_option,
        default=None,
        help="Month as YYYY-MM (default: the current month).",
    )


def add_term_argument(parser: argparse.ArgumentParser) -> None:
    """``--term 2026-1`` (starting year and 1 autumn / 2 spring) or ``--term CURRENT``.

    Passed to ``rows`` as a ``Term`` or None when no term exists.
    """
    parser.add_argument(
        "--term",
        type=parse_term_option,
        default=None,
        help="CURRENT, or the term as YEAR-N, e.g. 2026-1 for the autumn term of 2026-2027 "
        "(default: the current term).",
    )


def parse_month_option(value: str) -> dt.date:
    try:
        return parsers.parse_date(value + "-01" if value.count("-") == 1 else value).replace(day=1)
    except CellError:
        raise argparse.ArgumentTypeError(_("Give the month as YYYY-MM.")) from None


def parse_term_option(value: str) -> Any:
    """``CURRENT`` (any case) is today's term; ``YEAR-N`` a term by its year and number."""
    from schoolops.models import Term

    if value.strip().upper() == "CURRENT":
        term = Term.current()
        if term is None:
            raise argparse.ArgumentTypeError(_("No term has been set up yet."))
        return term
    try:
        year, number = (int(part) for part in value.replace("/", "-").split("-"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("Give the term as CURRENT or as YEAR-N, e.g. 2026-1.")
        ) from None
    term = Term.objects.filter(academic_year__start_year=year, number=number).first()
    if term is None:
        raise argparse.ArgumentTypeError(_("There is no term %(term)s.") % {"term": value})
    return term


def add_class_argument(parser: argparse.ArgumentParser, *, required: bool = True) -> None:
    """``--class 七年级(1)班``: a class of the current year, passed as ``school_class``."""
    parser.add_argument(
        "--class",
        dest="school_class",
        type=parse_class_option,
        required=required,
        help="The class with its grade, e.g. 七年级(1)班 or 701.",
    )


def parse_class_option(value: str) -> Any:
    from schoolops.sheets.lookups import Lookups

    try:
        name = parsers.class_name(value)
        if not isinstance(name.level, int):  # a class name carries a grade, never a cohort
            raise CellError(_("Name the class with its grade, e.g. 七年级(1)班."))
        return Lookups().school_class(name.level, name)
    except CellError as error:
        raise argparse.ArgumentTypeError(error.message) from None
