"""Excel and OpenDocument workbooks (.xlsx, .xlsm, .xlsb, .xls, .ods), read with python-calamine.

calamine holds one sheet in memory (about 120 MB of peak RSS for 200,000 rows × 5 columns)
and reads it several times faster than openpyxl. Only cells with a value make up its
range, so formatted-but-empty rows and columns after the data cost nothing. Rows keep the
sheet's numbering and columns its lettering: a title block above the header shifts the row
numbers, and an empty column A stays column 1.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from itertools import islice
from pathlib import Path
from typing import Any

import python_calamine

from ..errors import InputFileError, SheetError
from ..models import SourceRow
from ..notes import Note, NoteCode, note
from .cells import EXCEL_DIGITS, cell_text
from .header import find_header
from .limits import HEADER_SEARCH_ROWS, MAX_COLUMNS, is_blank, make_row, numbered_headers
from .numfmt import DigitTemplate, sample_digit_templates
from .sheets import SCORE_ROWS, SheetScore, choice_notes, score_rows
from .table import Table, TableInfo

Cell = Any  # str | float | int | bool | date | datetime | time | timedelta, as calamine gives


def open_workbook(path: Path, kind: str, *, sheet: str | None = None,
                  header_row: int | None = None, max_rows: int | None = None,
                  notes: list[Note] | None = None, no_header: bool = False) -> Table:
    """Open one sheet (by name or 1-based number; by default the one that shows phone
    numbers, see sheets.py) as a table;
    with `no_header` every row is data and columns are named 1, 2, 3…"""
    info_notes = list(notes or [])
    book = _open_book(path, kind)
    names = list(book.sheet_names)
    chosen, data, reason = _choose_sheet(path, book, sheet, info_notes,
                                         no_header=no_header)
    rows = _SheetRows(data)
    if no_header:
        header_number, headers = 0, numbered_headers(min(rows.last_col + 1, MAX_COLUMNS))
    else:
        header_number, header_cells = _find_header_row(path, chosen, rows, header_row)
        headers = _header_texts(path, header_cells)
    templates: dict[int, DigitTemplate] = {}
    if kind in ("xlsx", "xlsm") and rows.has_numbers_after(header_number):
        templates = sample_digit_templates(path, chosen, first_row=header_number + 1)
    count = sum(1 for number, cells in rows if number > header_number and not _raw_blank(cells))
    if max_rows is not None and count > max_rows:
        raise InputFileError(note=note(NoteCode.TOO_MANY_ROWS, file=path.name, limit=max_rows,
                                       rows=count, sheet=chosen))
    info = TableInfo(kind=kind, sheet=chosen, sheets=names, sheet_reason=reason,
                     header_row=header_number,
                     header_detected=header_row is None and not no_header, rows=count,
                     notes=info_notes)
    return Table(headers=headers, rows=_data_rows(rows, header_number, headers, templates),
                 info=info)


def _open_book(path: Path, kind: str) -> python_calamine.CalamineWorkbook:
    try:
        return python_calamine.CalamineWorkbook.from_path(str(path))
    except python_calamine.PasswordError:
        raise InputFileError(f"{path.name} is protected by a password: open it in Excel, remove "
                             "the password and save it again") from None
    except (python_calamine.CalamineError, OSError, ValueError) as exc:
        detail = str(exc).strip() or type(exc).__name__
        hint = " (it may be password-protected)" if kind == "xls" else ""
        raise InputFileError(f"{path.name} cannot be read as an {kind.upper()} workbook{hint}: "
                             f"{detail}") from None


class _SheetRows:
    """The rows of a loaded sheet as (sheet row number, cells from column A), re-iterable.

    calamine's iterator starts at sheet row 1 but at the first column holding data; cells
    are padded back to column A so that column numbers match the sheet's letters.
    """

    def __init__(self, data: python_calamine.CalamineSheet) -> None:
        self.data = data
        start, end = data.start, data.end
        self.first_row, self.first_col = start if start else (0, 0)
        self.last_col = end[1] if end else 0

    def __iter__(self) -> Iterator[tuple[int, list[Cell]]]:
        if self.data.start is None:
            return
        pad: list[Cell] | None = None
        offset: int | None = None
        for index, cells in enumerate(self.data.iter_rows()):
            if pad is None:
                pad = [""] * (self.last_col + 1 - len(cells)) if len(cells) <= self.last_col else []
            if offset is None:
                if _raw_blank(cells):
                    continue
                # Rows before the data's first row are empty; whether calamine yielded them
                # tells where its iterator started.
                offset = 1 if index >= self.first_row else self.first_row + 1
            yield index + offset, pad + cells if pad else cells

    def has_numbers_after(self, header_number: int) -> bool:
        """True when a number cell appears in the first rows below the header."""
        seen = 0
        for number, cells in self:
            if number <= header_number:
                continue
            if any(isinstance(c, (int, float)) and not isinstance(c, bool) for c in cells):
                return True
            seen += 1
            if seen >= HEADER_SEARCH_ROWS:
                return False
        return False


def _raw_blank(cells: Sequence[Cell]) -> bool:
    """True when no cell holds a value (calamine gives "" for an empty cell)."""
    for cell in cells:  # a plain loop: this runs once per row of the sheet
        if cell != "" and cell is not None and not (type(cell) is str and cell.isspace()):
            return False
    return True


def _choose_sheet(path: Path, book: python_calamine.CalamineWorkbook, sheet: str | None,
                  notes: list[Note], *, no_header: bool = False,
                  ) -> tuple[str, python_calamine.CalamineSheet, str]:
    """(name, loaded sheet, why it was chosen): the one asked for, else the best scored.

    calamine parses a whole sheet when it is opened (python-calamine has no lazy reader), but
    only the first rows of each are turned into Python values to score it, and only the best
    sheet so far stays loaded: the chosen one is never read twice.
    """
    names = list(book.sheet_names)
    if sheet is not None:
        name = _resolve_sheet(path, names, sheet)
        return name, _load(path, book, name), "as given"
    meta = {m.name: m for m in book.sheets_metadata}
    scores: list[SheetScore] = []
    best: tuple[SheetScore, python_calamine.CalamineSheet] | None = None
    for position, name in enumerate(names, start=1):
        visible = _is_visible_worksheet(meta.get(name))
        try:
            data = _load(path, book, name)
        except InputFileError as exc:  # a damaged part: the other sheets may still be fine
            passed = exc.note.params if exc.note is not None else {
                "file": path.name, "sheet": name, "reason": str(exc)}
            notes.append(Note(NoteCode.SHEET_PASSED_OVER, passed))
            scores.append(SheetScore(name, position, visible))
            continue
        score = _score_sheet(name, position, data, visible=visible, no_header=no_header)
        scores.append(score)
        if best is None or score.rank > best[0].rank:
            best = score, data
        del data  # a sheet that lost is dropped at once
    if best is None or not best[0].has_data:
        raise InputFileError(f"{path.name} has no sheet with data (sheets: "
                             f"{_sheet_listing(names)})")
    chosen, data = best
    if not chosen.visible:
        notes.append(note(NoteCode.HIDDEN_SHEET_READ, sheet=chosen.name,
                          phones=bool(chosen.tier)))
    notes.extend(choice_notes(chosen, scores))
    reason = chosen.reason() if len(scores) > 1 else ""
    return chosen.name, data, reason


def _score_sheet(name: str, position: int, data: python_calamine.CalamineSheet, *,
                 visible: bool, no_header: bool) -> SheetScore:
    rows = _SheetRows(data)
    head = [[cell_text(c) for c in cells] for _, cells in islice(rows, SCORE_ROWS)]
    # the sheet's extent gives its size without reading it (blank rows inside it included)
    return score_rows(name, position, head, visible=visible, no_header=no_header,
                      total_rows=data.height if data.start is not None else 0)


def _is_visible_worksheet(meta: python_calamine.SheetMetadata | None) -> bool:
    if meta is None:
        return True
    return (meta.typ == python_calamine.SheetTypeEnum.WorkSheet
            and meta.visible == python_calamine.SheetVisibleEnum.Visible)


def _resolve_sheet(path: Path, names: list[str], sheet: str) -> str:
    """A sheet by exact name, by name ignoring case and spaces, or by 1-based number."""
    if sheet in names:
        return sheet
    folded = sheet.strip().casefold()
    for name in names:
        if name.strip().casefold() == folded:
            return name
    if sheet.strip().isdigit() and 1 <= int(sheet) <= len(names):
        return names[int(sheet) - 1]
    raise SheetError(f"no sheet {sheet!r} in {path.name}; the sheets are: "
                     f"{_sheet_listing(names)}")


def _sheet_listing(names: list[str]) -> str:
    return ", ".join(f"{i} {n!r}" for i, n in enumerate(names, start=1)) or "(none)"


def _load(path: Path, book: python_calamine.CalamineWorkbook,
          name: str) -> python_calamine.CalamineSheet:
    try:
        return book.get_sheet_by_name(name)
    except (python_calamine.CalamineError, OSError, ValueError) as exc:  # a damaged part
        raise InputFileError(note=note(NoteCode.SHEET_UNREADABLE, file=path.name, sheet=name,
                                       reason=str(exc))) from None


def _find_header_row(path: Path, sheet: str, rows: _SheetRows,
                     header_row: int | None) -> tuple[int, list[Cell]]:
    if header_row is not None:
        last = 0
        for number, cells in rows:
            last = number
            if number == header_row:
                if _raw_blank(cells):
                    break
                return number, cells
            if number > header_row:
                break
        if last < header_row:
            raise InputFileError(f"{path.name}: header row {header_row} is past the end of "
                                 f"sheet {sheet!r} (it has {last} rows)", option="header_row")
        raise InputFileError(f"{path.name}: header row {header_row} of sheet {sheet!r} is empty",
                             option="header_row")
    sample: list[tuple[int, list[Cell]]] = []
    for number, cells in rows:
        if not _raw_blank(cells):
            sample.append((number, cells))
            if len(sample) >= HEADER_SEARCH_ROWS:
                break
    if not sample:
        raise InputFileError(f"{path.name}: sheet {sheet!r} is empty")
    texts = [(number, [cell_text(c) for c in cells]) for number, cells in sample]
    return sample[find_header(texts)]


def _header_texts(path: Path, cells: Sequence[Cell]) -> list[str]:
    texts = [cell_text(c) for c in cells]
    while texts and not texts[-1].strip():
        texts.pop()
    if len(texts) > MAX_COLUMNS:
        raise InputFileError(f"{path.name} has {len(texts):,} columns, more than the "
                             f"{MAX_COLUMNS:,} a contact list can have")
    return texts


def _data_rows(rows: _SheetRows, header_number: int, headers: list[str],
               templates: dict[int, DigitTemplate]) -> Iterator[SourceRow]:
    for number, cells in rows:
        if number <= header_number:
            continue
        texts = [cell_text(c) for c in cells]
        for column, template in templates.items():
            if column < len(cells):
                shown = _formatted(cells[column], template)
                if shown is not None:
                    texts[column] = shown
        if not is_blank(texts):
            yield make_row(number, texts, headers)


def _formatted(value: Cell, template: DigitTemplate) -> str | None:
    """The text a digit template shows for a whole, non-negative number of at most 15 digits."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if isinstance(value, float) and not value.is_integer():
        return None
    number = int(value)
    if number < 0 or len(str(number)) > EXCEL_DIGITS:
        return None
    return template.render(number)
