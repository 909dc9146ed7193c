"""Send prepared rows with bounded concurrency; results come back in input order.

Memory stays flat: at most `window` rows are between "read" and "written" at any time,
however long the input is.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from typing import Protocol

from ..errors import ApiRejected
from ..models import Contact, Prepared, RowResult, Status
from .client import UpsertOutcome


class Upserter(Protocol):
    async def upsert(self, contact: Contact) -> UpsertOutcome: ...


class RunControl:
    """Shared stop switch: set once by a 401/403 or by Ctrl-C; later rows are not sent."""

    def __init__(self) -> None:
        self.stop_reason = ""
        self.aborted_by_api = False
        self.interrupted = False

    @property
    def stopped(self) -> bool:
        return bool(self.stop_reason)

    def abort(self, reason: str) -> None:
        if not self.stopped:
            self.stop_reason = reason
            self.aborted_by_api = True

    def interrupt(self) -> None:
        if not self.stopped:
            self.stop_reason = "interrupted by the user (Ctrl-C)"
            self.interrupted = True


def not_attempted(item: Prepared, control: RunControl) -> RowResult:
    detail = f"not sent: {control.stop_reason}"
    if item.detail:
        detail = f"{detail}; {item.detail}"
    return RowResult.from_prepared(item, Status.NOT_ATTEMPTED, detail)


async def send_all(items: Iterable[Prepared], client: Upserter, *, concurrency: int,
                   control: RunControl | None = None,
                   on_done: Callable[[RowResult], None] | None = None,
                   window: int | None = None) -> AsyncIterator[RowResult]:
    """Upsert every READY item; yield one result per item, in input order.

    `on_done` is called as soon as a row's request has an answer (before earlier rows may
    have finished), which is when a journal must record it.
    """
    control = control or RunControl()
    window = window or max(256, concurrency * 16)
    slots = asyncio.Semaphore(concurrency)

    async def send(item: Prepared, contact: Contact) -> RowResult:
        async with slots:
            if control.stopped:
                return not_attempted(item, control)
            try:
                outcome = await client.upsert(contact)
            except ApiRejected as exc:
                control.abort(str(exc))
                result = RowResult.from_prepared(item, Status.FAILED, str(exc), attempts=1,
                                                 http_status=exc.status)
            else:
                status = Status.OK if outcome.ok else Status.FAILED
                detail = "; ".join(d for d in (outcome.detail, item.detail) if d)
                result = RowResult.from_prepared(item, status, detail, attempts=outcome.attempts,
                                                 http_status=outcome.http_status)
        if on_done is not None:
            on_done(result)
        return result

    pending: deque[asyncio.Future[RowResult]] = deque()
    loop = asyncio.get_running_loop()
    try:
        for item in items:
            if item.status is Status.READY and item.contact is not None:
                if control.stopped:
                    future = _done(loop, not_attempted(item, control))
                else:
                    future = asyncio.ensure_future(send(item, item.contact))
                    await asyncio.sleep(0)  # let workers start before reading on
            else:
                future = _done(loop, RowResult.from_prepared(item))
            pending.append(future)
            while pending and (pending[0].done() or len(pending) >= window):
                yield await pending.popleft()
        while pending:
            yield await pending.popleft()
    finally:
        for future in pending:
            future.cancel()


def _done(loop: asyncio.AbstractEventLoop, result: RowResult) -> asyncio.Future[RowResult]:
    future: asyncio.Future[RowResult] = loop.create_future()
    future.set_result(result)
    return future


Sleep = Callable[[float], Awaitable[None]]
