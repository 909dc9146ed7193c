"""One import run: read → normalize → send → report.

`plan_import` opens the input and decides the mapping (nothing is sent, so the CLI can
show what was decided); `run_plan` does the work and returns the summary.
"""

from __future__ import annotations

import asyncio
import dataclasses
import ipaddress
import os
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from itertools import chain, islice
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from .config import CLI_ONLY_SETTINGS, load_config, options_kwargs
from .errors import ConfigError, PreflightError
from .models import Prepared, RowResult, Status, Summary
from .normalize import PhoneNormalizer, RowNormalizer, default_workers
from .options import ImportOptions
from .read import ColumnMap, Table, map_columns, open_table
from .read.scoring import SAMPLE_ROWS
from .read.results_input import RetryCounts, merge_retried, open_previous_results
from .report.journal import JournalPlan, plan_journal
from .report.results import check_results_path, open_results_writer
from .report.summary import RETRY_FAILED_STATUSES, RETRY_INVALID_STATUSES, SummaryTally
from .send.client import WawpClient
from .send.pacing import Pacer
from .send.runner import RunControl, send_all
from .send.verify import CheckCache, Verifier, VerifyProgress

ResultHook = Callable[[RowResult], None]
VerifyHook = Callable[[VerifyProgress], None]


@dataclass(slots=True)
class Plan:
    """An opened input with its column mapping, ready to run."""

    options: ImportOptions
    table: Table
    columns: ColumnMap
    results_path: Path
    normalizer: RowNormalizer
    #: Set for --retry-failed/--retry-invalid: the input is an earlier run's results.
    retry_counts: RetryCounts | None = None

    def prepared(self) -> Iterator[Prepared]:
        if self.retry_counts is not None:
            return merge_retried(self.table.rows, self.normalizer.prepare_all, self.retry_counts)
        # --duplicates last needs a first pass over the rows: it gets a fresh copy of the input
        return self.normalizer.prepare_all(self.table.rows,
                                           reopen=lambda: open_input(self.options).rows)

    def reopen(self) -> None:
        """Open the input again for another pass over its rows (--verify reads it twice)."""
        self.table = open_input(self.options)
        if self.retry_counts is not None:
            self.retry_counts = RetryCounts()


def check_base_url(url: str, *, allow_insecure_http: bool = False) -> str:
    """The base URL, refused when it would send the token in clear text off this machine."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"invalid base URL {url!r}: expected https://host")
    if parts.scheme == "http" and not allow_insecure_http and not _is_loopback(parts.hostname):
        raise ConfigError(f"refusing to send the access token in clear text to {parts.hostname}: "
                          "use https, or --allow-insecure-http if you really mean it")
    return url.rstrip("/")


def check_sending(options: ImportOptions) -> None:
    """Refuse sending settings that cannot work, before anything is read or sent."""
    if options.concurrency < 1:
        raise ConfigError(f"--concurrency must be at least 1, got {options.concurrency}")
    if not options.rate >= 0:  # also refuses NaN
        raise ConfigError(f"--rate must be 0 (no limit) or more, got {options.rate:g}")
    if options.max_attempts < 1:
        raise ConfigError(f"--max-attempts must be at least 1, got {options.max_attempts}")
    if not options.timeout > 0:
        raise ConfigError(f"--timeout must be more than 0 seconds, got {options.timeout:g}")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def plan_import(options: ImportOptions) -> Plan:
    """Open the input and map its columns; raises UsageError when it cannot be used."""
    normalizer_region = options.default_region
    results_path = options.results_path()
    check_results_path(results_path)
    if results_path.resolve() == options.input.resolve():
        raise ConfigError(f"the results would overwrite the input {options.input}: name "
                          "another file with --results")
    if not options.dry_run or options.verify:
        check_base_url(options.base_url, allow_insecure_http=options.allow_insecure_http)
        check_sending(options)
        if not options.instance_id or not options.access_token:
            hint = (" (--verify asks the API, even in a dry run)" if options.dry_run
                    else ", or use --dry-run")
            raise ConfigError("no WAWP instance ID or access token: set WAWP_INSTANCE_ID and "
                              f"WAWP_ACCESS_TOKEN (or --token-file){hint}")
    table = open_input(options)
    sample: list[tuple[str, ...]] = []
    judge = None
    if not options.phone_column:
        # the phone column is chosen by what the first rows hold; they are read ahead and
        # put back in front of the stream, so reading stays one pass
        head = list(islice(table.rows, SAMPLE_ROWS))
        table.rows = chain(head, table.rows)
        sample = [row.values for row in head]
        judge = PhoneNormalizer(normalizer_region).classify
    columns = map_columns(table.headers, phone=options.phone_column, name=options.name_column,
                          first_name=options.first_name_column,
                          last_name=options.last_name_column, sample=sample, judge=judge,
                          header_row=table.info.header_row or None)
    normalizer = RowNormalizer(columns, headers=table.headers, default_region=normalizer_region,
                               all_numbers=options.all_numbers, title_case=options.title_case,
                               missing_name=options.missing_name,
                               first_name_format=options.first_name_format,
                               last_name_format=options.last_name_format,
                               duplicates=options.duplicates,
                               # a dry run is bound by parsing numbers: use the other cores
                               # (forked: only where no HTTP client threads are running);
                               # sending and --verify are bound by the API: one process
                               workers=(default_workers()
                                        if options.dry_run and not options.verify else 0))
    return Plan(options, table, columns, results_path, normalizer,
                RetryCounts() if options.retrying else None)


def retry_statuses(options: ImportOptions) -> frozenset[Status]:
    """The statuses of an earlier run's rows that this run sends again."""
    statuses: frozenset[Status] = frozenset()
    if options.retry_failed:
        statuses |= RETRY_FAILED_STATUSES
    if options.retry_invalid:
        statuses |= RETRY_INVALID_STATUSES
    return statuses


def open_input(options: ImportOptions) -> Table:
    """The input's rows: the spreadsheet, or for a retry the earlier run's results file."""
    if options.retrying:
        return open_previous_results(options.input, retry=retry_statuses(options))
    return open_table(options.input, sheet=options.sheet, encoding=options.encoding,
                      delimiter=options.delimiter, header_row=options.header_row,
                      max_rows=options.max_rows, no_header=options.no_header)


def run_plan(plan: Plan, *, transport: httpx.AsyncBaseTransport | None = None,
             sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
             on_result: ResultHook | None = None, control: RunControl | None = None,
             clock: Callable[[], float] = time.monotonic,
             on_verify: VerifyHook | None = None) -> Summary:
    """Run the import; every input row ends as exactly one result line.

    `on_verify` hears how the --verify check stands: once before the first question (with
    how many there are to ask), then after each one.
    """
    options = plan.options
    started = clock()
    summary = Summary(results_path=str(plan.results_path), dry_run=options.dry_run)
    tally = SummaryTally(summary)
    control = control or RunControl()

    def record(result: RowResult) -> None:
        summary.results += 1
        summary.counts[result.status.value] = summary.counts.get(result.status.value, 0) + 1
        tally.add(result)
        writer.write(result)
        if on_result is not None:
            on_result(result)

    # Decided before anything is written or sent: a refused resume leaves no trace.
    journal = None if options.dry_run else plan_journal(
        plan.results_path, options.input, instance_id=options.instance_id,
        base_url=options.base_url, resume=options.resume, force=options.force)
    with open_results_writer(plan.results_path, plan.table.headers) as writer:
        if options.dry_run and not options.verify:
            for item in plan.prepared():
                record(RowResult.from_prepared(item))
        else:
            asyncio.run(_send(plan, record, transport=transport, sleep=sleep, control=control,
                              summary=summary, on_verify=on_verify, journal=journal))
    if journal is not None and not control.stopped:
        journal.finished()  # every row has its line in the complete results file
    tally.finish()
    if plan.retry_counts is not None:
        summary.retried = plan.retry_counts.retried
        summary.carried = plan.retry_counts.carried
    summary.rows = summary.results
    summary.elapsed = clock() - started
    summary.aborted = control.stop_reason if control.aborted_by_api else ""
    summary.interrupted = control.interrupted
    return summary


async def _send(plan: Plan, record: ResultHook, *, transport: httpx.AsyncBaseTransport | None,
                sleep: Callable[[float], Awaitable[None]], control: RunControl,
                summary: Summary, on_verify: VerifyHook | None = None,
                journal: JournalPlan | None = None) -> None:
    options = plan.options
    control.bind(asyncio.get_running_loop())
    pause = control.interruptible(sleep)  # a stop cuts every wait short
    pacer = Pacer(options.rate, sleep=pause)
    async with WawpClient(options.base_url, options.instance_id, options.access_token,
                          transport=transport, timeout=options.timeout,
                          max_attempts=options.max_attempts,
                          max_connections=options.concurrency, pacer=pacer,
                          sleep=pause, control=control) as client:
        if not options.skip_preflight:
            info = await client.session_info()
            status = str(info.get("status", ""))
            if status != "WORKING":
                raise PreflightError(
                    f"the WhatsApp session of instance {options.instance_id} is {status or 'unknown'}"
                    ", not WORKING: open the WAWP dashboard and connect the number (scan the QR "
                    "code), then run again")
        items = plan.prepared()
        if options.verify:
            items = await _verify(plan, client, control=control, sleep=pause, summary=summary,
                                  on_verify=on_verify)
        if options.dry_run:  # --dry-run --verify: numbers checked, nothing written
            for item in items:
                record(RowResult.from_prepared(item))
            return
        if journal is None:
            async for result in send_all(items, client, concurrency=options.concurrency,
                                         control=control):
                record(result)
            return
        with journal.open(redact=client.redact) as written:
            async for result in send_all(journal.skip_sent(items), client,
                                         concurrency=options.concurrency, control=control,
                                         on_done=written.record):
                record(result)


async def _verify(plan: Plan, client: WawpClient, *, control: RunControl,
                  sleep: Callable[[float], Awaitable[None]], summary: Summary,
                  on_verify: VerifyHook | None) -> Iterator[Prepared]:
    """Check every number to send on WhatsApp (a pass of its own), then the rows to send.

    The first pass over the input finds the numbers the cache cannot answer, so how long the
    check takes is known before it starts; the second pass applies the answers.
    """
    options = plan.options
    verifier = Verifier(client, CheckCache(options.verify_cache), rate=options.verify_rate,
                        control=control, sleep=sleep)
    numbers = verifier.numbers_to_check(plan.prepared())
    summary.check_cached = verifier.cached
    try:
        await verifier.check_all(numbers, on_verify)
    finally:
        summary.checked = verifier.checked
    plan.reopen()
    return verifier.apply(plan.prepared())


#: Keywords of `run_import` that go to `run_plan`; every other one is an ImportOptions field.
RUN_ARGUMENTS = frozenset({"transport", "sleep", "on_result", "on_verify", "control", "clock"})


def run_import(source: ImportOptions | str | os.PathLike[str], /, *,
               config: str | os.PathLike[str] | None = None, **settings: Any) -> Summary:
    """Run an import from Python, the same pipeline as `wawp-import`, and return its summary.

        import os
        from importer import run_import

        summary = run_import("contacts.xlsx", default_region="EG", instance_id="my-instance",
                             access_token=os.environ["WAWP_ACCESS_TOKEN"])
        print(summary.counts, summary.results_path)

    `source` is the spreadsheet (or, with `retry_failed=True`, an earlier results file), or
    a complete `ImportOptions`. `settings` are `ImportOptions` fields: the long option names
    with `_` (`default_region`, `dry_run`, `verify`…). `config` is a TOML file as for
    `--config`; `settings` override it. `transport`, `sleep`, `on_result`, `on_verify`,
    `control` and `clock` go to `run_plan`.

    Nothing is printed and the environment is not read: pass the token. Where the command
    would exit 2, 3 or 4 this raises UsageError, ApiRejected/PreflightError or OutputError.
    """
    run_kwargs = {name: settings.pop(name) for name in list(settings) if name in RUN_ARGUMENTS}
    if isinstance(source, ImportOptions):
        if settings or config is not None:
            raise ConfigError("give run_import either an ImportOptions or settings, not both")
        return run_plan(plan_import(source), **run_kwargs)
    values: dict[str, Any] = {}
    if config is not None:
        path = Path(config)
        values = options_kwargs(load_config(path), path=path, ignore=CLI_ONLY_SETTINGS)
    fields = {f.name: f for f in dataclasses.fields(ImportOptions)}
    unknown = sorted(name for name in settings if name not in fields or name == "input")
    if unknown:
        raise ConfigError(f"unknown setting{'s' if len(unknown) > 1 else ''} "
                          f"{', '.join(unknown)}; the settings are ImportOptions fields")
    for name, value in settings.items():
        # Paths may come as text, as they would on a command line.
        if "Path" in str(fields[name].type) and isinstance(value, (str, os.PathLike)):
            value = Path(value)
        values[name] = value
    options = ImportOptions(input=Path(source), **values)
    return run_plan(plan_import(options), **run_kwargs)


__all__ = ["Plan", "Status", "check_base_url", "plan_import", "run_import", "run_plan"]
