"""What the page says: row problems in its own words, and the other messages without flags.

A row's problem is data (importer/problems.py): `PAGE_WORDS` words it as the page would,
from its code and parameters, where the command line names a flag ("give
--default-region") and the page names a box or a button.

The messages that are not row problems (the reader's notes on the table, the error that
stopped a job) are still sentences made for the command line: `in_page_words` names each
flag in them as the page names that setting.
"""

from __future__ import annotations

import re
import shlex

from ..errors import ApiUnreachable, LedgerUnusable
from ..models import RowResult
from ..problems import Code, Problem, Words


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


#: Phrases first (they read better rewritten whole), then the bare flags.
_PHRASES = (
    ("Name it with --phone-column (a header or a column number)",
     "Give it the phone role in the Columns table"),
    ("try another --encoding", "choose another encoding"),
    ("Use --encoding to choose.", "Choose another encoding if it looks wrong."),
    ("Use --encoding if the file is in another encoding.",
     "Choose another encoding if the file is in one."),
)
_FLAGS = {
    "--default-region": "the region",
    "--phone-column": "the phone column",
    "--name-column": "the full name column",
    "--first-name-column": "the first name column",
    "--last-name-column": "the last name column",
    "--first-name-format": "the first name format",
    "--last-name-format": "the last name format",
    "--missing-name": "the row-without-a-name choice",
    "--duplicates": "the same-number-twice choice",
    "--encoding": "the encoding",
    "--delimiter": "the delimiter",
    "--sheet": "the sheet",
    "--header-row": "the header row",
    "--max-rows": "the row limit",
    "--max-upload-mb": "the server's upload limit",
    "--retry-failed": "a retry",
    "--retry-invalid": "a retry",
    "--resume": "sending the remaining rows",
    "--force": "starting over",
}
_FLAG = re.compile(r"--[a-z][a-z-]*[a-z]")


def in_page_words(text: str) -> str:
    """A note or an error message without command-line flags: each is named as the page
    names that setting. (Row problems are worded from their data: `PAGE_WORDS`.)"""
    if "--" not in text:
        return text
    for phrase, words in _PHRASES:
        text = text.replace(phrase, words)
    text = _FLAG.sub(lambda m: _FLAGS.get(m.group(0), m.group(0).lstrip("-").replace("-", " ")),
                     text)
    return re.sub(r"  +", " ", text).replace(" )", ")").strip()


def error_in_page_words(exc: Exception) -> str:
    """The message of an error that stopped a job, in the page's words.

    A ledger that cannot be used is for whoever runs the server to mend: the page says so
    and names the commands, on the server's own ledger file. An API that cannot be reached
    is not the file's fault: the page says what to check.
    """
    if isinstance(exc, ApiUnreachable):
        return (f"The WAWP API at {exc.base_url} could not be reached ({exc.reason}). Check "
                "the base URL this server was started with (--base-url or WAWP_BASE_URL) and "
                "this server's network connection, then try again.")
    if not isinstance(exc, LedgerUnusable):
        return in_page_words(str(exc))
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


__all__ = ["PAGE_WORDS", "PageWords", "error_in_page_words", "in_page_words", "row_detail"]
