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
    result_cells,
    safe_cell,
)

if TYPE_CHECKING:
    from .xlsx import XlsxResultsWriter


#: The byte order mark RESULTS_ENCODING begins the file with.
BOM = "\ufeff"
_DETAIL, _PARAMS = RESULT_COLUMNS.index("detail"), RESULT_COLUMNS.index("params")
#: Detail and params cells whose CSV form is remembered (then forgotten all at once).
QUOTED_CELLS = 1024


class ResultsWriter:
    """Writes results to `<path>.partial` and moves it into place when complete."""

    def __init__(self, path: Path, input_headers: list[str]) -> None:
        self.path = path
        self.width = len(input_headers)
        self.count = 0
        try:
            # RESULTS_ENCODING (utf-8-sig) written as its mark, then UTF-8: the same bytes,
            # without utf-8-sig's encoder, a Python function called for every line
            self._file = AtomicFile(path, encoding="utf-8", newline="")
            self._file.file.write(BOM)
        except OSError as exc:
            raise OutputError(f"cannot write results to {path}: {exc.strerror}") from None
        self.partial = self._file.partial
        self._csv = csv.writer(self._file.file)
        self._write_text = self._file.file.write
        self._quoted: dict[str, str] = {}  # detail and params cells → their CSV form
        self._write([*RESULT_COLUMNS, *input_headers])

    def write(self, result: RowResult) -> None:
        self._write(result_cells(result, self.width))
        self.count += 1

    def _line(self, cells: list[str]) -> str | None:
        """The line csv.writer writes for `cells` (a results row's, or the header's), made
        here; None when a cell other than the detail and the params needs quoting (csv.writer
        writes it then).

        The csv module spends ~2.5 µs a line checking every cell for what needs quoting. The
        detail and the params (JSON: quotes) are the cells that often do, and a million
        unchanged rows share both: their CSV forms are remembered; the other cells are
        joined and checked at once (no comma, quote or line break in the joined text)."""
        if len(cells) <= _PARAMS:
            return None
        quoted = self._quoted
        try:
            detail, params = quoted.get(cells[_DETAIL]), quoted.get(cells[_PARAMS])
            if detail is None or params is None:
                if len(quoted) >= QUOTED_CELLS:
                    quoted.clear()
                detail = quoted[cells[_DETAIL]] = csv_cell(cells[_DETAIL])
                params = quoted[cells[_PARAMS]] = csv_cell(cells[_PARAMS])
            head = ",".join(cells[:_DETAIL])
            # the code cell, then the input's
            other = ",".join([cells[_DETAIL + 1], *cells[_PARAMS + 1:]])
        except TypeError:  # a cell that is not text: csv.writer writes its str()
            return None
        joined = f"{head}\n{other}"  # a line break of its own: one check for both parts
        if (joined.count(",") != len(cells) - 4 or joined.count("\n") != 1 or '"' in joined
                or "\r" in joined):
            return None
        code, _, values = other.partition(",")
        if len(cells) == _PARAMS + 1:  # no input columns
            return f"{head},{detail},{code},{params}\r\n"
        return f"{head},{detail},{code},{params},{values}\r\n"

    def _write(self, cells: list[str]) -> None:
        """Write one line (the header, or a row's) of `cells`, each made safe for Excel: as
        `_line` makes it when it can, else by csv.writer (the same bytes either way)."""
        # Only a cell whose first character is one of these can need the prefix; the test
        # here spares safe_cell's call for the (nearly) every other cell.
        cells = [c if not c or c[0] not in CELL_RISKY_FIRST else safe_cell(c) for c in cells]
        line = self._line(cells)
        try:
            if line is None:
                self._csv.writerow(cells)
            else:
                self._write_text(line)
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


def csv_cell(cell: str) -> str:
    """A cell as csv.writer writes it in a line of several cells (the excel dialect): in
    quotes, its own quotes doubled, when it holds a quote, a comma or a line break."""
    if '"' in cell:
        return '"' + cell.replace('"', '""') + '"'
    if "," in cell or "\n" in cell or "\r" in cell:
        return '"' + cell + '"'
    return cell


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
