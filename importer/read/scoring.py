"""What the cells of each column hold, on a sample of the first rows.

A header says what a column is for; the cells are the evidence that it holds that. For
every column the sample is counted: filled cells, valid numbers, mobiles, distinct numbers,
dates, and numbers *written like phone numbers*. columns.py decides with these counts: they
can refuse a column (its cells are dates), demote it (mostly invalid, one number repeated
on every row, empty), or admit a column no header names, but only when its cells are
written as people write phone numbers; a share of digit strings that happen to parse (an ID,
a date, an amount) is never enough.

Which cells are valid numbers is not decided here: the caller passes a `judge` (the
normalizer's), so the readers stay free of phone parsing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

#: A cell → None when it holds no valid number, else (chat ID, whether it is a mobile).
Judge = Callable[[str], "tuple[str, bool] | None"]

#: Rows read ahead to choose the column; enough to see a pattern, cheap to parse.
SAMPLE_ROWS = 300
#: A column no phone header names must have at least this share of its filled cells valid
#: numbers written like phone numbers...
CONTENT_ONLY_VALID = 0.6
#: ... and be filled in at least this share of the sampled rows.
CONTENT_ONLY_FILLED = 0.2
#: A column is "mostly invalid" (and comes after the others) below this share of valid cells.
MOSTLY_VALID = 0.5
#: A column whose filled cells are at least this share dates is never a phone source.
MOSTLY_DATES = 0.5
#: Fewer distinct numbers than this share of the valid ones is "one number repeated".
DISTINCT_ENOUGH = 0.5
#: A cell that might be a phone number: mostly digits, at least 6 of them; checked before
#: the (slower) judge, so that text columns cost nothing.
_MAYBE_PHONE = re.compile(r"^[\s'\"=+(]*\d[\d\s().\-/+:;,|]{4,}\d")
#: A date or a time as the readers write typed cells (2021-04-01, 2021-04-01 00:00:00,
#: 10:30:00) or as people write them (01/04/2021, 1.4.2021, 04-01-2021, 1/4/21).
_ISO_DATE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}"
                       r"(?:\.\d+)?)?)?$")
_DMY_DATE = re.compile(r"^(\d{1,2})([-/.])(\d{1,2})\2(\d{4}|\d{2})(?: \d{1,2}:\d{2}"
                       r"(?::\d{2})?)?$")
_TIME = re.compile(r"^\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?$")
#: Digit groups split the way phone numbers are written: spaces, dashes, dots, brackets.
_PHONE_SEPARATED = re.compile(r"\d[\s\-.()/]+\(?\d")


@dataclass(frozen=True, slots=True)
class ColumnScore:
    """What one column holds in the sample."""

    index: int
    rows: int = 0
    filled: int = 0
    valid: int = 0
    mobile: int = 0
    distinct: int = 0
    #: Filled cells that are dates or times.
    dates: int = 0
    #: Valid numbers written like phone numbers (written_like_phone).
    written: int = 0

    @property
    def dated(self) -> bool:
        """Its filled cells are mostly dates: a "Joined" or "Birthday" column."""
        return self.filled > 0 and self.dates >= MOSTLY_DATES * self.filled

    @property
    def mostly_invalid(self) -> bool:
        return self.filled > 0 and self.valid < MOSTLY_VALID * self.filled

    @property
    def phone_written(self) -> bool:
        """Its cells are phone numbers as people write them, clearly enough to be used
        without a header that says so."""
        return (self.rows > 0 and self.filled >= CONTENT_ONLY_FILLED * self.rows
                and self.written >= CONTENT_ONLY_VALID * self.filled and not self.repeated
                and not self.dated)

    @property
    def repeated(self) -> bool:
        """One number (or a few) on most rows: an office line, not the contacts' own."""
        return self.valid >= 3 and self.distinct / self.valid < DISTINCT_ENOUGH

    def describe(self) -> str:
        """The cells in a few words: "has 98 % valid mobiles", "is one landline repeated"."""
        if not self.filled:
            return "is empty in the first rows"
        if self.repeated:
            kind = ("mobile" if self.mobile > self.valid // 2
                    else "landline" if not self.mobile else "number")
            what = "one " + kind if self.distinct == 1 else f"{self.distinct} {kind}s"
            return f"is {what} repeated on {_pct(self.valid, self.rows)} of the rows"
        if not self.valid:
            return f"has no valid number in {self.filled} filled cells"
        if self.mobile == self.valid:
            text = f"has {_pct(self.valid, self.rows)} valid mobiles"
        elif self.mobile:
            text = (f"has {_pct(self.valid, self.rows)} valid numbers, "
                    f"{_pct(self.mobile, self.valid)} of them mobiles")
        else:
            text = f"has {_pct(self.valid, self.rows)} valid numbers, all landlines"
        if self.filled < self.rows:
            text += f", empty in {_pct(self.rows - self.filled, self.rows)}"
        return text


def _pct(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)} %" if whole else "0 %"


def score_columns(sample: Sequence[Sequence[str]], candidates: dict[int, bool],
                  judge: Judge, bare_lengths: frozenset[int] = frozenset()
                  ) -> list[ColumnScore]:
    """What every candidate column (index → whether its header names a phone) holds in the
    sample rows; `bare_lengths` are the digit counts a number written without +, 00 or a
    trunk 0 has in the region (see written_like_phone)."""
    scores = []
    for index, named in candidates.items():
        filled = valid = mobile = dates = written = 0
        seen: set[str] = set()
        for values in sample:
            cell = values[index] if index < len(values) else ""
            text = cell.strip()
            if not text:
                continue
            filled += 1
            if is_date(text):
                dates += 1
                continue
            # a column named as a phone is judged cell by cell ("Mobile: 0100…" included);
            # any other only where a cell looks like digits, so text columns cost nothing
            verdict = judge(cell) if named or _MAYBE_PHONE.match(cell) else None
            if verdict is None:
                continue
            valid += 1
            seen.add(verdict[0])
            mobile += verdict[1]
            written += written_like_phone(text, bare_lengths)
        scores.append(ColumnScore(index, len(sample), filled, valid, mobile, len(seen), dates,
                                  written))
    return scores


def is_date(text: str) -> bool:
    """A cell that is a date or a time, typed (as the readers write it) or written."""
    if ":" in text and _TIME.match(text):
        return True
    if match := _ISO_DATE.match(text):
        return 1 <= int(match[2]) <= 12 and 1 <= int(match[3]) <= 31
    if match := _DMY_DATE.match(text):
        first, second = int(match[1]), int(match[3])
        return (1 <= first <= 31 and 1 <= second <= 31 and (first <= 12 or second <= 12))
    return False


def written_like_phone(text: str, bare_lengths: frozenset[int] = frozenset()) -> bool:
    """A cell written as people write phone numbers, not merely digits that parse.

    Any of: a leading + or 00 (international), a leading trunk 0 with 8 or more digits
    (national), digit groups split by spaces, dashes, dots or brackets, a tel: or wa.me
    link; or bare digits exactly as long as the region's numbers (`bare_lengths`). So
    "20456781" (an ID) or "20210401" (a date) are not, "0712 345 678" and "+254712345678"
    are.
    """
    text = text.strip().lstrip("'=\"").rstrip("\"").strip()
    lowered = text.casefold()
    if lowered.startswith("tel:") or "wa.me/" in lowered:
        return True
    if any(ch.isalpha() for ch in text) or is_date(text):
        return False
    digits = sum(ch.isdigit() for ch in text)
    if digits < 7:
        return False
    head = text.lstrip("( ")
    if head.startswith(("+", "00")) or (head.startswith("0") and digits >= 8):
        return True
    if _PHONE_SEPARATED.search(text):
        return True
    return digits in bare_lengths


def looks_like_phone(cell: str) -> bool:
    """A header cell that is itself a phone number (the file has no header row)."""
    digits = sum(ch.isdigit() for ch in cell)
    return digits >= 7 and bool(_MAYBE_PHONE.match(cell)) and digits >= len(cell.strip()) // 2
