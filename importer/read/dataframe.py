"""A pandas DataFrame as input (`run_import(df, …)`): columns as headers, values as cells.

The frame is written, as text, to a private temporary CSV file that the usual reader then
reads, so a DataFrame gets every guarantee a spreadsheet gets (the journal, `--resume`,
`duplicates="last"`, `verify`). Cells become the text a person would see, and numbers keep
their digits, never passing through float: an int64 201001234567 → "201001234567"; a float
column of whole numbers (pandas' way of holding integers with NaN) → the digits without
".0"; None, NaN, NA and NaT → an empty cell.

pandas is imported only by these functions: the command line never loads it.
"""

from __future__ import annotations

import contextlib
import csv
import math
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .cells import cell_text

#: Rows converted at a time: memory stays bounded whatever the frame's length.
CHUNK_ROWS = 10_000
FRAME_FILE = "dataframe.csv"


def is_dataframe(value: object) -> bool:
    """Whether `value` is a pandas DataFrame (without importing pandas when it is not loaded)."""
    import sys

    pandas = sys.modules.get("pandas")
    return pandas is not None and isinstance(value, pandas.DataFrame)


def frame_cell(value: Any) -> str:
    """One value of a DataFrame as the text of a cell."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if hasattr(value, "item") and not isinstance(value, (int, float)):
        try:  # a numpy scalar (np.int64, np.bool_…) as the Python value it holds
            value = value.item()
        except (TypeError, ValueError):
            pass  # not a numpy scalar after all: the value is kept as it is
    if isinstance(value, float) and math.isnan(value):
        return ""
    if _is_missing(value):
        return ""
    return cell_text(value)


def _is_missing(value: Any) -> bool:
    import pandas as pd

    try:
        return bool(value is pd.NA or value is pd.NaT or pd.isna(value))
    except (TypeError, ValueError):  # list-like cells: not "missing"
        return False


def frame_headers(frame: Any) -> list[str]:
    """The column names as headers ("" for an unnamed column)."""
    return ["" if name is None else frame_cell(name) if not isinstance(name, tuple)
            else " ".join(frame_cell(part) for part in name if frame_cell(part))
            for name in frame.columns]


def frame_rows(frame: Any, *, chunk: int = CHUNK_ROWS) -> Iterator[list[str]]:
    """The frame's rows as lists of cell texts, a chunk of rows converted at a time."""
    width = frame.shape[1]
    for start in range(0, len(frame), chunk):
        part = frame.iloc[start:start + chunk]
        # Column by column: .tolist() gives Python ints for int64 (exact digits), not floats.
        columns = [[frame_cell(v) for v in part.iloc[:, j].tolist()] for j in range(width)]
        yield from (list(cells) for cells in zip(*columns, strict=True)) if width else (
            [] for _ in range(len(part)))


def write_frame_csv(frame: Any, path: Path) -> None:
    """Write the frame as a UTF-8 CSV file: header, then one line per row."""
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(frame_headers(frame))
        writer.writerows(frame_rows(frame))


@contextlib.contextmanager
def frame_as_csv(frame: Any) -> Iterator[Path]:
    """The frame as a temporary CSV file (private to its owner), removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="wawp-frame-"))  # mode 0700: it holds numbers
    try:
        path = folder / FRAME_FILE
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.close(fd)
        write_frame_csv(frame, path)
        yield path
    finally:
        shutil.rmtree(folder, ignore_errors=True)
