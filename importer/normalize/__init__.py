"""Normalizing: a source row becomes a contact to send, or a reasoned rejection."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from ..models import Contact, Prepared, SourceRow, Status
from ..read.columns import ColumnMap
from .dedupe import mark_duplicates
from .names import clean, split_full_name
from .phones import PhoneNormalizer, check_region

__all__ = ["PhoneNormalizer", "RowNormalizer", "check_region", "mark_duplicates"]


class RowNormalizer:
    """Turns source rows into `Prepared` items for one column mapping and set of options."""

    def __init__(self, columns: ColumnMap, *, default_region: str | None = None) -> None:
        self.columns = columns
        self.phones = PhoneNormalizer(default_region)

    def prepare(self, row: SourceRow) -> Prepared:
        cols = self.columns
        phone = self.phones.normalize(_cell(row, cols.phone))
        if phone.chat_id is None:
            return Prepared(row.number, row.values, Status.INVALID, None,
                            f"phone: {phone.detail}")
        first, last = self.names(row)
        if not first and not last:
            return Prepared(row.number, row.values, Status.INVALID,
                            Contact(phone.chat_id, "", ""), "no name")
        return Prepared(row.number, row.values, Status.READY,
                        Contact(phone.chat_id, first, last), phone.detail)

    def names(self, row: SourceRow) -> tuple[str, str]:
        cols = self.columns
        first = clean(_cell(row, cols.first_name))
        last = clean(_cell(row, cols.last_name))
        if (first or last) or cols.name is None:
            return first, last
        return split_full_name(_cell(row, cols.name))

    def prepare_all(self, rows: Iterable[SourceRow]) -> Iterator[Prepared]:
        return mark_duplicates(self.prepare(row) for row in rows)


def _cell(row: SourceRow, index: int | None) -> str:
    if index is None or index >= len(row.values):
        return ""
    return row.values[index]
