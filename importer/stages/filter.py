"""The third stage: items that are not sent after all, though they could be.

Each filter takes the items and gives them back, some with another status: the ledger
makes a contact it has as in the address book UNCHANGED, the journal of an unfinished run
makes a row it sent OK (SENT_EARLIER, a resume), and the canary (`send.canary.Canary`, a
filter too) makes every contact past its limit NOT_ATTEMPTED. Order matters: the canary
comes last, so only contacts that would really go count against its limit.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from typing import Protocol

from ..errors import ConfigError
from ..models import Prepared
from ..options import ImportOptions
from ..report.journal import JournalPlan
from ..report.ledger import Ledger


class Filter(Protocol):
    """`items`, each one as it is or with the status that keeps it from being sent."""

    def __call__(self, items: Iterable[Prepared]) -> Iterable[Prepared]: ...


def through(items: Iterable[Prepared], filters: Sequence[Filter]) -> Iterable[Prepared]:
    """`items` through every filter, in order."""
    for keep in filters:
        items = keep(items)
    return items


class LedgerUnchanged:
    """The contacts the ledger has as already in the address book (same chat ID and name,
    within --max-age) made UNCHANGED; every item on its way to the API passes here, whether
    from a new run, a retry or a resume. --resend (or no ledger) sends them anyway."""

    def __init__(self, ledger: Ledger | None, options: ImportOptions) -> None:
        self.ledger = ledger
        self.options = options

    def __call__(self, items: Iterable[Prepared]) -> Iterable[Prepared]:
        if self.ledger is None or self.options.resend:
            return items
        return self.ledger.skip_unchanged(items, max_age=self.options.max_age)


class SentEarlier:
    """When resuming, the rows the unfinished run's journal has as sent ok made OK
    (`journal.SENT_EARLIER`), so they are not sent twice."""

    def __init__(self, journal: JournalPlan) -> None:
        self.journal = journal

    def __call__(self, items: Iterable[Prepared]) -> Iterable[Prepared]:
        return self.journal.skip_sent(items)


def unchanged_skipped(items: Iterable[Prepared], ledger: Ledger | None,
                      options: ImportOptions) -> Iterable[Prepared]:
    """`items` through `LedgerUnchanged(ledger, options)`."""
    return LedgerUnchanged(ledger, options)(items)


def uses_ledger(options: ImportOptions) -> bool:
    """Whether this run reads or writes the ledger: every run that has one, but a dry run
    that would skip nothing by it (--resend, --forget-ledger) leaves it alone."""
    if options.ledger is None:
        if options.forget_ledger:
            raise ConfigError("--forget-ledger needs a ledger file (the `ledger` setting)")
        return False
    return not (options.dry_run and (options.resend or options.forget_ledger))


def open_ledger(options: ImportOptions, *,
                clock: Callable[[], float] = time.time) -> Ledger | None:
    """The ledger of this run's instance; None without one.

    A dry run reads it (to show what would not be sent again) but never changes it, and
    without a ledger file there is nothing to read. --forget-ledger clears it once the
    preflight has passed (see `pipeline.run_plan_async`).
    """
    if not uses_ledger(options):
        return None
    assert options.ledger is not None
    if options.dry_run and not options.ledger.exists():
        return None  # nothing to compare with, and a dry run creates nothing
    return Ledger(options.ledger, instance_id=options.instance_id, base_url=options.base_url,
                  clock=clock, read_only=options.dry_run)


__all__ = ["Filter", "LedgerUnchanged", "SentEarlier", "open_ledger", "through",
           "unchanged_skipped", "uses_ledger"]
