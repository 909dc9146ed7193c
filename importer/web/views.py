"""What the pipeline decided and did, as the page shows it: the table the reader found, sample
values per column, the summary with its most common reasons and example rows, the progress."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from ..models import ReasonCount, RowResult, Status, Summary
from ..read import Table
from ..report.summary import (
    REASON_STATUSES,
    REASONS_SHOWN_PER_STATUS,
    format_count,
    format_duration,
    format_rate,
    ordered_counts,
    reason_of,
    render_reason,
    summary_to_dict,
)
from ..result_format import STATUS_COLOURS
from .words import PAGE_WORDS, note_in_page_words, row_detail

#: Rows whose cells are kept to show as examples of a reason, per (status, reason).
EXAMPLE_ROWS = 3
MAX_EXAMPLE_ROWS = 300


def table_view(table: Table) -> dict[str, Any]:
    """What the reader decided (format, encoding, sheet, header row…) and the headers."""
    info = table.info
    return {"kind": info.kind, "label": info.label, "encoding": info.encoding,
            "encoding_detected": info.encoding_detected, "delimiter": info.delimiter,
            "delimiter_name": info.delimiter_name, "delimiter_detected": info.delimiter_detected,
            "sheet": info.sheet, "sheets": list(info.sheets), "header_row": info.header_row,
            "header_detected": info.header_detected, "rows": info.rows,
            "notes": [note_in_page_words(note) for note in info.notes],
            "headers": list(table.headers)}


class ColumnSamples:
    """The first few distinct non-empty values of each column, for the mapping table."""

    def __init__(self, width: int, per_column: int = 3) -> None:
        self.values: list[list[str]] = [[] for _ in range(width)]
        self.per_column = per_column

    def add(self, values: Iterable[str]) -> None:
        for column, value in zip(self.values, values, strict=False):
            text = value.strip()
            if text and len(column) < self.per_column and text[:60] not in column:
                column.append(text[:60])

    def view(self) -> list[list[str]]:
        return self.values


class ExampleRows:
    """Keeps the cells of the first rows of each reason, to show next to the reason."""

    def __init__(self) -> None:
        self.rows: dict[tuple[str, int], dict[str, Any]] = {}
        self._per_reason: dict[tuple[str, str, str], int] = {}

    def add(self, result: RowResult) -> None:
        if result.status not in REASON_STATUSES or len(self.rows) >= MAX_EXAMPLE_ROWS:
            return
        key = (result.status.value, *reason_of(result))
        seen = self._per_reason.get(key, 0)
        if seen < EXAMPLE_ROWS:
            self._per_reason[key] = seen + 1
            self.rows.setdefault((result.status.value, result.row), {
                "row": result.row, "detail": row_detail(result), "code": key[1] or None,
                "values": list(result.values)})

    def of(self, reason: ReasonCount) -> list[dict[str, Any]]:
        return [self.rows.get((reason.status, row), {"row": row, "detail": "", "values": []})
                for row in reason.examples]


def top_reasons(summary: Summary, examples: ExampleRows) -> list[dict[str, Any]]:
    """The most common reasons per status (as many as the CLI shows), with example rows."""
    by_status: dict[str, list[ReasonCount]] = {}
    for reason in summary.reasons:  # already in status order, most common first
        by_status.setdefault(reason.status, []).append(reason)
    shown: list[dict[str, Any]] = []
    for status, reasons in by_status.items():
        for reason in reasons[:REASONS_SHOWN_PER_STATUS]:
            if reason.problem is not None:  # the page's words for what these rows share
                reason = replace(reason, reason=PAGE_WORDS.reason(reason.problem))
            shown.append({"status": status, "code": reason.code or None,
                          "reason": reason.reason, "count": reason.count,
                          "text": render_reason(reason), "examples": examples.of(reason)})
        rest = sum(r.count for r in reasons[REASONS_SHOWN_PER_STATUS:])
        if rest:
            shown.append({"status": status, "reason": "other reasons", "count": rest,
                          "text": f"{status}: {format_count(rest)} more for other reasons "
                                  "(see the results file)", "examples": []})
    return shown


def summary_view(summary: Summary, examples: ExampleRows,
                 sent: int | None = None) -> dict[str, Any]:
    """The summary as the page shows it: the CLI's JSON summary, reasons with example rows.

    `sent` is how many rows this run sent: the rate is theirs (a retry of 3 rows of a
    10,000-row file did not import 10,000 rows a second)."""
    data = summary_to_dict(summary)
    data.pop("results_path")  # a path on the server means nothing on the page
    data.pop("retry_command")
    data.pop("retry_invalid_command")
    counts = ordered_counts(summary.counts)
    colours = {status.value: f"#{colour}" for status, colour in STATUS_COLOURS.items()}
    data["bars"] = [{"status": status, "count": n, "colour": colours.get(status, "#DDDDDD")}
                    for status, n in counts]
    data["reasons"] = top_reasons(summary, examples)
    # In a check, "ok" rows are carried over from an earlier run: only "ready" ones go out.
    data["to_send"] = summary.count(Status.READY) + (0 if summary.dry_run
                                                     else summary.count(Status.OK))
    data["elapsed_text"] = format_duration(summary.elapsed)
    data["sent"] = sent
    data["rate_text"] = format_rate(summary.results if sent is None else sent, summary.elapsed)
    return data


#: A ledger's lookup: chat ID → (first name, last name, sent at) for the IDs it holds.
Lookup = Callable[[Iterable[str]], Mapping[str, tuple[str, str, float]]]
#: Chat IDs looked up in the ledger at a time (as the ledger itself batches them).
LOOKUP_BATCH = 500


class AlreadySent:
    """The rows found already in the address book (status unchanged) and when the ledger has
    them as sent, for "All 2,000 contacts are already in the address book (sent on 3 Dec
    2026)". The dates come from the ledger (`lookup`), never from the rows' wording."""

    def __init__(self, lookup: Lookup | None) -> None:
        self.lookup = lookup
        self.count = 0
        self.first: float | None = None
        self.last: float | None = None
        self._pending: list[str] = []

    def add(self, result: RowResult) -> None:
        if result.status is not Status.UNCHANGED:
            return
        self.count += 1
        if result.chat_id and self.lookup is not None:
            self._pending.append(result.chat_id)
            if len(self._pending) >= LOOKUP_BATCH:
                self.flush()

    def flush(self) -> None:
        pending, self._pending = self._pending, []
        if not pending or self.lookup is None:
            return
        for _, _, at in self.lookup(pending).values():
            self.first = at if self.first is None else min(self.first, at)
            self.last = at if self.last is None else max(self.last, at)

    def view(self, to_send: int, *, imported: bool = False) -> dict[str, Any] | None:
        """What the page says of them; None when there are none. `to_send` is how many
        rows are to be sent (a check) or were sent (`imported`) beside them."""
        self.flush()
        if not self.count:
            return None
        when = sent_when(self.first, self.last)
        where = "in the address book" + (f" ({when})" if when else "")
        n, total = self.count, self.count + to_send
        if imported:
            text = (f"{format_count(n)} of {format_count(total)} contacts were already {where}: "
                    "not sent again.")
        elif to_send == 0:
            text = (f"This contact is already {where}." if n == 1
                    else f"All {format_count(n)} contacts are already {where}.")
        else:
            text = (f"{format_count(n)} of {format_count(total)} are already {where}; "
                    f"{format_count(to_send)} will be sent.")
        return {"count": n, "of": total, "first": _date(self.first), "last": _date(self.last),
                "when": when, "text": text}


def _date(at: float | None) -> str | None:
    return None if at is None else datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%d")


def day_text(at: float) -> str:
    """A ledger's time as the page says it (UTC, as the results' details): 3 Dec 2026."""
    day = datetime.fromtimestamp(at, UTC)
    return f"{day.day} {day:%b %Y}"


def sent_when(first: float | None, last: float | None) -> str:
    """"sent on 3 Dec 2026", or "sent between 28 Nov 2026 and 3 Dec 2026"; "" unknown."""
    if first is None or last is None:
        return ""
    early, late = day_text(first), day_text(last)
    return f"sent on {late}" if early == late else f"sent between {early} and {late}"


class Progress:
    """Counts the rows an import sends as their answers come (run_plan's on_sent hook).

    `total` is what this run has to send, not the file's rows: a retry of 3 failures counts
    to 3, and rows that are invalid, duplicates, carried over or sent earlier are not "done",
    so the rate and the ETA are those of the sending.
    """

    def __init__(self, total: int | None, clock: Callable[[], float] = time.monotonic, *,
                 before: int = 0) -> None:
        self.total = total
        #: Rows of the job answered by its earlier runs (a resume goes on from there): the
        #: whole job's count ("Stopped after N of M") adds them, this run's figures do not.
        self.before = before
        self.clock = clock
        self.started = clock()
        self.done = 0
        self.counts: dict[str, int] = {}

    def add(self, result: RowResult) -> None:
        """A row sent in this run got its answer (ok, failed…)."""
        self.done += 1
        self.counts[result.status.value] = self.counts.get(result.status.value, 0) + 1

    def view(self) -> dict[str, Any]:
        elapsed = self.clock() - self.started
        rate = self.done / elapsed if elapsed > 0 else 0.0
        total = None if self.total is None else max(self.total, self.done)
        eta = (total - self.done) / rate if total is not None and rate > 0 else None
        percent = min(100.0, 100.0 * self.done / total) if total else None
        ok = self.counts.get(Status.OK.value, 0) + self.counts.get(Status.READY.value, 0)
        return {"done": self.done, "total": total, "ok": ok,
                "failed": self.counts.get(Status.FAILED.value, 0),
                "counts": dict(self.counts), "elapsed": round(elapsed, 2),
                "rate": round(rate, 1), "rate_text": format_rate(self.done, elapsed),
                "eta": None if eta is None else round(eta, 1),
                "eta_text": "" if eta is None else format_duration(eta),
                "percent": None if percent is None else round(percent, 1),
                "job_done": self.before + self.done,
                "job_total": None if total is None else self.before + total}


__all__ = ["AlreadySent", "ColumnSamples", "ExampleRows", "Progress", "day_text", "sent_when",
           "summary_view", "table_view", "top_reasons"]
