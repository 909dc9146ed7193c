"""The results as an Excel workbook, for `--results something.xlsx`.

Written with openpyxl's write-only mode, so a run of any length stays in bounded memory: rows
stream to a file beside the results (`rows_path`, owner-only, removed on close whatever
happened) and are zipped on close. What an operator gets: a frozen header, a
filter on every column, the status cell coloured, every phone and ID cell stored as text (so
Excel never turns 201001234567 into 2.01E+11), and column widths fitted to the first rows.
"""

from __future__ import annotations

import contextlib
import datetime
import os
import zipfile
from pathlib import Path
from types import TracebackType
from typing import Self

from lxml.etree import LxmlError
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet._writer import WorksheetWriter
from openpyxl.writer.excel import ExcelWriter

from ..atomic import AtomicFile, partial_path
from ..errors import OutputError
from ..models import RowResult, Status
from ..problems import encode_params
from ..result_format import RESULT_COLUMNS, STATUS_COLOURS

#: Rows held back to measure column widths before the first row is written (the widths
#: must precede the rows in the sheet's XML).
WIDTH_SAMPLE_ROWS = 200
MIN_WIDTH, MAX_WIDTH = 6, 60
#: Excel refuses longer cell text.
MAX_CELL_CHARS = 32_767
SHEET_TITLE = "Results"

_FILLS = {status: PatternFill("solid", start_color=colour, end_color=colour)
          for status, colour in STATUS_COLOURS.items()}
_TEXT = "@"  # Excel's "Text" number format: what a user types there stays text too
_STATUS_COLUMN = RESULT_COLUMNS.index("status")
_NUMBER_COLUMNS = frozenset(RESULT_COLUMNS.index(c) for c in ("row", "attempts", "http_status"))


def excel_text(text: str) -> str:
    """`text` as Excel can store it: control characters removed, cut to Excel's limit."""
    text = ILLEGAL_CHARACTERS_RE.sub("", text)
    return text[:MAX_CELL_CHARS]


def rows_path(path: Path) -> Path:
    """Where the rows of the workbook being written to `path` stream until it is saved."""
    return path.with_name(path.name + ".rows.partial")


class _RowsWriter(WorksheetWriter):
    """openpyxl's sheet writer, streaming to a file its owner names and removes.

    Left to itself, a write-only sheet streams to a NamedTemporaryFile in the system's
    temporary folder, which a killed process leaves there with every number and name in it.
    """

    def cleanup(self) -> None:
        """Nothing: XlsxResultsWriter.close removes the file, after a failure too."""


class XlsxResultsWriter:
    """Writes results to `<path>.partial` as a workbook and moves it into place when complete.

    Same interface as `ResultsWriter`: `write(result)`, `close(complete=…)`, a context manager.
    """

    def __init__(self, path: Path, input_headers: list[str]) -> None:
        self.path = path
        self.partial = partial_path(path)
        self.rows = rows_path(path)
        self.width = len(input_headers)
        self.count = 0
        self._headers = [*RESULT_COLUMNS, *(excel_text(h) for h in input_headers)]
        self._book = Workbook(write_only=True)
        self._sheet: WriteOnlyWorksheet = self._book.create_sheet(SHEET_TITLE)
        self._sample: list[list[object]] | None = []
        try:
            # Opened now, to fail before anything is sent rather than at the end of a long run.
            self._file = AtomicFile(path, encoding=None)
        except OSError as exc:
            raise OutputError(f"cannot write results to {path}: {exc.strerror}") from None

    def write(self, result: RowResult) -> None:
        row = self._cells(result)
        try:
            if self._sample is not None:
                self._sample.append(row)
                if len(self._sample) >= WIDTH_SAMPLE_ROWS:
                    self._flush_sample()
            else:
                self._sheet.append(row)  # streamed to openpyxl's temporary file
        except (OSError, LxmlError) as exc:
            raise self._failed(exc) from None
        self.count += 1

    def _failed(self, exc: OSError | LxmlError) -> OutputError:
        """A failed write as the one error the run reports; lxml, which streams the rows,
        names the errno in its own way ("IO_EFBIG")."""
        reason = exc.strerror if isinstance(exc, OSError) else _LXML_REASONS.get(
            str(exc).strip(), str(exc).strip() or type(exc).__name__)
        return OutputError(f"cannot write results to {self.path}: {reason}")

    def _cells(self, result: RowResult) -> list[object]:
        values = list(result.values)
        if len(values) < self.width:
            values.extend([""] * (self.width - len(values)))
        cells: list[object] = [result.row, self._status_cell(result.status),
                               self._text(result.chat_id), result.first_name, result.last_name,
                               result.attempts, result.http_status, result.detail,
                               "" if result.problem is None else result.problem.code.value,
                               encode_params(result.problem)]
        cells += [self._text(v) for v in values]
        return [self._safe(c) for c in cells]

    def _status_cell(self, status: Status) -> Cell:
        cell = WriteOnlyCell(self._sheet, value=status.value)
        fill = _FILLS.get(status)
        if fill is not None:
            cell.fill = fill
        return cell

    def _text(self, text: str) -> Cell | str:
        """A cell that stays text: digits are never turned into a number."""
        if not text:
            return text
        cell = WriteOnlyCell(self._sheet)
        cell.value = excel_text(text)
        cell.data_type = "s"  # even "=…" is text here: a results file never runs formulas
        cell.number_format = _TEXT
        return cell

    def _safe(self, cell: object) -> object:
        if isinstance(cell, str):
            if not cell:
                return None
            text = excel_text(cell)
            if text.startswith("="):
                # openpyxl would store it as a formula; a results file never runs formulas.
                out = WriteOnlyCell(self._sheet)
                out.value = text
                out.data_type = "s"
                return out
            return text
        return cell

    def _stream_rows(self) -> None:
        """Start the sheet's XML in `self.rows`, owner-only from its creation (openpyxl would
        start it at the first row, in a temporary file of its own)."""
        self.rows.unlink(missing_ok=True)  # a killed run's
        os.close(os.open(self.rows, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        writer = _RowsWriter(self._sheet, out=str(self.rows))
        writer.write_top()  # after the widths and the frozen header: they precede the rows
        self._sheet._writer = writer

    def _flush_sample(self) -> None:
        """Set the widths from the rows held back, write the header and those rows."""
        sample, self._sample = self._sample or [], None
        for index, header in enumerate(self._headers):
            longest = max([len(header) + 2]  # room for the filter button
                          + [len(_shown(row[index])) for row in sample if index < len(row)])
            letter = get_column_letter(index + 1)
            self._sheet.column_dimensions[letter].width = max(MIN_WIDTH, min(MAX_WIDTH,
                                                                              longest + 1))
        self._sheet.freeze_panes = "A2"
        self._stream_rows()
        bold = Font(bold=True)
        header = []
        for text in self._headers:
            cell = WriteOnlyCell(self._sheet, value=text)
            cell.data_type = "s"
            cell.font = bold
            header.append(cell)
        self._sheet.append(header)
        for row in sample:
            self._sheet.append(row)

    def close(self, *, complete: bool = True) -> None:
        """Save the workbook; a complete one replaces `path`, an incomplete one stays .partial.
        The streamed rows are removed either way (their content is in the workbook, if any)."""
        try:
            self._close(complete)
        finally:
            with contextlib.suppress(OSError):
                self.rows.unlink(missing_ok=True)

    def _close(self, complete: bool) -> None:
        if not complete and self.count == 0:
            # failed before its first row: nothing worth keeping (see ResultsWriter.close)
            try:
                self._file.abandon(keep=False)
            except OSError as exc:
                raise OutputError(f"cannot write results to {self.path}: {exc.strerror}") from None
            return
        last = get_column_letter(len(self._headers))
        try:
            if self._sample is not None:
                self._flush_sample()
            self._sheet.auto_filter.ref = f"A1:{last}{self.count + 1}"
            self._save()
            if complete:
                self._file.commit()
            else:
                self._file.abandon()
        except (OSError, LxmlError) as exc:
            raise self._failed(exc) from None

    def _save(self) -> None:
        """`Workbook.save`, but with the zip archive closed on failure too: left open, it is
        closed by the garbage collector later, which prints a stray traceback."""
        self._book.properties.modified = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
        archive = zipfile.ZipFile(self._file.file, "w", zipfile.ZIP_DEFLATED, allowZip64=True)
        try:
            ExcelWriter(self._book, archive).save()
        except BaseException:
            with contextlib.suppress(Exception):  # the first error is the one to report
                archive.close()
            raise

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close(complete=exc_type is None)


#: lxml's names of the errors it met writing (libxml2's xmlParserErrors), in words.
_LXML_REASONS = {"IO_EFBIG": "File too large", "IO_ENOSPC": "No space left on device",
                 "IO_EIO": "Input/output error", "IO_EACCES": "Permission denied",
                 "IO_EDQUOT": "Disk quota exceeded"}


def _shown(cell: object) -> str:
    """The text a cell shows, for measuring its width."""
    if isinstance(cell, Cell):
        cell = cell.value
    return "" if cell is None else str(cell)
