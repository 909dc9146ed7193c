"""wawp-importer: put every contact of a spreadsheet into a WhatsApp address book via WAWP."""

from __future__ import annotations

__version__ = "0.1.0"

from .errors import (ApiRejected, ColumnError, ConfigError, ImporterError, InputFileError,
                     OutputError, PreflightError, SheetError, UsageError)
from .models import Contact, RowResult, Status, Summary
from .options import ImportOptions
from .pipeline import plan_import, run_import, run_plan

__all__ = [
    "ApiRejected", "ColumnError", "ConfigError", "Contact", "ImportOptions", "ImporterError",
    "InputFileError", "OutputError", "PreflightError", "RowResult", "SheetError", "Status",
    "Summary", "UsageError", "__version__", "plan_import", "run_import", "run_plan",
]
