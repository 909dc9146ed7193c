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
"""

from __future__ import annotations

import ssl
from typing import Any

import aiohttp
import httpx
from yarl import URL

__all__ = ["AiohttpTransport", "StatelessClient", "default_transport", "transport_error_kind"]


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

    def _timeout(self, request: httpx.Request) -> aiohttp.ClientTimeout:
        limits = request.extensions.get("timeout", {})
        key = (limits.get("connect"), limits.get("read"), limits.get("pool"),
               limits.get("total"))
        timeout = self._timeouts.get(key)
        if timeout is None:
            timeout = self._timeouts[key] = aiohttp.ClientTimeout(
                sock_connect=key[0], sock_read=key[1], connect=key[2], total=key[3])
        return timeout

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        session = self._session or self.get_client()
        try:
            # httpx has already encoded the URL: tell yarl not to do it again.
            async with session.request(
                    request.method, URL(str(request.url), encoded=True),
                    headers=request.headers.multi_items(), data=request.content or None,
                    allow_redirects=False, timeout=self._timeout(request)) as response:
                body = await response.read()
        except aiohttp.ClientError as exc:
            raise _mapped(exc) from exc
        except TimeoutError as exc:  # aiohttp's total timeout (asyncio.TimeoutError)
            total = request.extensions.get("timeout", {}).get("total")
            message = str(exc) or (f"no whole answer within {total:g} s" if total else
                                   "timed out waiting for the answer")
            raise httpx.ReadTimeout(message) from exc
        extensions: dict[str, object] = {"http_version": b"HTTP/1.1"}
        if response.reason:
            extensions["reason_phrase"] = response.reason.encode("latin-1", "replace")
        return httpx.Response(response.status, headers=response.raw_headers, content=body,
                              request=request, extensions=extensions)

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
    request), and reading each response for cookies costs ~7% of the CPU of a row.

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
