"""Which row is the header: title blocks and notes above it are skipped."""

from __future__ import annotations

from collections.abc import Sequence

from .columns import is_phone_header

#: A cell with this many digits is data (a phone, a date, an amount), not a column name.
_DATA_DIGITS = 5


def find_header(rows: Sequence[tuple[int, Sequence[str]]]) -> int:
    """The index in `rows` (the first non-blank rows, with their numbers) of the header row.

    The header is the first row that names a phone column, else the first row that is as
    wide as the table, holds no number-like cell and has rows below it, else the first row.
    A title block is one or two cells wide, so it never wins; a row needs two cells
    unless the table itself is one column wide.
    """
    widths = [sum(1 for c in cells if c.strip()) for _, cells in rows]
    if not widths:
        raise ValueError("no rows to find a header in")
    widest = max(widths)
    least = 1 if widest == 1 else 2
    for index, (_, cells) in enumerate(rows):
        if widths[index] >= least and any(is_phone_header(c) for c in cells if c.strip()):
            return index
    wide = max(least, (widest + 1) // 2)
    for index, (_, cells) in enumerate(rows):
        followed = index + 1 < len(rows)
        if widths[index] >= wide and followed and not any(_looks_like_data(c) for c in cells):
            return index
    return 0


def _looks_like_data(cell: str) -> bool:
    return sum(ch.isdigit() for ch in cell) >= _DATA_DIGITS
