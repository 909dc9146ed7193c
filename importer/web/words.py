"""The pipeline's messages in the page's words.

The reader and the normalizer explain themselves in the command line's terms ("give
--default-region", "Name it with --phone-column"); a person on the web page has boxes and
lists instead. Every message the page shows passes through `in_page_words` first.
"""

from __future__ import annotations

import re
import shlex

from ..errors import ApiUnreachable, LedgerUnusable

#: Phrases first (they read better rewritten whole), then the bare flags.
_PHRASES = (
    ("or give --default-region", "or choose the region under Numbers and names"),
    ("and no --default-region", "and no region"),
    ("Name it with --phone-column (a header or a column number)",
     "Give it the phone role in the Columns table"),
    ("(--missing-name phone uses the number instead)",
     "(\u201cuse the number as its name\u201d under Numbers and names sends it anyway)"),
    ("try another --encoding", "choose another encoding"),
    ("Use --encoding to choose.", "Choose another encoding if it looks wrong."),
    ("Use --encoding if the file is in another encoding.",
     "Choose another encoding if the file is in one."),
    ("(Ctrl-C)", ""),
    ("interrupted by the user", "stopped"),
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
    """`text` without command-line flags: each is named as the page names that setting."""
    if "--" not in text and "Ctrl-C" not in text and "interrupted by the user" not in text:
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


__all__ = ["error_in_page_words", "in_page_words"]
