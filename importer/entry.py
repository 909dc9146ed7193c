"""What the commands share, `wawp-import`, `wawp-import serve` and `wawp-import ledger`:
exit codes and the errors they stand for, the console, the argument parser's one-line
errors, the access token, and the flags of the settings (built from their definitions in
options.py).

Only the entry points (cli.py, web/serve.py) import this; the library never prints, exits
or reads the environment.
"""

from __future__ import annotations

import argparse
import codecs
import dataclasses
import logging
import os
import stat
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, NoReturn, TextIO

from .errors import (
    ApiRejected,
    ConfigError,
    ImporterError,
    OutputError,
    StoppedWaiting,
    UsageError,
)
from .options import GROUPS, Spec, flag_of
from .redact import Redactor

EXIT_OK, EXIT_ROWS, EXIT_USAGE, EXIT_REJECTED, EXIT_OUTPUT, EXIT_INTERRUPTED = 0, 1, 2, 3, 4, 130
EXIT_INTERNAL = 70

log = logging.getLogger(__name__)

#: The exit code of each error a command stops on, the first that matches; any other
#: ImporterError is the command's or the input's (EXIT_USAGE).
EXIT_CODES: tuple[tuple[type[ImporterError], int], ...] = (
    (ApiRejected, EXIT_REJECTED), (OutputError, EXIT_OUTPUT),
    (StoppedWaiting, EXIT_INTERRUPTED), (ImporterError, EXIT_USAGE))


def report_error(exc: BaseException, console: Console, *,
                 describe: Callable[[ImporterError], str] = str, more: str = "",
                 logger: logging.Logger = log) -> int:
    """The line a command ends on when `exc` stops it, and the exit code it stands for.

    An ImporterError is worded by `describe` (a command words some in its own way: a ledger
    that cannot be used); a Ctrl-C says so; anything else is a bug: one line, the traceback
    (redacted) in the log, `more` saying how to see it.
    """
    if isinstance(exc, KeyboardInterrupt):
        console.warn("interrupted")
        return EXIT_INTERRUPTED
    if isinstance(exc, StoppedWaiting):  # its message is the whole story, not an error
        console.warn(str(exc))
        return EXIT_INTERRUPTED
    if isinstance(exc, ImporterError):
        console.warn(f"error: {describe(exc)}")
        return next(code for kind, code in EXIT_CODES if isinstance(exc, kind))
    logger.error("internal error", exc_info=exc)
    console.warn(f"internal error: {type(exc).__name__}: {exc} (please report this{more})")
    return EXIT_INTERNAL

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

# -- the flags of the settings (options.py defines them) ---------------------------------------

Setting = tuple[dataclasses.Field[Any], Spec]


class ReplaceThenAppend(argparse.Action):
    """A repeatable option whose first use on the command line replaces the default (a
    config file's list) instead of adding to it, as any other option overrides the file."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: Any, option_string: str | None = None) -> None:
        given = getattr(namespace, "_given_" + self.dest, False)
        items = list(getattr(namespace, self.dest) or []) if given else []
        setattr(namespace, self.dest, [*items, values])
        setattr(namespace, "_given_" + self.dest, True)


def flag_default(f: dataclasses.Field[Any], spec: Spec) -> Any:
    """The flag's default: the field's, or None where "not given" must stay visible (an
    environment variable or the command decides then, or the flag keeps its text)."""
    if spec.env or spec.text or spec.many or f.default is dataclasses.MISSING:
        return None
    return f.default


def add_setting(g: argparse._ActionsContainer, f: dataclasses.Field[Any], spec: Spec) -> None:
    """The flag of one setting, shaped by its annotation and Spec."""
    names = [flag_of(f.name), *([spec.short] if spec.short else [])]
    kinds = {part.strip() for part in str(f.type).split("|")}
    shape: dict[str, Any] = {"dest": f.name, "default": flag_default(f, spec),
                             "help": spec.help or argparse.SUPPRESS}
    if spec.metavar:
        shape["metavar"] = spec.metavar
    if "bool" in kinds:
        g.add_argument(*names, action="store_true", **shape)
        return
    if spec.many:
        shape["action"] = ReplaceThenAppend
    elif spec.text is None:
        for name, type_ in (("int", int), ("float", float), ("Path", Path)):
            if name in kinds:
                shape["type"] = type_
    if spec.choices is not None:
        shape["choices"] = list(spec.choices)
    g.add_argument(*names, **shape)


def add_settings(p: argparse.ArgumentParser, settings: Iterable[Setting], *,
                 group: argparse._ActionsContainer | None = None) -> None:
    """The flags of `settings` (those that have one): into `group`, else each into its own
    group (options.GROUPS, in that order)."""
    chosen = [(f, spec) for f, spec in settings if spec.flag]
    if group is not None:
        for f, spec in chosen:
            add_setting(group, f, spec)
        return
    for key, (title, description) in GROUPS.items():
        members = [(f, spec) for f, spec in chosen if spec.group == key]
        if not members:
            continue
        g = p if title is None else p.add_argument_group(title, description)
        for f, spec in members:
            add_setting(g, f, spec)


def settings_from_args(args: argparse.Namespace, env: dict[str, str],
                       settings: Iterable[Setting]) -> dict[str, Any]:
    """The values of `settings` from the parsed flags: a flag not given falls back to its
    environment variable, then to the field's default; a flag's text is read
    (`--max-age 30d`); a repeated flag fills its `many` field too."""
    values: dict[str, Any] = {}
    for f, spec in settings:
        if not spec.flag or not hasattr(args, f.name):
            continue
        value = getattr(args, f.name)
        if spec.many:
            items = list(value or ())
            values[f.name] = items[0] if items else None
            values[spec.many] = tuple(items) if len(items) > 1 else None
            continue
        if spec.env and not value:
            value = env.get(spec.env) or None
        if isinstance(value, str) and spec.text is not None:
            try:
                value = spec.text(value)
            except ValueError as exc:
                raise ConfigError(f"{flag_of(f.name)}: {exc}") from None
        if value is None and f.default is not dataclasses.MISSING:
            value = f.default
        values[f.name] = value
    return values


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
