"""The results file's format, for the writers that make it and the reader that retries it.

One line per input row: ten columns of ours (`RESULT_COLUMNS`), then the input's own
cells. The last two, `code` and `params`, are the row's problem as data (see problems.py);
files written before them have the first eight only, and are read back all the same. A cell
that Excel would run as a formula is written with a leading ' (`safe_cell`);
`unsafe_cell` reads it back.

The CSV is UTF-8 with a byte order mark (`RESULTS_ENCODING`): Excel opens a CSV without one
in the machine's ANSI code page, which garbles Arabic, Greek or accented names. Readers of a
results file (`--retry-failed`) take it with or without the mark.
"""

from __future__ import annotations

import re

from .models import STATUS_TEXT, RowResult, Status
from .problems import CODE_TEXT, encode_params

RESULT_COLUMNS = ("row", "status", "chat_id", "first_name", "last_name", "attempts",
                  "http_status", "detail", "code", "params")
#: The columns of a results file written before the problem code.
RESULT_COLUMNS_BEFORE_CODE = RESULT_COLUMNS[:8]

_GREEN, _RED, _GREY, _AMBER, _BLUE = "C6EFCE", "FFC7CE", "E7E6E6", "FFEB9C", "DDEBF7"
#: The colour each status is shown in (RGB hex): the workbook's status cells, the web
#: page's bars.
STATUS_COLOURS: dict[Status, str] = {
    Status.OK: _GREEN,
    Status.READY: _BLUE,
    Status.INVALID: _RED,
    Status.FAILED: _RED,
    Status.NOT_ON_WHATSAPP: _AMBER,
    Status.DUPLICATE: _GREY,
    Status.UNCHANGED: _GREY,
    Status.NOT_ATTEMPTED: _GREY,
}
#: How the results CSV is written; "utf-8-sig" reads it back with or without the mark.
RESULTS_ENCODING = "utf-8-sig"

# OWASP CSV injection: Excel runs a cell that starts with one of these as a formula.
_FORMULA_START = ("=", "@", "\t", "\r")
#: Every first character after which `safe_cell` may change a cell; any other is kept as is.
CELL_RISKY_FIRST = "".join(_FORMULA_START) + "+-"
_PHONE_LIKE = re.compile(r"^[+-]?[\d\s().\-/]*\d[\d\s().\-/]*$")


def safe_cell(text: str) -> str:
    """`text`, prefixed with ' when Excel would otherwise run it as a formula."""
    if not text:
        return text
    if text.startswith(_FORMULA_START):
        return "'" + text
    if text[0] in "+-" and not _PHONE_LIKE.match(text):
        return "'" + text
    return text


def unsafe_cell(text: str) -> str:
    """Undo `safe_cell`: the text of a cell the results CSV prefixed with ' for Excel."""
    if text.startswith("'") and safe_cell(text[1:]) == text:
        return text[1:]
    return text


def result_cells(result: RowResult, width: int) -> list[str]:
    """The cells of one results line, input columns padded to the header's width."""
    values = list(result.values)
    if len(values) < width:
        values.extend([""] * (width - len(values)))
    found = result.problem
    return [
        str(result.row), STATUS_TEXT[result.status], result.chat_id, result.first_name,
        result.last_name, str(result.attempts),
        "" if result.http_status is None else str(result.http_status), result.detail,
        "" if found is None else CODE_TEXT[found.code], encode_params(found),
        *values,
    ]


def is_results_header(headers: list[str]) -> bool:
    """Whether a header row starts with the columns of a results file (of any version)."""
    return tuple(headers[:len(RESULT_COLUMNS_BEFORE_CODE)]) == RESULT_COLUMNS_BEFORE_CODE


def result_columns(headers: list[str]) -> int:
    """How many of a results file's first columns are ours: 10, or 8 in a file written
    before the problem code (its input's own columns follow)."""
    if tuple(headers[:len(RESULT_COLUMNS)]) == RESULT_COLUMNS:
        return len(RESULT_COLUMNS)
    return len(RESULT_COLUMNS_BEFORE_CODE)


__all__ = ["CELL_RISKY_FIRST", "RESULTS_ENCODING", "RESULT_COLUMNS", "RESULT_COLUMNS_BEFORE_CODE",
           "STATUS_COLOURS", "is_results_header", "result_cells", "result_columns", "safe_cell",
           "unsafe_cell"]
