"""The page's words for a row's problem: made from its code and parameters, never by
rewriting the command line's sentence, and never naming a command-line flag."""

from __future__ import annotations

import pytest

from importer.models import ReasonCount, RowResult, Status, Summary
from importer.problems import WORDS, Code, Problem, problem
from importer.report.summary import SummaryTally
from importer.web.views import ExampleRows, top_reasons
from importer.web.words import PAGE_WORDS, row_detail
from tests.support.problems import SAMPLES


@pytest.mark.parametrize("found", SAMPLES.values(), ids=[c.value for c in SAMPLES])
def test_no_problem_names_a_flag_on_the_page(found: Problem) -> None:
    if found.code is Code.NOT_SENT or found.code is Code.NOT_RETRIED:
        # the why is the front end's own words: the page stops a run "from the page"
        found = found.with_params(why="stopped from the page")
    assert "--" not in PAGE_WORDS.detail(found) and "--" not in PAGE_WORDS.reason(found)


@pytest.mark.parametrize(("found", "page"), [
    (problem(Code.PHONE_NO_COUNTRY_CODE),
     "phone: no country code: write it with + and the country code, or choose the region "
     "under Numbers and names"),
    (problem(Code.PHONE_NO_COUNTRY_CODE, national=True),
     "phone: a national number and no region: write it with + and the country code, or "
     "choose the region under Numbers and names"),
    (problem(Code.NO_NAME), "no name: the row has no name (\u201cuse the number as its "
                            "name\u201d under Numbers and names sends it anyway)"),
    (problem(Code.UNCHANGED, day="2026-12-01"),
     "already in the address book: sent on 2026-12-01 with the same name; \u201cSend again "
     "anyway\u201d sends it again"),
    (problem(Code.CANARY_LIMIT, limit=20), "not sent: beyond the first 20 contacts (a canary)"),
    (problem(Code.PHONE_NONE_VALID, numbers=(("0100", problem(Code.PHONE_NO_COUNTRY_CODE,
                                                              national=True)),
                                             ("12", problem(Code.PHONE_TOO_SHORT, digits=2)))),
     "phone: 2 numbers in the cell, none valid: 0100 [a national number and no region: write "
     "it with + and the country code, or choose the region under Numbers and names], 12 [too "
     "short (2 digits)]"),
])
def test_the_page_words_a_problem_from_its_code(found: Problem, page: str) -> None:
    assert PAGE_WORDS.detail(found) == page
    assert "--" in WORDS.detail(found)  # the command line names its flag


def test_a_problem_without_a_flag_reads_the_same_on_the_page() -> None:
    found = problem(Code.PHONE_TOO_SHORT, region="EG", digits=5, country_code=20,
                    lengths="8 to 10")
    assert PAGE_WORDS.detail(found) == WORDS.detail(found) == (
        "phone: too short for EG (5 digits; EG numbers have 8 to 10 after +20)")


def test_a_line_without_a_problem_shows_its_detail_as_written() -> None:
    # a line of a results file written before the problem code: its words are all there is
    old = RowResult(2, Status.INVALID, detail="phone: too short (3 digits)")
    assert row_detail(old) == "phone: too short (3 digits)"


def test_the_summarys_reasons_and_examples_are_in_the_pages_words() -> None:
    no_name = problem(Code.NO_NAME)
    results = [RowResult(n, Status.INVALID, detail=f"phone: landline number; {WORDS.NO_NAME}",
                         problem=no_name, values=(f"row {n}",)) for n in (2, 3)]
    summary = Summary()
    tally, examples = SummaryTally(summary), ExampleRows()
    for result in results:
        tally.add(result)
        examples.add(result)
    (reason,) = top_reasons(tally.finish(), examples)
    assert reason["code"] == "no_name" and reason["count"] == 2
    assert reason["reason"] == PAGE_WORDS.NO_NAME
    assert reason["text"] == f"invalid: 2 — {PAGE_WORDS.NO_NAME} (rows 2, 3)"
    assert [e["detail"] for e in reason["examples"]] == [PAGE_WORDS.NO_NAME] * 2


def test_a_reason_from_an_older_results_file_keeps_its_words() -> None:
    summary = Summary(reasons=[ReasonCount("failed", "gave up after 5 attempts: HTTP 503", 1,
                                           (4,))])
    (reason,) = top_reasons(summary, ExampleRows())
    assert (reason["code"], reason["reason"]) == (None, "gave up after 5 attempts: HTTP 503")
