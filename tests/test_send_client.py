"""The WAWP client: what is retried, what is not, what counts as an attempt.

No server: httpx.MockTransport answers, and retry waits are recorded instead of slept.
"""

from __future__ import annotations

import asyncio
import email.utils
import gc
import gzip
import json
import logging
from collections.abc import Callable, Iterator
from urllib.parse import quote, urlencode

import httpx
import pytest

from importer.errors import ApiRejected, ApiUnreachable, ImporterError
from importer.models import Contact
from importer.send.client import ExistsOutcome, UpsertOutcome, WawpClient, parse_retry_after
from importer.send.control import RunControl
from importer.send.pacing import Pacer
from importer.send.transport import AiohttpTransport, Answer

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


@pytest.mark.parametrize("name", ["محمد", 'A "B" \\ C', "line\nbreak\ttab\x00\x1f", "\u2028\u2029",
                                  "emoji 👋🏽", ""])
def test_the_body_is_the_compact_json_of_the_names(name: str) -> None:
    handler, seen = answers(ok())
    upsert(handler, contact=Contact("201001234567@c.us", name, name[::-1]))
    assert seen[0].read() == json.dumps({"firstName": name, "lastName": name[::-1]},
                                        ensure_ascii=False, separators=(",", ":")).encode()


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
    with pytest.raises(ImporterError) as caught_5xx:
        session_info(handler)
    assert not isinstance(caught_5xx.value, ApiUnreachable)
    assert str(caught_5xx.value).startswith(
        "session check failed: the API at https://wawp.example answered HTTP 500")
    assert "cannot reach" not in str(caught_5xx.value)


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
    # the sending slowed down (10/s halved); the session check is paced apart from it
    assert pacer.current == (10.0 if endpoint == "session_info" else 5.0)


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


# -- only the documented answer is a success: 200 with {"ok": true} ----------------------------

PORTAL = ("<!DOCTYPE html><html><head><title>Sign in to Hotel Wi-Fi</title></head>"
          "<body><form>…</form></body></html>")
BAD_ANSWERS = {
    "html page": (lambda: httpx.Response(200, html=PORTAL),
                  'an HTML page titled "Sign in to Hotel Wi-Fi" (HTTP 200)', False),
    "ok false": (lambda: httpx.Response(200, json={"ok": False}), '{"ok": false} (HTTP 200)',
                 True),
    "empty object": (lambda: httpx.Response(200, json={}), "{} (HTTP 200)", True),
    "ok as a string": (lambda: httpx.Response(200, json={"ok": "true"}),
                       '{"ok": "true"} (HTTP 200)', True),
    "empty body": (lambda: httpx.Response(200), "an empty body (HTTP 200)", False),
    "text": (lambda: httpx.Response(200, text="OK"), 'the text "OK" (HTTP 200)', False),
    "invalid json": (lambda: httpx.Response(200, content=b'{"ok": tru'),
                     'the text "{"ok": tru" (HTTP 200)', False),
    "json array": (lambda: httpx.Response(200, json=[{"ok": True}]), '[{"ok": true}] (HTTP 200)',
                   True),
    "201": (lambda: httpx.Response(201, json={"ok": True}), '{"ok": true} (HTTP 201)', True),
    "204": (lambda: httpx.Response(204), "an empty body (HTTP 204)", False),
}


@pytest.mark.parametrize("kind", sorted(BAD_ANSWERS))
def test_an_unexpected_2xx_answer_is_retried_like_a_5xx_then_fails_saying_what_came(
        kind: str) -> None:
    answer, what, from_api = BAD_ANSWERS[kind]
    waits = Waits()
    handler, seen = answers(*[answer() for _ in range(5)])
    outcome = upsert(handler, waits=waits)
    assert not outcome.ok and not outcome.rejected
    assert (outcome.attempts, len(seen)) == (5, 5)
    assert outcome.http_status == answer().status_code
    assert outcome.detail.startswith(
        f"gave up after 5 attempts: unexpected answer from the API: {what}; ")
    assert outcome.detail.endswith("; the contact was not recorded as sent")
    assert ("proxy or captive portal" in outcome.detail) is not from_api
    assert len(waits.seconds) == 4  # the same back-off as a 5xx
    for n, wait in enumerate(waits.seconds):
        assert 0.5 * 2 ** n <= wait <= 0.5 * 2 ** n + 0.5


@pytest.mark.parametrize("kind", sorted(BAD_ANSWERS))
def test_an_unexpected_answer_once_then_the_documented_one_is_ok(kind: str) -> None:
    handler, seen = answers(BAD_ANSWERS[kind][0](), ok())
    outcome = upsert(handler)
    assert outcome == UpsertOutcome(True, 2, 200, "")


@pytest.mark.parametrize("body", [b'{"ok":true}', b'{ "ok" : true }', b'{"ok": true, "id": 7}',
                                  b'{"id": "x", "ok": true}', b'\n{"ok": true}\n'])
def test_the_documented_answer_is_ok_whatever_its_spacing_and_other_keys(body: bytes) -> None:
    handler, _ = answers(httpx.Response(200, content=body))
    assert upsert(handler).ok


def test_an_unexpected_answer_never_shows_the_token() -> None:
    page = f"<html><head><title>Blocked: /v2/contacts?access_token={TOKEN}</title></head></html>"
    echo = {"ok": False, "url": f"https://wawp.example/?access_token={TOKEN}"}
    handler, _ = answers(httpx.Response(200, html=page), httpx.Response(200, json=echo))
    outcome = upsert(handler, max_attempts=2)
    assert not outcome.ok and TOKEN not in outcome.detail
    handler, _ = answers(httpx.Response(200, json=echo), httpx.Response(200, html=page))
    outcome = upsert(handler, max_attempts=2)
    assert not outcome.ok and TOKEN not in outcome.detail and "***" in outcome.detail


def test_a_run_stopped_after_an_unexpected_answer_says_what_came() -> None:
    control = RunControl()

    async def sleep_then_stop(seconds: float) -> None:
        control.interrupt()

    handler, seen = answers(httpx.Response(200, html=PORTAL), ok())
    outcome = upsert(handler, control=control, waits=sleep_then_stop)  # type: ignore[arg-type]
    assert outcome.stopped and not outcome.ok and len(seen) == 1
    assert outcome.detail.startswith("unexpected answer from the API: an HTML page")


def test_a_preflight_answered_by_an_html_page_says_so_after_retrying() -> None:
    handler, seen = answers(*[httpx.Response(200, html=PORTAL)] * 5)
    with pytest.raises(ImporterError) as caught:
        session_info(handler)
    message = str(caught.value)
    assert message.startswith("session check failed: unexpected answer from the API: an HTML "
                              'page titled "Sign in to Hotel Wi-Fi" (HTTP 200), after 5 attempts')
    assert "proxy or captive portal" in message and "--base-url" in message
    assert len(seen) == 5 and TOKEN not in message


@pytest.mark.parametrize("answer", [httpx.Response(200, json={}), httpx.Response(200, json=[]),
                                    httpx.Response(200, json={"status": None}),
                                    httpx.Response(204)])
def test_a_preflight_without_a_session_status_is_unexpected(answer: httpx.Response) -> None:
    handler, seen = answers(*[answer] * 5)
    with pytest.raises(ImporterError, match="session check failed: unexpected answer"):
        session_info(handler)
    assert len(seen) == 5


def test_a_preflight_answered_once_by_a_portal_then_by_wawp_goes_ahead() -> None:
    handler, _ = answers(httpx.Response(200, html=PORTAL),
                         httpx.Response(200, json={"status": "WORKING"}))
    assert session_info(handler)["status"] == "WORKING"


def check_exists(handler: Handler, waits: Waits | None = None) -> object:
    waits = waits or Waits()

    async def go() -> object:
        async with WawpClient("https://wawp.example", "inst-1", TOKEN,
                              transport=httpx.MockTransport(handler), sleep=waits) as client:
            return await client.check_exists("201001234567", pacer=Pacer(0, sleep=waits))

    return asyncio.run(go())


def test_check_exists_answered_by_a_portal_is_retried_then_not_an_answer() -> None:
    handler, seen = answers(*[httpx.Response(200, html=PORTAL)] * 5)
    outcome = check_exists(handler)
    assert isinstance(outcome, ExistsOutcome)
    assert outcome.exists is None and outcome.attempts == 5 and len(seen) == 5
    assert outcome.detail.startswith(
        "gave up after 5 attempts: unexpected answer from the API: an HTML page")
    assert "proxy or captive portal" in outcome.detail


def test_check_exists_without_number_exists_is_retried() -> None:
    handler, seen = answers(httpx.Response(200, json={"chatId": "x"}),
                            httpx.Response(200, json={"numberExists": True,
                                                      "chatId": "201001234567@c.us"}))
    outcome = check_exists(handler)
    assert isinstance(outcome, ExistsOutcome)
    assert outcome.exists is True and outcome.attempts == 2


@pytest.mark.parametrize("endpoint", sorted(ENDPOINT_CALLS))
def test_every_endpoint_bounds_the_whole_request_by_the_timeout(endpoint: str) -> None:
    """`total` is what the transport turns into aiohttp's whole-request bound; httpx's own
    read timeout is per read, which a server trickling bytes never trips."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return SUCCESS[endpoint]()

    async def go() -> None:
        async with WawpClient("https://wawp.example", "inst-1", TOKEN, timeout=2.5,
                              transport=httpx.MockTransport(handler), sleep=Waits()) as client:
            await ENDPOINT_CALLS[endpoint](client)

    asyncio.run(go())
    assert seen[0].extensions["timeout"]["total"] == 2.5
    assert seen[0].extensions["timeout"]["read"] == 2.5


def test_a_contact_answered_429_on_every_retry_cuts_the_rate_once() -> None:
    waits = Waits()
    pacer = Pacer(20, sleep=waits)
    handler, _ = answers(*[error(429, **{"Retry-After": "0"})] * 4, ok())
    outcome = upsert(handler, waits=waits, pacer=pacer)
    assert outcome.ok and outcome.attempts == 5
    assert pacer.slowdowns == 1 and pacer.current == 10  # not 20 → 10 → 5 → 2.5 → 1.25


def test_429s_on_the_session_check_leave_the_sending_rate_alone() -> None:
    waits = Waits()
    pacer = Pacer(20, sleep=waits)
    handler, seen = answers(error(429, **{"Retry-After": "3"}), error(429, **{"Retry-After": "3"}),
                            httpx.Response(200, json={"status": "WORKING"}))

    async def go() -> dict[str, object]:
        async with WawpClient("https://wawp.example", "inst-1", TOKEN,
                              transport=httpx.MockTransport(handler), sleep=waits,
                              pacer=pacer) as client:
            return await client.session_info()

    assert asyncio.run(go())["status"] == "WORKING"
    assert len(seen) == 3 and waits.seconds.count(3.0) >= 2  # each waited its Retry-After
    assert pacer.slowdowns == 0 and pacer.current == 20


@pytest.mark.parametrize("base_url", ["https://wawp.example", "https://wawp.example:443/api/",
                                      "http://127.0.0.1:8080", "https://bücher.example/a b"])
@pytest.mark.parametrize("chat_id", ["201001234567@c.us", "1203630@g.us", "20 100/1?x#y@c.us"])
def test_the_upsert_url_is_built_as_httpx_would_build_it(base_url: str, chat_id: str) -> None:
    """The upsert's URL skips httpx's parsing: it must already be what httpx made of the
    URL the client gave it before (its `str` is what goes on the wire)."""
    client = WawpClient(base_url, "inst 1&x=y", TOKEN + "/+=")
    url, _ = client._upsert_request(Contact(chat_id, "A", ""))
    query = urlencode({"instance_id": "inst 1&x=y", "access_token": TOKEN + "/+="})
    before = httpx.Request("PUT", f"{base_url.rstrip('/')}/v2/contacts/"
                                  f"{quote(chat_id, safe='@')}?{query}")
    assert url == str(before.url)


def test_each_upsert_is_logged_as_httpx_logs_a_request(caplog: pytest.LogCaptureFixture) -> None:
    handler, _ = answers(error(503), ok())
    with caplog.at_level(logging.INFO, logger="importer"):
        assert upsert(handler).ok
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("HTTP")]
    assert lines == [
        f'HTTP Request: PUT https://wawp.example/v2/contacts/201001234567@c.us?instance_id='
        f'inst-1&access_token={TOKEN} "HTTP/1.1 {status}"' for status in
        ("503 Service Unavailable", "200 OK")]


class CannedTransport(AiohttpTransport):
    """The aiohttp transport, answering from a list instead of a server: what the client
    does with the raw answers it gets from aiohttp (bodies not decoded yet)."""

    def __init__(self, *answers: Answer) -> None:
        super().__init__()
        self.answers = list(answers)
        self.sent: list[tuple[str, str, bytes, dict[str, object]]] = []

    async def exchange(self, method: str, url: str, headers: object, content: bytes,
                       timeout: dict[str, object]) -> Answer:
        self.sent.append((method, url, content, timeout))
        return self.answers.pop(0)


def canned_upsert(*answers: Answer, max_attempts: int = 5) -> tuple[UpsertOutcome,
                                                                     CannedTransport]:
    transport = CannedTransport(*answers)

    async def go() -> UpsertOutcome:
        async with WawpClient("https://wawp.example", "inst-1", TOKEN, transport=transport,
                              sleep=Waits(), max_attempts=max_attempts, timeout=7.0) as client:
            return await client.upsert(CONTACT)

    return asyncio.run(go()), transport


GZIP = [(b"Content-Encoding", b"gzip"), (b"Content-Type", b"application/json")]


def test_the_raw_documented_answer_is_ok_at_once() -> None:
    outcome, transport = canned_upsert(Answer(200, b'{"ok":true}', reason="OK"))
    assert outcome == UpsertOutcome(True, 1, 200, "")
    [(method, url, content, timeout)] = transport.sent
    assert method == "PUT" and url.startswith("https://wawp.example/v2/contacts/2010")
    assert content == b'{"firstName":"Ahmed","lastName":"Hassan"}'
    assert timeout["total"] == 7.0 and timeout["read"] == 7.0


def test_a_compressed_documented_answer_is_decoded_then_ok() -> None:
    answer = Answer(200, gzip.compress(b'{"ok": true}'), headers=GZIP, encoded=True)
    outcome, _ = canned_upsert(answer)
    assert outcome == UpsertOutcome(True, 1, 200, "")


def test_the_documented_bytes_under_a_content_encoding_are_not_taken_as_ok() -> None:
    """Raw bytes that read `{"ok": true}` but claim gzip are not what the API documents: httpx
    cannot decode them, so the attempt fails and is retried (as it was through httpx)."""
    outcome, transport = canned_upsert(*[Answer(200, b'{"ok": true}', headers=GZIP,
                                                encoded=True)] * 2, max_attempts=2)
    assert not outcome.ok and outcome.attempts == 2 and len(transport.sent) == 2
    assert outcome.detail.startswith("gave up after 2 attempts: DecodingError")


@pytest.mark.parametrize(("answer", "detail"), [
    (Answer(200, b'{"ok": false}'), 'unexpected answer from the API: {"ok": false}'),
    (Answer(200, b"<html><title>Sign in</title>", headers=[(b"Content-Type", b"text/html")]),
     'an HTML page titled "Sign in"'),
    (Answer(200, b'{"ok": true, "id": 7}'), ""),
])
def test_other_raw_answers_are_read_as_httpx_responses(answer: Answer, detail: str) -> None:
    outcome, _ = canned_upsert(answer, max_attempts=1)
    assert outcome.ok is (detail == "")
    assert detail in outcome.detail


def test_a_raw_429_waits_its_retry_after_and_slows_the_run() -> None:
    waits = Waits()
    transport = CannedTransport(Answer(429, b'{"error": "slow down"}',
                                       headers=[(b"Retry-After", b"3")]),
                                Answer(200, b'{"ok": true}'))
    pacer = Pacer(0, sleep=waits)

    async def go() -> UpsertOutcome:
        async with WawpClient("https://wawp.example", "inst-1", TOKEN, transport=transport,
                              sleep=waits, pacer=pacer) as client:
            return await client.upsert(CONTACT)

    outcome = asyncio.run(go())
    assert (outcome.ok, outcome.attempts, outcome.http_status) == (True, 2, 200)
    assert 3.0 in waits.seconds
