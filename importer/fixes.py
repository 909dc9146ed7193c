"""Cells fixed by hand, applied as the rows are read: the input file is never changed.

A fixes file is JSON, by row number as the spreadsheet shows it, then by column header:

    {"version": 1, "rows": {"7": {"Mobile": "0100 123 4567"}, "12": {"Name": "Omar Ali"}}}

The web page writes one beside each job as cells are edited; `--fixes FILE` (the
`fixes` setting) gives one to any run. `RowFixes.apply` is the reader stage's step: a fixed
row is normalized with its new cells, while its result keeps the cells the file holds (so
the results show what the file said beside what was sent) and notes which cells were fixed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .atomic import write_atomically
from .errors import ConfigError
from .models import SourceRow

FIXES_VERSION = 1
#: How a fixed row's detail says which cells were fixed (after its problem, if any).
FIXED_NOTE = "fixed: "
#: The longest value a fix may hold: a spreadsheet cell's own limit (Excel's).
MAX_FIX_CHARS = 32_767


@dataclass(frozen=True, slots=True)
class RowFixes:
    """Row number → column header → the cell's new text."""

    rows: Mapping[int, Mapping[str, str]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return any(self.rows.values())

    @classmethod
    def load(cls, path: Path) -> RowFixes:
        """The fixes of `path` (none when it does not exist); ConfigError when it cannot be
        read or is not a fixes file."""
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return cls()
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"cannot read the fixes file {path}: {exc}") from None
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise ConfigError(f"the fixes file {path} is not JSON ({exc})") from None
        return cls.from_json(data, source=f"the fixes file {path}")

    @classmethod
    def from_json(cls, data: object, *, source: str = "the fixes") -> RowFixes:
        rows = data.get("rows") if isinstance(data, Mapping) else None
        if not isinstance(rows, Mapping):
            raise ConfigError(f"{source} has no \"rows\" object (expected "
                              '{"rows": {"7": {"Mobile": "0100 123 4567"}}})')
        parsed: dict[int, dict[str, str]] = {}
        for key, cells in rows.items():
            if not str(key).isdigit() or int(key) < 1:
                raise ConfigError(f"{source}: {key!r} is not a row number")
            if not isinstance(cells, Mapping) or not all(
                    isinstance(k, str) and isinstance(v, str) for k, v in cells.items()):
                raise ConfigError(f"{source}: row {key} must map column headers to text")
            if cells:
                parsed[int(key)] = dict(cells)
        return cls(parsed)

    def to_json(self) -> dict[str, object]:
        return {"version": FIXES_VERSION,
                "rows": {str(row): dict(cells) for row, cells in sorted(self.rows.items())
                         if cells}}

    def save(self, path: Path) -> None:
        """Write the fixes to `path` at once (owner-only), never half."""
        write_atomically(path, json.dumps(self.to_json(), ensure_ascii=False, indent=1) + "\n")

    def with_cell(self, row: int, header: str, value: str) -> RowFixes:
        """These fixes with `row`'s cell under `header` set to `value`."""
        if len(value) > MAX_FIX_CHARS:
            raise ConfigError(f"row {row}: a cell holds at most {MAX_FIX_CHARS:,} characters")
        rows = {r: dict(c) for r, c in self.rows.items()}
        rows.setdefault(row, {})[header] = value
        return RowFixes(rows)

    def without(self, row: int, header: str | None = None) -> RowFixes:
        """These fixes with `row`'s fix of `header` undone (every fix of the row for None)."""
        rows = {r: dict(c) for r, c in self.rows.items()}
        if header is None:
            rows.pop(row, None)
        else:
            rows.get(row, {}).pop(header, None)
        return RowFixes({r: c for r, c in rows.items() if c})

    def columns(self, headers: Sequence[str]) -> dict[str, int]:
        """The 0-based column of each header the fixes name (the first of equal headers);
        ConfigError naming a header the file has not."""
        index = {}
        for header in sorted({h for cells in self.rows.values() for h in cells}):
            if header not in headers:
                shown = ", ".join(repr(h) for h in headers[:12])
                raise ConfigError(f"a fix names the column {header!r}, which the file has not "
                                  f"(its columns: {shown})")
            index[header] = list(headers).index(header)
        return index

    def apply(self, rows: Iterable[SourceRow], headers: Sequence[str]) -> Iterator[SourceRow]:
        """`rows` with their fixed cells in place (normalized as such); each fixed row keeps
        the file's cells in `original` and the fixed headers in `fixed`.

        ConfigError before the first row when a fix names a column the file has not.
        """
        if not self:
            yield from rows
            return
        index = self.columns(headers)
        for row in rows:
            cells = self.rows.get(row.number)
            if not cells:
                yield row
                continue
            values = list(row.values)
            width = max(index[h] for h in cells) + 1
            if len(values) < width:
                values.extend([""] * (width - len(values)))
            for header, value in cells.items():
                values[index[header]] = value
            yield SourceRow(row.number, tuple(values), row.problems,
                            original=row.original or row.values,
                            fixed=tuple(fixed_headers(headers, cells)))


def fixed_headers(headers: Sequence[str], fixed: Mapping[str, str]) -> list[str]:
    """The headers of a row's fixed cells (`fixed`: header → text) in the file's order, as
    its detail names them."""
    return [header for header in headers if header in fixed]


def fixed_note(fixed: Sequence[str]) -> str:
    """The detail note of a row whose cells were fixed before it was normalized."""
    return FIXED_NOTE + ", ".join(repr(header) for header in fixed)


__all__ = ["FIXED_NOTE", "FIXES_VERSION", "RowFixes", "fixed_headers", "fixed_note"]
