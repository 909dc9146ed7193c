"""The normalizing options through the real command (dry runs: nothing is sent)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.cli import read_results, run_cli, write_csv

ROWS = [
    ["Phone", "First Name", "Last Name", "Company"],
    ["0100 123 4567 / 0111 222 3333", "JOHN", "DOE", "Acme"],
    ["0111 222 3333", "jane", "roe", ""],
    ["+20 100 123 4567", "Jon", "Doe", "Acme"],
    ["0122 333 4444", "", "", ""],
    ["0100ABC4567", "Bad", "Number", ""],
]


@pytest.fixture
def contacts(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "contacts.csv", ROWS)


def results(path: Path) -> list[tuple[str, str, str, str, str, str]]:
    return [(r["row"], r["status"], r["chat_id"], r["first_name"], r["last_name"], r["detail"])
            for r in read_results(path)]


def test_the_defaults_keep_the_first_row_and_the_first_number(contacts: Path,
                                                              tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    done = run_cli([contacts, "--dry-run", "--default-region", "eg", "--results", out])
    assert done.returncode == 1, done.stderr  # some rows are invalid
    assert results(out) == [
        ("2", "ready", "201001234567@c.us", "JOHN", "DOE",
         "phone: 2 numbers in the cell; used +20 10 01234567, also 0111 222 3333"),
        ("3", "ready", "201112223333@c.us", "jane", "roe", ""),
        ("4", "duplicate", "201001234567@c.us", "Jon", "Doe",
         "same number as row 2 (name differs: 'Jon Doe' here, 'JOHN DOE' in row 2)"),
        ("5", "invalid", "201223334444@c.us", "", "",
         "no name: the row has no name (--missing-name phone uses the number instead)"),
        ("6", "invalid", "", "", "", "phone: letters in the number"),
    ]


def test_the_normalizing_options_change_what_is_sent(contacts: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    done = run_cli([contacts, "--dry-run", "--results", out, "--all-numbers", "--title-case",
                    "--missing-name", "phone", "--duplicates", "last",
                    "--last-name-format", "{Last Name} - {Company}"],
                   env={"WAWP_DEFAULT_REGION": "EG"})
    assert done.returncode == 1, done.stderr
    assert results(out) == [
        ("2", "duplicate", "201001234567@c.us", "John", "Doe - Acme",
         ("same number as row 4 (name differs: 'John Doe - Acme' here, 'Jon Doe - Acme' in "
         "row 4); phone: number 1 of 2 in the cell")),
        ("2", "duplicate", "201112223333@c.us", "John", "Doe - Acme",
         ("same number as row 3 (name differs: 'John Doe - Acme' here, 'Jane Roe' in row 3); "
         "phone: number 2 of 2 in the cell")),
        ("3", "ready", "201112223333@c.us", "Jane", "Roe", ""),
        ("4", "ready", "201001234567@c.us", "Jon", "Doe - Acme", ""),
        ("5", "ready", "201223334444@c.us", "+20 12 23334444", "",
         "name: none in the row, the number is used"),
        ("6", "invalid", "", "", "", "phone: letters in the number"),
    ]


@pytest.mark.parametrize(("args", "message"), [
    (["--default-region", "XX"], "unknown region code 'XX'"),
    (["--default-region", "EG", "--last-name-format", "{Dept}"],
     "--last-name-format '{Dept}' names a column that does not exist"),
    (["--default-region", "EG", "--first-name-format", "{First Name"], "without its '}'"),
])
def test_a_bad_region_or_template_exits_2_before_any_row(contacts: Path, args: list[str],
                                                         message: str) -> None:
    done = run_cli([contacts, "--dry-run", *args])
    assert done.returncode == 2
    assert message in done.stderr
    assert not (contacts.parent / "contacts.results.csv").exists()
