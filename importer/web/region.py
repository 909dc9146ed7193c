"""The page's default region: where it comes from, and whether a file's numbers fit it.

A national number ("0100 123 4567", "(201) 555-0123") means nothing without a region, and a
wrong region can still make it "valid": a US "(201) 555-0123" read as Egyptian is a Cairo
landline. So the page never leaves the region implicit: a job starts with a real value,
the server's --default-region or else the region of the instance's own WhatsApp number
(`GET /v2/session/info` → `me.id`), and the check warns when the file looks foreign to it.

`instance_number` asks through the pipeline's `fetch_session_info`, as the CLI does, with
a shorter patience: it runs once in the background when the server starts.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass

import httpx
import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberType

from ..errors import ImporterError
from ..normalize.phones import region_of_chat_id
from ..options import ImportOptions
from ..pipeline import fetch_session_info, instance_chat_id

#: Regions tried when a file does not fit its region: the countries most WAWP numbers and
#: most contact files come from, then the largest phone markets.
CANDIDATE_REGIONS = ("EG", "SA", "AE", "US", "GB", "IN", "PK", "NG", "KE", "ZA", "MA", "DZ",
                     "TN", "JO", "KW", "QA", "BH", "OM", "IQ", "LB", "TR", "IR", "ID", "MY",
                     "PH", "BR", "MX", "AR", "CO", "ES", "FR", "DE", "IT", "NL", "CA", "AU",
                     "RU", "BD", "VN", "TH")
#: How many numbers of the file the fit is judged on, and how few are too few to judge.
SAMPLE_SIZE = 300
MIN_SAMPLE = 5
#: A file looks foreign when at least this share of its national numbers is invalid for the
#: region, or when at least this share of the valid ones are landlines.
INVALID_SHARE = 0.3
LANDLINE_SHARE = 0.5
_MOBILE_TYPES = frozenset({PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE})


@dataclass(frozen=True, slots=True)
class InstanceNumber:
    """The WhatsApp number an instance is connected as, and the region it belongs to."""

    chat_id: str
    region: str | None


def instance_number(options: ImportOptions, *,
                    transport: httpx.AsyncBaseTransport | None = None) -> InstanceNumber | None:
    """The instance's own number (`GET /v2/session/info` → `me.id`), or None when there is no
    instance, the API cannot be asked, or the session has no number yet (QR not scanned).

    Runs its own event loop: call it from a thread, not from a running loop.
    """
    if not options.instance_id or not options.access_token:
        return None
    quick = dataclasses.replace(options, timeout=min(options.timeout, 10.0),
                                max_attempts=min(options.max_attempts, 2))
    try:
        info = fetch_session_info(quick, transport=transport)
    except ImporterError:  # includes a refused token: the import will say so in full
        return None
    chat_id = instance_chat_id(info)
    return InstanceNumber(chat_id, region_of_chat_id(chat_id)) if chat_id else None


# -- does the file fit the region? ---------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Fit:
    """How a sample of national numbers reads in one region."""

    region: str
    numbers: int     # numbers written without a country code, in the sample
    valid: int
    landlines: int   # valid numbers that are fixed lines (or toll-free, premium…)

    @property
    def mobiles(self) -> int:
        return self.valid - self.landlines


def _national(cell: str) -> str | None:
    """The cell's number when it is written without a country code, else None (a number in
    international form reads the same whatever the region)."""
    text = cell.strip()
    if not text or sum(c.isdigit() for c in text) < 6:
        return None
    if text.startswith(("+", "00", "tel:+")) or "wa.me" in text or "@c.us" in text:
        return None
    return text


def fit(numbers: Iterable[str], region: str) -> Fit:
    """How `numbers` (national forms) read in `region`."""
    count = valid = landlines = 0
    for text in numbers:
        count += 1
        try:
            number = phonenumbers.parse(text, region)
        except NumberParseException:
            continue
        if not phonenumbers.is_valid_number_for_region(number, region):
            continue
        valid += 1
        if phonenumbers.number_type(number) not in _MOBILE_TYPES:
            landlines += 1
    return Fit(region, count, valid, landlines)


def region_warning(cells: Iterable[str], region: str | None) -> str | None:
    """A warning in words when the phone cells look foreign to `region`, naming the region
    that fits them better; None when they fit (or are too few, or all international)."""
    sample = [n for n in (_national(c) for c in cells) if n is not None][:SAMPLE_SIZE]
    if len(sample) < MIN_SAMPLE:
        return None
    if not region:
        best = _best(sample, exclude=None)
        guess = (f"; they look like numbers from {_name(best.region)} ({best.region})"
                 if best else "")
        return (f"No region is set, so the {len(sample)} numbers written without a country "
                f"code cannot be read{guess}. Choose the region above.")
    current = fit(sample, region)
    invalid = current.numbers - current.valid
    foreign_invalid = invalid >= INVALID_SHARE * current.numbers
    foreign_landline = current.valid > 0 and current.landlines >= LANDLINE_SHARE * current.valid
    if not (foreign_invalid or foreign_landline):
        return None
    best = _best(sample, exclude=region)
    if best is None or best.mobiles <= current.mobiles:
        better = ""
    else:
        better = (f" They look like numbers from {_name(best.region)}: {best.valid} of "
                  f"{best.numbers} are valid there, {best.mobiles} of them mobiles. Change the "
                  f"region to {best.region} if that is where they are from.")
    if foreign_invalid:
        what = (f"{invalid} of the {current.numbers} numbers written without a country code "
                f"are not valid numbers there")
    else:
        what = (f"{current.landlines} of the {current.valid} numbers valid there read as "
                "landlines, which are rarely on WhatsApp")
    return f"This file may not be from {_name(region)} ({region}): {what}.{better}"


def _best(sample: list[str], exclude: str | None) -> Fit | None:
    fits = [fit(sample, r) for r in CANDIDATE_REGIONS if r != exclude]
    fits = [f for f in fits if f.mobiles > 0]
    if not fits:
        return None
    return max(fits, key=lambda f: (f.mobiles, f.valid))


def _name(region: str) -> str:
    """A region's name in English ("US" → "United States"), else its code."""
    return _NAMES.get(region, region)


_NAMES = {"EG": "Egypt", "SA": "Saudi Arabia", "AE": "the United Arab Emirates",
          "US": "the United States", "GB": "the United Kingdom", "IN": "India", "PK": "Pakistan",
          "NG": "Nigeria", "KE": "Kenya", "ZA": "South Africa", "MA": "Morocco", "DZ": "Algeria",
          "TN": "Tunisia", "JO": "Jordan", "KW": "Kuwait", "QA": "Qatar", "BH": "Bahrain",
          "OM": "Oman", "IQ": "Iraq", "LB": "Lebanon", "TR": "Turkey", "IR": "Iran",
          "ID": "Indonesia", "MY": "Malaysia", "PH": "the Philippines", "BR": "Brazil",
          "MX": "Mexico", "AR": "Argentina", "CO": "Colombia", "ES": "Spain", "FR": "France",
          "DE": "Germany", "IT": "Italy", "NL": "the Netherlands", "CA": "Canada",
          "AU": "Australia", "RU": "Russia", "BD": "Bangladesh", "VN": "Vietnam",
          "TH": "Thailand"}


def valid_region(code: str) -> bool:
    """Whether `code` is a region phonenumbers knows (ISO 3166 alpha-2, upper case)."""
    return code in phonenumbers.SUPPORTED_REGIONS


__all__ = ["CANDIDATE_REGIONS", "Fit", "InstanceNumber", "fit", "instance_number",
           "region_warning", "valid_region"]
