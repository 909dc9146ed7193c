"""The journal: every answered row, written and flushed the moment its answer comes.

It lives beside the results file, as ``<results>.journal.jsonl`` (JSON Lines)::

    {"journal": "wawp-import", "version": 1, "input": "/data/contacts.csv", "size": 48213,
     "blake2b": "9f0c…", "instance_id": "inst-1", "base_url": "https://api.wawp.net",
     "started": "2025-01-31T10:02:03Z", "resumed": false}
    {"row": 2, "chat_id": "201001234567@c.us", "first_name": "Ahmed", "last_name": "Hassan",
     "status": "ok", "attempts": 1, "http_status": 200, "detail": ""}
    …

The first line describes the run (never the token); then one line per row whose request got
an answer, in the order the answers came, not input order. A resumed run appends to the same
file: a new run line, then its own rows; for a row written twice, the later line wins.

Its life: created once the preflight has passed (a run refused at the door leaves none);
kept while the run is unfinished (killed, crashed, interrupted, or stopped by a 401); removed
once a run has gone through every row and the complete results file is in place. So a
journal on disk always means "an unfinished run": a plain re-run refuses to start over it
without --force, and --resume without one says there is nothing to resume.

Resume rules: a contact is skipped when the journal says it went through ok *the same*
(row number, chat ID, first and last name); everything else is sent again. It goes by
contact, not by row: a row with several numbers (--all-numbers) killed half-way sends only
its numbers not yet answered ok. A row
that was on the wire at the crash has no line and is sent again, which is safe because an
upsert is idempotent; a row is never skipped without an "ok" line. The input's size and
content hash, the instance ID and the base URL must match the journal's, else the resume is
refused (unless --force) naming what changed.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
import zlib
from array import array
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from json.encoder import encode_basestring_ascii as _ascii
from pathlib import Path
from typing import IO, Any

from ..errors import OutputError, UsageError
from ..models import Contact, Prepared, RowResult, Status
from ..notes import NoteCode, note
from ..problems import WORDS, Code, Problem, problem

JOURNAL_SUFFIX = ".journal.jsonl"
JOURNAL_KIND = "wawp-import"
JOURNAL_VERSION = 1
_SENT_EARLIER = problem(Code.SENT_EARLIER)
SENT_EARLIER = WORDS.detail(_SENT_EARLIER)
#: fsync at most this often: flush alone survives kill -9 (see JournalWriter)
FSYNC_INTERVAL = 1.0


def journal_path(results: Path) -> Path:
    """Where the journal of a run writing `results` lives."""
    return results.with_name(results.name + JOURNAL_SUFFIX)


@dataclass(frozen=True, slots=True)
class InputFingerprint:
    """What identifies an input file's content: its size and a BLAKE2b hash."""

    path: str
    size: int
    blake2b: str


def fingerprint(path: Path, *, chunk_size: int = 1 << 20) -> InputFingerprint:
    """Size and BLAKE2b of `path`, read in chunks (memory stays flat for any size)."""
    digest = hashlib.blake2b(digest_size=20)
    size = 0
    try:
        with path.open("rb") as f:
            while block := f.read(chunk_size):
                digest.update(block)
                size += len(block)
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None
    return InputFingerprint(str(path.resolve()), size, digest.hexdigest())


@dataclass(frozen=True, slots=True)
class RunHeader:
    """The first line of a journal: which input went to which instance."""

    input: InputFingerprint
    instance_id: str
    base_url: str
    started: str = ""
    resumed: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"journal": JOURNAL_KIND, "version": JOURNAL_VERSION, "input": self.input.path,
                "size": self.input.size, "blake2b": self.input.blake2b,
                "instance_id": self.instance_id, "base_url": self.base_url,
                "started": self.started, "resumed": self.resumed}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RunHeader:
        """Raises KeyError/TypeError/ValueError when `data` is not a run line."""
        if data.get("journal") != JOURNAL_KIND:
            raise ValueError("not a wawp-import journal")
        if data.get("version") != JOURNAL_VERSION:
            raise ValueError(f"journal version {data.get('version')!r} is not supported")
        return cls(InputFingerprint(str(data["input"]), int(data["size"]), str(data["blake2b"])),
                   str(data["instance_id"]), str(data["base_url"]), str(data.get("started", "")),
                   bool(data.get("resumed", False)))

    def differences(self, other: RunHeader) -> list[str]:
        """What differs from `other` (the current run) that makes resuming unsafe."""
        found = []
        if self.input.size != other.input.size:
            found.append(f"the input's size changed ({self.input.size:,} → "
                         f"{other.input.size:,} bytes)")
        elif self.input.blake2b != other.input.blake2b:
            found.append("the input's content changed (same size, different hash)")
        if found and self.input.path != other.input.path:
            found[-1] += f" and it is another file ({self.input.path} → {other.input.path})"
        if self.instance_id != other.instance_id:
            found.append(f"the instance ID changed ({self.instance_id} → {other.instance_id})")
        if self.base_url != other.base_url:
            found.append(f"the API address changed ({self.base_url} → {other.base_url})")
        return found


def contact_digest(contact: Contact) -> int:
    """A 32-bit digest of what was written for a contact (never 0)."""
    key = f"{contact.chat_id}\x1f{contact.first_name}\x1f{contact.last_name}"
    return zlib.crc32(key.encode("utf-8", "surrogatepass")) or 1


def chat_key(chat_id: str) -> int:
    """A chat ID as a number (its digits: E.164 numbers never start with 0), never 0."""
    digits = chat_id.partition("@")[0]
    if digits.isascii() and digits.isdigit() and len(digits) <= 18:
        return int(digits) or 1
    # not a number's chat ID (this tool never sends one, but a journal is a file anyone
    # can edit): a hash, negative so that it is never a number's key
    return -1 - zlib.crc32(chat_id.encode("utf-8", "surrogatepass"))


class SentRows:
    """The contacts a journal says went through ok, per row: the row number, the chat ID
    and a digest of what was written. A row with several numbers (--all-numbers) has one
    entry per number, so a resume skips each number already sent, not the whole row.

    Twelve bytes a row for the first contact of each row (two arrays indexed by row number)
    instead of dict entries of ~100: a resumed million-row import stays small. The other
    contacts of a row, and rows far beyond the last one seen (so one odd number cannot make
    the arrays huge), go to a dict.
    """

    _MAX_GAP = 1_000_000

    def __init__(self) -> None:
        self._chats = array("q")
        self._digests = array("I")
        self._more: dict[int, dict[int, int]] = {}
        self._count = 0

    def __len__(self) -> int:
        """How many contacts (not rows) went through ok."""
        return self._count

    def _dense(self, row: int) -> bool:
        return 0 <= row < len(self._digests)

    def add(self, row: int, contact: Contact) -> None:
        """`contact` of `row` went through ok (a later line for it wins)."""
        chat = chat_key(contact.chat_id)
        self.discard(row, contact.chat_id)
        digest = contact_digest(contact)
        if 0 <= row < len(self._digests) + self._MAX_GAP:
            if row >= len(self._digests):
                grow = row + 1 - len(self._digests)
                self._digests.extend([0] * grow)
                self._chats.extend([0] * grow)
            if not self._digests[row]:
                self._chats[row], self._digests[row] = chat, digest
                self._count += 1
                return
        self._more.setdefault(row, {})[chat] = digest
        self._count += 1

    def discard(self, row: int, chat_id: str) -> None:
        """The contact `chat_id` of `row` is not (or no longer) known as sent ok."""
        chat = chat_key(chat_id)
        if self._dense(row) and self._digests[row] and self._chats[row] == chat:
            self._chats[row] = self._digests[row] = 0
            self._count -= 1
            return
        more = self._more.get(row)
        if more is not None and more.pop(chat, None) is not None:
            self._count -= 1
            if not more:
                del self._more[row]

    def digest(self, row: int, chat_id: str) -> int:
        """The digest of what was written for `chat_id` in `row`, 0 when nothing was."""
        chat = chat_key(chat_id)
        if self._dense(row) and self._digests[row] and self._chats[row] == chat:
            return self._digests[row]
        return self._more.get(row, {}).get(chat, 0)

    def sent(self, row: int, contact: Contact) -> bool:
        """Whether `row` went through ok with this very contact."""
        digest = self.digest(row, contact.chat_id)
        return digest != 0 and digest == contact_digest(contact)

    def skip(self, items: Iterable[Prepared]) -> Iterator[Prepared]:
        """`items`, with the contacts already sent ok turned into ok results (nothing to
        send)."""
        for item in items:
            contact = item.contact
            if item.status is Status.READY and contact is not None and self.sent(item.row,
                                                                                 contact):
                detail = f"{SENT_EARLIER}; {item.detail}" if item.detail else SENT_EARLIER
                yield Prepared(item.row, item.values, Status.OK, contact, detail,
                               problem=_SENT_EARLIER)
            else:
                yield item


@dataclass(slots=True)
class PreviousRun:
    """What a journal on disk says: the last run line and the rows sent ok so far."""

    header: RunHeader
    sent: SentRows = field(default_factory=SentRows)
    answered: int = 0
    torn: int = 0


def read_journal(path: Path) -> PreviousRun:
    """Read a journal; raises UsageError when it is not one. A line cut short (the process
    was killed while writing it) is skipped: its row is simply sent again."""
    try:
        with path.open(encoding="utf-8", errors="replace") as f:
            try:
                header = RunHeader.from_json(json.loads(f.readline()))
            except (KeyError, TypeError, ValueError) as exc:
                raise UsageError(f"{path} is not a journal this version of wawp-import can "
                                 f"resume ({exc}); move it away to start over") from None
            previous = PreviousRun(header)
            for line in f:
                try:
                    data = json.loads(line)
                except ValueError:
                    previous.torn += 1
                    continue
                if not isinstance(data, dict):
                    previous.torn += 1
                elif "journal" in data:
                    try:
                        previous.header = RunHeader.from_json(data)
                    except (KeyError, TypeError, ValueError):
                        previous.torn += 1
                else:
                    _read_row(data, previous)
    except OSError as exc:
        raise UsageError(f"cannot read the journal {path}: {exc.strerror}") from None
    return previous


def _read_row(data: dict[str, Any], previous: PreviousRun) -> None:
    row = data.get("row")
    if not isinstance(row, int) or row < 0:
        previous.torn += 1
        return
    previous.answered += 1
    chat_id = str(data.get("chat_id", ""))
    if data.get("status") == Status.OK.value:
        contact = Contact(chat_id, str(data.get("first_name", "")),
                          str(data.get("last_name", "")))
        previous.sent.add(row, contact)
    else:
        previous.sent.discard(row, chat_id)


class JournalWriter:
    """Appends one line per answered row, flushed at once.

    flush() hands the line to the kernel, which keeps it however this process dies
    (kill -9, a crash, a second Ctrl-C); only a power cut or a kernel crash can lose the
    last lines. An fsync per line would cost a disk round trip per row — on a laptop disk
    more than the request itself — so the file is fsynced at most once a second and at close.
    """

    def __init__(self, path: Path, header: RunHeader, *, append: bool = False,
                 redact: Callable[[str], str] = str,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.path = path
        self.lines = 0
        self._redact = redact
        self._clock = clock
        self._synced = clock()
        try:
            if append:
                _end_torn_line(path)
            # The journal holds phone numbers and names: readable by its owner only.
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | (os.O_APPEND if append else os.O_TRUNC),
                         0o600)
            self._file: IO[str] = os.fdopen(fd, "w", encoding="utf-8", newline="\n")
        except OSError as exc:
            raise OutputError(f"cannot write the journal {path}: {exc.strerror}") from None
        self._write(header.to_json())

    def record(self, result: RowResult) -> None:
        """Write and flush the line of one answered row."""
        if result.problem is None and not result.detail:
            # Nearly every row (an ok without a note): its line formatted directly, the
            # bytes json.dumps writes for the same dict, without building and walking one.
            # At ~2,000 rows a second this line is on the sending loop's every turn.
            self._write_line(_plain_line(result))
            self.lines += 1
            return
        self._write({"row": result.row, "chat_id": result.chat_id,
                     "first_name": result.first_name, "last_name": result.last_name,
                     "status": result.status.value, "attempts": result.attempts,
                     "http_status": result.http_status,
                     "detail": self._redact(result.detail) if result.detail else "",
                     **_problem_json(result.problem, self._redact)})
        self.lines += 1

    def _write(self, data: dict[str, Any]) -> None:
        # ASCII with \u escapes: any name the input held (a lone surrogate included)
        # can be written, and reads back exactly, so its digest matches on resume.
        self._write_line(json.dumps(data) + "\n")

    def _write_line(self, line: str) -> None:
        try:
            self._file.write(line)
            self._file.flush()
            now = self._clock()
            if now - self._synced >= FSYNC_INTERVAL:
                os.fsync(self._file.fileno())
                self._synced = now
        except OSError as exc:
            raise OutputError(f"cannot write the journal {self.path}: {exc.strerror}") from None

    def close(self) -> None:
        if self._file.closed:
            return
        try:
            try:
                self._file.flush()
                os.fsync(self._file.fileno())
            finally:
                # closing flushes again what a full disk refused, and fails the same way
                self._file.close()
        except OSError as exc:
            raise OutputError(f"cannot write the journal {self.path}: {exc.strerror}") from None

    def __enter__(self) -> JournalWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _plain_line(result: RowResult) -> str:
    """`json.dumps` of the line of a row without problem or detail, byte for byte (the
    strings escaped to ASCII by json's own encoder, as `json.dumps` does)."""
    row, attempts, http_status = result.row, result.attempts, result.http_status
    if type(row) is not int or type(attempts) is not int or not (
            http_status is None or type(http_status) is int):
        return json.dumps({"row": row, "chat_id": result.chat_id,
                           "first_name": result.first_name, "last_name": result.last_name,
                           "status": result.status.value, "attempts": attempts,
                           "http_status": http_status, "detail": ""}) + "\n"
    status = "null" if http_status is None else http_status
    return (f'{{"row": {row}, "chat_id": {_ascii(result.chat_id)}, '
            f'"first_name": {_ascii(result.first_name)}, '
            f'"last_name": {_ascii(result.last_name)}, '
            f'"status": {_ascii(result.status.value)}, "attempts": {attempts}, '
            f'"http_status": {status}, "detail": ""}}\n')


def _problem_json(found: Problem | None, redact: Callable[[str], str]) -> dict[str, Any]:
    """A journal line's "problem" key (none without a problem), its texts redacted."""
    if found is None:
        return {}

    def clean(value: Any) -> Any:
        if isinstance(value, str):
            return redact(value) if value else value
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items()}
        if isinstance(value, list):
            return [clean(v) for v in value]
        return value

    return {"problem": clean(found.to_json())}


def _end_torn_line(path: Path) -> None:
    """End a last line cut short by a kill, so the next line starts on a line of its own."""
    with path.open("rb+") as f:
        f.seek(0, os.SEEK_END)
        if f.tell() == 0:
            return
        f.seek(-1, os.SEEK_END)
        if f.read(1) != b"\n":
            f.write(b"\n")


@dataclass(slots=True)
class JournalPlan:
    """What this run does with the journal: where it is, what to skip, whether to append."""

    path: Path
    header: RunHeader
    previous: PreviousRun | None = None

    @property
    def resuming(self) -> bool:
        return self.previous is not None

    def open(self, *, redact: Callable[[str], str] = str) -> JournalWriter:
        """Start writing: a fresh journal, or the old one continued when resuming."""
        header = RunHeader(self.header.input, self.header.instance_id, self.header.base_url,
                           started=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                           resumed=self.resuming)
        return JournalWriter(self.path, header, append=self.resuming, redact=redact)

    def skip_sent(self, items: Iterable[Prepared]) -> Iterable[Prepared]:
        """`items`, minus the rows an earlier run already sent ok."""
        if self.previous is None or not len(self.previous.sent):
            return items
        return self.previous.sent.skip(items)

    def finished(self) -> None:
        """The run went through every row and its results are complete: drop the journal."""
        try:
            self.path.unlink(missing_ok=True)
        except OSError as exc:
            raise OutputError(f"cannot remove the journal {self.path}: {exc.strerror}") from None


def plan_journal(results: Path, input_path: Path, *, instance_id: str, base_url: str,
                 resume: bool = False, force: bool = False) -> JournalPlan:
    """Decide what to do with the journal of `results`, before anything is sent.

    Raises UsageError when a run would start over an unfinished one (no --resume), when
    --resume finds no journal, or when the input or the instance changed (no --force).
    """
    path = journal_path(results)
    header = RunHeader(fingerprint(input_path), instance_id, base_url)
    exists = path.exists()
    if exists and path.stat().st_size == 0:
        # Killed before even the run line was written: nothing was sent, nothing to keep.
        return JournalPlan(path, header, PreviousRun(header) if resume else None)
    if not resume:
        if exists and not force:
            raise UsageError(note=note(NoteCode.JOURNAL_UNFINISHED, journal=str(path)))
        return JournalPlan(path, header)
    if not exists:
        raise UsageError(note=note(NoteCode.NOTHING_TO_RESUME, journal=str(path),
                                   results=str(results)))
    previous = read_journal(path)
    changes = previous.header.differences(header)
    if changes and not force:
        raise UsageError(note=note(NoteCode.RESUME_CHANGED, changes=tuple(changes)))
    return JournalPlan(path, header, previous)
