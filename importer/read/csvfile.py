"""Delimited text files (.csv, .tsv, .txt), streamed record by record in bounded memory.

The file is read twice: once before work starts, to settle the encoding, find the header,
count the data rows and refuse a broken file before anything is sent; then again as the
stream of rows. Neither pass holds more than one record.
"""

from __future__ import annotations

import codecs
import csv
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TextIO

from ..errors import ConfigError, InputFileError
from ..models import SourceRow
from ..notes import Note, NoteCode, note
from .encoding import TextEncoding, fallback_encoding, first_undecodable, initial_encoding
from .header import find_header
from .limits import (
    HEADER_SEARCH_ROWS,
    MAX_COLUMNS,
    MAX_RECORD_CHARS,
    is_blank,
    make_row,
    numbered_headers,
)
from .table import Table, TableInfo

DELIMITERS = ",;\t|"
#: Bytes read from the start of the file to choose the encoding and the delimiter.
SNIFF_BYTES = 64 * 1024
_DELIMITER_NAMES = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|",
                    "space": " "}


class _RecordTooLong(Exception):
    """A record grew past MAX_RECORD_CHARS while being read."""


class _UnclosedQuote(Exception):
    """The file ended inside a quoted field."""


class _DecodeFailed(Exception):
    """The text could not be decoded in the encoding tried."""


class _BoundedLines:
    """The lines of a text file for csv.reader, refusing a record that grows too long.

    csv.reader asks for another line in the middle of a record only while inside a quoted
    field, so reaching the end of the file then means a quote was never closed.
    """

    __slots__ = ("_readline", "used")

    def __init__(self, handle: TextIO) -> None:
        self._readline = handle.readline
        self.used = 0  # characters of the current record so far; reset per record

    def __iter__(self) -> _BoundedLines:
        return self

    def __next__(self) -> str:
        line = self._readline(MAX_RECORD_CHARS + 1)
        if not line:
            if self.used:
                raise _UnclosedQuote
            raise StopIteration
        self.used += len(line)
        if self.used > MAX_RECORD_CHARS:
            raise _RecordTooLong
        return line


@dataclass(frozen=True, slots=True)
class _Dialect:
    encoding: TextEncoding
    delimiter: str


def parse_delimiter(text: str) -> str:
    """The delimiter a user gave: one character, or a name such as tab or semicolon."""
    char = _DELIMITER_NAMES.get(text.lower(), text)
    if len(char) != 1 or char in "\"\r\n":
        raise ConfigError(f"invalid delimiter {text!r}: give one character such as ; or , "
                          "(or the word tab)")
    return char


def sniff_delimiter(sample: str) -> str:
    """The delimiter among , ; tab | that splits the sample's records most consistently.

    Each candidate is scored by how many records share its most common field count (when
    that count is above one), then by that count; a title line above the header is one
    field under every candidate, so it does not sway the choice.
    """
    best, best_score = ",", (0, 0)
    for delimiter in DELIMITERS:
        counts = Counter(len(r) for r in csv.reader(sample.splitlines(keepends=True),
                                                    delimiter=delimiter) if any(r))
        if not counts:
            continue
        fields, records = counts.most_common(1)[0]
        score = (records, fields) if fields > 1 else (0, 0)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def open_csv(path: Path, *, encoding: str | None = None, delimiter: str | None = None,
             header_row: int | None = None, max_rows: int | None = None,
             notes: list[Note] | None = None, no_header: bool = False) -> Table:
    """Open a delimited file: encoding and delimiter detected unless given, header found
    (or, with `no_header`, none: every record is data and columns are named 1, 2, 3…)."""
    _allow_long_fields()
    with path.open("rb") as f:
        head = f.read(SNIFF_BYTES)
    text_encoding = initial_encoding(head, encoding)
    sample = _decode_sample(head, text_encoding.codec, whole=len(head) < SNIFF_BYTES)
    chosen = parse_delimiter(delimiter) if delimiter else sniff_delimiter(sample)
    dialect = _Dialect(text_encoding, chosen)
    info_notes = list(notes or [])
    scan = None
    for _ in range(3):
        try:
            scan = _scan(path, dialect, header_row=header_row, max_rows=max_rows,
                         no_header=no_header)
            break
        except _DecodeFailed:
            dialect = replace(dialect, encoding=_next_encoding(path, dialect.encoding))
    if scan is None:  # pragma: no cover - errors="replace" cannot fail to decode
        raise InputFileError(f"{path.name}: cannot decode the text")
    if dialect.encoding.errors == "replace":
        info_notes.append(_replacement_note(path, dialect.encoding))
    info = TableInfo(kind="csv", encoding=dialect.encoding.label,
                     encoding_detected=dialect.encoding.detected, delimiter=dialect.delimiter,
                     delimiter_detected=delimiter is None, header_row=scan.header_number,
                     header_detected=header_row is None and not no_header, rows=scan.rows,
                     notes=info_notes)
    rows = _data_rows(path, dialect, scan.header_number, scan.headers)
    return Table(headers=scan.headers, rows=rows, info=info)


def _allow_long_fields() -> None:
    # csv's limit is process-wide (128 KiB by default). Records are bounded by _BoundedLines,
    # so the field limit only has to let an over-long cell through to be cut and reported.
    if csv.field_size_limit() < MAX_RECORD_CHARS + 1:
        csv.field_size_limit(MAX_RECORD_CHARS + 1)


def _decode_sample(head: bytes, codec: str, *, whole: bool) -> str:
    text = codecs.getincrementaldecoder(codec)(errors="replace").decode(head, final=whole)
    if not whole and "\n" in text:
        text = text[:text.rindex("\n") + 1]  # the last line may be cut short
    return text


def _next_encoding(path: Path, current: TextEncoding) -> TextEncoding:
    """What to try after `current` failed to decode the file."""
    if not current.detected:
        raise InputFileError(note=note(NoteCode.UNDECODABLE, file=path.name,
                                       encoding=current.label,
                                       **_where_undecodable(path, current.codec)),
                             option="encoding")
    if current.codec == "utf-8" and current.errors == "strict":
        return fallback_encoding(path)
    return replace(current, errors="replace")


def _where_undecodable(path: Path, codec: str) -> dict[str, int | None]:
    place = first_undecodable(path, codec)
    return {"byte": place[0], "line": place[1]} if place else {"byte": None, "line": None}


def _replacement_note(path: Path, encoding: TextEncoding) -> Note:
    code = (NoteCode.BYTES_REPLACED if encoding.codec.startswith("utf")
            else NoteCode.ENCODING_GUESSED)
    return note(code, encoding=encoding.label, **_where_undecodable(path, encoding.codec))


@dataclass(slots=True)
class _Scan:
    headers: list[str]
    header_number: int
    rows: int


def _scan(path: Path, dialect: _Dialect, *, header_row: int | None,
          max_rows: int | None, no_header: bool = False) -> _Scan:
    """Read the whole file once: find the header, count the data rows, check the limits."""
    with _open_text(path, dialect.encoding) as handle:
        records = _records(path, handle, dialect.delimiter)
        if no_header:
            header_number, header_cells, pending = 0, [], []
        else:
            header_number, header_cells, pending = _take_header(path, records, header_row)
        headers = _header_texts(path, header_cells)
        rows = sum(1 for _, cells in pending if not is_blank(cells))
        width = 0
        for _, cells in records:
            if is_blank(cells):
                continue
            rows += 1
            if no_header:
                width = max(width, len(_header_texts(path, cells)))
            if max_rows is not None and rows > max_rows:
                break
        if no_header:
            if not rows:
                raise InputFileError(f"{path.name} has no rows: it is empty or blank")
            headers = numbered_headers(width)
        if max_rows is not None and rows > max_rows:
            raise InputFileError(note=note(NoteCode.TOO_MANY_ROWS, file=path.name,
                                           limit=max_rows))
    return _Scan(headers, header_number, rows)


def _take_header(path: Path, records: Iterator[tuple[int, list[str]]], header_row: int | None
                 ) -> tuple[int, list[str], list[tuple[int, list[str]]]]:
    """(header number, header cells, records read past the header so far)."""
    if header_row is not None:
        last = 0
        for number, cells in records:
            last = number
            if number == header_row:
                if is_blank(cells):
                    raise InputFileError(f"{path.name}: header row {header_row} is empty",
                                         option="header_row")
                return number, cells, []
        raise InputFileError(f"{path.name}: header row {header_row} is past the end of the file "
                             f"(the file has {last} rows)", option="header_row")
    sample: list[tuple[int, list[str]]] = []
    for number, cells in records:
        if not is_blank(cells):
            sample.append((number, cells))
            if len(sample) >= HEADER_SEARCH_ROWS:
                break
    if not sample:
        raise InputFileError(f"{path.name} has no rows: it is empty or blank")
    index = find_header(sample)
    number, cells = sample[index]
    return number, cells, sample[index + 1:]


def _header_texts(path: Path, cells: list[str]) -> list[str]:
    """The header cells as they are, without trailing empty ones; too many is refused."""
    end = len(cells)
    while end and not cells[end - 1].strip():
        end -= 1
    if end > MAX_COLUMNS:
        raise InputFileError(f"{path.name} has {end:,} columns, more than the {MAX_COLUMNS:,} "
                             "a contact list can have")
    return cells[:end]


def _open_text(path: Path, encoding: TextEncoding) -> TextIO:
    return path.open(encoding=encoding.codec, errors=encoding.errors, newline="")


def _records(path: Path, handle: TextIO, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """(record number, cells) for every record, the first being 1; blank lines count."""
    lines = _BoundedLines(handle)
    reader = csv.reader(lines, delimiter=delimiter)
    number = last_line = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except _RecordTooLong:
            raise InputFileError(
                f"{path.name}: record {number + 1} is longer than {MAX_RECORD_CHARS:,} "
                "characters; a quote that is never closed, or not a delimited text file"
            ) from None
        except _UnclosedQuote:
            raise InputFileError(
                f"{path.name}: record {number + 1} (line {last_line + 1}) "
                "opens a quoted field that is never closed, so everything after it would be "
                "one cell; fix the quote") from None
        except csv.Error as exc:
            raise InputFileError(f"{path.name}: record {number + 1}: {exc}") from None
        except UnicodeDecodeError:
            raise _DecodeFailed from None
        number += 1
        last_line = reader.line_num
        lines.used = 0
        if number == 1 and cells and cells[0].startswith("\ufeff"):
            cells[0] = cells[0][1:]  # a BOM the encoding did not take (e.g. --encoding utf-8)
        yield number, cells


def _data_rows(path: Path, dialect: _Dialect, header_number: int,
               headers: list[str]) -> Iterator[SourceRow]:
    """The data rows below the header, blank ones skipped, numbered by record."""
    with _open_text(path, dialect.encoding) as handle:
        try:
            for number, cells in _records(path, handle, dialect.delimiter):
                if number > header_number and not is_blank(cells):
                    yield make_row(number, cells, headers)
        except _DecodeFailed:  # the file changed since it was checked
            raise InputFileError(f"{path.name} cannot be decoded as {dialect.encoding.label}"
                                 ) from None
