"""Do a file's numbers fit the default region? Data for the page and the CLI to word.

A national number ("0100 123 4567", "(201) 555-0123") means nothing without a region, and a
wrong region can still make it "valid": a US "(201) 555-0123" read as Egyptian is a Cairo
landline. `judge_region` reads a sample of phone cells written without a country code in
the region in force and, when they look foreign to it (many invalid, or most landlines),
finds the region among the common ones where the most of them are valid mobiles.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberType

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
class Fit:
    """How a sample of national numbers reads in one region."""

    region: str
    numbers: int     # numbers written without a country code, in the sample
    valid: int
    landlines: int   # valid numbers that are fixed lines (or toll-free, premium…)

    @property
    def mobiles(self) -> int:
        return self.valid - self.landlines

    @property
    def invalid(self) -> int:
        return self.numbers - self.valid


@dataclass(frozen=True, slots=True)
class RegionFit:
    """What `judge_region` found: how the sample reads in the region in force (`current`,
    None without a region) and, when it looks foreign, the region that fits it better."""

    region: str | None
    numbers: int
    current: Fit | None
    better: Fit | None = None

    @property
    def mostly_invalid(self) -> bool:
        """At least INVALID_SHARE of the numbers are not valid in the region."""
        current = self.current
        return current is not None and current.invalid >= INVALID_SHARE * current.numbers

    @property
    def mostly_landlines(self) -> bool:
        """At least LANDLINE_SHARE of the numbers valid in the region are landlines."""
        current = self.current
        return (current is not None and current.valid > 0
                and current.landlines >= LANDLINE_SHARE * current.valid)

    @property
    def looks_foreign(self) -> bool:
        """No region, or numbers that read badly in it: worth telling the user."""
        return self.current is None or self.mostly_invalid or self.mostly_landlines


def national(cell: str) -> str | None:
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
            continue  # counted, and does not fit: the share that fits says it
        if not phonenumbers.is_valid_number_for_region(number, region):
            continue
        valid += 1
        if phonenumbers.number_type(number) not in _MOBILE_TYPES:
            landlines += 1
    return Fit(region, count, valid, landlines)


def best_fit(sample: list[str], *, exclude: str | None = None) -> Fit | None:
    """The candidate region where the most of `sample` are valid mobiles (None: nowhere)."""
    fits = [fit(sample, r) for r in CANDIDATE_REGIONS if r != exclude]
    fits = [f for f in fits if f.mobiles > 0]
    if not fits:
        return None
    return max(fits, key=lambda f: (f.mobiles, f.valid))


def judge_region(cells: Iterable[str], region: str | None) -> RegionFit | None:
    """How the phone `cells` fit `region`; None when fewer than MIN_SAMPLE of them are
    written without a country code (nothing to judge).

    The other regions are tried only when the cells look foreign to `region`: `better` is
    then the candidate with more valid mobiles than `region` has, if there is one.
    """
    sample = [n for n in (national(c) for c in cells) if n is not None][:SAMPLE_SIZE]
    if len(sample) < MIN_SAMPLE:
        return None
    if not region:
        return RegionFit(None, len(sample), None, best_fit(sample))
    judged = RegionFit(region, len(sample), fit(sample, region))
    if not judged.looks_foreign:
        return judged
    current = judged.current
    assert current is not None
    best = best_fit(sample, exclude=region)
    if best is None or best.mobiles <= current.mobiles:
        return judged
    return RegionFit(region, len(sample), current, best)


#: A file's region is inferred only when at most this share of its numbers is invalid there.
INFER_INVALID_SHARE = 0.1


def infer_region(cells: Iterable[str]) -> Fit | None:
    """The region the phone `cells` are written in, when their numbers say so beyond doubt;
    None otherwise (too few, or no single region fits them).

    It must be one region only: the numbers read there as mostly valid mobiles, with at
    most INFER_INVALID_SHARE of them invalid, and in no other candidate region do they read
    as mostly valid mobiles too (a Saudi 05x number is valid in the Emirates as well: such
    a file has no region). An Egyptian 0100 number that reads as an Italian landline still
    says Egypt: landlines are rarely on WhatsApp.
    """
    sample = [n for n in (national(c) for c in cells) if n is not None][:SAMPLE_SIZE]
    if len(sample) < MIN_SAMPLE:
        return None
    judged = [RegionFit(r, len(sample), fit(sample, r)) for r in CANDIDATE_REGIONS]
    mobile = [j.current for j in judged if not j.mostly_invalid and not j.mostly_landlines
              and j.current is not None and j.current.valid]
    if len(mobile) != 1:
        return None
    (only,) = mobile
    return only if only.invalid <= INFER_INVALID_SHARE * only.numbers else None


@dataclass(frozen=True, slots=True)
class RegionChoice:
    """The region national numbers are read in, and where it came from in words ("" when it
    was given, or there is none)."""

    region: str | None
    source: str = ""


def resolve_region(given: str | None, *, chat_id: str = "",
                   cells: Iterable[str] = ()) -> RegionChoice:
    """The one rule for the default region, the command's and the page's alike: the region
    given; else that of the instance's own number (`chat_id`, from GET /v2/session/info);
    else the one the phone `cells` are plainly written in (`infer_region`); else none."""
    if given:
        return RegionChoice(given)
    if chat_id:
        from .phones import region_of_chat_id

        region = region_of_chat_id(chat_id)
        if region is not None:
            code = phonenumbers.country_code_for_region(region)
            return RegionChoice(region, f"the instance's number +{code}…")
    inferred = infer_region(cells)
    if inferred is not None:
        return RegionChoice(inferred.region, (
            f"the numbers: {inferred.valid:,} of the {inferred.numbers:,} written without a "
            f"country code in the first rows are valid only in {region_name(inferred.region)}"))
    return RegionChoice(None)


def region_name(region: str) -> str:
    """A region's name in English ("US" → "the United States"), else its code."""
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

__all__ = ["CANDIDATE_REGIONS", "Fit", "RegionChoice", "RegionFit", "best_fit", "fit",
           "infer_region", "judge_region", "national", "region_name", "resolve_region"]
