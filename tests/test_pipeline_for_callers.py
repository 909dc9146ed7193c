"""What the pipeline offers a caller that keeps runs of its own (the web page): how many
processes normalize, a second results file, the rows sent in this run, the run's files.
Without a server (httpx.MockTransport)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from openpyxl import load_workbook

from importer import ImportOptions
from importer.errors import ConfigError
from importer.models import RowResult, Status
from importer.normalize import default_workers
from importer.pipeline import plan_import, run_files, run_plan
from tests.support.cli import read_results, write_csv

TOKEN = "callers-secret-token-7"
#: 12 contacts, then a number too short (invalid) and the first contact again (duplicate)
ROWS = ([["Name", "Phone"]] + [[f"Person {i}", f"0100 000 {i:04d}"] for i in range(12)]
        + [["Short", "0100"], ["Again", "0100 000 0000"]])


def chat(i: int) -> str:
    return f"20100000{i:04d}@c.us"


@pytest.fixture
def source(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "in.csv", ROWS)


def options(source: Path, **extra: object) -> ImportOptions:
    settings: dict[str, object] = {"default_region": "EG", "rate": 0, "instance_id": "inst-1",
                                   "base_url": "https://wawp.example", "access_token": TOKEN,
                                   "skip_preflight": True, "concurrency": 1}
    return ImportOptions(input=source, **(settings | extra))  # type: ignore[arg-type]


async def no_sleep(_: float) -> None:
    return None


def transport(puts: list[str], refuse: str | None = None) -> httpx.MockTransport:
    """Answers 200 to every contact, and 401 (the run stops) to `refuse`."""
    def handler(request: httpx.Request) -> httpx.Response:
        chat_id = request.url.path.rsplit("/", 1)[1]
        puts.append(chat_id)
        if chat_id == refuse:
            return httpx.Response(401, json={"error": "Unauthorized"})
        return httpx.Response(200, json={"ok": True})

    return httpx.MockTransport(handler)


def test_workers_none_is_the_pipelines_choice_and_a_caller_can_say_zero(source: Path) -> None:
    assert plan_import(options(source, dry_run=True)).normalizer.workers == default_workers()
    assert plan_import(options(source, dry_run=True), workers=0).normalizer.workers == 0
    # sending is bound by normalizing too when the ledger finds the rows unchanged
    assert plan_import(options(source)).normalizer.workers == default_workers()
    assert plan_import(options(source, verify=True)).normalizer.workers == 0  # bound by the API
    assert plan_import(options(source), workers=2).normalizer.workers == 2


def test_results_copy_gets_the_same_lines_as_a_workbook(source: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy.xlsx"
    summary = run_plan(plan_import(options(source, results_copy=copy)),
                       transport=transport([]), sleep=no_sleep)
    csv_rows = read_results(Path(summary.results_path))
    sheet = load_workbook(copy, read_only=True).active
    assert sheet is not None
    header, *rows = [[("" if v is None else str(v)) for v in row]
                     for row in sheet.iter_rows(values_only=True)]
    assert header == list(csv_rows[0])
    assert rows == [list(r.values()) for r in csv_rows]
    assert [r["status"] for r in csv_rows] == ["ok"] * 12 + ["invalid", "duplicate"]
    assert not copy.with_name("copy.xlsx.partial").exists()


def test_results_copy_with_an_extension_we_do_not_write_is_refused(source: Path,
                                                                   tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot write results as .ods"):
        plan_import(options(source, results_copy=tmp_path / "copy.ods"))


def test_on_sent_hears_the_rows_sent_in_this_run_only(source: Path) -> None:
    results = Path(source.with_name("in.results.csv"))
    files = run_files(results)
    assert (files.journal, files.lock, files.partial) == (
        source.with_name("in.results.csv.journal.jsonl"), source.with_name("in.results.csv.lock"),
        source.with_name("in.results.csv.partial"))
    assert not files.unfinished() and files.rows_sent() == 0

    sent: list[RowResult] = []
    heard: list[RowResult] = []
    first = run_plan(plan_import(options(source)), transport=transport([], refuse=chat(5)),
                     sleep=no_sleep, on_sent=sent.append, on_result=heard.append)
    assert first.aborted
    # rows 0-4 went through, row 5 was refused (it went out: it is answered), the rest
    # were never sent; the invalid row and the duplicate are not sent either
    assert [(r.chat_id, r.status) for r in sent] == (
        [(chat(i), Status.OK) for i in range(5)] + [(chat(5), Status.FAILED)])
    assert [r.status for r in heard].count(Status.NOT_ATTEMPTED) == 6
    assert files.unfinished() and files.rows_sent() == 5

    sent.clear()
    puts: list[str] = []
    second = run_plan(plan_import(options(source, resume=True)), transport=transport(puts),
                      sleep=no_sleep, on_sent=sent.append)
    assert second.count(Status.OK) == 12
    # the five rows sent in the first run are results here, but not sent again
    assert [r.chat_id for r in sent] == puts == [chat(i) for i in range(5, 12)]
    assert not files.unfinished() and files.rows_sent() == 0
