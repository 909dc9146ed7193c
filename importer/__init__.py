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
DataFrame, and `summary_frame(summary)` / `read_results(path)` give results as a DataFrame.
"""

from __future__ import annotations

import logging
from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# The library logs to the "importer" tree and never configures logging: silent unless the
# application (or `wawp-import -v` / `--log-file`) adds a handler. Without this one, Python's
# last-resort handler would print warnings to stderr, unredacted.
logging.getLogger(__name__).addHandler(logging.NullHandler())

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
    "import_async": ".pipeline", "plan_import": ".pipeline",
    "plan_import_async": ".pipeline", "run_import": ".pipeline", "run_plan": ".pipeline",
    "run_plan_async": ".pipeline",
    "read_results": ".report.frames", "summary_frame": ".report.frames",
    "render_preview": ".report.summary", "render_summary": ".report.summary",
    "summary_to_dict": ".report.summary",
}

__all__ = [
    "ApiRejected", "ApiUnreachable", "ColumnError", "ConfigError", "Contact", "ImportOptions",
    "ImporterError", "InputFileError", "LedgerUnusable", "OutputError", "PreflightError",
    "RowResult", "SheetError", "Status", "Summary", "UsageError", "__version__", "import_async",
    "plan_import", "plan_import_async", "read_results", "render_preview", "render_summary",
    "run_import", "run_plan", "run_plan_async", "summary_frame", "summary_to_dict",
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
    from .pipeline import (
        import_async,
        plan_import,
        plan_import_async,
        run_import,
        run_plan,
        run_plan_async,
    )
    from .report.frames import read_results, summary_frame
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
