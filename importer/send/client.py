"""The WAWP API client: one upsert per contact, retried with tenacity, token never shown."""

from __future__ import annotations

import asyncio
import email.utils
import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from json.encoder import encode_basestring
from typing import Any
from urllib.parse import quote, urlencode

import httpx
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, stop_after_attempt
from tenacity.wait import wait_exponential_jitter

from ..errors import ApiRejected, ApiUnreachable, ImporterError
from ..models import Contact
from ..notes import NoteCode, note
from ..problems import WORDS, Code, Problem, problem
from ..redact import Redactor
from .answers import OK_BODIES, describe_body, is_json, is_ok_body, parse_json_object
from .control import RunControl
from .pacing import Pacer

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
AUTH_STATUSES = frozenset({401, 403})
MAX_RETRY_AFTER = 300.0


@dataclass(frozen=True, slots=True)
class UpsertOutcome:
    """What happened to one contact: `ok`, how many HTTP attempts, the last status and why.

    `attempts` counts requests that went on the wire. `rejected` means the API refused the
    credentials (401/403): no other row can succeed, so the caller stops the run.
    `stopped` means the run was stopped before this row was done (not sent at all when
    `attempts` is 0, else not retried).
    """

    ok: bool
    attempts: int
    http_status: int | None
    detail: str = ""
    rejected: bool = False
    stopped: bool = False
    #: What went wrong, as data (`detail` says it in words).
    problem: Problem | None = None

    @classmethod
    def failed(cls, attempts: int, http_status: int | None, found: Problem, *,
               rejected: bool = False, stopped: bool = False) -> UpsertOutcome:
        """A row that did not go through, with its problem and the problem's words."""
        return cls(False, attempts, http_status, WORDS.detail(found), rejected, stopped, found)


@dataclass(frozen=True, slots=True)
class ExistsOutcome:
    """A check-exists answer: `exists` is None when no answer came (`detail` says why)."""

    exists: bool | None
    chat_id: str | None
    attempts: int
    http_status: int | None
    detail: str = ""
    problem: Problem | None = None

    @classmethod
    def unanswered(cls, attempts: int, http_status: int | None,
                   found: Problem) -> ExistsOutcome:
        """No answer, with its problem and the problem's words."""
        return cls(None, None, attempts, http_status, WORDS.detail(found), found)


class _Stopped(Exception):
    """The run was stopped: no further attempt for this row."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class RetryableError(Exception):
    """One attempt failed in a way worth trying again (429, 5xx, timeout, dropped connection)."""

    def __init__(self, reason: str, *, http_status: int | None = None,
                 retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.http_status = http_status
        self.retry_after = retry_after


class UnexpectedAnswer(RetryableError):
    """A 2xx answer that is not the one the API documents (a proxy's page, `{"ok": false}`,
    an empty body…): retried like a 5xx, and never taken for a success.

    `from_api` is False when the body is not even JSON: then something other than the
    API most likely answered.
    """

    def __init__(self, what: str, *, http_status: int, from_api: bool) -> None:
        super().__init__(f"unexpected answer from the API: {what} (HTTP {http_status})",
                         http_status=http_status)
        self.from_api = from_api


def gave_up(exc: RetryableError, attempts: int, *, check: bool = False) -> Problem:
    """The problem of a request that failed `attempts` times, the last time with `exc`
    (`check`: a check-exists call, which stores nothing)."""
    params: dict[str, Any] = {"attempts": attempts, "reason": exc.reason}
    if isinstance(exc, UnexpectedAnswer):
        return Problem(Code.UNEXPECTED_ANSWER, {**params, "http_status": exc.http_status,
                                                "from_api": exc.from_api,
                                                **({"check": True} if check else {})})
    if exc.http_status is not None:
        return Problem(Code.API_ERROR, {**params, "http_status": exc.http_status})
    return Problem(Code.API_NO_ANSWER, params)


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (seconds or an HTTP date), capped."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        seconds = when.timestamp() - (time.time() if now is None else now)
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


class WawpClient:
    """Talks to one WAWP instance. Use as `async with WawpClient(...) as client:`."""

    def __init__(self, base_url: str, instance_id: str, access_token: str, *,
                 transport: httpx.AsyncBaseTransport | None = None,
                 timeout: float = 30.0, max_attempts: int = 5, max_connections: int = 8,
                 pacer: Pacer | None = None,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
                 control: RunControl | None = None) -> None:
        self.redact = Redactor([access_token])
        self.max_attempts = max_attempts
        self.pacer = pacer or Pacer()
        #: when it says stop, no further attempt starts (see RunControl)
        self.control = control
        self._sleep = sleep
        self._stop = stop_after_attempt(max_attempts)
        self._retry = retry_if_exception_type(RetryableError)
        self._params = {"instance_id": instance_id, "access_token": access_token}
        # The upsert is the hot path: its URL is built as one string, already in the form
        # httpx gives it (the prefix is httpx's; the chat ID and the query are quoted to
        # characters httpx keeps as they are), and sent through `exchange` with neither an
        # httpx.Request nor an httpx.Response unless the answer is not the documented
        # success (see transport.py).
        self._base_url = base_url.rstrip("/")
        self._contacts_url = str(httpx.URL(f"{self._base_url}/v2/contacts/"))
        self._query = urlencode(self._params)
        self._headers = (("Content-Type", "application/json"), ("Accept", "application/json"),
                         ("Accept-Encoding", "gzip, deflate"), ("User-Agent", "wawp-importer"))
        # httpx's four timeouts bound each phase (a read timeout each read, which a server
        # trickling a byte at a time never trips); `total`, which the transport reads too,
        # bounds the whole request: connect, send, wait and read the whole answer.
        self._timeout = {**httpx.Timeout(timeout).as_dict(), "total": timeout}
        self._extensions = {"timeout": self._timeout}
        # Imported here: aiohttp takes ~0.2 s to import, and a dry run never sends.
        from .transport import StatelessClient, default_transport, exchange_over

        transport = transport or default_transport(max_connections)
        self._exchange = exchange_over(transport)  # the upserts
        self._http = StatelessClient(  # the rest; it closes the transport
            base_url=base_url.rstrip("/"),
            transport=transport,
            timeout=timeout,
            headers={"Content-Type": "application/json", "User-Agent": "wawp-importer"},
        )

    async def __aenter__(self) -> WawpClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def session_info(self) -> dict[str, Any]:
        """`GET /v2/session/info`, retried like an upsert (a 429 or a dropped connection at
        the door must not stop a run); raises ApiRejected on 401/403, ImporterError otherwise.
        """
        # Paced apart from the upserts: a 429 at the door waits its Retry-After, but says
        # nothing about the rate the contacts can be written at.
        pacer = Pacer(sleep=self._sleep)
        retrying = self._retrying()
        try:
            async for attempt in retrying:
                with attempt:
                    response, body = await self._session_info_attempt(pacer)
        except UnexpectedAnswer as exc:
            raise ImporterError(note=note(NoteCode.SESSION_ANSWER_UNEXPECTED, reason=exc.reason,
                                          attempts=self.max_attempts,
                                          from_api=exc.from_api)) from None
        except RetryableError as exc:
            if exc.http_status is None:  # never an answer: the address or the network
                raise ApiUnreachable(f"cannot reach the API at {self._base_url}: {exc.reason} "
                                     f"(after {self.max_attempts} attempts)",
                                     base_url=str(self._base_url), reason=exc.reason) from None
            # it answered, and kept answering an error: say what it answered
            raise ImporterError(f"session check failed: the API at {self._base_url} answered "
                                f"{exc.reason} (after {self.max_attempts} attempts)") from None
        if body is not None:
            return body
        status = response.status_code
        if status == 404:
            raise ImporterError(note=note(NoteCode.SESSION_INFO_MISSING,
                                          base_url=str(self._base_url)))
        raise ImporterError(f"session check failed: HTTP {status} "
                            f"{self.api_message(response)}".rstrip())

    async def _session_info_attempt(self, pacer: Pacer
                                    ) -> tuple[httpx.Response, dict[str, Any] | None]:
        """The answer, with the session when it is one (`{"status": …, …}`); any other 2xx
        answer raises UnexpectedAnswer. Paced by `pacer`, never the sending one."""
        sent_at = await pacer.acquire()
        try:
            response = await self._http.get("/v2/session/info", params=self._params,
                                            extensions=self._extensions)
        except httpx.HTTPError as exc:
            raise RetryableError(self.describe_error(exc)) from None
        status = self._classify(response, pacer, sent_at=sent_at).status_code
        if not 200 <= status < 300:
            return response, None
        body = parse_json_object(response.content) if status == 200 else None
        if body is None or not isinstance(body.get("status"), str):
            raise self._unexpected(response)
        return response, body

    async def upsert(self, contact: Contact) -> UpsertOutcome:
        """Create or update one contact, retrying what is worth retrying.

        Never raises for an API answer: a 401/403 comes back as a `rejected` outcome (with
        the attempts really made) for the caller to stop the run.
        """
        attempts = 0
        last: RetryableError | None = None
        throttled = False  # this contact had a 429: another one is its own, not the run's

        async def send_once(request: tuple[str, bytes]) -> UpsertOutcome:
            nonlocal attempts, throttled
            self._check_not_stopped()
            sent_at = await self.pacer.acquire()
            self._check_not_stopped()  # the wait for a slot may have been cut short
            attempts += 1
            try:
                return await self._attempt(*request, attempts, sent_at, repeat=throttled)
            except RetryableError as exc:
                throttled = throttled or exc.http_status == 429
                raise

        try:
            request = self._upsert_request(contact)
            # The first attempt goes out before tenacity is involved: nearly every row needs
            # no other, and tenacity's state for one call (a retry state, a Future with its
            # lock, closures in reference cycles) is ~25 objects the garbage collector has
            # to find, per row. A failed first attempt is replayed as tenacity's attempt 1,
            # so every wait and the decision to stop stay tenacity's.
            try:
                return await send_once(request)
            except RetryableError as exc:
                last = exc
            async for attempt in self._retrying():
                with attempt:
                    if attempt.retry_state.attempt_number == 1:
                        raise last
                    try:
                        return await send_once(request)
                    except RetryableError as exc:
                        last = exc
                        raise
        except RetryableError as exc:
            return UpsertOutcome.failed(attempts, exc.http_status, gave_up(exc, attempts))
        except ApiRejected as exc:
            return UpsertOutcome.failed(attempts, exc.status, problem(
                Code.API_REJECTED_TOKEN, http_status=exc.status, message=str(exc)),
                rejected=True)
        except _Stopped as exc:
            if last is None:
                return UpsertOutcome.failed(attempts, None,
                                            problem(Code.NOT_SENT, why=exc.reason), stopped=True)
            return UpsertOutcome.failed(attempts, last.http_status, problem(
                Code.NOT_RETRIED, reason=last.reason, why=exc.reason), stopped=True)
        except Exception as exc:  # a bug (ours or a library's) fails this row, not the run
            log.error("internal error sending a contact", exc_info=exc)
            return UpsertOutcome.failed(attempts, None, problem(
                Code.INTERNAL_ERROR, error=type(exc).__name__, message=self.redact(str(exc))))
        raise AssertionError("unreachable")  # pragma: no cover

    def _retrying(self) -> AsyncRetrying:
        """Retry what is worth retrying, up to max_attempts, with `_wait` between tries."""
        return AsyncRetrying(stop=self._stop, wait=self._wait, retry=self._retry,
                             sleep=self._sleep, reraise=True)

    def _check_not_stopped(self) -> None:
        control = self.control
        if control is not None and control.stopped:
            raise _Stopped(control.stop_reason)

    def _upsert_request(self, contact: Contact) -> tuple[str, bytes]:
        """The URL and body of a contact's PUT."""
        url = f"{self._contacts_url}{quote(contact.chat_id, safe='@')}?{self._query}"
        # json.dumps(…, ensure_ascii=False, separators=(",", ":")) byte for byte, at a tenth
        # of its cost: the same string encoder, without building and walking a dict.
        body = (f'{{"firstName":{encode_basestring(contact.first_name)},'
                f'"lastName":{encode_basestring(contact.last_name)}}}').encode()
        return url, body

    async def check_exists(self, phone: str, *, pacer: Pacer | None = None) -> ExistsOutcome:
        """`GET /v2/contacts/check-exists?phone=…`: is this number on WhatsApp, under which chat ID?

        `phone` is the number's digits. `pacer` paces these calls apart from the upserts
        (WAWP allows one check per second per instance). Raises ApiRejected on 401/403.
        """
        pacer = pacer or Pacer()
        attempts = 0
        retrying = self._retrying()
        try:
            async for attempt in retrying:
                with attempt:
                    attempts += 1
                    return await self._check_attempt(phone, attempts, pacer)
        except RetryableError as exc:
            return ExistsOutcome.unanswered(attempts, exc.http_status,
                                            gave_up(exc, attempts, check=True))
        except _Stopped as exc:
            return ExistsOutcome.unanswered(attempts - 1, None,
                                            problem(Code.NOT_CHECKED, why=exc.reason))
        raise AssertionError("unreachable")  # pragma: no cover

    async def _check_attempt(self, phone: str, attempt: int, pacer: Pacer) -> ExistsOutcome:
        sent_at = await pacer.acquire()
        self._check_not_stopped()  # the wait may have ended because the run stopped
        try:
            response = await self._http.get("/v2/contacts/check-exists",
                                            params={**self._params, "phone": phone},
                                            extensions=self._extensions)
        except httpx.HTTPError as exc:
            raise RetryableError(self.describe_error(exc)) from None
        status = self._classify(response, pacer, sent_at=sent_at).status_code
        if not 200 <= status < 300:
            return ExistsOutcome.unanswered(attempt, status, problem(
                Code.API_REFUSED, http_status=status, message=self.api_message(response),
                check=True))
        body = parse_json_object(response.content) if status == 200 else None
        if body is None or not isinstance(body.get("numberExists"), bool):
            raise self._unexpected(response)
        chat_id = body.get("chatId")
        return ExistsOutcome(body["numberExists"], chat_id if isinstance(chat_id, str) else None,
                             attempt, status)

    async def _attempt(self, url: str, body: bytes, attempt: int,
                       sent_at: float, *, repeat: bool = False) -> UpsertOutcome:
        try:
            answer = await self._exchange.exchange("PUT", url, self._headers, body,
                                                   self._timeout)
            if log.isEnabledFor(logging.INFO):  # the line httpx logs for the other requests
                log.info('HTTP Request: PUT %s "HTTP/1.1 %d %s"', url, answer.status,
                         answer.reason)
            if answer.status == 200 and not answer.encoded and answer.content in OK_BODIES:
                self.pacer.succeeded()  # the documented success, byte for byte: nearly all
                return UpsertOutcome(True, attempt, 200, "")
            response = answer.response()  # decoding a body can fail (a DecodingError)
        except httpx.HTTPError as exc:
            raise RetryableError(self.describe_error(exc)) from None
        status = self._classify(response, self.pacer, sent_at=sent_at,
                                repeat=repeat).status_code
        if 200 <= status < 300:
            # Only the documented answer is a success: any other 2xx may come from a proxy
            # that never reached WAWP, and a row called ok is never sent again.
            if status != 200 or not is_ok_body(response.content):
                raise self._unexpected(response)
            self.pacer.succeeded()
            return UpsertOutcome(True, attempt, status, "")
        return UpsertOutcome.failed(attempt, status, problem(
            Code.API_REFUSED, http_status=status, message=self.api_message(response)))

    def _classify(self, response: httpx.Response, pacer: Pacer, *,
                  sent_at: float | None = None, repeat: bool = False) -> httpx.Response:
        """The response when it is the API's last word on this request; else raises.

        401/403 raise ApiRejected (no request can succeed with these credentials); 429 and
        5xx raise RetryableError with the Retry-After to wait, and a 429 slows `pacer`
        down (once per request: `repeat` for a request that had one already): every
        endpoint reads these answers the same way.
        """
        status = response.status_code
        if status in AUTH_STATUSES:
            raise ApiRejected(self._rejected_message(response), status=status)
        if status in RETRY_STATUSES:
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            if status == 429:
                pacer.throttled(retry_after, sent_at=sent_at, repeat=repeat)
            raise RetryableError(f"HTTP {status} {self.api_message(response)}".rstrip(),
                                 http_status=status, retry_after=retry_after)
        return response

    def _unexpected(self, response: httpx.Response) -> UnexpectedAnswer:
        """A 2xx answer that is not the documented one, described in a few words."""
        body = response.content
        what = describe_body(body, response.headers.get("Content-Type", ""))
        return UnexpectedAnswer(self.redact(what), http_status=response.status_code,
                                from_api=is_json(body))

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, RetryableError) and exc.retry_after is not None:
            return exc.retry_after
        return wait_exponential_jitter(multiplier=0.5, max=30.0, jitter=0.5)(state)

    def api_message(self, response: httpx.Response) -> str:
        """The API's own explanation of an error response, short and redacted."""
        text = response.text.strip()
        try:
            body = json.loads(text)
        except ValueError:
            body = None
        if isinstance(body, dict):
            parts = [str(body[k]) for k in ("error", "message") if body.get(k)]
            text = " — ".join(parts) if parts else text
        return self.redact(" ".join(text.split())[:300])

    def describe_error(self, exc: BaseException) -> str:
        """A transport error in words, with the token masked."""
        from .transport import transport_error_kind

        kind = transport_error_kind(exc)
        message = self.redact(str(exc))
        return f"{kind} ({message})" if message and message != kind else kind

    def _rejected_message(self, response: httpx.Response) -> str:
        return (f"the API rejected the instance ID or access token (HTTP {response.status_code}"
                f" {self.api_message(response)}); check WAWP_INSTANCE_ID and the token").replace(
                    "  ", " ")
