"""The results file: one row per input row, in input order, safe to open in Excel.

The CSV is UTF-8 with a byte order mark (`RESULTS_ENCODING`): Excel opens a CSV without one
in the machine's ANSI code page, which garbles Arabic, Greek or accented names. Readers of a
results file (`--retry-failed`) take it with or without the mark.
"""

from __future__ import annotations

import csv
import os
import re
from pathlib import Path
from types import TracebackType
from typing import IO, TYPE_CHECKING

from ..errors import ConfigError, OutputError
from ..models import RowResult

if TYPE_CHECKING:
    from .xlsx import XlsxResultsWriter

RESULT_COLUMNS = ("row", "status", "chat_id", "first_name", "last_name", "attempts",
                  "http_status", "detail")

# OWASP CSV injection: Excel runs a cell that starts with one of these as a formula.
_FORMULA_START = ("=", "@", "\t", "\r")
#: How the results CSV is written; read it back with "utf-8-sig" too (it accepts no BOM).
RESULTS_ENCODING = "utf-8-sig"

_PHONE_LIKE = re.compile(r"^[+-]?[\d\s().\-/]*\d[\d\s().\-/]*$")


def safe_cell(text: str) -> str:
    """`text`, prefixed with ' when Excel would otherwise run it as a formula."""
    if not text:
        return text
    if text.startswith(_FORMULA_START):
        return "'" + text
    if text[0] in "+-" and not _PHONE_LIKE.match(text):
        return "'" + text
    return text


def result_cells(result: RowResult, width: int) -> list[str]:
    """The cells of one results line, input columns padded to the header's width."""
    values = list(result.values)
    if len(values) < width:
        values.extend([""] * (width - len(values)))
    return [
        str(result.row), result.status.value, result.chat_id, result.first_name,
        result.last_name, str(result.attempts),
        "" if result.http_status is None else str(result.http_status), result.detail,
        *values,
    ]


class ResultsWriter:
    """Writes results to `<path>.partial` and moves it into place when complete."""

    def __init__(self, path: Path, input_headers: list[str]) -> None:
        self.path = path
        self.partial = path.with_name(path.name + ".partial")
        self.width = len(input_headers)
        self.count = 0
        try:
            self._file: IO[str] = self.partial.open("w", encoding=RESULTS_ENCODING,
                                                    newline="")
        except OSError as exc:
            raise OutputError(f"cannot write results to {path}: {exc.strerror}") from None
        self._csv = csv.writer(self._file)
        self._write([*RESULT_COLUMNS, *input_headers])

    def write(self, result: RowResult) -> None:
        self._write(result_cells(result, self.width))
        self.count += 1

    def _write(self, cells: list[str]) -> None:
        try:
            self._csv.writerow([safe_cell(c) for c in cells])
        except OSError as exc:
            raise OutputError(f"cannot write results to {self.path}: {exc.strerror}") from None

    def close(self, *, complete: bool = True) -> None:
        """Close the file; a complete file replaces `path`, an incomplete one stays .partial.

        An incomplete file without a single row (the run failed before its first row) holds
        nothing worth keeping and is removed.
        """
        try:
            self._file.close()
            if complete:
                os.replace(self.partial, self.path)
            elif self.count == 0:
                self.partial.unlink(missing_ok=True)
        except OSError as exc:
            raise OutputError(f"cannot write results to {self.path}: {exc.strerror}") from None

    def __enter__(self) -> ResultsWriter:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close(complete=exc_type is None)


#: Result formats by the extension of `--results`; anything else is written as CSV.
EXCEL_SUFFIX = ".xlsx"
REFUSED_SUFFIXES = frozenset({".xls", ".xlsm", ".xlsb", ".ods"})


def check_results_path(path: Path) -> None:
    """Refuse a results name whose extension promises a format we do not write."""
    if path.suffix.lower() in REFUSED_SUFFIXES:
        raise ConfigError(f"cannot write results as {path.suffix}: name the results file "
                          f".xlsx (an Excel workbook) or .csv")


def open_results_writer(path: Path, input_headers: list[str]) -> ResultsWriter | XlsxResultsWriter:
    """A results writer for `path`: an Excel workbook for .xlsx, else CSV."""
    check_results_path(path)
    if path.suffix.lower() == EXCEL_SUFFIX:
        from .xlsx import XlsxResultsWriter

        return XlsxResultsWriter(path, input_headers)
    return ResultsWriter(path, input_headers)
