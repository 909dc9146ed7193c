"""Choosing the phone column by content, falling back per row, and files without a header."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl

from importer.cli import main


def run(tmp_path: Path, *args: str) -> tuple[int, str, list[dict[str, str]]]:
    err, out = io.StringIO(), io.StringIO()
    results = tmp_path / "results.csv"
    code = main([*args, "--dry-run", "--no-progress", "--results", str(results)], env={},
                out=out, err=err)
    rows = []
    if results.exists():
        with results.open(encoding="utf-8-sig", newline="") as f:
            rows = list(csv.DictReader(f))
    return code, err.getvalue(), rows


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    return path


def test_a_mobile_column_beats_a_repeated_office_landline(tmp_path):
    rows = [["Vorname", "Nachname", "Telefon geschäftlich", "Mobiltelefon"]]
    rows += [[f"Name{i}", f"Fam{i}", "+49 30 1234567", f"+49 151 2345{i:04d}"]
             for i in range(40)]
    path = write_csv(tmp_path / "outlook_de.csv", rows)
    code, err, results = run(tmp_path, str(path), "--default-region", "DE")
    assert code == 0
    assert ("phone 'Mobiltelefon' (its header says mobile, and none says WhatsApp; "
            "'Telefon geschäftlich' is one landline repeated on 100 % of the rows: not used, "
            "it is not the contacts' own number)") in err
    assert results[0]["chat_id"] == "4915123450000@c.us"


def test_a_mostly_empty_phone_column_falls_back_to_a_contact_column_of_numbers(tmp_path):
    """'Kontakt' may hold names or numbers: its cells, written like phone numbers, make it a
    phone source; the header that says phone still comes first."""
    rows = [["Name", "Phone", "Kontakt"]]
    rows += [[f"Ann {i}", "" if i else "+20 100 000 0000", f"+20 100 123 {i:04d}"]
             for i in range(20)]
    path = write_csv(tmp_path / "c.csv", rows)
    code, err, results = run(tmp_path, str(path), "--default-region", "EG")
    assert code == 0
    assert ("phone 'Phone' (its header says phone, and none says WhatsApp or mobile; 'Phone' "
            "and 'Kontakt' are close (the same kind of number), so the first is used: "
            "--phone-column NAME pins one (repeat it for a fallback order); where it is empty "
            "or invalid, a row uses 'Kontakt' (phone, by its cells))") in err
    assert results[1]["detail"] == "phone: used 'Kontakt': 'Phone' is empty"
    assert {r["chat_id"] for r in results[1:]} == {f"20100123{i:04d}@c.us" for i in range(1, 20)}


def test_a_row_falls_back_to_another_phone_column_and_says_why(tmp_path):
    path = write_csv(tmp_path / "google.csv", [
        ["First Name", "Last Name", "Phone 1 - Label", "Phone 1 - Value", "Phone 2 - Label",
         "Phone 2 - Value"],
        ["Ann", "Lee", "Mobile", "+20 100 123 4567", "", ""],
        ["Bob", "Ray", "", "", "Mobile", "+20 100 123 4568"],
        ["Cid", "Roe", "Work", "12", "Mobile", "+20 100 123 4569"],
        ["Dan", "Poe", "Work", "+20 2 2345 6789", "Mobile", "+20 100 123 4570"],
        ["Eve", "Fox", "Work ::: Mobile", "+20 2 2345 6780 ::: +20 100 123 4571", "", ""],
        *[[f"Guy{i}", "Doe", "Mobile", f"+20 111 000 000{i}", "", ""] for i in range(5)],
    ])
    code, err, results = run(tmp_path, str(path), "--default-region", "EG")
    assert code == 0, err
    by_name = {r["first_name"]: r for r in results}
    assert by_name["Ann"]["chat_id"] == "201001234567@c.us"
    assert by_name["Bob"]["chat_id"] == "201001234568@c.us"
    assert ("used 'Phone 2 - Value': 'Phone 1 - Value' is empty"
            in by_name["Bob"]["detail"])
    assert by_name["Cid"]["chat_id"] == "201001234569@c.us"
    assert "'Phone 1 - Value' is not valid" in by_name["Cid"]["detail"]
    # a mobile beats a landline within the row
    assert by_name["Dan"]["chat_id"] == "201001234570@c.us"
    assert "'Phone 1 - Value' is a landline" in by_name["Dan"]["detail"]
    # Google's " ::: " joiner; the label column says the second value is the mobile
    assert by_name["Eve"]["chat_id"] == "201001234571@c.us"


def test_a_pinned_phone_column_never_falls_back(tmp_path):
    path = write_csv(tmp_path / "c.csv", [["Name", "Phone", "Mobile"],
                                          ["Ann", "", "+20 100 123 4567"]])
    code, err, results = run(tmp_path, str(path), "--phone-column", "Phone",
                             "--default-region", "EG")
    assert code == 1
    assert results[0]["status"] == "invalid"
    assert results[0]["detail"] == "phone: no phone number"


def test_no_header_numbers_rows_from_1_and_names_columns_by_number(tmp_path):
    path = tmp_path / "plain.csv"
    path.write_text("Ann Lee,+20 100 123 4567\n\nBob Ray,01001234568\n", encoding="utf-8")
    code, err, results = run(tmp_path, str(path), "--no-header", "--phone-column", "2",
                             "--name-column", "1", "--default-region", "EG")
    assert code == 0, err
    assert "no header row (as given; columns named 1, 2, 3…)" in err
    assert [(r["row"], r["chat_id"], r["first_name"]) for r in results] == [
        ("1", "201001234567@c.us", "Ann"), ("3", "201001234568@c.us", "Bob")]
    assert list(results[0])[-2:] == ["1", "2"]


def test_no_header_in_a_workbook_and_from_the_config_file(tmp_path):
    book = openpyxl.Workbook()
    book.active.append(["Ann", "+20 100 123 4567"])
    book.active.append(["Bob", "+20 100 123 4568"])
    book.save(tmp_path / "plain.xlsx")
    config = tmp_path / "c.toml"
    config.write_text('no_header = true\nname_column = "1"\n', encoding="utf-8")
    code, err, results = run(tmp_path, str(tmp_path / "plain.xlsx"), "--config", str(config))
    assert code == 0, err
    assert [(r["row"], r["chat_id"], r["first_name"]) for r in results] == [
        ("1", "201001234567@c.us", "Ann"), ("2", "201001234568@c.us", "Bob")]


def test_a_file_without_header_is_named_as_such_with_the_flag_to_use(tmp_path):
    path = tmp_path / "plain.csv"
    path.write_text("Ann,+20 100 123 4567\nBob,+20 100 123 4568\n", encoding="utf-8")
    code, err, _ = run(tmp_path, str(path))
    assert code == 2
    assert "no header row found: row 1 holds phone numbers ('+20 100 123 4567')" in err
    assert "use --no-header" in err


def test_no_header_alone_finds_the_phone_and_name_columns_by_content(tmp_path):
    path = tmp_path / "plain.csv"
    path.write_text("1001,Ann Lee,+20 100 123 4567\n1002,Bob Ray,01001234568\n",
                    encoding="utf-8")
    code, err, results = run(tmp_path, str(path), "--no-header", "--default-region", "EG")
    assert code == 0, err
    assert ("phone '3' (no header says phone, but 100 % of its filled cells are valid numbers "
            "written like phone numbers") in err
    assert "full name '2'" in err
    assert [(r["chat_id"], r["first_name"], r["last_name"]) for r in results] == [
        ("201001234567@c.us", "Ann", "Lee"), ("201001234568@c.us", "Bob", "Ray")]


def test_a_contact_column_of_numbers_is_the_phone_and_not_the_name(tmp_path):
    path = write_csv(tmp_path / "c.csv", [["Name", "Contact"], ["Ann Lee", "+20 100 123 4567"],
                                          ["Bob Ray", "01001234568"]])
    code, err, results = run(tmp_path, str(path), "--default-region", "EG")
    assert code == 0, err
    assert ("phone 'Contact' (its header may name a number or a person, and 100 % of its "
            "filled cells are valid numbers written like phone numbers; --phone-column NAME "
            "pins one") in err and "full name 'Name'" in err
    assert [r["chat_id"] for r in results] == ["201001234567@c.us", "201001234568@c.us"]


def test_phone_columns_in_a_given_order_fall_back_in_that_order(tmp_path):
    """The web page's mapping table passes its phone columns in order (`phone_columns`)."""
    from importer import run_import

    rows = [["Name", "Home", "Work", "Mobile"],
            ["Ann", "", "0100 111 2222", "0111 333 4444"],
            ["Bob", "0100 555 6666", "", "0122 777 8888"],
            ["Cy", "", "", "0155 999 0000"]]
    path = write_csv(tmp_path / "people.csv", rows)
    summary = run_import(path, dry_run=True, default_region="EG",
                         phone_columns=("Work", "Home"), results=tmp_path / "r.csv")
    with (tmp_path / "r.csv").open(encoding="utf-8-sig", newline="") as f:
        got = [(r["status"], r["chat_id"]) for r in csv.DictReader(f)]
    # Work first, then Home; Mobile was left out of the list, so Cy has no number
    assert got == [("ready", "201001112222@c.us"), ("ready", "201005556666@c.us"),
                   ("invalid", "")]
    assert summary.counts == {"ready": 2, "invalid": 1}
