"""Names → firstName / lastName: the split, case, clean-up, length and templates."""

from __future__ import annotations

import pytest

from importer.errors import ColumnError
from importer.normalize.names import (
    MAX_NAME_LENGTH,
    NameTemplate,
    clean,
    cut,
    split_full_name,
    title_case,
)

SPLITS = [
    # plain
    ("John Doe", "John", "Doe"),
    ("Madonna", "Madonna", ""),
    ("John Quincy Adams", "John Quincy", "Adams"),
    ("Mary-Jane O'Neil", "Mary-Jane", "O'Neil"),
    ("Mary-Jane O\u2019Neil", "Mary-Jane", "O\u2019Neil"),
    ("José García Márquez", "José García", "Márquez"),
    ("Zoë Ångström", "Zoë", "Ångström"),
    ("JOHN DOE", "JOHN", "DOE"),  # case is kept as written
    ("john doe", "john", "doe"),
    ("Ed Sheeran", "Ed", "Sheeran"),
    ("Al Pacino", "Al", "Pacino"),  # "Al" as a first word is a name, not an article
    # "Last, First"
    ("Doe, John", "John", "Doe"),
    ("Doe,John", "John", "Doe"),
    ("van der Berg, Jan", "Jan", "van der Berg"),
    ("Doe Jr., John", "John", "Doe Jr."),
    ("O\u2019Brien, Seán", "Seán", "O\u2019Brien"),
    ("Public, John Q.", "John Q.", "Public"),
    # titles, middle names, suffixes: every word kept
    ("Dr. John Q. Public Jr.", "Dr. John Q.", "Public Jr."),
    ("Mr. John Smith", "Mr. John", "Smith"),
    ("Sir Elton John", "Sir Elton", "John"),
    ("John Smith III", "John", "Smith III"),
    ("John Doe, MD", "John", "Doe MD"),
    ("Eng. Tarek Shawky", "Eng. Tarek", "Shawky"),
    ("Mr. and Mrs. Smith", "Mr. and Mrs.", "Smith"),
    ("John & Jane Smith", "John & Jane", "Smith"),
    # particles stay with the last name
    ("Juan de la Cruz", "Juan", "de la Cruz"),
    ("Ludwig van Beethoven", "Ludwig", "van Beethoven"),
    ("Jean-Claude Van Damme", "Jean-Claude", "Van Damme"),
    ("Vincent van Gogh", "Vincent", "van Gogh"),
    ("Leonardo da Vinci", "Leonardo", "da Vinci"),
    ("Charles de Gaulle", "Charles", "de Gaulle"),
    ("Otto von Bismarck", "Otto", "von Bismarck"),
    ("de la Cruz", "de la Cruz", ""),
    # Arabic compound names stay together
    ("Abd El Rahman Ali", "Abd El Rahman", "Ali"),
    ("Mohamed Abdel Aziz", "Mohamed", "Abdel Aziz"),
    ("Ahmed Abdel Rahman Hassan", "Ahmed Abdel Rahman", "Hassan"),
    ("Abdel Rahman", "Abdel Rahman", ""),
    ("Abdul Karim Mansour", "Abdul Karim", "Mansour"),
    ("Abu Bakr Al Siddiq", "Abu Bakr", "Al Siddiq"),
    ("Mohamed El Sayed", "Mohamed", "El Sayed"),
    ("Salah El Din Mohamed", "Salah El Din", "Mohamed"),
    ("Nour Eddin Salem", "Nour Eddin", "Salem"),
    ("Saif Al Islam Gaddafi", "Saif Al Islam", "Gaddafi"),
    ("Nazrul Islam", "Nazrul", "Islam"),  # "Islam" alone is a family name
    ("Mohammed bin Salman Al Saud", "Mohammed bin Salman", "Al Saud"),
    ("Abd El Rahman Ali Jr.", "Abd El Rahman", "Ali Jr."),
    ("محمد أحمد", "محمد", "أحمد"),
    ("محمد عبد الرحمن", "محمد", "عبد الرحمن"),
    ("يوسف عبد الله", "يوسف", "عبد الله"),
    ("نور الدين سالم", "نور الدين", "سالم"),
    ("خالد السيد", "خالد", "السيد"),
    ("أبو بكر الصديق", "أبو بكر", "الصديق"),
    # cannot be split faithfully: the whole name is the first name
    ("毛泽东", "毛泽东", ""),
    ("李 小龙", "李 小龙", ""),
    ("山田 太郎", "山田 太郎", ""),
    ("김 민준", "김 민준", ""),
    ("Alice (Support)", "Alice (Support)", ""),
    ("Bob [Lead]", "Bob [Lead]", ""),
    ('John "Jack" Kennedy', 'John "Jack" Kennedy', ""),
    ("Bob 🚀", "Bob 🚀", ""),
    ("John 😀 Doe", "John 😀 Doe", ""),
    ("Room 12", "Room 12", ""),
    ("Acme Inc. / Sales", "Acme Inc. / Sales", ""),
    # clean-up first
    ("  John \t  Doe ", "John", "Doe"),
    ("John\u00a0Doe", "John", "Doe"),
    ("John\x00 Doe\u200e", "John", "Doe"),
    ("", "", ""),
]


def test_the_name_table_is_wide_enough() -> None:
    assert len(SPLITS) >= 50


@pytest.mark.parametrize(("full", "first", "last"), SPLITS)
def test_a_full_name_is_split_into_first_and_last(full: str, first: str, last: str) -> None:
    assert split_full_name(full) == (first, last)


@pytest.mark.parametrize(("full", "first", "last"), SPLITS)
def test_joining_first_and_last_gives_back_every_word(full: str, first: str, last: str) -> None:
    got_first, got_last = split_full_name(full)
    words = clean(full).replace(",", " ").split()
    assert sorted(f"{got_first} {got_last}".split()) == sorted(words)
    if "," not in full:
        assert f"{got_first} {got_last}".strip() == clean(full)


@pytest.mark.parametrize(("text", "expected"), [
    ("JOHN DOE", "John Doe"),
    ("john doe", "John Doe"),
    ("MARY-JANE O'NEIL", "Mary-Jane O'Neil"),
    ("JUAN DE LA CRUZ", "Juan de la Cruz"),
    ("MCDONALD", "McDonald"),
    ("HENRY VIII", "Henry VIII"),
    ("MOHAMED EL SAYED", "Mohamed El Sayed"),
    ("mohammed bin salman", "Mohammed bin Salman"),
    ("John DOE", "John DOE"),  # mixed case is kept as written
    ("McDonald", "McDonald"),
    ("محمد", "محمد"),  # no case at all
    ("", ""),
])
def test_title_case_fixes_only_all_caps_and_all_lowercase(text: str, expected: str) -> None:
    assert title_case(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("  a \t b\n", "a b"),
    ("a\x00b\x07c\x7f", "abc"),
    ("\u200eJohn\u200f", "John"),
    ("\ufeffJohn", "John"),
    ("Zoë\u00a0Doe", "Zoë Doe"),
    ("محمد\u200cرضا", "محمد\u200cرضا"),  # ZWNJ is part of Persian spelling
    ("👩\u200d💻", "👩\u200d💻"),  # ZWJ joins an emoji
])
def test_clean_removes_control_characters_and_collapses_spaces(text: str, expected: str) -> None:
    assert clean(text) == expected


def test_long_names_are_cut_to_the_limit() -> None:
    assert cut("x" * MAX_NAME_LENGTH) == ("x" * MAX_NAME_LENGTH, False)
    assert cut("x" * (MAX_NAME_LENGTH + 5)) == ("x" * MAX_NAME_LENGTH, True)
    assert cut("ab " * 60)[0] == ("ab " * 60)[:MAX_NAME_LENGTH].rstrip()


# --- templates ----------------------------------------------------------------------------

HEADERS = ["First Name", "Last Name", "Company", "Role", "Phone"]

TEMPLATES = [
    ("{Last Name} - {Company}", ["", "Doe", "Acme", "", ""], "Doe - Acme"),
    ("{Last Name} - {Company}", ["", "Doe", "", "", ""], "Doe"),
    ("{Last Name} - {Company}", ["", "", "Acme", "", ""], "Acme"),
    ("{Last Name} - {Company}", ["", "", "", "", ""], ""),
    ("{First Name} [{Role}]", ["Bob", "", "", "Lead", ""], "Bob [Lead]"),
    ("{First Name} [{Role}]", ["Bob", "", "", "", ""], "Bob"),
    ("{First Name} [{Role}]", ["", "", "", "Lead", ""], "[Lead]"),
    ("{First Name} ({Company})", ["Alice", "", "Acme", "", ""], "Alice (Acme)"),
    ("{Last Name} - {Role} - {Company}", ["", "Doe", "Acme", "", ""], "Doe - Acme"),
    ("- {Role}", ["", "", "", "Support", ""], "- Support"),
    ("- {Role}", ["", "", "", "", ""], ""),
    ("{first name}", ["Ann", "", "", "", ""], "Ann"),  # headers match ignoring case
    ("{3}", ["", "", "Acme", "", ""], "Acme"),  # or by 1-based number
    ("{{VIP}} {Last Name}", ["", "Doe", "", "", ""], "{VIP} Doe"),
    ("Lead", ["", "", "", "", ""], "Lead"),  # no field: the same text for everyone
    ("{Last Name}  -  {Company}", ["", " Doe ", " Acme\n", "", ""], "Doe - Acme"),
]


@pytest.mark.parametrize(("template", "values", "expected"), TEMPLATES)
def test_a_template_composes_a_name_without_dangling_separators(
        template: str, values: list[str], expected: str) -> None:
    assert NameTemplate(template, HEADERS).render(values) == expected


@pytest.mark.parametrize(("template", "message"), [
    ("{Company Name}", "names a column that does not exist: {Company Name}"),
    ("{Last Name", "a '{' without its '}'"),
    ("Last Name}", "a '}' without its '{'"),
    ("{9}", "does not exist"),
])
def test_a_bad_template_is_a_column_error(template: str, message: str) -> None:
    with pytest.raises(ColumnError, match=message.replace("{", r"\{").replace("}", r"\}")):
        NameTemplate(template, HEADERS, option="last_name_format")


def test_a_template_error_names_the_option_and_the_columns() -> None:
    with pytest.raises(ColumnError) as info:
        NameTemplate("{Dept}", HEADERS, option="last_name_format")
    assert str(info.value).startswith("--last-name-format '{Dept}'")
    assert "'First Name', 'Last Name', 'Company', 'Role', 'Phone'" in str(info.value)


@pytest.mark.parametrize("full", [
    "John Doe", "Dr. John Q. Public Jr.", "Juan de la Cruz", "Ludwig van Beethoven",
    "Jean-Claude Van Damme", "Vincent van Gogh", "Leonardo da Vinci", "Otto von Bismarck",
    "John Smith III", "Sir Elton John", "Mr. and Mrs. Smith", "Doe, John", "Doe Jr., John",
    "van der Berg, Jan", "Mary-Jane O'Neil", "John Quincy Adams", "Charles de Gaulle",
])
def test_the_split_agrees_with_nameparser_where_nameparser_is_good(full: str) -> None:
    from nameparser import HumanName

    parsed = HumanName(full)
    first, last = split_full_name(full)
    assert last == " ".join(p for p in (parsed.last, parsed.suffix) if p)
    assert first == " ".join(p for p in (parsed.title, parsed.first, parsed.middle) if p)
