"""What normalizing a row gives: its outcomes as plain tuples, and the items made of them.

Plain tuples travel between processes cheaply (normalize/parallel.py); `items` and
`rejected` turn them into the `Prepared` items the rest of the pipeline takes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from ..models import Contact, Prepared, SourceRow, Status
from ..problems import WORDS, Problem

#: What one row (or one number of it) becomes: chat ID, first, last, detail, and the problem
#: that keeps it from being sent (None: ready when it has a first name).
Outcome = tuple["str | None", str, str, str, "Problem | None"]


def rejected(row: SourceRow) -> Prepared:
    """A row the reader had to change (an over-long cell…): invalid, nothing sent."""
    problems = getattr(row, "problems", ())
    return Prepared(row.number, row.values, Status.INVALID, None,
                    "; ".join(WORDS.detail(p) for p in problems), problem=problems[0])


def items(row: SourceRow, outcomes: Iterable[Outcome]) -> Iterator[Prepared]:
    """The `Prepared` items of a row from its outcomes."""
    for chat_id, first, last, detail, found in outcomes:
        if first:  # a contact to send always has a first name
            yield Prepared(row.number, row.values, Status.READY, Contact(chat_id, first, last),
                           detail)
        else:
            contact = Contact(chat_id, "", "") if chat_id is not None else None
            yield Prepared(row.number, row.values, Status.INVALID, contact, detail,
                           problem=found)


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
        number, values = row.number, row.values
        for chat_id, first, last, detail, found in next(answers):
            if first:
                yield Prepared(number, values, ready, Contact(chat_id, first, last), detail)
            else:
                contact = Contact(chat_id, "", "") if chat_id is not None else None
                yield Prepared(number, values, invalid, contact, detail, problem=found)


__all__ = ["Outcome", "chunk_items", "items", "rejected"]
