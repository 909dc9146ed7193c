"""The paragraph the CLI prints before work: what the reader decided, and reading errors."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl

from importer.cli import main


def run(tmp_path: Path, *args: str) -> tuple[int, str]:
    err, out = io.StringIO(), io.StringIO()
    code = main([*args, "--dry-run", "--default-region", "EG", "--no-progress",
                 "--results", str(tmp_path / "results.csv")], env={}, out=out, err=err)
    return code, err.getvalue()


def test_csv_plan_says_encoding_delimiter_header_rows_and_phone_choice(tmp_path):
    path = tmp_path / "export.csv"
    path.write_bytes(("Liste des contacts\n\nPrénom;Nom;Téléphone;Portable\n"
                      "José;Peña;0223456789;01001234567\n").encode("cp1252"))
    code, err = run(tmp_path, str(path))
    assert code in (0, 1)
    assert ("Reading export.csv: delimited text, encoding cp1252 (detected), delimiter ';' "
            "(semicolon, detected), header row 3 (detected), 1 data row.") in err
    assert ("Columns: phone 'Portable' (its header says mobile, and none says WhatsApp; "
            "where it is empty or invalid, a row uses 'Téléphone' (says only phone: beside a "
            "mobile, often an office line)), "
            "first name 'Prénom', last name 'Nom'.") in err


def test_workbook_plan_says_sheet_and_given_values(tmp_path):
    book = openpyxl.Workbook()
    book.active.title = "Cover"
    data = book.create_sheet("Leads")
    data.append(["Who", "Tel"])
    data.append(["Ann", 201001234567])
    path = tmp_path / "leads.xlsx"
    book.save(path)
    code, err = run(tmp_path, str(path), "--sheet", "2", "--header-row", "1",
                    "--phone-column", "Tel", "--name-column", "1")
    assert code in (0, 1)
    assert ("Reading leads.xlsx: Excel workbook (.xlsx), sheet 'Leads' (as given; also in "
            "the file: 'Cover'), "
            "header row 1 (as given), 1 data row.") in err
    assert "Columns: phone 'Tel' (as asked), full name 'Who'." in err


def test_reading_problems_exit_2_with_one_clear_line(tmp_path):
    book = openpyxl.Workbook()
    book.active.title = "Contacts"
    book.active.append(["Name", "Phone"])
    path = tmp_path / "c.xlsx"
    book.save(path)
    code, err = run(tmp_path, str(path), "--sheet", "Leads")
    assert code == 2
    assert err.strip() == ("wawp-import: error: no sheet 'Leads' in c.xlsx; the sheets are: "
                           "1 'Contacts'")

    path = tmp_path / "nophone.csv"
    path.write_text("Name,Email\nAnn,a@example.com\n")
    code, err = run(tmp_path, str(path))
    assert code == 2
    assert "no phone column found; the columns are: 'Name', 'Email'" in err

    path = tmp_path / "many.csv"
    path.write_text("Name,Phone\n" + "Ann,01001234567\n" * 3)
    code, err = run(tmp_path, str(path), "--max-rows", "2")
    assert code == 2
    assert "more than 2 data rows" in err
    assert not (tmp_path / "results.csv").exists()
