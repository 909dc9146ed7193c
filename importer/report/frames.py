"""Results as a pandas DataFrame: `read_results(path)` and `summary_frame(summary)`.

The pandas view lives here, apart from the model: `Summary` knows nothing of readers.

Every cell is the text of the results file (phones stay text, never numbers), except `row`
and `attempts` (int64) and `http_status` (nullable Int64: empty when no answer came).
pandas is imported only when these functions are called.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import InputFileError
from ..models import Summary

if TYPE_CHECKING:
    import pandas


def read_results(path: str | os.PathLike[str]) -> pandas.DataFrame:
    """A results file (.csv or .xlsx, written by wawp-import) as a DataFrame, one row per line.

    Needs pandas: `pip install wawp-importer[pandas]`.
    """
    try:
        import pandas as pd
    except ImportError:
        raise ImportError("read_results needs pandas: pip install 'wawp-importer[pandas]'"
                          ) from None
    from ..read import open_table
    from ..result_format import (
        RESULT_COLUMNS,
        RESULT_COLUMNS_BEFORE_CODE,
        is_results_header,
        unsafe_cell,
    )

    path = Path(path)
    table = open_table(path, header_row=1)
    if not is_results_header(table.headers):
        raise InputFileError(f"{path.name} is not a results file of wawp-import (its first "
                             f"columns are not {', '.join(RESULT_COLUMNS_BEFORE_CODE)})")
    width = len(table.headers)
    unescape = table.info.kind == "csv"  # the CSV's ' before formula-like cells is not data
    rows = []
    for source in table.rows:
        cells = [unsafe_cell(c) for c in source.values] if unescape else list(source.values)
        cells += [""] * (width - len(cells))
        rows.append(cells[:width])
    frame = pd.DataFrame(rows, columns=table.headers, dtype=object)
    # By position: an input column may share a name with one of ours ("status"…).
    column = RESULT_COLUMNS.index
    frame.isetitem(column("row"), pd.to_numeric(frame.iloc[:, column("row")]).astype("int64"))
    attempts = frame.iloc[:, column("attempts")].replace("", "0")
    frame.isetitem(column("attempts"), pd.to_numeric(attempts).astype("int64"))
    http = frame.iloc[:, column("http_status")].replace("", None)
    frame.isetitem(column("http_status"), pd.to_numeric(http).astype("Int64"))
    return frame


def summary_frame(summary: Summary) -> pandas.DataFrame:
    """The results file of the run `summary` describes, as a DataFrame (see `read_results`)."""
    return read_results(summary.results_path)
