"""Contract tests of the WAWP sandbox: a real server process, spoken to over 127.0.0.1."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from importer.sandbox import main
from importer.sandbox.app import equivalent_numbers
from tests.support.sandbox import REPO_ROOT, SandboxError, SandboxProcess

ERROR_400 = "Bad Request - Invalid Parameter Format"
ERROR_401 = "Unauthorized - Invalid or Missing Access Token"
ERROR_500 = "Internal Server Error - Unexpected Failure"
JOHN = {"firstName": "John", "lastName": "Doe"}


@pytest.fixture(scope="session")
def sandbox_process() -> Iterator[SandboxProcess]:
    # No check-exists pacing here: most tests call it back to back; the pacing has its own server.
    with SandboxProcess("--check-exists-interval", "0", "--seed", "7") as process:
        yield process


@pytest.fixture
def sandbox(sandbox_process: SandboxProcess) -> Iterator[SandboxProcess]:
    sandbox_process.reset()
    yield sandbox_process
    assert "Traceback" not in sandbox_process.log()


@pytest.fixture(scope="module")
def paced_sandbox() -> Iterator[SandboxProcess]:
    with SandboxProcess("--session-status", "SCAN_QR_CODE", "--register-all") as process:
        yield process


@pytest.fixture
def client(sandbox: SandboxProcess) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sandbox.base_url, params=sandbox.auth_params(), timeout=10) as c:
        yield c


def put(client: httpx.Client, chat_id: str, body: Any = JOHN) -> httpx.Response:
    return client.put(f"/v2/contacts/{chat_id}", json=body)


# -- PUT /v2/contacts/{chatId} -------------------------------------------------------------------


def test_put_answers_ok_and_stores_the_contact(
    sandbox: SandboxProcess, client: httpx.Client
) -> None:
    response = put(client, "447911123456@c.us")

    assert response.status_code == 200
    assert response.json() == {"ok": True}
    assert response.headers["content-type"].startswith("application/json")
    state = sandbox.state()
    assert state["contacts"] == {"447911123456@c.us": JOHN}
    assert (state["requests"], state["puts"]) == (1, 1)
    assert state["put_counts"] == {"447911123456@c.us": 1}
    assert state["status_counts"] == {"200": 1}


def test_last_write_wins(sandbox: SandboxProcess, client: httpx.Client) -> None:
    put(client, "447911123456@c.us")
    put(client, "447911123456@c.us", {"firstName": "Jane", "lastName": "Roe"})

    assert sandbox.state()["contacts"] == {
        "447911123456@c.us": {"firstName": "Jane", "lastName": "Roe"}
    }


def test_percent_encoded_at_sign_is_the_same_chat_id(
    sandbox: SandboxProcess, client: httpx.Client
) -> None:
    response = put(client, "447911123456%40c.us")

    assert response.status_code == 200
    assert sandbox.state()["contacts"] == {"447911123456@c.us": JOHN}


def test_empty_names_are_allowed(sandbox: SandboxProcess, client: httpx.Client) -> None:
    assert put(client, "447911123456@c.us", {"firstName": "", "lastName": ""}).status_code == 200
    assert sandbox.state()["contacts"] == {"447911123456@c.us": {"firstName": "", "lastName": ""}}


@pytest.mark.parametrize(
    ("chat_id", "content", "in_message"),
    [
        ("12345@c.us", json.dumps(JOHN), "chatId"),
        ("447911123456", json.dumps(JOHN), "chatId"),
        ("+447911123456@c.us", json.dumps(JOHN), "chatId"),
        ("447911123456@s.whatsapp.net", json.dumps(JOHN), "chatId"),
        ("447911123456@c.us", "firstName=John", "not valid JSON"),
        ("447911123456@c.us", "", "not valid JSON"),
        ("447911123456@c.us", json.dumps([JOHN]), "JSON object"),
        ("447911123456@c.us", json.dumps({"firstName": "John"}), "lastName is required"),
        (
            "447911123456@c.us",
            json.dumps({"firstName": 7, "lastName": "Doe"}),
            "firstName must be a string",
        ),
        (
            "447911123456@c.us",
            json.dumps({"firstName": "John", "lastName": None}),
            "lastName must be a string",
        ),
    ],
)
def test_bad_request_says_what_is_wrong(
    sandbox: SandboxProcess, client: httpx.Client, chat_id: str, content: str, in_message: str
) -> None:
    response = client.put(
        f"/v2/contacts/{chat_id}", content=content, headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 400
    body = response.json()
    assert (body["ok"], body["error"]) == (False, ERROR_400)
    assert in_message in body["message"]
    assert sandbox.state()["contacts"] == {}


@pytest.mark.parametrize(
    "params",
    [
        {"instance_id": "WRONG", "access_token": "TOKEN"},
        {"instance_id": "INSTANCE", "access_token": "wrong"},
        {"access_token": "TOKEN"},
        {"instance_id": "INSTANCE"},
        {},
    ],
)
def test_unauthorized_without_the_right_instance_and_token(
    sandbox: SandboxProcess, params: dict[str, str]
) -> None:
    real = {"INSTANCE": sandbox.instance_id, "TOKEN": sandbox.token}
    params = {k: real.get(v, v) for k, v in params.items()}

    response = httpx.put(
        f"{sandbox.base_url}/v2/contacts/447911123456@c.us", params=params, json=JOHN
    )

    assert response.status_code == 401
    assert response.json() == {"ok": False, "error": ERROR_401}
    assert sandbox.state()["contacts"] == {}


def test_unknown_path_is_a_json_404(client: httpx.Client) -> None:
    response = client.get("/v2/nothing/here")

    assert response.status_code == 404
    assert response.json()["ok"] is False


def test_wrong_method_is_405(client: httpx.Client) -> None:
    response = client.get("/v2/contacts/447911123456@c.us")

    assert response.status_code == 405
    assert response.headers["Allow"] == "PUT"


# -- session and check-exists --------------------------------------------------------------------


def test_session_info_reports_working(sandbox: SandboxProcess, client: httpx.Client) -> None:
    response = client.get("/v2/session/info")

    assert response.status_code == 200
    body = response.json()
    assert (body["name"], body["status"]) == (sandbox.instance_id, "WORKING")
    assert body["me"]["id"].endswith("@c.us")


def test_session_info_needs_the_token(sandbox: SandboxProcess) -> None:
    response = httpx.get(f"{sandbox.base_url}/v2/session/info")

    assert response.status_code == 401


def test_session_status_is_configurable(paced_sandbox: SandboxProcess) -> None:
    response = httpx.get(
        f"{paced_sandbox.base_url}/v2/session/info", params=paced_sandbox.auth_params()
    )

    assert response.json()["status"] == "SCAN_QR_CODE"


@pytest.mark.parametrize(
    ("phone", "chat_id"),
    [
        ("5511987654321", "551187654321@c.us"),  # Brazil: registered before the ninth digit
        ("+5511987654321", "551187654321@c.us"),
        ("551187654321", "551187654321@c.us"),
        ("525512345678", "5215512345678@c.us"),  # Mexico: registered with the 1 after 52
        ("5215512345678@c.us", "5215512345678@c.us"),
        ("201001234567", "201001234567@c.us"),
        ("+14155552671", "14155552671@c.us"),
        ("447700900123", None),
    ],
)
def test_check_exists(client: httpx.Client, phone: str, chat_id: str | None) -> None:
    response = client.get("/v2/contacts/check-exists", params={"phone": phone})

    assert response.status_code == 200
    assert response.json() == {"numberExists": chat_id is not None, "chatId": chat_id}


def test_check_exists_rejects_a_non_number(client: httpx.Client) -> None:
    response = client.get("/v2/contacts/check-exists", params={"phone": "not a phone"})

    assert response.status_code == 400


@pytest.mark.parametrize(
    ("digits", "forms"),
    [
        ("5511987654321", ["5511987654321", "551187654321"]),
        ("551187654321", ["551187654321", "5511987654321"]),
        ("525512345678", ["525512345678", "5215512345678"]),
        ("5215512345678", ["5215512345678", "525512345678"]),
        ("447911123456", ["447911123456"]),
    ],
)
def test_equivalent_numbers_go_both_ways(digits: str, forms: list[str]) -> None:
    assert equivalent_numbers(digits) == forms


def test_check_exists_allows_one_call_per_second(paced_sandbox: SandboxProcess) -> None:
    url = f"{paced_sandbox.base_url}/v2/contacts/check-exists"
    params = {**paced_sandbox.auth_params(), "phone": "+491701234567"}
    with httpx.Client() as c:
        first = c.get(url, params=params)
        second = c.get(url, params=params)
        time.sleep(1.0)
        third = c.get(url, params=params)

    # --register-all: any well-formed number exists.
    assert first.json() == {"numberExists": True, "chatId": "491701234567@c.us"}
    assert second.status_code == 429
    assert second.headers["Retry-After"] == "1"
    assert third.status_code == 200


# -- faults --------------------------------------------------------------------------------------


def test_fail_first_gives_a_burst_of_500s_then_success(
    sandbox: SandboxProcess, client: httpx.Client
) -> None:
    sandbox.configure(fail_first=2)

    statuses = [put(client, "447911123456@c.us").status_code for _ in range(3)]

    assert statuses == [500, 500, 200]
    state = sandbox.state()
    assert state["status_counts"] == {"200": 1, "500": 2}
    assert state["put_counts"] == {"447911123456@c.us": 3}


def test_fail_each_contact_fails_every_chat_ids_first_attempts(
    sandbox: SandboxProcess, client: httpx.Client
) -> None:
    sandbox.configure(fail_each_contact=2)
    a, b = "447911123456@c.us", "201001234567@c.us"

    statuses = [put(client, chat_id).status_code for chat_id in (a, b, a, b, a, b)]

    assert statuses == [500, 500, 500, 500, 200, 200]
    assert put(client, a).json() == {"ok": True}
    assert sandbox.state()["put_counts"] == {a: 4, b: 3}


def test_a_500_body_matches_the_api_page(sandbox: SandboxProcess, client: httpx.Client) -> None:
    sandbox.configure(fail_first=1)

    assert put(client, "447911123456@c.us").json() == {"ok": False, "error": ERROR_500}
    assert sandbox.state()["contacts"] == {}


def test_first_429_sends_retry_after(sandbox: SandboxProcess, client: httpx.Client) -> None:
    sandbox.configure(first_429=1, retry_after=3)

    limited = put(client, "447911123456@c.us")
    then = put(client, "447911123456@c.us")

    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "3"
    assert then.status_code == 200


def test_drop_first_closes_the_connection_without_a_response(
    sandbox: SandboxProcess, client: httpx.Client
) -> None:
    sandbox.configure(drop_first=1)

    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        put(client, "447911123456@c.us")
    after = put(client, "447911123456@c.us")

    assert after.status_code == 200
    state = sandbox.state()
    assert (state["puts"], state["dropped"]) == (2, 1)
    assert state["status_counts"] == {"200": 1}


def test_unauthorized_after_revokes_the_token_mid_run(
    sandbox: SandboxProcess, client: httpx.Client
) -> None:
    sandbox.configure(unauthorized_after=2)

    responses = [put(client, f"44791112345{i}@c.us") for i in range(4)]

    assert [r.status_code for r in responses] == [200, 200, 401, 401]
    assert responses[-1].json() == {"ok": False, "error": ERROR_401}
    assert len(sandbox.state()["contacts"]) == 2


def test_bad_request_chat_ids_fail_among_good_ones(
    sandbox: SandboxProcess, client: httpx.Client
) -> None:
    sandbox.configure(bad_request_chat_ids=["201001234567@c.us"])

    statuses = [
        put(client, c).status_code
        for c in ("447911123456@c.us", "201001234567@c.us", "14155552671@c.us")
    ]

    assert statuses == [200, 400, 200]
    assert "not a WhatsApp account" in put(client, "201001234567@c.us").json()["message"]
    assert set(sandbox.state()["contacts"]) == {"447911123456@c.us", "14155552671@c.us"}


def test_latency_delays_each_answer(sandbox: SandboxProcess, client: httpx.Client) -> None:
    sandbox.configure(latency=0.2)

    started = time.monotonic()
    put(client, "447911123456@c.us")

    assert time.monotonic() - started >= 0.2


def test_faults_apply_in_pipeline_order(sandbox: SandboxProcess, client: httpx.Client) -> None:
    sandbox.configure(drop_first=1, first_429=1, fail_first=1)

    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        put(client, "447911123456@c.us")
    statuses = [put(client, "447911123456@c.us").status_code for _ in range(3)]

    assert statuses == [429, 500, 200]


@pytest.mark.parametrize(
    ("kind", "status", "content_type", "body"),
    [
        ("html", 200, "text/html", b"<!DOCTYPE html>"),
        ("ok-false", 200, "application/json", b'{"ok": false}'),
        ("empty", 200, None, b""),
        ("text", 200, "text/plain", b"OK"),
        ("no-content", 204, None, b""),
    ],
)
def test_bad_body_answers_like_a_proxy_and_stores_nothing(
    sandbox: SandboxProcess,
    client: httpx.Client,
    kind: str,
    status: int,
    content_type: str | None,
    body: bytes,
) -> None:
    sandbox.configure(bad_body=kind)

    answers = [put(client, "447911123456@c.us") for _ in range(2)]

    for answer in answers:
        assert answer.status_code == status
        assert answer.content.startswith(body) and (body or not answer.content)
        assert answer.headers.get("Content-Type", "").split(";")[0] == (content_type or "")
    state = sandbox.state()
    assert state["contacts"] == {}
    assert state["bad_bodies"] == {kind: 2}
    assert state["status_counts"] == {str(status): 2}
    assert state["put_counts"] == {"447911123456@c.us": 2}


def test_bad_body_first_then_normal_answers(sandbox: SandboxProcess, client: httpx.Client) -> None:
    sandbox.configure(bad_body_first=2)  # kind: html unless --bad-body says otherwise

    answers = [put(client, "447911123456@c.us") for _ in range(3)]

    assert [a.headers["Content-Type"].split(";")[0] for a in answers] == [
        "text/html",
        "text/html",
        "application/json",
    ]
    assert answers[2].json() == {"ok": True}
    state = sandbox.state()
    assert state["bad_bodies"] == {"html": 2}
    assert state["contacts"] == {"447911123456@c.us": JOHN}


def test_bad_body_answers_the_preflight_too(sandbox: SandboxProcess, client: httpx.Client) -> None:
    sandbox.configure(bad_body="html")

    answer = client.get("/v2/session/info")

    assert answer.status_code == 200 and answer.text.startswith("<!DOCTYPE html>")


def test_bad_body_rate_repeats_with_the_same_seed(
    sandbox: SandboxProcess, client: httpx.Client
) -> None:
    def run() -> list[bool]:
        sandbox.configure(bad_body="ok-false", bad_body_rate=0.4, seed=3)
        return [put(client, "447911123456@c.us").json()["ok"] for _ in range(30)]

    first, second = run(), run()

    assert first == second and {True, False} == set(first)


def test_configure_rejects_an_unknown_bad_body(sandbox: SandboxProcess) -> None:
    with pytest.raises(SandboxError, match="bad_body must be one of html, ok-false"):
        sandbox.configure(bad_body="xml")


def test_trickle_sends_the_body_one_byte_at_a_time(
    sandbox: SandboxProcess, client: httpx.Client
) -> None:
    sandbox.configure(trickle=0.05)

    with client.stream("PUT", "/v2/contacts/447911123456@c.us", json=JOHN) as answer:
        chunks = list(answer.iter_raw())

    assert b"".join(chunks) == b'{"ok": true}'
    assert len(chunks) > 1  # it did not come in one piece
    assert sandbox.state()["contacts"] == {"447911123456@c.us": JOHN}


def test_a_client_giving_up_on_a_trickle_leaves_the_server_well(
    sandbox: SandboxProcess,
) -> None:
    sandbox.configure(trickle=0.6)
    with httpx.Client(base_url=sandbox.base_url, params=sandbox.auth_params()) as impatient:
        with pytest.raises(httpx.ReadTimeout):  # no byte within 0.3 s
            impatient.get("/v2/session/info", timeout=0.3)
    time.sleep(1.0)  # the server's next write meets a closed connection

    sandbox.configure(trickle=0)
    assert sandbox.state()["session_status"] == "WORKING"  # the fixture checks for a traceback


def test_random_faults_repeat_with_the_same_seed(
    sandbox: SandboxProcess, client: httpx.Client
) -> None:
    def run() -> list[int]:
        sandbox.configure(error_rate=0.3, rate_429=0.2, seed=42)
        return [put(client, "447911123456@c.us").status_code for _ in range(40)]

    first, second = run(), run()

    assert first == second
    assert {200, 429, 500} <= set(first)


def test_configure_rejects_unknown_faults(sandbox: SandboxProcess) -> None:
    with pytest.raises(SandboxError, match="unknown fault"):
        sandbox.configure(fail_sometimes=3)
    with pytest.raises(SandboxError, match="error_rate"):
        sandbox.configure(error_rate=2)


def test_configure_replace_switches_off_the_others(sandbox: SandboxProcess) -> None:
    sandbox.configure(fail_first=3, latency=0.5)

    faults = sandbox.configure(replace=True, first_429=1)

    assert (faults["fail_first"], faults["latency"], faults["first_429"]) == (0, 0.0, 1)


def test_reset_clears_contacts_counters_and_faults(
    sandbox: SandboxProcess, client: httpx.Client
) -> None:
    put(client, "447911123456@c.us")
    sandbox.configure(fail_first=5)

    sandbox.reset()

    state = sandbox.state()
    assert state["contacts"] == {}
    assert (state["requests"], state["puts"], state["put_counts"], state["status_counts"]) == (
        0,
        0,
        {},
        {},
    )
    assert state["faults"]["fail_first"] == 0
    assert state["faults"]["seed"] == 7  # the start-up faults are back
    assert put(client, "447911123456@c.us").status_code == 200


def test_admin_requests_are_not_counted(sandbox: SandboxProcess) -> None:
    sandbox.configure(fail_first=1)
    sandbox.state()

    assert sandbox.state()["requests"] == 0


# -- the process ---------------------------------------------------------------------------------


def test_ready_file_banner_and_dump_on_sigterm(tmp_path: Path) -> None:
    ready, dump, token_file = tmp_path / "ready.json", tmp_path / "dump.json", tmp_path / "token"
    token_file.write_text("secret-token\n")
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    command = [
        sys.executable,
        "-m",
        "importer.sandbox",
        "--port",
        "0",
        "--instance-id",
        "inst-1",
        "--token-file",
        str(token_file),
        "--ready-file",
        str(ready),
        "--dump",
        str(dump),
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    try:
        deadline = time.monotonic() + 15
        while not ready.exists() and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.02)
        info = json.loads(ready.read_text())
        assert (info["instance_id"], info["token"], info["pid"]) == (
            "inst-1",
            "secret-token",
            process.pid,
        )
        assert info["base_url"].startswith("http://127.0.0.1:")
        response = httpx.put(
            f"{info['base_url']}/v2/contacts/447911123456@c.us",
            params={"instance_id": "inst-1", "access_token": "secret-token"},
            json=JOHN,
        )
        assert response.status_code == 200
    finally:
        process.send_signal(signal.SIGTERM)
        stdout, stderr = process.communicate(timeout=10)

    assert process.returncode == 0, stderr
    assert (
        f"export WAWP_BASE_URL={info['base_url']} WAWP_INSTANCE_ID=inst-1 "
        "WAWP_ACCESS_TOKEN=secret-token WAWP_LEDGER="
        in stdout.decode()
    )
    # The walkthrough's ledger is the sandbox's own, in a folder removed when it stops.
    ledger = Path(stdout.decode().split("WAWP_LEDGER=", 1)[1].split()[0])
    assert ledger.name == "ledger.sqlite" and ledger.parent.name.startswith("wawp-sandbox-")
    assert not ledger.parent.exists()
    state = json.loads(dump.read_text())
    assert state["contacts"] == {"447911123456@c.us": JOHN}
    assert state["puts"] == 1


def test_restart_on_the_same_port_keeps_address_and_credentials() -> None:
    with SandboxProcess() as process:
        before = process.env()
        httpx.put(
            f"{process.base_url}/v2/contacts/447911123456@c.us",
            params=process.auth_params(),
            json=JOHN,
        )

        assert process.stop() == 0
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"{before['WAWP_BASE_URL']}/v2/session/info")
        process.start()

        assert process.env() == before
        assert process.state()["contacts"] == {}  # a new process: the address book is empty
        response = httpx.get(f"{process.base_url}/v2/session/info", params=process.auth_params())
        assert response.status_code == 200


def test_refuses_a_non_loopback_host(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--host", "0.0.0.0"])

    assert exit_info.value.code == 2
    assert "--allow-remote" in capsys.readouterr().err


# -- the API page's own sample -------------------------------------------------------------------

# Copied verbatim from the "Request Samples" of WAWP's "Create/Update Contact" API page.
JS_SAMPLE = """\
const baseUrl = "https://api.wawp.net";
const endpoint = "/v2/contacts/123456789@c.us";
const params = new URLSearchParams({
 "instance_id": "123456789",
 "access_token": "123456789"
}).toString();
const body = {
 "firstName": "John",
 "lastName": "Doe"
};

fetch(`${baseUrl}${endpoint}${params ? '?' + params : ''}`, {
 method: "PUT",
 headers: { "Content-Type": "application/json" },
 body: JSON.stringify(body)
})
 .then(async (response) => {
 if (response.ok) {
 const data = await response.json();
 console.log("Success:", data);
 return data;
 }

 // Error Handling
 if (response.status === 401) {
 console.error("Error 401: Unauthorized - Invalid or Missing Access Token");
 }
 if (response.status === 400) {
 console.error("Error 400: Bad Request - Invalid Parameter Format");
 }
 if (response.status === 500) {
 console.error("Error 500: Internal Server Error - Unexpected Failure");
 }

 const errorText = await response.text();
 console.error(`Error ${response.status}: ${errorText}`);
 })
 .catch((error) => console.error("Network Error:", error));
"""


def test_the_api_pages_javascript_sample_succeeds(sandbox: SandboxProcess, tmp_path: Path) -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: cannot run the API page's JavaScript sample")
    code = (
        JS_SAMPLE.replace('"https://api.wawp.net"', json.dumps(sandbox.base_url))
        .replace('"instance_id": "123456789"', f'"instance_id": {json.dumps(sandbox.instance_id)}')
        .replace('"access_token": "123456789"', f'"access_token": {json.dumps(sandbox.token)}')
    )
    script = tmp_path / "sample.js"
    script.write_text(code)

    result = subprocess.run(
        [node, str(script)], check=False, capture_output=True, text=True, timeout=20
    )

    assert result.stdout.strip() == "Success: { ok: true }", result.stderr
    assert sandbox.state()["contacts"] == {"123456789@c.us": JOHN}
