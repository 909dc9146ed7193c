"""The ledger: what was last written to each instance's address book, kept between runs.

It is the one record of what an address book already holds. It remembers, per instance ID
and base URL (normalized: see `account_url`), the contact each chat ID was last written
with (first and last name) and when::

    sent(account, chat_id, first_name, last_name, sent_at)   -- SQLite, WITHOUT ROWID

and every run consults it by default (`skip_unchanged`, one stage of the pipeline that
new runs, retries and resumes all pass through): a contact sent ok with the same name
within `max_age` is UNCHANGED and costs no request.

It is only ever told about a write the API answered ok, and only after the journal line of
that answer was written (see pipeline.py): a crash can lose the last entries (those rows are
sent again next time, which is safe: an upsert is idempotent), never record a write that
did not happen. A dry run never writes it.

A ledger that exists but cannot be used — empty (SQLite would take a 0-byte file for a new
database, and every contact would be sent again), not SQLite, another schema, a newer
version, failing `PRAGMA quick_check`, a folder, unreadable — raises `LedgerUnusable` when it
is opened, before anything is sent (`check_ledger`). A new ledger is built beside its name
and linked into place complete, so a crash never leaves a 0-byte one behind.

`LedgerFile` reads and edits the whole file, every instance (the `wawp-import ledger`
command): what it holds per instance, its entries, forgetting one instance.

It never blocks anyone for long. Entries wait in memory and are written in one short
transaction (`flush`) when `COMMIT_ROWS` are waiting or `COMMIT_INTERVAL` seconds have
passed, at close, and before the run sleeps (pipeline.py): no write transaction is open
while a run waits on the network, so runs on other instances sharing the file wait a few
milliseconds at most. WAL mode lets readers go on while one writes. A ledger busy beyond
SQLite's own wait (`BUSY_TIMEOUT`) is waited for again, up to `LOCK_PATIENCE`, rather
than failing the run.

Lookups are batched (`LOOKUP_BATCH` chat IDs per `SELECT … WHERE chat_id IN (…)`).
The file holds phone numbers and names: it is created mode 0600 in a 0700 folder.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sqlite3
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Self

from ..errors import LedgerUnusable, OutputError
from ..models import Contact, Prepared, RowResult, Status
from ..options import (
    base_url_key,
    parse_age,  # noqa: F401  (the schema parses ages; kept importable here)
)
from ..problems import WORDS, Code, Problem, problem

#: Chat IDs per lookup query; SQLite allows 32,766 parameters, and ~500 keeps each query
#: short while paying the per-query cost once per 500 rows, not per row.
LOOKUP_BATCH = 500
#: Entries waiting in memory are written at most this many seconds apart, or once this
#: many are waiting (and at close, and before a run sleeps).
COMMIT_INTERVAL = 1.0
COMMIT_ROWS = 2000
#: SQLite's own wait for a lock (busy_timeout), in seconds; then `_retrying` waits again.
BUSY_TIMEOUT = 30.0
#: How long a busy ledger is waited for in all before the run gives up (OutputError).
LOCK_PATIENCE = 600.0
LEDGER_VERSION = 1
#: The first 16 bytes of every SQLite database file.
SQLITE_MAGIC = b"SQLite format 3\x00"
_TABLES = frozenset({"meta", "accounts", "sent"})

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS accounts (
    id INTEGER PRIMARY KEY,
    instance_id TEXT NOT NULL,
    base_url TEXT NOT NULL,
    UNIQUE (instance_id, base_url)
);
CREATE TABLE IF NOT EXISTS sent (
    account INTEGER NOT NULL,
    chat_id TEXT NOT NULL,
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    sent_at REAL NOT NULL,
    PRIMARY KEY (account, chat_id)
) WITHOUT ROWID;
"""


def account_url(base_url: str) -> str:
    """The base URL as the ledger keys it: the same API however it is spelled (see
    `options.base_url_key`)."""
    return base_url_key(base_url)


@functools.lru_cache(maxsize=64)
def _day(day_number: int) -> str:
    return datetime.fromtimestamp(day_number * 86400, UTC).strftime("%Y-%m-%d")


def sent_on(timestamp: float) -> str:
    """The day of a ledger entry as the detail shows it (UTC): 2026-12-01."""
    return _day(int(timestamp // 86400))  # one strftime per day, not per row


@functools.lru_cache(maxsize=64)
def unchanged_problem(day_number: int) -> Problem:
    """The problem of an UNCHANGED row whose entry was written on day `day_number` (UTC)."""
    return problem(Code.UNCHANGED, day=_day(day_number))


@functools.lru_cache(maxsize=64)
def unchanged_detail(day_number: int) -> str:
    """The detail of an UNCHANGED row whose entry was written on day `day_number` (UTC)."""
    return WORDS.detail(unchanged_problem(day_number))


class Ledger:
    """The ledger of one instance (ID + base URL) in the SQLite file `path`.

    `clock` gives the wall-clock time (seconds since the epoch) written with each entry
    and compared with `max_age`. `read_only` (a dry run) opens an existing file and never
    changes it. `wait` sleeps between tries while another process holds the file's lock.
    """

    def __init__(self, path: Path, *, instance_id: str, base_url: str,
                 clock: Callable[[], float] = time.time, read_only: bool = False,
                 wait: Callable[[float], None] = time.sleep) -> None:
        self.path = Path(path)
        self.clock = clock
        self.wait = wait
        self.read_only = read_only
        self.written = 0
        self._waiting: list[tuple[int | None, str, str, str, float]] = []
        self._committed_at = 0.0
        self.account: int | None = None
        base_url = account_url(base_url)
        try:
            if read_only:
                if os.path.lexists(self.path):
                    check_ledger(self.path, writable=False)
                    self._connection = _connect_read_only(self.path)
                else:  # nothing recorded yet, and a read creates nothing
                    self._connection = sqlite3.connect(":memory:")
                    self._connection.executescript(_SCHEMA)
                row = self._connection.execute(
                    "SELECT id FROM accounts WHERE instance_id = ? AND base_url = ?",
                    (instance_id, base_url)).fetchone()
                self.account = None if row is None else row[0]
                return
            if os.path.lexists(self.path) or not create_ledger(self.path):
                check_ledger(self.path, writable=True)  # it was there: is it a ledger?
            self._connection = _connect(self.path)

            def create(db: sqlite3.Connection) -> None:
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        db.execute(statement)
                db.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('version', ?)",
                           (str(LEDGER_VERSION),))
                db.execute("INSERT OR IGNORE INTO accounts (instance_id, base_url) "
                           "VALUES (?, ?)", (instance_id, base_url))

            self._retrying(create)
            self.account = self._connection.execute(
                "SELECT id FROM accounts WHERE instance_id = ? AND base_url = ?",
                (instance_id, base_url)).fetchone()[0]
        except sqlite3.Error as exc:
            raise OutputError(f"cannot use the ledger {self.path}: {exc}") from None
        self._committed_at = clock()

    # -- reading -------------------------------------------------------------------------------

    def lookup(self, chat_ids: Iterable[str]) -> dict[str, tuple[str, str, float]]:
        """chat ID → (first name, last name, sent_at) for those of `chat_ids` in the ledger."""
        return {chat_id: (first, last, at)
                for chat_id, first, last, at in self._entries(chat_ids).values()}

    def _entries(self, chat_ids: Iterable[str]) -> dict[str, tuple[str, str, str, float]]:
        """chat ID → its row (chat_id, first_name, last_name, sent_at), as SQLite gives it."""
        wanted = list(dict.fromkeys(chat_ids))
        found: dict[str, tuple[str, str, str, float]] = {}
        if self.account is None:
            return found
        if self._waiting:
            self.flush()  # what this run wrote is part of the answer
        try:
            for start in range(0, len(wanted), LOOKUP_BATCH):
                batch = wanted[start:start + LOOKUP_BATCH]
                rows = self._connection.execute(
                    "SELECT chat_id, first_name, last_name, sent_at FROM sent "
                    f"WHERE account = ? AND chat_id IN ({','.join('?' * len(batch))})",
                    (self.account, *batch))
                found.update({row[0]: row for row in rows})
        except sqlite3.Error as exc:
            raise OutputError(f"cannot read the ledger {self.path}: {exc}") from None
        return found

    def __len__(self) -> int:
        row = self._connection.execute("SELECT count(*) FROM sent WHERE account = ?",
                                       (self.account,)).fetchone()
        return int(row[0])

    def skip_unchanged(self, items: Iterable[Prepared], *, max_age: float | None = None,
                       batch: int = LOOKUP_BATCH) -> Iterator[Prepared]:
        """`items`, with each contact the ledger already holds as it is turned UNCHANGED.

        An entry older than `max_age` seconds counts as changed (someone may have edited the
        contact on the phone since): its row is sent again. Rows are looked up `batch` at a
        time, in input order.
        """
        pending: list[Prepared] = []
        for item in items:
            pending.append(item)
            if len(pending) >= batch:
                yield from self._mark(pending, max_age)
                pending = []
        if pending:
            yield from self._mark(pending, max_age)

    def _mark(self, items: list[Prepared], max_age: float | None) -> Iterator[Prepared]:
        ready, unchanged = Status.READY, Status.UNCHANGED
        found = self._entries(item.contact.chat_id for item in items
                              if item.status is ready and item.contact is not None)
        if not found:
            yield from items
            return
        oldest = -1.0 if max_age is None else self.clock() - max_age
        entry_of = found.get
        for item in items:
            contact = item.contact
            entry = (entry_of(contact.chat_id)
                     if contact is not None and item.status is ready else None)
            if (entry is None or entry[3] <= oldest or entry[1] != contact.first_name  # type: ignore[union-attr]
                    or entry[2] != contact.last_name):  # type: ignore[union-attr]
                yield item
                continue
            day = int(entry[3] // 86400)
            detail = unchanged_detail(day)
            if item.detail:
                detail = f"{detail}; {item.detail}"
            yield Prepared(item.row, item.values, unchanged, contact, detail, item.previous,
                           unchanged_problem(day))

    # -- writing -------------------------------------------------------------------------------

    def record(self, result: RowResult) -> None:
        """Remember the contact of a row the API wrote ok (anything else is ignored)."""
        if result.status is Status.OK and result.chat_id and not self.read_only:
            self.add(Contact(result.chat_id, result.first_name, result.last_name))

    def add(self, contact: Contact, *, at: float | None = None) -> None:
        """Remember that `contact` was written at `at` (default: now).

        Kept in memory until the next `flush`, which comes once `COMMIT_ROWS` wait or
        `COMMIT_INTERVAL` seconds have passed since the last one."""
        now = self.clock()
        self._waiting.append((self.account, contact.chat_id, contact.first_name,
                              contact.last_name, now if at is None else at))
        self.written += 1
        if len(self._waiting) >= COMMIT_ROWS or now - self._committed_at >= COMMIT_INTERVAL:
            self.flush()

    def add_many(self, contacts: Iterable[Contact], *, at: float | None = None) -> None:
        """Remember many contacts at once, written at `at` (default: now), in transactions
        of `COMMIT_ROWS` (however many there are, memory stays flat)."""
        when = self.clock() if at is None else at
        self.flush()
        chunk: list[tuple[int | None, str, str, str, float]] = []
        for c in contacts:
            chunk.append((self.account, c.chat_id, c.first_name, c.last_name, when))
            if len(chunk) >= COMMIT_ROWS:
                self._write_rows(chunk)
                chunk = []
        if chunk:
            self._write_rows(chunk)

    def _write_rows(self, rows: list[tuple[int | None, str, str, str, float]]) -> None:
        self._retrying(lambda db: db.executemany(_UPSERT, rows))

    def restore(self, contacts: Iterable[Contact], *, at: float) -> int:
        """Remember contacts written at `at` (from earlier results), keeping any entry that is
        newer; returns how many entries were added or updated."""
        self.flush()
        cursor = self._retrying(lambda db: db.executemany(
            "INSERT INTO sent (account, chat_id, first_name, last_name, sent_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (account, chat_id) DO UPDATE SET "
            "first_name = excluded.first_name, last_name = excluded.last_name, "
            "sent_at = excluded.sent_at WHERE excluded.sent_at > sent.sent_at",
            ((self.account, c.chat_id, c.first_name, c.last_name, at) for c in contacts)))
        return max(cursor.rowcount, 0)

    def forget(self) -> int:
        """Drop every entry of this instance; returns how many there were."""
        self._waiting.clear()
        cursor = self._retrying(lambda db: db.execute("DELETE FROM sent WHERE account = ?",
                                                      (self.account,)))
        return cursor.rowcount

    def flush(self) -> None:
        """Write the entries waiting in memory, in one short transaction."""
        if self.read_only:
            self._waiting.clear()
            return
        if self._waiting:
            rows, self._waiting = self._waiting, []
            try:
                self._write_rows(rows)
            except BaseException:
                self._waiting = rows + self._waiting  # kept for the next try
                raise
        self._committed_at = self.clock()

    commit = flush

    def _retrying(self, work: Callable[[sqlite3.Connection], sqlite3.Cursor | None]
                  ) -> sqlite3.Cursor:
        """Run `work` in a write transaction of its own, waiting while the file is busy.

        BEGIN IMMEDIATE takes the write lock first (SQLite waits up to `BUSY_TIMEOUT` for
        it), so a transaction never fails half-way for a lock; a lock still held after
        that is waited for again, up to `LOCK_PATIENCE` in all.
        """
        db = self._connection
        started = time.monotonic()
        pause = 0.05
        while True:
            try:
                db.execute("BEGIN IMMEDIATE")
                try:
                    result = work(db)
                    db.execute("COMMIT")
                except BaseException:  # any stop, Ctrl-C too: nothing half-written, re-raise
                    if db.in_transaction:
                        db.execute("ROLLBACK")
                    raise
                return result  # type: ignore[return-value]
            except sqlite3.OperationalError as exc:
                # SQLite's result code, not its words: the primary code is the low byte
                busy = (getattr(exc, "sqlite_errorcode", 0) & 0xFF) in (sqlite3.SQLITE_BUSY,
                                                                         sqlite3.SQLITE_LOCKED)
                if not busy or time.monotonic() - started >= LOCK_PATIENCE:
                    raise OutputError(f"cannot write the ledger {self.path}: {exc}") from None
                self.wait(pause)
                pause = min(pause * 2, 1.0)
            except sqlite3.Error as exc:
                raise OutputError(f"cannot write the ledger {self.path}: {exc}") from None

    def close(self) -> None:
        try:
            self.flush()
        finally:
            self._connection.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


@dataclass(frozen=True, slots=True)
class Holding:
    """What the ledger holds for one instance (ID + base URL): how many contacts, and when
    the oldest and newest of them were written (seconds since the epoch; None when empty)."""

    instance_id: str
    base_url: str
    contacts: int
    oldest: float | None
    newest: float | None


@dataclass(frozen=True, slots=True)
class Entry:
    """One contact the ledger has as written to an instance's address book."""

    instance_id: str
    base_url: str
    chat_id: str
    first_name: str
    last_name: str
    sent_at: float


class LedgerFile:
    """A whole ledger file, every instance in it: what it holds, its entries, forgetting.

    Opening checks it (`check_ledger`); a file that does not exist reads as empty and is not
    created. `writable=False` never changes the file.
    """

    def __init__(self, path: Path, *, writable: bool = False) -> None:
        self.path = Path(path)
        self.exists = os.path.lexists(self.path)
        self._connection: sqlite3.Connection | None = None
        if not self.exists:
            return
        check_ledger(self.path, writable=writable)
        try:
            self._connection = (_connect(self.path) if writable
                                else _connect_read_only(self.path))
        except sqlite3.Error as exc:
            raise OutputError(f"cannot use the ledger {self.path}: {exc}") from None

    def holdings(self) -> list[Holding]:
        """Each instance the ledger holds contacts of, by instance ID and base URL."""
        if self._connection is None:
            return []
        return [Holding(*row) for row in self._query(
            "SELECT a.instance_id, a.base_url, count(*), min(s.sent_at), max(s.sent_at) "
            "FROM accounts a JOIN sent s ON s.account = a.id "
            "GROUP BY a.id ORDER BY a.instance_id, a.base_url")]

    def entries(self, *, instance_id: str | None = None,
                base_url: str | None = None) -> Iterator[Entry]:
        """Every entry (of one instance, and base URL, when given), by instance and chat ID."""
        if self._connection is None:
            return
        where, params = _account_filter(instance_id, base_url)
        for row in self._query(
                "SELECT a.instance_id, a.base_url, s.chat_id, s.first_name, s.last_name, "
                f"s.sent_at FROM sent s JOIN accounts a ON a.id = s.account {where} "
                "ORDER BY a.instance_id, a.base_url, s.chat_id", params):
            yield Entry(*row)

    def forget(self, instance_id: str, base_url: str | None = None) -> list[Holding]:
        """Drop the entries of an instance (on one base URL, or on every one); returns what
        was dropped (nothing when the ledger holds none of it)."""
        dropped = [h for h in self.holdings() if h.instance_id == instance_id
                   and (base_url is None or h.base_url == base_url)]
        if not dropped or self._connection is None:
            return []
        where, params = _account_filter(instance_id, base_url)
        try:
            with self._connection:
                # The account row stays: an import running meanwhile keeps recording real
                # writes under it, and its number is never handed to another instance.
                ids = f"SELECT a.id FROM accounts a {where}"
                self._connection.execute(f"DELETE FROM sent WHERE account IN ({ids})", params)
        except sqlite3.Error as exc:
            raise OutputError(f"cannot change the ledger {self.path}: {exc}") from None
        return dropped

    def _query(self, sql: str, params: tuple[str, ...] = ()) -> Iterator[tuple[object, ...]]:
        assert self._connection is not None
        try:
            yield from self._connection.execute(sql, params)
        except sqlite3.Error as exc:
            raise OutputError(f"cannot read the ledger {self.path}: {exc}") from None

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


def _account_filter(instance_id: str | None, base_url: str | None) -> tuple[str, tuple[str, ...]]:
    clauses, params = [], []
    if instance_id is not None:
        clauses.append("a.instance_id = ?")
        params.append(instance_id)
    if base_url is not None:
        clauses.append("a.base_url = ?")
        params.append(base_url)
    return ("WHERE " + " AND ".join(clauses) if clauses else ""), tuple(params)


def set_aside(path: Path, *, now: float, label: str = "damaged") -> Path:
    """Move the ledger `path` (and its -wal and -shm files) aside as
    `<name>.<label>-<UTC date and time>`, never deleting it; returns where it went."""
    stamp = datetime.fromtimestamp(now, UTC).strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.{label}-{stamp}")
    n = 1
    while os.path.lexists(target):
        n += 1
        target = path.with_name(f"{path.name}.{label}-{stamp}-{n}")
    try:
        os.rename(path, target)
        for suffix in ("-wal", "-shm"):
            companion = path.with_name(path.name + suffix)
            if companion.exists():
                os.rename(companion, target.with_name(target.name + suffix))
    except OSError as exc:
        raise OutputError(f"cannot move the ledger {path} aside: {exc.strerror}") from None
    return target


def check_ledger(path: Path, *, writable: bool = True) -> None:
    """Raise LedgerUnusable unless the existing file `path` is a sound ledger of ours.

    Cheap enough for every open: the first 100 bytes, the schema, and `PRAGMA quick_check`
    (about 0.1 s on a ledger of a million entries; benchmarks/bench_ledger_check.py).
    FileNotFoundError when there is no file.
    """
    if path.is_dir():
        raise LedgerUnusable(path, "folder")
    try:
        with open(path, "r+b" if writable else "rb") as f:
            head = f.read(100)
    except FileNotFoundError:
        if not os.path.lexists(path):
            raise
        raise LedgerUnusable(path, "unreadable", "a link to a file that is not there") from None
    except IsADirectoryError:
        raise LedgerUnusable(path, "folder") from None
    except OSError as exc:
        raise LedgerUnusable(path, "unreadable", exc.strerror or str(exc)) from None
    if not head:
        raise LedgerUnusable(path, "empty")
    if not head.startswith(SQLITE_MAGIC):
        raise LedgerUnusable(path, "not_sqlite")
    try:
        with contextlib.closing(_connect_read_only(path)) as connection:
            tables = {name for (name,) in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")}
            if not tables >= _TABLES:
                raise LedgerUnusable(path, "foreign")
            row = connection.execute("SELECT value FROM meta WHERE key = 'version'").fetchone()
            version = str(row[0]) if row is not None else str(LEDGER_VERSION)
            if not version.isdigit():
                raise LedgerUnusable(path, "foreign")
            if int(version) > LEDGER_VERSION:
                raise LedgerUnusable(path, "newer", version)
            problems = [line for (line,) in connection.execute("PRAGMA quick_check(1)")]
            if problems != ["ok"]:
                # one line: "*** in database main ***\nPage 6: btreeInitPage() returns…"
                said = " ".join(map(str, problems)).replace("*** in database main ***", "")
                raise LedgerUnusable(path, "damaged", " ".join(said.split()))
    except sqlite3.DatabaseError as exc:
        # "file is not a database", "database disk image is malformed", "unable to open…":
        # told apart by SQLite's result code (the primary code is the low byte)
        cannot_open = getattr(exc, "sqlite_errorcode", 0) & 0xFF == sqlite3.SQLITE_CANTOPEN
        problem = "unreadable" if cannot_open else "damaged"
        raise LedgerUnusable(path, problem, str(exc)) from None


def create_ledger(path: Path) -> bool:
    """Create an empty ledger at `path`, whole or not at all; False if one appeared first.

    Built in a private file beside it and linked into place complete: a crash can leave a
    stray temporary file, never a 0-byte ledger (which would be taken for a damaged one).
    """
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".new", dir=path.parent)
        os.close(fd)  # mkstemp makes it 0600
    except OSError as exc:
        raise OutputError(f"cannot create the ledger {path}: {exc.strerror}") from None
    temporary = Path(name)
    try:
        with contextlib.closing(sqlite3.connect(temporary)) as connection, connection:
            connection.executescript(_SCHEMA)
            connection.execute("INSERT INTO meta (key, value) VALUES ('version', ?)",
                               (str(LEDGER_VERSION),))
        try:
            os.link(temporary, path)
        except FileExistsError:
            return False  # another run made it meanwhile: use theirs
        except OSError as exc:
            raise OutputError(f"cannot create the ledger {path}: {exc.strerror}") from None
        return True
    finally:
        temporary.unlink(missing_ok=True)


def _connect_read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True,
                           timeout=BUSY_TIMEOUT, isolation_level=None)


def _connect(path: Path) -> sqlite3.Connection:
    """Open the existing ledger file for writing, private to its owner."""
    try:
        os.chmod(path, 0o600)  # also a file made by hand, or copied in
    except OSError as exc:
        raise LedgerUnusable(path, "unreadable", exc.strerror or str(exc)) from None
    try:
        # Autocommit: every write transaction is opened and closed by `Ledger._retrying`,
        # never left open by the sqlite3 module.
        connection = sqlite3.connect(path, timeout=BUSY_TIMEOUT, isolation_level=None)
        # WAL: a reader never blocks the writer; NORMAL: a commit is not an fsync (losing
        # the last entries to a power cut only means sending those rows again).
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")
    except sqlite3.OperationalError as exc:  # "unable to open database file", read-only…
        raise LedgerUnusable(path, "unreadable", str(exc)) from None
    return connection


_UPSERT = ("INSERT OR REPLACE INTO sent (account, chat_id, first_name, last_name, sent_at) "
           "VALUES (?, ?, ?, ?, ?)")
