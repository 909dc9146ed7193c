"""The ledger of what was written (report/ledger.py): lookups, ages, scope, files."""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

import pytest

from importer import ConfigError, LedgerUnusable, Status, UsageError, run_import
from importer.models import Contact, Prepared, RowResult
from importer.report.ledger import (
    COMMIT_INTERVAL,
    LOOKUP_BATCH,
    Ledger,
    LedgerFile,
    account_url,
    check_ledger,
    create_ledger,
    parse_age,
    sent_on,
)
from tests.support.cli import write_csv

DAY = 86400.0
NOW = 1_796_083_200.0  # 2026-12-01 00:00 UTC


class Clock:
    def __init__(self, now: float = NOW) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(("text", "seconds"), [
    ("0", 0.0), ("45", 45.0), ("45s", 45.0), ("90m", 5400.0), ("12h", 43200.0),
    ("30d", 30 * DAY), ("1.5d", 1.5 * DAY), (" 2W ", 14 * DAY),
])
def test_ages_in_units(text: str, seconds: float) -> None:
    assert parse_age(text) == seconds


@pytest.mark.parametrize("text", ["", "d", "soon", "-1d", "nan", "inf", "3y"])
def test_ages_that_are_not(text: str) -> None:
    with pytest.raises(ValueError):
        parse_age(text)


def prepared(i: int, first: str = "A", last: str = "B") -> Prepared:
    return Prepared(i + 2, (), Status.READY, Contact(f"2010{i:08d}@c.us", first, last))


def test_unchanged_rows_are_found_in_batches_never_one_query_per_row(tmp_path: Path) -> None:
    clock = Clock()
    with Ledger(tmp_path / "l.sqlite", instance_id="i", base_url="u", clock=clock) as ledger:
        ledger.add_many(prepared(i).contact for i in range(2000))  # type: ignore[misc]
    with Ledger(tmp_path / "l.sqlite", instance_id="i", base_url="u", clock=clock) as ledger:
        queries: list[str] = []
        ledger._connection.set_trace_callback(queries.append)
        items = [prepared(i, last="B" if i % 10 else "Changed") for i in range(2500)]
        items.append(Prepared(9999, (), Status.INVALID, None, "phone: no phone number"))
        out = list(ledger.skip_unchanged(items))
    selects = [q for q in queries if q.lstrip().upper().startswith("SELECT")]
    # One per batch of 500 (the last batch, only an invalid row, needs none).
    assert len(selects) == 2500 // LOOKUP_BATCH == 5
    assert [o.row for o in out] == [i.row for i in items]  # all of them, in order
    unchanged = [o for o in out if o.status is Status.UNCHANGED]
    assert len(unchanged) == 2000 - 200  # not the renamed ones, not those never sent
    assert all(o.detail == "already in the address book: sent on 2026-12-01 with the same "
               "name; --resend to send it again" for o in unchanged)
    assert out[-1].status is Status.INVALID and out[-2].status is Status.READY


def test_max_age_sends_older_entries_again(tmp_path: Path) -> None:
    clock = Clock()
    with Ledger(tmp_path / "l.sqlite", instance_id="i", base_url="u", clock=clock) as ledger:
        ledger.add(Contact("old@c.us", "A", "B"), at=NOW - 40 * DAY)
        ledger.add(Contact("new@c.us", "A", "B"), at=NOW - 2 * DAY)
        items = [Prepared(2, (), Status.READY, Contact("old@c.us", "A", "B")),
                 Prepared(3, (), Status.READY, Contact("new@c.us", "A", "B"))]
        statuses = {age: [o.status for o in ledger.skip_unchanged(items, max_age=age)]
                    for age in (None, 30 * DAY, DAY, 0.0)}
    assert statuses[None] == [Status.UNCHANGED, Status.UNCHANGED]
    assert statuses[30 * DAY] == [Status.READY, Status.UNCHANGED]
    assert statuses[DAY] == statuses[0.0] == [Status.READY, Status.READY]
    assert sent_on(NOW - 2 * DAY) == "2026-11-29"


def test_each_instance_and_base_url_has_its_own_ledger(tmp_path: Path) -> None:
    path = tmp_path / "l.sqlite"
    contact = Contact("201001234567@c.us", "A", "B")
    with Ledger(path, instance_id="one", base_url="https://api.wawp.net") as ledger:
        ledger.record(RowResult(2, Status.OK, contact.chat_id, "A", "B", attempts=1))
        ledger.record(RowResult(3, Status.FAILED, "201112345678@c.us", "C", "D", attempts=5))
    for instance, url, expected in (("one", "https://api.wawp.net", 1),
                                    ("two", "https://api.wawp.net", 0),
                                    ("one", "http://127.0.0.1:8080", 0)):
        with Ledger(path, instance_id=instance, base_url=url) as ledger:
            assert len(ledger) == expected
            assert bool(ledger.lookup([contact.chat_id])) == bool(expected)
    with Ledger(path, instance_id="two", base_url="https://api.wawp.net") as ledger:
        assert ledger.forget() == 0
    with Ledger(path, instance_id="one", base_url="https://api.wawp.net") as ledger:
        assert ledger.forget() == 1 and len(ledger) == 0


def test_the_file_is_private_and_a_read_only_ledger_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "new" / "folder" / "l.sqlite"
    with Ledger(path, instance_id="i", base_url="u") as ledger:
        ledger.add(Contact("x@c.us", "A", ""))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    before = path.read_bytes()
    with Ledger(path, instance_id="i", base_url="u", read_only=True) as ledger:
        ledger.record(RowResult(2, Status.OK, "y@c.us", "A", "", attempts=1))
        assert set(ledger.lookup(["x@c.us", "y@c.us"])) == {"x@c.us"}
    with Ledger(path, instance_id="unknown", base_url="u", read_only=True) as ledger:
        assert ledger.lookup(["x@c.us"]) == {}
    assert path.read_bytes() == before


def test_the_python_api_takes_the_ledger_as_a_setting(tmp_path: Path,
                                                      own_home: Path) -> None:
    source = write_csv(tmp_path / "book.csv", [["Name", "Phone"], ["Ahmed", "0100 123 4567"]])
    # --changed-only and --max-age are settings of their own now: no ledger needed.
    assert run_import(source, default_region="EG", dry_run=True, changed_only=True,
                      max_age="30d", ledger=None).counts == {"ready": 1}
    with pytest.raises(ConfigError, match="--forget-ledger needs a ledger"):
        run_import(source, default_region="EG", dry_run=True, forget_ledger=True,
                   ledger=None)
    with pytest.raises(ConfigError, match="--max-age must be 0 or more"):
        run_import(source, default_region="EG", dry_run=True, max_age=-1.0)
    config = tmp_path / "weekly.toml"
    config.write_text('changed-only = true\nmax-age = "30d"\ndry-run = true\n',
                      encoding="utf-8")
    summary = run_import(source, config=config, default_region="EG",
                         ledger=tmp_path / "l.sqlite")
    assert summary.counts == {"ready": 1}
    assert not (tmp_path / "l.sqlite").exists()  # a dry run creates no ledger
    # Without `ledger`, the user's own (here the test's HOME) would be read; a dry run
    # creates none.
    assert run_import(source, default_region="EG", dry_run=True).counts == {"ready": 1}
    assert not list(own_home.rglob("*.sqlite"))


# -- opening: a ledger that cannot be used says so; a new one appears whole ---------------


def test_a_read_of_a_ledger_that_is_not_there_creates_nothing(tmp_path: Path) -> None:
    path = tmp_path / "none" / "ledger.sqlite"
    with Ledger(path, instance_id="1", base_url="u", read_only=True) as ledger:
        assert ledger.lookup(["201000000001@c.us"]) == {} and len(ledger) == 0
    with LedgerFile(path) as whole:
        assert not whole.exists and whole.holdings() == [] and list(whole.entries()) == []
    assert not path.parent.exists()


@pytest.mark.parametrize(("content", "problem"), [
    (b"", "empty"), (b"not a database at all", "not_sqlite"),
    (b"SQLite format 3\x00" + b"\x00" * 84, "damaged"),
])
def test_opening_a_ledger_that_cannot_be_used_raises_and_changes_nothing(
        tmp_path: Path, content: bytes, problem: str) -> None:
    path = tmp_path / "ledger.sqlite"
    path.write_bytes(content)
    for read_only in (False, True):
        with pytest.raises(LedgerUnusable) as caught:
            Ledger(path, instance_id="1", base_url="u", read_only=read_only)
        assert caught.value.problem == problem and caught.value.path == path
        assert isinstance(caught.value, UsageError)
    assert path.read_bytes() == content
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ledger.sqlite"]


def test_a_new_ledger_is_linked_into_place_complete(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite"
    assert create_ledger(path) is True
    check_ledger(path)  # a ledger from its first byte
    assert create_ledger(path) is False  # another run made it first: theirs is used
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ledger.sqlite"]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_restore_keeps_what_is_newer(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite"
    with Ledger(path, instance_id="1", base_url="u", clock=Clock()) as ledger:
        ledger.add(Contact("201000000001@c.us", "New", "Name"), at=NOW)
        ledger.add(Contact("201000000002@c.us", "Old", "Name"), at=NOW - 10 * DAY)
        changed = ledger.restore([Contact("201000000001@c.us", "Older", "Results"),
                                  Contact("201000000002@c.us", "From", "Results"),
                                  Contact("201000000003@c.us", "Only", "Results")],
                                 at=NOW - DAY)
        assert changed == 2
        found = ledger.lookup(["201000000001@c.us", "201000000002@c.us", "201000000003@c.us"])
    assert found == {"201000000001@c.us": ("New", "Name", NOW),
                     "201000000002@c.us": ("From", "Results", NOW - DAY),
                     "201000000003@c.us": ("Only", "Results", NOW - DAY)}


def test_forgetting_an_instance_while_an_import_writes_to_it(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite"
    with Ledger(path, instance_id="2", base_url="u", clock=Clock()) as other:
        other.add(Contact("201000000009@c.us", "Other", ""))
    running = Ledger(path, instance_id="1", base_url="u", clock=Clock())  # the newest account
    running.add(Contact("201000000001@c.us", "A", ""))
    running.commit()
    with LedgerFile(path, writable=True) as whole:
        assert [(h.instance_id, h.contacts) for h in whole.forget("1")] == [("1", 1)]
        assert whole.forget("1") == []  # nothing left of it: "unknown" to the command
    running.add(Contact("201000000002@c.us", "B", ""))  # written after the forget: real
    running.close()
    with Ledger(path, instance_id="3", base_url="u") as new:
        assert len(new) == 0  # a new instance never inherits another's entries
    with LedgerFile(path) as whole:
        assert [(h.instance_id, h.contacts) for h in whole.holdings()] == [("1", 1), ("2", 1)]
        assert [e.chat_id for e in whole.entries(instance_id="1")] == ["201000000002@c.us"]


@pytest.mark.parametrize(("spelled", "keyed"), [
    ("https://api.wawp.net", "https://api.wawp.net"),
    ("https://api.wawp.net/", "https://api.wawp.net"),
    ("HTTPS://API.Wawp.NET:443/", "https://api.wawp.net"),
    ("https://api.wawp.net:8443", "https://api.wawp.net:8443"),
    ("HTTP://127.0.0.1:8080/", "http://127.0.0.1:8080"),
    ("http://localhost:80", "http://localhost"),
    ("https://host/v2//api/", "https://host/v2/api"),
    ("http://[::1]:9000/", "http://[::1]:9000"),
])
def test_a_base_url_is_one_account_however_it_is_spelled(spelled: str, keyed: str) -> None:
    assert account_url(spelled) == keyed


def test_spellings_of_one_base_url_share_their_entries(tmp_path: Path) -> None:
    path = tmp_path / "l.sqlite"
    with Ledger(path, instance_id="i", base_url="http://127.0.0.1:8080") as ledger:
        ledger.add(Contact("x@c.us", "A", "B"))
    with Ledger(path, instance_id="i", base_url="HTTP://127.0.0.1:8080/") as ledger:
        assert set(ledger.lookup(["x@c.us"])) == {"x@c.us"}
    with Ledger(path, instance_id="i", base_url="http://127.0.0.2:8080/") as ledger:
        assert ledger.lookup(["x@c.us"]) == {}


def test_entries_wait_in_memory_and_no_transaction_stays_open(tmp_path: Path) -> None:
    clock = Clock()
    path = tmp_path / "l.sqlite"
    with Ledger(path, instance_id="i", base_url="u", clock=clock) as ledger:
        ledger.add(Contact("a@c.us", "A", ""))
        assert not ledger._connection.in_transaction
        with Ledger(path, instance_id="i", base_url="u", clock=clock) as other:
            assert other.lookup(["a@c.us"]) == {}  # not written yet
            clock.now += COMMIT_INTERVAL
            ledger.add(Contact("b@c.us", "B", ""))  # the interval passed: both written
            assert set(other.lookup(["a@c.us", "b@c.us"])) == {"a@c.us", "b@c.us"}
            ledger.add(Contact("c@c.us", "C", ""))
            ledger.flush()  # as before a sleep
            assert set(other.lookup(["c@c.us"])) == {"c@c.us"}
        assert not ledger._connection.in_transaction


def test_a_busy_ledger_is_waited_for_not_an_error(tmp_path: Path) -> None:
    path = tmp_path / "l.sqlite"
    with Ledger(path, instance_id="one", base_url="u") as ledger:
        ledger.add(Contact("a@c.us", "A", ""))
    waits: list[float] = []
    holder = sqlite3.connect(path, isolation_level=None)

    def wait(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) == 3:
            holder.execute("COMMIT")  # it finishes while we wait

    with Ledger(path, instance_id="two", base_url="u", wait=wait) as ledger:
        ledger._connection.execute("PRAGMA busy_timeout = 10")  # SQLite's own wait, cut short
        holder.execute("BEGIN IMMEDIATE")  # another process in the middle of a write
        ledger.add(Contact("b@c.us", "B", ""))
        ledger.flush()
        assert len(waits) == 3
    holder.close()
    with Ledger(path, instance_id="two", base_url="u") as ledger:
        assert set(ledger.lookup(["b@c.us"])) == {"b@c.us"}


def test_two_instances_write_one_file_without_waiting_on_each_other(tmp_path: Path) -> None:
    """A run holding a batch of entries holds no lock: a run on another instance writes the
    same file at once (SQLite's own wait set to nothing, and no second try allowed)."""
    path = tmp_path / "l.sqlite"
    clock = Clock()

    def no_waiting(seconds: float) -> None:
        raise AssertionError("waited for the other run")

    with Ledger(path, instance_id="one", base_url="u", clock=clock) as one, \
            Ledger(path, instance_id="two", base_url="u", clock=clock, wait=no_waiting) as two:
        two._connection.execute("PRAGMA busy_timeout = 0")
        for i in range(1000):
            one.add(Contact(f"{i}@c.us", "One", ""))  # a batch collecting, mid-run
        for i in range(1000):
            two.add(Contact(f"{i}@c.us", "Two", ""))
        two.flush()
        assert len(two) == 1000
    with Ledger(path, instance_id="one", base_url="u") as one:
        assert len(one) == 1000


def test_the_command_the_page_and_run_import_share_the_users_ledger(own_home: Path) -> None:
    from importer import cli
    from importer.paths import default_ledger
    from importer.web import serve

    users = own_home / ".local" / "share" / "wawp-importer" / "ledger.sqlite"
    assert default_ledger() == users
    command = cli.options_from_args(cli.build_parser().parse_args(["x.csv"]), {}, "")
    page = serve.options_from_args(serve.build_parser().parse_args([]), {}, "")
    assert command.ledger == page.ledger == users
    # WAWP_LEDGER moves it for both; --ledger wins over it
    env = {"WAWP_LEDGER": str(own_home / "elsewhere.sqlite")}
    assert cli.options_from_args(cli.build_parser().parse_args(["x.csv"]), env, "").ledger \
        == serve.options_from_args(serve.build_parser().parse_args([]), env, "").ledger \
        == own_home / "elsewhere.sqlite"
    flagged = cli.build_parser().parse_args(["x.csv", "--ledger", "mine.sqlite"])
    assert cli.options_from_args(flagged, env, "").ledger == Path("mine.sqlite")


@pytest.mark.parametrize(("code", "message", "problem"), [
    (sqlite3.SQLITE_CANTOPEN, "unable to reach the file", "unreadable"),
    (sqlite3.SQLITE_CORRUPT, "could not open page 6", "damaged"),
])
def test_a_ledger_sqlite_refuses_is_told_by_its_result_code_not_its_words(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: int, message: str,
        problem: str) -> None:
    path = tmp_path / "ledger.sqlite"
    assert create_ledger(path)
    refusal = sqlite3.OperationalError(message)
    refusal.sqlite_errorcode = code  # type: ignore[attr-defined]

    def refuse(_: Path) -> sqlite3.Connection:
        raise refusal

    monkeypatch.setattr("importer.report.ledger._connect_read_only", refuse)
    with pytest.raises(LedgerUnusable) as raised:
        check_ledger(path)
    assert raised.value.problem == problem
