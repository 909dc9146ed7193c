"""Send prepared rows with bounded concurrency; results come back in input order.

`concurrency` workers share one iterator over the rows. A worker takes the next row, sends
it, records the answer, and takes the next one at once: the slot it frees is refilled in
the same step, with no task per row and no hand-over between a reader and a sender.

Memory stays flat however long the input is: a row is read only when a worker is free, and
at most `window` rows sit between "read" and "handed out" (answered rows wait there for a
slower row before them; when the window is full, workers wait for that row).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Iterable
from typing import NamedTuple, Protocol

from ..errors import ApiRejected
from ..models import Contact, Prepared, RowResult, Status
from ..problems import Code, detail_of, problem
from ..redact import redact
from .client import UpsertOutcome
from .control import RunControl, Sleep

log = logging.getLogger(__name__)

__all__ = ["Answer", "RunControl", "Sleep", "Upserter", "not_attempted", "outcome_result",
           "send_all", "send_answers"]

#: Rows answered but waiting for an earlier, slower row before they can be written, per
#: request slot. A row retried for a while holds the others back only once this fills.
WINDOW_PER_SLOT = 64
MIN_WINDOW = 1024


class Upserter(Protocol):
    async def upsert(self, contact: Contact) -> UpsertOutcome: ...


class Answer(NamedTuple):
    """A row's result, and whether this run sent it: it went to the API and came back ok or
    failed (not a row skipped, carried over, or stopped before it went)."""

    result: RowResult
    sent: bool


def not_attempted(item: Prepared, control: RunControl) -> RowResult:
    """The result of a row the run stopped before sending."""
    found = problem(Code.NOT_SENT, why=control.stop_reason)
    return RowResult.from_prepared(item, Status.NOT_ATTEMPTED, detail_of(found, item.detail),
                                   problem=found)


def outcome_result(item: Prepared, outcome: UpsertOutcome, control: RunControl) -> RowResult:
    """The result of a row that went to the API (or was stopped on its way there)."""
    if outcome.stopped and outcome.attempts == 0:
        return not_attempted(item, control)
    status = Status.OK if outcome.ok else Status.FAILED
    detail = "; ".join(d for d in (outcome.detail, item.detail) if d)
    return RowResult.from_prepared(item, status, detail, attempts=outcome.attempts,
                                   http_status=outcome.http_status, problem=outcome.problem)


async def send_all(items: Iterable[Prepared], client: Upserter, *, concurrency: int,
                   control: RunControl | None = None,
                   on_done: Callable[[RowResult], None] | None = None,
                   window: int | None = None) -> AsyncIterator[RowResult]:
    """Upsert every READY item; yield one result per item, in input order (the results of
    `send_answers`, without saying which rows were sent)."""
    async for result, _ in send_answers(items, client, concurrency=concurrency,
                                        control=control, on_done=on_done, window=window):
        yield result


async def send_answers(items: Iterable[Prepared], client: Upserter, *, concurrency: int,
                       control: RunControl | None = None,
                       on_done: Callable[[RowResult], None] | None = None,
                       window: int | None = None) -> AsyncIterator[Answer]:
    """Upsert every READY item; yield one `Answer` per item, in input order.

    `on_done` hears each row whose request has an answer (before earlier rows may have
    finished), which is when a journal must record it: not inside the worker's step, but
    right after the steps the event loop has ready, in one batch (`_Dispatcher.record`), so
    the answers that came together first put their next requests on the wire. Every
    answer is heard before it is handed out, and before the run ends or fails.

    A `rejected` outcome (401/403) stops the run through `control`: rows not yet sent come
    back not_attempted. An error from `items` or `on_done` stops every worker and is raised
    here.
    """
    if concurrency < 1:
        raise ValueError(f"concurrency must be at least 1, got {concurrency}")
    dispatcher = _Dispatcher(iter(items), client, control or RunControl(), on_done,
                             window or max(MIN_WINDOW, concurrency * WINDOW_PER_SLOT))
    workers = [asyncio.create_task(dispatcher.work()) for _ in range(concurrency)]
    dispatcher.running = len(workers)
    try:
        async for answer in dispatcher.in_order():
            yield answer
    finally:
        for worker in workers:
            worker.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
        dispatcher.record()  # answers not yet heard (a stop): on record all the same


class _Dispatcher:
    """The state the workers and the in-order reader share (one event loop: no locks)."""

    def __init__(self, items: Iterable[Prepared], client: Upserter, control: RunControl,
                 on_done: Callable[[RowResult], None] | None, window: int) -> None:
        self.items = iter(items)
        self.client = client
        self.control = control
        self.on_done = on_done
        self.window = window
        self.done: dict[int, Answer] = {}  # answered, waiting for earlier rows
        self.read = 0  # rows taken from `items`
        self.handed_out = 0  # rows yielded, in order
        self.exhausted = False
        self.failure: BaseException | None = None
        self.running = 0
        self.progress = asyncio.Event()  # a result for the reader, or a worker ended
        self.room = asyncio.Event()  # the reader handed rows out: the window has room
        #: rows answered by the API, for `record` to hand to `on_done`, then to the reader
        self.unrecorded: list[tuple[int, RowResult]] = []
        self.loop = asyncio.get_running_loop()

    def take(self) -> tuple[int, Prepared] | None:
        """The next row and its place, or None when there are no more (or it failed)."""
        if self.exhausted or self.failure is not None:
            return None
        try:
            item = next(self.items)
        except StopIteration:
            self.exhausted = True
            return None
        except BaseException as exc:  # a reading error ends the run; the reader raises it
            self.fail(exc)
            return None
        self.read += 1
        return self.read - 1, item

    def fail(self, exc: BaseException) -> None:
        if self.failure is None:
            self.failure = exc
        self.exhausted = True
        self.progress.set()
        self.room.set()

    async def work(self) -> None:
        # looked up once: a re-import takes a million rows here, nearly all not to send
        ready, done, take, own_result = Status.READY, self.done, self.take, RowResult.from_prepared
        # Answer(…) is a Python-level __new__ (namedtuple's): a row not sent, nearly every row
        # of a re-import, gets its answer made by tuple's own
        new_tuple = tuple.__new__
        try:
            while True:
                while self.read - self.handed_out >= self.window and not self.exhausted:
                    self.room.clear()
                    await self.room.wait()
                taken = take()
                if taken is None:
                    return
                place, item = taken
                if item.status is not ready or item.contact is None:
                    answer = new_tuple(Answer, (own_result(item), False))
                elif self.control.stopped:
                    answer = Answer(not_attempted(item, self.control), False)
                else:
                    result = await self.send(item, item.contact)
                    if result.attempts:  # sent: heard by `on_done` first, in `record`
                        if not self.unrecorded:
                            self.loop.call_soon(self.record)
                        self.unrecorded.append((place, result))
                        continue
                    answer = Answer(result, result.status in (Status.OK, Status.FAILED))
                done[place] = answer
                if place == self.handed_out:
                    self.progress.set()
        except asyncio.CancelledError:
            raise
        except BaseException as exc:  # on_done failed (disk full…): stop everything
            self.fail(exc)
        finally:
            self.running -= 1
            self.progress.set()

    async def send(self, item: Prepared, contact: Contact) -> RowResult:
        try:
            outcome = await self.client.upsert(contact)
        except ApiRejected as exc:  # an Upserter that raises instead of reporting
            outcome = UpsertOutcome.failed(1, exc.status, problem(
                Code.API_REJECTED_TOKEN, http_status=exc.status, message=str(exc)),
                rejected=True)
        except Exception as exc:  # a bug fails its row, not the run (token masked)
            log.error("internal error sending a contact", exc_info=exc)
            outcome = UpsertOutcome.failed(0, None, problem(
                Code.INTERNAL_ERROR, error=type(exc).__name__, message=redact(str(exc))))
        if outcome.rejected:
            self.control.abort(outcome.detail)
        return outcome_result(item, outcome, self.control)

    def record(self) -> None:
        """The answers of the last loop turn: each to `on_done` (the journal), then to the
        reader. Runs once the workers that had an answer ready have sent their next request.
        A failure of `on_done` (disk full…) ends the run, as from a worker."""
        batch, self.unrecorded = self.unrecorded, []
        if not batch:
            return
        on_done, done = self.on_done, self.done
        try:
            for place, result in batch:
                if on_done is not None:
                    on_done(result)
                done[place] = Answer(result, result.status in (Status.OK, Status.FAILED))
        except BaseException as exc:  # on_done failed (disk full…): the reader raises it
            self.fail(exc)
        if self.handed_out in done or self.running == 0:
            self.progress.set()

    async def in_order(self) -> AsyncIterator[Answer]:
        done, room = self.done, self.room
        while True:
            if self.failure is not None:
                raise self.failure
            answer = done.pop(self.handed_out, None)
            if answer is not None:
                self.handed_out += 1
                room.set()
                yield answer
            elif self.running == 0 and not self.unrecorded:
                return
            else:
                self.progress.clear()
                await self.progress.wait()
