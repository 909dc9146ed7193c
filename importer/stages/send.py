"""The fourth stage: each item's result, dry or from the API, in input order.

A `Send` takes the filtered items and yields one `Answer` per item: the row's result and
whether this run sent it. `DrySend` sends nothing (every row is its own result: ready,
invalid, duplicate…); `ApiSend` upserts the READY contacts with bounded concurrency. Before
sending, the run asks whether the WhatsApp session works (`preflight`) and, for --verify,
checks every number first (`Verify`).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import aclosing
from itertools import islice
from typing import Any, Protocol

import httpx

from ..errors import PreflightError
from ..models import Prepared, RowResult, Summary
from ..options import ImportOptions
from ..send.client import WawpClient
from ..send.control import RunControl, Sleep
from ..send.pacing import Pacer
from ..send.runner import Answer, send_answers
from ..send.verify import CheckCache, Verifier, VerifyProgress
from .sink import AnswerLog

#: A dry run hands the event loop back every this many rows, so a long one does not keep
#: the other tasks of its caller's loop waiting.
DRY_ROWS_PER_TURN = 512


class Send(Protocol):
    """One `Answer` per item, in input order."""

    def __call__(self, items: Iterable[Prepared]) -> AsyncIterator[Answer]: ...


class DrySend:
    """Nothing goes to the API: every item is its own result, and none is sent."""

    async def __call__(self, items: Iterable[Prepared]) -> AsyncIterator[Answer]:
        rows = iter(items)
        while turn := list(islice(rows, DRY_ROWS_PER_TURN)):
            for item in turn:
                yield Answer(RowResult.from_prepared(item), False)
            await asyncio.sleep(0)


class ApiSend:
    """The READY contacts upserted with `concurrency` requests in flight; `log` hears each
    answer as soon as it comes (the journal, the ledger)."""

    def __init__(self, client: WawpClient, log: AnswerLog, *, concurrency: int,
                 control: RunControl) -> None:
        self.client = client
        self.log = log
        self.concurrency = concurrency
        self.control = control

    async def __call__(self, items: Iterable[Prepared]) -> AsyncIterator[Answer]:
        with self.log.open(redact=self.client.redact) as on_done:
            async with aclosing(send_answers(items, self.client, concurrency=self.concurrency,
                                             control=self.control,
                                             on_done=on_done)) as answers:
                async for answer in answers:
                    yield answer


def sending_client(options: ImportOptions, transport: httpx.AsyncBaseTransport | None, *,
                   pacer: Pacer, sleep: Sleep, control: RunControl) -> WawpClient:
    """The client a run sends (and verifies) with."""
    return WawpClient(options.base_url, options.instance_id, options.access_token,
                      transport=transport, timeout=options.timeout,
                      max_attempts=options.max_attempts, max_connections=options.concurrency,
                      pacer=pacer, sleep=sleep, control=control)


async def preflight(client: WawpClient, options: ImportOptions,
                    session_info: dict[str, Any] | None = None) -> None:
    """Raise PreflightError unless the instance's WhatsApp session is WORKING; a
    `session_info` asked already (while planning) is not asked again."""
    info = session_info if session_info is not None else await client.session_info()
    status = str(info.get("status", ""))
    if status != "WORKING":
        raise PreflightError(
            f"the WhatsApp session of instance {options.instance_id} is "
            f"{status or 'unknown'}, not WORKING: open the WAWP dashboard and connect "
            "the number (scan the QR code), then run again")


class Verify:
    """--verify: every number to send checked on WhatsApp (a pass of its own), then the
    items again with the answers applied.

    The first pass (in a worker thread: it reads and normalizes the whole input) finds the
    numbers the cache cannot answer, so how long the check takes is known before it starts;
    `on_verify` hears how it stands.
    """

    def __init__(self, client: WawpClient, options: ImportOptions, *, control: RunControl,
                 sleep: Sleep,
                 on_verify: Callable[[VerifyProgress], None] | None = None) -> None:
        self.verifier = Verifier(client, CheckCache(options.verify_cache),
                                 rate=options.verify_rate, control=control, sleep=sleep)
        self.on_verify = on_verify

    async def __call__(self, first: Iterable[Prepared],
                       again: Callable[[], Iterable[Prepared]],
                       summary: Summary) -> Iterable[Prepared]:
        verifier = self.verifier
        # a pass over the whole input, reading and normalizing: off the loop
        numbers = await asyncio.to_thread(verifier.numbers_to_check, first)
        summary.check_cached = verifier.cached
        try:
            await verifier.check_all(numbers, self.on_verify)
        finally:
            summary.checked = verifier.checked
        return verifier.apply(again())


__all__ = ["ApiSend", "DrySend", "Send", "Verify", "preflight", "sending_client"]
