"""Column mapping: header synonyms in several languages and the layouts of common exports."""

from __future__ import annotations

import pytest

from importer.errors import ColumnError
from importer.read import map_columns
from importer.read.columns import header_key, phone_rank
from importer.read.header import find_header

GOOGLE_OLD = ["Name", "Given Name", "Additional Name", "Family Name", "Yomi Name",
              "Given Name Yomi", "Name Prefix", "Name Suffix", "Nickname", "E-mail 1 - Type",
              "E-mail 1 - Value", "Phone 1 - Type", "Phone 1 - Value", "Phone 2 - Type",
              "Phone 2 - Value", "Organization 1 - Name"]
GOOGLE_NEW = ["First Name", "Middle Name", "Last Name", "Phonetic First Name", "Nickname",
              "File As", "E-mail 1 - Label", "E-mail 1 - Value", "Phone 1 - Label",
              "Phone 1 - Value", "Phone 2 - Label", "Phone 2 - Value", "Organization Name"]
OUTLOOK = ["First Name", "Middle Name", "Last Name", "Title", "Company", "Business Fax",
           "Business Phone", "Business Phone 2", "Home Phone", "Home Fax", "Mobile Phone",
           "Pager", "E-mail Address", "Notes"]
HUBSPOT = ["Record ID", "First Name", "Last Name", "Email", "Phone Number",
           "Mobile Phone Number", "Lifecycle Stage"]
SALESFORCE = ["Id", "FirstName", "LastName", "Phone", "MobilePhone", "HomePhone", "Fax",
              "Email"]
IPHONE = ["Full Name", "iPhone", "Home", "Work", "Email"]
ANDROID_VCF = ["Display Name", "Cell", "Home Phone", "TEL;TYPE=CELL"]


def mapped(headers: list[str]) -> tuple[str | None, ...]:
    cols = map_columns(headers)

    def name(index: int | None) -> str | None:
        return None if index is None else headers[index]

    return (name(cols.phone), name(cols.first_name), name(cols.last_name), name(cols.name))


@pytest.mark.parametrize(("headers", "expected"), [
    (GOOGLE_OLD, ("Phone 1 - Value", "Given Name", "Family Name", "Name")),
    (GOOGLE_NEW, ("Phone 1 - Value", "First Name", "Last Name", None)),
    (OUTLOOK, ("Mobile Phone", "First Name", "Last Name", None)),
    (HUBSPOT, ("Mobile Phone Number", "First Name", "Last Name", None)),
    (SALESFORCE, ("MobilePhone", "FirstName", "LastName", None)),
    (IPHONE, ("iPhone", None, None, "Full Name")),
    (ANDROID_VCF, ("Cell", None, None, "Display Name")),
], ids=["google-old", "google-new", "outlook", "hubspot", "salesforce", "iphone", "android"])
def test_export_layouts(headers, expected):
    assert mapped(headers) == expected


@pytest.mark.parametrize(("headers", "expected"), [
    # English
    (["Name", "Phone"], ("Phone", None, None, "Name")),
    (["Full name", "Tel."], ("Tel.", None, None, "Full name")),
    (["Name", "Surname", "Cell phone"], ("Cell phone", "Name", "Surname", None)),
    # Spanish
    (["Nombre", "Apellidos", "Teléfono"], ("Teléfono", "Nombre", "Apellidos", None)),
    (["Nombre completo", "Teléfono móvil"], ("Teléfono móvil", None, None, "Nombre completo")),
    (["NOMBRE", "CELULAR", "TELÉFONO FIJO"], ("CELULAR", None, None, "NOMBRE")),
    # Portuguese
    (["Nome", "Sobrenome", "Celular"], ("Celular", "Nome", "Sobrenome", None)),
    (["Nome completo", "Telemóvel"], ("Telemóvel", None, None, "Nome completo")),
    (["Nome", "Telefone", "Número do WhatsApp"], ("Número do WhatsApp", None, None, "Nome")),
    # French
    (["Prénom", "Nom", "Téléphone portable"], ("Téléphone portable", "Prénom", "Nom", None)),
    (["Nom", "Numéro de téléphone"], ("Numéro de téléphone", None, None, "Nom")),
    (["Nom complet", "Tél. fixe", "Portable"], ("Portable", None, None, "Nom complet")),
    # Arabic (with and without hamza, taa marbuta, diacritics)
    (["الاسم", "رقم الجوال"], ("رقم الجوال", None, None, "الاسم")),
    (["الاسم الأول", "اسم العائلة", "رقم الهاتف"], ("رقم الهاتف", "الاسم الأول", "اسم العائلة",
                                                   None)),
    (["الإسم", "الهاتف", "واتساب"], ("واتساب", None, None, "الإسم")),
    (["اسم العميل", "موبايل"], ("موبايل", None, None, "اسم العميل")),
    # German and Turkish come free
    (["Vorname", "Nachname", "Handy"], ("Handy", "Vorname", "Nachname", None)),
])
def test_languages(headers, expected):
    assert mapped(headers) == expected


@pytest.mark.parametrize(("headers", "chosen"), [
    (["Phone", "Mobile", "WhatsApp"], "WhatsApp"),
    (["Phone", "Mobile"], "Mobile"),
    (["Home Phone", "Business Phone"], "Home Phone"),
    (["Landline", "Phone"], "Phone"),
    (["Number", "Phone"], "Phone"),
    (["Number"], "Number"),
    (["WA Number", "Mobile"], "WA Number"),
    (["Phone 1 - Value", "Phone 2 - Value", "Mobile"], "Mobile"),
])
def test_phone_preference(headers, chosen):
    assert headers[map_columns(headers).phone] == chosen


@pytest.mark.parametrize("header", [
    "Phone 1 - Type", "Phone 1 - Label", "Business Fax", "Pager", "Phone Verified",
    "Mobile Opt-in", "Country Code", "Phone Ext", "WhatsApp Name", "Email", "Hotel",
    "Cancellation", "Automobile", "CEP", "No.", "Código de área del teléfono",
])
def test_headers_that_are_not_the_phone(header):
    assert phone_rank(header) is None


def test_the_choice_and_alternatives_are_explained():
    headers = ["Name", "Phone", "Mobile", "WhatsApp"]
    cols = map_columns(headers)
    assert cols.phone_reason == "its header says WhatsApp"
    # beside a mobile column, a bare "Phone" is a CRM's office line: it comes last
    assert [headers[i] for i in cols.phone_alternatives] == ["Mobile", "Phone"]
    assert cols.describe(headers) == (
        "phone 'WhatsApp' (its header says WhatsApp; where it is empty or invalid, a row uses "
        "'Mobile' (says mobile), 'Phone' (says only phone: beside a mobile, often an office "
        "line)), full name 'Name'")


def test_phone_columns_with_label_columns_are_not_called_close():
    headers = ["Given Name", "Family Name", "Phone 1 - Type", "Phone 1 - Value",
               "Phone 2 - Type", "Phone 2 - Value"]
    cols = map_columns(headers)
    assert headers[cols.phone] == "Phone 1 - Value"
    # the label columns say per row which number is the mobile
    assert cols.phone_reason == "its header says phone, and none says WhatsApp or mobile"
    text = cols.describe(headers)
    assert "where it is empty or invalid, a row uses 'Phone 2 - Value'" in text
    assert "first name 'Given Name', last name 'Family Name'" in text


def test_first_and_last_win_over_full_name_in_the_description():
    headers = ["Name", "Given Name", "Family Name", "Mobile"]
    assert map_columns(headers).describe(headers).endswith(
        "full name where those are empty 'Name'")


@pytest.mark.parametrize(("spec", "index"), [("Tel", 1), ("tel", 1), ("2", 1), ("3", 2),
                                             ("  TEL ", 1)])
def test_explicit_columns_by_header_or_number(spec, index):
    cols = map_columns(["Who", "Tel", "Other"], phone=spec, name="1")
    assert cols.phone == index
    assert cols.name == 0
    assert cols.phone_reason == "as asked"


def test_a_header_that_is_a_number_wins_over_the_position():
    assert map_columns(["Name", "1", "Phone"], phone="1").phone == 1


def test_explicit_name_columns_switch_off_name_guessing():
    cols = map_columns(["First Name", "Last Name", "Alias", "Phone"], first_name="Alias")
    assert (cols.first_name, cols.last_name, cols.name) == (2, None, None)


def test_missing_phone_column_names_the_columns_found():
    with pytest.raises(ColumnError, match=r"no phone column found; the columns are: 'Name', "
                                          r"'Email'\. Name it with --phone-column"):
        map_columns(["Name", "Email"])


@pytest.mark.parametrize("spec", ["Nope", "7"])
def test_unknown_explicit_column_names_the_columns_found(spec):
    with pytest.raises(ColumnError, match=r"phone column .* the columns are|out of range"):
        map_columns(["Name", "Tel"], phone=spec)


def test_header_key_folds_case_accents_punctuation_and_arabic_forms():
    assert header_key("  TÉLÉPHONE-Portable ") == "telephone portable"
    assert header_key("Phone #1") == "phone 1"
    assert header_key("الإسم") == header_key("الاسم")
    assert header_key("اسم العائلة") == header_key("اسم العائله")
    assert header_key("الهَاتِف") == "الهاتف"


def rows(*cells: list[str]) -> list[tuple[int, list[str]]]:
    return [(i, list(c)) for i, c in enumerate(cells, start=1)]


@pytest.mark.parametrize(("sample", "index"), [
    (rows(["Name", "Phone"], ["Ann", "0100"]), 0),
    (rows(["Contacts"], ["Exported 2024-05-01 10:00"], ["Name", "Phone"], ["Ann", "0100"]), 2),
    (rows(["Phone list"], ["Name", "Mobile"], ["Ann", "0100"]), 1),
    (rows(["Report", "2024-05-01"], ["Who", "Where", "Contact"], ["Ann", "Cairo", "01001234567"]),
     1),
    (rows(["Phone"], ["0100"], ["0111"]), 0),
    (rows(["0100123456", "Ann"], ["0111123456", "Bob"]), 0),
])
def test_find_header(sample, index):
    assert find_header(sample) == index


@pytest.mark.parametrize(("sample", "index"), [
    # a header narrower than the rows below it
    (rows(["Phone"], ["+201001234567", "Ann", "x"], ["+201001234568", "Bob", "y"]), 0),
    (rows(["Name", "Phone"], ["Ann", "+201001234567", "a", "b", "c", "d"],
          ["Bob", "+201001234568", "a", "b", "c", "d"]), 0),
    # a multi-line title or note that says "phone" above the header
    (rows(["Exported from the CRM\nPhone list of customers"], ["Name", "Mobile", "Email"],
          ["Ann", "0100", "a@b.c"]), 1),
    (rows(["Contacts", "Call me\nPhone: 0100 123 4567"], ["Name", "Phone"], ["Ann", "0100"]), 1),
    (rows(["Phone list"], ["Name", "Mobile"], ["Ann", "0100"]), 1),
])
def test_find_header_in_a_ragged_file(sample, index):
    assert find_header(sample) == index


@pytest.mark.parametrize(("header", "rank"), [
    # German, Dutch, Italian, Spanish, Portuguese, French, Turkish, Indonesian, Russian, Arabic
    ("Mobiltelefon", 1), ("Handy", 1), ("Mobilnummer", 1), ("Mobiel", 1), ("GSM", 1),
    ("Cellulare", 1), ("Móvil", 1), ("Celular", 1), ("Telemóvel", 1), ("Portable", 1),
    ("Cep Telefonu", 1), ("Ponsel", 1), ("No HP", 1), ("Мобильный телефон", 1),
    ("جوال", 1), ("موبايل", 1), ("محمول", 1), ("رقم الهاتف", 2),
    ("Telefoonnummer", 2), ("Номер телефона", 2), ("Telefon geschäftlich", 4),
    # API names run together, camelCase, underscores and Salesforce custom fields
    ("MOBILEPHONE", 1), ("MobilePhone", 1), ("mobile_phone", 1), ("Phone__c", 2),
    ("WHATSAPP_NUMBER__C", 0), ("billing_phone", 2), ("Person - Phone - Mobile", 1),
    ("SMS", 1), ("LANDLINE_NUMBER", 3),
    # whose phone it is: the contact's own mobile, phone, home and work lines
    ("Mobile Phone", 1), ("Primary Phone", 2), ("Home Phone", 3), ("Home Phone 2", 3),
    ("Car Phone", 3), ("Other Phone", 3), ("Business Phone", 4), ("Business Phone 2", 4),
    ("Company Main Phone", 4), ("Your WhatsApp number?", 0), ("What's your phone number?", 2),
])
def test_phone_headers_in_many_languages_and_api_spellings(header, rank):
    assert phone_rank(header) == rank


@pytest.mark.parametrize("header", ["Accepts SMS Marketing", "Person - Marketing consent phone",
                                    "HP", "Cep"])
def test_more_headers_that_are_not_the_phone(header):
    assert phone_rank(header) is None


@pytest.mark.parametrize(("headers", "first", "last"), [
    (["billing_first_name", "billing_last_name", "billing_phone"], 0, 1),
    (["FIRSTNAME", "LASTNAME", "SMS"], 0, 1),
    (["Voornaam", "Achternaam", "Mobiel"], 0, 1),
    (["Имя", "Фамилия", "Телефон"], 0, 1),
    (["Person - First name", "Person - Last name", "Person - Phone - Mobile"], 0, 1),
])
def test_name_columns_of_more_layouts(headers, first, last):
    cols = map_columns(headers)
    assert (cols.first_name, cols.last_name) == (first, last)
