"""The preflight is paced apart from the sending: 429s on `GET /v2/session/info` wait their
Retry-After but leave the run's rate alone (the real command against the sandbox)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.cli import read_results, run_cli, write_csv
from tests.support.sandbox import SandboxProcess

N = 10


def test_two_429s_on_the_preflight_do_not_slow_an_unlimited_run(sandbox: SandboxProcess,
                                                                 tmp_path: Path) -> None:
    source = write_csv(tmp_path / "book.csv", [["Name", "Phone"]] + [
        [f"Person {i}", f"0100 000 {i:04d}"] for i in range(N)])
    # The first two API requests are the preflight's (--default-region: planning asks
    # nothing): both answered 429, Retry-After 1 s, as in the report of a --rate 0 run
    # that then crawled at 0.5 rows/s.
    sandbox.configure(first_429=2, retry_after=1)
    done = run_cli([source, "--default-region", "EG", "--rate", "0", "--no-progress",
                    "--summary-json", tmp_path / "summary.json"], env=sandbox.env())
    assert done.returncode == 0, done.stderr
    summary = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    assert summary["slowdowns"] == 0
    assert "Slowed down" not in done.stdout
    state = sandbox.state()
    assert state["status_counts"] == {"200": N + 1, "429": 2}
    assert state["puts"] == N and set(state["put_counts"].values()) == {1}
    assert state["requests"] - state["puts"] == 3  # the preflight: two 429s, then its answer
    assert [r["status"] for r in read_results(tmp_path / "book.results.csv")] == ["ok"] * N
