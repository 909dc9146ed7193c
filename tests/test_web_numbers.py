"""Several WhatsApp numbers from one page (`wawp-import serve --instances FILE`), over the
page's HTTP API against two sandboxes: each number has its own queue, pacing, region,
address book and record in the ledger; a job keeps its number through imports, "send again
anyway" and a restart; no token reaches the browser or the data folder.
"""

from __future__ import annotations

import io
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from importer import ImportOptions
from importer.entry import EXIT_USAGE
from importer.mappings import MappingStore, instance_key
from importer.web import create_app, serve
from importer.web.instances import read_instances
from tests.support.cli import write_csv
from tests.support.sandbox import SandboxProcess
from tests.web.support import (
    AppServer,
    PageClient,
    ServeProcess,
    files_under,
    import_and_wait,
    instances_file,
)


def contacts(n: int, *, start: int = 0) -> list[list[str]]:
    """A header and `n` rows with distinct valid Egyptian mobiles, written in full."""
    return [["Name", "Mobile"]] + [[f"Person {i}", f"+20 100 {3000000 + i:07d}"]
                                   for i in range(start, start + n)]


def chat_ids(sandbox: SandboxProcess) -> set[str]:
    return set(sandbox.state()["contacts"])


@pytest.fixture
def numbers(sandbox: SandboxProcess, other_sandbox: SandboxProcess,
            tmp_path: Path) -> Path:
    """An instances file: "Sales" on the first sandbox, "Support" on the second."""
    return instances_file(tmp_path / "config", {"Sales": sandbox, "Support": other_sandbox},
                          rate=0, concurrency=1)


@pytest.fixture
def serve_numbers(tmp_path: Path) -> Iterator[Callable[..., PageClient]]:
    """Start the app with the numbers of an instances file (read as the server reads it)."""
    servers: list[AppServer] = []
    clients: list[PageClient] = []

    def start(path: Path, *, data_dir: Path = tmp_path / "data") -> PageClient:
        server_options = ImportOptions(input=Path(), max_attempts=2, rate=0)
        instances, _ = read_instances(path, server_options)
        server = AppServer(create_app(server_options, data_dir=data_dir,
                                      instances=instances)).__enter__()
        servers.append(server)
        client = PageClient(server.url)
        clients.append(client)
        return client

    yield start
    for client in clients:
        client.close()
    for server in servers:
        server.__exit__(None, None, None)


def upload_to(client: PageClient, path: Path, number: str | None) -> dict:
    params = {"name": path.name, **({"instance": number} if number else {})}
    response = client.change("POST", "/api/jobs", params=params, content=path.read_bytes(),
                             headers={"Content-Type": "application/octet-stream"})
    assert response.status_code == 201, response.text
    return client.wait(response.json()["id"])


# -- which number ---------------------------------------------------------------------------------

def test_info_lists_the_numbers_and_never_a_token(serve_numbers: Callable[..., PageClient],
                                                  numbers: Path, sandbox: SandboxProcess,
                                                  other_sandbox: SandboxProcess) -> None:
    client = serve_numbers(numbers)
    info = client.get("/api/info").json()
    assert [(n["name"], n["instance_id"], n["base_url"], n["can_import"])
            for n in info["instances"]] == [
        ("Sales", sandbox.instance_id, sandbox.base_url, True),
        ("Support", other_sandbox.instance_id, other_sandbox.base_url, True)]
    # the first number is the default one, as the one number of a server without a file
    assert info["instance_id"] == sandbox.instance_id
    text = json.dumps(info) + client.get("/").text
    assert sandbox.token not in text and other_sandbox.token not in text


def test_an_upload_names_its_number_when_there_are_several(
        serve_numbers: Callable[..., PageClient], numbers: Path, tmp_path: Path) -> None:
    client = serve_numbers(numbers)
    path = write_csv(tmp_path / "few.csv", contacts(2))
    unnamed = client.upload(path.read_bytes(), "few.csv")
    assert unnamed.status_code == 400
    assert "choose the number" in unnamed.json()["error"]
    assert "'Sales'" in unnamed.json()["error"] and "'Support'" in unnamed.json()["error"]
    unknown = client.change("POST", "/api/jobs", params={"name": "few.csv", "instance": "Nope"},
                            content=path.read_bytes())
    assert unknown.status_code == 400 and "no number called 'Nope'" in unknown.json()["error"]
    assert client.get("/api/jobs").json()["jobs"] == []  # nothing half made
    job = upload_to(client, path, "Support")
    assert job["instance"] == "Support"
    assert client.get("/api/jobs").json()["jobs"][0]["instance"] == "Support"


def test_each_number_starts_jobs_with_its_own_region(
        serve_numbers: Callable[..., PageClient], sandbox: SandboxProcess,
        other_sandbox: SandboxProcess, tmp_path: Path) -> None:
    """No default_region: each number's own WhatsApp number gives it (the first sandbox is
    +1 555…, the second +20 100…); a default_region in the file wins over it."""
    path = instances_file(tmp_path / "config", {"Sales": sandbox, "Support": other_sandbox,
                                                "Billing": {}})
    text = path.read_text() + (f'instance_id = "billing"\ntoken_file = "sales.token"\n'
                               f'base_url = "{sandbox.base_url}"\ndefault_region = "sa"\n')
    path.write_text(text)
    client = serve_numbers(path)
    file = write_csv(tmp_path / "one.csv", contacts(1))
    assert upload_to(client, file, "Sales")["settings"]["default_region"] == "US"
    assert upload_to(client, file, "Support")["settings"]["default_region"] == "EG"
    assert upload_to(client, file, "Billing")["settings"]["default_region"] == "SA"
    regions = {n["name"]: n["default_region"] for n in client.get("/api/info").json()["instances"]}
    assert regions == {"Sales": "US", "Support": "EG", "Billing": "SA"}


# -- two numbers at once, each its own record ---------------------------------------------------

def test_two_numbers_import_at_once_into_their_own_address_books(
        serve_numbers: Callable[..., PageClient], sandbox: SandboxProcess,
        other_sandbox: SandboxProcess, tmp_path: Path) -> None:
    """Each at its own pace: Sales one request at a time, Support three."""
    numbers = instances_file(tmp_path / "config", {
        "Sales": {"instance_id": sandbox.instance_id, "token_file": "sales.token",
                  "base_url": sandbox.base_url, "concurrency": 1, "rate": 0},
        "Support": {"instance_id": other_sandbox.instance_id, "token_file": "support.token",
                    "base_url": other_sandbox.base_url, "concurrency": 3, "rate": 0}})
    (tmp_path / "config" / "sales.token").write_text(sandbox.token)
    (tmp_path / "config" / "support.token").write_text(other_sandbox.token)
    for box in (sandbox, other_sandbox):
        box.configure(latency=0.05)  # long enough for both imports to be seen running
    client = serve_numbers(numbers)
    sales = upload_to(client, write_csv(tmp_path / "sales.csv", contacts(30)), "Sales")
    support = upload_to(client, write_csv(tmp_path / "support.csv", contacts(30, start=100)),
                        "Support")
    for job in (sales, support):
        assert client.change("POST", f"/api/jobs/{job['id']}/import").status_code == 202
    both_running = False
    phases: set[str] = set()
    deadline = time.monotonic() + 60
    while True:
        assert time.monotonic() < deadline, "the imports did not end"
        now = [client.job(sales["id"]), client.job(support["id"])]
        phases |= {job["phase"] for job in now}
        assert not any(job["waiting_for"] for job in now), "one number waited for the other"
        if all(job["phase"] == "importing" and job["progress"]["done"] > 0 for job in now):
            both_running = True
        if all(job["phase"] in ("done", "failed", "interrupted") for job in now):
            break
        time.sleep(0.02)
    assert both_running, f"the imports never ran at the same time ({sorted(phases)})"
    assert [client.job(j["id"])["summary"]["counts"] for j in (sales, support)] == [
        {"ok": 30}, {"ok": 30}]
    assert sandbox.state()["max_puts_in_flight"] == 1
    assert 1 < other_sandbox.state()["max_puts_in_flight"] <= 3
    assert chat_ids(sandbox) == {f"20100{3000000 + i:07d}@c.us" for i in range(30)}
    assert chat_ids(other_sandbox) == {f"20100{3000000 + i:07d}@c.us"
                                       for i in range(100, 130)}


def test_the_ledger_keeps_the_numbers_apart(serve_numbers: Callable[..., PageClient],
                                            numbers: Path, sandbox: SandboxProcess,
                                            other_sandbox: SandboxProcess,
                                            tmp_path: Path) -> None:
    """The same file on the other number is sent there, not "already in the address book";
    on its own number again, it is."""
    client = serve_numbers(numbers)
    path = write_csv(tmp_path / "weekly.csv", contacts(5))
    first = upload_to(client, path, "Sales")
    assert import_and_wait(client, first["id"])["summary"]["counts"] == {"ok": 5}
    other = upload_to(client, path, "Support")
    assert other["to_send"] == 5 and other["preview"]["already"] is None  # none there
    assert import_and_wait(client, other["id"])["summary"]["counts"] == {"ok": 5}
    assert chat_ids(other_sandbox) == chat_ids(sandbox) and len(chat_ids(sandbox)) == 5
    again = upload_to(client, path, "Support")
    assert again["to_send"] == 0 and again["preview"]["already"]["count"] == 5
    # "Send again anyway" goes to the job's own number
    puts = (sandbox.state()["puts"], other_sandbox.state()["puts"])
    response = client.change("POST", f"/api/jobs/{again['id']}/resend")
    assert response.status_code == 202, response.text
    resent = client.wait(again["id"], ("done", "failed", "interrupted"))
    assert resent["summary"]["counts"] == {"ok": 5}
    assert (sandbox.state()["puts"], other_sandbox.state()["puts"]) == (puts[0], puts[1] + 5)


def test_no_token_in_any_answer_or_file(serve_numbers: Callable[..., PageClient],
                                        numbers: Path, sandbox: SandboxProcess,
                                        other_sandbox: SandboxProcess, tmp_path: Path) -> None:
    client = serve_numbers(numbers, data_dir=tmp_path / "data")
    path = write_csv(tmp_path / "c.csv", contacts(3))
    answers = []
    for number in ("Sales", "Support"):
        job = upload_to(client, path, number)
        answers.append(json.dumps(import_and_wait(client, job["id"])))
        for name in ("results.csv", "results.xlsx", "preview.csv"):
            answers.append(client.get(f"/jobs/{job['id']}/download/{name}").text)
    answers += [client.get("/api/jobs").text, client.get("/api/info").text]
    for token in (sandbox.token, other_sandbox.token):
        assert not any(token in text for text in answers)
        for file in files_under(tmp_path / "data"):
            assert token.encode() not in file.read_bytes(), file


# -- rows fixed in place, remembered mappings ----------------------------------------------------

def test_a_fix_is_sent_to_its_jobs_number_and_the_mapping_remembered_there_only(
        serve_numbers: Callable[..., PageClient], numbers: Path, sandbox: SandboxProcess,
        other_sandbox: SandboxProcess, tmp_path: Path) -> None:
    """A job on the second number: its fixed row goes to that number's address book, and
    the mapping of its import is proposed for the next file with its headers on that
    number, never on the other one (the key is the job's number, not the server's)."""
    data = tmp_path / "data"
    client = serve_numbers(numbers, data_dir=data)
    rows = contacts(2)
    rows[2][1] = "+20 100 12"  # row 3: too short, fixed on the page
    job = upload_to(client, write_csv(tmp_path / "crm.csv", rows), "Support")
    assert [r["row"] for r in job["preview"]["fix_rows"]["rows"]] == [3]

    response = client.change("POST", f"/api/jobs/{job['id']}/fixes",
                             json={"row": 3, "field": "phone", "value": "+20 100 765 4321"})
    assert response.status_code == 200, response.text
    assert response.json()["row"]["chat_id"] == "201007654321@c.us"
    client.wait(job["id"])
    done = import_and_wait(client, job["id"])

    assert done["summary"]["counts"] == {"ok": 2}
    assert "201007654321@c.us" in chat_ids(other_sandbox)
    assert chat_ids(sandbox) == set()
    fixed = client.get("/api/activity", params={"action": "fix"}).json()["entries"]
    assert [(e["job"], e["number"], e["detail"]) for e in fixed] == [
        (job["id"], "Support", "row 3, phone")]  # never the number typed

    later = write_csv(tmp_path / "crm-next.csv", contacts(1, start=10))
    on_support = upload_to(client, later, "Support")
    on_sales = upload_to(client, later, "Sales")
    assert on_support["remembered"]["text"].startswith("Mapping as for crm.csv on ")
    assert on_sales["remembered"] is None
    store = MappingStore(data / "mappings.sqlite")
    assert store.files(instance_key(other_sandbox.base_url, other_sandbox.instance_id)) == [
        "crm.csv"]
    assert store.files(instance_key(sandbox.base_url, sandbox.instance_id)) == []


# -- a restart --------------------------------------------------------------------------------

def test_a_job_whose_number_is_gone_says_so_and_cannot_send(
        serve_numbers: Callable[..., PageClient], numbers: Path, sandbox: SandboxProcess,
        tmp_path: Path) -> None:
    data = tmp_path / "data"
    client = serve_numbers(numbers, data_dir=data)
    job = upload_to(client, write_csv(tmp_path / "c.csv", contacts(3)), "Support")
    assert job["can"]["import"]
    only_sales = instances_file(tmp_path / "later", {"Sales": sandbox})
    client = serve_numbers(only_sales, data_dir=data)  # the next start, with one number
    job = client.job(job["id"])
    assert "number 'Support' is no longer configured" in job["message"]
    assert not job["can"]["import"] and not job["can"]["resend"]
    refused = client.change("POST", f"/api/jobs/{job['id']}/import")
    assert refused.status_code == 409
    assert "no longer configured" in refused.json()["error"]
    assert chat_ids(sandbox) == set()


def test_a_renamed_number_keeps_its_jobs(serve_numbers: Callable[..., PageClient],
                                         numbers: Path, sandbox: SandboxProcess,
                                         other_sandbox: SandboxProcess,
                                         tmp_path: Path) -> None:
    data = tmp_path / "data"
    client = serve_numbers(numbers, data_dir=data)
    job = upload_to(client, write_csv(tmp_path / "c.csv", contacts(3)), "Support")
    renamed = instances_file(tmp_path / "later", {"Sales": sandbox, "Help desk": other_sandbox},
                             rate=0, concurrency=1)
    client = serve_numbers(renamed, data_dir=data)  # "Support" is called "Help desk" now
    found = client.job(job["id"])
    assert found["instance"] == "Help desk" and found["can"]["import"], found["message"]
    assert import_and_wait(client, job["id"])["summary"]["counts"] == {"ok": 3}
    assert len(chat_ids(other_sandbox)) == 3 and chat_ids(sandbox) == set()


def test_a_name_pointed_at_another_instance_is_not_the_jobs_number(
        serve_numbers: Callable[..., PageClient], numbers: Path, sandbox: SandboxProcess,
        other_sandbox: SandboxProcess, tmp_path: Path) -> None:
    data = tmp_path / "data"
    client = serve_numbers(numbers, data_dir=data)
    job = upload_to(client, write_csv(tmp_path / "c.csv", contacts(3)), "Support")
    # "Support" now names the first sandbox's instance: the job was checked for another
    # address book, and is never sent to this one
    repointed = instances_file(tmp_path / "later", {"Support": sandbox}, rate=0)
    client = serve_numbers(repointed, data_dir=data)
    found = client.job(job["id"])
    assert not found["can"]["import"]
    assert "made for number 'Support' when it was another instance" in found["message"]
    refused = client.change("POST", f"/api/jobs/{job['id']}/import")
    assert refused.status_code == 409, refused.text
    assert chat_ids(sandbox) == set() and chat_ids(other_sandbox) == set()


def test_the_one_number_of_the_environment_keeps_its_jobs_in_an_instances_file(
        serve_numbers: Callable[..., PageClient], sandbox: SandboxProcess,
        tmp_path: Path) -> None:
    data = tmp_path / "data"
    one = ImportOptions(input=Path(), base_url=sandbox.base_url,
                        instance_id=sandbox.instance_id, access_token=sandbox.token,
                        max_attempts=2, rate=0)
    with AppServer(create_app(one, data_dir=data)) as server:
        first = PageClient(server.url)
        job = upload_to(first, write_csv(tmp_path / "c.csv", contacts(3)), None)
        first.close()
        assert job["can"]["import"], job["message"]
    # the server moves to an instances file naming that instance "Sales"
    client = serve_numbers(instances_file(tmp_path / "later", {"Sales": sandbox}, rate=0),
                           data_dir=data)
    found = client.job(job["id"])
    assert found["instance"] == "Sales" and found["can"]["import"], found["message"]
    assert import_and_wait(client, job["id"])["summary"]["counts"] == {"ok": 3}
    assert len(chat_ids(sandbox)) == 3


def test_a_job_keeps_its_number_across_a_restart(serve_numbers: Callable[..., PageClient],
                                                 numbers: Path, sandbox: SandboxProcess,
                                                 other_sandbox: SandboxProcess,
                                                 tmp_path: Path) -> None:
    data = tmp_path / "data"
    client = serve_numbers(numbers, data_dir=data)
    job = upload_to(client, write_csv(tmp_path / "c.csv", contacts(4)), "Support")
    saved = json.loads((data / "jobs" / job["id"] / "state.json").read_text())
    assert saved["instance"] == "Support"
    client = serve_numbers(numbers, data_dir=data)  # restarted, the same numbers
    assert import_and_wait(client, job["id"])["summary"]["counts"] == {"ok": 4}
    assert len(chat_ids(other_sandbox)) == 4 and chat_ids(sandbox) == set()


# -- the instances file -----------------------------------------------------------------------

def test_an_instances_file_gives_each_number_its_own_options(tmp_path: Path) -> None:
    folder = tmp_path / "config"
    folder.mkdir()
    (folder / "sales.token").write_text("\ufefftok-sales\n")  # as Notepad saves it
    (folder / "sales.token").chmod(0o600)
    (folder / "support.token").write_text("tok-support")
    (folder / "support.token").chmod(0o644)
    path = instances_file(folder, {
        "Sales": {"instance_id": "S1", "token_file": "sales.token", "default_region": "eg",
                  "rate": 20, "concurrency": 8},
        "Support": {"instance_id": "S2", "token_file": str(folder / "support.token"),
                    "base_url": "https://eu.example.com/"}})
    server = ImportOptions(input=Path(), rate=5, concurrency=2, default_region="SA",
                           max_attempts=3)
    instances, warnings = read_instances(path, server)
    sales, support = (i.options for i in instances)
    assert [i.name for i in instances] == ["Sales", "Support"]
    assert (sales.instance_id, sales.access_token, sales.default_region, sales.rate,
            sales.concurrency, sales.base_url) == ("S1", "tok-sales", "EG", 20.0, 8,
                                                   server.base_url)
    # what an entry does not set is the server's
    assert (support.instance_id, support.access_token, support.default_region, support.rate,
            support.concurrency, support.base_url) == ("S2", "tok-support", "SA", 5.0, 2,
                                                       "https://eu.example.com")
    assert sales.max_attempts == support.max_attempts == 3
    assert warnings == [f"warning: token file {folder / 'support.token'} is readable by other "
                        f"users; run: chmod 600 {folder / 'support.token'}"]
    assert "tok-" not in json.dumps([i.view() for i in instances])


def serve_with(path: Path, tmp_path: Path, *extra: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    code = serve.main(["--instances", str(path), "--data-dir", str(tmp_path / "data"),
                       "--port", "0", *extra], env={}, out=out, err=err)
    return code, out.getvalue() + err.getvalue()


@pytest.mark.parametrize(("entry", "expected"), [
    ({"instance_id": "a", "token_file": "missing.token"},
     "[[instance]] number 1 ('Sales'): token_file: cannot read"),
    ({"instance_id": "a"}, "[[instance]] number 1 ('Sales'): token_file is missing"),
    ({"instance_id": "a", "token_file": "t", "rate": "fast"},
     "[[instance]] number 1 ('Sales'): rate must be a number"),
    ({"instance_id": "a", "token_file": "t", "concurrency": 0},
     "[[instance]] number 1 ('Sales'): concurrency must be a whole number"),
    ({"instance_id": "a", "token_file": "t", "default_region": "Egypt"},
     "[[instance]] number 1 ('Sales'): default_region 'Egypt' is not a country code"),
    ({"instance_id": "a", "token_file": "t", "base_url": "http://api.example.com"},
     "[[instance]] number 1 ('Sales'): base_url: refusing to send the access token in clear"),
    ({"instance_id": "a", "token_file": "t", "tokn": "x"},
     "[[instance]] number 1 ('Sales'): unknown key tokn"),
    ({"instance_id": "a", "token_file": "empty.token"},
     "[[instance]] number 1 ('Sales'): token_file: "),
])
def test_a_bad_instances_file_stops_the_start_naming_entry_and_key(
        tmp_path: Path, entry: dict, expected: str) -> None:
    folder = tmp_path / "config"
    folder.mkdir()
    (folder / "t").write_text("secret-token-1")
    (folder / "t").chmod(0o600)
    (folder / "empty.token").write_text("\n")
    path = instances_file(folder, {"Sales": entry})
    code, said = serve_with(path, tmp_path)
    assert code == EXIT_USAGE
    assert expected in said, said
    assert "secret-token-1" not in said
    assert not (tmp_path / "data").exists()  # nothing started


def test_two_entries_for_one_number_or_one_name_are_refused(tmp_path: Path) -> None:
    folder = tmp_path / "config"
    folder.mkdir()
    (folder / "t").write_text("tok")
    (folder / "t").chmod(0o600)
    same = {"instance_id": "a", "token_file": "t"}
    code, said = serve_with(instances_file(folder, {"Sales": same, "Support": same}), tmp_path)
    assert code == EXIT_USAGE
    assert "number 2 ('Support'): instance_id: the same instance as 'Sales'" in said
    text = (folder / "instances.toml").read_text().replace('"Support"', '"Sales"')
    (folder / "instances.toml").write_text(text)
    code, said = serve_with(folder / "instances.toml", tmp_path)
    assert code == EXIT_USAGE and "another number is called 'Sales'" in said
    (folder / "instances.toml").write_text("[[instance]\n")
    code, said = serve_with(folder / "instances.toml", tmp_path)
    assert code == EXIT_USAGE and "is not valid TOML" in said
    code, said = serve_with(folder / "instances.toml", tmp_path, "--instance-id", "x")
    assert code == EXIT_USAGE and "leave out --instance-id" in said


def test_a_killed_import_recovers_and_sends_the_rest_to_its_own_number(
        sandbox: SandboxProcess, other_sandbox: SandboxProcess, tmp_path: Path) -> None:
    """Killed mid-import on "Support": a restart without that number rebuilds the results
    but cannot send the rest; a restart with it sends the rest there, and nothing to Sales."""
    both = instances_file(tmp_path / "config", {"Sales": sandbox, "Support": other_sandbox},
                          rate=0, concurrency=2, default_region="EG")
    only_sales = instances_file(tmp_path / "later", {"Sales": sandbox}, default_region="EG")
    data = tmp_path / "data"
    total = 40
    with ServeProcess("--instances", both, "--data-dir", data, env={},
                      log=tmp_path / "serve1.log") as first:
        client = PageClient(first.url)
        job = upload_to(client, write_csv(tmp_path / "kill.csv", contacts(total)), "Support")
        other_sandbox.configure(latency=0.04)
        client.change("POST", f"/api/jobs/{job['id']}/import")
        deadline = time.monotonic() + 60
        while client.job(job["id"])["progress"]["done"] < 5:
            assert time.monotonic() < deadline, "the import did not start"
            time.sleep(0.01)
        first.kill()
        client.close()
    other_sandbox.configure(replace=True)
    sent_at_kill = len(chat_ids(other_sandbox))

    with ServeProcess("--instances", only_sales, "--data-dir", data, env={},
                      log=tmp_path / "serve2.log") as second:
        client = PageClient(second.url)
        found = client.wait(job["id"], ("interrupted", "done"))
        assert found["phase"] == "interrupted" and found["remaining"]
        assert "number 'Support' is no longer configured" in found["message"]
        assert not found["can"]["send_remaining"]
        refused = client.change("POST", f"/api/jobs/{job['id']}/remaining")
        assert refused.status_code == 409, refused.text
        client.close()
    assert len(chat_ids(other_sandbox)) == sent_at_kill

    with ServeProcess("--instances", both, "--data-dir", data, env={},
                      log=tmp_path / "serve3.log") as third:
        client = PageClient(third.url)
        found = client.wait(job["id"], ("interrupted", "done"))
        assert found["can"]["send_remaining"], found["message"]
        response = client.change("POST", f"/api/jobs/{job['id']}/remaining")
        assert response.status_code == 202, response.text
        done = client.wait(job["id"], ("done", "failed"))
        client.close()
    assert done["summary"]["counts"] == {"ok": total}, done["message"]
    assert chat_ids(other_sandbox) == {f"20100{3000000 + i:07d}@c.us" for i in range(total)}
    assert chat_ids(sandbox) == set()
    for log in (first.log(), second.log(), third.log()):
        assert sandbox.token not in log and other_sandbox.token not in log
