"""The error tree of wawp-importer.

Only problems that stop a whole run are exceptions; a problem with one row is a
status and a detail on that row's result, never an exception.

    ImporterError                 base of everything raised on purpose
    ├── UsageError                the command or the input is unusable (exit 2)
    │   ├── InputFileError        missing, unreadable or unrecognised file
    │   ├── ColumnError           no phone column, unknown column name, bad template
    │   ├── SheetError            unknown sheet (names the sheets there are)
    │   ├── ConfigError           bad option value, bad region code, bad config file
    │   ├── LedgerUnusable        the ledger file exists but cannot be used (empty, damaged,
    │   │                         another schema, unreadable): nothing is sent without it
    │   ├── DryRunResults         a retry given a dry run's results (nothing was sent)
    │   └── InstanceBusy          another run is sending to the instance (with no_wait)
    ├── ApiRejected               the API refused our credentials (401/403; exit 3)
    ├── ApiUnreachable            no answer from the API at all (connection refused, DNS,
    │                             timeouts) after every attempt: the base URL or the network
    ├── PreflightError            the instance is not ready to take contacts (exit 2)
    ├── OutputError               results or journal could not be written (disk full…)
    └── StoppedWaiting            stopped (Ctrl-C, the page) while waiting for another run;
                                  nothing was sent (exit 130)
"""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType

from .notes import NOTE_WORDS, Note


class ImporterError(Exception):
    """Base class of every error the importer raises on purpose.

    `note` is what went wrong as data (a code and its parameters), when the error has one:
    the message is then the command line's words for it, and another surface (the page)
    words the note itself instead of reading the message.
    """

    def __init__(self, *args: object, note: Note | None = None) -> None:
        super().__init__(*(args or ((NOTE_WORDS.say(note),) if note is not None else ())))
        self.note = note


class UsageError(ImporterError):
    """The command or the input cannot be used; nothing was sent.

    `option` names the setting at fault (an ImportOptions field such as "header_row"), when
    the problem is with one: a surface can show the message beside that setting.
    """

    def __init__(self, *args: object, option: str | None = None,
                 note: Note | None = None) -> None:
        super().__init__(*args, note=note)
        self.option = option


class InputFileError(UsageError):
    """The input file is missing, unreadable or of a kind we cannot read."""


class ColumnError(UsageError):
    """A needed column is missing or a named column does not exist."""


class SheetError(UsageError):
    """The requested sheet does not exist in the workbook."""


class ConfigError(UsageError):
    """An option or configuration value is invalid."""


class LedgerUnusable(UsageError):
    """The ledger file exists but cannot serve as one; nothing may be sent without it.

    Going on would send again every contact it should have remembered, so the run stops.
    `problem` says what is wrong (one of `PROBLEMS`), `detail` adds the system's words where
    there are some; each surface (the command, the page) words the way out itself.
    """

    #: problem → what is wrong with the file, as a clause after its name.
    PROBLEMS = MappingProxyType({
        "empty": "is empty (0 bytes) although it should hold what was sent",
        "not_sqlite": "is not a ledger (not an SQLite database)",
        "foreign": "is an SQLite database but not a ledger of wawp-import",
        "newer": "was written by a newer wawp-import (ledger version {detail})",
        "damaged": "is damaged ({detail})",
        "folder": "is a folder, not a file",
        "unreadable": "cannot be opened ({detail})",
    })

    def __init__(self, path: object, problem: str, detail: str = "") -> None:
        self.path = path
        self.problem = problem
        self.detail = detail
        what = self.PROBLEMS[problem].format(detail=detail)
        if detail and "{detail}" not in self.PROBLEMS[problem]:
            what = f"{what}: {detail}"
        super().__init__(f"the ledger {path} {what}")


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


class ApiUnreachable(ImporterError):
    """The API gave no answer at all (connection refused, DNS, timeouts), every attempt."""

    def __init__(self, message: str, *, base_url: str, reason: str) -> None:
        super().__init__(message)
        self.base_url = base_url
        self.reason = reason


class PreflightError(ImporterError):
    """The WhatsApp instance is not ready to take contacts."""


class OutputError(ImporterError):
    """The results or the journal could not be written."""


class StoppedWaiting(ImporterError):
    """The run was stopped while it waited for another run on its instance; nothing was sent."""
