"""pandas in the Python API: a DataFrame in, results out as a DataFrame; never in the CLI."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from importer import Status, read_results, run_import, summary_frame
from importer.read.dataframe import frame_cell, frame_headers, frame_rows
from tests.support.cli import REPO, clean_env, write_csv
from tests.support.sandbox import SandboxProcess

pd = pytest.importorskip("pandas")
np = pytest.importorskip("numpy")


def _connection(sandbox: SandboxProcess) -> dict[str, str]:
    return {"base_url": sandbox.base_url, "instance_id": sandbox.instance_id,
            "access_token": sandbox.token}


@pytest.mark.parametrize(("value", "text"), [
    (201001234567, "201001234567"),
    (np.int64(201001234567), "201001234567"),
    (np.uint64(201001234567), "201001234567"),
    (201001234567.0, "201001234567"),
    (np.float64(201001234567.0), "201001234567"),
    (3.5, "3.5"),
    (float("nan"), ""),
    (None, ""),
    (pd.NA, ""),
    (pd.NaT, ""),
    (np.bool_(True), "TRUE"),
    ("+20 100 123 4567", "+20 100 123 4567"),
    (pd.Timestamp("2024-01-02 03:04"), "2024-01-02 03:04:00"),
])
def test_frame_cells_keep_their_digits(value: object, text: str) -> None:
    assert frame_cell(value) == text


def test_frame_columns_keep_their_digits() -> None:
    frame = pd.DataFrame({
        "int64": np.array([201001234567, 201112345678], dtype="int64"),
        "float": [201001234567.0, np.nan],  # pandas' integers-with-a-gap
        "Int64": pd.array([201001234567, None], dtype="Int64"),
        "object": [None, 201223456789],
        "string": pd.array(["0100 123 4567", None], dtype="string"),
        7: ["a", "b"],
    })
    assert frame_headers(frame) == ["int64", "float", "Int64", "object", "string", "7"]
    assert list(frame_rows(frame, chunk=1)) == [
        ["201001234567", "201001234567", "201001234567", "", "0100 123 4567", "a"],
        ["201112345678", "", "", "201223456789", "", "b"],
    ]


def test_run_import_sends_a_dataframe(sandbox: SandboxProcess, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    frame = pd.DataFrame({
        "Name": ["Ahmed Hassan", "Mona Ali", None, "Omar Farouk"],
        "WhatsApp": np.array([201001234567, 201112345678, 201223456789, 201065551212],
                             dtype="int64"),
        "Score": [1.5, np.nan, 2.0, 3.0],
    })
    summary = run_import(frame, default_region="EG", rate=0, **_connection(sandbox))
    assert summary.counts == {"ok": 3, "invalid": 1}
    assert Path(summary.results_path) == Path("dataframe.results.csv")
    before = Path("dataframe.results.csv").read_bytes()
    dry = run_import(frame, default_region="EG", dry_run=True)  # never over the real results
    assert Path(dry.results_path) == Path("dataframe.dry-run.csv")
    assert Path("dataframe.results.csv").read_bytes() == before
    contacts = sandbox.state()["contacts"]
    assert contacts == {"201001234567@c.us": {"firstName": "Ahmed", "lastName": "Hassan"},
                        "201112345678@c.us": {"firstName": "Mona", "lastName": "Ali"},
                        "201065551212@c.us": {"firstName": "Omar", "lastName": "Farouk"}}

    results = summary_frame(summary)
    assert list(results.columns[:8]) == ["row", "status", "chat_id", "first_name", "last_name",
                                         "attempts", "http_status", "detail"]
    assert list(results.columns[8:]) == ["code", "params", "Name", "WhatsApp", "Score"]
    assert results["row"].tolist() == [2, 3, 4, 5]
    assert results["row"].dtype == "int64" and results["attempts"].dtype == "int64"
    assert results["status"].tolist() == ["ok", "ok", "invalid", "ok"]
    assert results["http_status"].tolist()[:2] == [200, 200]
    assert results["http_status"].isna().tolist() == [False, False, True, False]
    assert results["WhatsApp"].tolist()[0] == "201001234567"  # text, as sent
    assert results["Score"].tolist() == ["1.5", "", "2", "3"]
    assert not list(tmp_path.glob("wawp-frame-*"))  # the temporary copy is gone


def test_read_results_reads_csv_and_xlsx_alike(tmp_path: Path) -> None:
    source = write_csv(tmp_path / "book.csv", [["Name", "Phone"], ["=cmd", "0100 123 4567"],
                                               ["Mona", "nope"]])
    csv_summary = run_import(source, default_region="EG", dry_run=True)
    xlsx_summary = run_import(source, default_region="EG", dry_run=True,
                              results=tmp_path / "book.results.xlsx")
    from_csv = read_results(csv_summary.results_path)
    from_xlsx = summary_frame(xlsx_summary)
    assert from_csv["status"].tolist() == [Status.READY.value, Status.INVALID.value]
    assert from_csv["first_name"].tolist()[0] == "=cmd"  # Excel's guard ' is not data
    pd.testing.assert_frame_equal(from_csv, from_xlsx)


def test_read_results_refuses_a_file_that_is_not_results(tmp_path: Path) -> None:
    from importer import InputFileError

    with pytest.raises(InputFileError, match="not a results file"):
        read_results(write_csv(tmp_path / "book.csv", [["Name", "Phone"], ["A", "1"]]))


WATCH = """
import runpy, sys
try:
    runpy.run_module("importer", run_name="__main__")
finally:
    print("PANDAS LOADED" if "pandas" in sys.modules else "pandas not loaded", file=sys.stderr)
"""


@pytest.mark.parametrize("extra", [["--dry-run"], ["--changed-only"]])
def test_the_command_never_imports_pandas(sandbox: SandboxProcess, tmp_path: Path,
                                          extra: list[str]) -> None:
    source = write_csv(tmp_path / "book.csv", [["Name", "Phone"], ["Ahmed", "0100 123 4567"]])
    for input_file in (source, REPO / "samples" / "contacts.xlsx"):
        done = subprocess.run(
            [sys.executable, "-c", WATCH, input_file, "--default-region", "EG", "--no-progress",
             "--rate", "0", "--results", tmp_path / "out.results.csv", "--force",
             "--ledger", tmp_path / "ledger.sqlite", *extra],
            env=clean_env(sandbox.env()), capture_output=True, text=True, timeout=120,
            check=False)
        assert done.returncode in (0, 1), done.stderr
        assert done.stderr.rstrip().endswith("pandas not loaded"), done.stderr


def test_the_readme_notebook_example_runs(sandbox: SandboxProcess, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """The README's pandas example as written, with a frame instead of the SQL query."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("### From a notebook, with pandas", 1)[1]
    snippet = section.split("```python\n", 1)[1].split("```", 1)[0]
    query = 'crm = pd.read_sql("SELECT name, mobile, company FROM customers", engine)'
    assert query in snippet
    snippet = snippet.replace(query, 'crm = pd.DataFrame({"name": ["Ahmed Hassan", "Mona"], '
                              '"mobile": [201001234567, None], "company": ["Acme", "Beta"]})')
    snippet = snippet.replace('default_region="EG",',
                              f'default_region="EG", base_url="{sandbox.base_url}",')
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("WAWP_ACCESS_TOKEN", sandbox.token)
    monkeypatch.setenv("WAWP_INSTANCE_ID", sandbox.instance_id)
    namespace: dict[str, object] = {}
    exec(compile(snippet, "README", "exec"), namespace)  # noqa: S102
    results = namespace["results"]
    assert results["status"].tolist() == ["ok", "invalid"]  # type: ignore[index]
    assert results["mobile"].tolist() == ["201001234567", ""]  # type: ignore[index]
    assert namespace["last_week"]["row"].tolist() == [2, 3]  # type: ignore[index]
