"""A ledger that cannot be used stops the run, and `wawp-import ledger` shows, forgets,
exports, rebuilds and resets it; the real command against the real sandbox.

The sandbox's `requests` and `puts` counters are the witness that nothing was sent.
"""

from __future__ import annotations

import csv
import io
import os
import sqlite3
import stat
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from importer.cli import main
from importer.models import Contact
from importer.paths import default_ledger
from importer.report.ledger import Ledger
from tests.support.cli import read_results, run_cli, write_csv
from tests.support.sandbox import SandboxProcess

N = 12
ARGS = ["--default-region", "EG", "--no-progress", "--rate", "0", "--concurrency", "4"]


def chat(i: int) -> str:
    return f"20100000{i:04d}@c.us"


def book(path: Path, n: int = N) -> Path:
    rows: list[list[object]] = [["Name", "Phone"]]
    rows += [[f"Person {i}", f"0100 000 {i:04d}"] for i in range(n)]
    return write_csv(path, rows)


def cli(args: list[object], env: dict[str, str]) -> tuple[int, str, str]:
    """`wawp-import ARGS` in this process: exit code, standard output, standard error."""
    out, err = io.StringIO(), io.StringIO()
    code = main([str(a) for a in args], env=env, out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def environment(sandbox: SandboxProcess, tmp_path: Path) -> dict[str, str]:
    return {**sandbox.env(), "XDG_DATA_HOME": str(tmp_path / "xdg"), "HOME": str(tmp_path)}


# -- a ledger that cannot be used: exit 2, one line, nothing sent ----------------------------


def _empty(path: Path) -> None:
    path.write_bytes(b"")


def _garbage(path: Path) -> None:
    path.write_bytes(b"PK\x03\x04 this is a zip, or anything but a ledger\n" * 50)


def _other_schema(path: Path) -> None:
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE contacts (phone TEXT, name TEXT)")
        db.execute("INSERT INTO contacts VALUES ('201000000001', 'Someone')")
    db.close()


def _newer(path: Path) -> None:
    Ledger(path, instance_id="x", base_url="http://x").close()
    with sqlite3.connect(path) as db:
        db.execute("UPDATE meta SET value = '99' WHERE key = 'version'")
    db.close()


def _damaged(path: Path) -> None:
    """A real ledger of many entries, with one of its pages overwritten."""
    with Ledger(path, instance_id="x", base_url="http://x") as ledger:
        ledger.add_many(Contact(f"2010{i:08d}@c.us", f"First {i}", f"Last {i}")
                        for i in range(3000))
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    page = 4096
    with path.open("r+b") as f:
        f.seek(page * 5)
        f.write(b"\xff\x13" * (page // 2))


def _folder(path: Path) -> None:
    path.mkdir()


DAMAGES: dict[str, tuple[Callable[[Path], None], str]] = {
    "empty": (_empty, "is empty (0 bytes) although it should hold what was sent"),
    "garbage": (_garbage, "is not a ledger (not an SQLite database)"),
    "other schema": (_other_schema, "is an SQLite database but not a ledger of wawp-import"),
    "newer": (_newer, "was written by a newer wawp-import (ledger version 99)"),
    "damaged": (_damaged, "is damaged ("),
    "folder": (_folder, "is a folder, not a file"),
}


@pytest.mark.parametrize("kind", list(DAMAGES))
def test_a_ledger_that_cannot_be_used_stops_the_run_before_anything_is_sent(
        kind: str, sandbox: SandboxProcess, tmp_path: Path) -> None:
    damage, words = DAMAGES[kind]
    ledger = tmp_path / "ledger.sqlite"
    damage(ledger)
    before = ledger.read_bytes() if ledger.is_file() else None
    source = book(tmp_path / "book.csv")
    # no --default-region: the region would be asked of the instance, after the ledger check
    run = run_cli([source, "--no-progress", "--ledger", ledger], env=sandbox.env())
    assert run.returncode == 2, run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    assert lines[0].startswith(f"wawp-import: error: the ledger {ledger} {words}")
    if kind in ("empty", "garbage", "other schema", "damaged"):
        assert ("`wawp-import ledger rebuild RESULTS.csv… --instance "
                f"{sandbox.instance_id} --ledger {ledger}`") in lines[0]
        assert f"`wawp-import ledger reset --ledger {ledger}` (every contact will then be " \
               "sent again)" in lines[0]
    state = sandbox.state()
    assert state["requests"] == 0 and state["puts"] == 0
    assert not source.with_name("book.results.csv").exists()
    assert (ledger.read_bytes() if ledger.is_file() else None) == before  # left as it was

    # --changed-only --dry-run reads it: stopped too; `wawp-import ledger` says the same
    dry = run_cli([source, *ARGS, "--ledger", ledger, "--dry-run", "--changed-only"],
                  env=sandbox.env())
    assert dry.returncode == 2 and words in dry.stderr
    code, out, err = cli(["ledger", "--ledger", ledger], environment(sandbox, tmp_path))
    assert code == 2 and out == "" and words in err
    assert sandbox.state()["requests"] == 0


@pytest.mark.skipif(os.name == "nt" or os.geteuid() == 0,
                    reason="root reads and writes any file: permissions cannot fail")
def test_a_ledger_without_read_permission_stops_the_run(sandbox: SandboxProcess,
                                                        tmp_path: Path) -> None:
    ledger = tmp_path / "ledger.sqlite"
    Ledger(ledger, instance_id="x", base_url="http://x").close()
    ledger.chmod(0)
    try:
        run = run_cli([book(tmp_path / "book.csv"), *ARGS, "--ledger", ledger],
                      env=sandbox.env())
    finally:
        ledger.chmod(stat.S_IRUSR | stat.S_IWUSR)
    assert run.returncode == 2, run.stderr
    assert f"the ledger {ledger} cannot be opened (Permission denied)" in run.stderr
    assert sandbox.state()["requests"] == 0


def test_a_new_ledger_is_created_and_the_run_goes_ahead(sandbox: SandboxProcess,
                                                       tmp_path: Path) -> None:
    ledger = tmp_path / "new" / "folder" / "ledger.sqlite"
    run = run_cli([book(tmp_path / "book.csv"), *ARGS, "--ledger", ledger], env=sandbox.env())
    assert run.returncode == 0, run.stderr
    assert sandbox.state()["puts"] == N
    assert stat.S_IMODE(ledger.stat().st_mode) == 0o600
    # the remembered mappings live beside the ledger (header names and settings, no numbers)
    assert sorted(p.name for p in ledger.parent.iterdir()
                  if not p.name.endswith(("-wal", "-shm"))) == ["ledger.sqlite", "mappings.sqlite"]
    assert stat.S_IMODE((ledger.parent / "mappings.sqlite").stat().st_mode) == 0o600
    with Ledger(ledger, instance_id=sandbox.instance_id, base_url=sandbox.base_url) as book_:
        assert len(book_) == N


# -- wawp-import ledger: show, forget, export ----------------------------------------------


@pytest.fixture
def two_instances(sandbox: SandboxProcess, tmp_path: Path):
    """A ledger filled by real imports to two instances: N contacts and 3 contacts."""
    ledger = tmp_path / "data" / "ledger.sqlite"
    env = environment(sandbox, tmp_path)
    code, _, err = cli([book(tmp_path / "book.csv"), *ARGS, "--ledger", ledger], env)
    assert code == 0, err
    with SandboxProcess(instance_id="second-instance") as other:
        code, _, err = cli([book(tmp_path / "small.csv", n=3), *ARGS, "--ledger", ledger],
                           {**env, **other.env()})
        assert code == 0, err
        assert other.state()["puts"] == 3
        yield ledger, env, other.base_url


def test_show_lists_each_instance_with_its_contacts_and_dates(two_instances,
                                                              sandbox: SandboxProcess) -> None:
    ledger, env, other_url = two_instances
    code, out, err = cli(["ledger", "--ledger", ledger], env)
    assert code == 0, err
    today = time.strftime("%Y-%m-%d", time.gmtime())
    lines = out.splitlines()
    assert lines[0] == f"Ledger {ledger}: {N + 3} contacts in 2 instances."
    assert lines[1].split() == ["instance", "base", "URL", "contacts", "oldest", "(UTC)",
                                "newest", "(UTC)"]
    rows = sorted(line.split() for line in lines[2:])
    expected = sorted([[sandbox.instance_id, sandbox.base_url, str(N)],
                       ["second-instance", other_url, "3"]])
    assert [r[:3] for r in rows] == expected
    assert all(r[3] == today and r[5] == today for r in rows)
    assert sandbox.token not in out + err
    # `ledger show` says the same
    assert cli(["ledger", "show", "--ledger", ledger], env)[1] == out


def test_the_default_ledger_is_the_one_imports_use(sandbox: SandboxProcess,
                                                   tmp_path: Path) -> None:
    env = environment(sandbox, tmp_path)
    code, out, _ = cli(["ledger"], env)
    default = default_ledger({})  # the user's data folder (the test's own HOME)
    assert code == 0 and out.startswith(f"No ledger at {default} yet")
    assert cli([book(tmp_path / "book.csv"), *ARGS], env)[0] == 0
    code, out, _ = cli(["ledger"], env)
    assert code == 0 and out.startswith(f"Ledger {default}: {N} contacts in 1 instance.")


def test_export_lists_exactly_the_contacts_sent_ok(two_instances, sandbox: SandboxProcess,
                                                   tmp_path: Path) -> None:
    ledger, env, other_url = two_instances
    sent = {(r["chat_id"], r["first_name"], r["last_name"])
            for r in read_results(tmp_path / "book.results.csv") if r["status"] == "ok"}
    assert len(sent) == N
    assert set(sandbox.state()["contacts"]) == {c for c, _, _ in sent}

    code, out, err = cli(["ledger", "export", "--instance", sandbox.instance_id,
                          "--ledger", ledger], env)
    assert code == 0, err
    assert not out.startswith("\ufeff")  # standard output: no byte order mark
    rows = list(csv.DictReader(io.StringIO(out)))
    assert list(rows[0]) == ["instance_id", "base_url", "chat_id", "first_name", "last_name",
                             "sent_at"]
    assert {(r["chat_id"], r["first_name"], r["last_name"]) for r in rows} == sent
    assert {(r["instance_id"], r["base_url"]) for r in rows} == {(sandbox.instance_id,
                                                                  sandbox.base_url)}
    today = time.strftime("%Y-%m-%d", time.gmtime())
    assert all(r["sent_at"].startswith(f"{today}T") and r["sent_at"].endswith("Z")
               for r in rows)

    # everything, to a file: UTF-8 with a byte order mark, private
    target = tmp_path / "export.csv"
    code, _, err = cli(["ledger", "export", "-o", target, "--ledger", ledger], env)
    assert code == 0 and f"Exported {N + 3} contacts to {target}." in err
    assert target.read_bytes().startswith(b"\xef\xbb\xbfinstance_id,")
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    with target.open(encoding="utf-8-sig", newline="") as f:
        everything = list(csv.DictReader(f))
    assert len(everything) == N + 3
    assert sum(r["instance_id"] == "second-instance" and r["base_url"] == other_url
               for r in everything) == 3

    code, _, err = cli(["ledger", "export", "--instance", "nobody", "--ledger", ledger], env)
    assert code == 2 and "has no instance nobody; it knows: " in err
    assert f"{sandbox.instance_id} at {sandbox.base_url}" in err


def test_export_escapes_cells_excel_would_run(tmp_path: Path) -> None:
    ledger = tmp_path / "ledger.sqlite"
    with Ledger(ledger, instance_id="1", base_url="http://x") as book_:
        book_.add(Contact("201000000001@c.us", "=HYPERLINK(\"http://evil\")", "@SUM(A1)"))
    code, out, err = cli(["ledger", "export", "--ledger", ledger], {"HOME": str(tmp_path)})
    assert code == 0, err
    row = next(csv.DictReader(io.StringIO(out)))
    assert row["first_name"] == "'=HYPERLINK(\"http://evil\")"
    assert row["last_name"] == "'@SUM(A1)"


def test_forget_drops_one_instance_and_leaves_the_other(two_instances,
                                                        sandbox: SandboxProcess,
                                                        tmp_path: Path) -> None:
    ledger, env, other_url = two_instances
    code, out, err = cli(["ledger", "forget", "--instance", "second-instance",
                          "--ledger", ledger], env)
    assert code == 0, err
    assert out.strip() == (f"Forgot 3 contacts of instance second-instance at {other_url}: "
                           "the next import sends them all again.")
    code, out, _ = cli(["ledger", "--ledger", ledger], env)
    assert f"{N} contacts in 1 instance." in out and "second-instance" not in out

    again = cli(["ledger", "forget", "--instance", "second-instance", "--ledger", ledger], env)
    assert again[0] == 2
    assert (f"the ledger {ledger} has no instance second-instance; it knows: "
            f"{sandbox.instance_id} at {sandbox.base_url}") in again[2]

    # the instance that is left still decides: a --changed-only re-import sends nothing
    code, _, err = cli([tmp_path / "book.csv", *ARGS, "--ledger", ledger, "--changed-only"],
                       env)
    assert code == 0, err
    assert sandbox.state()["puts"] == N


# -- the ways out: rebuild from results, reset --------------------------------------------


def test_rebuild_from_results_then_nothing_is_sent_again(sandbox: SandboxProcess,
                                                         tmp_path: Path) -> None:
    ledger = tmp_path / "ledger.sqlite"
    env = environment(sandbox, tmp_path)
    source = book(tmp_path / "book.csv")
    assert cli([source, *ARGS, "--ledger", ledger], env)[0] == 0
    results = tmp_path / "book.results.csv"

    ledger.write_bytes(b"")  # lost: truncated by a full disk, a bad copy…
    code, _, err = cli([source, *ARGS, "--ledger", ledger, "--changed-only"], env)
    assert code == 2 and "is empty (0 bytes)" in err
    assert sandbox.state()["puts"] == N

    code, out, err = cli(["ledger", "reset", "--ledger", ledger], env)
    assert code == 0, err
    aside = [p for p in tmp_path.iterdir() if p.name.startswith("ledger.sqlite.damaged-")]
    assert len(aside) == 1 and aside[0].stat().st_size == 0  # kept, not deleted
    assert f"Moved the ledger aside to {aside[0]}" in out

    code, out, err = cli(["ledger", "rebuild", results, "--ledger", ledger], env)
    assert code == 0, err
    assert f"{N} contacts written ok" in out and f"{N} added to or updated" in out
    code, _, err = cli([source, *ARGS, "--ledger", ledger, "--changed-only"], env)
    assert code == 0, err
    assert sandbox.state()["puts"] == N  # not one more
    assert {r["status"] for r in read_results(results)} == {"unchanged"}


def test_reset_leaves_a_sound_ledger_alone_unless_forced(tmp_path: Path) -> None:
    ledger = tmp_path / "ledger.sqlite"
    with Ledger(ledger, instance_id="1", base_url="http://x") as book_:
        book_.add(Contact("201000000001@c.us", "A", "B"))
    env = {"HOME": str(tmp_path)}
    code, _, err = cli(["ledger", "reset", "--ledger", ledger], env)
    assert code == 2 and "is sound (1 contact)" in err
    code, _, err = cli(["ledger", "reset", "--force", "--ledger", ledger], env)
    assert code == 0, err
    aside = [p.name for p in tmp_path.iterdir() if ".reset-" in p.name]
    assert [n[:20] for n in aside if not n.endswith(("-wal", "-shm"))] == [
        "ledger.sqlite.reset-"]
    assert cli(["ledger", "--ledger", ledger], env)[1].endswith("empty, it holds no contact.\n")
