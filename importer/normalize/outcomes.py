"""What normalizing a row gives: its outcomes as plain tuples, and the items made of them.

Plain tuples travel between processes cheaply (normalize/parallel.py); `items` and
`rejected` turn them into the `Prepared` items the rest of the pipeline takes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from ..fixes import fixed_note
from ..models import Contact, Prepared, SourceRow, Status
from ..problems import WORDS, Problem

#: What one row (or one number of it) becomes: chat ID, first, last, detail, and the problem
#: that keeps it from being sent (None: ready when it has a first name).
Outcome = tuple["str | None", str, str, str, "Problem | None"]


def rejected(row: SourceRow) -> Prepared:
    """A row the reader had to change (an over-long cell…): invalid, nothing sent."""
    problems = getattr(row, "problems", ())
    detail = "; ".join(WORDS.detail(p) for p in problems)
    if row.fixed:
        return Prepared(row.number, row.original, Status.INVALID, None,
                        _with_fix_note(detail, row.fixed), problem=problems[0])
    return Prepared(row.number, row.values, Status.INVALID, None, detail, problem=problems[0])


def items(row: SourceRow, outcomes: Iterable[Outcome]) -> Iterator[Prepared]:
    """The `Prepared` items of a row from its outcomes; a row fixed by hand keeps the
    file's cells, and its detail says which were fixed (its problem is that of the fixed
    cells)."""
    values = row.original if row.fixed else row.values
    for chat_id, first, last, detail, found in outcomes:
        if row.fixed:
            detail = _with_fix_note(detail, row.fixed)
        if first:  # a contact to send always has a first name
            yield Prepared(row.number, values, Status.READY, Contact(chat_id, first, last),
                           detail)
        else:
            contact = Contact(chat_id, "", "") if chat_id is not None else None
            yield Prepared(row.number, values, Status.INVALID, contact, detail,
                           problem=found)


def _with_fix_note(detail: str, fixed: tuple[str, ...]) -> str:
    # the reason first, so the detail still opens with what is wrong with the row
    note = fixed_note(fixed)
    return f"{detail}; {note}" if detail else note


def chunk_items(rows: Iterable[SourceRow],
                outcomes: Iterable[tuple[Outcome, ...]]) -> Iterator[Prepared]:
    """The items of `rows` in order: a row with problems `rejected`, every other one made
    from the next of `outcomes` (as `items` would, in one generator for all the rows)."""
    answers = iter(outcomes)
    ready, invalid = Status.READY, Status.INVALID
    for row in rows:
        if getattr(row, "problems", ()):
            yield rejected(row)
            continue
        if row.fixed:  # a few rows fixed by hand: their cells and note as `items` makes them
            yield from items(row, next(answers))
            continue
        number, values = row.number, row.values
        for chat_id, first, last, detail, found in next(answers):
            if first:
                yield Prepared(number, values, ready, Contact(chat_id, first, last), detail)
            else:
                contact = Contact(chat_id, "", "") if chat_id is not None else None
                yield Prepared(number, values, invalid, contact, detail, problem=found)


__all__ = ["Outcome", "chunk_items", "items", "rejected"]
