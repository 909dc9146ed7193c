"""Pacing: one request rate shared by every worker, that backs off when the API says 429.

The rate is a token bucket of size one (a request every ``1/rate`` seconds, no bursts):
a WhatsApp number is judged by how its traffic looks, and a burst after an idle spell
looks exactly like what gets numbers throttled.

On a 429 the whole run slows down, not just the row that got it:

- nobody sends until the Retry-After has passed (1 s when the API gives none);
- the rate is halved (never below ``min_rate``). With ``--rate 0`` (no limit) the
  halving starts from the rate the run was actually sending at (its last 64 requests
  within 2 s); with too few of those to tell, the 429 only pauses;
- a burst of 429s from requests that were already on the wire counts once: a request
  sent before the last cut says nothing about the new rate;
- a request answered 429 again on its retry (one number the API holds back) waits its own
  Retry-After alone: the run was cut once for it, and cutting again at each of its retries
  would take the whole run to the floor for one number;
- after ``recover_after`` successes in a row, and at least ``recover_interval`` seconds
  since the last change, the rate climbs back by a tenth of the ceiling per step (the
  ceiling being ``--rate``, or with no limit the rate the first 429 interrupted), until
  it is back where it started. Additive increase, multiplicative decrease, as TCP does.

Why not aiolimiter: it allows bursts of up to one second's worth of requests, cannot
pause everyone until a given time, and its rate is fixed at construction; all three are
what is needed here, in less code than the adapter would take.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]

DEFAULT_PAUSE = 1.0
MIN_RATE = 0.5
DECREASE = 0.5
RECOVER_AFTER = 20
RECOVER_INTERVAL = 1.0
RECOVER_STEP = 0.1
#: How far back the rate a run is really sending at is measured (for --rate 0).
OBSERVE_SECONDS = 2.0
OBSERVE_REQUESTS = 64


class Pacer:
    """A token bucket of `rate` requests per second across every worker (0 = unlimited)."""

    def __init__(self, rate: float = 0.0, *, clock: Clock = time.monotonic,
                 sleep: Sleep = asyncio.sleep, min_rate: float = MIN_RATE,
                 default_pause: float = DEFAULT_PAUSE, recover_after: int = RECOVER_AFTER,
                 recover_interval: float = RECOVER_INTERVAL) -> None:
        if rate < 0:
            raise ValueError(f"rate must be >= 0, got {rate}")
        self.rate = rate
        self.min_rate = min_rate
        self.default_pause = default_pause
        self.recover_after = recover_after
        self.recover_interval = recover_interval
        self._clock = clock
        self._sleep = sleep
        #: the rate in force now; None means no limit
        self.current: float | None = rate or None
        #: how many times a 429 made the run slow down
        self.slowdowns = 0
        self._ceiling = rate
        self._next = 0.0
        self._paused_until = 0.0
        self._last_change = -float("inf")
        self._streak = 0
        # When the last requests went, to know what the run is really sending at (--rate 0).
        self._recent: deque[float] = deque(maxlen=OBSERVE_REQUESTS)

    async def acquire(self) -> float:
        """Wait for this request's turn; returns the time (on the pacer's clock) it went."""
        while True:
            now = self._clock()
            if self.current is None and self._paused_until <= now:
                self._count(now)
                return now
            start = max(now, self._paused_until)
            if self.current is not None:
                start = max(start, self._next)
                self._next = start + 1.0 / self.current
            if start > now:
                await self._sleep(start - now)
                # A 429 may have come while we waited: the slot we held is void, queue
                # again behind the pause. (Compared with `start`, not the clock, so a test's
                # sleep that does not move the clock cannot make this spin.)
                if self._paused_until > start:
                    continue
            self._count(start)
            return start

    def throttled(self, retry_after: float | None = None, *, sent_at: float | None = None,
                  repeat: bool = False) -> None:
        """The API said 429: pause everyone for `retry_after` seconds and slow down.

        `repeat`: the same request had a 429 already; its retry waits by itself (the caller
        waits the Retry-After), and the run is neither paused nor slowed again.
        """
        if repeat:
            return
        now = self._clock()
        pause = self.default_pause if retry_after is None else retry_after
        self._paused_until = max(self._paused_until, now + pause)
        self._next = max(self._next, self._paused_until)
        self._streak = 0
        if sent_at is not None and sent_at < self._last_change:
            return  # sent at the old rate; the cut for its burst is already made
        base = self.current if self.current is not None else self.observed_rate(now)
        if base <= 0:
            return  # no limit and too few recent requests to tell a rate: the pause is all
        if self.current is None:
            self._ceiling = max(base, self.min_rate)
        self.current = max(self.min_rate, base * DECREASE)
        self._last_change = now
        self.slowdowns += 1

    def succeeded(self) -> None:
        """A request went through: after enough of them, speed up a step."""
        if self.current is None:
            return
        if self.current >= self._ceiling:
            self.current = self.rate or None  # back at the top (for --rate 0: no limit)
            return
        self._streak += 1
        now = self._clock()
        if self._streak < self.recover_after or now - self._last_change < self.recover_interval:
            return
        self._streak = 0
        self._last_change = now
        self.current = min(self._ceiling, self.current + self._ceiling * RECOVER_STEP)
        if self.current >= self._ceiling:
            self.current = self.rate or None

    def observed_rate(self, now: float | None = None) -> float:
        """Requests per second sent lately (the last 64, within 2 s); 0 when unknown."""
        now = self._clock() if now is None else now
        recent = [t for t in self._recent if t >= now - OBSERVE_SECONDS]
        if len(recent) < 2 or recent[-1] <= recent[0]:
            return 0.0
        return (len(recent) - 1) / (recent[-1] - recent[0])

    def _count(self, now: float) -> None:
        self._recent.append(now)
