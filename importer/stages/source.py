"""The first stage: the rows of a run's input."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Protocol

from ..fixes import RowFixes
from ..models import SourceRow, Status
from ..options import ImportOptions
from ..read import ColumnMap, Table, open_table
from ..read.limits import mark_impossible_phones
from ..read.results_input import open_previous_results
from ..report.summary import RETRY_FAILED_STATUSES, RETRY_INVALID_STATUSES


class Source(Protocol):
    """Where the rows come from; `again` is a fresh pass over the same rows (--duplicates
    last reads the input twice)."""

    def rows(self) -> Iterator[SourceRow]: ...
    def again(self) -> Iterator[SourceRow]: ...


class TableSource:
    """The rows of an opened input, with their cells fixed by hand (`fixes`, the `fixes`
    setting's file: a fixed row is normalized with its new cells and keeps the file's), and
    a phone cell that is a number no phone can be (1.797E+308) marked."""

    def __init__(self, options: ImportOptions, table: Table, columns: ColumnMap,
                 fixes: RowFixes | None = None) -> None:
        self.options = options
        self.table = table
        self.columns = columns
        self.fixes = fixes if fixes is not None else RowFixes()

    def rows(self) -> Iterator[SourceRow]:
        return self.checked(self.table.rows)

    def again(self) -> Iterator[SourceRow]:
        return self.checked(open_input(self.options).rows)

    def checked(self, rows: Iterable[SourceRow]) -> Iterator[SourceRow]:
        columns, headers = self.columns, self.table.headers
        # fixed first: a phone fixed by hand is judged as the fix wrote it
        rows = self.fixes.apply(rows, headers)
        return mark_impossible_phones(rows, columns.phone, columns.phone_alternatives,
                                      headers)


def retry_statuses(options: ImportOptions) -> frozenset[Status]:
    """The statuses of an earlier run's rows that this run sends again."""
    statuses: frozenset[Status] = frozenset()
    if options.retry_failed:
        statuses |= RETRY_FAILED_STATUSES
    if options.retry_invalid:
        statuses |= RETRY_INVALID_STATUSES
    return statuses


def open_input(options: ImportOptions) -> Table:
    """The input's rows: the spreadsheet, or for a retry the earlier run's results file."""
    if options.retrying:
        return open_previous_results(options.input, retry=retry_statuses(options))
    return open_table(options.input, sheet=options.sheet, encoding=options.encoding,
                      delimiter=options.delimiter, header_row=options.header_row,
                      max_rows=options.max_rows, no_header=options.no_header)


__all__ = ["Source", "TableSource", "open_input", "retry_statuses"]
