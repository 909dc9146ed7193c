"""Issue 21 items 2 and 3 through the page's HTTP API, against the sandbox: fixing rows in
place (`POST /api/jobs/<id>/fixes`) and remembered mappings (`POST …/forget-mapping`),
with the command line sharing the same store."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from importer import ImportOptions
from importer.web import create_app
from tests.support.cli import read_results, run_cli, write_csv
from tests.support.sandbox import SandboxProcess
from tests.web.support import AppServer, PageClient, import_and_wait, upload_and_check

HEADERS = ["Client", "Landline", "WhatsApp", "Notes"]


@pytest.fixture
def ledger(tmp_path: Path) -> Path:
    return tmp_path / "shared" / "ledger.sqlite"


@pytest.fixture
def page(sandbox: SandboxProcess, tmp_path: Path, ledger: Path) -> Iterator[PageClient]:
    """The app on the sandbox's instance, its ledger (and remembered mappings) in `ledger`'s
    folder, as the command's would be with WAWP_LEDGER."""
    options = ImportOptions(input=Path(), base_url=sandbox.base_url,
                            instance_id=sandbox.instance_id, access_token=sandbox.token,
                            default_region="EG", rate=0, max_attempts=2, ledger=ledger)
    with AppServer(create_app(options, data_dir=tmp_path / "data")) as server:
        client = PageClient(server.url)
        yield client
        client.close()


def _fix(page: PageClient, job_id: str, **fix: object) -> dict[str, object]:
    response = page.change("POST", f"/api/jobs/{job_id}/fixes", json=fix)
    assert response.status_code == 200, response.text
    answer: dict[str, object] = response.json()
    return answer


def _upload(page: PageClient, path: Path) -> dict:
    job = upload_and_check(page, path)
    assert job["phase"] == "checked", job["message"]
    return job


def _crm(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "crm.csv", [
        ["Name", "Mobile"], ["Ahmed Hassan", "0100 123 4567"], ["Mona Ali", "0100 123"],
        ["", "0122 345 6789"]])


def test_the_check_lists_the_invalid_rows_with_the_reason_beside_the_cell(
        page: PageClient, tmp_path: Path) -> None:
    job = _upload(page, _crm(tmp_path))

    listed = job["preview"]["fix_rows"]
    assert listed["invalid"] == 2
    rows = {r["row"]: r for r in listed["rows"]}
    assert set(rows) == {3, 4}
    phone, name = rows[3]["cells"]
    assert (phone["role"], phone["column"], phone["value"], phone["cause"]) == (
        "phone", "Mobile", "0100 123", True)
    assert name["cause"] is False
    assert "phone" in rows[3]["detail"]
    assert [c["cause"] for c in rows[4]["cells"]] == [False, True]  # no name


def test_a_fixed_row_is_sent_with_the_job_and_the_results_say_it_was_fixed(
        page: PageClient, tmp_path: Path, sandbox: SandboxProcess) -> None:
    source = _crm(tmp_path)
    job = _upload(page, source)

    answer = _fix(page, job["id"], row=3, field="phone", value="0100 765 4321")
    assert answer["row"] == {"row": 3, "status": "ready", "chat_id": "201007654321@c.us",
                             "first_name": "Mona", "last_name": "Ali",
                             "detail": "fixed: 'Mobile'", "sends": True}
    answer = _fix(page, job["id"], row=4, field="Name", value="Omar Farouk")
    assert answer["row"]["status"] == "ready"
    job = page.wait(job["id"])
    assert job["preview"]["counts"] == {"ready": 3}
    assert job["preview"]["fix_rows"]["fixed"] == 2

    done = import_and_wait(page, job["id"])

    assert done["summary"]["counts"] == {"ok": 3}
    assert "201007654321@c.us" in sandbox.state()["contacts"]
    results = {r["row"]: r for r in read_results(_job_folder(tmp_path, job["id"])
                                                  / "results.csv")}
    assert results["3"]["Mobile"] == "0100 123"  # what the file said…
    assert results["3"]["chat_id"] == "201007654321@c.us"  # …and what was sent
    assert results["3"]["detail"] == "fixed: 'Mobile'"
    assert results["4"]["first_name"] == "Omar" and results["4"]["Name"] == ""
    assert "fixed" not in results["2"]["detail"]
    upload = _job_folder(tmp_path, job["id"]) / "upload" / "crm.csv"
    assert upload.read_bytes() == source.read_bytes()  # the upload is never changed
    fixes = json.loads((_job_folder(tmp_path, job["id"]) / "fixes.json").read_text("utf-8"))
    assert fixes["rows"] == {"3": {"Mobile": "0100 765 4321"}, "4": {"Name": "Omar Farouk"}}


def test_a_fix_still_invalid_says_why_and_a_fix_can_be_undone(page: PageClient,
                                                                tmp_path: Path) -> None:
    job = _upload(page, _crm(tmp_path))

    answer = _fix(page, job["id"], row=3, field="phone", value="0100 12")
    assert answer["row"]["status"] == "invalid" and answer["row"]["sends"] is False
    assert answer["row"]["detail"].startswith("phone: ")
    assert "fixed: 'Mobile'" in answer["row"]["detail"]
    listed = {r["row"]: r for r in page.wait(job["id"])["preview"]["fix_rows"]["rows"]}
    assert listed[3]["cells"][0]["fixed"] == "0100 12"

    duplicate = _fix(page, job["id"], row=3, field="phone", value="+20 100 123 4567")
    assert duplicate["row"]["status"] == "duplicate"
    assert duplicate["row"]["detail"].startswith("same number as row 2")

    undone = _fix(page, job["id"], row=3, field="phone", undo=True)
    assert undone["row"]["status"] == "invalid" and "fixed" not in undone["row"]["detail"]
    job = page.wait(job["id"])
    assert job["preview"]["fix_rows"]["fixed"] == 0
    assert not (_job_folder(tmp_path, job["id"]) / "fixes.json").exists()

    refused = page.change("POST", f"/api/jobs/{job['id']}/fixes",
                          json={"row": 3, "field": "Fax", "value": "1"})
    assert refused.status_code == 400 and "no column 'Fax'" in refused.json()["error"]


def _weekly(path: Path, rows: list[list[str]] | None = None) -> Path:
    return write_csv(path, [HEADERS, *(rows or [
        ["Ahmed Hassan", "0100 123 4567", "0111 234 5678", ""],
        ["Mona Ali", "0122 345 6789", "0100 765 4321", "vip"]])])


def test_the_page_proposes_the_mapping_of_the_last_import_and_forgets_it_on_request(
        page: PageClient, tmp_path: Path) -> None:
    first = _upload(page, _weekly(tmp_path / "crm-weekly.csv"))
    assert first["remembered"] is None
    assert first["table"]["headers"][first["columns"]["phone"]] == "WhatsApp"  # the guess
    changed = page.change("POST", f"/api/jobs/{first['id']}/settings",
                          json={"default_region": "EG", "phone_columns": ["Landline"],
                                "title_case": True})
    assert changed.status_code == 200, changed.text
    assert page.wait(first["id"])["columns"]["phone"] == 1
    assert import_and_wait(page, first["id"])["phase"] == "done"

    second = _upload(page, _weekly(tmp_path / "crm-next.csv"))

    assert second["remembered"]["text"].startswith("Mapping as for crm-weekly.csv on ")
    assert second["columns"]["phone"] == 1  # Landline, as last time
    assert second["settings"]["title_case"] is True

    forgotten = page.change("POST", f"/api/jobs/{second['id']}/forget-mapping")
    assert forgotten.status_code == 200, forgotten.text
    second = page.wait(second["id"])
    assert second["remembered"] is None
    assert second["columns"]["phone"] == 2  # the fresh guess
    assert second["settings"]["title_case"] is False
    assert _upload(page, _weekly(tmp_path / "crm-third.csv"))["remembered"] is None
    logged = page.get("/api/activity", params={"action": "forget_mapping"}).json()["entries"]
    assert [(e["job"], e["file"]) for e in logged] == [(second["id"], "crm-next.csv")]


def test_the_page_and_the_command_line_share_the_remembered_mappings(
        page: PageClient, tmp_path: Path, ledger: Path, sandbox: SandboxProcess) -> None:
    env = sandbox.env() | {"WAWP_LEDGER": str(ledger)}
    job = _upload(page, _weekly(tmp_path / "crm-weekly.csv"))
    page.change("POST", f"/api/jobs/{job['id']}/settings",
                json={"default_region": "EG", "phone_columns": ["Landline"]})
    page.wait(job["id"])
    assert import_and_wait(page, job["id"])["phase"] == "done"

    # the command line, on next week's file with the same headers, uses the page's mapping
    week2 = _weekly(tmp_path / "week2.csv", [["Omar Farouk", "0101 111 2222",
                                              "0112 222 3333", ""]])
    done = run_cli([week2], env=env)
    assert done.returncode == 0, done.stderr
    assert "Columns and settings as for crm-weekly.csv on " in done.stderr
    assert read_results(tmp_path / "week2.results.csv")[0]["chat_id"] == "201011112222@c.us"

    # and the page proposes the mapping of the command's import, by its file name
    week3 = _upload(page, _weekly(tmp_path / "week3.csv"))
    assert week3["remembered"]["text"].startswith("Mapping as for week2.csv on ")
    assert week3["columns"]["phone"] == 1


def _job_folder(tmp_path: Path, job_id: str) -> Path:
    return tmp_path / "data" / "jobs" / job_id



def test_a_fix_whose_column_is_gone_can_still_be_undone(page: PageClient,
                                                        tmp_path: Path) -> None:
    job = _upload(page, _crm(tmp_path))
    # a fix naming a column the file has not (as after the header row was changed)
    (_job_folder(tmp_path, job["id"]) / "fixes.json").write_text(
        json.dumps({"rows": {"3": {"Phone": "0100 123 4567"}}}), "utf-8")
    page.change("POST", f"/api/jobs/{job['id']}/settings", json={"default_region": "EG"})
    stuck = page.wait(job["id"])
    assert stuck["phase"] == "invalid" and "'Phone', which the file has not" in stuck["message"]

    response = page.change("POST", f"/api/jobs/{job['id']}/fixes", json={"row": 3, "undo": True})

    assert response.status_code == 200, response.text
    assert not (_job_folder(tmp_path, job["id"]) / "fixes.json").exists()
    assert page.wait(job["id"])["phase"] == "checked"

    (_job_folder(tmp_path, job["id"]) / "fixes.json").write_text(
        json.dumps({"rows": {"2": {"Phone": "1"}, "3": {"Mobile": "0100 123 4567"}}}), "utf-8")
    page.change("POST", f"/api/jobs/{job['id']}/settings", json={"default_region": "EG"})
    assert page.wait(job["id"])["has_fixes"] is True

    response = page.change("POST", f"/api/jobs/{job['id']}/fixes", json={"undo_all": True})

    assert response.status_code == 200, response.text
    job = page.wait(job["id"])
    assert job["phase"] == "checked" and job["has_fixes"] is False
