"""Parse a workbook's first sheet in a child process under a memory and CPU cap.

``reader.read_rows`` runs this file with ``python -P parse_child.py PATH MAX_ROWS MEMORY
SECONDS READER...`` after ``reader.check_file`` has bounded the file, so that a reader bug (or
a file the checks missed) costs this child its life, never the web or task worker's. It
imports no Django and no project module: its answer is a pickle on stdout, either
``("rows", rows)``, each row a list of cell values without its trailing blank cells and
without the blank rows at the end, or ``("refused", code)`` with a code that the parent
translates (see ``reader.CHILD_REFUSALS``).
"""

from __future__ import annotations

import pickle
import resource
import sys


class Refused(Exception):
    pass


def read_calamine(path: str, max_rows: int) -> list[list]:
    from python_calamine import CalamineWorkbook, PasswordError

    try:
        # From the content, not the name: a file named .xlsb or .ods is still read as the
        # xlsx that the checks saw.
        with open(path, "rb") as handle:
            workbook = CalamineWorkbook.from_filelike(handle)
    except PasswordError:
        raise Refused("password") from None
    if not workbook.sheet_names:
        raise Refused("no-sheet")
    sheet = workbook.get_sheet_by_index(0)
    # Header row plus data rows; a few blank rows at the end are common.
    if sheet.total_height > max_rows + 1 and sheet.height > max_rows + 1:
        raise Refused("too-many")
    # From A1, so that list positions are Excel's row numbers.
    return sheet.to_python(skip_empty_area=False)


def read_openpyxl(path: str, max_rows: int) -> list[list]:
    import openpyxl

    # A file object: openpyxl would refuse a path not named .xlsx.
    with open(path, "rb") as handle:
        try:
            workbook = openpyxl.load_workbook(handle, read_only=True, data_only=True)
        except MemoryError:
            raise
        except Exception:
            raise Refused("damaged") from None
        try:
            sheet = workbook.worksheets[0]
        except IndexError:
            raise Refused("no-sheet") from None
        if (sheet.max_row or 0) > max_rows + 1:
            raise Refused("too-many")
        try:
            rows = [list(row) for row in sheet.iter_rows(values_only=True)]
        except MemoryError:
            raise
        except Exception:
            raise Refused("damaged") from None
        workbook.close()
    return rows


READERS = {"calamine": read_calamine, "openpyxl": read_openpyxl}


def trimmed(rows: list[list]) -> list[list]:
    """Rows without their trailing empty cells, and no empty rows at the end."""
    for row in rows:
        while row and row[-1] is None:
            row.pop()
    while rows and not rows[-1]:
        rows.pop()
    return rows


def parse(path: str, max_rows: int, readers: list[str]) -> tuple[str, object]:
    for name in readers:
        try:
            return "rows", trimmed(READERS[name](path, max_rows))
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
    path, max_rows, memory, seconds, *readers = sys.argv[1:]
    cap(resource.RLIMIT_AS, int(memory))
    cap(resource.RLIMIT_CPU, int(seconds))
    answer = parse(path, int(max_rows), readers)
    pickle.dump(answer, sys.stdout.buffer, protocol=pickle.HIGHEST_PROTOCOL)
    sys.stdout.buffer.flush()


if __name__ == "__main__":
    main()
