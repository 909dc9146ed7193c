"""Which row is the header: title blocks and notes above it are skipped."""

from __future__ import annotations

from collections.abc import Sequence

from .columns import header_key, is_phone_header

#: A cell with this many digits is data (a phone, a date, an amount), not a column name.
_DATA_DIGITS = 5


def find_header(rows: Sequence[tuple[int, Sequence[str]]]) -> int:
    """The index in `rows` (the first non-blank rows, with their numbers) of the header row.

    The header is the first row that names a phone column, else the first row that is as
    wide as the table, holds no number-like cell and has rows below it, else the first row.
    A title block is one or two cells wide, so it never wins; a row needs two cells
    unless the table itself is one column wide, or its one cell is just a phone word
    ("Phone", "Mobile") above wider data rows. A row holding a number-like cell, or whose
    phone word sits in a long or multi-line cell (a note, a title), never names a column.
    """
    widths = [sum(1 for c in cells if c.strip()) for _, cells in rows]
    if not widths:
        raise ValueError("no rows to find a header in")
    widest = max(widths)
    least = 1 if widest == 1 else 2
    for index, (_, cells) in enumerate(rows):
        filled = [c for c in cells if c.strip()]
        if not filled or any(_looks_like_data(c) for c in filled):
            continue
        named = [c for c in filled if _names_a_column(c) and is_phone_header(c)]
        if named and (widths[index] >= least or _is_phone_word(named[0])):
            return index
    wide = max(least, (widest + 1) // 2)
    for index, (_, cells) in enumerate(rows):
        followed = index + 1 < len(rows)
        if widths[index] >= wide and followed and not any(_looks_like_data(c) for c in cells):
            return index
    return 0


#: A header cell is short; a longer one is a title or a note that happens to say "phone".
_HEADER_CHARS = 60


def _names_a_column(cell: str) -> bool:
    text = cell.strip()
    return "\n" not in text and "\r" not in text and len(text) <= _HEADER_CHARS


def _is_phone_word(cell: str) -> bool:
    """One or two words that each say phone: "Phone", "Mobile Phone", "WhatsApp"."""
    words = header_key(cell).split()
    return 0 < len(words) <= 2 and all(is_phone_header(w) for w in words)


def _looks_like_data(cell: str) -> bool:
    return sum(ch.isdigit() for ch in cell) >= _DATA_DIGITS
