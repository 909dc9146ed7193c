"""Excel and OpenDocument workbooks, read with python-calamine."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import python_calamine

from ..errors import InputFileError, SheetError
from ..models import SourceRow
from .cells import cell_text
from .table import Table, TableInfo


def open_workbook(path: Path, *, sheet: str | None = None) -> Table:
    """Open a sheet (by name or 1-based index; default the first with data); row 1 is the header."""
    try:
        book = python_calamine.CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own error types per format
        raise InputFileError(f"{path.name}: not a readable workbook ({exc})") from None
    names = list(book.sheet_names)
    chosen = _choose_sheet(book, names, sheet)
    data = book.get_sheet_by_name(chosen)
    rows = data.iter_rows()
    headers = next(rows, None)
    if headers is None:
        raise InputFileError(f"{path.name}: sheet {chosen!r} is empty")
    info = TableInfo(kind=path.suffix.lower().lstrip("."), sheet=chosen, sheets=names)
    return Table(headers=[cell_text(h) for h in headers], rows=_rows(rows), info=info)


def _choose_sheet(book: python_calamine.CalamineWorkbook, names: list[str],
                  sheet: str | None) -> str:
    if sheet is None:
        for name in names:
            if book.get_sheet_by_name(name).height:
                return name
        raise InputFileError("the workbook has no sheet with data")
    if sheet in names:
        return sheet
    if sheet.isdigit() and 1 <= int(sheet) <= len(names):
        return names[int(sheet) - 1]
    raise SheetError(f"no sheet {sheet!r}; the sheets are: {', '.join(names)}")


def _rows(rows: Iterator[list[object]]) -> Iterator[SourceRow]:
    for number, cells in enumerate(rows, start=2):
        texts = tuple(cell_text(c) for c in cells)
        if any(t.strip() for t in texts):
            yield SourceRow(number, texts)
