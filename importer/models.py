"""Small value types that flow through the pipeline: read → normalize → send → report."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Status(StrEnum):
    """The outcome of one input row (the `status` column of the results)."""

    OK = "ok"
    READY = "ready"
    INVALID = "invalid"
    DUPLICATE = "duplicate"
    FAILED = "failed"
    NOT_ATTEMPTED = "not_attempted"
    NOT_ON_WHATSAPP = "not_on_whatsapp"


#: Statuses that leave nothing for the user to do; anything else makes exit code 1.
SUCCESS_STATUSES = frozenset({Status.OK, Status.READY, Status.DUPLICATE})


@dataclass(frozen=True, slots=True)
class SourceRow:
    """One data row as read: its row number as the spreadsheet shows it and its cells as text."""

    number: int
    values: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Contact:
    """What is sent to WAWP for one address-book entry."""

    chat_id: str
    first_name: str
    last_name: str


@dataclass(frozen=True, slots=True)
class Prepared:
    """A row after normalization: a contact ready to send, or the reason it is not sent.

    `status` is READY for a contact to send, else INVALID, DUPLICATE or a status carried
    over from an earlier run; `detail` holds notes either way.
    """

    row: int
    values: tuple[str, ...]
    status: Status
    contact: Contact | None = None
    detail: str = ""


@dataclass(slots=True)
class RowResult:
    """One line of the results file."""

    row: int
    status: Status
    chat_id: str = ""
    first_name: str = ""
    last_name: str = ""
    attempts: int = 0
    http_status: int | None = None
    detail: str = ""
    values: tuple[str, ...] = ()

    @classmethod
    def from_prepared(cls, item: Prepared, status: Status | None = None, detail: str | None = None,
                      *, attempts: int = 0, http_status: int | None = None) -> RowResult:
        contact = item.contact
        return cls(
            row=item.row,
            status=status or item.status,
            chat_id=contact.chat_id if contact else "",
            first_name=contact.first_name if contact else "",
            last_name=contact.last_name if contact else "",
            attempts=attempts,
            http_status=http_status,
            detail=item.detail if detail is None else detail,
            values=item.values,
        )


@dataclass(slots=True)
class Summary:
    """What a run did, for the CLI's closing lines and for `--summary-json`."""

    counts: dict[str, int] = field(default_factory=dict)
    rows: int = 0
    results: int = 0
    elapsed: float = 0.0
    results_path: str = ""
    aborted: str = ""
    interrupted: bool = False
    dry_run: bool = False

    def count(self, status: Status) -> int:
        return self.counts.get(status.value, 0)

    @property
    def all_succeeded(self) -> bool:
        return all(Status(s) in SUCCESS_STATUSES for s, n in self.counts.items() if n)
