"""The pacer: a shared request rate that pauses on 429, halves, and climbs back gradually.

A fake clock that only moves when the pacer sleeps: no test waits for real.
"""

from __future__ import annotations

import asyncio

import pytest

from importer.send.pacing import Pacer


class FakeTime:
    """A clock and a sleep: sleeping moves the clock, and every sleep is recorded."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)  # a real suspension point, as a real sleep has


@pytest.fixture
def fake() -> FakeTime:
    return FakeTime()


def grants(pacer: Pacer, n: int) -> list[float]:
    async def go() -> list[float]:
        return [await pacer.acquire() for _ in range(n)]

    return asyncio.run(go())


def test_requests_are_spaced_one_interval_apart(fake: FakeTime) -> None:
    pacer = Pacer(10, clock=fake.clock, sleep=fake.sleep)
    assert grants(pacer, 5) == pytest.approx([0.0, 0.1, 0.2, 0.3, 0.4])


def test_no_burst_after_an_idle_spell(fake: FakeTime) -> None:
    pacer = Pacer(2, clock=fake.clock, sleep=fake.sleep)
    grants(pacer, 1)
    fake.now = 100.0  # idle for a long time: no credit is saved up
    assert grants(pacer, 3) == pytest.approx([100.0, 100.5, 101.0])


def test_the_rate_is_shared_by_concurrent_workers(fake: FakeTime) -> None:
    pacer = Pacer(4, clock=fake.clock, sleep=fake.sleep)

    async def go() -> list[float]:
        return sorted(await asyncio.gather(*(pacer.acquire() for _ in range(8))))

    assert asyncio.run(go()) == pytest.approx([i * 0.25 for i in range(8)])


def test_unlimited_never_sleeps(fake: FakeTime) -> None:
    pacer = Pacer(0, clock=fake.clock, sleep=fake.sleep)
    grants(pacer, 100)
    assert fake.sleeps == []


def test_a_429_pauses_everyone_until_retry_after(fake: FakeTime) -> None:
    pacer = Pacer(0, clock=fake.clock, sleep=fake.sleep)
    grants(pacer, 3)
    pacer.throttled(7.0)
    assert grants(pacer, 1)[0] >= 7.0


def test_a_429_without_retry_after_pauses_one_second(fake: FakeTime) -> None:
    pacer = Pacer(10, clock=fake.clock, sleep=fake.sleep)
    pacer.throttled(None)
    assert grants(pacer, 1)[0] == pytest.approx(1.0)


def test_a_429_halves_the_rate(fake: FakeTime) -> None:
    pacer = Pacer(20, clock=fake.clock, sleep=fake.sleep)
    pacer.throttled(1.0)
    assert pacer.current == 10
    times = grants(pacer, 3)
    assert times == pytest.approx([1.0, 1.1, 1.2])


def test_the_rate_never_falls_below_the_floor(fake: FakeTime) -> None:
    pacer = Pacer(4, clock=fake.clock, sleep=fake.sleep, min_rate=1.0)
    for _ in range(10):
        sent = grants(pacer, 1)[0]
        pacer.throttled(0.0, sent_at=sent)
    assert pacer.current == 1.0


def test_a_burst_of_429s_from_requests_already_sent_cuts_once(fake: FakeTime) -> None:
    pacer = Pacer(16, clock=fake.clock, sleep=fake.sleep)
    sent = grants(pacer, 8)  # eight requests on the wire at the old rate
    fake.now = 1.0
    for at in sent:
        pacer.throttled(2.0, sent_at=at)
    assert pacer.current == 8
    assert pacer.slowdowns == 1
    later = grants(pacer, 1)[0]  # sent at the new rate: its 429 cuts again
    pacer.throttled(2.0, sent_at=later)
    assert pacer.current == 4


def test_the_rate_climbs_back_step_by_step_after_successes(fake: FakeTime) -> None:
    pacer = Pacer(20, clock=fake.clock, sleep=fake.sleep, recover_after=5,
                  recover_interval=1.0)
    pacer.throttled(0.0)
    assert pacer.current == 10
    seen = []
    for _ in range(12):
        fake.now += 1.0
        for _ in range(5):
            pacer.succeeded()
        seen.append(pacer.current)
    # +10% of the ceiling a step, never above it
    assert seen[:5] == pytest.approx([12, 14, 16, 18, 20])
    assert max(seen) == 20


def test_recovery_waits_for_enough_successes_and_time(fake: FakeTime) -> None:
    pacer = Pacer(20, clock=fake.clock, sleep=fake.sleep, recover_after=5,
                  recover_interval=2.0)
    pacer.throttled(0.0)
    for _ in range(50):
        pacer.succeeded()  # many successes, but no time has passed
    assert pacer.current == 10
    fake.now += 2.0
    pacer.succeeded()
    assert pacer.current == 12
    fake.now += 2.0
    for _ in range(4):
        pacer.succeeded()  # time has passed, but not enough successes since the step
    assert pacer.current == 12
    pacer.succeeded()
    assert pacer.current == 14


def test_a_429_during_recovery_restarts_the_streak(fake: FakeTime) -> None:
    pacer = Pacer(20, clock=fake.clock, sleep=fake.sleep, recover_after=3,
                  recover_interval=0.0)
    pacer.throttled(0.0)
    pacer.succeeded()
    pacer.succeeded()
    fake.now += 1
    pacer.throttled(0.0)
    pacer.succeeded()
    pacer.succeeded()
    assert pacer.current == 5


def test_unlimited_slows_to_half_what_it_was_sending_then_unlimited_again(
        fake: FakeTime) -> None:
    pacer = Pacer(0, clock=fake.clock, sleep=fake.sleep, recover_after=1, recover_interval=0.0)
    for _ in range(400):  # 200 requests a second for two seconds
        grants(pacer, 1)
        fake.now += 0.005
    pacer.throttled(1.0)
    assert pacer.current == pytest.approx(100, rel=0.05)
    for _ in range(5):
        pacer.succeeded()
    assert pacer.current is None
    fake.now = 50.0
    fake.sleeps.clear()
    grants(pacer, 10)
    assert fake.sleeps == []


def test_a_pause_that_comes_while_waiting_voids_the_slot(fake: FakeTime) -> None:
    pacer = Pacer(1, clock=fake.clock, sleep=fake.sleep)
    grants(pacer, 1)  # the next slot is at t=1

    async def go() -> float:
        waiter = asyncio.ensure_future(pacer.acquire())
        await asyncio.sleep(0)  # the waiter is now asleep until t=1
        pacer.throttled(5.0)  # ... and a 429 comes meanwhile, at t=0
        return await waiter

    assert asyncio.run(go()) >= 5.0


def test_a_sleep_that_does_not_move_the_clock_cannot_make_it_spin() -> None:
    sleeps: list[float] = []

    async def record(seconds: float) -> None:
        sleeps.append(seconds)

    pacer = Pacer(10, clock=lambda: 0.0, sleep=record)
    pacer.throttled(3.0)
    grants(pacer, 3)
    assert len(sleeps) == 3


def test_a_negative_rate_is_refused() -> None:
    with pytest.raises(ValueError):
        Pacer(-1)


def test_unlimited_with_no_recent_traffic_only_pauses(fake: FakeTime) -> None:
    pacer = Pacer(0, clock=fake.clock, sleep=fake.sleep)
    grants(pacer, 1)  # the preflight
    fake.now = 3600.0  # an hour of checking numbers, then the first upsert gets a 429
    pacer.throttled(2.0)
    assert pacer.current is None and pacer.slowdowns == 0
    assert grants(pacer, 1)[0] == pytest.approx(3602.0)
    fake.sleeps.clear()
    grants(pacer, 50)
    assert fake.sleeps == []  # no limit was set on a guess


def test_unlimited_recovers_even_from_the_floor(fake: FakeTime) -> None:
    pacer = Pacer(0, clock=fake.clock, sleep=fake.sleep, recover_after=1, recover_interval=0.0,
                  min_rate=1.0)
    for _ in range(3):  # a slow trickle: one request a second
        grants(pacer, 1)
        fake.now += 1.0
    pacer.throttled(0.0)
    assert pacer.current == 1.0  # half of it is below the floor, which is also the ceiling
    pacer.succeeded()
    assert pacer.current is None  # not stuck at the floor for the rest of the run


def test_a_429_again_on_the_same_request_slows_nobody_more(fake: FakeTime) -> None:
    """One contact the API holds back (429 on each retry) cuts the run once, not to the floor."""
    pacer = Pacer(20, clock=fake.clock, sleep=fake.sleep)
    sent = grants(pacer, 1)[0]
    pacer.throttled(1.0, sent_at=sent)
    assert pacer.current == 10
    for _ in range(4):  # its retries, each sent after the cut, each answered 429 again
        fake.now += 1.0
        sent = grants(pacer, 1)[0]
        pacer.throttled(1.0, sent_at=sent, repeat=True)
    assert pacer.current == 10 and pacer.slowdowns == 1
    fake.sleeps.clear()
    grants(pacer, 1)  # and the others do not wait out its Retry-After
    assert fake.sleeps == [] or max(fake.sleeps) <= 0.1 + 1e-9


def test_one_429_halves_then_the_rate_recovers_to_where_it_was(fake: FakeTime) -> None:
    pacer = Pacer(20, clock=fake.clock, sleep=fake.sleep, recover_after=20,
                  recover_interval=1.0)
    pacer.throttled(1.0, sent_at=grants(pacer, 1)[0])
    assert pacer.current == 10
    steps = 0
    while pacer.current != 20 and steps < 100:
        fake.now += 1.0
        for _ in range(20):
            pacer.succeeded()
        steps += 1
    assert pacer.current == 20 and steps == 5  # +2/s a step: 10 → 20 in five
