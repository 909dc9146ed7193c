"""Small value types that flow through the pipeline: read → normalize → send → report."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from enum import StrEnum

from .problems import Problem


class Status(StrEnum):
    """The outcome of one input row (the `status` column of the results)."""

    OK = "ok"
    READY = "ready"
    INVALID = "invalid"
    DUPLICATE = "duplicate"
    FAILED = "failed"
    NOT_ATTEMPTED = "not_attempted"
    NOT_ON_WHATSAPP = "not_on_whatsapp"
    #: The ledger says this very contact is already in the address book (not sent).
    UNCHANGED = "unchanged"


#: Each status's text ("ok"…): a dict look-up, where `Status.X.value` is a property call
#: (enum's), paid several times per row by the writer, the counts and the tally.
STATUS_TEXT: dict[Status, str] = {status: status.value for status in Status}

#: Statuses that leave nothing for the user to do; anything else makes exit code 1.
SUCCESS_STATUSES = frozenset({Status.OK, Status.READY, Status.DUPLICATE, Status.UNCHANGED})


@dataclass(frozen=True, slots=True)
class SourceRow:
    """One data row as read: its row number as the spreadsheet shows it and its cells as text.

    `problems` holds what the reader had to change in this row (an over-long cell cut to the
    limit…); a row with problems is reported invalid with them (the first is its problem).

    A row whose cells were fixed by hand (fixes.py) is normalized with `values`; `original`
    holds the cells the file has, which its result carries, and `fixed` the fixed headers.
    """

    number: int
    values: tuple[str, ...]
    problems: tuple[Problem, ...] = ()
    original: tuple[str, ...] = ()
    fixed: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Contact:
    """What is sent to WAWP for one address-book entry."""

    chat_id: str
    first_name: str
    last_name: str


@dataclass(frozen=True, slots=True)
class Prepared:
    """A row after normalization: a contact ready to send, or the reason it is not sent.

    `status` is READY for a contact to send, else INVALID, DUPLICATE, UNCHANGED or a status
    carried over from an earlier run; `detail` holds notes either way, and `problem` why
    the row is not sent (as data: the detail says it in words).
    """

    row: int
    values: tuple[str, ...]
    status: Status
    contact: Contact | None = None
    detail: str = ""
    #: The line an earlier run wrote for this row, written again unchanged (`--retry-failed`).
    previous: RowResult | None = None
    problem: Problem | None = None


@dataclass(slots=True)
class RowResult:
    """One line of the results file.

    `problem` is what went wrong (or, for a row sent in an earlier run, why it was not sent
    now) as a code and its parameters; `detail` says it in words, with the row's notes. A
    line of a results file written before the code column has no problem.
    """

    row: int
    status: Status
    chat_id: str = ""
    first_name: str = ""
    last_name: str = ""
    attempts: int = 0
    http_status: int | None = None
    detail: str = ""
    values: tuple[str, ...] = ()
    problem: Problem | None = None

    @classmethod
    def from_prepared(cls, item: Prepared, status: Status | None = None, detail: str | None = None,
                      *, attempts: int = 0, http_status: int | None = None,
                      problem: Problem | None = None) -> RowResult:
        """The line of `item`; a new `status` comes with its `detail` and `problem`."""
        if item.previous is not None and status is None and detail is None:
            # A row carried over from an earlier run keeps its line, attempts included.
            return dataclasses.replace(item.previous)
        contact = item.contact
        # positional, in the fields' order: a keyword call costs more, once per row
        if contact is None:
            return cls(item.row, status or item.status, "", "", "", attempts, http_status,
                       item.detail if detail is None else detail, item.values,
                       item.problem if problem is None else problem)
        return cls(item.row, status or item.status, contact.chat_id, contact.first_name,
                   contact.last_name, attempts, http_status,
                   item.detail if detail is None else detail, item.values,
                   item.problem if problem is None else problem)


@dataclass(frozen=True, slots=True)
class ReasonCount:
    """How many rows of one status share one reason, with the first few row numbers."""

    status: str
    reason: str
    count: int
    examples: tuple[int, ...] = ()
    #: The problem code the rows share ("" for lines of an older results file without one),
    #: and the first row's problem: a surface words the reason from it in its own words.
    code: str = ""
    problem: Problem | None = None


@dataclass(slots=True)
class Summary:
    """What a run did, for the CLI's closing lines and for `--summary-json`."""

    counts: dict[str, int] = field(default_factory=dict)
    rows: int = 0
    results: int = 0
    #: Rows whose request went out in this run (not those skipped by --resume, carried over
    #: by a retry, or not attempted): what the rate counts. A dry run sends none.
    sent: int = 0
    elapsed: float = 0.0
    results_path: str = ""
    aborted: str = ""
    interrupted: bool = False
    dry_run: bool = False
    #: The most common reasons per status, most common first (see report/summary.py).
    reasons: list[ReasonCount] = field(default_factory=list)
    #: The first rows as they would be sent (row, status, chat ID and names only).
    preview: list[RowResult] = field(default_factory=list)
    #: `--retry-failed`/`--retry-invalid`: rows read again, and lines copied from the old file.
    retried: int = 0
    carried: int = 0
    #: `--verify`: check-exists calls made, and answers taken from the cache instead.
    checked: int = 0
    check_cached: int = 0
    #: How many times a 429 made the sending slow down (the sending pacer's count).
    slowdowns: int = 0
    #: `--limit`: contacts to send the canary left not_attempted, for --resume.
    limited: int = 0

    def count(self, status: Status) -> int:
        return self.counts.get(status.value, 0)

    @property
    def all_succeeded(self) -> bool:
        return all(Status(s) in SUCCESS_STATUSES for s, n in self.counts.items() if n)
