"""What the library says of a whole file or run, as data: a code and its named parameters.

Row problems are `Problem`s (importer/problems.py). The rest is said here the same way: the
reader's notes on the table it read (`TableInfo.notes`: a misnamed file, a sheet passed
over, bytes that did not decode) and the facts behind the errors that stop a run
(`ImporterError.note`: too many rows, no phone column, a bad name template). A `Note` is
not a `Problem`: it belongs to no row, goes to no results file and has no status, so its
codes stay out of the results file's `code` column.

`NoteWords` words a note for the command line, naming flags (an error's message is these
words); the web page words the same note in its own terms (importer/web/words.py). Nothing
parses these words back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from .problems import PROXY_HINT


class NoteCode(StrEnum):
    """Every kind of note on a file or a run; params in the comments."""

    # the reader's notes on the table it read
    FILE_NAMED_AS = "file_named_as"              # file, suffix, kind (vcard, csv, xls…)
    HTML_FILE = "html_file"                      # file
    OPTIONS_IGNORED = "options_ignored"          # options (setting names), kind (label)
    SHEET_IGNORED = "sheet_ignored"              # sheet
    TEXT_OPTIONS_IGNORED = "text_options_ignored"  # options: a workbook stores its own text
    SHEET_PASSED_OVER = "sheet_passed_over"      # file, sheet, reason (calamine's words)
    HIDDEN_SHEET_READ = "hidden_sheet_read"      # sheet, phones (bool)
    OTHER_SHEETS = "other_sheets"                # sheets: ((name, what it holds), …)
    RIVAL_SHEETS = "rival_sheets"                # sheets: names, the first to name
    BYTES_REPLACED = "bytes_replaced"            # encoding, byte, line (None: unknown)
    ENCODING_GUESSED = "encoding_guessed"        # encoding, byte, line
    RETRY_ROWS = "retry_rows"                    # statuses
    HTML_TABLE_CHOSEN = "html_table_chosen"      # position, count, evidence (the reader's)
    HTML_RIVAL_TABLES = "html_rival_tables"      # tables (positions)
    # the facts of errors that stop a run (its message is the command line's words)
    TOO_MANY_ROWS = "too_many_rows"  # file, limit; rows, sheet, contacts (a vCard) if known
    UNDECODABLE = "undecodable"                  # file, encoding, byte, line
    SHEET_UNREADABLE = "sheet_unreadable"        # file, sheet, reason
    NO_HEADER_ROW = "no_header_row"              # where, phone (the cell that looks one)
    NO_PHONE_COLUMN = "no_phone_column"          # columns (listing), refused (words)
    HEADER_OPTIONS_CONTRADICT = "header_options_contradict"
    TEMPLATE_UNCLOSED = "template_unclosed"      # option, template
    TEMPLATE_UNOPENED = "template_unopened"      # option, template
    TEMPLATE_UNKNOWN_COLUMN = "template_unknown_column"  # option, template, name, columns
    NOT_A_CHOICE = "not_a_choice"                # option, value, choices
    SESSION_ANSWER_UNEXPECTED = "session_answer_unexpected"  # reason, attempts, from_api
    SESSION_INFO_MISSING = "session_info_missing"  # base_url
    JOURNAL_UNFINISHED = "journal_unfinished"    # journal (its path)
    NOTHING_TO_RESUME = "nothing_to_resume"      # journal, results (paths)
    RESUME_CHANGED = "resume_changed"            # changes (the journal's words for each)


@dataclass(frozen=True, slots=True)
class Note:
    """One note: a code and its named parameters (plain JSON values)."""

    code: NoteCode
    params: Mapping[str, Any] = field(default_factory=dict)

    def __getitem__(self, name: str) -> Any:
        return self.params[name]

    def get(self, name: str, default: Any = None) -> Any:
        return self.params.get(name, default)


def note(code: NoteCode, **params: Any) -> Note:
    """`Note(code, params)`, the parameters named."""
    return Note(code, params)


def _and(items: Sequence[str]) -> str:
    return " and ".join(items)


def _where(found: Note, first: bool = False) -> str:
    """", first at byte 1,234 (line 5)" (" at …" without `first`), "" when not known."""
    if found.get("byte") is None:
        return ""
    lead = ", first at" if first else " at"
    return f"{lead} byte {found['byte']:,} (line {found['line']:,})"


class NoteWords:
    """The command line's words for notes (and the messages of the errors that carry one).

    One method per code, named after it; a subclass words them for another audience by
    overriding the methods of the codes it says differently (the page: no flags).
    """

    def say(self, found: Note) -> str:
        """The note in this audience's words."""
        return str(getattr(self, f"_{found.code.value}")(found))

    def setting(self, option: str) -> str:
        """A setting (an ImportOptions field) as this audience names it: its flag."""
        return "--" + option.replace("_", "-")

    # -- the reader's notes --

    def _file_named_as(self, found: Note) -> str:
        file, suffix, kind = found["file"], found["suffix"], found["kind"]
        if kind == "vcard":
            return (f"{file} is named {suffix or 'without an extension'} but holds vCard "
                    "contacts; it was read as such.")
        if kind == "csv":
            return f"{file} is named {suffix} but holds delimited text; it was read as text."
        return (f"{file} is named {suffix or 'without an extension'} but is an {kind.upper()} "
                "workbook; it was read as one.")

    def _html_file(self, found: Note) -> str:
        return (f"{found['file']} is a web page (HTML) with a table, as web CRMs export "
                "\"Excel\" files; its table with phone numbers was read.")

    def _options_ignored(self, found: Note) -> str:
        settings = [self.setting(o) for o in found["options"]]
        return f"{_and(settings)} ignored: a {found['kind']} file has none."

    def _sheet_ignored(self, found: Note) -> str:
        return f"{self.setting('sheet')} {found['sheet']} was ignored: a text file has no sheets."

    def _text_options_ignored(self, found: Note) -> str:
        settings = [self.setting(o) for o in found["options"]]
        return f"{_and(settings)} ignored: a workbook stores its own text."

    def _sheet_passed_over(self, found: Note) -> str:
        return f"{self._sheet_unreadable(found)}; it was passed over."

    def _hidden_sheet_read(self, found: Note) -> str:
        return (f"Sheet {found['sheet']!r} is hidden or not a worksheet, but no visible sheet "
                "has " + ("phone numbers." if found["phones"] else "data."))

    def _other_sheets(self, found: Note) -> str:
        return "Also in the file: " + ", ".join(f"{name!r} ({what})"
                                                 for name, what in found["sheets"]) + "."

    def _rival_sheets(self, found: Note) -> str:
        sheets = found["sheets"]
        return (f"{', '.join(repr(s) for s in sheets)} {'has' if len(sheets) == 1 else 'have'} "
                "phone numbers too; the first sheet in the file was read: "
                f"{self._read_another_sheet(sheets[0])}.")

    def _read_another_sheet(self, sheet: str) -> str:
        return f"{self.setting('sheet')} {sheet!r} to read another"

    def _bytes_replaced(self, found: Note) -> str:
        return (f"Some bytes are not valid {found['encoding']}{_where(found, first=True)}; they "
                f"are shown as \ufffd. {self._encoding_hint(found)}")

    def _encoding_guessed(self, found: Note) -> str:
        return (f"The encoding could not be told for sure; read as {found['encoding']}, bytes "
                f"it cannot show are shown as \ufffd{_where(found, first=True)}. "
                f"{self._encoding_hint(found)}")

    def _encoding_hint(self, found: Note) -> str:
        if found.code is NoteCode.BYTES_REPLACED:
            return "Use --encoding if the file is in another encoding."
        return "Use --encoding to choose."

    def _retry_rows(self, found: Note) -> str:
        return (f"Retry: the rows marked {' or '.join(found['statuses'])} are read again from "
                "their input columns; the other rows are copied over unchanged.")

    def _html_table_chosen(self, found: Note) -> str:
        return (f"Table {found['position']} of the {found['count']} in the page was read "
                f"({found['evidence']}).")

    def _html_rival_tables(self, found: Note) -> str:
        tables = [str(t) for t in found["tables"]]
        return (f"Table{'s' if len(tables) > 1 else ''} {', '.join(tables)} "
                f"{'have' if len(tables) > 1 else 'has'} phone numbers too; the first in the "
                "page was read.")

    # -- the facts of errors --

    def _too_many_rows(self, found: Note) -> str:
        file, limit, rows = found["file"], found["limit"], found.get("rows")
        flag = self.setting("max_rows")
        if rows is None:
            return f"{file} has more than {limit:,} data rows ({flag} {limit}); nothing was sent"
        what = "contacts" if found.get("contacts") else "data rows"
        sheet = f" in sheet {found['sheet']!r}" if found.get("sheet") is not None else ""
        return f"{file} has {rows:,} {what}{sheet}, more than {flag} {limit:,}; nothing was sent"

    def _undecodable(self, found: Note) -> str:
        return (f"{found['file']} cannot be decoded as {found['encoding']}{_where(found)}; "
                f"{self._another_encoding()}")

    def _another_encoding(self) -> str:
        return "try another --encoding, e.g. cp1252 or utf-8"

    def _sheet_unreadable(self, found: Note) -> str:
        return f"{found['file']}: sheet {found['sheet']!r} cannot be read: {found['reason']}"

    def _no_header_row(self, found: Note) -> str:
        return (f"no header row found: {found['where']} holds phone numbers ({found['phone']!r}), "
                f"so the file seems to have no header; {self._no_header_hint()}")

    def _no_header_hint(self) -> str:
        return ("use --no-header (columns are then named 1, 2, 3…, e.g. --phone-column 2), or "
                "--header-row to name the header row")

    def _no_phone_column(self, found: Note) -> str:
        refused = found.get("refused") or ()
        why = f" ({'; '.join(refused)})" if refused else ""
        return (f"no phone column found; the columns are: {found['columns']}{why}. "
                f"{self._name_the_phone_column()}")

    def _name_the_phone_column(self) -> str:
        return "Name it with --phone-column (a header or a column number)"

    def _header_options_contradict(self, found: Note) -> str:
        return "--no-header and --header-row contradict each other: give one"

    def _template(self, found: Note) -> str:
        option = found.get("option")
        return f"{self.setting(option) if option else 'template'} {found['template']!r}"

    def _template_unclosed(self, found: Note) -> str:
        return f"{self._template(found)}: a '{{' without its '}}' (write {{{{ for a literal brace)"

    def _template_unopened(self, found: Note) -> str:
        return f"{self._template(found)}: a '}}' without its '{{' (write }}}} for a literal brace)"

    def _template_unknown_column(self, found: Note) -> str:
        return (f"{self._template(found)} names a column that does not exist: "
                f"{{{found['name']}}}; the columns are: {found['columns']}")

    def _not_a_choice(self, found: Note) -> str:
        return (f"{self.setting(found['option'])} must be one of {', '.join(found['choices'])}, "
                f"not {found['value']!r}")

    def _session_answer_unexpected(self, found: Note) -> str:
        return (f"session check failed: {found['reason']}, after {found['attempts']} attempts; "
                + self._session_hint(found))

    def _session_hint(self, found: Note) -> str:
        if found.get("from_api"):
            return ("its answer is not the session WAWP describes: check --base-url, or add "
                    "--skip-preflight for an API without GET /v2/session/info")
        return (f"{PROXY_HINT}: check --base-url and this machine's network (is it behind a "
                "proxy or on a Wi-Fi sign-in page?)")

    def _session_info_missing(self, found: Note) -> str:
        return (f"session check failed: {found['base_url']} has no GET /v2/session/info (HTTP "
                "404): check --base-url, or add --skip-preflight for an API without it")

    def _journal_unfinished(self, found: Note) -> str:
        return (f"an unfinished run left its journal {found['journal']}: add --resume to send "
                "only the rows not yet sent ok, or --force to start over and send every row "
                "again")

    def _nothing_to_resume(self, found: Note) -> str:
        return (f"nothing to resume: there is no journal {found['journal']} (a run that went "
                f"through every row removes it, and its results are in {found['results']}); "
                "run without --resume")

    def _resume_changed(self, found: Note) -> str:
        return (f"cannot resume: {'; '.join(found['changes'])}. Rows sent before may not be "
                "the rows of this input; " + self._resume_anyway())

    def _resume_anyway(self) -> str:
        return ("add --force to resume anyway, or run without --resume (and with --force) to "
                "send every row again")


#: The command line's words (an error's message).
NOTE_WORDS = NoteWords()


__all__ = ["NOTE_WORDS", "Note", "NoteCode", "NoteWords", "note"]
