"""The second stage: rows → contacts to send, or the reason a row is not sent."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Iterator
from itertools import chain
from typing import Protocol

from ..models import Contact, Prepared, SourceRow
from ..normalize import RowNormalizer
from ..normalize.dedupe import not_sent_again
from ..options import ImportOptions
from ..read.results_input import RetryCounts, merge_retried, sent_ok_numbers
from ..report.journal import SentRows
from .source import Source, retry_statuses


class Normalize(Protocol):
    """Turns a source's rows into items, one or more per row, in input order."""

    def __call__(self, source: Source) -> Iterator[Prepared]: ...


class Fresh:
    """A spreadsheet's rows, normalized and deduplicated (in-process or on forked workers,
    as the normalizer was built to)."""

    def __init__(self, normalizer: RowNormalizer) -> None:
        self.normalizer = normalizer

    def __call__(self, source: Source) -> Iterator[Prepared]:
        # --duplicates last needs a first pass over the rows: it gets a fresh copy of the input
        return self.normalizer.prepare_all(source.rows(), reopen=source.again)


class Retried:
    """An earlier run's results: the rows to retry normalized again, the others carried
    over as they were; `counts` tells how many of each."""

    def __init__(self, normalizer: RowNormalizer, options: ImportOptions,
                 counts: RetryCounts) -> None:
        self.normalizer = normalizer
        self.options = options
        self.counts = counts

    def __call__(self, source: Source) -> Iterator[Prepared]:
        # a number an earlier run already sent ok is not sent again from a fixed row, nor
        # from its own row when that row is retried for its other numbers
        earlier = SentRows()
        sent = sent_ok_numbers(self.options.input, retry=retry_statuses(self.options),
                               on_retried_ok=lambda line: earlier.add(line.row, Contact(
                                   line.chat_id, line.first_name, line.last_name)))
        prepare_all = self.normalizer.prepare_all

        def prepare(rows: Iterable[SourceRow]) -> Iterator[Prepared]:
            return not_sent_again(earlier.skip(prepare_all(rows)), sent)

        return merge_retried(source.rows(), prepare, self.counts)


async def warmed(items: Iterable[Prepared]) -> Iterator[Prepared]:
    """`items`, their first one computed in a worker thread: what a stage does before its
    first item (--duplicates last reads the whole input once, a retry reads the earlier
    results for the numbers sent ok) does not block the event loop. The rest is computed
    as it is taken, a row at a time."""
    rows = iter(items)
    first = await asyncio.to_thread(next, rows, None)
    return rows if first is None else chain((first,), rows)


__all__ = ["Fresh", "Normalize", "Retried", "warmed"]
