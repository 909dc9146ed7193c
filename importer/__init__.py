"""wawp-importer: put every contact of a spreadsheet into a WhatsApp address book via WAWP.

From Python, `run_import` runs the same pipeline as the `wawp-import` command and returns a
`Summary`; `render_summary`, `render_preview` and `summary_to_dict` turn it into the text
and JSON the command prints:

    import os
    from importer import render_summary, run_import

    summary = run_import("contacts.xlsx", default_region="EG", instance_id="my-instance",
                         access_token=os.environ["WAWP_ACCESS_TOKEN"])
    print(render_summary(summary))

With pandas installed (`pip install 'wawp-importer[pandas]'`), `run_import` also takes a
DataFrame, and `Summary.to_frame()` / `read_results(path)` give results as a DataFrame.
"""

from __future__ import annotations

__version__ = "0.1.0"

from .errors import (
                     ApiRejected,
                     ApiUnreachable,
                     ColumnError,
                     ConfigError,
                     ImporterError,
                     InputFileError,
                     LedgerUnusable,
                     OutputError,
                     PreflightError,
                     SheetError,
                     UsageError,
)
from .models import Contact, RowResult, Status, Summary
from .options import ImportOptions
from .pipeline import plan_import, run_import, run_plan
from .report.frames import read_results
from .report.summary import render_preview, render_summary, summary_to_dict

__all__ = [
    "ApiRejected", "ApiUnreachable", "ColumnError", "ConfigError", "Contact", "ImportOptions", "ImporterError",
    "InputFileError", "LedgerUnusable", "OutputError", "PreflightError", "RowResult",
    "SheetError", "Status", "Summary", "UsageError", "__version__", "plan_import",
    "read_results", "render_preview", "render_summary", "run_import", "run_plan",
    "summary_to_dict",
]
