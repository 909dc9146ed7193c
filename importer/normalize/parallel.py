"""Normalizing a long input on more cores, in input order, with bounded memory.

Parsing phone numbers is the costly part of a dry run (tens of microseconds a row), while
reading and writing the files stay in the main process. For a long input, rows are sent in
chunks to worker processes, which give back small outcome tuples (status, chat ID, names,
detail); the main process puts them back on their rows, in order. At most a few chunks per
worker are in flight, so memory does not grow with the input, and inputs shorter than
`WARMUP_ROWS` never start a process.

Workers are forked, so they inherit the normalizer as it is (no pickling, no re-import of
the program); where fork is not available (Windows, macOS) everything stays in-process.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from itertools import islice
from typing import Any, Protocol

from ..models import Prepared, SourceRow
from .outcomes import Outcome, items, rejected


class ChunkNormalizer(Protocol):
    """What the workers need of a normalizer (normalize.RowNormalizer is one)."""

    def phone_cell(self, values: Any) -> Any: ...
    def name_key(self, values: Any) -> Any: ...
    def outcomes(self, cell: Any, name_key: Any) -> tuple[Outcome, ...]: ...
    def prepare_in_process(self, rows: Iterable[SourceRow]) -> Iterator[Prepared]: ...

#: Rows normalized in-process before any worker starts: small inputs never pay for one.
WARMUP_ROWS = 20_000
CHUNK_ROWS = 2_000
#: Chunks waiting or being worked on, per worker.
IN_FLIGHT_PER_WORKER = 3
MAX_WORKERS = 3
PARENT_CHECK_SECONDS = 0.5


def can_fork() -> bool:
    """Whether worker processes can be forked here (not on Windows)."""
    return "fork" in multiprocessing.get_all_start_methods()


def default_workers() -> int:
    """Extra processes worth starting here: one fewer than the cores (the main process
    reads and writes), none where processes cannot be forked safely."""
    if not sys.platform.startswith("linux") or not can_fork():
        return 0  # fork is missing (Windows) or unsafe (macOS); spawn would re-run the CLI
    return max(0, min(MAX_WORKERS, (os.cpu_count() or 1) - 1))


_worker_normalizer: ChunkNormalizer | None = None


def _install(normalizer: ChunkNormalizer, parent: int) -> None:
    """Worker set-up: keep the (inherited) normalizer; Ctrl-C is the main process's job, and
    a worker whose main process is gone (killed, or quit at a second Ctrl-C) ends too."""
    global _worker_normalizer
    _worker_normalizer = normalizer
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_end_with, args=(parent,), daemon=True).start()


def _end_with(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_SECONDS)
    os._exit(0)


def _work(batch: list[tuple[str, Any]]) -> list[tuple[Outcome, ...]]:
    normalizer = _worker_normalizer
    assert normalizer is not None
    outcomes = normalizer.outcomes
    return [outcomes(cell, key) for cell, key in batch]


def prepare_in_parallel(normalizer: ChunkNormalizer, rows: Iterable[SourceRow],
                        workers: int) -> Iterator[Prepared]:
    """`normalizer.prepare_rows(rows)` computed on `workers` extra processes."""
    if not can_fork():
        yield from normalizer.prepare_in_process(rows)
        return
    rows = iter(rows)
    head = list(islice(rows, WARMUP_ROWS))
    yield from normalizer.prepare_in_process(head)
    if len(head) < WARMUP_ROWS:
        return
    del head
    pool = ProcessPoolExecutor(max_workers=workers,
                               mp_context=multiprocessing.get_context("fork"),
                               initializer=_install, initargs=(normalizer, os.getpid()))
    pending: deque[tuple[list[SourceRow], Future[list[tuple[Outcome, ...]]]]] = deque()
    phone_cell, name_key = normalizer.phone_cell, normalizer.name_key

    def finished(chunk: list[SourceRow],
                 future: Future[list[tuple[Outcome, ...]]]) -> Iterator[Prepared]:
        results = iter(future.result())
        for row in chunk:
            if getattr(row, "problems", ()):
                yield rejected(row)
            else:
                yield from items(row, next(results))

    # The workers are forked at the first submit. Frozen objects are never visited by the
    # collector, so the workers do not copy every page of what they inherit just to scan it.
    # A caller that froze the heap itself (the command does) keeps it frozen: unfreezing
    # here would undo its choice behind its back.
    caller_froze = gc.get_freeze_count() > 0
    gc.freeze()
    try:
        while True:
            chunk = list(islice(rows, CHUNK_ROWS))
            if not chunk:
                break
            batch = [(phone_cell(row.values), name_key(row.values)) for row in chunk
                     if not getattr(row, "problems", ())]
            pending.append((chunk, pool.submit(_work, batch)))
            if not caller_froze:
                gc.unfreeze()  # only the workers keep them frozen
            while len(pending) >= workers * IN_FLIGHT_PER_WORKER:
                yield from finished(*pending.popleft())
        while pending:
            yield from finished(*pending.popleft())
    finally:
        if not caller_froze:
            gc.unfreeze()
        pool.shutdown(wait=True, cancel_futures=True)


__all__ = ["ChunkNormalizer", "can_fork", "default_workers", "prepare_in_parallel"]
