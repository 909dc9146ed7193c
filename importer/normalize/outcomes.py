"""What normalizing a row gives: its outcomes as plain tuples, and the items made of them.

Plain tuples travel between processes cheaply (normalize/parallel.py); `items` and
`rejected` turn them into the `Prepared` items the rest of the pipeline takes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from ..fixes import fixed_note
from ..models import Contact, Prepared, SourceRow, Status

#: What one row (or one number of it) becomes: chat ID, first, last, detail. Ready when it
#: has a first name, else invalid.
Outcome = tuple["str | None", str, str, str]


def rejected(row: SourceRow) -> Prepared:
    """A row the reader had to change (an over-long cell…): invalid, nothing sent."""
    detail = "; ".join(getattr(row, "problems", ()))
    if row.fixed:
        return Prepared(row.number, row.original, Status.INVALID, None,
                        _with_fix_note(detail, row.fixed))
    return Prepared(row.number, row.values, Status.INVALID, None, detail)


def items(row: SourceRow, outcomes: Iterable[Outcome]) -> Iterator[Prepared]:
    """The `Prepared` items of a row from its outcomes; a row fixed by hand keeps the
    file's cells, and its detail says which were fixed."""
    values = row.original if row.fixed else row.values
    for chat_id, first, last, detail in outcomes:
        if row.fixed:
            detail = _with_fix_note(detail, row.fixed)
        if first:  # a contact to send always has a first name
            yield Prepared(row.number, values, Status.READY, Contact(chat_id, first, last),
                           detail)
        else:
            contact = Contact(chat_id, "", "") if chat_id is not None else None
            yield Prepared(row.number, values, Status.INVALID, contact, detail)


def _with_fix_note(detail: str, fixed: tuple[str, ...]) -> str:
    # the reason first, so rows that fail alike still share one reason in the summary
    note = fixed_note(fixed)
    return f"{detail}; {note}" if detail else note


__all__ = ["Outcome", "items", "rejected"]
