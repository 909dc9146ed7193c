"""Unit tests of the fixes file (importer/fixes.py) and the remembered mappings
(importer/mappings.py); the command and the page drive them end to end elsewhere
(test_fixes_mappings_e2e.py, test_web_desk_rows.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from importer.errors import ConfigError
from importer.fixes import RowFixes
from importer.mappings import (
    Mapping,
    MappingStore,
    header_signature,
    instance_key,
    mappings_path,
    with_mapping,
)
from importer.models import SourceRow, Status
from importer.normalize import RowNormalizer
from importer.normalize.outcomes import chunk_items
from importer.options import ImportOptions
from importer.problems import PHONE_CODES
from importer.read.columns import ColumnMap

HEADERS = ["Name", "Mobile", "Notes"]


def test_a_fix_replaces_the_cell_and_keeps_the_files_cells_aside() -> None:
    fixes = RowFixes().with_cell(3, "Mobile", "0100 123 4567")
    rows = [SourceRow(2, ("Ahmed", "0100 765 4321", "")), SourceRow(3, ("Mona", "0100 12"))]

    first, second = fixes.apply(rows, HEADERS)

    assert first == rows[0]
    assert second.values == ("Mona", "0100 123 4567")
    assert second.original == ("Mona", "0100 12")
    assert second.fixed == ("Mobile",)


def test_a_fixed_row_is_normalized_with_its_fix_and_reported_with_the_files_cells() -> None:
    normalizer = RowNormalizer(ColumnMap(phone=1, name=0), headers=HEADERS,
                               default_region="EG")
    [row] = RowFixes({3: {"Mobile": "0100 123 4567"}}).apply(
        [SourceRow(3, ("Mona Ali", "0100 12", "x"))], HEADERS)

    [item] = normalizer.prepare(row)

    assert item.status is Status.READY
    assert item.contact is not None and item.contact.chat_id == "201001234567@c.us"
    assert item.values == ("Mona Ali", "0100 12", "x")
    assert item.detail == "fixed: 'Mobile'"


def test_a_fixed_row_normalized_on_a_worker_keeps_the_files_cells_and_its_note() -> None:
    """The forked workers' path (`chunk_items`, long sending runs) makes a fixed row's item
    as `prepare` does: normalized with the fix, reported with the file's cells."""
    normalizer = RowNormalizer(ColumnMap(phone=1, name=0), headers=HEADERS,
                               default_region="EG")
    rows = list(RowFixes({3: {"Mobile": "0100 12"}, 4: {"Mobile": "0100 123 4567"}}).apply(
        [SourceRow(2, ("Ahmed", "0100 765 4321", "")), SourceRow(3, ("Mona", "0100 1234567")),
         SourceRow(4, ("Omar", "12"))], HEADERS))
    # what a worker answers: the outcomes of each row's phone cell and name
    answers = [normalizer.outcomes(normalizer.phone_cell(row.values),
                                   normalizer.name_key(row.values)) for row in rows]

    kept, invalid, fixed = chunk_items(rows, answers)

    assert kept == normalizer.prepare(rows[0])[0]
    assert invalid.status is Status.INVALID and invalid.values == ("Mona", "0100 1234567")
    # the problem is the fixed cell's (the file's "0100 1234567" is a valid number)
    assert invalid.problem is not None and invalid.problem.code in PHONE_CODES
    assert invalid.detail.endswith("; fixed: 'Mobile'")
    assert fixed.status is Status.READY and fixed.values == ("Omar", "12")
    assert fixed.detail == "fixed: 'Mobile'"
    assert [invalid, fixed] == [normalizer.prepare(rows[1])[0], normalizer.prepare(rows[2])[0]]


def test_undoing_a_fix_and_saving_and_loading_the_file(tmp_path: Path) -> None:
    fixes = RowFixes().with_cell(3, "Mobile", "1").with_cell(3, "Name", "Mona")
    fixes = fixes.with_cell(7, "Mobile", "2").without(7)
    path = tmp_path / "fixes.json"
    fixes.without(3, "Name").save(path)

    assert json.loads(path.read_text("utf-8")) == {"version": 1,
                                                   "rows": {"3": {"Mobile": "1"}}}
    assert RowFixes.load(path).rows == {3: {"Mobile": "1"}}
    assert not RowFixes.load(tmp_path / "none.json")


@pytest.mark.parametrize(("text", "message"), [
    ("[1]", 'no "rows" object'),
    ('{"rows": {"x": {}}}', "'x' is not a row number"),
    ('{"rows": {"2": {"Mobile": 1}}}', "must map column headers to text"),
    ("{", "is not JSON"),
])
def test_a_fixes_file_that_cannot_be_used_is_refused(tmp_path: Path, text: str,
                                                     message: str) -> None:
    path = tmp_path / "fixes.json"
    path.write_text(text, "utf-8")
    with pytest.raises(ConfigError, match=message):
        RowFixes.load(path)


def test_a_fix_of_a_column_the_file_has_not_is_refused() -> None:
    with pytest.raises(ConfigError, match="'Phone', which the file has not"):
        RowFixes({2: {"Phone": "1"}}).columns(HEADERS)


def test_the_header_signature_ignores_case_and_spacing_but_not_order_or_sheet() -> None:
    base = header_signature(["Name", "Mobile  Phone"], None)
    assert header_signature(["NAME", " mobile phone"], None) == base
    assert header_signature(["Mobile Phone", "Name"], None) != base
    assert header_signature(["Name", "Mobile Phone"], "Members") != base


def test_the_instance_key_is_the_ledgers() -> None:
    assert instance_key("HTTPS://API.Wawp.net:443/", "123") == "https://api.wawp.net|123"
    assert mappings_path(Path("/data/ledger.sqlite")) == Path("/data/mappings.sqlite")


def test_a_remembered_mapping_fills_only_what_the_options_leave_to_the_importer() -> None:
    mapping = Mapping(file="crm.csv", saved_at=0.0, headers=("Client", "Landline", "", "Mob"),
                      phone_columns=(1, 3), name_column=0, header_row=2,
                      settings={"default_region": "EG", "duplicates": "last",
                                "title_case": True})

    filled = with_mapping(ImportOptions(input=Path("x.csv")), mapping)
    assert (filled.phone_column, filled.phone_columns) == ("Landline", ("Landline", "Mob"))
    assert (filled.name_column, filled.header_row) == ("Client", 2)
    assert (filled.default_region, filled.duplicates, filled.title_case) == ("EG", "last", True)

    given = with_mapping(ImportOptions(input=Path("x.csv"), phone_column="Mob",
                                       default_region="SA"), mapping)
    assert (given.phone_column, given.phone_columns, given.default_region) == ("Mob", None, "SA")
    assert given.name_column == "Client"

    blank = Mapping(file="crm.csv", saved_at=0.0, headers=("Client", ""), phone_columns=(1,))
    assert blank.values()["phone_column"] == "2"  # a blank header: by its number


def test_the_store_finds_by_signature_and_by_file_or_results_name(tmp_path: Path) -> None:
    store = MappingStore(tmp_path / "mappings.sqlite")
    assert store.find("i", "sig") is None  # no file yet, and none is created by reading
    assert not store.path.exists()
    mapping = Mapping(file="crm-weekly.csv", saved_at=1e9, headers=("Mobile",),
                      phone_columns=(0,))
    store.remember("i", "sig", mapping)

    assert store.find("i", "sig") == mapping
    assert store.find("other", "sig") is None
    assert store.by_file("i", Path("crm-weekly.csv")) == ("sig", mapping)
    assert store.by_file("i", Path("out/crm-weekly.retry1.results.csv")) == ("sig", mapping)
    assert store.by_file("i", Path("crm-weekly.dry-run.csv")) == ("sig", mapping)
    assert store.by_file("i", Path("other.csv")) is None
    assert store.files("i") == ["crm-weekly.csv"]
    assert store.forget("i", "sig") and store.find("i", "sig") is None
    assert mapping.describe().startswith("as for crm-weekly.csv on 9 Sep")


def test_a_store_whose_folder_cannot_be_made_is_a_config_error(tmp_path: Path) -> None:
    # the command and the page turn a ConfigError into a warning after the import, where an
    # OSError would end the command with a traceback once every row was sent
    (tmp_path / "a file").write_text("not a folder", encoding="utf-8")
    store = MappingStore(tmp_path / "a file" / "mappings.sqlite")
    with pytest.raises(ConfigError, match="cannot open the remembered mappings"):
        store.remember("instance", "signature", Mapping(file="crm.csv", saved_at=0.0))
