"""Notes for tests: the reader's notes in the command line's words, and one of each code."""

from __future__ import annotations

from importer.notes import NOTE_WORDS, Note, NoteCode, note
from importer.read import Table


def notes_of(table: Table) -> list[str]:
    """The table's notes in the command line's words."""
    return [NOTE_WORDS.say(n) for n in table.info.notes]


#: One note of every code, with parameters as the library makes them.
SAMPLES: dict[NoteCode, Note] = {n.code: n for n in (
    note(NoteCode.FILE_NAMED_AS, file="export.txt", suffix=".txt", kind="vcard"),
    note(NoteCode.HTML_FILE, file="crm.xls"),
    note(NoteCode.OPTIONS_IGNORED, options=("sheet", "encoding", "header_row"),
         kind="vCard contacts (.vcf)"),
    note(NoteCode.SHEET_IGNORED, sheet="Data"),
    note(NoteCode.TEXT_OPTIONS_IGNORED, options=("encoding", "delimiter")),
    note(NoteCode.SHEET_PASSED_OVER, file="book.xlsx", sheet="Old", reason="bad zip entry"),
    note(NoteCode.HIDDEN_SHEET_READ, sheet="Hidden", phones=True),
    note(NoteCode.OTHER_SHEETS, sheets=(("Summary", "no phone column, 3 rows"),)),
    note(NoteCode.RIVAL_SHEETS, sheets=("Leads", "Old leads")),
    note(NoteCode.BYTES_REPLACED, encoding="utf-8", byte=26, line=3),
    note(NoteCode.ENCODING_GUESSED, encoding="cp1252", byte=None, line=None),
    note(NoteCode.RETRY_ROWS, statuses=("failed", "not_attempted")),
    note(NoteCode.HTML_TABLE_CHOSEN, position=2, count=3, evidence="a 'Phone' column"),
    note(NoteCode.HTML_RIVAL_TABLES, tables=("3",)),
    note(NoteCode.TOO_MANY_ROWS, file="big.xlsx", limit=10, rows=12, sheet="Data"),
    note(NoteCode.UNDECODABLE, file="a.csv", encoding="utf-8", byte=5, line=2),
    note(NoteCode.SHEET_UNREADABLE, file="book.xlsx", sheet="Old", reason="bad zip entry"),
    note(NoteCode.NO_HEADER_ROW, where="row 1", phone="+20 100 123 4567"),
    note(NoteCode.NO_PHONE_COLUMN, columns="'Name', 'City'", refused=()),
    note(NoteCode.HEADER_OPTIONS_CONTRADICT),
    note(NoteCode.TEMPLATE_UNCLOSED, option="first_name_format", template="{First"),
    note(NoteCode.TEMPLATE_UNOPENED, option="last_name_format", template="Last}"),
    note(NoteCode.TEMPLATE_UNKNOWN_COLUMN, option="last_name_format", template="{Dept}",
         name="Dept", columns="'Name', 'Phone'"),
    note(NoteCode.NOT_A_CHOICE, option="missing_name", value="drop",
         choices=("invalid", "phone")),
    note(NoteCode.SESSION_ANSWER_UNEXPECTED, reason="HTTP 200 that is not JSON", attempts=3,
         from_api=False),
    note(NoteCode.SESSION_INFO_MISSING, base_url="https://api.example"),
    note(NoteCode.JOURNAL_UNFINISHED, journal="a.results.csv.journal.jsonl"),
    note(NoteCode.NOTHING_TO_RESUME, journal="a.results.csv.journal.jsonl",
         results="a.results.csv"),
    note(NoteCode.RESUME_CHANGED, changes=("the API address changed (http://a → http://b)",)),
)}
