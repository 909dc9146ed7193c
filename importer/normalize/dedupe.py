"""Rows that resolve to the same chat ID are sent once.

`keep_first` streams: the first ready contact of a chat ID is kept, later ones become
`duplicate` naming the row kept. `keep_last` needs to know the future, so it takes the
winners found by `last_rows` in a first pass over the same input.

Memory: one entry per distinct chat ID (its number as an int, the kept row and its name in
one string), about 150 bytes; a million distinct numbers take ~150 MB.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from ..models import Contact, Prepared, Status

_SEP = "\x1f"  # between the row number and the name in a packed entry


def _key(chat_id: str) -> int:
    """Chat IDs are digits then "@c.us"; an int key takes a third of the memory of the text.
    The first digit is never 0 (country codes never start with one), so it is exact."""
    return int(chat_id.partition("@")[0])


def _name(contact: Contact) -> str:
    return f"{contact.first_name} {contact.last_name}".strip()


def _pack(row: int, contact: Contact) -> str:
    return f"{row}{_SEP}{_name(contact)}"


def _unpack(entry: str) -> tuple[int, str]:
    row, _, name = entry.partition(_SEP)
    return int(row), name.strip()


def _same_name(a: str, b: str) -> bool:
    return " ".join(a.casefold().split()) == " ".join(b.casefold().split())


def duplicate_of(item: Prepared, kept_row: int, kept_name: str) -> Prepared:
    """`item` marked as a duplicate of the row kept, saying when the names disagree."""
    contact = item.contact
    assert contact is not None
    detail = f"same number as row {kept_row}"
    name = _name(contact)
    if not _same_name(name, kept_name):
        detail += f" (name differs: {name!r} here, {kept_name!r} in row {kept_row})"
    if item.detail:
        detail += f"; {item.detail}"
    return Prepared(item.row, item.values, Status.DUPLICATE, contact, detail)


def keep_first(items: Iterable[Prepared]) -> Iterator[Prepared]:
    """The first ready contact of each chat ID is kept; later ones become duplicates."""
    seen: dict[int, str] = {}
    get = seen.get
    ready = Status.READY
    for item in items:
        contact = item.contact
        if item.status is not ready or contact is None:
            yield item
            continue
        key = int(contact.chat_id[:-5]) if contact.chat_id.endswith("@c.us") \
            else _key(contact.chat_id)
        entry = get(key)
        if entry is None:
            seen[key] = f"{item.row}{_SEP}{contact.first_name} {contact.last_name}"
            yield item
            continue
        kept_row, kept_name = _unpack(entry)
        if kept_row == item.row:  # --all-numbers: the same number twice in one row
            yield item
            continue
        yield duplicate_of(item, kept_row, kept_name)


def last_rows(items: Iterable[Prepared]) -> dict[int, str]:
    """First pass for `keep_last`: for each chat ID, the last ready row and its name."""
    winners: dict[int, str] = {}
    for item in items:
        if item.status is Status.READY and item.contact is not None:
            winners[_key(item.contact.chat_id)] = _pack(item.row, item.contact)
    return winners


def keep_last(items: Iterable[Prepared], winners: dict[int, str]) -> Iterator[Prepared]:
    """The last ready contact of each chat ID is kept (as found by `last_rows` over the same
    input); earlier ones become duplicates naming it."""
    for item in items:
        contact = item.contact
        if item.status is not Status.READY or contact is None:
            yield item
            continue
        entry = winners.get(_key(contact.chat_id))
        if entry is None:  # the input changed between the passes; keep rather than lose it
            yield item
            continue
        kept_row, kept_name = _unpack(entry)
        if kept_row == item.row:
            yield item
        else:
            yield duplicate_of(item, kept_row, kept_name)


def mark_duplicates(items: Iterable[Prepared]) -> Iterator[Prepared]:
    """The first row with a chat ID wins (kept for callers of the earlier name)."""
    return keep_first(items)


__all__ = ["duplicate_of", "keep_first", "keep_last", "last_rows", "mark_duplicates"]
