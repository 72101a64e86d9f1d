"""Parse a sheet's first rows in a child process under a memory and CPU cap.

``reader.read_rows`` runs this file with ``python -P parse_child.py PATH MEMORY SECONDS
OPTIONS`` (``OPTIONS`` a JSON object: the format, the readers to try and their limits) after
``reader.check_file`` has bounded the file, so that a reader bug (or a file the checks missed)
costs this child its life, never the web or task worker's. It imports no Django and no project
module: its answer is a pickle on stdout, either ``("rows", rows)``, each row a list of cell
values without its trailing blank cells and without the blank rows at the end, or
``("refused", code)`` with a code (a string, or a tuple of a string and its details) that the
parent translates (see ``reader.read_rows``).

A CSV is parsed here too, although the parent has already decoded and counted it: what the csv
module builds from a file within the size cap can still be large (a 10 MB line of five million
cells), and here the memory cap bounds it; the rows then reach the engine the way a workbook's
do.
"""

from __future__ import annotations

import json
import pickle
import resource
import sys


class Refused(Exception):
    pass


def read_calamine(path: str, options: dict) -> list[list]:
    from python_calamine import CalamineWorkbook, PasswordError

    max_rows = options["max_rows"]
    try:
        # From the content, not the name: an .xlsx or .xls, whatever the file is called.
        with open(path, "rb") as handle:
            workbook = CalamineWorkbook.from_filelike(handle)
    except PasswordError:
        raise Refused("password") from None
    if not workbook.sheet_names:
        raise Refused("no-sheet")
    if options.get("sheet") and options["sheet"] not in workbook.sheet_names:
        raise Refused(("no-such-sheet", list(workbook.sheet_names)))
    if options.get("sheet"):
        sheet = workbook.get_sheet_by_name(options["sheet"])
    else:
        sheet = workbook.get_sheet_by_index(0)
    # Header row plus data rows; a few blank rows at the end are common.
    if sheet.total_height > max_rows + 1 and sheet.height > max_rows + 1:
        raise Refused("too-many")
    # From A1, so that list positions are Excel's row numbers. A merged cell's value is in
    # its top-left cell only, the others are blank: what the engine expects.
    return sheet.to_python(skip_empty_area=False)


def read_openpyxl(path: str, options: dict) -> list[list]:
    import openpyxl

    # A file object: openpyxl would refuse a path not named .xlsx.
    with open(path, "rb") as handle:
        try:
            workbook = openpyxl.load_workbook(handle, read_only=True, data_only=True)
        except MemoryError:
            raise
        except Exception:
            raise Refused("damaged") from None
        if options.get("sheet") and options["sheet"] not in workbook.sheetnames:
            raise Refused(("no-such-sheet", list(workbook.sheetnames)))
        try:
            sheet = workbook[options["sheet"]] if options.get("sheet") else workbook.worksheets[0]
        except IndexError:
            raise Refused("no-sheet") from None
        if (sheet.max_row or 0) > options["max_rows"] + 1:
            raise Refused("too-many")
        try:
            rows = [list(row) for row in sheet.iter_rows(values_only=True)]
        except MemoryError:
            raise
        except Exception:
            raise Refused("damaged") from None
        workbook.close()
    return rows


def read_csv(path: str, options: dict) -> list[list]:
    """A CSV file's records as lists of text (a cell stays text: "0012" is never 12).

    Stops at the first record past ``max_records`` or wider than ``max_columns`` (not counting
    the empty cells after a row's last value), and at a cell longer than ``max_cell``: the csv
    module's own field size limit stops it before the cell is built.
    """
    import csv

    csv.field_size_limit(options["max_cell"])
    max_records, max_columns = options["max_records"], options["max_columns"]
    rows: list[list] = []
    with open(path, encoding=options["encoding"], newline="") as handle:
        records = csv.reader(handle, delimiter=options["delimiter"])
        try:
            for record in records:
                if len(rows) == max_records:
                    raise Refused("too-many")
                while record and not record[-1]:
                    record.pop()  # the empty cells Excel writes after a row's last value
                if len(record) > max_columns:
                    raise Refused(("too-wide", len(rows) + 1, len(record)))
                rows.append(record)
        except csv.Error as error:
            if "field limit" in str(error):
                raise Refused(("long-cell", len(rows) + 1)) from None
            raise Refused("damaged") from None
    return rows


READERS = {"calamine": read_calamine, "openpyxl": read_openpyxl, "csv": read_csv}


def trimmed(rows: list[list]) -> list[list]:
    """Rows without their trailing empty cells, and no empty rows at the end."""
    for row in rows:
        while row and (row[-1] is None or row[-1] == ""):
            row.pop()
    while rows and not rows[-1]:
        rows.pop()
    return rows


def parse(path: str, options: dict) -> tuple[str, object]:
    for name in options["readers"]:
        try:
            return "rows", trimmed(READERS[name](path, options))
        except Refused as refusal:
            return "refused", refusal.args[0]
        except MemoryError:
            return "refused", "memory"
        except Exception:
            continue  # the next reader, if any
    return "refused", "damaged"


def cap(kind: int, value: int) -> None:
    """Lower a limit of this process to ``value`` (never above what it may have already)."""
    _soft, hard = resource.getrlimit(kind)
    if hard != resource.RLIM_INFINITY:
        value = min(value, hard)
    resource.setrlimit(kind, (value, value))


def main() -> None:
    path, memory, seconds, options = sys.argv[1:]
    cap(resource.RLIMIT_AS, int(memory))
    cap(resource.RLIMIT_CPU, int(seconds))
    answer = parse(path, json.loads(options))
    pickle.dump(answer, sys.stdout.buffer, protocol=pickle.HIGHEST_PROTOCOL)
    sys.stdout.buffer.flush()


if __name__ == "__main__":
    main()
