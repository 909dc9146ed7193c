"""The results file: one row per input row, in input order, safe to open in Excel."""

from __future__ import annotations

import csv
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from ..atomic import AtomicFile
from ..errors import ConfigError, OutputError
from ..models import RowResult
from ..result_format import (
    CELL_RISKY_FIRST,
    RESULT_COLUMNS,
    RESULTS_ENCODING,
    result_cells,
    safe_cell,
)

if TYPE_CHECKING:
    from .xlsx import XlsxResultsWriter


class ResultsWriter:
    """Writes results to `<path>.partial` and moves it into place when complete."""

    def __init__(self, path: Path, input_headers: list[str]) -> None:
        self.path = path
        self.width = len(input_headers)
        self.count = 0
        try:
            self._file = AtomicFile(path, encoding=RESULTS_ENCODING, newline="")
        except OSError as exc:
            raise OutputError(f"cannot write results to {path}: {exc.strerror}") from None
        self.partial = self._file.partial
        self._csv = csv.writer(self._file.file)
        self._write([*RESULT_COLUMNS, *input_headers])

    def write(self, result: RowResult) -> None:
        self._write(result_cells(result, self.width))
        self.count += 1

    def _write(self, cells: list[str]) -> None:
        try:
            # Only a cell whose first character is one of these can need the prefix; the
            # test here spares safe_cell's call for the (nearly) every other cell.
            self._csv.writerow([c if not c or c[0] not in CELL_RISKY_FIRST else safe_cell(c)
                                for c in cells])
        except OSError as exc:
            raise OutputError(f"cannot write results to {self.path}: {exc.strerror}") from None

    def close(self, *, complete: bool = True) -> None:
        """Close the file; a complete file replaces `path`, an incomplete one stays .partial.

        An incomplete file without a single row (the run failed before its first row) holds
        nothing worth keeping and is removed.
        """
        try:
            if complete:
                self._file.commit()
            else:
                self._file.abandon(keep=self.count > 0)
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
