"""Rows that resolve to the same chat ID are sent once."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from importer.models import Contact, Prepared, SourceRow, Status
from importer.normalize import RowNormalizer
from importer.normalize.dedupe import NumberIndex, keep_first, keep_last, last_rows
from importer.read.columns import ColumnMap

COLUMNS = ColumnMap(phone=0, name=1)


def ready(row: int, chat: str, first: str = "John", last: str = "Doe",
          detail: str = "") -> Prepared:
    return Prepared(row, (), Status.READY, Contact(f"{chat}@c.us", first, last), detail)


def outcome(items: list[Prepared]) -> list[tuple[int, str, str]]:
    return [(i.row, i.status.value, i.detail) for i in items]


FIRST_WINS = [
    ("same name",
     [ready(2, "201001234567"), ready(3, "201001234567")],
     [(2, "ready", ""), (3, "duplicate", "same number as row 2")]),
    ("names differ",
     [ready(2, "201001234567", "John"), ready(5, "201001234567", "Jon")],
     [(2, "ready", ""),
      (5, "duplicate",
       "same number as row 2 (name differs: 'Jon Doe' here, 'John Doe' in row 2)")]),
    ("case and spacing are not a difference",
     [ready(2, "201001234567", "John"), ready(3, "201001234567", "JOHN ", "DOE")],
     [(2, "ready", ""), (3, "duplicate", "same number as row 2")]),
    ("the row's own notes are kept",
     [ready(2, "201001234567"), ready(3, "201001234567", detail="phone: landline number")],
     [(2, "ready", ""), (3, "duplicate", "same number as row 2; phone: landline number")]),
    ("other numbers are not touched",
     [ready(2, "201001234567"), ready(3, "201112223333"), ready(4, "201001234567")],
     [(2, "ready", ""), (3, "ready", ""), (4, "duplicate", "same number as row 2")]),
    ("invalid rows are not duplicates",
     [Prepared(2, (), Status.INVALID, Contact("201001234567@c.us", "", ""), "no name: …"),
      ready(3, "201001234567")],
     [(2, "invalid", "no name: …"), (3, "ready", "")]),
]


@pytest.mark.parametrize(("case", "items", "expected"), FIRST_WINS)
def test_the_first_row_of_a_number_wins(case: str, items: list[Prepared],
                                        expected: list[tuple[int, str, str]]) -> None:
    assert outcome(list(keep_first(items))) == expected, case


def test_the_last_row_of_a_number_wins_when_asked() -> None:
    items = [ready(2, "201001234567", "John"), ready(3, "201112223333"),
             ready(4, "201001234567", "Jon")]
    kept = list(keep_last(items, last_rows(items)))
    assert outcome(kept) == [
        (2, "duplicate",
         "same number as row 4 (name differs: 'John Doe' here, 'Jon Doe' in row 4)"),
        (3, "ready", ""), (4, "ready", "")]


def test_a_duplicate_keeps_its_contact_for_the_results() -> None:
    (_, second) = keep_first([ready(2, "201001234567"), ready(3, "201001234567", "Jon")])
    assert second.contact == Contact("201001234567@c.us", "Jon", "Doe")


# --- through the normalizer: --all-numbers and --duplicates last --------------------------


def rows() -> list[SourceRow]:
    return [SourceRow(2, ("0100 123 4567 / 0111 222 3333", "John Doe")),
            SourceRow(3, ("0111 222 3333", "Jane Roe")),
            SourceRow(4, ("+20 100 123 4567", "John Doe"))]


def test_with_all_numbers_duplicates_are_found_per_chat_id() -> None:
    normalizer = RowNormalizer(COLUMNS, default_region="EG", all_numbers=True)
    items = list(normalizer.prepare_all(rows()))
    assert [(i.row, i.contact.chat_id, i.status.value) for i in items] == [  # type: ignore[union-attr]
        (2, "201001234567@c.us", "ready"), (2, "201112223333@c.us", "ready"),
        (3, "201112223333@c.us", "duplicate"), (4, "201001234567@c.us", "duplicate")]
    assert items[2].detail == ("same number as row 2 (name differs: 'Jane Roe' here, "
                               "'John Doe' in row 2)")


def test_duplicates_last_reads_the_input_again_instead_of_holding_it() -> None:
    opened = []

    def reopen() -> Iterator[SourceRow]:
        opened.append(True)
        return iter(rows())

    normalizer = RowNormalizer(COLUMNS, default_region="EG", all_numbers=True,
                               duplicates="last")
    items = list(normalizer.prepare_all(iter(rows()), reopen=reopen))
    assert opened == [True]
    assert [(i.row, i.status.value) for i in items] == [
        (2, "duplicate"), (2, "duplicate"), (3, "ready"), (4, "ready")]
    assert items[0].detail == "same number as row 4; phone: number 1 of 2 in the cell"


def test_duplicates_last_without_reopen_holds_the_rows() -> None:
    normalizer = RowNormalizer(COLUMNS, default_region="EG", duplicates="last")
    items = list(normalizer.prepare_all(iter(rows())))
    assert [(i.row, i.status.value) for i in items] == [
        (2, "duplicate"), (3, "ready"), (4, "ready")]


def test_the_stream_is_lazy() -> None:
    def endless() -> Iterator[SourceRow]:
        number = 2
        while True:
            yield SourceRow(number, ("0100 123 4567", "John Doe"))
            number += 1

    stream = RowNormalizer(COLUMNS, default_region="EG").prepare_all(endless())
    first, second = next(stream), next(stream)
    assert (first.status, second.status) == (Status.READY, Status.DUPLICATE)


# --- the index of numbers seen: flat memory, nothing left on disk -------------------------


def test_the_index_keeps_the_first_row_or_the_last_one_put() -> None:
    index = NumberIndex()
    try:
        assert index.first(201001234567, 2, "John Doe") is None
        assert index.first(201001234567, 5, "Jon Doe") == (2, "John Doe")
        assert index.get(201001234567) == (2, "John Doe")
        index.put(201001234567, 7, "Johnny")
        assert index.get(201001234567) == (7, "Johnny")
        assert index.get(447911123456) is None
        assert index.first(999999999999999, 3, "") is None  # 15 digits, the longest E.164
        assert len(index) == 2
    finally:
        index.close()


def _rss_bytes() -> int:
    with open("/proc/self/statm", encoding="ascii") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="needs Linux /proc")
@pytest.mark.slow
def test_memory_stays_flat_however_many_numbers_are_seen() -> None:
    """300,000 numbers in a dict of Python objects take ~57 MB, in an in-memory SQLite
    database ~8 MB; the index holds them in SQLite's page cache (~2 MB) and a file."""
    index = NumberIndex()
    try:
        for n in range(5_000):  # SQLite's cache and the statements come in
            index.first(201000000000 + n * 7919, n + 2, f"Person {n}")
        before = _rss_bytes()
        for n in range(5_000, 300_000):
            index.first(201000000000 + n * 7919, n + 2, f"Person {n}")
        grown = _rss_bytes() - before
        assert len(index) == 300_000
    finally:
        index.close()
    assert grown < 5 * 2**20, f"memory grew by {grown / 2**20:.1f} MB"


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs Linux /proc")
def test_the_numbers_never_sit_in_a_file_anyone_can_open() -> None:
    """Phone numbers and names: SQLite's temporary file is unlinked as soon as it is made,
    so nothing remains on disk however the process ends."""
    index = NumberIndex()
    try:
        for n in range(200_000):  # past SQLite's ~2 MB page cache: the file is in use
            index.first(201000000000 + n, n + 2, f"Person {n}")
        links = []
        for fd in os.listdir("/proc/self/fd"):
            try:
                links.append(os.readlink(f"/proc/self/fd/{fd}"))
            except OSError:
                continue
        temporary = [link for link in links if "etilqs" in link]
        assert temporary, f"SQLite's temporary file not found among {links}"
        assert all(link.endswith("(deleted)") for link in temporary), temporary
    finally:
        index.close()


def test_first_many_answers_as_first_does_one_by_one() -> None:
    entries = [(201000000000 + n % 7, n + 2, f"Person {n}") for n in range(40)]
    one_by_one, at_once = NumberIndex(), NumberIndex()
    try:
        one_by_one.first(201000000003, 1, "Earlier")
        at_once.first(201000000003, 1, "Earlier")
        assert at_once.first_many(entries) == [one_by_one.first(*e) for e in entries]
        assert len(at_once) == len(one_by_one) == 7
    finally:
        one_by_one.close()
        at_once.close()


def test_keep_first_gives_the_rows_read_before_a_reading_error_then_raises() -> None:
    def items() -> Iterator[Prepared]:
        yield ready(2, "201001234567")
        yield ready(3, "201001234568")
        yield ready(4, "201001234567")
        raise OSError("disk gone")

    out: list[Prepared] = []
    with pytest.raises(OSError, match="disk gone"):
        for item in keep_first(items()):
            out.append(item)
    assert [(i.row, i.status) for i in out] == [(2, Status.READY), (3, Status.READY),
                                                (4, Status.DUPLICATE)]
