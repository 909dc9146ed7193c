"""Who may use the web app, and from which page: Host check, password, CSRF, security headers.

`Guard` wraps the whole app (plain ASGI), in this order:

1. Host check: on a loopback-only server the Host header must name a loopback address, so a
   web page on another site cannot reach it through DNS rebinding.
2. Password: when the server has one (always when it listens beyond loopback), every request
   needs it, as HTTP basic auth (any user name). Wrong ones are limited per client address
   (`PasswordThrottle`): after FREE_GUESSES, the address gets 429 and Retry-After for a
   wait that doubles with every further wrong one.
   With named users (`users.Users`, `wawp-import serve --users FILE`) the password is theirs
   instead: the page asks for a name and password (POST /login, JSON), checked against the
   users file's hash, under the same per-address limit; the right ones open a session whose
   random token the browser keeps in the HttpOnly `wawp_session` cookie (never the password).
   Without a session, a page shows the sign-in form and anything else gets 401. The
   signed-in name is left in the request's scope (`USER_KEY`) for the activity log.
3. CSRF: a request that changes anything (not GET/HEAD/OPTIONS) must come from this app's own
   page: its Origin (or Referer) is this server, and it carries the per-browser token of the
   `wawp_csrf` cookie (SameSite=Strict) in the X-CSRF-Token header.

Every response also gets headers that keep the page to its own scripts and styles.
"""

from __future__ import annotations

import asyncio
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

from .activity import USER_KEY
from .users import Sessions, Users

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
SESSION_COOKIE = "wawp_session"
LOGIN_PATH = "/login"
LOGOUT_PATH = "/logout"
#: The page's own addresses: without a session they show the sign-in form.
_PAGE = re.compile(r"^/(?:|activity|login|jobs/[^/]+)$")
#: The largest sign-in request read (a name and a password in JSON).
MAX_LOGIN_BYTES = 4096
#: Told of every sign-in, failed sign-in and sign-out: (scope, "login"/"login_failed"/
#: "logout", the user's name or None).
SignInHook = Callable[[Scope, str, str | None], None]

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
                 loopback_only: bool = True, users: Users | None = None,
                 on_sign_in: SignInHook | None = None) -> None:
        self.app = app
        self.password = password
        self.loopback_only = loopback_only
        self.throttle = PasswordThrottle()
        self.users = users
        self.sessions = Sessions()
        self.on_sign_in = on_sign_in or (lambda scope, action, user: None)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        if self.loopback_only and not is_loopback(host_name(headers.get("host", ""))):
            await _refuse(send, 421, "this server only answers at its loopback address "
                                     "(http://127.0.0.1 or http://localhost)")
            return
        if self.users is not None:
            named = await self._named_user(scope, receive, send, headers)
            if named is None:
                return
            scope = named
        elif self.password is not None:
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


    async def _named_user(self, scope: Scope, receive: Receive, send: Send,
                          headers: Headers) -> Scope | None:
        """The request's scope with its user, or None once it has been answered here
        (sign-in, sign-out, refusal)."""
        path, method = scope["path"], scope["method"]
        token = _cookie(headers, SESSION_COOKIE)
        user = self.sessions.user(token)
        if method == "POST" and path in (LOGIN_PATH, LOGOUT_PATH):
            problem = cross_site_problem(scope, headers)
            if problem is not None:
                await _refuse(send, 403, problem)
            elif path == LOGOUT_PATH:
                self.sessions.close(token)
                self.on_sign_in(scope, "logout", user)
                await _answer(send, 200, {"user": None},
                              extra=[_session_cookie(scope, "", max_age=0)])
            else:
                await self._sign_in(scope, receive, send)
            return None
        if user is not None:
            scope[USER_KEY] = user
            return scope
        if path.startswith("/static/"):
            return scope  # the sign-in form's script and style
        if method in ("GET", "HEAD") and _PAGE.match(path):
            # the page's address stays: once signed in, a reload shows what was asked for
            return {**scope, "path": LOGIN_PATH, "raw_path": LOGIN_PATH.encode()}
        await _refuse(send, 401, "sign in first: open the page and give your name and "
                                 "password")
        return None

    async def _sign_in(self, scope: Scope, receive: Receive, send: Send) -> None:
        address = client_address(scope)
        wait = math.ceil(self.throttle.wait(address))
        if wait > 0:
            await _refuse(send, 429, "too many wrong passwords from this address: try "
                                     f"again in {wait} s", extra=[
                (b"retry-after", str(wait).encode())])
            return
        body = await _read_body(receive, MAX_LOGIN_BYTES)
        try:
            data = json.loads(body or b"")
            name, password = str(data.get("name", "")).strip(), str(data.get("password", ""))
        except (ValueError, AttributeError):
            name = password = ""
        if not name or not password:
            await _refuse(send, 400, "give your name and your password")
            return
        assert self.users is not None
        # argon2 takes a tenth of a second on purpose: not on the event loop
        if not await asyncio.to_thread(self.users.check, name, password):
            self.throttle.wrong(address)
            self.on_sign_in(scope, "login_failed", None)
            await _refuse(send, 401, "wrong name or password")
            return
        self.throttle.right(address)
        token = self.sessions.open(name)
        self.on_sign_in(scope, "login", name)
        await _answer(send, 200, {"user": name}, extra=[_session_cookie(scope, token)])


def _session_cookie(scope: Scope, token: str, *, max_age: int | None = None
                    ) -> tuple[bytes, bytes]:
    secure = "; Secure" if scope.get("scheme") == "https" else ""
    age = f"; Max-Age={max_age}" if max_age is not None else ""
    return (b"set-cookie",
            f"{SESSION_COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/{age}{secure}".encode())


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    """The request's body, or None when it is longer than `limit` or the client left."""
    body = b""
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return None
        body += message.get("body", b"")
        if len(body) > limit:
            return None
        if not message.get("more_body"):
            return body


async def _answer(send: Send, status: int, data: Any,
                  extra: list[tuple[bytes, bytes]] | None = None) -> None:
    body = json.dumps(data).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()),
                            (b"cache-control", b"no-store"),
                            *(extra or []), *SECURITY_HEADERS]})
    await send({"type": "http.response.body", "body": body})


async def _refuse(send: Send, status: int, message: str,
                  extra: list[tuple[bytes, bytes]] | None = None) -> None:
    body = json.dumps({"error": message}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()),
                            *(extra or []), *SECURITY_HEADERS]})
    await send({"type": "http.response.body", "body": body})


__all__ = ["CSRF_COOKIE", "CSRF_HEADER", "SESSION_COOKIE", "Guard", "PasswordThrottle",
           "client_address", "cross_site_problem", "csrf_token", "host_name", "is_loopback",
           "password_matches"]
