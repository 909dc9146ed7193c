"""Rows that resolve to the same chat ID are sent once."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from ..models import Prepared, Status


def mark_duplicates(items: Iterable[Prepared]) -> Iterator[Prepared]:
    """The first row with a chat ID wins; later ones become `duplicate` naming it."""
    seen: dict[str, int] = {}
    for item in items:
        contact = item.contact
        if item.status is not Status.READY or contact is None:
            yield item
            continue
        first = seen.setdefault(contact.chat_id, item.row)
        if first == item.row:
            yield item
        else:
            yield Prepared(item.row, item.values, Status.DUPLICATE, contact,
                           f"same number as row {first}")
