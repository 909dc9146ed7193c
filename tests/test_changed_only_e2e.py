"""The ledger decides: a weekly re-import sends only what changed, without any option (the
real CLI and sandbox). `--changed-only` is still accepted and does nothing.

The sandbox's `puts` and `put_counts` are the witness of what was sent.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import stat
import time
from pathlib import Path

import pytest

from tests.support.cli import Cli, journal_of, journal_rows, read_results, run_cli, write_csv
from tests.support.sandbox import SandboxProcess

N = 40
TODAY_DETAIL = ("already in the address book: sent on {day} with the same name; --resend to "
                "send it again")
ARGS = ["--default-region", "EG", "--no-progress", "--rate", "0", "--concurrency", "4"]


def chat(i: int) -> str:
    return f"20100000{i:04d}@c.us"


def book(path: Path, n: int = N, renamed: dict[int, str] | None = None) -> Path:
    renamed = renamed or {}
    rows: list[list[object]] = [["Name", "Phone"]]
    rows += [[renamed.get(i, f"Person {i}"), f"0100 000 {i:04d}"] for i in range(n)]
    return write_csv(path, rows)


@pytest.fixture
def ledger(tmp_path: Path) -> Path:
    return tmp_path / "data" / "ledger.sqlite"


def run(source: Path, ledger: Path, sandbox: SandboxProcess, *extra: object):
    return run_cli([source, *ARGS, "--ledger", ledger, *extra], env=sandbox.env())


def test_a_second_run_of_the_same_file_sends_nothing(sandbox: SandboxProcess, tmp_path: Path,
                                                     ledger: Path) -> None:
    source = book(tmp_path / "book.csv")
    first = run(source, ledger, sandbox)  # an ordinary run fills the ledger
    assert first.returncode == 0, first.stderr
    assert sandbox.state()["puts"] == N
    assert stat.S_IMODE(ledger.stat().st_mode) == 0o600
    assert stat.S_IMODE(ledger.parent.stat().st_mode) == 0o700

    # Another results file: the ledger, not the results, knows what was sent.
    second = run(source, ledger, sandbox, "--results", tmp_path / "again.csv",
                 "--summary-json", "-")
    assert second.returncode == 0, second.stderr
    assert sandbox.state()["puts"] == N  # not one more
    results = read_results(tmp_path / "again.csv")
    assert [r["status"] for r in results] == ["unchanged"] * N
    today = time.strftime("%Y-%m-%d", time.gmtime())
    assert all(r["detail"] == TODAY_DETAIL.format(day=today) for r in results)
    assert all(r["chat_id"] == chat(i) and r["attempts"] == "0" for i, r in enumerate(results))
    assert f'"unchanged": {N}' in second.stdout
    assert f"unchanged: {N}" in second.stderr  # the printed summary goes to stderr with -


def test_one_changed_name_sends_exactly_one(sandbox: SandboxProcess, tmp_path: Path,
                                            ledger: Path) -> None:
    source = book(tmp_path / "book.csv")
    assert run(source, ledger, sandbox).returncode == 0
    book(source, renamed={7: "Person Seven"})
    again = run(source, ledger, sandbox)
    assert again.returncode == 0, again.stderr
    state = sandbox.state()
    assert state["puts"] == N + 1
    assert state["put_counts"][chat(7)] == 2
    assert state["contacts"][chat(7)] == {"firstName": "Person", "lastName": "Seven"}
    statuses = [r["status"] for r in read_results(source.with_name("book.results.csv"))]
    assert statuses.count("ok") == 1 and statuses[7] == "ok"
    assert statuses.count("unchanged") == N - 1
    assert f"ok: 1, unchanged: {N - 1}" in again.stdout

    # The new name is in the ledger now: a third run sends nothing (--changed-only, kept
    # for older commands, changes nothing).
    third = run(source, ledger, sandbox, "--changed-only")
    assert third.returncode == 0
    assert sandbox.state()["puts"] == N + 1


def test_max_age_sends_again_what_is_older(sandbox: SandboxProcess, tmp_path: Path,
                                           ledger: Path) -> None:
    source = book(tmp_path / "book.csv")
    assert run(source, ledger, sandbox).returncode == 0
    everything = run(source, ledger, sandbox, "--max-age", "0")
    assert everything.returncode == 0, everything.stderr
    assert sandbox.state()["puts"] == 2 * N
    assert {r["status"] for r in read_results(source.with_name("book.results.csv"))} == {"ok"}

    # Entries a day old: "30d" keeps them, "12h" sends them again.
    with sqlite3.connect(ledger) as db:
        db.execute("UPDATE sent SET sent_at = sent_at - 86400")
    db.close()
    kept = run(source, ledger, sandbox, "--max-age", "30d")
    assert kept.returncode == 0 and sandbox.state()["puts"] == 2 * N
    default = run(source, ledger, sandbox)  # 30 days by default
    assert default.returncode == 0 and sandbox.state()["puts"] == 2 * N
    older = run(source, ledger, sandbox, "--max-age", "12h")
    assert older.returncode == 0 and sandbox.state()["puts"] == 3 * N

    # Entries 31 days old are stale by default.
    with sqlite3.connect(ledger) as db:
        db.execute("UPDATE sent SET sent_at = sent_at - 31 * 86400")
    db.close()
    stale = run(source, ledger, sandbox)
    assert stale.returncode == 0 and sandbox.state()["puts"] == 4 * N

    bad = run(source, ledger, sandbox, "--max-age", "soon")
    assert bad.returncode == 2 and "not an age" in bad.stderr


def test_forget_ledger_and_a_dry_run_that_never_writes(sandbox: SandboxProcess, tmp_path: Path,
                                                        ledger: Path) -> None:
    source = book(tmp_path / "book.csv")
    book(tmp_path / "other.csv", n=3)
    assert run(source, ledger, sandbox).returncode == 0
    # A dry run shows what would not be sent again, and changes nothing.
    before = ledger.read_bytes()
    dry = run(source, ledger, sandbox, "--dry-run", "--results", tmp_path / "dry.csv")
    assert dry.returncode == 0, dry.stderr
    assert f"unchanged: {N}" in dry.stdout
    assert {r["status"] for r in read_results(tmp_path / "dry.csv")} == {"unchanged"}
    assert ledger.read_bytes() == before and sandbox.state()["puts"] == N

    # A run that does not go ahead (the preflight is refused) forgets nothing.
    sandbox.configure(unauthorized_after=0)
    refused = run(source, ledger, sandbox, "--forget-ledger")
    assert refused.returncode == 3, refused.stderr
    sandbox.configure(unauthorized_after=None)
    assert run(source, ledger, sandbox).returncode == 0
    assert sandbox.state()["puts"] == N

    forgot = run(source, ledger, sandbox, "--forget-ledger")
    assert forgot.returncode == 0, forgot.stderr
    assert sandbox.state()["puts"] == 2 * N  # nothing remembered: every row sent

    # Another base URL (another API) has a ledger of its own.
    other_url = sandbox.base_url.replace("127.0.0.1", "localhost")
    elsewhere = run_cli([source, *ARGS, "--ledger", ledger, "--base-url", other_url],
                        env=sandbox.env())
    assert elsewhere.returncode == 0, elsewhere.stderr
    assert sandbox.state()["puts"] == 3 * N


def test_killed_in_a_re_import_then_resumed(sandbox: SandboxProcess, tmp_path: Path,
                                                   ledger: Path, background: list[Cli],
                                                   ) -> None:
    n = 160
    source = book(tmp_path / "book.csv", n=n)
    assert run(source, ledger, sandbox).returncode == 0
    changed = {i: f"Renamed {i}" for i in range(n) if i % 4 != 0}  # 120 of 160 rows
    book(source, n=n, renamed=changed)

    sandbox.configure(latency=0.05)
    cli = Cli([source, *ARGS, "--ledger", ledger], sandbox.env(), tmp_path)
    background.append(cli)
    cli.wait_for_lines(journal_of(source), 40)
    cli.process.send_signal(signal.SIGKILL)
    assert cli.wait() == -signal.SIGKILL
    ok_before = {str(r["chat_id"]) for r in journal_rows(journal_of(source))
                 if r["status"] == "ok"}
    assert 39 <= len(ok_before) < len(changed)
    put_before = dict(sandbox.state()["put_counts"])

    sandbox.configure(latency=0.0)
    done = run(source, ledger, sandbox, "--resume")
    assert done.returncode == 0, done.stderr
    state = sandbox.state()
    # Lost nothing: every contact has its new name.
    for i in range(n):
        # (a name with a digit goes whole into the first name)
        assert state["contacts"][chat(i)] == {"firstName": changed.get(i, f"Person {i}"),
                                              "lastName": ""}
    # Sent nothing twice: unchanged rows only by the first run, rows ok before the kill once
    # more, and at most the rows on the wire at the kill a second time (no answer yet).
    counts = state["put_counts"]
    assert all(counts[chat(i)] == 1 for i in range(n) if i not in changed)
    assert all(counts[c] == 2 for c in ok_before)
    on_the_wire = {c for c, k in put_before.items() if k == 2} - ok_before
    twice = {c for c, k in counts.items() if k > 2}
    assert twice <= on_the_wire and len(twice) <= 4
    results = read_results(source.with_name("book.results.csv"))
    assert [r["status"] for r in results] == ["ok" if i in changed else "unchanged"
                                              for i in range(n)]

    # The ledger holds every write, those of the killed run included: nothing left to send.
    puts = state["puts"]
    last = run(source, ledger, sandbox)
    assert last.returncode == 0, last.stderr
    assert sandbox.state()["puts"] == puts
    assert [r["status"] for r in read_results(source.with_name("book.results.csv"))] == \
        ["unchanged"] * n


def test_changed_only_in_a_config_file_is_still_accepted(sandbox: SandboxProcess, tmp_path: Path,
                                           ledger: Path) -> None:
    source = book(tmp_path / "book.csv")
    config = tmp_path / "team.toml"
    config.write_text(f'changed-only = true\nmax-age = "30d"\nledger = "{ledger}"\n',
                      encoding="utf-8")
    assert run_cli([source, *ARGS, "--config", config], env=sandbox.env()).returncode == 0
    again = run_cli([source, *ARGS, "--config", config], env=sandbox.env())
    assert again.returncode == 0, again.stderr
    assert sandbox.state()["puts"] == N
    assert f"unchanged: {N}" in again.stdout


def test_the_default_ledger_lives_in_the_users_data_folder(sandbox: SandboxProcess,
                                                           tmp_path: Path) -> None:
    source = book(tmp_path / "book.csv", n=3)
    data = tmp_path / "xdg"
    env = {**sandbox.env(), "XDG_DATA_HOME": str(data)}
    done = run_cli([source, *ARGS], env=env)
    assert done.returncode == 0, done.stderr
    assert os.path.exists(data / "wawp-importer" / "ledger.sqlite")
    again = run_cli([source, *ARGS, "--results", tmp_path / "again.csv"], env=env)
    assert again.returncode == 0, again.stderr
    assert sandbox.state()["puts"] == 3  # the default ledger decided

    # WAWP_LEDGER names another file (and --ledger wins over it).
    named = tmp_path / "named.sqlite"
    elsewhere = run_cli([source, *ARGS, "--results", tmp_path / "third.csv"],
                        env={**env, "WAWP_LEDGER": str(named)})
    assert elsewhere.returncode == 0, elsewhere.stderr
    assert named.exists() and sandbox.state()["puts"] == 6


def test_unchanged_in_the_summary_json_and_the_workbook(sandbox: SandboxProcess,
                                                        tmp_path: Path, ledger: Path) -> None:
    import openpyxl

    from importer import render_summary, run_import, summary_to_dict

    source = book(tmp_path / "book.csv", n=5)
    connection = {"base_url": sandbox.base_url, "instance_id": sandbox.instance_id,
                  "access_token": sandbox.token, "default_region": "EG", "rate": 0,
                  "ledger": ledger}
    assert run_import(source, **connection).counts == {"ok": 5}
    summary = run_import(source, results=tmp_path / "again.xlsx", **connection)
    assert summary.counts == {"unchanged": 5} and summary.all_succeeded
    assert summary_to_dict(summary, exit_code=0)["counts"] == {"unchanged": 5}
    assert "— unchanged: 5" in render_summary(summary)
    sheet = openpyxl.load_workbook(tmp_path / "again.xlsx", read_only=True).active
    statuses = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert statuses == ["unchanged"] * 5
    assert sandbox.state()["puts"] == 5
