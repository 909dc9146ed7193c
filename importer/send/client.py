"""The WAWP API client: one upsert per contact, retried with tenacity, token never shown."""

from __future__ import annotations

import asyncio
import email.utils
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

import httpx
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, stop_after_attempt
from tenacity.wait import wait_exponential_jitter

from ..errors import ApiRejected, ApiUnreachable, ImporterError
from ..models import Contact
from ..redact import Redactor
from .control import RunControl
from .pacing import Pacer

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


@dataclass(frozen=True, slots=True)
class ExistsOutcome:
    """A check-exists answer: `exists` is None when no answer came (`detail` says why)."""

    exists: bool | None
    chat_id: str | None
    attempts: int
    http_status: int | None
    detail: str = ""


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
        # The upsert is the hot path: its URL is built as one string and its request sent
        # with `send`, because httpx's `params=` merging parses the URL three times and
        # `build_request` costs as much again (a third of the client's CPU per row).
        self._base_url = base_url.rstrip("/")
        self._query = urlencode(self._params)
        self._headers = httpx.Headers({"Content-Type": "application/json",
                                       "Accept": "application/json",
                                       "Accept-Encoding": "gzip, deflate",
                                       "User-Agent": "wawp-importer"})
        self._timeout = httpx.Timeout(timeout).as_dict()
        # Imported here: aiohttp takes ~0.2 s to import, and a dry run never sends.
        from .transport import StatelessClient, default_transport

        self._http = StatelessClient(
            base_url=base_url.rstrip("/"),
            transport=transport or default_transport(max_connections),
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
        retrying = self._retrying()
        try:
            async for attempt in retrying:
                with attempt:
                    response = await self._session_info_attempt()
        except RetryableError as exc:
            message = (f"cannot reach the API at {self._base_url}: {exc.reason} "
                       f"(after {self.max_attempts} attempts)")
            if exc.http_status is None:  # never an answer: the address or the network
                raise ApiUnreachable(message, base_url=str(self._base_url),
                                     reason=exc.reason) from None
            raise ImporterError(message) from None
        status = response.status_code
        if status == 404:
            raise ImporterError(f"session check failed: {self._base_url} has no "
                                "GET /v2/session/info (HTTP 404): check --base-url, or add "
                                "--skip-preflight for an API without it")
        if status != 200:
            raise ImporterError(f"session check failed: HTTP {status} "
                                f"{self.api_message(response)}")
        try:
            body = response.json()
        except ValueError:
            raise ImporterError("session check failed: the answer was not JSON; check "
                                "--base-url, or add --skip-preflight") from None
        return body if isinstance(body, dict) else {}

    async def _session_info_attempt(self) -> httpx.Response:
        sent_at = await self.pacer.acquire()
        try:
            response = await self._http.get("/v2/session/info", params=self._params)
        except httpx.HTTPError as exc:
            raise RetryableError(self.describe_error(exc)) from None
        return self._classify(response, self.pacer, sent_at=sent_at)

    async def upsert(self, contact: Contact) -> UpsertOutcome:
        """Create or update one contact, retrying what is worth retrying.

        Never raises for an API answer: a 401/403 comes back as a `rejected` outcome (with
        the attempts really made) for the caller to stop the run.
        """
        attempts = 0
        last: RetryableError | None = None

        async def send_once(request: httpx.Request) -> UpsertOutcome:
            nonlocal attempts
            self._check_not_stopped()
            sent_at = await self.pacer.acquire()
            self._check_not_stopped()  # the wait for a slot may have been cut short
            attempts += 1
            return await self._attempt(request, attempts, sent_at)

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
            tries = "attempt" if attempts == 1 else "attempts"
            return UpsertOutcome(False, attempts, exc.http_status,
                                 f"gave up after {attempts} {tries}: {exc.reason}")
        except ApiRejected as exc:
            return UpsertOutcome(False, attempts, exc.status, str(exc), rejected=True)
        except _Stopped as exc:
            if last is None:
                return UpsertOutcome(False, attempts, None, exc.reason, stopped=True)
            return UpsertOutcome(False, attempts, last.http_status,
                                 f"{last.reason}; not retried: {exc.reason}", stopped=True)
        except Exception as exc:  # a bug (ours or a library's) fails this row, not the run
            detail = f"internal error: {type(exc).__name__}: {self.redact(str(exc))}"
            return UpsertOutcome(False, attempts, None, detail)
        raise AssertionError("unreachable")  # pragma: no cover

    def _retrying(self) -> AsyncRetrying:
        """Retry what is worth retrying, up to max_attempts, with `_wait` between tries."""
        return AsyncRetrying(stop=self._stop, wait=self._wait, retry=self._retry,
                             sleep=self._sleep, reraise=True)

    def _check_not_stopped(self) -> None:
        control = self.control
        if control is not None and control.stopped:
            raise _Stopped(control.stop_reason)

    def _upsert_request(self, contact: Contact) -> httpx.Request:
        url = f"{self._base_url}/v2/contacts/{quote(contact.chat_id, safe='@')}?{self._query}"
        body = json.dumps({"firstName": contact.first_name, "lastName": contact.last_name},
                          ensure_ascii=False, separators=(",", ":")).encode()
        return httpx.Request("PUT", url, headers=self._headers, content=body,
                             extensions={"timeout": self._timeout})

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
            tries = "attempt" if attempts == 1 else "attempts"
            return ExistsOutcome(None, None, attempts, exc.http_status,
                                 f"gave up after {attempts} {tries}: {exc.reason}")
        except _Stopped as exc:
            return ExistsOutcome(None, None, attempts - 1, None, f"not checked: {exc.reason}")
        raise AssertionError("unreachable")  # pragma: no cover

    async def _check_attempt(self, phone: str, attempt: int, pacer: Pacer) -> ExistsOutcome:
        sent_at = await pacer.acquire()
        self._check_not_stopped()  # the wait may have ended because the run stopped
        try:
            response = await self._http.get("/v2/contacts/check-exists",
                                            params={**self._params, "phone": phone})
        except httpx.HTTPError as exc:
            raise RetryableError(self.describe_error(exc)) from None
        status = self._classify(response, pacer, sent_at=sent_at).status_code
        if status != 200:
            return ExistsOutcome(None, None, attempt, status, "check-exists refused: "
                                 f"HTTP {status} {self.api_message(response)}".rstrip())
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or not isinstance(body.get("numberExists"), bool):
            return ExistsOutcome(None, None, attempt, status,
                                 "check-exists answered without numberExists")
        chat_id = body.get("chatId")
        return ExistsOutcome(body["numberExists"], chat_id if isinstance(chat_id, str) else None,
                             attempt, status)

    async def _attempt(self, request: httpx.Request, attempt: int,
                       sent_at: float) -> UpsertOutcome:
        try:
            response = await self._http.send(request)
        except httpx.HTTPError as exc:
            raise RetryableError(self.describe_error(exc)) from None
        status = self._classify(response, self.pacer, sent_at=sent_at).status_code
        if 200 <= status < 300:
            self.pacer.succeeded()
            return UpsertOutcome(True, attempt, status, "")
        return UpsertOutcome(False, attempt, status, "rejected by the API: HTTP "
                             f"{status} {self.api_message(response)}".rstrip())

    def _classify(self, response: httpx.Response, pacer: Pacer, *,
                  sent_at: float | None = None) -> httpx.Response:
        """The response when it is the API's last word on this request; else raises.

        401/403 raise ApiRejected (no request can succeed with these credentials); 429 and
        5xx raise RetryableError with the Retry-After to wait, and a 429 slows `pacer`
        down: every endpoint reads these answers the same way.
        """
        status = response.status_code
        if status in AUTH_STATUSES:
            raise ApiRejected(self._rejected_message(response), status=status)
        if status in RETRY_STATUSES:
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            if status == 429:
                pacer.throttled(retry_after, sent_at=sent_at)
            raise RetryableError(f"HTTP {status} {self.api_message(response)}".rstrip(),
                                 http_status=status, retry_after=retry_after)
        return response

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
