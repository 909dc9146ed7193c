"""The web app's endpoints over real HTTP on loopback, against the real sandbox.

The app runs on uvicorn in a thread of the test process (tests/web/support.py); a client
that behaves like the page loads it for its CSRF token first.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import os
import ssl
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import openpyxl
import pytest

from importer import ImportOptions, run_import
from importer.entry import Console
from importer.errors import ConfigError, UsageError
from importer.redact import Redactor
from importer.report.xlsx import WIDTH_SAMPLE_ROWS, rows_path
from importer.web import create_app
from importer.web.jobs import JobStore, safe_file_name
from importer.web.security import (
    FORGET_AFTER,
    FREE_GUESSES,
    MAX_WAIT,
    PasswordThrottle,
    client_address,
)
from importer.web.serve import check_clear_text
from importer.web.users import Users
from tests.support.cli import SAMPLES, clean_env, write_csv
from tests.support.sandbox import SandboxProcess
from tests.web.support import (
    AppServer,
    PageClient,
    ServeProcess,
    files_under,
    import_and_wait,
    start_import,
    upload_and_check,
)

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


def contacts(n: int, *, start: int = 0) -> list[list[str]]:
    """A header and `n` rows with distinct valid Egyptian mobiles."""
    return [["Name", "Mobile"]] + [[f"Person {i}", f"0100 {2000000 + i:07d}"]
                                   for i in range(start, start + n)]


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "wawp-data"


@pytest.fixture
def serve(sandbox: SandboxProcess, data_dir: Path) -> Iterator[Callable[..., PageClient]]:
    """Start the app (with the sandbox's instance) and return a page-like client for it."""
    servers: list[AppServer] = []
    clients: list[PageClient] = []

    def start(*, host: str = "127.0.0.1", password: str | None = None,
              max_upload_bytes: int = 10 * 2**20, concurrency: int = 4,
              auth: tuple[str, str] | None = None, users: Users | None = None) -> PageClient:
        options = ImportOptions(input=Path(), base_url=sandbox.base_url,
                                instance_id=sandbox.instance_id, access_token=sandbox.token,
                                default_region="EG", rate=0, concurrency=concurrency,
                                max_attempts=2)
        app = create_app(options, data_dir=data_dir, host=host, password=password,
                         max_upload_bytes=max_upload_bytes, users=users)
        server = AppServer(app).__enter__()
        servers.append(server)
        client = PageClient(server.url, auth=auth)
        clients.append(client)
        return client

    yield start
    for client in clients:
        client.close()
    for server in servers:
        server.__exit__(None, None, None)


# -- the page -------------------------------------------------------------------------------------

def test_the_page_loads_only_its_own_script_and_style(serve: Callable[..., PageClient]) -> None:
    client = serve()
    page = client.get("/")
    assert page.status_code == 200
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert 'src="/static/app.js"' in page.text and 'href="/static/app.css"' in page.text
    # app.js calls activity.js's functions once /api/info answers, which can come before a
    # deferred script placed after it has run ("setUpAccount is not defined", seen once)
    assert page.text.index('src="/static/activity.js"') < page.text.index('src="/static/app.js"')
    assert "http://" not in page.text and "https://" not in page.text
    for asset in ("/static/app.js", "/static/app.css"):
        response = client.get(asset)
        assert response.status_code == 200 and response.content
        assert "https://" not in response.text
    cookie = httpx.get(str(client.base_url)).headers["set-cookie"]  # a browser's first visit
    assert "SameSite=strict" in cookie and "HttpOnly" in cookie
    # the page itself says "no such job"
    assert client.get("/jobs/20990101-000000-abcdef").status_code == 200


def test_info_names_the_instance_and_never_the_token(serve: Callable[..., PageClient],
                                                      sandbox: SandboxProcess) -> None:
    client = serve()
    info = client.get("/api/info").json()
    assert info["instance_id"] == sandbox.instance_id
    assert info["base_url"] == sandbox.base_url and info["can_import"] is True
    assert sandbox.token not in json.dumps(info)
    assert sandbox.token not in client.get("/").text


# -- upload and check ----------------------------------------------------------------------------

def test_the_check_is_the_clis_dry_run(serve: Callable[..., PageClient], tmp_path: Path) -> None:
    client = serve()
    job = upload_and_check(client, SAMPLES / "contacts.csv")
    assert job["phase"] == "checked", job["message"]
    table = job["table"]
    assert (table["kind"], table["encoding_detected"], table["header_row"]) == ("csv", True, 1)
    assert table["headers"][:2] == ["Name", "Mobile"]
    assert table["headers"][job["columns"]["phone"]] == "Mobile"
    assert table["headers"][job["columns"]["name"]] == "Name"

    expected = run_import(SAMPLES / "contacts.csv", dry_run=True, default_region="EG",
                          results=tmp_path / "dry.results.csv")
    preview = job["preview"]
    assert preview["counts"] == {k: v for k, v in expected.counts.items() if v}
    assert [(r["row"], r["chat_id"]) for r in preview["preview"]] == [
        (r.row, r.chat_id) for r in expected.preview]
    shown = {(r["status"], r["reason"]) for r in preview["reasons"]}
    assert ("duplicate", "same number as row …") in shown
    duplicate = next(r for r in preview["reasons"] if r["status"] == "duplicate")
    assert duplicate["examples"][0]["values"][0] == "Ahmed Hassan"  # the row's own cells
    preview_csv = client.get(f"/jobs/{job['id']}/download/preview.csv")
    assert preview_csv.content == (tmp_path / "dry.results.csv").read_bytes()


def test_changing_the_phone_column_checks_again(serve: Callable[..., PageClient],
                                                data_dir: Path, tmp_path: Path) -> None:
    # the distinct mobiles are chosen by content; "Personal" holds one number repeated
    rows = [["Name", "Mobile", "Personal"]] + [
        [f"P{i}", f"0100 300 {i:04d}", "0100 000 0001"] for i in range(6)]
    client = serve()
    job = upload_and_check(client, write_csv(tmp_path / "two.csv", rows))
    assert job["preview"]["counts"] == {"ready": 6}
    response = client.change("POST", f"/api/jobs/{job['id']}/settings",
                             json={**job["settings"], "phone_column": "Personal"})
    assert response.status_code == 200 and response.json()["phase"] == "checking"
    job = client.wait(job["id"])
    assert job["preview"]["counts"] == {"ready": 1, "duplicate": 5}
    assert job["columns"]["phone"] == 2 and job["settings"]["phone_column"] == "Personal"
    saved = json.loads((data_dir / "jobs" / job["id"] / "settings.json").read_text())
    assert saved["phone_column"] == "Personal" and "token" not in json.dumps(saved)


def test_another_sheet_brings_its_own_columns(serve: Callable[..., PageClient],
                                              tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    leads = book.active
    leads.title = "Leads"
    leads.append(["Name", "Phone"])
    leads.append(["Lead One", "0100 111 0001"])
    customers = book.create_sheet("Customers")
    customers.append(["Notes", "Full name", "Mobile"])
    for i in range(3):
        customers.append(["", f"Customer {i}", f"0100 222 000{i}"])
    book.save(tmp_path / "two-sheets.xlsx")
    client = serve()
    job = upload_and_check(client, tmp_path / "two-sheets.xlsx")
    assert (job["table"]["sheet"], job["table"]["sheets"]) == ("Leads", ["Leads", "Customers"])
    assert job["preview"]["counts"] == {"ready": 1}
    client.change("POST", f"/api/jobs/{job['id']}/settings",
                  json={**job["settings"], "sheet": "Customers"})
    job = client.wait(job["id"])
    assert job["table"]["sheet"] == "Customers"
    assert job["table"]["headers"] == ["Notes", "Full name", "Mobile"]
    assert (job["columns"]["phone"], job["columns"]["name"]) == (2, 1)
    assert [r["chat_id"] for r in job["preview"]["preview"]] == [
        f"20100222000{i}@c.us" for i in range(3)]
    unknown = client.change("POST", f"/api/jobs/{job['id']}/settings",
                            json={**job["settings"], "sheet": "Nope"})
    assert unknown.status_code == 200
    job = client.wait(job["id"])
    assert job["phase"] == "invalid" and "Customers" in job["message"]
    assert job["table"]["sheets"] == ["Leads", "Customers"]  # still there to pick from


def test_a_missing_column_says_which_columns_there_are(serve: Callable[..., PageClient],
                                                       tmp_path: Path) -> None:
    client = serve()
    job = upload_and_check(client, write_csv(tmp_path / "nophone.csv",
                                             [["Name", "Company"], ["A", "B"]]))
    assert job["phase"] == "invalid"
    assert "no phone column found" in job["message"] and "'Company'" in job["message"]
    assert job["table"]["headers"] == ["Name", "Company"]  # so the page can offer them
    assert job["can"]["edit"] and not job["can"]["import"]
    bad = client.change("POST", f"/api/jobs/{job['id']}/settings", json={"header_row": "two"})
    assert bad.status_code == 400 and "header row" in bad.json()["error"]


def test_a_file_that_is_no_spreadsheet_gets_a_clear_message(
        serve: Callable[..., PageClient]) -> None:
    client = serve()
    response = client.upload(PNG, "contacts.csv")
    job = client.wait(response.json()["id"])
    assert job["phase"] == "invalid"
    assert "contacts.csv" in job["message"] and "PNG image" in job["message"]
    assert job["preview"] is None and not job["can"]["import"]


def test_an_upload_over_the_limit_is_refused_and_leaves_nothing(
        serve: Callable[..., PageClient], data_dir: Path) -> None:
    client = serve(max_upload_bytes=1024)
    response = client.upload(b"Name,Phone\n" + b"x,1\n" * 400, "big.csv")
    assert response.status_code == 413
    assert response.json()["error"] == ("big.csv is 1.6 KB; this server takes files up to "
                                        "1.0 KB. Split the file, or ask whoever runs this "
                                        "server to allow larger files.")
    # without a Content-Length (chunked), the limit is counted while the file streams in
    response = client.upload(iter([b"Name,Phone\n", b"x,1\n" * 400]), "big.csv")
    assert response.status_code == 413 and "up to 1.0 KB" in response.json()["error"]
    # nothing of the file: only the activity log's two entries of the refusal
    assert files_under(data_dir) == [data_dir / "activity.jsonl"]
    entries = [json.loads(line) for line in
               (data_dir / "activity.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(e["action"], e["detail"], e["job"]) for e in entries] == [
        ("refused", "upload: HTTP 413", None)] * 2
    assert client.get("/api/jobs").json() == {"jobs": []}


@pytest.mark.parametrize(("name", "stored"), [
    ("../../etc/passwd.csv", "passwd.csv"),
    ("..\\..\\Windows\\contacts.xlsx", "contacts.xlsx"),
    ("عملاء مارس.CSV", "عملاء_مارس.csv"),
    (".hidden", "hidden"),
    ("report.php", "report"),
    ("", "upload"),
])
def test_an_uploaded_name_never_leaves_the_job_folder(name: str, stored: str) -> None:
    assert safe_file_name(name) == stored


def test_uploads_stay_in_the_data_folder(serve: Callable[..., PageClient], data_dir: Path,
                                         tmp_path: Path) -> None:
    client = serve()
    response = client.upload((SAMPLES / "contacts.csv").read_bytes(), "../../../escape.csv")
    job = client.wait(response.json()["id"])
    assert job["name"] == "../../../escape.csv" and job["file"] == "escape.csv"
    assert not (tmp_path / "escape.csv").exists()
    # the job's folder holds the upload; beside it, only the activity log
    written = [p for p in files_under(data_dir) if p != data_dir / "activity.jsonl"]
    assert all(p.is_relative_to(data_dir / "jobs" / job["id"]) for p in written)
    assert (data_dir / "jobs" / job["id"] / "upload" / "escape.csv") in written


# -- security ------------------------------------------------------------------------------------

def test_changes_need_the_csrf_token_and_the_same_origin(serve: Callable[..., PageClient]) -> None:
    client = serve()
    body = (SAMPLES / "contacts.csv").read_bytes()
    stranger = httpx.Client(base_url=str(client.base_url))  # never loaded the page
    refused = [
        stranger.post("/api/jobs", params={"name": "a.csv"}, content=body),
        client.post("/api/jobs", params={"name": "a.csv"}, content=body),  # cookie, no header
        client.post("/api/jobs", params={"name": "a.csv"}, content=body,
                    headers={"X-CSRF-Token": "x" * 43}),
        client.change("POST", "/api/jobs", params={"name": "a.csv"}, content=body,
                      headers={"Origin": "http://evil.example"}),
        client.change("POST", "/api/jobs", params={"name": "a.csv"}, content=body,
                      headers={"Origin": "null"}),
    ]
    refused.append(client.post("/api/jobs", params={"name": "a.csv"}, content=body, headers={
        "X-CSRF-Token": client.csrf, "Referer": "http://evil.example/page"}))
    stranger.close()
    assert [r.status_code for r in refused] == [403] * len(refused)
    assert "CSRF" in refused[0].json()["error"] and "another site" in refused[3].json()["error"]
    assert client.get("/api/jobs").json() == {"jobs": []}
    job = client.upload(body, "a.csv").json()
    assert client.delete(f"/api/jobs/{job['id']}").status_code == 403
    client.wait(job["id"])
    assert client.change("DELETE", f"/api/jobs/{job['id']}").status_code == 204


def test_a_page_on_another_host_name_cannot_reach_the_app(serve: Callable[..., PageClient]) -> None:
    client = serve()
    # DNS rebinding: evil.example resolving to 127.0.0.1 still sends its own Host header
    response = client.get("/api/jobs", headers={"Host": "evil.example"})
    assert response.status_code == 421
    assert client.get("/api/jobs", headers={"Host": f"localhost:{client.base_url.port}"}
                      ).status_code == 200


def test_listening_beyond_loopback_needs_a_password(serve: Callable[..., PageClient],
                                                    data_dir: Path) -> None:
    options = ImportOptions(input=Path())
    with pytest.raises(ConfigError, match="reachable from other machines: give a password"):
        create_app(options, data_dir=data_dir, host="0.0.0.0")
    done = subprocess.run([sys.executable, "-m", "importer", "serve", "--host", "0.0.0.0",
                           "--port", "0", "--data-dir", str(data_dir)], env=clean_env(),
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2
    assert "--host 0.0.0.0 makes the page reachable from other machines" in done.stderr
    assert not data_dir.exists()

    # With a password every request needs it (served here on loopback, as if it were not).
    client = serve(host="0.0.0.0", password="s3cret pass", auth=("anyone", "s3cret pass"))
    assert client.get("/api/jobs").status_code == 200
    info = str(client.base_url.join("/api/info"))
    assert httpx.get(info).status_code == 401
    wrong = httpx.get(info, auth=("anyone", "nope"))
    assert wrong.status_code == 401 and wrong.headers["www-authenticate"].startswith("Basic")
    garbage = httpx.get(info, headers={"Authorization": "Basic ###"})
    assert garbage.status_code == 401


def test_wrong_passwords_are_limited_per_address_and_the_right_one_still_works(
        serve: Callable[..., PageClient]) -> None:
    password = "s3cret pass"
    client = serve(host="0.0.0.0", password=password, auth=("ops", password))
    url = str(client.base_url.join("/api/jobs"))

    def client_from(address: str, auth: tuple[str, str] | None = None) -> httpx.Client:
        return httpx.Client(transport=httpx.HTTPTransport(local_address=address), auth=auth,
                            timeout=30)

    with client_from("127.0.0.2") as guesser:
        answers = [guesser.get(url, auth=("ops", f"guess-{i}")) for i in range(200)]
        refused = [a for a in answers if a.status_code == 429]
        tested = [a for a in answers if a.status_code == 401]
        # the first guesses are tested, then the address waits (longer after each wrong one)
        assert [a.status_code for a in answers[:FREE_GUESSES + 1]] == [401] * FREE_GUESSES + [429]
        assert len(tested) + len(refused) == 200 and len(tested) < FREE_GUESSES + 8
        assert all(int(a.headers["retry-after"]) >= 1 for a in refused)
        assert "too many wrong passwords" in refused[0].json()["error"]
        # the right password from the guessing address waits too; from another, it works
        assert guesser.get(url, auth=("ops", password)).status_code == 429
    assert client.get("/api/jobs").status_code == 200
    with client_from("127.0.0.3", auth=("ops", password)) as colleague:
        assert colleague.get(url).status_code == 200

    # once the wait is over, the right password works and clears the count
    with client_from("127.0.0.4") as user:
        for i in range(FREE_GUESSES):
            assert user.get(url, auth=("ops", f"typo-{i}")).status_code == 401
        waiting = user.get(url, auth=("ops", password))
        assert waiting.status_code == 429
        time.sleep(int(waiting.headers["retry-after"]) + 0.1)
        assert user.get(url, auth=("ops", password)).status_code == 200
        assert user.get(url, auth=("ops", "typo again")).status_code == 401
        assert user.get(url).status_code == 401  # no password at all is no guess


def test_the_wait_doubles_per_wrong_guess_up_to_a_cap_and_is_forgotten_later() -> None:
    now = [1000.0]
    throttle = PasswordThrottle(clock=lambda: now[0])
    waits = []
    for _ in range(FREE_GUESSES + 12):
        throttle.wrong("10.0.0.7")
        waits.append(throttle.wait("10.0.0.7"))
    assert waits[:FREE_GUESSES - 1] == [0.0] * (FREE_GUESSES - 1)
    assert waits[FREE_GUESSES - 1:FREE_GUESSES + 3] == [1.0, 2.0, 4.0, 8.0]
    assert waits[-1] == MAX_WAIT
    assert throttle.wait("10.0.0.8") == 0.0
    now[0] += MAX_WAIT + 1
    assert throttle.wait("10.0.0.7") == 0.0  # the wait is over; one more wrong one waits again
    throttle.wrong("10.0.0.7")
    assert throttle.wait("10.0.0.7") == MAX_WAIT
    now[0] += FORGET_AFTER + 1
    throttle.wrong("10.0.0.7")  # long after: counted afresh
    assert throttle.wait("10.0.0.7") == 0.0


@pytest.mark.parametrize(("client", "counted_as"), [
    (("192.0.2.7", 50000), "192.0.2.7"),
    (("::ffff:192.0.2.7", 50000), "192.0.2.7"),
    (("2001:db8:1:2:aaaa::1", 50000), "2001:db8:1:2::/64"),  # one host holds the whole /64
    (None, ""),
])
def test_guesses_are_counted_per_client_address(client: tuple[str, int] | None,
                                                counted_as: str) -> None:
    assert client_address({"client": client}) == counted_as


def test_serve_says_where_it_listens_and_never_shows_the_token(sandbox: SandboxProcess,
                                                               tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text(sandbox.token)
    token_file.chmod(0o600)
    env = {"WAWP_BASE_URL": sandbox.base_url, "WAWP_INSTANCE_ID": sandbox.instance_id}
    with ServeProcess("--data-dir", tmp_path / "data", "--token-file", token_file,
                      env=env, log=tmp_path / "serve.log") as server:
        client = PageClient(server.url)
        assert client.get("/api/info").json()["can_import"] is True
        client.close()
        code = server.stop()
    log = server.log()
    assert code == 0
    assert f"Imports go to WAWP instance {sandbox.instance_id} at {sandbox.base_url}." in log
    assert f"Jobs are kept in {tmp_path / 'data'}." in log
    assert sandbox.token not in log

    password_file = tmp_path / "password"
    password_file.write_text("pw-1234\n")
    with ServeProcess("--host", "0.0.0.0", "--password-file", password_file, "--data-dir",
                      tmp_path / "data", "--allow-clear-text", env=env,
                      log=tmp_path / "serve2.log") as server:
        port = server.url.rsplit(":", 1)[1]
        assert httpx.get(f"http://127.0.0.1:{port}/api/info").status_code == 401
        auth = base64.b64encode(b"ops:pw-1234").decode()
        assert httpx.get(f"http://127.0.0.1:{port}/api/info",
                         headers={"Authorization": f"Basic {auth}"}).status_code == 200
    assert "beyond this machine: anyone who can reach it must give the password" in server.log()
    assert ("warning: --allow-clear-text: the page's password and every uploaded number cross "
            "the network unencrypted") in server.log()


def test_serve_verbose_and_log_file_log_requests_with_the_token_masked(
        sandbox: SandboxProcess, tmp_path: Path) -> None:
    log_file = tmp_path / "serve-debug.log"
    with ServeProcess("--data-dir", tmp_path / "data", "-v", "--log-file", log_file,
                      env=sandbox.env(), log=tmp_path / "serve.log") as server:
        client = PageClient(server.url)
        assert client.get("/api/info").json()["can_import"] is True
        # the number is asked in the background at start: its request is logged once answered
        deadline = time.monotonic() + 60
        while not client.get("/api/info").json()["region_source"]:
            assert time.monotonic() < deadline, "the instance's number was never found"
            time.sleep(0.05)
        client.close()
        assert server.stop() == 0
    logged = log_file.read_text(encoding="utf-8")
    assert "httpx INFO HTTP Request: GET" in logged  # the instance's number, asked at start
    assert "httpx INFO HTTP Request: GET" in server.log()  # -v: the same on stderr
    assert sandbox.token not in logged and sandbox.token not in server.log()
    if os.name == "posix":
        assert stat.S_IMODE(log_file.stat().st_mode) == 0o600


# -- reached from other machines: TLS, or a reverse proxy -------------------------------------

def _serve_once(*args: str | Path, data_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "importer", "serve", "--port", "0",
                           "--data-dir", str(data_dir), *map(str, args)], env=clean_env(),
                          capture_output=True, text=True, timeout=60, check=False)


def test_another_host_in_clear_text_is_refused_unless_said_plainly(tmp_path: Path) -> None:
    password_file = tmp_path / "password"
    password_file.write_text("pw-1234\n")
    done = _serve_once("--host", "0.0.0.0", "--password-file", password_file,
                       data_dir=tmp_path / "data")
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.splitlines() == [
        "wawp-import: error: --host 0.0.0.0 would send the page's password and every uploaded "
        "number across the network in clear text: give --certfile and --keyfile (https), or "
        "--forwarded-allow-ips ADDR behind a reverse proxy that terminates TLS, or "
        "--allow-clear-text if clear text is really meant"]
    assert not (tmp_path / "data").exists()
    for args, error in [
            (["--forwarded-allow-ips", "*"], "'*' is not an IP address or network"),
            (["--forwarded-allow-ips", "127.0.0.1"], "--forwarded-allow-ips makes the page "
             "reachable from other machines through the proxy: give a password"),
            (["--keyfile", tmp_path / "key.pem"], "--keyfile needs --certfile"),
            (["--certfile", password_file, "--password-file", password_file],
             f"cannot serve https with {password_file}")]:
        done = _serve_once(*args, data_dir=tmp_path / "data")
        assert done.returncode == 2 and error in done.stderr, done.stderr
        assert len(done.stderr.splitlines()) == 1, done.stderr


@pytest.mark.parametrize(("host", "tls", "proxied", "allowed", "refused"), [
    ("0.0.0.0", False, False, False, True),
    ("192.0.2.1", False, False, False, True),
    ("0.0.0.0", True, False, False, False),
    ("0.0.0.0", False, True, False, False),
    ("0.0.0.0", False, False, True, False),
    ("127.0.0.1", False, False, False, False),
    ("localhost", False, False, False, False),
])
def test_clear_text_beyond_loopback_has_three_ways_out(host: str, tls: bool, proxied: bool,
                                                      allowed: bool, refused: bool) -> None:
    console = Console(io.StringIO(), io.StringIO(), Redactor([]))
    if refused:
        with pytest.raises(UsageError, match="in clear text"):
            check_clear_text(host, tls=tls, proxied=proxied, allowed=allowed, console=console)
    else:
        check_clear_text(host, tls=tls, proxied=proxied, allowed=allowed, console=console)


def test_serve_speaks_tls_with_a_certificate_and_its_key(sandbox: SandboxProcess,
                                                         tmp_path: Path) -> None:
    trustme = pytest.importorskip("trustme")
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    cert.private_key_pem.write_to_path(str(tmp_path / "key.pem"))
    cert.cert_chain_pems[0].write_to_path(str(tmp_path / "cert.pem"))
    for pem in cert.cert_chain_pems[1:]:
        pem.write_to_path(str(tmp_path / "cert.pem"), append=True)
    trusted = ssl.create_default_context()
    ca.configure_trust(trusted)
    with ServeProcess("--certfile", tmp_path / "cert.pem", "--keyfile", tmp_path / "key.pem",
                      "--data-dir", tmp_path / "data", env=sandbox.env(),
                      log=tmp_path / "serve.log") as server:
        assert server.url.startswith("https://127.0.0.1:")
        first_visit = httpx.get(server.url + "/", verify=trusted)
        assert first_visit.status_code == 200
        assert "; secure" in first_visit.headers["set-cookie"].lower()
        client = PageClient(server.url, verify=trusted)
        job = upload_and_check(client, SAMPLES / "contacts.csv")  # CSRF: Origin is https://…
        assert job["phase"] == "checked", job["message"]
        client.close()
        with pytest.raises(httpx.HTTPError):  # clear text is not answered
            httpx.get(server.url.replace("https://", "http://") + "/api/info")
        with pytest.raises(httpx.ConnectError):  # nor a certificate nobody vouched for
            httpx.get(server.url + "/api/info")


@pytest.mark.parametrize("trusted", [True, False])
def test_the_forwarded_scheme_and_client_are_trusted_only_from_the_named_proxy(
        sandbox: SandboxProcess, tmp_path: Path, trusted: bool) -> None:
    password_file = tmp_path / "password"
    password_file.write_text("pw-1234\n")
    proxy = "127.0.0.1" if trusted else "127.0.0.2"  # the test connects from 127.0.0.1
    as_proxied = {"Host": "contacts.example", "X-Forwarded-Proto": "https"}
    with ServeProcess("--forwarded-allow-ips", proxy, "--password-file", password_file,
                      "--data-dir", tmp_path / "data", env=sandbox.env(),
                      log=tmp_path / "serve.log") as server:
        first_visit = httpx.get(server.url + "/", headers=as_proxied, auth=("ops", "pw-1234"))
        assert first_visit.status_code == 200
        assert ("; secure" in first_visit.headers["set-cookie"].lower()) == trusted
        client = PageClient(server.url, headers=as_proxied, auth=("ops", "pw-1234"))
        upload = client.change("POST", "/api/jobs", params={"name": "c.csv"},
                               content=(SAMPLES / "contacts.csv").read_bytes(),
                               # the Secure cookie, as a browser sends it over https
                               headers={"Origin": "https://contacts.example",
                                        "Cookie": f"wawp_csrf={client.csrf}"})
        # the browser's Origin is the proxy's https one: it matches only a trusted scheme
        assert upload.status_code == (201 if trusted else 403), upload.text
        # wrong passwords count per client: the forwarded one when the proxy is trusted
        guesser = {**as_proxied, "X-Forwarded-For": "127.0.0.7"}
        for i in range(FREE_GUESSES):
            httpx.get(server.url + "/api/info", headers=guesser, auth=("ops", f"guess-{i}"))
        other = httpx.get(server.url + "/api/info", auth=("ops", "pw-1234"),
                          headers={**as_proxied, "X-Forwarded-For": "127.0.0.8"})
        assert other.status_code == (200 if trusted else 429)
        client.close()
    assert f"trusted from {proxy} only" in server.log()


# -- import -------------------------------------------------------------------------------------

def test_the_pages_import_never_forks_a_worker(serve: Callable[..., PageClient], tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """The page runs imports in threads, where forking can deadlock the child: its rows are
    normalized in the server's process, however long the input."""
    from importer.normalize import parallel

    monkeypatch.setattr(parallel, "WARMUP_ROWS", 50)
    monkeypatch.setattr(parallel, "CHUNK_ROWS", 20)
    forked: list[object] = []

    def no_pool(*args: object, **kwargs: object) -> None:
        forked.append(args)
        raise AssertionError("the page's import forked a worker")

    monkeypatch.setattr(parallel, "ProcessPoolExecutor", no_pool)
    client = serve()
    job = upload_and_check(client, write_csv(tmp_path / "book.csv", contacts(150)))
    job = import_and_wait(client, job["id"])
    assert job["phase"] == "done", job["message"]
    assert job["summary"]["counts"] == {"ok": 150}
    assert not forked


def test_import_writes_the_address_book_and_both_results_files(
        serve: Callable[..., PageClient], sandbox: SandboxProcess, data_dir: Path) -> None:
    client = serve()
    job = upload_and_check(client, SAMPLES / "contacts.xlsx")
    assert job["table"]["kind"] == "xlsx" and job["table"]["sheet"]
    job = import_and_wait(client, job["id"])
    assert job["phase"] == "done", job["message"]
    summary = job["summary"]
    assert summary["rows"] == 50 and summary["counts"]["ok"] == len(sandbox.state()["contacts"])
    assert [bar["status"] for bar in summary["bars"]] == list(summary["counts"])
    # the progress counts the contacts sent, not the invalid rows and duplicates
    sent = summary["counts"]["ok"]
    assert job["progress"]["percent"] == 100 and job["progress"]["done"] == sent
    assert job["progress"]["total"] == sent == summary["sent"] == job["to_send"]
    assert job["can"]["send_remaining"] is False and job["stopped"] == ""
    assert job["downloads"] == {"csv": True, "xlsx": True, "preview": True}

    csv_response = client.get(f"/jobs/{job['id']}/download/results.csv")
    assert csv_response.status_code == 200
    assert 'filename="contacts.results.csv"' in csv_response.headers["content-disposition"]
    assert csv_response.content.startswith(b"\xef\xbb\xbf")  # UTF-8 with a BOM, for Excel
    lines = csv_response.text.removeprefix("\ufeff").splitlines()
    assert lines[0].startswith("row,status,chat_id,first_name,last_name,attempts,http_status")
    assert len(lines) == 51
    xlsx = client.get(f"/jobs/{job['id']}/download/results.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content), read_only=True).active
    rows = [[("" if c is None else str(c)) for c in row]
            for row in sheet.iter_rows(values_only=True)]
    assert [r[:3] for r in rows] == [line.split(",")[:3] for line in lines]
    assert client.get(f"/jobs/{job['id']}/download/other.txt").status_code == 400

    everything = b"".join(p.read_bytes() for p in files_under(data_dir))
    assert sandbox.token.encode() not in everything
    assert client.change("POST", f"/api/jobs/{job['id']}/import").status_code == 409


def test_a_second_import_to_the_instance_waits_for_the_first(
        serve: Callable[..., PageClient], sandbox: SandboxProcess, tmp_path: Path) -> None:
    client = serve(concurrency=2)
    first = upload_and_check(client, write_csv(tmp_path / "a.csv", contacts(40)))
    second = upload_and_check(client, write_csv(tmp_path / "b.csv", contacts(10, start=100)))
    sandbox.configure(latency=0.05)
    client.change("POST", f"/api/jobs/{first['id']}/import")
    client.wait(first["id"], ("importing",))
    client.change("POST", f"/api/jobs/{second['id']}/import")
    deadline = time.monotonic() + 10
    while (waiting := client.job(second["id"]))["waiting_for"] is None:
        assert waiting["phase"] == "waiting" and time.monotonic() < deadline
        time.sleep(0.02)
    assert waiting["waiting_for"] == first["id"]
    assert waiting["waiting_for_name"] == "a.csv"  # the page names it, with a link
    assert waiting["progress"]["done"] == 0
    assert client.job(first["id"])["phase"] == "importing"
    second_done = client.wait(second["id"], ("done",), timeout=30)
    first_done = client.job(first["id"])
    assert first_done["phase"] == "done" and first_done["summary"]["counts"] == {"ok": 40}
    assert second_done["summary"]["counts"] == {"ok": 10}
    assert len(sandbox.state()["contacts"]) == 50


def test_a_stopped_import_offers_one_way_to_send_the_rest_and_sends_each_row_once(
        serve: Callable[..., PageClient], sandbox: SandboxProcess, tmp_path: Path) -> None:
    client = serve(concurrency=1)
    job = upload_and_check(client, write_csv(tmp_path / "stop.csv", contacts(60)))
    sandbox.configure(latency=0.03, bad_request_chat_ids=["201002000000@c.us"])
    start_import(client, job["id"], until_done=5)
    stopped = client.change("POST", f"/api/jobs/{job['id']}/stop")
    assert stopped.status_code == 200
    job = client.wait(job["id"], ("done",))
    counts = job["summary"]["counts"]
    assert job["summary"]["interrupted"] is True and job["stopped"] == "stopped from the page"
    assert counts["failed"] == 1 and counts["not_attempted"] > 0
    assert job["progress"]["total"] == 60 and job["progress"]["done"] == 60 - counts[
        "not_attempted"] < 60
    assert job["progress"]["percent"] < 100
    # exactly one way on: send the remaining rows (here: this job again, from its journal)
    assert job["can"]["send_remaining"] and job["can"]["resume"]
    assert not job["can"]["retry"] and not job["can"]["import"]
    assert job["to_retry"] == 1 + counts["not_attempted"]
    assert client.change("POST", f"/api/jobs/{job['id']}/retry").status_code == 409
    lines = csv.DictReader(io.StringIO(client.get(f"/jobs/{job['id']}/download/results.csv")
                                       .text))
    details = {r["detail"] for r in lines if r["status"] == "not_attempted"}
    assert details and all("stopped from the page" in d and "Ctrl-C" not in d for d in details)

    sandbox.configure(replace=True)
    response = client.change("POST", f"/api/jobs/{job['id']}/remaining")
    assert response.status_code == 202 and response.json()["id"] == job["id"]
    job = client.wait(job["id"], ("done", "failed"))
    assert job["phase"] == "done", job["message"]
    assert job["summary"]["counts"] == {"ok": 60} and job["stopped"] == ""
    # the run counted and rated only what it sent
    assert job["progress"]["total"] == job["progress"]["done"] == 1 + counts["not_attempted"]
    assert job["summary"]["sent"] == 1 + counts["not_attempted"]
    assert not job["can"]["send_remaining"] and not job["can"]["import"]
    puts = sandbox.state()["put_counts"]
    assert len(puts) == 60
    assert {n for n, k in puts.items() if k != 1} == {"201002000000@c.us"}  # 400, then ok


def test_a_retry_job_takes_the_remaining_rows_from_its_parent(
        serve: Callable[..., PageClient], sandbox: SandboxProcess, tmp_path: Path) -> None:
    client = serve()
    job = upload_and_check(client, write_csv(tmp_path / "retry.csv", contacts(30)))
    refused = ["201002000003@c.us", "201002000017@c.us"]
    sandbox.configure(bad_request_chat_ids=refused)
    job = import_and_wait(client, job["id"])
    assert job["summary"]["counts"] == {"ok": 28, "failed": 2} and job["stopped"] == ""
    assert job["can"]["send_remaining"] and job["can"]["retry"] and not job["can"]["resume"]
    assert job["to_retry"] == 2

    sandbox.configure(replace=True)
    response = client.change("POST", f"/api/jobs/{job['id']}/remaining")
    assert response.status_code == 202
    child = response.json()
    assert child["kind"] == "retry" and child["parent"] == job["id"]
    child = client.wait(child["id"], ("done", "failed"))  # started by itself once checked
    assert child["phase"] == "done", child["message"]
    assert child["summary"]["counts"] == {"ok": 30} and child["summary"]["retried"] == 2
    assert child["to_send"] == 2 and child["progress"]["total"] == child["progress"]["done"] == 2
    assert child["summary"]["sent"] == 2
    assert not child["can"]["send_remaining"]
    # the parent's remaining rows are taken: it offers nothing more
    parent = client.job(job["id"])
    assert parent["retries"] == [child["id"]] and not parent["can"]["send_remaining"]
    assert not parent["can"]["import"] and not parent["can"]["retry"]
    for action in ("remaining", "retry", "import"):
        assert client.change("POST", f"/api/jobs/{job['id']}/{action}").status_code == 409
    assert set(sandbox.state()["put_counts"].values()) == {1} or all(
        k == 2 for n, k in sandbox.state()["put_counts"].items() if n in refused)
    assert sum(sandbox.state()["put_counts"].values()) == 32


def test_deleting_a_job_removes_its_folder_but_not_while_it_runs(
        serve: Callable[..., PageClient], sandbox: SandboxProcess, data_dir: Path,
        tmp_path: Path) -> None:
    client = serve(concurrency=1)
    job = upload_and_check(client, write_csv(tmp_path / "d.csv", contacts(30)))
    sandbox.configure(latency=0.05)
    client.change("POST", f"/api/jobs/{job['id']}/import")
    client.wait(job["id"], ("importing",))
    busy = client.change("DELETE", f"/api/jobs/{job['id']}")
    assert busy.status_code == 409 and "stop it" in busy.json()["error"]
    client.change("POST", f"/api/jobs/{job['id']}/stop")
    client.wait(job["id"], ("done",))
    assert client.change("DELETE", f"/api/jobs/{job['id']}").status_code == 204
    assert not (data_dir / "jobs" / job["id"]).exists()
    assert client.get(f"/api/jobs/{job['id']}").status_code == 404
    assert client.change("DELETE", "/api/jobs/..").status_code in (404, 405)


def test_a_restarted_server_finds_its_jobs_and_resumes_an_interrupted_import(
        sandbox: SandboxProcess, data_dir: Path, tmp_path: Path) -> None:
    options = ImportOptions(input=Path(), base_url=sandbox.base_url,
                            instance_id=sandbox.instance_id, access_token=sandbox.token,
                            default_region="EG", rate=0, concurrency=1)
    with AppServer(create_app(options, data_dir=data_dir)) as server:
        client = PageClient(server.url)
        job = upload_and_check(client, write_csv(tmp_path / "r.csv", contacts(40)))
        sandbox.configure(latency=0.05)
        start_import(client, job["id"], until_done=5)
        client.close()
    # The server stopped the import and wrote its results; now pretend it was killed instead.
    state_file = data_dir / "jobs" / job["id"] / "state.json"
    state = json.loads(state_file.read_text())
    assert state["phase"] == "done" and state["summary"]["interrupted"]
    state["phase"] = "importing"
    state_file.write_text(json.dumps(state))
    sent_before = sandbox.state()["puts"]
    assert sent_before < 40

    sandbox.configure(latency=0)
    with AppServer(create_app(options, data_dir=data_dir)) as server:
        client = PageClient(server.url)
        client.wait(job["id"])  # what was sent is read from the journal on a thread
        listed = client.get("/api/jobs").json()["jobs"]
        assert [(j["id"], j["phase"]) for j in listed] == [(job["id"], "interrupted")]
        found = client.job(job["id"])
        assert found["can"]["send_remaining"] and found["can"]["resume"]
        assert not found["can"]["import"] and not found["can"]["retry"]
        assert "the server stopped" in found["stopped"]
        assert found["to_retry"] == 40 - sent_before
        response = client.change("POST", f"/api/jobs/{job['id']}/remaining")
        assert response.status_code == 202, response.text
        done = client.wait(job["id"], ("done", "failed"))
        client.close()
    assert done["phase"] == "done" and done["summary"]["counts"] == {"ok": 40}
    # rows sent ok before the stop were not sent again
    assert sandbox.state()["puts"] == 40


def test_a_job_store_loads_nothing_from_strange_folders(data_dir: Path) -> None:
    (data_dir / "jobs" / "not-a-job").mkdir(parents=True)
    (data_dir / "jobs" / "20250101-000000-abcdef").mkdir()
    (data_dir / "jobs" / "20250101-000000-abcdef" / "state.json").write_text("{broken")
    store = JobStore(data_dir, ImportOptions(input=Path()))
    store.load()
    assert store.listing() == []


# -- the region ---------------------------------------------------------------------------------

def test_a_job_starts_with_the_region_of_the_instances_own_number(
        sandbox: SandboxProcess, data_dir: Path, tmp_path: Path) -> None:
    """No region on the server: the instance's number (+1 555 0100000 in the sandbox) gives
    US, saved in the job's settings as a value, and US numbers are read as US numbers."""
    options = ImportOptions(input=Path(), base_url=sandbox.base_url,
                            instance_id=sandbox.instance_id, access_token=sandbox.token,
                            rate=0)
    with AppServer(create_app(options, data_dir=data_dir)) as server:
        client = PageClient(server.url)
        job = upload_and_check(client, write_csv(tmp_path / "us.csv", [["Name", "Phone"]] + [
            [f"P {i}", f"(201) 555-{100 + i:04d}"] for i in range(8)]))
        info = client.get("/api/info").json()
        client.close()
    assert info["default_region"] == "US"
    assert info["region_source"] == "the instance's own number, +15550100000"
    assert job["settings"]["default_region"] == "US"
    assert job["preview"]["counts"] == {"ready": 8} and job["region_warning"] is None
    saved = json.loads((data_dir / "jobs" / job["id"] / "settings.json").read_text())
    assert saved["default_region"] == "US"


def test_the_servers_region_wins_and_a_foreign_file_is_warned_about(
        serve: Callable[..., PageClient], tmp_path: Path) -> None:
    client = serve()  # --default-region EG
    job = upload_and_check(client, write_csv(tmp_path / "us.csv", [["Name", "Phone"]] + [
        [f"P {i}", f"(201) 555-{100 + i:04d}"] for i in range(8)]))
    assert job["settings"]["default_region"] == "EG"
    # "(201) 555-0100" is a valid Cairo landline: ready, but the check says where it is from
    assert job["preview"]["counts"] == {"ready": 8}
    warning = job["region_warning"]
    assert warning.startswith("This file may not be from Egypt (EG): 8 of the 8 numbers valid "
                              "there read as landlines")
    assert "Change the region to US" in warning
    response = client.change("POST", f"/api/jobs/{job['id']}/settings",
                             json={**job["settings"], "default_region": "us"})
    job = client.wait(response.json()["id"])
    assert job["settings"]["default_region"] == "US" and job["region_warning"] is None
    assert job["preview"]["preview"][0]["chat_id"] == "12015550100@c.us"


def test_a_bad_region_is_refused_naming_its_field_and_the_job_is_unchanged(
        serve: Callable[..., PageClient], tmp_path: Path) -> None:
    client = serve()
    job = upload_and_check(client, write_csv(tmp_path / "r.csv", contacts(3)))
    settings = {**job["settings"], "phone_columns": ["Mobile"], "phone_column": "Mobile"}
    job = client.wait(client.change("POST", f"/api/jobs/{job['id']}/settings",
                                    json=settings).json()["id"])
    response = client.change("POST", f"/api/jobs/{job['id']}/settings",
                             json={**settings, "default_region": "XX"})
    assert response.status_code == 400
    assert response.json() == {"error": "'XX' is not a region: give the two-letter code of a "
                                        "country, such as EG, SA or US",
                               "field": "default_region"}
    after = client.job(job["id"])
    assert after["settings"] == job["settings"] and after["columns"] == job["columns"]
    assert after["settings"]["phone_columns"] == ["Mobile"]


# -- operations ---------------------------------------------------------------------------------

def test_job_folders_and_files_are_private_whatever_the_umask(
        serve: Callable[..., PageClient], data_dir: Path, tmp_path: Path) -> None:
    previous = os.umask(0)
    try:
        client = serve()
        job = upload_and_check(client, write_csv(tmp_path / "p.csv", contacts(5)))
        checked = data_dir / "jobs" / job["id"] / "preview.csv"
        assert stat.S_IMODE(checked.stat().st_mode) == 0o600
        job = import_and_wait(client, job["id"])
        assert job["phase"] == "done"
    finally:
        os.umask(previous)
    folder = data_dir / "jobs" / job["id"]
    modes = {p.relative_to(data_dir): stat.S_IMODE(p.stat().st_mode)
             for p in [data_dir, data_dir / "jobs", *folder.rglob("*")]}
    assert {p for p in modes if p.name == "results.xlsx"}, modes
    wrong = {str(p): oct(m) for p, m in modes.items()
             if m != (0o700 if (data_dir / p).is_dir() else 0o600)}
    assert wrong == {}


def _modes(data_dir: Path) -> dict[str, str]:
    """Every folder and file under `data_dir` and its mode (a file gone meanwhile is left out)."""
    modes = {}
    for path in [data_dir, *data_dir.rglob("*")]:
        try:
            modes[str(path.relative_to(data_dir))] = oct(stat.S_IMODE(path.stat().st_mode))
        except FileNotFoundError:
            continue  # a state.json.partial renamed into place meanwhile
    return modes


def _not_private(data_dir: Path, modes: dict[str, str]) -> dict[str, str]:
    return {p: m for p, m in modes.items()
            if m != oct(0o700 if (data_dir / p).is_dir() else 0o600)}


def test_every_file_of_a_job_is_private_from_its_first_byte_and_stays_in_its_folder(
        serve: Callable[..., PageClient], sandbox: SandboxProcess, data_dir: Path,
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    system_temp = tmp_path / "system-temp"  # nothing of a job may land there
    system_temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(system_temp))
    previous = os.umask(0)
    try:
        client = serve(concurrency=2)
        job = upload_and_check(client, write_csv(tmp_path / "many.csv", contacts(400)))
        folder = data_dir / "jobs" / job["id"]
        sandbox.configure(latency=0.02)
        # past the rows the workbook holds back: they stream to their file now
        start_import(client, job["id"], until_done=WIDTH_SAMPLE_ROWS + 5)
        sandbox.configure(latency=3)  # the run waits while its files are listed
        during = _modes(data_dir)
        assert client.job(job["id"])["phase"] == "importing"
        sandbox.configure(latency=0)
        job = client.wait(job["id"], ("done",))
        after = _modes(data_dir)

        sandbox.reset()
        # the API refuses the token part way, past the rows the workbook holds back
        sandbox.configure(unauthorized_after=WIDTH_SAMPLE_ROWS + 20)
        failing = upload_and_check(client, write_csv(tmp_path / "again.csv",
                                                     contacts(400, start=400)))
        failing = import_and_wait(client, failing["id"])
        failed_folder = data_dir / "jobs" / failing["id"]
        after_failure = _modes(data_dir)
    finally:
        os.umask(previous)
    in_job = {p.removeprefix(f"jobs/{job['id']}/") for p in during}
    assert {"results.csv.partial", "results.xlsx.partial", "results.xlsx.rows.partial",
            "results.csv.journal.jsonl", "settings.json", "state.json", "upload/many.csv"} <= in_job
    assert _not_private(data_dir, during) == {}
    # the page's own record of what each number holds (the ledger), and of who did what (the
    # activity log), are the only other files
    assert {p for p in during if not (p in (".", "jobs") or p.startswith("jobs/"))} <= {
        "ledger.sqlite", "ledger.sqlite-wal", "ledger.sqlite-shm", "ledger.sqlite-journal",
        "activity.jsonl"}
    assert f"jobs/{job['id']}/results.xlsx" in after
    assert not rows_path(folder / "results.xlsx").exists()
    assert _not_private(data_dir, after) == {}
    assert failing["stopped"] and failing["summary"]["counts"]["not_attempted"] > 0
    assert not rows_path(failed_folder / "results.xlsx").exists()
    assert _not_private(data_dir, after_failure) == {}
    assert [p.name for p in data_dir.rglob("*.rows.partial")] == []
    # the system's temporary folder holds only the per-instance run locks (no number, no
    # name: a process ID and a start time)
    leftovers = [p.relative_to(system_temp) for p in system_temp.rglob("*") if p.is_file()]
    assert all(p.parts[1:2] == ("locks",) and p.name.startswith("instance-")
               for p in leftovers), leftovers

    # deleted with its job; a killed server's leftovers are removed by the next one
    assert client.change("DELETE", f"/api/jobs/{failing['id']}").status_code == 204
    assert not failed_folder.exists()
    rows_path(folder / "results.xlsx").write_text("a killed import's rows")
    (data_dir / "tmp").mkdir()
    (data_dir / "tmp" / "openpyxl.abc123").write_text("rows of an earlier version")
    serve()
    assert not rows_path(folder / "results.xlsx").exists()
    assert not (data_dir / "tmp").exists()


def test_the_rows_a_killed_server_was_streaming_are_removed_by_the_next_one(
        sandbox: SandboxProcess, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    args = ("--data-dir", data_dir, "--default-region", "EG", "--rate", "0",
            "--concurrency", "2")
    with ServeProcess(*args, env=sandbox.env(), log=tmp_path / "serve.log") as server:
        client = PageClient(server.url)
        job = upload_and_check(client, write_csv(tmp_path / "many.csv", contacts(400)))
        rows = rows_path(data_dir / "jobs" / job["id"] / "results.xlsx")
        sandbox.configure(latency=0.02)
        start_import(client, job["id"], until_done=WIDTH_SAMPLE_ROWS + 5)
        sandbox.configure(latency=3)
        assert stat.S_IMODE(rows.stat().st_mode) == 0o600
        client.close()
        process = server._process  # killed, as by the OOM killer: no shutdown runs
        assert process is not None
        process.kill()
        process.wait()
    sandbox.configure(latency=0)
    assert rows.exists()
    with ServeProcess(*args, env=sandbox.env(), log=tmp_path / "serve2.log") as server:
        client = PageClient(server.url)  # the page answers once the jobs are loaded
        # its results are rebuilt from the journal (recovering), then it is interrupted
        assert client.wait(job["id"], ("interrupted",))["phase"] == "interrupted"
        client.close()
    assert not rows.exists()
    assert [p.name for p in data_dir.rglob("*") if "openpyxl" in p.name] == []


def test_unreadable_uploads_are_cleared_at_once_and_the_list_is_newest_first(
        serve: Callable[..., PageClient], tmp_path: Path) -> None:
    client = serve()
    bad = [upload_and_check(client, tmp_path / "x.png", name=f"bad{i}.png")
           for i in range(2) if (tmp_path / "x.png").write_bytes(PNG) or True]
    good = upload_and_check(client, write_csv(tmp_path / "g.csv", contacts(2)))
    listed = client.get("/api/jobs").json()["jobs"]
    assert [j["id"] for j in listed] == [good["id"], bad[1]["id"], bad[0]["id"]]
    assert all(j["phase"] == "invalid" for j in listed[1:])
    assert client.change("DELETE", "/api/jobs?phase=done").status_code == 400
    response = client.change("DELETE", "/api/jobs?phase=invalid")
    assert response.status_code == 200
    assert sorted(response.json()["deleted"]) == sorted(j["id"] for j in bad)
    assert [j["id"] for j in client.get("/api/jobs").json()["jobs"]] == [good["id"]]


def test_a_stopped_job_of_an_earlier_version_still_offers_its_remaining_rows(
        sandbox: SandboxProcess, data_dir: Path, tmp_path: Path) -> None:
    options = ImportOptions(input=Path(), base_url=sandbox.base_url,
                            instance_id=sandbox.instance_id, access_token=sandbox.token,
                            default_region="EG", rate=0, concurrency=1)
    with AppServer(create_app(options, data_dir=data_dir)) as server:
        client = PageClient(server.url)
        job = upload_and_check(client, write_csv(tmp_path / "old.csv", contacts(30)))
        sandbox.configure(latency=0.05)
        start_import(client, job["id"], until_done=3)
        client.change("POST", f"/api/jobs/{job['id']}/stop")
        stopped = client.wait(job["id"], ("done",))
        client.close()
    state_file = data_dir / "jobs" / job["id"] / "state.json"
    state = json.loads(state_file.read_text())
    for name in ("remaining", "stopped"):  # what an earlier version did not write
        del state[name]
    state_file.write_text(json.dumps(state))
    sandbox.configure(latency=0)
    with AppServer(create_app(options, data_dir=data_dir)) as server:
        client = PageClient(server.url)
        found = client.job(job["id"])
        assert found["can"]["send_remaining"] and found["to_retry"] == stopped["to_retry"]
        response = client.change("POST", f"/api/jobs/{job['id']}/remaining")
        assert response.status_code == 202
        done = client.wait(job["id"], ("done", "failed"))
        client.close()
    assert done["summary"]["counts"] == {"ok": 30}
    assert set(sandbox.state()["put_counts"].values()) == {1}


def test_the_progress_counts_each_contact_of_a_cell_with_several_numbers(
        serve: Callable[..., PageClient], sandbox: SandboxProcess, tmp_path: Path) -> None:
    client = serve()
    rows = [["Name", "Mobile"]] + [[f"P {i}", f"0100 {3000000 + i:07d}, 0100 {3100000 + i:07d}"]
                                   for i in range(5)] + [["Bad", "0100 3200000, 12"]]
    job = upload_and_check(client, write_csv(tmp_path / "many.csv", rows))
    settings = {**job["settings"], "all_numbers": True}
    job = client.wait(client.change("POST", f"/api/jobs/{job['id']}/settings",
                                    json=settings).json()["id"])
    assert job["to_send"] == 11
    job = import_and_wait(client, job["id"])
    assert job["progress"]["total"] == job["progress"]["done"] == 11
    assert job["summary"]["sent"] == 11 == len(sandbox.state()["contacts"])
