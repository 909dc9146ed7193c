"""The aiohttp-backed httpx transport: each failure becomes the httpx error that says what
happened, and a dropped PUT is never silently sent again."""

from __future__ import annotations

import asyncio
import gc
import socket
import ssl

import httpx
import pytest

from importer.send.transport import AiohttpTransport
from tests.support.sandbox import SandboxProcess


def send(transport: AiohttpTransport, *requests: httpx.Request) -> list[object]:
    async def go() -> list[object]:
        answers: list[object] = []
        try:
            for request in requests:
                try:
                    answers.append(await transport.handle_async_request(request))
                except httpx.HTTPError as exc:
                    answers.append(exc)
        finally:
            await transport.aclose()
        return answers

    return asyncio.run(go())


def put(sandbox: SandboxProcess, chat_id: str = "201001234567@c.us") -> httpx.Request:
    return httpx.Request("PUT", f"{sandbox.base_url}/v2/contacts/{chat_id}",
                         params=sandbox.auth_params(), json={"firstName": "A", "lastName": ""})


def test_an_answer_comes_back_whole(sandbox: SandboxProcess) -> None:
    [response] = send(AiohttpTransport(), put(sandbox))
    assert isinstance(response, httpx.Response)
    assert response.status_code == 200 and response.json() == {"ok": True}


def test_a_dropped_connection_is_reported_once_and_not_resent(sandbox: SandboxProcess) -> None:
    transport = AiohttpTransport()

    async def go() -> tuple[object, object]:
        try:
            warm = await transport.handle_async_request(put(sandbox, "201001234568@c.us"))
            sandbox.configure(drop_first=1)  # the next request, on the kept-alive connection
            try:
                return warm, await transport.handle_async_request(put(sandbox))
            except httpx.HTTPError as exc:
                return warm, exc
        finally:
            await transport.aclose()

    warm, dropped = asyncio.run(go())
    assert isinstance(warm, httpx.Response) and warm.status_code == 200
    assert isinstance(dropped, httpx.RemoteProtocolError)
    assert "disconnected" in str(dropped).lower()
    assert sandbox.state()["puts"] == 2  # aiohttp did not quietly send the dropped PUT again


def test_nothing_listening_is_a_connect_error() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    [error] = send(AiohttpTransport(), httpx.Request("GET", f"http://127.0.0.1:{port}/"))
    assert isinstance(error, httpx.ConnectError)
    assert error.__cause__ is not None  # the aiohttp error stays reachable


def test_a_slow_answer_is_a_read_timeout(sandbox: SandboxProcess) -> None:
    sandbox.configure(latency=1.0)
    request = put(sandbox)
    request.extensions["timeout"] = httpx.Timeout(0.2).as_dict()
    [error] = send(AiohttpTransport(), request)
    assert isinstance(error, httpx.ReadTimeout)


def timed(request: httpx.Request, seconds: float) -> httpx.Request:
    """`request` with httpx's per-phase timeouts and a `total` bound, all `seconds`."""
    request.extensions["timeout"] = {**httpx.Timeout(seconds).as_dict(), "total": seconds}
    return request


def test_an_answer_trickling_in_is_cut_at_the_total_timeout(sandbox: SandboxProcess) -> None:
    # One byte every 0.3 s: each read comes well within 1 s, the whole body (12 bytes) takes
    # 3.6 s. A per-read timeout alone never fires.
    sandbox.configure(trickle=0.3)
    [error] = send(AiohttpTransport(), timed(put(sandbox), 1.0))
    assert isinstance(error, httpx.ReadTimeout)
    assert str(error) == "no whole answer within 1 s"


def test_a_slow_but_steady_answer_within_the_total_timeout_comes_whole(
        sandbox: SandboxProcess) -> None:
    sandbox.configure(trickle=0.02)  # 12 bytes: about a quarter of a second
    [response] = send(AiohttpTransport(), timed(put(sandbox), 20.0))
    assert isinstance(response, httpx.Response)
    assert response.status_code == 200 and response.json() == {"ok": True}


def test_certificates_are_verified_by_default() -> None:
    async def mode() -> ssl.VerifyMode:
        transport = AiohttpTransport()
        try:
            return transport.get_client().connector._ssl.verify_mode  # type: ignore[union-attr]
        finally:
            await transport.aclose()

    assert asyncio.run(mode()) == ssl.CERT_REQUIRED


def test_upserts_over_this_transport_leave_no_reference_cycles(sandbox: SandboxProcess) -> None:
    """What the benchmark's throughput rests on: each row freed by reference counting, so
    the garbage collector has nothing to pause the run for (see transport.StatelessClient)."""
    from importer.models import Contact
    from importer.send.client import WawpClient

    async def go() -> int:
        async with WawpClient(sandbox.base_url, sandbox.instance_id, sandbox.token,
                              max_connections=4) as client:
            contacts = [Contact(f"2010012{n:05d}@c.us", "A", "") for n in range(41)]
            await asyncio.gather(*(client.upsert(c) for c in contacts[:4]))  # connections up
            gc.collect()
            gc.disable()
            try:
                for contact in contacts[4:]:
                    assert (await client.upsert(contact)).ok
                return gc.collect()
            finally:
                gc.enable()

    assert asyncio.run(go()) == 0


def client_upsert(sandbox: SandboxProcess, *, max_attempts: int = 5,
                  waits: list[float] | None = None) -> object:
    """One upsert through WawpClient over this transport (its fast path), waits recorded."""
    from importer.models import Contact
    from importer.send.client import WawpClient
    from importer.send.pacing import Pacer

    slept = [] if waits is None else waits

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    async def go() -> object:
        async with WawpClient(sandbox.base_url, sandbox.instance_id, sandbox.token,
                              max_attempts=max_attempts, sleep=sleep,
                              pacer=Pacer(0, sleep=sleep)) as client:
            return await client.upsert(Contact("201001234567@c.us", "A", ""))

    return asyncio.run(go())


def test_exchange_gives_the_answer_raw_and_whole(sandbox: SandboxProcess) -> None:
    transport = AiohttpTransport()

    async def go() -> object:
        try:
            return await transport.exchange(
                "PUT", str(put(sandbox).url), [("Content-Type", "application/json")],
                b'{"firstName":"A","lastName":""}', timed(put(sandbox), 5).extensions["timeout"])
        finally:
            await transport.aclose()

    answer = asyncio.run(go())
    assert (answer.status, answer.content, answer.encoded) == (200, b'{"ok": true}', False)
    assert answer.reason == "OK"
    assert answer.response().json() == {"ok": True}
    assert sandbox.state()["contacts"]["201001234567@c.us"]["firstName"] == "A"


def test_a_429_over_aiohttp_waits_its_retry_after_then_succeeds(sandbox: SandboxProcess) -> None:
    sandbox.configure(first_429=1, retry_after=2)
    waits: list[float] = []
    outcome = client_upsert(sandbox, waits=waits)
    assert (outcome.ok, outcome.attempts, outcome.http_status) == (True, 2, 200)
    assert 2.0 in waits
    assert sandbox.state()["puts"] == 2


@pytest.mark.parametrize(("kind", "said"), [("html", 'an HTML page titled "Sign in'),
                                             ("ok-false", '{"ok": false}'),
                                             ("empty", "an empty body")])
def test_an_unexpected_answer_over_aiohttp_is_never_ok(sandbox: SandboxProcess, kind: str,
                                                       said: str) -> None:
    sandbox.configure(bad_body=kind, bad_body_first=2)
    outcome = client_upsert(sandbox, max_attempts=2)
    assert not outcome.ok and outcome.attempts == 2 and outcome.http_status == 200
    assert said in outcome.detail and sandbox.token not in outcome.detail


def test_rejected_credentials_over_aiohttp_are_rejected(sandbox: SandboxProcess) -> None:
    sandbox.configure(unauthorized_after=0)
    outcome = client_upsert(sandbox)
    assert outcome.rejected and outcome.attempts == 1 and outcome.http_status == 401
    assert sandbox.token not in outcome.detail


def test_a_read_timeout_the_total_always_beats_is_not_armed() -> None:
    """aiohttp re-arms its read timer at every read; with a total no longer than it, that
    timer can never fire first, so it is left out. A shorter read timeout stays."""
    transport = AiohttpTransport()
    same = transport._timeout({**httpx.Timeout(30.0).as_dict(), "total": 30.0})
    assert same.sock_read is None and same.total == 30.0
    assert same.sock_connect == 30.0 and same.connect == 30.0
    shorter = transport._timeout({**httpx.Timeout(30.0, read=5.0).as_dict(), "total": 30.0})
    assert shorter.sock_read == 5.0
    alone = transport._timeout(httpx.Timeout(0.2).as_dict())  # no total: the read timer
    assert alone.sock_read == 0.2 and alone.total is None
