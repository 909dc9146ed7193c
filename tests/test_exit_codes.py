"""One helper words every stop of a command and picks its exit code (entry.report_error):
`wawp-import` and `wawp-import ledger` both end through it."""

from __future__ import annotations

import io

import pytest

from importer.entry import (
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_OUTPUT,
    EXIT_REJECTED,
    EXIT_USAGE,
    Console,
    report_error,
)
from importer.errors import (
    ApiRejected,
    ApiUnreachable,
    ConfigError,
    OutputError,
    PreflightError,
    StoppedWaiting,
)
from importer.redact import Redactor


def _console() -> tuple[Console, io.StringIO]:
    err = io.StringIO()
    return Console(io.StringIO(), err, Redactor(["s3cret"])), err


@pytest.mark.parametrize(("error", "code", "line"), [
    (ApiRejected("401 from WAWP"), EXIT_REJECTED, "wawp-import: error: 401 from WAWP"),
    (OutputError("disk full"), EXIT_OUTPUT, "wawp-import: error: disk full"),
    (ConfigError("--rate must be 0"), EXIT_USAGE, "wawp-import: error: --rate must be 0"),
    (PreflightError("not WORKING"), EXIT_USAGE, "wawp-import: error: not WORKING"),
    (ApiUnreachable("no answer", base_url="x", reason="y"), EXIT_USAGE,
     "wawp-import: error: no answer"),
    (StoppedWaiting("stopped waiting"), EXIT_INTERRUPTED, "wawp-import: stopped waiting"),
    (KeyboardInterrupt(), EXIT_INTERRUPTED, "wawp-import: interrupted"),
    (RuntimeError("boom s3cret"), EXIT_INTERNAL,
     "wawp-import: internal error: RuntimeError: boom *** (please report this; -v shows more)"),
])
def test_each_stop_has_its_line_and_exit_code(error: BaseException, code: int,
                                              line: str) -> None:
    console, err = _console()
    assert report_error(error, console, more="; -v shows more"
                        if isinstance(error, RuntimeError) else "") == code
    assert err.getvalue() == line + "\n"


def test_a_command_may_word_an_error_its_own_way() -> None:
    console, err = _console()
    assert report_error(ConfigError("x"), console, describe=lambda e: f"said otherwise: {e}") \
        == EXIT_USAGE
    assert err.getvalue() == "wawp-import: error: said otherwise: x\n"
