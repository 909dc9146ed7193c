"""Row problems as data: each kind of problem has its code and parameters where it is found,
and the results file's words are made from them (the same words as before codes)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from importer.models import RowResult, SourceRow, Status
from importer.normalize import PhoneNormalizer, RowNormalizer
from importer.normalize.dedupe import keep_first
from importer.problems import WORDS, Code, Problem, decode_problem, encode_params, problem
from importer.read.columns import ColumnMap
from importer.read.results_input import open_previous_results
from importer.result_format import RESULT_COLUMNS, result_cells
from tests.support.cli import write_csv
from tests.support.problems import SAMPLES


def test_every_code_has_a_sample_and_words() -> None:
    assert set(SAMPLES) == set(Code)
    for code, found in SAMPLES.items():
        assert found.code is code
        assert WORDS.detail(found) and WORDS.reason(found)


@pytest.mark.parametrize("found", SAMPLES.values(), ids=[c.value for c in SAMPLES])
def test_a_problem_goes_through_json_and_the_results_cells_unchanged(found: Problem) -> None:
    assert Problem.from_json(json.loads(json.dumps(found.to_json()))) == found
    assert decode_problem(found.code.value, encode_params(found)) == found


@pytest.mark.parametrize(("cell", "code", "params"), [
    ("", Code.PHONE_MISSING, {}),
    ("call me", Code.PHONE_NOT_A_NUMBER, {"text": "call me"}),
    ("0100ABC4567", Code.PHONE_LETTERS, {}),
    ("0100*1234567", Code.PHONE_UNEXPECTED_CHARACTER, {"character": "*"}),
    ("2.01001E+11", Code.PHONE_DIGITS_LOST, {"text": "2.01001E+11"}),
    ("+999 123 456", Code.PHONE_UNKNOWN_COUNTRY_CODE, {"country_code": "999",
                                                       "partial": True}),
    ("12", Code.PHONE_TOO_SHORT, {"region": "EG", "digits": 2, "country_code": 20,
                                  "lengths": "8 to 10"}),
    ("0100 123", Code.PHONE_LOCAL_ONLY, {"region": "EG", "digits": 7, "country_code": 20,
                                         "lengths": "8 to 10"}),
    ("0100 123 4567 8", Code.PHONE_TOO_LONG, {"region": "EG", "digits": 11,
                                              "country_code": 20, "lengths": "8 to 10"}),
    ("0100 12, 0100 13", Code.PHONE_NONE_VALID, None),
])
def test_a_phone_cell_gives_its_problem_as_code_and_parameters(
        cell: str, code: Code, params: dict[str, object] | None) -> None:
    result = PhoneNormalizer("EG").normalize(cell)
    assert result.chat_id is None and result.problem is not None
    assert result.problem.code is code
    if params is not None:
        assert dict(result.problem.params) == params
    assert result.detail == WORDS.phone(result.problem)  # the words come from the data


def test_a_cell_of_numbers_none_valid_keeps_each_numbers_problem() -> None:
    found = PhoneNormalizer("EG").normalize("0100 12; +999 1").problem
    assert found is not None and found.code is Code.PHONE_NONE_VALID
    assert [(written, inner.code) for written, inner in found["numbers"]] == [
        ("0100 12", Code.PHONE_LOCAL_ONLY), ("+999 1", Code.PHONE_UNKNOWN_COUNTRY_CODE)]


def test_without_a_region_a_national_number_says_so() -> None:
    found = PhoneNormalizer(None).normalize("0100 123 4567").problem
    assert found == problem(Code.PHONE_NO_COUNTRY_CODE, national=True)


def _rows(normalizer: RowNormalizer, *cells: tuple[str, str]) -> list:
    rows = [SourceRow(n, cell) for n, cell in enumerate(cells, start=2)]
    return list(keep_first(normalizer.prepare_rows(rows)))


def test_rows_carry_their_problem_beside_their_words() -> None:
    normalizer = RowNormalizer(ColumnMap(phone=1, name=0), default_region="EG")
    items = _rows(normalizer, ("Ann", "0100 123 4567"), ("", "0100 123 4568"),
                  ("Ann B", "0100 123 4567"), ("Bob", "12"))
    assert [(i.status, i.problem) for i in items] == [
        (Status.READY, None),
        (Status.INVALID, problem(Code.NO_NAME)),
        (Status.DUPLICATE, problem(Code.DUPLICATE_OF, row=2, name="Ann B", kept_name="Ann")),
        (Status.INVALID, problem(Code.PHONE_TOO_SHORT, region="EG", digits=2, country_code=20,
                                 lengths="8 to 10")),
    ]
    assert items[2].detail == "same number as row 2 (name differs: 'Ann B' here, 'Ann' in row 2)"
    assert items[3].detail == ("phone: too short for EG (2 digits; EG numbers have 8 to 10 after "
                               "+20)")


def test_the_results_line_ends_our_columns_with_code_and_params() -> None:
    result = RowResult(5, Status.DUPLICATE, "201001234567@c.us", "Ann", "", 0, None,
                       "same number as row 2", ("Ann", "0100 123 4567"),
                       problem(Code.DUPLICATE_OF, row=2))
    cells = result_cells(result, 2)
    assert RESULT_COLUMNS[-2:] == ("code", "params")
    assert cells[8:] == ["duplicate_of", '{"row":2}', "Ann", "0100 123 4567"]


def test_a_results_file_from_before_the_code_column_is_read_back(tmp_path: Path) -> None:
    old = write_csv(tmp_path / "old.results.csv", [
        ["row", "status", "chat_id", "first_name", "last_name", "attempts", "http_status",
         "detail", "Name", "Phone"],
        ["2", "ok", "201001234567@c.us", "Ann", "", "1", "200", "", "Ann", "0100 123 4567"],
        ["3", "failed", "201001234568@c.us", "Bob", "", "5", "503",
         "gave up after 5 attempts: HTTP 503", "Bob", "0100 123 4568"],
    ])
    table = open_previous_results(old, retry={Status.FAILED})
    assert table.headers == ["Name", "Phone"]
    carried, retried = list(table.rows)
    assert carried.previous[0].problem is None and carried.values == ("Ann", "0100 123 4567")
    assert retried.values == ("Bob", "0100 123 4568")


def test_a_results_file_with_codes_gives_each_line_its_problem(tmp_path: Path) -> None:
    new = write_csv(tmp_path / "new.results.csv", [
        list(RESULT_COLUMNS) + ["Name", "Phone"],
        ["2", "invalid", "", "", "", "0", "", "phone: too short (2 digits)", "phone_too_short",
         '{"digits":2}', "Ann", "12"],
        ["3", "ok", "201001234568@c.us", "Bob", "", "0", "", "sent in an earlier run",
         "sent_earlier", "", "Bob", "0100 123 4568"],
        ["4", "invalid", "", "", "", "0", "", "from a newer wawp-import", "no_such_code", "",
         "Cy", "1"],
    ])
    table = open_previous_results(new, retry={Status.FAILED})
    assert table.headers == ["Name", "Phone"]
    lines = [row.previous[0] for row in table.rows]
    assert [line.problem for line in lines] == [
        problem(Code.PHONE_TOO_SHORT, digits=2), problem(Code.SENT_EARLIER), None]
    assert lines[0].values == ("Ann", "12")
