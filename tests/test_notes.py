"""Notes and the facts of stopping errors are data: the command line and the page each word
them from their code and parameters, and nothing reads a message back."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import importer.web.words
from importer.errors import ColumnError, ImporterError, InputFileError
from importer.notes import NOTE_WORDS, Note, NoteCode
from importer.read.columns import PIN_HINT, ColumnMap
from importer.web.words import PAGE_NOTE_WORDS, PAGE_PIN_HINT, error_in_page_words
from tests.support.notes import SAMPLES

#: Codes whose words name a setting (the command line: a flag; the page: a box).
NAMES_A_SETTING = {
    NoteCode.OPTIONS_IGNORED, NoteCode.SHEET_IGNORED, NoteCode.TEXT_OPTIONS_IGNORED,
    NoteCode.RIVAL_SHEETS, NoteCode.BYTES_REPLACED, NoteCode.ENCODING_GUESSED,
    NoteCode.TOO_MANY_ROWS, NoteCode.UNDECODABLE, NoteCode.NO_HEADER_ROW,
    NoteCode.NO_PHONE_COLUMN, NoteCode.HEADER_OPTIONS_CONTRADICT, NoteCode.TEMPLATE_UNCLOSED,
    NoteCode.TEMPLATE_UNOPENED, NoteCode.TEMPLATE_UNKNOWN_COLUMN, NoteCode.NOT_A_CHOICE,
    NoteCode.SESSION_ANSWER_UNEXPECTED, NoteCode.SESSION_INFO_MISSING,
    NoteCode.JOURNAL_UNFINISHED, NoteCode.NOTHING_TO_RESUME, NoteCode.RESUME_CHANGED,
}


def test_every_code_has_a_sample() -> None:
    assert set(SAMPLES) == set(NoteCode)


@pytest.mark.parametrize("found", SAMPLES.values(), ids=[c.value for c in SAMPLES])
def test_every_code_has_command_line_words_and_page_words(found: Note) -> None:
    cli, page = NOTE_WORDS.say(found), PAGE_NOTE_WORDS.say(found)
    assert cli.strip() and page.strip()
    assert "--" not in page
    if found.code in NAMES_A_SETTING:
        assert "--" in cli and page != cli
    else:
        assert page == cli  # nothing to say differently


@pytest.mark.parametrize(("found", "cli", "page"), [
    (SAMPLES[NoteCode.SHEET_IGNORED], "--sheet Data was ignored: a text file has no sheets.",
     "The sheet 'Data' was ignored: a text file has no sheets."),
    (SAMPLES[NoteCode.NO_PHONE_COLUMN],
     "no phone column found; the columns are: 'Name', 'City'. Name it with --phone-column (a "
     "header or a column number)",
     "no phone column found; the columns are: 'Name', 'City'. Give it the phone role in the "
     "Columns table"),
    (SAMPLES[NoteCode.TOO_MANY_ROWS],
     "big.xlsx has 12 data rows in sheet 'Data', more than --max-rows 10; nothing was sent",
     "big.xlsx has 12 data rows in sheet 'Data', more than the 10 this server takes; nothing "
     "was sent"),
    (SAMPLES[NoteCode.TEMPLATE_UNKNOWN_COLUMN],
     "--last-name-format '{Dept}' names a column that does not exist: {Dept}; the columns are: "
     "'Name', 'Phone'",
     "The last name format '{Dept}' names a column that does not exist: {Dept}; the columns "
     "are: 'Name', 'Phone'"),
])
def test_each_surface_words_a_note_from_its_data(found: Note, cli: str, page: str) -> None:
    assert NOTE_WORDS.say(found) == cli
    assert PAGE_NOTE_WORDS.say(found) == page


def test_an_error_with_a_note_says_the_command_lines_words_and_the_page_its_own() -> None:
    found = SAMPLES[NoteCode.NO_PHONE_COLUMN]
    error = ColumnError(note=found)
    assert str(error) == NOTE_WORDS.say(found) and error.note is found
    assert error_in_page_words(error) == PAGE_NOTE_WORDS.say(found)


def test_the_page_reads_the_note_not_the_message() -> None:
    # the message could say anything: the page words the note
    error = InputFileError("words nobody parses --max-rows", note=SAMPLES[NoteCode.TOO_MANY_ROWS])
    assert error_in_page_words(error) == PAGE_NOTE_WORDS.say(SAMPLES[NoteCode.TOO_MANY_ROWS])


def test_an_error_without_a_note_is_shown_as_it_is() -> None:
    # free text (an OS error's words, say) is never rewritten, flags or not
    error = ImporterError("cannot read a.csv: Permission denied -- really")
    assert error_in_page_words(error) == "cannot read a.csv: Permission denied -- really"


def test_how_to_pin_the_phone_column_is_each_surfaces_own() -> None:
    close = ColumnMap(phone=1, phone_reason="its header says mobile; 'Mobile' and 'Mobile 2' "
                      "are close (the same kind of number), so the first is used",
                      phone_pin="close")
    guess = ColumnMap(phone=1, phone_reason="no header says phone, but …", phone_pin="guess")
    sure = ColumnMap(phone=1, phone_reason="its header says WhatsApp")
    assert close.phone_why().endswith(f"so the first is used: {PIN_HINT}")
    assert guess.phone_why(PAGE_PIN_HINT) == f"no header says phone, but …; {PAGE_PIN_HINT}"
    assert sure.phone_why(PAGE_PIN_HINT) == sure.phone_why() == "its header says WhatsApp"
    assert "--" not in close.describe(["Name", "Mobile", "Mobile 2"], pin_hint=PAGE_PIN_HINT)


#: Calls that read text: none of them may run on a message in the page's words module.
_TEXT_READING = {"sub", "subn", "search", "match", "fullmatch", "findall", "finditer", "split",
                 "replace", "startswith", "endswith", "compile", "partition", "rpartition"}


def test_the_pages_words_parse_no_message() -> None:
    tree = ast.parse(Path(importer.web.words.__file__).read_text(encoding="utf-8"))
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {node.module or "" for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom)}
    assert not imported & {"re", "regex", "fnmatch"}
    calls = {node.func.attr for node in ast.walk(tree)
             if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)}
    assert not calls & _TEXT_READING
    names = {node.name for node in ast.walk(tree)
             if isinstance(node, (ast.FunctionDef, ast.ClassDef))}
    assert "in_page_words" not in names
