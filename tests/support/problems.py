"""One problem of every code, with the parameters its maker gives it (for the tests of
every audience's words)."""

from __future__ import annotations

from importer.problems import Code, problem

#: One problem of every code, with the parameters its maker gives it.
TOO_SHORT = problem(Code.PHONE_TOO_SHORT, digits=3)
GAVE_UP = problem(Code.API_ERROR, attempts=5, http_status=503,
                  reason="HTTP 503 Service Unavailable")
SAMPLES = {
    Code.PHONE_MISSING: problem(Code.PHONE_MISSING),
    Code.PHONE_NOT_A_NUMBER: problem(Code.PHONE_NOT_A_NUMBER, text="n/a"),
    Code.PHONE_LETTERS: problem(Code.PHONE_LETTERS),
    Code.PHONE_UNEXPECTED_CHARACTER: problem(Code.PHONE_UNEXPECTED_CHARACTER, character="*"),
    Code.PHONE_DIGITS_LOST: problem(Code.PHONE_DIGITS_LOST, text="2.01E+11"),
    Code.PHONE_NO_COUNTRY_CODE: problem(Code.PHONE_NO_COUNTRY_CODE),
    Code.PHONE_UNKNOWN_COUNTRY_CODE: problem(Code.PHONE_UNKNOWN_COUNTRY_CODE,
                                             country_code="999"),
    Code.PHONE_TOO_SHORT_AFTER_IDD: problem(Code.PHONE_TOO_SHORT_AFTER_IDD),
    Code.PHONE_TOO_SHORT: TOO_SHORT,
    Code.PHONE_TOO_LONG: problem(Code.PHONE_TOO_LONG, region="EG", digits=12, country_code=20,
                                 lengths="8 to 10"),
    Code.PHONE_WRONG_LENGTH: problem(Code.PHONE_WRONG_LENGTH, region="DE", digits=3,
                                     country_code=49, lengths="4 to 15"),
    Code.PHONE_LOCAL_ONLY: problem(Code.PHONE_LOCAL_ONLY, region="US", digits=7,
                                   country_code=1, lengths="10"),
    Code.PHONE_INVALID: problem(Code.PHONE_INVALID, region="EG", digits=9, country_code=20),
    Code.PHONE_NONE_VALID: problem(Code.PHONE_NONE_VALID, numbers=(
        ("12", TOO_SHORT), ("0100", problem(Code.PHONE_NO_COUNTRY_CODE, national=True)))),
    Code.PHONE_IMPOSSIBLE: problem(Code.PHONE_IMPOSSIBLE, column="column 'Phone'",
                                   why="shows #NUM!, a number the spreadsheet cannot hold"),
    Code.ROW_TOO_WIDE: problem(Code.ROW_TOO_WIDE, cells=1_005, limit=1_000),
    Code.CELL_TOO_LONG: problem(Code.CELL_TOO_LONG, column="column 'Notes'", chars=40_000,
                                limit=32_767),
    Code.CARD_UNREADABLE: problem(Code.CARD_UNREADABLE, card=3, reason="bad line"),
    Code.NO_NAME: problem(Code.NO_NAME),
    Code.DUPLICATE_OF: problem(Code.DUPLICATE_OF, row=2, name="Ann", kept_name="Anne"),
    Code.SAME_ACCOUNT_AS: problem(Code.SAME_ACCOUNT_AS, row=4),
    Code.UNCHANGED: problem(Code.UNCHANGED, day="2026-12-01"),
    Code.SENT_EARLIER: problem(Code.SENT_EARLIER),
    Code.NOT_SENT: problem(Code.NOT_SENT, why="interrupted by the user (Ctrl-C)"),
    Code.CANARY_LIMIT: problem(Code.CANARY_LIMIT, limit=20, dry_run=False),
    Code.NOT_ON_WHATSAPP: problem(Code.NOT_ON_WHATSAPP),
    Code.CHECK_FAILED: problem(Code.CHECK_FAILED, problem=GAVE_UP),
    Code.NOT_CHECKED: problem(Code.NOT_CHECKED),
    Code.API_ERROR: GAVE_UP,
    Code.API_NO_ANSWER: problem(Code.API_NO_ANSWER, attempts=1, reason="timeout"),
    Code.UNEXPECTED_ANSWER: problem(Code.UNEXPECTED_ANSWER, attempts=5, http_status=200,
                                    reason="unexpected answer from the API: an empty body "
                                           "(HTTP 200)", from_api=False),
    Code.API_REFUSED: problem(Code.API_REFUSED, http_status=400, message="Bad Request"),
    Code.API_REJECTED_TOKEN: problem(Code.API_REJECTED_TOKEN, http_status=401,
                                     message="the API rejected the instance ID or access token"),
    Code.NOT_RETRIED: problem(Code.NOT_RETRIED, reason="HTTP 503",
                              why="interrupted by the user (Ctrl-C)"),
    Code.INTERNAL_ERROR: problem(Code.INTERNAL_ERROR, error="KeyError", message="'x'"),
}
