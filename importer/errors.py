"""The error tree of wawp-importer.

Only problems that stop a whole run are exceptions; a problem with one row is a
status and a detail on that row's result, never an exception.

    ImporterError                 base of everything raised on purpose
    ├── UsageError                the command or the input is unusable (exit 2)
    │   ├── InputFileError        missing, unreadable or unrecognised file
    │   ├── ColumnError           no phone column, unknown column name, bad template
    │   ├── SheetError            unknown sheet (names the sheets there are)
    │   ├── ConfigError           bad option value, bad region code, bad config file
    │   ├── DryRunResults         a retry given a dry run's results (nothing was sent)
    │   └── InstanceBusy          another run is sending to the instance (with no_wait)
    ├── ApiRejected               the API refused our credentials (401/403; exit 3)
    ├── PreflightError            the instance is not ready to take contacts (exit 2)
    ├── OutputError               results or journal could not be written (disk full…)
    └── StoppedWaiting            stopped (Ctrl-C, the page) while waiting for another run;
                                  nothing was sent (exit 130)
"""

from __future__ import annotations

from pathlib import Path


class ImporterError(Exception):
    """Base class of every error the importer raises on purpose."""


class UsageError(ImporterError):
    """The command or the input cannot be used; nothing was sent."""


class InputFileError(UsageError):
    """The input file is missing, unreadable or of a kind we cannot read."""


class ColumnError(UsageError):
    """A needed column is missing or a named column does not exist."""


class SheetError(UsageError):
    """The requested sheet does not exist in the workbook."""


class ConfigError(UsageError):
    """An option or configuration value is invalid."""


class DryRunResults(UsageError):
    """A retry was given a dry run's results: nothing was sent, so nothing is to retry.
    `spreadsheet` is the file the dry run most likely read, when one is found beside it."""

    def __init__(self, message: str, *, spreadsheet: Path | None = None) -> None:
        super().__init__(message)
        self.spreadsheet = spreadsheet


class InstanceBusy(UsageError):
    """Another run is sending to the same instance, and this one was told not to wait."""


class ApiRejected(ImporterError):
    """The API rejected the instance ID or access token (HTTP 401 or 403)."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class PreflightError(ImporterError):
    """The WhatsApp instance is not ready to take contacts."""


class OutputError(ImporterError):
    """The results or the journal could not be written."""


class StoppedWaiting(ImporterError):
    """The run was stopped while it waited for another run on its instance; nothing was sent."""
