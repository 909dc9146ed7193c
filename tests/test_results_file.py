"""The results file: contract columns, input columns echoed, and safe to open in Excel."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from importer.models import RowResult, Status
from importer.problems import Code, problem
from importer.report.results import ResultsWriter, csv_cell
from importer.result_format import CELL_RISKY_FIRST, RESULT_COLUMNS, result_cells, safe_cell
from tests.support.cli import read_results, run_cli, write_csv


@pytest.mark.parametrize(("cell", "written"), [
    ("=HYPERLINK(\"http://evil\",\"x\")", "'=HYPERLINK(\"http://evil\",\"x\")"),
    ("=1+1", "'=1+1"),
    ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
    ("\t=1+1", "'\t=1+1"),
    ("\r=1+1", "'\r=1+1"),
    ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
    ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
    ("+SUM(1,2)", "'+SUM(1,2)"),
    ("-", "'-"),
    # phone numbers stay readable as they are
    ("+44 7911 123456", "+44 7911 123456"),
    ("+1 (415) 555-2671", "+1 (415) 555-2671"),
    ("+20-100-123-4567", "+20-100-123-4567"),
    ("-5", "-5"),
    ("John = Doe", "John = Doe"),
    ("", ""),
    ("201001234567@c.us", "201001234567@c.us"),
])
def test_cells_excel_would_run_are_escaped(cell: str, written: str) -> None:
    assert safe_cell(cell) == written


def test_the_writers_shortcut_skips_only_cells_safe_cell_keeps() -> None:
    # The writer calls safe_cell only for cells starting with CELL_RISKY_FIRST: every other
    # first character (each of the first 0x3000 code points, alone and before a formula)
    # must be one safe_cell leaves as it is.
    for code in range(0x3000):
        first = chr(code)
        if first in CELL_RISKY_FIRST:
            continue
        for cell in (first, first + "=1+1", first + "+cmd|' /C calc'!A0"):
            assert safe_cell(cell) == cell, repr(cell)


def csv_module_line(cells: list[str]) -> str:
    out = io.StringIO()
    csv.writer(out).writerow(cells)
    return out.getvalue()


def csv_module_file(results: list[RowResult], headers: list[str]) -> bytes:
    """What the writer wrote before it made lines itself: every line from csv.writer."""
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow([*RESULT_COLUMNS, *headers])
    for result in results:
        writer.writerow([safe_cell(c) for c in result_cells(result, len(headers))])
    return out.getvalue().encode("utf-8-sig")


@pytest.mark.parametrize("cell", [
    "", "a", " lead", "trail ", "tab\there", "\x00", "\x85", "\u2028", "é", "ش", "\ufeff",
    "'=1+1", "x'y", "b,c", 'say "hi"', "two\nlines", "cr\r", '{"day":"2026-12-04"}', ",",
])
def test_a_cell_is_quoted_as_the_csv_module_does(cell: str) -> None:
    assert f"x,{csv_cell(cell)},y\r\n" == csv_module_line(["x", cell, "y"])


TEXT = st.text(alphabet=st.characters(max_codepoint=0x3000), max_size=6)


@given(st.lists(st.tuples(TEXT, TEXT, TEXT, st.lists(TEXT, max_size=4)), max_size=8),
       st.integers(min_value=0, max_value=3))
def test_the_writers_lines_are_the_csv_modules(tmp_path_factory: pytest.TempPathFactory,
                                               rows: list[tuple[str, str, str, list[str]]],
                                               width: int) -> None:
    # The writer makes most lines itself (a join, the detail and params remembered) and
    # leaves the others to csv.writer: either way the bytes are the csv module's.
    headers = [f"H{i}" for i in range(width)]
    results = [RowResult(n + 2, Status.UNCHANGED if n % 2 else Status.INVALID, first_name=first,
                         last_name=last, detail=detail, values=tuple(values),
                         problem=problem(Code.NO_NAME) if n % 3 else problem(
                             Code.UNCHANGED, day=detail))
               for n, (first, last, detail, values) in enumerate(rows)]
    path = tmp_path_factory.mktemp("out") / "out.csv"
    with ResultsWriter(path, headers) as writer:
        for result in results:
            writer.write(result)
    assert path.read_bytes() == csv_module_file(results, headers)


def test_lines_that_need_quoting_go_through_the_csv_module(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    with ResultsWriter(path, ["A", "B"]) as writer:
        writer.write(RowResult(2, Status.INVALID, detail='bad "cell", twice', values=("x,y", "z")))
        writer.write(RowResult(3, Status.INVALID, detail="plain", values=("x", "z")))
    assert path.read_bytes().decode("utf-8-sig").split("\r\n")[1:] == [
        '2,invalid,,,,0,,"bad ""cell"", twice",,,"x,y",z', "3,invalid,,,,0,,plain,,,x,z", ""]


def test_every_column_is_escaped_input_columns_included(tmp_path: Path) -> None:
    source = write_csv(tmp_path / "evil.csv", [
        ["Name", "Phone", "=Notes"],
        ["=cmd|' /C calc'!A0", "+20 100 123 4567", "@SUM(1+1)"],
        ["Plain Name", "+44 7911 123456", "-1+1"],
    ])
    done = run_cli([source, "--dry-run", "--default-region", "EG"])
    assert done.returncode == 0, done.stderr
    lines = (tmp_path / "evil.dry-run.csv").read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].endswith(",Name,Phone,'=Notes")
    rows = read_results(tmp_path / "evil.dry-run.csv")
    assert rows[0]["first_name"].startswith("'=")
    assert rows[0]["Name"] == "'=cmd|' /C calc'!A0"
    assert rows[0]["Phone"] == "+20 100 123 4567"
    assert rows[0]["'=Notes"] == "'@SUM(1+1)"
    assert rows[1]["Phone"] == "+44 7911 123456"
    assert rows[1]["'=Notes"] == "'-1+1"


def test_ragged_rows_are_padded_and_extra_cells_kept(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    with ResultsWriter(path, ["A", "B", "C"]) as writer:
        writer.write(RowResult(2, Status.INVALID, detail="x", values=("1",)))
        writer.write(RowResult(3, Status.INVALID, detail="y", values=("1", "2", "3", "4")))
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    assert lines[1] == "2,invalid,,,,0,,x,,,1,,"
    assert lines[2] == "3,invalid,,,,0,,y,,,1,2,3,4"


def test_a_failed_run_leaves_no_half_written_results_in_place(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    with pytest.raises(RuntimeError), ResultsWriter(path, ["A"]) as writer:
        writer.write(RowResult(2, Status.OK, values=("1",)))
        raise RuntimeError("crash")
    assert not path.exists()
    assert path.with_name("out.csv.partial").exists()
