"""httpx's transport interface over one aiohttp connection pool.

Why not httpx's own pool: on these 2-core machines one `httpx.AsyncClient` pool does ~290
requests/s at 32 connections, aiohttp's ~1,900 (measured over loopback). Why not the
`httpx-aiohttp` package's transport: it streams every body through httpx's chunk iterator
(our answers are a few bytes), maps exceptions in a context manager per chunk, and maps
every aiohttp connection error, a server hanging up included, to `ConnectTimeout`. This one
reads the body whole and maps each aiohttp error to the httpx error that says what happened,
keeping the aiohttp error as `__cause__`. httpx stays the API: requests, responses, errors,
event logging and `AsyncClient` are httpx's.

aiohttp silently re-sends an idempotent request once when a kept-alive connection turns out
closed; that would make `attempts` lie (the server would see two PUTs for one attempt), so
the re-send is switched off and tenacity does every retry itself.

Timeouts: httpx's four (`connect`, `read`, `write`, `pool`) bound one phase each, and its
read timeout is per read, so a server trickling one byte a second never trips it. A
`total` key next to them in the request's `timeout` extension bounds the whole request
(pool, connect, send, wait, and reading the whole body): aiohttp's `ClientTimeout.total`.

The upsert, sent once per row, skips httpx's request and response objects: `exchange`
takes the URL, headers and body as they are and gives back an `Answer` (status, raw
headers, body). Building an `httpx.Request` (its URL parsed, its headers copied) and an
`httpx.Response` around aiohttp's, and passing through `AsyncClient.send`, cost about a
third of the CPU of a sent row at concurrency 128. Any other transport (`httpx.MockTransport`
in tests) is reached through `HttpxExchange`, which builds the same `httpx.Request`, so
what a test's handler sees is what went on the wire before.
"""

from __future__ import annotations

import ssl
from collections.abc import Sequence
from typing import Any, Protocol

import aiohttp
import httpx
from aiohttp import hdrs
from yarl import URL

__all__ = ["AiohttpTransport", "Answer", "Exchange", "HttpxExchange", "StatelessClient",
           "default_transport", "exchange_over", "transport_error_kind"]

#: Request headers as (name, value) pairs.
HeaderPairs = Sequence[tuple[str, str]]
#: httpx's timeouts by phase, and `total` (see the module docstring).
Timeouts = dict[str, Any]


class Answer:
    """An HTTP answer, read whole: its status, its body and, when asked, its httpx.Response.

    `content` is the body as it came (not decoded) unless `encoded` is False: a body that
    has a Content-Encoding is for `response()` to decode, as httpx does.
    """

    __slots__ = ("status", "content", "encoded", "_reason", "_headers", "_response")

    def __init__(self, status: int, content: bytes, *, headers: Any = (),
                 reason: str | None = None, encoded: bool = False,
                 response: httpx.Response | None = None) -> None:
        self.status = status
        self.content = content
        self.encoded = encoded
        self._reason = reason
        self._headers = headers
        self._response = response

    @classmethod
    def of(cls, response: httpx.Response) -> Answer:
        """The answer an httpx response (read already) holds."""
        return cls(response.status_code, response.content, response=response)

    @property
    def reason(self) -> str:
        if self._response is not None:
            return self._response.reason_phrase
        return self._reason or ""

    def response(self, request: httpx.Request | None = None) -> httpx.Response:
        """This answer as an httpx.Response (the body decoded as its headers say)."""
        if self._response is None:
            extensions: dict[str, object] = {"http_version": b"HTTP/1.1"}
            if self._reason:
                extensions["reason_phrase"] = self._reason.encode("latin-1", "replace")
            self._response = httpx.Response(self.status, headers=self._headers,
                                            content=self.content, request=request,
                                            extensions=extensions)
        return self._response


class Exchange(Protocol):
    """Sends one request and reads its whole answer; failures raise httpx's errors."""

    async def exchange(self, method: str, url: str, headers: HeaderPairs, content: bytes,
                       timeout: Timeouts) -> Answer: ...


class AiohttpTransport(httpx.AsyncBaseTransport):
    """Sends httpx requests on an aiohttp connection pool of `max_connections`."""

    def __init__(self, *, max_connections: int = 100,
                 ssl_context: ssl.SSLContext | None = None) -> None:
        self.max_connections = max_connections
        self._ssl = ssl_context or httpx.create_ssl_context()
        self._session: aiohttp.ClientSession | None = None
        self._timeouts: dict[tuple[float | None, ...], aiohttp.ClientTimeout] = {}

    def get_client(self) -> aiohttp.ClientSession:
        """The aiohttp session (the name httpx-aiohttp's transport uses), opened on first
        use: an aiohttp session belongs to the event loop running when it is made."""
        if self._session is None:
            self._session = self._open()
        return self._session

    def _open(self) -> aiohttp.ClientSession:
        connector = aiohttp.TCPConnector(limit=self.max_connections, ssl=self._ssl)
        session = aiohttp.ClientSession(connector=connector, auto_decompress=False,
                                        cookie_jar=aiohttp.DummyCookieJar())
        session._retry_connection = False  # see the module docstring
        return session

    def _timeout(self, limits: Timeouts) -> aiohttp.ClientTimeout:
        key = (limits.get("connect"), limits.get("read"), limits.get("pool"),
               limits.get("total"))
        timeout = self._timeouts.get(key)
        if timeout is None:
            # A read timeout no shorter than the total can never fire first (the total
            # counts from the request's start, the read timeout from the last byte), and
            # aiohttp re-arms it on every read: a timer set and cancelled twice per request.
            read = key[1]
            if read is not None and key[3] is not None and read >= key[3]:
                read = None
            timeout = self._timeouts[key] = aiohttp.ClientTimeout(
                sock_connect=key[0], sock_read=read, connect=key[2], total=key[3])
        return timeout

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        answer = await self.exchange(request.method, str(request.url),
                                     request.headers.multi_items(), request.content,
                                     request.extensions.get("timeout", {}))
        return answer.response(request)

    async def exchange(self, method: str, url: str, headers: HeaderPairs, content: bytes,
                       timeout: Timeouts) -> Answer:
        """Send one request and read its whole answer (`url` encoded already, as httpx
        encodes it); aiohttp's errors are raised as the httpx errors that say what happened."""
        session = self._session or self.get_client()
        try:
            # The URL is encoded already: tell yarl not to do it again.
            async with session.request(
                    method, URL(url, encoded=True), headers=headers, data=content or None,
                    allow_redirects=False, timeout=self._timeout(timeout)) as response:
                body = await response.read()
        except aiohttp.ClientError as exc:
            raise _mapped(exc) from exc
        except TimeoutError as exc:  # aiohttp's total timeout (asyncio.TimeoutError)
            total = timeout.get("total")
            message = str(exc) or (f"no whole answer within {total:g} s" if total else
                                   "timed out waiting for the answer")
            raise httpx.ReadTimeout(message) from exc
        return Answer(response.status, body, headers=response.raw_headers,
                      reason=response.reason,
                      encoded=hdrs.CONTENT_ENCODING in response.headers)

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


def _mapped(exc: aiohttp.ClientError) -> httpx.TransportError:
    """The httpx error that says what `exc` means."""
    message = str(exc) or type(exc).__name__
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return httpx.ConnectTimeout(message)
    if isinstance(exc, aiohttp.ServerTimeoutError):
        return httpx.ReadTimeout(message)
    if isinstance(exc, aiohttp.ClientConnectorError):
        return httpx.ConnectError(message)
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return httpx.RemoteProtocolError(message)
    if isinstance(exc, aiohttp.ClientResponseError):
        return httpx.RemoteProtocolError(message)
    if isinstance(exc, (aiohttp.ClientPayloadError, aiohttp.ClientOSError)):
        return httpx.ReadError(message)
    if isinstance(exc, aiohttp.InvalidURL):
        return httpx.UnsupportedProtocol(message)
    return httpx.TransportError(message)


def default_transport(max_connections: int) -> httpx.AsyncBaseTransport:
    """httpx's API over aiohttp's connection pool, TLS verified."""
    return AiohttpTransport(max_connections=max_connections)


class HttpxExchange:
    """`exchange` over any httpx transport: the request it gets is the `httpx.Request` the
    same arguments make (what `httpx.MockTransport`'s handler sees in tests)."""

    def __init__(self, transport: httpx.AsyncBaseTransport) -> None:
        self.transport = transport

    async def exchange(self, method: str, url: str, headers: HeaderPairs, content: bytes,
                       timeout: Timeouts) -> Answer:
        request = httpx.Request(method, url, headers=headers, content=content,
                                extensions={"timeout": timeout})
        response = await self.transport.handle_async_request(request)
        try:
            await response.aread()
        finally:
            await response.aclose()
        response.request = request
        return Answer.of(response)


def exchange_over(transport: httpx.AsyncBaseTransport) -> Exchange:
    """What sends the upserts over `transport`: itself when it is aiohttp's, else httpx's
    request and response around it."""
    if isinstance(transport, AiohttpTransport):
        return transport
    return HttpxExchange(transport)


def transport_error_kind(exc: BaseException) -> str:
    """A few words for a transport error.

    The transport maps each aiohttp error to the httpx error that says what happened; only
    a TLS or DNS failure, both plain ConnectErrors there, needs the aiohttp cause.
    """
    cause = exc.__cause__
    if isinstance(cause, (aiohttp.ClientConnectorCertificateError, aiohttp.ClientSSLError)):
        return "TLS error (is the certificate valid for this host?)"
    if isinstance(cause, aiohttp.ClientConnectorDNSError):
        return "host name not found"
    if isinstance(exc, httpx.TimeoutException):
        return "timed out"
    if isinstance(exc, httpx.ConnectError):
        return "could not connect"
    if isinstance(exc, (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)):
        return "connection dropped"
    return type(exc).__name__


class _NoCookies(httpx.Cookies):
    """A cookie jar that keeps nothing."""

    def extract_cookies(self, response: httpx.Response) -> None:
        return None


class StatelessClient(httpx.AsyncClient):
    """An AsyncClient without a cookie jar: the API is stateless (the token is in every
    request), and reading each response for cookies cost ~7% of the CPU of a row when every
    request went through httpx (upserts now take `AiohttpTransport.exchange`'s fast path;
    what still goes through httpx: the session check, other GETs, unexpected answers).

    Its responses, once read, are not bound to their stream: httpx binds the stream back to
    the response, a reference cycle per request that only the garbage collector frees, and
    its pauses hold up every request in flight.
    """

    @property  # type: ignore[override]
    def cookies(self) -> httpx.Cookies:
        return _NO_COOKIES

    @cookies.setter
    def cookies(self, cookies: object) -> None:
        pass  # AsyncClient.__init__ sets it; there is nothing to keep

    async def send(self, request: httpx.Request, **kwargs: Any) -> httpx.Response:
        response = await super().send(request, **kwargs)
        if not kwargs.get("stream"):  # the body is read: the stream has nothing left to give
            response.stream = _BODY_READ
        return response


_NO_COOKIES = _NoCookies()
_BODY_READ = httpx.ByteStream(b"")
