"""A WAWP-compatible HTTP server for tests and demos, with faults that can be switched on.

The API endpoints (all under ``/v2/``) behave like WAWP's:

- ``PUT /v2/contacts/{chatId}?instance_id=…&access_token=…`` with a JSON body
  ``{"firstName": str, "lastName": str}`` stores the contact (last write wins) and
  answers 200 ``{"ok": true}``.
- ``GET /v2/session/info`` answers ``{"name", "status", "me": {"id", "pushName"}}``.
- ``GET /v2/contacts/check-exists?phone=…`` answers ``{"numberExists", "chatId"}``, with
  Brazil's optional ninth digit and Mexico's ``521``/``52`` treated as equivalent, and at
  most one call per ``check_exists_interval`` seconds (429 otherwise).

Every API request goes through these steps, in this order; the first one that answers wins:

1. count the request (``requests``; PUTs also in ``puts`` and ``put_counts``);
2. ``latency``: ``await asyncio.sleep``;
3. ``unauthorized_after``: 401 once more than N API requests arrived since the faults were set;
4. ``drop_first``, then ``drop_rate``: the TCP connection is closed without any response;
5. ``first_429``, then ``rate_429``: 429 with ``Retry-After: <retry_after>``;
6. ``fail_first``, then ``error_rate``, then (PUT only) ``fail_each_contact``: 500;
7. ``bad_body_first``, then ``bad_body_rate`` (every request when ``bad_body`` is set and
   neither is): a 2xx answer that is not the documented one, of kind ``bad_body``
   (:data:`BAD_BODIES`; default ``html``), as a proxy or captive portal in front of the
   API would give: no authentication, nothing stored, counted in ``bad_bodies``;
8. authentication (``instance_id`` and ``access_token`` query parameters): 401;
9. validation of the chat ID / phone and the body: 400; then ``bad_request_chat_ids``: 400;
   for check-exists, the per-instance pace (429) comes between authentication and validation;
10. the real work: 200.

``trickle`` then sends the body of every API answer one byte at a time, that many
seconds apart (the headers go at once; what a 200 stores is stored before).

Each "first N" fault counts only the requests that reach its own step, so
``drop_first=1, first_429=1, fail_first=1`` gives a drop, a 429, a 500, then a 200.
All "first N" counters (and ``unauthorized_after``) start again whenever the faults are
set through ``POST /_sandbox/faults`` or ``POST /_sandbox/reset``. Faults never apply to
the admin endpoints nor to unknown paths, and only a real 200 (step 10) stores anything.

Admin endpoints (no token: the server binds loopback only), not counted in ``requests``:

- ``GET /_sandbox/state``: contacts and counters, see :meth:`SandboxState.snapshot`;
- ``POST /_sandbox/faults``: a JSON object of fault fields to change (the others are kept);
  with ``?replace=1`` the fields not given go back to "no fault";
- ``POST /_sandbox/reset``: clears contacts and counters and restores the start-up faults.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hmac
import json
import math
import random
import re
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

__all__ = [
    "BAD_BODIES",
    "DEFAULT_REGISTERED",
    "SESSION_STATUSES",
    "STATE_KEY",
    "Faults",
    "SandboxConfig",
    "SandboxState",
    "create_app",
    "equivalent_numbers",
    "registered_from_lines",
]

DEFAULT_REGISTERED: frozenset[str] = frozenset(
    {
        "551187654321",  # Brazilian mobile registered before the ninth digit was added
        "5215512345678",  # Mexican mobile registered with the old "1" after +52
        "201001234567",
        "447911123456",
        "14155552671",
        "4915123456789",
        "919876543210",
        "61412345678",
    }
)

SESSION_STATUSES = ("STOPPED", "STARTING", "SCAN_QR_CODE", "WORKING", "FAILED")

CHAT_ID_RE = re.compile(r"\d{7,15}@c\.us")
PHONE_RE = re.compile(r"\d{7,15}")

ERROR_400 = "Bad Request - Invalid Parameter Format"
ERROR_401 = "Unauthorized - Invalid or Missing Access Token"
ERROR_429 = "Too Many Requests"
ERROR_500 = "Internal Server Error - Unexpected Failure"

_JSON = "application/json"
_OK_BODY = b'{"ok": true}'

#: The bad bodies the sandbox can answer: (status, content type, body).
BAD_BODIES: dict[str, tuple[int, str | None, bytes]] = {
    "html": (200, "text/html", b"<!DOCTYPE html><html><head><title>Sign in to the network"
             b"</title></head><body><h1>Welcome</h1><p>Accept the terms to go on.</p>"
             b"</body></html>"),
    "ok-false": (200, _JSON, b'{"ok": false}'),
    "empty": (200, None, b""),
    "text": (200, "text/plain", b"OK"),
    "no-content": (204, None, b""),
}


@dataclass(frozen=True)
class Faults:
    """Misbehaviour to inject into the API endpoints; the defaults inject nothing."""

    latency: float = 0.0
    error_rate: float = 0.0
    fail_first: int = 0
    fail_each_contact: int = 0
    rate_429: float = 0.0
    first_429: int = 0
    retry_after: int = 1
    drop_rate: float = 0.0
    drop_first: int = 0
    unauthorized_after: int | None = None
    bad_request_chat_ids: tuple[str, ...] = ()
    bad_body: str | None = None
    bad_body_first: int = 0
    bad_body_rate: float = 0.0
    trickle: float = 0.0
    seed: int | None = None

    def __post_init__(self) -> None:
        for name in ("latency", "error_rate", "rate_429", "drop_rate", "bad_body_rate",
                     "trickle"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise TypeError(f"{name} must be a number, got {value!r}")
            if not math.isfinite(value) or value < 0:
                raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
            if name not in ("latency", "trickle") and value > 1:
                raise ValueError(f"{name} is a fraction between 0 and 1, got {value!r}")
        for name in ("fail_first", "fail_each_contact", "first_429", "retry_after", "drop_first",
                     "bad_body_first"):
            _check_count(name, getattr(self, name))
        if self.bad_body is not None and self.bad_body not in BAD_BODIES:
            raise ValueError(f"bad_body must be one of {', '.join(BAD_BODIES)}, "
                             f"got {self.bad_body!r}")
        if self.unauthorized_after is not None:
            _check_count("unauthorized_after", self.unauthorized_after)
        if self.seed is not None and (
            isinstance(self.seed, bool) or not isinstance(self.seed, int)
        ):
            raise TypeError(f"seed must be an integer or null, got {self.seed!r}")
        ids = self.bad_request_chat_ids
        if not isinstance(ids, (list, tuple)) or not all(isinstance(i, str) for i in ids):
            raise TypeError(f"bad_request_chat_ids must be a list of strings, got {ids!r}")
        # Frozen: normalise lists given through JSON into a hashable tuple.
        object.__setattr__(self, "bad_request_chat_ids", tuple(ids))

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        """The names accepted by :meth:`updated` and ``POST /_sandbox/faults``."""
        return tuple(f.name for f in dataclasses.fields(cls))

    def updated(self, changes: Mapping[str, Any]) -> Faults:
        """Return a copy with ``changes`` applied; ValueError or TypeError on a bad change."""
        unknown = sorted(set(changes) - set(self.field_names()))
        if unknown:
            raise ValueError(
                f"unknown fault(s) {', '.join(unknown)}; known: {', '.join(self.field_names())}"
            )
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """The faults as JSON-ready values."""
        data = dataclasses.asdict(self)
        data["bad_request_chat_ids"] = list(self.bad_request_chat_ids)
        return data


def _check_count(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an integer >= 0, got {value!r}")
    if value < 0:
        raise ValueError(f"{name} must be an integer >= 0, got {value!r}")


@dataclass(frozen=True)
class SandboxConfig:
    """What a sandbox server is started with; ``reset`` goes back to these faults."""

    instance_id: str
    token: str
    faults: Faults = field(default_factory=Faults)
    registered: frozenset[str] = DEFAULT_REGISTERED
    register_all: bool = False
    session_status: str = "WORKING"
    me_phone: str = "15550100000"
    check_exists_interval: float = 1.0


def equivalent_numbers(digits: str) -> list[str]:
    """``digits`` first, then the forms WhatsApp may have registered the same phone under."""
    forms = [digits]
    # Brazil: 55 + area (2) + 9 + 8 digits; older accounts exist without the 9, and back.
    if digits.startswith("55"):
        if len(digits) == 13 and digits[4] == "9":
            forms.append(digits[:4] + digits[5:])
        elif len(digits) == 12:
            forms.append(digits[:4] + "9" + digits[4:])
    # Mexico: mobiles used to need a 1 after +52; accounts exist in both forms.
    elif digits.startswith("52"):
        if len(digits) == 12:
            forms.append("521" + digits[2:])
        elif len(digits) == 13 and digits[2] == "1":
            forms.append("52" + digits[3:])
    return forms


class SandboxState:
    """The address book, the counters, and the fault bookkeeping of one running sandbox."""

    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.registered: frozenset[str] = config.registered
        self.instance_id_bytes = config.instance_id.encode()
        self.token_bytes = config.token.encode()
        self.reset()

    def reset(self) -> None:
        """Forget contacts and counters and go back to the start-up faults."""
        self.contacts: dict[str, dict[str, str]] = {}
        self.requests = 0
        self.puts = 0
        self.put_counts: Counter[str] = Counter()
        #: PUTs being answered now, and the most there were at once (two runs sending to
        #: one instance show as twice one run's concurrency)
        self.puts_in_flight = 0
        self.max_puts_in_flight = 0
        self.status_counts: Counter[int] = Counter()
        self.dropped = 0
        self.bad_bodies: Counter[str] = Counter()
        self.check_exists_calls = 0
        self.last_check_exists: float | None = None
        self.set_faults(self.config.faults)

    def set_faults(self, faults: Faults) -> None:
        """Install ``faults`` and restart every "first N" counter and the RNG."""
        self.faults = faults
        self.bad_request_chat_ids = frozenset(faults.bad_request_chat_ids)
        self.rng = random.Random(faults.seed)
        self.api_requests = 0
        self.fired: Counter[str] = Counter()
        self.contact_failures: Counter[str] = Counter()

    def fire_first(self, name: str, limit: int) -> bool:
        """True while fault ``name`` has fired fewer than ``limit`` times (and count this one)."""
        if self.fired[name] < limit:
            self.fired[name] += 1
            return True
        return False

    def chance(self, rate: float) -> bool:
        """True with probability ``rate``; draws from the RNG only when a rate is set."""
        return rate > 0 and self.rng.random() < rate

    def snapshot(self) -> dict[str, Any]:
        """The state as served by ``GET /_sandbox/state``.

        ``requests`` counts every non-admin request (404s too), ``puts`` and ``put_counts``
        every PUT that arrived (dropped and faulted ones too: what the server saw, not what
        it accepted), ``max_puts_in_flight`` the most PUTs it was answering at once,
        ``status_counts`` the answers sent (drops are in ``dropped`` instead),
        ``bad_bodies`` the bad bodies answered by kind (also in ``status_counts``),
        ``check_exists_calls`` every check-exists request that arrived.
        """
        return {
            "contacts": {k: dict(v) for k, v in self.contacts.items()},
            "requests": self.requests,
            "puts": self.puts,
            "put_counts": dict(self.put_counts),
            "max_puts_in_flight": self.max_puts_in_flight,
            "status_counts": {str(k): v for k, v in sorted(self.status_counts.items())},
            "dropped": self.dropped,
            "bad_bodies": dict(self.bad_bodies),
            "check_exists_calls": self.check_exists_calls,
            "faults": self.faults.to_dict(),
            "session_status": self.config.session_status,
        }


STATE_KEY = web.AppKey("sandbox_state", SandboxState)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class _Drop(Exception):
    """Raised by a handler to have the connection closed without a response."""


def _json(
    status: int, payload: Mapping[str, Any], headers: Mapping[str, str] | None = None
) -> web.Response:
    return web.Response(
        status=status, body=json.dumps(payload).encode(), content_type=_JSON, headers=headers
    )


def _error(status: int, error: str, message: str | None = None, **headers: str) -> web.Response:
    payload: dict[str, Any] = {"ok": False, "error": error}
    if message is not None:
        payload["message"] = message
    return _json(status, payload, headers or None)


def _bad_request(message: str) -> web.Response:
    return _error(400, ERROR_400, message)


@web.middleware
async def _observe(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Count API traffic by status, turn router errors into JSON, and carry out drops."""
    admin = request.path.startswith("/_sandbox/")
    state = request.app[STATE_KEY]
    if not admin:
        state.requests += 1
    try:
        response = await handler(request)
    except _Drop:
        state.dropped += 1
        transport = request.transport
        if transport is not None:
            transport.close()
        # aiohttp fails to write this to the closed transport and, seeing a reset
        # connection, drops it quietly (no traceback, no log).
        return web.Response()
    except web.HTTPException as exc:
        if exc.status == 405:
            allow = exc.headers.get("Allow", "")
            response = _error(
                405, "Method Not Allowed", f"{request.method} is not allowed here", Allow=allow
            )
        elif exc.status == 404:
            response = _error(
                404, "Not Found", f"no such endpoint: {request.method} {request.path}"
            )
        else:
            response = _error(exc.status, exc.reason)
    if not admin:
        state.status_counts[response.status] += 1
        if state.faults.trickle > 0 and isinstance(response, web.Response):
            return await _trickled(request, response, state.faults.trickle)
    return response


async def _trickled(request: web.Request, response: web.Response,
                    pause: float) -> web.StreamResponse:
    """Send `response` with its body one byte at a time, `pause` seconds apart."""
    body = response.body if isinstance(response.body, bytes) else b""
    stream = web.StreamResponse(status=response.status, headers=response.headers)
    stream.content_length = len(body)
    try:
        await stream.prepare(request)
        for i in range(len(body)):
            await asyncio.sleep(pause)
            await stream.write(body[i:i + 1])
        await stream.write_eof()
    except ConnectionError:
        pass  # the client gave up waiting: that is what this fault is for
    return stream


def _authorised(request: web.Request, state: SandboxState) -> bool:
    instance_id = request.query.get("instance_id")
    token = request.query.get("access_token")
    if not instance_id or not token:
        return False
    same_instance = hmac.compare_digest(instance_id.encode(), state.instance_id_bytes)
    same_token = hmac.compare_digest(token.encode(), state.token_bytes)
    return same_instance and same_token


async def _faults(
    request: web.Request, state: SandboxState, chat_id: str | None
) -> web.Response | None:
    """Steps 2–8 of the module docstring: a fault or 401 response, or None to go on."""
    faults = state.faults
    state.api_requests += 1
    if faults.latency > 0:
        await asyncio.sleep(faults.latency)
    if faults.unauthorized_after is not None and state.api_requests > faults.unauthorized_after:
        return _error(401, ERROR_401)
    if state.fire_first("drop_first", faults.drop_first) or state.chance(faults.drop_rate):
        raise _Drop
    if state.fire_first("first_429", faults.first_429) or state.chance(faults.rate_429):
        return _error(
            429,
            ERROR_429,
            "sandbox fault: rate limited",
            **{"Retry-After": str(faults.retry_after)},
        )
    if state.fire_first("fail_first", faults.fail_first) or state.chance(faults.error_rate):
        return _error(500, ERROR_500)
    if chat_id is not None and state.contact_failures[chat_id] < faults.fail_each_contact:
        state.contact_failures[chat_id] += 1
        return _error(500, ERROR_500)
    if _bad_body_now(state):
        kind = faults.bad_body or "html"
        state.bad_bodies[kind] += 1
        status, content_type, body = BAD_BODIES[kind]
        return web.Response(status=status, body=body or None, content_type=content_type)
    if not _authorised(request, state):
        return _error(401, ERROR_401)
    return None


def _bad_body_now(state: SandboxState) -> bool:
    faults = state.faults
    if faults.bad_body_first == 0 and faults.bad_body_rate == 0:
        return faults.bad_body is not None
    return state.fire_first("bad_body_first", faults.bad_body_first) or state.chance(
        faults.bad_body_rate)


def _read_name_body(raw: bytes) -> tuple[dict[str, str] | None, str]:
    """The validated ``{"firstName", "lastName"}`` of a body, or None and what is wrong."""
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, ValueError) as exc:
        return None, f"body is not valid JSON: {exc}"
    if not isinstance(body, dict):
        return None, f"body must be a JSON object, got {type(body).__name__}"
    for key in ("firstName", "lastName"):
        if key not in body:
            return None, f"{key} is required"
        if not isinstance(body[key], str):
            return None, f"{key} must be a string, got {type(body[key]).__name__}"
    return {"firstName": body["firstName"], "lastName": body["lastName"]}, ""


async def _put_contact(request: web.Request) -> web.Response:
    state = request.app[STATE_KEY]
    chat_id = request.match_info["chatId"]
    state.puts += 1
    state.put_counts[chat_id] += 1
    state.puts_in_flight += 1
    state.max_puts_in_flight = max(state.max_puts_in_flight, state.puts_in_flight)
    try:
        return await _store_contact(request, state, chat_id)
    finally:
        state.puts_in_flight -= 1


async def _store_contact(request: web.Request, state: SandboxState, chat_id: str) -> web.Response:
    refused = await _faults(request, state, chat_id)
    if refused is not None:
        return refused
    if not CHAT_ID_RE.fullmatch(chat_id):
        return _bad_request(
            "chatId must be 7 to 15 digits followed by @c.us (e.g. 447911123456@c.us), "
            f"got {chat_id!r}"
        )
    contact, problem = _read_name_body(await request.read())
    if contact is None:
        return _bad_request(problem)
    if chat_id in state.bad_request_chat_ids:
        return _bad_request(f"{chat_id} is not a WhatsApp account")
    state.contacts[chat_id] = contact
    return web.Response(body=_OK_BODY, content_type=_JSON)


async def _session_info(request: web.Request) -> web.Response:
    state = request.app[STATE_KEY]
    refused = await _faults(request, state, None)
    if refused is not None:
        return refused
    config = state.config
    return _json(
        200,
        {
            "name": config.instance_id,
            "status": config.session_status,
            "me": {"id": f"{config.me_phone}@c.us", "pushName": "WAWP Sandbox"},
        },
    )


def _phone_digits(phone: str) -> str | None:
    """The digits of ``digits``, ``+digits`` or ``digits@c.us``, or None if it is none of them."""
    phone = phone.strip()
    phone = phone.removeprefix("+").removesuffix("@c.us")
    return phone if PHONE_RE.fullmatch(phone) else None


def _lookup(state: SandboxState, digits: str) -> str | None:
    for form in equivalent_numbers(digits):
        if form in state.registered:
            return form
    return digits if state.config.register_all else None


async def _check_exists(request: web.Request) -> web.Response:
    state = request.app[STATE_KEY]
    state.check_exists_calls += 1
    refused = await _faults(request, state, None)
    if refused is not None:
        return refused
    interval = state.config.check_exists_interval
    if interval > 0:
        now = asyncio.get_running_loop().time()
        # 0.9: a client pacing itself at exactly one call per interval must not be refused
        # because of timer jitter.
        if state.last_check_exists is not None and now - state.last_check_exists < 0.9 * interval:
            return _error(
                429,
                ERROR_429,
                f"at most 1 check-exists call per {interval:g} s per instance",
                **{"Retry-After": str(max(1, math.ceil(interval)))},
            )
        state.last_check_exists = now
    phone = request.query.get("phone")
    if phone is None:
        return _bad_request("phone is required")
    digits = _phone_digits(phone)
    if digits is None:
        return _bad_request(f"phone must be 7 to 15 digits, +digits or digits@c.us, got {phone!r}")
    found = _lookup(state, digits)
    return _json(
        200, {"numberExists": found is not None, "chatId": f"{found}@c.us" if found else None}
    )


async def _admin_state(request: web.Request) -> web.Response:
    return _json(200, request.app[STATE_KEY].snapshot())


async def _admin_faults(request: web.Request) -> web.Response:
    state = request.app[STATE_KEY]
    try:
        changes = json.loads(await request.read() or b"{}")
    except (UnicodeDecodeError, ValueError) as exc:
        return _bad_request(f"body is not valid JSON: {exc}")
    if not isinstance(changes, dict):
        return _bad_request("body must be a JSON object of fault settings")
    replace = request.query.get("replace", "").lower() in ("1", "true", "yes")
    try:
        faults = (Faults() if replace else state.faults).updated(changes)
    except (TypeError, ValueError) as exc:
        return _bad_request(str(exc))
    state.set_faults(faults)
    return _json(200, {"ok": True, "faults": faults.to_dict()})


async def _admin_reset(request: web.Request) -> web.Response:
    state = request.app[STATE_KEY]
    state.reset()
    return _json(200, {"ok": True, "faults": state.faults.to_dict()})


def create_app(config: SandboxConfig) -> web.Application:
    """Build the sandbox application; its state is ``app[STATE_KEY]``."""
    if config.session_status not in SESSION_STATUSES:
        raise ValueError(
            f"session_status must be one of {', '.join(SESSION_STATUSES)}, "
            f"got {config.session_status!r}"
        )
    app = web.Application(middlewares=[_observe])
    app[STATE_KEY] = SandboxState(config)
    app.router.add_put("/v2/contacts/{chatId}", _put_contact)
    # The router tries the next resource when a path matches but the method does not, so
    # this GET is not shadowed by the PUT-only {chatId} route above.
    app.router.add_get("/v2/contacts/check-exists", _check_exists, allow_head=False)
    app.router.add_get("/v2/session/info", _session_info, allow_head=False)
    app.router.add_get("/_sandbox/state", _admin_state, allow_head=False)
    app.router.add_post("/_sandbox/faults", _admin_faults)
    app.router.add_post("/_sandbox/reset", _admin_reset)
    return app


def registered_from_lines(lines: Iterable[str]) -> frozenset[str]:
    """Numbers from a ``--registered`` file: one a line, ``#`` comments and blanks ignored."""
    numbers = set()
    for number, line in enumerate(lines, 1):
        text = line.split("#", 1)[0].strip()
        if not text:
            continue
        digits = _phone_digits(text)
        if digits is None:
            raise ValueError(f"line {number}: not a phone number: {text!r}")
        numbers.add(digits)
    return frozenset(numbers)
