"""`--retry-failed` / `--retry-invalid`: re-send from a results file, carry the rest over."""

from __future__ import annotations

import csv
import re
import shlex
from pathlib import Path

import openpyxl
import pytest

from importer.models import Status
from importer.options import retry_results_path
from importer.read.results_input import merge_retried
from importer.result_format import safe_cell, unsafe_cell
from tests.support.cli import read_results, run_cli, write_csv
from tests.support.sandbox import SandboxProcess

ROWS = [["Name", "Phone", "Notes"]] + [
    [f"Person {i}", f"0100 000 {i:04d}", f"=note {i}" if i == 3 else ""] for i in range(12)
] + [["Broken Number", "0100", ""], ["Person Again", "0100 000 0001", ""]]


@pytest.fixture
def source(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "contacts.csv", ROWS)


def _first_run(sandbox: SandboxProcess, source: Path, *extra: str):
    # One request at a time, so the seeded faults hit the same rows on every run of the test.
    sandbox.configure(error_rate=0.4, seed=3)
    done = run_cli([source, "--default-region", "EG", "--rate", "0", "--concurrency", "1",
                    "--max-attempts", "1", "--skip-preflight", *extra], env=sandbox.env())
    sandbox.reset()
    return done


def _retry_command(stdout: str, flag: str) -> list[str]:
    for line in stdout.splitlines():
        if f"wawp-import {flag}" in line:
            return shlex.split(line[line.index("wawp-import"):])[1:]
    raise AssertionError(f"no {flag} command in:\n{stdout}")


@pytest.mark.parametrize(("previous", "expected"), [
    ("contacts.results.csv", "contacts.retry1.results.csv"),
    ("contacts.retry1.results.csv", "contacts.retry2.results.csv"),
    ("contacts.retry9.results.xlsx", "contacts.retry10.results.xlsx"),
    ("old.csv", "old.retry1.results.csv"),
])
def test_a_retry_writes_beside_its_input_without_overwriting_it(previous: str,
                                                                expected: str) -> None:
    assert retry_results_path(Path("out") / previous) == Path("out") / expected


@pytest.mark.parametrize("text", ["=1+2", "+cmd", "-x", "@SUM(A1)", "+20 100 123 4567", "plain",
                                  "'quoted"])
def test_reading_back_a_results_csv_undoes_the_excel_guard(text: str) -> None:
    assert unsafe_cell(safe_cell(text)) == text


def test_retry_failed_sends_only_the_failures_and_carries_the_rest(sandbox: SandboxProcess,
                                                                   source: Path) -> None:
    first = _first_run(sandbox, source)
    assert first.returncode == 1, first.stderr
    before = read_results(source.with_name("contacts.results.csv"))
    failed = {r["row"] for r in before if r["status"] == "failed"}
    assert failed and len(failed) < 12, before  # the faults made some rows fail

    args = _retry_command(first.stdout, "--retry-failed")
    assert args[:2] == ["--retry-failed", str(source.with_name("contacts.results.csv"))]
    assert "--access-token" not in args and sandbox.token not in first.stdout
    done = run_cli(args, env=sandbox.env())
    assert done.returncode == 1, done.stderr  # the invalid row is still invalid
    after_path = source.with_name("contacts.retry1.results.csv")
    assert f"Results: {after_path}" in done.stdout
    assert f"Retried {len(failed)} rows; {14 - len(failed)} carried over" in done.stdout
    # only the rows this run sent count as sent (and give the rate), not the carried ones
    assert re.search(rf"^14 rows in .*, {len(failed)} sent \(", done.stdout, re.M), done.stdout
    after = read_results(after_path)

    assert [r["row"] for r in after] == [r["row"] for r in before]  # every row, same numbers
    for old, new in zip(before, after):
        if old["row"] in failed:
            assert (new["status"], new["attempts"], new["http_status"]) == ("ok", "1", "200")
            assert (new["Name"], new["Phone"]) == (old["Name"], old["Phone"])
        else:
            assert new == old  # carried over unchanged, attempts included
    state = sandbox.state()
    assert state["puts"] == len(failed)
    assert set(state["contacts"]) == {r["chat_id"] for r in after if r["row"] in failed}
    with after_path.open(encoding="utf-8", newline="") as f:
        header = next(csv.reader(f))
    assert header[8:] == ["code", "params", "Name", "Phone", "Notes"]
    assert after[3]["Notes"] == "'=note 3"  # still guarded for Excel, not doubled


def test_retry_invalid_reparses_a_phone_fixed_by_hand(sandbox: SandboxProcess,
                                                      source: Path) -> None:
    done = run_cli([source, "--default-region", "EG", "--rate", "0"], env=sandbox.env())
    assert done.returncode == 1, done.stderr
    results_path = source.with_name("contacts.results.csv")
    rows = read_results(results_path)
    broken = next(r for r in rows if r["status"] == "invalid")
    assert broken["row"] == "14"
    broken["Phone"] = "0100 000 9999"  # an operator fixes it in the results file
    with results_path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    sandbox.reset()
    args = _retry_command(done.stdout, "--retry-invalid")
    again = run_cli(args, env=sandbox.env())
    assert again.returncode == 0, again.stderr
    fixed = {r["row"]: r for r in read_results(source.with_name("contacts.retry1.results.csv"))}
    assert (fixed["14"]["status"], fixed["14"]["chat_id"]) == ("ok", "201000009999@c.us")
    assert fixed["15"]["status"] == "duplicate"  # carried over
    assert sandbox.state()["put_counts"] == {"201000009999@c.us": 1}


def test_a_retry_of_a_retry_keeps_numbering(sandbox: SandboxProcess, source: Path) -> None:
    _first_run(sandbox, source)
    first = source.with_name("contacts.results.csv")
    run_cli(["--retry-failed", first, "--default-region", "EG"], env=sandbox.env())
    done = run_cli(["--retry-failed", source.with_name("contacts.retry1.results.csv"),
                    "--default-region", "EG"], env=sandbox.env())
    assert done.returncode == 1, done.stderr
    again = read_results(source.with_name("contacts.retry2.results.csv"))
    assert len(again) == 14 and "failed" not in {r["status"] for r in again}
    assert "Retried 0 rows; 14 carried over" in done.stdout


def test_retry_from_an_excel_results_file(sandbox: SandboxProcess, source: Path,
                                          tmp_path: Path) -> None:
    results = tmp_path / "contacts.results.xlsx"
    first = _first_run(sandbox, source, "--results", str(results))
    assert first.returncode == 1, first.stderr
    done = run_cli(["--retry-failed", results, "--default-region", "EG"], env=sandbox.env())
    assert done.returncode == 1, done.stderr
    sheet = openpyxl.load_workbook(tmp_path / "contacts.retry1.results.xlsx").active
    statuses = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert statuses.count("ok") == 12 and "failed" not in statuses
    assert sheet["L2"].value == "0100 000 0000" and sheet["L2"].data_type == "s"


def test_a_dry_run_after_a_real_run_leaves_its_results_for_the_printed_retry(
        sandbox: SandboxProcess, source: Path) -> None:
    # the path: a real run, a dry run on the same file, then the printed retry
    first = _first_run(sandbox, source)
    assert first.returncode == 1, first.stderr
    results = source.with_name("contacts.results.csv")
    before = results.read_bytes()
    failed = {r["chat_id"] for r in read_results(results) if r["status"] == "failed"}
    assert failed

    dry = run_cli([source, "--default-region", "EG", "--dry-run"])
    assert dry.returncode == 1, dry.stderr  # the invalid row
    assert "Results: " + str(source.with_name("contacts.dry-run.csv")) in dry.stdout
    assert "To send: wawp-import " + str(source) + " --default-region EG" in dry.stdout
    assert results.read_bytes() == before  # the real run's results are intact

    done = run_cli(_retry_command(first.stdout, "--retry-failed"), env=sandbox.env())
    assert done.returncode == 1, done.stderr  # the invalid row again
    assert set(sandbox.state()["put_counts"]) == failed  # only the failed rows, once
    assert set(sandbox.state()["put_counts"].values()) == {1}


def test_a_dry_run_never_writes_over_a_real_runs_results(sandbox: SandboxProcess,
                                                          source: Path) -> None:
    first = _first_run(sandbox, source)
    assert first.returncode == 1, first.stderr
    results = source.with_name("contacts.results.csv")
    before = results.read_bytes()
    dry = run_cli([source, "--default-region", "EG", "--dry-run", "--results", results])
    assert dry.returncode == 2
    assert (f"a dry run does not write over {results}: it holds the results of a real run"
            in dry.stderr)
    assert "leave --results out (a dry run writes contacts.dry-run.csv)" in dry.stderr
    assert results.read_bytes() == before


def test_retry_failed_of_a_dry_runs_results_sends_nothing_and_says_what_to_run(
        sandbox: SandboxProcess, source: Path) -> None:
    run_cli([source, "--default-region", "EG", "--dry-run"])
    done = run_cli(["--retry-failed", source.with_name("contacts.dry-run.csv"),
                    "--default-region", "EG", "--rate", "0"], env=sandbox.env())
    assert done.returncode == 2, done.stderr
    assert ("nothing to retry: contacts.dry-run.csv holds a dry run's results (12 rows "
            "ready, nothing was sent)") in done.stderr
    assert f"to send them: wawp-import {source} --default-region EG --rate 0" in done.stderr
    assert sandbox.state()["requests"] == 0


def test_a_spreadsheet_that_is_not_a_results_file_is_refused(source: Path) -> None:
    done = run_cli(["--retry-failed", source, "--dry-run"])
    assert done.returncode == 2
    assert "not a results file" in done.stderr and "Traceback" not in done.stderr


def test_the_results_never_overwrite_their_input(tmp_path: Path, source: Path) -> None:
    run_cli([source, "--default-region", "EG", "--dry-run"])
    results = source.with_name("contacts.dry-run.csv")
    done = run_cli(["--retry-failed", results, "--results", results, "--dry-run"])
    assert done.returncode == 2 and "overwrite the input" in done.stderr


def test_merge_keeps_file_order_when_a_row_gives_several_items() -> None:
    from importer.models import Contact, Prepared, RowResult, SourceRow
    from importer.read.results_input import CarriedRow

    carried = CarriedRow(3, ("c",), previous=(RowResult(3, Status.OK, "1@c.us"),))
    rows = [SourceRow(2, ("a",)), carried, SourceRow(4, ("b",))]

    def prepare_all(source):
        for row in source:  # two numbers in one cell: two items for one row
            for n in (1, 2):
                yield Prepared(row.number, row.values, Status.READY,
                               Contact(f"{row.number}{n}@c.us", "", ""))

    out = list(merge_retried(rows, prepare_all))
    assert [(i.row, i.status) for i in out] == [
        (2, Status.READY), (2, Status.READY), (3, Status.OK), (4, Status.READY),
        (4, Status.READY)]
    assert out[2].previous is not None


def test_a_retry_stopped_half_way_is_resumed_not_refused(sandbox: SandboxProcess,
                                                         source: Path) -> None:
    first = _first_run(sandbox, source)
    retry = _retry_command(first.stdout, "--retry-failed")
    sandbox.configure(unauthorized_after=1)  # one row goes through, then a 401 stops it
    stopped = run_cli(retry, env=sandbox.env())
    assert stopped.returncode == 3, stopped.stderr
    stored = set(sandbox.state()["contacts"])
    assert len(stored) == 1
    sandbox.configure(unauthorized_after=None)
    resumed = run_cli([*retry, "--resume"], env=sandbox.env())
    assert resumed.returncode == 1, resumed.stderr  # the invalid row
    state = sandbox.state()
    assert len(state["contacts"]) > 1 and all(state["put_counts"][c] == 1 for c in stored)


def test_retry_failed_reads_a_results_file_from_before_the_code_column(
        sandbox: SandboxProcess, tmp_path: Path) -> None:
    # A results file as wawp-import wrote it before the code and params columns: the input's
    # own columns follow `detail` directly.
    old = write_csv(tmp_path / "book.results.csv", [
        ["row", "status", "chat_id", "first_name", "last_name", "attempts", "http_status",
         "detail", "Name", "Phone"],
        ["2", "ok", "201000000001@c.us", "Ann", "", "1", "200", "", "Ann", "0100 000 0001"],
        ["3", "failed", "201000000002@c.us", "Bob", "", "5", "503",
         "gave up after 5 attempts: HTTP 503 Service Unavailable", "Bob", "0100 000 0002"],
        ["4", "invalid", "", "", "", "0", "", "phone: too short for EG (3 digits; EG numbers "
         "have 8 to 10 after +20)", "Cy", "012"],
    ])
    done = run_cli(["--retry-failed", old, "--default-region", "EG", "--rate", "0",
                    "--skip-preflight"], env=sandbox.env())
    assert done.returncode == 1, done.stderr  # row 4 is still invalid
    assert "Retried 1 row; 2 carried over" in done.stdout
    # the carried line has no code: its reason is its detail as written
    assert ("invalid: 1 — phone: too short for EG (3 digits; EG numbers have 8 to 10 after "
            "+20) (row 4)") in done.stdout
    assert sandbox.state()["contacts"]["201000000002@c.us"] == {"firstName": "Bob",
                                                                "lastName": ""}
    with (tmp_path / "book.retry1.results.csv").open(encoding="utf-8-sig", newline="") as f:
        lines = list(csv.reader(f))
    assert lines[0][8:] == ["code", "params", "Name", "Phone"]
    assert [(line[0], line[1], line[8], line[10:]) for line in lines[1:]] == [
        ("2", "ok", "", ["Ann", "0100 000 0001"]),
        ("3", "ok", "", ["Bob", "0100 000 0002"]),
        ("4", "invalid", "", ["Cy", "012"]),
    ]
