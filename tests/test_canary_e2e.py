"""`--limit N`, a canary: the real command against the sandbox sends the first N contacts,
leaves the rest not_attempted with the journal kept, and `--resume` sends only the rest."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from importer import run_import
from tests.support.cli import journal_of, read_results, run_cli, write_csv
from tests.support.sandbox import SandboxProcess

N = 10
ARGS = ["--default-region", "EG", "--no-progress", "--rate", "0"]


def chat(i: int) -> str:
    return f"20100000{i:04d}@c.us"


@pytest.fixture
def source(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "book.csv", [["Name", "Phone"]] + [
        [f"Person {i}", f"0100 000 {i:04d}"] for i in range(N)])


def test_a_canary_sends_three_and_resume_sends_the_other_seven_once(
        sandbox: SandboxProcess, source: Path) -> None:
    done = run_cli([source, *ARGS, "--limit", "3"], env=sandbox.env())
    assert done.returncode == 1, done.stderr  # not_attempted rows: exit 1
    state = sandbox.state()
    assert state["puts"] == 3 and set(state["contacts"]) == {chat(i) for i in range(3)}
    results = read_results(source.with_name("book.results.csv"))
    assert [r["status"] for r in results] == ["ok"] * 3 + ["not_attempted"] * 7
    held = results[3]
    assert held["chat_id"] == chat(3)  # what would be sent, shown
    assert held["detail"] == ("not sent: --limit 3 (a canary); run the same command with "
                              "--resume to send the rest")
    assert journal_of(source).exists()  # open for --resume
    assert "run the same command again with --resume" in done.stdout
    assert "--retry-failed" not in done.stdout  # --resume is the one next step

    resumed = run_cli([source, *ARGS, "--resume"], env=sandbox.env())
    assert resumed.returncode == 0, resumed.stderr
    state = sandbox.state()
    assert state["puts"] == N and set(state["contacts"]) == {chat(i) for i in range(N)}
    assert set(state["put_counts"].values()) == {1}  # every number PUT once
    results = read_results(source.with_name("book.results.csv"))
    assert [r["status"] for r in results] == ["ok"] * N
    assert all(r["detail"].startswith("sent in an earlier run") for r in results[:3])
    assert not journal_of(source).exists()  # finished


def test_a_new_limit_on_resume_sends_the_next_ones_only(sandbox: SandboxProcess,
                                                        source: Path) -> None:
    assert run_cli([source, *ARGS, "--limit", "3"], env=sandbox.env()).returncode == 1
    again = run_cli([source, *ARGS, "--resume", "--limit", "5"], env=sandbox.env())
    assert again.returncode == 1, again.stderr
    results = read_results(source.with_name("book.results.csv"))
    assert [r["status"] for r in results] == ["ok"] * 8 + ["not_attempted"] * 2
    assert run_cli([source, *ARGS, "--resume"], env=sandbox.env()).returncode == 0
    state = sandbox.state()
    assert state["puts"] == N and set(state["put_counts"].values()) == {1}


def test_rows_with_nothing_to_send_do_not_count_and_keep_their_status(
        sandbox: SandboxProcess, tmp_path: Path) -> None:
    source = write_csv(tmp_path / "mixed.csv", [
        ["Name", "Phone"], ["Bad", "not a phone"], ["A", "0100 000 0001"],
        ["Again", "0100 000 0001"], ["B", "0100 000 0002"], ["C", "0100 000 0003"]])
    done = run_cli([source, *ARGS, "--limit", "2", "--summary-json", "-"], env=sandbox.env())
    assert done.returncode == 1, done.stderr
    results = read_results(tmp_path / "mixed.results.csv")
    assert [r["status"] for r in results] == ["invalid", "ok", "duplicate", "ok",
                                              "not_attempted"]
    summary = json.loads(done.stdout)
    assert summary["not_sent_for_limit"] == 1 and summary["sent"] == 2
    assert summary["retry_command"] is None  # the next step is --resume


def test_a_dry_run_with_a_limit_shows_what_the_canary_would_send(source: Path) -> None:
    done = run_cli([source, "--default-region", "EG", "--dry-run", "--limit", "3"])
    assert done.returncode == 1, done.stderr
    assert "Preview: the 3 contacts as they would be sent" in done.stdout
    assert "ready: 3, not_attempted: 7" in done.stdout
    assert "not_attempted: 7 — not sent: --limit 3 (a canary)" in done.stdout
    assert "--resume" not in done.stdout  # a dry run leaves nothing to resume


@pytest.mark.parametrize("limit", ["0", "-2"])
def test_a_limit_below_one_is_refused(source: Path, limit: str) -> None:
    done = run_cli([source, "--default-region", "EG", "--dry-run", "--limit", limit])
    assert done.returncode == 2
    assert f"--limit must be at least 1, got {limit}" in done.stderr


def test_limit_from_python_and_a_config_file(sandbox: SandboxProcess, source: Path,
                                             tmp_path: Path) -> None:
    config = tmp_path / "team.toml"
    config.write_text('default-region = "EG"\nlimit = 4\n', encoding="utf-8")
    done = run_cli([source, "--config", config, "--rate", "0", "--no-progress"],
                   env=sandbox.env())
    assert done.returncode == 1, done.stderr
    assert sandbox.state()["puts"] == 4
    summary = run_import(source, default_region="EG", limit=2, dry_run=True,
                         results=tmp_path / "py.results.csv")
    assert summary.counts == {"ready": 2, "not_attempted": 8} and summary.limited == 8
