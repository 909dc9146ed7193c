"""Normalizing: a source row becomes a contact to send, or a reasoned rejection.

`RowNormalizer.prepare_all` streams: one `Prepared` per source row, in input order (several
for a row with several numbers under `all_numbers`, all carrying that row's number), with
duplicates of a chat ID marked. Only `duplicates="last"` reads the input twice.

Details are "; "-joined notes a person can act on, each saying what it is about:
"phone: too short for EG (7 digits; …)", "name: first name cut to 100 characters",
"no name: …", "same number as row 12 (name differs: …)".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import lru_cache
from operator import itemgetter
from typing import TYPE_CHECKING

from ..models import Prepared, SourceRow
from ..options import DUPLICATE_POLICIES, MISSING_NAME_POLICIES, check_policies
from ..problems import WORDS, Code, problem
from . import parallel
from .dedupe import keep_first, keep_last, last_rows, mark_duplicates
from .names import MAX_NAME_LENGTH, NameTemplate, clean, cut, split_full_name, title_case
from .outcomes import Outcome, items, rejected
from .parallel import WorkerPool, default_workers, prepare_in_parallel
from .phones import PhoneNormalizer, PhoneResult, check_region, display_number, is_mobile

if TYPE_CHECKING:  # only a type here: worker processes need not import the readers
    from ..read.columns import ColumnMap

__all__ = ["DUPLICATE_POLICIES", "MAX_NAME_LENGTH", "MISSING_NAME_POLICIES", "NameTemplate",
           "PhoneNormalizer", "PhoneResult", "RowNormalizer", "check_region", "default_workers",
           "mark_duplicates", "split_full_name"]

#: Rows repeat names ("John Smith", the same contact twice): the last 4,096 distinct sets of
#: name cells are remembered. Small on purpose: a cache that grows with the file is memory
#: that grows with the file, and most repeats are close together.
NAME_CACHE_SIZE = 1 << 12

NO_NAME = WORDS.NO_NAME
#: Labels that mark a number as a mobile in a label column ("Phone 1 - Label" of Google
#: Contacts, a vCard's TYPE), folded to lower case; "* " marks Google's primary number.
MOBILE_LABELS = frozenset({
    "mobile", "cell", "cellular", "iphone", "mobil", "handy", "movil", "móvil", "celular",
    "portable", "cellulare", "telemóvel", "telemovel", "mobiel", "gsm", "جوال", "موبايل",
    "محمول", "мобильный", "whatsapp",
})
#: How a row's phone cells travel (also to worker processes): the chosen column's cell, or
#: the cells of every phone column in order of preference when there are several.
PhoneCells = str | tuple[str, ...]

RowSource = Callable[[], Iterable[SourceRow]]
Names = tuple[str, str, str]  # first, last, notes ("" or "name: …")
NameKey = str | tuple[str, ...]


class RowNormalizer:
    """Turns source rows into `Prepared` items for one column mapping and set of options.

    Where names come from, for each of first and last name: its template if given, else its
    column. When both come out empty (or neither is configured) the full-name column is
    split. When only the last name is configured (a "Surname" column, or
    `--last-name-format '- {Dept}'`), the full-name column is the first name, unsplit.
    """

    def __init__(self, columns: ColumnMap, *, headers: Sequence[str] = (),
                 default_region: str | None = None, all_numbers: bool = False,
                 title_case: bool = False, missing_name: str = "invalid",
                 first_name_format: str | None = None, last_name_format: str | None = None,
                 duplicates: str = "first", workers: int = 0) -> None:
        # the schema's check, again: a RowNormalizer is also built without ImportOptions
        check_policies(missing_name=missing_name, duplicates=duplicates)
        self.columns = columns
        self.headers = tuple(headers)
        self.phones = PhoneNormalizer(default_region)
        # the phone columns in order of preference: the chosen one, then the fallbacks
        self._phone_columns = (columns.phone, *columns.phone_alternatives)
        self._phone_labels = dict(columns.phone_labels)
        self.all_numbers = all_numbers
        self.title_case = title_case
        self.missing_name = missing_name
        self.duplicates = duplicates
        self.workers = workers
        self._pool = WorkerPool(self, workers)
        self.first_template = (NameTemplate(first_name_format, headers,
                                            option="first_name_format")
                               if first_name_format else None)
        self.last_template = (NameTemplate(last_name_format, headers, option="last_name_format")
                              if last_name_format else None)
        # the cells names are made from, in a fixed order: the key of the name cache
        used = [columns.first_name, columns.last_name, columns.name, columns.nickname,
                columns.company]
        for template in (self.first_template, self.last_template):
            if template is not None:
                used.extend(template.columns)
        self._name_columns = tuple(sorted({i for i in used if i is not None}))
        self._width = max(self._name_columns, default=-1) + 1
        # one column gives its cell as the cache key, several a tuple of cells
        self._name_key = itemgetter(*self._name_columns) if self._name_columns else None
        self._names_of = lru_cache(maxsize=NAME_CACHE_SIZE)(self._names_uncached)

    # -- names --

    def names(self, row: SourceRow) -> Names:
        """(first, last, notes) for a row; first is "" only when the row has no name."""
        return self._names_of(self.name_key(row.values))

    def _names_uncached(self, key: str | tuple[str, ...]) -> Names:
        cells = (key,) if isinstance(key, str) else key
        values = [""] * self._width
        for index, cell in zip(self._name_columns, cells):
            # each cell on its own, so a template's own text stays as written
            values[index] = title_case(clean(cell)) if self.title_case else cell
        cols = self.columns
        first_set = self.first_template is not None or cols.first_name is not None
        last_set = self.last_template is not None or cols.last_name is not None
        first = self._part(values, self.first_template, cols.first_name)
        last = self._part(values, self.last_template, cols.last_name)
        if cols.name is not None:
            if not first and not last:  # no separate parts, or both empty in this row
                first, last = split_full_name(values[cols.name])
            elif last_set and not first_set:
                first = clean(values[cols.name])
        if not first:  # a last name alone is still a name; WAWP needs a first name
            first, last = last, ""
        notes = []
        if not first:
            # last resorts, said in the detail: what the row calls the person, then where
            # they work
            for index, what in ((cols.nickname, "nickname"), (cols.company, "company")):
                if index is not None and (first := clean(values[index])):
                    notes.append(f"name: none in the row, its {what} ({self._header(index)}) "
                                 "is used")
                    break
        first, cut_first = cut(first)
        last, cut_last = cut(last)
        if cut_first or cut_last:
            which = ("first and last names" if cut_first and cut_last
                     else "first name" if cut_first else "last name")
            notes.append(f"name: {which} cut to {MAX_NAME_LENGTH} characters")
        return first, last, "; ".join(notes)

    def _part(self, values: Sequence[str], template: NameTemplate | None,
              column: int | None) -> str:
        if template is not None:
            return template.render(values)
        return clean(values[column]) if column is not None else ""

    # -- rows --

    def name_key(self, values: Sequence[str]) -> NameKey:
        """The cells a row's name is made from: one cell, or a tuple of them."""
        if self._name_key is None:
            return ()
        if len(values) >= self._width:
            return self._name_key(values)  # type: ignore[no-any-return]
        cells = tuple(values[i] if i < len(values) else "" for i in self._name_columns)
        return cells[0] if len(cells) == 1 else cells

    def phone_cell(self, values: Sequence[str]) -> PhoneCells:
        """The row's phone cell, or its phone cells best first when there are fallbacks."""
        if len(self._phone_columns) == 1 and not self._phone_labels:
            index = self.columns.phone
            return values[index] if index < len(values) else ""
        cells = tuple(self._labelled(values, i) for i in self._phone_columns)
        return cells[0] if len(cells) == 1 else cells

    def _labelled(self, values: Sequence[str], index: int) -> str:
        """The cell, with the number its label column calls mobile moved first:
        "Work ::: Mobile" beside "a ::: b" gives "b ::: a"."""
        cell = values[index] if index < len(values) else ""
        label_index = self._phone_labels.get(index)
        if label_index is None or ":::" not in cell or label_index >= len(values):
            return cell
        labels = [lab.strip().lstrip("*").strip().casefold()
                  for lab in values[label_index].split(":::")]
        parts = [part.strip() for part in cell.split(":::")]
        if len(labels) != len(parts):
            return cell
        mobile = [p for p, lab in zip(parts, labels) if lab in MOBILE_LABELS]
        if not mobile or parts[0] == mobile[0]:
            return cell
        return " ::: ".join(mobile + [p for p in parts if p not in mobile])

    def _header(self, index: int) -> str:
        header = self.headers[index] if index < len(self.headers) else ""
        return repr(header) if header.strip() else f"column {index + 1}"

    def _pick(self, cells: tuple[str, ...]) -> tuple[str, str, str]:
        """(the cell to use, a note when it is not the chosen column's, and that column's
        name for the problem of the cell, "" for the chosen column): the first phone
        column, in the order of preference, that holds a valid number; a landline there
        gives way to a mobile of a later column (the one on WhatsApp; numbers that may be
        either, as in the US, count as mobiles, so the header's order stands)."""
        results = [self.phones.normalize(c) if c.strip() else None for c in cells]
        valid = [i for i, r in enumerate(results) if r is not None and r.chat_id is not None]
        if not valid:
            # nothing valid: report the chosen cell, or the first filled one if it is empty
            used = next((i for i, c in enumerate(cells) if c.strip()), 0)
        else:
            used = next((i for i in valid if is_mobile(results[i])),  # type: ignore[arg-type]
                        valid[0])
        if used == 0:
            return cells[0], "", ""
        first = results[0]
        if first is None:
            why = "is empty"
        elif first.chat_id is None:
            why = f"is not valid ({first.detail})"
        else:
            why = "is a landline"
        chosen, other = self._phone_columns[0], self._phone_columns[used]
        return (cells[used], f"used {self._header(other)}: {self._header(chosen)} {why}",
                self._header(other))

    def outcomes(self, cell: PhoneCells, name_key: NameKey) -> tuple[Outcome, ...]:
        """What a row with this phone cell (or these phone cells, best first) and these name
        cells becomes: one outcome, or one per valid number under `all_numbers`."""
        note = column = ""
        if not isinstance(cell, str):
            cell, note, column = self._pick(cell)
        if self.all_numbers:
            found = self.phones.normalize_each(cell)
        else:
            found = (self.phones.normalize(cell),)
        first_found = found[0]
        if first_found.chat_id is None:
            found_problem = first_found.problem
            assert found_problem is not None
            if column:
                found_problem = found_problem.with_params(column=column)
            return ((None, "", "", WORDS.detail(found_problem), found_problem),)
        person = self._names_of(name_key)
        if len(found) == 1:
            return (self._outcome(first_found, person, note),)
        return tuple(self._outcome(phone, person, note) for phone in found)

    def _outcome(self, phone: PhoneResult, person: Names, note: str = "") -> Outcome:
        first, last, name_note = person
        chat_id = phone.chat_id
        phone_note = "; ".join(n for n in (note, phone.detail) if n)
        phone_note = f"phone: {phone_note}" if phone_note else ""
        if not first:
            if self.missing_name != "phone":
                no_name = problem(Code.NO_NAME)
                words = WORDS.detail(no_name)
                return (chat_id, "", "", f"{phone_note}; {words}" if phone_note else words,
                        no_name)
            first = display_number(chat_id)  # type: ignore[arg-type]
            name_note = "name: none in the row, the number is used"
        if phone_note and name_note:
            return chat_id, first, last, f"{phone_note}; {name_note}", None
        return chat_id, first, last, phone_note or name_note, None

    def prepare(self, row: SourceRow) -> list[Prepared]:
        """The items for one row: one, or one per valid number under `all_numbers`."""
        return list(self.prepare_in_process((row,)))

    def prepare_rows(self, rows: Iterable[SourceRow]) -> Iterator[Prepared]:
        """Every row's items in input order, before duplicates are marked (on `workers`
        extra processes for long inputs)."""
        if self.workers > 0:
            return prepare_in_parallel(self, rows, self.workers, pool=self._pool)
        return self.prepare_in_process(rows)

    def start_workers(self, rows: int | None) -> bool:
        """Fork the `workers` now, for every pass over an input of `rows` rows until
        `stop_workers`; whether they run. Not for a short input (or one of unknown length),
        nor where forking is not safe here (another thread runs). Without this, a long input
        forks workers of its own once it is past its first rows, if it is safe then."""
        if rows is None or rows < parallel.WARMUP_ROWS:
            return False
        return self._pool.start()

    def stop_workers(self) -> None:
        """End the workers `start_workers` forked (nothing when there are none)."""
        self._pool.close()

    def prepare_in_process(self, rows: Iterable[SourceRow]) -> Iterator[Prepared]:
        """Every row's items in input order, in this process (`prepare_rows` may fork)."""
        outcomes, name_key, phone_cell = self.outcomes, self.name_key, self.phone_cell
        for row in rows:
            if getattr(row, "problems", ()):
                yield rejected(row)
                continue
            values = row.values
            yield from items(row, outcomes(phone_cell(values), name_key(values)))

    def prepare_all(self, rows: Iterable[SourceRow], *,
                    reopen: RowSource | None = None) -> Iterator[Prepared]:
        """All items, duplicates marked, in input order; lazy.

        For `duplicates="last"` the input is read twice: `reopen()` must give the same rows
        again (without it the rows are held in memory).
        """
        if self.duplicates == "first":
            return keep_first(self.prepare_rows(rows))
        if reopen is None:
            rows = list(rows)
            first_pass: Iterable[SourceRow] = rows
        else:
            first_pass = reopen()
        return self._keep_last(rows, first_pass)

    def _keep_last(self, rows: Iterable[SourceRow],
                   first_pass: Iterable[SourceRow]) -> Iterator[Prepared]:
        winners = last_rows(self.prepare_rows(first_pass))
        yield from keep_last(self.prepare_rows(rows), winners)
