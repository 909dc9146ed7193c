"""Find the phone and name columns among the headers (the words live in synonyms.py)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from ..errors import ColumnError
from . import synonyms as syn

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
    if strong_whatsapp or (words & _WEAK_WHATSAPP_WORDS
                           and (phoneish or words & {"number", "numero", "no", "nr", "num"})):
        return 0
    if words & _MOBILE_WORDS:
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
    phone_alternatives: tuple[int, ...] = ()

    def describe(self, headers: list[str]) -> str:
        """One line for the plan: which header each role uses, and why the phone one."""
        phone = f"phone {_quote(headers, self.phone)}"
        if self.phone_reason:
            phone += f" ({self.phone_reason}"
            if self.phone_alternatives:
                others = ", ".join(_quote(headers, i) for i in self.phone_alternatives)
                phone += f"; also found {others}"
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
                          f"columns ({_listing(headers)})")
    raise ColumnError(f"{what} column {spec!r} not found; the columns are: {_listing(headers)}")


def map_columns(headers: list[str], *, phone: str | None = None, name: str | None = None,
                first_name: str | None = None, last_name: str | None = None) -> ColumnMap:
    """Map headers to the phone and name columns; explicit names win over guesses.

    Raises ColumnError when no phone column is found or a given column does not exist.
    """
    others: tuple[int, ...] = ()
    if phone:
        phone_i, reason = resolve_column(headers, phone, what="phone"), "as asked"
    else:
        phone_i, reason, others = _guess_phone(headers)
    first_i = resolve_column(headers, first_name, what="first name") if first_name else None
    last_i = resolve_column(headers, last_name, what="last name") if last_name else None
    name_i = resolve_column(headers, name, what="name") if name else None
    if not (first_name or last_name or name):
        first_i, last_i, name_i = _guess_names(headers, taken={phone_i})
    return ColumnMap(phone=phone_i, name=name_i, first_name=first_i, last_name=last_i,
                     phone_reason=reason, phone_alternatives=others)


def _guess_phone(headers: list[str]) -> tuple[int, str, tuple[int, ...]]:
    ranked = sorted((rank, index) for index, header in enumerate(headers)
                    if (rank := phone_rank(header)) is not None)
    if not ranked:
        raise ColumnError(f"no phone column found; the columns are: {_listing(headers)}. "
                          "Name it with --phone-column (a header or a column number)")
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
