"""Readers: open any supported spreadsheet as a `Table` of text rows.

    open_table ─ sniff.detect_kind (by content; zip bomb check)
               ├─ csvfile.open_csv       encoding.py, delimiter sniffing, header.py
               ├─ workbook.open_workbook python-calamine, sheets.py (which sheet), numfmt.py,
               │                         header.py
               ├─ vcard.open_vcard       vobject, one row per card
               └─ html.open_html         lxml.html, the table with most phone evidence
    map_columns ─ columns.py with the words of synonyms.py
"""

from __future__ import annotations

from pathlib import Path

from ..errors import ConfigError, InputFileError
from ..notes import NoteCode, note
from .columns import ColumnMap, map_columns
from .csvfile import open_csv
from .html import open_html
from .limits import MAX_CELL_CHARS, MAX_COLUMNS
from .sniff import detect_kind
from .table import KIND_LABELS, Table, TableInfo
from .vcard import open_vcard
from .workbook import open_workbook

__all__ = ["MAX_CELL_CHARS", "MAX_COLUMNS", "ColumnMap", "Table", "TableInfo", "map_columns",
           "open_table"]


def open_table(path: Path, *, sheet: str | None = None, encoding: str | None = None,
               delimiter: str | None = None, header_row: int | None = None,
               max_rows: int | None = None, no_header: bool = False) -> Table:
    """Open `path` as a table, choosing the reader by what the file holds, not its name.

    `sheet`, `encoding`, `delimiter` and `header_row` override what would be detected;
    `no_header` reads every row as data, the columns named 1, 2, 3…; `max_rows` refuses a
    file with more data rows. Raises a UsageError subclass when the file cannot be used;
    nothing in it has been passed on by then.
    """
    if no_header and header_row is not None:
        raise ConfigError(note=note(NoteCode.HEADER_OPTIONS_CONTRADICT))
    path = Path(path)
    if header_row is not None and header_row < 1:
        raise ConfigError(f"header row must be 1 or more, not {header_row}")
    if max_rows is not None and max_rows < 0:
        raise ConfigError(f"max rows must be 0 or more, not {max_rows}")
    if not path.exists():
        raise InputFileError(f"no such file: {path}")
    if path.is_dir():
        raise InputFileError(f"{path} is a folder, not a spreadsheet")
    kind, notes = detect_kind(path)
    if kind in ("vcard", "html"):
        given = [option for option, value in (("sheet", sheet), ("encoding", encoding),
                                              ("delimiter", delimiter)) if value is not None]
        if kind == "vcard" and (header_row is not None or no_header):
            given.append("header_row" if header_row is not None else "no_header")
        if given:
            notes.append(note(NoteCode.OPTIONS_IGNORED, options=tuple(given),
                              kind=KIND_LABELS[kind]))
        if kind == "vcard":
            return open_vcard(path, max_rows=max_rows, notes=notes)
        return open_html(path, header_row=header_row, max_rows=max_rows, no_header=no_header,
                         notes=notes)
    if kind == "csv":
        if sheet is not None:
            notes.append(note(NoteCode.SHEET_IGNORED, sheet=sheet))
        return open_csv(path, encoding=encoding, delimiter=delimiter, header_row=header_row,
                        max_rows=max_rows, notes=notes, no_header=no_header)
    ignored = [option for option, value in (("encoding", encoding), ("delimiter", delimiter))
               if value is not None]
    if ignored:
        notes.append(note(NoteCode.TEXT_OPTIONS_IGNORED, options=tuple(ignored)))
    return open_workbook(path, kind, sheet=sheet, header_row=header_row, max_rows=max_rows,
                         notes=notes, no_header=no_header)
