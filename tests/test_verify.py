"""`--verify`: numbers are checked on WhatsApp first, at WAWP's pace, with answers cached."""

from __future__ import annotations

import asyncio
import json
import os
import stat
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from importer.models import Contact, Prepared, Status
from importer.send.client import ExistsOutcome
from importer.send.pacing import Pacer
from importer.send.runner import RunControl
from importer.send.verify import CheckCache, Verifier, VerifyProgress
from tests.support.cli import read_results, run_cli, write_csv
from tests.support.sandbox import SandboxProcess

DAY = 24 * 3600.0

# -- the cache ---------------------------------------------------------------------------------


class Clock:
    """A clock that moves only when slept on, recording the waits."""

    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now
        self.waits: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.waits.append(round(seconds, 3))
        self.now += seconds


def test_answers_survive_a_restart_and_the_file_is_private(tmp_path: Path) -> None:
    path = tmp_path / "cache" / "inst" / "check-exists.json"
    cache = CheckCache(path)
    cache.put("5511987654321", "551187654321@c.us")
    cache.put("201009999999", None)
    cache.save()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    again = CheckCache(path)
    assert again.lookup("5511987654321").chat_id == "551187654321@c.us"
    assert again.lookup("201009999999").chat_id is None
    assert again.lookup("201001234567") is None
    assert "access_token" not in path.read_text(encoding="utf-8")


def test_a_no_is_asked_again_sooner_than_a_yes(tmp_path: Path) -> None:
    clock = Clock()
    cache = CheckCache(tmp_path / "c.json", clock=clock)
    cache.put("201001234567", "201001234567@c.us")
    cache.put("201009999999", None)
    clock.now += 2 * DAY
    assert "201001234567" in cache and "201009999999" not in cache
    clock.now += 30 * DAY
    assert "201001234567" not in cache


@pytest.mark.parametrize("content", ["", "not json", "[]", '{"version": 99, "answers": {}}',
                                     '{"version": 1, "answers": {"1": 5}}'])
def test_a_damaged_cache_is_an_empty_cache(tmp_path: Path, content: str) -> None:
    path = tmp_path / "c.json"
    path.write_text(content, encoding="utf-8")
    assert len(CheckCache(path)) == 0


# -- the verifier ------------------------------------------------------------------------------


class FakeChecker:
    """Answers like the sandbox: Brazil's ninth digit and Mexico's 521 are equivalent."""

    def __init__(self, registered: set[str], failing: set[str] = frozenset()) -> None:
        self.registered = registered
        self.failing = failing
        self.asked: list[str] = []

    async def check_exists(self, phone: str, *, pacer: Pacer | None = None) -> ExistsOutcome:
        if pacer is not None:
            await pacer.acquire()
        self.asked.append(phone)
        if phone in self.failing:
            return ExistsOutcome(None, None, 5, 503, "gave up after 5 attempts: HTTP 503")
        forms = [phone]
        if phone.startswith("55") and len(phone) == 13:
            forms.append(phone[:4] + phone[5:])
        if phone.startswith("55") and len(phone) == 12:
            forms.append(phone[:4] + "9" + phone[4:])
        for form in forms:
            if form in self.registered:
                return ExistsOutcome(True, f"{form}@c.us", 1, 200)
        return ExistsOutcome(False, None, 1, 200)


def _ready(row: int, digits: str, detail: str = "") -> Prepared:
    return Prepared(row, (), Status.READY, Contact(f"{digits}@c.us", f"P{row}", ""), detail)


def _verify(verifier: Verifier, items: list[Prepared]) -> list[Prepared]:
    numbers = verifier.numbers_to_check(items)
    asyncio.run(verifier.check_all(numbers))
    return list(verifier.apply(items))


def test_the_chat_id_whatsapp_returns_is_the_one_written() -> None:
    checker = FakeChecker({"551187654321", "201001234567"})
    items = [_ready(2, "5511987654321", "mobile"), _ready(3, "201001234567"),
             _ready(4, "201009999999"),
             Prepared(5, (), Status.INVALID, None, "phone: no phone number")]
    out = _verify(Verifier(checker, CheckCache(None), rate=0), items)
    assert [(i.row, i.status, i.contact.chat_id if i.contact else None, i.detail) for i in out] == [
        (2, Status.READY, "551187654321@c.us",
         "WhatsApp knows this number as 551187654321; mobile"),
        (3, Status.READY, "201001234567@c.us", ""),
        (4, Status.NOT_ON_WHATSAPP, "201009999999@c.us", "not on WhatsApp (check-exists)"),
        (5, Status.INVALID, None, "phone: no phone number"),
    ]


def test_two_forms_of_one_account_are_sent_once() -> None:
    checker = FakeChecker({"5511934567890"})
    items = [_ready(2, "551134567890"), _ready(3, "5511934567890")]
    out = _verify(Verifier(checker, CheckCache(None), rate=0), items)
    assert [(i.status, i.contact.chat_id, i.detail) for i in out] == [
        (Status.READY, "5511934567890@c.us", "WhatsApp knows this number as 5511934567890"),
        (Status.DUPLICATE, "5511934567890@c.us", "same WhatsApp account as row 2"),
    ]


def test_each_number_is_asked_once_and_cached_numbers_not_at_all() -> None:
    cache = CheckCache(None)
    cache.put("201001234567", "201001234567@c.us")
    checker = FakeChecker({"201001234568"})
    verifier = Verifier(checker, cache, rate=0)
    items = [_ready(2, "201001234567"), _ready(3, "201001234568"), _ready(4, "201001234568")]
    _verify(verifier, items)
    assert checker.asked == ["201001234568"]
    assert (verifier.checked, verifier.cached) == (1, 1)


def test_a_number_without_an_answer_fails_its_row() -> None:
    checker = FakeChecker(set(), failing={"201001234567"})
    out = _verify(Verifier(checker, CheckCache(None), rate=0), [_ready(2, "201001234567")])
    assert out[0].status is Status.FAILED
    assert out[0].detail == ("could not check whether the number is on WhatsApp: gave up after 5 "
                             "attempts: HTTP 503")


def test_checks_are_paced_at_the_given_rate_and_reported() -> None:
    clock = Clock()
    checker = FakeChecker({"201001234567"})
    seen: list[VerifyProgress] = []
    verifier = Verifier(checker, CheckCache(None), rate=0.5, sleep=clock.sleep, clock=clock)
    numbers = verifier.numbers_to_check([_ready(n, f"2010012345{n:02d}") for n in (2, 3, 4)])
    asyncio.run(verifier.check_all(numbers, seen.append))
    assert clock.waits == [2.0, 2.0]
    assert [(p.done, p.to_check) for p in seen] == [(0, 3), (1, 3), (2, 3), (3, 3)]
    assert seen[0].seconds_left == 6.0


def test_a_stopped_run_asks_no_more_and_leaves_rows_to_be_not_attempted() -> None:
    control = RunControl()
    control.interrupt()
    checker = FakeChecker({"201001234567"})
    out = _verify(Verifier(checker, CheckCache(None), rate=0, control=control),
                  [_ready(2, "201001234567")])
    assert checker.asked == []
    assert out[0].status is Status.READY  # the sender marks it not_attempted


# -- the command against the sandbox -----------------------------------------------------------

BRAZIL_13 = "+55 11 98765-4321"  # the sandbox knows it as 551187654321 (before the ninth digit)
UNREGISTERED = "+20 100 999 9999"


@pytest.fixture(scope="module")
def fast_sandbox() -> Iterator[SandboxProcess]:
    """A sandbox that does not enforce one check per second, so tests run fast."""
    with SandboxProcess("--check-exists-interval", "0") as server:
        yield server


@pytest.fixture
def sandbox_fast(fast_sandbox: SandboxProcess) -> SandboxProcess:
    fast_sandbox.reset()
    return fast_sandbox


@pytest.fixture
def verify_csv(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "contacts.csv", [
        ["Name", "Phone"],
        ["João Silva", BRAZIL_13],
        ["Ahmed Hassan", "+20 100 123 4567"],
        ["Nobody Here", UNREGISTERED],
        ["Ana Mexico", "+52 55 1234 5678"],
    ])


def _env(server: SandboxProcess, tmp_path: Path) -> dict[str, str]:
    return server.env() | {"XDG_CACHE_HOME": str(tmp_path / "cache")}


def test_verify_writes_the_chat_id_whatsapp_knows_and_skips_unregistered_numbers(
        sandbox_fast: SandboxProcess, tmp_path: Path, verify_csv: Path) -> None:
    done = run_cli([verify_csv, "--verify", "--rate", "0", "--verify-rate", "0"],
                   env=_env(sandbox_fast, tmp_path))
    assert done.returncode == 1, done.stderr  # a number is not on WhatsApp
    results = read_results(tmp_path / "contacts.results.csv")
    assert [(r["status"], r["chat_id"]) for r in results] == [
        ("ok", "551187654321@c.us"), ("ok", "201001234567@c.us"),
        ("not_on_whatsapp", "201009999999@c.us"), ("ok", "5215512345678@c.us")]
    assert results[0]["detail"] == "WhatsApp knows this number as 551187654321"
    state = sandbox_fast.state()
    assert set(state["contacts"]) == {"551187654321@c.us", "201001234567@c.us",
                                      "5215512345678@c.us"}
    assert "201009999999@c.us" not in state["put_counts"]
    assert "5511987654321@c.us" not in state["put_counts"]
    assert state["check_exists_calls"] == 4
    assert "Checking 4 numbers on WhatsApp without a rate limit" in done.stderr
    assert "not_on_whatsapp: 1 — not on WhatsApp (check-exists) (row 4)" in done.stdout
    assert sandbox_fast.token not in done.stdout + done.stderr


def test_a_rerun_asks_nothing_the_cache_knows(sandbox_fast: SandboxProcess, tmp_path: Path,
                                              verify_csv: Path) -> None:
    args = [verify_csv, "--verify", "--rate", "0", "--verify-rate", "0"]
    run_cli(args, env=_env(sandbox_fast, tmp_path))
    sandbox_fast.reset()
    # --resend: the address book was emptied behind the ledger's back (the reset); this
    # test is about the check cache, whatever the ledger says
    done = run_cli([*args, "--resend"], env=_env(sandbox_fast, tmp_path))
    assert done.returncode == 1, done.stderr
    assert sandbox_fast.state()["check_exists_calls"] == 0
    assert "all 4 answers are cached" in done.stderr
    caches = list((tmp_path / "cache" / "wawp-importer").glob("*/check-exists.json"))
    assert [c.parent.name for c in caches] == [sandbox_fast.instance_id]
    assert sandbox_fast.token not in caches[0].read_text(encoding="utf-8")
    assert len(sandbox_fast.state()["contacts"]) == 3


def test_two_forms_of_one_account_in_a_file_are_sent_once(tmp_path: Path) -> None:
    registered = tmp_path / "registered.txt"
    registered.write_text("5511934567890\n", encoding="utf-8")
    source = write_csv(tmp_path / "c.csv", [["Name", "Phone"],
                                            ["Landline Form", "+55 11 3456-7890"],
                                            ["Mobile Form", "+55 11 93456-7890"]])
    with SandboxProcess("--check-exists-interval", "0", "--registered", str(registered)) as server:
        done = run_cli([source, "--verify", "--rate", "0", "--verify-rate", "0"],
                       env=_env(server, tmp_path))
        assert done.returncode == 0, done.stderr
        results = read_results(tmp_path / "c.results.csv")
        assert [(r["status"], r["chat_id"]) for r in results] == [
            ("ok", "5511934567890@c.us"), ("duplicate", "5511934567890@c.us")]
        assert results[1]["detail"] == "same WhatsApp account as row 2"
        assert server.state()["put_counts"] == {"5511934567890@c.us": 1}


def test_dry_run_with_verify_checks_but_writes_nothing(sandbox_fast: SandboxProcess,
                                                       tmp_path: Path, verify_csv: Path) -> None:
    done = run_cli([verify_csv, "--verify", "--dry-run", "--verify-rate", "0"],
                   env=_env(sandbox_fast, tmp_path))
    assert done.returncode == 1, done.stderr
    results = read_results(tmp_path / "contacts.dry-run.csv")
    assert [r["status"] for r in results] == ["ready", "ready", "not_on_whatsapp", "ready"]
    assert sandbox_fast.state()["puts"] == 0
    assert "551187654321@c.us" in done.stdout  # the preview shows the chat ID to be written


def test_verify_paces_itself_to_one_check_a_second(sandbox: SandboxProcess,
                                                   tmp_path: Path) -> None:
    """The session sandbox enforces WAWP's limit: a 429 would show in its counters."""
    source = write_csv(tmp_path / "three.csv", [
        ["Name", "Phone"], ["A", "+20 100 123 4567"], ["B", "+44 7911 123456"],
        ["C", "+1 415 555 2671"]])
    started = time.monotonic()
    done = run_cli([source, "--verify", "--rate", "0"], env=_env(sandbox, tmp_path))
    elapsed = time.monotonic() - started
    assert done.returncode == 0, done.stderr
    state = sandbox.state()
    assert state["check_exists_calls"] == 3
    assert "429" not in state["status_counts"]
    assert elapsed >= 2.0
    assert "Checking 3 numbers on WhatsApp at 1 per second: about 3.0 s." in done.stderr
    assert len(state["contacts"]) == 3


def test_verify_cache_location_can_be_given(sandbox_fast: SandboxProcess, tmp_path: Path,
                                            verify_csv: Path) -> None:
    cache = tmp_path / "answers.json"
    run_cli([verify_csv, "--verify", "--rate", "0", "--verify-rate", "0", "--verify-cache",
             cache], env=_env(sandbox_fast, tmp_path))
    answers = json.loads(cache.read_text(encoding="utf-8"))["answers"]
    assert answers["5511987654321"]["chat_id"] == "551187654321@c.us"
    assert answers["201009999999"]["chat_id"] is None
