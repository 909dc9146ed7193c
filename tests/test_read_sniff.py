"""Files are read as what they hold, not what they are named; zip bombs are refused."""

from __future__ import annotations

import struct
import tracemalloc
import zipfile
from pathlib import Path

import openpyxl
import pytest

from importer.errors import InputFileError
from importer.read import open_table
from importer.read.limits import MAX_PACK_RATIO, MAX_UNPACKED_BYTES
from tests.support.notes import notes_of


def xlsx(path: Path) -> Path:
    book = openpyxl.Workbook()
    book.active.append(["Name", "Phone"])
    book.active.append(["Ann", "0100"])
    book.save(path)
    return path


def test_an_xls_that_is_really_tab_separated_text_is_read_as_text(tmp_path):
    path = tmp_path / "crm-export.xls"
    path.write_bytes("Name\tPhone\nJosé\t0100\n".encode("cp1252"))
    table = open_table(path)
    assert table.info.kind == "csv"
    assert table.info.delimiter == "\t"
    assert [r.values for r in table.rows] == [("José", "0100")]
    assert notes_of(table) == [
        "crm-export.xls is named .xls but holds delimited text; it was read as text."]


@pytest.mark.parametrize("html", [
    b"<html><body><table><tr><td>Name</td></tr></table></body></html>",
    b"\xef\xbb\xbf  <!DOCTYPE html>\n<html>",
    b"<table border=1><tr><th>Phone</th></tr></table>",
])
def test_an_xls_that_is_really_html_gets_a_clear_error(tmp_path, html):
    path = tmp_path / "report.xls"
    path.write_bytes(html)
    with pytest.raises(InputFileError, match=r"report.xls is a web page \(HTML\).*save it as"):
        open_table(path)


def test_excel_2003_xml_gets_a_clear_error(tmp_path):
    path = tmp_path / "old.xls"
    path.write_bytes(b'<?xml version="1.0"?>\n<Workbook xmlns='
                     b'"urn:schemas-microsoft-com:office:spreadsheet"></Workbook>')
    with pytest.raises(InputFileError, match="Excel 2003 XML spreadsheet"):
        open_table(path)


def test_a_workbook_named_csv_is_read_as_a_workbook(tmp_path):
    path = xlsx(tmp_path / "contacts.csv")
    table = open_table(path)
    assert table.info.kind == "xlsx"
    assert [r.values for r in table.rows] == [("Ann", "0100")]
    assert "is named .csv but is an XLSX workbook" in notes_of(table)[0]


@pytest.mark.parametrize(("data", "what"), [
    (b"%PDF-1.7\n...", "a PDF document"),
    (b"\x89PNG\r\n\x1a\n....", "a PNG image"),
    (bytes(range(256)) * 4, "binary data"),
])
def test_other_files_are_refused(tmp_path, data, what):
    path = tmp_path / "contacts.csv"
    path.write_bytes(data)
    with pytest.raises(InputFileError, match=what):
        open_table(path)


def test_a_zip_that_is_not_a_workbook_is_refused(tmp_path):
    path = tmp_path / "contacts.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(InputFileError, match="is a zip archive, not a spreadsheet"):
        open_table(path)


def test_missing_file_and_folder_are_refused(tmp_path):
    with pytest.raises(InputFileError, match="no such file"):
        open_table(tmp_path / "nope.csv")
    with pytest.raises(InputFileError, match="is a folder"):
        open_table(tmp_path)


def test_a_truncated_workbook_is_refused_clearly(tmp_path):
    path = xlsx(tmp_path / "contacts.xlsx")
    path.write_bytes(path.read_bytes()[:2000])
    with pytest.raises(InputFileError, match="damaged"):
        open_table(path)


def bomb(path: Path, size: int) -> Path:
    """A workbook-looking zip whose sheet is `size` zero bytes, written in a stream."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            chunk = bytes(1 << 20)
            for _ in range(size >> 20):
                sheet.write(chunk)
    return path


def test_a_zip_bomb_is_refused_by_its_ratio_without_inflating_it(tmp_path):
    path = bomb(tmp_path / "bomb.xlsx", 64 << 20)
    assert path.stat().st_size < (64 << 20) / MAX_PACK_RATIO
    tracemalloc.start()
    try:
        with pytest.raises(InputFileError, match="zip bomb"):
            open_table(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 16 << 20


def declare_size(path: Path, member: str, size: int) -> None:
    """Rewrite the sizes `member` declares (local header and central directory) to `size`."""
    data = bytearray(path.read_bytes())
    name = member.encode()
    local = data.find(b"PK\x03\x04")
    while local >= 0:
        name_len, = struct.unpack_from("<H", data, local + 26)
        if data[local + 30:local + 30 + name_len] == name:
            struct.pack_into("<I", data, local + 22, size)
        local = data.find(b"PK\x03\x04", local + 4)
    central = data.find(b"PK\x01\x02")
    while central >= 0:
        name_len, = struct.unpack_from("<H", data, central + 28)
        if data[central + 46:central + 46 + name_len] == name:
            struct.pack_into("<I", data, central + 24, size)
        central = data.find(b"PK\x01\x02", central + 4)
    path.write_bytes(bytes(data))


def small_sheet_zip(path: Path, sheet: bytes) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
    return path


def test_a_zip_declaring_more_than_the_limit_is_refused(tmp_path):
    path = small_sheet_zip(tmp_path / "big.xlsx", b"<worksheet/>")
    declare_size(path, "xl/worksheets/sheet1.xml", MAX_UNPACKED_BYTES + 1)
    with pytest.raises(InputFileError, match="would unpack to .* zip bomb"):
        open_table(path)


def test_a_zip_that_lies_about_its_sizes_is_refused(tmp_path):
    path = small_sheet_zip(tmp_path / "liar.xlsx", b"<row/>" * 100_000)
    declare_size(path, "xl/worksheets/sheet1.xml", 100)
    with pytest.raises(InputFileError, match="damaged or unsupported zip"):
        open_table(path)
