"""The command line: flags and environment → ImportOptions; progress, summary, exit codes.

This is the only module that prints, exits or reads the environment.

Exit codes: 0 every row ok/ready/duplicate/unchanged; 1 some rows invalid, failed or not
attempted; 2 nothing was sent because the command or input is unusable (or, with --no-wait,
another run was sending to the instance); 3 the API rejected the credentials; 4 the results
could not be written; 130 interrupted (also while waiting for another run).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import importlib
import json
import logging
import os
import shlex
import shutil
import signal
import stat
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, TextIO

from . import __version__
from .config import read_config
from .entry import (
    EXIT_INTERNAL,  # noqa: F401  (the exit codes are the command's, tests read them here)
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_OUTPUT,
    EXIT_REJECTED,
    EXIT_ROWS,
    Console,
    OneLineParser,
    Setting,
    add_settings,
    enable_logging,
    read_token,
    report_error,
    settings_from_args,
    tolerate_unprintable,
    update_log_redactor,
)
from .errors import (
    DryRunResults,
    ImporterError,
    LedgerUnusable,
    OutputError,
)
from .models import RowResult, Status, Summary
from .notes import NOTE_WORDS
from .options import ImportOptions, settings_fields
from .paths import default_ledger, default_verify_cache
from .redact import Redactor
from .report.summary import (
    render_preview,
    render_send_estimate,
    render_summary,
    render_verify_estimate,
    summary_to_dict,
    write_json,
)

if TYPE_CHECKING:
    # Loaded only when a run starts (in main and the helpers it calls), so that `--help`,
    # `--version` and a usage error never load the pipeline, phonenumbers, httpx or aiohttp.
    from .mappings import Mapping, Remembered
    from .normalize.region_fit import RegionFit
    from .pipeline import Plan
    from .report.instance_lock import LockHolder
    from .send.control import RunControl
    from .send.verify import VerifyProgress

log = logging.getLogger(__name__)

EPILOG = """\
examples:
  wawp-import contacts.xlsx --dry-run              what would be sent; nothing is sent
  wawp-import contacts.xlsx --token-file ~/.wawp-token --default-region EG
  wawp-import contacts.xlsx --limit 20             a canary: the first 20 contacts only
  wawp-import contacts.xlsx --resume               go on after Ctrl-C, a kill or a crash
  wawp-import contacts.results.csv --retry-failed  send the failed rows again
  wawp-import export.csv --phone-column Mobile --sheet Members
  wawp-import sandbox                              a local WAWP to rehearse on
  wawp-import ledger                               what each address book holds

exit codes:
  0    every row ok, ready, duplicate or unchanged
  1    the run finished, but some rows are invalid, failed, not_attempted or not_on_whatsapp
  2    nothing was sent: the command or the input is unusable (one line says why)
  3    the API rejected the token or the instance (401/403)
  4    the results or the journal could not be written (disk full…)
  70   internal error (please report it)
  130  interrupted (Ctrl-C); --resume goes on
"""


def build_parser(settings: Iterable[Setting] | None = None) -> argparse.ArgumentParser:
    """The command's flags: the input, --version, and one flag per setting (options.py;
    `settings` replaces them, e.g. a test's definition with one more field)."""
    p = OneLineParser(
        prog="wawp-import",
        description="Import a spreadsheet of contacts into a WhatsApp number's address book "
                    "through the WAWP API. Other commands: `wawp-import sandbox --help` (a "
                    "local WAWP to rehearse on), `wawp-import serve --help` (the web page), "
                    "`wawp-import ledger --help` (what was sent, per instance).",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("input", type=Path, help="the spreadsheet: .csv, .tsv, .txt, .xlsx, .xls, "
                   ".ods, or a vCard file (.vcf); - for standard input")
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    add_settings(p, settings_fields() if settings is None else settings)
    return p


def options_from_args(args: argparse.Namespace, env: dict[str, str], token: str) -> ImportOptions:
    """The run's options from the flags (and the config file under them), the environment
    where a flag names one, and the token `read_token` found."""
    values = settings_from_args(args, env, settings_fields(ImportOptions))
    values.update(input=args.input, access_token=token, ledger=ledger_file(args.ledger, env))
    if values["verify_cache"] is None:
        values["verify_cache"] = default_verify_cache(values["instance_id"])
    return ImportOptions(**values)


def describe_remembered(mapping: Mapping, *, asked: bool) -> str:
    """The plan's line about a remembered mapping in use."""
    if asked:
        return f"Columns and settings {mapping.describe()} (--mapping-from)."
    return (f"Columns and settings {mapping.describe()}; --no-remembered-mapping to choose "
            "afresh.")


def remember_mapping(remembered: Remembered, plan: Plan, console: Console) -> None:
    """Keep this import's mapping for the next file with these headers; a store that cannot
    be written costs a warning, never the import's result."""
    try:
        remembered.remember(plan, plan.options.input.name)
    except ImporterError as exc:
        console.warn(f"warning: the mapping was not remembered: {exc}")


def describe_plan(plan: Plan) -> str:
    info = plan.table.info

    def how(detected: bool) -> str:
        return "detected" if detected else "as given"

    parts = [f"Reading {plan.options.input.name}: {info.label}"]
    if info.encoding:
        parts.append(f"encoding {info.encoding} ({how(info.encoding_detected)})")
    if info.delimiter:
        parts.append(f"delimiter {info.delimiter!r} ({info.delimiter_name}, "
                     f"{how(info.delimiter_detected)})")
    if info.sheet:
        others = ", ".join(repr(s) for s in info.sheets if s != info.sheet)
        if info.sheet_reason == "as given":
            why = f"as given; also in the file: {others}" if others else "as given"
        else:  # the reader's notes list the other sheets and what each holds
            why = info.sheet_reason
        parts.append(f"sheet {info.sheet!r}" + (f" ({why})" if why else ""))
    if info.header_row:
        parts.append(f"header row {info.header_row} ({how(info.header_detected)})")
    elif info.kind == "vcard":
        parts.append("one row per card, numbered from 1")
    else:
        parts.append("no header row (as given; columns named 1, 2, 3…)")
    if info.rows is not None:
        parts.append(f"{info.rows:,} data row{'s' if info.rows != 1 else ''}")
    text = ", ".join(parts) + f".\nColumns: {plan.columns.describe(plan.table.headers)}."
    if plan.region_source:
        text += (f"\nRegion {plan.region}, from {plan.region_source}; --default-region to "
                 "change.")
    for note in info.notes:
        text += f"\n{NOTE_WORDS.say(note)}"
    if plan.fixes and plan.options.fixes is not None:
        count = len(plan.fixes.rows)
        text += (f"\nFixes: {count:,} row{'s' if count != 1 else ''} from "
                 f"{plan.options.fixes.name}, applied as they are read (the input is not "
                 "changed; their detail says what was fixed).")
    return text


#: An estimate shorter than this is not worth a line (200 contacts at the default 20/s).
ESTIMATE_FROM_SECONDS = 10.0
#: The garbage collector's first threshold during a run (Python's default: 700).
RUN_GC_THRESHOLD = 10_000


def describe_outlook(plan: Plan) -> list[str]:
    """The lines after the plan paragraph: how long the sending will take, and whether the
    numbers look like they are from another region."""
    lines: list[str] = []
    options = plan.options
    rows = plan.table.info.rows
    if options.rate > 0 and rows:
        contacts = min(rows, options.limit) if options.limit else rows
        if contacts / options.rate >= ESTIMATE_FROM_SECONDS:
            lines.append(render_send_estimate(contacts, options.rate, dry_run=options.dry_run))
    if plan.region_fit is not None:
        warning = describe_region_fit(plan.region_fit)
        if warning:
            lines.append(warning)
    return lines


def describe_region_fit(judged: RegionFit) -> str | None:
    """A warning when the first rows' numbers look foreign to the region, naming the region
    that fits them (as the web page does, in the command's words); None when they fit."""
    if not judged.looks_foreign:
        return None
    from .normalize.region_fit import region_name  # phonenumbers: only once a run has begun

    best, current = judged.better, judged.current
    hint = (f"they look like numbers from {region_name(best.region)}: {best.valid:,} of "
            f"{best.numbers:,} valid there, {best.mobiles:,} of them mobiles. --default-region "
            f"{best.region} if that is where they are from." if best is not None else
            "check --default-region.")
    if current is None:
        return (f"No region: the {judged.numbers:,} numbers written without a country code "
                f"in the first rows cannot be read; {hint}")
    where = f"{region_name(current.region)} ({current.region})"
    if judged.mostly_invalid:
        what = (f"{current.invalid:,} of the {current.numbers:,} numbers written without a "
                f"country code in the first rows are not valid in {where}")
    else:
        what = (f"{current.landlines:,} of the {current.valid:,} numbers valid in {where} in "
                "the first rows read as landlines, which are rarely on WhatsApp")
    return f"{what}; {hint}"


def describe_summary(summary: Summary, *, retry_command: str | None = None,
                     retry_invalid_command: str | None = None) -> str:
    """The closing lines (report/summary.py writes them; a dry run adds the preview first)."""
    text = render_summary(summary, retry_command=retry_command,
                          retry_invalid_command=retry_invalid_command)
    return f"{render_preview(summary)}\n\n{text}" if summary.dry_run else text


# -- saved settings (--config) -----------------------------------------------------------------

def config_defaults(path: Path) -> dict[str, object]:
    """The settings of a config file (read and checked as `run_import` reads one) as the
    parser's defaults: what the flags then say overrides them."""
    values = read_config(path)
    for f, spec in settings_fields():
        if spec.many and f.name in values:
            # the repeatable flag's list: the fallbacks, else the one column
            many = values.pop(spec.many, None)
            values[f.name] = list(many) if many else [values[f.name]]
    return values


def parse_args(parser: argparse.ArgumentParser, argv: Sequence[str]) -> argparse.Namespace:
    """The command line over the settings of --config FILE (options given override the file).

    Parsed twice, so that the config file is found however its option is spelled.
    """
    args = parser.parse_args(argv)
    if args.config is None:
        return args
    try:
        defaults = config_defaults(args.config)
    except ImporterError as exc:
        parser.error(str(exc))
    if args.retry_failed or args.retry_invalid:
        # A retry writes beside the results it reads, not where the config sends a new import.
        defaults.pop("results", None)
    parser.set_defaults(**defaults)
    return parser.parse_args(argv)


def ledger_file(given: Path | None, env: dict[str, str]) -> Path:
    """The ledger a command uses, imports and `wawp-import ledger` alike: --ledger FILE,
    else the default (WAWP_LEDGER, else the user's data folder)."""
    return given or default_ledger(env)


# -- what to type next -------------------------------------------------------------------------

def left_out(*repeat: str) -> frozenset[str]:
    """The settings a printed command leaves out: those whose Spec does not say `repeat`
    (the retry leaves out the reading options, which were the original spreadsheet's)."""
    return frozenset(f.name for f, spec in settings_fields() if spec.repeat not in repeat)


#: Options a retry command leaves out: the retry sets its own input, results and mode, the
#: reading options were for the original spreadsheet, and the token is never repeated.
NOT_REPEATED = left_out("always")


def retry_command(parser: argparse.ArgumentParser, args: argparse.Namespace, results: str,
                  flag: str) -> str:
    """The command that re-runs `results` with `flag`, with the options of this run."""
    parts = ["wawp-import", flag, results]
    if args.config is not None:
        parts += ["--config", str(args.config)]
    parts += repeated_options(parser, args, NOT_REPEATED)
    return shlex.join(parts)


#: Options the command that sends after a dry run leaves out: it is the dry run's command
#: without --dry-run, writing the real results where they belong.
NOT_REPEATED_TO_SEND = left_out("always", "to_send")


def send_command(parser: argparse.ArgumentParser, args: argparse.Namespace,
                 source: Path | None = None) -> str:
    """The command that sends what a dry run showed: the same options without --dry-run
    (and without --results, so the results go where a retry looks for them). `source`
    replaces the input (the spreadsheet, when the input was a dry run's results)."""
    parts = ["wawp-import"]
    if source is None:
        parts += [flag for flag, on in (("--retry-failed", args.retry_failed),
                                        ("--retry-invalid", args.retry_invalid)) if on]
    parts.append(str(source if source is not None else args.input))
    if args.config is not None:
        parts += ["--config", str(args.config)]
    parts += repeated_options(parser, args, NOT_REPEATED_TO_SEND)
    return shlex.join(parts)


def repeated_options(parser: argparse.ArgumentParser, args: argparse.Namespace,
                     left_out: frozenset[str]) -> list[str]:
    """The options of this run that differ from their defaults, as typed, but `left_out`."""
    parts: list[str] = []
    for action in parser._actions:
        if not action.option_strings or action.dest in left_out:
            continue
        value = getattr(args, action.dest, None)
        if value is None or value == parser.get_default(action.dest):
            continue
        option = max(action.option_strings, key=len)
        if action.nargs == 0:
            parts.append(option)
        else:
            for item in value if isinstance(value, list) else [value]:
                parts += [option, f"{item:g}" if isinstance(item, float) else str(item)]
    return parts


def write_summary_json(target: Path, data: dict[str, object], console: Console) -> None:
    """The summary JSON to a file, or to standard output for `-` (through the redactor)."""
    if str(target) == "-":
        # \u escapes where standard output cannot show every character: a program reading
        # the JSON gets every name intact, never a replaced "?".
        encoding = (getattr(console.out, "encoding", None) or "").lower().replace("-", "")
        console.say(json.dumps(data, ensure_ascii=not encoding.startswith("utf"), indent=2))
    else:
        write_json(target, data)


class VerifyDisplay:
    """Says how long the --verify check will take, then shows its progress."""

    def __init__(self, console: Console, progress_enabled: bool) -> None:
        self.console = console
        self.enabled = progress_enabled
        self.bar: Any = None

    def __call__(self, progress: VerifyProgress) -> None:
        if progress.done == 0:
            self.console.warn(render_verify_estimate(progress.to_check, progress.cached,
                                                     progress.rate))
            if progress.to_check:
                from tqdm import tqdm

                self.bar = tqdm(total=progress.to_check, unit=" numbers", file=self.console.err,
                                disable=not self.enabled, dynamic_ncols=True, mininterval=0.5)
            return
        if self.bar is not None:
            self.bar.update(1)
            if progress.done == progress.to_check:
                self.close()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def waiting_line(console: Console, options: ImportOptions) -> Callable[[LockHolder | None],
                                                                      None]:
    """run_plan's `on_wait`: one line when the run starts waiting for another one sending
    to its instance."""

    def on_wait(holder: LockHolder | None) -> None:
        if holder is None:
            return
        who = holder.describe()
        console.warn(f"waiting for the other wawp-import sending to instance "
                     f"{options.instance_id} ({who + '; ' if who else ''}--no-wait to stop "
                     "instead)…")

    return on_wait


def exit_code(summary: Summary) -> int:
    if summary.interrupted:
        return EXIT_INTERRUPTED
    if summary.aborted:
        return EXIT_REJECTED
    return EXIT_OK if summary.all_succeeded else EXIT_ROWS


def make_progress(enabled: bool, err: TextIO, total: int | None = None):
    """Rows done, rows/s, and with a known row count the ETA; ok/failed counts as postfix."""
    from tqdm import tqdm

    return tqdm(total=total, unit=" rows", file=err, disable=not enabled, dynamic_ncols=True,
                mininterval=0.5)


class ProgressTicker:
    """Moves the progress bar on for each result: it counts the rows sent in this run.

    A row nothing was sent for (invalid, duplicate, skipped by --resume, carried over by a
    retry, not attempted) takes one row off the bar's total instead, so its rate and ETA are
    those of the sending. In a dry run every row counts: nothing is sent, every row is work.
    """

    def __init__(self, bar: Any, *, dry_run: bool) -> None:
        self.bar = bar
        self.dry_run = dry_run
        self.ok = 0
        self.failed = 0
        #: Rows this run sent that the API stored (ok): what a failure must still report.
        self.sent_ok = 0
        self._sent = False

    def sent(self, result: RowResult) -> None:
        """run_plan's `on_sent`: this run sent the row it hears next as a result."""
        self._sent = True

    def __call__(self, result: RowResult) -> None:
        bar, status = self.bar, result.status
        if status is Status.OK or status is Status.READY:
            self.ok += 1
        elif status is Status.FAILED:
            self.failed += 1
        sent, self._sent = self._sent, False
        if sent and status is Status.OK:
            self.sent_ok += 1
        if sent or self.dry_run:
            bar.update(1)
        elif bar.total and bar.total > bar.n:
            bar.total -= 1
        if not bar.disable:  # shown at the bar's next refresh, not per row
            bar.set_postfix_str(f"ok {self.ok}, failed {self.failed}", refresh=False)


def _write_now(err: TextIO, text: str) -> None:
    """Write from a signal handler: a raw write, since print() may be in the middle of
    writing to the same stream (a reentrant call on a buffered stream raises)."""
    try:
        os.write(err.fileno(), text.encode("utf-8", "replace"))
    except (AttributeError, OSError, ValueError):
        pass  # a stream without a file descriptor (tests): nothing to show


def handle_interrupts(control: RunControl, err: TextIO) -> Callable[[], None]:
    """Install the Ctrl-C handler for a run; returns the function that removes it.

    First press: `control.interrupt()`: no new request starts, those in flight finish, the
    results are written complete (rows not sent are not_attempted) and the exit code is 130.
    Second press: leave at once; the journal already holds every answered row (each line is
    flushed when written), so `--resume` loses nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    presses = 0

    def on_sigint(signum: int, frame: object) -> None:
        nonlocal presses
        presses += 1
        if presses == 1:
            _write_now(err, "\nwawp-import: stopping: no new rows are sent; waiting for the "
                            "requests in flight (press Ctrl-C again to quit at once)\n")
            control.interrupt()
        else:
            _write_now(err, "\nwawp-import: quit; run the same command with --resume to "
                            "send the rest\n")
            os._exit(EXIT_INTERRUPTED)

    previous = signal.signal(signal.SIGINT, on_sigint)
    return lambda: signal.signal(signal.SIGINT, previous)


def spool_stream_input(args: argparse.Namespace, stdin: BinaryIO,
                       stack: contextlib.ExitStack) -> None:
    """`-` (standard input) and pipes (`<(…)`, a named pipe) can be read once only, and a
    run reads its input several times (the type is sniffed first; --verify reads it twice):
    their bytes are copied once into a private temporary folder, removed when the run ends.
    Their results go to the current folder (`stdin.results.csv`) unless --results says."""
    source: Path = args.input
    if str(source) == "-":
        stream, name = stdin, "stdin"
    else:
        try:
            mode = source.stat().st_mode
        except OSError:
            return  # the pipeline says what is wrong with the path
        if not (stat.S_ISFIFO(mode) or stat.S_ISCHR(mode)):
            return
        stream, name = stack.enter_context(source.open("rb")), source.name
    folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="wawp-import-")))
    args.input = folder / name
    with args.input.open("xb") as copy:
        shutil.copyfileobj(stream, copy, 1 << 20)
    if args.results is None and not (args.retry_failed or args.retry_invalid):
        args.results = Path.cwd() / f"{Path(name).stem}.results.csv"


def main(argv: Sequence[str] | None = None, *, env: dict[str, str] | None = None,
         out: TextIO | None = None, err: TextIO | None = None,
         stdin: BinaryIO | None = None) -> int:
    """The command; `stdin` is what `-` reads (standard input unless a test passes bytes)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    env = dict(os.environ if env is None else env)
    if out is None and err is None:
        tolerate_unprintable(sys.stdout, sys.stderr)
    out = out or sys.stdout
    err = err or sys.stderr
    if argv and argv[0] == "sandbox":
        # By name: the sandbox stands apart (it imports nothing of the importer, and the
        # importer does not import it); `wawp-import sandbox` only hands it the command line.
        sandbox = importlib.import_module("importer.sandbox")
        return int(sandbox.main(argv[1:]))
    if argv and argv[0] == "serve":
        # By name too: the web app is an entry point of its own that uses the library;
        # nothing outside importer/web imports it.
        serve = importlib.import_module("importer.web.serve")
        return int(serve.main(argv[1:], env=env, out=out, err=err))
    if argv and argv[0] == "ledger":
        # By name, loaded only here: what the ledger holds, forgetting, exporting, rebuilding.
        ledger_cli = importlib.import_module("importer.ledger_cli")
        return int(ledger_cli.main(argv[1:], default_ledger=ledger_file(None, env), env=env,
                                   out=out, err=err))
    console = Console(out, err, Redactor([env.get("WAWP_ACCESS_TOKEN", "")]))
    parser = build_parser()
    args = parse_args(parser, argv)
    spooled = contextlib.ExitStack()
    tick: ProgressTicker | None = None
    try:
        spooled.callback(enable_logging(console.redact, err=err if args.verbose else None,
                                        log_file=args.log_file))
        spool_stream_input(args, stdin or sys.stdin.buffer, spooled)
        token = read_token(args, env, console)
        console.redact = Redactor([token, env.get("WAWP_ACCESS_TOKEN", "")])
        update_log_redactor(console.redact)
        options = options_from_args(args, env, token)
        from .mappings import remembered_for
        from .pipeline import plan_import, run_plan
        from .send.control import RunControl

        options, remembered = remembered_for(options, mapping_from=args.mapping_from,
                                             fresh=args.no_remembered_mapping)
        plan = plan_import(options)
        # The normalizing workers are forked before the progress bar starts its thread.
        spooled.callback(plan.normalizer.stop_workers)
        plan.start_workers()
        console.warn(describe_plan(plan).replace("\n", "\nwawp-import: "))
        if remembered is not None and remembered.used is not None:
            console.warn(describe_remembered(remembered.used, asked=remembered.asked))
        for line in describe_outlook(plan):
            console.warn(line)
        progress = make_progress(not args.no_progress and err.isatty(), err,
                                 plan.table.info.rows)
        tick = ProgressTicker(progress, dry_run=options.dry_run)

        show_verify = VerifyDisplay(console, not args.no_progress and err.isatty())
        started = time.monotonic()
        control = RunControl()
        restore_sigint = handle_interrupts(control, err)
        # What is loaded by now (phone metadata, httpx, aiohttp…) lives as long as the
        # process: keep it out of every garbage collection. Without this, a full collection
        # walks it all and stops the event loop for 50-100 ms, several times a run. Undone
        # after the run (unless a caller froze it first): main() may run again in a process.
        frozen_here = gc.get_freeze_count() == 0
        gc.freeze()
        # A run makes and drops objects in bursts (a chunk of rows, a window of answers): at
        # the default threshold (700) the young generation was collected ~8 times per 1,000
        # rows, the older ones after it, ~1.9 µs a row in all (a tenth of a re-import's
        # time); at RUN_GC_THRESHOLD ~0.2 µs, each pause a few ms at most. Restored after.
        thresholds = gc.get_threshold()
        gc.set_threshold(RUN_GC_THRESHOLD, *thresholds[1:])
        try:
            summary = run_plan(plan, on_result=tick, on_sent=tick.sent, on_verify=show_verify,
                               control=control, on_wait=waiting_line(console, options))
        finally:
            gc.set_threshold(*thresholds)
            if frozen_here:
                gc.unfreeze()
            restore_sigint()
            progress.close()
        summary.elapsed = time.monotonic() - started
        if (remembered is not None and not options.dry_run and not summary.interrupted
                and not summary.aborted):
            remember_mapping(remembered, plan, console)
    except (Exception, KeyboardInterrupt) as exc:  # every stop gets its line and exit code
        return stopped(exc, parser, args, env, console, tick)
    finally:
        spooled.close()
    code = finish(summary, parser, args, console)
    if not summary.dry_run and (summary.interrupted or summary.aborted):
        console.warn("to send the rest later, run the same command again with --resume "
                     "(rows already sent ok are skipped)")
    return code


def stopped(exc: BaseException, parser: argparse.ArgumentParser, args: argparse.Namespace,
            env: dict[str, str], console: Console, tick: ProgressTicker | None) -> int:
    """The lines and exit code of a run that `exc` stopped (entry.report_error words it),
    and what to type next where there is something to."""

    def describe(error: ImporterError) -> str:
        if isinstance(error, LedgerUnusable):  # before anything was sent: what to do about it
            from .ledger_cli import describe_unusable

            given = [] if args.ledger is None else ["--ledger", str(args.ledger)]
            instance = args.instance_id or env.get("WAWP_INSTANCE_ID", "")
            return describe_unusable(error, ledger_option=given, instance_id=instance)
        return str(error)

    more = "" if args.verbose or args.log_file else "; -v shows more"
    code = report_error(exc, console, describe=describe, more=more, logger=log)
    if isinstance(exc, DryRunResults) and exc.spreadsheet is not None:
        console.warn(f"to send them: {send_command(parser, args, exc.spreadsheet)}")
    if isinstance(exc, OutputError) and tick is not None and not args.dry_run:
        sent = ("nothing was sent" if not tick.sent_ok else
                f"at least {tick.sent_ok:,} contact{'s were' if tick.sent_ok != 1 else ' was'}"
                " sent ok")
        console.warn(f"{sent} before this; once there is room, run the same command again "
                     "with --resume to send the rest (rows already sent are skipped)")
    return code


def finish(summary: Summary, parser: argparse.ArgumentParser, args: argparse.Namespace,
           console: Console) -> int:
    """Print the closing lines (and write --summary-json); return the exit code."""
    code = exit_code(summary)
    retry = retry_command(parser, args, summary.results_path, "--retry-failed")
    retry_invalid = retry_command(parser, args, summary.results_path, "--retry-invalid")
    text = describe_summary(summary, retry_command=retry, retry_invalid_command=retry_invalid)
    if summary.dry_run and summary.count(Status.READY):
        text += f"\nTo send: {send_command(parser, args)}"
    if str(args.summary_json) == "-":
        # Standard output carries only the JSON then, for a program to read.
        print(console.redact(text), file=console.err, flush=True)
    else:
        console.say(text)
    if args.summary_json is not None:
        data = summary_to_dict(summary, exit_code=code, retry_command=retry,
                               retry_invalid_command=retry_invalid)
        try:
            write_summary_json(args.summary_json, data, console)
        except OutputError as exc:
            console.warn(f"error: {exc}")
            return EXIT_OUTPUT
    return code
