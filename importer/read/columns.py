"""Find the phone and name columns among the headers (the words live in synonyms.py)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from ..errors import ColumnError
from . import synonyms as syn
from .scoring import Judge, content_only, looks_like_phone, score_columns

#: Arabic letters written several ways in headers, folded to one (after diacritics go).
_ARABIC_FOLD = str.maketrans({"ة": "ه", "ى": "ي", "ی": "ي", "ک": "ك", "ـ": None, "ٱ": "ا"})
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
_WORDS = re.compile(r"[^\W\d_]+|\d+")
#: A column listing in an error message stops after this many headers.
_LISTED_HEADERS = 40


def header_key(text: str) -> str:
    """A header folded for matching: accents, case, punctuation and spacing ignored."""
    return " ".join(_words(text))


def header_keys(text: str) -> tuple[str, ...]:
    """The folded header, and its camelCase words split when that differs ("MobilePhone")."""
    plain = header_key(text)
    split = header_key(_CAMEL.sub(" ", text))
    return (plain,) if split == plain else (plain, split)


def _words(text: str) -> list[str]:
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _WORDS.findall(stripped.casefold().translate(_ARABIC_FOLD))


def _folded(words: frozenset[str]) -> frozenset[str]:
    return frozenset(header_key(w) for w in words)


# synonyms.py is written as people spell the words; matching uses their folded form.
_PHONE_EXCLUDE_WORDS = _folded(syn.PHONE_EXCLUDE_WORDS)
_PHONE_WORDS = _folded(syn.PHONE_WORDS)
_MOBILE_WORDS = _folded(syn.MOBILE_WORDS)
_LANDLINE_WORDS = _folded(syn.LANDLINE_WORDS)
_WHATSAPP_WORDS = _folded(syn.WHATSAPP_WORDS)
_WEAK_WHATSAPP_WORDS = _folded(syn.WEAK_WHATSAPP_WORDS)
_GENERIC_NUMBER_KEYS = _folded(syn.GENERIC_NUMBER_KEYS)
_FIRST_NAME_KEYS = _folded(syn.FIRST_NAME_KEYS)
_LAST_NAME_KEYS = _folded(syn.LAST_NAME_KEYS)
_FIRST_WHEN_PAIRED_KEYS = _folded(syn.FIRST_WHEN_PAIRED_KEYS)
_LAST_WHEN_PAIRED_KEYS = _folded(syn.LAST_WHEN_PAIRED_KEYS)
_FULL_NAME_KEYS = _folded(syn.FULL_NAME_KEYS)
_WEAK_MOBILE_WORDS = _folded(syn.WEAK_MOBILE_WORDS)
_NUMBER_WORDS = _folded(syn.NUMBER_WORDS)


def phone_rank(header: str) -> int | None:
    """How good a phone column `header` names (0 WhatsApp … 4 "number"), or None if none."""
    ranks = [r for key in header_keys(header) if (r := _key_phone_rank(key)) is not None]
    return min(ranks) if ranks else None


def _key_phone_rank(key: str) -> int | None:
    words = set(key.split())
    if not words or words & _PHONE_EXCLUDE_WORDS:
        return None
    phoneish = words & (_PHONE_WORDS | _MOBILE_WORDS | _LANDLINE_WORDS)
    strong_whatsapp = words & (_WHATSAPP_WORDS - _WEAK_WHATSAPP_WORDS)
    if strong_whatsapp or (words & _WEAK_WHATSAPP_WORDS and (phoneish or words & _NUMBER_WORDS)):
        return 0
    if words & _MOBILE_WORDS or (words & _WEAK_MOBILE_WORDS
                                 and (phoneish or words & _NUMBER_WORDS)):
        return 1
    if words & _PHONE_WORDS:
        return 3 if words & _LANDLINE_WORDS else 2
    if words & _LANDLINE_WORDS:
        return 3
    if key in _GENERIC_NUMBER_KEYS:
        return 4
    return None


def is_phone_header(header: str) -> bool:
    """True when `header` clearly names a phone column (used to find the header row)."""
    rank = phone_rank(header)
    return rank is not None and rank < 4


@dataclass(frozen=True, slots=True)
class ColumnMap:
    """0-based indexes of the columns the importer uses, and why the phone column was chosen.

    When first or last name columns are mapped they win; `name` (a full name) is used for a
    row only where both are empty.
    """

    phone: int
    name: int | None = None
    first_name: int | None = None
    last_name: int | None = None
    phone_reason: str = ""
    #: The other phone columns, best first: a row whose phone cell is empty or invalid
    #: uses the first of them that holds a valid number (none when the column was given).
    phone_alternatives: tuple[int, ...] = ()
    #: (phone column, its label column) pairs: Google's "Phone 1 - Label" says which of
    #: the " ::: "-joined numbers of "Phone 1 - Value" is the mobile.
    phone_labels: tuple[tuple[int, int], ...] = ()

    def describe(self, headers: list[str]) -> str:
        """One line for the plan: which header each role uses, and why the phone one."""
        phone = f"phone {_quote(headers, self.phone)}"
        if self.phone_reason:
            phone += f" ({self.phone_reason}"
            if self.phone_alternatives:
                others = ", ".join(_quote(headers, i) for i in self.phone_alternatives)
                phone += f"; where it is empty or invalid, a row uses {others}"
            phone += ")"
        parts = [phone]
        if self.first_name is not None:
            parts.append(f"first name {_quote(headers, self.first_name)}")
        if self.last_name is not None:
            parts.append(f"last name {_quote(headers, self.last_name)}")
        if self.name is not None:
            role = ("full name" if self.first_name is None and self.last_name is None
                    else "full name where those are empty")
            parts.append(f"{role} {_quote(headers, self.name)}")
        if len(parts) == 1:
            parts.append("no name column")
        return ", ".join(parts)


def _quote(headers: list[str], index: int) -> str:
    header = headers[index] if index < len(headers) else ""
    return repr(header) if header.strip() else f"column {index + 1}"


def resolve_column(headers: list[str], spec: str, *, what: str) -> int:
    """A column given by exact header, folded header or 1-based number (in that order)."""
    if spec in headers:
        return headers.index(spec)
    key = header_key(spec)
    if key:
        for index, header in enumerate(headers):
            if header_key(header) == key:
                return index
    text = spec.strip()
    if text.isdigit():
        if 1 <= int(text) <= len(headers):
            return int(text) - 1
        raise ColumnError(f"{what} column {text} is out of range: there are {len(headers)} "
                          f"columns ({_listing(headers)})", option=_COLUMN_OPTION.get(what))
    raise ColumnError(f"{what} column {spec!r} not found; the columns are: {_listing(headers)}",
                      option=_COLUMN_OPTION.get(what))


#: The setting each kind of column is given by (resolve_column's `what`).
_COLUMN_OPTION = {"phone": "phone_column", "first name": "first_name_column",
                  "last name": "last_name_column", "name": "name_column"}


def map_columns(headers: list[str], *, phone: str | None = None, name: str | None = None,
                first_name: str | None = None, last_name: str | None = None,
                phone_fallbacks: Sequence[str] = (),
                sample: Sequence[Sequence[str]] = (), judge: Judge | None = None,
                header_row: int | None = None) -> ColumnMap:
    """Map headers to the phone and name columns; explicit names win over guesses.

    With `sample` (the first data rows) and `judge` (which cells are valid numbers) the
    phone column is chosen by what its cells hold (scoring.py), else by its header alone.
    `phone_fallbacks`, with `phone`, are the columns a row falls back to, in that order (a
    given phone column alone has none). `header_row` is only for messages. Raises
    ColumnError when no phone column is found or a given column does not exist.
    """
    others: tuple[int, ...] = ()
    if phone:
        phone_i, reason = resolve_column(headers, phone, what="phone"), "as asked"
        others = tuple(dict.fromkeys(i for spec in phone_fallbacks
                                     if (i := resolve_column(headers, spec, what="phone"))
                                     != phone_i))
    elif judge is not None and sample:
        phone_i, reason, others = _choose_phone(headers, sample, judge, header_row)
    else:
        phone_i, reason, others = _guess_phone(headers, header_row)
    first_i = resolve_column(headers, first_name, what="first name") if first_name else None
    last_i = resolve_column(headers, last_name, what="last name") if last_name else None
    name_i = resolve_column(headers, name, what="name") if name else None
    if not (first_name or last_name or name):
        first_i, last_i, name_i = _guess_names(headers, taken={phone_i, *others})
        if name_i is None and first_i is None and last_i is None and _numbered(headers):
            name_i = _name_by_content(sample, taken={phone_i, *others})
    labels = tuple((i, label) for i in (phone_i, *others)
                   if (label := _label_column(headers, i)) is not None)
    return ColumnMap(phone=phone_i, name=name_i, first_name=first_i, last_name=last_i,
                     phone_reason=reason, phone_alternatives=others, phone_labels=labels)


def _numbered(headers: list[str]) -> bool:
    """Headers of a file read without a header row: "1", "2", "3"…"""
    return bool(headers) and headers == [str(i) for i in range(1, len(headers) + 1)]


def _name_by_content(sample: Sequence[Sequence[str]], *, taken: set[int]) -> int | None:
    """Without a header, the first column whose filled cells are mostly words: the name."""
    width = max((len(v) for v in sample), default=0)
    for index in range(width):
        if index in taken:
            continue
        cells = [v[index] for v in sample if index < len(v) and v[index].strip()]
        words = [c for c in cells if any(ch.isalpha() for ch in c)
                 and sum(ch.isdigit() for ch in c) < 3 and "@" not in c]
        if cells and len(words) >= 0.8 * len(cells) and len(cells) >= 0.5 * len(sample):
            return index
    return None


def _label_column(headers: list[str], index: int) -> int | None:
    """The label column of a value column: "Phone 1 - Label"/"- Type" for "Phone 1 - Value"."""
    words = header_key(headers[index]).split()
    if "value" not in words:
        return None
    for label in ("label", "type"):
        wanted = " ".join(label if w == "value" else w for w in words)
        for other, header in enumerate(headers):
            if header_key(header) == wanted:
                return other
    return None


def _no_phone_column(headers: list[str], header_row: int | None) -> ColumnError:
    where = f"row {header_row}" if header_row else "the header row"
    phones = [h for h in headers if looks_like_phone(h)]
    if phones:
        return ColumnError(
            f"no header row found: {where} holds phone numbers ({phones[0]!r}), so the file "
            "seems to have no header; use --no-header (columns are then named 1, 2, 3…, "
            "e.g. --phone-column 2), or --header-row to name the header row")
    return ColumnError(f"no phone column found; the columns are: {_listing(headers)}. "
                       "Name it with --phone-column (a header or a column number)")


def _choose_phone(headers: list[str], sample: Sequence[Sequence[str]], judge: Judge,
                  header_row: int | None) -> tuple[int, str, tuple[int, ...]]:
    """The phone column by content: the best score on the sample; the header breaks ties."""
    excluded = {i for i, h in enumerate(headers) if _excluded(h)}
    width = max([len(headers), *(len(v) for v in sample)])
    candidates: dict[int, int | None] = {i: phone_rank(headers[i]) if i < len(headers) else None
                                         for i in range(width) if i not in excluded}
    scores = score_columns(sample, candidates, judge)
    usable = [s for s in scores if s.score > 0 and (s.rank is not None or content_only(s))]
    if not usable:
        return _guess_phone(headers, header_row)
    usable.sort(key=lambda s: (-s.score, s.rank if s.rank is not None else 5, s.index))
    best = usable[0]
    if best.rank is None and best.index < len(headers) and looks_like_phone(headers[best.index]):
        raise _no_phone_column(headers, header_row)
    named = [s for s in scores if s.rank is not None and s is not best]
    # the others, best first, then phone headers empty in the sample (they may fill in
    # further down); a column that is one number repeated is not a fallback, nor a bare
    # "number" column beside a real phone one
    others = tuple(s.index for s in usable[1:] if not s.repeated)
    others += tuple(s.index for s in named if s.index not in others and not s.repeated
                    and s.score == 0 and s.rank is not None and s.rank < 4)
    rows = f"{best.rows:,} row{'s' if best.rows != 1 else ''}"
    why = f"it {best.describe()} in the first {rows}"
    if best.rank is None:
        why = f"no header says phone, but {why}"
    # the other filled phone columns, to say why they lost
    compared = [f"{_quote(headers, s.index)} {s.describe()}" for s in named if s.filled][:3]
    if compared:
        why += "; " + "; ".join(compared)
    return best.index, why, others


def _excluded(header: str) -> bool:
    """Columns never used for phones: fax, type, e-mail, name… ("Contact" is not one of
    them: in many lists it holds the number)."""
    if not header.strip():
        return False
    return any(set(k.split()) & _PHONE_EXCLUDE_WORDS for k in header_keys(header))


def _guess_phone(headers: list[str], header_row: int | None = None
                 ) -> tuple[int, str, tuple[int, ...]]:
    ranked = sorted((rank, index) for index, header in enumerate(headers)
                    if (rank := phone_rank(header)) is not None)
    if not ranked:
        raise _no_phone_column(headers, header_row)
    rank, chosen = ranked[0]
    # A bare "number" column is only an alternative when nothing better exists.
    others = tuple(index for r, index in ranked[1:] if r < 4 or rank == 4)
    reason = syn.PHONE_RANK_REASONS[rank]
    alike = sum(1 for r, _ in ranked if r == rank)
    if alike > 1:
        reason += f"; the first of {alike} such columns"
    return chosen, reason, others


def _guess_names(headers: list[str], *, taken: set[int]
                 ) -> tuple[int | None, int | None, int | None]:
    """(first, last, full) name columns; first/last pairs read ambiguous words as halves."""
    keys = [header_keys(h) for h in headers]

    def find(wanted: frozenset[str], skip: set[int]) -> int | None:
        for index, variants in enumerate(keys):
            if index not in skip and any(k in wanted for k in variants):
                return index
        return None

    first = find(_FIRST_NAME_KEYS, taken)
    last = find(_LAST_NAME_KEYS, taken if first is None else taken | {first})
    if last is not None and first is None:
        first = find(_FIRST_WHEN_PAIRED_KEYS, taken | {last})
    if first is not None and last is None:
        last = find(_LAST_WHEN_PAIRED_KEYS, taken | {first})
    used = taken | {i for i in (first, last) if i is not None}
    full = find(_FULL_NAME_KEYS, used)
    return first, last, full


def _listing(headers: list[str]) -> str:
    shown = [repr(h) for h in headers[:_LISTED_HEADERS]]
    if len(headers) > _LISTED_HEADERS:
        shown.append(f"and {len(headers) - _LISTED_HEADERS} more")
    return ", ".join(shown) or "(none)"
