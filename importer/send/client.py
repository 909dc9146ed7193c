"""The WAWP API client: one upsert per contact, retried with tenacity, token never shown."""

from __future__ import annotations

import asyncio
import email.utils
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, stop_after_attempt
from tenacity.wait import wait_exponential_jitter

from ..errors import ApiRejected, ImporterError
from ..models import Contact
from ..redact import Redactor
from .pacing import Pacer

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
AUTH_STATUSES = frozenset({401, 403})
MAX_RETRY_AFTER = 300.0


@dataclass(frozen=True, slots=True)
class UpsertOutcome:
    """What happened to one contact: `ok`, how many HTTP attempts, the last status and why."""

    ok: bool
    attempts: int
    http_status: int | None
    detail: str = ""


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


def default_transport(max_connections: int) -> httpx.AsyncBaseTransport:
    """httpx's API over aiohttp's connection pool, with TLS verified.

    aiohttp silently re-sends an idempotent request once when a kept-alive connection
    turns out closed; that would make `attempts` lie, so the re-send is switched off and
    tenacity does every retry itself.
    """
    import aiohttp
    from httpx_aiohttp import AiohttpTransport

    def session() -> aiohttp.ClientSession:
        connector = aiohttp.TCPConnector(limit=max_connections, ssl=httpx.create_ssl_context())
        client = aiohttp.ClientSession(connector=connector)
        client._retry_connection = False
        return client

    return AiohttpTransport(client=session)


class WawpClient:
    """Talks to one WAWP instance. Use as `async with WawpClient(...) as client:`."""

    def __init__(self, base_url: str, instance_id: str, access_token: str, *,
                 transport: httpx.AsyncBaseTransport | None = None,
                 timeout: float = 30.0, max_attempts: int = 5, max_connections: int = 8,
                 pacer: Pacer | None = None,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.redact = Redactor([access_token])
        self.max_attempts = max_attempts
        self.pacer = pacer or Pacer()
        self._sleep = sleep
        self._params = {"instance_id": instance_id, "access_token": access_token}
        self._http = httpx.AsyncClient(
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
        """`GET /v2/session/info`; raises ApiRejected on 401/403, ImporterError otherwise."""
        try:
            response = await self._http.get("/v2/session/info", params=self._params)
        except httpx.HTTPError as exc:
            raise ImporterError(f"cannot reach the API: {self.describe_error(exc)}") from None
        if response.status_code in AUTH_STATUSES:
            raise ApiRejected(self._rejected_message(response), status=response.status_code)
        if response.status_code != 200:
            raise ImporterError(f"session check failed: HTTP {response.status_code} "
                                f"{self.api_message(response)}")
        try:
            body = response.json()
        except ValueError:
            raise ImporterError("session check failed: the answer was not JSON") from None
        return body if isinstance(body, dict) else {}

    async def upsert(self, contact: Contact) -> UpsertOutcome:
        """Create or update one contact, retrying what is worth retrying.

        Returns the outcome of the row; raises ApiRejected when the token or instance is
        refused, since no other row can succeed either.
        """
        attempts = 0
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.max_attempts),
            wait=self._wait,
            retry=retry_if_exception_type(RetryableError),
            sleep=self._sleep,
            reraise=True,
        )
        try:
            async for attempt in retrying:
                with attempt:
                    attempts += 1
                    return await self._attempt(contact, attempts)
        except RetryableError as exc:
            tries = "attempt" if attempts == 1 else "attempts"
            return UpsertOutcome(False, attempts, exc.http_status,
                                 f"gave up after {attempts} {tries}: {exc.reason}")
        raise AssertionError("unreachable")  # pragma: no cover

    async def _attempt(self, contact: Contact, attempt: int) -> UpsertOutcome:
        await self.pacer.acquire()
        body = {"firstName": contact.first_name, "lastName": contact.last_name}
        try:
            response = await self._http.put(f"/v2/contacts/{contact.chat_id}",
                                            params=self._params, json=body)
        except httpx.HTTPError as exc:
            raise RetryableError(self.describe_error(exc)) from None
        status = response.status_code
        if 200 <= status < 300:
            self.pacer.succeeded()
            return UpsertOutcome(True, attempt, status, "")
        if status in AUTH_STATUSES:
            raise ApiRejected(self._rejected_message(response), status=status)
        message = self.api_message(response)
        if status in RETRY_STATUSES:
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            if status == 429:
                self.pacer.throttled(retry_after if retry_after is not None else 1.0)
            reason = f"HTTP {status} {message}".rstrip()
            raise RetryableError(reason, http_status=status, retry_after=retry_after)
        return UpsertOutcome(False, attempt, status, f"rejected by the API: HTTP {status} {message}"
                             .rstrip())

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, RetryableError) and exc.retry_after is not None:
            return exc.retry_after
        return wait_exponential_jitter(initial=0.5, max=30.0, jitter=0.5)(state)

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
        if isinstance(exc, httpx.TimeoutException):
            kind = "timed out"
        elif isinstance(exc, httpx.ConnectError):
            kind = "could not connect"
        elif isinstance(exc, (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)):
            kind = "connection dropped"
        else:
            kind = type(exc).__name__
        message = self.redact(str(exc))
        return f"{kind} ({message})" if message and message != kind else kind

    def _rejected_message(self, response: httpx.Response) -> str:
        return (f"the API rejected the instance ID or access token (HTTP {response.status_code}"
                f" {self.api_message(response)}); check WAWP_INSTANCE_ID and the token").replace(
                    "  ", " ")
