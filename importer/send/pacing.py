"""Pacing: a request rate shared by all workers that slows down when the API says 429."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable


class Pacer:
    """A token bucket of `rate` requests per second across every worker (0 = unlimited)."""

    def __init__(self, rate: float = 0.0, *, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.rate = rate
        self._clock = clock
        self._sleep = sleep
        self._next = 0.0
        self._paused_until = 0.0
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        """Wait for this request's turn."""
        if self.rate <= 0 and self._paused_until <= self._clock():
            return
        async with self._lock:
            now = self._clock()
            start = max(now, self._next, self._paused_until)
            if self.rate > 0:
                self._next = start + 1.0 / self.rate
            if start > now:
                await self._sleep(start - now)

    def throttled(self, retry_after: float) -> None:
        """The API said 429: nobody sends until `retry_after` seconds have passed."""
        self._paused_until = max(self._paused_until, self._clock() + retry_after)

    def succeeded(self) -> None:
        """A request went through."""
