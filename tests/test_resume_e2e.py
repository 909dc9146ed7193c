"""Never start over: kill -9, Ctrl-C once, Ctrl-C twice, then --resume; the real CLI and sandbox.

The sandbox's `put_counts` is the witness: a chat ID the journal had as ok before the kill
must have been PUT exactly once when everything is done.
"""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path

import pytest

from tests.support.cli import Cli, journal_of, journal_rows, read_results, run_cli, write_csv
from tests.support.sandbox import SandboxProcess

N = 160
INVALID = {10, 50, 90}  # indexes of rows whose phone is not a number


def chat(i: int) -> str:
    return f"20100000{i:04d}@c.us"


@pytest.fixture
def source(tmp_path: Path) -> Path:
    rows: list[list[object]] = [["Name", "Phone"]]
    for i in range(N):
        rows.append([f"Person {i}", "not a phone" if i in INVALID else f"0100 000 {i:04d}"])
    return write_csv(tmp_path / "book.csv", rows)


def results_path(source: Path) -> Path:
    return source.with_name("book.results.csv")


ARGS = ["--default-region", "EG", "--no-progress", "--rate", "0", "--concurrency", "4"]


def assert_finished(source: Path, sandbox: SandboxProcess, ok_before: set[str]) -> None:
    """Every valid row is in the address book; rows ok before were not PUT again."""
    state = sandbox.state()
    valid = {chat(i) for i in range(N) if i not in INVALID}
    assert set(state["contacts"]) == valid
    again = {c for c in ok_before if state["put_counts"][c] != 1}
    assert not again, f"rows sent ok before the stop were sent again: {sorted(again)}"
    results = read_results(results_path(source))
    for r in results:
        if r["status"] == "ok":
            assert state["contacts"][r["chat_id"]] == {"firstName": r["first_name"],
                                                      "lastName": r["last_name"]}
    assert [int(r["row"]) for r in results] == list(range(2, N + 2))
    assert all(r["status"] == ("invalid" if i in INVALID else "ok")
               for i, r in enumerate(results))
    earlier = {r["chat_id"] for r in results if r["detail"].startswith("sent in an earlier run")}
    assert earlier == ok_before
    assert not journal_of(source).exists()


def test_killed_half_way_then_resumed(sandbox: SandboxProcess, source: Path, tmp_path: Path,
                                      background: list[Cli]) -> None:
    sandbox.configure(latency=0.05)
    cli = Cli([source, *ARGS], sandbox.env(), tmp_path)
    background.append(cli)
    cli.wait_for_lines(journal_of(source), 60)
    cli.process.send_signal(signal.SIGKILL)
    assert cli.wait() == -signal.SIGKILL
    assert not results_path(source).exists()  # only the .partial: the journal is the record

    ok_before = {str(r["chat_id"]) for r in journal_rows(journal_of(source))
                 if r["status"] == "ok"}
    assert len(ok_before) >= 59
    put_before = sandbox.state()["put_counts"]

    sandbox.configure(latency=0.0)
    done = run_cli([source, *ARGS, "--resume"], env=sandbox.env())
    assert done.returncode == 1, done.stderr  # 1: the invalid rows
    assert_finished(source, sandbox, ok_before)
    # At most the rows on the wire at the kill were sent twice: they had no answer yet.
    twice = {c for c, n in sandbox.state()["put_counts"].items() if n > 1}
    assert twice <= set(put_before) - ok_before
    assert len(twice) <= 4


def test_ctrl_c_finishes_the_rows_in_flight_and_resume_sends_the_rest(
        sandbox: SandboxProcess, source: Path, tmp_path: Path, background: list[Cli]) -> None:
    sandbox.configure(latency=0.05)
    cli = Cli([source, *ARGS], sandbox.env(), tmp_path)
    background.append(cli)
    cli.wait_for_lines(journal_of(source), 40)
    cli.process.send_signal(signal.SIGINT)
    assert cli.wait() == 130, cli.output()
    output = cli.output()
    assert "Ctrl-C again" in output and "--resume" in output

    results = read_results(results_path(source))  # complete, in order
    assert [int(r["row"]) for r in results] == list(range(2, N + 2))
    statuses = {r["status"] for r in results}
    assert statuses <= {"ok", "invalid", "not_attempted"}  # in-flight rows finished: no failure
    assert "not_attempted" in statuses
    assert all("interrupted" in r["detail"] for r in results if r["status"] == "not_attempted")
    state = sandbox.state()
    ok_before = {r["chat_id"] for r in results if r["status"] == "ok"}
    assert ok_before == set(state["contacts"])  # every request that went out got its line
    journaled = {str(r["chat_id"]) for r in journal_rows(journal_of(source))}
    assert journaled == ok_before

    done = run_cli([source, *ARGS, "--resume"], env=sandbox.env())
    assert done.returncode == 1, done.stderr
    assert_finished(source, sandbox, ok_before)
    assert all(n == 1 for n in sandbox.state()["put_counts"].values())


def test_a_second_ctrl_c_quits_at_once_with_the_journal_intact(
        sandbox: SandboxProcess, source: Path, tmp_path: Path, background: list[Cli]) -> None:
    sandbox.configure(latency=0.05)
    cli = Cli([source, *ARGS], sandbox.env(), tmp_path)
    background.append(cli)
    cli.wait_for_lines(journal_of(source), 20)
    sandbox.configure(latency=5.0)  # the requests now on the wire will take a long time
    time.sleep(0.2)
    cli.process.send_signal(signal.SIGINT)
    time.sleep(0.2)
    pressed = time.monotonic()
    cli.process.send_signal(signal.SIGINT)
    assert cli.wait(timeout=10) == 130, cli.output()
    assert time.monotonic() - pressed < 2.0  # did not wait for the 5 s requests
    assert "quit" in cli.output()
    journal = journal_of(source)
    lines = journal.read_text(encoding="utf-8").splitlines()
    assert all(json.loads(line) for line in lines)  # every line whole
    ok_before = {str(r["chat_id"]) for r in journal_rows(journal) if r["status"] == "ok"}

    sandbox.configure(latency=0.0)
    done = run_cli([source, *ARGS, "--resume"], env=sandbox.env())
    assert done.returncode == 1, done.stderr
    assert_finished(source, sandbox, ok_before)


def test_resume_refuses_an_input_that_changed(sandbox: SandboxProcess, source: Path) -> None:
    sandbox.configure(unauthorized_after=21)
    first = run_cli([source, *ARGS], env=sandbox.env())
    assert first.returncode == 3, first.stderr
    sandbox.configure(unauthorized_after=None)

    again = run_cli([source, *ARGS], env=sandbox.env())
    assert again.returncode == 2
    assert "unfinished run" in again.stderr and "--resume" in again.stderr

    with source.open("a", encoding="utf-8") as f:
        f.write("Late Comer,0100 999 0001\n")
    refused = run_cli([source, *ARGS, "--resume"], env=sandbox.env())
    assert refused.returncode == 2
    assert "size changed" in refused.stderr and "--force" in refused.stderr
    puts = sandbox.state()["puts"]

    forced = run_cli([source, *ARGS, "--resume", "--force"], env=sandbox.env())
    assert forced.returncode == 1, forced.stderr
    state = sandbox.state()
    assert "201009990001@c.us" in state["contacts"]
    assert state["puts"] - puts == N + 1 - len(INVALID) - 20  # only what was not ok


def test_resume_with_nothing_to_resume_says_so(sandbox: SandboxProcess, source: Path) -> None:
    done = run_cli([source, *ARGS, "--resume"], env=sandbox.env())
    assert done.returncode == 2
    assert "nothing to resume" in done.stderr
    assert sandbox.state()["requests"] == 0
