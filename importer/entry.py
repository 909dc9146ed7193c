"""What the two commands share, `wawp-import` and `wawp-import serve`: exit codes, the
console, the argument parser's one-line errors, the access token and the sending flags.

Only the entry points (cli.py, web/serve.py) import this; the library never prints, exits
or reads the environment.
"""

from __future__ import annotations

import argparse
import codecs
import logging
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn, TextIO

from .errors import UsageError
from .options import (
    DEFAULT_BASE_URL,
    DEFAULT_CONCURRENCY,
    DEFAULT_MAX_ATTEMPTS,
    DEFAULT_RATE,
    DEFAULT_TIMEOUT,
)
from .redact import Redactor

EXIT_OK, EXIT_ROWS, EXIT_USAGE, EXIT_REJECTED, EXIT_OUTPUT, EXIT_INTERRUPTED = 0, 1, 2, 3, 4, 130
EXIT_INTERNAL = 70

#: The loggers a verbose run shows: the library's tree and the HTTP clients it drives.
LOGGERS = ("importer", "httpx", "httpcore", "aiohttp")


class RedactingFormatter(logging.Formatter):
    """Formats a log record, traceback included, with the token and any `access_token=`
    value masked: httpx logs whole URLs, and an exception's text may quote a request."""

    def __init__(self, redact: Redactor) -> None:
        super().__init__("%(asctime)s %(name)s %(levelname)s %(message)s")
        self.redact = redact

    def format(self, record: logging.LogRecord) -> str:
        return self.redact(super().format(record))


def add_logging_arguments(g: argparse._ArgumentGroup, *, verbose_help: str) -> None:
    """`-v/--verbose` and `--log-file`, shared by `wawp-import` and `wawp-import serve`."""
    g.add_argument("--verbose", "-v", action="store_true", help=verbose_help)
    g.add_argument("--log-file", type=Path, metavar="FILE",
                   help="write the debug log (HTTP requests, internal errors with their "
                   "traceback; the token masked) to FILE, readable by you only")


def enable_logging(redact: Redactor, *, err: TextIO | None,
                   log_file: Path | None) -> Callable[[], None]:
    """Send the library's (and its HTTP clients') debug log to `err` and/or `log_file`,
    every line through `redact`; returns the function that takes it all back (main() runs
    many times in one process under tests and in the page). Only entry points call this."""
    handlers: list[logging.Handler] = []
    files: list[TextIO] = []
    levels = {name: logging.getLogger(name).level for name in LOGGERS}
    if err is not None:
        handlers.append(logging.StreamHandler(err))
    if log_file is not None:
        try:
            # 0600 from the start: a log names contacts and instance ids.
            fd = os.open(log_file, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        except OSError as exc:
            raise UsageError(f"cannot write the log file {log_file}: {exc.strerror}") from exc
        files.append(os.fdopen(fd, "a", encoding="utf-8"))
        handlers.append(logging.StreamHandler(files[-1]))
    formatter = RedactingFormatter(redact)
    for handler in handlers:
        handler.setFormatter(formatter)
        for name in LOGGERS:
            logger = logging.getLogger(name)
            logger.setLevel(logging.DEBUG)
            logger.addHandler(handler)

    def disable() -> None:
        for handler in handlers:
            for name in LOGGERS:
                logging.getLogger(name).removeHandler(handler)
            handler.close()
        for file in files:
            file.close()
        if handlers:
            for name, level in levels.items():
                logging.getLogger(name).setLevel(level)

    return disable


def update_log_redactor(redact: Redactor) -> None:
    """Once the token is known, every installed formatter masks it too."""
    for name in LOGGERS:
        for handler in logging.getLogger(name).handlers:
            if isinstance(handler.formatter, RedactingFormatter):
                handler.formatter.redact = redact

def add_sending_arguments(g: argparse._ArgumentGroup) -> None:
    """The connection and pacing flags, shared by `wawp-import` and `wawp-import serve`."""
    g.add_argument("--base-url", help=f"WAWP API (env WAWP_BASE_URL, default {DEFAULT_BASE_URL})")
    g.add_argument("--instance-id", help="WAWP instance (env WAWP_INSTANCE_ID)")
    g.add_argument("--token-file", type=Path, help="file holding the access token "
                   "(else env WAWP_ACCESS_TOKEN)")
    g.add_argument("--concurrency", type=int, default=DEFAULT_CONCURRENCY,
                   help=f"requests in flight at once (default {DEFAULT_CONCURRENCY})")
    g.add_argument("--rate", type=float, default=DEFAULT_RATE,
                   help=f"requests per second, 0 for no limit (default {DEFAULT_RATE:g})")
    g.add_argument("--max-attempts", type=int, default=DEFAULT_MAX_ATTEMPTS,
                   help=f"HTTP attempts per contact (default {DEFAULT_MAX_ATTEMPTS})")
    g.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT,
                   help="seconds an HTTP attempt may take in all: connect, send, wait and "
                   f"read the whole answer (default {DEFAULT_TIMEOUT:g})")
    g.add_argument("--skip-preflight", action="store_true",
                   help="do not check GET /v2/session/info before sending")
    g.add_argument("--allow-insecure-http", action="store_true",
                   help="allow a non-loopback http:// base URL (the token travels in clear text)")


class OneLineParser(argparse.ArgumentParser):
    """An argument parser whose errors are one line, like every other error of the command
    (argparse prints its whole usage block first: 25 lines to scroll past the reason)."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


class Console:
    """Where the CLI writes; every line goes through the redactor."""

    def __init__(self, out: TextIO, err: TextIO, redact: Redactor) -> None:
        self.out, self.err, self.redact = out, err, redact

    def say(self, text: str = "") -> None:
        print(self.redact(text), file=self.out, flush=True)

    def warn(self, text: str) -> None:
        print(self.redact(f"wawp-import: {text}"), file=self.err, flush=True)


def token_text(data: bytes) -> str:
    """A token file's text: UTF-8 with or without a byte order mark (Notepad, PowerShell 5's
    `Set-Content -Encoding UTF8`), or UTF-16 with one (PowerShell 5's `>`), trimmed."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16").strip()
    return data.decode("utf-8-sig").strip()


def read_token(args: argparse.Namespace, env: dict[str, str], console: Console) -> str:
    if args.access_token:
        console.warn("warning: a token given on the command line is visible to other users "
                     "(ps, shell history); prefer --token-file or WAWP_ACCESS_TOKEN")
        return args.access_token.strip()
    if args.token_file:
        try:
            mode = args.token_file.stat().st_mode
            token = token_text(args.token_file.read_bytes())
        except OSError as exc:
            raise UsageError(f"cannot read token file {args.token_file}: {exc.strerror}") from None
        except UnicodeDecodeError:
            raise UsageError(f"token file {args.token_file} is not text: save it as UTF-8 "
                             "holding the token alone") from None
        # Windows has no POSIX modes (st_mode says readable by all for any file): its ACLs
        # decide who reads the file, so the warning would always fire there for nothing.
        if os.name != "nt" and mode & (stat.S_IRGRP | stat.S_IROTH):
            console.warn(f"warning: token file {args.token_file} is readable by other users; "
                         f"run: chmod 600 {args.token_file}")
        if not token:
            raise UsageError(f"token file {args.token_file} is empty")
        return token
    return env.get("WAWP_ACCESS_TOKEN", "").strip()


def sending_settings(args: argparse.Namespace, env: dict[str, str]) -> dict[str, Any]:
    """The ImportOptions fields the flags of `add_sending_arguments` give, env as fallback."""
    return {
        "base_url": args.base_url or env.get("WAWP_BASE_URL") or DEFAULT_BASE_URL,
        "instance_id": args.instance_id or env.get("WAWP_INSTANCE_ID", ""),
        "concurrency": args.concurrency,
        "rate": args.rate,
        "max_attempts": args.max_attempts,
        "timeout": args.timeout,
        "skip_preflight": args.skip_preflight,
        "allow_insecure_http": args.allow_insecure_http,
    }


def tolerate_unprintable(*streams: TextIO) -> None:
    """Make `streams` replace the characters their encoding cannot show (an Arabic name on a
    cp1252 console, output redirected under PYTHONIOENCODING=ascii) instead of raising
    UnicodeEncodeError. Only the console: files are always written in UTF-8."""
    for stream in streams:
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is None:
            continue
        try:
            reconfigure(errors="replace")
        except (AttributeError, OSError, ValueError):
            pass  # a stream that cannot change (already in use by a reader…): leave it
