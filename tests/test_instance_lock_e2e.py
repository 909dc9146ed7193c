"""One sending run per instance: two real commands on one instance with different results
files; the sandbox counts what arrived (PUTs per chat ID, most PUTs answered at once)."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest

from tests.support.cli import Cli, read_results, run_cli, write_csv
from tests.support.sandbox import SandboxProcess

N = 40
CONCURRENCY = 2
#: Latency while the second run starts: the first one must still be sending by then, however
#: slowly a loaded machine starts the second process; set back to 0 once it is checked.
SLOW = 0.5
ARGS = ["--default-region", "EG", "--no-progress", "--rate", "0",
        "--concurrency", str(CONCURRENCY)]


def chat(i: int) -> str:
    return f"20100000{i:04d}@c.us"


@pytest.fixture
def book(tmp_path: Path) -> Path:
    rows: list[list[object]] = [["Name", "Phone"]]
    rows += [[f"Person {i}", f"0100 000 {i:04d}"] for i in range(N)]
    return write_csv(tmp_path / "book.csv", rows)


def wait_for_output(cli: Cli, text: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while text not in cli.output():
        assert cli.process.poll() is None, cli.output()
        assert time.monotonic() < deadline, cli.output()
        time.sleep(0.02)


def test_a_second_run_on_the_instance_waits_then_sends_after_the_first(
        sandbox: SandboxProcess, book: Path, tmp_path: Path, background: list[Cli]) -> None:
    sandbox.configure(latency=SLOW)
    first = Cli([book, *ARGS, "--results", tmp_path / "one.csv"], sandbox.env(), tmp_path,
                "first")
    background.append(first)
    first.wait_for_lines(tmp_path / "one.csv.journal.jsonl", 3)
    # other results, same file and instance: the same contacts; --ledger of its own so that
    # nothing but the lock keeps it from sending them all again
    second = Cli([book, *ARGS, "--results", tmp_path / "two.csv",
                  "--ledger", tmp_path / "other-ledger.sqlite"], sandbox.env(), tmp_path,
                 "second")
    background.append(second)
    wait_for_output(second, "waiting for the other wawp-import sending to instance")
    assert f"(pid {first.process.pid}, started " in second.output()
    assert "--no-wait to stop instead" in second.output()
    assert not (tmp_path / "two.csv.journal.jsonl").exists()  # nothing sent while waiting
    sandbox.configure(latency=0.01)

    assert first.wait() == 0, first.output()
    assert second.wait() == 0, second.output()
    state = sandbox.state()
    assert state["max_puts_in_flight"] <= CONCURRENCY  # never both runs at once
    assert set(state["put_counts"]) == {chat(i) for i in range(N)}
    assert [r["status"] for r in read_results(tmp_path / "one.csv")] == ["ok"] * N
    assert len(read_results(tmp_path / "two.csv")) == N


def test_no_wait_exits_2_at_once_having_sent_and_written_nothing(
        sandbox: SandboxProcess, book: Path, tmp_path: Path, background: list[Cli]) -> None:
    sandbox.configure(latency=SLOW)
    first = Cli([book, *ARGS, "--results", tmp_path / "one.csv"], sandbox.env(), tmp_path)
    background.append(first)
    first.wait_for_lines(tmp_path / "one.csv.journal.jsonl", 3)

    second = run_cli([book, *ARGS, "--results", tmp_path / "two.csv", "--no-wait"],
                     env=sandbox.env())
    assert second.returncode == 2, second.stderr
    assert (f"another wawp-import is sending to instance {sandbox.instance_id} "
            f"(pid {first.process.pid}, started ") in second.stderr
    assert "Traceback" not in second.stderr
    assert not any(p.name.startswith("two.csv") for p in tmp_path.iterdir())
    sandbox.configure(latency=0)
    assert first.wait() == 0, first.output()
    assert sandbox.state()["puts"] == N  # the first run's rows, once each


def test_ctrl_c_while_waiting_exits_130_having_sent_nothing(
        sandbox: SandboxProcess, book: Path, tmp_path: Path, background: list[Cli]) -> None:
    sandbox.configure(latency=SLOW)
    first = Cli([book, *ARGS, "--results", tmp_path / "one.csv"], sandbox.env(), tmp_path,
                "first")
    background.append(first)
    first.wait_for_lines(tmp_path / "one.csv.journal.jsonl", 3)
    second = Cli([book, *ARGS, "--results", tmp_path / "two.csv"], sandbox.env(), tmp_path,
                 "second")
    background.append(second)
    wait_for_output(second, "waiting for the other wawp-import")
    second.process.send_signal(signal.SIGINT)
    assert second.wait() == 130, second.output()
    assert "nothing was sent" in second.output()
    assert not any(p.name.startswith("two.csv") for p in tmp_path.iterdir())
    sandbox.configure(latency=0)
    assert first.wait() == 0, first.output()
    assert set(sandbox.state()["put_counts"].values()) == {1}


def test_runs_on_different_instances_do_not_wait_for_each_other(
        sandbox: SandboxProcess, book: Path, tmp_path: Path, background: list[Cli]) -> None:
    with SandboxProcess() as other:
        sandbox.configure(latency=SLOW)
        first = Cli([book, *ARGS, "--results", tmp_path / "one.csv"], sandbox.env(), tmp_path)
        background.append(first)
        first.wait_for_lines(tmp_path / "one.csv.journal.jsonl", 3)
        # --no-wait: had it met the first run's lock, it would have stopped with exit 2.
        # A ledger of its own: a shared one makes it wait for the first run's writes (the
        # ledger's own issue), which is not what this test is about.
        second = run_cli([book, *ARGS, "--results", tmp_path / "two.csv", "--no-wait",
                          "--ledger", tmp_path / "other-ledger.sqlite"], env=other.env())
        assert second.returncode == 0, second.stderr
        assert len(other.state()["contacts"]) == N
    assert first.process.poll() is None  # the first was sending all along
    assert "waiting" not in second.stderr
    sandbox.configure(latency=0)
    assert first.wait() == 0, first.output()
