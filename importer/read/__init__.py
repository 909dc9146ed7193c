"""Readers: open any supported spreadsheet as a `Table` of text rows."""

from __future__ import annotations

from pathlib import Path

from ..errors import InputFileError
from .columns import ColumnMap, map_columns
from .csvfile import open_csv
from .table import Table, TableInfo
from .workbook import open_workbook

WORKBOOK_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}

__all__ = ["ColumnMap", "Table", "TableInfo", "map_columns", "open_table"]


def open_table(path: Path, *, sheet: str | None = None, encoding: str | None = None,
               delimiter: str | None = None, header_row: int | None = None) -> Table:
    """Open `path` as a table, choosing the reader by the file's extension."""
    if not path.exists():
        raise InputFileError(f"no such file: {path}")
    if path.is_dir():
        raise InputFileError(f"{path} is a folder, not a spreadsheet")
    if path.suffix.lower() in WORKBOOK_SUFFIXES:
        return open_workbook(path, sheet=sheet)
    return open_csv(path, encoding=encoding, delimiter=delimiter)
