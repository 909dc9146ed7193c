"""vCard files and HTML tables saved as .xls, through the real command."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from importer.cli import main
from importer.errors import InputFileError
from importer.read import open_table
from tests.support.notes import notes_of

CARDS = ("BEGIN:VCARD\r\nVERSION:2.1\r\n"
         "N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:M=C3=BCller;J=C3=BCrgen;;;\r\n"
         "FN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:J=C3=BCrgen M=C3=BC=\r\nller\r\n"
         "TEL;HOME:+49 30 1234567\r\nTEL;CELL:+49 151 23456789\r\nEND:VCARD\r\n"
         "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:No Phone\r\nN:Phone;No;;;\r\nEND:VCARD\r\n"
         "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Broken\r\nTEL;TYPE=CELL\r\nEND:VCARD\r\n")


def dry_run(tmp_path: Path, path: Path, *args: str) -> tuple[int, str, list[dict[str, str]]]:
    results, err = tmp_path / "results.csv", io.StringIO()
    code = main([str(path), "--dry-run", "--no-progress", "--results", str(results), *args],
                env={}, out=io.StringIO(), err=err)
    with results.open(encoding="utf-8-sig", newline="") as f:
        return code, err.getvalue(), list(csv.DictReader(f))


def test_a_vcard_is_one_row_per_card_with_its_fields_as_columns(tmp_path):
    path = tmp_path / "contacts.vcf"
    path.write_text(CARDS, encoding="utf-8")
    code, err, rows = dry_run(tmp_path, path, "--default-region", "DE")
    assert code == 1
    assert "vCard contacts (.vcf), encoding utf-8 (detected), one row per card" in err
    assert [r["row"] for r in rows] == ["1", "2", "3"]
    first = rows[0]
    # the mobile comes first although the card lists the home number first
    assert (first["status"], first["chat_id"], first["first_name"], first["last_name"]) == (
        "ready", "4915123456789@c.us", "Jürgen", "Müller")
    assert first["FN"] == "Jürgen Müller"
    assert first["TEL TYPE"] == "cell ::: home"
    assert (rows[1]["status"], rows[1]["detail"]) == ("invalid", "phone: no phone number")
    assert rows[2]["status"] == "invalid" and rows[2]["detail"].startswith("card 3 cannot be read")


def test_a_vcard_is_found_by_its_content_whatever_its_name(tmp_path):
    path = tmp_path / "export.txt"
    path.write_text(CARDS, encoding="utf-8")
    table = open_table(path)
    assert table.info.kind == "vcard"
    assert notes_of(table) == ["export.txt is named .txt but holds vCard contacts; it was "
                               "read as such."]


def test_an_html_table_saved_as_xls_is_read(tmp_path):
    path = tmp_path / "crm.xls"
    path.write_text("<html><head><meta charset='utf-8'></head><body>"
                    "<table><tr><td>Logo</td></tr></table>"
                    "<table><tr><th>Name</th><th>Mobile</th></tr>"
                    "<tr><td>Ana&nbsp;Pérez</td><td>+34 612 345 678</td></tr></table>"
                    "</body></html>", encoding="utf-8")
    code, err, rows = dry_run(tmp_path, path)
    assert code == 0, err
    assert "web page table (HTML" in err
    assert ("Table 2 of the 2 in the page was read (a 'Mobile' column, with phone-like "
            "cells).") in err
    assert (rows[0]["row"], rows[0]["chat_id"], rows[0]["first_name"]) == (
        "2", "34612345678@c.us", "Ana")


def test_of_several_html_tables_the_one_with_a_phone_header_is_read(tmp_path):
    path = tmp_path / "crm.xls"
    path.write_text("<html><body>"
                    "<table><tr><td>Order</td><td>Ref</td></tr>"
                    "<tr><td>A</td><td>+34 612 000 001</td></tr></table>"
                    "<table><tr><th>Name</th><th>Mobile</th></tr>"
                    "<tr><td>Ana</td><td>+34 612 345 678</td></tr></table>"
                    "<table><tr><th>Name</th><th>Phone</th></tr>"
                    "<tr><td>Bea</td><td>+34 612 345 679</td></tr></table>"
                    "</body></html>", encoding="utf-8")
    table = open_table(path)
    assert [r.values for r in table.rows] == [("Ana", "+34 612 345 678")]
    assert notes_of(table)[-2:] == [
        "Table 2 of the 3 in the page was read (a 'Mobile' column, with phone-like cells).",
        "Table 3 has phone numbers too; the first in the page was read."]


@pytest.mark.parametrize("html", [
    b"<html><body><p>Hello</p></body></html>",
    b"<html><body><table><tr><td>Name</td><td>City</td></tr>"
    b"<tr><td>Ann</td><td>Rome</td></tr></table></body></html>",
])
def test_other_html_keeps_its_clear_error(tmp_path, html):
    path = tmp_path / "page.xls"
    path.write_bytes(html)
    with pytest.raises(InputFileError, match=r"web page \(HTML\).*save it as"):
        open_table(path)


def test_a_card_without_n_is_named_from_fn_and_a_v4_tel_uri_is_read(tmp_path):
    path = tmp_path / "v4.vcf"
    path.write_text("BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Camille Martin\r\n"
                    "TEL;VALUE=uri;TYPE=\"cell,voice\":tel:+33-6-12-34-56-78\r\nEND:VCARD\r\n",
                    encoding="utf-8")
    code, err, rows = dry_run(tmp_path, path)
    assert code == 0, err
    assert (rows[0]["row"], rows[0]["chat_id"], rows[0]["first_name"], rows[0]["last_name"]) == (
        "1", "33612345678@c.us", "Camille", "Martin")
