"""The page sends only what changed, with no box to tick: the ledger decides every import
(the same ledger and statuses as the command's)."""

from __future__ import annotations

from pathlib import Path

from importer import ImportOptions
from importer.web import create_app
from tests.support.cli import write_csv
from tests.support.sandbox import SandboxProcess
from tests.web.support import AppServer, PageClient, import_and_wait, upload_and_check


def test_an_import_skips_what_the_last_import_wrote(sandbox: SandboxProcess,
                                                    tmp_path: Path) -> None:
    data_dir = tmp_path / "wawp-data"
    options = ImportOptions(input=Path(), base_url=sandbox.base_url,
                            instance_id=sandbox.instance_id, access_token=sandbox.token,
                            default_region="EG", rate=0, concurrency=4,
                            ledger=data_dir / "ledger.sqlite")
    rows = [["Name", "Mobile"]] + [[f"Person {i}", f"0100 {2000000 + i:07d}"] for i in range(6)]
    source = write_csv(tmp_path / "week.csv", rows)
    with AppServer(create_app(options, data_dir=data_dir)) as server:
        client = PageClient(server.url)
        first = upload_and_check(client, source)
        assert "changed_only" not in first["settings"]
        assert import_and_wait(client, first["id"])["summary"]["counts"] == {"ok": 6}

        rows[1 + 3][0] = "Somebody Else"  # the row of 0100 2000003
        again = upload_and_check(client, write_csv(source, rows))
        assert again["preview"]["counts"] == {"ready": 1, "unchanged": 5}  # the check says so
        done = import_and_wait(client, again["id"])
        assert done["summary"]["counts"] == {"ok": 1, "unchanged": 5}
        client.close()
    state = sandbox.state()
    assert state["puts"] == 7
    assert state["contacts"]["201002000003@c.us"] == {"firstName": "Somebody",
                                                      "lastName": "Else"}


def test_an_empty_ledger_stops_the_import_and_the_page_says_what_to_do(
        sandbox: SandboxProcess, tmp_path: Path) -> None:
    data_dir = tmp_path / "wawp-data"
    ledger = data_dir / "ledger.sqlite"
    ledger.parent.mkdir(parents=True)
    ledger.write_bytes(b"")  # truncated: without it every contact would be sent again
    options = ImportOptions(input=Path(), base_url=sandbox.base_url,
                            instance_id=sandbox.instance_id, access_token=sandbox.token,
                            default_region="EG", rate=0, concurrency=4, ledger=ledger)
    rows = [["Name", "Mobile"]] + [[f"Person {i}", f"0100 {2000000 + i:07d}"] for i in range(3)]
    with AppServer(create_app(options, data_dir=data_dir)) as server:
        client = PageClient(server.url)
        # the check reads the ledger (what is already in the address book): it stops there
        job = upload_and_check(client, write_csv(tmp_path / "week.csv", rows))
        refused = client.change("POST", f"/api/jobs/{job['id']}/import")
        client.close()
    assert job["phase"] == "invalid" and refused.status_code == 409
    assert job["message"] == (
        f"Nothing was sent: the ledger {ledger} is empty (0 bytes) although it should hold "
        "what was sent, and without it every contact would be sent again. Ask whoever runs "
        "the server to restore it from a backup, rebuild it from earlier results (wawp-import "
        f"ledger rebuild RESULTS.csv --instance ID --ledger {ledger}) or start afresh "
        f"(wawp-import ledger reset --ledger {ledger}; every contact will then be sent again).")
    assert sandbox.state()["requests"] == 0
    assert ledger.read_bytes() == b""
