"""Choose the phone column by what its cells hold, on a sample of the first rows.

A header says what a column was meant for, not what it holds: an export's "Phone" can be
empty on most rows, or hold the same office landline on every row, while the "Mobile"
column beside it has a distinct mobile on each. Every phone-like column (a phone header,
or cells that read as phone numbers) is scored on the sample: the share of rows with a
valid number, how many of those are mobiles, and how many are distinct. The header still
counts, a little: between two columns that hold alike numbers, "WhatsApp" beats "Phone".

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
#: How much the header counts, by phone rank (0 WhatsApp … 4 "number"); None: no phone header.
HEADER_WEIGHTS = {0: 1.2, 1: 1.1, 2: 1.0, 3: 0.9, 4: 0.8, None: 0.8}
#: A column without a phone header must have at least this share of its filled cells valid.
CONTENT_ONLY_VALID = 0.6
#: ... and be filled in at least this share of the sampled rows.
CONTENT_ONLY_FILLED = 0.2
#: Fewer distinct numbers than this share of the valid ones is "one number repeated".
DISTINCT_ENOUGH = 0.5
#: A cell that might be a phone number: mostly digits, at least 6 of them; checked before
#: the (slower) judge, so that text columns cost nothing.
_MAYBE_PHONE = re.compile(r"^[\s'\"=+(]*\d[\d\s().\-/+:;,|]{4,}\d")


@dataclass(frozen=True, slots=True)
class ColumnScore:
    """What one column holds in the sample."""

    index: int
    rank: int | None  # the header's phone rank, None when only its cells look like phones
    rows: int = 0
    filled: int = 0
    valid: int = 0
    mobile: int = 0
    distinct: int = 0

    @property
    def score(self) -> float:
        if not self.rows or not self.valid:
            return 0.0
        valid_share = self.valid / self.rows
        mobile_share = self.mobile / self.valid
        # a repeated number is an office line: it only wins when nothing else is there
        distinct = self.distinct / self.valid / 2 if self.repeated else 1.0
        # landlines are rarely on WhatsApp: a column of them weighs less than half-filled
        # mobiles, and its numbers still fill in row by row where the mobile is missing
        return valid_share * (0.4 + 0.6 * mobile_share) * distinct * HEADER_WEIGHTS[self.rank]

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


def score_columns(sample: Sequence[Sequence[str]], candidates: dict[int, int | None],
                  judge: Judge) -> list[ColumnScore]:
    """The score of every candidate column (index → header rank) on the sample rows."""
    scores = []
    for index, rank in candidates.items():
        filled = valid = mobile = 0
        seen: set[str] = set()
        for values in sample:
            cell = values[index] if index < len(values) else ""
            if not cell.strip():
                continue
            filled += 1
            # a column named as a phone is judged cell by cell ("Mobile: 0100…" included);
            # any other only where a cell looks like digits, so text columns cost nothing
            verdict = judge(cell) if rank is not None or _MAYBE_PHONE.match(cell) else None
            if verdict is None:
                continue
            valid += 1
            seen.add(verdict[0])
            mobile += verdict[1]
        scores.append(ColumnScore(index, rank, len(sample), filled, valid, mobile, len(seen)))
    return scores


def content_only(score: ColumnScore) -> bool:
    """Whether a column without a phone header holds phone numbers clearly enough."""
    return (score.rows > 0 and score.filled >= CONTENT_ONLY_FILLED * score.rows
            and score.valid >= CONTENT_ONLY_VALID * score.filled and not score.repeated)


def looks_like_phone(cell: str) -> bool:
    """A header cell that is itself a phone number (the file has no header row)."""
    digits = sum(ch.isdigit() for ch in cell)
    return digits >= 7 and bool(_MAYBE_PHONE.match(cell)) and digits >= len(cell.strip()) // 2
