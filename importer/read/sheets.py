"""Which sheet of a workbook holds the contacts (html.py applies the same idea to tables).

Every sheet is scored on its first rows only: the header search window and a small sample
below it. The evidence, best first: a header naming a phone column, then cells that look
like phone numbers, then the number of rows. A sheet with phone evidence always beats one
without, so a cover, summary or instructions sheet placed first never hides the members;
a hidden sheet is read only when no visible one has evidence. Between sheets with the same
kind of evidence the first in workbook order wins, and the plan says which others had it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ..notes import Note, NoteCode, note
from .columns import is_phone_header
from .header import find_header
from .limits import HEADER_SEARCH_ROWS, is_blank
from .scoring import looks_like_phone

#: Rows looked at below the header to find phone-like cells: enough to see a pattern.
SAMPLE_ROWS = 50
#: Rows read from the top of a sheet to score it.
SCORE_ROWS = HEADER_SEARCH_ROWS + SAMPLE_ROWS
#: Sheet names that say "not the data": only a tie-breaker between sheets without phones.
ASIDE_WORDS = frozenset({
    "about", "chart", "charts", "config", "contents", "cover", "dashboard", "help", "index",
    "info", "instruction", "instructions", "legend", "lists", "lookup", "lookups", "notes",
    "overview", "pivot", "readme", "settings", "summary", "template", "title", "toc", "totals",
})
_WORDS = re.compile(r"[^\W\d_]+")


@dataclass(frozen=True, slots=True)
class SheetScore:
    """What the first rows of one sheet show."""

    name: str
    position: int  # 1-based, in workbook order
    visible: bool = True
    has_data: bool = False
    phone_header: str | None = None  # the header cell naming a phone column
    phone_cells: int = 0  # cells that look like phone numbers, in the best column
    rows: int = 0  # rows below the header (from the sheet's extent: blank rows included)

    @property
    def tier(self) -> int:
        """2 for a phone header, plus 1 for phone-like cells; 0: no phone evidence."""
        return 2 * (self.phone_header is not None) + (self.phone_cells > 0)

    @property
    def aside(self) -> bool:
        """Named like a cover, summary, instructions or lookup sheet."""
        words = _WORDS.findall(self.name.casefold())
        return "".join(words) in ("readme", "readfirst") or any(w in ASIDE_WORDS for w in words)

    @property
    def rank(self) -> tuple[int, int, int, int]:
        """Higher is better; the position makes every rank distinct (first wins)."""
        if not self.has_data:
            return (0, 0, 0, -self.position)
        if self.tier:
            return (6 if self.visible else 5, self.tier, 0, -self.position)
        group = (4 if not self.aside else 3) if self.visible else (2 if not self.aside else 1)
        return (group, 0, self.rows, -self.position)

    def describe(self, *, rows: bool = True) -> str:
        """The evidence in a few words: "a 'Phone' column, 120 rows", "no phone column"."""
        if not self.has_data:
            return "empty"
        parts = [] if self.visible else ["hidden"]
        if self.phone_header is not None:
            parts.append(f"a {self.phone_header!r} column")
        if self.phone_cells:
            parts.append(f"{self.phone_cells} phone-like cell{'s' if self.phone_cells != 1 else ''}"
                         " in its first rows")
        if not self.tier:
            parts.append("no phone column")
        if rows:
            parts.append(f"{self.rows:,} row{'s' if self.rows != 1 else ''}")
        return ", ".join(parts)

    def reason(self) -> str:
        """Why this sheet was read, for the plan."""
        return self.describe(rows=False) if self.tier else "no sheet shows a phone column"


def score_rows(name: str, position: int, rows: Sequence[Sequence[str]], *, visible: bool = True,
               total_rows: int | None = None, no_header: bool = False) -> SheetScore:
    """Score one sheet from its first non-blank rows (as text); `total_rows` is how many rows
    the sheet has in all, when the caller knows it without reading them."""
    rows = [r for r in rows if not is_blank(r)]
    if not rows:
        return SheetScore(name, position, visible)
    header_index = -1
    phone_header = None
    if not no_header:
        window = rows[:HEADER_SEARCH_ROWS]
        header_index = find_header(list(enumerate(window)))
        if any(looks_like_phone(c) for c in window[header_index]):
            header_index = -1  # a first row of phone numbers: the sheet has no header
        else:
            phone_header = next((c.strip() for c in window[header_index]
                                 if c.strip() and is_phone_header(c)), None)
    body = rows[header_index + 1:]
    below = (total_rows - header_index - 1) if total_rows is not None else len(body)
    return SheetScore(name, position, visible, True, phone_header, _phone_cells(body),
                      max(below, len(body)))


def _phone_cells(rows: Sequence[Sequence[str]]) -> int:
    """The phone-like cells of the column that has most, counted only where they are at
    least half of that column's filled cells (a few long numbers among others are not)."""
    width = max((len(r) for r in rows), default=0)
    best = 0
    for index in range(width):
        cells = [r[index] for r in rows if index < len(r) and r[index].strip()]
        phones = sum(looks_like_phone(c) for c in cells)
        if phones * 2 >= len(cells) and phones > best:
            best = phones
    return best


def choice_notes(chosen: SheetScore, scores: Sequence[SheetScore]) -> list[Note]:
    """The plan's lines on the other sheets: what each holds, and how to read another."""
    others = [s for s in scores if s is not chosen]
    if not others:
        return []
    notes = [note(NoteCode.OTHER_SHEETS, sheets=tuple((s.name, s.describe()) for s in others))]
    rivals = [s for s in others if s.tier and s.tier == chosen.tier
              and s.visible == chosen.visible]
    if rivals:
        notes.append(note(NoteCode.RIVAL_SHEETS, sheets=tuple(s.name for s in rivals)))
    return notes
