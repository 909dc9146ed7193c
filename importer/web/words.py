"""What the page says: row problems in its own words, and the other messages without flags.

A row's problem is data (importer/problems.py): `PAGE_WORDS` words it as the page would,
from its code and parameters, where the command line names a flag ("give
--default-region") and the page names a box or a button.

The reader's notes on the table and the facts of the errors that stop a job are data too
(importer/notes.py): `PAGE_NOTE_WORDS` words them with the page's boxes where the command
line names flags. An error without a note is shown in its own words, never rewritten.
"""

from __future__ import annotations

import shlex

from ..errors import ApiUnreachable, LedgerUnusable
from ..models import RowResult
from ..notes import Note, NoteCode, NoteWords
from ..problems import PROXY_HINT, Code, Problem, Words


class PageWords(Words):
    """Row problems in the page's words: a setting is named as the page shows it."""

    REGION_HINT = "choose the region under Numbers and names"
    NO_NAME = ("no name: the row has no name (\u201cuse the number as its name\u201d under "
               "Numbers and names sends it anyway)")

    def _phone(self, found: Problem) -> str:
        if found.code is Code.PHONE_NO_COUNTRY_CODE and found.get("national"):
            return ("a national number and no region: write it with + and the country code, "
                    f"or {self.REGION_HINT}")
        return super()._phone(found)

    def _unchanged(self, found: Problem, day: str | None = None) -> str:
        return (f"already in the address book: sent on {day or found['day']} with the same "
                "name; \u201cSend again anyway\u201d sends it again")

    def _canary_limit(self, found: Problem) -> str:
        return f"not sent: beyond the first {found['limit']:,} contacts (a canary)"


PAGE_WORDS = PageWords()


def row_detail(result: RowResult) -> str:
    """What the page says of one row: its problem in the page's words. A line of a results
    file written before the problem code has only its detail, shown as it is."""
    if result.problem is not None:
        return PAGE_WORDS.detail(result.problem)
    return result.detail


#: Settings as the page names them (an ImportOptions field → words); others by their name.
SETTING_NAMES = {
    "sheet": "the sheet",
    "encoding": "the encoding",
    "delimiter": "the delimiter",
    "header_row": "the header row",
    "no_header": "\u201cno header row\u201d",
    "max_rows": "the server's row limit",
    "phone_column": "the phone column",
    "name_column": "the full name column",
    "first_name_column": "the first name column",
    "last_name_column": "the last name column",
    "first_name_format": "the first name format",
    "last_name_format": "the last name format",
    "missing_name": "the row-without-a-name choice",
    "duplicates": "the same-number-twice choice",
    "default_region": "the region",
}
#: How the page pins the phone column (the command line: --phone-column NAME).
PAGE_PIN_HINT = ("giving a column the phone role in the Columns table pins one (give more "
                 "columns the role for a fallback order)")
#: Where the page shows what the reader found (encoding, delimiter, sheet, header row).
READER_BOXES = "under \u201cWhat the reader found\u201d"


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


class PageNoteWords(NoteWords):
    """Notes (and the facts of errors) in the page's words: a setting is a box to change,
    never a flag; what whoever runs the server must do is said as theirs."""

    def setting(self, option: str) -> str:
        return SETTING_NAMES.get(option, option)

    def _options_ignored(self, found: Note) -> str:
        return self._ignored(found, f"a {found['kind']} file has none")

    def _sheet_ignored(self, found: Note) -> str:
        return f"The sheet {found['sheet']!r} was ignored: a text file has no sheets."

    def _text_options_ignored(self, found: Note) -> str:
        return self._ignored(found, "a workbook stores its own text")

    def _ignored(self, found: Note, why: str) -> str:
        settings = [self.setting(o) for o in found["options"]]
        return (f"{_cap(' and '.join(settings))} {'was' if len(settings) == 1 else 'were'} "
                f"ignored: {why}.")

    def _read_another_sheet(self, sheet: str) -> str:
        return f"choose another as the sheet {READER_BOXES}"

    def _encoding_hint(self, found: Note) -> str:
        if found.code is NoteCode.BYTES_REPLACED:
            return f"Choose another encoding {READER_BOXES} if the file is in one."
        return f"Choose another encoding {READER_BOXES} if it looks wrong."

    def _too_many_rows(self, found: Note) -> str:
        file, limit, rows = found["file"], found["limit"], found.get("rows")
        if rows is None:
            return (f"{file} has more than {limit:,} data rows, the most this server takes; "
                    "nothing was sent")
        what = "contacts" if found.get("contacts") else "data rows"
        sheet = f" in sheet {found['sheet']!r}" if found.get("sheet") is not None else ""
        return (f"{file} has {rows:,} {what}{sheet}, more than the {limit:,} this server takes; "
                "nothing was sent")

    def _another_encoding(self) -> str:
        return f"choose another encoding {READER_BOXES}, e.g. cp1252 or utf-8"

    def _no_header_hint(self) -> str:
        return (f"choose the header row {READER_BOXES}, or give a column the phone role in "
                "the Columns table")

    def _name_the_phone_column(self) -> str:
        return "Give it the phone role in the Columns table"

    def _header_options_contradict(self, found: Note) -> str:
        return "a header row was given for a file read without one: give one or the other"

    def _template(self, found: Note) -> str:
        option = found.get("option")
        return f"{_cap(self.setting(option)) if option else 'The template'} {found['template']!r}"

    def _not_a_choice(self, found: Note) -> str:
        return (f"{_cap(self.setting(found['option']))} must be one of "
                f"{', '.join(found['choices'])}, not {found['value']!r}")

    def _session_hint(self, found: Note) -> str:
        if found.get("from_api"):
            return ("its answer is not the session WAWP describes: ask whoever runs this "
                    "server to check the base URL it was started with")
        return (f"{PROXY_HINT}: ask whoever runs this server to check the base URL it was "
                "started with and its network")

    def _journal_unfinished(self, found: Note) -> str:
        return ("an unfinished import left its journal: \u201cSend the remaining rows\u201d "
                "sends only the rows not yet sent ok, or upload the file again to send every "
                "row again")

    def _nothing_to_resume(self, found: Note) -> str:
        return ("nothing to resume: this import has no journal left (an import that went "
                "through every row removes it, and its results are here); upload the file "
                "again to import it anew")

    def _resume_anyway(self) -> str:
        return ("it was not resumed: upload the file again to send every row again, or ask "
                "whoever runs this server to start it with the instance and API address this "
                "import began with")

    def _session_info_missing(self, found: Note) -> str:
        return (f"session check failed: {found['base_url']} has no GET /v2/session/info (HTTP "
                "404): ask whoever runs this server to check the base URL it was started with")


PAGE_NOTE_WORDS = PageNoteWords()


def note_in_page_words(found: Note) -> str:
    """A note of the reader (or the fact of an error) in the page's words."""
    return PAGE_NOTE_WORDS.say(found)


def message_in_page_words(exc: Exception) -> str:
    """An error's message in the page's words: its note's, when it has one; else its own
    words as they are (an OS error's, say), never rewritten."""
    found = getattr(exc, "note", None)
    return note_in_page_words(found) if isinstance(found, Note) else str(exc)


def error_in_page_words(exc: Exception) -> str:
    """The message of an error that stopped a job, in the page's words: from its note (its
    facts as data) when it has one, never by reading its message.

    A ledger that cannot be used is for whoever runs the server to mend: the page says so
    and names the commands, on the server's own ledger file. An API that cannot be reached
    is not the file's fault: the page says what to check.
    """
    if isinstance(exc, ApiUnreachable):
        return (f"The WAWP API at {exc.base_url} could not be reached ({exc.reason}). Check "
                "the base URL this server was started with (--base-url or WAWP_BASE_URL) and "
                "this server's network connection, then try again.")
    if not isinstance(exc, LedgerUnusable):
        return message_in_page_words(exc)
    ledger = shlex.quote(str(exc.path))
    if exc.problem in ("empty", "not_sqlite", "foreign", "damaged", "folder"):
        way_out = (f"restore it from a backup, rebuild it from earlier results (wawp-import "
                   f"ledger rebuild RESULTS.csv --instance ID --ledger {ledger}) or start "
                   f"afresh (wawp-import ledger reset --ledger {ledger}; every contact will "
                   "then be sent again)")
    elif exc.problem == "newer":
        way_out = "run the server with that newer wawp-import"
    else:
        way_out = "give the server's user read and write access to it and its folder"
    return (f"Nothing was sent: {exc}, and without it every contact would be sent again. "
            f"Ask whoever runs the server to {way_out}.")


__all__ = ["PAGE_NOTE_WORDS", "PAGE_PIN_HINT", "PAGE_WORDS", "SETTING_NAMES", "PageNoteWords",
           "PageWords", "error_in_page_words", "message_in_page_words", "note_in_page_words",
           "row_detail"]
