"""--all-numbers, stopped half-way through a row, then --resume or --retry-failed: each
number is sent once. The journal and the results go by contact, not by row; the sandbox's
`put_counts` is the witness."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from tests.support.cli import Cli, journal_of, journal_rows, read_results, run_cli, write_csv
from tests.support.sandbox import SandboxProcess

ROWS = 30
PER_ROW = 5
ARGS = ["--default-region", "EG", "--no-progress", "--rate", "0", "--all-numbers"]


def chat(row: int, n: int) -> str:
    return f"2010{row:04d}{n:04d}@c.us"


@pytest.fixture
def source(tmp_path: Path) -> Path:
    rows: list[list[object]] = [["Name", "Phones"]]
    for r in range(ROWS):
        rows.append([f"Person {r}", "; ".join(f"010 {r:04d} {n:04d}" for n in range(PER_ROW))])
    return write_csv(tmp_path / "book.csv", rows)


def every_chat() -> set[str]:
    return {chat(r, n) for r in range(ROWS) for n in range(PER_ROW)}


def test_a_resume_sends_only_the_numbers_of_a_row_not_yet_sent(
        sandbox: SandboxProcess, source: Path) -> None:
    # the session check, then 12 PUTs ok: the run stops (401) in the middle of the 3rd row
    sandbox.configure(unauthorized_after=13)
    first = run_cli([source, *ARGS, "--concurrency", "1"], env=sandbox.env())
    assert first.returncode == 3, first.stderr
    sent_before = {str(r["chat_id"]) for r in journal_rows(journal_of(source))
                   if r["status"] == "ok"}
    assert {chat(2, 0), chat(2, 1)} <= sent_before and chat(2, 2) not in sent_before
    sandbox.configure(unauthorized_after=None)

    done = run_cli([source, *ARGS, "--concurrency", "1", "--resume"], env=sandbox.env())
    assert done.returncode == 0, done.stderr
    counts = sandbox.state()["put_counts"]
    assert set(counts) == every_chat()
    again = sorted(c for c in sent_before if counts[c] != 1)
    assert not again, f"numbers sent ok before the stop were sent again: {again}"
    results = read_results(source.with_name("book.results.csv"))
    assert len(results) == ROWS * PER_ROW and {r["status"] for r in results} == {"ok"}
    assert {r["chat_id"] for r in results
            if r["detail"].startswith("sent in an earlier run")} == sent_before


def test_killed_half_way_then_resumed_each_number_once(
        sandbox: SandboxProcess, source: Path, tmp_path: Path, background: list[Cli]) -> None:
    sandbox.configure(latency=0.03)
    cli = Cli([source, *ARGS, "--concurrency", "4"], sandbox.env(), tmp_path)
    background.append(cli)
    cli.wait_for_lines(journal_of(source), 48)
    cli.process.send_signal(signal.SIGKILL)
    assert cli.wait() == -signal.SIGKILL
    sent_before = {str(r["chat_id"]) for r in journal_rows(journal_of(source))
                   if r["status"] == "ok"}
    put_before = set(sandbox.state()["put_counts"])

    sandbox.configure(latency=0.0)
    done = run_cli([source, *ARGS, "--concurrency", "4", "--resume"], env=sandbox.env())
    assert done.returncode == 0, done.stderr
    counts = sandbox.state()["put_counts"]
    assert set(counts) == every_chat()
    assert all(counts[c] == 1 for c in sent_before)
    # at most the requests on the wire at the kill were sent twice: they had no answer yet
    twice = {c for c, n in counts.items() if n > 1}
    assert twice <= put_before - sent_before and len(twice) <= 4


def test_retry_failed_never_resends_a_rows_numbers_sent_ok(sandbox: SandboxProcess,
                                                           source: Path) -> None:
    # the 3rd number of every row fails: every row is retried, with 4 numbers sent ok
    sandbox.configure(bad_request_chat_ids=[chat(r, 2) for r in range(ROWS)])
    first = run_cli([source, *ARGS, "--concurrency", "2", "--max-attempts", "1"],
                    env=sandbox.env())
    assert first.returncode == 1, first.stderr
    sandbox.reset()

    done = run_cli(["--retry-failed", source.with_name("book.results.csv"), *ARGS,
                    "--concurrency", "2"], env=sandbox.env())
    assert done.returncode == 0, done.stderr
    assert set(sandbox.state()["put_counts"]) == {chat(r, 2) for r in range(ROWS)}
    results = read_results(source.with_name("book.retry1.results.csv"))
    assert len(results) == ROWS * PER_ROW and {r["status"] for r in results} == {"ok"}
    assert [(int(r["row"]), r["chat_id"]) for r in results] == [
        (r + 2, chat(r, n)) for r in range(ROWS) for n in range(PER_ROW)]

    # and once it went through, the same retry again is refused: it would send them again
    before = source.with_name("book.retry1.results.csv").read_bytes()
    again = run_cli(["--retry-failed", source.with_name("book.results.csv"), *ARGS],
                    env=sandbox.env())
    assert again.returncode == 2, again.stderr
    assert "book.results.csv was retried already" in again.stderr
    assert "--retry-failed " + str(source.with_name("book.retry1.results.csv")) in again.stderr
    assert sandbox.state()["puts"] == ROWS
    assert source.with_name("book.retry1.results.csv").read_bytes() == before
