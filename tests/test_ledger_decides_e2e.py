"""The ledger decides what is already in the address book, for every path that sends (issue
19): another results file, a retry, --all-numbers, run_import, another spelling of the base
URL. The real command against the real sandbox; the sandbox's PUT counters are the witness.
"""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from tests.support.cli import REPO, Cli, clean_env, read_results, run_cli, write_csv
from tests.support.sandbox import SandboxProcess

N = 12
ARGS = ["--default-region", "EG", "--no-progress", "--rate", "0", "--concurrency", "4"]


def book(path: Path, n: int = N) -> Path:
    return write_csv(path, [["Name", "Phone"],
                            *([f"Person {i}", f"0100 000 {i:04d}"] for i in range(n))])


def entries(ledger: Path) -> list[tuple[str, float]]:
    with sqlite3.connect(ledger) as db:
        found = db.execute("SELECT chat_id, sent_at FROM sent ORDER BY chat_id").fetchall()
    db.close()
    return found


def statuses(results: Path) -> set[str]:
    return {r["status"] for r in read_results(results)}


def test_resend_sends_every_row_and_still_records_it(sandbox: SandboxProcess,
                                                      tmp_path: Path) -> None:
    source, ledger = book(tmp_path / "book.csv"), tmp_path / "ledger.sqlite"
    assert run_cli([source, *ARGS, "--ledger", ledger], env=sandbox.env()).returncode == 0
    before = entries(ledger)
    with sqlite3.connect(ledger) as db:  # a day old, so a new entry shows
        db.execute("UPDATE sent SET sent_at = sent_at - 86400")
    db.close()
    again = run_cli([source, *ARGS, "--ledger", ledger, "--resend"], env=sandbox.env())
    assert again.returncode == 0, again.stderr
    assert sandbox.state()["puts"] == 2 * N
    assert statuses(source.with_name("book.results.csv")) == {"ok"}
    after = entries(ledger)
    assert [c for c, _ in after] == [c for c, _ in before]
    assert all(new >= old for (_, new), (_, old) in zip(after, before, strict=True))


def test_each_instance_has_its_own_entries_and_a_base_url_is_one_however_spelled(
        sandbox: SandboxProcess, tmp_path: Path) -> None:
    source, ledger = book(tmp_path / "book.csv"), tmp_path / "ledger.sqlite"
    assert run_cli([source, *ARGS, "--ledger", ledger], env=sandbox.env()).returncode == 0
    assert sandbox.state()["puts"] == N

    # HTTP://127.0.0.1:PORT/ is http://127.0.0.1:PORT: nothing sent again.
    shouted = sandbox.base_url.replace("http://", "HTTP://") + "/"
    same = run_cli([source, *ARGS, "--ledger", ledger, "--base-url", shouted,
                    "--results", tmp_path / "shouted.csv"], env=sandbox.env())
    assert same.returncode == 0, same.stderr
    assert sandbox.state()["puts"] == N
    assert statuses(tmp_path / "shouted.csv") == {"unchanged"}

    # Another instance has an address book of its own: everything goes to it.
    with SandboxProcess(instance_id="second-instance") as second:
        other = run_cli([source, *ARGS, "--ledger", ledger, "--results",
                         tmp_path / "second.csv"], env=second.env())
        assert other.returncode == 0, other.stderr
        assert second.state()["puts"] == N
        assert statuses(tmp_path / "second.csv") == {"ok"}


def test_a_retry_never_sends_again_what_the_ledger_has(sandbox: SandboxProcess,
                                                       tmp_path: Path) -> None:
    source, ledger = book(tmp_path / "book.csv"), tmp_path / "ledger.sqlite"
    results = source.with_name("book.results.csv")
    sandbox.configure(fail_each_contact=1)  # each contact's first PUT fails
    first = run_cli([source, *ARGS, "--ledger", ledger, "--max-attempts", "1"],
                    env=sandbox.env())
    assert first.returncode == 1 and statuses(results) == {"failed"}
    retry = ["--retry-failed", results, *ARGS, "--ledger", ledger]
    assert run_cli(retry, env=sandbox.env()).returncode == 0
    assert sandbox.state()["puts"] == 2 * N
    # The printed retry command, run again after it succeeded: nothing is sent.
    again = run_cli([*retry, "--results", tmp_path / "again.csv"], env=sandbox.env())
    assert again.returncode == 0, again.stderr
    assert sandbox.state()["puts"] == 2 * N
    assert statuses(tmp_path / "again.csv") == {"unchanged"}


def test_all_numbers_run_twice_sends_nothing_the_second_time(sandbox: SandboxProcess,
                                                             tmp_path: Path) -> None:
    source = write_csv(tmp_path / "book.csv", [
        ["Name", "Phones"],
        *([f"Person {i}", f"0100 000 {i:04d} / 0111 000 {i:04d}"] for i in range(N))])
    args = [source, *ARGS, "--all-numbers", "--ledger", tmp_path / "ledger.sqlite"]
    assert run_cli(args, env=sandbox.env()).returncode == 0
    assert sandbox.state()["puts"] == 2 * N
    again = run_cli([*args, "--results", tmp_path / "again.csv"], env=sandbox.env())
    assert again.returncode == 0, again.stderr
    assert sandbox.state()["puts"] == 2 * N
    rows = read_results(tmp_path / "again.csv")
    assert len(rows) == 2 * N and {r["status"] for r in rows} == {"unchanged"}


def test_run_import_twice_sends_once_with_the_users_ledger(sandbox: SandboxProcess,
                                                           tmp_path: Path,
                                                           own_home: Path) -> None:
    from importer import run_import

    source = book(tmp_path / "book.csv")
    connection = {"base_url": sandbox.base_url, "instance_id": sandbox.instance_id,
                  "access_token": sandbox.token, "default_region": "EG", "rate": 0}
    assert run_import(source, **connection).counts == {"ok": N}
    assert run_import(source, results=tmp_path / "again.csv",
                      **connection).counts == {"unchanged": N}
    assert sandbox.state()["puts"] == N
    assert (own_home / ".local" / "share" / "wawp-importer" / "ledger.sqlite").exists()
    # ledger=None keeps none: everything is sent.
    assert run_import(source, results=tmp_path / "third.csv", ledger=None,
                      **connection).counts == {"ok": N}
    assert sandbox.state()["puts"] == 2 * N


def test_make_demo_writes_nothing_into_the_users_ledger(own_home: Path) -> None:
    done = subprocess.run([sys.executable, str(REPO / "scripts" / "demo.py")], check=False,
                          env=clean_env(), capture_output=True, text=True, timeout=120,
                          stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "The sandbox's address book now holds" in done.stdout
    assert not (own_home / ".local" / "share" / "wawp-importer").exists()
    assert not list(own_home.rglob("*.sqlite"))


def test_a_run_waiting_out_a_429_blocks_no_run_on_another_instance(
        sandbox: SandboxProcess, tmp_path: Path, background: list[Cli]) -> None:
    """One ledger file, two instances: while the first run waits out a long Retry-After,
    what it sent is already on record, and a run on another instance goes through."""
    ledger = tmp_path / "ledger.sqlite"
    first_book = book(tmp_path / "first.csv", n=40)
    sandbox.configure(latency=0.02)
    waiting = Cli([first_book, *ARGS, "--concurrency", "1", "--ledger", ledger],
                  sandbox.env(), tmp_path, name="waiting")
    background.append(waiting)
    deadline = time.monotonic() + 60
    while sandbox.state()["puts"] < 5:
        assert waiting.process.poll() is None, waiting.output()
        assert time.monotonic() < deadline, "the first run sent nothing"
        time.sleep(0.02)
    sandbox.configure(first_429=1000, retry_after=120)  # from now on: wait two minutes
    # Every contact it had sent ok is written to the ledger before it waits.
    while True:
        state = sandbox.state()
        ok = sum(1 for c in state["contacts"])
        if state["status_counts"].get("429") and ledger.exists() and len(entries(ledger)) == ok:
            break
        assert waiting.process.poll() is None, waiting.output()
        assert time.monotonic() < deadline, (ok, ledger.exists() and entries(ledger))
        time.sleep(0.05)

    with SandboxProcess(instance_id="another-instance") as other:
        second = run_cli([book(tmp_path / "second.csv"), *ARGS, "--ledger", ledger],
                         env=other.env())
        assert second.returncode == 0, second.stderr
        assert other.state()["puts"] == N
    assert waiting.process.poll() is None  # still waiting out its Retry-After

    waiting.process.send_signal(signal.SIGINT)  # stops the wait; the results are written
    assert waiting.wait() == 130, waiting.output()
    sent = {r["chat_id"] for r in read_results(tmp_path / "first.results.csv")
            if r["status"] == "ok"}
    assert sent and sent <= {c for c, _ in entries(ledger)}
