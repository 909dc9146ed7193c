"""Attack the tool: the access token must not appear in any byte the importer writes.

Each test runs a failure path with a recognisable token, then greps stdout, stderr and
every file left in the working folder for it (and for its URL-encoded form).
"""

from __future__ import annotations

import asyncio
import os
import socket
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from importer import ImportOptions
from importer.errors import ConfigError
from importer.pipeline import check_base_url, plan_import, run_plan
from tests.support.cli import read_results, run_cli, write_csv
from tests.support.sandbox import SandboxProcess

TOKEN = "tok-SECRET+9f/3a=7c1e5b"  # has characters that URL encoding changes
FORMS = {TOKEN, quote(TOKEN, safe=""), quote(TOKEN), TOKEN.replace("+", " ")}
ROWS = [["Name", "Phone"]] + [[f"Person {i}", f"0100 000 {i:04d}"] for i in range(12)]


def assert_no_token(*texts: str, folder: Path | None = None) -> None:
    """Fail if any form of the token is in the texts or in any file under `folder`."""
    blobs = [t.encode() for t in texts]
    if folder is not None:
        blobs += [p.read_bytes() for p in folder.rglob("*") if p.is_file()]
    for blob in blobs:
        for form in FORMS:
            assert form.encode() not in blob, f"token leaked: {blob[:300]!r}"


@pytest.fixture(scope="module")
def secret_server() -> Iterator[SandboxProcess]:
    with SandboxProcess(token=TOKEN) as server:
        yield server


@pytest.fixture
def secret(secret_server: SandboxProcess) -> SandboxProcess:
    secret_server.reset()
    return secret_server


@pytest.fixture
def work(tmp_path: Path) -> Path:
    write_csv(tmp_path / "in.csv", ROWS)
    return tmp_path


def importer_run(work: Path, env: dict[str, str], *extra: str):
    return run_cli([work / "in.csv", "--default-region", "EG", "--rate", "0", "--verbose",
                    "--no-progress", *extra], env=env, timeout=120)


@pytest.mark.parametrize(("faults", "extra", "code"), [
    ({}, [], 0),
    ({"bad_request_chat_ids": ["201000000003@c.us"]}, [], 1),
    ({"fail_each_contact": 9}, ["--max-attempts", "2"], 1),
    ({"drop_first": 3}, [], 0),  # the preflight absorbs them: it retries too
    ({"first_429": 2, "retry_after": 1}, [], 0),
    ({"unauthorized_after": 5}, ["--concurrency", "1"], 3),
])
def test_api_failures_never_show_the_token(secret: SandboxProcess, work: Path,
                                           faults: dict[str, object], extra: list[str],
                                           code: int) -> None:
    if faults:
        secret.configure(**faults)
    done = importer_run(work, secret.env(), *extra)
    assert done.returncode == code, done.stderr
    assert "HTTP Request" in done.stderr  # --verbose really logged the requests
    assert_no_token(done.stdout, done.stderr, folder=work)


def test_timeouts_never_show_the_token(work: Path) -> None:
    with SandboxProcess("--latency", "1.0", token=TOKEN) as slow:
        done = importer_run(work, slow.env(), "--timeout", "0.2", "--max-attempts", "2",
                            "--skip-preflight")
        assert done.returncode == 1, done.stderr
        results = read_results(work / "in.results.csv")
        assert all("timed out" in r["detail"] for r in results)
        assert_no_token(done.stdout, done.stderr, folder=work)


def test_connection_refused_never_shows_the_token(work: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again before the run: nothing listens there
    env = {"WAWP_BASE_URL": f"http://127.0.0.1:{port}", "WAWP_INSTANCE_ID": "i1",
           "WAWP_ACCESS_TOKEN": TOKEN}
    done = importer_run(work, env)
    assert done.returncode == 2 and "could not connect" in done.stderr
    assert_no_token(done.stdout, done.stderr, folder=work)
    done = importer_run(work, env, "--skip-preflight", "--max-attempts", "1")
    assert done.returncode == 1
    assert all("could not connect" in r["detail"] for r in read_results(work / "in.results.csv"))
    assert_no_token(done.stdout, done.stderr, folder=work)


@pytest.fixture
def untrusted_tls_server() -> Iterator[str]:
    """An HTTPS server on loopback whose certificate no system CA signed."""
    trustme = pytest.importorskip("trustme")
    ca = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    stop = threading.Event()

    def serve() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            try:
                context.wrap_socket(conn, server_side=True).close()
            except (ssl.SSLError, OSError):
                conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{listener.getsockname()[1]}"
    stop.set()
    thread.join()
    listener.close()


def test_untrusted_certificates_are_refused_without_showing_the_token(
        work: Path, untrusted_tls_server: str) -> None:
    env = {"WAWP_BASE_URL": untrusted_tls_server, "WAWP_INSTANCE_ID": "i1",
           "WAWP_ACCESS_TOKEN": TOKEN}
    done = importer_run(work, env)
    assert done.returncode == 2
    assert "TLS" in done.stderr or "certificate" in done.stderr
    assert_no_token(done.stdout, done.stderr, folder=work)


def test_a_token_on_the_command_line_works_but_warns(secret: SandboxProcess, work: Path) -> None:
    env = secret.env()
    del env["WAWP_ACCESS_TOKEN"]
    done = importer_run(work, env, "--access-token", TOKEN)
    assert done.returncode == 0, done.stderr
    assert "visible to other users" in done.stderr
    assert_no_token(done.stdout, done.stderr, folder=work)


@pytest.mark.parametrize(("mode", "warns"), [(0o600, False), (0o644, True)])
def test_token_file_is_read_and_warns_when_others_can_read_it(
        secret: SandboxProcess, work: Path, tmp_path_factory: pytest.TempPathFactory,
        mode: int, warns: bool) -> None:
    token_file = tmp_path_factory.mktemp("secret") / "token"
    token_file.write_text(TOKEN + "\n")
    os.chmod(token_file, mode)
    env = secret.env()
    del env["WAWP_ACCESS_TOKEN"]
    done = importer_run(work, env, "--token-file", str(token_file))
    assert done.returncode == 0, done.stderr
    assert ("readable by other users" in done.stderr) is warns
    assert len(secret.state()["contacts"]) == 12
    assert_no_token(done.stdout, done.stderr, folder=work)


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16"])
def test_a_token_file_saved_with_a_byte_order_mark_is_read(
        secret: SandboxProcess, work: Path, tmp_path_factory: pytest.TempPathFactory,
        encoding: str) -> None:
    # Notepad and PowerShell 5 (Set-Content -Encoding UTF8: UTF-8 with a BOM; `>`: UTF-16)
    token_file = tmp_path_factory.mktemp("secret") / "token"
    token_file.write_bytes((TOKEN + "\r\n").encode(encoding))
    os.chmod(token_file, 0o600)
    env = secret.env()
    del env["WAWP_ACCESS_TOKEN"]
    done = importer_run(work, env, "--token-file", str(token_file))
    assert done.returncode == 0, done.stderr
    assert_no_token(done.stdout, done.stderr, folder=work)


# In-process: failures no loopback server can produce (DNS, a bug inside a worker).

def _plan(work: Path) -> object:
    options = ImportOptions(input=work / "in.csv", default_region="EG", rate=0,
                            base_url="https://wawp.example", instance_id="i1",
                            access_token=TOKEN, skip_preflight=True, max_attempts=2)
    return plan_import(options)


async def _no_sleep(_: float) -> None:
    return None


def test_dns_failure_is_reported_per_row_without_the_token(work: Path,
                                                           capsys: pytest.CaptureFixture[str]
                                                           ) -> None:
    def fail(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError(f"[Errno -2] Name or service not known: {request.url}",
                                 request=request)

    summary = run_plan(_plan(work), transport=httpx.MockTransport(fail), sleep=_no_sleep)
    assert summary.counts == {"failed": 12}
    results = read_results(work / "in.results.csv")
    assert all("could not connect" in r["detail"] and r["attempts"] == "2" for r in results)
    captured = capsys.readouterr()
    assert_no_token(captured.out, captured.err, str(summary), folder=work)


def test_a_crash_inside_a_worker_fails_the_row_not_the_run(work: Path,
                                                            capsys: pytest.CaptureFixture[str]
                                                            ) -> None:
    def crash(request: httpx.Request) -> httpx.Response:
        if "0005" in str(request.url):
            raise RuntimeError(f"bug while sending {request.url}")
        return httpx.Response(200, json={"ok": True})

    summary = run_plan(_plan(work), transport=httpx.MockTransport(crash), sleep=_no_sleep)
    results = read_results(work / "in.results.csv")
    assert len(results) == 12
    crashed = [r for r in results if r["status"] == "failed"]
    assert len(crashed) == 1 and "internal error" in crashed[0]["detail"]
    assert summary.count_of("ok") == 11 if hasattr(summary, "count_of") else True
    captured = capsys.readouterr()
    assert_no_token(captured.out, captured.err, folder=work)


@pytest.mark.parametrize(("url", "allowed"), [
    ("https://api.wawp.net", True),
    ("http://127.0.0.1:8080", True),
    ("http://localhost:8080", True),
    ("http://[::1]:8080", True),
    ("http://api.wawp.net", False),
    ("http://10.0.0.5", False),
    ("ftp://api.wawp.net", False),
])
def test_clear_text_http_is_refused_off_loopback(url: str, allowed: bool) -> None:
    if allowed:
        assert check_base_url(url) == url.rstrip("/")
    else:
        with pytest.raises(ConfigError):
            check_base_url(url)


def test_insecure_http_needs_the_explicit_flag(work: Path) -> None:
    env = {"WAWP_BASE_URL": "http://api.wawp.example", "WAWP_INSTANCE_ID": "i1",
           "WAWP_ACCESS_TOKEN": TOKEN}
    done = importer_run(work, env)
    assert done.returncode == 2 and "clear text" in done.stderr
    assert_no_token(done.stdout, done.stderr, folder=work)
    assert check_base_url("http://api.wawp.example", allow_insecure_http=True)


def test_the_default_transport_verifies_certificates() -> None:
    from importer.send.transport import default_transport

    async def check() -> bool:
        transport = default_transport(2)
        session = transport.get_client()
        try:
            return session.connector._ssl.verify_mode == ssl.CERT_REQUIRED
        finally:
            await session.close()

    assert asyncio.run(check())
