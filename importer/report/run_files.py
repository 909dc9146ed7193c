"""The files a run keeps beside its results, all named after the results file.

    contacts.results.csv                  the results, once the run is complete
    contacts.results.csv.partial          the results while they are being written
    contacts.results.csv.journal.jsonl    the rows sent so far, while the run is unfinished
    contacts.results.csv.lock             held while a run writes these results

A caller that keeps runs of its own (the web page: one folder per job) asks here rather than
building these names itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..atomic import partial_path
from .journal import journal_path, read_journal
from .lock import lock_path


@dataclass(frozen=True, slots=True)
class RunFiles:
    """Where a run writing `results` keeps its files."""

    results: Path
    partial: Path
    journal: Path
    lock: Path

    @classmethod
    def of(cls, results: Path) -> RunFiles:
        return cls(results, partial_path(results), journal_path(results), lock_path(results))

    def unfinished(self) -> bool:
        """Whether a run stopped before its end: its journal is left, and a run with
        `resume=True` goes on from it (skipping the rows it has as sent)."""
        return self.journal.exists()

    def rows_sent(self) -> int:
        """How many contacts the unfinished run's journal has as sent ok (0 when none is
        left): one per row, or one per number of a row under --all-numbers, as the rows to
        send are counted. Raises UsageError when the journal cannot be read."""
        if not self.unfinished():
            return 0
        return len(read_journal(self.journal).sent)


__all__ = ["RunFiles"]
