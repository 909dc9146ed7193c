"""`wawp-import ledger`: what the ledger holds, forgetting an instance, exporting, rebuilding.

An entry point like cli.py (it prints and returns exit codes); cli.py hands it the command
line after `ledger`, with the ledger file an import would use. The ledger itself is
report/ledger.py; this module only words what it returns.

    wawp-import ledger [show]                           per instance: contacts, oldest, newest
    wawp-import ledger forget --instance ID [--base-url URL]
    wawp-import ledger export [--instance ID] [--base-url URL] [-o FILE.csv]
    wawp-import ledger rebuild RESULTS.csv… [--instance ID] [--base-url URL]
    wawp-import ledger reset [--force]                  a damaged ledger set aside, a new one
"""

from __future__ import annotations

import argparse
import csv
import logging
import shlex
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from .atomic import AtomicFile
from .entry import (
    EXIT_OK,
    Console,
    OneLineParser,
    report_error,
)
from .errors import LedgerUnusable, OutputError, UsageError
from .options import DEFAULT_BASE_URL, base_url_key
from .redact import Redactor
from .result_format import RESULTS_ENCODING, safe_cell

if TYPE_CHECKING:
    from .report.ledger import Entry, Holding

log = logging.getLogger(__name__)

COMMANDS = ("show", "forget", "export", "rebuild", "reset")
#: The columns of `ledger export`.
EXPORT_COLUMNS = ("instance_id", "base_url", "chat_id", "first_name", "last_name", "sent_at")


def build_parser() -> argparse.ArgumentParser:
    p = OneLineParser(
        prog="wawp-import ledger",
        description="The ledger records every contact written ok, per instance and base URL, "
                    "so that a re-import does not send it again. Without a command: show what "
                    "it holds.")
    commands = p.add_subparsers(dest="command", metavar="{show,forget,export,rebuild,reset}",
                                parser_class=OneLineParser)

    def command(name: str, help: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help, description=help)
        sub.add_argument("--ledger", type=Path, metavar="FILE",
                         help="the ledger's SQLite file (default: the one imports use)")
        return sub

    command("show", "per instance and base URL: contacts held, oldest and newest write")
    sub = command("forget", "forget one instance's entries: its contacts will all be sent "
                  "again by the next import (asks nothing)")
    sub.add_argument("--instance", required=True, metavar="ID", help="the WAWP instance ID")
    sub.add_argument("--base-url", metavar="URL", help="only its entries for this API "
                     "(default: every base URL it was written through)")
    sub = command("export", "the entries as CSV: instance_id, base_url, chat_id, first_name, "
                  "last_name, sent_at (ISO 8601, UTC)")
    sub.add_argument("--instance", metavar="ID", help="only this instance (default: all)")
    sub.add_argument("--base-url", metavar="URL", help="only this base URL (default: all)")
    sub.add_argument("-o", "--output", type=Path, metavar="FILE.csv",
                     help="write to FILE.csv, UTF-8 with a byte order mark for Excel "
                     "(default: standard output)")
    sub = command("rebuild", "add the contacts that earlier results files have as ok (the way "
                  "back from a lost ledger); each is dated by its file's last change")
    sub.add_argument("results", type=Path, nargs="+", metavar="RESULTS.csv",
                     help="results files of earlier imports to this instance (.csv or .xlsx)")
    sub.add_argument("--instance", metavar="ID",
                     help="the instance they were sent to (env WAWP_INSTANCE_ID)")
    sub.add_argument("--base-url", metavar="URL",
                     help=f"the API they were sent through (env WAWP_BASE_URL, default "
                     f"{DEFAULT_BASE_URL})")
    sub = command("reset", "start an empty ledger: a damaged one is moved aside as "
                  "<name>.damaged-<date>, never deleted; every contact will be sent again")
    sub.add_argument("--force", action="store_true",
                     help="also when the ledger is sound (moved aside as <name>.reset-<date>)")
    return p


def main(argv: Sequence[str], *, default_ledger: Path, env: dict[str, str], out: TextIO,
         err: TextIO, clock: Callable[[], float] = time.time) -> int:
    """Run `wawp-import ledger ARGV`; `default_ledger` is the file an import would use."""
    argv = list(argv)
    if not argv or (argv[0].startswith("-") and argv[0] not in ("-h", "--help")):
        argv.insert(0, "show")  # `wawp-import ledger [--ledger FILE]` shows it
    args = build_parser().parse_args(argv)
    console = Console(out, err, Redactor([env.get("WAWP_ACCESS_TOKEN", "")]))
    path: Path = args.ledger or default_ledger
    ledger_option = [] if args.ledger is None else ["--ledger", str(path)]
    try:
        return COMMAND_FUNCTIONS[args.command](args, path, env, console, clock)
    except (Exception, KeyboardInterrupt) as exc:  # every stop gets its line and exit code
        return report_error(exc, console, logger=log, describe=lambda error: describe_unusable(
            error, ledger_option=ledger_option) if isinstance(error, LedgerUnusable)
            else str(error))


def describe_unusable(exc: LedgerUnusable, *, ledger_option: Sequence[str] = (),
                      instance_id: str = "") -> str:
    """The command line's words for a ledger that cannot be used: what is wrong, the way out.

    `ledger_option` is `--ledger FILE` when the command named one (so the commands it
    suggests act on the same file); `instance_id` fills in the rebuild command when known.
    """
    extra = shlex.join(ledger_option)
    extra = f" {extra}" if extra else ""
    reset = f"`wawp-import ledger reset{extra}` (every contact will then be sent again)"
    instance = shlex.quote(instance_id) if instance_id else "ID"
    if exc.problem in ("empty", "not_sqlite", "foreign", "damaged"):
        return (f"{exc}: restore it from a backup, rebuild it from earlier results with "
                f"`wawp-import ledger rebuild RESULTS.csv… --instance {instance}{extra}`, "
                f"or start afresh with {reset}")
    if exc.problem == "newer":
        return f"{exc}: use that newer wawp-import, or name another ledger with --ledger FILE"
    if exc.problem == "folder":
        return (f"{exc}: name a ledger file with --ledger FILE, or move the folder aside and "
                f"start afresh with {reset}")
    return (f"{exc}: give your user read and write access to it and its folder, or name "
            "another ledger with --ledger FILE")


# -- the commands ----------------------------------------------------------------------------


def show(args: argparse.Namespace, path: Path, env: dict[str, str], console: Console,
         clock: Callable[[], float]) -> int:
    from .report.ledger import LedgerFile

    with LedgerFile(path) as ledger:
        if not ledger.exists:
            console.say(f"No ledger at {path} yet: the first import that writes a contact ok "
                        "creates it.")
            return EXIT_OK
        holdings = ledger.holdings()
    total = sum(h.contacts for h in holdings)
    if not holdings:
        console.say(f"Ledger {path}: empty, it holds no contact.")
        return EXIT_OK
    console.say(f"Ledger {path}: {total:,} contact{'s' if total != 1 else ''} in "
                f"{len(holdings)} instance{'s' if len(holdings) != 1 else ''}.")
    rows = [("instance", "base URL", "contacts", "oldest (UTC)", "newest (UTC)")]
    rows += [(h.instance_id, h.base_url, f"{h.contacts:,}", _minute(h.oldest),
              _minute(h.newest)) for h in holdings]
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    for r in rows:
        cells = [r[0].ljust(widths[0]), r[1].ljust(widths[1]), r[2].rjust(widths[2]),
                 r[3].ljust(widths[3]), r[4]]
        console.say("  " + "  ".join(cells).rstrip())
    return EXIT_OK


def forget(args: argparse.Namespace, path: Path, env: dict[str, str], console: Console,
           clock: Callable[[], float]) -> int:
    from .report.ledger import LedgerFile

    base_url = _base_url(args.base_url)
    with LedgerFile(path, writable=True) as ledger:
        if not ledger.exists:
            raise UsageError(f"there is no ledger at {path}: nothing to forget")
        dropped = ledger.forget(args.instance, base_url)
        if not dropped:
            raise UsageError(_unknown(path, args.instance, base_url, ledger.holdings()))
    for h in dropped:
        console.say(f"Forgot {h.contacts:,} contact{'s' if h.contacts != 1 else ''} of "
                    f"instance {h.instance_id} at {h.base_url}: the next import sends "
                    "them all again.")
    return EXIT_OK


def export(args: argparse.Namespace, path: Path, env: dict[str, str], console: Console,
           clock: Callable[[], float]) -> int:
    from .report.ledger import LedgerFile

    base_url = _base_url(args.base_url)
    to_file = args.output is not None and str(args.output) != "-"
    with LedgerFile(path) as ledger:
        if args.instance is not None or base_url is not None:
            known = ledger.holdings()
            if not any((args.instance is None or h.instance_id == args.instance)
                       and (base_url is None or h.base_url == base_url) for h in known):
                raise UsageError(_unknown(path, args.instance, base_url, known))
        entries = ledger.entries(instance_id=args.instance, base_url=base_url)
        if not to_file:
            count = _write_csv(console.out, entries)
            console.out.flush()
            return EXIT_OK
        try:
            # private: it holds phone numbers and names, as the ledger does
            with AtomicFile(args.output, encoding=RESULTS_ENCODING, newline="",
                            permissions=0o600, keep_on_error=False) as target:
                count = _write_csv(target.file, entries)
        except OSError as exc:
            raise OutputError(f"cannot write {args.output}: {exc.strerror}") from None
    console.warn(f"Exported {count:,} contact{'s' if count != 1 else ''} to {args.output}.")
    return EXIT_OK


def rebuild(args: argparse.Namespace, path: Path, env: dict[str, str], console: Console,
            clock: Callable[[], float]) -> int:
    from .errors import ConfigError
    from .read.results_input import sent_ok_contacts
    from .report.ledger import Ledger

    instance_id = args.instance or env.get("WAWP_INSTANCE_ID", "")
    if not instance_id:
        raise ConfigError("which instance were these results sent to? Give --instance ID "
                          "(or set WAWP_INSTANCE_ID)")
    base_url = _base_url(args.base_url or env.get("WAWP_BASE_URL") or DEFAULT_BASE_URL)
    assert base_url is not None
    for results in args.results:  # all there before the ledger is touched
        if not results.is_file():
            raise UsageError(f"cannot read {results}: no such file")
    with Ledger(path, instance_id=instance_id, base_url=base_url, clock=clock) as ledger:
        for results in args.results:
            at = results.stat().st_mtime
            contacts = list(sent_ok_contacts(results))
            changed = ledger.restore(contacts, at=at)
            console.say(f"{results}: {len(contacts):,} contact{'s' if len(contacts) != 1 else ''}"
                        f" written ok, dated {_minute(at)} UTC (the file's last change); "
                        f"{changed:,} added to or updated in the ledger.")
        held = len(ledger)
    console.say(f"Ledger {path} now holds {held:,} contact{'s' if held != 1 else ''} of "
                f"instance {instance_id} at {base_url}.")
    return EXIT_OK


def reset(args: argparse.Namespace, path: Path, env: dict[str, str], console: Console,
          clock: Callable[[], float]) -> int:
    import os

    from .report.ledger import LedgerFile, create_ledger, set_aside

    if not os.path.lexists(path):
        console.say(f"No ledger at {path}: nothing to reset; the next import creates it.")
        return EXIT_OK
    try:
        with LedgerFile(path) as ledger:
            holdings = ledger.holdings()
        damaged = None
    except LedgerUnusable as exc:
        damaged, holdings = exc, []
    total = sum(h.contacts for h in holdings)
    if damaged is None and not args.force:
        if not total:
            console.say(f"The ledger {path} is sound and empty: nothing to reset.")
            return EXIT_OK
        raise UsageError(f"the ledger {path} is sound ({total:,} contact"
                         f"{'s' if total != 1 else ''}): reset would have every contact sent "
                         "again; `wawp-import ledger forget --instance ID` forgets one "
                         "instance, --force resets it anyway")
    aside = set_aside(path, now=clock(), label="damaged" if damaged is not None else "reset")
    create_ledger(path)
    why = f" ({damaged})" if damaged is not None else ""
    console.say(f"Moved the ledger aside to {aside}{why}.")
    console.say(f"Started an empty ledger at {path}: the next import sends every contact "
                "again (and records it).")
    return EXIT_OK


COMMAND_FUNCTIONS = {"show": show, "forget": forget, "export": export, "rebuild": rebuild,
                     "reset": reset}


# -- helpers ---------------------------------------------------------------------------------


def _base_url(url: str | None) -> str | None:
    """As imports record it, however it is spelled (`options.base_url_key`)."""
    return None if url is None else base_url_key(url)


def _minute(timestamp: float | None) -> str:
    if timestamp is None:
        return "-"
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M")


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="seconds").replace(
        "+00:00", "Z")


def _write_csv(target: TextIO, entries: Iterable[Entry]) -> int:
    writer = csv.writer(target)
    writer.writerow(EXPORT_COLUMNS)
    count = 0
    for e in entries:
        writer.writerow([safe_cell(e.instance_id), safe_cell(e.base_url), safe_cell(e.chat_id),
                         safe_cell(e.first_name), safe_cell(e.last_name), _iso(e.sent_at)])
        count += 1
    return count


def _unknown(path: Path, instance_id: str | None, base_url: str | None,
             known: Sequence[Holding]) -> str:
    what = " ".join(filter(None, [f"instance {instance_id}" if instance_id else "",
                                  f"at {base_url}" if base_url else ""]))
    if not known:
        return f"the ledger {path} has no {what}: it holds no instance yet"
    listed = ", ".join(f"{h.instance_id} at {h.base_url}" for h in known)
    return f"the ledger {path} has no {what}; it knows: {listed}"
