"""The phone and name columns chosen on evidence (issue 23), on the exports that fooled the
content score: each trap is run through the real command as a dry run, which proves the chat
ID every row would get."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import openpyxl
import pytest

from importer.cli import main
from importer.normalize import PhoneNormalizer
from importer.read import map_columns
from importer.read.columns import never_phone, phone_rank
from importer.read.scoring import is_date, written_like_phone


def run(tmp_path: Path, path: Path, *args: str) -> tuple[int, str, dict[str, dict[str, str]]]:
    err = io.StringIO()
    results = tmp_path / "results.csv"
    code = main([str(path), *args, "--dry-run", "--no-progress", "--results", str(results)],
                env={}, out=io.StringIO(), err=err)
    rows: dict[str, dict[str, str]] = {}
    if results.exists():
        with results.open(encoding="utf-8-sig", newline="") as f:
            rows = {r["row"]: r for r in csv.DictReader(f)}
    return code, err.getvalue(), rows


def write_csv(path: Path, rows: list[list[str]], delimiter: str = ",") -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f, delimiter=delimiter).writerows(rows)
    return path


def chat_ids(rows: dict[str, dict[str, str]]) -> dict[str, str]:
    return {number: row["chat_id"] for number, row in rows.items()}


# --- a phone source is a phone column -------------------------------------------------------


@pytest.mark.parametrize(("header", "why"), [
    ("ID Number", "an ID"), ("Record ID", "an ID"), ("Customer ID", "an ID"),
    ("TC Kimlik No", "an ID"), ("Member No.", "a number of something"),
    ("No.", "a number of something"), ("#", "a number of something"),
    ("Sıra No", "a number of something"), ("Account Number", "an account"),
    ("Order Count", "a count"), ("Number of orders", "a count"), ("Amount", "an amount"),
    ("Total Spent", "an amount"), ("ZIP", "a postcode"), ("Postcode", "a postcode"),
    ("Postal Code", "a postcode"), ("CEP", "a postcode"), ("Joined", "a date"),
    ("Date of birth", "a date"), ("Created", "a date"), ("Year", "a date"),
    ("Doğum Tarihi", "a date"),
    ("Assistant's Phone", "someone else's"), ("Manager's phone", "someone else's"),
    ("Spouse", "someone else's"), ("Emergency contact phone", "someone else's"),
    ("Parent/Guardian mobile", "someone else's"), ("Father's mobile", "someone else's"),
    ("Referrer phone", "someone else's"), ("Fax", "a fax"), ("Business Fax", "a fax"),
    ("Pager", "a fax"), ("Telex", "a fax"), ("TTY/TDD Phone", "a fax"), ("Callback", "a fax"),
    ("ISDN", "a fax"), ("Radio Phone", "a fax"), ("Asst. Phone", "someone else's"),
    ("Phone 1 DNC", "something other than the number"),
])
def test_headers_that_are_never_a_phone_source(header, why):
    assert why in never_phone(header)
    assert phone_rank(header) is None


@pytest.mark.parametrize(("header", "rank"), [
    ("WhatsApp", 0), ("Your WhatsApp number?", 0), ("Mobile Phone", 1), ("Cell", 1),
    ("Cep Telefonu", 1), ("Work Mobile", 1), ("Phone", 2), ("Phone 2", 2), ("Téléphone", 2),
    ("Primary Phone", 2), ("What's your phone number?", 2), ("Home Phone", 3),
    ("Telefon privat", 3), ("Festnetz", 3), ("Other Phone", 3), ("Car Phone", 3),
    ("Default Address Phone", 3), ("Business Phone", 4), ("Company Main Phone", 4),
    ("Telefon geschäftlich", 4), ("Teléfono oficina", 4), ("Number", 5),
    ("Text Reminder Number", 1), ("Text Number", 1),
])
def test_the_kind_of_phone_a_header_names(header, rank):
    assert phone_rank(header) == rank
    assert never_phone(header) is None


@pytest.mark.parametrize("text", ["2021-04-01", "2021-04-01 00:00:00", "01/04/2021",
                                  "1.4.2021", "04-01-2021", "1/4/21", "10:30:00"])
def test_dates_as_readers_and_people_write_them(text):
    assert is_date(text)


@pytest.mark.parametrize("text", ["0100-123-4567", "12-34-5678", "0712 345 678", "20456781"])
def test_numbers_that_are_not_dates(text):
    assert not is_date(text)


KE = PhoneNormalizer("KE").bare_lengths


@pytest.mark.parametrize(("text", "written"), [
    ("+254712345678", True), ("00254712345678", True), ("0712345678", True),
    ("712 345 678", True), ("(0712) 345-678", True), ("712345678", True),
    ("254712345678", True), ("tel:+254712345678", True), ("'0712345678", True),
    ("20456781", False), ("20210401", False), ("4876876000000323001", False),
    ("2021-04-01", False), ("12345", False), ("Ann 0712345678", False),
])
def test_written_like_a_phone_number(text, written):
    assert written_like_phone(text, KE) is written


def test_a_phone_header_anywhere_keeps_unnamed_columns_out():
    headers = ["Name", "Phone", "Column C"]
    sample = [["Ann", "", "+254 712 345 678"], ["Bob", "", "+254 712 345 679"]]
    cols = map_columns(headers, sample=sample, judge=PhoneNormalizer("KE").classify,
                       bare_lengths=KE)
    assert (cols.phone, cols.phone_alternatives) == (1, ())


@pytest.mark.parametrize(("headers", "first", "last", "full"), [
    (["What's your first name?", "And your surname?", "Phone"], 0, 1, None),
    (["Your full name", "Phone"], None, None, 0),
    (["¿Cuál es tu nombre?", "Teléfono"], None, None, 0),
    (["Qual é o seu nome?", "Celular"], None, None, 0),
    (["Nome completo", "Celular"], None, None, 0),
    (["Adı Soyadı", "Cep Telefonu"], None, None, 0),
    (["Ad Soyad", "Cep Telefonu"], None, None, 0),
    (["Adınız", "Soyadınız", "Cep Telefonu"], 0, 1, None),
    (["Adınız", "Cep Telefonu"], None, None, 0),
    (["Member", "Phone"], None, None, 0),
    (["Member Name", "Phone"], None, None, 0),
    (["Participant", "Mobile"], None, None, 0),
    (["Owner 1 First Name", "Owner 1 Last Name", "Phone 1"], 0, 1, None),
    (["User Name", "Invitee Name", "Invitee First Name", "Invitee Last Name",
      "Text Reminder Number"], 2, 3, 1),
    (["Spouse First Name", "Spouse Last Name", "Mobile"], None, None, None),
    (["Account Name", "Mobile"], None, None, None),
])
def test_name_headers_as_people_write_them(headers, first, last, full):
    cols = map_columns(headers)
    assert (cols.first_name, cols.last_name, cols.name) == (first, last, full)


def test_of_two_name_columns_the_one_filled_in_is_taken():
    # an anonymous Microsoft Forms export: "Name" is empty, the "Full name" question is not
    headers = ["ID", "Name", "Full name", "Mobile number"]
    sample = [["1", "", "Chinedu Okafor", "0803 123 4567"], ["2", "", "Aisha Bello", ""]]
    judge = PhoneNormalizer("NG").classify
    assert map_columns(headers, sample=sample, judge=judge).name == 2
    assert map_columns(headers).name == 1  # nothing to go by: the first so named


def test_nickname_and_company_are_last_resorts_in_the_plan():
    headers = ["Nickname", "Organization Name", "Mobile"]
    cols = map_columns(headers)
    assert (cols.name, cols.nickname, cols.company) == (None, 0, 1)
    assert cols.describe(headers).endswith(
        "nickname 'Nickname' (no name column), company 'Organization Name' where a row has no "
        "name nor nickname")


def test_a_role_column_of_codes_is_not_taken_for_names():
    headers = ["Customer", "Mobile"]
    judge = PhoneNormalizer("EG").classify
    codes = [["C-1001", "0100 123 4567"], ["C-1002", "0100 123 4568"]]
    assert map_columns(headers, sample=codes, judge=judge).name is None
    people = [["Mona Adel", "0100 123 4567"], ["Karim Nabil", "0100 123 4568"]]
    assert map_columns(headers, sample=people, judge=judge).name == 0


def test_a_city_column_is_not_taken_for_names():
    headers = ["City", "Mobile"]
    sample = [["New York", "+1 212 555 0101"], ["San Diego", "+1 212 555 0102"]]
    cols = map_columns(headers, sample=sample, judge=PhoneNormalizer("US").classify)
    assert cols.name is None

CLUB = ["No.", "Member", "ID Number", "Phone", "Joined"]


def test_club_register_rows_without_a_phone_are_invalid_never_an_id_or_a_date(tmp_path):
    path = write_csv(tmp_path / "club.csv", [
        CLUB,
        ["1", "Wanjiku Kamau", "20456781", "0712 345 678", "2021-04-01"],
        ["2", "Otieno Odhiambo", "20456782", "", "2021-04-01"],
        ["3", "Achieng Atieno", "20456783", "+254 733 456 789", "01/04/2021"],
        ["4", "Kiprop Cheruiyot", "", "", "1.4.2021"],
    ])
    code, err, rows = run(tmp_path, path, "--default-region", "KE")
    assert code == 1
    assert chat_ids(rows) == {"2": "254712345678@c.us", "3": "", "4": "254733456789@c.us",
                              "5": ""}
    assert rows["3"]["detail"] == "phone: no phone number"
    assert (rows["2"]["first_name"], rows["2"]["last_name"]) == ("Wanjiku", "Kamau")
    assert "phone 'Phone' (its header says phone" in err
    assert "'ID Number' is never a phone source: its header names an ID" in err
    assert "'Joined' is never a phone source: its header names a date" in err
    assert "full name 'Member'" in err


def test_typed_dates_and_ids_in_a_workbook_are_never_phone_sources(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Member No.", "Member Name", "Phone", "Since"])
    sheet.append([20456781, "Wanjiku Kamau", "0712345678", dt.datetime(2021, 4, 1)])
    sheet.append([20456782, "Otieno Odhiambo", None, dt.datetime(2021, 4, 1)])
    book.save(tmp_path / "club.xlsx")
    code, err, rows = run(tmp_path, tmp_path / "club.xlsx", "--default-region", "KE")
    assert code == 1
    assert chat_ids(rows) == {"2": "254712345678@c.us", "3": ""}
    assert "'Member No.' is never a phone source: its header names a number of something" in err
    assert "full name 'Member Name'" in err


def test_unnamed_date_and_id_columns_are_never_phone_sources(tmp_path):
    """No header says phone: a column is admitted only when its cells are written like
    phone numbers; IDs and dates that would parse are not."""
    path = write_csv(tmp_path / "list.csv", [
        ["Column A", "Column B", "Column C", "Column D"],
        *[[f"Person {i}", f"2045678{i}", f"2021-04-0{i + 1}", f"0712 345 67{i}"]
          for i in range(5)],
    ])
    code, err, rows = run(tmp_path, path, "--default-region", "KE")
    assert code == 0, err
    assert "phone 'Column D' (no header says phone, but 100 % of its filled cells" in err
    assert chat_ids(rows)["2"] == "254712345670@c.us"
    only_ids = write_csv(tmp_path / "ids.csv", [["Who", "Column B", "Column C"],
                                                *[[f"P {i}", f"2045678{i}", f"2021-04-0{i + 1}"]
                                                  for i in range(5)]])
    code, err, _ = run(tmp_path, only_ids, "--default-region", "KE")
    assert code == 2
    assert "no phone column found" in err
    assert "'Column C' is never a phone source: its cells are dates" in err


# --- the person's own mobile first ---------------------------------------------------------


def test_us_crm_takes_the_mobile_and_the_fuller_office_line_only_where_it_is_empty(tmp_path):
    path = write_csv(tmp_path / "crm.csv", [
        ["First Name", "Last Name", "Company", "Phone", "Mobile", "Email"],
        ["Ann", "Lee", "Acme", "(212) 555-0101", "(917) 555-0111", "ann@acme.com"],
        ["Bob", "Ray", "Acme", "(212) 555-0102", "", "bob@acme.com"],
        ["Cy", "Poe", "Acme", "(212) 555-0103", "(646) 555-0133", "cy@acme.com"],
        ["Di", "Fox", "Acme", "(212) 555-0104", "", "di@acme.com"],
    ])
    code, err, rows = run(tmp_path, path, "--default-region", "US")
    assert code == 0, err
    assert chat_ids(rows) == {"2": "19175550111@c.us", "3": "12125550102@c.us",
                              "4": "16465550133@c.us", "5": "12125550104@c.us"}
    assert rows["3"]["detail"] == "phone: used 'Phone': 'Mobile' is empty"
    assert ("phone 'Mobile' (its header says mobile, and none says WhatsApp; where it is "
            "empty or invalid, a row uses 'Phone' (says only phone: beside a mobile, often an "
            "office line))") in err


ZOHO = ["Record Id", "Contact Owner", "First Name", "Last Name", "Account Name", "Email",
        "Phone", "Home Phone", "Mobile", "Other Phone", "Fax", "Date of Birth", "Created Time"]


def test_zoho_phone_and_mobile(tmp_path):
    def row(record: str, first: str, phone: str, mobile: str) -> list[str]:
        values = {"Record Id": record, "First Name": first, "Last Name": "Shah",
                  "Phone": phone, "Mobile": mobile, "Fax": "+91 22 4000 0000",
                  "Date of Birth": "1990-01-02", "Created Time": "2024-03-01 10:00:00"}
        return [values.get(h, "") for h in ZOHO]

    path = write_csv(tmp_path / "zoho.csv", [
        ZOHO, row("4876876000000323001", "Ravi", "022 4000 1234", "98200 12345"),
        row("4876876000000323002", "Meera", "022 4000 1235", "")])
    code, err, rows = run(tmp_path, path, "--default-region", "IN")
    assert code == 0, err
    assert chat_ids(rows) == {"2": "919820012345@c.us", "3": "912240001235@c.us"}
    assert "phone 'Mobile' (its header says mobile" in err
    # the order of the headers, not of how full the columns are
    assert ("a row uses 'Home Phone', 'Other Phone' (says home or another own line), 'Phone' "
            "(says only phone: beside a mobile, often an office line)") in err
    assert "'Record Id'" not in err  # never a source, and not a column one would expect
    assert "'Fax' is never a phone source: it is a fax, pager or other device" in err


OUTLOOK = ["First Name", "Last Name", "Company", "Assistant's Phone", "Business Fax",
           "Business Phone", "Business Phone 2", "Callback", "Car Phone", "Company Main Phone",
           "Home Fax", "Home Phone", "Home Phone 2", "ISDN", "Mobile Phone", "Other Fax",
           "Other Phone", "Pager", "Primary Phone", "Radio Phone", "TTY/TDD Phone", "Telex",
           "Spouse", "E-mail Address"]


def test_outlook_assistants_phone_is_never_the_contacts_number(tmp_path):
    def row(first: str, **phones: str) -> list[str]:
        values = {"First Name": first, "Last Name": "Doe", **phones}
        return [values.get(h, "") for h in OUTLOOK]

    path = write_csv(tmp_path / "outlook.csv", [
        OUTLOOK,
        row("Ann", **{"Assistant's Phone": "+44 20 7946 0001", "Mobile Phone": ""}),
        row("Bob", **{"Assistant's Phone": "+44 20 7946 0002", "Mobile Phone": "07911 123456"}),
        row("Cy", **{"Assistant's Phone": "+44 20 7946 0003", "Spouse": "07700 900999",
                     "Business Phone": "+44 20 7946 0103"}),
    ])
    code, err, rows = run(tmp_path, path, "--default-region", "GB")
    assert code == 1
    assert chat_ids(rows) == {"2": "", "3": "447911123456@c.us", "4": "442079460103@c.us"}
    assert rows["2"]["detail"] == "phone: no phone number"
    assert "phone 'Mobile Phone' (its header says mobile" in err
    assert "\"Assistant's Phone\" is never a phone source: it is someone else's number" in err
    listed = err.split("a row uses ", 1)[1].split("; \"Assistant's", 1)[0]
    for header in ("Assistant's Phone", "Fax", "Callback", "ISDN", "Pager", "Radio",
                   "TTY/TDD", "Telex", "Spouse"):
        assert header not in listed
    assert all(f"'{h}'" in listed for h in (
        "Primary Phone", "Home Phone", "Home Phone 2", "Car Phone", "Other Phone",
        "Business Phone", "Business Phone 2", "Company Main Phone"))
    assert listed.index("'Primary Phone'") < listed.index("'Home Phone'") < listed.index(
        "'Business Phone'")


def test_two_mobile_columns_are_close_and_the_plan_says_how_to_pin(tmp_path):
    path = write_csv(tmp_path / "c.csv", [["Name", "Mobile 1", "Mobile 2"],
                                          ["Ann", "0100 123 4567", "0111 222 3333"]])
    code, err, rows = run(tmp_path, path, "--default-region", "EG")
    assert code == 0, err
    assert ("'Mobile 1' and 'Mobile 2' are close (the same kind of number), so the first is "
            "used: --phone-column NAME pins one (repeat it for a fallback order)") in err
    assert rows["2"]["chat_id"] == "201001234567@c.us"


def test_repeated_phone_column_gives_the_fallback_order(tmp_path):
    path = write_csv(tmp_path / "c.csv", [["Name", "Mobile", "Home", "Work"],
                                          ["Ann", "", "0100 111 2222", "0111 333 4444"],
                                          ["Bob", "0122 777 8888", "", "0100 555 6666"]])
    code, err, rows = run(tmp_path, path, "--default-region", "EG", "--phone-column", "Work",
                          "--phone-column", "Mobile")
    assert code == 0, err
    assert chat_ids(rows) == {"2": "201113334444@c.us", "3": "201005556666@c.us"}
    # one --phone-column: that column alone
    code, err, rows = run(tmp_path, path, "--default-region", "EG", "--phone-column", "Mobile")
    assert chat_ids(rows) == {"2": "", "3": "201227778888@c.us"}
    # a config file's list, and the command line replacing it
    config = tmp_path / "c.toml"
    config.write_text('phone-column = ["Home", "Work"]\n', encoding="utf-8")
    code, err, rows = run(tmp_path, path, "--default-region", "EG", "--config", str(config))
    assert chat_ids(rows) == {"2": "201001112222@c.us", "3": "201005556666@c.us"}
    code, err, rows = run(tmp_path, path, "--default-region", "EG", "--config", str(config),
                          "--phone-column", "Mobile")
    assert chat_ids(rows) == {"2": "", "3": "201227778888@c.us"}


# --- names found as a person would ----------------------------------------------------------


def test_typeform_answers_with_question_headers(tmp_path):
    path = write_csv(tmp_path / "typeform.csv", [
        ["#", "What's your first name?", "And your surname?", "Your WhatsApp number?",
         "What's your email?", "How many guests will you bring?", "Submitted At", "Token"],
        ["1", "Priya", "Nair", "+91 98200 12345", "p@x.in", "2", "2024-05-01 10:00:00",
         "a1b2c3"],
        ["2", "Arjun", "Menon", "09820012346", "a@x.in", "1", "2024-05-01 11:00:00", "d4e5f6"],
    ])
    code, err, rows = run(tmp_path, path, "--default-region", "IN")
    assert code == 0, err
    assert [(r["chat_id"], r["first_name"], r["last_name"]) for r in rows.values()] == [
        ("919820012345@c.us", "Priya", "Nair"), ("919820012346@c.us", "Arjun", "Menon")]
    assert ("first name \"What's your first name?\", last name 'And your surname?'"
            in err)


def test_google_forms_answers(tmp_path):
    path = write_csv(tmp_path / "forms.csv", [
        ["Timestamp", "Email Address", "Your full name", "Phone number", "Number of tickets"],
        ["5/1/2024 10:00:00", "a@x.com", "Ana Souza", "(11) 98765-4321", "12"],
        ["5/1/2024 10:05:00", "b@x.com", "Bruno Lima", "", "3"],
    ])
    code, err, rows = run(tmp_path, path, "--default-region", "BR")
    assert code == 1
    assert chat_ids(rows) == {"2": "5511987654321@c.us", "3": ""}
    assert (rows["2"]["first_name"], rows["2"]["last_name"]) == ("Ana", "Souza")
    assert "full name 'Your full name'" in err


def test_turkish_libreoffice_sheet(tmp_path):
    path = write_csv(tmp_path / "liste.csv", [
        ["Sıra No", "Adı Soyadı", "TC Kimlik No", "Cep Telefonu", "Doğum Tarihi"],
        ["1", "Ayşe Yılmaz", "12345678950", "0532 123 45 67", "01.04.1990"],
        ["2", "Mehmet Demir", "12345678951", "", "02.05.1985"],
        ["3", "Zeynep Kaya", "12345678952", "+90 533 765 43 21", "03.06.1992"],
    ], delimiter=";")
    code, err, rows = run(tmp_path, path, "--default-region", "TR")
    assert code == 1
    assert chat_ids(rows) == {"2": "905321234567@c.us", "3": "", "4": "905337654321@c.us"}
    assert (rows["2"]["first_name"], rows["2"]["last_name"]) == ("Ayşe", "Yılmaz")
    assert "phone 'Cep Telefonu' (its header says mobile" in err
    assert "full name 'Adı Soyadı'" in err


YAHOO = ["First", "Middle", "Last", "Nickname", "Email", "Home", "Work", "Pager", "Fax",
         "Mobile", "Other", "Yahoo! Phone", "Primary", "Company"]


def test_nickname_then_company_for_a_row_without_a_name(tmp_path):
    def row(**values: str) -> list[str]:
        return [values.get(h, "") for h in YAHOO]

    path = write_csv(tmp_path / "yahoo.csv", [
        YAHOO,
        row(First="Ann", Last="Lee", Mobile="+1 415 555 0101", Work="+1 415 555 0199"),
        row(Nickname="Bobby", Home="+1 415 555 0102", Company="Acme"),
        row(Company="Acme Plumbing", Work="+1 415 555 0103"),
        row(Work="+1 415 555 0104"),
    ])
    code, err, rows = run(tmp_path, path, "--default-region", "US")
    assert code == 1
    assert [(r["chat_id"], r["first_name"]) for r in rows.values()] == [
        ("14155550101@c.us", "Ann"), ("14155550102@c.us", "Bobby"),
        ("14155550103@c.us", "Acme Plumbing"), ("14155550104@c.us", "")]
    assert "name: none in the row, its nickname ('Nickname') is used" in rows["3"]["detail"]
    assert "name: none in the row, its company ('Company') is used" in rows["4"]["detail"]
    assert rows["5"]["status"] == "invalid"
    assert ("first name 'First', last name 'Last', nickname 'Nickname' where a row has no "
            "name, company 'Company' where a row has no name nor nickname") in err


def test_a_column_of_peoples_names_under_a_header_that_does_not_say_name(tmp_path):
    path = write_csv(tmp_path / "c.csv", [
        ["City", "Who", "Mobile"],
        ["Cairo", "Mona Adel", "0100 123 4567"],
        ["Cairo", "Karim Nabil", "0111 222 3333"],
        ["Giza", "Salma Ali", "0122 333 4444"],
    ])
    code, err, rows = run(tmp_path, path, "--default-region", "EG")
    assert code == 0, err
    assert [r["first_name"] for r in rows.values()] == ["Mona", "Karim", "Salma"]
    assert "full name 'Who' (no header says name, but its cells read as people's names)" in err
