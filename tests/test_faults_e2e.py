"""Sending under fire: the real CLI against the real sandbox with its faults switched on.

Every test checks what the server saw, not only what the importer says: the sum of the
`attempts` column must equal the PUTs the sandbox counted.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.cli import clean_env, read_results, run_cli, write_csv
from tests.support.sandbox import SandboxProcess


def contacts(tmp_path: Path, n: int, name: str = "many.csv") -> Path:
    rows = [["Name", "Phone"]] + [[f"Person {i}", f"0100 000 {i:04d}"] for i in range(n)]
    return write_csv(tmp_path / name, rows)


def results_of(source: Path) -> list[dict[str, str]]:
    return read_results(source.with_name(source.stem + ".results.csv"))


def total_attempts(results: list[dict[str, str]]) -> int:
    return sum(int(r["attempts"]) for r in results)


BASE = ["--default-region", "EG", "--no-progress"]


def test_a_burst_of_500s_is_ridden_out(sandbox: SandboxProcess, tmp_path: Path) -> None:
    source = contacts(tmp_path, 30)
    sandbox.configure(fail_first=12)
    done = run_cli([source, *BASE, "--rate", "0", "--concurrency", "4", "--max-attempts", "8",
                    "--skip-preflight"], env=sandbox.env())
    assert done.returncode == 0, done.stderr
    results = results_of(source)
    assert [r["status"] for r in results] == ["ok"] * 30
    state = sandbox.state()
    assert len(state["contacts"]) == 30
    assert total_attempts(results) == state["puts"]
    assert state["status_counts"]["500"] == 12
    assert any(int(r["attempts"]) > 1 for r in results)


def test_a_429_pauses_the_whole_run_for_retry_after_then_succeeds(sandbox: SandboxProcess,
                                                                  tmp_path: Path) -> None:
    source = contacts(tmp_path, 40)
    sandbox.configure(first_429=1, retry_after=3, latency=0.01)
    env = clean_env(sandbox.env())
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-m", "importer", source, *BASE, "--rate", "0", "--concurrency", "4",
         "--skip-preflight"], env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True)
    try:
        while sandbox.state()["status_counts"].get("429", 0) == 0:
            assert process.poll() is None, process.communicate()
            assert time.monotonic() - started < 30
            time.sleep(0.02)
        time.sleep(0.3)  # requests on the wire when the 429 came may still land
        before = sandbox.state()["puts"]
        time.sleep(1.5)  # well within the 3 s pause: nobody sends
        during = sandbox.state()["puts"]
        _, err = process.communicate(timeout=60)
    finally:
        process.kill()
    elapsed = time.monotonic() - started
    assert process.returncode == 0, err
    assert during == before, "rows were sent during the Retry-After pause"
    assert elapsed >= 3.0
    results = results_of(source)
    assert [r["status"] for r in results] == ["ok"] * 40
    assert total_attempts(results) == sandbox.state()["puts"] == 41
    assert len(sandbox.state()["contacts"]) == 40


def test_dropped_connections_are_retried_and_every_attempt_is_counted(
        sandbox: SandboxProcess, tmp_path: Path) -> None:
    source = contacts(tmp_path, 60)
    sandbox.configure(drop_rate=0.25, seed=11)
    done = run_cli([source, *BASE, "--rate", "0", "--concurrency", "8", "--max-attempts", "10"],
                   env=sandbox.env())
    assert done.returncode == 0, done.stderr
    results = results_of(source)
    assert [r["status"] for r in results] == ["ok"] * 60
    state = sandbox.state()
    assert state["dropped"] > 0
    # What the server saw, not what the client believes: no silent re-send by aiohttp.
    assert total_attempts(results) == state["puts"]
    assert len(state["contacts"]) == 60


def test_a_row_that_keeps_dropping_fails_with_its_attempts(sandbox: SandboxProcess,
                                                          tmp_path: Path) -> None:
    source = contacts(tmp_path, 3)
    sandbox.configure(drop_rate=1.0)
    done = run_cli([source, *BASE, "--rate", "0", "--max-attempts", "3", "--skip-preflight"],
                   env=sandbox.env())
    assert done.returncode == 1, done.stderr
    results = results_of(source)
    assert all(r["status"] == "failed" and r["attempts"] == "3" for r in results)
    assert all("gave up after 3 attempts: connection dropped" in r["detail"] for r in results)
    assert total_attempts(results) == sandbox.state()["puts"] == 9


def test_a_400_row_among_good_ones_fails_alone(sandbox: SandboxProcess, tmp_path: Path) -> None:
    source = contacts(tmp_path, 20)
    sandbox.configure(bad_request_chat_ids=["201000000007@c.us"], latency=0.01)
    done = run_cli([source, *BASE, "--rate", "0", "--concurrency", "8"], env=sandbox.env())
    assert done.returncode == 1, done.stderr
    results = results_of(source)
    bad = results[7]
    assert (bad["status"], bad["attempts"], bad["http_status"]) == ("failed", "1", "400")
    assert "not a WhatsApp account" in bad["detail"]
    assert [r["status"] for i, r in enumerate(results) if i != 7] == ["ok"] * 19


def test_a_401_half_way_stops_everything(sandbox: SandboxProcess, tmp_path: Path) -> None:
    source = contacts(tmp_path, 80)
    # No latency: the sandbox counts a request before its latency and checks after it, so
    # with latency the 401 would start earlier than request 32.
    sandbox.configure(unauthorized_after=31)  # the preflight is request 1
    done = run_cli([source, *BASE, "--rate", "0", "--concurrency", "8"], env=sandbox.env())
    assert done.returncode == 3, done.stderr
    assert "rejected the instance ID or access token" in done.stderr + done.stdout
    assert "--resume" in done.stderr
    results = results_of(source)
    assert [int(r["row"]) for r in results] == list(range(2, 82))
    statuses = [r["status"] for r in results]
    assert statuses.count("ok") == 30
    assert 1 <= statuses.count("failed") <= 8  # the requests in flight when it came
    assert all(r["http_status"] == "401" for r in results if r["status"] == "failed")
    assert statuses.count("not_attempted") >= 80 - 30 - 8
    assert all("rejected" in r["detail"] for r in results if r["status"] == "not_attempted")
    state = sandbox.state()
    assert len(state["contacts"]) == 30
    assert total_attempts(results) == state["puts"]


@pytest.mark.parametrize("rate", [10.0])
def test_rate_limits_requests_per_second(sandbox: SandboxProcess, tmp_path: Path,
                                         rate: float) -> None:
    source = contacts(tmp_path, 21)
    started = time.monotonic()
    done = run_cli([source, *BASE, "--rate", str(rate), "--concurrency", "8",
                    "--skip-preflight"], env=sandbox.env())
    elapsed = time.monotonic() - started
    assert done.returncode == 0, done.stderr
    assert elapsed >= 20 / rate  # 21 requests, a tenth of a second apart
    assert sandbox.state()["puts"] == 21


# -- only 200 {"ok": true} is a written contact; --timeout bounds a whole attempt --------------

def ledger_count(path: Path) -> int:
    with sqlite3.connect(path) as db:
        return db.execute("SELECT COUNT(*) FROM sent").fetchone()[0]


def test_a_proxys_page_on_the_first_tries_is_ridden_out(sandbox: SandboxProcess,
                                                        tmp_path: Path) -> None:
    source = contacts(tmp_path, 12)
    ledger = tmp_path / "ledger.sqlite"
    sandbox.configure(bad_body_first=5)  # a captive portal's page, then WAWP
    done = run_cli([source, *BASE, "--rate", "0", "--concurrency", "4", "--skip-preflight",
                    "--ledger", ledger], env=sandbox.env())
    assert done.returncode == 0, done.stderr
    results = results_of(source)
    assert [r["status"] for r in results] == ["ok"] * 12
    assert sum(int(r["attempts"]) > 1 for r in results) >= 2  # retried, at most 2 a row here
    state = sandbox.state()
    assert state["bad_bodies"] == {"html": 5}
    assert total_attempts(results) == state["puts"] == 17
    assert len(state["contacts"]) == 12  # stored each once: 17 PUTs, 5 never reached it
    assert ledger_count(ledger) == 12


@pytest.mark.parametrize(("kind", "what"), [
    ("html", 'an HTML page titled "Sign in to the network" (HTTP 200)'),
    ("ok-false", '{"ok": false} (HTTP 200)'),
    ("empty", "an empty body (HTTP 200)"),
])
def test_a_bad_answer_every_time_fails_every_row_and_the_ledger_keeps_none(
        sandbox: SandboxProcess, tmp_path: Path, kind: str, what: str) -> None:
    source = contacts(tmp_path, 3)
    ledger = tmp_path / "ledger.sqlite"
    sandbox.configure(bad_body=kind)
    done = run_cli([source, *BASE, "--rate", "0", "--max-attempts", "2", "--skip-preflight",
                    "--ledger", ledger], env=sandbox.env())
    assert done.returncode == 1, done.stderr
    results = results_of(source)
    assert [(r["status"], r["attempts"], r["http_status"]) for r in results] == [
        ("failed", "2", "200")] * 3
    for row in results:
        assert row["detail"].startswith(
            f"gave up after 2 attempts: unexpected answer from the API: {what}; ")
        assert row["detail"].endswith("the contact was not recorded as sent")
        assert sandbox.token not in row["detail"]
    state = sandbox.state()
    assert state["contacts"] == {} and total_attempts(results) == state["puts"] == 6
    assert ledger_count(ledger) == 0

    # WAWP back: a re-import of what changed sends all three, none was taken for written.
    sandbox.configure(replace=True)
    again = run_cli([source, *BASE, "--rate", "0", "--skip-preflight", "--ledger", ledger,
                     "--changed-only", "--results", tmp_path / "again.csv"], env=sandbox.env())
    assert again.returncode == 0, again.stderr
    assert [r["status"] for r in read_results(tmp_path / "again.csv")] == ["ok"] * 3
    assert len(sandbox.state()["contacts"]) == 3 and ledger_count(ledger) == 3


def test_a_preflight_answered_by_a_proxy_stops_with_a_clear_message(
        sandbox: SandboxProcess, tmp_path: Path) -> None:
    source = contacts(tmp_path, 3)
    sandbox.configure(bad_body="html")
    done = run_cli([source, *BASE, "--max-attempts", "2"], env=sandbox.env())
    assert done.returncode == 2, done.stderr
    assert ('error: session check failed: unexpected answer from the API: an HTML page titled '
            '"Sign in to the network" (HTTP 200), after 2 attempts; a proxy or captive portal '
            "may be answering instead of WAWP") in done.stderr
    assert "Traceback" not in done.stderr and sandbox.token not in done.stderr
    state = sandbox.state()
    assert (state["requests"], state["puts"]) == (2, 0)


def test_an_answer_trickling_in_is_cut_at_the_timeout(sandbox: SandboxProcess,
                                                      tmp_path: Path) -> None:
    source = contacts(tmp_path, 2)
    sandbox.configure(trickle=2.0)  # {"ok": true} in 24 s, a byte every 2 s
    started = time.monotonic()
    done = run_cli([source, *BASE, "--rate", "0", "--timeout", "2", "--max-attempts", "2",
                    "--skip-preflight"], env=sandbox.env())
    elapsed = time.monotonic() - started
    assert done.returncode == 1, done.stderr
    results = results_of(source)
    assert [(r["status"], r["attempts"]) for r in results] == [("failed", "2")] * 2
    assert all(r["detail"].startswith("gave up after 2 attempts: timed out (no whole answer "
                                      "within 2 s)") for r in results)
    assert total_attempts(results) == sandbox.state()["puts"] == 4
    assert elapsed < 20  # not even one answer had time to come whole
