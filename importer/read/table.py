"""The shape every reader returns: headers, a stream of rows, and what the reader decided."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from ..models import SourceRow


@dataclass(slots=True)
class TableInfo:
    """What the reader decided, for the paragraph the CLI prints before work starts."""

    kind: str
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    sheets: list[str] = field(default_factory=list)
    header_row: int = 1
    rows: int | None = None
    notes: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Table:
    """An opened spreadsheet: `rows` streams data rows once, numbered as the spreadsheet shows them."""

    headers: list[str]
    rows: Iterator[SourceRow]
    info: TableInfo
