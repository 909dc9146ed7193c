"""The activity log and named users, through the page's HTTP API against the sandbox: every
action leaves its entry (time, file, number, counts, client, user), the log holds nothing
personal or secret, named users sign in with a session cookie, the CSV download is safe."""

from __future__ import annotations

import csv
import io
import json
import re
import stat
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from importer.cli import main as cli_main
from importer.web.activity import FIELDS, ActivityLog, activity_csv, refused_action
from importer.web.security import FREE_GUESSES
from importer.web.users import Sessions, Users
from tests import test_web_api
from tests.support.cli import clean_env, write_csv
from tests.support.sandbox import SandboxProcess
from tests.web.support import (
    PageClient,
    ServeProcess,
    import_and_wait,
    start_import,
    upload_and_check,
)

# the page's API fixtures, reused: the app on the sandbox's instance, and its data folder
serve, data_dir = test_web_api.serve, test_web_api.data_dir

NAMES = ["Amira Fawzy", "Bassem Rashed", "Chahira Mounir", "Dalia Sobhy", "Emad Wahba",
         "Farida Nassar", "Gamal Zaher", "Hala Sorour"]
#: What the log may say: job ids, file names, numbers, words, counts; an ISO time.
ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def people(n: int, start: int = 0) -> list[list[str]]:
    return [["Name", "Mobile"]] + [[f"{NAMES[i % len(NAMES)]} {i}", f"0100 {4100000 + i:07d}"]
                                   for i in range(start, start + n)]


def chat_id(mobile: str) -> str:
    return "20" + re.sub(r"\D", "", mobile)[1:] + "@c.us"


def activity(client: PageClient, **params: str) -> list[dict[str, object]]:
    response = client.get("/api/activity", params=params)
    assert response.status_code == 200, response.text
    entries: list[dict[str, object]] = response.json()["entries"]
    return entries


def hash_of(password: str) -> str:
    """A hash made by the real command, as a user makes one."""
    done = subprocess.run([sys.executable, "-m", "importer", "serve", "--hash-password"],
                          input=password + "\n", capture_output=True, text=True,
                          env=clean_env(), timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.fixture(scope="module")
def users_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("users") / "users"
    path.write_text(f"# the import desk\namira:{hash_of('nile-42 river')}\n\n"
                    f"bassem:{hash_of('delta 7')}\n", encoding="utf-8")
    return path


# -- the log through the page's API ----------------------------------------------------------

def test_every_action_leaves_its_entry_and_nothing_personal_or_secret(
        serve: Callable[..., PageClient], sandbox: SandboxProcess, data_dir: Path,
        tmp_path: Path) -> None:
    client = serve(concurrency=1)
    rows = people(40)
    source = write_csv(tmp_path / "crm-weekly.csv", rows)
    job = upload_and_check(client, source)
    assert job["phase"] == "checked", job["message"]
    client.change("POST", f"/api/jobs/{job['id']}/settings", json=job["settings"])
    job = client.wait(job["id"])
    refused = [chat_id(rows[3][1]), chat_id(rows[17][1])]
    sandbox.configure(bad_request_chat_ids=refused)
    job = import_and_wait(client, job["id"])
    assert job["summary"]["counts"] == {"ok": 38, "failed": 2}
    assert client.get(f"/jobs/{job['id']}/download/results.csv").status_code == 200
    sandbox.configure(replace=True)
    retried = client.change("POST", f"/api/jobs/{job['id']}/retry")
    assert retried.status_code == 201, retried.text
    child = client.wait(retried.json()["id"], ("done", "failed"))
    assert child["summary"]["counts"]["ok"] == 40

    # a second file: stopped, then the remaining rows sent
    second = upload_and_check(client, write_csv(tmp_path / "leads.csv", people(30, 100)))
    sandbox.configure(latency=0.03)
    start_import(client, second["id"], until_done=3)
    assert client.change("POST", f"/api/jobs/{second['id']}/stop").status_code == 200
    client.wait(second["id"], ("done",))
    sandbox.configure(replace=True)
    assert client.change("POST", f"/api/jobs/{second['id']}/remaining").status_code == 202
    client.wait(second["id"], ("done", "failed"))
    # the first file again: all of it is in the address book; sent again anyway
    again = upload_and_check(client, source)
    assert client.change("POST", f"/api/jobs/{again['id']}/resend").status_code == 202
    client.wait(again["id"], ("done", "failed"))
    assert client.change("DELETE", f"/api/jobs/{again['id']}").status_code == 204
    unusable = client.upload(b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "photo.png").json()
    client.wait(unusable["id"])
    assert client.change("DELETE", "/api/jobs", params={"phase": "invalid"}).status_code == 200

    entries = activity(client)
    times = [e["time"] for e in entries]
    assert all(ISO_UTC.match(str(t)) for t in times) and times == sorted(times, reverse=True)
    assert all(set(e) == set(FIELDS) for e in entries)
    assert {e["client"] for e in entries} == {"127.0.0.1"}
    assert {e["number"] for e in entries} == {sandbox.instance_id}
    assert {e["user"] for e in entries} == {None}  # one password or none: no names
    of_job = [(e["action"], e["detail"], e["counts"])
              for e in reversed(activity(client, job=job["id"]))]
    assert of_job == [
        ("upload", "", None), ("check", "checked", {"ready": 40}),
        ("settings", "", None), ("check", "checked", {"ready": 40}),
        ("import", "", None), ("import_end", "done", {"ok": 38, "failed": 2}),
        ("download", "results.csv", None), ("retry", f"sent by job {child['id']}", None)]
    assert all(e["file"] == "crm-weekly.csv" for e in activity(client, job=job["id"]))
    assert [(e["action"], e["detail"], e["counts"])
            for e in reversed(activity(client, job=child["id"]))] == [
        ("check", "checked", {"ok": 38, "ready": 2}),
        ("import", "started by itself after its check", None),
        ("import_end", "done", {"ok": 40})]
    stopped = [(e["action"], e["detail"]) for e in reversed(activity(client, job=second["id"]))]
    assert stopped[:6] == [("upload", ""), ("check", "checked"), ("import", ""),
                           ("stop", ""), ("import_end", "done: stopped from the page"),
                           ("remaining", "resumed")]
    assert stopped[6] == ("import_end", "done")
    assert [e["action"] for e in reversed(activity(client, job=again["id"]))] == [
        "upload", "check", "resend", "import_end", "delete"]
    assert [e["action"] for e in reversed(activity(client, job=unusable["id"]))] == [
        "upload", "check", "delete"]
    assert activity(client, job=unusable["id"])[1]["detail"] == "invalid"
    assert {e["action"] for e in activity(client, action="stop")} == {"stop"}
    assert activity(client, number="another instance") == []

    # nothing personal or secret: no number in any spelling, no name, never the token
    log = (data_dir / "activity.jsonl").read_text(encoding="utf-8")
    assert stat.S_IMODE((data_dir / "activity.jsonl").stat().st_mode) == 0o600
    client.get("/activity.csv")
    download = client.get("/activity.csv").text
    for text in (log, download, json.dumps(entries)):
        assert sandbox.token not in text
        for name, mobile in people(40) [1:] + people(30, 100)[1:]:
            digits = re.sub(r"\D", "", mobile)
            for secret in (name, name.split()[0], mobile, digits, digits[1:], chat_id(mobile)):
                assert secret not in text


def test_a_killed_servers_log_is_kept_and_the_recovered_import_recorded(
        sandbox: SandboxProcess, tmp_path: Path) -> None:
    data = tmp_path / "data"
    args = ("--data-dir", data, "--default-region", "EG", "--rate", "0", "--concurrency", "1")
    with ServeProcess(*args, env=sandbox.env(), log=tmp_path / "serve.log") as server:
        client = PageClient(server.url)
        job = upload_and_check(client, write_csv(tmp_path / "killed.csv", people(60)))
        sandbox.configure(latency=0.05)
        start_import(client, job["id"], until_done=3)
        client.close()
        server.kill()  # as the OOM killer does: no shutdown runs
    sandbox.configure(latency=0)
    with ServeProcess(*args, env=sandbox.env(), log=tmp_path / "serve2.log") as server:
        client = PageClient(server.url)
        recovered = client.wait(job["id"], ("interrupted",))
        entries = activity(client, job=job["id"])
        client.close()
    assert [e["action"] for e in reversed(entries)] == [
        "upload", "check", "import", "import_end"]
    end = entries[0]
    assert end["detail"] == ("interrupted: the server stopped without finishing the import "
                             "(it was killed or crashed)")
    assert end["counts"] == recovered["summary"]["counts"] and end["counts"]["ok"] >= 3
    assert end["client"] is None  # the run the restarted server finished was nobody's request


def test_the_log_survives_a_restart_and_keeps_its_size(tmp_path: Path) -> None:
    clock = iter(datetime(2026, 12, 5, 9, tzinfo=UTC) + timedelta(seconds=i)
                 for i in range(10_000))
    log = ActivityLog(tmp_path, max_bytes=4000, clock=lambda: next(clock))
    for i in range(100):
        log.record("upload", job=f"job-{i}", file="f.csv", number="one", client="127.0.0.1")
    later = ActivityLog(tmp_path, max_bytes=4000)  # a restarted server
    kept = later.entries(limit=None)
    assert kept[0]["job"] == "job-99" and kept[0]["time"] == "2026-12-05T09:01:39.000Z"
    assert [e["job"] for e in kept] == [f"job-{i}" for i in range(99, 99 - len(kept), -1)]
    assert 20 < len(kept) < 100  # the oldest went with the rotation
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == ["activity.1.jsonl", "activity.jsonl"]
    assert all(p.stat().st_size <= 4000 + 200 for p in tmp_path.iterdir())
    # a line a crash cut short is skipped, the rest read
    with (tmp_path / "activity.jsonl").open("a") as f:
        f.write('{"time": "2026-12-05T09:02')
    later.record("stop", job="job-100")
    assert [e["job"] for e in later.entries(limit=2)] == ["job-100", "job-99"]


def test_the_csv_download_escapes_cells_excel_would_run(
        serve: Callable[..., PageClient], tmp_path: Path) -> None:
    client = serve()
    name = '=HYPERLINK("http://example.invalid","open").csv'
    response = client.upload(write_csv(tmp_path / "x.csv", people(2)).read_bytes(), name)
    client.wait(response.json()["id"])
    download = client.get("/activity.csv")
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("text/csv")
    assert 'filename="activity.csv"' in download.headers["content-disposition"]
    lines = list(csv.DictReader(io.StringIO(download.text)))
    assert [line["action"] for line in lines] == ["check", "upload"]
    assert {line["file"] for line in lines} == {"'" + name}
    assert lines[0]["counts"] == "ready 2"
    # and the writer alone: every cell goes through the results file's escaping
    text = "".join(activity_csv([{"action": "login", "user": "@sum(1)", "client": "+1 a"}]))
    assert "'@sum(1)" in text and "'+1 a" in text


# -- named users -----------------------------------------------------------------------------

def test_named_users_sign_in_and_the_log_names_them(
        serve: Callable[..., PageClient], users_file: Path, sandbox: SandboxProcess,
        tmp_path: Path) -> None:
    client = serve(users=Users.from_file(users_file))
    # without a session: the page is the sign-in form, everything else is refused
    assert 'id="sign-in"' in client.get("/").text
    assert 'id="sign-in"' in client.get("/activity").text
    for path in ("/api/info", "/api/jobs", "/api/activity", "/activity.csv"):
        assert client.get(path).status_code == 401
    assert client.upload(b"Name,Mobile\n", "a.csv").status_code == 401
    wrong = client.change("POST", "/login", json={"name": "amira", "password": "delta 7"})
    assert wrong.status_code == 401 and wrong.json()["error"] == "wrong name or password"
    unknown = client.change("POST", "/login", json={"name": "nobody", "password": "delta 7"})
    assert unknown.status_code == 401 and "set-cookie" not in unknown.headers
    no_csrf = httpx.post(str(client.base_url.join("/login")),
                         json={"name": "amira", "password": "nile-42 river"})
    assert no_csrf.status_code == 403
    right = client.change("POST", "/login", json={"name": "amira", "password": "nile-42 river"})
    assert right.status_code == 200 and right.json() == {"user": "amira"}
    cookie = right.headers["set-cookie"]
    assert cookie.startswith("wawp_session=") and "HttpOnly" in cookie
    assert "SameSite=Strict" in cookie and "nile" not in cookie  # a token, not the password
    assert client.get("/api/info").json()["user"] == "amira"

    job = upload_and_check(client, write_csv(tmp_path / "desk.csv", people(5)))
    import_and_wait(client, job["id"])
    entries = activity(client)
    assert [e["action"] for e in reversed(entries)] == [
        "login_failed", "login_failed", "login", "upload", "check", "import", "import_end"]
    assert all(e["user"] == "amira" for e in entries[:5])
    assert [e["user"] for e in entries[5:]] == [None, None]  # a failed sign-in names nobody
    assert entries[0]["counts"] == {"ok": 5}

    # another browser: bassem, then signed out
    other = PageClient(str(client.base_url))
    assert other.change("POST", "/login",
                        json={"name": "bassem", "password": "delta 7"}).status_code == 200
    assert other.get("/api/jobs").status_code == 200
    assert other.change("POST", "/logout").status_code == 200
    assert other.get("/api/jobs").status_code == 401
    other.close()
    assert [(e["action"], e["user"]) for e in activity(client)[:2]] == [
        ("logout", "bassem"), ("login", "bassem")]
    assert "nile-42" not in (users_file.parent / "users").read_text()


def test_wrong_sign_ins_are_limited_per_address(
        serve: Callable[..., PageClient], users_file: Path) -> None:
    client = serve(users=Users.from_file(users_file))
    answers = [client.change("POST", "/login", json={"name": "amira", "password": f"guess {i}"})
               for i in range(FREE_GUESSES + 1)]
    assert [a.status_code for a in answers[:FREE_GUESSES]] == [401] * FREE_GUESSES
    assert answers[-1].status_code == 429 and "retry-after" in answers[-1].headers
    # while it waits, even the right password is not looked at
    right = client.change("POST", "/login", json={"name": "amira", "password": "nile-42 river"})
    assert right.status_code == 429


def test_a_session_ends_when_its_time_is_up() -> None:
    now = [0.0]
    sessions = Sessions(clock=lambda: now[0])
    token = sessions.open("amira")
    assert sessions.user(token) == "amira" and sessions.user("forged") is None
    now[0] = 12 * 3600.0
    assert sessions.user(token) is None


@pytest.mark.parametrize(("text", "message"), [
    ("amira $argon2id$v=19$x\n", "line 1: expected NAME:HASH"),
    ("# team\n\nbad name:$argon2id$v=19$x\n", "line 3: expected NAME:HASH"),
    ("amira:secret\n", "line 1: the hash of 'amira' is not an argon2 hash; make one with: "
                       "wawp-import serve --hash-password"),
    ("amira:$argon2id$a\namira:$argon2id$b\n", "line 2: 'amira' is named twice"),
    ("# nobody yet\n", "names no user"),
])
def test_a_wrong_users_file_is_refused_with_its_line(tmp_path: Path, text: str,
                                                     message: str) -> None:
    users = tmp_path / "users"
    users.write_text(text, encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    code = cli_main(["serve", "--users", str(users), "--data-dir", str(tmp_path / "d")],
                    env={}, out=out, err=err)
    assert code == 2 and message in err.getvalue()


def test_users_and_a_password_are_not_both_given(users_file: Path, tmp_path: Path) -> None:
    err = io.StringIO()
    code = cli_main(["serve", "--users", str(users_file), "--data-dir", str(tmp_path / "d")],
                    env={"WAWP_WEB_PASSWORD": "pw"}, out=io.StringIO(), err=err)
    assert code == 2 and "are two ways of signing in: give one" in err.getvalue()


def test_hash_password_needs_a_password(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "importer", "serve", "--hash-password"],
                          input="", capture_output=True, text=True, env=clean_env(),
                          timeout=60, check=False)
    assert done.returncode == 2 and "no password given" in done.stderr
    hashed = hash_of("s3cret")
    assert hashed.startswith("$argon2id$") and "s3cret" not in hashed
    assert Users({"amira": hashed}).check("amira", "s3cret")
    assert not Users({"amira": hashed}).check("amira", "s3cret ")


def test_refused_actions_are_recorded_without_their_message(
        serve: Callable[..., PageClient], sandbox: SandboxProcess, data_dir: Path,
        tmp_path: Path) -> None:
    client = serve(concurrency=1)
    rows = people(5)
    job = upload_and_check(client, write_csv(tmp_path / "refusals.csv", rows))
    assert job["phase"] == "checked", job["message"]
    # a fix naming a column the file has not, the "column" being a phone number: refused,
    # and the refusal's message (which quotes it) stays out of the log
    mobile = "0100 4100099"
    wrong = client.change("POST", f"/api/jobs/{job['id']}/fixes",
                          json={"row": 2, "field": mobile, "value": mobile})
    assert wrong.status_code == 400 and mobile in wrong.json()["error"]
    import_and_wait(client, job["id"])
    again = client.change("POST", f"/api/jobs/{job['id']}/import")
    late_fix = client.change("POST", f"/api/jobs/{job['id']}/fixes",
                             json={"row": 2, "field": "phone", "value": mobile})
    assert again.status_code >= 400 and late_fix.status_code >= 400
    assert client.get(f"/jobs/{job['id']}/download/secrets.txt").status_code >= 400
    gone = client.change("POST", "/api/jobs/20261205-000000-abcdef/stop")
    assert gone.status_code == 404
    assert client.get("/api/jobs/20261205-000000-abcdef").status_code == 404  # a read

    refused = [(e["detail"], e["job"], e["file"])
               for e in reversed(activity(client, action="refused"))]
    assert refused == [
        ("fix: HTTP 400", job["id"], "refusals.csv"),
        (f"import: HTTP {again.status_code}", job["id"], "refusals.csv"),
        (f"fix: HTTP {late_fix.status_code}", job["id"], "refusals.csv"),
        ("download: HTTP 400", job["id"], "refusals.csv"),
        ("stop: HTTP 404", None, None)]
    log = (data_dir / "activity.jsonl").read_text(encoding="utf-8")
    digits = re.sub(r"\D", "", mobile)
    for secret in (mobile, digits, sandbox.token):
        assert secret not in log


@pytest.mark.parametrize(("method", "path", "expected"), [
    ("POST", "/api/jobs", ("upload", None)),
    ("DELETE", "/api/jobs", ("delete", None)),
    ("DELETE", "/api/jobs/j1", ("delete", "j1")),
    ("POST", "/api/jobs/j1/forget-mapping", ("forget_mapping", "j1")),
    ("POST", "/api/jobs/j1/remaining", ("remaining", "j1")),
    ("GET", "/jobs/j1/download/results.csv", ("download", "j1")),
    ("GET", "/api/jobs/j1", None),
    ("GET", "/api/activity", None),
    ("POST", "/api/jobs/j1/unknown", None),
    ("POST", "/logout", None),
])
def test_which_refused_requests_are_actions(method: str, path: str,
                                            expected: tuple[str, str | None] | None) -> None:
    assert refused_action(method, path) == expected
