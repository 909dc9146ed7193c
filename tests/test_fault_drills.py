"""Fault drills: the server restarts mid-run, the disk fills up. The real CLI and sandbox."""

from __future__ import annotations

import json
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.cli import Cli, read_results, run_cli, write_csv
from tests.support.sandbox import SandboxProcess

N = 120
ARGS = ["--default-region", "EG", "--no-progress", "--rate", "0", "--concurrency", "4"]


def book(folder: Path, notes: str = "") -> Path:
    rows: list[list[object]] = [["Name", "Phone", "Notes"]]
    rows += [[f"Person {i}", f"0100 000 {i:04d}", notes] for i in range(N)]
    return write_csv(folder / "book.csv", rows)


def test_a_server_restart_mid_run_ends_with_every_row_ok(tmp_path: Path) -> None:
    source = book(tmp_path)
    journal = tmp_path / "book.results.csv.journal.jsonl"
    dump = tmp_path / "before-restart.json"
    server = SandboxProcess("--latency", "0.05", dump=dump).start()
    try:
        cli = Cli([source, *ARGS], server.env(), tmp_path)
        cli.wait_for_lines(journal, 20)
        server.stop()            # connections refused from now on…
        time.sleep(2.0)
        server.dump = None
        server.start()           # …and back on the same port after two seconds
        code = cli.process.wait(timeout=120)
        cli.err.seek(0)
        assert code == 0, cli.err.read()
        after = server.state()["contacts"]
    finally:
        server.stop()
    results = read_results(tmp_path / "book.results.csv")
    assert [r["status"] for r in results] == ["ok"] * N
    before = json.loads(dump.read_text(encoding="utf-8"))["contacts"]
    assert set(before) | set(after) == {f"20100000{i:04d}@c.us" for i in range(N)}
    assert any(int(r["attempts"]) > 1 for r in results)  # some rows did ride out the outage


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 192 KiB tmpfs (root only); skipped where mounting is not allowed."""
    mount = tmp_path / f"disk-{uuid.uuid4().hex[:6]}"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=192k", "tmpfs", str(mount)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_full_disk_stops_with_a_clear_error_and_the_journal_resumes(
        sandbox: SandboxProcess, tmp_path: Path, small_disk: Path) -> None:
    source = book(tmp_path, notes="x" * 3000)  # each result line echoes 3 KB of input
    results = small_disk / "book.results.csv"
    done = run_cli([source, *ARGS, "--results", results], env=sandbox.env())
    assert done.returncode == 4, done.stderr
    assert "cannot write" in done.stderr and "Traceback" not in done.stderr
    journal = small_disk / "book.results.csv.journal.jsonl"
    assert journal.exists()
    sent_before = dict(sandbox.state()["put_counts"])
    assert sent_before, "the run should have sent rows before the disk filled"

    subprocess.run(["mount", "-o", "remount,size=8m", str(small_disk)], check=True)
    done = run_cli([source, *ARGS, "--results", results, "--resume"], env=sandbox.env())
    assert done.returncode == 0, done.stderr
    final = read_results(results)
    assert [r["status"] for r in final] == ["ok"] * N
    state = sandbox.state()
    assert len(state["contacts"]) == N
    earlier = [r for r in final if r["detail"].startswith("sent in an earlier run")]
    assert earlier, "rows the journal had as ok must not be sent again"
    for row in earlier:
        assert state["put_counts"][row["chat_id"]] == 1
