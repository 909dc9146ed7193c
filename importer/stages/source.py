"""The first stage: the rows of a run's input."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Protocol

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
    """The rows of an opened input, a phone cell that is a number no phone can be
    (1.797E+308) marked."""

    def __init__(self, options: ImportOptions, table: Table, columns: ColumnMap) -> None:
        self.options = options
        self.table = table
        self.columns = columns

    def rows(self) -> Iterator[SourceRow]:
        return self.checked(self.table.rows)

    def again(self) -> Iterator[SourceRow]:
        return self.checked(open_input(self.options).rows)

    def checked(self, rows: Iterable[SourceRow]) -> Iterator[SourceRow]:
        columns = self.columns
        return mark_impossible_phones(rows, columns.phone, columns.phone_alternatives,
                                      self.table.headers)


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
