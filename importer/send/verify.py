"""`--verify`: ask WAWP whether each number is on WhatsApp before writing it to the address book.

WAWP allows one `GET /v2/contacts/check-exists` per second per instance, so 10,000 numbers take
close to three hours. Two things keep that bearable:

- answers are cached on disk per instance (`CheckCache`), so a re-run, a `--retry-failed` or
  next week's import asks only about numbers it has not seen;
- the check is a pass of its own before sending (`Verifier.check_all`), so the number of
  questions, and how long they will take, is known and shown before the first one is asked.

WhatsApp may know a number under another form than its E.164 digits (Brazil's ninth digit,
Mexico's `521`): the chat ID the API returns is the one written, and two rows that turn out to
be the same account are sent once (`Verifier.apply`).
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

from ..atomic import write_atomically
from ..errors import ApiRejected
from ..models import Prepared, Status
from ..options import DEFAULT_VERIFY_RATE
from ..problems import Code, Problem, detail_of, problem
from .client import ExistsOutcome
from .pacing import Pacer
from .runner import RunControl

#: How long an answer is trusted. A number that is not on WhatsApp today may be tomorrow,
#: so "no" is asked again sooner than "yes".
FOUND_MAX_AGE = 30 * 24 * 3600.0
MISSING_MAX_AGE = 24 * 3600.0
#: Answers between two saves of the cache, so an interrupted three-hour check keeps its work.
SAVE_EVERY = 25
CACHE_VERSION = 1

_ACCOUNT = re.compile(r"^(\d{7,15})@(?:c\.us|s\.whatsapp\.net)$")


class ExistsChecker(Protocol):
    async def check_exists(self, phone: str, *, pacer: Pacer | None = None) -> ExistsOutcome: ...


@dataclass(frozen=True, slots=True)
class VerifyProgress:
    """Where the check stands: `done` of `to_check` numbers asked, `cached` answered from disk."""

    to_check: int
    done: int
    cached: int
    rate: float

    @property
    def seconds_left(self) -> float:
        """The time the remaining checks take at the allowed rate (0 when unlimited)."""
        return (self.to_check - self.done) / self.rate if self.rate > 0 else 0.0


@dataclass(frozen=True, slots=True)
class Answer:
    """What check-exists said: the account's chat ID, or None for "not on WhatsApp"."""

    chat_id: str | None


def digits_of(chat_id: str) -> str:
    """The phone digits of a chat ID (`201001234567@c.us` → `201001234567`)."""
    return chat_id.split("@", 1)[0]


class CheckCache:
    """Check-exists answers of one instance, kept in a JSON file between runs.

    `path` None keeps them in memory only. A missing or damaged file is an empty cache: a cache
    never stops a run. The file holds phone numbers, so it is readable by its owner only.
    """

    def __init__(self, path: Path | None, *, clock: Callable[[], float] = time.time,
                 found_max_age: float = FOUND_MAX_AGE,
                 missing_max_age: float = MISSING_MAX_AGE) -> None:
        self.path = path
        self._clock = clock
        self.found_max_age = found_max_age
        self.missing_max_age = missing_max_age
        # digits → (chat ID or None for "not on WhatsApp", when it was asked)
        self._answers: dict[str, tuple[str | None, float]] = {}
        self._dirty = False
        if path is not None:
            self._load(path)

    def _load(self, path: Path) -> None:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return
        if not isinstance(data, dict) or data.get("version") != CACHE_VERSION:
            return
        answers = data.get("answers")
        if not isinstance(answers, dict):
            return
        for digits, entry in answers.items():
            if not isinstance(entry, dict):
                continue
            chat_id, when = entry.get("chat_id"), entry.get("checked_at")
            if (chat_id is None or isinstance(chat_id, str)) and isinstance(when, (int, float)):
                self._answers[str(digits)] = (chat_id, float(when))

    def __len__(self) -> int:
        return len(self._answers)

    def __contains__(self, digits: str) -> bool:
        return self.lookup(digits) is not None

    def lookup(self, digits: str) -> Answer | None:
        """The answer about `digits`; None when never asked, or asked too long ago."""
        entry = self._answers.get(digits)
        if entry is None:
            return None
        chat_id, when = entry
        max_age = self.found_max_age if chat_id else self.missing_max_age
        if self._clock() - when > max_age:
            return None
        return Answer(chat_id)

    def put(self, digits: str, chat_id: str | None) -> None:
        """Remember an answer: the account's chat ID, or None when the number is not on WhatsApp."""
        self._answers[digits] = (chat_id, self._clock())
        self._dirty = True

    def save(self) -> None:
        """Write the file if anything changed, whole or not at all. A cache that cannot be
        written costs only time on the next run, so failure to write is not an error."""
        if self.path is None or not self._dirty:
            return
        data = {"version": CACHE_VERSION,
                "answers": {d: {"chat_id": c, "checked_at": round(t, 3)}
                            for d, (c, t) in self._answers.items()}}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            write_atomically(self.path, json.dumps(data, separators=(",", ":")),
                             permissions=0o600)
        except OSError:
            return
        self._dirty = False


class Verifier:
    """Asks check-exists about numbers (paced, cached) and applies the answers to rows."""

    def __init__(self, checker: ExistsChecker, cache: CheckCache, *,
                 rate: float = DEFAULT_VERIFY_RATE, control: RunControl | None = None,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.checker = checker
        self.cache = cache
        self.rate = rate
        self.control = control or RunControl()
        self.pacer = Pacer(rate, sleep=sleep, clock=clock)
        self.errors: dict[str, ExistsOutcome] = {}
        self.checked = 0
        self.cached = 0

    def numbers_to_check(self, items: Iterable[Prepared]) -> list[str]:
        """The distinct numbers of the rows to send that the cache cannot answer, in order.

        Counts the ones it can answer in `cached`.
        """
        seen: set[str] = set()
        to_check: list[str] = []
        for item in items:
            if item.status is not Status.READY or item.contact is None:
                continue
            digits = digits_of(item.contact.chat_id)
            if digits in seen:
                continue
            seen.add(digits)
            if digits in self.cache:
                self.cached += 1
            else:
                to_check.append(digits)
        return to_check

    async def check_all(self, numbers: list[str],
                        on_progress: Callable[[VerifyProgress], None] | None = None) -> None:
        """Ask about each number in turn, at most `rate` a second; stops when the run stops.

        A 401/403 stops the run (`control.abort`); a number that gets no answer is remembered
        in `errors` and its rows fail.
        """
        total = len(numbers)
        if on_progress is not None:
            on_progress(VerifyProgress(total, 0, self.cached, self.rate))
        try:
            for done, digits in enumerate(numbers, 1):
                if self.control.stopped:
                    break
                try:
                    outcome = await self.checker.check_exists(digits, pacer=self.pacer)
                except ApiRejected as exc:
                    self.control.abort(str(exc))
                    break
                if outcome.exists is None and self.control.stopped:
                    break  # not an answer: the run stopped; its rows end not_attempted
                self.checked += 1
                if outcome.exists is None:
                    self.errors[digits] = outcome
                else:
                    self.cache.put(digits, _account(outcome, digits))
                if self.checked % SAVE_EVERY == 0:
                    self.cache.save()
                if on_progress is not None:
                    on_progress(VerifyProgress(total, done, self.cached, self.rate))
        finally:
            self.cache.save()

    def apply(self, items: Iterable[Prepared]) -> Iterator[Prepared]:
        """Each row with its answer: the account's chat ID, not_on_whatsapp, or failed.

        Two rows that are one WhatsApp account (say 5511987654321 and 551187654321) are sent
        once: the later one becomes a duplicate naming the first.
        """
        first_row: dict[str, int] = {}
        for item in items:
            contact = item.contact
            if item.status is not Status.READY or contact is None:
                yield item
                continue
            digits = digits_of(contact.chat_id)
            answer = self.cache.lookup(digits)
            if answer is None:
                error = self.errors.get(digits)
                if error is not None:
                    yield _with(item, Status.FAILED, problem(
                        Code.CHECK_FAILED, **({"problem": error.problem} if error.problem
                                              else {"said": error.detail})))
                elif self.control.stopped:
                    yield item  # never asked: the run stopped first; it ends not_attempted
                else:
                    yield _with(item, Status.FAILED, problem(Code.NOT_CHECKED))
                continue
            account = answer.chat_id
            if account is None:
                yield _with(item, Status.NOT_ON_WHATSAPP, problem(Code.NOT_ON_WHATSAPP))
                continue
            if account != contact.chat_id:
                item = replace(item, contact=replace(contact, chat_id=account),
                               detail=_join(f"WhatsApp knows this number as {digits_of(account)}",
                                            item.detail))
            first = first_row.setdefault(account, item.row)
            if first != item.row:
                yield _with(item, Status.DUPLICATE, problem(Code.SAME_ACCOUNT_AS, row=first))
            else:
                yield item


def _account(outcome: ExistsOutcome, digits: str) -> str | None:
    """The chat ID to write for an answer, or None when the number is not on WhatsApp."""
    if not outcome.exists:
        return None
    match = _ACCOUNT.match(outcome.chat_id or "")
    # An answer without a usable chat ID still says the number exists: keep our own form.
    return f"{match.group(1)}@c.us" if match else f"{digits}@c.us"


def _join(*parts: str) -> str:
    return "; ".join(p for p in parts if p)


def _with(item: Prepared, status: Status, found: Problem) -> Prepared:
    return replace(item, status=status, detail=detail_of(found, item.detail), problem=found)
