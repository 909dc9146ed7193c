"""Results as an Excel workbook (`--results x.xlsx`): what an operator sees when opening it."""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest

from importer.errors import ConfigError
from importer.models import RowResult, Status
from importer.report.results import ResultsWriter, open_results_writer
from importer.report.xlsx import STATUS_COLOURS, WIDTH_SAMPLE_ROWS, XlsxResultsWriter, rows_path
from tests.support.cli import run_cli, write_csv
from tests.support.sandbox import SandboxProcess

HEADERS = ["Name", "Phone", "Note"]


def _fill(cell: openpyxl.cell.cell.Cell) -> str | None:
    return cell.fill.fgColor.rgb[-6:] if cell.fill.fill_type == "solid" else None


def _write(path: Path, results: list[RowResult]) -> openpyxl.worksheet.worksheet.Worksheet:
    with XlsxResultsWriter(path, HEADERS) as writer:
        for result in results:
            writer.write(result)
    return openpyxl.load_workbook(path).active


def test_the_writer_is_chosen_by_the_extension(tmp_path: Path) -> None:
    with open_results_writer(tmp_path / "r.xlsx", HEADERS) as writer:
        assert isinstance(writer, XlsxResultsWriter)
    with open_results_writer(tmp_path / "r.csv", HEADERS) as writer:
        assert isinstance(writer, ResultsWriter)
    with open_results_writer(tmp_path / "r.txt", HEADERS) as writer:
        assert isinstance(writer, ResultsWriter)
    with pytest.raises(ConfigError, match=r"\.xlsx"):
        open_results_writer(tmp_path / "r.xls", HEADERS)


def test_header_is_frozen_and_filtered_and_widths_fit(tmp_path: Path) -> None:
    sheet = _write(tmp_path / "r.xlsx", [
        RowResult(2, Status.OK, "201001234567@c.us", "Ahmed", "Hassan", 1, 200, "",
                  ("Ahmed Hassan", "+20 100 123 4567", "a rather long note about this person")),
    ])
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:M2"
    header = [c.value for c in sheet[1]]
    assert header == ["row", "status", "chat_id", "first_name", "last_name", "attempts",
                      "http_status", "detail", "code", "params", "Name", "Phone", "Note"]
    assert sheet["A1"].font.b
    widths = {k: v.width for k, v in sheet.column_dimensions.items()}
    assert widths["C"] >= len("201001234567@c.us")
    assert widths["M"] >= len("a rather long note about this person")
    assert widths["A"] >= 6


def test_phone_and_id_cells_are_text_and_numbers_are_numbers(tmp_path: Path) -> None:
    sheet = _write(tmp_path / "r.xlsx", [
        RowResult(2, Status.OK, "201001234567@c.us", "Ahmed", "", 1, 200, "",
                  ("Ahmed", "201001234567", "")),
        RowResult(3, Status.INVALID, "", "", "", 0, None, "phone: no phone number",
                  ("Mona", "", "=HYPERLINK(\"http://x\")")),
    ])
    phone, chat_id = sheet["L2"], sheet["C2"]
    assert (phone.value, phone.data_type, phone.number_format) == ("201001234567", "s", "@")
    assert (chat_id.value, chat_id.data_type) == ("201001234567@c.us", "s")
    assert (sheet["A2"].value, sheet["F2"].value, sheet["G2"].value) == (2, 1, 200)
    assert sheet["G3"].value is None
    formula = sheet["M3"]
    assert formula.data_type == "s" and formula.value == "=HYPERLINK(\"http://x\")"


def test_the_status_cell_is_coloured_by_status(tmp_path: Path) -> None:
    statuses = list(Status)
    sheet = _write(tmp_path / "r.xlsx", [RowResult(n + 2, s) for n, s in enumerate(statuses)])
    fills = {sheet.cell(row=n + 2, column=2).value: _fill(sheet.cell(row=n + 2, column=2))
             for n in range(len(statuses))}
    assert fills["ok"] == "C6EFCE"  # green
    assert fills["invalid"] == fills["failed"] == "FFC7CE"  # red
    assert fills["duplicate"] == fills["not_attempted"] == "E7E6E6"  # grey
    assert set(fills) == {s.value for s in STATUS_COLOURS}


def test_control_characters_excel_refuses_are_dropped(tmp_path: Path) -> None:
    sheet = _write(tmp_path / "r.xlsx", [
        RowResult(2, Status.INVALID, detail="bad\x00cell\x1b", values=("A\x07", "1", ""))])
    assert sheet["H2"].value == "badcell" and sheet["K2"].value == "A"


def test_a_long_run_streams_past_the_width_sample(tmp_path: Path) -> None:
    rows = WIDTH_SAMPLE_ROWS * 2 + 7
    sheet = _write(tmp_path / "r.xlsx", [
        RowResult(n, Status.OK, f"2010{n:08d}@c.us", "A", "B", 1, 200, "", ("A B", str(n), ""))
        for n in range(2, rows + 2)])
    assert sheet.max_row == rows + 1
    assert sheet.auto_filter.ref == f"A1:M{rows + 1}"
    assert sheet.cell(row=rows + 1, column=12).value == str(rows + 1)


def test_an_interrupted_write_leaves_only_the_partial_file(tmp_path: Path) -> None:
    path = tmp_path / "r.xlsx"
    with pytest.raises(RuntimeError), XlsxResultsWriter(path, HEADERS) as writer:
        writer.write(RowResult(2, Status.OK))
        raise RuntimeError("boom")
    assert not path.exists()
    with (tmp_path / "r.xlsx.partial").open("rb") as partial:
        assert openpyxl.load_workbook(partial).active.max_row == 2


@pytest.fixture
def system_temp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The process's temporary folder, empty: nothing the writer makes may land there."""
    folder = tmp_path / "system-temp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    yield folder


def _row(n: int) -> RowResult:
    return RowResult(n, Status.OK, f"2010{n:08d}@c.us", "A", "B", 1, 200, "", ("A B", str(n), ""))


def test_rows_stream_to_a_private_file_beside_the_results_removed_on_close(
        tmp_path: Path, system_temp: Path) -> None:
    path = tmp_path / "r.xlsx"
    rows_path(path).write_text("a killed run's rows")
    old = os.umask(0)
    try:
        writer = XlsxResultsWriter(path, HEADERS)
        for n in range(2, WIDTH_SAMPLE_ROWS + 12):  # past the sample: rows are streaming
            writer.write(_row(n))
        modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in tmp_path.iterdir()
                 if p.is_file()}
        writer.close()
    finally:
        os.umask(old)
    assert modes == {"r.xlsx.partial": 0o600, "r.xlsx.rows.partial": 0o600}
    assert list(system_temp.iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.xlsx", "system-temp"]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert openpyxl.load_workbook(path).active.max_row == WIDTH_SAMPLE_ROWS + 11


@pytest.mark.parametrize("rows", [0, 3, WIDTH_SAMPLE_ROWS + 5])
def test_a_failed_write_leaves_no_streamed_rows(tmp_path: Path, system_temp: Path,
                                                rows: int) -> None:
    path = tmp_path / "r.xlsx"
    with pytest.raises(RuntimeError), XlsxResultsWriter(path, HEADERS) as writer:
        for n in range(2, rows + 2):
            writer.write(_row(n))
        raise RuntimeError("the run failed")
    assert not rows_path(path).exists()
    assert list(system_temp.iterdir()) == []
    assert (tmp_path / "r.xlsx.partial").exists() == (rows > 0)


def test_cli_writes_an_excel_results_file(sandbox: SandboxProcess, tmp_path: Path) -> None:
    source = write_csv(tmp_path / "contacts.csv", [
        ["Name", "Phone"],
        ["John Doe", "201001234567"],
        ["Jane Doe", "+20 100 123 4568"],
        ["Nobody", "12"],
        ["John Again", "0100 123 4567"],
    ])
    sandbox.configure(bad_request_chat_ids=["201001234568@c.us"])
    out = tmp_path / "out" / "contacts.results.xlsx"
    out.parent.mkdir()
    done = run_cli([source, "--default-region", "EG", "--rate", "0", "--results", out],
                   env=sandbox.env())
    assert done.returncode == 1, done.stderr
    assert f"Results: {out}" in done.stdout
    sheet = openpyxl.load_workbook(out).active
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:L5"
    rows = {r[0].value: r for r in sheet.iter_rows(min_row=2)}
    assert [rows[n][1].value for n in (2, 3, 4, 5)] == ["ok", "failed", "invalid", "duplicate"]
    assert [_fill(rows[n][1]) for n in (2, 3, 4, 5)] == ["C6EFCE", "FFC7CE", "FFC7CE", "E7E6E6"]
    assert [rows[n][8].value for n in (2, 3, 4, 5)] == [
        None, "api_refused", "phone_too_short", "duplicate_of"]
    assert rows[5][9].value == '{"row":2,"name":"John Again","kept_name":"John Doe"}'
    phone = rows[2][11]
    assert (phone.value, phone.data_type) == ("201001234567", "s")
    assert not list(out.parent.glob("*.partial"))
