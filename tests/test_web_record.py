"""The page tells the truth from the record: what the ledger and the journal say was sent.

Each path as a user meets it, through the page's HTTP API against the sandbox, counting the
PUTs the sandbox received: the same file uploaded again, two tabs importing one file, and a
server killed (SIGKILL) during an import or right at its end.
"""

from __future__ import annotations

import csv
import io
import json
import random
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import openpyxl
import pytest

from importer import ImportOptions
from importer.web import create_app
from tests.support.cli import write_csv
from tests.support.sandbox import SandboxProcess
from tests.web.support import (
    AppServer,
    PageClient,
    ServeProcess,
    files_under,
    import_and_wait,
    upload_and_check,
)

#: What a job shows once its server found it again after a kill.
RECOVERED = ("done", "interrupted", "checked", "failed")


def contacts(n: int, *, start: int = 0) -> list[list[str]]:
    """A header and `n` rows with distinct valid Egyptian mobiles."""
    return [["Name", "Mobile"]] + [[f"Person {i}", f"0100 {2000000 + i:07d}"]
                                   for i in range(start, start + n)]


def results_of(client: PageClient, job_id: str) -> list[dict[str, str]]:
    response = client.get(f"/jobs/{job_id}/download/results.csv")
    assert response.status_code == 200, response.text
    return list(csv.DictReader(io.StringIO(response.text.removeprefix("\ufeff"))))


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "wawp-data"


@pytest.fixture
def serve(sandbox: SandboxProcess, data_dir: Path) -> Iterator[Callable[..., PageClient]]:
    """The app on the sandbox's instance, with no ledger given: it keeps its own in the data
    folder. Every call is another server (a tab on another server shares nothing but disk)."""
    servers: list[AppServer] = []
    clients: list[PageClient] = []

    def start(*, concurrency: int = 4) -> PageClient:
        options = ImportOptions(input=Path(), base_url=sandbox.base_url,
                                instance_id=sandbox.instance_id, access_token=sandbox.token,
                                default_region="EG", rate=0, concurrency=concurrency,
                                max_attempts=2)
        server = AppServer(create_app(options, data_dir=data_dir)).__enter__()
        servers.append(server)
        clients.append(client := PageClient(server.url))
        return client

    yield start
    for client in clients:
        client.close()
    for server in servers:
        server.__exit__(None, None, None)


# -- the same file again ---------------------------------------------------------------------------

def test_the_same_file_again_is_already_in_the_address_book_and_can_be_sent_again(
        serve: Callable[..., PageClient], sandbox: SandboxProcess, tmp_path: Path,
        data_dir: Path) -> None:
    client = serve()
    source = write_csv(tmp_path / "week.csv", contacts(20))
    first = upload_and_check(client, source)
    assert first["preview"]["already"] is None and first["can"]["import"]
    assert not first["can"]["resend"]
    assert import_and_wait(client, first["id"])["summary"]["counts"] == {"ok": 20}
    assert sandbox.state()["puts"] == 20

    again = upload_and_check(client, source)
    today = time.gmtime()
    day = f"{today.tm_mday} {time.strftime('%b %Y', today)}"
    already = again["preview"]["already"]
    assert already["text"] == f"All 20 contacts are already in the address book (sent on {day})."
    assert (already["count"], already["of"]) == (20, 20)
    assert again["preview"]["counts"] == {"unchanged": 20} and again["to_send"] == 0
    # one action: send again anyway; no ordinary import
    assert again["can"]["resend"] and not again["can"]["import"]
    assert client.change("POST", f"/api/jobs/{again['id']}/import").status_code == 409
    assert sandbox.state()["puts"] == 20  # the check sent nothing
    preview = client.get(f"/jobs/{again['id']}/download/preview.csv").text
    lines = list(csv.DictReader(io.StringIO(preview.removeprefix("\ufeff"))))
    assert {line["status"] for line in lines} == {"unchanged"}
    assert all(line["detail"] for line in lines)

    response = client.change("POST", f"/api/jobs/{again['id']}/resend")
    assert response.status_code == 202, response.text
    done = client.wait(again["id"], ("done", "failed"))
    assert done["summary"]["counts"] == {"ok": 20}, done["message"]
    assert done["progress"]["done"] == done["progress"]["total"] == 20
    assert done["resend"] is True
    counts = sandbox.state()["put_counts"]
    assert len(counts) == 20 and set(counts.values()) == {2}  # sent again, as asked: once more
    assert client.change("POST", f"/api/jobs/{again['id']}/resend").status_code == 409
    # the settings the page sends carry no "send only what changed" box any more
    assert "changed_only" not in done["settings"]
    everything = b"".join(p.read_bytes() for p in files_under(data_dir))
    assert sandbox.token.encode() not in everything


def test_some_already_there_are_named_and_only_the_others_are_sent(
        serve: Callable[..., PageClient], sandbox: SandboxProcess, tmp_path: Path) -> None:
    client = serve()
    first = upload_and_check(client, write_csv(tmp_path / "part.csv", contacts(18)))
    import_and_wait(client, first["id"])
    rows = contacts(20)
    rows[1 + 4][0] = "Somebody Else"  # a changed name is sent again
    job = upload_and_check(client, write_csv(tmp_path / "whole.csv", rows))
    already = job["preview"]["already"]
    assert already["text"].startswith("17 of 20 are already in the address book (sent on ")
    assert already["text"].endswith("); 3 will be sent.")
    assert job["can"]["import"] and job["can"]["resend"]  # the import, and "send all anyway"
    done = import_and_wait(client, job["id"])
    assert done["summary"]["counts"] == {"ok": 3, "unchanged": 17}
    assert done["summary"]["already"]["text"].startswith(
        "17 of 20 contacts were already in the address book (sent on ")
    lines = results_of(client, job["id"])
    unchanged = [line for line in lines if line["status"] == "unchanged"]
    assert len(unchanged) == 17 and all(line["detail"] for line in unchanged)
    xlsx = client.get(f"/jobs/{job['id']}/download/results.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content), read_only=True).active
    cells = [(row[1], row[7]) for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert cells == [(line["status"], line["detail"] or None) for line in lines]
    counts = sandbox.state()["put_counts"]
    assert sum(counts.values()) == 18 + 3
    assert counts["201002000004@c.us"] == 2 and counts["201002000018@c.us"] == 1


def test_a_settings_file_with_the_old_changed_only_box_still_loads(
        serve: Callable[..., PageClient], sandbox: SandboxProcess, tmp_path: Path,
        data_dir: Path) -> None:
    client = serve()
    job = upload_and_check(client, write_csv(tmp_path / "old.csv", contacts(3)))
    settings = {**job["settings"], "changed_only": True}  # as a page of before sends it
    response = client.change("POST", f"/api/jobs/{job['id']}/settings", json=settings)
    assert response.status_code == 200, response.text
    saved = data_dir / "jobs" / job["id"] / "settings.json"
    saved.write_text(json.dumps(settings))
    client.wait(job["id"])
    found = serve().job(job["id"])  # another server reading the same folder
    assert found["phase"] == "checked" and "changed_only" not in found["settings"]


# -- two tabs ------------------------------------------------------------------------------------

def test_two_tabs_importing_one_file_send_each_contact_once(
        serve: Callable[..., PageClient], sandbox: SandboxProcess, tmp_path: Path) -> None:
    client = serve(concurrency=2)
    other_tab = PageClient(client.base_url)
    source = write_csv(tmp_path / "shared.csv", contacts(30))
    first = upload_and_check(client, source)
    second = upload_and_check(other_tab, source)
    # both checked before anything was sent: each says all 30 will be sent
    assert first["to_send"] == second["to_send"] == 30
    sandbox.configure(latency=0.03)
    assert client.change("POST", f"/api/jobs/{first['id']}/import").status_code == 202
    client.wait(first["id"], ("importing",))
    assert other_tab.change("POST", f"/api/jobs/{second['id']}/import").status_code == 202
    second_done = other_tab.wait(second["id"], ("done", "failed"), timeout=60)
    first_done = client.wait(first["id"], ("done", "failed"))
    other_tab.close()
    assert first_done["summary"]["counts"] == {"ok": 30}
    # the ledger is read as the import goes: what the first tab sent is not sent again
    assert second_done["summary"]["counts"] == {"unchanged": 30}, second_done["summary"]
    assert second_done["summary"]["already"]["text"].startswith(
        "30 of 30 contacts were already in the address book (sent on ")
    assert second_done["progress"]["done"] == 0 and second_done["remaining"] == 0
    assert not second_done["can"]["send_remaining"]
    counts = sandbox.state()["put_counts"]
    assert len(counts) == 30 and set(counts.values()) == {1}


# -- a killed server -------------------------------------------------------------------------------

def serve_process(sandbox: SandboxProcess, data: Path, log: Path) -> ServeProcess:
    return ServeProcess("--data-dir", data, "--rate", "0", "--concurrency", "2",
                        "--default-region", "EG", env=sandbox.env(), log=log)


def test_a_server_killed_mid_import_shows_what_was_sent_and_sends_only_the_rest(
        sandbox: SandboxProcess, tmp_path: Path) -> None:
    total = 60
    kill_after = random.Random().randint(1, total - 10)
    why = f"killed after {kill_after} rows"
    source = write_csv(tmp_path / "kill.csv", contacts(total))
    data = tmp_path / "data"
    with serve_process(sandbox, data, tmp_path / "serve1.log") as first:
        client = PageClient(first.url)
        job = upload_and_check(client, source)
        sandbox.configure(latency=0.04)
        client.change("POST", f"/api/jobs/{job['id']}/import")
        deadline = time.monotonic() + 60
        while client.job(job["id"])["progress"]["done"] < kill_after:
            assert time.monotonic() < deadline, why
            time.sleep(0.01)
        first.kill()
        client.close()
    puts_at_kill = dict(sandbox.state()["put_counts"])
    sandbox.configure(replace=True)

    with serve_process(sandbox, data, tmp_path / "serve2.log") as second:
        client = PageClient(second.url)
        found = client.wait(job["id"], RECOVERED)
        assert found["phase"] == "interrupted", (why, found["message"])
        lines = results_of(client, job["id"])
        assert [int(line["row"]) for line in lines] == list(range(2, 2 + total))
        sent = [line for line in lines if line["status"] == "ok"]
        left = [line for line in lines if line["status"] == "not_attempted"]
        assert len(sent) + len(left) == total, why
        assert kill_after <= len(sent) and all(line["attempts"] == "1" for line in sent)
        assert all("the server stopped" in line["detail"] for line in left)
        # every row the results have as sent reached the sandbox
        assert all(line["chat_id"] in puts_at_kill for line in sent)
        assert found["summary"]["counts"] == {"ok": len(sent), "not_attempted": len(left)}
        assert found["progress"]["done"] == len(sent) and found["progress"]["total"] == total
        assert "the server stopped" in found["stopped"]
        assert found["remaining"] == found["to_retry"] == len(left)
        assert found["can"]["send_remaining"] and found["can"]["resume"]
        assert not found["can"]["import"] and not found["can"]["retry"]
        assert not found["can"]["resend"]
        assert sandbox.token not in json.dumps(found)

        response = client.change("POST", f"/api/jobs/{job['id']}/remaining")
        assert response.status_code == 202, response.text
        done = client.wait(job["id"], ("done", "failed"))
        client.close()
    assert sandbox.token not in first.log() + second.log()
    for path in files_under(data / "jobs"):
        assert path.stat().st_mode & 0o777 == 0o600, path
    assert done["summary"]["counts"] == {"ok": total}, done["message"]
    assert done["progress"]["done"] == done["progress"]["total"] <= len(left)
    everything = sandbox.state()["put_counts"]
    counts = {k: n - puts_at_kill.get(k, 0) for k, n in everything.items()
              if n > puts_at_kill.get(k, 0)}  # since the restart
    assert not set(counts) & {line["chat_id"] for line in sent}, why
    assert set(counts.values()) == {1}
    assert set(everything) == {f"2010020000{i:02d}@c.us" for i in range(total)}
    twice = {k for k, n in everything.items() if n > 1}
    assert len(twice) <= 2, why  # at most the requests on the wire at the kill


def test_a_server_killed_as_the_import_ends_shows_it_finished(
        sandbox: SandboxProcess, tmp_path: Path) -> None:
    """Killed once the last row was answered: whichever step it was in (the journal still
    there, or gone and the state not yet saved), the job shows every row sent, nothing left."""
    total = 40
    source = write_csv(tmp_path / "end.csv", contacts(total))
    data = tmp_path / "data"
    with serve_process(sandbox, data, tmp_path / "serve1.log") as first:
        client = PageClient(first.url)
        job = upload_and_check(client, source)
        sandbox.configure(latency=0.02)
        client.change("POST", f"/api/jobs/{job['id']}/import")
        deadline = time.monotonic() + 60
        while client.job(job["id"])["progress"]["done"] < total:
            assert time.monotonic() < deadline
        first.kill()
        client.close()
    assert sandbox.state()["puts"] == total

    with serve_process(sandbox, data, tmp_path / "serve2.log") as second:
        client = PageClient(second.url)
        found = client.wait(job["id"], RECOVERED)
        assert found["phase"] == "done", found["message"]
        assert found["summary"]["counts"] == {"ok": total} and found["stopped"] == ""
        assert found["remaining"] == 0 and not any(
            found["can"][action] for action in ("import", "resend", "send_remaining"))
        assert found["downloads"]["csv"] and found["downloads"]["xlsx"]
        assert {line["status"] for line in results_of(client, job["id"])} == {"ok"}
        client.close()
    assert sandbox.state()["puts"] == total


def test_a_job_whose_state_was_not_saved_after_its_run_ended_is_not_offered_again(
        sandbox: SandboxProcess, tmp_path: Path) -> None:
    """The last milliseconds of an import, made exact: its results complete, its journal
    gone, its state still "importing" (as the issue found it: "nothing was sent", and an
    offer to import every row again)."""
    data = tmp_path / "data"
    source = write_csv(tmp_path / "last.csv", contacts(25))
    with serve_process(sandbox, data, tmp_path / "serve1.log") as first:
        client = PageClient(first.url)
        job = upload_and_check(client, source)
        importing = client.change("POST", f"/api/jobs/{job['id']}/import").json()
        done = client.wait(job["id"], ("done",))
        client.close()
    assert done["summary"]["counts"] == {"ok": 25}
    state_file = data / "jobs" / job["id"] / "state.json"
    state = json.loads(state_file.read_text())
    state.update(phase="importing", summary=None, progress=importing["progress"], remaining=None)
    state_file.write_text(json.dumps(state))

    with serve_process(sandbox, data, tmp_path / "serve2.log") as second:
        client = PageClient(second.url)
        found = client.wait(job["id"], RECOVERED)
        assert found["phase"] == "done", found["message"]
        assert "nothing was sent" not in found["message"]
        assert found["summary"]["counts"] == {"ok": 25} and found["remaining"] == 0
        assert not found["can"]["import"] and not found["can"]["send_remaining"]
        assert client.change("POST", f"/api/jobs/{job['id']}/import").status_code == 409
        assert found["progress"]["done"] == found["progress"]["total"] == 25
        # the same file again: the record says it is all there
        again = upload_and_check(client, source)
        assert again["preview"]["already"]["count"] == 25 and not again["can"]["import"]
        client.close()
    assert sandbox.state()["puts"] == 25
    for path in files_under(data / "jobs"):
        assert path.stat().st_mode & 0o777 == 0o600, path


def test_a_server_killed_while_sending_again_anyway_sends_the_rest_again_on_resume(
        sandbox: SandboxProcess, tmp_path: Path) -> None:
    """"Send again anyway" is kept with the job: resumed after a kill, the rows it had not
    sent again yet are sent (the ledger, which has them all, does not skip them)."""
    total = 40
    source = write_csv(tmp_path / "again.csv", contacts(total))
    data = tmp_path / "data"
    with serve_process(sandbox, data, tmp_path / "serve1.log") as first:
        client = PageClient(first.url)
        import_and_wait(client, upload_and_check(client, source)["id"])
        job = upload_and_check(client, source)
        assert job["can"]["resend"] and not job["can"]["import"]
        sandbox.configure(latency=0.04)
        assert client.change("POST", f"/api/jobs/{job['id']}/resend").status_code == 202
        deadline = time.monotonic() + 60
        while client.job(job["id"])["progress"]["done"] < 8:
            assert time.monotonic() < deadline
            time.sleep(0.01)
        first.kill()
        client.close()
    sandbox.configure(replace=True)

    with serve_process(sandbox, data, tmp_path / "serve2.log") as second:
        client = PageClient(second.url)
        found = client.wait(job["id"], RECOVERED)
        assert found["phase"] == "interrupted" and found["resend"], found["message"]
        assert found["progress"]["total"] == total
        sent = found["progress"]["done"]
        assert found["summary"]["counts"] == {"ok": sent, "not_attempted": total - sent}
        response = client.change("POST", f"/api/jobs/{job['id']}/remaining")
        assert response.status_code == 202, response.text
        done = client.wait(job["id"], ("done", "failed"))
        client.close()
    assert done["summary"]["counts"] == {"ok": total}, done["message"]
    counts = sandbox.state()["put_counts"]
    assert len(counts) == total and set(counts.values()) <= {2, 3}
    assert sum(counts.values()) <= 2 * total + 2  # at most the requests in flight at the kill
