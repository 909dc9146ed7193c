"""Names → firstName / lastName.

Splitting a full name keeps every word: the first name is everything before the last name
(titles and middle names included), the last name is the family name with its particles and
suffixes ("Dr. John Q." / "Public Jr.", "Juan" / "de la Cruz"). For "Last, First" the two
sides swap. Joining first and last gives back the words of the name.

- The family name is the last word, with the particles before it ("van", "de la", "bin")
  and the suffixes after it ("Jr.", "III", "MD"), using nameparser's vocabularies of
  particles, suffixes and titles word by word. nameparser's own parser agrees on these
  names (tests/test_names.py checks it) but runs at about 6,000 names/s and drops what it
  cannot place; this runs at hundreds of thousands a second, and results are memoized.
- "Last, First[, Suffix]" swaps the sides; a comma before suffixes only ("John Doe, MD")
  does not.
- Arabic names are cut into units first so that compound given names stay together:
  "Abd El Rahman" / "Abdel Aziz" / "Abu Bakr" / "bin Salman" / "Nour El Din" / "عبد الرحمن".
- Names that cannot be split faithfully go whole into the first name: CJK/Thai scripts,
  brackets and quotes ("Alice (Support)", 'John "Jack" Doe'), digits, emoji and symbols.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

from nameparser.config import CONSTANTS

from ..errors import ColumnError
from ..notes import NoteCode, note

#: Longest first or last name sent; longer ones are cut, with a note. Generous on purpose:
#: a longer "name" is a pasted paragraph or a merged cell, not a name.
MAX_NAME_LENGTH = 100
CACHE_SIZE = 1 << 12

# Format characters that only steer rendering; ZWJ/ZWNJ stay (Persian names, emoji).
_KEEP_FORMAT = {"\u200c", "\u200d"}


def clean(text: str) -> str:
    """Trimmed, inner whitespace collapsed, control and invisible format characters removed."""
    if not text.isprintable():
        text = "".join(" " if ch.isspace() else ch for ch in text
                       if ch.isspace() or ch in _KEEP_FORMAT
                       or unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Cn"))
    return " ".join(text.split())


def cut(text: str, limit: int = MAX_NAME_LENGTH) -> tuple[str, bool]:
    """`text` cut to `limit` characters (trailing space removed); True when it was cut."""
    if len(text) <= limit:
        return text, False
    return text[:limit].rstrip(), True


# --- splitting -----------------------------------------------------------------------------

# Scripts written without spaces between family and given name, or family name first.
_UNSPLITTABLE_SCRIPT = re.compile(
    "[\u0e00-\u0eff\u1000-\u109f\u1100-\u11ff\u1780-\u17ff\u2e80-\u9fff\ua960-\ua97f"
    "\uac00-\ud7ff\uf900-\ufaff\uff66-\uff9f\U00020000-\U0003134f]")
_ARABIC_SCRIPT = re.compile("[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")
# Inside a word only letters, marks, apostrophes, hyphens and periods are name characters.
_APOSTROPHES = "'\u2019\u02bc"
_ASCII_PLAIN = re.compile(r"^[A-Za-z][A-Za-z '.\-]*$")

# Arabic compound names (transliterated and in Arabic script), lower case.
_GIVEN_PREFIXES = frozenset({
    "abd", "abdel", "abdul", "abdal", "abdol", "abdoul", "abdu", "abu", "abou", "abo", "ibn",
    "bin", "bint", "umm", "عبد", "أبو", "ابو", "أبي", "ابن", "بن", "بنت", "أم"})
_ARTICLES = frozenset({"el", "al", "ul", "ud", "ur"})
# Second halves of compound given names: alone ("Nour Eddin", "نور الدين") or after an
# article ("Salah El Din", "Saif Al Islam", "Zia ul Haq"); "Nazrul Islam" stays two names.
_ATTACH_ALONE = frozenset({"din", "deen", "dine", "eddin", "eddine", "uddin", "ullah", "الدين",
                           "الله", "الإسلام", "الاسلام"})
_ATTACH_AFTER_ARTICLE = _ATTACH_ALONE | frozenset({"islam", "allah", "haq", "rahman"})
_ARABIC_WORDS = _GIVEN_PREFIXES | _ARTICLES | _ATTACH_AFTER_ARTICLE

# nameparser's vocabularies (the knowledge behind its hard cases), used word by word here:
# its parser runs at ~6,000 names/s and drops what it cannot place (emoji, a lone CJK name).
_SUFFIX_WORDS = frozenset(CONSTANTS.suffix_not_acronyms)  # Jr, Sr, III, Esq…
_SUFFIX_ACRONYMS = frozenset(CONSTANTS.suffix_acronyms)  # MD, PhD… (also words: "Ace", "Am")
_PARTICLES = frozenset(CONSTANTS.prefixes)  # van, der, de, la, von, da, st, bin…


def _key(word: str) -> str:
    return word.lower().rstrip(".")


def _is_suffix(word: str) -> bool:
    """Jr., III, Esq. in any case; an acronym (MD, Ph.D.) only written as one."""
    key = _key(word)
    if key in _SUFFIX_WORDS:
        return True
    return (word.isupper() or "." in word) and key.replace(".", "") in _SUFFIX_ACRONYMS


def split_full_name(full: str) -> tuple[str, str]:
    """Split a full name into (first, last) without losing a word."""
    return _split_cached(clean(full))


@lru_cache(maxsize=CACHE_SIZE)
def _split_cached(full: str) -> tuple[str, str]:
    if not full:
        return "", ""
    if not _ASCII_PLAIN.match(full) and not _splittable(full):
        return full, ""
    if "," in full:
        return _comma_form(full)
    return _split_words(full.split(" "))


def _split_words(words: Sequence[str]) -> tuple[str, str]:
    if len(words) == 1:
        return words[0], ""
    if _arabic_compound(words) or _ARABIC_SCRIPT.search(words[0]) \
            or _ARABIC_SCRIPT.search(words[-1]):
        return _by_units(words)
    return _family_last(words)


def _family_last(words: Sequence[str]) -> tuple[str, str]:
    """The family name is the last word, with the particles before it and the suffixes
    after it; everything before (titles, given and middle names) is the first name."""
    end = len(words)
    while end > 2 and _is_suffix(words[end - 1]):  # "Dr. John Q. Public Jr."
        end -= 1
    start = end - 1
    while start > 0 and _key(words[start - 1]) in _PARTICLES:  # "Juan de la Cruz"
        start -= 1
    if start == 0:
        if not words[0][:1].isupper():
            return " ".join(words), ""  # "de la Cruz": a family name alone
        start = 1  # "Van Morrison": the first word is a given name after all
    return " ".join(words[:start]), " ".join(words[start:])


def _arabic_compound(words: Sequence[str]) -> bool:
    """Whether a word marks an Arabic compound name (an article only after the first word:
    "Al Pacino" is Al / Pacino)."""
    if _key(words[0]) in _GIVEN_PREFIXES:
        return True
    return not _ARABIC_WORDS.isdisjoint([w.lower() for w in words[1:]])


def _splittable(full: str) -> bool:
    """False for names whose parts cannot be told apart faithfully."""
    if _UNSPLITTABLE_SCRIPT.search(full):
        return False
    for ch in full:
        if ch.isalpha() or ch == " " or ch in ".,-" or ch in _APOSTROPHES or ch == "&":
            continue
        if unicodedata.category(ch).startswith("M") or ch in "\u200c\u200d":
            continue  # combining marks, ZWNJ: part of a letter
        return False  # digits, brackets, quotes, emoji, symbols
    return True


def _units(words: Sequence[str]) -> list[list[str]]:
    """Words grouped so that Arabic compound names stay together."""
    # an article joins the word after it ("El Sayed"), except as the very first word ("Al Pacino")
    units: list[list[str]] = []
    i = 0
    while i < len(words):
        word = words[i]
        if i > 0 and _key(word) in _ARTICLES and i + 1 < len(words):
            units.append([word, words[i + 1]])
            i += 2
        else:
            units.append([word])
            i += 1
    # "Nour El Din", "نور الدين": the second half belongs to the name before it
    merged: list[list[str]] = []
    for unit in units:
        back = _ATTACH_ALONE if len(unit) == 1 else _ATTACH_AFTER_ARTICLE
        if merged and _key(unit[-1]) in back:
            merged[-1].extend(unit)
        else:
            merged.append(unit)
    # "Abd El Rahman", "Abu Bakr", "bin Salman": a prefix joins the unit after it
    out: list[list[str]] = []
    carry: list[str] = []
    for unit in merged:
        if len(unit) == 1 and _key(unit[0]) in _GIVEN_PREFIXES:
            carry.extend(unit)
            continue
        out.append(carry + unit)
        carry = []
    if carry:
        out.append(carry)
    # a trailing suffix ("Jr.") stays with the last name
    if len(out) > 2 and len(out[-1]) == 1 and _is_suffix(out[-1][0]) \
            and _key(out[-1][0]) not in _ARABIC_WORDS:
        out[-2].extend(out.pop())
    return out


def _by_units(words: Sequence[str]) -> tuple[str, str]:
    units = _units(words)
    if len(units) == 1:
        return " ".join(words), ""
    return " ".join(w for u in units[:-1] for w in u), " ".join(units[-1])


def _comma_form(full: str) -> tuple[str, str]:
    """"Doe, John", "van der Berg, Jan", "Doe Jr., John", "Doe, John, Jr."; but a comma
    before suffixes only is not a swap: "John Doe, MD", "Jane Roe, PhD, Esq."."""
    segments = [part for part in (clean(p) for p in full.split(",")) if part]
    if not segments:
        return "", ""
    head, rest = segments[0], segments[1:]
    if not rest or all(_only_suffixes(part) for part in rest):
        first, last = _split_words(head.split(" "))
        return first, " ".join(p for p in (last, *rest) if p)
    trailing: list[str] = []
    while _only_suffixes(rest[-1]):
        trailing.insert(0, rest.pop())
    return " ".join(rest), " ".join([head, *trailing])


def _only_suffixes(part: str) -> bool:
    return all(_is_suffix(word) for word in part.split(" "))


# --- case ----------------------------------------------------------------------------------

_LOWER_PARTICLES = frozenset({"de", "da", "del", "della", "der", "den", "di", "du", "dos", "das",
                              "do", "la", "le", "van", "von", "y", "bin", "ibn", "bint"})
_ROMAN = frozenset({"ii", "iii", "iv", "vi", "vii", "viii"})


def title_case(text: str) -> str:
    """ALL-CAPS or all-lowercase text in name case ("O'Neil", "Mary-Jane", "de la Cruz",
    "McDonald"); mixed case is kept as written."""
    if not (text.isupper() or text.islower()):
        return text
    words = text.split(" ")
    out = []
    for i, word in enumerate(words):
        key = _key(word)
        if key in _LOWER_PARTICLES and i < len(words) - 1 and i > 0:
            out.append(word.lower())
        elif key in _ROMAN:
            out.append(word.upper())
        else:
            out.append(_cap_word(word))
    return " ".join(out)


def _cap_word(word: str) -> str:
    parts = re.split(r"([\-'\u2019])", word.lower())
    parts = [p[:1].upper() + p[1:] for p in parts]
    word = "".join(parts)
    if len(word) > 3 and word.startswith("Mc"):
        word = "Mc" + word[2].upper() + word[3:]
    return word


# --- templates -----------------------------------------------------------------------------

_OPEN_CLOSE = {"(": ")", "[": "]", "<": ">", "«": "»", "{": "}"}


class NameTemplate:
    """A name composed from columns: `{Last Name} - {Company}`, `{First Name} [{Role}]`.

    `{Column}` is a header (exact, else ignoring case and spacing, else a 1-based column
    number); `{{` and `}}` are literal braces. An empty cell renders as nothing and takes
    its surroundings with it, so no dangling separators are left:
    - brackets right around a field belong to it: `[{Role}]` vanishes when Role is empty;
    - text between two fields is a separator, kept only when there is text on both sides
      ("Doe - Acme", "Doe", "Acme"; never "Doe - ");
    - text before the first or after the last field is kept when any field has text.
    """

    def __init__(self, template: str, headers: Sequence[str], *,
                 option: str | None = None) -> None:
        """`option` is the setting the template is (an ImportOptions field such as
        "last_name_format"), for its errors to name."""
        self.template = template
        literals, names = _parse_template(template, option)
        self.columns = tuple(_resolve_header(name, headers, template, option) for name in names)
        # literals[i] comes before field i; literals[-1] after the last field
        self.opens: list[str] = []
        self.closes: list[str] = []
        for i in range(len(self.columns)):
            before, after = literals[i], literals[i + 1]
            close = _OPEN_CLOSE.get(before[-1:]) if before else None
            if close is not None and after.startswith(close):
                self.opens.append(before[-1])
                self.closes.append(close)
                literals[i], literals[i + 1] = before[:-1], after[1:]
            else:
                self.opens.append("")
                self.closes.append("")
        self.literals = literals

    def render(self, values: Sequence[str]) -> str:
        """The template filled from one row's cells."""
        if not self.columns:
            return clean(self.literals[0])
        texts = [clean(values[c]) if c < len(values) else "" for c in self.columns]
        present = [i for i, t in enumerate(texts) if t]
        if not present:
            return ""
        parts = [self.literals[0]]
        previous = None
        for i in present:
            if previous is not None:
                parts.append(self.literals[previous + 1])  # the separator after the last text
            parts.append(f"{self.opens[i]}{texts[i]}{self.closes[i]}")
            previous = i
        parts.append(self.literals[-1])
        return clean("".join(parts))


def _parse_template(template: str, option: str | None) -> tuple[list[str], list[str]]:
    literals, names = [], []
    literal: list[str] = []
    i = 0
    while i < len(template):
        ch = template[i]
        if ch in "{}" and template[i + 1:i + 2] == ch:
            literal.append(ch)
            i += 2
        elif ch == "{":
            end = template.find("}", i + 1)
            if end < 0:
                raise ColumnError(note=note(NoteCode.TEMPLATE_UNCLOSED, option=option,
                                            template=template), option=option)
            literals.append("".join(literal))
            literal = []
            names.append(template[i + 1:end])
            i = end + 1
        elif ch == "}":
            raise ColumnError(note=note(NoteCode.TEMPLATE_UNOPENED, option=option,
                                        template=template), option=option)
        else:
            literal.append(ch)
            i += 1
    literals.append("".join(literal))
    return literals, names


def _fold(text: str) -> str:
    return " ".join(text.casefold().split())


def _resolve_header(name: str, headers: Sequence[str], template: str,
                    option: str | None) -> int:
    if name in headers:
        return list(headers).index(name)
    folded = [_fold(h) for h in headers]
    if _fold(name) in folded:
        return folded.index(_fold(name))
    if name.strip().isdigit() and 1 <= int(name) <= len(headers):
        return int(name) - 1
    listing = ", ".join(repr(h) for h in headers) or "(none)"
    raise ColumnError(note=note(NoteCode.TEMPLATE_UNKNOWN_COLUMN, option=option,
                                template=template, name=name, columns=listing), option=option)


__all__ = ["MAX_NAME_LENGTH", "NameTemplate", "clean", "cut", "split_full_name", "title_case"]
