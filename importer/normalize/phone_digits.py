"""phonenumbers' parse and validation, specialised for clean digit strings and made fast.

phonenumbers is the authority on which numbers are valid, but it spends most of its time on
work this importer has already done (cleaning the text, finding extensions) and on Python
overhead around its regular expressions: about 15,000 numbers/s when regions vary, too slow
for a million rows. This module does the same computation on a string of ASCII digits:

- `parse_digits(digits, plus, region)` gives the (country code, national significant number)
  that `phonenumbers.parse(("+" if plus else "") + digits, region)` gives, or raises the same
  `NumberParseException`;
- `number_type(country_code, nsn)` gives what `phonenumbers.number_type` gives for that number
  (UNKNOWN exactly when `phonenumbers.is_valid_number` is False).

They follow phonenumbers' own code step by step (the functions named in the comments) over
its public metadata (PhoneMetadata); tests/test_phones.py checks them against phonenumbers on
every region's example numbers and on random digits, so an upgrade of phonenumbers that
changes its rules shows up there first.
"""

from __future__ import annotations

import re

import phonenumbers
from phonenumbers import NumberParseException, PhoneMetadata, PhoneNumberType
from phonenumbers import ValidationResult as _VR

# libphonenumber's limits (phonenumberutil.py: _MIN_LENGTH_FOR_NSN and friends)
_MIN_LENGTH_FOR_NSN = 2
_MAX_LENGTH_FOR_NSN = 17
_MAX_LENGTH_COUNTRY_CODE = 3
_MAX_INPUT_LENGTH = 250

_compiled: dict[str, re.Pattern[str]] = {}


def re_compile(pattern: str) -> re.Pattern[str]:
    """A metadata pattern, compiled once (Python's own cache is too small for all regions)."""
    compiled = _compiled.get(pattern)
    if compiled is None:
        compiled = _compiled[pattern] = re.compile(pattern)
    return compiled


def use_pattern_cache() -> None:
    """Switch on phonenumbers' own pattern cache, for the whole process (it cannot be
    switched off). Python's regex cache holds 512 patterns; numbers from many regions need
    more, and phonenumbers then recompiles patterns all the time (18x slower). Called when a
    normalizer is built, not at import: importing the package changes no library's state."""
    if hasattr(phonenumbers, "enable_pattern_cache"):
        phonenumbers.enable_pattern_cache()

COUNTRY_CODE_TO_REGION_CODE = phonenumbers.COUNTRY_CODE_TO_REGION_CODE
UNKNOWN = PhoneNumberType.UNKNOWN

# The order in which phonenumbers' _number_type_helper tries the types before fixed/mobile.
_SPECIAL_TYPES = (
    (PhoneNumberType.PREMIUM_RATE, "premium_rate"),
    (PhoneNumberType.TOLL_FREE, "toll_free"),
    (PhoneNumberType.SHARED_COST, "shared_cost"),
    (PhoneNumberType.VOIP, "voip"),
    (PhoneNumberType.PERSONAL_NUMBER, "personal_number"),
    (PhoneNumberType.PAGER, "pager"),
    (PhoneNumberType.UAN, "uan"),
    (PhoneNumberType.VOICEMAIL, "voicemail"),
)

_Desc = tuple[frozenset[int], "re.Pattern[str]"] | None


def _desc(number_desc: object) -> _Desc:
    """A PhoneNumberDesc as (possible lengths, compiled pattern); None never matches."""
    if number_desc is None:
        return None
    pattern = getattr(number_desc, "national_number_pattern", None)
    if not pattern:
        return None
    return frozenset(number_desc.possible_length or ()), re.compile(pattern)


def _matches(desc: _Desc, nsn: str) -> bool:
    """phonenumbers._is_number_matching_desc with allow_prefix_match=False."""
    if desc is None:
        return False
    lengths, pattern = desc
    if lengths and len(nsn) not in lengths:
        return False
    return pattern.fullmatch(nsn) is not None


class _TypeMatcher:
    """phonenumbers._number_type_helper for one metadata, with its patterns compiled once.

    The helper tries up to ten patterns one after the other; here the candidates for each
    number length are joined into one alternation, in the helper's order, so one regex call
    finds the first type that matches (a full match of an alternation takes the first
    alternative that fully matches).
    """

    __slots__ = ("_by_length", "candidates", "general", "mobile", "same")

    def __init__(self, metadata: PhoneMetadata) -> None:
        self.general = _desc(metadata.general_desc)
        self.same = bool(metadata.same_mobile_and_fixed_line_pattern)
        candidates = [(kind, d) for kind, attr in _SPECIAL_TYPES
                      if (d := _desc(getattr(metadata, attr, None))) is not None]
        fixed = _desc(metadata.fixed_line)
        self.mobile = _desc(metadata.mobile)
        if fixed is not None:
            candidates.append((PhoneNumberType.FIXED_LINE, fixed))
        if not self.same and self.mobile is not None:
            # only tried when the patterns differ; a same-pattern mobile never matches alone
            candidates.append((PhoneNumberType.MOBILE, self.mobile))
        self.candidates = tuple(candidates)
        self._by_length: dict[int, tuple[re.Pattern[str] | None, dict[int, int]]] = {}

    def _for_length(self, length: int) -> tuple[re.Pattern[str] | None, dict[int, int]]:
        kinds = [(kind, pattern) for kind, (lengths, pattern) in self.candidates  # type: ignore[misc]
                 if not lengths or length in lengths]
        if not kinds:
            entry: tuple[re.Pattern[str] | None, dict[int, int]] = (None, {})
            self._by_length[length] = entry
            return entry
        joined = re.compile("|".join(f"(?P<t{i}>{pattern.pattern})"
                                     for i, (_, pattern) in enumerate(kinds)))
        # match.lastindex is the wrapping group: it closes after any group inside it
        by_group = {joined.groupindex[f"t{i}"]: kind for i, (kind, _) in enumerate(kinds)}
        entry = self._by_length[length] = (joined, by_group)
        return entry

    def __call__(self, nsn: str) -> int:
        if not _matches(self.general, nsn):
            return UNKNOWN
        entry = self._by_length.get(len(nsn))
        if entry is None:
            entry = self._for_length(len(nsn))
        pattern, by_group = entry
        match = pattern.fullmatch(nsn) if pattern is not None else None
        if match is None:
            return UNKNOWN
        kind = by_group[match.lastindex]
        if kind == PhoneNumberType.FIXED_LINE and (self.same or _matches(self.mobile, nsn)):
            return PhoneNumberType.FIXED_LINE_OR_MOBILE
        return kind


_matchers: dict[tuple[int, str], _TypeMatcher | None] = {}


def _matcher(country_code: int, region: str) -> _TypeMatcher | None:
    key = (country_code, region)
    matcher = _matchers.get(key, False)
    if matcher is False:
        metadata = PhoneMetadata.metadata_for_region_or_calling_code(country_code, region)
        matcher = _matchers[key] = None if metadata is None else _TypeMatcher(metadata)
    return matcher  # type: ignore[return-value]


_leading: dict[str, re.Pattern[str] | None] = {}


def region_for(country_code: int, nsn: str) -> str | None:
    """phonenumbers.region_code_for_number for (country code, national significant number)."""
    regions = COUNTRY_CODE_TO_REGION_CODE.get(country_code)
    if regions is None:
        return None
    if len(regions) == 1:
        return regions[0]
    for region in regions:  # _region_code_for_number_from_list
        if region not in _leading:
            metadata = PhoneMetadata.metadata_for_region(region, None)
            _leading[region] = (None if metadata is None or metadata.leading_digits is None
                                else re.compile(metadata.leading_digits))
            if metadata is None:
                continue
        pattern = _leading[region]
        if pattern is not None:
            if pattern.match(nsn):
                return region
        else:
            matcher = _matcher(country_code, region)
            if matcher is not None and matcher(nsn) != UNKNOWN:
                return region
    return None


def number_type(country_code: int, nsn: str) -> int:
    """phonenumbers.number_type of the number; UNKNOWN means phonenumbers finds it invalid."""
    region = region_for(country_code, nsn)
    if region is None:
        return UNKNOWN
    matcher = _matcher(country_code, region)
    if matcher is None:
        return UNKNOWN
    return matcher(nsn)


def _parse_error(kind: int, message: str) -> NumberParseException:
    return NumberParseException(kind, message)


class _Meta:
    """What parsing needs from one PhoneMetadata, looked up and compiled once."""

    __slots__ = (
        "code_text",
        "country_code",
        "general",
        "idd",
        "lengths",
        "local",
        "metadata",
        "prefix",
        "transform_rule",
    )

    def __init__(self, metadata: PhoneMetadata) -> None:
        self.metadata = metadata
        self.country_code = metadata.country_code
        self.code_text = str(metadata.country_code)
        self.idd = (re_compile(metadata.international_prefix)
                    if metadata.international_prefix is not None else None)
        self.prefix = (re_compile(metadata.national_prefix_for_parsing)
                       if metadata.national_prefix_for_parsing else None)
        self.transform_rule = metadata.national_prefix_transform_rule
        general = metadata.general_desc
        pattern = general.national_number_pattern if general is not None else None
        self.general = re_compile(pattern) if pattern else None
        self.lengths = tuple(general.possible_length) if general is not None else ()
        self.local = frozenset(general.possible_length_local_only or ()) \
            if general is not None else frozenset()

    def match_general(self, nsn: str) -> bool:
        """phonenumbers._match_national_number(nsn, general_desc, False)."""
        return self.general is not None and self.general.fullmatch(nsn) is not None

    def length(self, nsn: str) -> int:
        """phonenumbers._test_number_length(nsn, metadata) for the UNKNOWN type."""
        size = len(nsn)
        if size in self.local:
            return _VR.IS_POSSIBLE_LOCAL_ONLY
        lengths = self.lengths
        if lengths[0] == size:
            return _VR.IS_POSSIBLE
        if lengths[0] > size:
            return _VR.TOO_SHORT
        if lengths[-1] < size:
            return _VR.TOO_LONG
        return _VR.IS_POSSIBLE if size in lengths[1:] else _VR.INVALID_LENGTH

    def strip_national_prefix(self, number: str) -> str:
        """The number phonenumbers._maybe_strip_national_prefix_carrier_code gives back."""
        if self.prefix is None or not number:
            return number
        match = self.prefix.match(number)
        if match is None:
            return number
        viable = self.match_general(number)
        groups = match.groups()
        rule = self.transform_rule
        if not rule or groups[len(groups) - 1] is None:
            stripped = number[match.end():]
            # a viable number is not made unviable by stripping
            return number if viable and not self.match_general(stripped) else stripped
        transformed = self.prefix.sub(rule, number, count=1)
        return number if viable and not self.match_general(transformed) else transformed


_by_region: dict[str | None, _Meta | None] = {}
_by_code: dict[int, tuple[str, _Meta | None]] = {}


def _region_meta(region: str | None) -> _Meta | None:
    try:
        return _by_region[region]
    except KeyError:
        metadata = None if region is None else PhoneMetadata.metadata_for_region(region, None)
        meta = _by_region[region] = None if metadata is None else _Meta(metadata)
        return meta


def _code_meta(country_code: int) -> tuple[str, _Meta | None]:
    try:
        return _by_code[country_code]
    except KeyError:
        region = phonenumbers.region_code_for_country_code(country_code)
        metadata = PhoneMetadata.metadata_for_region_or_calling_code(country_code, region)
        entry = _by_code[country_code] = (region, None if metadata is None else _Meta(metadata))
        return entry


def _extract_country_code(digits: str) -> tuple[int, str]:
    """phonenumbers._extract_country_code for ASCII digits."""
    if not digits or digits[0] == "0":
        return 0, digits
    for size in range(1, min(len(digits), _MAX_LENGTH_COUNTRY_CODE) + 1):
        code = int(digits[:size])
        if code in COUNTRY_CODE_TO_REGION_CODE:
            return code, digits[size:]
    return 0, digits


def _extract_country_code_of(digits: str, plus: bool, meta: _Meta | None) -> tuple[int, str]:
    """phonenumbers._maybe_extract_country_code for ASCII digits: (0, "") when there is none."""
    international = plus
    full = digits
    if not plus and meta is not None and meta.idd is not None:
        match = meta.idd.match(digits)
        # _parse_prefix_as_idd: country codes never start with 0, so "IDD then 0" is not an IDD
        if match and digits[match.end():match.end() + 1] != "0":
            international, full = True, digits[match.end():]
    if international:
        if len(full) <= _MIN_LENGTH_FOR_NSN:
            raise _parse_error(NumberParseException.TOO_SHORT_AFTER_IDD,
                               "Phone number had an IDD, but after this was not long enough "
                               "to be a viable phone number.")
        country_code, national = _extract_country_code(full)
        if country_code == 0:
            raise _parse_error(NumberParseException.INVALID_COUNTRY_CODE,
                               "Country calling code supplied was not recognised.")
        return country_code, national
    if meta is not None and full.startswith(meta.code_text):
        potential = meta.strip_national_prefix(full[len(meta.code_text):])
        if ((not meta.match_general(full) and meta.match_general(potential))
                or meta.length(full) == _VR.TOO_LONG):
            return meta.country_code, potential
    return 0, ""


_NOT_STRIPPED = (_VR.TOO_SHORT, _VR.IS_POSSIBLE_LOCAL_ONLY, _VR.INVALID_LENGTH)


def parse_digits(digits: str, plus: bool, region: str | None) -> tuple[int, str]:
    """(country code, national significant number) as phonenumbers.parse finds them.

    `digits` holds ASCII digits only; `plus` says a "+" came before them. Raises the
    NumberParseException phonenumbers.parse would raise.
    """
    if len(digits) > _MAX_INPUT_LENGTH:
        raise _parse_error(NumberParseException.TOO_LONG,
                           "The string supplied was too long to parse.")
    # _is_viable_phone_number: two digits, or three after a "+"
    if len(digits) < _MIN_LENGTH_FOR_NSN + plus:
        raise _parse_error(NumberParseException.NOT_A_NUMBER,
                           "The string supplied did not seem to be a phone number.")
    meta = _region_meta(region)
    if meta is None and not plus:  # _check_region_for_parsing
        raise _parse_error(NumberParseException.INVALID_COUNTRY_CODE,
                           "Missing or invalid default region.")

    try:
        country_code, national = _extract_country_code_of(digits, plus, meta)
    except NumberParseException as exc:
        if not (plus and exc.error_type == NumberParseException.INVALID_COUNTRY_CODE):
            raise
        # parse() strips the plus sign and tries again ("+0020…" is read as "0020…")
        country_code, national = _extract_country_code_of(digits, False, meta)
        if country_code == 0:
            raise _parse_error(NumberParseException.INVALID_COUNTRY_CODE,
                               "Could not interpret numbers after plus-sign.") from None

    # back in parse()
    if country_code != 0:
        number_region, code_meta = _code_meta(country_code)
        if number_region != region:
            meta = code_meta
    else:
        national = digits
        country_code = meta.country_code  # type: ignore[union-attr]
    if len(national) < _MIN_LENGTH_FOR_NSN:
        raise _parse_error(NumberParseException.TOO_SHORT_NSN,
                           "The string supplied is too short to be a phone number.")
    if meta is not None:
        potential = meta.strip_national_prefix(national)
        if potential is not national and meta.length(potential) not in _NOT_STRIPPED:
            national = potential
    if len(national) < _MIN_LENGTH_FOR_NSN:
        raise _parse_error(NumberParseException.TOO_SHORT_NSN,
                           "The string supplied is too short to be a phone number.")
    if len(national) > _MAX_LENGTH_FOR_NSN:
        raise _parse_error(NumberParseException.TOO_LONG,
                           "The string supplied is too long to be a phone number.")
    # _set_italian_leading_zeros keeps the leading zeros, so national_significant_number()
    # of the PhoneNumber parse builds gives back exactly these digits.
    return country_code, national


def to_number(country_code: int, nsn: str) -> phonenumbers.PhoneNumber:
    """The PhoneNumber phonenumbers.parse would build for (country code, nsn)."""
    number = phonenumbers.PhoneNumber(country_code=country_code, national_number=int(nsn))
    if len(nsn) > 1 and nsn[0] == "0":
        number.italian_leading_zero = True
        zeros = len(nsn) - len(nsn.lstrip("0"))
        zeros = min(zeros, len(nsn) - 1)
        if zeros != 1:
            number.number_of_leading_zeros = zeros
    return number

__all__ = ["number_type", "parse_digits", "region_for", "to_number"]
