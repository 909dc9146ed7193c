"""Fixing rows on the page: the rows the check found invalid (and those fixed), with the
cells the import read, and the outcome of one row once a cell of it is fixed.

The fixes themselves are the library's (importer/fixes.py): a fixes file in the job's
folder, which every check and import of the job applies as the rows are read. The uploaded
file is never changed.

One row's outcome is worked out by the import's own code: the job's plan (its region, name
rules and columns) normalizes the row with its fixed cells; duplicates are judged against
the last check's results (the rest of the file), and the ledger says whether the contact is
already in the address book. The check that runs after each fix then updates the counts.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from ..fixes import RowFixes, fixed_headers, fixed_note
from ..models import RowResult, Status
from ..normalize.dedupe import duplicate_of
from ..pipeline import Plan
from ..problems import PHONE_CODES, Code
from ..read.columns import ColumnMap
from ..report.ledger import Ledger
from ..result_format import RESULT_COLUMNS, RESULTS_ENCODING
from .words import row_detail

#: How many invalid rows the check lists for fixing (the count says how many there are).
ROWS_SHOWN = 200
#: The roles of the cells a row's contact is made from, as the page names them.
ROLES = ("phone", "name", "first_name", "last_name")


def role_columns(columns: ColumnMap) -> list[tuple[str, int]]:
    """(role, column) of every cell the import reads for a contact: the phone columns in the
    order a row tries them, then the names."""
    found = [("phone", columns.phone), *(("phone", i) for i in columns.phone_alternatives)]
    for role in ROLES[1:]:
        index = getattr(columns, role)
        if index is not None:
            found.append((role, index))
    return found


def cause_of(result: RowResult) -> str | None:
    """The role whose cell a row's problem is about: "phone" for a phone's, "name" for a
    missing name, None for another (a cell too long…)."""
    code = result.problem.code if result.problem is not None else None
    if code in PHONE_CODES:
        return "phone"
    if code is Code.NO_NAME:
        return "name"
    return None


def page_detail(result: RowResult, fixed: Sequence[str] = ()) -> str:
    """A row's detail as the page lists it: its problem in the page's words (or its notes,
    when it has none), and which cells were fixed (`fixed`: their headers, in the file's
    order, from the fixes themselves: the detail's text is never parsed)."""
    if result.problem is None:
        return result.detail  # notes only (the fix note among them): said as they are
    text = row_detail(result)
    return f"{text}; {fixed_note(fixed)}" if fixed else text


class FixableRows:
    """The rows the page offers to fix: the first ROWS_SHOWN invalid ones, and every row
    fixed already (to show what it became, and undo it)."""

    def __init__(self, columns: ColumnMap, headers: list[str], fixes: RowFixes) -> None:
        self.cells = role_columns(columns)
        self.headers = headers
        self.fixes = fixes
        self.rows: list[dict[str, Any]] = []
        self.invalid = 0

    def add(self, result: RowResult) -> None:
        fixed = self.fixes.rows.get(result.row)
        if result.status is Status.INVALID:
            self.invalid += 1
        elif not fixed:
            return
        if len(self.rows) >= ROWS_SHOWN and not fixed:
            return
        self.rows.append(row_view(result, self.cells, self.headers, fixed or {}))

    def view(self) -> dict[str, Any]:
        return {"rows": self.rows, "invalid": self.invalid, "shown_max": ROWS_SHOWN,
                "fixed": len(self.fixes.rows)}


def row_view(result: RowResult, cells: Iterable[tuple[str, int]], headers: list[str],
             fixed: dict[str, str]) -> dict[str, Any]:
    """One row as the page lists it: its cells (the file's, and the fix), its outcome."""
    cause = cause_of(result) if result.status is Status.INVALID else None
    shown = []
    for role, index in cells:
        header = headers[index] if index < len(headers) else f"column {index + 1}"
        value = result.values[index] if index < len(result.values) else ""
        shown.append({"role": role, "column": header, "value": value,
                      "fixed": fixed.get(header),
                      "cause": cause is not None and (role == cause or (
                          cause == "name" and role in ("first_name", "last_name")))})
    return {"row": result.row, "status": result.status.value,
            "detail": page_detail(result, fixed_headers(headers, fixed)),
            "chat_id": result.chat_id,
            "first_name": result.first_name, "last_name": result.last_name,
            "cells": shown, "fixed": bool(fixed)}


def column_for(plan: Plan, field: str) -> str:
    """The header of the column a fix of `field` goes to: a role ("phone", "name",
    "first_name", "last_name": the column the import reads it from) or a header itself."""
    headers = plan.table.headers
    if field in headers:
        return field
    if field in ROLES:
        index = getattr(plan.columns, field)
        if index is not None:
            return headers[index]
        raise ValueError(f"the import reads no {field.replace('_', ' ')} column: fix the "
                         "column it reads instead")
    raise ValueError(f"no column {field!r} in the file")


def outcome(plan: Plan, number: int, *, checked: Path, ledger: Ledger | None) -> RowResult:
    """What row `number` becomes with the plan's fixes, as the import would make it: its
    own outcome, a duplicate of an earlier row the last check (`checked`, its results)
    sends with the same number, or unchanged when the ledger has it."""
    source = next((row for row in plan.table.rows if row.number == number), None)
    close = getattr(plan.table.rows, "close", None)
    if close is not None:
        close()
    if source is None:
        raise ValueError(f"there is no row {number} in the file")
    items = list(plan.normalizer.prepare_in_process(plan.checked([source])))
    item = items[0]
    if item.status is Status.READY and item.contact is not None:
        kept = _kept_elsewhere(checked, item.contact.chat_id, number,
                               last=plan.options.duplicates == "last")
        if kept is not None:
            item = duplicate_of(item, *kept)
        elif ledger is not None and not plan.options.resend:
            item = next(iter(ledger.skip_unchanged([item], max_age=plan.options.max_age)))
    return RowResult.from_prepared(item)


def _kept_elsewhere(checked: Path, chat_id: str, number: int, *,
                    last: bool) -> tuple[int, str] | None:
    """(row, name) of the row the last check sends (or has in the address book) with
    `chat_id` that this row would be a duplicate of: an earlier one (a later one with
    `duplicates="last"`); None when there is none."""
    if not checked.is_file():
        return None
    with checked.open(encoding=RESULTS_ENCODING, newline="") as f:
        for line in csv.reader(f):
            if len(line) <= _LAST or line[_CHAT_ID] != chat_id or not line[_ROW].isdigit():
                continue
            row = int(line[_ROW])
            if row == number or line[_STATUS] not in _KEPT:
                continue
            if (row > number) == last:
                return row, " ".join(part for part in (line[_FIRST], line[_LAST]) if part)
    return None


_ROW, _STATUS, _CHAT_ID, _FIRST, _LAST = (
    RESULT_COLUMNS.index(name)
    for name in ("row", "status", "chat_id", "first_name", "last_name"))
#: The statuses of a checked row that keeps its number (a later row with it is a duplicate).
_KEPT = frozenset(status.value for status in (Status.READY, Status.UNCHANGED, Status.OK))


def parse_fix(data: object) -> tuple[int, str, str | None]:
    """(row, field, value) of a fix as the page sends it: `{"row": 7, "field": "phone",
    "value": "0100 123 4567"}`; `"undo": true` (or no value) undoes the row's fix of that
    field, and without a field every fix of the row."""
    if not isinstance(data, dict):
        raise ValueError("a fix must be a JSON object: {\"row\": 7, \"field\": \"phone\", "
                         "\"value\": \"…\"}")
    row = data.get("row")
    if isinstance(row, str) and row.strip().isdigit():
        row = int(row)
    if not isinstance(row, int) or isinstance(row, bool) or row < 1:
        raise ValueError("a fix names its row by number, as the spreadsheet shows it")
    field = data.get("field", data.get("column")) or ""
    value = data.get("value")
    if not isinstance(field, str) or (value is not None and not isinstance(value, str)):
        raise ValueError("a fix's field and value are text")
    if data.get("undo"):
        value = None
    if value is not None and not field:
        raise ValueError("a fix names the field it changes: phone, name, first_name, "
                         "last_name, or a column's header")
    return row, field, value


def fix_words(data: object) -> str:
    """What the activity log says of a fix (one `fix_row` accepted): the row and the field,
    never the value."""
    if isinstance(data, dict) and data.get("undo_all") is True:
        return "every fix undone"
    row, field, value = parse_fix(data)
    if not field:
        return f"row {row}: its fixes undone"
    return f"row {row}, {field}" + (": undone" if value is None else "")


def outcome_view(result: RowResult, fixed: Sequence[str] = ()) -> dict[str, Any]:
    """A row's outcome as the fix's answer gives it (`fixed`: the headers of its fixed
    cells, as `fixed_headers` gives them)."""
    return {"row": result.row, "status": result.status.value, "chat_id": result.chat_id,
            "first_name": result.first_name, "last_name": result.last_name,
            "detail": page_detail(result, fixed),
            "sends": result.status is Status.READY}


__all__ = ["ROWS_SHOWN", "FixableRows", "column_for", "fix_words", "outcome", "outcome_view",
           "page_detail", "parse_fix", "row_view"]

