"""One import run: read → normalize → send → report.

`plan_import` opens the input and decides the mapping (nothing is sent, so the CLI can
show what was decided); `run_plan` does the work and returns the summary.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from itertools import chain, islice
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import httpx

from .config import CLI_ONLY_SETTINGS, load_config, options_kwargs
from .errors import ConfigError, DryRunResults, InputFileError, OutputError, PreflightError
from .models import Contact, Prepared, RowResult, SourceRow, Status, Summary
from .normalize import PhoneNormalizer, RowNormalizer, default_workers
from .normalize.dedupe import not_sent_again
from .normalize.phones import check_region, region_of_chat_id
from .normalize.region_fit import RegionFit, judge_region
from .options import ImportOptions, check_base_url, dry_run_results_path, typed_values
from .paths import default_ledger
from .read import ColumnMap, Table, map_columns, open_table
from .read.dataframe import frame_as_csv, is_dataframe
from .read.limits import mark_impossible_phones, widened_headers
from .read.results_input import (
    SENT_STATUSES,
    RetryCounts,
    merge_retried,
    open_previous_results,
    results_statuses,
    sent_ok_numbers,
)
from .read.scoring import SAMPLE_ROWS
from .report.instance_lock import InstanceLock, WaitHook
from .report.journal import SENT_EARLIER, JournalPlan, SentRows, plan_journal
from .report.ledger import Ledger, check_ledger
from .report.lock import RunLock
from .report.results import ResultsWriter, check_results_path, open_results_writer
from .report.run_files import RunFiles
from .report.summary import RETRY_FAILED_STATUSES, RETRY_INVALID_STATUSES, SummaryTally
from .send.canary import Canary
from .send.client import WawpClient
from .send.pacing import Pacer
from .send.runner import RunControl, send_all
from .send.verify import CheckCache, Verifier, VerifyProgress

if TYPE_CHECKING:
    import pandas

    from .report.xlsx import XlsxResultsWriter  # openpyxl: loaded only for .xlsx results

ResultHook = Callable[[RowResult], None]
VerifyHook = Callable[[VerifyProgress], None]


class _Record(Protocol):
    """How `_send` hands a result to `run_plan`: `sent` when this run sent its row."""

    def __call__(self, result: RowResult, sent: bool = False) -> None: ...


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
    #: The answer of GET /v2/session/info when it was asked while planning (to find the
    #: default region); the preflight uses it rather than asking again.
    session_info: dict[str, Any] | None = None
    #: The default region the normalizer uses, and where it came from when no option gave
    #: it ("the instance's number +20…"); empty when it was given or is unknown.
    region: str | None = None
    region_source: str = ""
    #: How the phone cells of the first rows read in `region`, and the region that fits
    #: them better when they look foreign to it; None when there were too few to judge.
    region_fit: RegionFit | None = None

    def prepared(self) -> Iterator[Prepared]:
        if self.retry_counts is not None:
            # a number an earlier run already sent ok is not sent again from a fixed row,
            # nor from its own row when that row is retried for its other numbers
            earlier = SentRows()
            sent = sent_ok_numbers(self.options.input, retry=retry_statuses(self.options),
                                   on_retried_ok=lambda line: earlier.add(line.row, Contact(
                                       line.chat_id, line.first_name, line.last_name)))
            prepare_all = self.normalizer.prepare_all

            def prepare(rows: Iterable[SourceRow]) -> Iterator[Prepared]:
                return not_sent_again(earlier.skip(prepare_all(rows)), sent)

            return merge_retried(self.checked(self.table.rows), prepare, self.retry_counts)
        # --duplicates last needs a first pass over the rows: it gets a fresh copy of the input
        return self.normalizer.prepare_all(
            self.checked(self.table.rows),
            reopen=lambda: self.checked(open_input(self.options).rows))

    def start_workers(self) -> bool:
        """Fork the normalizing workers now, for a long input: before the run's locks, HTTP
        client, event loop and threads exist (`run_plan` does it first thing; a caller that
        starts a thread of its own before `run_plan` calls it before that). Whether they run:
        not for a short input, a plan without workers, or where forking is not safe here."""
        return self.normalizer.start_workers(self.table.info.rows)

    def checked(self, rows: Iterable[SourceRow]) -> Iterator[SourceRow]:
        """The rows, a phone cell that is a number no phone can be (1.797E+308) marked."""
        columns = self.columns
        return mark_impossible_phones(rows, columns.phone, columns.phone_alternatives,
                                      self.table.headers)

    def reopen(self) -> None:
        """Open the input again for another pass over its rows (--verify reads it twice)."""
        headers = self.table.headers  # as widened by plan_import for ragged rows
        self.table = open_input(self.options)
        self.table.headers = headers
        if self.retry_counts is not None:
            self.retry_counts = RetryCounts()


def check_paths(options: ImportOptions) -> Path:
    """The results path, once the input and results paths are known to be usable (before
    anything is read or sent); raises UsageError naming the path otherwise."""
    if options.input.is_dir():
        raise InputFileError(f"{options.input} is a folder: name the spreadsheet to import, "
                             "e.g. wawp-import contacts.xlsx")
    results_path = options.results_path()
    check_results_path(results_path)
    if options.results_copy is not None:
        check_results_path(options.results_copy)
    if results_path.is_dir():
        raise ConfigError(f"the results path {results_path} is a folder: name a file, e.g. "
                          f"--results {results_path / 'contacts.results.csv'}")
    folder = results_path.parent
    if not folder.is_dir():
        raise ConfigError(f"cannot write the results to {results_path}: the folder {folder} "
                          "does not exist")
    if results_path.resolve() == options.input.resolve():
        raise ConfigError(f"the results would overwrite the input {options.input}: name "
                          "another file with --results")
    if options.dry_run:
        check_dry_run_target(results_path, options)
    elif options.retrying and options.results is None:
        check_not_retried_already(results_path, options)
    return results_path


def check_not_retried_already(results_path: Path, options: ImportOptions) -> None:
    """Refuse a retry whose results are there already from a real run: that retry was run,
    and doing it again would send its rows again (the rows still to retry are in its
    results). A retry left unfinished (its journal is there) is resumed, not refused."""
    if options.resume or RunFiles.of(results_path).unfinished():
        return
    counts = results_statuses(results_path) if results_path.is_file() else None
    if counts and sum(counts[status] for status in SENT_STATUSES):
        flag = "--retry-failed" if options.retry_failed else "--retry-invalid"
        raise ConfigError(
            f"{options.input.name} was retried already: the results of that retry are in "
            f"{results_path}. Retry those instead ({flag} {results_path}), or name other "
            "results with --results to retry this file again")


def check_dry_run_target(results_path: Path, options: ImportOptions) -> None:
    """Refuse a dry run that would overwrite a real run's results (rows sent ok, failed or
    not attempted, or a journal beside them): a --retry-failed printed by that run reads
    them, and would take a dry run's `ready` rows for rows to send."""
    default = dataclasses.replace(options, results=None).results_path()
    hint = ("name another file with --results" if default == results_path
            else f"leave --results out (a dry run writes {default.name}) or name another file")
    journal = RunFiles.of(results_path).journal
    if journal.exists():
        raise ConfigError(f"a dry run does not write over {results_path}: an unfinished run "
                          f"left its journal {journal.name} beside it; {hint}")
    if not results_path.is_file():
        return
    counts = results_statuses(results_path)
    sent = sum(counts[status] for status in SENT_STATUSES) if counts else 0
    if sent:
        raise ConfigError(f"a dry run does not write over {results_path}: it holds the "
                          f"results of a real run ({sent:,} rows sent ok, failed or not "
                          f"attempted); {hint}")


def check_not_dry_run_results(path: Path) -> None:
    """Refuse to retry a dry run's results (rows `ready`): nothing was sent, so nothing is
    to be retried; the import itself is what sends them."""
    counts = results_statuses(path)
    ready = counts[Status.READY] if counts else 0
    if not ready:
        return
    spreadsheet = spreadsheet_of(path)
    raise DryRunResults(
        f"nothing to retry: {path.name} holds a dry run's results ({ready:,} rows ready, "
        "nothing was sent); to send them, run the import of "
        + (spreadsheet.name if spreadsheet is not None else "the spreadsheet")
        + " without --dry-run", spreadsheet=spreadsheet)


#: The kinds of spreadsheet an import reads (to find the one a dry run's results came from).
SPREADSHEET_SUFFIXES = frozenset({".csv", ".tsv", ".txt", ".xlsx", ".xls", ".ods", ".vcf"})


def spreadsheet_of(results: Path) -> Path | None:
    """The one spreadsheet beside `results` whose name it was given (book.dry-run.csv →
    book.xlsx), or None when there is none or more than one."""
    stem = results.name.partition(".dry-run.")[0].partition(".results.")[0]
    stem = stem.rpartition(".retry")[0] if ".retry" in stem else stem
    found = [p for p in results.parent.glob(f"{glob_escape(stem)}.*")
             if p.suffix.lower() in SPREADSHEET_SUFFIXES and p.stem == stem and p.is_file()]
    return found[0] if len(found) == 1 else None


def glob_escape(text: str) -> str:
    """`text` matched literally by Path.glob."""
    return "".join(f"[{c}]" if c in "*?[" else c for c in text)


def _client(options: ImportOptions, transport: httpx.AsyncBaseTransport | None) -> WawpClient:
    return WawpClient(options.base_url, options.instance_id, options.access_token,
                      transport=transport, timeout=options.timeout,
                      max_attempts=options.max_attempts, max_connections=1)


def fetch_session_info(options: ImportOptions, *,
                       transport: httpx.AsyncBaseTransport | None = None) -> dict[str, Any]:
    """`GET /v2/session/info` of the options' instance: `{name, status, me: {id, pushName}}`.

    Raises ApiRejected when the API refuses the credentials, ConfigError for a base URL
    that would send the token in clear text, ImporterError when the API cannot be asked.
    """
    check_base_url(options.base_url, allow_insecure_http=options.allow_insecure_http)

    async def ask() -> dict[str, Any]:
        async with _client(options, transport) as client:
            return await client.session_info()

    return asyncio.run(ask())


def instance_chat_id(info: dict[str, Any]) -> str:
    """The instance's own chat ID from a session info answer (`me.id`), or ""."""
    me = info.get("me")
    return str(me.get("id") or "") if isinstance(me, dict) else ""


def instance_region(info: dict[str, Any]) -> tuple[str | None, str]:
    """The region of the instance's own number, and how to say where it came from
    ("the instance's number +20…"); (None, "") when the answer has no usable number."""
    chat_id = instance_chat_id(info)
    region = region_of_chat_id(chat_id) if chat_id else None
    if region is None:
        return None, ""
    import phonenumbers

    code = phonenumbers.country_code_for_region(region)
    return region, f"the instance's number +{code}…"


def asks_instance_region(options: ImportOptions) -> bool:
    """Whether planning asks the API for the instance's number to find the default region:
    no region was given, the run talks to the API (or a dry run has the credentials to),
    and the preflight is not skipped."""
    if options.default_region or options.skip_preflight:
        return False
    return bool(options.instance_id and options.access_token)


def plan_import(options: ImportOptions, *,
                transport: httpx.AsyncBaseTransport | None = None,
                workers: int | None = None) -> Plan:
    """Open the input and map its columns; raises UsageError when it cannot be used.

    Without a default region, a run that can ask the API takes the region of the
    instance's own number (`GET /v2/session/info`, asked once: `run_plan` reuses the answer).
    `transport` is the HTTP transport of that question (tests pass one).

    `workers` is how many processes normalize the rows (0: this process only); None lets
    the pipeline choose. A caller with threads of its own (a server) passes 0: forking a
    process while another thread holds a lock can deadlock the child.
    """
    results_path = check_paths(options)
    if options.retrying:
        check_not_dry_run_results(options.input)
    options.validate()
    if uses_ledger(options) and options.ledger is not None and os.path.lexists(options.ledger):
        # An empty or damaged ledger stops the run here, before any question to the API
        # (run_plan opens it again; LedgerUnusable).
        check_ledger(options.ledger, writable=not options.dry_run)
    table = open_input(options)
    if table.info.rows == 0 and not options.retrying:
        # an empty export is a failure a weekly job must notice, not a quiet success
        where = f" below its header (row {table.info.header_row})" if table.info.header_row else ""
        raise InputFileError(f"{options.input.name} has no data rows{where}: nothing to import")
    # the region comes before the columns: the phone column is chosen by the numbers that
    # are valid for it
    region, region_source = options.default_region, ""
    session_info: dict[str, Any] | None = None
    if asks_instance_region(options):
        session_info = fetch_session_info(options, transport=transport)
        region, region_source = instance_region(session_info)
    # the columns are chosen on what the first rows hold, and a row wider than the header
    # names its extra columns "column 7"…; they are read ahead and put back in front of the
    # stream, so reading stays one pass
    head = list(islice(table.rows, SAMPLE_ROWS))
    table.rows = chain(head, table.rows)
    table.headers = widened_headers(table.headers, head)
    sample = [row.values for row in head]
    phones_of_region = PhoneNormalizer(region)
    phones = options.phone_columns or ((options.phone_column,) if options.phone_column else ())
    columns = map_columns(table.headers, phone=phones[0] if phones else None,
                          phone_fallbacks=phones[1:], name=options.name_column,
                          first_name=options.first_name_column,
                          last_name=options.last_name_column, sample=sample,
                          judge=phones_of_region.classify,
                          bare_lengths=phones_of_region.bare_lengths,
                          header_row=table.info.header_row or None)
    normalizer = RowNormalizer(columns, headers=table.headers, default_region=region,
                               all_numbers=options.all_numbers, title_case=options.title_case,
                               missing_name=options.missing_name,
                               first_name_format=options.first_name_format,
                               last_name_format=options.last_name_format,
                               duplicates=options.duplicates,
                               workers=default_workers_for(options) if workers is None
                               else workers)
    return Plan(options, table, columns, results_path, normalizer,
                RetryCounts() if options.retrying else None, session_info=session_info,
                region=region, region_source=region_source,
                region_fit=None if options.retrying else judge_region(
                    phone_cells(head, columns.phone), check_region(region)))


def phone_cells(rows: Iterable[SourceRow], column: int) -> Iterator[str]:
    """The cells of the phone column in `rows` (a short row has none)."""
    return (row.values[column] for row in rows if column < len(row.values))


def default_workers_for(options: ImportOptions) -> int:
    """How many processes normalize the rows of a run when its caller does not say."""
    # A dry run is bound by parsing numbers, and so is a re-import whose rows the ledger
    # finds unchanged: use the other cores. The workers are forked before any thread exists
    # (Plan.start_workers), or not at all. --verify is bound by the API (one question a
    # second) and reads the input twice: one process.
    return 0 if options.verify else default_workers()


def run_files(results: Path) -> RunFiles:
    """The files a run writing `results` keeps beside it (partial results, journal, lock),
    and whether one was left unfinished."""
    return RunFiles.of(results)


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
             on_verify: VerifyHook | None = None,
             wall_clock: Callable[[], float] = time.time,
             on_sent: ResultHook | None = None, on_wait: WaitHook | None = None,
             lock_pause: Callable[[float], None] = time.sleep) -> Summary:
    """Run the import; every input row ends as exactly one result line.

    `on_verify` hears how the --verify check stands: once before the first question (with
    how many there are to ask), then after each one. `wall_clock` dates the ledger's entries.
    `on_sent` hears the result of each row this run sent to the API (not the rows skipped,
    carried over, sent in an earlier run or never sent), in input order, just before
    `on_result` hears it: a progress of the sending counts these.

    A run that sends waits for any other run sending to the same instance (report/
    instance_lock.py): `on_wait` hears that run's holder when the wait starts and None when
    it is over; `lock_pause` sleeps between two tries. With `no_wait` it raises InstanceBusy
    instead; a stop (`control`) while waiting raises StoppedWaiting. Either way nothing is
    sent and no results or journal are written.
    """
    options = plan.options
    started = clock()
    summary = Summary(results_path=str(plan.results_path), dry_run=options.dry_run)
    tally = SummaryTally(summary)
    control = control or RunControl()

    writer: ResultsWriter | XlsxResultsWriter | None = None
    copy: ResultsWriter | XlsxResultsWriter | None = None

    def record(result: RowResult, sent: bool = False) -> None:
        if (ledger is not None and not options.dry_run and result.status is Status.OK
                and result.attempts == 0 and result.detail.startswith(SENT_EARLIER)):
            # Resumed: its journal line (written before a kill) is the proof it went through;
            # the killed run may not have had time to commit it to the ledger.
            ledger.record(result)
        summary.results += 1
        summary.counts[result.status.value] = summary.counts.get(result.status.value, 0) + 1
        tally.add(result, sent=sent)
        assert writer is not None
        writer.write(result)
        if copy is not None:
            copy.write(result)
        if sent and on_sent is not None:
            on_sent(result)
        if on_result is not None:
            on_result(result)

    # Forked before the locks below are taken (a child holds copies of their descriptors)
    # and before the event loop and HTTP client start their threads.
    plan.start_workers()
    with contextlib.ExitStack() as files:
        files.callback(plan.normalizer.stop_workers)
        # One run at a time on these results: a second one stops here, having sent nothing.
        files.enter_context(RunLock(plan.results_path))
        # Decided before anything is written or sent: a refused resume leaves no trace.
        journal = None if options.dry_run else plan_journal(
            plan.results_path, options.input, instance_id=options.instance_id,
            base_url=options.base_url, resume=options.resume, force=options.force)
        if not options.dry_run:
            # One sending run per instance: its rate is shared, never doubled. Taken after
            # the refusals above (none of them waits) and before the ledger is read, so the
            # ledger holds what the run waited for; released last, once all is written.
            files.enter_context(InstanceLock(options.instance_id, options.base_url,
                                             no_wait=options.no_wait, on_wait=on_wait,
                                             stopped=lambda: control.stopped,
                                             pause=lock_pause, clock=wall_clock))
        ledger = open_ledger(options, clock=wall_clock)
        if ledger is not None:
            files.callback(ledger.close)

        def start_writing() -> None:
            """Open the results, once nothing can stop the run before its first row."""
            nonlocal writer, copy
            if writer is None:
                if options.results_copy is not None:
                    # opened first, so closed last: once the results file is complete
                    copy = open_results_writer(options.results_copy, plan.table.headers)
                    files.push(_closer(copy))
                writer = files.enter_context(open_results_writer(plan.results_path,
                                                                 plan.table.headers))

        canary = Canary(options.limit, dry_run=options.dry_run)
        if options.dry_run and not options.verify:
            start_writing()
            for item in canary(unchanged_skipped(plan.prepared(), ledger, options)):
                record(RowResult.from_prepared(item))
        else:
            # what was sent is on record before any wait (a Retry-After, the pacer), and a
            # stop cuts every wait short
            sleep = _flushing(sleep, ledger)
            pacer = Pacer(options.rate, sleep=control.interruptible(sleep))
            asyncio.run(_send(plan, record, transport=transport, sleep=sleep, control=control,
                              summary=summary, on_verify=on_verify, journal=journal,
                              ledger=ledger, start_writing=start_writing, pacer=pacer,
                              canary=canary))
            summary.slowdowns = pacer.slowdowns
            start_writing()  # an input without a single row still gets its results file
    summary.limited = canary.held
    if journal is not None and not control.stopped and not canary.held:
        # every row has its line in the complete results file; a canary's rest waits for
        # --resume
        journal.finished()
    tally.finish()
    if plan.retry_counts is not None:
        summary.retried = plan.retry_counts.retried
        summary.carried = plan.retry_counts.carried
    summary.rows = summary.results
    summary.elapsed = clock() - started
    summary.aborted = control.stop_reason if control.aborted_by_api else ""
    summary.interrupted = control.interrupted
    return summary


def _closer(copy: ResultsWriter | XlsxResultsWriter) -> Callable[..., bool]:
    """Closes the copy of the results as complete, or not; a copy that cannot be saved
    after a failure does not hide that failure."""

    def close(exc_type: type[BaseException] | None, *_: object) -> bool:
        try:
            copy.close(complete=exc_type is None)
        except OutputError:
            if exc_type is None:
                raise
        return False

    return close


def _noted(items: Iterable[Prepared], handed: deque[bool]) -> Iterator[Prepared]:
    """`items`, noting in `handed` whether each goes to the API (READY, with a contact):
    the sender answers in input order, so its results pair with these notes."""
    for item in items:
        handed.append(item.status is Status.READY and item.contact is not None)
        yield item


def _was_sent(handed: deque[bool], result: RowResult) -> bool:
    """Whether `result` answers a row this run sent (not one stopped before it went)."""
    return handed.popleft() and result.status in (Status.OK, Status.FAILED)


def uses_ledger(options: ImportOptions) -> bool:
    """Whether this run reads or writes the ledger: every run that has one, but a dry run
    that would skip nothing by it (--resend, --forget-ledger) leaves it alone."""
    if options.ledger is None:
        if options.forget_ledger:
            raise ConfigError("--forget-ledger needs a ledger file (the `ledger` setting)")
        return False
    return not (options.dry_run and (options.resend or options.forget_ledger))


def open_ledger(options: ImportOptions, *,
                clock: Callable[[], float] = time.time) -> Ledger | None:
    """The ledger of this run's instance; None without one.

    A dry run reads it (to show what would not be sent again) but never changes it, and
    without a ledger file there is nothing to read. --forget-ledger clears it once the
    preflight has passed (see `_send`).
    """
    if not uses_ledger(options):
        return None
    assert options.ledger is not None
    if options.dry_run and not options.ledger.exists():
        return None  # nothing to compare with, and a dry run creates nothing
    return Ledger(options.ledger, instance_id=options.instance_id, base_url=options.base_url,
                  clock=clock, read_only=options.dry_run)


def unchanged_skipped(items: Iterable[Prepared], ledger: Ledger | None,
                      options: ImportOptions) -> Iterable[Prepared]:
    """`items`, with the contacts the ledger has as already in the address book (same chat
    ID and name, within --max-age) made UNCHANGED; every item on its way to `send_all`
    passes here, whether from a new run, a retry or a resume. --resend sends them anyway."""
    if ledger is None or options.resend:
        return items
    return ledger.skip_unchanged(items, max_age=options.max_age)


def _flushing(sleep: Callable[[float], Awaitable[None]],
              ledger: Ledger | None) -> Callable[[float], Awaitable[None]]:
    """`sleep`, writing the ledger's waiting entries first: no write transaction waits on
    the network, and what was sent is on record before the run pauses."""
    if ledger is None:
        return sleep

    async def flushed(seconds: float) -> None:
        ledger.flush()
        await sleep(seconds)

    return flushed


async def _send(plan: Plan, record: _Record, *, transport: httpx.AsyncBaseTransport | None,
                sleep: Callable[[float], Awaitable[None]], control: RunControl,
                summary: Summary, on_verify: VerifyHook | None = None,
                journal: JournalPlan | None = None, ledger: Ledger | None = None,
                start_writing: Callable[[], None] = lambda: None,
                pacer: Pacer | None = None, canary: Canary | None = None) -> None:
    options = plan.options
    control.bind(asyncio.get_running_loop())
    pause = control.interruptible(sleep)  # a stop cuts every wait short
    pacer = pacer or Pacer(options.rate, sleep=pause)
    canary = canary or Canary()
    async with WawpClient(options.base_url, options.instance_id, options.access_token,
                          transport=transport, timeout=options.timeout,
                          max_attempts=options.max_attempts,
                          max_connections=options.concurrency, pacer=pacer,
                          sleep=pause, control=control) as client:
        if not options.skip_preflight:
            # asked already while planning when the default region came from the instance
            info = (plan.session_info if plan.session_info is not None
                    else await client.session_info())
            status = str(info.get("status", ""))
            if status != "WORKING":
                raise PreflightError(
                    f"the WhatsApp session of instance {options.instance_id} is "
                    f"{status or 'unknown'}, not WORKING: open the WAWP dashboard and connect "
                    "the number (scan the QR code), then run again")
        if ledger is not None and options.forget_ledger and not options.dry_run:
            ledger.forget()  # asked for, and the run is going ahead: nothing refused it
        items = plan.prepared()
        if options.verify:
            items = await _verify(plan, client, control=control, sleep=pause, summary=summary,
                                  on_verify=on_verify)
        start_writing()
        if options.dry_run:  # --dry-run --verify: numbers checked, nothing written
            for item in canary(unchanged_skipped(items, ledger, options)):
                record(RowResult.from_prepared(item))
            return
        handed: deque[bool] = deque()
        if journal is None:
            async for result in send_all(_noted(canary(unchanged_skipped(items, ledger,
                                                                         options)),
                                                handed), client,
                                         concurrency=options.concurrency, control=control,
                                         on_done=ledger.record if ledger else None):
                record(result, _was_sent(handed, result))
            return
        with journal.open(redact=client.redact) as written:
            on_done = written.record
            if ledger is not None:
                def on_done(result: RowResult) -> None:
                    written.record(result)  # flushed first: the ledger never gets ahead of it
                    ledger.record(result)
            try:
                async for result in send_all(
                        _noted(canary(unchanged_skipped(journal.skip_sent(items), ledger,
                                                        options)),
                               handed), client,
                        concurrency=options.concurrency, control=control, on_done=on_done):
                    record(result, _was_sent(handed, result))
            except BaseException:  # any stop, Ctrl-C too: keep or drop the journal, re-raise
                if written.lines == 0 and not journal.resuming:
                    # failed before any row was answered: there is nothing to resume
                    written.close()
                    journal.finished()
                raise


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
RUN_ARGUMENTS = frozenset({"transport", "sleep", "on_result", "on_verify", "control", "clock",
                           "wall_clock", "on_sent", "on_wait", "lock_pause"})


def run_import(source: ImportOptions | str | os.PathLike[str] | pandas.DataFrame, /, *,
               config: str | os.PathLike[str] | None = None, **settings: Any) -> Summary:
    """Run an import from Python, the same pipeline as `wawp-import`, and return its summary.

        import os
        from importer import run_import

        summary = run_import("contacts.xlsx", default_region="EG",
                             base_url="https://api.wawp.net", instance_id="my-instance",
                             access_token=os.environ["WAWP_ACCESS_TOKEN"])
        print(summary.counts, summary.results_path)

    `source` is the spreadsheet (or, with `retry_failed=True`, an earlier results file), a
    pandas DataFrame (columns as headers, values as cells, numbers as their digits; its
    results go to `dataframe.results.csv` in the current folder, a dry run's to
    `dataframe.dry-run.csv`, unless `results` says otherwise, and
    `importer.summary_frame(summary)` reads them back), or a complete `ImportOptions`.
    `settings` are `ImportOptions` fields: the long option names with `_` (`default_region`,
    `dry_run`, `verify`…). `config` is a TOML file as for `--config`; `settings` override
    it. `transport`, `sleep`, `on_result`, `on_verify`, `control`, `clock`, `on_wait` and
    `lock_pause` go to `run_plan`.

    Nothing is printed and the environment is not read: pass the token, and `base_url`
    for any API but https://api.wawp.net (WAWP_BASE_URL and WAWP_LEDGER are the command's,
    not this function's).

    The ledger is the user's own, as for the command (`importer.paths.default_ledger()`:
    ~/.local/share/wawp-importer/ledger.sqlite on Linux): a contact it has as sent ok to
    this instance with the same name within `max_age` (30 days) comes back `unchanged`
    and is not sent. `ledger=PATH` (or `ledger` in the config) names another file,
    `ledger=None` keeps none (every row is sent), `resend=True` sends every row and still
    records it. An `ImportOptions` source is taken as it is (its `ledger` included). Without
    `default_region`, the region of the instance's own number is used (see `plan_import`).
    Where the command would exit 2, 3 or 4 this raises UsageError, ApiRejected/PreflightError
    or OutputError.

    It works in a script and inside a running event loop (a Jupyter cell) alike; async
    callers can `await import_async(...)` instead.
    """
    if _loop_running():
        # Inside a running loop (a notebook cell) asyncio.run cannot start here, and the
        # cell's loop must not be blocked by a nested one: the run gets its own loop in a
        # worker thread, and this call waits for it, as in a script.
        settings, control = _with_control(settings)
        with ThreadPoolExecutor(max_workers=1) as pool:
            future = pool.submit(_import, source, config, settings)
            try:
                return future.result()
            except KeyboardInterrupt:
                # Interrupting the cell stops the run as Ctrl-C stops the command: nothing
                # new is sent, the results are written; leaving `with` waits for that.
                control.interrupt()
                raise
    return _import(source, config, settings)


async def import_async(source: ImportOptions | str | os.PathLike[str] | pandas.DataFrame, /, *,
                       config: str | os.PathLike[str] | None = None, **settings: Any) -> Summary:
    """`run_import` for async callers: `summary = await import_async(df, ...)`.

    The run (reading, normalizing and sending) goes on in a worker thread with its own
    event loop, so the caller's loop keeps serving other tasks meanwhile. Cancelling the
    task stops the run (nothing new is sent, the results are written) before it re-raises.
    """
    settings, control = _with_control(settings)
    run = asyncio.ensure_future(asyncio.to_thread(_import, source, config, settings))
    try:
        return await asyncio.shield(run)
    except asyncio.CancelledError:
        control.interrupt("cancelled by the caller")
        await asyncio.wait([run])
        raise


def _with_control(settings: dict[str, Any]) -> tuple[dict[str, Any], RunControl]:
    control = settings.get("control") or RunControl()
    return {**settings, "control": control}, control


def _loop_running() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def _import(source: ImportOptions | str | os.PathLike[str] | pandas.DataFrame,
            config: str | os.PathLike[str] | None, settings: dict[str, Any]) -> Summary:
    settings = dict(settings)
    run_kwargs = {name: settings.pop(name) for name in list(settings) if name in RUN_ARGUMENTS}
    if is_dataframe(source):
        with frame_as_csv(source) as path:
            # The frame's text is written exactly: nothing to detect when reading it back.
            settings.update(encoding="utf-8", delimiter=",", header_row=1, sheet=None)
            return _run_import(path, config, settings, run_kwargs,
                               default_results=Path(FRAME_RESULTS))
    return _run_import(source, config, settings, run_kwargs)


#: Where the results of a DataFrame go when `results` is not given (the current folder).
FRAME_RESULTS = "dataframe.results.csv"


def _run_import(source: ImportOptions | str | os.PathLike[str],
                config: str | os.PathLike[str] | None, settings: dict[str, Any],
                run_kwargs: dict[str, Any], *, default_results: Path | None = None) -> Summary:
    if isinstance(source, ImportOptions):
        if settings or config is not None:
            raise ConfigError("give run_import either an ImportOptions or settings, not both")
        return run_plan(plan_import(source, transport=run_kwargs.get("transport")),
                        **run_kwargs)
    values: dict[str, Any] = {}
    if config is not None:
        path = Path(config)
        values = options_kwargs(load_config(path), path=path, ignore=CLI_ONLY_SETTINGS)
    # Keyword arguments are typed like a config's values; paths may come as text, as they
    # would on a command line, and stay relative to the current folder.
    values.update(typed_values(settings))
    if "ledger" not in values:  # neither the config nor the caller named one (None is "none")
        values["ledger"] = default_ledger()
    options = ImportOptions(input=Path(source), **values)
    if options.results is None and default_results is not None:
        options.results = (dry_run_results_path(default_results) if options.dry_run
                           else default_results)
    return run_plan(plan_import(options, transport=run_kwargs.get("transport")), **run_kwargs)


__all__ = ["Plan", "RunFiles", "Status", "check_base_url", "check_paths", "fetch_session_info",
           "import_async", "instance_chat_id", "instance_region", "plan_import", "run_files",
           "run_import", "run_plan"]
