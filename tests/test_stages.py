"""The run's stages on their own: a few items in, what each stage makes of them; no files
to read, no sandbox."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

from importer.models import Contact, Prepared, RowResult, Status, Summary
from importer.problems import Code, problem
from importer.report.journal import SENT_EARLIER
from importer.send.canary import Canary
from importer.send.client import UpsertOutcome
from importer.send.control import RunControl
from importer.send.runner import Answer
from importer.stages.filter import LedgerUnchanged, SentEarlier, through
from importer.stages.normalize import Fresh, warmed
from importer.stages.send import ApiSend, DrySend
from importer.stages.sink import AnswerLog, ResultFiles, Sink


def ready(row: int) -> Prepared:
    return Prepared(row, (f"P{row}", f"0100{row:07d}"), Status.READY,
                    Contact(f"20100{row:07d}@c.us", f"P{row}", ""))


def invalid(row: int) -> Prepared:
    return Prepared(row, (f"P{row}", "x"), Status.INVALID, None, "not a phone number")


class FakeApi:
    """An Upserter that takes every contact; `redact` as a client's."""

    def __init__(self) -> None:
        self.sent: list[str] = []

    @staticmethod
    def redact(text: str) -> str:
        return text

    async def upsert(self, contact: Contact) -> UpsertOutcome:
        self.sent.append(contact.chat_id)
        await asyncio.sleep(0)
        return UpsertOutcome(True, 1, 200)


class FakeLedger:
    def __init__(self, unchanged: set[str] = frozenset()) -> None:  # type: ignore[assignment]
        self.unchanged = unchanged
        self.recorded: list[RowResult] = []

    def skip_unchanged(self, items, *, max_age=None):
        for item in items:
            if item.contact is not None and item.contact.chat_id in self.unchanged:
                yield Prepared(item.row, item.values, Status.UNCHANGED, item.contact)
            else:
                yield item

    def record(self, result: RowResult) -> None:
        self.recorded.append(result)


class Options:
    resend = False
    max_age = None


def answers(send, items) -> list[Answer]:
    async def go() -> list[Answer]:
        return [a async for a in send(items)]

    return asyncio.run(go())


# -- normalize ---------------------------------------------------------------------------------

def test_fresh_normalize_gives_the_source_a_second_pass_for_duplicates_last() -> None:
    seen = {}

    class Normalizer:
        def prepare_all(self, rows, *, reopen=None):
            seen["rows"], seen["reopen"] = list(rows), reopen
            return iter([ready(2)])

    class Source:
        def rows(self):
            return iter(["first pass"])

        def again(self):
            return iter(["second pass"])

    assert list(Fresh(Normalizer())(Source())) == [ready(2)]  # type: ignore[arg-type]
    assert seen["rows"] == ["first pass"]
    assert list(seen["reopen"]()) == ["second pass"]


def test_the_work_before_the_first_item_is_done_off_the_loop() -> None:
    import threading

    threads: list[int] = []

    def items():
        for row in (2, 3, 4):
            threads.append(threading.get_ident())
            yield ready(row)

    async def go() -> list[Prepared]:
        return list(await warmed(items()))

    assert [i.row for i in asyncio.run(go())] == [2, 3, 4]
    here = threading.get_ident()
    assert threads[0] != here and threads[1:] == [here, here]
    assert asyncio.run(_empty()) == []


async def _empty() -> list[Prepared]:
    return list(await warmed(iter(())))


# -- filter ------------------------------------------------------------------------------------

def test_the_ledger_makes_unchanged_before_the_canary_counts() -> None:
    ledger = FakeLedger({ready(2).contact.chat_id})  # type: ignore[union-attr]
    canary = Canary(1)
    items = list(through([ready(2), invalid(3), ready(4), ready(5)],
                         [LedgerUnchanged(ledger, Options()), canary]))  # type: ignore[arg-type]
    assert [i.status for i in items] == [Status.UNCHANGED, Status.INVALID, Status.READY,
                                         Status.NOT_ATTEMPTED]
    assert canary.held == 1


def test_without_a_ledger_or_with_resend_nothing_is_unchanged() -> None:
    items = [ready(2)]
    assert list(LedgerUnchanged(None, Options())(items)) == items  # type: ignore[arg-type]
    resend = Options()
    resend.resend = True
    ledger = FakeLedger({ready(2).contact.chat_id})  # type: ignore[union-attr]
    assert list(LedgerUnchanged(ledger, resend)(items)) == items  # type: ignore[arg-type]


def test_sent_earlier_is_the_journal_s_skip() -> None:
    class Journal:
        def skip_sent(self, items):
            return (Prepared(i.row, i.values, Status.OK, i.contact, SENT_EARLIER) for i in items)

    items = list(SentEarlier(Journal())([ready(2)]))  # type: ignore[arg-type]
    assert [(i.status, i.detail) for i in items] == [(Status.OK, SENT_EARLIER)]


# -- send --------------------------------------------------------------------------------------

def test_a_dry_send_answers_every_row_and_sends_none() -> None:
    got = answers(DrySend(), [ready(2), invalid(3)])
    assert [(a.result.row, a.result.status, a.sent) for a in got] == [
        (2, Status.READY, False), (3, Status.INVALID, False)]


def test_a_long_dry_send_lets_other_tasks_of_the_loop_run() -> None:
    async def go() -> list[int]:
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0)

        task = asyncio.create_task(ticker())
        await asyncio.sleep(0)
        seen = [ticks async for _ in DrySend()(ready(r) for r in range(2, 3000))]
        task.cancel()
        return seen

    seen = asyncio.run(go())
    assert seen[-1] > seen[0]  # the ticker ran while the rows went by


def test_the_api_send_says_which_rows_it_sent() -> None:
    api = FakeApi()
    control = RunControl()
    send = ApiSend(api, AnswerLog(None, None), concurrency=2,  # type: ignore[arg-type]
                   control=control)
    got = answers(send, [ready(2), invalid(3), ready(4)])
    assert [(a.result.row, a.result.status, a.sent) for a in got] == [
        (2, Status.OK, True), (3, Status.INVALID, False), (4, Status.OK, True)]
    assert len(api.sent) == 2


def test_rows_stopped_before_they_went_are_not_counted_as_sent() -> None:
    control = RunControl()
    control.interrupt()
    send = ApiSend(FakeApi(), AnswerLog(None, None), concurrency=1,  # type: ignore[arg-type]
                   control=control)
    got = answers(send, [ready(2)])
    assert [(a.result.status, a.sent) for a in got] == [(Status.NOT_ATTEMPTED, False)]


def test_the_answer_log_hands_each_answer_to_the_ledger_without_a_journal() -> None:
    ledger = FakeLedger()
    send = ApiSend(FakeApi(), AnswerLog(None, ledger), concurrency=1,  # type: ignore[arg-type]
                   control=RunControl())
    answers(send, [ready(2), invalid(3)])
    assert [r.row for r in ledger.recorded] == [2]


# -- sink --------------------------------------------------------------------------------------

def test_the_sink_writes_counts_and_tells_the_hooks(tmp_path: Path) -> None:
    heard: list[tuple[str, int]] = []
    summary = Summary(results_path=str(tmp_path / "r.csv"))
    with contextlib.ExitStack() as stack:
        files = ResultFiles(tmp_path / "r.csv", ["Name", "Phone"], stack,
                            copy=tmp_path / "copy.csv")
        sink = Sink(summary, files, on_result=lambda r: heard.append(("result", r.row)),
                    on_sent=lambda r: heard.append(("sent", r.row)))
        files.open()
        files.open()  # once only
        sink(Answer(RowResult.from_prepared(ready(2), Status.OK, attempts=1), True))
        sink(Answer(RowResult.from_prepared(invalid(3)), False))
    sink.finish()
    assert heard == [("sent", 2), ("result", 2), ("result", 3)]
    assert summary.counts == {"ok": 1, "invalid": 1}
    assert summary.sent == 1 and summary.rows == 2
    for name in ("r.csv", "copy.csv"):
        lines = (tmp_path / name).read_text(encoding="utf-8").splitlines()
        assert len(lines) == 3, name


def test_the_sink_records_a_resumed_row_in_the_ledger(tmp_path: Path) -> None:
    ledger = FakeLedger()
    with contextlib.ExitStack() as stack:
        files = ResultFiles(tmp_path / "r.csv", ["Name", "Phone"], stack)
        files.open()
        sink = Sink(Summary(), files, ledger=ledger)  # type: ignore[arg-type]
        resumed = Prepared(2, ready(2).values, Status.OK, ready(2).contact, SENT_EARLIER,
                           problem=problem(Code.SENT_EARLIER))
        sink(Answer(RowResult.from_prepared(resumed), False))
        sink(Answer(RowResult.from_prepared(invalid(3)), False))
    assert [r.row for r in ledger.recorded] == [2]
