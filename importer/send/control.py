"""The stop switch of a run, shared by the dispatcher, the client and the pacer.

A run stops for one of two reasons: the API rejected the credentials (every later row
would fail the same way) or the user pressed Ctrl-C. Either way no new request starts;
requests already on the wire finish, and every wait (rate-limit slot, retry back-off,
Retry-After pause) ends at once instead of running its course.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

Sleep = Callable[[float], Awaitable[None]]


class RunControl:
    """Set once by a 401/403 (`abort`) or by Ctrl-C (`interrupt`); later rows are not sent.

    `interrupt()` may be called from a signal handler: it only sets flags and asks the
    event loop, thread-safely, to wake whoever is waiting.
    """

    def __init__(self) -> None:
        self.stop_reason = ""
        self.aborted_by_api = False
        self.interrupted = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._event: asyncio.Event | None = None

    @property
    def stopped(self) -> bool:
        return bool(self.stop_reason)

    def abort(self, reason: str) -> None:
        """The API refused the credentials: stop the run (the first reason wins)."""
        if not self.stopped:
            self.stop_reason = reason
            self.aborted_by_api = True
            self._wake()

    def interrupt(self, reason: str = "interrupted by the user (Ctrl-C)") -> None:
        """Someone asked to stop: finish what is on the wire, send nothing new.

        `reason` says who, in the words rows not sent will carry ("not sent: <reason>"): the
        CLI's Ctrl-C by default; the web page says "stopped from the page" or "the server
        stopped"."""
        if not self.stopped:
            self.stop_reason = reason
            self.interrupted = True
            self._wake()

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """Attach to the loop the run uses, so a stop wakes its sleepers."""
        self._loop = loop
        self._event = asyncio.Event()
        if self.stopped:
            self._event.set()

    def _wake(self) -> None:
        loop, event = self._loop, self._event
        if loop is None or event is None or loop.is_closed():
            return
        # A signal handler runs between two bytecodes of whatever the loop was doing;
        # call_soon_threadsafe is the one loop method safe to call from there.
        loop.call_soon_threadsafe(event.set)

    def interruptible(self, sleep: Sleep) -> Sleep:
        """`sleep`, cut short when the run stops (waiting out a 30 s Retry-After after
        Ctrl-C would make the first press look ignored)."""

        async def sleep_unless_stopped(seconds: float) -> None:
            event = self._event
            if self.stopped:
                return
            if event is None or seconds <= 0:
                await sleep(seconds)
                return
            sleeper = asyncio.ensure_future(sleep(seconds))
            stopper = asyncio.ensure_future(event.wait())
            try:
                await asyncio.wait((sleeper, stopper), return_when=asyncio.FIRST_COMPLETED)
            finally:
                sleeper.cancel()
                stopper.cancel()

        return sleep_unless_stopped
