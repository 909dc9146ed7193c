"""What a run did, in numbers and in words: counts, the common reasons, a preview, the JSON.

`SummaryTally` watches every result as it is recorded and keeps, in bounded memory, what the
closing lines need besides the counts: the most common reasons with a few example rows, and
the first rows as they would be sent. Rows share a reason when they share a problem code and
what the code's words say of all of them (problems.Words.reason): the words are made from
the data, never read back from a detail. The `render_*` functions turn a `Summary` into text;
they return strings and never print (only the CLI prints).
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ..atomic import write_atomically
from ..errors import OutputError
from ..models import STATUS_TEXT, ReasonCount, RowResult, Status, Summary
from ..problems import WORDS, Problem

#: The order statuses are shown in: done first, then what needs a look, then what needs a re-run.
STATUS_ORDER = (Status.OK, Status.READY, Status.UNCHANGED, Status.DUPLICATE, Status.INVALID,
                Status.NOT_ON_WHATSAPP, Status.FAILED, Status.NOT_ATTEMPTED)
#: Statuses whose reasons are worth a line: everything but a plain success.
REASON_STATUSES = frozenset(STATUS_ORDER) - {Status.OK, Status.READY}
#: Statuses `--retry-failed` re-sends, and those `--retry-invalid` re-reads.
RETRY_FAILED_STATUSES = frozenset({Status.FAILED, Status.NOT_ATTEMPTED})
RETRY_INVALID_STATUSES = frozenset({Status.INVALID, Status.NOT_ON_WHATSAPP})

DEFAULT_PREVIEW_ROWS = 10
#: Distinct (status, reason) pairs tracked; later new reasons are counted as "other reasons",
#: so a file where every row fails differently cannot grow the tally without bound.
MAX_REASONS = 50
EXAMPLES_PER_REASON = 3
REASONS_SHOWN_PER_STATUS = 3
OTHER_REASONS = "(other reasons)"
REASON_CACHE_SIZE = 256
NO_DETAIL = "(no detail)"
_MAX_REASON_CHARS = 200


def reason_of(result: RowResult) -> tuple[str, str]:
    """(code, reason) that rows failing the same way share: the problem's code and its
    words for all such rows. A line of a results file written before the code column has
    no problem: its detail, whole, is its reason."""
    found = result.problem
    if found is not None:
        return found.code.value, WORDS.reason(found)
    text = " ".join(result.detail.split())
    if len(text) > _MAX_REASON_CHARS:
        text = text[:_MAX_REASON_CHARS - 1] + "…"
    return "", text or NO_DETAIL


class _Tally:
    """How many rows share one (status, code, reason), and the first few of them."""

    __slots__ = ("code", "count", "problem", "rows")

    def __init__(self, code: str, problem: Problem | None) -> None:
        self.code = code
        self.problem = problem
        self.count = 0
        self.rows: list[int] = []


class SummaryTally:
    """Builds a `Summary` from results as they are recorded, in bounded memory."""

    def __init__(self, summary: Summary, *, preview_rows: int = DEFAULT_PREVIEW_ROWS,
                 max_reasons: int = MAX_REASONS) -> None:
        self.summary = summary
        self.preview_rows = preview_rows
        self.max_reasons = max_reasons
        # Dicts keep first-seen order, which breaks ties between equal counts.
        self._reasons: dict[tuple[str, str, str], _Tally] = {}
        # The reasons of the last problems seen, by identity (each entry holds its problem,
        # so an id is never reused while cached): a million `unchanged` rows share a few
        # problem objects, and wording them is the costly part of a row here.
        self._reason_cache: dict[int, tuple[Problem, str, str]] = {}

    def add(self, result: RowResult, *, sent: bool = False) -> None:
        """Count one result (the pipeline calls this for every line it writes); `sent` when
        this run sent its row (a carried-over line keeps an earlier run's attempts)."""
        status = result.status
        if sent:
            self.summary.sent += 1
        if status in REASON_STATUSES:
            found = result.problem
            cached = self._reason_cache.get(id(found)) if found is not None else None
            if cached is not None and cached[0] is found:
                code, reason = cached[1], cached[2]
            else:
                code, reason = reason_of(result)
                if found is not None:
                    if len(self._reason_cache) >= REASON_CACHE_SIZE:
                        self._reason_cache.clear()
                    self._reason_cache[id(found)] = (found, code, reason)
            self._add_reason(STATUS_TEXT[status], code, reason, result.row, found)
        elif (status in (Status.READY, Status.OK) and result.chat_id
              and len(self.summary.preview) < self.preview_rows):
            self.summary.preview.append(RowResult(result.row, status, result.chat_id,
                                                  result.first_name, result.last_name))

    def _add_reason(self, status: str, code: str, reason: str, row: int,
                    problem: Problem | None) -> None:
        key = (status, code, reason)
        entry = self._reasons.get(key)
        if entry is None:
            if len(self._reasons) >= self.max_reasons:
                key = (status, "", OTHER_REASONS)
                entry = self._reasons.get(key)
            if entry is None:
                entry = self._reasons[key] = _Tally(key[1], problem if key[1] else None)
        entry.count += 1
        if len(entry.rows) < EXAMPLES_PER_REASON:
            entry.rows.append(row)

    def reasons(self) -> list[ReasonCount]:
        """Every tracked reason, most common first within each status, statuses in order."""
        rank = {s.value: i for i, s in enumerate(STATUS_ORDER)}
        items = [ReasonCount(status, reason, t.count, tuple(t.rows), t.code, t.problem)
                 for (status, _, reason), t in self._reasons.items()]
        # Stable sort: equal counts stay in the order they were first seen.
        return sorted(items, key=lambda r: (rank.get(r.status, len(rank)), -r.count))

    def finish(self) -> Summary:
        """The summary with its reasons filled in."""
        self.summary.reasons = self.reasons()
        return self.summary


# -- text --------------------------------------------------------------------------------------

def format_count(n: int) -> str:
    return f"{n:,}"


def counted(n: int, noun: str) -> str:
    """ "1 row", "2,000 rows": a count with its noun in the right number."""
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"


def format_duration(seconds: float) -> str:
    """A duration as a person says it: "0.4 s", "12 s", "3 min 05 s", "2 h 47 min"."""
    if seconds < 10:
        return f"{seconds:.1f} s"
    whole = round(seconds)
    if whole < 60:
        return f"{whole} s"
    if whole < 3600:
        return f"{whole // 60} min {whole % 60:02d} s"
    hours, rest = divmod(whole, 3600)
    return f"{hours} h {rest // 60:02d} min"


def format_rate(rows: int, seconds: float) -> str:
    if seconds <= 0:
        return "–"
    rate = rows / seconds
    return f"{rate:,.0f} rows/s" if rate >= 10 else f"{rate:.1f} rows/s"


def ordered_counts(counts: Mapping[str, int]) -> list[tuple[str, int]]:
    """(status, count) in the order of STATUS_ORDER, zero counts left out."""
    known = [(s.value, counts.get(s.value, 0)) for s in STATUS_ORDER]
    extra = [(s, n) for s, n in counts.items() if s not in {k for k, _ in known}]
    return [(s, n) for s, n in known + extra if n]


def render_counts(summary: Summary) -> str:
    """ "ok: 4,870, duplicate: 80, invalid: 37" (or "no data rows")."""
    parts = [f"{status}: {format_count(n)}" for status, n in ordered_counts(summary.counts)]
    return ", ".join(parts) or "no data rows"


def render_reason(reason: ReasonCount) -> str:
    """ "invalid: 37 — phone: not a valid number for EG (rows 12, 40, 41)"."""
    rows = ", ".join(str(r) for r in reason.examples)
    label = "row" if len(reason.examples) == 1 else "rows"
    more = ", …" if reason.count > len(reason.examples) else ""
    return f"{reason.status}: {format_count(reason.count)} — {reason.reason} ({label} {rows}{more})"


def render_reasons(summary: Summary, *, per_status: int = REASONS_SHOWN_PER_STATUS) -> list[str]:
    """The most common reasons, `per_status` at most for each status, then how many are left."""
    by_status: dict[str, list[ReasonCount]] = {}
    for reason in summary.reasons:  # already in status order, most common first
        by_status.setdefault(reason.status, []).append(reason)
    lines: list[str] = []
    for status, reasons in by_status.items():
        lines += [render_reason(r) for r in reasons[:per_status]]
        rest = sum(r.count for r in reasons[per_status:])
        if rest:
            lines.append(f"{status}: {format_count(rest)} more for other reasons "
                         "(see the results file)")
    return lines


def display_width(text: str) -> int:
    """Terminal columns `text` takes: wide (CJK) characters count two, combining marks none."""
    width = 0
    for char in text:
        if unicodedata.combining(char):
            continue
        width += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return width


def _fit(text: str, width: int) -> str:
    """`text` cut to `width` columns (with …) and padded to exactly `width`."""
    if display_width(text) > width:
        out = ""
        for char in text:
            if display_width(out + char) > width - 1:
                break
            out += char
        text = out.rstrip() + "…"
    return text + " " * (width - display_width(text))


def render_preview(summary: Summary, *, max_name: int = 24) -> str:
    """A table of the first rows exactly as they would be sent (row, chat ID, first, last)."""
    rows = summary.preview
    total = summary.count(Status.READY) + summary.count(Status.OK)
    if not rows:
        return "Preview: no row would be sent."
    if total > len(rows):
        heading = (f"Preview: the first {len(rows)} of {counted(total, 'contact')} as they "
                   "would be sent")
    elif total == 1:
        heading = "Preview: the one contact as it would be sent"
    else:
        heading = f"Preview: the {format_count(total)} contacts as they would be sent"
    header = ("row", "chat ID", "first name", "last name")
    table = [header] + [(str(r.row), r.chat_id, r.first_name, r.last_name) for r in rows]
    widths = [max(display_width(line[i]) for line in table) for i in range(4)]
    widths[2] = min(widths[2], max_name)
    widths[3] = min(widths[3], max_name)
    lines = [heading + ":"]
    for line in table:
        cells = [line[0].rjust(widths[0]), _fit(line[1], widths[1]), _fit(line[2], widths[2]),
                 _fit(line[3], widths[3])]
        lines.append("  " + "  ".join(cells).rstrip())
    return "\n".join(lines)


def render_summary(summary: Summary, *, retry_command: str | None = None,
                   retry_invalid_command: str | None = None) -> str:
    """The closing lines: counts, time and rate, top reasons, where the results are, what next."""
    if summary.dry_run:
        head = (f"Dry run, nothing sent: {counted(summary.results, 'row')} in "
                f"{format_duration(summary.elapsed)} "
                f"({format_rate(summary.results, summary.elapsed)})")
    else:
        # The rate is of the rows sent in this run: rows skipped by --resume, carried over
        # by a retry or not attempted took no time and would make it look faster.
        head = (f"{counted(summary.results, 'row')} in {format_duration(summary.elapsed)}, "
                f"{format_count(summary.sent)} sent "
                f"({format_rate(summary.sent, summary.elapsed)})")
    head += f" — {render_counts(summary)}"
    lines = [head]
    if summary.retried or summary.carried:
        lines.append(f"Retried {counted(summary.retried, 'row')}; "
                     f"{format_count(summary.carried)} carried over from the previous results.")
    if summary.checked or summary.check_cached:
        lines.append(f"Checked on WhatsApp: {counted(summary.checked, 'number')} asked, "
                     f"{format_count(summary.check_cached)} answered from the cache.")
    lines += [f"  {line}" for line in render_reasons(summary)]
    if summary.slowdowns:
        lines.append(f"Slowed down {counted(summary.slowdowns, 'time')}: the API answered "
                     "429 (too many requests).")
    if summary.aborted:
        lines.append(f"Aborted: {summary.aborted}")
    if summary.interrupted:
        lines.append("Interrupted: rows not sent are marked not_attempted.")
    lines.append(f"Results: {summary.results_path}")
    if summary.interrupted or summary.aborted:
        # The one next step is --resume (the CLI says so); a retry would compete with it.
        return "\n".join(lines)
    if summary.limited and not summary.dry_run:
        # A canary's journal stays for --resume, which also sends again what failed.
        lines.append(f"The canary is done: {counted(summary.limited, 'contact')} not sent "
                     "yet. To send them, run the same command again with --resume (without "
                     "--limit, or with a new one).")
        return "\n".join(lines)
    to_retry = summary.count(Status.FAILED) + summary.count(Status.NOT_ATTEMPTED)
    if retry_command and to_retry and not summary.dry_run:
        lines.append(f"To retry the {format_count(to_retry)} failed or not attempted rows: "
                     f"{retry_command}")
    to_fix = summary.count(Status.INVALID) + summary.count(Status.NOT_ON_WHATSAPP)
    if retry_invalid_command and to_fix and not summary.dry_run:
        lines.append(f"To send the {format_count(to_fix)} invalid or not_on_whatsapp rows once "
                     f"fixed in the results file: {retry_invalid_command}")
    return "\n".join(lines)


def render_verify_estimate(to_check: int, cached: int, rate: float) -> str:
    """The line printed before checking numbers on WhatsApp, with how long it will take."""
    if to_check == 0:
        return f"Checking numbers on WhatsApp: all {format_count(cached)} answers are cached."
    pace = f"at {rate:g} per second" if rate > 0 else "without a rate limit"
    text = f"Checking {counted(to_check, 'number')} on WhatsApp {pace}"
    if rate > 0:
        text += f": about {format_duration(to_check / rate)}"
    if cached:
        text += f" ({format_count(cached)} more answered from the cache)"
    return text + "."


def render_send_estimate(contacts: int, rate: float, *, dry_run: bool = False) -> str:
    """The line printed before a run that sends at a rate: at most how long it will take."""
    pace = f"at {rate:g}/s: about {format_duration(contacts / rate)}"
    head = (f"A real run would send up to {counted(contacts, 'contact')} {pace}" if dry_run
            else f"Up to {counted(contacts, 'contact')} to send {pace}")
    return (f"{head} (rows that turn out invalid, duplicate, unchanged or already sent take "
            "no time).")


# -- JSON --------------------------------------------------------------------------------------

def summary_to_dict(summary: Summary, *, exit_code: int | None = None,
                    retry_command: str | None = None,
                    retry_invalid_command: str | None = None) -> dict[str, Any]:
    """The summary as JSON-ready values (the `--summary-json` file)."""
    done = summary.results if summary.dry_run else summary.sent
    rate = done / summary.elapsed if summary.elapsed > 0 else None
    return {
        "exit_code": exit_code,
        "dry_run": summary.dry_run,
        "rows": summary.results,
        "sent": summary.sent,
        "counts": {status: n for status, n in ordered_counts(summary.counts)},
        "elapsed_seconds": round(summary.elapsed, 3),
        "rows_per_second": None if rate is None else round(rate, 1),
        "results_path": summary.results_path,
        "aborted": summary.aborted or None,
        "interrupted": summary.interrupted,
        "retried": summary.retried,
        "carried_over": summary.carried,
        "checked_on_whatsapp": summary.checked,
        "check_answers_cached": summary.check_cached,
        "slowdowns": summary.slowdowns,
        "not_sent_for_limit": summary.limited,
        "reasons": [{"status": r.status, "code": r.code or None, "reason": r.reason,
                     "count": r.count, "example_rows": list(r.examples)}
                    for r in summary.reasons],
        "preview": [{"row": r.row, "chat_id": r.chat_id, "first_name": r.first_name,
                     "last_name": r.last_name} for r in summary.preview],
        # a canary's next step is --resume, which sends its failures again too
        "retry_command": retry_command if (summary.count(Status.FAILED)
                                           + summary.count(Status.NOT_ATTEMPTED))
        and not summary.limited else None,
        "retry_invalid_command": retry_invalid_command if summary.count(Status.INVALID)
        + summary.count(Status.NOT_ON_WHATSAPP) else None,
    }


def write_json(path: Path, data: Mapping[str, Any] | Iterable[Any]) -> None:
    """Write `data` as JSON to `path`, whole or not at all (through a temporary file)."""
    try:
        write_atomically(path, json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror}") from None
