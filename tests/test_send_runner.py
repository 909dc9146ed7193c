"""The dispatcher: bounded concurrency, input order out, flat memory, stopping cleanly."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Iterator

import pytest

from importer.models import Contact, Prepared, RowResult, Status
from importer.send.client import UpsertOutcome
from importer.send.control import RunControl
from importer.send.runner import send_all


def ready(n: int, *, start: int = 2) -> list[Prepared]:
    return [Prepared(row, (f"v{row}",), Status.READY,
                     Contact(f"2010{row:08d}@c.us", f"P{row}", ""))
            for row in range(start, start + n)]


class FakeApi:
    """An Upserter with random latency that records how many requests were in flight."""

    def __init__(self, *, seed: int = 1, outcome=None) -> None:
        self.rng = random.Random(seed)
        self.in_flight = 0
        self.peak = 0
        self.sent: list[str] = []
        self.outcome = outcome or (lambda contact, n: UpsertOutcome(True, 1, 200))

    async def upsert(self, contact: Contact) -> UpsertOutcome:
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        try:
            self.sent.append(contact.chat_id)
            await asyncio.sleep(self.rng.random() * 0.002)
            return self.outcome(contact, len(self.sent))
        finally:
            self.in_flight -= 1


def collect(items, api, **kwargs) -> list[RowResult]:
    async def go() -> list[RowResult]:
        return [r async for r in send_all(items, api, **kwargs)]

    return asyncio.run(go())


def test_results_come_out_in_input_order_whatever_order_answers_come_in() -> None:
    api = FakeApi()
    results = collect(ready(300), api, concurrency=16)
    assert [r.row for r in results] == list(range(2, 302))
    assert {r.status for r in results} == {Status.OK}
    assert api.peak == 16


@pytest.mark.parametrize("concurrency", [1, 3, 8])
def test_never_more_requests_in_flight_than_the_concurrency(concurrency: int) -> None:
    api = FakeApi()
    collect(ready(100), api, concurrency=concurrency)
    assert api.peak == concurrency


def test_rows_not_to_send_pass_through_in_place() -> None:
    items = ready(3)
    items.insert(1, Prepared(99, ("x",), Status.INVALID, None, "phone: too short"))
    results = collect(items, FakeApi(), concurrency=2)
    assert [(r.row, r.status) for r in results] == [
        (2, Status.OK), (99, Status.INVALID), (3, Status.OK), (4, Status.OK)]
    assert results[1].detail == "phone: too short"


def test_the_input_is_read_only_as_far_as_the_window_allows() -> None:
    read = 0
    blocked = asyncio.Event()

    def items() -> Iterator[Prepared]:
        nonlocal read
        for item in ready(100_000):
            read += 1
            yield item

    class Stuck(FakeApi):
        async def upsert(self, contact: Contact) -> UpsertOutcome:
            if contact.chat_id.endswith("00000002@c.us"):
                await blocked.wait()  # the first row never answers until released
            return UpsertOutcome(True, 1, 200)

    async def go() -> int:
        gen = send_all(items(), Stuck(), concurrency=4, window=50)
        task = asyncio.ensure_future(gen.__anext__())
        for _ in range(200):
            await asyncio.sleep(0)
        seen = read
        blocked.set()
        await task
        await gen.aclose()
        return seen

    assert asyncio.run(go()) <= 50 + 1


def test_on_done_hears_each_answer_before_it_is_handed_out_in_order() -> None:
    heard: list[int] = []
    out: list[int] = []

    async def go() -> None:
        async for result in send_all(ready(50), FakeApi(), concurrency=8,
                                     on_done=lambda r: heard.append(r.row)):
            assert result.row in heard
            out.append(result.row)

    asyncio.run(go())
    assert sorted(heard) == out == list(range(2, 52))


def test_every_answer_is_heard_even_when_the_reader_stops_early() -> None:
    """on_done hears the answers of a loop turn in one batch after it; a run whose reader
    stops (an error in the sink, a cancel) still journals each answer the API gave."""
    answered: list[str] = []  # rows whose upsert came back (nothing awaited after it)
    heard: list[str] = []

    class Together:
        async def upsert(self, contact: Contact) -> UpsertOutcome:
            await asyncio.sleep(0)  # all eight answer in the same turn
            answered.append(contact.chat_id)
            return UpsertOutcome(True, 1, 200)

    async def go() -> None:
        answers = send_all(ready(100), Together(), concurrency=8,
                           on_done=lambda r: heard.append(r.chat_id))
        async for _ in answers:
            break
        await answers.aclose()

    asyncio.run(go())
    assert answered and sorted(heard) == sorted(answered)


def test_a_rejected_row_stops_the_run_and_the_rest_is_not_attempted() -> None:
    def outcome(contact: Contact, n: int) -> UpsertOutcome:
        if n >= 10:
            return UpsertOutcome(False, 1, 401, "the API rejected the access token",
                                 rejected=True)
        return UpsertOutcome(True, 1, 200)

    control = RunControl()
    api = FakeApi(outcome=outcome)
    results = collect(ready(100), api, concurrency=1, control=control)
    assert control.aborted_by_api and "rejected" in control.stop_reason
    statuses = [r.status for r in results]
    assert statuses[:9] == [Status.OK] * 9
    assert statuses[9] is Status.FAILED and results[9].http_status == 401
    assert statuses[10:] == [Status.NOT_ATTEMPTED] * 90
    assert all("rejected" in r.detail for r in results[10:])
    assert len(api.sent) == 10


def test_after_an_interrupt_in_flight_rows_finish_and_no_new_row_starts() -> None:
    control = RunControl()

    def outcome(contact: Contact, n: int) -> UpsertOutcome:
        if n >= 20:
            control.interrupt()
        return UpsertOutcome(True, 1, 200)

    api = FakeApi(outcome=outcome)
    results = collect(ready(200), api, concurrency=4, control=control)
    assert len(results) == 200
    ok = [r for r in results if r.status is Status.OK]
    assert len(ok) == len(api.sent) <= 20 + 4
    assert all(r.status is Status.NOT_ATTEMPTED for r in results[len(ok):])
    assert control.interrupted


def test_a_row_stopped_before_sending_is_not_attempted_and_not_journaled() -> None:
    control = RunControl()
    heard: list[RowResult] = []

    def outcome(contact: Contact, n: int) -> UpsertOutcome:
        return UpsertOutcome(False, 0, None, "stopped", stopped=True)

    results = collect(ready(3), FakeApi(outcome=outcome), concurrency=2, control=control,
                      on_done=heard.append)
    assert [r.status for r in results] == [Status.NOT_ATTEMPTED] * 3
    assert heard == []


def test_a_crash_in_the_upserter_fails_its_row_only() -> None:
    def outcome(contact: Contact, n: int) -> UpsertOutcome:
        if n == 3:
            raise RuntimeError("boom at https://x/?access_token=abcdef123456")
        return UpsertOutcome(True, 1, 200)

    results = collect(ready(6), FakeApi(outcome=outcome), concurrency=1)
    assert [r.status for r in results].count(Status.FAILED) == 1
    failed = next(r for r in results if r.status is Status.FAILED)
    assert "internal error: RuntimeError" in failed.detail and "abcdef123456" not in failed.detail


def test_a_journal_that_cannot_write_stops_the_run() -> None:
    class DiskFull(Exception):
        pass

    def on_done(result: RowResult) -> None:
        if result.row == 5:
            raise DiskFull

    api = FakeApi()
    with pytest.raises(DiskFull):
        collect(ready(10_000), api, concurrency=4, on_done=on_done)
    assert len(api.sent) < 100


def test_concurrency_below_one_is_refused() -> None:
    with pytest.raises(ValueError):
        collect(ready(1), FakeApi(), concurrency=0)
