"""Rows → prepared contacts: where names come from, the options, and the parallel path."""

from __future__ import annotations

import gc
from collections.abc import Sequence

import pytest

from importer.errors import ColumnError, ConfigError
from importer.models import Contact, Prepared, SourceRow, Status
from importer.normalize import MAX_NAME_LENGTH, RowNormalizer, parallel
from importer.problems import Code, problem
from importer.read.columns import ColumnMap

HEADERS = ["Phone", "Name", "First Name", "Last Name", "Company", "Role"]
FULL = ColumnMap(phone=0, name=1)
PARTS = ColumnMap(phone=0, first_name=2, last_name=3)
BOTH = ColumnMap(phone=0, name=1, first_name=2, last_name=3)


def row(phone: str = "0100 123 4567", name: str = "", first: str = "", last: str = "",
        company: str = "", role: str = "", *, number: int = 2) -> SourceRow:
    return SourceRow(number, (phone, name, first, last, company, role))


def prepare(columns: ColumnMap, rows: Sequence[SourceRow], **options: object) -> list[Prepared]:
    normalizer = RowNormalizer(columns, headers=HEADERS, default_region="EG", **options)
    return list(normalizer.prepare_all(rows))


def contact(item: Prepared) -> tuple[str, str, str] | None:
    c = item.contact
    return None if c is None else (c.chat_id, c.first_name, c.last_name)


CHAT = "201001234567@c.us"

NAME_SOURCES = [
    # (columns, row, options, first, last)
    (FULL, row(name="John Doe"), {}, "John", "Doe"),
    (FULL, row(name="Doe, John"), {}, "John", "Doe"),
    (FULL, row(name="Madonna"), {}, "Madonna", ""),
    (PARTS, row(first="  Mary  Ann ", last=" Smith "), {}, "Mary Ann", "Smith"),
    (PARTS, row(first="", last="Smith"), {}, "Smith", ""),  # a first name is always sent
    (PARTS, row(first="Juan", last="de la Cruz"), {}, "Juan", "de la Cruz"),
    (BOTH, row(name="John Doe", first="Jon", last="Doe"), {}, "Jon", "Doe"),  # parts win
    (BOTH, row(name="John Doe"), {}, "John", "Doe"),  # …unless both are empty
    (ColumnMap(phone=0, name=1, last_name=3), row(name="Alice", last="Smith"), {},
     "Alice", "Smith"),  # "Name" + "Surname": the name is the first name
    (FULL, row(name="JOHN DOE"), {"title_case": True}, "John", "Doe"),
    (FULL, row(name="JUAN DE LA CRUZ"), {"title_case": True}, "Juan", "de la Cruz"),
    (PARTS, row(first="mary", last="O'NEIL"), {"title_case": True}, "Mary", "O'Neil"),
    (FULL, row(name="JOHN DOE"), {}, "JOHN", "DOE"),
    (PARTS, row(first="Alice", last="Smith", company="Acme"),
     {"last_name_format": "{Last Name} - {Company}"}, "Alice", "Smith - Acme"),
    (PARTS, row(first="Alice", last="Smith"),
     {"last_name_format": "{Last Name} - {Company}"}, "Alice", "Smith"),
    (PARTS, row(first="Bob", role="Lead"), {"first_name_format": "{First Name} [{Role}]"},
     "Bob [Lead]", ""),
    (FULL, row(name="Alice Smith", role="Support"), {"last_name_format": "- {Role}"},
     "Alice Smith", "- Support"),
    (FULL, row(name="Alice Smith"), {"last_name_format": "- {Role}"}, "Alice", "Smith"),
]


@pytest.mark.parametrize(("columns", "source", "options", "first", "last"), NAME_SOURCES)
def test_names_come_from_the_columns_and_templates_asked_for(
        columns: ColumnMap, source: SourceRow, options: dict[str, object], first: str,
        last: str) -> None:
    (item,) = prepare(columns, [source], **options)
    assert item.status is Status.READY, item.detail
    assert contact(item) == (CHAT, first, last)


def test_a_row_without_a_name_is_invalid() -> None:
    (item,) = prepare(FULL, [row(name="  ")])
    assert item.status is Status.INVALID
    assert contact(item) == (CHAT, "", "")
    assert item.detail.startswith("no name: ")


def test_missing_name_phone_uses_the_number_as_first_name() -> None:
    (item,) = prepare(FULL, [row(name="")], missing_name="phone")
    assert item.status is Status.READY
    assert contact(item) == (CHAT, "+20 10 01234567", "")
    assert item.detail == "name: none in the row, the number is used"


def test_an_invalid_phone_makes_the_row_invalid_with_its_reason() -> None:
    (item,) = prepare(FULL, [row(phone="0100ABC4567", name="John Doe")])
    assert (item.status, item.contact, item.detail) == (
        Status.INVALID, None, "phone: letters in the number")


def test_phone_and_name_notes_are_both_kept() -> None:
    (item,) = prepare(FULL, [row(phone="02 2345 6789", name="x" * (MAX_NAME_LENGTH + 1))])
    assert item.status is Status.READY
    assert item.detail == (f"phone: landline number; name: first name cut to "
                           f"{MAX_NAME_LENGTH} characters")
    assert contact(item) == ("20223456789@c.us", "x" * MAX_NAME_LENGTH, "")


def test_a_row_the_reader_had_to_change_is_invalid_with_its_problems() -> None:
    too_long = problem(Code.CELL_TOO_LONG, column="column 'Name'", chars=40_000, limit=32_767)
    too_wide = problem(Code.ROW_TOO_WIDE, cells=1_005, limit=1_000)
    source = SourceRow(7, ("0100 123 4567", "John Doe", "", "", "", ""), (too_long, too_wide))
    (item,) = prepare(FULL, [source])
    assert (item.row, item.status, item.contact, item.problem, item.detail) == (
        7, Status.INVALID, None, too_long,
        "column 'Name': cell of 40,000 characters is longer than 32,767; 1,005 cells, more than "
        "the 1,000 columns allowed; the cells after column 1,000 were dropped")


def test_all_numbers_gives_one_contact_per_number_on_the_same_row() -> None:
    items = prepare(FULL, [row(phone="0100 123 4567 / 0111 222 3333", name="John Doe",
                               number=5)], all_numbers=True)
    assert [(i.row, i.status, contact(i)) for i in items] == [
        (5, Status.READY, (CHAT, "John", "Doe")),
        (5, Status.READY, ("201112223333@c.us", "John", "Doe")),
    ]
    assert [i.detail for i in items] == ["phone: number 1 of 2 in the cell",
                                        "phone: number 2 of 2 in the cell"]


def test_without_all_numbers_the_other_numbers_are_named() -> None:
    (item,) = prepare(FULL, [row(phone="0100 123 4567, 0111 222 3333", name="John Doe")])
    assert item.detail == ("phone: 2 numbers in the cell; used +20 10 01234567, "
                           "also 0111 222 3333")


@pytest.mark.parametrize(("options", "error", "message"), [
    ({"default_region": "XX"}, ConfigError, "unknown region code 'XX'"),
    ({"missing_name": "skip"}, ConfigError, "--missing-name must be one of invalid, phone"),
    ({"duplicates": "best"}, ConfigError, "--duplicates must be one of first, last"),
    ({"last_name_format": "{Dept}"}, ColumnError, "--last-name-format '{Dept}' names a column"),
    ({"first_name_format": "{First"}, ColumnError, "--first-name-format"),
])
def test_bad_options_are_refused_before_any_row(options: dict[str, object],
                                                error: type[Exception], message: str) -> None:
    settings: dict[str, object] = {"default_region": "EG", **options}
    with pytest.raises(error) as info:
        RowNormalizer(FULL, headers=HEADERS, **settings)  # type: ignore[arg-type]
    assert message in str(info.value)


def test_a_short_row_reads_missing_cells_as_empty() -> None:
    (item,) = prepare(BOTH, [SourceRow(2, ("0100 123 4567", "John Doe"))])
    assert contact(item) == (CHAT, "John", "Doe")


def test_prepare_gives_the_items_of_one_row() -> None:
    normalizer = RowNormalizer(FULL, headers=HEADERS, default_region="EG")
    assert normalizer.prepare(row(name="John Doe")) == [
        Prepared(2, row(name="John Doe").values, Status.READY, Contact(CHAT, "John", "Doe"), "")]


# --- the parallel path gives exactly what the in-process path gives -----------------------


def _mixed_rows(count: int) -> list[SourceRow]:
    phones = ["0100 123 4567", "+44 20 7946 0958", "0100ABC4567", "", "0111 222 3333, 0100 1",
              "447911123456", "0100 123 4567"]
    names = ["John Doe", "Doe, John", "", "Abd El Rahman Ali", "毛泽东"]
    out = []
    for i in range(count):
        phone = phones[i % len(phones)]
        if i % 3 == 0 and phone:
            phone = phone[:-2] + f"{i % 100:02d}"
        values = (phone, names[i % len(names)], "", "", "", "")
        out.append(SourceRow(i + 2, values))
    return out


@pytest.mark.skipif(not parallel.can_fork(), reason="no fork here: always in-process")
@pytest.mark.parametrize("options", [{}, {"all_numbers": True}, {"duplicates": "last"}])
def test_the_parallel_path_gives_the_same_items_in_the_same_order(
        monkeypatch: pytest.MonkeyPatch, options: dict[str, object]) -> None:
    monkeypatch.setattr(parallel, "WARMUP_ROWS", 50)
    monkeypatch.setattr(parallel, "CHUNK_ROWS", 37)
    rows = _mixed_rows(2000)
    alone = prepare(FULL, rows, **options)
    together = prepare(FULL, rows, workers=2, **options)
    assert together == alone


@pytest.mark.skipif(not parallel.can_fork(), reason="no fork here: always in-process")
@pytest.mark.parametrize("frozen", [False, True])
def test_the_parallel_path_leaves_the_callers_gc_freeze_as_it_was(
        monkeypatch: pytest.MonkeyPatch, frozen: bool) -> None:
    monkeypatch.setattr(parallel, "WARMUP_ROWS", 50)
    monkeypatch.setattr(parallel, "CHUNK_ROWS", 37)
    gc.unfreeze()  # whatever an earlier test left
    if frozen:
        gc.freeze()  # as the command does before a run
    try:
        prepare(FULL, _mixed_rows(300), workers=1)
        assert (gc.get_freeze_count() > 0) is frozen
    finally:
        gc.unfreeze()


def test_a_short_input_never_starts_a_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_pool(*args: object, **kwargs: object) -> None:
        raise AssertionError("a worker was started")

    monkeypatch.setattr(parallel, "ProcessPoolExecutor", no_pool)
    rows = _mixed_rows(100)
    assert prepare(FULL, rows, workers=2) == prepare(FULL, rows)


def test_stopping_early_shuts_the_workers_down(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "WARMUP_ROWS", 10)
    monkeypatch.setattr(parallel, "CHUNK_ROWS", 10)
    normalizer = RowNormalizer(FULL, headers=HEADERS, default_region="EG", workers=1)
    stream = normalizer.prepare_all(_mixed_rows(1000))
    first = [next(stream) for _ in range(50)]
    stream.close()  # type: ignore[attr-defined]
    assert [i.row for i in first] == list(range(2, 52))
