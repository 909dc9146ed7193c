"""What the page says of a file (the reader's notes, why a column was chosen, the error that
stops a check) is worded from data, never with a command-line flag: files that trigger each
are uploaded to the app over real HTTP, against the real sandbox."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from importer import ImportOptions
from importer.web import create_app
from tests.support.cli import write_csv
from tests.support.sandbox import SandboxProcess
from tests.web.support import AppServer, PageClient, upload_and_check

#: The server's row limit (`wawp-import serve --max-rows`).
MAX_ROWS = 8


@pytest.fixture
def client(sandbox: SandboxProcess, tmp_path: Path) -> Iterator[PageClient]:
    options = ImportOptions(input=Path(), base_url=sandbox.base_url,
                            instance_id=sandbox.instance_id, access_token=sandbox.token,
                            default_region="EG", rate=0, max_attempts=2, max_rows=MAX_ROWS)
    app = create_app(options, data_dir=tmp_path / "wawp-data", host="127.0.0.1")
    with AppServer(app) as server:
        page = PageClient(server.url)  # opened by loading the page
        try:
            yield page
        finally:
            page.close()


def said(job: dict[str, Any]) -> list[str]:
    """Every sentence the page shows of a job's check."""
    table, columns = job.get("table") or {}, job.get("columns") or {}
    return [s for s in (job.get("message"), *table.get("notes", ()), columns.get("describe"),
                        columns.get("phone_reason"), job.get("region_warning")) if s]


def with_setting(client: PageClient, job: dict[str, Any], **settings: Any) -> dict[str, Any]:
    response = client.change("POST", f"/api/jobs/{job['id']}/settings",
                             json={**job["settings"], **settings})
    assert response.status_code == 200, response.text
    return client.wait(job["id"])


def mobiles(n: int) -> list[list[str]]:
    return [[f"Person {i}", f"0100 {3000000 + i:07d}"] for i in range(n)]


def two_phone_sheets(folder: Path) -> Path:
    path = folder / "two.xlsx"
    book = openpyxl.Workbook()
    for title in ("Leads", "Old leads"):
        sheet = book.active if title == "Leads" else book.create_sheet(title)
        sheet.title = title
        sheet.append(["Name", "Mobile"])
        for row in mobiles(2):
            sheet.append(row)
    book.save(path)
    return path


def invalid_utf8(folder: Path) -> Path:
    path = folder / "bad.csv"
    path.write_bytes("Name,Mobile\nJosé,0100 300 0001\n".encode()
                     + b"Bad \xff byte,0100 300 0002\n")
    return path


CASES: dict[str, tuple[Callable[[Path], Path], dict[str, Any], str]] = {
    # name: (the file, settings to change after the upload, what the page then says)
    "rival sheets": (two_phone_sheets, {},
                     "choose another as the sheet under \u201cWhat the reader found\u201d"),
    "sheet of a text file": (lambda d: write_csv(d / "a.csv", [["Name", "Mobile"],
                                                               *mobiles(2)]),
                             {"sheet": "Data"},
                             "The sheet 'Data' was ignored: a text file has no sheets."),
    "bytes replaced": (invalid_utf8, {}, "Choose another encoding under \u201cWhat the reader "
                       "found\u201d if the file is in one."),
    "no phone column": (lambda d: write_csv(d / "a.csv", [["Name", "City"], ["A", "Cairo"]]),
                        {}, "Give it the phone role in the Columns table"),
    "no header row": (lambda d: write_csv(d / "a.csv", [["Ann", "+20 100 300 0001"],
                                                        ["Bob", "+20 100 300 0002"]]),
                      {}, "choose the header row under \u201cWhat the reader found\u201d"),
    "too many rows": (lambda d: write_csv(d / "a.csv", [["Name", "Mobile"],
                                                        *mobiles(MAX_ROWS + 1)]),
                      {}, f"more than {MAX_ROWS:,} data rows, the most this server takes"),
    "wrong encoding": (invalid_utf8, {"encoding": "utf-8"},
                       "choose another encoding under \u201cWhat the reader found\u201d"),
    "bad template": (lambda d: write_csv(d / "a.csv", [["Name", "Mobile"], *mobiles(2)]),
                     {"last_name_format": "{Dept}"},
                     "The last name format '{Dept}' names a column that does not exist"),
    "close phone columns": (lambda d: write_csv(d / "a.csv", [
        ["Name", "Mobile", "Mobile 2"],
        *[[f"P{i}", f"0100 300 {i:04d}", f"0100 400 {i:04d}"] for i in range(3)]]),
        {}, "giving a column the phone role in the Columns table pins one"),
}


@pytest.mark.parametrize("case", CASES)
def test_what_the_page_says_of_a_file_names_no_flag(client: PageClient, tmp_path: Path,
                                                    case: str) -> None:
    make, settings, expected = CASES[case]
    job = upload_and_check(client, make(tmp_path))
    if settings:
        job = with_setting(client, job, **settings)
    sentences = said(job)
    assert any(expected in s for s in sentences), sentences
    assert not [s for s in sentences if "--" in s]


def test_an_encoding_that_cannot_decode_the_file_is_shown_beside_its_box(
        client: PageClient, tmp_path: Path) -> None:
    job = with_setting(client, upload_and_check(client, invalid_utf8(tmp_path)),
                       encoding="utf-8")
    assert job["phase"] == "invalid" and job["field"] == "encoding"
    assert job["message"].startswith("bad.csv cannot be decoded as utf-8 at byte ")
