"""Rows that resolve to the same chat ID are sent once.

`keep_first` streams: the first ready contact of a chat ID is kept, later ones become
`duplicate` naming the row kept. `keep_last` needs to know the future, so it takes the
winners found by `last_rows` in a first pass over the same input.

Memory: every distinct number has to be remembered, with the row and name that had it, to
say "same number as row 12". Held in a dict of Python objects that is ~190 bytes a number,
memory that grows with the file (190 MB for a million numbers); `NumberIndex` keeps them in
a private temporary SQLite database instead, whose memory is SQLite's page cache (~2 MB)
whatever the size of the file, for ~4-8 µs a row (a million-row dry run takes ~8 s
longer).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import TypeVar

from ..models import Contact, Prepared, Status
from ..problems import Code, Problem, detail_of

T = TypeVar("T")

#: Items `keep_first` checks with one statement: a SQLite statement costs ~4 µs whatever it
#: does, so one per row was most of the check's cost.
BATCH = 500


def _key(chat_id: str) -> int:
    """Chat IDs are digits then "@c.us" (at most 15 digits: E.164), so the number is an
    INTEGER PRIMARY KEY. The first digit is never 0 (no country code starts with one), so
    the key is exact."""
    return int(chat_id.partition("@")[0])


def _name(contact: Contact) -> str:
    return f"{contact.first_name} {contact.last_name}".strip()


def _same_name(a: str, b: str) -> bool:
    return " ".join(a.casefold().split()) == " ".join(b.casefold().split())


class NumberIndex:
    """Number → (row, name) for every distinct number, in flat memory.

    A private temporary SQLite database: SQLite keeps up to ~2 MB of it in memory and the
    rest in a file it deletes as soon as it creates it (on POSIX), so nothing is left on disk
    however the process ends. One transaction for the whole run: nothing here needs to
    survive a crash.
    """

    def __init__(self) -> None:
        # check_same_thread off: a generator may be resumed from another thread (never two
        # at once).
        self._db = sqlite3.connect("", isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode = OFF")
        self._db.execute("PRAGMA synchronous = OFF")
        self._db.execute("CREATE TABLE seen (number INTEGER PRIMARY KEY, row INTEGER NOT NULL,"
                         " name TEXT NOT NULL)")
        self._db.execute("BEGIN")
        self._execute = self._db.execute

    def first(self, number: int, row: int, name: str) -> tuple[int, str] | None:
        """Remember `row` for `number` unless a row is there already; return that earlier
        row and its name, or None when this one is the first."""
        if self._execute("INSERT OR IGNORE INTO seen VALUES (?, ?, ?)",
                         (number, row, name)).rowcount:
            return None
        return self.get(number)

    def first_many(self, entries: list[tuple[int, int, str]]) -> list[tuple[int, str] | None]:
        """`first` for each (number, row, name) of `entries` in turn, in two statements."""
        known: dict[int, tuple[int, str]] = {}
        numbers = list(dict.fromkeys(number for number, _, _ in entries))
        for start in range(0, len(numbers), BATCH):
            part = numbers[start:start + BATCH]
            known.update((number, (row, name)) for number, row, name in self._execute(
                f"SELECT number, row, name FROM seen WHERE number IN ({','.join('?' * len(part))})",
                part))
        found: list[tuple[int, str] | None] = []
        new: list[tuple[int, int, str]] = []
        for number, row, name in entries:
            kept = known.get(number)
            if kept is None:
                known[number] = (row, name)
                new.append((number, row, name))
            found.append(kept)
        if new:
            self._db.executemany("INSERT INTO seen VALUES (?, ?, ?)", new)
        return found

    def put(self, number: int, row: int, name: str) -> None:
        """`row` is now the one for `number`, whatever was there."""
        self._execute("INSERT OR REPLACE INTO seen VALUES (?, ?, ?)", (number, row, name))

    def get(self, number: int) -> tuple[int, str] | None:
        found: tuple[int, str] | None = self._execute(
            "SELECT row, name FROM seen WHERE number = ?", (number,)).fetchone()
        return found

    def __len__(self) -> int:
        count: int = self._execute("SELECT count(*) FROM seen").fetchone()[0]
        return count

    def close(self) -> None:
        self._db.close()


def duplicate_of(item: Prepared, kept_row: int, kept_name: str) -> Prepared:
    """`item` marked as a duplicate of the row kept, saying when the names disagree."""
    return _duplicate(item, kept_row, kept_name)


def _duplicate(item: Prepared, kept_row: int, kept_name: str, *,
               sent_ok: bool = False) -> Prepared:
    contact = item.contact
    assert contact is not None
    name = _name(contact)
    params: dict[str, object] = {"row": kept_row}
    if sent_ok:
        params["sent_ok"] = True
    if not _same_name(name, kept_name):
        params.update(name=name, kept_name=kept_name)
    found = Problem(Code.DUPLICATE_OF, params)
    return Prepared(item.row, item.values, Status.DUPLICATE, contact,
                    detail_of(found, item.detail), problem=found)


def keep_first(items: Iterable[Prepared]) -> Iterator[Prepared]:
    """The first ready contact of each chat ID is kept; later ones become duplicates."""
    seen = NumberIndex()
    ready = Status.READY
    try:
        for batch in batches(items, BATCH):
            contacts = [(item, item.contact) for item in batch
                        if item.status is ready and item.contact is not None]
            if not contacts:
                yield from batch
                continue
            kept_rows = iter(seen.first_many(
                [(_key(contact.chat_id), item.row, _name(contact))  # type: ignore[union-attr]
                 for item, contact in contacts]))
            for item in batch:
                if item.status is not ready or item.contact is None:
                    yield item
                    continue
                kept = next(kept_rows)
                if kept is None or kept[0] == item.row:  # --all-numbers: twice in one row
                    yield item
                else:
                    yield duplicate_of(item, *kept)
    finally:
        seen.close()


def batches(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """`items` in lists of `size` (the last may be shorter). When reading fails, the items
    read before the failure still come out first, as they would one by one."""
    items = iter(items)
    while True:
        batch: list[T] = []
        try:
            batch.extend(islice(items, size))
        except BaseException:
            # list.extend keeps what it got before the error
            if batch:
                yield batch
            raise
        if not batch:
            return
        yield batch
        if len(batch) < size:
            return


def last_rows(items: Iterable[Prepared]) -> NumberIndex:
    """First pass for `keep_last`: for each chat ID, the last ready row and its name."""
    winners = NumberIndex()
    for item in items:
        if item.status is Status.READY and item.contact is not None:
            winners.put(_key(item.contact.chat_id), item.row, _name(item.contact))
    return winners


def keep_last(items: Iterable[Prepared], winners: NumberIndex) -> Iterator[Prepared]:
    """The last ready contact of each chat ID is kept (as found by `last_rows` over the same
    input); earlier ones become duplicates naming it. Closes `winners` when done."""
    try:
        for item in items:
            contact = item.contact
            if item.status is not Status.READY or contact is None:
                yield item
                continue
            kept = winners.get(_key(contact.chat_id))
            # None: the input changed between the passes; keep the row rather than lose it
            if kept is None or kept[0] == item.row:
                yield item
            else:
                yield duplicate_of(item, *kept)
    finally:
        winners.close()


def chat_number(chat_id: str) -> int:
    """The key of a chat ID in a `NumberIndex`."""
    return _key(chat_id)


def contact_name(contact: Contact) -> str:
    """The name a `NumberIndex` keeps for a contact."""
    return _name(contact)


def not_sent_again(items: Iterable[Prepared], sent: NumberIndex) -> Iterator[Prepared]:
    """Ready contacts whose number another row already sent ok (`sent`, e.g. the ok rows of an
    earlier results file) become duplicates naming that row. Closes `sent` when done."""
    try:
        for item in items:
            contact = item.contact
            if item.status is not Status.READY or contact is None or item.previous is not None:
                yield item
                continue
            kept = sent.get(_key(contact.chat_id))
            if kept is None or kept[0] == item.row:
                yield item
                continue
            yield _duplicate(item, *kept, sent_ok=True)
    finally:
        sent.close()


def mark_duplicates(items: Iterable[Prepared]) -> Iterator[Prepared]:
    """The first row with a chat ID wins (kept for callers of the earlier name)."""
    return keep_first(items)


__all__ = ["NumberIndex", "chat_number", "contact_name", "duplicate_of", "keep_first",
           "keep_last", "last_rows", "mark_duplicates", "not_sent_again"]
