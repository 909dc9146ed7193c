"""A previous results file as input, for `--retry-failed` and `--retry-invalid`.

A results file carries every input column after its own ten (eight in a file written before
the problem code), so it is all a re-run needs:

- rows whose status is to be retried (failed and not_attempted; with `--retry-invalid` also
  invalid and not_on_whatsapp) are read again from their input columns, so a phone fixed by
  hand in the file is parsed afresh, and keep their original row numbers;
- every other line is carried over unchanged, so the new results file again covers every row
  of the original spreadsheet and can itself be retried.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputFileError
from ..models import Contact, Prepared, RowResult, SourceRow, Status
from ..normalize.dedupe import NumberIndex, chat_number, contact_name
from ..notes import NoteCode, note
from ..problems import decode_problem
from ..result_format import (
    RESULT_COLUMNS_BEFORE_CODE,
    is_results_header,
    result_columns,
    unsafe_cell,
)
from . import open_table
from .table import Table

#: Statuses only a real run writes: a file holding one is a real run's results.
SENT_STATUSES = frozenset({Status.OK, Status.FAILED, Status.NOT_ATTEMPTED})


@dataclass(frozen=True, slots=True)
class CarriedRow(SourceRow):
    """A row of the previous results that is not retried: its lines are written again as is."""

    previous: tuple[RowResult, ...] = ()


def open_previous_results(path: Path, *, retry: Collection[Status]) -> Table:
    """Open a results file: rows to retry as plain `SourceRow`s, the rest as `CarriedRow`s.

    The table's headers are the input's own columns, as in the original spreadsheet.
    """
    table = _results_table(path)
    retried = frozenset(retry)
    unescape = table.info.kind == "csv"
    width = result_columns(table.headers)
    rows = _grouped(_results(table.rows, path.name, unescape=unescape, width=width), retried)
    info = table.info
    info.notes.append(note(NoteCode.RETRY_ROWS, statuses=tuple(sorted(s.value for s in retried))))
    return Table(headers=table.headers[width:], rows=rows, info=info)


def _results_table(path: Path) -> Table:
    """A results file opened as a table; InputFileError when it is not one."""
    table = open_table(path, header_row=1)
    if not is_results_header(table.headers):
        raise InputFileError(f"{path.name} is not a results file of wawp-import (its first "
                             f"columns are not {', '.join(RESULT_COLUMNS_BEFORE_CODE)}): "
                             "--retry-failed and --retry-invalid read the results of an "
                             "earlier run")
    return table


def results_statuses(path: Path) -> Counter[Status] | None:
    """How many lines of a results file have each status; None when `path` is not a results
    file of wawp-import (or cannot be read as one)."""
    try:
        table = open_table(path, header_row=1)
    except InputFileError:
        return None
    counts: Counter[Status] = Counter()
    if not is_results_header(table.headers):
        return None
    try:
        for line in _results(table.rows, path.name, unescape=table.info.kind == "csv",
                             width=result_columns(table.headers)):
            counts[line.status] += 1
    except InputFileError:
        return None
    return counts


def sent_ok_numbers(path: Path, *, retry: Collection[Status],
                    on_retried_ok: Callable[[RowResult], None] | None = None) -> NumberIndex:
    """The numbers a results file has as `ok`, with their row and name: a fixed row with one
    of them is a duplicate, not sent again. A pass of its own over the file, since an ok
    line may come after the row to retry.

    A row to retry may have ok lines of its own (--all-numbers: one line per number): each
    is heard by `on_retried_ok`, so that number is not sent again when the row is retried.
    """
    table = _results_table(path)
    sent = NumberIndex()
    retried = frozenset(retry)
    try:
        lines = _results(table.rows, path.name, unescape=table.info.kind == "csv",
                         width=result_columns(table.headers))
        for group in _line_groups(lines):
            again = any(line.status in retried for line in group)
            for line in group:
                if line.status is Status.OK and line.chat_id:
                    sent.first(chat_number(line.chat_id), line.row,
                               contact_name(Contact(line.chat_id, line.first_name,
                                                    line.last_name)))
                    if again and on_retried_ok is not None:
                        on_retried_ok(line)
    except BaseException:  # whatever stops the reading: close the file, re-raise
        sent.close()
        raise
    return sent


def sent_ok_contacts(path: Path) -> Iterator[Contact]:
    """The contacts a results file has as written `ok`, as they were written (what
    `wawp-import ledger rebuild` puts back into a lost ledger)."""
    table = open_table(path, header_row=1)
    if not is_results_header(table.headers):
        raise InputFileError(f"{path.name} is not a results file of wawp-import (its first "
                             f"columns are not {', '.join(RESULT_COLUMNS_BEFORE_CODE)})")
    for line in _results(table.rows, path.name, unescape=table.info.kind == "csv",
                         width=result_columns(table.headers)):
        if line.status is Status.OK and line.chat_id:
            yield Contact(line.chat_id, line.first_name, line.last_name)


def _results(rows: Iterable[SourceRow], name: str, *, unescape: bool, width: int,
             ) -> Iterator[RowResult]:
    """The lines of a results file whose first `width` columns are ours."""
    for source in rows:
        cells = [unsafe_cell(c) for c in source.values] if unescape else list(source.values)
        cells += [""] * (width - len(cells))
        row, status, chat_id, first, last, attempts, http_status, detail = cells[:8]
        code, params = cells[8:10] if width > 8 else ("", "")
        where = f"{name} line {source.number}"
        try:
            result = RowResult(row=int(row), status=Status(status), chat_id=chat_id,
                               first_name=first, last_name=last,
                               attempts=int(attempts or 0),
                               http_status=int(http_status) if http_status else None,
                               detail=detail, values=tuple(cells[width:]),
                               problem=decode_problem(code, params))
        except ValueError:
            raise InputFileError(f"{where}: not a results line (row {row!r}, status "
                                 f"{status!r})") from None
        yield result


def _grouped(results: Iterable[RowResult], retried: frozenset[Status]) -> Iterator[SourceRow]:
    """One `SourceRow` per input row; it is retried when any of its lines is."""
    for group in _line_groups(results):
        yield _source(group, retried)


def _line_groups(results: Iterable[RowResult]) -> Iterator[list[RowResult]]:
    """The lines of each input row: consecutive lines of one row number (a cell holding two
    numbers gives two lines)."""
    group: list[RowResult] = []
    for result in results:
        if group and result.row != group[0].row:
            yield group
            group = []
        group.append(result)
    if group:
        yield group


def _source(group: list[RowResult], retried: frozenset[Status]) -> SourceRow:
    first = group[0]
    if any(r.status in retried for r in group):
        return SourceRow(first.row, first.values)
    return CarriedRow(first.row, first.values, previous=tuple(group))


def carried_items(row: CarriedRow) -> list[Prepared]:
    """A carried row as `Prepared` items that every stage passes through unchanged."""
    items = []
    for line in row.previous:
        contact = (Contact(line.chat_id, line.first_name, line.last_name) if line.chat_id
                   else None)
        items.append(Prepared(line.row, line.values, line.status, contact, line.detail,
                              previous=line, problem=line.problem))
    return items


@dataclass(slots=True)
class RetryCounts:
    """How many input rows a retry read again, and how many it carried over."""

    retried: int = 0
    carried: int = 0


def merge_retried(rows: Iterable[SourceRow],
                  prepare_all: Callable[[Iterable[SourceRow]], Iterable[Prepared]],
                  counts: RetryCounts | None = None) -> Iterator[Prepared]:
    """Rows to retry go through `prepare_all` (normalize, dedupe); carried rows go around it;
    the results come out in the file's order.

    `prepare_all` may give several items per row (or read ahead): each item is placed by its
    row number.
    """
    # In file order: a row number still to come out of prepare_all, or carried items.
    waiting: deque[int | list[Prepared]] = deque()
    counts = counts if counts is not None else RetryCounts()

    def fresh() -> Iterator[SourceRow]:
        for row in rows:
            if isinstance(row, CarriedRow):
                counts.carried += 1
                waiting.append(carried_items(row))
            else:
                counts.retried += 1
                waiting.append(row.number)
                yield row

    current: int | None = None
    for item in prepare_all(fresh()):
        if item.row != current:
            while waiting:
                head = waiting.popleft()
                if isinstance(head, list):
                    yield from head
                elif head == item.row:
                    break
            current = item.row
        yield item
    for head in waiting:
        if isinstance(head, list):
            yield from head


__all__ = ["SENT_STATUSES", "CarriedRow", "RetryCounts", "carried_items", "merge_retried",
           "open_previous_results", "results_statuses", "sent_ok_contacts", "sent_ok_numbers"]
