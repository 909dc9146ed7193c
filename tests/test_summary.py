"""The closing lines, the preview and the summary JSON: counts, common reasons, what to do next."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from importer import ImportOptions, plan_import, run_plan
from importer.models import RowResult, Status, Summary
from importer.problems import WORDS, Code, Problem, problem
from importer.report.summary import (
    OTHER_REASONS,
    SummaryTally,
    format_duration,
    reason_of,
    render_preview,
    render_send_estimate,
    render_summary,
    render_verify_estimate,
    summary_to_dict,
)
from tests.support.cli import run_cli
from tests.support.sandbox import SandboxProcess

FIXTURES = Path(__file__).parent / "fixtures"


TOO_SHORT_EG = problem(Code.PHONE_TOO_SHORT, region="EG", digits=5, country_code=20,
                       lengths="8 to 10")


@pytest.mark.parametrize(("found", "reason"), [
    (problem(Code.PHONE_INVALID, region="EG", digits=9, country_code=20),
     "phone: not a valid number for EG"),
    (TOO_SHORT_EG, "phone: too short for EG"),
    (TOO_SHORT_EG.with_params(column="'Mobile'"), "phone: 'Mobile': too short for EG"),
    (problem(Code.PHONE_NOT_A_NUMBER, text="abc-def"), "phone: not a phone number"),
    (problem(Code.DUPLICATE_OF, row=2), "same number as row …"),
    (problem(Code.DUPLICATE_OF, row=2, sent_ok=True, name="A", kept_name="B"),
     "same number as row …, already sent ok"),
    (problem(Code.UNCHANGED, day="2026-12-01"),
     "already in the address book: sent on … with the same name; --resend to send it again"),
    (problem(Code.API_ERROR, attempts=5, http_status=500,
             reason="HTTP 500 Internal Server Error"),
     "gave up after 5 attempts: HTTP 500 Internal Server Error"),
    (problem(Code.API_REFUSED, http_status=400,
             message="Bad Request — 201001234568@c.us is not a WhatsApp account"),
     "rejected by the API: HTTP 400"),
    (problem(Code.INTERNAL_ERROR, error="KeyError", message="'firstName'"),
     "internal error: KeyError"),
])
def test_reasons_leave_out_what_belongs_to_one_row(found: Problem, reason: str) -> None:
    assert reason_of(RowResult(2, Status.INVALID, problem=found)) == (found.code.value, reason)


@pytest.mark.parametrize(("detail", "reason"), [
    ("phone: too short for EG (5 digits; EG numbers have 8 to 10 after +20)",
     "phone: too short for EG (5 digits; EG numbers have 8 to 10 after +20)"),
    ("", "(no detail)"),
    ("  spaced\n  out ", "spaced out"),
])
def test_a_line_without_a_code_keeps_its_whole_detail_as_reason(detail: str,
                                                                 reason: str) -> None:
    # a line of a results file from before the code column: nothing is read into its words
    assert reason_of(RowResult(2, Status.INVALID, detail=detail)) == ("", reason)


def _tally(results: list[RowResult], **kwargs: int) -> Summary:
    summary = Summary(results_path="out/contacts.results.csv", elapsed=12.5)
    tally = SummaryTally(summary, **kwargs)
    for result in results:
        summary.results += 1
        summary.counts[result.status.value] = summary.counts.get(result.status.value, 0) + 1
        tally.add(result, sent=result.attempts > 0)  # every row here is this run's own
    return tally.finish()


def _row(row: int, status: Status, detail: str | Problem = "", chat_id: str = "") -> RowResult:
    """A result; a problem as `detail` gives the result that problem and its words."""
    # rows that went to the API made an attempt: `_tally` counts those as sent
    attempts = 1 if status in (Status.OK, Status.FAILED) else 0
    found = detail if isinstance(detail, Problem) else None
    words = WORDS.detail(found) if found is not None else detail
    return RowResult(row, status, chat_id, "First", "Last", attempts=attempts,
                     detail=words, problem=found)  # type: ignore[arg-type]


INVALID_EG = problem(Code.PHONE_INVALID, region="EG", digits=9, country_code=20)
GAVE_UP_500 = problem(Code.API_ERROR, attempts=5, http_status=500, reason="HTTP 500")


def test_reasons_are_counted_with_their_first_three_rows_most_common_first() -> None:
    results = [_row(2, Status.OK, chat_id="201001234567@c.us")]
    results += [_row(n, Status.INVALID, INVALID_EG) for n in (12, 40, 41, 50)]
    results += [_row(n, Status.INVALID, problem(Code.NO_NAME)) for n in (3, 4)]
    results += [_row(7, Status.FAILED, GAVE_UP_500)]
    summary = _tally(results)
    assert [(r.status, r.code, r.reason, r.count, r.examples) for r in summary.reasons] == [
        ("invalid", "phone_invalid", "phone: not a valid number for EG", 4, (12, 40, 41)),
        ("invalid", "no_name", WORDS.NO_NAME, 2, (3, 4)),
        ("failed", "api_error", "gave up after 5 attempts: HTTP 500", 1, (7,)),
    ]


def test_rows_are_grouped_by_their_problem_not_by_their_words() -> None:
    # The words of these details differ only in what belongs to each row (the row kept, the
    # digits, the cell's text): the rows group by their code.
    results = [_row(n, Status.DUPLICATE, problem(Code.DUPLICATE_OF, row=n - 1)) for n in (3, 5)]
    results += [_row(n, Status.INVALID, TOO_SHORT_EG.with_params(digits=n)) for n in (6, 7)]
    results += [_row(n, Status.INVALID, problem(Code.PHONE_NOT_A_NUMBER, text=f"n/a {n}"))
                for n in (8, 9)]
    # Two problems whose words are alike are two reasons: an unexpected "+" in the number is
    # not the "+" of an unknown country code, and a check that failed is not a send that did.
    results += [_row(10, Status.INVALID, problem(Code.PHONE_UNEXPECTED_CHARACTER,
                                                 character="+"))]
    # Short numbers outside brackets and quotes, which no pattern over the text could tell
    # from words: "unknown country code +999" and "+998", a cell of two short numbers.
    results += [_row(n, Status.INVALID, problem(Code.PHONE_UNKNOWN_COUNTRY_CODE,
                                                country_code=str(988 + n)))
                for n in (11, 12)]
    results += [_row(n, Status.INVALID, problem(Code.PHONE_NONE_VALID, numbers=(
        (str(n), problem(Code.PHONE_TOO_SHORT, digits=2)),
        (str(n * 7), problem(Code.PHONE_TOO_SHORT, digits=2))))) for n in (13, 14)]
    results += [_row(15, Status.FAILED, GAVE_UP_500)]
    results += [_row(16, Status.FAILED, problem(Code.CHECK_FAILED, problem=GAVE_UP_500))]
    summary = _tally(results)
    assert [(r.status, r.code, r.count, r.examples) for r in summary.reasons] == [
        ("duplicate", "duplicate_of", 2, (3, 5)),
        ("invalid", "phone_too_short", 2, (6, 7)),
        ("invalid", "phone_not_a_number", 2, (8, 9)),
        ("invalid", "phone_unknown_country_code", 2, (11, 12)),
        ("invalid", "phone_none_valid", 2, (13, 14)),
        ("invalid", "phone_unexpected_character", 1, (10,)),
        ("failed", "api_error", 1, (15,)),
        ("failed", "check_failed", 1, (16,)),
    ]


def test_two_codes_said_in_the_same_words_stay_two_reasons(
        monkeypatch: pytest.MonkeyPatch) -> None:
    class Same(type(WORDS)):  # type: ignore[misc]
        def reason(self, found: Problem) -> str:
            return "the same words"

    monkeypatch.setattr("importer.report.summary.WORDS", Same())
    summary = _tally([_row(2, Status.FAILED, GAVE_UP_500),
                      _row(3, Status.FAILED, problem(Code.API_NO_ANSWER, attempts=5,
                                                     reason="x"))])
    assert [(r.code, r.reason, r.count) for r in summary.reasons] == [
        ("api_error", "the same words", 1), ("api_no_answer", "the same words", 1)]


def test_distinct_reasons_are_capped_and_the_rest_still_counted() -> None:
    results = [_row(n, Status.FAILED, f"failure kind {n}")
               for n in range(2, 302)]
    summary = _tally(results, max_reasons=5)
    assert len(summary.reasons) == 6
    assert sum(r.count for r in summary.reasons) == 300
    assert (summary.reasons[0].reason, summary.reasons[0].count) == (OTHER_REASONS, 295)


def test_summary_text_counts_reasons_results_and_what_to_run_next() -> None:
    results = [_row(n, Status.OK, chat_id=f"2010012345{n:02d}@c.us") for n in range(2, 40)]
    results += [_row(n, Status.INVALID, INVALID_EG) for n in (40, 41, 42)]
    results += [_row(n, Status.DUPLICATE, problem(Code.DUPLICATE_OF, row=n - 30))
                for n in (43, 44)]
    results += [_row(n, Status.FAILED, problem(Code.API_ERROR, attempts=5, http_status=503,
                                               reason="HTTP 503 Service Unavailable"))
                for n in (45, 46)]
    results += [_row(47, Status.NOT_ATTEMPTED, problem(Code.NOT_SENT,
                                                       why="interrupted by the user (Ctrl-C)"))]
    summary = _tally(results)
    text = render_summary(
        summary, retry_command="wawp-import --retry-failed out/contacts.results.csv",
        retry_invalid_command="wawp-import --retry-invalid out/contacts.results.csv")
    assert text == """\
46 rows in 12 s, 40 sent (3.2 rows/s) — ok: 38, duplicate: 2, invalid: 3, failed: 2, \
not_attempted: 1
  duplicate: 2 — same number as row … (rows 43, 44)
  invalid: 3 — phone: not a valid number for EG (rows 40, 41, 42)
  failed: 2 — gave up after 5 attempts: HTTP 503 Service Unavailable (rows 45, 46)
  not_attempted: 1 — not sent: interrupted by the user (Ctrl-C) (row 47)
Results: out/contacts.results.csv
To retry the 3 failed or not attempted rows: wawp-import --retry-failed out/contacts.results.csv
To send the 3 invalid or not_on_whatsapp rows once fixed in the results file: \
wawp-import --retry-invalid out/contacts.results.csv"""


def test_summary_shows_three_reasons_per_status_and_counts_the_rest() -> None:
    results = [_row(n, Status.INVALID, f"reason {'ABCDE'[n % 5]}") for n in range(2, 22)]
    text = render_summary(_tally(results))
    assert text.splitlines()[1:] == [
        "  invalid: 4 — reason C (rows 2, 7, 12, …)",
        "  invalid: 4 — reason D (rows 3, 8, 13, …)",
        "  invalid: 4 — reason E (rows 4, 9, 14, …)",
        "  invalid: 8 more for other reasons (see the results file)",
        "Results: out/contacts.results.csv",
    ]


def test_no_retry_line_when_nothing_failed() -> None:
    summary = _tally([_row(2, Status.OK, chat_id="201001234567@c.us")])
    text = render_summary(summary, retry_command="wawp-import --retry-failed x",
                          retry_invalid_command="wawp-import --retry-invalid x")
    assert "retry" not in text


def test_one_of_a_thing_is_said_in_the_singular() -> None:
    summary = _tally([_row(2, Status.OK, chat_id="201001234567@c.us")])
    summary.retried, summary.checked = 1, 1
    text = render_summary(summary)
    assert text.startswith("1 row in ")
    assert "Retried 1 row;" in text and "Checked on WhatsApp: 1 number asked" in text
    assert render_verify_estimate(1, 0, 1.0).startswith("Checking 1 number on WhatsApp")
    summary.dry_run = True
    assert render_summary(summary).startswith("Dry run, nothing sent: 1 row in ")


@pytest.mark.parametrize(("seconds", "text"), [
    (0.04, "0.0 s"), (3.21, "3.2 s"), (42.4, "42 s"), (185, "3 min 05 s"),
    (10_000, "2 h 46 min"),
])
def test_durations_read_as_a_person_says_them(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text


def test_the_verify_estimate_says_how_long_before_starting() -> None:
    assert render_verify_estimate(10_000, 0, 1.0) == (
        "Checking 10,000 numbers on WhatsApp at 1 per second: about 2 h 46 min.")
    assert render_verify_estimate(3, 7, 1.0) == (
        "Checking 3 numbers on WhatsApp at 1 per second: about 3.0 s (7 more answered from the "
        "cache).")
    assert render_verify_estimate(0, 5, 1.0) == (
        "Checking numbers on WhatsApp: all 5 answers are cached.")


def test_the_send_estimate_says_at_most_how_long() -> None:
    assert render_send_estimate(2_000, 20.0) == (
        "Up to 2,000 contacts to send at 20/s: about 1 min 40 s (rows that turn out invalid, "
        "duplicate, unchanged or already sent take no time).")
    assert render_send_estimate(300, 2.5, dry_run=True).startswith(
        "A real run would send up to 300 contacts at 2.5/s: about 2 min 00 s")


def test_a_canary_run_names_resume_as_its_next_step_and_slowdowns_are_counted() -> None:
    summary = Summary(counts={"ok": 3, "not_attempted": 7}, results=10, sent=3, limited=7,
                      slowdowns=2, results_path="book.results.csv")
    text = render_summary(summary, retry_command="wawp-import --retry-failed book.results.csv")
    assert "Slowed down 2 times: the API answered 429 (too many requests)." in text
    assert text.endswith("The canary is done: 7 contacts not sent yet. To send them, run the "
                         "same command again with --resume (without --limit, or with a new "
                         "one).")
    assert "--retry-failed" not in text
    data = summary_to_dict(summary, retry_command="x")
    assert data["retry_command"] is None and data["slowdowns"] == 2
    assert data["not_sent_for_limit"] == 7


def _fixture_summary(tmp_path: Path) -> Summary:
    source = tmp_path / "cockpit.csv"
    shutil.copy(FIXTURES / "cockpit.csv", source)
    ticks = iter([100.0, 100.25])
    plan = plan_import(ImportOptions(input=source, default_region="EG", dry_run=True))
    return run_plan(plan, clock=lambda: next(ticks))


def test_preview_shows_the_first_rows_exactly_as_they_would_be_sent(tmp_path: Path) -> None:
    summary = _fixture_summary(tmp_path)
    assert render_preview(summary) == """\
Preview: the 5 contacts as they would be sent:
  row  chat ID            first name  last name
    2  201001234567@c.us  Ahmed       Hassan
    3  201112345678@c.us  Mona        El-Sayed
    4  201223456789@c.us  Omar        Farouk
    9  201227654321@c.us  Karim       Mostafa
   11  201559876543@c.us  Nour"""


def test_preview_stops_at_ten_rows_and_says_how_many_there_are() -> None:
    results = [_row(n, Status.READY, chat_id=f"2010012345{n:02d}@c.us") for n in range(2, 30)]
    lines = render_preview(_tally(results)).splitlines()
    assert lines[0] == "Preview: the first 10 of 28 contacts as they would be sent:"
    assert len(lines) == 12 and lines[-1].startswith("   11  201001234511@c.us")


def test_preview_cuts_long_names_and_keeps_the_columns_aligned() -> None:
    long = RowResult(2, Status.READY, "201001234567@c.us", "Bartholomew-Maximilian Alexander",
                     "宮崎 駿")
    short = RowResult(3, Status.READY, "201001234568@c.us", "Al", "Li")
    summary = Summary(preview=[long, short], counts={"ready": 2})
    lines = render_preview(summary).splitlines()
    assert lines[2] == "    2  201001234567@c.us  Bartholomew-Maximilian…   宮崎 駿"
    assert lines[3] == "    3  201001234568@c.us  Al                        Li"
    assert lines[2].index("宮") == lines[3].index("Li")


def test_dry_run_summary_text_on_the_fixture(tmp_path: Path) -> None:
    summary = _fixture_summary(tmp_path)
    summary.results_path = "cockpit.results.csv"
    assert render_summary(summary) == """\
Dry run, nothing sent: 11 rows in 0.2 s (44 rows/s) — ready: 5, duplicate: 2, invalid: 4
  duplicate: 2 — same number as row … (rows 6, 12)
  invalid: 3 — phone: too short for EG (rows 5, 8, 10)
  invalid: 1 — no name: the row has no name (--missing-name phone uses the number instead) \
(row 7)
Results: cockpit.results.csv"""


def _mask_timing(text: str) -> str:
    return re.sub(r"in [\d.]+ s \([\d,.]+ rows/s\)", "in T s (R rows/s)", text)


def test_cli_dry_run_prints_the_preview_then_the_summary(tmp_path: Path) -> None:
    shutil.copy(FIXTURES / "cockpit.csv", tmp_path / "cockpit.csv")
    done = run_cli(["cockpit.csv", "--default-region", "EG", "--dry-run"], cwd=tmp_path)
    assert done.returncode == 1, done.stderr  # invalid rows
    assert _mask_timing(done.stdout) == """\
Preview: the 5 contacts as they would be sent:
  row  chat ID            first name  last name
    2  201001234567@c.us  Ahmed       Hassan
    3  201112345678@c.us  Mona        El-Sayed
    4  201223456789@c.us  Omar        Farouk
    9  201227654321@c.us  Karim       Mostafa
   11  201559876543@c.us  Nour

Dry run, nothing sent: 11 rows in T s (R rows/s) — ready: 5, duplicate: 2, invalid: 4
  duplicate: 2 — same number as row … (rows 6, 12)
  invalid: 3 — phone: too short for EG (rows 5, 8, 10)
  invalid: 1 — no name: the row has no name (--missing-name phone uses the number instead) \
(row 7)
Results: cockpit.dry-run.csv
To send: wawp-import cockpit.csv --default-region EG
"""


def test_summary_json_is_written_for_machines(tmp_path: Path) -> None:
    shutil.copy(FIXTURES / "cockpit.csv", tmp_path / "cockpit.csv")
    done = run_cli(["cockpit.csv", "--default-region", "EG", "--dry-run",
                    "--summary-json", "summary.json"], cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    data = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    assert data["exit_code"] == 1 and data["dry_run"] is True and data["rows"] == 11
    assert data["counts"] == {"ready": 5, "duplicate": 2, "invalid": 4}
    assert data["reasons"][1] == {"status": "invalid", "code": "phone_too_short",
                                  "reason": "phone: too short for EG", "count": 3,
                                  "example_rows": [5, 8, 10]}
    assert data["preview"][0] == {"row": 2, "chat_id": "201001234567@c.us",
                                  "first_name": "Ahmed", "last_name": "Hassan"}
    assert data["results_path"] == "cockpit.dry-run.csv"
    assert data["retry_command"] is None
    assert isinstance(data["elapsed_seconds"], float)


def test_summary_json_to_standard_output_with_a_dash(tmp_path: Path) -> None:
    shutil.copy(FIXTURES / "cockpit.csv", tmp_path / "cockpit.csv")
    done = run_cli(["cockpit.csv", "--default-region", "EG", "--dry-run", "--summary-json", "-"],
                   cwd=tmp_path)
    data = json.loads(done.stdout)  # only the JSON: the closing lines went to stderr
    assert data["counts"]["ready"] == 5
    assert "Results: cockpit.dry-run.csv" in done.stderr


def test_the_token_appears_in_no_summary_nor_retry_command(sandbox: SandboxProcess,
                                                          tmp_path: Path) -> None:
    shutil.copy(FIXTURES / "cockpit.csv", tmp_path / "cockpit.csv")
    sandbox.configure(bad_request_chat_ids=["201112345678@c.us"])
    env = sandbox.env()
    token = env.pop("WAWP_ACCESS_TOKEN")
    done = run_cli(["cockpit.csv", "--default-region", "EG", "--rate", "0",
                    f"--access-token={token}", "--summary-json", "summary.json"],
                   env=env, cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    data = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    assert data["retry_command"] == ("wawp-import --retry-failed cockpit.results.csv "
                                     "--default-region EG --rate 0")
    assert data["retry_command"] in done.stdout
    assert token not in done.stdout + done.stderr + json.dumps(data)


def test_summary_dict_names_the_retry_command_only_when_there_is_something_to_retry() -> None:
    summary = _tally([_row(2, Status.FAILED, "boom")])
    data = summary_to_dict(summary, exit_code=1, retry_command="wawp-import --retry-failed x")
    assert data["retry_command"] == "wawp-import --retry-failed x"
    assert data["retry_invalid_command"] is None
