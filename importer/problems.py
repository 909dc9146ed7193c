"""What went wrong with one row, as data: a code and its named parameters.

A row's problem is found deep in the library (a phone too short, a duplicate, a 503 the API
kept answering) and said at the surface, once per audience:

- `Words.detail`: the results file's `detail` and the command line (what a person reading
  the file can act on, flags named as the command line spells them);
- `Words.reason`: the summary's line for every row that shares the problem (only what does
  not belong to one row: no row numbers, no cell text); rows are grouped by the problem's
  code and that reason, never by matching text;
- the web page words them its own way (importer/web/words.py), from the same data.

Nothing parses these words back: resume, the summary and the page read the code.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Code(StrEnum):
    """Every kind of row problem (the results file's `code` column)."""

    # invalid: the phone cell (phones.py); params in brackets
    PHONE_MISSING = "phone_missing"
    PHONE_NOT_A_NUMBER = "phone_not_a_number"            # text
    PHONE_LETTERS = "phone_letters"
    PHONE_UNEXPECTED_CHARACTER = "phone_unexpected_character"  # character
    PHONE_DIGITS_LOST = "phone_digits_lost"              # text
    PHONE_NO_COUNTRY_CODE = "phone_no_country_code"      # national (bool)
    PHONE_UNKNOWN_COUNTRY_CODE = "phone_unknown_country_code"  # country_code, partial
    PHONE_TOO_SHORT_AFTER_IDD = "phone_too_short_after_idd"
    PHONE_TOO_SHORT = "phone_too_short"    # digits; with region: country_code, lengths
    PHONE_TOO_LONG = "phone_too_long"      # as PHONE_TOO_SHORT
    PHONE_WRONG_LENGTH = "phone_wrong_length"            # region, digits, country_code, lengths
    PHONE_LOCAL_ONLY = "phone_local_only"                # region, digits, country_code, lengths
    PHONE_INVALID = "phone_invalid"                      # region, digits, country_code
    PHONE_NONE_VALID = "phone_none_valid"  # numbers: ((written, Problem | None), …)
    PHONE_IMPOSSIBLE = "phone_impossible"                # column, why (the reader's words)
    # invalid: the row as read, and its name
    ROW_TOO_WIDE = "row_too_wide"                        # cells, limit
    CELL_TOO_LONG = "cell_too_long"                      # column, chars, limit
    CARD_UNREADABLE = "card_unreadable"  # card, reason (the vCard parser's words)
    NO_NAME = "no_name"
    # duplicate, unchanged, sent earlier
    DUPLICATE_OF = "duplicate_of"        # row; name, kept_name (when they differ); sent_ok
    SAME_ACCOUNT_AS = "same_account_as"                  # row
    UNCHANGED = "unchanged"                              # day
    SENT_EARLIER = "sent_earlier"
    # not_attempted
    NOT_SENT = "not_sent"                                # why (the front end's words)
    CANARY_LIMIT = "canary_limit"                        # limit, dry_run
    # not_on_whatsapp, failed
    NOT_ON_WHATSAPP = "not_on_whatsapp"
    CHECK_FAILED = "check_failed"                        # problem (of the check-exists call)
    NOT_CHECKED = "not_checked"
    API_ERROR = "api_error"          # attempts, http_status, reason; a 429/5xx kept coming
    API_NO_ANSWER = "api_no_answer"  # attempts, reason: timeouts, dropped connections
    UNEXPECTED_ANSWER = "unexpected_answer"              # attempts, http_status, reason, from_api
    API_REFUSED = "api_refused"      # http_status, message: a 4xx, not retried
    API_REJECTED_TOKEN = "api_rejected_token"            # http_status, message (401/403)
    NOT_RETRIED = "not_retried"      # reason (of the last attempt), why (the stop)
    INTERNAL_ERROR = "internal_error"                    # error, message


#: Why a 2xx answer that is not JSON may come back: something other than WAWP answered.
PROXY_HINT = "a proxy or captive portal may be answering instead of WAWP"
#: Codes of the phone cell: said as "phone: …" on a row.
PHONE_CODES = frozenset(c for c in Code if c.value.startswith("phone_"))
#: Each code's text: a dict look-up instead of enum's `.value` property, once per row in the
#: results file.
CODE_TEXT: dict[Code, str] = {code: code.value for code in Code}


@dataclass(frozen=True, slots=True)
class Problem:
    """One row problem: a code and its named parameters (plain JSON values, or problems)."""

    code: Code
    params: Mapping[str, Any] = field(default_factory=dict)
    #: The parameters as the results file writes them, once made (a million unchanged rows
    #: share a few problems).
    _encoded: list[str] = field(default_factory=list, compare=False, repr=False)

    def __getitem__(self, name: str) -> Any:
        return self.params[name]

    def get(self, name: str, default: Any = None) -> Any:
        return self.params.get(name, default)

    def with_params(self, **params: Any) -> Problem:
        """This problem with more (or other) parameters."""
        return Problem(self.code, {**self.params, **params})

    def to_json(self) -> dict[str, Any]:
        """The problem as JSON values: {"code": …, "params": {…}} (nested problems too)."""
        return {"code": self.code.value, "params": _to_json(dict(self.params))}

    @classmethod
    def from_json(cls, data: object) -> Problem | None:
        """A problem from `to_json`'s form; None when `data` is not one (an unknown code, a
        file of an older or newer wawp-import)."""
        if not isinstance(data, dict):
            return None
        try:
            code = Code(data.get("code"))
        except ValueError:
            return None
        params = data.get("params")
        return cls(code, _from_json(params) if isinstance(params, dict) else {})


def problem(code: Code, **params: Any) -> Problem:
    """`Problem(code, params)`, the parameters named."""
    return Problem(code, params)


def _to_json(value: Any) -> Any:
    if isinstance(value, Problem):
        return value.to_json()
    if isinstance(value, dict):
        return {k: _to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_to_json(v) for v in value]
    return value


def _from_json(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"code", "params"}:
            return Problem.from_json(value)
        return {k: _from_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return tuple(_from_json(v) for v in value)
    return value


def encode_params(found: Problem | None) -> str:
    """The results file's `params` cell: the parameters as compact JSON, "" when none."""
    if found is None or not found.params:
        return ""
    if not found._encoded:
        found._encoded.append(json.dumps(_to_json(dict(found.params)), ensure_ascii=False,
                                         separators=(",", ":")))
    return found._encoded[0]


def decode_problem(code: str, params: str) -> Problem | None:
    """A problem from the results file's `code` and `params` cells; None when there is none
    (a line without a problem, or a file from before the code column)."""
    if not code:
        return None
    try:
        data = json.loads(params) if params else {}
    except ValueError:
        data = {}
    return Problem.from_json({"code": code, "params": data if isinstance(data, dict) else {}})


# -- words ----------------------------------------------------------------------------------


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


class Words:
    """The command line's words for row problems (the results file's `detail` too).

    A subclass words them for another audience by overriding the methods of the codes it
    says differently (the web page: no flags).
    """

    #: The setting that makes a national number readable, as this audience names it.
    REGION_HINT = "give --default-region"
    NO_NAME = "no name: the row has no name (--missing-name phone uses the number instead)"

    def detail(self, found: Problem) -> str:
        """The whole of what went wrong with a row, with what belongs to this row."""
        code = found.code
        if code is Code.PHONE_IMPOSSIBLE:
            return f"phone: {found['column']} {found['why']}"
        if code in PHONE_CODES:
            column = found.get("column")
            text = self.phone(found)
            return f"phone: {column}: {text}" if column else f"phone: {text}"
        method = getattr(self, f"_{code.value}")
        return str(method(found))

    def reason(self, found: Problem) -> str:
        """What rows sharing this problem have in common: the summary's words for them."""
        code = found.code
        if code in PHONE_CODES:
            column = found.get("column")
            if code is Code.PHONE_IMPOSSIBLE:
                return f"phone: {column} cannot hold a phone number"
            text = self.phone_reason(found)
            return f"phone: {column}: {text}" if column else f"phone: {text}"
        if code is Code.ROW_TOO_WIDE:
            return f"more cells than the {found['limit']:,} columns allowed"
        if code is Code.CELL_TOO_LONG:
            return f"{found['column']}: cell longer than {found['limit']:,} characters"
        if code is Code.CARD_UNREADABLE:
            return "a vCard that cannot be read"
        if code is Code.DUPLICATE_OF:
            return "same number as row …" + (", already sent ok" if found.get("sent_ok")
                                             else "")
        if code is Code.SAME_ACCOUNT_AS:
            return "same WhatsApp account as row …"
        if code is Code.UNCHANGED:
            return self._unchanged(found, day="…")
        if code is Code.CHECK_FAILED:
            inner = found.get("problem")
            said = self.reason(inner) if isinstance(inner, Problem) else found.get("said", "")
            return f"could not check whether the number is on WhatsApp: {said}"
        if code is Code.INTERNAL_ERROR:
            return f"internal error: {found['error']}"
        if code is Code.API_REFUSED:  # the API's message may name the row's number
            return ("check-exists refused" if found.get("check") else "rejected by the API"
                    ) + f": HTTP {found['http_status']}"
        return self.detail(found)

    # -- the phone cell: what is wrong with one number --

    def phone(self, found: Problem) -> str:
        """What is wrong with a number, as in "phone: <this>" (and in lists of numbers)."""
        text = self._phone(found)
        if found.get("several"):
            text += "; several numbers? separate them with a comma or a new line"
        return text

    def phone_reason(self, found: Problem) -> str:
        """The phone problem without what belongs to one cell."""
        code = found.code
        region = found.get("region")
        if code is Code.PHONE_NOT_A_NUMBER:
            return "not a phone number"
        if code is Code.PHONE_UNEXPECTED_CHARACTER:
            return f"unexpected {found['character']!r} in the number"
        if code is Code.PHONE_DIGITS_LOST:
            return "digits lost in Excel: format the column as Text in Excel and export again"
        if code is Code.PHONE_UNKNOWN_COUNTRY_CODE:
            return "unknown country code"
        if code in (Code.PHONE_TOO_SHORT, Code.PHONE_TOO_LONG):
            word = "short" if code is Code.PHONE_TOO_SHORT else "long"
            return f"too {word} for {region}" if region else f"too {word}"
        if code is Code.PHONE_WRONG_LENGTH:
            return f"wrong length for {region}"
        if code is Code.PHONE_LOCAL_ONLY:
            return f"too short for {region}; a local number needs its area code"
        if code is Code.PHONE_INVALID:
            return f"not a valid number for {region}"
        if code is Code.PHONE_NONE_VALID:
            return "several numbers in the cell, none valid"
        return self._phone(found)

    def _phone(self, found: Problem) -> str:
        code = found.code
        region = found.get("region")
        if code is Code.PHONE_MISSING:
            return "no phone number"
        if code is Code.PHONE_NOT_A_NUMBER:
            return f"not a phone number ({_short(found['text'])!r})"
        if code is Code.PHONE_LETTERS:
            return "letters in the number"
        if code is Code.PHONE_UNEXPECTED_CHARACTER:
            return f"unexpected {found['character']!r} in the number"
        if code is Code.PHONE_DIGITS_LOST:
            return (f"digits lost in Excel ({found['text']}): format the column as Text in "
                    "Excel and export again")
        if code is Code.PHONE_NO_COUNTRY_CODE:
            if found.get("national"):
                return ("a national number and no --default-region: write it with + and the "
                        f"country code, or {self.REGION_HINT}")
            return f"no country code: write it with + and the country code, or {self.REGION_HINT}"
        if code is Code.PHONE_UNKNOWN_COUNTRY_CODE:
            if found.get("partial"):
                return f"unknown country code (+{found['country_code']}…)"
            return f"unknown country code +{found['country_code']}"
        if code is Code.PHONE_TOO_SHORT_AFTER_IDD:
            return "too short after the international prefix"
        if code in (Code.PHONE_TOO_SHORT, Code.PHONE_TOO_LONG, Code.PHONE_WRONG_LENGTH,
                    Code.PHONE_LOCAL_ONLY):
            word = {Code.PHONE_TOO_SHORT: "too short", Code.PHONE_TOO_LONG: "too long",
                    Code.PHONE_WRONG_LENGTH: "wrong length",
                    Code.PHONE_LOCAL_ONLY: "too short"}[code]
            if not region:
                return f"{word} ({found['digits']} digits)"
            text = (f"{word} for {region} ({found['digits']} digits; {region} numbers have "
                    f"{found['lengths']} after +{found['country_code']})")
            if code is Code.PHONE_LOCAL_ONLY:
                text += "; a local number needs its area code"
            return text
        if code is Code.PHONE_INVALID:
            return (f"not a valid number for {region} ({found['digits']} digits after "
                    f"+{found['country_code']})")
        if code is Code.PHONE_NONE_VALID:
            return self._none_valid(found)
        raise ValueError(f"not a phone problem: {code}")

    def _none_valid(self, found: Problem) -> str:
        numbers = found["numbers"]
        listing = ", ".join(written if inner is None else f"{written} [{self.phone(inner)}]"
                            for written, inner in numbers)
        return f"{len(numbers)} numbers in the cell, none valid: {listing}"

    # -- the other codes, one method each, named after the code --

    def _row_too_wide(self, found: Problem) -> str:
        limit = found["limit"]
        return (f"{found['cells']:,} cells, more than the {limit:,} columns allowed; the cells "
                f"after column {limit:,} were dropped")

    def _cell_too_long(self, found: Problem) -> str:
        return (f"{found['column']}: cell of {found['chars']:,} characters is longer than "
                f"{found['limit']:,}")

    def _card_unreadable(self, found: Problem) -> str:
        return f"card {found['card']} cannot be read: {found['reason']}"

    def _no_name(self, found: Problem) -> str:
        return self.NO_NAME

    def _duplicate_of(self, found: Problem) -> str:
        row = found["row"]
        text = f"same number as row {row}"
        if found.get("sent_ok"):
            text += ", already sent ok"
        if "kept_name" in found.params:
            text += (f" (name differs: {found['name']!r} here, {found['kept_name']!r} in "
                     f"row {row})")
        return text

    def _same_account_as(self, found: Problem) -> str:
        return f"same WhatsApp account as row {found['row']}"

    def _unchanged(self, found: Problem, day: str | None = None) -> str:
        return (f"already in the address book: sent on {day or found['day']} with the same "
                "name; --resend to send it again")

    def _sent_earlier(self, found: Problem) -> str:
        return "sent in an earlier run"

    def _not_sent(self, found: Problem) -> str:
        return f"not sent: {found['why']}"

    def _canary_limit(self, found: Problem) -> str:
        text = f"not sent: --limit {found['limit']:,} (a canary)"
        if not found.get("dry_run"):
            text += "; run the same command with --resume to send the rest"
        return text

    def _not_on_whatsapp(self, found: Problem) -> str:
        return "not on WhatsApp (check-exists)"

    def _check_failed(self, found: Problem) -> str:
        inner = found.get("problem")
        said = self.detail(inner) if isinstance(inner, Problem) else found.get("said", "")
        return f"could not check whether the number is on WhatsApp: {said}"

    def _not_checked(self, found: Problem) -> str:
        if found.get("why"):  # the run stopped before the answer came
            return f"not checked: {found['why']}"
        return "not checked on WhatsApp (was the input changed during the run?)"

    def _gave_up(self, found: Problem) -> str:
        return f"gave up after {_plural(found['attempts'], 'attempt')}: {found['reason']}"

    def _api_error(self, found: Problem) -> str:
        return self._gave_up(found)

    def _api_no_answer(self, found: Problem) -> str:
        return self._gave_up(found)

    def _unexpected_answer(self, found: Problem) -> str:
        text = self._gave_up(found)
        if found.get("check"):  # a check-exists call: nothing was to be stored
            return text if found.get("from_api") else f"{text}; {PROXY_HINT}"
        return text + ("; the API did not confirm it stored the contact" if found.get("from_api")
                       else f"; {PROXY_HINT}") + "; the contact was not recorded as sent"

    def _api_refused(self, found: Problem) -> str:
        said = f"HTTP {found['http_status']} {found['message']}".rstrip()
        return f"check-exists refused: {said}" if found.get("check") else (
            f"rejected by the API: {said}")

    def _api_rejected_token(self, found: Problem) -> str:
        return str(found["message"])

    def _not_retried(self, found: Problem) -> str:
        return f"{found['reason']}; not retried: {found['why']}"

    def _internal_error(self, found: Problem) -> str:
        return f"internal error: {found['error']}: {found['message']}"


#: The command line's (and the results file's) words.
WORDS = Words()


def detail_of(found: Problem, notes: str = "") -> str:
    """A row's `detail`: its problem in the results file's words, then its notes."""
    text = WORDS.detail(found)
    return f"{text}; {notes}" if notes else text


__all__ = ["CODE_TEXT", "PHONE_CODES", "PROXY_HINT", "WORDS", "Code", "Problem", "Words",
           "decode_problem", "detail_of", "encode_params", "problem"]
