"""What a run that was killed really did: its results rebuilt from its input and its journal.

A run killed with kill -9 (or a server that crashed) leaves its journal, one line per row
the API answered, and a `.partial` results file cut anywhere. `recover_results` writes the
complete results file such a run would have written had it been stopped at that moment:
every answered row with the status, attempts and detail of its journal line, every row the
run never sent `not_attempted` (or `unchanged` when the ledger has it), and the rows that
were never to be sent (invalid, duplicates…) as the input says. The journal stays, so the
run can be resumed (unless every row to send had its answer: the run had then finished but
for its last steps, and its journal goes, as a finished run's does); the rows it has as ok
are recorded in the ledger, where the killed run may not have had time to commit them.

A run killed after its journal was removed had finished: its results file is complete, and
`results_summary` reads it back.

Nothing is sent: this reads the input, the journal and the ledger, and writes the results.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .errors import UsageError
from .models import Contact, Prepared, RowResult, Status, Summary
from .pipeline import Plan, run_files
from .problems import WORDS, Code, Problem, problem
from .read.results_input import CarriedRow, open_previous_results
from .report.journal import RunHeader
from .report.lock import RunLock
from .report.summary import SummaryTally
from .stages.filter import LedgerUnchanged, open_ledger
from .stages.sink import ResultFiles

ResultHook = Callable[[RowResult], None]


@dataclass(slots=True)
class Answers:
    """The rows a journal has an answer for: (row, chat ID) → the line of its last answer."""

    lines: dict[tuple[int, str], RowResult] = field(default_factory=dict)

    def of(self, item: Prepared) -> RowResult | None:
        if item.status is not Status.READY or item.contact is None:
            return None
        return self.lines.get((item.row, item.contact.chat_id))

    def sent_ok(self) -> list[Contact]:
        return [Contact(line.chat_id, line.first_name, line.last_name)
                for line in self.lines.values() if line.status is Status.OK]


def read_answers(path: Path) -> Answers:
    """Every answered row of the journal at `path`, the later line winning; a line cut short
    by the kill is skipped (its row counts as not answered). Raises UsageError when the file
    is not a journal."""
    answers = Answers()
    try:
        with path.open(encoding="utf-8", errors="replace") as f:
            for number, line in enumerate(f):
                try:
                    data = json.loads(line)
                except ValueError:
                    continue  # a line a kill cut short: it recorded nothing
                if not isinstance(data, dict):
                    continue
                if "journal" in data:
                    try:
                        RunHeader.from_json(data)
                    except (KeyError, TypeError, ValueError) as exc:
                        raise UsageError(f"{path} is not a journal this version of "
                                         f"wawp-import can read ({exc})") from None
                    continue
                if number == 0:
                    raise UsageError(f"{path} is not a journal: it has no run line")
                result = _answer(data)
                if result is not None:
                    answers.lines[(result.row, result.chat_id)] = result
    except OSError as exc:
        raise UsageError(f"cannot read the journal {path}: {exc.strerror}") from None
    return answers


def _answer(data: dict[str, object]) -> RowResult | None:
    row, status = data.get("row"), data.get("status")
    if not isinstance(row, int) or row < 0 or status not in (Status.OK.value,
                                                            Status.FAILED.value):
        return None
    http_status = data.get("http_status")
    attempts = data.get("attempts")
    return RowResult(row=row, status=Status(str(status)), chat_id=str(data.get("chat_id", "")),
                     first_name=str(data.get("first_name", "")),
                     last_name=str(data.get("last_name", "")),
                     attempts=attempts if isinstance(attempts, int) else 0,
                     http_status=http_status if isinstance(http_status, int) else None,
                     detail=str(data.get("detail") or ""),
                     problem=Problem.from_json(data.get("problem")))


def recover_results(plan: Plan, *, reason: str, clock: Callable[[], float] = time.monotonic,
                    wall_clock: Callable[[], float] = time.time,
                    on_result: ResultHook | None = None,
                    on_sent: ResultHook | None = None) -> Summary:
    """Rebuild the results of the unfinished run that wrote `plan.results_path` (see the
    module's docstring); rows it never sent say "not sent: `reason`".

    `on_result` hears every result line, `on_sent` those of the rows the journal has as
    answered (sent, by this run or one it resumed), just before; `summary.sent` counts them.
    Raises UsageError when there is no journal to rebuild from
    (see `run_files(...).unfinished()`).
    """
    options = plan.options
    started = clock()
    files = run_files(plan.results_path)
    summary = Summary(results_path=str(plan.results_path), interrupted=True)
    tally = SummaryTally(summary)
    with contextlib.ExitStack() as stack:
        stack.enter_context(RunLock(plan.results_path))
        if not files.unfinished():
            raise UsageError(f"nothing to recover: there is no journal {files.journal}")
        answers = read_answers(files.journal)
        ledger = open_ledger(options, clock=wall_clock)
        if ledger is not None:
            stack.callback(ledger.close)
            # The journal line is the proof each of these went through (see the ledger's rule).
            ledger.add_many(answers.sent_ok())
        results = ResultFiles(plan.results_path, plan.table.headers, stack,
                              copy=options.results_copy)
        results.open()
        stopped = problem(Code.NOT_SENT, why=reason)
        not_sent = WORDS.detail(stopped)
        items = LedgerUnchanged(ledger, options)(_answered(plan.prepared(), answers))
        for item in items:
            line = item.previous
            answered = line is not None and answers.lines.get((item.row, line.chat_id)) is line
            if item.status is Status.READY:
                detail = f"{not_sent}; {item.detail}" if item.detail else not_sent
                result = RowResult.from_prepared(item, Status.NOT_ATTEMPTED, detail,
                                                 problem=stopped)
            else:
                result = RowResult.from_prepared(item)
            summary.results += 1
            summary.counts[result.status.value] = summary.counts.get(result.status.value, 0) + 1
            tally.add(result, sent=answered)
            results.write(result)
            if answered and on_sent is not None:
                on_sent(result)
            if on_result is not None:
                on_result(result)
    if not summary.count(Status.NOT_ATTEMPTED):
        # Every row to send had its answer: the run had finished but for its last steps.
        # As a finished run does, it drops its journal (its results are complete).
        summary.interrupted = False
        with RunLock(plan.results_path):
            files.journal.unlink(missing_ok=True)
    tally.finish()
    summary.rows = summary.results
    if plan.retry_counts is not None:
        summary.retried = plan.retry_counts.retried
        summary.carried = plan.retry_counts.carried
    summary.elapsed = clock() - started
    return summary


def _answered(items: Iterable[Prepared], answers: Answers) -> Iterator[Prepared]:
    """`items`, each row the journal has an answer for carrying that answer as its line."""
    for item in items:
        line = answers.of(item)
        if line is None:
            yield item
        else:
            line.values = item.values
            yield Prepared(item.row, item.values, line.status, item.contact, line.detail,
                           previous=line, problem=line.problem)


def results_summary(path: Path, *, on_result: ResultHook | None = None,
                    on_sent: ResultHook | None = None) -> Summary:
    """The summary of a complete results file, read back (a run killed after it was done).

    `on_sent` hears the lines of rows that went to the API (ok or failed, with attempts): a
    file does not say which run sent them, so for a resumed or retried run these include
    rows an earlier run sent."""
    summary = Summary(results_path=str(path))
    tally = SummaryTally(summary)
    for row in open_previous_results(path, retry=()).rows:
        lines = row.previous if isinstance(row, CarriedRow) else (
            RowResult(row.number, Status.READY, values=row.values),)
        for result in lines:
            summary.results += 1
            summary.counts[result.status.value] = summary.counts.get(result.status.value, 0) + 1
            sent = result.status in (Status.OK, Status.FAILED) and result.attempts > 0
            tally.add(result, sent=sent)
            if sent and on_sent is not None:
                on_sent(result)
            if on_result is not None:
                on_result(result)
    tally.finish()
    summary.rows = summary.results
    return summary


__all__ = ["Answers", "read_answers", "recover_results", "results_summary"]
