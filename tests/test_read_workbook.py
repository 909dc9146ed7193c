"""Workbooks: numbers as text, title blocks, formatted empty rows, sheets, .xls and .ods."""

from __future__ import annotations

import datetime as dt
import re
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.styles import PatternFill

from importer.errors import InputFileError, SheetError
from importer.problems import WORDS
from importer.read import open_table
from importer.read.sheets import SheetScore
from tests.support.notes import notes_of

FIXTURES = Path(__file__).parent / "fixtures"
YELLOW = PatternFill("solid", fgColor="FFFF00")


def save(tmp_path: Path, book: openpyxl.Workbook, name: str = "contacts.xlsx") -> Path:
    path = tmp_path / name
    book.save(path)
    return path


def sheet_of(rows: list[list[object]], title: str = "Contacts") -> openpyxl.Workbook:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    return book


def rows_of(path: Path, **kwargs: object) -> list[tuple[int, tuple[str, ...]]]:
    return [(r.number, r.values) for r in open_table(path, **kwargs).rows]  # type: ignore[arg-type]


def test_numeric_phones_come_back_as_their_digits(tmp_path):
    book = sheet_of([
        ["Name", "Phone", "ID"],
        ["Integral float", 201001234567.0, "007"],
        ["Integer", 201001234567, 42],
        ["Rounded by Excel", 2010012345678912345, ""],
        ["Text with zero", "01001234567", ""],
        ["Text with plus", "+201001234567", ""],
        ["Scientific text", "2.01001E+11", ""],
        ["Decimal", 1234.5, ""],
    ])
    path = save(tmp_path, book)
    assert [v for _, v in rows_of(path)] == [
        ("Integral float", "201001234567", "007"),
        ("Integer", "201001234567", "42"),
        ("Rounded by Excel", "2.01001234567891E+18", ""),
        ("Text with zero", "01001234567", ""),
        ("Text with plus", "+201001234567", ""),
        ("Scientific text", "2.01001E+11", ""),
        ("Decimal", "1234.5", ""),
    ]


def test_other_cell_types_are_shown_as_text(tmp_path):
    book = sheet_of([["Name", "Phone", "Since", "Active"],
                     ["Ann", "0100", dt.datetime(2024, 5, 1, 9, 30), True]])
    assert rows_of(save(tmp_path, book)) == [(2, ("Ann", "0100", "2024-05-01 09:30:00", "TRUE"))]


def test_a_digit_format_shows_the_leading_zero_and_plus_people_see(tmp_path):
    book = sheet_of([["Name", "Phone", "Intl", "Amount"]])
    sheet = book.active
    for i in range(3):
        sheet.append([f"P{i}", 1001234567 + i, 201001234567 + i, 1234.5])
        sheet.cell(sheet.max_row, 2).number_format = "00000000000"
        sheet.cell(sheet.max_row, 3).number_format = '"+"0'
        sheet.cell(sheet.max_row, 4).number_format = "#,##0.00"
    rows = rows_of(save(tmp_path, book))
    assert rows[0] == (2, ("P0", "01001234567", "+201001234567", "1234.5"))
    assert rows[2][1][1:3] == ("01001234569", "+201001234569")


def test_a_title_block_shifts_row_numbers_to_the_real_sheet_rows(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet["A1"] = "Contacts export"
    sheet["A2"] = "Generated 2024-05-01"
    sheet.append([])
    sheet.append(["First Name", "Last Name", "Mobile"])  # row 4
    sheet.append(["Ann", "Lee", "0100"])
    sheet.append([])
    sheet.append(["Bob", "Ray", "0111"])
    table = open_table(save(tmp_path, book))
    assert table.headers == ["First Name", "Last Name", "Mobile"]
    assert table.info.header_row == 4
    assert table.info.rows == 2
    assert [(r.number, r.values) for r in table.rows] == [(5, ("Ann", "Lee", "0100")),
                                                          (7, ("Bob", "Ray", "0111"))]


def test_data_starting_away_from_a1_keeps_sheet_rows_and_columns(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet["C3"] = "Name"
    sheet["D3"] = "Phone"
    sheet["C4"] = "Ann"
    sheet["D4"] = "0100"
    table = open_table(save(tmp_path, book))
    assert table.headers == ["", "", "Name", "Phone"]
    assert [(r.number, r.values) for r in table.rows] == [(4, ("", "", "Ann", "0100"))]


def test_header_row_given(tmp_path):
    book = sheet_of([["Phone list"], ["x", "y"], ["Name", "Number"], ["Ann", "0100"]])
    table = open_table(save(tmp_path, book), header_row=3)
    assert table.headers == ["Name", "Number"]
    assert [r.number for r in table.rows] == [4]
    with pytest.raises(InputFileError, match=r"header row 9 is past the end of sheet "
                       r"'Contacts' \(it has 4 rows\)") as raised:
        open_table(save(tmp_path, book), header_row=9)
    assert raised.value.option == "header_row"


def add_formatted_empty_rows(path: Path, first: int, last: int) -> None:
    """Append rows that hold a style and no value, as Excel writes a formatted range.

    openpyxl takes minutes to style a million cells, so the rows are streamed into the
    sheet's XML directly; the sheet's stated dimension then claims them, as Excel's does.
    """
    source = zipfile.ZipFile(path)
    target_path = path.with_name("formatted.xlsx")
    with source, zipfile.ZipFile(target_path, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename != "xl/worksheets/sheet1.xml":
                target.writestr(info, data)
                continue
            head, tail = data.decode().split("</sheetData>")
            head = re.sub(r'<dimension ref="[^"]*"\s*/>', f'<dimension ref="A1:AD{last}"/>', head)
            with target.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
                sheet.write(head.encode())
                for start in range(first, last + 1, 10_000):
                    sheet.write("".join(
                        f'<row r="{r}" s="1" customFormat="1"><c r="A{r}" s="1"/>'
                        f'<c r="AD{r}" s="1"/></row>'
                        for r in range(start, min(start + 10_000, last + 1))).encode())
                sheet.write(("</sheetData>" + tail).encode())
    target_path.replace(path)


@pytest.mark.slow
def test_a_million_trailing_formatted_empty_rows_cost_nothing(tmp_path):
    book = sheet_of([["Name", "Phone"], ["A", "0100"], ["B", "0111"], ["C", "0122"],
                     ["D", "0133"]])
    book.active["A2"].fill = YELLOW  # so that the workbook has a cell style to point at
    path = save(tmp_path, book)
    add_formatted_empty_rows(path, 6, 1_048_576)
    started = time.perf_counter()
    table = open_table(path)
    rows = list(table.rows)
    assert time.perf_counter() - started < 15.0  # ~2 s here: calamine skims the XML
    assert table.info.rows == 4
    assert table.headers == ["Name", "Phone"]
    assert [r.number for r in rows] == [2, 3, 4, 5]
    assert all(len(r.values) == 2 for r in rows)


def test_the_first_sheet_with_data_is_the_default(tmp_path):
    book = openpyxl.Workbook()
    book.active.title = "Cover"
    data = book.create_sheet("Data")
    data.append(["Name", "Phone"])
    data.append(["Ann", "0100"])
    path = save(tmp_path, book)
    table = open_table(path)
    assert table.info.sheet == "Data"
    assert table.info.sheets == ["Cover", "Data"]
    assert [r.values for r in table.rows] == [("Ann", "0100")]


def test_hidden_sheets_are_passed_over_by_default(tmp_path):
    book = openpyxl.Workbook()
    lookup = book.active
    lookup.title = "Lookup"
    lookup.append(["Code", "Phone"])
    lookup.append(["x", "1"])
    lookup.sheet_state = "hidden"
    visible = book.create_sheet("Contacts")
    visible.append(["Name", "Phone"])
    visible.append(["Ann", "0100"])
    assert open_table(save(tmp_path, book)).info.sheet == "Contacts"


def test_a_sheet_of_phone_numbers_without_a_header_beats_a_cover(tmp_path):
    book = sheet_of([["Club members"], ["Printed 2024"]], title="Cover")
    data = book.create_sheet("Sheet2")
    for i in range(3):
        data.append([f"Member {i}", f"+2010012345{i:02d}"])
    table = open_table(save(tmp_path, book))
    assert table.info.sheet == "Sheet2"
    assert table.info.sheet_reason == "3 phone-like cells in its first rows"


def test_without_phones_anywhere_a_sheet_named_like_a_summary_is_read_last(tmp_path):
    book = sheet_of([["Region", "Count"], ["North", 3], ["South", 4], ["East", 5]],
                    title="Summary")
    data = book.create_sheet("Data")
    data.append(["Name", "City"])
    data.append(["Ann", "Rome"])
    table = open_table(save(tmp_path, book))
    assert (table.info.sheet, table.info.sheet_reason) == ("Data", "no sheet shows a phone column")
    assert notes_of(table) == ["Also in the file: 'Summary' (no phone column, 3 rows)."]


def test_a_phone_header_beats_more_phone_like_cells(tmp_path):
    book = sheet_of([["Code", "Value"]] + [[f"C{i}", 12345670 + i] for i in range(20)],
                    title="Codes")
    data = book.create_sheet("People")
    data.append(["Name", "Mobile"])
    data.append(["Ann", ""])
    assert open_table(save(tmp_path, book)).info.sheet == "People"


@pytest.mark.parametrize(("name", "aside"), [
    ("Cover", True), ("Read me", True), ("README", True), ("Sales Summary 2024", True),
    ("Pivot1", True), ("Lookup lists", True), ("Members", False), ("Contact list", False),
    ("Sheet1", False),
])
def test_sheet_names_that_say_not_the_data(name, aside):
    assert SheetScore(name, 1).aside is aside


@pytest.mark.parametrize("sheet", ["Second", "second", "2"])
def test_sheet_by_name_or_number(tmp_path, sheet):
    book = sheet_of([["Name", "Phone"], ["First sheet", "0100"]], title="First")
    other = book.create_sheet("Second")
    other.append(["Name", "Phone"])
    other.append(["Second sheet", "0111"])
    assert rows_of(save(tmp_path, book), sheet=sheet) == [(2, ("Second sheet", "0111"))]


def test_an_unknown_sheet_lists_the_sheets_there_are(tmp_path):
    book = sheet_of([["Name", "Phone"]], title="Contacts")
    book.create_sheet("Notes")
    with pytest.raises(SheetError, match=r"no sheet 'Leads' .* 1 'Contacts', 2 'Notes'"):
        open_table(save(tmp_path, book), sheet="Leads")
    with pytest.raises(SheetError):
        open_table(save(tmp_path, book), sheet="3")


def test_an_empty_workbook_is_refused(tmp_path):
    with pytest.raises(InputFileError, match="no sheet with data"):
        open_table(save(tmp_path, openpyxl.Workbook()))


def test_max_rows_counts_data_rows_of_the_sheet(tmp_path):
    book = sheet_of([["Name", "Phone"], *[[f"N{i}", f"0{i}"] for i in range(5)]])
    path = save(tmp_path, book)
    assert open_table(path, max_rows=5).info.rows == 5
    with pytest.raises(InputFileError, match="5 data rows .* more than --max-rows 4"):
        open_table(path, max_rows=4)


def test_an_overlong_cell_in_a_workbook_is_cut_and_reported(tmp_path):
    # openpyxl itself cuts cells to Excel's limit, so the long cell goes in an .ods.
    path = write_ods(tmp_path / "long.ods",
                     [["Name", "Phone", "Notes"], ["Ann", "0100", "z" * 40_000]])
    row = next(open_table(path).rows)
    assert len(row.values[2]) == 32_767
    assert [WORDS.detail(p) for p in row.problems] == [
        "column 'Notes': cell of 40,000 characters is longer than 32,767"]


def test_xlsm_is_read(tmp_path):
    book = sheet_of([["Name", "Phone"], ["Ann", 201001234567]])
    path = save(tmp_path, book, "macro.xlsm")
    table = open_table(path)
    assert table.info.kind in ("xlsx", "xlsm")
    assert [r.values for r in table.rows] == [("Ann", "201001234567")]


def test_xls_is_read_with_title_block_and_second_sheet():
    table = open_table(FIXTURES / "read_contacts.xls")
    assert table.info.kind == "xls"
    assert table.info.sheet == "Contacts"
    assert table.info.header_row == 3
    assert table.headers == ["Nombre", "Apellido", "Teléfono móvil", "Alta"]
    assert [(r.number, r.values) for r in table.rows] == [
        (4, ("José", "Peña", "201001234567", "2024-05-01")),
        (5, ("Zoë", "Ávila", "+20 100 123 4567", "2024-05-02")),
        (6, ("Ana", "Núñez", "01001234567", "")),
    ]


def write_ods(path: Path, rows: list[list[object]], *, empty_rows: int = 0) -> Path:
    """A minimal OpenDocument spreadsheet, with LibreOffice's repeated empty rows at the end."""
    cells = []
    for row in rows:
        cells.append("<table:table-row>")
        for value in row:
            if isinstance(value, (int, float)):
                cells.append(f'<table:table-cell office:value-type="float" office:value="{value}">'
                             f"<text:p>{value}</text:p></table:table-cell>")
            else:
                cells.append(f'<table:table-cell office:value-type="string"><text:p>{value}'
                             "</text:p></table:table-cell>")
        cells.append('<table:table-cell table:number-columns-repeated="1000"/></table:table-row>')
    if empty_rows:
        cells.append(f'<table:table-row table:number-rows-repeated="{empty_rows}">'
                     '<table:table-cell table:number-columns-repeated="1024"/></table:table-row>')
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        '<office:body><office:spreadsheet><table:table table:name="Contactos">'
        + "".join(cells) + "</table:table></office:spreadsheet></office:body>"
        "</office:document-content>")
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
        'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
        'manifest:version="1.2"><manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>")
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)
    return path


def test_ods_is_read_and_its_repeated_empty_rows_cost_nothing(tmp_path):
    path = write_ods(tmp_path / "contactos.ods",
                     [["Nombre", "Celular"], ["Ana", 201001234567], ["Luis", "+34 600 111 222"]],
                     empty_rows=1_048_000)
    table = open_table(path)
    assert table.info.kind == "ods"
    assert table.info.sheet == "Contactos"
    assert table.headers == ["Nombre", "Celular"]
    assert [(r.number, r.values) for r in table.rows] == [
        (2, ("Ana", "201001234567")), (3, ("Luis", "+34 600 111 222"))]
