"""The last stage: where each answer ends.

`Sink` takes the answers in input order: a line in the results file (and its copy), the
summary's tally, the caller's hooks. `AnswerLog` hears each answer as soon as the API gives
it, out of order: the journal (what a resume skips) and then the ledger, never ahead of the
journal.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias

from ..errors import OutputError
from ..models import STATUS_TEXT, RowResult, Status, Summary
from ..problems import Code
from ..report.journal import JournalPlan
from ..report.ledger import Ledger
from ..report.results import ResultsWriter, open_results_writer
from ..report.summary import SummaryTally
from ..send.runner import Answer

if TYPE_CHECKING:
    from ..report.xlsx import XlsxResultsWriter  # openpyxl: loaded only for .xlsx results

ResultHook = Callable[[RowResult], None]
Writer: TypeAlias = "ResultsWriter | XlsxResultsWriter"


class ResultFiles:
    """The results file and its copy (--results-copy), opened on first need and closed
    with `stack`: complete when the run ends well, `.partial` otherwise."""

    def __init__(self, path: Path, headers: Sequence[str], stack: contextlib.ExitStack, *,
                 copy: Path | None = None) -> None:
        self.path = path
        self.headers = list(headers)
        self.stack = stack
        self.copy_path = copy
        self.writer: Writer | None = None
        self.copy: Writer | None = None

    def open(self) -> None:
        """Open the files (once: later calls do nothing)."""
        if self.writer is not None:
            return
        if self.copy_path is not None:
            # opened first, so closed last: once the results file is complete
            self.copy = open_results_writer(self.copy_path, self.headers)
            self.stack.push(_closer(self.copy))
        self.writer = self.stack.enter_context(open_results_writer(self.path, self.headers))
        if self.copy is None:
            self.write = self.writer.write  # type: ignore[method-assign]  # one call a row

    def write(self, result: RowResult) -> None:
        """A line in the results file, and in its copy."""
        assert self.writer is not None and self.copy is not None, "ResultFiles.open() first"
        self.writer.write(result)
        self.copy.write(result)


def _closer(copy: Writer) -> Callable[..., bool]:
    """Closes the copy of the results as complete, or not; a copy that cannot be saved
    after a failure does not hide that failure."""

    def close(exc_type: type[BaseException] | None, *_: object) -> bool:
        try:
            copy.close(complete=exc_type is None)
        except OutputError:
            if exc_type is None:
                raise
        return False

    return close


class Sink:
    """Every answer, in input order: its results line, its count in the summary, the
    caller's hooks (`on_sent` just before `on_result`, for rows this run sent).

    `ledger` (a sending run's) records a row a resumed run has as sent earlier: its journal
    line is the proof it went through, and the killed run may not have committed it."""

    def __init__(self, summary: Summary, files: ResultFiles, *, ledger: Ledger | None = None,
                 on_result: ResultHook | None = None, on_sent: ResultHook | None = None) -> None:
        self.summary = summary
        self.tally = SummaryTally(summary)
        self.files = files
        self.ledger = ledger
        self.on_result = on_result
        self.on_sent = on_sent

    def __call__(self, answer: Answer) -> None:
        result, sent = answer
        status = result.status
        if (status is Status.OK and self.ledger is not None and result.attempts == 0
                and result.problem is not None
                and result.problem.code is Code.SENT_EARLIER):
            self.ledger.record(result)
        summary = self.summary
        summary.results += 1
        counts, text = summary.counts, STATUS_TEXT[status]
        counts[text] = counts.get(text, 0) + 1
        self.tally.add(result, sent=sent)
        self.files.write(result)
        if sent and self.on_sent is not None:
            self.on_sent(result)
        if self.on_result is not None:
            self.on_result(result)

    def finish(self) -> None:
        self.tally.finish()
        self.summary.rows = self.summary.results


class AnswerLog:
    """Each answer as the API gives it: a line in the journal (flushed first), then the
    ledger's entry; either may be None."""

    def __init__(self, journal: JournalPlan | None, ledger: Ledger | None) -> None:
        self.journal = journal
        self.ledger = ledger

    @contextlib.contextmanager
    def open(self, *, redact: Callable[[str], str] = str
             ) -> Iterator[Callable[[RowResult], None] | None]:
        """The hook for each answer, while the journal is open. A run stopped before any
        row was answered leaves no journal (there is nothing to resume)."""
        journal, ledger = self.journal, self.ledger
        if journal is None:
            yield ledger.record if ledger is not None else None
            return
        with journal.open(redact=redact) as written:
            on_done = written.record
            if ledger is not None:
                def on_done(result: RowResult) -> None:
                    written.record(result)  # flushed first: the ledger never gets ahead of it
                    ledger.record(result)
            try:
                yield on_done
            except BaseException:  # any stop, Ctrl-C too: keep or drop the journal, re-raise
                if written.lines == 0 and not journal.resuming:
                    written.close()
                    journal.finished()
                raise


def flushing(sleep: Callable[[float], Awaitable[None]],
             ledger: Ledger | None) -> Callable[[float], Awaitable[None]]:
    """`sleep`, writing the ledger's waiting entries first: no write transaction waits on
    the network, and what was sent is on record before the run pauses."""
    if ledger is None:
        return sleep

    async def flushed(seconds: float) -> None:
        ledger.flush()
        await sleep(seconds)

    return flushed


__all__ = ["AnswerLog", "ResultFiles", "Sink", "flushing"]
