"""The sheet with the contacts, and every row accounted for on hostile files (issue 23, items
4 and 6), through the real command."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest

from importer.cli import main
from tests.support.cli import read_results, write_csv
from tests.test_read_workbook import write_ods


def dry_run(tmp_path: Path, path: Path, *args: str) -> tuple[int, str, list[dict[str, str]]]:
    results, err = tmp_path / "results.csv", io.StringIO()
    code = main([str(path), "--dry-run", "--no-progress", "--default-region", "EG",
                 "--results", str(results), *args], env={}, out=io.StringIO(), err=err)
    return code, err.getvalue(), read_results(results) if results.exists() else []


def workbook(tmp_path: Path, sheets: dict[str, list[list[object]]], *,
             hidden: tuple[str, ...] = ()) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
        if title in hidden:
            sheet.sheet_state = "hidden"
    path = tmp_path / "members.xlsx"
    book.save(path)
    return path


MEMBERS = [["Name", "Phone"], ["Ann", "+20 100 123 4567"], ["Bob", "01001234568"],
           ["Cid", "+201001234569"]]


# -- item 4: the sheet with the contacts ---------------------------------------------------


def test_a_cover_sheet_first_does_not_hide_the_members(tmp_path):
    path = workbook(tmp_path, {
        "Cover": [["Members export"], ["Generated on 1 May 2024 by the club's CRM"]],
        "Members": MEMBERS,
    })
    code, err, rows = dry_run(tmp_path, path)
    assert code == 0, err
    assert "sheet 'Members' (a 'Phone' column, 3 phone-like cells in its first rows)" in err
    assert "Also in the file: 'Cover' (no phone column, 1 row)." in err
    assert [(r["row"], r["first_name"], r["status"]) for r in rows] == [
        ("2", "Ann", "ready"), ("3", "Bob", "ready"), ("4", "Cid", "ready")]


def test_a_summary_of_totals_beside_the_contacts_is_passed_over(tmp_path):
    path = workbook(tmp_path, {
        "Summary": [["Region", "Members", "Revenue"], ["North", 1200, 12345678],
                    ["South", 900, 23456789], ["Total", 2100, 35802467]],
        "Contacts": MEMBERS,
    })
    code, err, rows = dry_run(tmp_path, path)
    assert code == 0, err
    assert "sheet 'Contacts' (a 'Phone' column" in err
    assert "'Summary' (3 phone-like cells in its first rows, 3 rows)" in err
    assert [r["first_name"] for r in rows] == ["Ann", "Bob", "Cid"]


def test_of_two_sheets_with_phones_the_first_is_read_and_the_plan_says_so(tmp_path):
    path = workbook(tmp_path, {
        "Read me": [["How to use this file"]],
        "Members 2024": MEMBERS,
        "Members 2023": [["Name", "Mobile"], ["Dee", "+201001234570"]],
    })
    code, err, rows = dry_run(tmp_path, path)
    assert code == 0, err
    assert "sheet 'Members 2024' (a 'Phone' column" in err
    assert ("'Members 2023' has phone numbers too; the first sheet in the file was read: "
            "--sheet 'Members 2023' to read another.") in err
    assert [r["first_name"] for r in rows] == ["Ann", "Bob", "Cid"]


def test_the_sheet_given_still_wins(tmp_path):
    path = workbook(tmp_path, {
        "Members 2024": MEMBERS,
        "Members 2023": [["Name", "Mobile"], ["Dee", "+201001234570"]],
    })
    code, err, rows = dry_run(tmp_path, path, "--sheet", "2")
    assert code == 0, err
    assert "sheet 'Members 2023' (as given; also in the file: 'Members 2024')" in err
    assert [r["first_name"] for r in rows] == ["Dee"]
    cover = [["Title", "x"], ["Prepared by", "Ann"]]
    code, err, _ = dry_run(tmp_path, workbook(tmp_path, {"Cover": cover, "Members": MEMBERS}),
                           "--sheet", "Cover")
    assert code == 2 and "no phone column found" in err


def test_a_hidden_sheet_is_read_only_when_no_visible_sheet_has_phones(tmp_path):
    path = workbook(tmp_path, {"Notes": [["Note"], ["Call them in May"]], "Data": MEMBERS},
                    hidden=("Data",))
    code, err, rows = dry_run(tmp_path, path)
    assert code == 0, err
    assert "sheet 'Data' (hidden, a 'Phone' column" in err
    assert "Sheet 'Data' is hidden or not a worksheet, but no visible sheet has phone " in err
    assert len(rows) == 3


# -- item 6: every row accounted for -------------------------------------------------------


def test_rows_wider_than_the_header_get_numbered_columns_and_never_crash(tmp_path):
    # the phone is only in a column the header does not name: it used to end in an
    # IndexError (exit 70) while the columns were mapped
    path = write_csv(tmp_path / "ragged.csv", [
        ["Name", "Note"], ["Ann", "a", "+201001234567"], ["Bob", "b", "+201001234568", "x", "y"],
        ["Cid", "c", "+201001234569"]])
    code, err, rows = dry_run(tmp_path, path)
    assert code == 0, err
    assert "phone 'column 3'" in err
    assert [(r["row"], r["chat_id"]) for r in rows] == [
        ("2", "201001234567@c.us"), ("3", "201001234568@c.us"), ("4", "201001234569@c.us")]
    assert (rows[1]["column 3"], rows[1]["column 4"], rows[1]["column 5"]) == (
        "+201001234568", "x", "y")


def test_a_workbook_row_wider_than_its_header_is_read(tmp_path):
    path = workbook(tmp_path, {"Contacts": [["Name", "Phone"], ["Ann", "+201001234567"],
                                            ["Bob", "+201001234568", "extra", "", "far"]]})
    code, err, rows = dry_run(tmp_path, path)
    assert code == 0, err
    assert [(r["row"], r["status"]) for r in rows] == [("2", "ready"), ("3", "ready")]
    assert (rows[1]["column 3"], rows[1]["column 5"]) == ("extra", "far")


def test_numbers_no_phone_can_be_are_invalid_in_the_phone_column_only(tmp_path):
    # an .ods can store what Excel cannot: infinities and NaN (calamine reads them as such)
    path = write_ods(tmp_path / "numbers.ods", [
        ["Name", "Phone", "Amount"],
        ["Ann", "+201001234567", 1],
        ["Bob", 1.797e308, 2],
        ["Cid", "+201001234569", 1.797e308],
        ["Dee", float("inf"), 3],
        ["Eve", "+201001234560", float("nan")],
        ["", float("nan"), ""],
        ["Gus", 10 ** 30, 4],
    ])
    code, err, rows = dry_run(tmp_path, path)
    assert code == 1, err
    assert [r["row"] for r in rows] == ["2", "3", "4", "5", "6", "7", "8"]
    by_row = {r["row"]: r for r in rows}
    assert (by_row["3"]["status"], by_row["3"]["detail"]) == (
        "invalid", "phone: column 'Phone' holds the number 1.79700000000000E+308, far too "
        "large to be a phone number")
    assert (by_row["4"]["status"], by_row["4"]["Amount"]) == ("ready", "1.79700000000000E+308")
    assert (by_row["5"]["status"], by_row["5"]["detail"]) == (
        "invalid", "phone: column 'Phone' shows #NUM!, a number the spreadsheet cannot hold")
    assert (by_row["6"]["status"], by_row["6"]["Amount"]) == ("ready", "#NUM!")
    assert by_row["7"]["status"] == "invalid"
    assert by_row["8"]["status"] == "invalid" and "digits lost" in by_row["8"]["detail"]


def test_a_huge_number_in_an_xlsx_phone_column_is_invalid_with_why(tmp_path):
    path = workbook(tmp_path, {"Contacts": [["Name", "Phone", "Total"],
                                            ["Ann", 1.797e308, 1], ["Bob", "+201001234568",
                                                                    1.797e308]]})
    code, err, rows = dry_run(tmp_path, path)
    assert code == 1, err
    assert [(r["row"], r["status"]) for r in rows] == [("2", "invalid"), ("3", "ready")]
    assert "far too large to be a phone number" in rows[0]["detail"]


def nested_page(depth: int) -> str:
    inner = "<table><tr><td>layout</td></tr></table>"
    for _ in range(depth):
        inner = f"<table><tr><td>{inner}</td></tr></table>"
    after = "".join(f"<tr><td>P{i}</td><td>+2010012345{i:02d}</td></tr>" for i in range(10))
    return ("<html><body><table><tr><th>Name</th><th>Phone</th></tr>"
            "<tr><td>Ann</td><td>+201001234599</td></tr>"
            f"<tr><td>{inner}</td><td>+201001234598</td></tr>{after}</table></body></html>")


@pytest.mark.parametrize("depth", [250, 300])
def test_rows_after_deeply_nested_html_tables_are_read(tmp_path, depth):
    # libxml2 stops building the tree 256 elements deep by default: the ten rows after the
    # nested table used to vanish with exit 0
    path = tmp_path / "export.xls"
    path.write_text(nested_page(depth), encoding="utf-8")
    code, err, rows = dry_run(tmp_path, path)
    assert code == 0, err
    assert len(rows) == 12
    assert rows[-1]["chat_id"] == "201001234509@c.us"


def test_html_nested_too_deep_to_read_is_refused_by_name(tmp_path):
    path = tmp_path / "export.xls"
    path.write_text(nested_page(800), encoding="utf-8")
    code, err, _ = dry_run(tmp_path, path)
    assert code == 2
    assert "nested more than 2,048 deep, and the rows after that point cannot be read" in err


def test_script_style_comment_and_noscript_text_is_never_cell_text(tmp_path):
    path = tmp_path / "export.xls"
    path.write_text(
        "<html><head><style>td { color: red }</style><script>var x = 1;</script></head><body>"
        "<table><tr><th>Name<!-- internal --></th><th>Phone</th></tr>"
        "<tr><td>Ann<script>track('Ann')</script><style>.a{}</style><noscript>Enable JS"
        "</noscript> Lee<!-- id 7 --></td><td>+201001234567</td></tr></table></body></html>",
        encoding="utf-8")
    code, err, rows = dry_run(tmp_path, path)
    assert code == 0, err
    assert (rows[0]["Name"], rows[0]["first_name"], rows[0]["last_name"]) == (
        "Ann Lee", "Ann", "Lee")
