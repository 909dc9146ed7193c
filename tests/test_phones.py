"""Phone cells → chat IDs: generated cases over many regions, hand-written traps, and the
fast parser checked against phonenumbers itself."""

from __future__ import annotations

import random

import phonenumbers
import pytest
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType

from importer.errors import ConfigError
from importer.normalize.phone_digits import number_type, parse_digits
from importer.normalize.phone_text import ascii_text
from importer.normalize.phones import (
    PhoneNormalizer,
    check_region,
    display_number,
    is_mobile,
    region_of_chat_id,
)

# --- generated: every region's example numbers, written the ways people write them ---------

REGIONS = ["EG", "SA", "AE", "KW", "QA", "JO", "LB", "MA", "DZ", "TN", "IQ", "TR", "IR", "PK",
           "IN", "BD", "ID", "MY", "PH", "CN", "JP", "KR", "AU", "NZ", "GB", "IE", "DE", "FR",
           "IT", "ES", "PT", "NL", "BE", "CH", "AT", "SE", "NO", "PL", "RU", "UA", "GR", "US",
           "CA", "MX", "BR", "AR", "CO", "NG", "KE", "ZA", "GH", "ET", "SN", "IL"]
KINDS = {PhoneNumberType.MOBILE: "mobile", PhoneNumberType.FIXED_LINE: "fixed"}
NOTES = {PhoneNumberType.FIXED_LINE: "landline number"}

ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
PERSIAN = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
FULL_WIDTH = str.maketrans("0123456789+", "０１２３４５６７８９＋")


def _forms(number: phonenumbers.PhoneNumber, region: str) -> list[tuple[str | None, str]]:
    """(default region, text) pairs that all mean `number`."""
    e164 = phonenumbers.format_number(number, PhoneNumberFormat.E164)
    intl = phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)
    national = phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)
    return [
        (None, e164),
        ("EG" if region != "EG" else "US", intl),
        (region, national),
        (region, national.replace(" ", "-")),
        (None, "00" + e164[1:]),  # 00 works whatever the default region dials out with
        (region, "00" + e164[1:]),
        (None, e164[1:]),  # Excel digits: the + was lost
        (None, phonenumbers.format_number(number, PhoneNumberFormat.RFC3966)),
        (None, e164[1:] + "@c.us"),
        (None, e164[1:] + ".0"),  # a float's .0
        (None, "Mobile: " + intl),
        (None, intl.replace(" ", "\u00a0")),
        (None, "\u200e" + intl.replace(" ", "\u2009") + "\u200f"),
        (None, e164.translate(ARABIC_INDIC)),
        (region, national.translate(PERSIAN)),
        (None, e164.translate(FULL_WIDTH)),
    ]


def _generated() -> list[pytest.param]:
    cases = []
    for region in REGIONS:
        for kind, label in KINDS.items():
            number = phonenumbers.example_number_for_type(region, kind)
            if number is None:
                continue
            chat_id = phonenumbers.format_number(number, PhoneNumberFormat.E164)[1:] + "@c.us"
            note = NOTES.get(phonenumbers.number_type(number), "")
            for default, text in _forms(number, region):
                cases.append(pytest.param(default, text, chat_id, note,
                                          id=f"{region}-{label}-{default}-{text}"))
    return cases


GENERATED = _generated()


def test_the_generated_table_is_wide_enough() -> None:
    regions = {p.id.split("-")[0] for p in GENERATED}
    assert len(GENERATED) >= 300 and len(regions) >= 30


@pytest.mark.parametrize(("region", "text", "chat_id", "note"), GENERATED)
def test_every_written_form_of_an_example_number_gives_its_chat_id(
        region: str | None, text: str, chat_id: str, note: str) -> None:
    result = PhoneNormalizer(region).normalize(text)
    assert result.chat_id == chat_id, result.detail
    assert (note in result.detail) if note else ("number" not in result.detail)


# --- hand-written: what people type, and the traps of plain phonenumbers -------------------

OK = [
    # (default region, cell, chat ID, words the detail must contain)
    ("EG", "+20 100 123 4567", "201001234567@c.us", ""),
    ("EG", "0100 123 4567", "201001234567@c.us", ""),
    ("EG", "01001234567", "201001234567@c.us", ""),
    ("EG", "(0100) 123-4567", "201001234567@c.us", ""),
    ("EG", "0100.123.4567", "201001234567@c.us", ""),
    ("EG", "0020 100 123 4567", "201001234567@c.us", ""),
    ("EG", "+20 0100 123 4567", "201001234567@c.us", ""),
    ("EG", "201001234567", "201001234567@c.us", ""),  # an Excel number cell
    ("EG", "1001234567", "201001234567@c.us", ""),  # Excel dropped the leading 0
    ("EG", "201001234567.0", "201001234567@c.us", ""),
    ("EG", "2.01001234567E+11", "201001234567@c.us", ""),  # scientific, but every digit kept
    ("EG", "201,001,234,567", "201001234567@c.us", ""),  # Excel thousands separators
    ("EG", '="01001234567"', "201001234567@c.us", ""),  # Excel's keep-the-zero trick
    ("EG", "'01001234567", "201001234567@c.us", ""),
    ("EG", "tel:+20-100-123-4567", "201001234567@c.us", ""),
    ("EG", "Mobile: 0100 123 4567", "201001234567@c.us", ""),
    ("EG", "Tel. 0100 123 4567", "201001234567@c.us", ""),
    ("EG", "موبايل: ٠١٠٠ ١٢٣ ٤٥٦٧", "201001234567@c.us", ""),
    ("EG", "۰۱۰۰۱۲۳۴۵۶۷", "201001234567@c.us", ""),
    ("EG", "０１００－１２３－４５６７", "201001234567@c.us", ""),
    ("EG", "\u202a+20\u00a0100\u2009123\u20074567\u202c", "201001234567@c.us", ""),
    ("EG", "0100 123 4567 (home)", "201001234567@c.us", ""),
    ("EG", "https://wa.me/201001234567", "201001234567@c.us", ""),
    ("EG", "201001234567@c.us", "201001234567@c.us", ""),
    ("EG", "+201001234567@c.us", "201001234567@c.us", ""),
    ("EG", "02 2345 6789", "20223456789@c.us", "landline number"),
    ("US", "(202) 555-0123", "12025550123@c.us", ""),  # FIXED_LINE_OR_MOBILE: no note
    ("US", "1-202-555-0123", "12025550123@c.us", ""),
    ("US", "011 44 7911 123456", "447911123456@c.us", ""),  # the US international prefix
    ("US", "0044 7911 123456", "447911123456@c.us", ""),  # 00 from the US too
    ("US", "+1 800 234 5678", "18002345678@c.us", "toll-free number"),
    ("GB", "+44 (0) 20 7946 0958", "442079460958@c.us", "landline number"),
    ("GB", "07911 123456", "447911123456@c.us", ""),
    ("GB", "+44 909 879 0000", "449098790000@c.us", "premium-rate number"),
    ("GB", "+44 20 7946 0958 ext. 123", "442079460958@c.us", "extension 123 dropped"),
    ("GB", "+44 20 7946 0958 x123", "442079460958@c.us", "extension 123 dropped"),
    ("US", "tel:+1-202-555-0123;ext=45", "12025550123@c.us", "extension 45 dropped"),
    ("DE", "030/1234567", "49301234567@c.us", ""),  # a slash inside one German number
    ("DE", "+49 (0)30 1234567", "49301234567@c.us", ""),
    ("IT", "+39 06 1234 5678", "390612345678@c.us", ""),  # Italy keeps its leading zero
    ("EG", "447911123456", "447911123456@c.us", "read as +447911123456 (no + in the cell)"),
    (None, "447911123456", "447911123456@c.us", ""),
]

INVALID = [
    # (default region, cell, words the detail must contain)
    ("EG", "", "no phone number"),
    ("EG", "   ", "no phone number"),
    ("EG", "N/A", "not a phone number ('N/A')"),
    ("EG", "-", "not a phone number"),
    ("EG", "0100ABC4567", "letters in the number"),  # never keypad digits
    ("US", "1-800-FLOWERS", "letters in the number"),
    ("EG", "O100 123 4567", "letters in the number"),  # the letter O for a zero
    ("EG", "2.01001E+11", "digits lost in Excel (2.01001E+11)"),
    ("EG", "2.01001234567891E+15", "format the column as Text in Excel"),
    ("EG", "2,01001E+11", "digits lost in Excel (2,01001E+11)"),  # a decimal comma
    ("EG", "0100 123", "too short for EG"),
    ("EG", "0100 123 45", "not a valid number for EG (8 digits after +20)"),
    ("EG", "+20 100 123 45678", "too long for EG"),
    ("GB", "+44 20 7946 095", "not a valid number for GB"),
    ("US", "555-0123", ("too short for US (7 digits; US numbers have 10 after +1); a local "
                        "number needs its area code")),
    ("EG", "+999 123 456 789", "unknown country code"),
    (None, "0100 123 4567", "a national number and no --default-region"),
    ("EG", "12345", "too short for EG"),
    ("EG", "0100*123*4567", "unexpected '*' in the number"),
    ("EG", "0100 123 4567 0111 222 333", "several numbers?"),
    # an invalid US number is not "rescued" as +64 26 942 080: only digits too long to be
    # national are read as an international number without its +
    ("US", "642-694-2080", "not a valid number for US"),
]


@pytest.mark.parametrize(("region", "text", "chat_id", "words"), OK)
def test_what_people_type_gives_the_right_chat_id(region: str | None, text: str, chat_id: str,
                                                  words: str) -> None:
    result = PhoneNormalizer(region).normalize(text)
    assert result.chat_id == chat_id, result.detail
    assert words in result.detail


@pytest.mark.parametrize(("region", "text", "words"), INVALID)
def test_numbers_that_cannot_be_sent_say_why(region: str | None, text: str, words: str) -> None:
    result = PhoneNormalizer(region).normalize(text)
    assert result.chat_id is None
    assert words in result.detail


def test_an_invalid_number_reports_the_digits_and_the_lengths_expected() -> None:
    result = PhoneNormalizer("EG").normalize("0100 1")
    assert result.detail == "too short for EG (5 digits; EG numbers have 8 to 10 after +20)"


def test_a_merely_possible_number_is_not_sent() -> None:
    number = phonenumbers.parse("+44 20 7946 095", None)
    assert phonenumbers.is_possible_number(number) and not phonenumbers.is_valid_number(number)
    assert PhoneNormalizer("GB").normalize("+44 20 7946 095").chat_id is None


# --- several numbers in one cell ---------------------------------------------------------

SEVERAL = [
    ("0100 123 4567, 0111 222 3333", "comma"),
    ("0100 123 4567;0111 222 3333", "semicolon, not an extension"),
    ("0100 123 4567 / 0111 222 3333", "slash"),
    ("0100 123 4567\n0111 222 3333", "newline"),
    ("0100 123 4567 | 0111 222 3333", "bar"),
    ("0100 123 4567 or 0111 222 3333", "or"),
    ("0100 123 4567 و 0111 222 3333", "Arabic and"),
    ("0100 123 4567 و0111 222 3333", "Arabic and, attached"),
    ("0100 123 4567 0111 222 3333", "spaces only"),
    ("+20 100 123 4567 +20 111 222 3333", "two international numbers"),
]


@pytest.mark.parametrize(("text", "separator"), SEVERAL)
def test_the_first_of_several_numbers_is_used_and_the_others_named(text: str,
                                                                   separator: str) -> None:
    result = PhoneNormalizer("EG").normalize(text)
    assert result.chat_id == "201001234567@c.us", separator
    assert result.detail.startswith("2 numbers in the cell; used +20 10 01234567, also ")
    assert "222 3333" in result.detail


@pytest.mark.parametrize(("text", "separator"), SEVERAL)
def test_all_numbers_gives_one_result_per_number(text: str, separator: str) -> None:
    results = PhoneNormalizer("EG").normalize_each(text)
    assert [r.chat_id for r in results] == ["201001234567@c.us", "201112223333@c.us"], separator
    assert [r.detail for r in results] == ["number 1 of 2 in the cell", "number 2 of 2 in the cell"]


def test_the_first_valid_number_wins_and_invalid_ones_are_explained() -> None:
    result = PhoneNormalizer("EG").normalize("0100 123, 0111 222 3333")
    assert result.chat_id == "201112223333@c.us"
    assert "also 0100 123 [too short for EG" in result.detail


def test_a_cell_of_invalid_numbers_lists_each_reason() -> None:
    result = PhoneNormalizer("EG").normalize("0100 123, 0100ABC4567")
    assert result.chat_id is None
    assert result.detail.startswith("2 numbers in the cell, none valid: 0100 123 [too short")
    assert "0100ABC4567 [letters in the number]" in result.detail


def test_a_number_repeated_in_its_cell_counts_once() -> None:
    result = PhoneNormalizer("EG").normalize("0100 123 4567, +20 100 123 4567")
    assert result == PhoneNormalizer("EG").normalize("0100 123 4567")
    assert len(PhoneNormalizer("EG").normalize_each("0100 123 4567 / 01001234567")) == 1


# --- regions ------------------------------------------------------------------------------


@pytest.mark.parametrize(("given", "code"), [("EG", "EG"), ("eg", "EG"), (" gb ", "GB"),
                                             (None, None), ("", None)])
def test_region_codes_are_taken_in_any_case(given: str | None, code: str | None) -> None:
    assert check_region(given) == code


@pytest.mark.parametrize("given", ["XX", "EGY", "Egypt", "001", "UK"])
def test_an_unknown_region_code_is_a_config_error(given: str) -> None:
    with pytest.raises(ConfigError, match="unknown region code"):
        PhoneNormalizer(given)


def test_a_number_is_shown_as_people_write_it() -> None:
    assert display_number("201001234567@c.us") == "+20 10 01234567"


def test_unicode_digits_spaces_and_marks_become_ascii() -> None:
    assert ascii_text("\u200f٠١٠٠\u00a0۱۲۳\u2009４５６７") == "0100 123 4567"


# --- the fast parser agrees with phonenumbers ---------------------------------------------


def _reference(digits: str, plus: bool, region: str | None) -> tuple[object, ...]:
    try:
        number = phonenumbers.parse(("+" if plus else "") + digits, region)
    except NumberParseException as exc:
        return ("error", exc.error_type)
    return (number.country_code, phonenumbers.national_significant_number(number),
            phonenumbers.number_type(number), phonenumbers.is_valid_number(number))


def _fast(digits: str, plus: bool, region: str | None) -> tuple[object, ...]:
    try:
        country_code, nsn = parse_digits(digits, plus, region)
    except NumberParseException as exc:
        return ("error", exc.error_type)
    kind = number_type(country_code, nsn)
    return (country_code, nsn, kind, kind != PhoneNumberType.UNKNOWN)


def _digit_forms(region: str) -> list[tuple[str, bool]]:
    forms = []
    for kind in range(12):
        number = phonenumbers.example_number_for_type(region, kind)
        if number is None:
            continue
        nsn = phonenumbers.national_significant_number(number)
        full = f"{number.country_code}{nsn}"
        national = "".join(ch for ch in phonenumbers.format_number(
            number, PhoneNumberFormat.NATIONAL) if ch.isdigit())
        forms += [(full, True), (full, False), (nsn, False), (national, False),
                  ("00" + full, False), ("011" + full, False), (nsn[:-1], False),
                  (nsn + "7", False), (full[:-2], True), ("0" + full, True)]
    return forms


@pytest.mark.parametrize("region", sorted(phonenumbers.SUPPORTED_REGIONS))
def test_the_fast_parser_agrees_with_phonenumbers(region: str) -> None:
    rng = random.Random(region)
    cases = _digit_forms(region)
    code = str(phonenumbers.country_code_for_region(region))
    for _ in range(40):
        length = rng.randint(2, 16)
        digits = "".join(rng.choice("0123456789") for _ in range(length))
        cases += [(digits, False), (code + digits, True), ("0" + digits, False)]
    for digits, plus in cases:
        for default in (region, None, "US"):
            assert _fast(digits, plus, default) == _reference(digits, plus, default), \
                (digits, plus, default)


@pytest.mark.parametrize(("chat_id", "region"), [
    ("201001234567@c.us", "EG"),
    ("447400123456@c.us", "GB"),
    ("966501234567", "SA"),
    ("15550100000@c.us", "US"),   # a fictional 555 number: +1's main region
    ("79161234567@c.us", "RU"),
    ("999@c.us", None),
    ("not-a-number@c.us", None),
])
def test_region_of_chat_id(chat_id, region):
    assert region_of_chat_id(chat_id) == region


@pytest.mark.parametrize(("cell", "chat_id"), [
    # Google Contacts joins the values of one field with " ::: "
    ("+966 50 123 4567 ::: +966 55 765 4321", "966501234567@c.us"),
    # a mobile beats a landline of the same cell, wherever it is written
    ("011 234 5678 ::: 050 123 4567", "966501234567@c.us"),
    ("011 234 5678\n050 123 4567", "966501234567@c.us"),
    # Excel's and Shopify's text marker, on the cell and on each of its numbers
    ("'+966501234567", "966501234567@c.us"),
    ("'011 234 5678 ::: '+966 50 123 4567", "966501234567@c.us"),
])
def test_multi_value_cells_as_exports_write_them(cell, chat_id):
    assert PhoneNormalizer("SA").normalize(cell).chat_id == chat_id


@pytest.mark.parametrize(("cell", "mobile"), [
    ("010 0123 4567", True),                 # an Egyptian mobile
    ("02 2345 6789", False),                 # a Cairo landline
    ("02 2345 6789 ext. 12", False),         # a landline with a note of its own
    ("0100 123 4567 / 02 2345 6789", True),  # the cell's mobile is the one used
    ("+1 201 555 0123", True),               # US: a number that may be a mobile counts as one
])
def test_whether_a_number_is_a_mobile_comes_from_its_type_not_its_words(cell, mobile):
    result = PhoneNormalizer("EG").normalize(cell)
    assert result.mobile is mobile and is_mobile(result) is mobile
    # the words are for people: rewording (or dropping) them changes no decision
    assert is_mobile(result._replace(detail="")) is mobile
