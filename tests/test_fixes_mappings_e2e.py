"""The command's side of issue 21 items 2 and 3, against the sandbox: a fixes file applied
as the rows are read (`--fixes`), and the mappings remembered per number and header row
(`--mapping-from`, `--no-remembered-mapping`)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.cli import read_results, run_cli, write_csv
from tests.support.sandbox import SandboxProcess

HEADERS = ["Client", "Landline", "WhatsApp", "Notes"]


def _weekly(path: Path, rows: list[list[str]] | None = None) -> Path:
    # Two phone-like columns: the importer's own guess is 'WhatsApp'; a team that wants
    # 'Landline' first says so once, and the mapping is remembered.
    return write_csv(path, [HEADERS, *(rows or [
        ["Ahmed Hassan", "0100 123 4567", "0111 234 5678", ""],
        ["Mona Ali", "0122 345 6789", "0100 765 4321", "vip"],
    ])])


def test_a_fixes_file_changes_what_is_sent_and_the_results_keep_what_the_file_said(
        tmp_path: Path, sandbox: SandboxProcess) -> None:
    source = write_csv(tmp_path / "crm.csv", [
        ["Name", "Mobile"], ["Ahmed Hassan", "0100 123"], ["Mona Ali", "0122 345 6789"]])
    before = source.read_bytes()
    fixes = tmp_path / "crm.fixes.json"
    fixes.write_text(json.dumps({"rows": {"2": {"Mobile": "0100 123 4567"}}}), "utf-8")

    done = run_cli([source, "--default-region", "EG", "--fixes", fixes],
                   env=sandbox.env() | {"WAWP_LEDGER": str(tmp_path / "ledger.sqlite")})

    assert done.returncode == 0, done.stderr
    assert "Fixes: 1 row from crm.fixes.json" in done.stderr
    rows = {r["row"]: r for r in read_results(tmp_path / "crm.results.csv")}
    assert rows["2"]["status"] == "ok"
    assert rows["2"]["chat_id"] == "201001234567@c.us"
    assert rows["2"]["Mobile"] == "0100 123"  # what the file said
    assert "fixed: 'Mobile'" in rows["2"]["detail"]
    assert "fixed" not in rows["3"]["detail"]
    assert "201001234567@c.us" in sandbox.state()["contacts"]
    assert source.read_bytes() == before


def test_a_fix_naming_a_column_the_file_has_not_stops_before_anything_is_sent(
        tmp_path: Path, sandbox: SandboxProcess) -> None:
    source = write_csv(tmp_path / "crm.csv", [["Name", "Mobile"], ["Ahmed", "0100 123 4567"]])
    fixes = tmp_path / "fixes.json"
    fixes.write_text(json.dumps({"rows": {"2": {"Phone": "0100 123 4567"}}}), "utf-8")

    done = run_cli([source, "--default-region", "EG", "--fixes", fixes], env=sandbox.env())

    assert done.returncode == 2
    assert "'Phone', which the file has not" in done.stderr
    assert sandbox.state()["contacts"] == {}


def test_the_mapping_of_an_import_is_used_for_the_next_file_with_the_same_headers(
        tmp_path: Path, sandbox: SandboxProcess) -> None:
    env = sandbox.env() | {"WAWP_LEDGER": str(tmp_path / "ledger.sqlite")}
    first = _weekly(tmp_path / "crm-weekly.csv")
    done = run_cli([first, "--default-region", "EG", "--phone-column", "Landline",
                    "--duplicates", "last"], env=env)
    assert done.returncode == 0, done.stderr

    second = _weekly(tmp_path / "crm-next.csv", [["Omar Farouk", "0101 111 2222",
                                                   "0112 222 3333", ""]])
    done = run_cli([second, "--dry-run"], env=env)

    assert done.returncode == 0, done.stderr
    assert "Columns and settings as for crm-weekly.csv on " in done.stderr
    assert "--no-remembered-mapping to choose afresh" in done.stderr
    assert "phone 'Landline'" in done.stderr
    [row] = read_results(tmp_path / "crm-next.dry-run.csv")
    assert row["chat_id"] == "201011112222@c.us"  # the Landline column, region EG remembered

    fresh = run_cli([second, "--dry-run", "--default-region", "EG",
                     "--no-remembered-mapping"], env=env)
    assert "as for crm-weekly.csv" not in fresh.stderr
    [row] = read_results(tmp_path / "crm-next.dry-run.csv")
    assert row["chat_id"] == "201122223333@c.us"  # the importer's own guess: WhatsApp

    flag = run_cli([second, "--dry-run", "--phone-column", "WhatsApp"], env=env)
    assert flag.returncode == 0, flag.stderr
    [row] = read_results(tmp_path / "crm-next.dry-run.csv")
    assert row["chat_id"] == "201122223333@c.us"  # a flag wins over the remembered mapping


def test_mapping_from_names_an_earlier_file_or_its_results(tmp_path: Path,
                                                            sandbox: SandboxProcess) -> None:
    env = sandbox.env() | {"WAWP_LEDGER": str(tmp_path / "ledger.sqlite")}
    first = _weekly(tmp_path / "crm-weekly.csv")
    assert run_cli([first, "--default-region", "EG", "--phone-column", "Landline"],
                   env=env).returncode == 0
    # other headers: only --mapping-from brings the remembered columns to it
    other = write_csv(tmp_path / "export.csv", [["Landline", "WhatsApp", "Client"],
                                                ["0101 111 2222", "0112 222 3333", "Omar"]])

    done = run_cli([other, "--dry-run", "--mapping-from", tmp_path / "crm-weekly.results.csv"],
                   env=env)

    assert done.returncode == 0, done.stderr
    assert "as for crm-weekly.csv on" in done.stderr and "(--mapping-from)" in done.stderr
    [row] = read_results(tmp_path / "export.dry-run.csv")
    assert row["chat_id"] == "201011112222@c.us"

    unknown = run_cli([other, "--dry-run", "--mapping-from", "nothing.csv"], env=env)
    assert unknown.returncode == 2
    assert "no mapping is remembered for that file" in unknown.stderr
    assert "remembered here: crm-weekly.csv" in unknown.stderr


def test_a_dry_run_remembers_nothing(tmp_path: Path, sandbox: SandboxProcess) -> None:
    env = sandbox.env() | {"WAWP_LEDGER": str(tmp_path / "ledger.sqlite")}
    first = _weekly(tmp_path / "crm-weekly.csv")
    assert run_cli([first, "--default-region", "EG", "--phone-column", "Landline",
                    "--dry-run"], env=env).returncode == 0

    done = run_cli([first, "--default-region", "EG", "--dry-run"], env=env)

    assert "as for crm-weekly.csv" not in done.stderr


def test_a_retry_of_a_fixed_row_sends_the_fix_again(tmp_path: Path,
                                                     sandbox: SandboxProcess) -> None:
    # the results keep the file's cells, so a retry reads the unfixed cell: the same fixes
    # file, repeated in the retry command the summary prints, makes it the fixed row again
    env = sandbox.env() | {"WAWP_LEDGER": str(tmp_path / "ledger.sqlite")}
    source = write_csv(tmp_path / "crm.csv", [["Name", "Mobile"], ["Mona Ali", "0100 12"],
                                              ["Ahmed Hassan", "0100 765 4321"]])
    fixes = tmp_path / "fixes.json"
    fixes.write_text(json.dumps({"rows": {"2": {"Mobile": "0100 123 4567"}}}), "utf-8")
    sandbox.configure(fail_each_contact=1)  # each contact's first request fails
    done = run_cli([source, "--default-region", "EG", "--fixes", fixes, "--max-attempts", "1"],
                   env=env)
    assert done.returncode == 1, done.stderr
    retry = next(line for line in done.stdout.splitlines() if "--retry-failed" in line)
    assert "--fixes" in retry

    again = run_cli([tmp_path / "crm.results.csv", "--retry-failed", "--default-region", "EG",
                     "--fixes", fixes], env=env)

    assert again.returncode == 0, again.stderr
    rows = {r["row"]: r for r in read_results(tmp_path / "crm.retry1.results.csv")}
    assert rows["2"]["status"] == "ok" and rows["2"]["chat_id"] == "201001234567@c.us"
    assert rows["2"]["Mobile"] == "0100 12"
