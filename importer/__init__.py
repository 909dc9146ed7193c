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

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

#: Where each public name lives. They are loaded on first use (PEP 562), so that
#: `import importer` (which `wawp-import --help` does) does not load the pipeline, the readers,
#: phonenumbers, httpx or aiohttp; `from importer import run_import` works as before.
_PUBLIC = {
    "ApiRejected": ".errors", "ApiUnreachable": ".errors", "ColumnError": ".errors",
    "ConfigError": ".errors", "ImporterError": ".errors", "InputFileError": ".errors",
    "LedgerUnusable": ".errors", "OutputError": ".errors", "PreflightError": ".errors",
    "SheetError": ".errors", "UsageError": ".errors",
    "Contact": ".models", "RowResult": ".models", "Status": ".models", "Summary": ".models",
    "ImportOptions": ".options",
    "plan_import": ".pipeline", "run_import": ".pipeline", "run_plan": ".pipeline",
    "read_results": ".report.frames",
    "render_preview": ".report.summary", "render_summary": ".report.summary",
    "summary_to_dict": ".report.summary",
}

__all__ = [
    "ApiRejected", "ApiUnreachable", "ColumnError", "ConfigError", "Contact", "ImportOptions",
    "ImporterError", "InputFileError", "LedgerUnusable", "OutputError", "PreflightError",
    "RowResult", "SheetError", "Status", "Summary", "UsageError", "__version__", "plan_import",
    "read_results", "render_preview", "render_summary", "run_import", "run_plan",
    "summary_to_dict",
]

if TYPE_CHECKING:
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


def __getattr__(name: str) -> Any:
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(module, __name__), name)
    globals()[name] = value  # found once; later lookups do not come back here
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_PUBLIC})
