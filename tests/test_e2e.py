"""The whole path, as a user runs it: the real CLI against the real sandbox over loopback."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.cli import SAMPLES, read_results, run_cli, write_csv
from tests.support.sandbox import SandboxProcess

CONTACTS = [
    ["Name", "Phone"],
    ["John Doe", "+20 100 123 4567"],
    ["Doe, Jane", "0100 123 4568"],
    ["Ali", "01001234569"],
]


@pytest.fixture
def contacts_csv(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "contacts.csv", CONTACTS)


def test_sample_workbook_lands_in_the_address_book_row_by_row(sandbox: SandboxProcess,
                                                              tmp_path: Path) -> None:
    source = tmp_path / "contacts.xlsx"
    shutil.copy(SAMPLES / "contacts.xlsx", source)
    done = run_cli([source, "--default-region", "EG", "--rate", "0", "--no-progress"],
                   env=sandbox.env())
    assert done.returncode == 1, done.stderr  # the sample has invalid rows on purpose
    results = read_results(tmp_path / "contacts.results.csv")
    assert [int(r["row"]) for r in results] == list(range(2, 52))
    book = sandbox.state()["contacts"]
    sent = {r["chat_id"]: r for r in results if r["status"] == "ok"}
    assert set(book) == set(sent)
    for chat_id, row in sent.items():
        assert book[chat_id] == {"firstName": row["first_name"], "lastName": row["last_name"]}
        assert row["attempts"] == "1" and row["http_status"] == "200"
    by_row = {int(r["row"]): r for r in results}
    assert by_row[2]["chat_id"] == "201001234567@c.us"
    assert (by_row[2]["first_name"], by_row[2]["last_name"]) == ("Ahmed", "Hassan")
    assert by_row[30]["status"] == "duplicate" and "row 2" in by_row[30]["detail"]
    assert by_row[28]["status"] == "invalid" and "phone" in by_row[28]["detail"]
    assert by_row[6]["chat_id"] == "201001234568@c.us"  # Excel stored it as a number
    assert sandbox.state()["puts"] == len(sent)
    assert sandbox.token not in done.stdout + done.stderr
    assert "Results:" in done.stdout


def test_input_columns_follow_the_result_columns_unchanged(sandbox: SandboxProcess,
                                                           contacts_csv: Path) -> None:
    done = run_cli([contacts_csv, "--default-region", "EG", "--rate", "0"], env=sandbox.env())
    assert done.returncode == 0, done.stderr
    header = (contacts_csv.with_name("contacts.results.csv").read_text(encoding="utf-8-sig")
              .splitlines()[0])
    assert header == ("row,status,chat_id,first_name,last_name,attempts,http_status,detail,"
                      "code,params,Name,Phone")
    results = read_results(contacts_csv.with_name("contacts.results.csv"))
    assert [(r["status"], r["Name"], r["Phone"]) for r in results] == [
        ("ok", "John Doe", "+20 100 123 4567"), ("ok", "Doe, Jane", "0100 123 4568"),
        ("ok", "Ali", "01001234569")]
    assert sandbox.state()["contacts"]["201001234568@c.us"] == {"firstName": "Jane",
                                                                "lastName": "Doe"}
    assert sandbox.state()["contacts"]["201001234569@c.us"] == {"firstName": "Ali",
                                                                "lastName": ""}


def test_a_500_is_retried_and_then_succeeds(sandbox: SandboxProcess, contacts_csv: Path) -> None:
    sandbox.configure(fail_each_contact=1)
    done = run_cli([contacts_csv, "--default-region", "EG", "--rate", "0"], env=sandbox.env())
    assert done.returncode == 0, done.stderr
    results = read_results(contacts_csv.with_name("contacts.results.csv"))
    assert [(r["status"], r["attempts"], r["http_status"]) for r in results] == [
        ("ok", "2", "200")] * 3
    state = sandbox.state()
    assert set(state["put_counts"].values()) == {2}
    assert len(state["contacts"]) == 3


def test_a_400_is_not_retried_and_names_the_apis_reason(sandbox: SandboxProcess,
                                                        contacts_csv: Path) -> None:
    sandbox.configure(bad_request_chat_ids=["201001234568@c.us"])
    done = run_cli([contacts_csv, "--default-region", "EG", "--rate", "0"], env=sandbox.env())
    assert done.returncode == 1, done.stderr
    results = read_results(contacts_csv.with_name("contacts.results.csv"))
    bad = results[1]
    assert (bad["status"], bad["attempts"], bad["http_status"]) == ("failed", "1", "400")
    assert "400" in bad["detail"] and "Bad Request" in bad["detail"]
    assert [r["status"] for r in results] == ["ok", "failed", "ok"]
    assert sandbox.state()["put_counts"]["201001234568@c.us"] == 1


def test_a_401_aborts_the_run_with_exit_3(sandbox: SandboxProcess, tmp_path: Path) -> None:
    rows = [["Name", "Phone"]] + [[f"Person {i}", f"0100 000 {i:04d}"] for i in range(40)]
    source = write_csv(tmp_path / "many.csv", rows)
    sandbox.configure(unauthorized_after=11)  # the preflight is request 1
    done = run_cli([source, "--default-region", "EG", "--rate", "0", "--concurrency", "1"],
                   env=sandbox.env())
    assert done.returncode == 3, done.stderr
    assert "rejected the instance ID or access token" in done.stdout + done.stderr
    results = read_results(tmp_path / "many.results.csv")
    assert len(results) == 40
    statuses = [r["status"] for r in results]
    assert statuses[:10] == ["ok"] * 10
    assert statuses[10] == "failed" and results[10]["http_status"] == "401"
    assert statuses[11:] == ["not_attempted"] * 29
    assert all("rejected" in r["detail"] for r in results[11:])
    assert len(sandbox.state()["contacts"]) == 10
    assert sandbox.token not in done.stdout + done.stderr


def test_dry_run_sends_nothing(sandbox: SandboxProcess, contacts_csv: Path) -> None:
    done = run_cli([contacts_csv, "--default-region", "EG", "--dry-run"], env=sandbox.env())
    assert done.returncode == 0, done.stderr
    results = read_results(contacts_csv.with_name("contacts.dry-run.csv"))
    assert [r["status"] for r in results] == ["ready"] * 3
    assert sandbox.state()["requests"] == 0


def test_a_session_that_is_not_working_stops_before_sending(tmp_path: Path,
                                                           contacts_csv: Path) -> None:
    with SandboxProcess("--session-status", "SCAN_QR_CODE") as server:
        done = run_cli([contacts_csv, "--default-region", "EG"], env=server.env())
        assert done.returncode == 2
        assert "SCAN_QR_CODE" in done.stderr and "scan the QR" in done.stderr
        assert server.state()["puts"] == 0


def test_wrong_token_is_refused_by_the_preflight(sandbox: SandboxProcess,
                                                 contacts_csv: Path) -> None:
    env = sandbox.env() | {"WAWP_ACCESS_TOKEN": "wrong-token-1234"}
    done = run_cli([contacts_csv, "--default-region", "EG"], env=env)
    assert done.returncode == 3
    assert "rejected" in done.stderr and "wrong-token-1234" not in done.stderr
    assert sandbox.state()["puts"] == 0


@pytest.mark.parametrize(("args", "message"), [
    (["missing.csv"], "no such file"),
    (["{csv}", "--phone-column", "Telefon"], "'Telefon' not found"),
    (["{csv}", "--default-region", "XX"], "unknown region code"),
])
def test_unusable_commands_exit_2_with_one_clear_line(args: list[str], message: str,
                                                      contacts_csv: Path) -> None:
    args = [a.replace("{csv}", str(contacts_csv)) for a in args]
    done = run_cli([*args, "--dry-run"], cwd=contacts_csv.parent)
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_no_phone_column_names_the_columns_found(tmp_path: Path) -> None:
    source = write_csv(tmp_path / "x.csv", [["Name", "City"], ["A", "Cairo"]])
    done = run_cli([source, "--dry-run"])
    assert done.returncode == 2
    assert "no phone column" in done.stderr and "'City'" in done.stderr


def test_missing_credentials_exit_2(contacts_csv: Path) -> None:
    done = run_cli([contacts_csv, "--default-region", "EG"])
    assert done.returncode == 2
    assert "WAWP_ACCESS_TOKEN" in done.stderr


def test_console_script_and_module_are_the_same_command() -> None:
    script = Path(sys.executable).with_name("wawp-import")
    done = run_cli(["--version"])
    assert done.returncode == 0 and "wawp-import" in done.stdout
    same = subprocess.run([script, "--version"], capture_output=True, text=True, check=True)
    assert same.stdout == done.stdout
