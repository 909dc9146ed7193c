"""Limits that keep a hostile or broken file from exhausting memory, and the row check they drive.

A structural problem (too many columns, a record too long to be real, a zip bomb) stops the run
before anything is sent; a problem confined to one cell is carried on that row as data.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator, Sequence

from ..models import SourceRow
from ..problems import Code, Problem, problem
from .cells import impossible_number

#: Excel's own limit for one cell; a longer cell is cut to this and its row reported invalid.
MAX_CELL_CHARS = 32_767
#: More columns than this is not a contact list (Excel allows 16,384, nobody imports that).
MAX_COLUMNS = 1_000
#: One CSV record (all its lines) may not exceed this many characters. It bounds the memory
#: a single pathological line can take, while leaving room for an over-long cell to be cut
#: and reported on its row rather than stop the run.
MAX_RECORD_CHARS = 4 * 1024 * 1024
#: A workbook whose parts unpack to more than this is refused (zip bomb guard). calamine
#: holds a sheet in memory at about the size of its XML; 200,000 rows × 5 columns is ~63 MB,
#: so this leaves room for a million-row sheet. Bigger exports are read as CSV, in a stream.
MAX_UNPACKED_BYTES = 512 * 1024 * 1024
#: A zip member that inflates more than this many times its packed size is refused. Sheet
#: XML packs 10–15× (measured: openpyxl output, with and without formatted empty rows);
#: a deflate bomb packs 200× (fastest level) to 1,000×.
MAX_PACK_RATIO = 100
#: The ratio check only applies to members larger than this once unpacked: tiny parts can
#: have any ratio without costing memory.
RATIO_CHECK_MIN_BYTES = 8 * 1024 * 1024
#: The header is looked for among the first rows of the sheet or file.
HEADER_SEARCH_ROWS = 30


def make_row(number: int, cells: Sequence[str], headers: Sequence[str]) -> SourceRow:
    """A SourceRow, with over-long cells cut and too many cells dropped, each noted as a problem.

    Trailing empty cells beyond the header are dropped first: they are what a spreadsheet's
    formatted-but-empty columns look like, not data.
    """
    width = len(headers)
    if len(cells) > width and not cells[-1]:
        end = len(cells)
        while end > width and not cells[end - 1]:
            end -= 1
        cells = cells[:end]
    problems: list[Problem] = []
    if len(cells) > MAX_COLUMNS:
        problems.append(problem(Code.ROW_TOO_WIDE, cells=len(cells), limit=MAX_COLUMNS))
        cells = cells[:MAX_COLUMNS]
    values = tuple(cells)
    if values and max(map(len, values)) > MAX_CELL_CHARS:
        cut = []
        for index, cell in enumerate(values):
            if len(cell) > MAX_CELL_CHARS:
                problems.append(problem(Code.CELL_TOO_LONG, column=column_label(headers, index),
                                        chars=len(cell), limit=MAX_CELL_CHARS))
                cell = cell[:MAX_CELL_CHARS]
            cut.append(cell)
        values = tuple(cut)
    return SourceRow(number, values, tuple(problems)) if problems else SourceRow(number, values)


def widened_headers(headers: list[str], rows: Iterable[SourceRow]) -> list[str]:
    """The headers, with a numbered label ("column 7") for each column that rows fill
    beyond them, so that a ragged row's extra cells can be named and chosen."""
    width = max((len(row.values) for row in rows), default=0)
    if width <= len(headers):
        return headers
    if headers == numbered_headers(len(headers)):
        return numbered_headers(width)
    return [*headers, *(f"column {i}" for i in range(len(headers) + 1, width + 1))]


def mark_impossible_phones(rows: Iterable[SourceRow], phone: int, others: Sequence[int],
                           headers: Sequence[str]) -> Iterator[SourceRow]:
    """The rows, those whose phone cell is a number no phone can be (1.797E+308, #NUM!)
    marked invalid with why, unless another phone column of the row has a value.

    Such a cell is a number the spreadsheet stored, not text someone typed: the phone
    parser would only see "letters" in it, or nothing at all.
    """
    for row in rows:
        values = row.values
        cell = values[phone] if phone < len(values) else ""
        why = impossible_number(cell) if cell[-1:].isdigit() or cell[-1:] == "!" else None
        if why is not None and not any(
                i < len(values) and values[i].strip() and impossible_number(values[i]) is None
                for i in others):
            # replace, not a new row: a row fixed by hand keeps its original cells
            row = dataclasses.replace(row, problems=(
                *row.problems, problem(Code.PHONE_IMPOSSIBLE,
                                       column=column_label(headers, phone), why=why)))
        yield row


def numbered_headers(width: int) -> list[str]:
    """The headers of a file without a header row: "1", "2", "3"… (so `--phone-column 2`
    names the second column either way)."""
    return [str(i) for i in range(1, width + 1)]


def column_label(headers: Sequence[str], index: int) -> str:
    """How a problem names a column: its header, else its 1-based number."""
    if index < len(headers) and headers[index].strip():
        return f"column {headers[index]!r}"
    return f"column {index + 1}"


def is_blank(cells: Sequence[str]) -> bool:
    """True when no cell holds anything but spaces: such a row is not a data row."""
    return not any(map(str.strip, cells))
