"""Delimited text files (.csv, .tsv, .txt), streamed row by row."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from ..errors import InputFileError
from ..models import SourceRow
from .table import Table, TableInfo

DELIMITERS = ",;\t|"


def sniff_delimiter(sample: str) -> str:
    """The delimiter among , ; tab | that splits the sample most consistently."""
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        first = sample.splitlines()[0] if sample else ""
        counts = {d: first.count(d) for d in DELIMITERS}
        best = max(counts, key=counts.__getitem__)
        return best if counts[best] else ","


def open_csv(path: Path, *, encoding: str | None = None, delimiter: str | None = None) -> Table:
    """Open a delimited file; the header is its first row."""
    encoding = encoding or "utf-8-sig"
    try:
        with path.open(encoding=encoding, newline="") as f:
            sample = f.read(64 * 1024)
    except UnicodeDecodeError as exc:
        raise InputFileError(f"{path.name}: cannot decode as {encoding}: {exc.reason}") from None
    delimiter = delimiter or sniff_delimiter(sample)
    handle = path.open(encoding=encoding, newline="")
    reader = csv.reader(handle, delimiter=delimiter)
    headers = next(reader, None)
    if headers is None:
        handle.close()
        raise InputFileError(f"{path.name} is empty: no header row")
    info = TableInfo(kind="csv", encoding=encoding, delimiter=delimiter)
    return Table(headers=headers, rows=_rows(reader, handle, first_number=2), info=info)


def _rows(reader: Iterator[list[str]], handle, *, first_number: int) -> Iterator[SourceRow]:
    with handle:
        for number, cells in enumerate(reader, start=first_number):
            if any(cell.strip() for cell in cells):
                yield SourceRow(number, tuple(cells))
