"""The command line: flags and environment → ImportOptions; progress, summary, exit codes.

This is the only module that prints, exits or reads the environment.

Exit codes: 0 every row ok/ready/duplicate; 1 some rows invalid, failed or not attempted;
2 nothing was sent because the command or input is unusable; 3 the API rejected the
credentials; 4 the results could not be written; 130 interrupted.
"""

from __future__ import annotations

import argparse
import os
import stat
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from . import __version__
from .errors import (ApiRejected, ImporterError, OutputError, PreflightError, UsageError)
from .models import RowResult, Status, Summary
from .options import (DEFAULT_BASE_URL, DEFAULT_CONCURRENCY, DEFAULT_MAX_ATTEMPTS, DEFAULT_RATE,
                      DEFAULT_TIMEOUT, ImportOptions)
from .pipeline import Plan, plan_import, run_plan
from .redact import Redactor

EXIT_OK, EXIT_ROWS, EXIT_USAGE, EXIT_REJECTED, EXIT_OUTPUT, EXIT_INTERRUPTED = 0, 1, 2, 3, 4, 130
EXIT_INTERNAL = 70
SUBCOMMANDS = ("sandbox",)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="wawp-import",
        description="Import a spreadsheet of contacts into a WhatsApp number's address book "
                    "through the WAWP API. Other commands: `wawp-import sandbox --help`.",
    )
    p.add_argument("input", type=Path, help="the spreadsheet: .csv, .tsv, .txt, .xlsx, .xls, .ods")
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    p.add_argument("--results", type=Path, help="results file (default: <input>.results.csv)")
    p.add_argument("--dry-run", action="store_true", help="do everything but send")

    g = p.add_argument_group("reading")
    g.add_argument("--sheet", help="workbook sheet, by name or 1-based number")
    g.add_argument("--header-row", type=int, help="row number of the header")
    g.add_argument("--encoding", help="text encoding of a CSV (default: detected)")
    g.add_argument("--delimiter", help="CSV delimiter (default: detected)")
    g.add_argument("--max-rows", type=int, help="refuse inputs with more data rows than this")

    g = p.add_argument_group("columns (a header name or a 1-based column number)")
    g.add_argument("--phone-column")
    g.add_argument("--name-column", help="a full-name column, split into first/last")
    g.add_argument("--first-name-column")
    g.add_argument("--last-name-column")

    g = p.add_argument_group("normalizing")
    g.add_argument("--default-region", help="ISO country code for national numbers, e.g. EG")

    g = p.add_argument_group("sending")
    g.add_argument("--base-url", help=f"WAWP API (env WAWP_BASE_URL, default {DEFAULT_BASE_URL})")
    g.add_argument("--instance-id", help="WAWP instance (env WAWP_INSTANCE_ID)")
    g.add_argument("--token-file", type=Path, help="file holding the access token "
                   "(else env WAWP_ACCESS_TOKEN)")
    g.add_argument("--access-token", help=argparse.SUPPRESS)
    g.add_argument("--concurrency", type=int, default=DEFAULT_CONCURRENCY,
                   help=f"requests in flight at once (default {DEFAULT_CONCURRENCY})")
    g.add_argument("--rate", type=float, default=DEFAULT_RATE,
                   help=f"requests per second, 0 for no limit (default {DEFAULT_RATE:g})")
    g.add_argument("--max-attempts", type=int, default=DEFAULT_MAX_ATTEMPTS,
                   help=f"HTTP attempts per contact (default {DEFAULT_MAX_ATTEMPTS})")
    g.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT,
                   help=f"seconds per request (default {DEFAULT_TIMEOUT:g})")
    g.add_argument("--skip-preflight", action="store_true",
                   help="do not check GET /v2/session/info before sending")
    g.add_argument("--allow-insecure-http", action="store_true",
                   help="allow a non-loopback http:// base URL (the token travels in clear text)")

    g = p.add_argument_group("output")
    g.add_argument("--no-progress", action="store_true", help="no progress bar")
    return p


class Console:
    """Where the CLI writes; every line goes through the redactor."""

    def __init__(self, out: TextIO, err: TextIO, redact: Redactor) -> None:
        self.out, self.err, self.redact = out, err, redact

    def say(self, text: str = "") -> None:
        print(self.redact(text), file=self.out, flush=True)

    def warn(self, text: str) -> None:
        print(self.redact(f"wawp-import: {text}"), file=self.err, flush=True)


def read_token(args: argparse.Namespace, env: dict[str, str], console: Console) -> str:
    if args.access_token:
        console.warn("warning: a token given on the command line is visible to other users "
                     "(ps, shell history); prefer --token-file or WAWP_ACCESS_TOKEN")
        return args.access_token.strip()
    if args.token_file:
        try:
            mode = args.token_file.stat().st_mode
            token = args.token_file.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise UsageError(f"cannot read token file {args.token_file}: {exc.strerror}") from None
        if mode & (stat.S_IRGRP | stat.S_IROTH):
            console.warn(f"warning: token file {args.token_file} is readable by other users; "
                         f"run: chmod 600 {args.token_file}")
        if not token:
            raise UsageError(f"token file {args.token_file} is empty")
        return token
    return env.get("WAWP_ACCESS_TOKEN", "").strip()


def options_from_args(args: argparse.Namespace, env: dict[str, str], token: str) -> ImportOptions:
    return ImportOptions(
        input=args.input,
        results=args.results,
        sheet=args.sheet,
        header_row=args.header_row,
        encoding=args.encoding,
        delimiter=args.delimiter,
        max_rows=args.max_rows,
        phone_column=args.phone_column,
        name_column=args.name_column,
        first_name_column=args.first_name_column,
        last_name_column=args.last_name_column,
        default_region=args.default_region or env.get("WAWP_DEFAULT_REGION") or None,
        base_url=args.base_url or env.get("WAWP_BASE_URL") or DEFAULT_BASE_URL,
        instance_id=args.instance_id or env.get("WAWP_INSTANCE_ID", ""),
        access_token=token,
        dry_run=args.dry_run,
        concurrency=args.concurrency,
        rate=args.rate,
        max_attempts=args.max_attempts,
        timeout=args.timeout,
        skip_preflight=args.skip_preflight,
        allow_insecure_http=args.allow_insecure_http,
    )


def describe_plan(plan: Plan) -> str:
    info = plan.table.info
    parts = [f"Reading {plan.options.input.name}: {info.kind}"]
    if info.encoding:
        parts.append(f"encoding {info.encoding}")
    if info.delimiter:
        parts.append(f"delimiter {info.delimiter!r}")
    if info.sheet:
        parts.append(f"sheet {info.sheet!r}")
    parts.append(f"header row {info.header_row}")
    if info.rows is not None:
        parts.append(f"{info.rows} data rows")
    text = ", ".join(parts) + f".\nColumns: {plan.columns.describe(plan.table.headers)}."
    for note in info.notes:
        text += f"\n{note}"
    return text


def describe_summary(summary: Summary) -> str:
    counts = ", ".join(f"{status}: {n}" for status, n in summary.counts.items() if n)
    rate = summary.results / summary.elapsed if summary.elapsed > 0 else 0.0
    lines = [f"{summary.results} rows in {summary.elapsed:.1f} s ({rate:.0f} rows/s) — "
             f"{counts or 'no data rows'}"]
    if summary.aborted:
        lines.append(f"Aborted: {summary.aborted}")
    if summary.interrupted:
        lines.append("Interrupted: rows not sent are marked not_attempted.")
    lines.append(f"Results: {summary.results_path}")
    return "\n".join(lines)


def exit_code(summary: Summary) -> int:
    if summary.interrupted:
        return EXIT_INTERRUPTED
    if summary.aborted:
        return EXIT_REJECTED
    return EXIT_OK if summary.all_succeeded else EXIT_ROWS


def make_progress(enabled: bool, err: TextIO):
    from tqdm import tqdm

    return tqdm(unit=" rows", file=err, disable=not enabled, dynamic_ncols=True, mininterval=0.5)


def main(argv: Sequence[str] | None = None, *, env: dict[str, str] | None = None,
         out: TextIO | None = None, err: TextIO | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    env = dict(os.environ if env is None else env)
    out = out or sys.stdout
    err = err or sys.stderr
    if argv and argv[0] == "sandbox":
        from .sandbox import main as sandbox_main

        return sandbox_main(argv[1:])
    console = Console(out, err, Redactor([env.get("WAWP_ACCESS_TOKEN", "")]))
    args = build_parser().parse_args(argv)
    try:
        token = read_token(args, env, console)
        console.redact = Redactor([token, env.get("WAWP_ACCESS_TOKEN", "")])
        options = options_from_args(args, env, token)
        plan = plan_import(options)
        console.warn(describe_plan(plan).replace("\n", "\nwawp-import: "))
        progress = make_progress(not args.no_progress and err.isatty(), err)
        counts = {"ok": 0, "failed": 0}

        def tick(result: RowResult) -> None:
            if result.status in (Status.OK, Status.READY):
                counts["ok"] += 1
            elif result.status is Status.FAILED:
                counts["failed"] += 1
            progress.update(1)
            if progress.n % 100 == 0:
                progress.set_postfix(counts, refresh=False)

        started = time.monotonic()
        try:
            summary = run_plan(plan, on_result=tick)
        finally:
            progress.close()
        summary.elapsed = time.monotonic() - started
    except ApiRejected as exc:
        console.warn(f"error: {exc}")
        return EXIT_REJECTED
    except (UsageError, PreflightError) as exc:
        console.warn(f"error: {exc}")
        return EXIT_USAGE
    except OutputError as exc:
        console.warn(f"error: {exc}")
        return EXIT_OUTPUT
    except ImporterError as exc:
        console.warn(f"error: {exc}")
        return EXIT_USAGE
    except KeyboardInterrupt:
        console.warn("interrupted")
        return EXIT_INTERRUPTED
    except Exception as exc:  # never a traceback: it could carry the token
        console.warn(f"internal error: {type(exc).__name__}: {exc} (please report this)")
        return EXIT_INTERNAL
    console.say(describe_summary(summary))
    return exit_code(summary)
