"""Normalizing a long input on more cores, in input order, with bounded memory.

Parsing phone numbers is the costly part of a dry run (tens of microseconds a row), while
reading and writing the files stay in the main process. For a long input, rows are sent in
chunks to worker processes, which give back small outcome tuples (status, chat ID, names,
detail); the main process puts them back on their rows, in order. At most a few chunks per
worker are in flight, so memory does not grow with the input, and inputs shorter than
`WARMUP_ROWS` never start a process.

Workers are forked, so they inherit the normalizer as it is (no pickling, no re-import of
the program); where fork is not available (Windows, macOS), or not safe at that moment
(another thread is running), everything stays in-process. A sending run forks them at its
start (`WorkerPool.start`), before its HTTP client, event loop and locks exist.
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
from .outcomes import Outcome, chunk_items


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


def fork_is_safe() -> bool:
    """Whether a worker can be forked from here, now: fork exists and this is the only
    thread. A thread holding a lock at the fork (an HTTP client's resolver, a web server's
    request threads, a progress bar's monitor) would leave the child's copy locked for good."""
    return (can_fork() and threading.current_thread() is threading.main_thread()
            and threading.active_count() == 1)


def _started() -> None:
    """A first task: with fork, every worker is started at the first submit."""


class WorkerPool:
    """The worker processes of a run, forked when the caller says (`start`).

    A sending run starts them before anything else of the run exists: before the HTTP
    client, its event loop and any thread (see `fork_is_safe`), and before the run takes its
    locks (a forked child holds copies of the descriptors open at the fork, and with them
    any lock taken on them, until it ends).
    """

    def __init__(self, normalizer: ChunkNormalizer, workers: int) -> None:
        self.normalizer = normalizer
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None

    @property
    def running(self) -> bool:
        return self._pool is not None

    def start(self) -> bool:
        """Fork the workers now if that is safe (else the rows stay in this process);
        whether they are running."""
        if self._pool is None and self.workers > 0 and fork_is_safe():
            # Frozen objects are never visited by the collector, so the workers do not copy
            # every page of what they inherit just to scan it. A caller that froze the heap
            # itself (the command does) keeps it frozen: unfreezing here would undo its
            # choice behind its back.
            caller_froze = gc.get_freeze_count() > 0
            gc.freeze()
            try:
                pool = ProcessPoolExecutor(max_workers=self.workers,
                                           mp_context=multiprocessing.get_context("fork"),
                                           initializer=_install,
                                           initargs=(self.normalizer, os.getpid()))
                try:
                    pool.submit(_started).result()
                except BaseException:  # a worker that could not start: none left behind
                    pool.shutdown(wait=True, cancel_futures=True)
                    raise
            finally:
                if not caller_froze:
                    gc.unfreeze()  # only the workers keep them frozen
            self._pool = pool
        return self._pool is not None

    def submit(self, batch: list[tuple[str, Any]]) -> Future[list[tuple[Outcome, ...]]]:
        assert self._pool is not None, "submit before start"
        return self._pool.submit(_work, batch)

    def close(self) -> None:
        """Stop the workers (waits for them to end)."""
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


def prepare_in_parallel(normalizer: ChunkNormalizer, rows: Iterable[SourceRow],
                        workers: int, *, pool: WorkerPool | None = None) -> Iterator[Prepared]:
    """`normalizer.prepare_rows(rows)` computed on `workers` extra processes.

    On `pool` when it is running (its owner closes it). Otherwise the first `WARMUP_ROWS`
    rows are normalized here, and only a longer input forks workers of its own, if it is
    safe to fork at that point (`fork_is_safe`); else every row stays in this process.
    """
    own: WorkerPool | None = None
    if pool is None or not pool.running:
        rows = iter(rows)
        head = list(islice(rows, WARMUP_ROWS))
        yield from normalizer.prepare_in_process(head)
        if len(head) < WARMUP_ROWS:
            return
        del head
        pool = own = WorkerPool(normalizer, workers)
        if not pool.start():
            yield from normalizer.prepare_in_process(rows)
            return
    rows = iter(rows)
    pending: deque[tuple[list[SourceRow], Future[list[tuple[Outcome, ...]]]]] = deque()
    phone_cell, name_key = normalizer.phone_cell, normalizer.name_key
    in_flight = max(1, pool.workers) * IN_FLIGHT_PER_WORKER

    def finished(chunk: list[SourceRow],
                 future: Future[list[tuple[Outcome, ...]]]) -> Iterator[Prepared]:
        return chunk_items(chunk, future.result())

    try:
        while True:
            chunk = list(islice(rows, CHUNK_ROWS))
            if not chunk:
                break
            batch = [(phone_cell(row.values), name_key(row.values)) for row in chunk
                     if not getattr(row, "problems", ())]
            pending.append((chunk, pool.submit(batch)))
            while len(pending) >= in_flight:
                yield from finished(*pending.popleft())
        while pending:
            yield from finished(*pending.popleft())
    finally:
        for _, future in pending:
            future.cancel()
        if own is not None:
            own.close()


__all__ = ["ChunkNormalizer", "WorkerPool", "can_fork", "default_workers", "fork_is_safe",
           "prepare_in_parallel"]
