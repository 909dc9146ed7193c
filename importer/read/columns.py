"""Find the phone and name columns among the headers (the words live in synonyms.py)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from ..errors import ColumnError
from ..notes import NoteCode, note
from . import synonyms as syn
from .scoring import MOSTLY_VALID, ColumnScore, Judge, looks_like_phone, score_columns

#: Letters written several ways in headers (Arabic), or with no accent to strip, folded to one.
_ARABIC_FOLD = str.maketrans({"ة": "ه", "ى": "ي", "ی": "ي", "ک": "ك", "ـ": None, "ٱ": "ا",
                              # letters with no accent to strip: Turkish dotless i ("Adı
                              # Soyadı"), Polish ł, Nordic ø
                              "ı": "i", "ł": "l", "ø": "o"})
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
_HOME_WORDS = _folded(syn.HOME_WORDS)
_WORK_WORDS = _folded(syn.WORK_WORDS)
_BARE_PHONE_KEYS = _folded(syn.BARE_PHONE_KEYS)
_AMBIGUOUS_PHONE_KEYS = {header_key(k): r for k, r in syn.AMBIGUOUS_PHONE_KEYS.items()}
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
_NAME_FILLER_WORDS = _folded(syn.NAME_FILLER_WORDS)
_ROLE_NAME_KEYS = _folded(syn.ROLE_NAME_KEYS)
_NAME_OWNER_WORDS = _folded(syn.NAME_OWNER_WORDS) | _ROLE_NAME_KEYS
_ANY_NAME_KEYS = _FIRST_NAME_KEYS | _LAST_NAME_KEYS | _FULL_NAME_KEYS
_NICKNAME_KEYS = _folded(syn.NICKNAME_KEYS)
_COMPANY_KEYS = _folded(syn.COMPANY_KEYS)
_NOT_A_NAME_WORDS = _folded(syn.NOT_A_NAME_WORDS)
#: (reason, entries as word sets): an entry matches when all its words are in the header.
_NEVER_PHONE = tuple((why, tuple(frozenset(header_key(w).split()) for w in words))
                     for why, words in syn.NEVER_PHONE_WORDS.items())
_NEVER_PHONE_KEYS = {header_key(k): why for k, why in syn.NEVER_PHONE_KEYS.items()}
_ANY_PHONE_WORDS = _PHONE_WORDS | _MOBILE_WORDS | _LANDLINE_WORDS | _WHATSAPP_WORDS
#: Ranks (synonyms.PHONE_RANK_WORDS): 0 WhatsApp, 1 mobile, 2 phone, 3 home, 4 work, 5 number.
GENERIC_RANK = 5
WORK_RANK = 4
#: Refused columns named in the plan, at most.
_LISTED_REFUSED = 4
#: How the command line pins the phone column (the page says it its own way).
PIN_HINT = "--phone-column NAME pins one (repeat it for a fallback order)"


def phone_rank(header: str) -> int | None:
    """Which of the contact's own phones `header` names (0 WhatsApp, 1 mobile, 2 phone,
    3 home, 4 work, 5 a bare "number"), or None when it names none of them."""
    if never_phone(header) is not None:
        return None
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
    if words & (_PHONE_WORDS | _LANDLINE_WORDS):
        if words & _WORK_WORDS:
            return WORK_RANK
        return 3 if words & (_HOME_WORDS | _LANDLINE_WORDS) else 2
    if key in _GENERIC_NUMBER_KEYS:
        return GENERIC_RANK
    return None


def never_phone(header: str) -> str | None:
    """Why a column with this header is never a phone source (someone else's number, a fax,
    an ID, a date, an amount…), or None. A blank header says nothing."""
    refusal = _never_phone(header)
    return refusal[0] if refusal is not None else None


def _never_phone(header: str) -> tuple[str, bool] | None:
    """`never_phone`'s reason, and whether the header names something other than a number
    (a column nobody expects to hold the phone: its refusal is not worth listing)."""
    if not header.strip():
        return None
    keys = header_keys(header)
    if not keys[0]:
        return "its header names a number of something ('#')", False
    for key in keys:
        words = set(key.split())
        for why, entries in _NEVER_PHONE:
            if any(entry <= words for entry in entries):
                return why, False
        if key in _NEVER_PHONE_KEYS:
            return _NEVER_PHONE_KEYS[key], False
    if any(_key_phone_rank(key) is not None for key in keys):
        return None
    for key in keys:
        words = set(key.split())
        if words & _NUMBER_WORDS and not words & _ANY_PHONE_WORDS:
            return "its header names a number of something other than a phone", False
        if words & _PHONE_EXCLUDE_WORDS:
            return "its header names something other than the number", True
    return None


def is_phone_header(header: str) -> bool:
    """True when `header` clearly names a phone column (used to find the header row)."""
    rank = phone_rank(header)
    return rank is not None and rank < GENERIC_RANK


@dataclass(frozen=True, slots=True)
class ColumnMap:
    """0-based indexes of the columns the importer uses, and why the phone column was chosen.

    When first or last name columns are mapped they win; `name` (a full name) is used for a
    row only where both are empty; `nickname`, then `company`, only where all of those are.
    """

    phone: int
    name: int | None = None
    first_name: int | None = None
    last_name: int | None = None
    #: Why the phone column was chosen (without how to pin another: see `phone_why`).
    phone_reason: str = ""
    #: Why pinning the phone column may help: "close" (columns of one kind came close, the
    #: first was used), "guess" (a guess from the cells, or a better-named column set back);
    #: "" when it would not. Each surface says how to pin in its own words.
    phone_pin: str = ""
    #: The other phone columns, best first: a row whose phone cell is empty or invalid
    #: uses the first of them that holds a valid number (none when the column was given).
    phone_alternatives: tuple[int, ...] = ()
    #: (phone column, its label column) pairs: Google's "Phone 1 - Label" says which of
    #: the " ::: "-joined numbers of "Phone 1 - Value" is the mobile.
    phone_labels: tuple[tuple[int, int], ...] = ()
    #: Why each alternative may be used (its header's kind), in the order of the alternatives.
    alternative_reasons: tuple[str, ...] = ()
    #: What else the plan says of the phone columns: the ones refused or set aside, and why.
    phone_notes: tuple[str, ...] = ()
    #: Last resorts for a row without a name.
    nickname: int | None = None
    company: int | None = None
    #: Why the name column was taken when no header said name ("" when one did).
    name_reason: str = ""

    def phone_why(self, pin_hint: str = PIN_HINT) -> str:
        """Why the phone column was chosen, and how to pin another (`pin_hint`) where that
        may help."""
        if self.phone_pin == "close":
            return f"{self.phone_reason}: {pin_hint}"
        if self.phone_pin:
            return f"{self.phone_reason}; {pin_hint}"
        return self.phone_reason

    def describe(self, headers: list[str], pin_hint: str = PIN_HINT) -> str:
        """One line for the plan: which header each role uses, and why (`pin_hint`: how this
        audience pins the phone column)."""
        phone = f"phone {_quote(headers, self.phone)}"
        if self.phone_reason:
            phone += f" ({self.phone_why(pin_hint)}"
            if self.phone_alternatives:
                # consecutive columns of one kind share their reason: 'Home Phone', 'Home
                # Phone 2' (says home…)
                reasons = self.alternative_reasons or ("",) * len(self.phone_alternatives)
                groups: list[tuple[str, list[str]]] = []
                for index, why in zip(self.phone_alternatives, reasons):
                    if groups and groups[-1][0] == why:
                        groups[-1][1].append(_quote(headers, index))
                    else:
                        groups.append((why, [_quote(headers, index)]))
                others = ", ".join(", ".join(names) + (f" ({why})" if why else "")
                                   for why, names in groups)
                phone += f"; where it is empty or invalid, a row uses {others}"
            for note in self.phone_notes:
                phone += f"; {note}"
            phone += ")"
        parts = [phone]
        if self.first_name is not None:
            parts.append(f"first name {_quote(headers, self.first_name)}")
        if self.last_name is not None:
            parts.append(f"last name {_quote(headers, self.last_name)}")
        if self.name is not None:
            role = ("full name" if self.first_name is None and self.last_name is None
                    else "full name where those are empty")
            text = f"{role} {_quote(headers, self.name)}"
            parts.append(text + (f" ({self.name_reason})" if self.name_reason else ""))
        named = len(parts) > 1
        if self.nickname is not None:
            parts.append(f"nickname {_quote(headers, self.nickname)} "
                         + ("where a row has no name" if named else "(no name column)"))
        if self.company is not None:
            where = ("where a row has no name" if named or self.nickname is not None
                     else "(no name column)")
            if self.nickname is not None:
                where = "where a row has no name nor nickname"
            parts.append(f"company {_quote(headers, self.company)} {where}")
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
                bare_lengths: frozenset[int] = frozenset(),
                header_row: int | None = None) -> ColumnMap:
    """Map headers to the phone and name columns; explicit names win over guesses.

    The phone column is the one whose header names the contact's own best kind of phone
    (WhatsApp, mobile, phone, home, work); with `sample` (the first data rows) and `judge`
    (which cells are valid numbers) the cells can refuse a column (dates), set it back
    (empty, mostly invalid, one number repeated) or, when no header names a phone, admit a
    column whose cells are written like phone numbers (`bare_lengths`: see
    scoring.written_like_phone). `phone_fallbacks`, with `phone`, are the columns a row
    falls back to, in that order (a given phone column alone has none). `header_row` is
    only for messages. Raises ColumnError when no phone column is found or a given column
    does not exist.
    """
    others: tuple[int, ...] = ()
    alternative_reasons: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    pin = ""
    if phone:
        phone_i, reason = resolve_column(headers, phone, what="phone"), "as asked"
        others = tuple(dict.fromkeys(i for spec in phone_fallbacks
                                     if (i := resolve_column(headers, spec, what="phone"))
                                     != phone_i))
        alternative_reasons = ("as asked",) * len(others)
    else:
        choice = _choose_phone(headers, sample, judge, bare_lengths, header_row)
        phone_i, reason, others, pin = choice.phone, choice.reason, choice.others, choice.pin
        alternative_reasons, notes = choice.other_reasons, choice.notes
    first_i = resolve_column(headers, first_name, what="first name") if first_name else None
    last_i = resolve_column(headers, last_name, what="last name") if last_name else None
    name_i = resolve_column(headers, name, what="name") if name else None
    nickname_i = company_i = None
    name_reason = ""
    if not (first_name or last_name or name):
        taken = {phone_i, *others}
        first_i, last_i, name_i = _guess_names(headers, taken=taken, sample=sample)
        if name_i is None and first_i is None and last_i is None:
            name_i = _name_by_content(headers, sample, taken=taken)
            if name_i is not None and not _numbered(headers):
                name_reason = "no header says name, but its cells read as people's names"
        used = taken | {i for i in (first_i, last_i, name_i) if i is not None}
        nickname_i = _find_key(headers, _NICKNAME_KEYS, used)
        company_i = _find_key(headers, _COMPANY_KEYS, used | {nickname_i})
    labels = tuple((i, label) for i in (phone_i, *others)
                   if (label := _label_column(headers, i)) is not None)
    return ColumnMap(phone=phone_i, name=name_i, first_name=first_i, last_name=last_i,
                     phone_reason=reason, phone_pin=pin, phone_alternatives=others,
                     phone_labels=labels,
                     alternative_reasons=alternative_reasons, phone_notes=notes,
                     nickname=nickname_i, company=company_i, name_reason=name_reason)


def _numbered(headers: list[str]) -> bool:
    """Headers of a file read without a header row: "1", "2", "3"…"""
    return bool(headers) and headers == [str(i) for i in range(1, len(headers) + 1)]


def _name_by_content(headers: list[str], sample: Sequence[Sequence[str]], *,
                     taken: set[int]) -> int | None:
    """With no header that says name, the first column whose cells read as people's names.

    Without a header row any column of words will do; under a header the column must look
    like names and not like a city or a status: mostly two to four words of letters, most
    of them distinct, and a header that names nothing else we know.
    """
    width = max((len(v) for v in sample), default=0)
    numbered = _numbered(headers)
    for index in range(width):
        if index in taken:
            continue
        header = headers[index] if index < len(headers) else ""
        if not numbered and (never_phone(header) or phone_rank(header) is not None
                             or set(header_key(header).split()) & _NOT_A_NAME_WORDS
                             or _find_key([header], _COMPANY_KEYS | _NICKNAME_KEYS, set())
                             is not None):
            continue
        cells = [v[index].strip() for v in sample if index < len(v) and v[index].strip()]
        words = [c for c in cells if any(ch.isalpha() for ch in c)
                 and sum(ch.isdigit() for ch in c) < 3 and "@" not in c]
        if not cells or len(words) < 0.8 * len(cells) or len(cells) < 0.5 * len(sample):
            continue
        if numbered:
            return index
        person = [c for c in words if 2 <= len(c.split()) <= 4 and "/" not in c
                  and ":" not in c]
        if len(person) >= 0.6 * len(cells) and len(set(cells)) >= 0.8 * len(cells):
            return index
    return None


def _words_in(sample: Sequence[Sequence[str]], index: int) -> bool:
    """Whether the column's filled cells are mostly words (or the sample has none)."""
    cells = [v[index].strip() for v in sample if index < len(v) and v[index].strip()]
    words = [c for c in cells if any(ch.isalpha() for ch in c)
             and sum(ch.isdigit() for ch in c) < 3 and "@" not in c]
    return not cells or len(words) >= 0.8 * len(cells)


def _label_column(headers: list[str], index: int) -> int | None:
    """The label column of a value column: "Phone 1 - Label"/"- Type" for "Phone 1 - Value"."""
    if index >= len(headers):
        return None
    words = header_key(headers[index]).split()
    if "value" not in words:
        return None
    for label in ("label", "type"):
        wanted = " ".join(label if w == "value" else w for w in words)
        for other, header in enumerate(headers):
            if header_key(header) == wanted:
                return other
    return None


def _no_phone_column(headers: list[str], header_row: int | None,
                     refused: Sequence[str] = ()) -> ColumnError:
    where = f"row {header_row}" if header_row else "the header row"
    phones = [h for h in headers if looks_like_phone(h)]
    if phones:
        return ColumnError(note=note(NoteCode.NO_HEADER_ROW, where=where, phone=phones[0]))
    return ColumnError(note=note(NoteCode.NO_PHONE_COLUMN, columns=_listing(headers),
                                 refused=tuple(refused)))


@dataclass(frozen=True, slots=True)
class _Choice:
    phone: int
    reason: str
    others: tuple[int, ...]
    other_reasons: tuple[str, ...]
    notes: tuple[str, ...]
    pin: str = ""  # ColumnMap.phone_pin


@dataclass(frozen=True, slots=True)
class _Source:
    """A column allowed to give phone numbers, and the evidence for it."""

    index: int
    rank: int
    #: "header": its header names a phone; "bare": it says only "Phone", beside a mobile
    #: column (a CRM's office line); "ambiguous": its header may name one ("Contact",
    #: "Home") and its cells are written like phone numbers; "content": no header says phone.
    evidence: str
    score: ColumnScore | None

    @property
    def setback(self) -> int:
        """0 holds valid numbers (or nothing yet), 1 mostly invalid, 3 one number repeated on
        every row (an office line): content only ever sets a column back."""
        s = self.score
        if s is None:
            return 0
        if s.repeated:
            return 3
        return 1 if s.mostly_invalid else 0

    @property
    def empty(self) -> bool:
        return self.score is not None and not self.score.filled

    def kind(self) -> str:
        if self.evidence == "content":
            return "its cells are written like phone numbers"
        if self.evidence == "bare":
            return "says only phone: beside a mobile, often an office line"
        if self.evidence == "ambiguous":
            return f"{syn.PHONE_RANK_WORDS[self.rank].removeprefix('says ')}, by its cells"
        return syn.PHONE_RANK_WORDS[self.rank]


def _choose_phone(headers: list[str], sample: Sequence[Sequence[str]], judge: Judge | None,
                  bare_lengths: frozenset[int], header_row: int | None) -> _Choice:
    """The phone column and its fallbacks, on the evidence of headers and cells."""
    width = max([len(headers), *(len(v) for v in sample)])

    def header(i: int) -> str:
        return headers[i] if i < len(headers) else ""

    scores: dict[int, ColumnScore] = {}
    if judge is not None and sample:
        named = {i: phone_rank(header(i)) is not None for i in range(width)}
        scores = {s.index: s for s in score_columns(sample, named, judge, bare_lengths)}
    refused: dict[int, str] = {}
    about_else: set[int] = set()  # refused as about something else: not worth listing
    ranked: dict[int, int] = {}
    ambiguous: dict[int, int] = {}
    generic: list[int] = []
    for i in range(width):
        score = scores.get(i)
        if (refusal := _never_phone(header(i))) is not None:
            refused[i] = refusal[0]
            if refusal[1]:
                about_else.add(i)
        elif score is not None and score.dated:
            refused[i] = "its cells are dates"
        elif (rank := phone_rank(header(i))) == GENERIC_RANK:
            generic.append(i)
        elif rank is not None:
            ranked[i] = rank
        elif (rank := _AMBIGUOUS_PHONE_KEYS.get(header_key(header(i)))) is not None:
            ambiguous[i] = rank

    def written(i: int) -> bool:
        score = scores.get(i)
        return score is not None and score.phone_written

    sources = [_Source(i, r, "header", scores.get(i)) for i, r in ranked.items()]
    sources += [_Source(i, r, "ambiguous", scores[i]) for i, r in ambiguous.items()
                if written(i)]
    if not sources:
        # a bare "Number" column: a phone source when its cells say so (or nothing is known)
        sources = [_Source(i, GENERIC_RANK, "header", scores.get(i)) for i in generic
                   if not scores or written(i)]
    content = not sources
    if content:
        sources = [_Source(i, GENERIC_RANK + 1, "content", scores[i]) for i in range(width)
                   if i in scores and i not in refused and written(i)]
    if not sources:
        listed = _refusals(headers, refused, scores, about_else, everything=True)
        raise _no_phone_column(headers, header_row, listed)
    if any(s.rank <= 1 for s in sources):
        # beside a mobile column, a bare "Phone" is the office line a CRM keeps
        sources = [_Source(s.index, WORK_RANK, "bare", s.score)
                   if s.rank == 2 and s.evidence == "header"
                   and header_key(header(s.index)) in _BARE_PHONE_KEYS else s for s in sources]
    usable = [s for s in sources if s.setback < 3] or sources
    usable.sort(key=lambda s: (s.setback, s.rank, s.index))
    # the fallbacks keep the header's order; the column itself is the first that holds
    # something in the sample (a WhatsApp column empty on every row is no one's choice)
    best = next((s for s in usable if not s.empty), usable[0])
    rest = [s for s in usable if s is not best]
    if best.evidence == "content" and looks_like_phone(header(best.index)):
        raise _no_phone_column(headers, header_row)  # the "header" is the first data row
    notes = []
    for s in sources:
        if s not in usable:
            what = s.score.describe() if s.score else "is set back"
            notes.append(f"{_quote(headers, s.index)} {what}: not used, it is not the "
                         "contacts' own number")
    reason, pin = _reason_for(headers, best, usable)
    notes += _refusals(headers, refused, scores, about_else)
    return _Choice(best.index, reason, tuple(s.index for s in rest),
                   tuple(s.kind() for s in rest), tuple(notes), pin)


def _reason_for(headers: list[str], best: _Source,
                usable: list[_Source]) -> tuple[str, str]:
    """Why `best` was chosen and what set better-named columns back; and why pinning the
    phone column may help (`ColumnMap.phone_pin`): another column came close, or a guess."""
    if best.evidence == "content":
        share = _share(best.score.written, best.score.filled)  # type: ignore[union-attr]
        reason = (f"no header says phone, but {share} of its filled cells are valid numbers "
                  "written like phone numbers (a leading +, 00 or 0, phone separators, or "
                  "a mobile's length)")
    elif best.evidence == "ambiguous":
        share = _share(best.score.written, best.score.filled)  # type: ignore[union-attr]
        reason = (f"its header may name a number or a person, and {share} of its filled "
                  "cells are valid numbers written like phone numbers")
    else:
        reason = f"its header {best.kind()}"
    better = [s for s in usable if s is not best and (s.rank, s.index) < (best.rank, best.index)]
    if better:
        reason += "".join(f"; {_quote(headers, s.index)} {_setback_words(s)}" for s in better)
    elif best.evidence == "header" and best.rank:
        kinds = [syn.PHONE_KIND_NAMES[r] for r in range(min(best.rank, len(syn.PHONE_KIND_NAMES)))]
        said = kinds[0] if len(kinds) == 1 else f"{', '.join(kinds[:-1])} or {kinds[-1]}"
        reason += f", and none says {said}"
    # two columns of one kind are close, unless label columns say per row which is which
    # (Google's "Phone 1 - Label")
    close = [s for s in usable if s is not best and s.rank == best.rank
             and s.setback == best.setback and not s.empty
             and (_label_column(headers, best.index) is None
                  or _label_column(headers, s.index) is None)]
    if close:
        names = " and ".join(_quote(headers, i) for i in (best.index, *(s.index for s in close)))
        return (f"{reason}; {names} are close (the same kind of number), so the first is "
                "used"), "close"
    if best.setback or best.evidence in ("content", "ambiguous"):
        return reason, "guess"
    return reason, ""


def _setback_words(source: _Source) -> str:
    score = source.score
    if score is None:
        return "set back"
    if not score.filled:
        return "is empty in the first rows"
    return f"{score.describe()}, so it comes after"


def _share(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)} %" if whole else "0 %"


def _refusals(headers: list[str], refused: dict[int, str], scores: dict[int, ColumnScore],
              about_else: set[int], *, everything: bool = False) -> list[str]:
    """The refused columns a person might have expected to be used: their header names a
    phone or a number, or most of their cells would parse as numbers (`about_else`: those
    whose header names something other than a number, never listed unless `everything`)."""
    listed = []
    for i, why in refused.items():
        header = headers[i] if i < len(headers) else ""
        words = set(header_key(header).split())
        score = scores.get(i)
        filled = score is None or score.filled > 0
        parses = score is not None and score.filled and score.valid + score.dates >= (
            MOSTLY_VALID * score.filled)
        about = i in about_else
        expected = (words & (_ANY_PHONE_WORDS | _NUMBER_WORDS | _GENERIC_NUMBER_KEYS)
                    or not header_key(header) and header.strip())
        if (everything and expected) or (filled and not about and (expected or parses)):
            listed.append(f"{_quote(headers, i)} is never a phone source: {why}")
    if len(listed) > _LISTED_REFUSED:
        listed = listed[:_LISTED_REFUSED] + [f"and {len(listed) - _LISTED_REFUSED} more"]
    return listed


def _name_keys(header: str) -> tuple[str, ...]:
    """The header's folded forms for name matching: as it is, without the words of a
    question around it ("What's your first name?" → "first name"), and without a role word
    before "name" ("Member Name" → "name")."""
    keys = list(header_keys(header))
    for key in list(keys):
        words = [w for w in key.split() if w not in _NAME_FILLER_WORDS]
        plain = " ".join(words)
        if plain and plain not in keys:
            keys.append(plain)
        if len(words) > 1 and words[0] in _ROLE_NAME_KEYS:
            rest = " ".join(words[1:])
            if rest in _FULL_NAME_KEYS and rest not in keys:
                keys.append(rest)
        # whose name, when it is the contact's own: "Owner 1 First Name" → "first name"
        owner = 0
        while owner < len(words) - 1 and (words[owner] in _NAME_OWNER_WORDS
                                          or words[owner].isdigit()):
            owner += 1
        rest = " ".join(words[owner:])
        if owner and rest not in keys and rest in _ANY_NAME_KEYS:
            keys.append(rest)
    return tuple(keys)


def _find_key(headers: list[str], wanted: frozenset[str], skip: set[int | None]
              ) -> int | None:
    for index, header in enumerate(headers):
        if index not in skip and any(k in wanted for k in _name_keys(header)):
            return index
    return None


def _guess_names(headers: list[str], *, taken: set[int],
                 sample: Sequence[Sequence[str]] = ()
                 ) -> tuple[int | None, int | None, int | None]:
    """(first, last, full) name columns; first/last pairs read ambiguous words as halves.
    A column named after a role ("Member", "Customer") is the name only when its cells
    are words, not codes ("C-1001")."""
    keys = [_name_keys(h) for h in headers]

    def find(wanted: frozenset[str], skip: set[int]) -> int | None:
        """The first column so named that holds something in the sample (an anonymous
        form's empty "Name" beside its "Full name" question), else the first so named."""
        found = [index for index, variants in enumerate(keys)
                 if index not in skip and any(k in wanted for k in variants)]
        filled = [i for i in found if any(i < len(v) and v[i].strip() for v in sample)]
        return (filled or found or [None])[0]

    first = find(_FIRST_NAME_KEYS, taken)
    last = find(_LAST_NAME_KEYS, taken if first is None else taken | {first})
    if last is not None and first is None:
        first = find(_FIRST_WHEN_PAIRED_KEYS, taken | {last})
    if first is not None and last is None:
        last = find(_LAST_WHEN_PAIRED_KEYS, taken | {first})
    used = taken | {i for i in (first, last) if i is not None}
    full = find(_FULL_NAME_KEYS, used)
    if full is None and first is None and last is None:
        full = find(_ROLE_NAME_KEYS, used)
        if full is not None and not _words_in(sample, full):
            full = None
    return first, last, full


def _listing(headers: list[str]) -> str:
    shown = [repr(h) for h in headers[:_LISTED_HEADERS]]
    if len(headers) > _LISTED_HEADERS:
        shown.append(f"and {len(headers) - _LISTED_HEADERS} more")
    return ", ".join(shown) or "(none)"
