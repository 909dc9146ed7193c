"""The WAWP client: what is retried, what is not, what counts as an attempt.

No server: httpx.MockTransport answers, and retry waits are recorded instead of slept.
"""

from __future__ import annotations

import asyncio
import email.utils
import gc
from collections.abc import Callable, Iterator

import httpx
import pytest

from importer.errors import ApiRejected, ApiUnreachable, ImporterError
from importer.models import Contact
from importer.send.client import UpsertOutcome, WawpClient, parse_retry_after
from importer.send.control import RunControl
from importer.send.pacing import Pacer

TOKEN = "secret-token-0123456789"
CONTACT = Contact("201001234567@c.us", "Ahmed", "Hassan")
Handler = Callable[[httpx.Request], httpx.Response]


class Waits:
    """The sleep given to the client and the pacer: records, never waits."""

    def __init__(self) -> None:
        self.seconds: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.seconds.append(seconds)


def answers(*responses: httpx.Response | Exception) -> tuple[Handler, list[httpx.Request]]:
    """A handler giving these answers in turn (an exception is raised), and what it saw."""
    seen: list[httpx.Request] = []
    queue: Iterator[httpx.Response | Exception] = iter(responses)

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        answer = next(queue)
        if isinstance(answer, Exception):
            raise answer
        return answer

    return handler, seen


def upsert(handler: Handler, *, waits: Waits | None = None, max_attempts: int = 5,
           control: RunControl | None = None, pacer: Pacer | None = None,
           contact: Contact = CONTACT) -> UpsertOutcome:
    waits = waits or Waits()

    async def go() -> UpsertOutcome:
        async with WawpClient("https://wawp.example", "inst-1", TOKEN,
                              transport=httpx.MockTransport(handler), sleep=waits,
                              max_attempts=max_attempts, control=control,
                              pacer=pacer or Pacer(0, sleep=waits)) as client:
            return await client.upsert(contact)

    return asyncio.run(go())


def ok() -> httpx.Response:
    return httpx.Response(200, json={"ok": True})


def error(status: int, message: str = "", **headers: str) -> httpx.Response:
    return httpx.Response(status, json={"ok": False, "error": message or f"error {status}"},
                          headers=headers)


def test_the_request_is_the_one_the_api_documents() -> None:
    handler, seen = answers(ok())
    outcome = upsert(handler)
    assert outcome == UpsertOutcome(True, 1, 200, "")
    request = seen[0]
    assert request.method == "PUT"
    assert request.url.path == "/v2/contacts/201001234567@c.us"
    assert dict(request.url.params) == {"instance_id": "inst-1", "access_token": TOKEN}
    assert request.headers["content-type"] == "application/json"
    assert request.read() == b'{"firstName":"Ahmed","lastName":"Hassan"}'


def test_names_in_any_script_are_sent_as_they_are() -> None:
    handler, seen = answers(ok())
    upsert(handler, contact=Contact("201001234567@c.us", "محمد", "Ñúñez"))
    assert seen[0].read().decode() == '{"firstName":"محمد","lastName":"Ñúñez"}'


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_retryable_statuses_are_retried_then_succeed(status: int) -> None:
    handler, seen = answers(error(status), error(status), ok())
    outcome = upsert(handler)
    assert (outcome.ok, outcome.attempts, outcome.http_status) == (True, 3, 200)
    assert len(seen) == 3


def test_retries_back_off_exponentially_with_jitter() -> None:
    waits = Waits()
    handler, _ = answers(*[error(500)] * 5)
    outcome = upsert(handler, waits=waits)
    assert not outcome.ok and outcome.attempts == 5
    assert outcome.detail.startswith("gave up after 5 attempts: HTTP 500")
    assert len(waits.seconds) == 4
    for n, wait in enumerate(waits.seconds):
        base = 0.5 * 2 ** n
        assert base <= wait <= base + 0.5


def test_one_attempt_allowed_means_no_retry_and_no_wait() -> None:
    waits = Waits()
    handler, seen = answers(error(503), ok())
    outcome = upsert(handler, waits=waits, max_attempts=1)
    assert (outcome.ok, outcome.attempts, outcome.http_status) == (False, 1, 503)
    assert outcome.detail.startswith("gave up after 1 attempt: HTTP 503")
    assert len(seen) == 1 and waits.seconds == []


def test_an_upsert_leaves_no_reference_cycles_behind() -> None:
    """Garbage in cycles is freed only by the collector, whose pauses hold up every request
    in flight: a sent row must be freed by reference counting alone."""
    async def go() -> int:
        async with WawpClient("https://wawp.example", "inst-1", TOKEN,
                              transport=httpx.MockTransport(lambda request: ok())) as client:
            await client.upsert(CONTACT)  # the first request sets up what lives on
            gc.collect()
            gc.disable()
            try:
                for _ in range(20):
                    assert (await client.upsert(CONTACT)).ok
                return gc.collect()
            finally:
                gc.enable()

    assert asyncio.run(go()) == 0


@pytest.mark.parametrize("status", [400, 404, 409, 422])
def test_client_errors_are_not_retried_and_keep_the_apis_message(status: int) -> None:
    handler, seen = answers(error(status, "Bad Request - Invalid Parameter Format"))
    outcome = upsert(handler)
    assert (outcome.ok, outcome.attempts, outcome.http_status) == (False, 1, status)
    assert f"HTTP {status}" in outcome.detail and "Invalid Parameter Format" in outcome.detail
    assert len(seen) == 1


@pytest.mark.parametrize("status", [401, 403])
def test_rejected_credentials_come_back_as_rejected_with_real_attempts(status: int) -> None:
    handler, _ = answers(error(503), error(status, "Unauthorized"))
    outcome = upsert(handler)
    assert outcome.rejected and not outcome.ok
    assert (outcome.attempts, outcome.http_status) == (2, status)
    assert "rejected the instance ID or access token" in outcome.detail


def test_retry_after_in_seconds_is_honoured_and_pauses_the_pacer() -> None:
    waits = Waits()
    pacer = Pacer(10, sleep=waits)
    handler, _ = answers(error(429, **{"Retry-After": "7"}), ok())
    outcome = upsert(handler, waits=waits, pacer=pacer)
    assert outcome.ok and outcome.attempts == 2
    assert 7.0 in waits.seconds
    assert pacer.slowdowns == 1 and pacer.current == 5


def test_retry_after_as_an_http_date_is_honoured() -> None:
    when = email.utils.formatdate(1_000_030.0, usegmt=True)
    assert parse_retry_after(when, now=1_000_000.0) == pytest.approx(30.0)


@pytest.mark.parametrize(("value", "expected"), [
    ("5", 5.0), (" 2.5 ", 2.5), ("0", 0.0), ("-3", 0.0), ("99999", 300.0),
    ("soon", None), ("", None), (None, None),
])
def test_retry_after_values(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value, now=0.0) == expected


@pytest.mark.parametrize("exc", [
    httpx.ConnectError("refused"), httpx.ReadTimeout("slow"),
    httpx.RemoteProtocolError("Server disconnected"), httpx.ReadError("reset"),
])
def test_transport_errors_are_retried_and_count_as_attempts(exc: Exception) -> None:
    handler, seen = answers(exc, exc, ok())
    outcome = upsert(handler)
    assert (outcome.ok, outcome.attempts) == (True, 3)
    assert len(seen) == 3


def test_giving_up_on_timeouts_says_so_without_the_token() -> None:
    handler, _ = answers(*[httpx.ReadTimeout(f"timed out: https://x/?access_token={TOKEN}")] * 3)
    outcome = upsert(handler, max_attempts=3)
    assert not outcome.ok and outcome.attempts == 3 and outcome.http_status is None
    assert "timed out" in outcome.detail and TOKEN not in outcome.detail


def test_an_unexpected_error_fails_the_row_without_the_token() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise RuntimeError(f"bug while sending {request.url}")

    outcome = upsert(handler)
    assert not outcome.ok and "internal error: RuntimeError" in outcome.detail
    assert TOKEN not in outcome.detail


def test_a_stopped_run_sends_nothing() -> None:
    control = RunControl()
    control.interrupt()
    handler, seen = answers(ok())
    outcome = upsert(handler, control=control)
    assert outcome.stopped and outcome.attempts == 0 and seen == []


def test_a_run_stopped_during_the_back_off_does_not_retry() -> None:
    control = RunControl()

    async def sleep_then_stop(seconds: float) -> None:
        control.interrupt()  # Ctrl-C while this row waits for its retry

    handler, seen = answers(error(503), ok())
    outcome = upsert(handler, control=control, waits=sleep_then_stop)  # type: ignore[arg-type]
    assert outcome.stopped and not outcome.ok
    assert outcome.attempts == 1 and outcome.http_status == 503
    assert "not retried: interrupted" in outcome.detail
    assert len(seen) == 1


def session_info(handler: Handler, waits: Waits | None = None) -> dict[str, object]:
    async def go() -> dict[str, object]:
        async with WawpClient("https://wawp.example", "inst-1", TOKEN,
                              transport=httpx.MockTransport(handler),
                              sleep=waits or Waits()) as client:
            return await client.session_info()

    return asyncio.run(go())


def test_the_preflight_is_retried_like_an_upsert() -> None:
    handler, seen = answers(httpx.RemoteProtocolError("dropped"),
                            error(429, **{"Retry-After": "1"}),
                            httpx.Response(200, json={"status": "WORKING"}))
    assert session_info(handler)["status"] == "WORKING"
    assert len(seen) == 3


def test_a_preflight_that_never_gets_through_says_where_it_tried() -> None:
    handler, _ = answers(*[httpx.ConnectError("refused")] * 5)
    with pytest.raises(ImporterError, match="cannot reach the API at https://wawp.example"):
        session_info(handler)


def test_a_preflight_without_any_answer_is_api_unreachable_and_5xx_is_not() -> None:
    handler, _ = answers(*[httpx.ConnectError("refused")] * 5)
    with pytest.raises(ApiUnreachable) as caught:
        session_info(handler)
    assert caught.value.base_url == "https://wawp.example" and TOKEN not in str(caught.value)
    handler, _ = answers(*[error(500)] * 5)  # the API answered: it is there, and failing
    with pytest.raises(ImporterError, match="cannot reach") as caught_5xx:
        session_info(handler)
    assert not isinstance(caught_5xx.value, ApiUnreachable)


def test_a_preflight_404_suggests_skip_preflight() -> None:
    handler, _ = answers(error(404))
    with pytest.raises(ImporterError, match="--skip-preflight"):
        session_info(handler)


def test_a_preflight_401_is_api_rejected() -> None:
    handler, _ = answers(error(401))
    with pytest.raises(ApiRejected) as caught:
        session_info(handler)
    assert caught.value.status == 401 and TOKEN not in str(caught.value)


# -- one reading of the API's answers for every endpoint ---------------------------------------

ENDPOINT_CALLS = {
    "upsert": lambda client: client.upsert(CONTACT),
    "session_info": lambda client: client.session_info(),
    "check_exists": lambda client: client.check_exists("201001234567", pacer=client.pacer),
}
SUCCESS = {
    "upsert": lambda: httpx.Response(200, json={"ok": True}),
    "session_info": lambda: httpx.Response(200, json={"status": "WORKING"}),
    "check_exists": lambda: httpx.Response(200, json={"numberExists": True,
                                                      "chatId": "201001234567@c.us"}),
}


def call_endpoint(name: str, handler: Handler, waits: Waits, pacer: Pacer) -> object:
    async def go() -> object:
        async with WawpClient("https://wawp.example", "inst-1", TOKEN,
                              transport=httpx.MockTransport(handler), sleep=waits,
                              pacer=pacer) as client:
            return await ENDPOINT_CALLS[name](client)

    return asyncio.run(go())


@pytest.mark.parametrize("endpoint", sorted(ENDPOINT_CALLS))
def test_a_429_waits_its_retry_after_and_slows_the_pacer_on_every_endpoint(endpoint: str) -> None:
    waits = Waits()
    clock = [100.0]
    pacer = Pacer(10, sleep=waits, clock=lambda: clock[0])
    handler, seen = answers(httpx.Response(429, headers={"Retry-After": "7"}),
                            SUCCESS[endpoint]())
    call_endpoint(endpoint, handler, waits, pacer)
    assert len(seen) == 2
    assert 7.0 in waits.seconds          # tenacity waited what the API asked
    assert pacer.current == 5.0          # and the whole run slowed down (10/s halved)


@pytest.mark.parametrize("endpoint", sorted(ENDPOINT_CALLS))
def test_a_401_is_never_retried_on_any_endpoint(endpoint: str) -> None:
    waits = Waits()
    handler, seen = answers(httpx.Response(401, json={"error": "bad token"}))
    try:
        outcome = call_endpoint(endpoint, handler, waits, Pacer(0, sleep=waits))
    except ApiRejected as exc:
        assert exc.status == 401
    else:  # an upsert reports it as its outcome, for the runner to stop the run
        assert isinstance(outcome, UpsertOutcome) and outcome.rejected
    assert len(seen) == 1
