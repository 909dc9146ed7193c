"""Who may use the web app, and from which page: Host check, password, CSRF, security headers.

`Guard` wraps the whole app (plain ASGI), in this order:

1. Host check: on a loopback-only server the Host header must name a loopback address, so a
   web page on another site cannot reach it through DNS rebinding.
2. Password: when the server has one (always when it listens beyond loopback), every request
   needs it, as HTTP basic auth (any user name). Wrong ones are limited per client address
   (`PasswordThrottle`): after FREE_GUESSES, the address gets 429 and Retry-After for a
   wait that doubles with every further wrong one.
3. CSRF: a request that changes anything (not GET/HEAD/OPTIONS) must come from this app's own
   page: its Origin (or Referer) is this server, and it carries the per-browser token of the
   `wawp_csrf` cookie (SameSite=Strict) in the X-CSRF-Token header.

Every response also gets headers that keep the page to its own scripts and styles.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import ipaddress
import json
import math
import re
import secrets
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.requests import Request

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_COOKIE = "wawp_csrf"
CSRF_HEADER = "X-CSRF-Token"
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32,64}$")
REALM = "wawp-import"

#: The page loads nothing from anywhere else, runs no inline script, and cannot be framed.
SECURITY_HEADERS = [
    (b"content-security-policy",
     (b"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
      b"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
]


def is_loopback(host: str) -> bool:
    """Whether `host` (a name or an address, without port) is this machine only."""
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def host_name(host_header: str) -> str:
    """The host of a Host header, without its port: "127.0.0.1:8000" → "127.0.0.1"."""
    host = host_header.strip()
    if host.startswith("["):
        return host[1:].split("]", 1)[0]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)


def csrf_token(request: Request) -> tuple[str, bool]:
    """This browser's CSRF token, and whether it is new (then the page sets the cookie)."""
    token = request.cookies.get(CSRF_COOKIE, "")
    if _TOKEN.match(token):
        return token, False
    return new_csrf_token(), True


def cross_site_problem(scope: Scope, headers: Headers) -> str | None:
    """Why a state-changing request is refused as possibly cross-site, or None."""
    own = f"{scope.get('scheme', 'http')}://{headers.get('host', '')}".lower()
    origin = headers.get("origin")
    if origin is not None:
        if origin.lower() != own:
            return "this request came from another site's page (Origin mismatch)"
    else:
        referer = headers.get("referer")
        if referer:
            parts = urlsplit(referer)
            if f"{parts.scheme}://{parts.netloc}".lower() != own:
                return "this request came from another site's page (Referer mismatch)"
    cookie = _cookie(headers, CSRF_COOKIE)
    sent = headers.get(CSRF_HEADER, "")
    if not cookie or not sent or not hmac.compare_digest(cookie.encode(), sent.encode()):
        return "missing or wrong CSRF token: reload the page and try again"
    return None


def _cookie(headers: Headers, name: str) -> str:
    for header in headers.getlist("cookie"):
        for part in header.split(";"):
            key, _, value = part.strip().partition("=")
            if key == name:
                return value
    return ""


def password_matches(authorization: str | None, password: str) -> bool:
    """Whether an Authorization header holds HTTP basic credentials with `password`."""
    if not authorization:
        return False
    scheme, _, encoded = authorization.partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return False
    _, _, given = decoded.partition(":")
    # digests of equal length: the comparison's time tells nothing, not even the length
    return hmac.compare_digest(hashlib.sha256(given.encode()).digest(),
                               hashlib.sha256(password.encode()).digest())


#: Wrong passwords an address may give before it has to wait.
FREE_GUESSES = 5
#: The wait after the last free guess, doubled by every further wrong one, up to MAX_WAIT.
FIRST_WAIT = 1.0
MAX_WAIT = 300.0
#: An address with no wrong guess for this long starts afresh.
FORGET_AFTER = 900.0
#: Addresses remembered at most (the oldest are forgotten first), so memory stays bounded.
MAX_ADDRESSES = 10_000


@dataclass
class _Guesses:
    wrong: int = 0
    last: float = 0.0
    until: float = 0.0


def client_address(scope: Scope) -> str:
    """Who is guessing: the client's address, or its /64 for IPv6 (one host has them all)."""
    host = str((scope.get("client") or ("",))[0])
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


class PasswordThrottle:
    """Wrong passwords per client address, in memory: FREE_GUESSES, then a growing wait.

    While an address waits, its requests are refused without looking at the password, so a
    guess made then tells nothing. The right password clears the address's count.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._guesses: dict[str, _Guesses] = {}  # oldest wrong guess first

    def wait(self, address: str) -> float:
        """Seconds `address` must wait before its password is looked at (0: none)."""
        guesses = self._guesses.get(address)
        if guesses is None:
            return 0.0
        now = self._clock()
        if now - guesses.last > FORGET_AFTER:
            del self._guesses[address]
            return 0.0
        return max(0.0, guesses.until - now)

    def wrong(self, address: str) -> None:
        """`address` gave a wrong password."""
        now = self._clock()
        guesses = self._guesses.pop(address, None)
        if guesses is None or now - guesses.last > FORGET_AFTER:
            guesses = _Guesses()
        guesses.wrong += 1
        guesses.last = now
        if guesses.wrong >= FREE_GUESSES:
            guesses.until = now + min(MAX_WAIT, FIRST_WAIT * 2 ** (guesses.wrong - FREE_GUESSES))
        self._guesses[address] = guesses
        while len(self._guesses) > MAX_ADDRESSES:
            del self._guesses[next(iter(self._guesses))]

    def right(self, address: str) -> None:
        """`address` gave the right password: its wrong ones are forgotten."""
        self._guesses.pop(address, None)


class Guard:
    """ASGI middleware: Host check, password, CSRF, and security headers (see the module)."""

    def __init__(self, app: ASGIApp, *, password: str | None = None,
                 loopback_only: bool = True) -> None:
        self.app = app
        self.password = password
        self.loopback_only = loopback_only
        self.throttle = PasswordThrottle()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        if self.loopback_only and not is_loopback(host_name(headers.get("host", ""))):
            await _refuse(send, 421, "this server only answers at its loopback address "
                                     "(http://127.0.0.1 or http://localhost)")
            return
        if self.password is not None:
            address = client_address(scope)
            wait = math.ceil(self.throttle.wait(address))
            if wait > 0:
                await _refuse(send, 429, "too many wrong passwords from this address: try "
                                         f"again in {wait} s", extra=[
                    (b"retry-after", str(wait).encode())])
                return
            authorization = headers.get("authorization")
            if not password_matches(authorization, self.password):
                if authorization:  # a browser's first request has none: it is no guess
                    self.throttle.wrong(address)
                await _refuse(send, 401, "the password is required", extra=[
                    (b"www-authenticate", f'Basic realm="{REALM}", charset="UTF-8"'.encode())])
                return
            self.throttle.right(address)
        if scope["method"] not in SAFE_METHODS:
            problem = cross_site_problem(scope, headers)
            if problem is not None:
                await _refuse(send, 403, problem)
                return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *SECURITY_HEADERS]
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def _refuse(send: Send, status: int, message: str,
                  extra: list[tuple[bytes, bytes]] | None = None) -> None:
    body = json.dumps({"error": message}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()),
                            *(extra or []), *SECURITY_HEADERS]})
    await send({"type": "http.response.body", "body": body})


__all__ = ["CSRF_COOKIE", "CSRF_HEADER", "Guard", "PasswordThrottle", "client_address",
           "cross_site_problem", "csrf_token", "host_name", "is_loopback", "password_matches"]
