"""Delimited text: encodings, delimiters, layouts, limits, numbering as the spreadsheet shows it."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from importer.errors import ConfigError, InputFileError
from importer.models import SourceRow
from importer.problems import WORDS, Code, problem
from importer.read import open_table
from importer.read.csvfile import sniff_delimiter
from importer.read.limits import MAX_CELL_CHARS, MAX_COLUMNS, MAX_RECORD_CHARS
from tests.support.notes import notes_of

ROWS = "Name,Phone\nJosé Müller,+20 100 123 4567\nZoë Façade,01001234567\n"


def write(tmp_path: Path, data: bytes | str, name: str = "contacts.csv",
          encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode(encoding))
    return path


def values(path: Path, **kwargs: object) -> list[tuple[int, tuple[str, ...]]]:
    return [(r.number, r.values) for r in open_table(path, **kwargs).rows]  # type: ignore[arg-type]


EXPECTED = [(2, ("José Müller", "+20 100 123 4567")), (3, ("Zoë Façade", "01001234567"))]


@pytest.mark.parametrize(("data", "label"), [
    (ROWS.encode("utf-8"), "utf-8"),
    (codecs.BOM_UTF8 + ROWS.encode("utf-8"), "utf-8 with BOM"),
    (codecs.BOM_UTF16_LE + ROWS.encode("utf-16-le"), "utf-16 with BOM"),
    (codecs.BOM_UTF16_BE + ROWS.encode("utf-16-be"), "utf-16 with BOM"),
    (ROWS.encode("utf-16-le"), "utf-16-le"),
    (ROWS.encode("cp1252"), "cp1252"),
])
def test_encodings_are_detected_and_the_bom_never_reaches_a_header(tmp_path, data, label):
    table = open_table(write(tmp_path, data))
    assert table.headers == ["Name", "Phone"]
    assert table.info.encoding == label
    assert table.info.encoding_detected
    assert [(r.number, r.values) for r in table.rows] == EXPECTED


def test_a_windows_arabic_file_is_read_as_cp1256(tmp_path):
    text = ("الاسم,رقم الجوال\n" + "".join(f"محمد أحمد علي {i},0100123456{i}\n" for i in range(8))
            + "فاطمة الزهراء,01112345678\nعبد الله حسن,01223456789\n")
    table = open_table(write(tmp_path, text, encoding="cp1256"))
    assert table.info.encoding == "cp1256"
    assert table.headers == ["الاسم", "رقم الجوال"]
    assert next(table.rows).values[0] == "محمد أحمد علي 0"


def test_a_western_file_prefers_cp1252_where_code_pages_agree(tmp_path):
    text = "Nombre;Teléfono\nJosé Peña;600111222\nJoão Conceição;910000000\nFrançois;0612345678\n"
    table = open_table(write(tmp_path, text, encoding="cp1252"))
    assert table.info.encoding == "cp1252"
    assert [r.values[0] for r in table.rows] == ["José Peña", "João Conceição", "François"]


def test_invalid_utf8_bytes_are_replaced_and_noted_not_fatal(tmp_path):
    data = ("Name,Phone\nJosé,0100\n".encode() + b"Bad \xff byte,0111\n" + "Zoë,0122\n".encode())
    table = open_table(write(tmp_path, data))
    assert table.info.encoding == "utf-8"
    rows = list(table.rows)
    assert [r.values[0] for r in rows] == ["José", "Bad \ufffd byte", "Zoë"]
    assert any("not valid utf-8, first at byte 26 (line 3)" in n for n in notes_of(table))


def test_given_encoding_wins_and_a_wrong_one_fails_before_anything_is_read(tmp_path):
    path = write(tmp_path, ROWS, encoding="cp1252")
    assert values(path, encoding="latin-1") == EXPECTED
    info = open_table(path, encoding="latin-1").info
    assert not info.encoding_detected
    with pytest.raises(InputFileError, match=r"cannot be decoded as utf-8 at byte 14 \(line 2\)"):
        open_table(path, encoding="utf-8")
    with pytest.raises(ConfigError, match="unknown encoding 'klingon'"):
        open_table(path, encoding="klingon")


def test_given_utf8_still_drops_the_bom(tmp_path):
    path = write(tmp_path, codecs.BOM_UTF8 + ROWS.encode())
    assert open_table(path, encoding="utf-8").headers == ["Name", "Phone"]


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimiter_is_sniffed(tmp_path, delimiter):
    text = ROWS.replace(",", delimiter)
    table = open_table(write(tmp_path, text))
    assert table.info.delimiter == delimiter
    assert table.info.delimiter_detected
    assert [(r.number, r.values) for r in table.rows] == EXPECTED


def test_european_semicolon_file_with_decimal_commas(tmp_path):
    text = "Nom;Téléphone;Solde\nDupont, Jean;0612345678;12,50\nMartin;0698765432;3,75\n"
    table = open_table(write(tmp_path, text))
    assert table.info.delimiter == ";"
    assert next(table.rows).values == ("Dupont, Jean", "0612345678", "12,50")


def test_sniffing_ignores_a_title_line():
    sample = "Contacts exported from CRM\n\nname|phone|city\nA|1|X\nB|2|Y\n"
    assert sniff_delimiter(sample) == "|"


@pytest.mark.parametrize(("given", "char"), [(";", ";"), ("tab", "\t"), ("\\t", "\t"),
                                             ("semicolon", ";")])
def test_given_delimiter_wins(tmp_path, given, char):
    path = write(tmp_path, "Name;Phone,Note\nAnn;0100,x\n")
    table = open_table(path, delimiter=given)
    assert table.info.delimiter == char
    assert not table.info.delimiter_detected


def test_bad_delimiter_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="invalid delimiter"):
        open_table(write(tmp_path, ROWS), delimiter=";;")


def test_quoted_newlines_are_one_record_and_numbers_count_records(tmp_path):
    text = ('Name,Phone,Notes\n'
            'Ann,0100,"line one\nline two\r\nline three"\n'
            'Bob,0111,plain\n')
    rows = values(write(tmp_path, text))
    assert rows == [(2, ("Ann", "0100", "line one\nline two\r\nline three")),
                    (3, ("Bob", "0111", "plain"))]


def test_blank_rows_are_skipped_but_keep_their_numbers(tmp_path):
    text = "Name,Phone\n\nAnn,0100\n , \n,,,\nBob,0111\n"
    table = open_table(write(tmp_path, text))
    assert table.info.rows == 2
    assert [(r.number, r.values) for r in table.rows] == [(3, ("Ann", "0100")),
                                                          (6, ("Bob", "0111"))]


def test_a_title_block_above_the_header_is_skipped(tmp_path):
    text = ("Customer list\nExported on 2024-05-01 by admin\n\n"
            "First Name,Last Name,Mobile Phone\nAnn,Lee,0100\n")
    table = open_table(write(tmp_path, text))
    assert table.headers == ["First Name", "Last Name", "Mobile Phone"]
    assert table.info.header_row == 4
    assert table.info.header_detected
    assert [(r.number, r.values) for r in table.rows] == [(5, ("Ann", "Lee", "0100"))]


def test_a_header_without_phone_words_is_the_first_wide_row_above_data(tmp_path):
    text = "Report\nCliente,Contacto,Ciudad\nAna,600111222,Madrid\nLuis,600333444,Vigo\n"
    table = open_table(write(tmp_path, text))
    assert table.headers == ["Cliente", "Contacto", "Ciudad"]
    assert table.info.header_row == 2


def test_header_row_given(tmp_path):
    text = "Name,Phone\nNot,data\nReal Name,Real Phone\nAnn,0100\n"
    table = open_table(write(tmp_path, text), header_row=3)
    assert table.headers == ["Real Name", "Real Phone"]
    assert not table.info.header_detected
    assert [r.number for r in table.rows] == [4]
    with pytest.raises(InputFileError, match="header row 9 is past the end"):
        open_table(write(tmp_path, text), header_row=9)
    with pytest.raises(ConfigError):
        open_table(write(tmp_path, text), header_row=0)


def test_headers_are_kept_as_written_and_trailing_empty_columns_dropped(tmp_path):
    text = "Phone, phone ,Phone,,,\n0100,0111,0122,,,\n"
    table = open_table(write(tmp_path, text))
    assert table.headers == ["Phone", " phone ", "Phone"]
    assert next(table.rows).values == ("0100", "0111", "0122")


def test_ragged_rows_pass_every_cell_through(tmp_path):
    text = "Name,Phone,City\nAnn,0100\nBob,0111,Cairo,extra,more\n"
    rows = values(write(tmp_path, text))
    assert rows == [(2, ("Ann", "0100")), (3, ("Bob", "0111", "Cairo", "extra", "more"))]


def test_an_empty_or_blank_file_is_refused(tmp_path):
    with pytest.raises(InputFileError, match="is empty"):
        open_table(write(tmp_path, b""))
    with pytest.raises(InputFileError, match="no rows"):
        open_table(write(tmp_path, "\n\n , \n"))


def test_an_overlong_cell_is_cut_and_reported_on_its_row(tmp_path):
    notes = "x" * 1_000_000
    text = f"Name,Phone,Notes\nAnn,0100,{notes}\nBob,0111,short\n"
    rows = list(open_table(write(tmp_path, text)).rows)
    assert rows[0].values[2] == "x" * MAX_CELL_CHARS
    assert [WORDS.detail(p) for p in rows[0].problems] == [
        "column 'Notes': cell of 1,000,000 characters is longer than 32,767"]
    assert rows[0].problems[0].code is Code.CELL_TOO_LONG
    assert rows[1] == SourceRow(3, ("Bob", "0111", "short"))


def test_a_record_too_long_to_be_real_stops_before_reading(tmp_path):
    path = tmp_path / "huge.csv"
    with path.open("w") as f:
        f.write("Name,Phone\nAnn,0100\n")
        for _ in range(MAX_RECORD_CHARS // (1 << 20) + 1):
            f.write("y" * (1 << 20))
        f.write("\n")
    with pytest.raises(InputFileError, match=r"record 3 is longer than 4,194,304 characters"):
        open_table(path)


def test_a_quote_never_closed_is_refused_instead_of_swallowing_rows(tmp_path):
    text = 'Name,Phone\nAnn,"0100\nBob,0111\nCid,0122\n'
    with pytest.raises(InputFileError, match=r"record 2 \(line 2\) opens a quoted field"):
        open_table(write(tmp_path, text))


def test_too_many_columns_is_refused(tmp_path):
    header = ",".join(f"c{i}" for i in range(MAX_COLUMNS + 1))
    with pytest.raises(InputFileError, match="1,001 columns, more than the 1,000"):
        open_table(write(tmp_path, f"{header}\n1\n"))


def test_a_data_row_with_too_many_cells_is_cut_and_reported(tmp_path):
    cells = ",".join("v" for _ in range(MAX_COLUMNS + 5))
    row = next(open_table(write(tmp_path, f"Name,Phone\n{cells}\n")).rows)
    assert len(row.values) == MAX_COLUMNS
    assert row.problems[0] == problem(Code.ROW_TOO_WIDE, cells=1_005, limit=MAX_COLUMNS)
    assert "1,005 cells" in WORDS.detail(row.problems[0])


def test_max_rows_refuses_before_any_row_is_read(tmp_path):
    path = write(tmp_path, "Name,Phone\n" + "".join(f"N{i},0{i}\n" for i in range(11)))
    assert open_table(path, max_rows=11).info.rows == 11
    with pytest.raises(InputFileError, match="more than 10 data rows"):
        open_table(path, max_rows=10)


def test_rows_stream_lazily(tmp_path):
    path = write(tmp_path, ROWS)
    table = open_table(path)
    first = next(table.rows)
    assert first.number == 2
    assert [r.number for r in table.rows] == [3]


def test_a_sheet_option_on_a_text_file_is_noted(tmp_path):
    table = open_table(write(tmp_path, ROWS), sheet="Data")
    assert any("--sheet Data was ignored" in n for n in notes_of(table))
