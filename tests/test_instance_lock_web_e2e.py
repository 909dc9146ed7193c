"""The web page and the command line share the instance's lock: an import from the page
waits for a command-line import on the same instance, and says so."""

from __future__ import annotations

import time
from pathlib import Path

from importer import ImportOptions
from importer.web import create_app
from tests.support.cli import Cli, write_csv
from tests.support.sandbox import SandboxProcess
from tests.web.support import AppServer, PageClient, upload_and_check

N = 40
CONCURRENCY = 4


def test_an_import_from_the_page_waits_for_a_command_line_import(
        sandbox: SandboxProcess, tmp_path: Path, background: list[Cli]) -> None:
    book = write_csv(tmp_path / "book.csv", [["Name", "Phone"]] + [
        [f"Person {i}", f"0100 000 {i:04d}"] for i in range(N)])
    page_book = write_csv(tmp_path / "page.csv", [["Name", "Phone"]] + [
        [f"Other {i}", f"0100 100 {i:04d}"] for i in range(N)])
    options = ImportOptions(input=Path(), base_url=sandbox.base_url,
                            instance_id=sandbox.instance_id, access_token=sandbox.token,
                            default_region="EG", rate=0, concurrency=CONCURRENCY)
    app = create_app(options, data_dir=tmp_path / "data", host="127.0.0.1")
    with AppServer(app) as server:
        client = PageClient(server.url)
        job = upload_and_check(client, page_book)
        assert job["phase"] == "checked", job

        sandbox.configure(latency=0.5)  # still sending when the page starts
        cli = Cli([book, "--default-region", "EG", "--no-progress", "--rate", "0",
                   "--concurrency", str(CONCURRENCY)], sandbox.env(), tmp_path)
        background.append(cli)
        cli.wait_for_lines(tmp_path / "book.results.csv.journal.jsonl", 3)

        response = client.change("POST", f"/api/jobs/{job['id']}/import")
        assert response.status_code == 202, response.text
        deadline = time.monotonic() + 30
        while "command-line import" not in (waiting := client.job(job["id"]))["message"]:
            assert waiting["phase"] in ("waiting", "importing"), waiting
            assert time.monotonic() < deadline, waiting
            time.sleep(0.02)
        assert waiting["phase"] == "waiting" and waiting["progress"]["done"] == 0
        assert cli.process.poll() is None  # still sending: the page waits for it
        sandbox.configure(latency=0)

        assert cli.wait() == 0, cli.output()
        done = client.wait(job["id"], ("done", "failed", "interrupted"), timeout=60)
        assert done["phase"] == "done" and done["message"] == "", done
        client.close()
    state = sandbox.state()
    assert len(state["contacts"]) == 2 * N
    assert set(state["put_counts"].values()) == {1}
    assert state["max_puts_in_flight"] <= CONCURRENCY  # never both at once
