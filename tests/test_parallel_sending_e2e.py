"""A sending run normalizes on forked worker processes, as a dry run does (the real command
and sandbox): the same results file as with none, nothing sent twice, no lock held by a
worker after a kill -9, and no fork from a thread (the web page runs its imports in
threads; test_web_api.py checks the page itself).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from importer import ImportOptions
from importer.models import Contact
from importer.normalize import parallel
from importer.pipeline import plan_import, run_plan
from importer.report.ledger import Ledger
from tests.support.cli import (
    Cli,
    clean_env,
    journal_of,
    journal_rows,
    read_results,
    run_cli,
    write_csv,
)
from tests.support.sandbox import SandboxProcess

pytestmark = pytest.mark.skipif(not parallel.can_fork(), reason="no fork here: one process")

ARGS = ["--default-region", "EG", "--no-progress", "--rate", "0", "--concurrency", "4"]

#: The real command's main(), with the number of normalizing workers forced and the
#: thresholds of the parallel path made small, so that a short input uses the workers; it
#: writes whether each `WorkerPool.start` forked them to the file named first.
RUNNER = """
import json, sys
from importer import cli, pipeline
from importer.normalize import parallel
report, workers = sys.argv[1], int(sys.argv[2])
parallel.WARMUP_ROWS, parallel.CHUNK_ROWS = 300, 97
pipeline.default_workers_for = lambda options: workers
started = []
start = parallel.WorkerPool.start
def recorded(self):
    started.append(start(self))
    return started[-1]
parallel.WorkerPool.start = recorded
code = cli.main(sys.argv[3:])
with open(report, "w") as f:
    json.dump(started, f)
sys.exit(code)
"""


def chat(i: int) -> str:
    return f"2010{i:08d}@c.us"


def book(path: Path, n: int) -> Path:
    """`n` rows the ledger holds as sent (unchanged), with renamed ones to send, invalid
    numbers, rows without a name, duplicates and a row of two numbers among them."""
    rows: list[list[object]] = [["Name", "Phone"]]
    for i in range(n):
        name, phone = f"Person {i}", f"010{i:08d}"
        if i % 40 == 7:
            name = f"Renamed {i}"
        if i % 50 == 11:
            phone = "0100"
        if i % 211 == 13:
            name = ""
        if i % 97 == 5:
            phone = "01000000003"  # row 5's number again
        if i % 301 == 17:
            phone = f"010{i:08d}; 011{i:08d}"
        rows.append([name, phone])
    return write_csv(path, rows)


def fill_ledger(path: Path, sandbox: SandboxProcess, n: int) -> None:
    """The ledger an earlier run of the file (before the renames) left, a day ago."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with Ledger(path, instance_id=sandbox.instance_id, base_url=sandbox.base_url) as ledger:
        ledger.add_many((Contact(chat(i), f"Person {i}", "") for i in range(n)),
                        at=time.time() - 86400)


def run_with_workers(workers: int, args: list[object], sandbox: SandboxProcess,
                     folder: Path) -> tuple[subprocess.CompletedProcess[str], list[bool]]:
    report = folder / f"started-{workers}.json"
    done = subprocess.run([sys.executable, "-c", RUNNER, str(report), str(workers),
                           *map(str, args)], env=clean_env(sandbox.env()), capture_output=True,
                          text=True, timeout=120, stdin=subprocess.DEVNULL)
    return done, json.loads(report.read_text(encoding="utf-8"))


def ledger_entries(path: Path) -> set[tuple[str, str, str]]:
    with sqlite3.connect(path) as db:
        return set(db.execute("SELECT chat_id, first_name, last_name FROM sent"))


@pytest.mark.parametrize("extra", [[], ["--all-numbers"], ["--duplicates", "last"]])
def test_a_sending_run_with_workers_writes_what_one_without_writes(
        sandbox: SandboxProcess, tmp_path: Path, extra: list[str]) -> None:
    n = 1500
    source = book(tmp_path / "book.csv", n)
    fill_ledger(tmp_path / "ledger.sqlite", sandbox, n)
    outcome = {}
    for workers in (1, 0):
        ledger = tmp_path / f"ledger-{workers}.sqlite"
        shutil.copy(tmp_path / "ledger.sqlite", ledger)
        sandbox.reset()
        results = tmp_path / f"results-{workers}.csv"
        done, started = run_with_workers(
            workers, [source, *ARGS, "--ledger", ledger, "--results", results, *extra],
            sandbox, tmp_path)
        assert done.returncode == 1, done.stderr  # 1: the invalid rows
        state = sandbox.state()
        assert all(count == 1 for count in state["put_counts"].values())  # none sent twice
        outcome[workers] = (results.read_bytes(), state["put_counts"], ledger_entries(ledger),
                            started)
    assert outcome[1][3] and all(outcome[1][3])  # forked, before the run's locks and loop
    assert not any(outcome[0][3])
    assert outcome[1][0] == outcome[0][0]  # byte for byte, in the same order
    assert outcome[1][1] == outcome[0][1]  # the same contacts sent, once each
    assert outcome[1][2] == outcome[0][2]  # the ledger learnt the same
    statuses = {r["status"] for r in read_results(tmp_path / "results-1.csv")}
    assert statuses == {"ok", "unchanged", "invalid", "duplicate"}
    assert len(outcome[1][1]) > 30


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text(encoding="ascii")
        found += [int(child) for child in text.split()]
    return found


def open_paths(pid: int) -> list[str]:
    paths = []
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            paths.append(os.readlink(fd))
        except OSError:
            continue  # closed meanwhile
    return paths


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads /proc")
def test_a_worker_holds_no_lock_or_file_of_the_run_and_kill_9_then_resume_sends_once(
        tmp_path: Path, background: list[Cli]) -> None:
    n = parallel.WARMUP_ROWS + 2_000  # long enough for the real command to fork workers
    with SandboxProcess("--latency", "0.05") as sandbox:
        source = book(tmp_path / "book.csv", n)
        ledger = tmp_path / "ledger.sqlite"
        fill_ledger(ledger, sandbox, n)
        cli = Cli([source, *ARGS, "--ledger", ledger], sandbox.env(), tmp_path)
        background.append(cli)
        journal = journal_of(source)
        cli.wait_for_lines(journal, 12)
        workers = children(cli.process.pid)
        assert workers, "the sending run did not fork its normalizing workers"
        for worker in workers:
            # the run's locks (results, instance), journal, results and ledger: a worker
            # holding one would outlive a kill -9 of the run with it
            held = [p for p in open_paths(worker) if p.endswith((".lock", ".partial", ".jsonl"))
                    or "ledger" in p or "results" in p]
            assert not held, f"worker {worker} holds {held}"
        cli.process.send_signal(signal.SIGKILL)
        assert cli.wait() == -signal.SIGKILL
        ok_before = {str(r["chat_id"]) for r in journal_rows(journal) if r["status"] == "ok"}

        sandbox.configure(latency=0.0)
        done = run_cli([source, *ARGS, "--ledger", ledger, "--resume"], env=sandbox.env())
        assert done.returncode == 1, done.stderr
        counts = sandbox.state()["put_counts"]
        assert all(counts[c] == 1 for c in ok_before)
        results = read_results(source.with_name("book.results.csv"))
        assert [int(r["row"]) for r in results] == list(range(2, n + 2))
        assert {r["chat_id"] for r in results if r["status"] == "ok"} == set(counts)
        for worker in workers:  # they ended with the process that forked them
            assert not Path(f"/proc/{worker}").exists() or _zombie_or_gone(worker)


def _zombie_or_gone(pid: int) -> bool:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text(encoding="ascii").split(") ")[1][0]
        except (OSError, IndexError):
            return True
        if state == "Z":
            return True
        time.sleep(0.1)
    return False


def test_a_run_in_a_thread_never_forks(tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """run_import inside a notebook's loop, import_async and the web page run imports in
    threads: a plan with workers normalizes in-process there."""
    monkeypatch.setattr(parallel, "WARMUP_ROWS", 50)
    monkeypatch.setattr(parallel, "CHUNK_ROWS", 20)

    def no_pool(*args: object, **kwargs: object) -> None:
        raise AssertionError("forked from a thread")

    monkeypatch.setattr(parallel, "ProcessPoolExecutor", no_pool)
    source = write_csv(tmp_path / "in.csv", [["Name", "Phone"]]
                       + [[f"Person {i}", f"010{i:08d}"] for i in range(200)])
    options = ImportOptions(input=source, default_region="EG", rate=0, instance_id="inst",
                            base_url="https://wawp.example", access_token="secret-7",
                            skip_preflight=True, concurrency=4, ledger=None)
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json={"ok": True}))
    outcome: list[object] = []

    def run() -> None:
        try:
            plan = plan_import(options, workers=2)
            assert not plan.start_workers()
            outcome.append(run_plan(plan, transport=transport))
        except BaseException as exc:  # noqa: BLE001 - the test reads it back
            outcome.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(60)
    summary = outcome[0]
    assert not isinstance(summary, BaseException), summary
    assert summary.counts == {"ok": 200}  # type: ignore[attr-defined]
