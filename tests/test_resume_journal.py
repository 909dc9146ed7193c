"""The journal and the resume rules, without a server (httpx.MockTransport)."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from importer import ImportOptions
from importer.errors import PreflightError, UsageError
from importer.models import Contact, Prepared, RowResult, Status
from importer.pipeline import plan_import, run_plan
from importer.problems import Code, Problem, problem
from importer.report.journal import (
    JournalWriter,
    RunHeader,
    SentRows,
    fingerprint,
    journal_path,
    plan_journal,
    read_journal,
)
from tests.support.cli import read_results, write_csv

TOKEN = "journal-secret-token-42"
ROWS = [["Name", "Phone"]] + [[f"Person {i}", f"0100 000 {i:04d}"] for i in range(20)]


def chat(i: int) -> str:
    return f"20100000{i:04d}@c.us"


@pytest.fixture
def source(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "in.csv", ROWS)


def header(source: Path, instance: str = "inst-1") -> RunHeader:
    return RunHeader(fingerprint(source), instance, "https://wawp.example")


def ok_result(row: int, i: int) -> RowResult:
    return RowResult(row, Status.OK, chat(i), f"Person {i}", "", 1, 200)


# -- the file ------------------------------------------------------------------------------------

def test_the_fingerprint_is_size_and_content(tmp_path: Path, source: Path) -> None:
    a = fingerprint(source)
    assert a.size == source.stat().st_size and len(a.blake2b) == 40
    copy = tmp_path / "copy.csv"
    copy.write_bytes(source.read_bytes())
    assert fingerprint(copy).blake2b == a.blake2b
    copy.write_bytes(source.read_bytes().replace(b"Person 1,", b"Person X,"))
    assert fingerprint(copy).size == a.size and fingerprint(copy).blake2b != a.blake2b


def test_each_line_is_on_disk_as_soon_as_it_is_recorded(tmp_path: Path, source: Path) -> None:
    path = tmp_path / "r.csv.journal.jsonl"
    writer = JournalWriter(path, header(source))
    writer.record(ok_result(2, 0))
    lines = path.read_text(encoding="utf-8").splitlines()  # read while still open
    assert len(lines) == 2
    first = json.loads(lines[0])
    assert first["journal"] == "wawp-import" and first["instance_id"] == "inst-1"
    assert first["size"] == source.stat().st_size
    assert json.loads(lines[1]) == {"row": 2, "chat_id": chat(0), "first_name": "Person 0",
                                    "last_name": "", "status": "ok", "attempts": 1,
                                    "http_status": 200, "detail": ""}
    writer.close()
    assert path.stat().st_mode & 0o077 == 0  # names and numbers: owner only


def test_details_are_redacted(tmp_path: Path, source: Path) -> None:
    path = tmp_path / "j.jsonl"
    found = problem(Code.INTERNAL_ERROR, error="ValueError", message=f"boom {TOKEN}")
    with JournalWriter(path, header(source), redact=lambda t: t.replace(TOKEN, "***")) as w:
        w.record(RowResult(2, Status.FAILED, chat(0), "A", "", 1, None, f"boom {TOKEN}",
                           problem=found))
    assert TOKEN not in path.read_text(encoding="utf-8")
    line = json.loads(path.read_text(encoding="utf-8").splitlines()[-1])
    assert Problem.from_json(line["problem"]) == found.with_params(message="boom ***")


def test_reading_skips_a_torn_last_line_and_later_lines_win(tmp_path: Path,
                                                           source: Path) -> None:
    path = tmp_path / "j.jsonl"
    with JournalWriter(path, header(source)) as w:
        for i in range(5):
            w.record(ok_result(i + 2, i))
        w.record(RowResult(3, Status.FAILED, chat(1), "Person 1", "", 1, 500, "later"))
    with path.open("a", encoding="utf-8") as f:
        f.write('{"row": 9, "chat_id": "2010')  # killed in the middle of a line
    previous = read_journal(path)
    assert previous.torn == 1 and previous.answered == 6
    assert len(previous.sent) == 4
    assert previous.sent.sent(2, Contact(chat(0), "Person 0", ""))
    assert not previous.sent.sent(3, Contact(chat(1), "Person 1", ""))


def test_appending_after_a_torn_line_starts_a_fresh_line(tmp_path: Path,
                                                         source: Path) -> None:
    path = tmp_path / "j.jsonl"
    with JournalWriter(path, header(source)) as w:
        w.record(ok_result(2, 0))
    with path.open("a", encoding="utf-8") as f:
        f.write('{"row": 3, "chat')
    with JournalWriter(path, header(source), append=True) as w:
        w.record(ok_result(4, 2))
    previous = read_journal(path)
    assert previous.torn == 1
    assert previous.sent.sent(2, Contact(chat(0), "Person 0", ""))
    assert previous.sent.sent(4, Contact(chat(2), "Person 2", ""))


def test_a_row_counts_as_sent_only_with_the_same_contact() -> None:
    sent = SentRows()
    sent.add(5, Contact(chat(1), "Ann", "Lee"))
    assert sent.sent(5, Contact(chat(1), "Ann", "Lee"))
    assert not sent.sent(5, Contact(chat(1), "Anne", "Lee"))  # the name changed
    assert not sent.sent(5, Contact(chat(2), "Ann", "Lee"))  # the number changed
    assert not sent.sent(6, Contact(chat(1), "Ann", "Lee"))  # another row


def test_each_number_of_a_row_counts_on_its_own() -> None:
    # --all-numbers: one row, three contacts; the journal has two of them ok
    sent = SentRows()
    sent.add(5, Contact(chat(1), "Ann", "Lee"))
    sent.add(5, Contact(chat(2), "Ann", "Lee"))
    assert len(sent) == 2
    assert sent.sent(5, Contact(chat(1), "Ann", "Lee"))
    assert sent.sent(5, Contact(chat(2), "Ann", "Lee"))
    assert not sent.sent(5, Contact(chat(3), "Ann", "Lee"))
    sent.discard(5, chat(1))  # a later line says it failed
    assert not sent.sent(5, Contact(chat(1), "Ann", "Lee"))
    assert sent.sent(5, Contact(chat(2), "Ann", "Lee")) and len(sent) == 1
    sent.add(5, Contact(chat(2), "Ann", "Lee"))  # the same contact again: still one
    assert len(sent) == 1


def test_sent_rows_stay_small_and_handle_far_rows() -> None:
    sent = SentRows()
    for row in range(2, 100_002):
        sent.add(row, Contact(chat(row % 7), "A", ""))
    far = Contact(chat(1), "Far", "")
    sent.add(10**12, far)  # an absurd row number does not allocate terabytes
    assert len(sent) == 100_001
    assert sent.sent(10**12, far) and sent.sent(50_000, Contact(chat(50_000 % 7), "A", ""))
    sent.discard(50_000, chat(50_000 % 7))
    sent.discard(10**12, chat(1))
    sent.discard(3_000_000, chat(1))  # never added
    assert len(sent) == 99_999 and sent.digest(50_000, chat(50_000 % 7)) == 0


def test_skip_turns_sent_rows_into_ok_results() -> None:
    sent = SentRows()
    sent.add(2, Contact(chat(0), "A", ""))
    items = [Prepared(2, (), Status.READY, Contact(chat(0), "A", ""), "note"),
             Prepared(3, (), Status.READY, Contact(chat(1), "B", "")),
             Prepared(4, (), Status.INVALID, None, "phone: empty")]
    out = list(sent.skip(items))
    assert (out[0].status, out[0].detail) == (Status.OK, "sent in an earlier run; note")
    assert out[0].problem == problem(Code.SENT_EARLIER)
    assert out[1] is items[1] and out[2] is items[2]


# -- the rules -----------------------------------------------------------------------------------

def test_a_new_run_plans_a_fresh_journal(tmp_path: Path, source: Path) -> None:
    plan = plan_journal(tmp_path / "r.csv", source, instance_id="i", base_url="u")
    assert plan.path == journal_path(tmp_path / "r.csv") == tmp_path / "r.csv.journal.jsonl"
    assert not plan.resuming and not plan.path.exists()  # nothing written before sending


def test_a_run_refuses_to_start_over_an_unfinished_one(tmp_path: Path, source: Path) -> None:
    JournalWriter(tmp_path / "r.csv.journal.jsonl", header(source)).close()
    with pytest.raises(UsageError, match="unfinished run.*--resume.*--force"):
        plan_journal(tmp_path / "r.csv", source, instance_id="inst-1",
                     base_url="https://wawp.example")
    forced = plan_journal(tmp_path / "r.csv", source, instance_id="inst-1",
                          base_url="https://wawp.example", force=True)
    assert not forced.resuming


def test_resume_without_a_journal_is_a_clear_error(tmp_path: Path, source: Path) -> None:
    with pytest.raises(UsageError, match="nothing to resume"):
        plan_journal(tmp_path / "r.csv", source, instance_id="i", base_url="u", resume=True)


@pytest.mark.parametrize(("change", "message"), [
    ("content", "content changed"),
    ("size", "size changed"),
    ("instance", "instance ID changed (inst-1 → inst-2)"),
])
def test_resume_refuses_a_changed_input_or_instance(tmp_path: Path, source: Path, change: str,
                                                    message: str) -> None:
    JournalWriter(tmp_path / "r.csv.journal.jsonl", header(source)).close()
    instance = "inst-1"
    if change == "content":
        source.write_bytes(source.read_bytes().replace(b"Person 1,", b"Person X,"))
    elif change == "size":
        with source.open("a", encoding="utf-8") as f:
            f.write("New,0100 999 9999\n")
    else:
        instance = "inst-2"
    with pytest.raises(UsageError, match="cannot resume") as caught:
        plan_journal(tmp_path / "r.csv", source, instance_id=instance,
                     base_url="https://wawp.example", resume=True)
    assert message in str(caught.value) and "--force" in str(caught.value)
    forced = plan_journal(tmp_path / "r.csv", source, instance_id=instance,
                          base_url="https://wawp.example", resume=True, force=True)
    assert forced.resuming


def test_something_else_than_a_journal_is_refused(tmp_path: Path, source: Path) -> None:
    (tmp_path / "r.csv.journal.jsonl").write_text("row,status\n", encoding="utf-8")
    with pytest.raises(UsageError, match="not a journal"):
        plan_journal(tmp_path / "r.csv", source, instance_id="i", base_url="u", resume=True)


# -- through the pipeline ------------------------------------------------------------------------

def options(source: Path, **extra: object) -> ImportOptions:
    settings: dict[str, object] = {"default_region": "EG", "rate": 0, "instance_id": "inst-1",
                                   "base_url": "https://wawp.example", "access_token": TOKEN,
                                   "skip_preflight": True}
    return ImportOptions(input=source, **(settings | extra))  # type: ignore[arg-type]


async def no_sleep(_: float) -> None:
    return None


def recording_transport(puts: list[str], fail: set[str] = frozenset()) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        chat_id = request.url.path.rsplit("/", 1)[1]
        puts.append(chat_id)
        if chat_id in fail:
            return httpx.Response(401, json={"error": "Unauthorized"})
        return httpx.Response(200, json={"ok": True})

    return httpx.MockTransport(handler)


def test_a_complete_run_removes_its_journal(source: Path) -> None:
    puts: list[str] = []
    summary = run_plan(plan_import(options(source)), transport=recording_transport(puts),
                       sleep=no_sleep)
    assert summary.count(Status.OK) == 20
    assert not journal_path(Path(summary.results_path)).exists()


def test_a_dry_run_writes_no_journal_and_ignores_one(source: Path) -> None:
    journal = journal_path(source.with_name("in.results.csv"))
    journal.write_text("left over\n", encoding="utf-8")
    run_plan(plan_import(options(source, dry_run=True)))
    assert journal.read_text(encoding="utf-8") == "left over\n"


def test_an_aborted_run_keeps_its_journal_and_resume_sends_only_the_rest(source: Path) -> None:
    puts: list[str] = []
    first = run_plan(plan_import(options(source, concurrency=1)),
                     transport=recording_transport(puts, fail={chat(8)}), sleep=no_sleep)
    assert first.aborted and first.count(Status.OK) == 8
    journal = journal_path(Path(first.results_path))
    assert journal.exists()
    assert TOKEN not in journal.read_text(encoding="utf-8")

    puts.clear()
    second = run_plan(plan_import(options(source, resume=True)),
                      transport=recording_transport(puts), sleep=no_sleep)
    assert sorted(puts) == [chat(i) for i in range(8, 20)]  # row 8 failed: sent again
    results = read_results(Path(second.results_path))
    assert [r["status"] for r in results] == ["ok"] * 20
    assert [int(r["row"]) for r in results] == list(range(2, 22))
    assert all(r["detail"] == "sent in an earlier run" and r["attempts"] == "0"
               for r in results[:8])
    assert not journal.exists()


def test_resume_appends_so_a_second_crash_loses_nothing(source: Path) -> None:
    puts: list[str] = []
    run_plan(plan_import(options(source, concurrency=1)),
             transport=recording_transport(puts, fail={chat(5)}), sleep=no_sleep)
    puts.clear()
    run_plan(plan_import(options(source, concurrency=1, resume=True)),
             transport=recording_transport(puts, fail={chat(12)}), sleep=no_sleep)
    assert puts == [chat(i) for i in range(5, 13)]
    journal = journal_path(source.with_name("in.results.csv"))
    runs = [json.loads(line) for line in journal.read_text(encoding="utf-8").splitlines()
            if '"journal"' in line]
    assert [r["resumed"] for r in runs] == [False, True]
    puts.clear()
    run_plan(plan_import(options(source, concurrency=1, resume=True)),
             transport=recording_transport(puts), sleep=no_sleep)
    assert puts == [chat(i) for i in range(12, 20)]


def test_a_refused_preflight_leaves_no_journal(source: Path) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"status": "SCAN_QR_CODE"})

    with pytest.raises(PreflightError):
        run_plan(plan_import(options(source, skip_preflight=False)),
                 transport=httpx.MockTransport(handler), sleep=no_sleep)
    assert not journal_path(source.with_name("in.results.csv")).exists()


def test_any_name_round_trips_through_the_journal(tmp_path: Path, source: Path) -> None:
    path = tmp_path / "j.jsonl"
    names = [("محمد", "عبد الله"), ("Zoë", "\udce9t\u00e9"), ("李", "")]  # a lone surrogate too
    with JournalWriter(path, header(source)) as w:
        for row, (first, last) in enumerate(names, start=2):
            w.record(RowResult(row, Status.OK, chat(row), first, last, 1, 200))
    previous = read_journal(path)
    for row, (first, last) in enumerate(names, start=2):
        assert previous.sent.sent(row, Contact(chat(row), first, last))


def test_an_empty_journal_is_no_obstacle(tmp_path: Path, source: Path) -> None:
    (tmp_path / "r.csv.journal.jsonl").write_bytes(b"")  # killed before its first line
    fresh = plan_journal(tmp_path / "r.csv", source, instance_id="i", base_url="u")
    assert not fresh.resuming
    resumed = plan_journal(tmp_path / "r.csv", source, instance_id="i", base_url="u",
                           resume=True)
    assert resumed.resuming and len(resumed.previous.sent) == 0  # type: ignore[union-attr]


def test_resume_after_a_journal_from_before_problem_codes(source: Path, tmp_path: Path) -> None:
    puts: list[str] = []
    first = run_plan(plan_import(options(source, concurrency=1)),
                     transport=recording_transport(puts, fail={chat(8)}), sleep=no_sleep)
    assert first.aborted
    journal = journal_path(Path(first.results_path))
    # as an earlier wawp-import wrote it: no "problem" on any line
    lines = [json.loads(line) for line in journal.read_text(encoding="utf-8").splitlines()]
    assert any("problem" in line for line in lines)
    journal.write_text("".join(json.dumps({k: v for k, v in line.items() if k != "problem"})
                               + "\n" for line in lines), encoding="utf-8")

    ledger = tmp_path / "ledger.sqlite"
    second = run_plan(plan_import(options(source, resume=True, ledger=ledger)),
                      transport=recording_transport(puts := []), sleep=no_sleep)
    assert sorted(puts) == [chat(i) for i in range(8, 20)]
    results = read_results(Path(second.results_path))
    assert [(r["status"], r["code"], r["detail"]) for r in results[:8]] == [
        ("ok", "sent_earlier", "sent in an earlier run")] * 8
    assert all(r["code"] == "" for r in results[8:])  # sent now: no problem
    # The rows of the earlier run went into the ledger on the strength of their code: a run
    # after this one sends none of the 20 again.
    third = run_plan(plan_import(options(source, ledger=ledger)),
                     transport=recording_transport(puts := []), sleep=no_sleep)
    assert puts == [] and third.count(Status.UNCHANGED) == 20


def test_a_plain_line_is_what_json_writes_for_it(tmp_path: Path, source: Path) -> None:
    """An ok row's line is formatted without json.dumps: the bytes must be json.dumps's, so
    a journal reads the same whichever way its lines were written."""
    path = tmp_path / "j.jsonl"
    results = [RowResult(2, Status.OK, chat(2), 'Zoë "Q" \\', "\udce9\u200f\n\t", 1, 200),
               RowResult(3, Status.OK, chat(3), "محمد", "", 3, 200),
               RowResult(4, Status.FAILED, chat(4), "A", "B", 5, None),
               RowResult(5, Status.FAILED, chat(5), "A", "B", 5, 503, "after 5 attempts")]
    with JournalWriter(path, header(source)) as w:
        for result in results:
            w.record(result)
    lines = path.read_text(encoding="utf-8").splitlines()[1:]
    assert lines == [json.dumps({"row": r.row, "chat_id": r.chat_id,
                                 "first_name": r.first_name, "last_name": r.last_name,
                                 "status": r.status.value, "attempts": r.attempts,
                                 "http_status": r.http_status, "detail": r.detail})
                     for r in results]
