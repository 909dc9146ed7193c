"""What the page's API promises, over real HTTP against the sandbox: an API that cannot be
reached is said to be so (not "this file cannot be imported"), "Stopped after N of M" counts
the whole job across its resumes, a failed row is never counted as sent, and an error about
one setting names that setting (the page shows it beside its box)."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from importer import ImportOptions
from importer.web import create_app
from tests.support.cli import write_csv
from tests.support.sandbox import SandboxProcess
from tests.test_web_api import contacts, data_dir, serve  # noqa: F401 (fixtures)
from tests.web.support import AppServer, PageClient, start_import, upload_and_check


def closed_port() -> int:
    """A loopback port nothing listens on (as a stopped sandbox leaves it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def unreachable(data_dir: Path, sandbox: SandboxProcess  # noqa: F811
                ) -> Iterator[Callable[..., PageClient]]:
    """The app, with credentials, pointed at a loopback port where no API answers."""
    servers: list[AppServer] = []

    def start(*, default_region: str | None) -> PageClient:
        options = ImportOptions(input=Path(), base_url=f"http://127.0.0.1:{closed_port()}",
                                instance_id=sandbox.instance_id, access_token=sandbox.token,
                                default_region=default_region, rate=0, max_attempts=2,
                                timeout=2.0)
        server = AppServer(create_app(options, data_dir=data_dir)).__enter__()
        servers.append(server)
        return PageClient(server.url)

    yield start
    for server in servers:
        server.__exit__(None, None, None)


def test_a_check_the_api_does_not_answer_says_so_not_that_the_file_is_bad(
        unreachable: Callable[..., PageClient], tmp_path: Path) -> None:
    # no region given: the check asks the API for the instance's number
    client = unreachable(default_region=None)
    job = upload_and_check(client, write_csv(tmp_path / "fine.csv", contacts(3)))
    assert job["phase"] == "invalid" and job["problem"] == "api_unreachable"
    assert "could not be reached" in job["message"] and "base URL" in job["message"]
    assert "region" in job["message"]  # the way around it: give the region
    assert job["table"]["headers"] == ["Name", "Mobile"]  # the file itself was read
    [line] = client.get("/api/jobs").json()["jobs"]
    assert line["problem"] == "api_unreachable"
    # "delete the files that could not be used" leaves a file the API did not answer about
    assert client.change("DELETE", "/api/jobs", params={"phase": "invalid"}).json() == {
        "deleted": []}

    # with the region given, the same file checks fine
    response = client.change("POST", f"/api/jobs/{job['id']}/settings",
                             json={**job["settings"], "default_region": "EG"})
    assert response.status_code == 200
    job = client.wait(job["id"])
    assert job["phase"] == "checked" and job["problem"] == "" and job["message"] == ""


def test_an_import_the_api_does_not_answer_says_so(unreachable: Callable[..., PageClient],
                                                    tmp_path: Path) -> None:
    client = unreachable(default_region="EG")
    job = upload_and_check(client, write_csv(tmp_path / "fine.csv", contacts(3)))
    assert job["phase"] == "checked"
    assert client.change("POST", f"/api/jobs/{job['id']}/import").status_code == 202
    job = client.wait(job["id"], ("failed", "done"))
    assert job["phase"] == "failed" and job["problem"] == "api_unreachable"
    assert job["message"].startswith("The WAWP API at http://127.0.0.1:")
    assert "could not be reached" in job["message"]
    assert job["can"]["import"]  # nothing was sent: it can be started again


def test_stopped_after_n_of_m_counts_the_whole_job_across_resumes(
        serve: Callable[..., PageClient], sandbox: SandboxProcess,  # noqa: F811
        tmp_path: Path) -> None:
    client = serve(concurrency=1)
    job = upload_and_check(client, write_csv(tmp_path / "long.csv", contacts(80)))
    sandbox.configure(latency=0.03)
    start_import(client, job["id"], until_done=5)
    client.change("POST", f"/api/jobs/{job['id']}/stop")
    job = client.wait(job["id"], ("done",))
    first = job["progress"]["done"]
    assert (job["progress"]["job_done"], job["progress"]["job_total"]) == (first, 80)

    # resumed: this run counts its own rows; the job counts every row answered so far
    assert client.change("POST", f"/api/jobs/{job['id']}/remaining").status_code == 202
    deadline = time.monotonic() + 20
    while client.job(job["id"])["progress"]["job_done"] < first + 5:
        assert time.monotonic() < deadline, "the resumed import did not go on"
        time.sleep(0.05)
    client.change("POST", f"/api/jobs/{job['id']}/stop")
    job = client.wait(job["id"], ("done",))
    second = job["progress"]["done"]
    assert job["stopped"] == "stopped from the page"
    assert job["progress"]["total"] == 80 - first  # this run's own figures
    assert (job["progress"]["job_done"], job["progress"]["job_total"]) == (first + second, 80)
    assert first + second == 80 - job["summary"]["counts"]["not_attempted"]
    [line] = client.get("/api/jobs").json()["jobs"]
    assert (line["done"], line["total"]) == (first + second, 80)

    sandbox.configure(replace=True)
    assert client.change("POST", f"/api/jobs/{job['id']}/remaining").status_code == 202
    job = client.wait(job["id"], ("done", "failed"))
    assert job["summary"]["counts"] == {"ok": 80} and job["stopped"] == ""
    assert (job["progress"]["job_done"], job["progress"]["job_total"]) == (80, 80)
    assert set(sandbox.state()["put_counts"].values()) == {1}


def test_a_finished_import_with_failures_counts_them_apart_from_the_sent_ones(
        serve: Callable[..., PageClient], sandbox: SandboxProcess,  # noqa: F811
        tmp_path: Path) -> None:
    client = serve()
    job = upload_and_check(client, write_csv(tmp_path / "some-fail.csv", contacts(40)))
    refused = [f"20100{2000000 + i:07d}@c.us" for i in (3, 11, 19, 27)]
    sandbox.configure(bad_request_chat_ids=refused)  # 400: these 4 are never stored
    assert client.change("POST", f"/api/jobs/{job['id']}/import").status_code == 202
    job = client.wait(job["id"], ("done", "failed"))
    failed = 4
    assert job["summary"]["counts"] == {"ok": 36, "failed": 4}
    assert job["stopped"] == ""
    progress = job["progress"]
    assert (progress["done"], progress["ok"], progress["failed"]) == (40, 40 - failed, failed)
    assert job["summary"]["sent"] == 40 and job["remaining"] == failed
    stored = sandbox.state()["contacts"]
    assert len(stored) == 36 and not set(refused) & set(stored)  # "sent": what WAWP stored


@pytest.mark.parametrize(("settings", "field", "words"), [
    ({"header_row": "99"}, "header_row", "the file has 6 rows"),
    ({"last_name_format": "{Company"}, "last_name_format", "without its"),
    ({"first_name_format": "{Nickname}"}, "first_name_format", "does not exist"),
    ({"phone_column": "Fax"}, "phone_column", "not found"),
])
def test_a_check_that_fails_over_one_setting_names_it_and_keeps_its_value(
        serve: Callable[..., PageClient], tmp_path: Path,  # noqa: F811
        settings: dict[str, str], field: str, words: str) -> None:
    client = serve()
    job = upload_and_check(client, write_csv(tmp_path / "five.csv", contacts(5)))
    response = client.change("POST", f"/api/jobs/{job['id']}/settings",
                             json={**job["settings"], **settings})
    assert response.status_code == 200
    job = client.wait(job["id"])
    assert job["phase"] == "invalid" and job["field"] == field, job["message"]
    assert words in job["message"]
    saved = job["settings"][field]
    assert str(saved) == next(iter(settings.values()))  # what was typed stays, not a guess


def test_an_action_another_tab_overtook_is_a_409_and_the_job_says_where_it_is(
        serve: Callable[..., PageClient], sandbox: SandboxProcess,  # noqa: F811
        tmp_path: Path) -> None:
    client = serve()
    assert ".vcf" in client.get("/api/info").json()["accept"]
    job = upload_and_check(client, write_csv(tmp_path / "two-tabs.csv", contacts(4)))
    assert client.change("POST", f"/api/jobs/{job['id']}/import").status_code == 202
    client.wait(job["id"], ("done",))
    # the second tab still shows "checked" and presses Import: refused, nothing sent again
    second = client.change("POST", f"/api/jobs/{job['id']}/import")
    assert second.status_code == 409 and "cannot be imported now" in second.json()["error"]
    assert client.job(job["id"])["phase"] == "done"  # what the page then shows
    assert set(sandbox.state()["put_counts"].values()) == {1}
