"""Phone cell → WhatsApp chat ID (`<E.164 digits>@c.us`), or the reason it cannot be one.

A cell is read the way a person wrote it:

- digits may be ASCII, full-width, Arabic-Indic or Persian; spaces may be any Unicode space;
  invisible direction marks are ignored;
- a label before the number ("Mobile:", "Tel.", "tel:", "https://wa.me/") or a bracketed one
  after it ("(home)") is ignored; letters inside the number make it invalid, never keypad
  digits ("0100ABC4567", "1-800-FLOWERS");
- an extension ("x 12", "ext. 12", ";ext=12", "#12") is dropped with a note: WhatsApp has none;
- "+20…", "0020…" (00 works from any default region), the default region's own
  international prefix ("011 44…" from the US), a "(0)" trunk marker after the country code,
  a national number ("0100 123 4567"), Excel digits without "+" ("201001234567"), a float's
  ".0" and a chat ID that is already formed ("201001234567@c.us") are all understood;
- Excel's scientific form ("2.01001E+11") is refused when it has lost digits;
- several numbers in one cell (separated by newline , ; | / " ::: " (Google Contacts) "or"
  "and" & or Arabic و, or only by spaces) give the first valid mobile, else the first valid
  number; the others are named in the detail, or with `all_numbers` each valid one becomes
  a contact.

Only numbers phonenumbers judges valid become chat IDs. Landline, toll-free and premium-rate
numbers are accepted (WhatsApp Business numbers can be landlines) with a note.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

import phonenumbers
from phonenumbers import NumberParseException, PhoneMetadata, PhoneNumberType, ValidationResult

from ..errors import ConfigError
from ..problems import WORDS, Code, Problem, problem
from .phone_digits import UNKNOWN, number_type, parse_digits, to_number, use_pattern_cache
from .phone_text import (
    CHAT_ID_FORM,
    EXCEL_TEXT,
    EXTENSION,
    FLOAT_ZERO,
    LETTER,
    NON_DIGITS,
    PLAIN,
    PUNCTUATION,
    RFC3966_EXT,
    SCIENTIFIC,
    SPLIT,
    THOUSANDS,
    TRUNK_ZERO,
    ascii_text,
    digit_count,
    split_slash,
    strip_label,
    strip_trailing_label,
)

CHAT_ID_SUFFIX = "@c.us"
#: Repeated cells (the same number on many rows, the same junk) are parsed once while among
#: the last 4,096 distinct ones; bounded so that memory does not grow with the file.
CACHE_SIZE = 1 << 12

#: Notes for accepted numbers of these types; mobile and fixed-line-or-mobile need none.
TYPE_NOTES = {
    PhoneNumberType.FIXED_LINE: "landline number",
    PhoneNumberType.TOLL_FREE: "toll-free number",
    PhoneNumberType.PREMIUM_RATE: "premium-rate number",
    PhoneNumberType.SHARED_COST: "shared-cost number",
    PhoneNumberType.VOIP: "VoIP number",
    PhoneNumberType.PERSONAL_NUMBER: "personal (forwarding) number",
    PhoneNumberType.PAGER: "pager number",
    PhoneNumberType.UAN: "company (UAN) number",
    PhoneNumberType.VOICEMAIL: "voicemail number",
}


class PhoneResult(NamedTuple):
    """A chat ID with notes in `detail`, or None with the reason in `detail` (in words) and
    in `problem` (as data). `mobile`: the number is a mobile, or a number phonenumbers cannot
    tell from one (US/CA), as its type says; a landline, toll-free… number is not."""

    chat_id: str | None
    detail: str = ""
    problem: Problem | None = None
    mobile: bool = False


def _invalid(found: Problem) -> PhoneResult:
    return PhoneResult(None, WORDS.phone(found), found)


def check_region(region: str | None) -> str | None:
    """The region code in upper case; unknown codes raise ConfigError."""
    if region is None or not region.strip():
        return None
    code = region.strip().upper()
    if code not in phonenumbers.SUPPORTED_REGIONS:
        raise ConfigError(f"unknown region code {region!r}: use an ISO 3166 code such as "
                          "EG, GB, US")
    return code


def display_number(chat_id: str) -> str:
    """A chat ID as phonenumbers writes the number internationally: "+20 10 01234567"."""
    digits = chat_id.removesuffix(CHAT_ID_SUFFIX)
    try:
        number = phonenumbers.parse("+" + digits)
    except NumberParseException:
        return "+" + digits
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def region_of_chat_id(chat_id: str) -> str | None:
    """The region a chat ID's number belongs to ("201001234567@c.us" -> "EG"), or None.

    A shared country code (+1, +7, +44…) is resolved by the number itself when it is valid,
    else to the code's main region: the instance's own number decides a default region, and
    +1 555 test numbers should still say US rather than nothing.
    """
    digits = chat_id.split("@", 1)[0].strip().lstrip("+")
    if not digits.isdigit():
        return None
    try:
        number = phonenumbers.parse("+" + digits)
    except NumberParseException:
        return None
    region = phonenumbers.region_code_for_number(number)
    if region in (None, "ZZ", "001"):
        region = phonenumbers.region_code_for_country_code(number.country_code)
    return None if region in (None, "ZZ", "001") else region


class _Number(NamedTuple):
    """One number found in a cell: a chat ID and notes, or the problem it has."""

    written: str
    chat_id: str | None = None
    problem: Problem | None = None
    notes: tuple[str, ...] = ()
    #: A mobile (or maybe one) by its phonenumbers type: a cell's mobile beats its landline.
    mobile: bool = False


class _Invalid(Exception):
    """A piece of a cell is not a usable number; `problem` says why."""

    def __init__(self, found: Problem) -> None:
        super().__init__(found.code.value)
        self.problem = found


# --- the normalizer ------------------------------------------------------------------------


class PhoneNormalizer:
    """Reads phone cells for one default region (None: numbers must carry a country code)."""

    def __init__(self, default_region: str | None = None) -> None:
        use_pattern_cache()
        self.region = check_region(default_region)
        metadata = PhoneMetadata.metadata_for_region(self.region) if self.region else None
        self._region_code = metadata.country_code if metadata else None
        # digits without "+" are read as an international number only when they are too
        # long to be a national one: an invalid national number is never "rescued" into a
        # valid foreign one (a stranger in the address book)
        self._longest_national = max(metadata.general_desc.possible_length) if metadata else 0
        #: How many digits a mobile of the region has when written bare (no +, 00 or trunk 0),
        #: nationally or with its country code: the column chooser's sign of a phone number
        #: among digit strings (an 8-digit ID is not a 9-digit Kenyan mobile).
        mobile_lengths = tuple(metadata.mobile.possible_length) if metadata else ()
        code = len(str(self._region_code)) if self._region_code else 0
        self.bare_lengths = frozenset(length + extra for length in mobile_lengths
                                      for extra in (0, code))
        # per instance, so two normalizers with different regions never share answers
        self._normalize_cached = lru_cache(maxsize=CACHE_SIZE)(self._normalize)
        self._normalize_each_cached = lru_cache(maxsize=CACHE_SIZE)(self._normalize_each)

    def normalize(self, text: str) -> PhoneResult:
        """The first valid number of the cell (a mobile before a landline); the other
        numbers are named in the detail. Memoized per normalizer."""
        return self._normalize_cached(text)

    def normalize_each(self, text: str) -> tuple[PhoneResult, ...]:
        """One result per valid number of the cell (or one invalid result if none is).
        Memoized per normalizer."""
        return self._normalize_each_cached(text)

    # -- the work behind them --

    def _normalize(self, text: str) -> PhoneResult:
        """The first valid number of the cell; the other numbers are named in the detail."""
        plain = ascii_text(text).strip()
        if PLAIN.match(plain) and ("(" not in plain or not TRUNK_ZERO.search(plain)):
            # the common case, kept short: one number of digits, spaces, dashes, brackets
            chat_id, kind = self._attempt(NON_DIGITS.sub("", plain),
                                          plain.lstrip("( ")[:1] == "+", self.region)
            if chat_id is not None:
                return PhoneResult(chat_id, TYPE_NOTES.get(kind, ""),  # type: ignore[call-overload]
                                   mobile=kind not in TYPE_NOTES)
        numbers = self._read_cell(text)
        if len(numbers) == 1:
            number = numbers[0]
            if number.chat_id is None:
                return _invalid(number.problem)  # type: ignore[arg-type]
            return PhoneResult(number.chat_id, "; ".join(number.notes), mobile=number.mobile)
        valid = [n for n in numbers if n.chat_id]
        if not valid:
            return _invalid(_problem(numbers))
        # a mobile beats a landline of the same cell: it is the one on WhatsApp
        used = next((n for n in valid if n.mobile), valid[0])
        others = [n for n in numbers if n is not used]
        notes = []
        if others:
            also = ", ".join(_also(n) for n in others)
            notes.append(f"{len(numbers)} numbers in the cell; used "
                         f"{display_number(used.chat_id)}, also {also}")  # type: ignore[arg-type]
        notes.extend(used.notes)
        return PhoneResult(used.chat_id, "; ".join(notes), mobile=used.mobile)

    def _normalize_each(self, text: str) -> tuple[PhoneResult, ...]:
        """One result per valid number of the cell (or one invalid result if none is)."""
        numbers = self._read_cell(text)
        valid = [n for n in numbers if n.chat_id]
        if not valid:
            return (_invalid(_problem(numbers)),)
        if len(valid) == 1:
            return (self.normalize(text),)
        invalid = [n for n in numbers if not n.chat_id]
        results = []
        for i, number in enumerate(valid, start=1):
            notes = [f"number {i} of {len(valid)} in the cell"]
            if invalid:
                notes.append("also " + ", ".join(_also(n) for n in invalid))
            notes.extend(number.notes)
            results.append(PhoneResult(number.chat_id, "; ".join(notes), mobile=number.mobile))
        return tuple(results)

    def classify(self, text: str) -> tuple[str, bool] | None:
        """(chat ID, whether it is a mobile) for a cell with a valid number, else None.

        Numbers phonenumbers cannot tell apart from mobiles (US/CA) count as mobiles.
        """
        result = self.normalize(text)
        if result.chat_id is None:
            return None
        return result.chat_id, is_mobile(result)

    # -- reading a cell --

    def _read_cell(self, text: str) -> tuple[_Number, ...]:
        """Every number written in the cell, in order, repeats dropped; at least one entry."""
        text = ascii_text(text).strip()
        if not text:
            return (_Number("", problem=problem(Code.PHONE_MISSING)),)
        if PLAIN.match(text) and ("(" not in text or not TRUNK_ZERO.search(text)):
            # the common case: one number of digits, spaces, dashes, dots and brackets
            try:
                return (self._resolve(NON_DIGITS.sub("", text), text.lstrip("( ")[:1] == "+",
                                      text, []),)
            except _Invalid as exc:
                if digit_count(text) < 14:
                    return (_Number(text, problem=exc.problem),)
        excel = EXCEL_TEXT.match(text)
        if excel:
            text = excel.group(1).strip()
        text = text.lstrip("'").strip()
        if THOUSANDS.match(text):  # 201,001,234,567: Excel's thousands separators
            text = text.replace(",", "")
        text = RFC3966_EXT.sub(" ext ", text)
        if SCIENTIFIC.match(text):  # "2,01001E+11": a decimal comma, not two numbers
            pieces = [text]
        else:
            # each piece may carry its own text marker: "'+966… ::: '+966…"
            pieces = [q for p in SPLIT.split(text) if (q := p.lstrip("'").strip())]
        pieces = [q for p in pieces for q in split_slash(p)]
        with_digits = [p for p in pieces if any(ch.isdigit() for ch in p)]
        if not with_digits:
            shown = " ".join(text.split())
            return (_Number(shown, problem=problem(Code.PHONE_NOT_A_NUMBER,
                                                   text=_short(shown))),)
        numbers: list[_Number] = []
        seen: set[str] = set()
        for piece in with_digits:
            for number in self._read_piece(piece):
                if number.chat_id is not None:
                    if number.chat_id in seen:
                        continue
                    seen.add(number.chat_id)
                numbers.append(number)
        return tuple(numbers)

    def _read_piece(self, piece: str) -> list[_Number]:
        written = " ".join(piece.split())
        try:
            return [self._read_number(piece.strip(), written)]
        except _Invalid as exc:
            why = exc.problem
        # "0100 123 4567 0111 222 3333": numbers separated only by spaces
        if digit_count(piece) >= 14 and (
                why.code is Code.PHONE_TOO_LONG
                or (why.code is Code.PHONE_UNEXPECTED_CHARACTER and why["character"] == "+")):
            found = self._split_on_spaces(piece)
            if len(found) > 1:
                return found
            if len(piece.split()) > 1:
                why = why.with_params(several=True)
        return [_Number(written, problem=why)]

    def _split_on_spaces(self, piece: str) -> list[_Number]:
        """The piece as consecutive runs of its space-separated groups that are each a valid
        number (longest run first), or [] when it cannot be cut that way."""
        groups = piece.split()
        found: list[_Number] = []
        start = 0
        while start < len(groups):
            for end in range(len(groups), start, -1):
                text = " ".join(groups[start:end])
                if digit_count(text) > 20:
                    continue
                try:
                    found.append(self._read_number(text, text))
                except _Invalid:
                    continue  # not a number: the text around it is tried as one instead
                start = end
                break
            else:
                return []
        return found

    def _read_number(self, text: str, written: str) -> _Number:
        """One number; raises _Invalid with the reason."""
        notes: list[str] = []
        formed = CHAT_ID_FORM.match(text)
        if formed:
            return self._resolve(formed.group(1), True, written, notes)
        text = strip_label(text)
        extension = EXTENSION.search(text)
        if extension:
            notes.append(f"extension {extension.group(1)} dropped (WhatsApp numbers have none)")
            text = text[:extension.start()]
        text = strip_trailing_label(text).strip()
        scientific = SCIENTIFIC.match(text)
        if scientific:
            text = _from_scientific(scientific, written)
        zero = FLOAT_ZERO.match(text)
        if zero:  # 201001234567.0: a float's ".0" is not a digit
            text = zero.group(1)
        if LETTER.search(text):
            raise _Invalid(problem(Code.PHONE_LETTERS))
        core = text.lstrip("+ ([")
        plus = "+" in text[:len(text) - len(core)]
        if plus or core.startswith("00"):
            core = TRUNK_ZERO.sub(" ", core)  # +44 (0)20…: the (0) is not dialled
        else:
            core = TRUNK_ZERO.sub("0", core)
        bad = next((ch for ch in core if not ch.isdigit() and ch not in PUNCTUATION), None)
        if bad is not None:
            raise _Invalid(problem(Code.PHONE_UNEXPECTED_CHARACTER, character=bad))
        return self._resolve(NON_DIGITS.sub("", core), plus, written, notes)

    def _resolve(self, digits: str, plus: bool, written: str, notes: list[str]) -> _Number:
        """Choose how to read the digits: as written, then 00 + country code, then as an
        international number that lost its "+" (Excel); the first valid reading wins."""
        chat_id, kind = self._attempt(digits, plus, self.region)
        if chat_id is not None:
            return self._accept(chat_id, kind, written, notes)
        first_failure = kind
        if not plus:
            if digits.startswith("00") and len(digits) > 4:
                # 00 is the international prefix almost everywhere, even when the default
                # region dials out with another (011 in the US, 010 in Japan)
                chat_id, kind = self._attempt(digits[2:], True, None)
                if chat_id is not None:
                    return self._accept(chat_id, kind, written, notes)
                raise _Invalid(self._why(kind, digits[2:], True))
            if not digits.startswith("0") and len(digits) > max(self._longest_national, 7):
                chat_id, kind = self._attempt(digits, True, None)
                if chat_id is not None:
                    if self.region is not None:
                        notes.insert(0, f"read as +{chat_id.removesuffix(CHAT_ID_SUFFIX)} "
                                        "(no + in the cell)")
                    return self._accept(chat_id, kind, written, notes)
                if self.region is None:
                    raise _Invalid(self._why(kind, digits, True))
            elif self.region is None:
                raise _Invalid(problem(Code.PHONE_NO_COUNTRY_CODE, national=True))
        raise _Invalid(self._why(first_failure, digits, plus))

    def _accept(self, chat_id: str, kind: object, written: str, notes: list[str]) -> _Number:
        note = TYPE_NOTES.get(kind)  # type: ignore[call-overload]
        if note:
            notes.append(note)
        return _Number(written, chat_id, None, tuple(notes), mobile=note is None)

    def _attempt(self, digits: str, plus: bool, region: str | None) -> tuple[str | None, object]:
        """(chat ID, number type) for a valid reading, else (None, what went wrong) for
        `_why`: reasons are only worded when they are reported."""
        try:
            country_code, nsn = parse_digits(digits, plus, region)
        except NumberParseException as exc:
            return None, exc
        kind = number_type(country_code, nsn)
        if kind == UNKNOWN:
            return None, (country_code, nsn)
        return f"{country_code}{nsn}{CHAT_ID_SUFFIX}", kind

    def _why(self, failure: object, digits: str, plus: bool) -> Problem:
        if isinstance(failure, NumberParseException):
            return self._parse_reason(failure, digits, plus)
        country_code, nsn = failure  # type: ignore[misc]
        return self._invalid_reason(country_code, nsn)

    # -- what is wrong, with what a person needs to act on it --

    def _label(self, country_code: int) -> str:
        if country_code == self._region_code:
            return self.region  # type: ignore[return-value]
        region = phonenumbers.region_code_for_country_code(country_code)
        return f"+{country_code}" if region in ("ZZ", "001") else region

    def _parse_reason(self, exc: NumberParseException, digits: str, plus: bool) -> Problem:
        kind = exc.error_type
        if kind == NumberParseException.INVALID_COUNTRY_CODE:
            if not plus and self.region is None:
                return problem(Code.PHONE_NO_COUNTRY_CODE)
            return problem(Code.PHONE_UNKNOWN_COUNTRY_CODE,
                           country_code=digits.lstrip("0")[:3], partial=True)
        if kind == NumberParseException.TOO_SHORT_AFTER_IDD:
            return problem(Code.PHONE_TOO_SHORT_AFTER_IDD)
        if kind == NumberParseException.TOO_LONG:
            return problem(Code.PHONE_TOO_LONG, digits=len(digits))
        return problem(Code.PHONE_TOO_SHORT, digits=len(digits))

    def _invalid_reason(self, country_code: int, nsn: str) -> Problem:
        label = self._label(country_code)
        number = to_number(country_code, nsn)
        why = phonenumbers.is_possible_number_with_reason(number)
        region = phonenumbers.region_code_for_country_code(country_code)
        metadata = PhoneMetadata.metadata_for_region_or_calling_code(country_code, region)
        lengths = _lengths(metadata.general_desc.possible_length) if metadata else ""
        if why == ValidationResult.INVALID_COUNTRY_CODE:
            return problem(Code.PHONE_UNKNOWN_COUNTRY_CODE, country_code=str(country_code))
        code = {ValidationResult.TOO_SHORT: Code.PHONE_TOO_SHORT,
                ValidationResult.TOO_LONG: Code.PHONE_TOO_LONG,
                ValidationResult.INVALID_LENGTH: Code.PHONE_WRONG_LENGTH,
                ValidationResult.IS_POSSIBLE_LOCAL_ONLY: Code.PHONE_LOCAL_ONLY}.get(why)
        if code is None:
            return problem(Code.PHONE_INVALID, region=label, digits=len(nsn),
                           country_code=country_code)
        return problem(code, region=label, digits=len(nsn), country_code=country_code,
                       lengths=lengths)


# --- helpers -------------------------------------------------------------------------------


def is_mobile(result: PhoneResult) -> bool:
    """Whether a valid result is a mobile (or a number that may be one), by its type."""
    return result.chat_id is not None and result.mobile


def _from_scientific(match: re.Match[str], written: str) -> str:
    """The digits of "2.01001234567E+11", or _Invalid when Excel has already lost some."""
    lead, fraction, exponent = match.group(1), match.group(2) or "", int(match.group(3))
    fraction = fraction.rstrip("0")
    if len(fraction) > exponent or len(lead + fraction) > 15 or exponent < 6:
        raise _Invalid(problem(Code.PHONE_NOT_A_NUMBER, text=written))
    if len(fraction) < exponent:
        raise _Invalid(problem(Code.PHONE_DIGITS_LOST, text=written))
    return lead + fraction


def _lengths(lengths: tuple[int, ...]) -> str:
    values = sorted(set(lengths))
    if not values:
        return "no fixed length"
    if len(values) == 1:
        return str(values[0])
    if values == list(range(values[0], values[-1] + 1)):
        return f"{values[0]} to {values[-1]}"
    return ", ".join(map(str, values[:-1])) + f" or {values[-1]}"


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _also(number: _Number) -> str:
    if number.chat_id or number.problem is None:
        return number.written
    return f"{number.written} [{WORDS.phone(number.problem)}]"


def _problem(numbers: tuple[_Number, ...]) -> Problem:
    """The problem of a cell whose numbers are all invalid."""
    if len(numbers) == 1:
        return numbers[0].problem  # type: ignore[return-value]
    return problem(Code.PHONE_NONE_VALID,
                   numbers=tuple((n.written, n.problem) for n in numbers))


__all__ = ["CHAT_ID_SUFFIX", "PhoneNormalizer", "PhoneResult", "check_region", "display_number",
           "is_mobile", "region_of_chat_id"]
