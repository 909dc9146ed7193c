"""Write samples/contacts.xlsx and samples/contacts.csv: about 50 rows with real-world mess.

Run `python scripts/make_samples.py` to regenerate; the files are committed.
"""

from __future__ import annotations

import csv
from pathlib import Path

from openpyxl import Workbook

HEADERS = ["Name", "Mobile", "Company", "Email", "Notes"]

# (name, phone, company, email, notes); a phone given as int is stored by Excel as a number.
ROWS: list[tuple[str, object, str, str, str]] = [
    ("Ahmed Hassan", "0100 123 4567", "Nile Traders", "ahmed@niletraders.example", ""),
    ("Mona El-Sayed", "+20 111 234 5678", "Nile Traders", "mona@niletraders.example", ""),
    ("Omar Farouk", "01223456789", "Cairo Logistics", "omar@cairolog.example", ""),
    ("Hassan, Youssef", "0106-555-1212", "Cairo Logistics", "", "Last, First in the export"),
    ("Fatma Ali", 201001234568, "Delta Foods", "fatma@delta.example", "Excel stored as number"),
    ("Karim Mostafa", "+20-122-765-4321", "Delta Foods", "", ""),
    ("Nour", "0155 987 6543", "", "nour@mail.example", "single-word name"),
    ("محمد عبد الله", "0100 765 4321", "شركة النور", "", "Arabic name"),
    ("فاطمة الزهراء", "+20 109 876 5432", "شركة النور", "", "Arabic name"),
    ("Abd El Rahman Ali", "0127 111 2222", "Alex Ports", "", "compound given name"),
    ("José Martínez", "+34 612 34 56 78", "Ibérica SL", "jose@iberica.example", "accented"),
    ("François Dubois", "+33 6 12 34 56 78", "Lumière SA", "", "accented"),
    ("Zoë Müller", "+49 151 23456789", "Grün GmbH", "", ""),
    ("John Smith", "+44 7911 123456", "Thames Ltd", "john@thames.example", ""),
    ("Smith, Jane", "07700 900123", "Thames Ltd", "", "UK national without +44"),
    ("Mary-Jane O'Connor", "+353 85 123 4567", "Emerald Co", "", ""),
    ("Dr. Alan Turing", "+44 20 7946 0958", "Bletchley", "", "landline"),
    ("Priya Sharma", "+91 98765 43210", "Mumbai Exports", "", ""),
    ("Li Wei", "+86 139 1234 5678", "Shenzhen Parts", "", ""),
    ("Juan de la Cruz", "+63 917 123 4567", "Manila Bay Inc", "", "particle in surname"),
    ("van der Berg, Jan", "+31 6 12345678", "Holland BV", "", "particle, Last, First"),
    ("Aisha Bello", "+234 803 123 4567", "Lagos Retail", "", ""),
    ("Mike Johnson", "(415) 555-2671", "Bay Area LLC", "", "US number without country code"),
    ("Sarah Connor", "+1 415 555 2672", "Bay Area LLC", "", ""),
    ("Khalid Al Mansouri", "+971 50 123 4567", "Dubai Trading", "", ""),
    ("Noura Al Saud", "00966 50 123 4567", "Riyadh Co", "", "00 prefix"),
    ("Tariq Aziz", "", "Riyadh Co", "", "missing phone"),
    ("Heba Samir", "12345", "Delta Foods", "", "bad phone: too short"),
    ("Ahmed Hassan", "+20 100 123 4567", "Nile Traders", "", "duplicate of row 2"),
    ("Salma Youssef", "tel:+20-100-222-3333", "Nile Traders", "", "tel: prefix"),
    ("Yara Adel", "Mobile: 0100 444 5555", "Cairo Logistics", "", "label in the cell"),
    ("Hany Ramzy", "0100 666 7777 / 0111 888 9999", "Alex Ports", "", "two numbers"),
    ("Rania Fathy", "٠١٠٠ ١٢٣ ٩٩٨٨", "Alex Ports", "", "Arabic-Indic digits"),
    ("Sherif Mounir", "+20 (0) 100 321 6543", "Delta Foods", "", "(0) trunk marker"),
    ("Laila Kamal", "201005556666@c.us", "Delta Foods", "", "already a chat ID"),
    ("Amr Diab", "0100ABC4567", "Cairo Logistics", "", "letters in the number"),
    ("Dina Magdy", "2.01E+11", "Nile Traders", "", "Excel rounded it to 2.01E+11"),
    ("Tamer Hosny", "+20 128 000 1111", "", "", ""),
    ("Mai Ezz", "+20 114 000 2222", "Giza Tech", "", ""),
    ("", "+20 100 999 0000", "", "", "no name nor company"),
    ("Ola Nabil", "0100 999 1111", "Giza Tech", "", ""),
    ("Bassem Youssef", "+20 122 999 2222", "Giza Tech", "", ""),
    ("Ingrid Larsen", "+47 412 34 567", "Fjord AS", "", ""),
    ("Giulia Rossi", "+39 312 345 6789", "Roma SRL", "", ""),
    ("Lucas Oliveira", "+55 11 98765 4321", "São Paulo Ltda", "", "Brazilian mobile"),
    ("Carlos Hernández", "+52 55 1234 5678", "CDMX SA", "", "Mexican mobile"),
    ("Kenji Tanaka", "+81 90 1234 5678", "Osaka KK", "", ""),
    ("Emma Wilson", "+61 412 345 678", "Sydney Pty", "", ""),
    ("Ahmed Hassan", "0100 123 4567", "Nile Traders", "", "duplicate again"),
    ("SAMIR GHANEM", "0101 234 5678", "Cairo Logistics", "", "all caps"),
]


def main() -> None:
    out = Path(__file__).resolve().parent.parent / "samples"
    out.mkdir(exist_ok=True)
    book = Workbook()
    sheet = book.active
    sheet.title = "Contacts"
    sheet.append(HEADERS)
    for row in ROWS:
        sheet.append(list(row))
    for column, width in zip("ABCDE", (24, 30, 20, 28, 30)):
        sheet.column_dimensions[column].width = width
    book.save(out / "contacts.xlsx")
    with (out / "contacts.csv").open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(HEADERS)
        for name, phone, *rest in ROWS:
            writer.writerow([name, str(phone), *rest])
    print(f"wrote {len(ROWS)} rows to {out / 'contacts.xlsx'} and {out / 'contacts.csv'}")


if __name__ == "__main__":
    main()
