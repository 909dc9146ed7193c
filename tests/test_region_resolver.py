"""One region resolver for the command and the page: the region given, else the instance's
own number's, else the one the numbers are plainly written in; and the page never says
"No region is set" about numbers it read in a region."""

from __future__ import annotations

from pathlib import Path

from importer import ImportOptions
from importer.normalize.region_fit import infer_region, resolve_region
from importer.web import create_app
from tests.support.cli import read_results, run_cli, write_csv
from tests.support.sandbox import SandboxProcess
from tests.web.support import AppServer, PageClient, upload_and_check

US = [f"(201) 555-{100 + i:04d}" for i in range(8)]
EG = [f"0100 {5000000 + i:07d}" for i in range(8)]
#: Saudi mobiles that are Emirati mobiles too: no single region.
GULF = [f"050 {1000000 + i * 7:07d}" for i in range(8)]


def _file(path: Path, numbers: list[str]) -> Path:
    return write_csv(path, [["Name", "Phone"]] + [[f"P {i}", n] for i, n in enumerate(numbers)])


def test_the_rule_given_then_the_instance_then_the_numbers() -> None:
    assert resolve_region("GB", chat_id="201001234567@c.us", cells=US).region == "GB"
    instance = resolve_region(None, chat_id="201001234567@c.us", cells=US)
    assert (instance.region, instance.source) == ("EG", "the instance's number +20…")
    inferred = resolve_region(None, cells=EG)
    assert inferred.region == "EG" and inferred.source.startswith("the numbers: 8 of the 8")
    assert resolve_region(None, cells=GULF).region is None  # two regions fit: none is chosen
    assert resolve_region(None, cells=EG[:3]).region is None  # too few to tell
    assert infer_region(["+20 100 500 0000"] * 8) is None  # international: nothing to infer


def test_the_command_infers_the_region_and_says_so(tmp_path: Path) -> None:
    """No region, no credentials (a dry run): the numbers are plainly Egyptian."""
    source = _file(tmp_path / "eg.csv", EG)
    done = run_cli([source, "--no-progress", "--dry-run"])
    assert done.returncode == 0, done.stderr
    assert ("Region EG, from the numbers: 8 of the 8 written without a country code in the "
            "first rows are valid only in Egypt; --default-region to change.") in done.stderr
    results = read_results(tmp_path / "eg.dry-run.csv")
    assert [r["chat_id"] for r in results] == [f"20100{5000000 + i:07d}@c.us" for i in range(8)]
    ambiguous = run_cli([_file(tmp_path / "gulf.csv", GULF), "--no-progress", "--dry-run"])
    assert "Region" not in ambiguous.stderr
    assert {r["status"] for r in read_results(tmp_path / "gulf.dry-run.csv")} == {"invalid"}


def test_the_page_and_the_command_decide_alike_and_the_page_never_denies_it(
        sandbox: SandboxProcess, tmp_path: Path) -> None:
    """No region on the server, and the user cleared the job's: the check reads the numbers
    in the instance's region (the sandbox's +1 555…: US), as the command does, and says so;
    it used to warn "No region is set" over 8 numbers it had read as US ones."""
    source = _file(tmp_path / "us.csv", US)
    command = run_cli([source, "--no-progress", "--dry-run"], env=sandbox.env())
    assert "Region US, from the instance's number +1…" in command.stderr
    options = ImportOptions(input=Path(), base_url=sandbox.base_url,
                            instance_id=sandbox.instance_id, access_token=sandbox.token, rate=0)
    with AppServer(create_app(options, data_dir=tmp_path / "data")) as server:
        client = PageClient(server.url)
        job = upload_and_check(client, source)
        response = client.change("POST", f"/api/jobs/{job['id']}/settings",
                                 json={**job["settings"], "default_region": ""})
        assert response.status_code == 200, response.text
        job = client.wait(response.json()["id"])
        client.close()
    assert job["settings"]["default_region"] is None
    assert job["preview"]["counts"] == {"ready": 8}
    assert job["region_warning"] is None
    assert job["region"] == {"code": "US", "source": "the instance's number +1…"}


def test_the_page_infers_the_region_as_the_command_does(tmp_path: Path) -> None:
    """A server without an instance (it can check, not import): the region is the one the
    numbers are plainly written in, and the page names where it came from."""
    options = ImportOptions(input=Path(), rate=0)
    with AppServer(create_app(options, data_dir=tmp_path / "data")) as server:
        client = PageClient(server.url)
        egypt = upload_and_check(client, _file(tmp_path / "eg.csv", EG))
        gulf = upload_and_check(client, _file(tmp_path / "gulf.csv", GULF))
        client.close()
    assert egypt["region"]["code"] == "EG"
    assert egypt["region"]["source"].startswith("the numbers: 8 of the 8")
    assert egypt["preview"]["counts"] == {"ready": 8} and egypt["region_warning"] is None
    # no region at all: then, and only then, the page says so
    assert gulf["region"] == {"code": None, "source": ""}
    assert gulf["region_warning"].startswith("No region is set")
